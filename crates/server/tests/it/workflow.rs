//! A version from upload to release: the steps, who may take them, and the packages that
//! publishing makes, which the container must then accept (for its host, and only for it).

use std::collections::BTreeSet;
use std::path::Path;

use cove_package::{Channel, KeyPair, Purpose, Suite, Trust};
use cove_server::authz::{Principal, Role, Target};
use cove_server::workflow::{HostTarget, State, Step, WorkflowError, advance, prepare};

fn who(id: u64, org: u64, roles: &[Role]) -> Principal {
    Principal {
        user_id: id,
        org_id: org,
        operator_org: org == 1,
        roles: roles.iter().copied().collect::<BTreeSet<_>>(),
        ..Principal::default()
    }
}

#[test]
fn upload_review_publish_with_separation_of_duties() {
    let dev = who(20, 2, &[Role::Developer]);
    let reviewer = who(10, 1, &[Role::Reviewer]);
    let operator = who(11, 1, &[Role::Operator]);
    let outsider = who(30, 3, &[Role::Admin]);
    let target = Target {
        owner_org: Some(2),
        uploader: Some(20),
    };

    let s = advance(&State::Uploaded, &Step::Submit, &dev, &target).unwrap();
    assert_eq!(s, State::InReview);
    // Another partner cannot even see it; a developer cannot approve.
    assert_eq!(
        advance(&s, &Step::Approve, &outsider, &target),
        Err(WorkflowError::Hidden)
    );
    assert!(matches!(
        advance(&s, &Step::Approve, &dev, &target),
        Err(WorkflowError::Forbidden(_))
    ));
    // A rejection needs a reason; then the developer uploads again.
    assert_eq!(
        advance(
            &s,
            &Step::Reject {
                reason: "  ".into()
            },
            &reviewer,
            &target
        ),
        Err(WorkflowError::NoReason)
    );
    let rejected = advance(
        &s,
        &Step::Reject {
            reason: "requests http://tracker".into(),
        },
        &reviewer,
        &target,
    )
    .unwrap();
    assert_eq!(
        rejected,
        State::Rejected {
            by: 10,
            reason: "requests http://tracker".into()
        }
    );
    assert_eq!(
        advance(&rejected, &Step::Publish, &operator, &target)
            .unwrap_err()
            .code(),
        "invalid_state"
    );

    let approved = advance(&s, &Step::Approve, &reviewer, &target).unwrap();
    // Publishing skips no step, and the reviewer's role does not publish.
    assert!(matches!(
        advance(&State::InReview, &Step::Publish, &operator, &target),
        Err(WorkflowError::Invalid { .. })
    ));
    assert!(matches!(
        advance(&approved, &Step::Publish, &reviewer, &target),
        Err(WorkflowError::Forbidden(_))
    ));
    assert_eq!(
        advance(&approved, &Step::Publish, &operator, &target).unwrap(),
        State::Released { by: 11 }
    );

    // An operator-organisation admin who uploaded it can neither approve nor publish it.
    let admin = who(12, 1, &[Role::Admin]);
    let own = Target {
        owner_org: Some(1),
        uploader: Some(12),
    };
    assert!(matches!(
        advance(&State::InReview, &Step::Approve, &admin, &own),
        Err(WorkflowError::Forbidden(_))
    ));
    assert!(matches!(
        advance(&approved, &Step::Publish, &admin, &own),
        Err(WorkflowError::Forbidden(_))
    ));
}

#[test]
fn publishing_makes_what_each_host_container_accepts() {
    let out = cove_compiler::compile_dir(
        Path::new("../../examples/demo"),
        &cove_compiler::CompileOptions {
            version_code: Some(8),
            ..Default::default()
        },
    )
    .unwrap();
    let package = cove_compiler::output::zip_bytes(&out.files).unwrap();
    let platform = KeyPair::generate(Suite::Sm, Purpose::Sign, Some("bank-platform")).unwrap();
    let sealing = KeyPair::generate(Suite::Sm, Purpose::Seal, Some("bank-app")).unwrap();
    let hosts = [
        HostTarget {
            host_id: 1,
            sealing_key: Some(sealing.public()),
        },
        HostTarget {
            host_id: 2,
            sealing_key: None,
        },
    ];
    let p = prepare(&package, &platform, Channel::Release, None, &hosts).unwrap();
    assert_eq!(p.deliveries.len(), 2);
    let (_, sealed, sealed_id, is_sealed) = &p.deliveries[0];
    let (_, plain, plain_id, plain_sealed) = &p.deliveries[1];
    assert!(*is_sealed && !*plain_sealed);
    assert_eq!(plain, &p.signed);
    assert_eq!(sealed_id, &cove_server::blobs::id_of(sealed));
    assert_ne!(sealed_id, plain_id);

    // Each host's container opens its own delivery.
    let trust = |host_keys| Trust {
        signing_keys: vec![platform.public()],
        host_keys,
        ..Trust::default()
    };
    let opened = cove_package::open(sealed, &trust(vec![sealing.clone()])).unwrap();
    assert_eq!(opened.signature.unwrap().key_id, "bank-platform");
    assert_eq!(opened.manifest.version_code, 8);
    cove_package::open(plain, &trust(vec![])).unwrap();
    // The sealed one is of no use to another host.
    let e = cove_package::open(sealed, &trust(vec![])).unwrap_err();
    assert_eq!(e.code(), "envelope_not_for_host");

    // A rollback release is accepted over a newer installed version it was signed for; a
    // plain one is not, and neither is the rollback over a version published after it.
    let range = cove_package::RollbackRange { min: 9, max: 10 };
    let back = prepare(
        &package,
        &platform,
        Channel::Release,
        Some(range),
        &hosts[1..],
    )
    .unwrap();
    let installed = |v| Trust {
        installed_version: Some(v),
        ..trust(vec![])
    };
    let opened = cove_package::open(&back.signed, &installed(9)).unwrap();
    assert_eq!(opened.signature.unwrap().rollback_from, Some(range));
    cove_package::open(&back.signed, &installed(10)).unwrap();
    assert_eq!(
        cove_package::open(&back.signed, &installed(11))
            .unwrap_err()
            .code(),
        "rollback_out_of_range"
    );
    assert_eq!(
        cove_package::open(&p.signed, &installed(9))
            .unwrap_err()
            .code(),
        "downgrade"
    );
}
