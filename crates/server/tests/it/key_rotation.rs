//! Rotating the platform's signing key, end to end over `serve::open` on a data directory:
//! before, the delivered package verifies under the old key; `rotation::rotate` keeps the old
//! key's public half as retired, signs every published package again and replaces the key
//! file; after, new packages and policies carry the new key's id and verify with [old, new]
//! trust, re-signed ones verify with the new key alone, and the audit log's signed heads,
//! made under either key, all check.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cove_package::{KeyPair, PublicKey, Purpose, Trust};
use cove_server::audit::anchor::{self, AnchorBreak};
use cove_server::authz::Role;
use cove_server::config::ServerConfig;
use cove_server::platform::apps::NewApp;
use cove_server::platform::{Actor, NewHost, Platform, Upload};
use cove_server::sdk::{Catalog as _, Grants};
use cove_server::workflow::Step;

/// The example project's app id (an upload must match it).
const APP: &str = "wxcove0000demo01";

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

struct World {
    admin: Actor,
    dev: Actor,
    host_id: u64,
    sealing: KeyPair,
}

async fn seed(p: &Platform) -> World {
    let operator = p.create_org(None, "Operator", true).await.unwrap();
    let partner = p.create_org(None, "Partner", false).await.unwrap();
    let admin = p
        .create_user(
            None,
            operator.id,
            "admin",
            "a long admin password 1",
            &BTreeSet::from([Role::Admin]),
        )
        .await
        .unwrap()
        .actor();
    let dev = p
        .create_user(
            None,
            partner.id,
            "dev",
            "a long developer password 1",
            &BTreeSet::from([Role::Developer]),
        )
        .await
        .unwrap()
        .actor();
    let sealing =
        KeyPair::generate(p.signing_key.suite(), Purpose::Seal, Some("host-sealing")).unwrap();
    let (host, _) = p
        .create_host(
            Some(&admin),
            &NewHost {
                name: "Bank".into(),
                platforms: vec!["ios".into()],
                sealing_key: Some(sealing.public().to_json()),
            },
        )
        .await
        .unwrap();
    p.create_app(
        Some(&dev),
        &NewApp {
            app_id: APP.into(),
            name: "Rotation".into(),
            category: "demo".into(),
            icon: String::new(),
            org_id: partner.id,
        },
    )
    .await
    .unwrap();
    p.grant(Some(&admin), host.id, APP, &Grants::default())
        .await
        .unwrap();
    World {
        admin,
        dev,
        host_id: host.id,
        sealing,
    }
}

async fn publish(p: &Platform, w: &World, code: u64) {
    let zip = cove_server::upload::zip_source_dir(&examples().join("demo")).unwrap();
    let up = Upload {
        kind: "source".into(),
        version_code: Some(code),
        version_name: Some(format!("1.0.{code}")),
        note: "rotation test".into(),
    };
    let v = p.upload(&w.dev, APP, zip, &up).await.unwrap();
    p.step(&w.dev, APP, v.code, Step::Submit).await.unwrap();
    p.approve(&w.admin, APP, v.code, "fine", None)
        .await
        .unwrap();
    p.publish(&w.admin, APP, v.code, false).await.unwrap();
}

/// What the host receives for version `code` (sealed for its key).
async fn delivered(p: &Platform, w: &World, code: u64) -> Vec<u8> {
    let blob: String = sqlx::query_scalar(
        "SELECT blob FROM deliveries WHERE app_id = $1 AND code = $2 AND host_id = $3",
    )
    .bind(APP)
    .bind(code as i64)
    .bind(w.host_id as i64)
    .fetch_one(&p.db.pool)
    .await
    .unwrap();
    p.blobs.get(&blob).await.unwrap().unwrap()
}

