//! Who may do what, as a table: every role in the operator and a partner organisation, on
//! their own and on another organisation's resources; and the credentials behind sign-in.

use std::collections::BTreeSet;

use cove_server::authz::{Action, Decision, Principal, Role, Scope, Target, decide, org_may_hold};
use cove_server::credentials::{self, CredentialError};

const OPERATOR_ORG: u64 = 1;
const PARTNER_A: u64 = 2;
const PARTNER_B: u64 = 3;

fn user(id: u64, org: u64, role: Role) -> Principal {
    Principal {
        user_id: id,
        org_id: org,
        operator_org: org == OPERATOR_ORG,
        roles: BTreeSet::from([role]),
        ..Principal::default()
    }
}

/// `A` allow, `D` deny (403), `H` hidden (404), per role in `Role::ALL` order:
/// admin, reviewer, developer, operator, read-only.
fn row(s: &str) -> Vec<char> {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn symbol(d: &Decision) -> char {
    match d {
        Decision::Allow => 'A',
        Decision::Deny(_) => 'D',
        Decision::Hidden => 'H',
    }
}

#[test]
fn the_role_table() {
    // (action, operator org on partner A's app, partner A on its own app, partner A on B's app)
    let table: &[(Action, &str, &str, &str)] = &[
        (Action::View, "AAAAA", "AAAAA", "HHHHH"),
        (Action::ViewStats, "AAAAA", "AAAAA", "HHHHH"),
        (Action::CreateApp, "ADADD", "ADADD", "HHHHH"),
        (Action::EditApp, "ADADD", "ADADD", "HHHHH"),
        (Action::ProposeDomains, "ADADD", "ADADD", "HHHHH"),
        (Action::Upload, "ADADD", "ADADD", "HHHHH"),
        (Action::Submit, "ADADD", "ADADD", "HHHHH"),
        (Action::Review, "AADDD", "DDDDD", "HHHHH"),
        (Action::Publish, "ADDAD", "DDDDD", "HHHHH"),
        (Action::Rollback, "ADDAD", "DDDDD", "HHHHH"),
        (Action::Takedown, "ADDAD", "DDDDD", "HHHHH"),
        (Action::ManageUsers, "ADDDD", "ADDDD", "HHHHH"),
        (Action::ViewAudit, "ADDDA", "ADDDA", "HHHHH"),
    ];
    let on = |org| Target {
        owner_org: Some(org),
        uploader: Some(999),
    };
    for (action, op, own, other) in table {
        for (i, role) in Role::ALL.iter().enumerate() {
            let cases = [
                (user(10, OPERATOR_ORG, *role), on(PARTNER_A), op),
                (user(20, PARTNER_A, *role), on(PARTNER_A), own),
                (user(20, PARTNER_A, *role), on(PARTNER_B), other),
            ];
            for (who, target, expected) in cases {
                let got = symbol(&decide(&who, *action, &target));
                assert_eq!(
                    got,
                    row(expected)[i],
                    "{action:?} by {role:?} of org {} on org {:?}",
                    who.org_id,
                    target.owner_org
                );
            }
        }
    }
    // Platform-wide: host apps and the whole audit log belong to the operator organisation.
    let platform = Target::default();
    for role in Role::ALL {
        let partner = decide(&user(20, PARTNER_A, role), Action::ManageHosts, &platform);
        assert!(
            matches!(partner, Decision::Deny(_) | Decision::Hidden),
            "{role:?}"
        );
        assert_ne!(
            decide(&user(20, PARTNER_A, role), Action::ViewAudit, &platform),
            Decision::Allow
        );
    }
    assert_eq!(
        decide(
            &user(10, OPERATOR_ORG, Role::Operator),
            Action::ManageHosts,
            &platform
        ),
        Decision::Allow
    );
}

#[test]
fn no_one_reviews_or_publishes_their_own_upload() {
    let mut both = user(10, OPERATOR_ORG, Role::Reviewer);
    both.roles.insert(Role::Operator);
    both.roles.insert(Role::Admin);
    let mine = Target {
        owner_org: Some(PARTNER_A),
        uploader: Some(10),
    };
    let theirs = Target {
        owner_org: Some(PARTNER_A),
        uploader: Some(11),
    };
    for action in [Action::Review, Action::Publish] {
        let Decision::Deny(why) = decide(&both, action, &mine) else {
            panic!("{action:?} of one's own upload")
        };
        assert!(why.contains("someone else"));
        assert_eq!(decide(&both, action, &theirs), Decision::Allow);
    }
    // Rolling back or taking down is not separation-of-duties bound: an emergency is an emergency.
    assert_eq!(decide(&both, Action::Takedown, &mine), Decision::Allow);
}

#[test]
fn linked_accounts_and_token_scopes() {
    // 12 was created (or had its password reset) by 10, the uploader: it counts as 10.
    let mut puppet = user(12, OPERATOR_ORG, Role::Admin);
    puppet.links.insert(10);
    let by_10 = Target {
        owner_org: Some(PARTNER_A),
        uploader: Some(10),
    };
    let by_11 = Target {
        owner_org: Some(PARTNER_A),
        uploader: Some(11),
    };
    for action in [Action::Review, Action::Publish] {
        assert!(matches!(decide(&puppet, action, &by_10), Decision::Deny(_)));
        assert_eq!(decide(&puppet, action, &by_11), Decision::Allow);
    }
    // Scopes narrow what the owner's roles allow, never widen them.
    let mut read = user(10, OPERATOR_ORG, Role::Admin);
    read.scope = Scope::Read;
    let mut upload = user(20, PARTNER_A, Role::Developer);
    upload.scope = Scope::Upload;
    let own = Target {
        owner_org: Some(PARTNER_A),
        uploader: Some(999),
    };
    for action in [Action::View, Action::ViewStats, Action::ViewAudit] {
        assert_eq!(decide(&read, action, &own), Decision::Allow, "{action:?}");
    }
    for action in [
        Action::Upload,
        Action::Review,
        Action::Publish,
        Action::ManageUsers,
    ] {
        assert!(
            matches!(decide(&read, action, &own), Decision::Deny(_)),
            "{action:?}"
        );
    }
    for action in [Action::View, Action::Upload, Action::Submit] {
        assert_eq!(decide(&upload, action, &own), Decision::Allow, "{action:?}");
    }
    for action in [Action::CreateApp, Action::EditApp, Action::ProposeDomains] {
        assert!(
            matches!(decide(&upload, action, &own), Decision::Deny(_)),
            "{action:?}"
        );
    }
    // Another partner's things stay hidden whatever the scope.
    let other = Target {
        owner_org: Some(PARTNER_B),
        uploader: None,
    };
    assert_eq!(decide(&upload, Action::Upload, &other), Decision::Hidden);
    // Partners never hold review or operations roles.
    for role in Role::ALL {
        assert!(org_may_hold(true, role));
        assert_eq!(
            org_may_hold(false, role),
            !matches!(role, Role::Reviewer | Role::Operator)
        );
    }
}

#[test]
fn passwords_sessions_and_csrf() {
    let stored = credentials::hash_password("correct horse battery").unwrap();
    assert!(
        stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{stored}"
    );
    assert!(credentials::verify_password(
        "correct horse battery",
        &stored
    ));
    assert!(!credentials::verify_password(
        "correct horse battery!",
        &stored
    ));
    assert!(!credentials::verify_password(
        "correct horse battery",
        "not a hash"
    ));
    // Salted: the same password hashes differently.
    assert_ne!(
        stored,
        credentials::hash_password("correct horse battery").unwrap()
    );
    assert!(matches!(
        credentials::hash_password("short"),
        Err(CredentialError::TooShort)
    ));

    let a = credentials::new_secret().unwrap();
    let b = credentials::new_secret().unwrap();
    assert_ne!(a, b);
    assert_eq!(a.len(), 43, "32 bytes, base64url");
    assert_eq!(credentials::secret_digest(&a).len(), 64);
    assert_ne!(credentials::secret_digest(&a), a);

    let key = b"server csrf key";
    let token = credentials::csrf_token(key, &a);
    assert!(credentials::csrf_ok(key, &a, &token));
    assert!(
        !credentials::csrf_ok(key, &b, &token),
        "another session's token"
    );
    assert!(!credentials::csrf_ok(b"another key", &a, &token));
    assert!(!credentials::csrf_ok(key, &a, "zz"));
}
