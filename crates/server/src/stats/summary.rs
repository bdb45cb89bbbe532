//! The console's read model: what one mini-program's statistics page shows for a range of
//! days, read from the aggregates [`super::record`] keeps.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{DAY_MS, ERRORS_KEPT, StatsError, date};
use crate::db::Db;

/// APIs listed in [`Summary::failing_apis`].
pub const TOP_APIS: usize = 10;
/// The longest range [`summary`] answers.
pub const MAX_RANGE_DAYS: i64 = 366;

/// One day of one mini-program, all versions together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DayStats {
    pub day: i64,
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    pub launches: u64,
    pub cold_launches: u64,
    /// Distinct users with any event that day.
    pub users: u64,
    pub errors: u64,
    pub api_calls: u64,
    pub api_failures: u64,
    /// Mean launch duration, of the launches that reported one.
    pub avg_launch_ms: Option<f64>,
}

/// One version over the whole range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VersionStats {
    pub version_code: u64,
    pub launches: u64,
    /// Distinct users over the range.
    pub users: u64,
    pub errors: u64,
    pub api_calls: u64,
    pub api_failures: u64,
}

/// An API that failed in the range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FailingApi {
    pub api: String,
    pub calls: u64,
    pub failures: u64,
    /// `failures / calls`.
    pub failure_rate: f64,
    /// Mean duration, of the calls that reported one.
    pub avg_ms: Option<f64>,
    /// A recent failure's message.
    pub last_error: Option<String>,
}

/// A distinct error message last seen in the range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorMessage {
    pub version_code: u64,
    pub message: String,
    pub stack: Option<String>,
    /// Occurrences since `first_at_ms` (not only within the range).
    pub count: u64,
    pub first_at_ms: i64,
    pub last_at_ms: i64,
}

/// What the console charts for one mini-program over days `from_day..=to_day`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    pub app_id: String,
    pub from_day: i64,
    pub to_day: i64,
    /// Distinct users over the whole range: someone active on three days counts once (the
    /// sum of `days[].users` would count them three times).
    pub users: u64,
    /// Every day of the range, oldest first (zeros where nothing happened).
    pub days: Vec<DayStats>,
    /// Versions with events in the range, newest first.
    pub versions: Vec<VersionStats>,
    /// At most [`TOP_APIS`], by failures, then failure rate, then name.
    pub failing_apis: Vec<FailingApi>,
    /// At most [`ERRORS_KEPT`], most recently seen first.
    pub recent_errors: Vec<ErrorMessage>,
    /// Personal data given to the mini-program in the range, by API and kind.
    pub data_releases: Vec<ReleaseStats>,
}

/// How often an API gave out a kind of personal data, and how often reduced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReleaseStats {
    pub api: String,
    pub data: String,
    pub releases: u64,
    pub reduced: u64,
}

fn avg(sum: i64, count: i64) -> Option<f64> {
    (count > 0).then(|| sum as f64 / count as f64)
}

// The rows read, by column name. PostgreSQL's SUM of BIGINT is NUMERIC, which the Any driver
// cannot read: every sum is cast back to BIGINT, and named.

/// All versions of one day.
#[derive(sqlx::FromRow)]
struct DayTotals {
    day: i64,
    launches: i64,
    cold_launches: i64,
    errors: i64,
    api_calls: i64,
    api_failures: i64,
    launch_ms_sum: i64,
    launch_ms_count: i64,
}

/// Distinct users of one day, all versions together.
#[derive(sqlx::FromRow)]
struct DayUsers {
    day: i64,
    users: i64,
}

/// Distinct users of one version over the range.
#[derive(sqlx::FromRow)]
struct VersionUsers {
    version_code: i64,
    users: i64,
}

/// One version over the range.
#[derive(sqlx::FromRow)]
struct VersionTotals {
    version_code: i64,
    launches: i64,
    errors: i64,
    api_calls: i64,
    api_failures: i64,
}

/// One API over the range.
#[derive(sqlx::FromRow)]
struct ApiTotals {
    api: String,
    calls: i64,
    failures: i64,
    ms_sum: i64,
    ms_count: i64,
}

