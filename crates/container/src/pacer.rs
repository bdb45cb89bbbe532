//! Pacing what an app sends to its view. App code is not trusted: a `setData` in a tight
//! timer loop, or a million nodes in one turn, would otherwise reach the view as fast as the
//! app can make them, and a view that falls behind stops answering its user.
//!
//! Each app has two token buckets on its instance clock, one counting messages and one
//! bytes. Within them every message leaves at once, one `ops` batch per turn as before.
//! Past them messages wait, in order: consecutive `ops` batches merge into one, where a
//! later `text`, `attr`/`removeAttr`, `style`, `id` or `class`/`removeClass` op on the same
//! target replaces the earlier one, and the wait leaves at most once a [`FRAME`], as
//! batches of at most [`MAX_MESSAGE_OPS`] ops and [`MAX_MESSAGE_BYTES`] bytes. A host
//! request waits behind them too, so that it never reaches the view before the nodes it
//! names. A backlog past [`MAX_QUEUED_BYTES`] is dropped with an error: the view is then
//! out of date, but alive.
//!
//! The clock is the instance's, so a manual clock paces deterministically (tests).

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use serde_json::{Value, json};

use crate::bridge::Reply;

/// Ops in one `ops` message at most.
pub const MAX_MESSAGE_OPS: usize = 10_000;
/// Bytes of one message at most, unless a single op is bigger (it then goes alone).
pub const MAX_MESSAGE_BYTES: usize = 1 << 20;
/// A single op bigger than this is dropped (setData is limited to 1 MB before it).
pub const MAX_OP_BYTES: usize = 4 << 20;
/// `setData`'s limit, as WeChat counts it (UTF-16 units of the JSON text). The runtime
/// refuses a data update over it; here the bridge refuses any text or attribute value over
/// it, so no such value reaches the view whatever the app's JS did to the runtime.
pub const MAX_DATA_VALUE: usize = 1 << 20;
/// What may wait for the view; more is dropped.
pub const MAX_QUEUED_BYTES: usize = 32 << 20;
/// Waiting messages leave at most this often.
pub const FRAME: Duration = Duration::from_millis(16);
/// Messages that may leave at once, and how many more each second allows.
pub const MESSAGE_BURST: f64 = 1000.0;
pub const MESSAGES_PER_SECOND: f64 = 250.0;
/// Bytes that may leave at once, and how many more each second allows (a canvas drawn every
/// frame sends a few MB a second).
pub const BYTE_BURST: f64 = 16.0 * 1024.0 * 1024.0;
pub const BYTES_PER_SECOND: f64 = 8.0 * 1024.0 * 1024.0;
/// Warnings about a flood: at most one per this much instance time.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// What the bridge must do, in order, once it no longer holds the pacer.
pub(crate) enum Out {
    Send(String),
    Request(String, Value, Reply),
    Warn(String),
}

struct Bucket {
    level: f64,
    burst: f64,
    rate: f64,
}

impl Bucket {
    fn new(burst: f64, rate: f64) -> Self {
        Self {
            level: burst,
            burst,
            rate,
        }
    }

    fn refill(&mut self, secs: f64) {
        self.level = (self.level + secs * self.rate).min(self.burst);
    }

    /// Seconds until the level reaches `need` (capped at the burst).
    fn wait(&self, need: f64) -> f64 {
        ((need.min(self.burst) - self.level) / self.rate).max(0.0)
    }
}

/// An op's target, for ops where only the last one counts.
#[derive(Hash, PartialEq, Eq)]
struct Key(u8, u64, String);

fn key(op: &Value) -> Option<Key> {
    let a = op.as_array()?;
    let kind = a.first()?.as_str()?;
    let id = a.get(1)?.as_u64()?;
    let name = |i: usize| a.get(i).map(|v| v.to_string()).unwrap_or_default();
    Some(match kind {
        "text" => Key(0, id, String::new()),
        "attr" | "removeAttr" => Key(1, id, name(2)),
        "style" => Key(2, id, String::new()),
        "id" => Key(3, id, String::new()),
        "class" | "removeClass" => Key(4, id, format!("{}\u{0}{}", name(2), name(3))),
        _ => return None,
    })
}

/// Waiting ops, merged; each as its JSON text, `None` once replaced or sent.
#[derive(Default)]
struct Batch {
    ops: Vec<Option<String>>,
    next: usize,
    last: HashMap<Key, usize>,
}

