//! One sandboxed JS instance on its own thread, with an event loop: host jobs, timers,
//! promise jobs and results of native tasks all run on that thread, one turn at a time.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use rquickjs::function::Opt;
use rquickjs::{CatchResultExt, CaughtError, Context, Ctx, Function, Object, Persistent, Runtime};

/// Limits one instance runs under.
#[derive(Debug, Clone)]
pub struct Limits {
    /// QuickJS heap limit in bytes.
    pub memory: usize,
    /// How long one turn of JS may run without returning.
    pub cpu_time: Duration,
    /// Native stack QuickJS may use, which bounds recursion depth.
    pub stack: usize,
    /// Extra time a host waits past `cpu_time` before it gives up on a turn stuck inside a
    /// long built-in call, where the interrupt handler cannot fire.
    pub hang_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            // Real apps load every template and module at launch: WeChat's official demo
            // starts at 44 MB and visits past 64 MB; a phone gives its JS far more.
            memory: 256 << 20,
            cpu_time: Duration::from_secs(5),
            // QuickJS frames are larger than V8's: 1 MB takes recursion about as deep as
            // WeChat's engines allow.
            stack: 1 << 20,
            hang_grace: Duration::from_secs(2),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    #[error("script ran longer than its {0:?} CPU-time limit and was interrupted")]
    Timeout(Duration),
    #[error("script exceeded its memory limit")]
    OutOfMemory,
    #[error("script exceeded the call-stack limit")]
    StackOverflow,
    #[error("uncaught {0}")]
    Exception(String),
    #[error("the instance stopped answering (stuck in a built-in call) and was abandoned")]
    Hung,
    #[error("the instance has stopped")]
    Stopped,
    #[error("could not start the JS runtime: {0}")]
    Start(String),
}

/// Console levels, as `console.<level>` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Debug,
    Log,
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Debug => "debug",
            Self::Log => "log",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "debug" => Self::Debug,
            "info" => Self::Info,
            "warn" => Self::Warn,
            "error" => Self::Error,
            _ => Self::Log,
        }
    }
}

/// How timers measure time: the wall clock, or a clock that moves only on [`Instance::advance`]
/// (deterministic tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Clock {
    #[default]
    Real,
    Manual,
}

