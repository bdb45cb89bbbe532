//! `cove audit verify` on a platform's data directory: ok while the chain and the platform's
//! signed heads agree; exit 1 naming the entry for an edited row, a forged row appended
//! through the database, a re-hashed chain and a deleted tail. `--chain-only` shows what the
//! chain alone would miss.

use std::path::{Path, PathBuf};
use std::process::Command;

use cove_server::audit::{Change, Entry, after, hash_of, store};
use cove_server::config::ServerConfig;
use cove_server::db::Db;
use serde_json::json;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn url(data: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data.join("cove.db").display())
}

/// A data directory as `cove serve` leaves it, with six audited changes.
fn platform(root: &Path) -> PathBuf {
    let data = root.join("data");
    rt().block_on(async {
        let cfg = ServerConfig {
            data_dir: data.clone(),
            ..ServerConfig::default()
        };
        let p = cove_server::serve::open(&cfg).await.unwrap();
        for i in 0..6 {
            p.create_org(None, &format!("Org {i}"), false)
                .await
                .unwrap();
        }
        p.db.pool.close().await;
    });
    data
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// Run `cove audit verify --data-dir DATA [extra]`: (exit code, stdout, stderr).
fn verify(data: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cove"))
        .args(["audit", "verify", "--data-dir"])
        .arg(data)
        .args(extra)
        .env_remove("COVE_CONFIG")
        .env_remove("COVE_DATABASE")
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).trim().to_string();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

/// Do `f` to the database of a copy of `data`; the copy's path.
fn tampered(data: &Path, name: &str, f: impl AsyncFnOnce(&Db, Vec<Entry>)) -> PathBuf {
    let copy_dir = data.with_file_name(name);
    copy(data, &copy_dir);
    rt().block_on(async {
        let db = Db::connect(&url(&copy_dir)).await.unwrap();
        let entries = store::load(&db).await.unwrap();
        f(&db, entries).await;
        db.pool.close().await;
    });
    copy_dir
}

async fn set_head(db: &Db, e: &Entry) {
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(e.seq as i64)
        .bind(&e.hash)
        .execute(&db.pool)
        .await
        .unwrap();
}

async fn store_entry(db: &Db, e: &Entry, insert: bool) {
    let sql = if insert {
        "INSERT INTO audit_log (at, actor, org, action, target, before, after, prev, hash, seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    } else {
        "UPDATE audit_log SET at = $1, actor = $2, org = $3, action = $4, target = $5,
         before = $6, after = $7, prev = $8, hash = $9 WHERE seq = $10"
    };
    sqlx::query(sql)
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

#[test]
fn verify_finds_what_an_insider_with_the_database_does() {
    let root = tempfile::tempdir().unwrap();
    let data = platform(root.path());

    let (code, out, err) = verify(&data, &[]);
    eprintln!("clean: {out}{err}");
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.starts_with(
            "ok: 6 entries; the chain, its head and 6 signed heads agree (newest: entry 6, signed "
        ),
        "{out}"
    );

    // An edited row: the chain finds it.
    let edited = tampered(&data, "edited", async |db, _| {
        sqlx::query("UPDATE audit_log SET after = '{\"name\":\"renamed\"}' WHERE seq = 3")
            .execute(&db.pool)
            .await
            .unwrap();
    });
    let (code, _, err) = verify(&edited, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        "the audit log is not intact: entry 3 was edited: its hash does not match its content"
    );

    // 1. A forged row appended with a correct chain hash, and the head moved to it.
    let appended = tampered(&data, "appended", async |db, entries| {
        let last = entries.last().unwrap();
        let (before, after_) = (json!(null), json!({"roles": ["admin"]}));
        let forged = after(
            last.seq,
            &last.hash,
            &Change {
                at: last.at + 1,
                actor: "admin",
                org: "Cove Bank (operator)",
                action: "user.roles",
                target: "user/2",
                before: &before,
                after: &after_,
            },
        );
        store_entry(db, &forged, true).await;
        set_head(db, &forged).await;
    });
    let (code, out, _) = verify(&appended, &["--chain-only"]);
    assert_eq!(code, Some(0), "the chain alone passes it");
    assert!(out.starts_with("ok: 7 entries"), "{out}");
    let (code, _, err) = verify(&appended, &[]);
    eprintln!("appended: {err}");
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        "the audit log is not intact: entry 7 is not anchored: no signed head of the platform's covers it; the newest signed head is entry 6"
    );

    // 2. A re-hashed chain: entry 2 edited, every hash from there recomputed, the head moved.
    let rehashed = tampered(&data, "rehashed", async |db, mut entries| {
        entries[1].actor = "someone-else".into();
        for i in 1..entries.len() {
            entries[i].prev = entries[i - 1].hash.clone();
            entries[i].hash = hash_of(&entries[i]);
        }
        for e in &entries {
            store_entry(db, e, false).await;
        }
        set_head(db, entries.last().unwrap()).await;
    });
    assert_eq!(verify(&rehashed, &["--chain-only"]).0, Some(0));
    let (code, _, err) = verify(&rehashed, &[]);
    eprintln!("rehashed: {err}");
    assert_eq!(code, Some(1));
    assert!(
        err.starts_with("the audit log is not intact: entry 2 is not the entry that was signed (")
            && err.ends_with("; the chain was rewritten"),
        "{err}"
    );

    // 3. A deleted tail: the two newest entries deleted and the head set back.
    let cut = tampered(&data, "cut", async |db, entries| {
        sqlx::query("DELETE FROM audit_log WHERE seq > 4")
            .execute(&db.pool)
            .await
            .unwrap();
        set_head(db, &entries[3]).await;
    });
    assert_eq!(verify(&cut, &["--chain-only"]).0, Some(0));
    let (code, _, err) = verify(&cut, &[]);
    eprintln!("cut: {err}");
    assert_eq!(code, Some(1));
    assert!(
        err.starts_with(
            "the audit log is not intact: the log ends at entry 4, but entry 6 was signed as written ("
        ) && err.ends_with("): entries 5-6 were deleted"),
        "{err}"
    );

    // Without the platform's key, the signed heads prove nothing: refused.
    let stranger = root.path().join("stranger.json");
    let key = cove_package::KeyPair::generate(
        cove_package::Suite::Intl,
        cove_package::Purpose::Sign,
        None,
    )
    .unwrap();
    std::fs::write(&stranger, key.public().to_json()).unwrap();
    let (code, _, err) = verify(&data, &["--trust", stranger.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(err.contains("which is not trusted"), "{err}");
}
