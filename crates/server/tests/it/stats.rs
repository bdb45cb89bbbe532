//! Statistics: batch limits (by code and index), and the aggregates on SQLite and on the
//! PostgreSQL at 127.0.0.1:5432 (a fresh database per run): days and versions, users counted
//! once per day and once over the range, failing APIs in order, error messages kept and deduplicated, and concurrent
//! batches that lose no counts.

use cove_server::db::{Db, Dialect};
use cove_server::stats::{self, Event, Recorded, StatsError, Summary, parse_batch, record};
use serde_json::{Value, json};

use crate::pg::PgDatabase;

/// 2027-01-15 08:00 UTC.
const NOW: i64 = 1_800_000_000_000;
const DAY: i64 = 86_400_000;

fn today() -> i64 {
    stats::day(NOW)
}

fn launch(app: &str, version: u64, user: &str, at_ms: i64) -> Value {
    json!({"type": "launch", "app_id": app, "version_code": version, "user_id": user,
           "at_ms": at_ms, "cold": true, "duration_ms": 300})
}

fn error(app: &str, version: u64, user: &str, at_ms: i64, message: &str, stack: &str) -> Value {
    json!({"type": "error", "app_id": app, "version_code": version, "user_id": user,
           "at_ms": at_ms, "message": message, "stack": stack})
}

fn api(app: &str, user: &str, at_ms: i64, name: &str, ok: bool) -> Value {
    let mut v = json!({"type": "api_call", "app_id": app, "version_code": 2, "user_id": user,
                       "at_ms": at_ms, "api": name, "ok": ok, "duration_ms": 40});
    if !ok {
        v["err_msg"] = json!(format!("{name}:fail at {at_ms}"));
    }
    v
}

fn body(events: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({ "events": events })).unwrap()
}

fn parse(events: &[Value]) -> Vec<Event> {
    parse_batch(&body(events), NOW).unwrap()
}

fn everything(_: &str) -> bool {
    true
}

/// The statistics key, as the platform keeps it (encrypted under a fixed data key here).
async fn key(db: &Db) -> stats::UserKey {
    let data_key = cove_server::data_key::DataKey::from_bytes([7; 32]);
    stats::user_key(db, &data_key).await.unwrap()
}

async fn send(db: &Db, host: i64, events: &[Value]) -> Recorded {
    record(db, &key(db).await, host, &parse(events), &everything)
        .await
        .unwrap()
}

fn refused(events: &[Value]) -> StatsError {
    parse_batch(&body(events), NOW).unwrap_err()
}

