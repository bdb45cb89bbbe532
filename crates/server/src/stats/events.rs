//! What the SDK posts: the event types, their limits, and the parsing and checking of a batch.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{DAY_MS, StatsError};

/// The largest request body.
pub const MAX_BODY: usize = 512 * 1024;
/// The most events in one batch.
pub const MAX_EVENTS: usize = 500;
/// Identifiers longer than these are refused (`field_too_long`).
pub const MAX_APP_ID: usize = 64;
pub const MAX_USER_ID: usize = 128;
pub const MAX_API: usize = 128;
/// Free text longer than these is cut (at a character boundary), not refused.
pub const MAX_MESSAGE: usize = 1024;
pub const MAX_STACK: usize = 8 * 1024;
/// How old an event may be: a phone offline for a while still sends its backlog.
pub const MAX_AGE_MS: i64 = 30 * DAY_MS;
/// How far ahead of the server's clock an event may be: phone clocks are often wrong.
pub const MAX_AHEAD_MS: i64 = DAY_MS;
/// A duration above this is nonsense from a broken client.
pub const MAX_DURATION_MS: u64 = DAY_MS as u64;

/// A mini-program launch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Launch {
    pub app_id: String,
    pub version_code: u64,
    pub user_id: String,
    pub at_ms: i64,
    #[serde(default)]
    pub cold: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

/// An uncaught error in a mini-program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorEvent {
    pub app_id: String,
    pub version_code: u64,
    pub user_id: String,
    pub at_ms: i64,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
}

/// One call of a `wx` (or host) API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ApiCall {
    pub app_id: String,
    pub version_code: u64,
    pub user_id: String,
    pub at_ms: i64,
    pub api: String,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub err_msg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

/// Personal data a mini-program was given (the container's guard reports each release):
/// which API, what kind of data, and whether the privacy rules reduced it. Field names only,
/// never values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DataRelease {
    pub app_id: String,
    pub version_code: u64,
    pub user_id: String,
    pub at_ms: i64,
    pub api: String,
    /// `location`, `address` or `phone`.
    pub data: String,
    #[serde(default)]
    pub released: Vec<String>,
    /// Field → how it was reduced; empty when released as the host answered.
    #[serde(default)]
    pub reduced: BTreeMap<String, String>,
}

/// One event, tagged by `"type"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Launch(Launch),
    Error(ErrorEvent),
    ApiCall(ApiCall),
    DataRelease(DataRelease),
}

impl Event {
    pub fn app_id(&self) -> &str {
        match self {
            Self::Launch(e) => &e.app_id,
            Self::Error(e) => &e.app_id,
            Self::ApiCall(e) => &e.app_id,
            Self::DataRelease(e) => &e.app_id,
        }
    }

    pub fn version_code(&self) -> u64 {
        match self {
            Self::Launch(e) => e.version_code,
            Self::Error(e) => e.version_code,
            Self::ApiCall(e) => e.version_code,
            Self::DataRelease(e) => e.version_code,
        }
    }

    pub fn user_id(&self) -> &str {
        match self {
            Self::Launch(e) => &e.user_id,
            Self::Error(e) => &e.user_id,
            Self::ApiCall(e) => &e.user_id,
            Self::DataRelease(e) => &e.user_id,
        }
    }

    pub fn at_ms(&self) -> i64 {
        match self {
            Self::Launch(e) => e.at_ms,
            Self::Error(e) => e.at_ms,
            Self::ApiCall(e) => e.at_ms,
            Self::DataRelease(e) => e.at_ms,
        }
    }

    /// Identifiers and numbers within limits (not the clock window).
    pub(super) fn check(&self, index: usize) -> Result<(), StatsError> {
        check_id(index, "app_id", self.app_id(), MAX_APP_ID)?;
        check_id(index, "user_id", self.user_id(), MAX_USER_ID)?;
        if self.version_code() > i64::MAX as u64 {
            return Err(bad(index, "version_code is out of range"));
        }
        let duration = match self {
            Self::Launch(e) => e.duration_ms,
            Self::ApiCall(e) => {
                check_id(index, "api", &e.api, MAX_API)?;
                e.duration_ms
            }
            Self::Error(_) => None,
            Self::DataRelease(e) => {
                check_id(index, "api", &e.api, MAX_API)?;
                check_id(index, "data", &e.data, MAX_API)?;
                None
            }
        };
        if duration.is_some_and(|d| d > MAX_DURATION_MS) {
            return Err(bad(index, "duration_ms is out of range"));
        }
        Ok(())
    }

    /// Cut and clean the free-text fields.
    fn clean(&mut self) {
        match self {
            Self::Error(e) => {
                e.message = clean_text(&e.message, MAX_MESSAGE);
                e.stack = e.stack.as_deref().map(|s| clean_text(s, MAX_STACK));
            }
            Self::ApiCall(e) => {
                e.err_msg = e.err_msg.as_deref().map(|s| clean_text(s, MAX_MESSAGE));
            }
            Self::Launch(_) | Self::DataRelease(_) => {}
        }
    }
}

fn bad(index: usize, reason: impl Into<String>) -> StatsError {
    StatsError::BadEvent {
        index,
        reason: reason.into(),
    }
}

fn check_id(index: usize, field: &'static str, value: &str, max: usize) -> Result<(), StatsError> {
    if value.is_empty() {
        return Err(bad(index, format!("{field} is empty")));
    }
    if value.len() > max {
        return Err(StatsError::FieldTooLong { index, field, max });
    }
    if value.chars().any(char::is_control) {
        return Err(bad(index, format!("{field} has control characters")));
    }
    Ok(())
}

/// At most `max` bytes, cut at a character boundary. NUL becomes U+FFFD: PostgreSQL's TEXT
/// refuses it, and one stray byte must not fail a whole batch.
pub(super) fn clean_text(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].replace('\0', "\u{FFFD}")
}

#[derive(Deserialize)]
struct Batch {
    events: Vec<serde_json::Value>,
}

/// Parse and check a batch `{"events": [...]}` received at `now_ms` (the server's clock).
/// The events come back with their free text cut to the limits.
pub fn parse_batch(body: &[u8], now_ms: i64) -> Result<Vec<Event>, StatsError> {
    if body.len() > MAX_BODY {
        return Err(StatsError::BodyTooLarge(body.len()));
    }
    let batch: Batch =
        serde_json::from_slice(body).map_err(|e| StatsError::BadBatch(e.to_string()))?;
    if batch.events.len() > MAX_EVENTS {
        return Err(StatsError::BatchTooLarge(batch.events.len()));
    }
    let mut events = Vec::with_capacity(batch.events.len());
    for (index, value) in batch.events.into_iter().enumerate() {
        let mut event: Event =
            serde_json::from_value(value).map_err(|e| bad(index, e.to_string()))?;
        event.check(index)?;
        let at_ms = event.at_ms();
        if at_ms < now_ms.saturating_sub(MAX_AGE_MS) || at_ms > now_ms.saturating_add(MAX_AHEAD_MS)
        {
            return Err(StatsError::BadTimestamp { index, at_ms });
        }
        event.clean();
        events.push(event);
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cut_at_a_character_boundary() {
        assert_eq!(clean_text("héllo", 2), "h");
        assert_eq!(clean_text("a\0b", 10), "a\u{FFFD}b");
    }
}
