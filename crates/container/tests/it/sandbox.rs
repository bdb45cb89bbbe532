//! Each instance is held to its own limits, and a runaway one never stops another.

use std::time::{Duration, Instant};

use cove_container::{Instance, Limits, RunError};

fn limits() -> Limits {
    Limits {
        memory: 16 << 20,
        cpu_time: Duration::from_millis(300),
        stack: 256 << 10,
        ..Limits::default()
    }
}

#[test]
fn busy_loop_is_interrupted_and_the_neighbour_keeps_answering() {
    let a = Instance::start("a", limits()).unwrap();
    let b = Instance::start("b", limits()).unwrap();
    let started = Instant::now();
    let stuck = std::thread::spawn(move || {
        let r = a.eval("page.js", "while (true) {}");
        (r, a)
    });
    // While `a` spins, `b` answers promptly, many times.
    for i in 0..20 {
        let t = Instant::now();
        assert_eq!(
            b.eval("b.js", &format!("{i} + 1")).unwrap(),
            (i + 1).to_string()
        );
        assert!(t.elapsed() < Duration::from_secs(1), "b was held up by a");
    }
    let (r, a) = stuck.join().unwrap();
    assert_eq!(r, Err(RunError::Timeout(Duration::from_millis(300))));
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(3),
        "took {took:?}"
    );
    // The interrupted instance still works afterwards.
    assert_eq!(a.eval("after.js", "6 * 7").unwrap(), "42");
}

#[test]
fn memory_bomb_fails_inside_its_own_instance_only() {
    let a = Instance::start("bomb", limits()).unwrap();
    let b = Instance::start("calm", limits()).unwrap();
    b.eval("b.js", "globalThis.kept = [1, 2, 3]").unwrap();
    let r = a.eval(
        "bomb.js",
        "const xs = []; for (;;) xs.push(new Array(100000).fill(1));",
    );
    assert_eq!(r, Err(RunError::OutOfMemory));
    assert_eq!(b.eval("b.js", "kept.length").unwrap(), "3");
    assert_eq!(a.eval("a.js", "'alive'").unwrap(), "\"alive\"");
}

#[test]
fn deep_recursion_is_caught() {
    let a = Instance::start("deep", limits()).unwrap();
    let r = a.eval("deep.js", "function f(n) { return f(n + 1) + 1; } f(0)");
    assert_eq!(r, Err(RunError::StackOverflow));
    assert_eq!(a.eval("a.js", "1").unwrap(), "1");
}

#[test]
fn instances_share_no_globals_or_prototypes() {
    let a = Instance::start("one", limits()).unwrap();
    let b = Instance::start("two", limits()).unwrap();
    a.eval("a.js", "globalThis.secret = 'token-a'; Array.prototype.evil = 1; Object.prototype.polluted = true;").unwrap();
    assert_eq!(b.eval("b.js", "typeof secret").unwrap(), "\"undefined\"");
    assert_eq!(
        b.eval(
            "b.js",
            "[].evil === undefined && ({}).polluted === undefined"
        )
        .unwrap(),
        "true"
    );
    assert_eq!(a.eval("a.js", "secret").unwrap(), "\"token-a\"");
}

#[test]
fn promise_jobs_run_and_exceptions_are_reported() {
    let a = Instance::start("jobs", limits()).unwrap();
    a.eval(
        "a.js",
        "globalThis.out = []; Promise.resolve(1).then(v => out.push(v + 1));",
    )
    .unwrap();
    assert_eq!(a.eval("a.js", "out").unwrap(), "[2]");
    match a.eval("a.js", "throw new TypeError('bad thing')") {
        Err(RunError::Exception(m)) => assert!(m.contains("bad thing"), "{m}"),
        other => panic!("{other:?}"),
    }
}
