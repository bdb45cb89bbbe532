//! The audit log in a real database, on embedded SQLite and on the PostgreSQL a CI machine of
//! this kind runs on 127.0.0.1:5432: concurrent appends make one chain, and edited, deleted
//! or cut-off rows are found.

use cove_server::audit::{Break, Change, store};
use cove_server::db::Db;
use serde_json::json;

use crate::pg::PgDatabase;

async fn record(db: &Db, i: usize) {
    let before = json!({"percent": i});
    let after = json!({"percent": i + 1});
    let change = Change {
        at: 1_800_000_000_000 + i as i64,
        actor: "user:7",
        org: "org:2",
        action: "release.gray",
        target: "miniprogram:3",
        before: &before,
        after: &after,
    };
    store::append(db, &change).await.unwrap();
}

async fn exercise(db: &Db) {
    for i in 0..50 {
        record(db, i).await;
    }
    assert_eq!(store::check(db).await.unwrap(), Ok(50));

    // Eight writers at once still make one chain.
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let db = db.clone();
            tokio::spawn(async move {
                for i in 0..10 {
                    record(&db, 100 * t + i).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(store::check(db).await.unwrap(), Ok(130));

    // An edited row, found; put back, clean again.
    let original = store::load(db).await.unwrap()[6].clone();
    sqlx::query("UPDATE audit_log SET actor = 'user:mallory' WHERE seq = 7")
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        store::check(db).await.unwrap(),
        Err(Break::Edited { seq: 7 })
    );
    sqlx::query("UPDATE audit_log SET actor = $1 WHERE seq = 7")
        .bind(&original.actor)
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(store::check(db).await.unwrap(), Ok(130));

    // A deleted row.
    sqlx::query("DELETE FROM audit_log WHERE seq = 20")
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        store::check(db).await.unwrap(),
        Err(Break::Missing {
            expected: 20,
            found: 21
        })
    );

    // The newest rows deleted (and the gap above): the head knows there were more.
    sqlx::query("DELETE FROM audit_log WHERE seq >= 19")
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        store::check(db).await.unwrap(),
        Err(Break::Truncated {
            last: 18,
            head: 130
        })
    );
}

#[tokio::test]
async fn on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("cove.db").display());
    let db = Db::connect(&url).await.unwrap();
    exercise(&db).await;
    // Migrations run once: connecting again keeps the data.
    let again = Db::connect(&url).await.unwrap();
    assert_eq!(store::load(&again).await.unwrap().len(), 18);
}

#[tokio::test]
async fn on_postgres() {
    let (pg, url) = PgDatabase::create().await;
    let db = Db::connect(&url).await.unwrap();
    exercise(&db).await;
    pg.drop_it(db).await;
}