pub type ConsoleHook = Arc<dyn Fn(Level, &str) + Send + Sync>;
pub type TurnHook = Arc<dyn Fn(&Ctx<'_>) + Send + Sync>;

/// What an instance tells its host. Called on the instance's thread.
#[derive(Clone)]
pub struct Hooks {
    /// `console.*` output.
    pub console: ConsoleHook,
    /// An error no script caught: thrown by a timer or a task callback, or a limit hit there.
    pub uncaught: Arc<dyn Fn(&RunError) + Send + Sync>,
    /// Run at the end of every turn, after promise jobs (the app layer flushes ops here).
    pub turn_end: Option<TurnHook>,
}

impl Default for Hooks {
    fn default() -> Self {
        Self {
            console: Arc::new(|level, text| tracing::info!(target: "cove::js", ?level, "{text}")),
            uncaught: Arc::new(|e| tracing::warn!(target: "cove::js", "uncaught: {e}")),
            turn_end: None,
        }
    }
}

/// A turn's work; what it returns runs after the turn ends (promise jobs and the turn-end
/// hook included), so a waiting host sees every effect of the turn.
type Reply = Box<dyn FnOnce()>;
type Job = Box<dyn FnOnce(&Ctx<'_>) -> Option<Reply> + Send>;

enum Msg {
    Job(Job),
    Advance(Duration, mpsc::Sender<()>),
    /// Sent by the handle's drop: posters held inside the instance keep the channel open.
    Stop,
}

/// Posts work to an instance's thread from anywhere (native tasks deliver results this way).
#[derive(Clone)]
pub struct Poster(mpsc::Sender<Msg>);

impl Poster {
    /// Run `f` on the instance's thread as its own turn.
    pub fn post(&self, f: impl FnOnce(&Ctx<'_>) + Send + 'static) -> bool {
        self.0
            .send(Msg::Job(Box::new(move |ctx| {
                f(ctx);
                None
            })))
            .is_ok()
    }
}

/// Milliseconds since `epoch` after which JS is interrupted; 0 means no deadline.
struct Deadline {
    epoch: Instant,
    at_ms: Arc<AtomicU64>,
    limit: Duration,
}

impl Deadline {
    fn arm(&self) {
        let at = self.epoch.elapsed() + self.limit;
        self.at_ms
            .store(at.as_millis().max(1) as u64, Ordering::SeqCst);
    }

    fn disarm(&self) {
        self.at_ms.store(0, Ordering::SeqCst);
    }
}

/// Timers by due time; JS keeps the callbacks, Rust only the schedule.
struct Timers {
    clock: Clock,
    epoch: Instant,
    manual_now: Duration,
    due: BTreeMap<(Duration, u64), ()>,
}

impl Timers {
    fn now(&self) -> Duration {
        match self.clock {
            Clock::Real => self.epoch.elapsed(),
            Clock::Manual => self.manual_now,
        }
    }

    fn schedule(&mut self, id: u64, ms: f64) {
        let delay =
            Duration::from_secs_f64(if ms.is_nan() { 0.0 } else { ms.clamp(0.0, 1e9) } / 1000.0);
        self.due.insert((self.now() + delay, id), ());
    }

    fn pop_due(&mut self) -> Option<u64> {
        let (&(at, id), _) = self.due.first_key_value()?;
        (at <= self.now()).then(|| {
            self.due.pop_first();
            id
        })
    }

    /// How long the loop may sleep: until the next real-clock timer, or forever.
    fn sleep(&self) -> Option<Duration> {
        if self.clock == Clock::Manual {
            return None;
        }
        let (&(at, _), _) = self.due.first_key_value()?;
        Some(at.saturating_sub(self.now()))
    }
}

thread_local! {
    /// The timers of the instance whose thread this is, for [`clock_now`].
    static CLOCK: RefCell<Option<Rc<RefCell<Timers>>>> = const { RefCell::new(None) };
    /// A full garbage collection is wanted at the end of this turn (see [`request_gc`]).
    static GC_WANTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The runtime's control object (`js/runtime/exports.js`), handed over once through
    /// the native `bind` before any app code runs. Only Rust holds it: nothing in the
    /// app's global scope leads to it.
    static CONTROL: RefCell<Option<Persistent<Object<'static>>>> = const { RefCell::new(None) };
}

/// Keep `control` as this instance's runtime control object; refused (false) once one is
/// kept, so that nothing can replace it later.
pub(crate) fn bind_control<'js>(ctx: &Ctx<'js>, control: Object<'js>) -> bool {
    CONTROL.with(|c| {
        let mut c = c.borrow_mut();
        if c.is_some() {
            return false;
        }
        *c = Some(Persistent::save(ctx, control));
        true
    })
}

/// A function of the runtime's control object by dotted path (`deliver`, `auto.call`);
/// an error when no runtime is loaded in this instance.
pub fn runtime_fn<'js>(ctx: &Ctx<'js>, path: &str) -> rquickjs::Result<Function<'js>> {
    let control = CONTROL
        .with(|c| c.borrow().clone())
        .ok_or_else(|| rquickjs::Error::new_from_js("undefined", "the runtime's control object"))?
        .restore(ctx)?;
    let mut obj = control;
    let mut parts = path.split('.').peekable();
    while let Some(p) = parts.next() {
        if parts.peek().is_none() {
            return obj.get(p);
        }
        obj = obj.get(p)?;
    }
    unreachable!("split yields at least one part")
}

/// Ask for a full garbage collection when the current turn ends, on an instance's thread.
///
/// QuickJS collects cycles only when the size of new objects passes a threshold it sets to
/// 1.5x the live heap, and never before an allocation fails against the memory limit. A
/// page's component tree is one large cycle: after a few closed pages the garbage alone can
/// reach the limit, and every later allocation fails. So the runtime asks for a collection
/// when pages close, and after an out-of-memory error, which then poisons nothing.
pub(crate) fn request_gc() {
    GC_WANTED.with(|g| g.set(true));
}

/// The instance clock's time (manual or real), on an instance's thread; zero elsewhere.
pub(crate) fn clock_now() -> Duration {
    CLOCK.with(|c| {
        c.borrow()
            .as_ref()
            .and_then(|t| t.try_borrow().ok().map(|t| t.now()))
            .unwrap_or_default()
    })
}

