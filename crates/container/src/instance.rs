//! One sandboxed JS instance on its own thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use rquickjs::{CatchResultExt, CaughtError, Context, Runtime};

/// Limits one instance runs under.
#[derive(Debug, Clone)]
pub struct Limits {
    /// QuickJS heap limit in bytes.
    pub memory: usize,
    /// How long one call into JS may run without returning.
    pub cpu_time: Duration,
    /// Native stack QuickJS may use, which bounds recursion depth.
    pub stack: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory: 64 << 20,
            cpu_time: Duration::from_secs(5),
            stack: 512 << 10,
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
    #[error("the instance has stopped")]
    Stopped,
    #[error("could not start the JS runtime: {0}")]
    Start(String),
}

type Job = Box<dyn FnOnce(&Context, &Deadline) + Send>;

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

/// A handle to an instance. Dropping it stops the instance's thread.
pub struct Instance {
    name: String,
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<thread::JoinHandle<()>>,
    limits: Limits,
}

impl Instance {
    pub fn start(name: &str, limits: Limits) -> Result<Self, RunError> {
        let (tx, rx) = mpsc::channel::<Job>();
        let (ready_tx, ready_rx) = mpsc::channel();
        let l = limits.clone();
        let thread = thread::Builder::new()
            .name(format!("cove-js-{name}"))
            // QuickJS' own stack limit must fit inside the thread's stack.
            .stack_size(l.stack * 4 + (1 << 20))
            .spawn(move || {
                let setup = || -> rquickjs::Result<(Runtime, Context, Deadline)> {
                    let rt = Runtime::new()?;
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
                    Ok((rt, ctx, deadline))
                };
                let (rt, ctx, deadline) = match setup() {
                    Ok(v) => {
                        let _ = ready_tx.send(Ok(()));
                        v
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(RunError::Start(e.to_string())));
                        return;
                    }
                };
                for job in rx {
                    job(&ctx, &deadline);
                    // Promise jobs queued by the call run under the same limits.
                    deadline.arm();
                    while rt.is_job_pending() {
                        if rt.execute_pending_job().is_err() {
                            break;
                        }
                    }
                    deadline.disarm();
                }
            })
            .map_err(|e| RunError::Start(e.to_string()))?;
        ready_rx.recv().map_err(|_| RunError::Stopped)??;
        Ok(Self {
            name: name.to_string(),
            jobs: Some(tx),
            thread: Some(thread),
            limits,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Evaluate a script and return its completion value as JSON (`undefined` as `null`).
    pub fn eval(&self, file: &str, code: &str) -> Result<String, RunError> {
        let (tx, rx) = mpsc::channel();
        let (file, code) = (file.to_string(), code.to_string());
        let limit = self.limits.cpu_time;
        let job: Job = Box::new(move |ctx, deadline| {
            deadline.arm();
            let result = ctx.with(|ctx| {
                let mut opts = rquickjs::context::EvalOptions::default();
                opts.global = true;
                opts.strict = false;
                opts.filename = Some(file);
                let value = ctx
                    .eval_with_options::<rquickjs::Value, _>(code, opts)
                    .catch(&ctx);
                match value {
                    Ok(v) => Ok(ctx
                        .json_stringify(v)
                        .ok()
                        .flatten()
                        .and_then(|s| s.to_string().ok())
                        .unwrap_or_else(|| "null".into())),
                    Err(e) => Err(classify(e, limit)),
                }
            });
            deadline.disarm();
            let _ = tx.send(result);
        });
        self.jobs
            .as_ref()
            .ok_or(RunError::Stopped)?
            .send(job)
            .map_err(|_| RunError::Stopped)?;
        rx.recv().map_err(|_| RunError::Stopped)?
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn classify(e: CaughtError<'_>, limit: Duration) -> RunError {
    let text = e.to_string();
    let lower = text.to_ascii_lowercase();
    if lower.contains("interrupted") {
        RunError::Timeout(limit)
    } else if lower.contains("out of memory")
        || matches!(e, CaughtError::Error(rquickjs::Error::Allocation))
    {
        RunError::OutOfMemory
    } else if lower.contains("stack overflow") || lower.contains("call stack size exceeded") {
        RunError::StackOverflow
    } else {
        RunError::Exception(text)
    }
}