/// The signer's key id when the host, trusting `keys`, opens `bytes`.
fn opened_by(bytes: &[u8], w: &World, keys: &[PublicKey]) -> Result<String, String> {
    let trust = Trust {
        signing_keys: keys.to_vec(),
        host_keys: vec![w.sealing.clone()],
        ..Trust::default()
    };
    cove_package::open(bytes, &trust)
        .map(|o| o.signature.expect("signed").key_id)
        .map_err(|e| e.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_key_re_signs_packages_and_keeps_the_audit_anchors_verifiable() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = ServerConfig {
        data_dir: dir.path().join("data"),
        ..ServerConfig::default()
    };

    // Before: the platform signs with its first key.
    let p = cove_server::serve::open(&cfg).await.unwrap();
    let old = p.signing_key.public();
    let w = seed(&p).await;
    publish(&p, &w, 1).await;
    let v1 = delivered(&p, &w, 1).await;
    assert_eq!(
        opened_by(&v1, &w, std::slice::from_ref(&old)),
        Ok(old.id().to_string())
    );
    let policy = p.catalog.app_on_host(w.host_id, APP).unwrap().signed_policy;
    assert_eq!(policy.unwrap().key_id, old.id());
    p.db.pool.close().await;
    drop(p);

    // The new key is made first, and its public half shipped to the hosts.
    let new_pair = KeyPair::generate(old.suite(), Purpose::Sign, None).unwrap();
    let new = new_pair.public();
    let r = cove_server::rotation::rotate(&cfg, Some(new_pair))
        .await
        .unwrap();
    assert_eq!((r.old.as_str(), r.new.as_str()), (old.id(), new.id()));
    assert_eq!((r.resigned.versions, r.resigned.deliveries), (1, 1));
    assert_eq!(r.resigned.from, BTreeSet::from([old.id().to_string()]));
    assert_eq!(
        r.retired,
        cfg.retired_keys_dir()
            .join(format!("{}.pub.json", old.id()))
    );
    assert_eq!(cfg.retired_keys().unwrap(), vec![old.clone()]);
    // The key file now holds the new key; the old private half is gone from the data dir.
    assert_eq!(
        cove_server::serve::signing_key(&cfg).unwrap().id(),
        new.id()
    );
    for e in walkdir::WalkDir::new(&cfg.data_dir) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            if text.contains(old.id()) && text.contains("\"secret\"") {
                panic!("the old key's secret is still in {}", e.path().display());
            }
        }
    }

    // After: the server starts on the new key.
    let p = cove_server::serve::open(&cfg).await.unwrap();
    assert_eq!(p.signing_key.id(), new.id());
    // The re-signed package verifies with the new key alone, and no longer with the old.
    let v1 = delivered(&p, &w, 1).await;
    assert_eq!(
        opened_by(&v1, &w, std::slice::from_ref(&new)),
        Ok(new.id().to_string())
    );
    assert!(opened_by(&v1, &w, std::slice::from_ref(&old)).is_err());
    // A package published now carries the new key and verifies with [old, new] trust.
    publish(&p, &w, 2).await;
    let v2 = delivered(&p, &w, 2).await;
    assert_eq!(
        opened_by(&v2, &w, &[old.clone(), new.clone()]),
        Ok(new.id().to_string())
    );
    // The policy is signed with the new key at the catalog's load.
    let policy = p.catalog.app_on_host(w.host_id, APP).unwrap().signed_policy;
    assert_eq!(policy.unwrap().key_id, new.id());
    // The rotation is in the audit log.
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log ORDER BY seq")
        .fetch_all(&p.db.pool)
        .await
        .unwrap();
    assert!(
        actions.iter().any(|a| a == "signing_key.resign"),
        "{actions:?}"
    );

    // The signed heads: those before the rotation under the old key, those after under the
    // new; all check with both trusted (what `cove audit verify` does: the current key and
    // the retired ones), and the old ones do not check without the retired key.
    let dirs = [cfg.audit_anchors_dir()];
    let ok = anchor::check_with(&p.db, &dirs, &[new.clone(), old.clone()])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ok.keys,
        BTreeSet::from([old.id().to_string(), new.id().to_string()])
    );
    assert_eq!(
        ok.anchors as u64, ok.entries,
        "every entry was signed as written"
    );
    let verified = p.audit_verify(&w.admin).await.unwrap().unwrap();
    assert_eq!(verified.keys, ok.keys);
    assert!(matches!(
        anchor::check_with(&p.db, &dirs, std::slice::from_ref(&new))
            .await
            .unwrap(),
        Err(AnchorBreak::UntrustedKey { key_id, .. }) if key_id == old.id()
    ));
}