/// Installed before any other script: timers and console on top of the natives.
const PRELUDE: &str = r#"(function (g, schedule, log) {
  'use strict';
  // The timer table is the runtime's: app code that replaces Map's methods must not be
  // handed it (see js/runtime/intrinsics.js).
  const apply = Reflect.apply;
  const [mapGet, mapSet, mapDelete] = [Map.prototype.get, Map.prototype.set, Map.prototype.delete];
  const timers = new Map();
  let next = 0;
  const add = (fn, ms, args, repeat) => {
    const id = ++next;
    const delay = Math.max(0, Number(ms) || 0);
    apply(mapSet, timers, [id, { fn, args, every: repeat ? Math.max(delay, 1) : -1 }]);
    schedule(id, delay);
    return id;
  };
  const clear = (id) => { apply(mapDelete, timers, [id]); };
  Object.assign(g, {
    setTimeout: (fn, ms, ...args) => add(fn, ms, args, false),
    setInterval: (fn, ms, ...args) => add(fn, ms, args, true),
    clearTimeout: clear,
    clearInterval: clear,
  });
  const text = (v) => {
    if (typeof v === 'string') return v;
    if (v instanceof Error) return v.stack ? `${v}\n${v.stack}` : String(v);
    try { const s = JSON.stringify(v); return s === undefined ? String(v) : s; } catch (_e) { return String(v); }
  };
  const console = {};
  for (const level of ['debug', 'log', 'info', 'warn', 'error']) {
    console[level] = (...a) => log(level, a.map(text).join(' '));
  }
  console.trace = console.debug;
  g.console = console;
  return function fire(id) {
    const t = apply(mapGet, timers, [id]);
    if (!t) return;
    if (t.every >= 0) schedule(id, t.every); else apply(mapDelete, timers, [id]);
    if (typeof t.fn === 'function') t.fn(...t.args);
    else if (typeof t.fn === 'string') (0, eval)(t.fn);
  };
})"#;

/// Watchdog state, shared between the handle and the instance's thread.
struct Shared {
    epoch: Instant,
    /// When the running turn started (ms since `epoch`, +1); 0 while idle.
    turn_since: AtomicU64,
    hung: AtomicBool,
}

impl Shared {
    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64 + 1
    }

    /// How long the running turn has been running.
    fn turn_age(&self) -> Option<Duration> {
        match self.turn_since.load(Ordering::SeqCst) {
            0 => None,
            at => Some(Duration::from_millis(self.now_ms().saturating_sub(at))),
        }
    }
}

/// A handle to an instance. Dropping it stops the instance's thread.
pub struct Instance {
    name: String,
    jobs: Option<mpsc::Sender<Msg>>,
    thread: Option<thread::JoinHandle<()>>,
    limits: Limits,
    shared: Arc<Shared>,
}

impl Instance {
    pub fn start(name: &str, limits: Limits) -> Result<Self, RunError> {
        Self::start_with(name, limits, Clock::Real, Hooks::default())
    }