#[test]
fn batch_limits() {
    let ok = launch("wx1", 1, "u1", NOW);

    let too_big = vec![b' '; stats::MAX_BODY + 1];
    assert_eq!(
        parse_batch(&too_big, NOW).unwrap_err().code(),
        "body_too_large"
    );

    let e = refused(&vec![ok.clone(); stats::MAX_EVENTS + 1]);
    assert_eq!((e.code(), e.index()), ("batch_too_large", None));
    assert_eq!(
        parse(&vec![ok.clone(); stats::MAX_EVENTS]).len(),
        stats::MAX_EVENTS
    );

    for not_a_batch in [&b"not json"[..], b"[]", b"{\"events\": {}}", b"{}"] {
        let e = parse_batch(not_a_batch, NOW).unwrap_err();
        assert_eq!(
            e.code(),
            "bad_batch",
            "{}",
            String::from_utf8_lossy(not_a_batch)
        );
    }

    // The first bad event is named, by index.
    let mut missing = ok.clone();
    missing.as_object_mut().unwrap().remove("user_id");
    let e = refused(&[
        ok.clone(),
        ok.clone(),
        ok.clone(),
        missing,
        json!({"type": "x"}),
    ]);
    assert_eq!((e.code(), e.index()), ("bad_event", Some(3)));
    assert!(e.to_string().contains("user_id"), "{e}");

    let e = refused(&[json!({"type": "crash", "app_id": "wx1"}), ok.clone()]);
    assert_eq!((e.code(), e.index()), ("bad_event", Some(0)));

    let e = refused(&[
        ok.clone(),
        ok.clone(),
        launch(&"w".repeat(65), 1, "u1", NOW),
    ]);
    assert_eq!((e.code(), e.index()), ("field_too_long", Some(2)));
    assert!(e.to_string().contains("app_id"), "{e}");
    parse(&[launch(&"w".repeat(64), 1, "u1", NOW)]);

    let e = refused(&[ok.clone(), launch("wx1", 1, &"u".repeat(129), NOW)]);
    assert_eq!((e.code(), e.index()), ("field_too_long", Some(1)));
    let e = refused(&[api("wx1", "u1", NOW, &"a".repeat(129), true)]);
    assert_eq!((e.code(), e.index()), ("field_too_long", Some(0)));
    let e = refused(&[ok.clone(), launch("wx1", 1, "", NOW)]);
    assert_eq!((e.code(), e.index()), ("bad_event", Some(1)));
    let e = refused(&[launch("wx\n1", 1, "u1", NOW)]);
    assert_eq!((e.code(), e.index()), ("bad_event", Some(0)));
    let mut negative = ok.clone();
    negative["version_code"] = json!(-1);
    assert_eq!(refused(&[negative]).index(), Some(0));
    let mut slow = ok.clone();
    slow["duration_ms"] = json!(2 * DAY);
    assert_eq!(refused(&[ok.clone(), slow]).code(), "bad_event");

    // The clock window: 30 days back, 1 day ahead.
    parse(&[
        launch("wx1", 1, "u1", NOW - 30 * DAY),
        launch("wx1", 1, "u1", NOW + DAY),
    ]);
    let e = refused(&[ok.clone(), launch("wx1", 1, "u1", NOW - 30 * DAY - 1)]);
    assert_eq!((e.code(), e.index()), ("bad_timestamp", Some(1)));
    let e = refused(&[launch("wx1", 1, "u1", NOW + DAY + 1)]);
    assert_eq!((e.code(), e.index()), ("bad_timestamp", Some(0)));

    // Free text is cut, not refused; optional fields may be left out.
    let long = "é".repeat(1000);
    let events = parse(&[
        error("wx1", 1, "u1", NOW, &long, &"s".repeat(20_000)),
        json!({"type": "launch", "app_id": "wx1", "version_code": 1, "user_id": "u1", "at_ms": NOW}),
    ]);
    let Event::Error(e) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(e.message, "é".repeat(512));
    assert_eq!(e.stack.as_ref().unwrap().len(), stats::MAX_STACK);
    let Event::Launch(l) = &events[1] else {
        panic!("{events:?}")
    };
    assert!(!l.cold && l.duration_ms.is_none());
    assert_eq!(parse(&[]), vec![]);
}

fn day_of(s: &Summary, day: i64) -> &stats::DayStats {
    s.days.iter().find(|d| d.day == day).unwrap()
}

fn version(s: &Summary, code: u64) -> &stats::VersionStats {
    s.versions.iter().find(|v| v.version_code == code).unwrap()
}

