//! The server's rules, independent of storage: gray release, SDK signatures, the audit chain.

use cove_server::audit::{self, Break, Change};
use cove_server::gray::{Condition, Context, HostVersion, Release, Rule, bucket};
use cove_server::sdk_auth::{self, AuthError, MemoryNonces, Signed};
use serde_json::json;

fn release(rules: Vec<Rule>) -> Release {
    Release {
        salt: "wxapp".into(),
        live: Some(10),
        rules,
    }
}

fn ctx(user: &str) -> Context<'_> {
    Context {
        user_id: user,
        platform: "android",
        now: 1_800_000_000,
        ..Context::default()
    }
}

#[test]
fn ten_percent_is_ten_percent_stable_and_widening_keeps_it() {
    let rel = |p: f64| {
        release(vec![Rule {
            id: "gray".into(),
            version_code: 11,
            conditions: vec![Condition::Percent { percent: p }],
        }])
    };
    let users: Vec<String> = (0..100_000).map(|i| format!("user-{i}")).collect();
    let ten = rel(10.0);
    let in_ten: Vec<bool> = users
        .iter()
        .map(|u| ten.resolve(&ctx(u)).version_code == Some(11))
        .collect();
    let share = in_ten.iter().filter(|b| **b).count() as f64 / users.len() as f64;
    assert!((share - 0.10).abs() < 0.005, "10% rule served {share}");
    // Stable: asking again gives the same answer for everyone.
    assert!(
        users
            .iter()
            .zip(&in_ten)
            .all(|(u, b)| (ten.resolve(&ctx(u)).version_code == Some(11)) == *b)
    );
    // Widening keeps everyone who had it.
    let twenty = rel(20.0);
    assert!(
        users
            .iter()
            .zip(&in_ten)
            .filter(|(_, b)| **b)
            .all(|(u, _)| twenty.resolve(&ctx(u)).version_code == Some(11))
    );
    // Another app's 10% is a different 10%.
    let overlap = users
        .iter()
        .filter(|u| bucket("wxapp", u) < 1000 && bucket("wxother", u) < 1000)
        .count();
    assert!(
        (overlap as f64 / users.len() as f64 - 0.01).abs() < 0.003,
        "{overlap}"
    );
    // 0% and 100% are exact.
    assert!(
        users
            .iter()
            .take(1000)
            .all(|u| rel(0.0).resolve(&ctx(u)).version_code == Some(10))
    );
    assert!(
        users
            .iter()
            .take(1000)
            .all(|u| rel(100.0).resolve(&ctx(u)).version_code == Some(11))
    );
}

#[test]
fn rules_apply_in_order_and_explain_themselves() {
    let tags = vec!["staff".to_string()];
    let v = HostVersion::parse("3.12").unwrap();
    let rel = release(vec![
        Rule {
            id: "testers".into(),
            version_code: 13,
            conditions: vec![Condition::Users {
                ids: vec!["alice".into()],
            }],
        },
        Rule {
            id: "staff-on-new-hosts".into(),
            version_code: 12,
            conditions: vec![
                Condition::Tags {
                    any: vec!["staff".into()],
                },
                Condition::HostVersion {
                    min: Some(HostVersion::parse("3.10.0").unwrap()),
                    max: None,
                },
                Condition::Platforms {
                    any: vec!["ios".into(), "android".into()],
                },
                Condition::Window {
                    from: Some(1_700_000_000),
                    until: Some(1_900_000_000),
                },
            ],
        },
        Rule {
            id: "everyone".into(),
            version_code: 11,
            conditions: vec![Condition::Percent { percent: 100.0 }],
        },
    ]);
    // Alice is on the first rule's list, whatever else is true.
    let d = rel.resolve(&Context {
        tags: &tags,
        host_version: Some(&v),
        ..ctx("alice")
    });
    assert_eq!(
        (d.version_code, d.rule.as_deref()),
        (Some(13), Some("testers"))
    );
    // Bob has the tag and a new enough host.
    let d = rel.resolve(&Context {
        tags: &tags,
        host_version: Some(&v),
        ..ctx("bob")
    });
    assert_eq!(d.rule.as_deref(), Some("staff-on-new-hosts"));
    assert!(
        d.trace[0].contains("not on the allow-list"),
        "{:?}",
        d.trace
    );
    assert!(
        d.trace[1].contains("host version 3.12 is in [3.10, any]"),
        "{:?}",
        d.trace
    );
    // An old host falls through to the last rule, and the trace says why.
    let old = HostVersion::parse("3.9.9").unwrap();
    let d = rel.resolve(&Context {
        tags: &tags,
        host_version: Some(&old),
        ..ctx("bob")
    });
    assert_eq!(d.rule.as_deref(), Some("everyone"));
    assert!(d.trace[1].contains("3.9.9 is not in"), "{:?}", d.trace);
    // Outside the time window.
    let d = rel.resolve(&Context {
        tags: &tags,
        host_version: Some(&v),
        now: 1_950_000_000,
        ..ctx("bob")
    });
    assert_eq!(d.rule.as_deref(), Some("everyone"));
    // No rule matches: the live version, said so.
    let d = release(vec![Rule {
        id: "nobody".into(),
        version_code: 12,
        conditions: vec![Condition::Users { ids: vec![] }],
    }])
    .resolve(&ctx("carol"));
    assert_eq!((d.version_code, d.rule), (Some(10), None));
    assert_eq!(
        d.trace.last().unwrap(),
        "no rule matched: the live version 10"
    );
    // Versions compare as numbers, and rules survive a JSON round trip.
    assert!(HostVersion::parse("3.10").unwrap() > HostVersion::parse("3.9.12").unwrap());
    assert!(HostVersion::parse("3.x").is_err());
    let back: Release = serde_json::from_value(serde_json::to_value(&rel).unwrap()).unwrap();
    assert_eq!(back, rel);
}