/// One distinct error message.
#[derive(sqlx::FromRow)]
struct StoredError {
    version_code: i64,
    message: String,
    stack: Option<String>,
    count: i64,
    first_ms: i64,
    last_ms: i64,
}

/// One API and kind of personal data over the range.
#[derive(sqlx::FromRow)]
struct ReleaseTotals {
    api: String,
    data: String,
    releases: i64,
    reduced: i64,
}

/// The statistics of `app_id` over UTC days `from_day..=to_day` (see [`super::day`]).
pub async fn summary(
    db: &Db,
    app_id: &str,
    from_day: i64,
    to_day: i64,
) -> Result<Summary, StatsError> {
    if from_day > to_day || to_day - from_day >= MAX_RANGE_DAYS {
        return Err(StatsError::BadRange {
            from: from_day,
            to: to_day,
        });
    }
    let pool = &db.pool;
    let mut days: Vec<DayStats> = (from_day..=to_day)
        .map(|d| DayStats {
            day: d,
            date: date(d),
            launches: 0,
            cold_launches: 0,
            users: 0,
            errors: 0,
            api_calls: 0,
            api_failures: 0,
            avg_launch_ms: None,
        })
        .collect();
    let rows: Vec<DayTotals> = sqlx::query_as(
        "SELECT day, CAST(SUM(launches) AS BIGINT) AS launches,
            CAST(SUM(cold_launches) AS BIGINT) AS cold_launches,
            CAST(SUM(errors) AS BIGINT) AS errors, CAST(SUM(api_calls) AS BIGINT) AS api_calls,
            CAST(SUM(api_failures) AS BIGINT) AS api_failures,
            CAST(SUM(launch_ms_sum) AS BIGINT) AS launch_ms_sum,
            CAST(SUM(launch_ms_count) AS BIGINT) AS launch_ms_count
         FROM stats_daily WHERE app_id = $1 AND day >= $2 AND day <= $3 GROUP BY day",
    )
    .bind(app_id)
    .bind(from_day)
    .bind(to_day)
    .fetch_all(pool)
    .await?;
    for r in rows {
        let s = &mut days[(r.day - from_day) as usize];
        s.launches = r.launches as u64;
        s.cold_launches = r.cold_launches as u64;
        s.errors = r.errors as u64;
        s.api_calls = r.api_calls as u64;
        s.api_failures = r.api_failures as u64;
        s.avg_launch_ms = avg(r.launch_ms_sum, r.launch_ms_count);
    }
    let rows: Vec<DayUsers> = sqlx::query_as(
        "SELECT day, users FROM stats_app_daily
         WHERE app_id = $1 AND day >= $2 AND day <= $3",
    )
    .bind(app_id)
    .bind(from_day)
    .bind(to_day)
    .fetch_all(pool)
    .await?;
    for r in rows {
        days[(r.day - from_day) as usize].users = r.users as u64;
    }
    let users: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT user_hash) AS users FROM stats_app_users
         WHERE app_id = $1 AND day >= $2 AND day <= $3",
    )
    .bind(app_id)
    .bind(from_day)
    .bind(to_day)
    .fetch_one(pool)
    .await?;

    let rows: Vec<VersionTotals> = sqlx::query_as(
        "SELECT version_code, CAST(SUM(launches) AS BIGINT) AS launches,
            CAST(SUM(errors) AS BIGINT) AS errors, CAST(SUM(api_calls) AS BIGINT) AS api_calls,
            CAST(SUM(api_failures) AS BIGINT) AS api_failures
         FROM stats_daily WHERE app_id = $1 AND day >= $2 AND day <= $3
         GROUP BY version_code ORDER BY version_code DESC",
    )
    .bind(app_id)
    .bind(from_day)
    .bind(to_day)
    .fetch_all(pool)
    .await?;
    let mut versions: Vec<VersionStats> = rows
        .into_iter()
        .map(|r| VersionStats {
            version_code: r.version_code as u64,
            launches: r.launches as u64,
            users: 0,
            errors: r.errors as u64,
            api_calls: r.api_calls as u64,
            api_failures: r.api_failures as u64,
        })
        .collect();
    let rows: Vec<VersionUsers> = sqlx::query_as(
        "SELECT version_code, COUNT(DISTINCT user_hash) AS users FROM stats_users
         WHERE app_id = $1 AND day >= $2 AND day <= $3 GROUP BY version_code",
    )
    .bind(app_id)
    .bind(from_day)
    .bind(to_day)
    .fetch_all(pool)
    .await?;
    for r in rows {
        let version = r.version_code as u64;
        if let Some(v) = versions.iter_mut().find(|v| v.version_code == version) {
            v.users = r.users as u64;
        }
    }

    let rows: Vec<ApiTotals> = sqlx::query_as(
        "SELECT api, CAST(SUM(calls) AS BIGINT) AS calls, CAST(SUM(failures) AS BIGINT) AS failures,
            CAST(SUM(ms_sum) AS BIGINT) AS ms_sum, CAST(SUM(ms_count) AS BIGINT) AS ms_count
         FROM stats_api WHERE app_id = $1 AND day >= $2 AND day <= $3
         GROUP BY api HAVING SUM(failures) > 0",
    )
    .bind(app_id)
    .bind(from_day)
    .bind(to_day)
    .fetch_all(pool)
    .await?;
    let mut failing_apis: Vec<FailingApi> = rows
        .into_iter()
        .map(|r| FailingApi {
            failure_rate: r.failures as f64 / r.calls.max(1) as f64,
            avg_ms: avg(r.ms_sum, r.ms_count),
            api: r.api,
            calls: r.calls as u64,
            failures: r.failures as u64,
            last_error: None,
        })
        .collect();
    failing_apis.sort_by(|a, b| {
        b.failures
            .cmp(&a.failures)
            .then(b.failure_rate.total_cmp(&a.failure_rate))
            .then_with(|| a.api.cmp(&b.api))
    });
    failing_apis.truncate(TOP_APIS);
    for api in &mut failing_apis {
        api.last_error = sqlx::query_scalar(
            "SELECT last_error FROM stats_api WHERE app_id = $1 AND api = $2
                AND day >= $3 AND day <= $4 AND last_error IS NOT NULL
             ORDER BY day DESC, version_code DESC LIMIT 1",
        )
        .bind(app_id)
        .bind(&api.api)
        .bind(from_day)
        .bind(to_day)
        .fetch_optional(pool)
        .await?;
    }

    let rows: Vec<StoredError> = sqlx::query_as(
        "SELECT version_code, message, stack, count, first_ms, last_ms FROM stats_errors
         WHERE app_id = $1 AND last_ms >= $2 AND last_ms < $3
         ORDER BY last_ms DESC, message_hash LIMIT $4",
    )
    .bind(app_id)
    .bind(from_day * DAY_MS)
    .bind((to_day + 1) * DAY_MS)
    .bind(ERRORS_KEPT)
    .fetch_all(pool)
    .await?;
    let recent_errors = rows
        .into_iter()
        .map(|r| ErrorMessage {
            version_code: r.version_code as u64,
            message: r.message,
            stack: r.stack,
            count: r.count as u64,
            first_at_ms: r.first_ms,
            last_at_ms: r.last_ms,
        })
        .collect();
    let rows: Vec<ReleaseTotals> = sqlx::query_as(
        "SELECT api, data, CAST(SUM(releases) AS BIGINT) AS releases,
            CAST(SUM(reduced) AS BIGINT) AS reduced
         FROM stats_releases WHERE app_id = $1 AND day >= $2 AND day <= $3
         GROUP BY api, data ORDER BY api, data",
    )
    .bind(app_id)
    .bind(from_day)
    .bind(to_day)
    .fetch_all(pool)
    .await?;
    let data_releases = rows
        .into_iter()
        .map(|r| ReleaseStats {
            api: r.api,
            data: r.data,
            releases: r.releases as u64,
            reduced: r.reduced as u64,
        })
        .collect();

    Ok(Summary {
        app_id: app_id.to_string(),
        from_day,
        to_day,
        users: users as u64,
        days,
        versions,
        failing_apis,
        recent_errors,
        data_releases,
    })
}