    pub fn start_with(
        name: &str,
        limits: Limits,
        clock: Clock,
        hooks: Hooks,
    ) -> Result<Self, RunError> {
        let (tx, rx) = mpsc::channel::<Msg>();
        let (ready_tx, ready_rx) = mpsc::channel();
        let l = limits.clone();
        let shared = Arc::new(Shared {
            epoch: Instant::now(),
            turn_since: AtomicU64::new(0),
            hung: AtomicBool::new(false),
        });
        let watch = shared.clone();
        let thread = thread::Builder::new()
            .name(format!("cove-js-{name}"))
            // QuickJS' own stack limit must fit inside the thread's stack.
            .stack_size(l.stack * 4 + (1 << 20))
            .spawn(move || {
                let timers = Rc::new(RefCell::new(Timers {
                    clock,
                    epoch: Instant::now(),
                    manual_now: Duration::ZERO,
                    due: BTreeMap::new(),
                }));
                CLOCK.with(|c| *c.borrow_mut() = Some(timers.clone()));
                let rejections = Rejections::default();
                let (rt, ctx, deadline, fire) = match setup(&l, &timers, &hooks, &rejections) {
                    Ok(v) => {
                        let _ = ready_tx.send(Ok(()));
                        v
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(RunError::Start(e.to_string())));
                        return;
                    }
                };
                let mut event_loop = Loop {
                    rt,
                    ctx,
                    deadline,
                    fire,
                    timers,
                    hooks,
                    watch,
                    rejections,
                };
                event_loop.run(rx);
            })
            .map_err(|e| RunError::Start(e.to_string()))?;
        ready_rx.recv().map_err(|_| RunError::Stopped)??;
        Ok(Self {
            name: name.to_string(),
            jobs: Some(tx),
            thread: Some(thread),
            limits,
            shared,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// A poster for native tasks that complete later, on other threads.
    pub fn poster(&self) -> Option<Poster> {
        self.jobs.clone().map(Poster)
    }

    /// Run `f` on the instance's thread as one turn and wait for its result. A turn stuck
    /// past the CPU limit plus the grace (a long built-in call) abandons the instance.
    pub fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Ctx<'_>) -> R + Send + 'static,
    ) -> Result<R, RunError> {
        if self.shared.hung.load(Ordering::SeqCst) {
            return Err(RunError::Hung);
        }
        let (tx, rx) = mpsc::channel();
        let job: Job = Box::new(move |ctx| {
            let r = f(ctx);
            Some(Box::new(move || {
                let _ = tx.send(r);
            }))
        });
        self.jobs
            .as_ref()
            .ok_or(RunError::Stopped)?
            .send(Msg::Job(job))
            .map_err(|_| RunError::Stopped)?;
        // The watchdog: queued turns are each bounded by the interrupt, so only a turn that
        // outlives its limit plus the grace is stuck where the interrupt cannot reach.
        let patience = self.limits.cpu_time + self.limits.hang_grace;
        loop {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(r) => return Ok(r),
                Err(mpsc::RecvTimeoutError::Disconnected) => return Err(RunError::Stopped),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if self.shared.turn_age().is_some_and(|age| age > patience) {
                        self.shared.hung.store(true, Ordering::SeqCst);
                        tracing::error!(instance = %self.name, "JS thread stuck past its limit; abandoned");
                        return Err(RunError::Hung);
                    }
                }
            }
        }
    }

    /// Evaluate a script and return its completion value as JSON (`undefined` as `null`).
    pub fn eval(&self, file: &str, code: &str) -> Result<String, RunError> {
        let (file, code) = (file.to_string(), code.to_string());
        let limit = self.limits.cpu_time;
        self.run(move |ctx| {
            let mut opts = rquickjs::context::EvalOptions::default();
            opts.global = true;
            opts.strict = false;
            opts.filename = Some(file);
            let value = ctx
                .eval_with_options::<rquickjs::Value, _>(code, opts)
                .catch(ctx);
            match value {
                Ok(v) => Ok(to_json(ctx, v)),
                Err(e) => Err(classify(e, limit)),
            }
        })?
    }

    /// Move a [`Clock::Manual`] clock forward, firing the timers that come due, in order.
    pub fn advance(&self, by: Duration) -> Result<(), RunError> {
        let (tx, rx) = mpsc::channel();
        self.jobs
            .as_ref()
            .ok_or(RunError::Stopped)?
            .send(Msg::Advance(by, tx))
            .map_err(|_| RunError::Stopped)?;
        rx.recv().map_err(|_| RunError::Stopped)
    }

    /// Heap bytes QuickJS has allocated for this instance.
    pub fn heap_bytes(&self) -> Result<u64, RunError> {
        self.run(memory_used)
    }
}

fn memory_used(ctx: &Ctx<'_>) -> u64 {
    // SAFETY: a GC pass and a read of the usage counters, on the runtime's own thread.
    unsafe {
        let rt = rquickjs::qjs::JS_GetRuntime(ctx.as_raw().as_ptr());
        rquickjs::qjs::JS_RunGC(rt);
        let mut usage = std::mem::MaybeUninit::<rquickjs::qjs::JSMemoryUsage>::zeroed();
        rquickjs::qjs::JS_ComputeMemoryUsage(rt, usage.as_mut_ptr());
        usage.assume_init().malloc_size as u64
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(tx) = self.jobs.take() {
            let _ = tx.send(Msg::Stop);
        }
        if let Some(t) = self.thread.take() {
            // A hung thread is left behind (it holds only its own heap); joining would hang too.
            if !self.shared.hung.load(Ordering::SeqCst) {
                let _ = t.join();
            }
        }
    }
}

type Fire = Persistent<Function<'static>>;