#[test]
fn sdk_signatures_timestamps_and_nonces() {
    let now = 1_800_000_000;
    let secret = b"sdk-secret-of-host-app";
    let body = br#"{"app":"wxapp","user":"u1"}"#;
    let req = Signed {
        method: "POST",
        path: "/sdk/v1/resolve",
        body,
        timestamp: now,
        nonce: "n-0001-abcdef",
    };
    let sig = req.sign(secret);
    let nonces = MemoryNonces::default();
    assert_eq!(
        sdk_auth::verify(&req, "key1", secret, &sig, now, &nonces),
        Ok(())
    );
    // The same request again: a replay.
    assert_eq!(
        sdk_auth::verify(&req, "key1", secret, &sig, now + 1, &nonces),
        Err(AuthError::Replayed)
    );
    // Every signed part matters.
    let fresh = |n: &'static str| Signed {
        nonce: n,
        ..req.clone()
    };
    for (changed, label) in [
        (
            Signed {
                body: br#"{"app":"wxapp","user":"u2"}"#,
                ..fresh("n-0002-abcdef")
            },
            "body",
        ),
        (
            Signed {
                path: "/sdk/v1/resolve?x=1",
                ..fresh("n-0003-abcdef")
            },
            "path",
        ),
        (
            Signed {
                method: "GET",
                ..fresh("n-0004-abcdef")
            },
            "method",
        ),
        (
            Signed {
                timestamp: now + 1,
                ..fresh("n-0005-abcdef")
            },
            "timestamp",
        ),
    ] {
        let original = Signed {
            nonce: changed.nonce,
            ..req.clone()
        }
        .sign(secret);
        assert_eq!(
            sdk_auth::verify(&changed, "key1", secret, &original, now, &nonces),
            Err(AuthError::BadSignature),
            "{label}"
        );
    }
    // Another secret.
    let r = fresh("n-0006-abcdef");
    assert_eq!(
        sdk_auth::verify(&r, "key1", b"other", &r.sign(secret), now, &nonces),
        Err(AuthError::BadSignature)
    );
    // Too old or too far ahead, even when signed correctly.
    for ts in [now - 301, now + 301] {
        let r = Signed {
            timestamp: ts,
            ..fresh("n-0007-abcdef")
        };
        let e = sdk_auth::verify(&r, "key1", secret, &r.sign(secret), now, &nonces).unwrap_err();
        assert_eq!(e.code(), "sdk_stale_timestamp");
    }
    // Within the window it passes, and a nonce is per key.
    let r = Signed {
        timestamp: now - 299,
        ..fresh("n-0008-abcdef")
    };
    assert_eq!(
        sdk_auth::verify(&r, "key1", secret, &r.sign(secret), now, &nonces),
        Ok(())
    );
    assert_eq!(
        sdk_auth::verify(&r, "key2", secret, &r.sign(secret), now, &nonces),
        Ok(())
    );
    // Malformed headers.
    let r = fresh("short");
    assert_eq!(
        sdk_auth::verify(&r, "key1", secret, &r.sign(secret), now, &nonces)
            .unwrap_err()
            .code(),
        "sdk_malformed"
    );
    let r = fresh("n-0009-abcdef");
    assert_eq!(
        sdk_auth::verify(&r, "key1", secret, "not hex", now, &nonces)
            .unwrap_err()
            .code(),
        "sdk_malformed"
    );
}

