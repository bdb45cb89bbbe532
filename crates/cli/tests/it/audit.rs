//! `cove audit verify` on a platform database: ok while the chain holds, exit 1 naming the
//! row once one is edited.

use std::process::Command;

use cove_server::audit::{Change, store};
use cove_server::db::Db;
use serde_json::json;

#[test]
fn verify_finds_an_edited_row() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("cove.db").display());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let db = Db::connect(&url).await.unwrap();
        for i in 0..5 {
            let (before, after) = (json!(null), json!({"name": format!("app {i}")}));
            let change = Change {
                at: i,
                actor: "user:1",
                org: "org:1",
                action: "miniprogram.create",
                target: "miniprogram:1",
                before: &before,
                after: &after,
            };
            store::append(&db, &change).await.unwrap();
        }
        db.pool.close().await;
    });
    let verify = || {
        Command::new(env!("CARGO_BIN_EXE_cove"))
            .args(["audit", "verify", "--database", &url])
            .output()
            .unwrap()
    };
    let ok = verify();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&ok.stdout).trim(),
        "ok: 5 entries, the chain and its head agree"
    );

    rt.block_on(async {
        let db = Db::connect(&url).await.unwrap();
        sqlx::query("UPDATE audit_log SET after = '{\"name\":\"renamed\"}' WHERE seq = 3")
            .execute(&db.pool)
            .await
            .unwrap();
        db.pool.close().await;
    });
    let bad = verify();
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("entry 3 was edited"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}