/// Promises rejected with no handler yet, with their reasons; reported at the turn's end
/// unless a handler was attached meanwhile.
type Rejections = Rc<
    RefCell<
        Vec<(
            Persistent<rquickjs::Value<'static>>,
            Persistent<rquickjs::Value<'static>>,
        )>,
    >,
>;

fn setup(
    l: &Limits,
    timers: &Rc<RefCell<Timers>>,
    hooks: &Hooks,
    rejections: &Rejections,
) -> rquickjs::Result<(Runtime, Context, Deadline, Fire)> {
    let rt = Runtime::new()?;
    let pending = rejections.clone();
    rt.set_host_promise_rejection_tracker(Some(Box::new(
        move |ctx, promise, reason, is_handled| {
            let mut list = pending.borrow_mut();
            if is_handled {
                list.retain(|(p, _)| p.clone().restore(&ctx).ok().as_ref() != Some(&promise));
            } else {
                list.push((
                    Persistent::save(&ctx, promise),
                    Persistent::save(&ctx, reason),
                ));
            }
        },
    )));
    rt.set_memory_limit(l.memory);
    rt.set_max_stack_size(l.stack);

    let deadline = Deadline {
        epoch: Instant::now(),
        at_ms: Arc::new(AtomicU64::new(0)),
        limit: l.cpu_time,
    };
    let (epoch, at_ms) = (deadline.epoch, deadline.at_ms.clone());
    rt.set_interrupt_handler(Some(Box::new(move || {
        let at = at_ms.load(Ordering::Relaxed);
        at != 0 && epoch.elapsed().as_millis() as u64 > at
    })));
    let ctx = Context::full(&rt)?;
    let fire = ctx.with(|ctx| -> rquickjs::Result<Fire> {
        let t = timers.clone();
        let schedule = Function::new(ctx.clone(), move |id: f64, ms: Opt<f64>| {
            t.borrow_mut().schedule(id as u64, ms.0.unwrap_or(0.0));
        })?;
        let console = hooks.console.clone();
        let log = Function::new(ctx.clone(), move |level: String, text: String| {
            console(Level::parse(&level), &text);
        })?;
        let make: Function = ctx.eval(PRELUDE)?;
        let fire: Function = make.call((ctx.globals(), schedule, log))?;
        Ok(Persistent::save(&ctx, fire))
    })?;
    Ok((rt, ctx, deadline, fire))
}

/// Fields drop in order: JS values before their context, the context before the runtime.
struct Loop {
    fire: Fire,
    ctx: Context,
    rt: Runtime,
    deadline: Deadline,
    timers: Rc<RefCell<Timers>>,
    hooks: Hooks,
    watch: Arc<Shared>,
    rejections: Rejections,
}

impl Drop for Loop {
    fn drop(&mut self) {
        // Persistent values must go before the runtime that owns them.
        self.rejections.borrow_mut().clear();
        CONTROL.with(|c| c.borrow_mut().take());
    }
}

impl Loop {
    fn run(&mut self, rx: mpsc::Receiver<Msg>) {
        loop {
            self.fire_due();
            let msg = match self.timers.borrow().sleep() {
                Some(d) => match rx.recv_timeout(d) {
                    Ok(m) => m,
                    Err(mpsc::RecvTimeoutError::Timeout) => continue,
                    Err(mpsc::RecvTimeoutError::Disconnected) => return,
                },
                None => match rx.recv() {
                    Ok(m) => m,
                    Err(_) => return,
                },
            };
            match msg {
                Msg::Stop => return,
                Msg::Job(job) => {
                    if let Some(reply) = self.turn(job) {
                        reply();
                    }
                }
                Msg::Advance(by, done) => {
                    let target = self.timers.borrow().manual_now + by;
                    loop {
                        // Step to each timer's due time, so intervals fire the right count.
                        let next = self.timers.borrow().due.first_key_value().map(|(k, _)| k.0);
                        match next {
                            Some(at) if at <= target => {
                                self.timers.borrow_mut().manual_now = at;
                                self.fire_due();
                            }
                            _ => break,
                        }
                    }
                    self.timers.borrow_mut().manual_now = target;
                    let _ = done.send(());
                }
            }
        }
    }