fn log(n: usize) -> Vec<audit::Entry> {
    let mut out: Vec<audit::Entry> = vec![];
    for i in 0..n {
        let before = if i == 0 {
            json!(null)
        } else {
            json!({"percent": i})
        };
        let after = json!({"percent": i + 1, "note": "gray widened"});
        let change = Change {
            at: 1_800_000_000_000 + i as i64,
            actor: "user:7",
            org: "org:1",
            action: "release.gray",
            target: "miniprogram:3",
            before: &before,
            after: &after,
        };
        let e = audit::next(out.last(), &change);
        out.push(e);
    }
    out
}

#[test]
fn the_audit_chain_finds_edits_deletions_and_truncation() {
    let entries = log(6);
    let head = (6, entries[5].hash.clone());
    assert_eq!(audit::verify(&entries, Some((head.0, &head.1))), Ok(6));
    // Any field of any row.
    for field in 0..6 {
        let mut e = entries.clone();
        let row = &mut e[2];
        match field {
            0 => row.actor = "user:8".into(),
            1 => row.action = "release.publish".into(),
            2 => row.after = row.after.replace("widened", "narrowed"),
            3 => row.before = "null".into(),
            4 => row.at += 1,
            _ => row.target = "miniprogram:4".into(),
        }
        assert_eq!(
            audit::verify(&e, None),
            Err(Break::Edited { seq: 3 }),
            "field {field}"
        );
    }
    // Re-hashing an edited row does not help: the next row's link breaks.
    let mut e = entries.clone();
    e[2].actor = "user:8".into();
    e[2].hash = audit::hash_of(&e[2]);
    assert_eq!(audit::verify(&e, None), Err(Break::Unlinked { seq: 4 }));
    // A deleted row.
    let mut e = entries.clone();
    e.remove(3);
    assert_eq!(
        audit::verify(&e, None),
        Err(Break::Missing {
            expected: 4,
            found: 5
        })
    );
    // Rows swapped.
    let mut e = entries.clone();
    e.swap(1, 2);
    assert!(audit::verify(&e, None).is_err());
    // The newest rows deleted: the chain is valid, the head is not.
    let cut = &entries[..4];
    assert_eq!(audit::verify(cut, None), Ok(4));
    assert_eq!(
        audit::verify(cut, Some((head.0, &head.1))),
        Err(Break::Truncated { last: 4, head: 6 })
    );
    // A rewritten log from some row on, with a head that no longer matches.
    let mut forged = entries[..5].to_vec();
    let after = json!({"percent": 100});
    let change = Change {
        at: 0,
        actor: "user:9",
        org: "org:1",
        action: "release.gray",
        target: "miniprogram:3",
        before: &json!(null),
        after: &after,
    };
    forged.push(audit::next(forged.last(), &change));
    assert_eq!(
        audit::verify(&forged, Some((head.0, &head.1))),
        Err(Break::HeadMismatch)
    );
}

#[test]
fn nonces_are_forgotten_when_they_expire() {
    let nonces = MemoryNonces::default();
    for i in 0..1000 {
        assert!(sdk_auth::NonceStore::remember(
            &nonces,
            "k",
            &format!("nonce-{i}"),
            1_000 + 301,
            1_000
        ));
    }
    assert_eq!(nonces.len(), 1000);
    // Within the window, a replay is refused; another key may use the same nonce.
    assert!(!sdk_auth::NonceStore::remember(
        &nonces,
        "k",
        "nonce-7",
        1_100 + 301,
        1_100
    ));
    assert!(sdk_auth::NonceStore::remember(
        &nonces,
        "other",
        "nonce-7",
        1_100 + 301,
        1_100
    ));
    // Once their window has passed, they are dropped as new requests come in.
    assert!(sdk_auth::NonceStore::remember(
        &nonces,
        "k",
        "later",
        2_000 + 301,
        2_000
    ));
    // Each request sweeps its own shard; a sweep of all leaves only the live one.
    assert!(nonces.len() < 1000, "{} remembered", nonces.len());
    nonces.sweep(2_000);
    assert_eq!(nonces.len(), 1);
}
