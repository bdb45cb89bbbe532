//! Launch, error and API-call statistics: the core of the SDK's batched event endpoint
//! (`POST /sdk/v1/events`, body `{"events": [...]}`) and the aggregates the console charts.
//!
//! - [`parse_batch`] checks a batch within limits and says which event is bad, by index
//!   (`events.rs`: what the SDK posts).
//! - [`record`] folds a batch into per-day aggregates in one write transaction (`store.rs`:
//!   the tables, the writes and their retries). Days are UTC days since the Unix epoch
//!   ([`day`]). Users are counted once per day, per app and version, and once per day per app
//!   across versions. They are stored as a hash of (host app, user id), because a user id is
//!   the host app's own.
//! - [`summary()`] reads what the console shows for one mini-program and a range of days
//!   (`summary.rs`: the console's read model).
//!
//! Raw events are not kept: only counters, the per-day user sets, and the
//! [`ERRORS_KEPT`] most recent distinct error messages per app and version.

mod events;
mod store;
mod summary;

pub use events::{
    ApiCall, DataRelease, ErrorEvent, Event, Launch, MAX_AGE_MS, MAX_AHEAD_MS, MAX_API, MAX_APP_ID,
    MAX_BODY, MAX_DURATION_MS, MAX_EVENTS, MAX_MESSAGE, MAX_STACK, MAX_USER_ID, parse_batch,
};
pub use store::{
    ERRORS_KEPT, MIGRATION_POSTGRES, MIGRATION_RELEASES, MIGRATION_SQLITE, Recorded,
    USER_KEY_CONTEXT, UserKey, UserKeyError, record, user_key,
};
pub use summary::{
    DayStats, ErrorMessage, FailingApi, MAX_RANGE_DAYS, ReleaseStats, Summary, TOP_APIS,
    VersionStats, summary,
};

use crate::db::DbError;

const DAY_MS: i64 = 86_400_000;

#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    #[error("the body is {0} bytes (at most {MAX_BODY})")]
    BodyTooLarge(usize),
    #[error("{0} events in one batch (at most {MAX_EVENTS})")]
    BatchTooLarge(usize),
    #[error("not an event batch: {0}")]
    BadBatch(String),
    #[error("event {index}: {reason}")]
    BadEvent { index: usize, reason: String },
    #[error("event {index}: {field} is longer than {max} bytes")]
    FieldTooLong {
        index: usize,
        field: &'static str,
        max: usize,
    },
    #[error("event {index}: at_ms {at_ms} is more than 30 days old or 1 day ahead of the server")]
    BadTimestamp { index: usize, at_ms: i64 },
    #[error("bad day range {from}..={to} (at most {MAX_RANGE_DAYS} days)")]
    BadRange { from: i64, to: i64 },
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for StatsError {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(DbError::Sql(e))
    }
}

impl StatsError {
    /// The stable code in the JSON error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BodyTooLarge(_) => "body_too_large",
            Self::BatchTooLarge(_) => "batch_too_large",
            Self::BadBatch(_) => "bad_batch",
            Self::BadEvent { .. } => "bad_event",
            Self::FieldTooLong { .. } => "field_too_long",
            Self::BadTimestamp { .. } => "bad_timestamp",
            Self::BadRange { .. } => "bad_range",
            Self::Db(_) => "database",
        }
    }

    /// The index of the offending event, when one event is at fault.
    pub fn index(&self) -> Option<usize> {
        match self {
            Self::BadEvent { index, .. }
            | Self::FieldTooLong { index, .. }
            | Self::BadTimestamp { index, .. } => Some(*index),
            _ => None,
        }
    }

    /// The client's fault (HTTP 4xx), as opposed to the server's.
    pub fn is_client_error(&self) -> bool {
        !matches!(self, Self::Db(_))
    }
}

/// The UTC day (days since 1970-01-01) of a Unix time in milliseconds.
pub fn day(at_ms: i64) -> i64 {
    at_ms.div_euclid(DAY_MS)
}

/// `YYYY-MM-DD` of a [`day`] (the proleptic Gregorian calendar). Years outside 0000–9999 carry
/// a sign (`+10000-01-01`, as ISO 8601 writes them); a day beyond chrono's range (some
/// 262,000 years either way) is written as its number.
pub fn date(day: i64) -> String {
    i32::try_from(day)
        .ok()
        .and_then(chrono::NaiveDate::from_epoch_days)
        .map_or_else(|| format!("day {day}"), |d| d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date(day(1_800_000_000_000)), "2027-01-15");
        assert_eq!(date(day(951_868_800_000)), "2000-03-01");
        assert_eq!(date(day(-1)), "1969-12-31");
    }

    /// The days around every rule of the calendar, with what the hand-written algorithm
    /// this replaced (days from 0000-03-01 in 400-year eras) gave for them.
    #[test]
    fn dates_agree_with_the_former_algorithm_on_edge_days() {
        let cases = [
            (0, "1970-01-01"),
            (-1, "1969-12-31"),
            (59, "1970-03-01"),
            // 2000 is a leap year (divisible by 400)...
            (10_956, "1999-12-31"),
            (10_957, "2000-01-01"),
            (11_016, "2000-02-29"),
            (11_017, "2000-03-01"),
            (-135_081, "1600-02-29"),
            (157_113, "2400-02-29"),
            (157_114, "2400-03-01"),
            // ...1900 and 2100 are not (divisible by 100)...
            (-25_568, "1899-12-31"),
            (-25_509, "1900-02-28"),
            (-25_508, "1900-03-01"),
            (47_540, "2100-02-28"),
            (47_541, "2100-03-01"),
            // ...and 2024 is (divisible by 4).
            (19_782, "2024-02-29"),
            (19_783, "2024-03-01"),
            (24_855, "2038-01-19"),
            (-141_714, "1582-01-01"),
            // The ends of four-digit years.
            (-719_528, "0000-01-01"),
            (2_932_896, "9999-12-31"),
        ];
        for (day, want) in cases {
            assert_eq!(date(day), want, "day {day}");
        }
    }

    #[test]
    fn years_past_four_digits_carry_a_sign() {
        assert_eq!(date(2_932_897), "+10000-01-01");
        assert_eq!(date(-719_529), "-0001-12-31");
        assert_eq!(date(i64::MAX), format!("day {}", i64::MAX));
    }
}