    /// Hand each still-unhandled rejection to the runtime's `unhandledRejection` when an
    /// app runtime is loaded, else to the console hook.
    fn report_rejections(&mut self) {
        let list = std::mem::take(&mut *self.rejections.borrow_mut());
        if list.is_empty() {
            return;
        }
        let console = self.hooks.console.clone();
        self.ctx.with(|ctx| {
            for (promise, reason) in list {
                let (Ok(promise), Ok(reason)) = (promise.restore(&ctx), reason.restore(&ctx))
                else {
                    continue;
                };
                match runtime_fn(&ctx, "unhandledRejection") {
                    Ok(f) => {
                        let _ = f.call::<_, ()>((reason, promise)).catch(&ctx);
                    }
                    Err(_) => {
                        let text = reason
                            .as_object()
                            .and_then(|o| o.get::<_, String>("message").ok())
                            .unwrap_or_else(|| to_json(&ctx, reason.clone()));
                        console(
                            Level::Error,
                            &format!("Unhandled promise rejection: {text}"),
                        );
                    }
                }
            }
        });
        // Handlers may reject again; those wait for the next turn.
        while self.rt.is_job_pending() {
            if self.rt.execute_pending_job().is_err() {
                break;
            }
        }
    }

    fn fire_due(&mut self) {
        loop {
            let Some(id) = self.timers.borrow_mut().pop_due() else {
                return;
            };
            let fire = self.fire.clone();
            let (uncaught, limit) = (self.hooks.uncaught.clone(), self.deadline.limit);
            self.turn(move |ctx| {
                let result = fire
                    .restore(ctx)
                    .and_then(|f| f.call::<_, ()>((id as f64,)))
                    .catch(ctx);
                if let Err(e) = result {
                    uncaught(&classify(e, limit));
                }
                None
            });
        }
    }

    /// One turn: the job, then promise jobs, then the turn-end hook, all under the deadline.
    fn turn(&mut self, job: impl FnOnce(&Ctx<'_>) -> Option<Reply>) -> Option<Reply> {
        self.watch
            .turn_since
            .store(self.watch.now_ms(), Ordering::SeqCst);
        self.deadline.arm();
        let reply = self.ctx.with(|ctx| job(&ctx));
        while self.rt.is_job_pending() {
            match self.rt.execute_pending_job() {
                Ok(_) => {}
                Err(e) => {
                    let limit = self.deadline.limit;
                    let err = e.0.with(|ctx| {
                        classify(
                            CaughtError::from_error(&ctx, rquickjs::Error::Exception),
                            limit,
                        )
                    });
                    (self.hooks.uncaught)(&err);
                    if matches!(err, RunError::Timeout(_)) {
                        break;
                    }
                }
            }
        }
        self.report_rejections();
        if let Some(end) = self.hooks.turn_end.clone() {
            self.ctx.with(|ctx| end(&ctx));
        }
        if GC_WANTED.with(|g| g.replace(false)) {
            self.rt.run_gc();
        }
        self.deadline.disarm();
        self.watch.turn_since.store(0, Ordering::SeqCst);
        reply
    }
}

/// JSON text of a JS value (`undefined` and functions as `null`).
pub fn to_json<'js>(ctx: &Ctx<'js>, v: rquickjs::Value<'js>) -> String {
    ctx.json_stringify(v)
        .ok()
        .flatten()
        .and_then(|s| s.to_string().ok())
        .unwrap_or_else(|| "null".into())
}

/// A global function by dotted path, e.g. `JSON.parse`.
pub fn global_fn<'js>(ctx: &Ctx<'js>, path: &str) -> rquickjs::Result<Function<'js>> {
    let mut obj: Object = ctx.globals();
    let mut parts = path.split('.').peekable();
    while let Some(p) = parts.next() {
        if parts.peek().is_none() {
            return obj.get(p);
        }
        obj = obj.get(p)?;
    }
    unreachable!("split yields at least one part")
}

pub(crate) fn classify(e: CaughtError<'_>, limit: Duration) -> RunError {
    let text = e.to_string();
    let lower = text.to_ascii_lowercase();
    if lower.contains("interrupted") {
        RunError::Timeout(limit)
    } else if lower.contains("out of memory")
        || matches!(e, CaughtError::Error(rquickjs::Error::Allocation))
    {
        request_gc();
        RunError::OutOfMemory
    } else if lower.contains("stack overflow") || lower.contains("call stack size exceeded") {
        RunError::StackOverflow
    } else {
        RunError::Exception(text)
    }
}
