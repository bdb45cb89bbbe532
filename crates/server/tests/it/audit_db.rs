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

mod anchored {
    //! The chain against the platform's signed heads: what someone who can write to the
    //! database (rows and head row alike) can do, and what `cove audit verify` then says.
    //! The chain check alone passes each of these; the signed heads catch them.

    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use cove_package::{KeyPair, Purpose, Suite};
    use cove_server::audit::anchor::{self, AnchorBreak, AnchorLog, AnchorSettings, Verified};
    use cove_server::audit::{Change, Entry, after, hash_of, store};
    use cove_server::db::Db;
    use serde_json::json;

    use crate::pg::PgDatabase;

    fn change<'a>(
        i: usize,
        before: &'a serde_json::Value,
        after: &'a serde_json::Value,
    ) -> Change<'a> {
        Change {
            at: 1_800_000_000_000 + i as i64,
            actor: "user:7",
            org: "org:2",
            action: "release.gray",
            target: "miniprogram:3",
            before,
            after,
        }
    }

    /// What the platform does for each change: append and sign the intent in the
    /// transaction, commit, sign the write.
    async fn write(db: &Db, log: &AnchorLog, i: usize) -> Entry {
        let (b, a) = (json!({"percent": i}), json!({"percent": i + 1}));
        let mut tx = db.begin_write().await.unwrap();
        let e = store::append_in(&mut tx, db.dialect, &change(i, &b, &a))
            .await
            .unwrap();
        log.intend(e.seq, &e.hash).await.unwrap();
        tx.commit().await.unwrap();
        log.flush(db).await.unwrap();
        e
    }

    async fn check(db: &Db, dir: &Path, key: &KeyPair) -> Result<Verified, AnchorBreak> {
        anchor::check_with(db, &[dir.to_path_buf()], &[key.public()])
            .await
            .unwrap()
    }

    /// Store `entries` over the rows of the same seq, and the last as the head: what an
    /// insider with the database does.
    async fn overwrite(db: &Db, entries: &[Entry]) {
        for e in entries {
            sqlx::query(
                "UPDATE audit_log SET at = $1, actor = $2, org = $3, action = $4, target = $5,
                 before = $6, after = $7, prev = $8, hash = $9 WHERE seq = $10",
            )
            .bind(e.at)
            .bind(&e.actor)
            .bind(&e.org)
            .bind(&e.action)
            .bind(&e.target)
            .bind(&e.before)
            .bind(&e.after)
            .bind(&e.prev)
            .bind(&e.hash)
            .bind(e.seq as i64)
            .execute(&db.pool)
            .await
            .unwrap();
        }
    }

    async fn set_head(db: &Db, seq: u64, hash: &str) {
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(seq as i64)
            .bind(hash)
            .execute(&db.pool)
            .await
            .unwrap();
    }

    async fn insert(db: &Db, e: &Entry) {
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor, org, action, target, before, after, prev, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(e.seq as i64)
        .bind(e.at)
        .bind(&e.actor)
        .bind(&e.org)
        .bind(&e.action)
        .bind(&e.target)
        .bind(&e.before)
        .bind(&e.after)
        .bind(&e.prev)
        .bind(&e.hash)
        .execute(&db.pool)
        .await
        .unwrap();
    }

    async fn exercise(db: &Db, dir: &Path) {
        let key = Arc::new(KeyPair::generate(Suite::Intl, Purpose::Sign, None).unwrap());
        // Twenty entries from before anchoring existed: the first start signs their head as
        // its baseline.
        for i in 0..20 {
            let (b, a) = (json!(i), json!(i + 1));
            store::append(db, &change(i, &b, &a)).await.unwrap();
        }
        let settings = AnchorSettings {
            dir: dir.to_path_buf(),
            node: "node-a".into(),
            retired: vec![],
        };
        let log = AnchorLog::open(settings.clone(), key.clone(), db)
            .await
            .unwrap();
        for i in 20..29 {
            write(db, &log, i).await;
        }
        // A transaction that rolls back leaves nothing signed, and the next entry, which
        // takes its number, is signed as itself.
        let (b, a) = (json!("x"), json!("y"));
        let mut tx = db.begin_write().await.unwrap();
        let gone = store::append_in(&mut tx, db.dialect, &change(99, &b, &a))
            .await
            .unwrap();
        log.intend(gone.seq, &gone.hash).await.unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(log.flush(db).await.unwrap(), 0);
        assert_eq!(write(db, &log, 30).await.seq, gone.seq);

        // A node that dies between a commit and its `write` head: at its restart the entry
        // is covered by the head it signed before the commit, and the check says so.
        let (b, a) = (json!("crash"), json!("crash"));
        let mut tx = db.begin_write().await.unwrap();
        let crashed = store::append_in(&mut tx, db.dialect, &change(98, &b, &a))
            .await
            .unwrap();
        log.intend(crashed.seq, &crashed.hash).await.unwrap();
        tx.commit().await.unwrap();
        drop(log);
        let log = AnchorLog::open(settings.clone(), key.clone(), db)
            .await
            .unwrap();
        let ok = check(db, dir, &key).await.unwrap();
        assert_eq!((ok.entries, ok.intent_only.clone()), (31, vec![31]));
        assert!(
            ok.to_string().contains(
                "entries signed only before their commit (the node stopped right after it): 31"
            ),
            "{ok}"
        );

        // Eight writers at once (two nodes' worth of anchor files in one directory).
        let other = Arc::new(
            AnchorLog::open(
                AnchorSettings {
                    node: "node-b".into(),
                    ..settings.clone()
                },
                key.clone(),
                db,
            )
            .await
            .unwrap(),
        );
        let log = Arc::new(log);
        let tasks: Vec<_> = (0..8)
            .map(|t| {
                let db = db.clone();
                let log = if t % 2 == 0 {
                    log.clone()
                } else {
                    other.clone()
                };
                tokio::spawn(async move {
                    for i in 0..5 {
                        write(&db, &log, 100 * t + i).await;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        let ok = check(db, dir, &key).await.unwrap();
        // 71 entries; 1 baseline per node and one signed head per write since, but for
        // the entry of the crash.
        assert_eq!((ok.entries, ok.first), (71, Some(20)));
        assert_eq!(ok.anchors, 2 + 50);
        assert_eq!(ok.latest.as_ref().map(|a| a.seq), Some(71));
        assert_eq!(store::check(db).await.unwrap(), Ok(71));
        let clean = store::load(db).await.unwrap();

        // 1. A forged row appended with a correct chain hash, and the head moved to it.
        let (b, a) = (json!(null), json!({"role": "admin"}));
        let last = clean.last().unwrap();
        let forged = after(last.seq, &last.hash, &change(7, &b, &a));
        insert(db, &forged).await;
        set_head(db, forged.seq, &forged.hash).await;
        assert_eq!(store::check(db).await.unwrap(), Ok(72), "the chain alone");
        let found = check(db, dir, &key).await.unwrap_err();
        assert_eq!(
            found,
            AnchorBreak::Unanchored {
                from: 72,
                to: 72,
                count: 1,
                latest: 71
            }
        );
        assert_eq!(
            found.to_string(),
            "entry 72 is not anchored: no signed head of the platform's covers it; the newest signed head is entry 71"
        );
        // … also once the platform has written after it: its own entries are signed, the
        // forged one is still not.
        write(db, &log, 500).await;
        assert!(matches!(
            check(db, dir, &key).await,
            Err(AnchorBreak::Unanchored {
                from: 72,
                to: 72,
                ..
            })
        ));
        sqlx::query("DELETE FROM audit_log WHERE seq > 71")
            .execute(&db.pool)
            .await
            .unwrap();
        set_head(db, 71, &last.hash).await;
        // (Entry 73 was signed: the log now looks cut, which is the next case.)

        // 2. A re-hashed chain: entry 40 edited and every hash after it recomputed.
        let mut rewritten = clean.clone();
        rewritten[39].actor = "user:mallory".into();
        for i in 39..rewritten.len() {
            if i > 0 {
                rewritten[i].prev = rewritten[i - 1].hash.clone();
            }
            rewritten[i].hash = hash_of(&rewritten[i]);
        }
        overwrite(db, &rewritten).await;
        let new_last = rewritten.last().unwrap();
        set_head(db, new_last.seq, &new_last.hash).await;
        assert_eq!(store::check(db).await.unwrap(), Ok(71), "the chain alone");
        // The signed entry 73 (written after the forged row) is gone: cut.
        assert!(matches!(
            check(db, dir, &key).await,
            Err(AnchorBreak::Cut {
                last: 71,
                seq: 73,
                ..
            })
        ));
        // Without that line (a fresh directory holding the same heads up to 71), the
        // rewrite itself is what is found.
        let fresh = dir.with_extension("upto71");
        copy_heads(dir, &fresh, 71);
        let found = check(db, &fresh, &key).await.unwrap_err();
        assert!(
            matches!(found, AnchorBreak::Rewritten { seq: 40, .. }),
            "{found}"
        );
        assert!(
            found
                .to_string()
                .starts_with("entry 40 is not the entry that was signed"),
            "{found}"
        );
        overwrite(db, &clean).await;
        set_head(db, 71, &last.hash).await;
        assert_eq!(check(db, &fresh, &key).await.unwrap().entries, 71);

        // 3. A deleted tail: the newest entries deleted and the head set back.
        sqlx::query("DELETE FROM audit_log WHERE seq > 68")
            .execute(&db.pool)
            .await
            .unwrap();
        set_head(db, 68, &clean[67].hash).await;
        assert_eq!(store::check(db).await.unwrap(), Ok(68), "the chain alone");
        let found = check(db, &fresh, &key).await.unwrap_err();
        assert!(
            matches!(
                found,
                AnchorBreak::Cut {
                    last: 68,
                    seq: 71,
                    ..
                }
            ),
            "{found}"
        );
        assert!(
            found
                .to_string()
                .starts_with("the log ends at entry 68, but entry 71 was signed as written"),
            "{found}"
        );

        // A line added to an anchor file by someone without the key does not verify.
        let mut bad =
            anchor::Anchor::sign(&key, anchor::Kind::Write, "node-a", 69, &clean[68].hash, 0)
                .unwrap();
        bad.seq = 70;
        let path = fresh.join("node-a.log");
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str(&serde_json::to_string(&bad).unwrap());
        text.push('\n');
        std::fs::write(&path, text).unwrap();
        assert!(matches!(
            check(db, &fresh, &key).await,
            Err(AnchorBreak::BadSignature { seq: 70, .. })
        ));
    }

    /// Copy the signed heads of entries up to `upto` into `to`.
    fn copy_heads(from: &Path, to: &PathBuf, upto: u64) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let path = e.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let kept: String = text
                .lines()
                .filter(|l| serde_json::from_str::<anchor::Anchor>(l).unwrap().seq <= upto)
                .map(|l| format!("{l}\n"))
                .collect();
            std::fs::write(to.join(path.file_name().unwrap()), kept).unwrap();
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("cove.db").display());
        let db = Db::connect(&url).await.unwrap();
        exercise(&db, &dir.path().join("anchors")).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_postgres() {
        let dir = tempfile::tempdir().unwrap();
        let (pg, url) = PgDatabase::create().await;
        let db = Db::connect(&url).await.unwrap();
        exercise(&db, &dir.path().join("anchors")).await;
        pg.drop_it(db).await;
    }
}