async fn days_and_versions(db: &Db) {
    let (d0, d1) = (NOW - DAY, NOW);
    let r = send(
        db,
        1,
        &[
            // Yesterday: u1 twice on v1, u2 on v1, u1 on v2.
            launch("wx1", 1, "u1", d0),
            launch("wx1", 1, "u1", d0 + 1000),
            launch("wx1", 1, "u2", d0),
            launch("wx1", 2, "u1", d0),
            // Today: v2 only.
            launch("wx1", 2, "u1", d1),
            launch("wx1", 2, "u3", d1),
            error(
                "wx1",
                2,
                "u3",
                d1,
                "TypeError: a is undefined",
                "at page.js:1",
            ),
            api("wx1", "u3", d1, "wx.request", false),
            // Another app stays apart.
            launch("wx2", 1, "u1", d1),
        ],
    )
    .await;
    assert_eq!(
        r,
        Recorded {
            recorded: 9,
            dropped: 0
        }
    );

    let s = stats::summary(db, "wx1", today() - 2, today())
        .await
        .unwrap();
    assert_eq!(s.days.len(), 3);
    assert_eq!(s.days[0].launches, 0);
    assert_eq!(s.days[0].date, "2027-01-13");
    let y = day_of(&s, today() - 1);
    assert_eq!(
        (y.launches, y.users, y.errors, y.cold_launches),
        (4, 2, 0, 4)
    );
    assert_eq!(y.avg_launch_ms, Some(300.0));
    let t = day_of(&s, today());
    assert_eq!((t.launches, t.users, t.errors), (2, 2, 1));
    assert_eq!((t.api_calls, t.api_failures), (1, 1));
    assert_eq!(
        s.versions
            .iter()
            .map(|v| v.version_code)
            .collect::<Vec<_>>(),
        [2, 1]
    );
    // Over the range each person counts once: u1 (both days), u2 and u3 are 3 users, where
    // the days' counts add up to 4 (what the console showed as the period's users).
    assert_eq!(s.days.iter().map(|d| d.users).sum::<u64>(), 4);
    assert_eq!(s.users, 3);
    // v2: u1 on both days, u3 today: two distinct users over the range.
    assert_eq!((version(&s, 2).launches, version(&s, 2).users), (3, 2));
    assert_eq!((version(&s, 1).launches, version(&s, 1).users), (3, 2));
    assert_eq!(version(&s, 2).errors, 1);
    assert_eq!(s.recent_errors.len(), 1);
    assert_eq!(s.recent_errors[0].message, "TypeError: a is undefined");

    // The same users again the same day are not counted again; the same user id from another
    // host app is another person; a new day counts u1 anew.
    send(
        db,
        1,
        &[
            launch("wx1", 2, "u1", d1 + 5),
            launch("wx1", 2, "u3", d1 + 9),
        ],
    )
    .await;
    let s = stats::summary(db, "wx1", today(), today()).await.unwrap();
    assert_eq!((s.days[0].launches, s.days[0].users), (4, 2));
    assert_eq!(version(&s, 2).users, 2);
    send(db, 2, &[launch("wx1", 2, "u1", d1)]).await;
    let s = stats::summary(db, "wx1", today() - 1, today())
        .await
        .unwrap();
    assert_eq!(day_of(&s, today()).users, 3);
    assert_eq!(day_of(&s, today() - 1).users, 2);
    assert_eq!(version(&s, 2).users, 3);

    // A one-day range sees only that day.
    let s = stats::summary(db, "wx1", today() - 1, today() - 1)
        .await
        .unwrap();
    assert_eq!(version(&s, 2).launches, 1);
    assert!(s.recent_errors.is_empty());

    let other = stats::summary(db, "wx2", today(), today()).await.unwrap();
    assert_eq!((other.days[0].launches, other.days[0].users), (1, 1));
    assert!(other.recent_errors.is_empty() && other.failing_apis.is_empty());

    // The caller's filter: events for apps the host may not report on are dropped.
    let events = parse(&[launch("wx1", 2, "u9", d1), launch("wx_secret", 1, "u9", d1)]);
    let r = record(db, &key(db).await, 1, &events, &|app: &str| {
        app != "wx_secret"
    })
    .await
    .unwrap();
    assert_eq!(
        r,
        Recorded {
            recorded: 1,
            dropped: 1
        }
    );
    let secret = stats::summary(db, "wx_secret", today(), today())
        .await
        .unwrap();
    assert_eq!(secret.days[0].launches, 0);
    assert!(secret.versions.is_empty());

    // `record` checks events built by hand, too.
    let mut bad = parse(&[launch("wx1", 2, "u1", d1), launch("wx1", 2, "u1", d1)]);
    if let Event::Launch(l) = &mut bad[1] {
        l.app_id.clear();
    }
    let e = record(db, &key(db).await, 1, &bad, &everything)
        .await
        .unwrap_err();
    assert_eq!((e.code(), e.index()), ("bad_event", Some(1)));

    for (from, to) in [(today(), today() - 1), (today() - 366, today())] {
        let e = stats::summary(db, "wx1", from, to).await.unwrap_err();
        assert_eq!(e.code(), "bad_range");
    }
}