impl Batch {
    /// Add an op; returns the bytes it adds less the bytes of the op it replaces.
    fn push(&mut self, op: &Value) -> isize {
        let text = op.to_string();
        let mut delta = text.len() as isize;
        let at = self.ops.len();
        if let Some(k) = key(op)
            && let Some(i) = self.last.insert(k, at)
            && i >= self.next
            && let Some(old) = self.ops[i].take()
        {
            delta -= old.len() as isize;
        }
        self.ops.push(Some(text));
        delta
    }

    /// The next message's end index, bytes and op count.
    fn chunk(&self) -> (usize, usize, usize) {
        let (mut bytes, mut count, mut end) = (0, 0, self.next);
        while end < self.ops.len() {
            if let Some(t) = &self.ops[end] {
                if count > 0 && (count == MAX_MESSAGE_OPS || bytes + t.len() > MAX_MESSAGE_BYTES) {
                    break;
                }
                bytes += t.len() + 1;
                count += 1;
            }
            end += 1;
        }
        (end, bytes, count)
    }

    fn take(&mut self, end: usize) -> String {
        let mut out = String::from(r#"{"t":"ops","ops":["#);
        let mut first = true;
        for slot in &mut self.ops[self.next..end] {
            if let Some(t) = slot.take() {
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(&t);
            }
        }
        out.push_str("]}");
        self.next = end;
        out
    }

    fn done(&self) -> bool {
        self.next >= self.ops.len()
    }
}

enum Item {
    Ops(Batch),
    Msg(String),
    Request(String, Value, Reply),
}

pub(crate) struct Pacer {
    messages: Bucket,
    bytes: Bucket,
    at: Duration,
    last_release: Option<Duration>,
    queue: VecDeque<Item>,
    queued_bytes: usize,
    warned: Option<Duration>,
    dropped: u64,
    /// Set once messages had to wait; until the buckets are full again, every message waits
    /// for the next frame, so that a flood is merged rather than let through a turn at a time.
    hold: bool,
}

impl Default for Pacer {
    fn default() -> Self {
        Self {
            messages: Bucket::new(MESSAGE_BURST, MESSAGES_PER_SECOND),
            bytes: Bucket::new(BYTE_BURST, BYTES_PER_SECOND),
            at: Duration::ZERO,
            last_release: None,
            queue: VecDeque::new(),
            queued_bytes: 0,
            warned: None,
            dropped: 0,
            hold: false,
        }
    }
}

/// Whether `op` sets a text or an attribute value longer than [`MAX_DATA_VALUE`]. Only a
/// message longer than that can hold one, and such messages are always parsed here.
fn carries_too_much_data(op: &Value) -> bool {
    if crate::mutation::off(crate::mutation::Control::SetData) {
        return false;
    }
    let Some(a) = op.as_array() else {
        return false;
    };
    let value = match a.first().and_then(Value::as_str) {
        Some("text" | "createText") => a.get(2),
        Some("attr") => a.get(3),
        _ => None,
    };
    let Some(v) = value else {
        return false;
    };
    // Cheap bound first: UTF-8 bytes are never fewer than UTF-16 units.
    let text = v.to_string();
    text.len() > MAX_DATA_VALUE && text.encode_utf16().count() > MAX_DATA_VALUE
}

/// An upper bound of the ops in an `ops` message: each op opens a bracket.
fn ops_bound(msg: &str) -> usize {
    msg.bytes().filter(|&b| b == b'[').count()
}

impl Pacer {
    fn refill(&mut self, now: Duration) {
        if now > self.at {
            let secs = (now - self.at).as_secs_f64();
            self.messages.refill(secs);
            self.bytes.refill(secs);
            self.at = now;
        }
        if self.messages.level >= self.messages.burst && self.bytes.level >= self.bytes.burst {
            self.hold = false;
        }
    }

    fn afford(&self, bytes: usize) -> bool {
        self.messages.level >= 1.0 && self.bytes.level >= (bytes as f64).min(self.bytes.burst)
    }

    fn spend(&mut self, bytes: usize) {
        self.messages.level -= 1.0;
        self.bytes.level -= bytes as f64;
    }

