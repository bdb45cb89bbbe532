//! The instance's event loop: timers in due order, console forwarding, uncaught errors
//! reported to the host, and the hard watchdog for turns the interrupt cannot stop.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cove_container::{Clock, Hooks, Instance, Level, Limits, RunError};

type Lines = Arc<Mutex<Vec<String>>>;

fn manual() -> (Instance, Lines) {
    let lines: Lines = Arc::default();
    let (l1, l2) = (lines.clone(), lines.clone());
    let hooks = Hooks {
        console: Arc::new(move |level, text| {
            l1.lock()
                .unwrap()
                .push(format!("{}: {text}", level.as_str()))
        }),
        uncaught: Arc::new(move |e| l2.lock().unwrap().push(format!("uncaught: {e}"))),
        turn_end: None,
    };
    let limits = Limits {
        cpu_time: Duration::from_millis(300),
        ..Limits::default()
    };
    let i = Instance::start_with("t", limits, Clock::Manual, hooks).unwrap();
    (i, lines)
}

fn take(lines: &Lines) -> Vec<String> {
    std::mem::take(&mut *lines.lock().unwrap())
}

#[test]
fn timers_fire_in_due_order_and_clear() {
    let (i, lines) = manual();
    i.eval(
        "t.js",
        r#"
        setTimeout(() => console.log('b 20'), 20);
        setTimeout((x) => console.log('a 10', x), 10, 'arg');
        const gone = setTimeout(() => console.log('never'), 5);
        clearTimeout(gone);
        let n = 0;
        const iv = setInterval(() => { n++; console.info('tick', n); if (n === 3) clearInterval(iv); }, 7);
        Promise.resolve().then(() => console.warn('microtask first'));
        "#,
    )
    .unwrap();
    assert_eq!(take(&lines), ["warn: microtask first"]);
    i.advance(Duration::from_millis(9)).unwrap();
    assert_eq!(take(&lines), ["info: tick 1"]);
    i.advance(Duration::from_millis(100)).unwrap();
    assert_eq!(
        take(&lines),
        ["a 10 arg", "info: tick 2", "b 20", "info: tick 3"].map(|s| if s.contains(':') {
            s.to_string()
        } else {
            format!("log: {s}")
        })
    );
    i.advance(Duration::from_millis(100)).unwrap();
    assert!(take(&lines).is_empty());
}

#[test]
fn errors_in_timers_reach_the_host_and_the_loop_goes_on() {
    let (i, lines) = manual();
    i.eval(
        "t.js",
        "setTimeout(() => { throw new TypeError('boom') }, 1);\n\
         setTimeout(() => { while (true) {} }, 2);\n\
         setTimeout(() => console.error({ still: 'alive' }), 3);",
    )
    .unwrap();
    i.advance(Duration::from_millis(5)).unwrap();
    let got = take(&lines);
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(
        got[0].starts_with("uncaught: uncaught ") && got[0].contains("boom"),
        "{got:?}"
    );
    assert!(got[1].contains("CPU-time limit"), "{got:?}");
    assert_eq!(got[2], r#"error: {"still":"alive"}"#);
    assert_eq!(Level::Error.as_str(), "error");
}

#[test]
fn real_clock_timers_fire_without_host_calls() {
    let lines: Lines = Arc::default();
    let l1 = lines.clone();
    let hooks = Hooks {
        console: Arc::new(move |_, text| l1.lock().unwrap().push(text.to_string())),
        ..Hooks::default()
    };
    let i = Instance::start_with("t", Limits::default(), Clock::Real, hooks).unwrap();
    i.eval("t.js", "setTimeout(() => console.log('late'), 30)")
        .unwrap();
    assert!(take(&lines).is_empty());
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(take(&lines), ["late"]);
}

#[test]
fn a_turn_stuck_outside_the_interrupt_is_abandoned() {
    let limits = Limits {
        cpu_time: Duration::from_millis(100),
        hang_grace: Duration::from_millis(100),
        ..Limits::default()
    };
    let i = Instance::start("stuck", limits).unwrap();
    // A native call that never yields to the interpreter, as a long built-in would.
    let r = i.run(|_| std::thread::sleep(Duration::from_secs(2)));
    assert_eq!(r, Err(RunError::Hung));
    assert_eq!(i.eval("x.js", "1"), Err(RunError::Hung));
    let other = Instance::start("other", Limits::default()).unwrap();
    assert_eq!(other.eval("x.js", "2").unwrap(), "2");
}