async fn failing_apis(db: &Db) {
    let mut events = Vec::new();
    let mut calls = |name: &str, ok: usize, failed: usize| {
        for i in 0..ok {
            events.push(api("wx3", "u1", NOW - DAY + i as i64, name, true));
        }
        for i in 0..failed {
            events.push(api("wx3", "u1", NOW + i as i64, name, false));
        }
    };
    calls("wx.request", 5, 5); // 5 failures of 10
    calls("wx.login", 0, 4); // 4 of 4
    calls("wx.getLocation", 4, 4); // 4 of 8
    calls("wx.scanCode", 2, 2); // 2 of 4
    calls("wx.chooseImage", 2, 2); // 2 of 4: the same, so by name
    calls("wx.setStorage", 9, 0); // never fails
    send(db, 1, &events).await;

    let s = stats::summary(db, "wx3", today() - 1, today())
        .await
        .unwrap();
    let order: Vec<_> = s
        .failing_apis
        .iter()
        .map(|a| (a.api.as_str(), a.calls, a.failures))
        .collect();
    assert_eq!(
        order,
        [
            ("wx.request", 10, 5),
            ("wx.login", 4, 4),
            ("wx.getLocation", 8, 4),
            ("wx.chooseImage", 4, 2),
            ("wx.scanCode", 4, 2),
        ]
    );
    assert_eq!(s.failing_apis[0].failure_rate, 0.5);
    assert_eq!(s.failing_apis[1].failure_rate, 1.0);
    assert_eq!(s.failing_apis[0].avg_ms, Some(40.0));
    assert_eq!(
        s.failing_apis[0].last_error.as_deref(),
        Some(format!("wx.request:fail at {}", NOW + 4).as_str())
    );
    // Only today: the successes were yesterday.
    let s = stats::summary(db, "wx3", today(), today()).await.unwrap();
    let today_order: Vec<_> = s.failing_apis.iter().map(|a| a.api.as_str()).collect();
    assert_eq!(
        today_order[..3],
        ["wx.request", "wx.getLocation", "wx.login"]
    );
    assert_eq!(s.failing_apis[1].failure_rate, 1.0);

    // More failing APIs than the console lists.
    let many: Vec<_> = (0..15)
        .map(|i| api("wx4", "u1", NOW, &format!("host.api{i:02}"), false))
        .collect();
    send(db, 1, &many).await;
    let s = stats::summary(db, "wx4", today(), today()).await.unwrap();
    assert_eq!(s.failing_apis.len(), stats::TOP_APIS);
    assert_eq!(s.failing_apis[0].api, "host.api00");
}

async fn error_messages(db: &Db) {
    // One message three times (two batches) is one entry; the newest stack wins.
    send(
        db,
        1,
        &[
            error("wx5", 1, "u1", NOW - 50, "boom", "stack 1"),
            error("wx5", 1, "u2", NOW - 10, "boom", "stack 3"),
        ],
    )
    .await;
    send(db, 1, &[error("wx5", 1, "u1", NOW - 30, "boom", "stack 2")]).await;
    let s = stats::summary(db, "wx5", today(), today()).await.unwrap();
    assert_eq!(s.recent_errors.len(), 1);
    let e = &s.recent_errors[0];
    assert_eq!(
        (e.count, e.first_at_ms, e.last_at_ms),
        (3, NOW - 50, NOW - 10)
    );
    assert_eq!(e.stack.as_deref(), Some("stack 3"));
    assert_eq!(s.days[0].errors, 3);

    // Only the 20 most recent distinct messages per version are kept; a NUL is stored
    // (PostgreSQL refuses it in TEXT).
    let mut events: Vec<_> = (0..25)
        .map(|i| error("wx5", 2, "u1", NOW + i, &format!("error #{i:02}"), "s"))
        .collect();
    events.push(error("wx5", 2, "u1", NOW + 100, "nul \0 here", "s\0"));
    send(db, 1, &events).await;
    let s = stats::summary(db, "wx5", today(), today()).await.unwrap();
    assert_eq!(s.recent_errors.len(), stats::ERRORS_KEPT as usize);
    assert_eq!(s.recent_errors[0].message, "nul \u{FFFD} here");
    assert_eq!(s.recent_errors[1].message, "error #24");
    assert_eq!(s.recent_errors[19].message, "error #06");
    let kept: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) AS kept FROM stats_errors WHERE app_id = 'wx5' AND version_code = 2",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(kept, stats::ERRORS_KEPT);
    // Version 1's message is not pushed out by version 2's.
    let kept: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) AS kept FROM stats_errors WHERE app_id = 'wx5' AND version_code = 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(kept, 1);
    // Counted errors are all there, even if the messages are not.
    assert_eq!(version(&s, 2).errors, 26);
}