    /// A message of the app for its host (docs/protocol.md).
    pub fn post(&mut self, msg: String, now: Duration) -> Vec<Out> {
        let mut out = vec![];
        // Automator events are for the tester, not the view.
        if msg.starts_with(r#"{"t":"automator""#) {
            out.push(Out::Send(msg));
            return out;
        }
        self.refill(now);
        let is_ops = msg.starts_with(r#"{"t":"ops""#);
        let was_idle = self.queue.is_empty();
        if was_idle
            && !self.hold
            && msg.len() <= MAX_MESSAGE_BYTES
            && (!is_ops || ops_bound(&msg) <= MAX_MESSAGE_OPS)
            && self.afford(msg.len())
        {
            self.spend(msg.len());
            out.push(Out::Send(msg));
            return out;
        }
        if is_ops {
            match serde_json::from_str::<Value>(&msg) {
                Ok(mut v) => {
                    let ops = match v.get_mut("ops").map(Value::take) {
                        Some(Value::Array(ops)) => ops,
                        _ => vec![],
                    };
                    self.enqueue_ops(ops, &mut out);
                }
                Err(_) => self.enqueue(msg, &mut out),
            }
        } else {
            self.enqueue(msg, &mut out);
        }
        // A big batch from an idle app leaves now, as far as the buckets allow.
        if was_idle && !self.hold {
            self.release(now, &mut out);
        }
        if !self.queue.is_empty() {
            self.hold = true;
        }
        self.warn_if_waiting(now, &mut out);
        out
    }

    /// A host request: at once, unless messages wait (the view must see them first).
    pub fn request(&mut self, api: String, args: Value, reply: Reply) -> Vec<Out> {
        if self.queue.is_empty() {
            return vec![Out::Request(api, args, reply)];
        }
        self.queue.push_back(Item::Request(api, args, reply));
        vec![]
    }

    /// Called at the end of every turn and by the pacing timer: release what is due, and
    /// say in how many milliseconds to call again (`None`: nothing waits).
    pub fn pace(&mut self, now: Duration) -> (Vec<Out>, Option<f64>) {
        let mut out = vec![];
        if self.queue.is_empty() {
            return (out, None);
        }
        self.refill(now);
        let due = self.last_release.is_none_or(|at| now >= at + FRAME);
        if due {
            self.release(now, &mut out);
        }
        if self.queue.is_empty() {
            return (out, None);
        }
        let frame = self
            .last_release
            .map_or(0.0, |at| (at + FRAME).saturating_sub(now).as_secs_f64());
        let need = match self.queue.front() {
            Some(Item::Ops(b)) => b.chunk().1,
            Some(Item::Msg(m)) => m.len(),
            _ => 0,
        };
        let wait = frame
            .max(self.messages.wait(1.0))
            .max(self.bytes.wait(need as f64));
        (out, Some((wait * 1000.0).ceil().max(1.0)))
    }

    fn enqueue(&mut self, msg: String, out: &mut Vec<Out>) {
        if self.queued_bytes + msg.len() > MAX_QUEUED_BYTES {
            self.drop_some(1, out);
            return;
        }
        self.queued_bytes += msg.len();
        self.queue.push_back(Item::Msg(msg));
    }

    fn enqueue_ops(&mut self, ops: Vec<Value>, out: &mut Vec<Out>) {
        if !matches!(self.queue.back(), Some(Item::Ops(_))) {
            self.queue.push_back(Item::Ops(Batch::default()));
        }
        let Some(Item::Ops(batch)) = self.queue.back_mut() else {
            unreachable!("pushed above")
        };
        let (mut queued, mut dropped) = (self.queued_bytes as isize, 0u64);
        let (mut big, mut data) = (0, 0);
        for op in &ops {
            if carries_too_much_data(op) {
                data += 1;
                // The node must still exist for the ops that follow: it is created empty.
                if op[0] == "createText" {
                    queued += batch.push(&json!(["createText", op[1], ""]));
                }
                continue;
            }
            // Cheap bound first: serializing a huge op only to drop it is waste.
            if queued as usize > MAX_QUEUED_BYTES {
                dropped += 1;
                continue;
            }
            let before = batch.ops.len();
            queued += batch.push(op);
            if batch.ops[before]
                .as_ref()
                .is_some_and(|t| t.len() > MAX_OP_BYTES)
            {
                queued -= batch.ops[before].take().map_or(0, |t| t.len()) as isize;
                big += 1;
            }
        }
        self.queued_bytes = queued.max(0) as usize;
        if big > 0 {
            out.push(Out::Warn(format!(
                "cove: {big} view operation(s) larger than {} MB dropped",
                MAX_OP_BYTES >> 20
            )));
        }
        if data > 0 {
            out.push(Out::Warn(format!(
                "cove: {data} view operation(s) carrying a value over setData's {} MB limit \
                 were not sent to the view",
                MAX_DATA_VALUE >> 20
            )));
        }
        if dropped > 0 {
            self.drop_some(dropped, out);
        }
    }

    fn drop_some(&mut self, n: u64, out: &mut Vec<Out>) {
        let first = self.dropped == 0;
        self.dropped += n;
        if first {
            let text = format!(
                "cove: the app sent its view more than {} MB it could not yet draw; \
                 updates were dropped and the view is out of date",
                MAX_QUEUED_BYTES >> 20
            );
            out.push(Out::Warn(text.clone()));
            self.queue.push_back(Item::Msg(
                json!({"t": "error", "message": text}).to_string(),
            ));
        }
    }

    fn release(&mut self, now: Duration, out: &mut Vec<Out>) {
        loop {
            let need = match self.queue.front_mut() {
                None => break,
                Some(Item::Request(..)) => {
                    if let Some(Item::Request(api, args, reply)) = self.queue.pop_front() {
                        out.push(Out::Request(api, args, reply));
                    }
                    continue;
                }
                Some(Item::Msg(m)) => m.len(),
                Some(Item::Ops(b)) => {
                    let (end, bytes, count) = b.chunk();
                    if count == 0 {
                        // Only replaced ops were left.
                        b.next = end;
                        self.queue.pop_front();
                        continue;
                    }
                    bytes
                }
            };
            if !self.afford(need) {
                break;
            }
            let text = match self.queue.front_mut() {
                Some(Item::Ops(b)) => {
                    let (end, _, _) = b.chunk();
                    let text = b.take(end);
                    if b.done() {
                        self.queue.pop_front();
                    }
                    text
                }
                _ => match self.queue.pop_front() {
                    Some(Item::Msg(m)) => m,
                    _ => unreachable!("the front is a message"),
                },
            };
            self.spend(text.len());
            self.queued_bytes = self.queued_bytes.saturating_sub(need);
            out.push(Out::Send(text));
        }
        self.last_release = Some(now);
        if self.queue.is_empty() {
            self.queued_bytes = 0;
        }
    }

    fn warn_if_waiting(&mut self, now: Duration, out: &mut Vec<Out>) {
        if self.queue.is_empty() || self.warned.is_some_and(|at| now < at + WARN_EVERY) {
            return;
        }
        self.warned = Some(now);
        out.push(Out::Warn(format!(
            "cove: the app sends its view more than it can draw (over {MESSAGE_BURST} messages \
             or {} MB at once, then {MESSAGES_PER_SECOND} messages or {} MB a second): \
             updates are merged and sent at most once a frame",
            BYTE_BURST as usize >> 20,
            BYTES_PER_SECOND as usize >> 20,
        )));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_value_over_set_datas_limit_is_refused_and_counted_as_wechat_counts() {
        let over = "x".repeat(MAX_DATA_VALUE + 1);
        assert!(carries_too_much_data(&json!(["text", 3, over])));
        assert!(carries_too_much_data(&json!(["createText", 3, over])));
        assert!(carries_too_much_data(&json!(["attr", 3, "title", over])));
        // Other ops may be bigger (a canvas image goes in its own message).
        assert!(!carries_too_much_data(&json!(["style", 3, over])));
        // UTF-16 units, as WeChat counts: 600,000 CJK characters are 1.8 MB of UTF-8 but
        // under the limit.
        let cjk = "数".repeat(600_000);
        assert!(!carries_too_much_data(&json!(["text", 3, cjk])));

        let mut p = Pacer::default();
        let msg = json!({"t": "ops", "ops": [["createText", 3, over], ["append", 1, 3]]});
        let out = p.post(msg.to_string(), Duration::ZERO);
        let sent: Vec<&String> = out
            .iter()
            .filter_map(|o| match o {
                Out::Send(m) => Some(m),
                _ => None,
            })
            .collect();
        assert_eq!(
            sent,
            [&json!({"t": "ops", "ops": [["createText", 3, ""], ["append", 1, 3]]}).to_string()]
        );
        assert!(
            out.iter()
                .any(|o| matches!(o, Out::Warn(w) if w.contains("were not sent to the view")))
        );
    }
}