async fn concurrent(db: &Db) {
    const TASKS: i64 = 8;
    const BATCHES: i64 = 10;
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let db = db.clone();
            tokio::spawn(async move {
                for b in 0..BATCHES {
                    // Every batch touches the same rows (two days, two versions, shared users,
                    // APIs and messages), in different orders.
                    let mut events = Vec::new();
                    for i in 0..12 {
                        let user = format!("u{}", (t + b + i) % 7);
                        let at = NOW - (i % 2) * DAY + t;
                        events.push(launch("wxc", 1 + (i as u64 % 2), &user, at));
                        events.push(api(
                            "wxc",
                            &user,
                            at,
                            &format!("wx.api{}", i % 3),
                            i % 4 != 0,
                        ));
                        events.push(error(
                            "wxc",
                            1,
                            &user,
                            at,
                            &format!("e{}", (i + t) % 5),
                            "s",
                        ));
                    }
                    if (t + b) % 2 == 1 {
                        events.reverse();
                    }
                    send(&db, 1, &events).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let s = stats::summary(db, "wxc", today() - 1, today())
        .await
        .unwrap();
    let per_day = (TASKS * BATCHES * 6) as u64;
    for d in &s.days {
        assert_eq!(d.launches, per_day);
        assert_eq!(d.errors, per_day);
        assert_eq!(d.api_calls, per_day);
        assert_eq!(d.users, 7, "day {}", d.date);
    }
    assert_eq!(version(&s, 1).users, 7);
    assert_eq!(version(&s, 2).users, 7);
    let failures: u64 = s.failing_apis.iter().map(|a| a.failures).sum();
    assert_eq!(failures, (TASKS * BATCHES * 3) as u64);
    let total: u64 = s.recent_errors.iter().map(|e| e.count).sum();
    assert_eq!(s.recent_errors.len(), 5);
    assert_eq!(total, 2 * per_day);
    // The per-version user counters agree with the stored user sets.
    let per_version: Vec<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(users) AS BIGINT) AS users FROM stats_daily
         WHERE app_id = 'wxc' GROUP BY version_code, day",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(per_version.len(), 4);
    for users in per_version {
        assert!(users > 0 && users <= 7, "{users}");
    }
    let counted: i64 = sqlx::query_scalar(
        "SELECT CAST(SUM(users) AS BIGINT) AS counted FROM stats_daily WHERE app_id = 'wxc'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) AS stored FROM stats_users WHERE app_id = 'wxc'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(counted, stored);
}

/// The tables, whether or not `db.rs` already ran them as a migration.
async fn tables(db: &Db) {
    let sql = match db.dialect {
        Dialect::Sqlite => stats::MIGRATION_SQLITE,
        Dialect::Postgres => stats::MIGRATION_POSTGRES,
    };
    sqlx::raw_sql(sql).execute(&db.pool).await.unwrap();
}

async fn exercise(db: &Db) {
    tables(db).await;
    days_and_versions(db).await;
    failing_apis(db).await;
    error_messages(db).await;
    concurrent(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stats_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("cove.db").display());
    let db = Db::connect(&url).await.unwrap();
    exercise(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stats_on_postgres() {
    let (pg, url) = PgDatabase::create().await;
    let db = Db::connect(&url).await.unwrap();
    exercise(&db).await;
    pg.drop_it(db).await;
}

/// Users are stored as a hash keyed by the platform's own secret: the same user id gives
/// other bytes on another platform, so stored hashes cannot be matched against guessed ids.
#[tokio::test]
async fn stored_users_are_keyed_hashes() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut hashes = vec![];
    for dir in [&a, &b] {
        let db = Db::connect(&format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("s.db").display()
        ))
        .await
        .unwrap();
        let now = today() * 86_400_000 + 1000;
        send(
            &db,
            1,
            &[
                launch("wxa", 1, "13800138000", now),
                launch("wxa", 1, "13800138000", now),
            ],
        )
        .await;
        let rows: Vec<String> = sqlx::query_scalar("SELECT user_hash FROM stats_users")
            .fetch_all(&db.pool)
            .await
            .unwrap();
        assert_eq!(rows.len(), 1, "one user");
        hashes.push(rows[0].clone());
    }
    assert_ne!(hashes[0], hashes[1]);
}
