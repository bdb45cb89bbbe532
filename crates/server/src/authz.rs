//! Who may do what (`docs/server.md`, roles). One function decides every request, so the
//! rules are in one table and a table-driven test covers them.
//!
//! - The **operator** organisation (the bank) runs the platform: its users act on every
//!   organisation's mini-programs, within their roles.
//! - A **partner** organisation's users see only their own organisation's resources. Anything
//!   else is [`Decision::Hidden`]: the API answers 404, exactly as for an id that does not
//!   exist, so ids cannot be probed.
//! - Separation of duties: no one reviews or publishes a version they uploaded, nor one
//!   uploaded by an account *linked* to theirs: an admin who created an account or reset its
//!   password knew its credentials, so the two are treated as one person for this rule
//!   (in both directions, and for good: the admin could have been the one who changed it).
//! - A partner organisation's users never hold the reviewer or operator role.
//! - An API token acts within its scope as well as its owner's roles.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Reviewer,
    Developer,
    Operator,
    ReadOnly,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Reviewer,
        Role::Developer,
        Role::Operator,
        Role::ReadOnly,
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Read a mini-program, its versions, reports and whitelists.
    View,
    CreateApp,
    /// Name, icon, category.
    EditApp,
    /// Propose whitelist changes (they are reviewed like code).
    ProposeDomains,
    Upload,
    Submit,
    /// Approve or reject a submitted version (or a whitelist change).
    Review,
    /// Sign and make live, set gray rules.
    Publish,
    Rollback,
    Takedown,
    /// Host apps, their keys and grants.
    ManageHosts,
    ManageUsers,
    ViewAudit,
    ViewStats,
}

/// What an API token may do, within its owner's roles. Sessions are always `Full`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    #[default]
    Full,
    /// Reading only: mini-programs, versions, reports, statistics, the audit log.
    Read,
    /// CI: upload a version and submit it (and see the app it uploads to).
    Upload,
}

impl Scope {
    pub fn allows(self, action: Action) -> bool {
        match self {
            Scope::Full => true,
            Scope::Read => matches!(action, Action::View | Action::ViewStats | Action::ViewAudit),
            Scope::Upload => matches!(action, Action::View | Action::Upload | Action::Submit),
        }
    }
}

/// The signed-in user (or API token).
#[derive(Debug, Clone, Default)]
pub struct Principal {
    pub user_id: u64,
    pub org_id: u64,
    /// Whether `org_id` is the operator organisation.
    pub operator_org: bool,
    pub roles: BTreeSet<Role>,
    /// Accounts linked to this one for separation of duties: whoever created it or reset its
    /// password, and the accounts it created or reset.
    pub links: BTreeSet<u64>,
    /// `Full` for a session; an API token's scope otherwise.
    pub scope: Scope,
}

/// Whether an organisation may give its users `role`: review and operations are the
/// operator's (the bank's) duties, never a partner's.
pub fn org_may_hold(operator_org: bool, role: Role) -> bool {
    operator_org || !matches!(role, Role::Reviewer | Role::Operator)
}

/// What the action is on.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// The organisation that owns it; `None` for platform-wide things (host apps, orgs).
    pub owner_org: Option<u64>,
    /// Who uploaded the version concerned, for separation of duties.
    pub uploader: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Visible but not allowed: 403 with the reason.
    Deny(&'static str),
    /// Not visible at all: 404, as if it did not exist.
    Hidden,
}

/// Which roles may do `action` inside their own organisation, and across organisations when
/// they belong to the operator organisation.
fn roles_for(action: Action) -> (&'static [Role], bool) {
    use Role::*;
    // (roles, operator organisation only)
    match action {
        Action::View | Action::ViewStats => {
            (&[Admin, Reviewer, Developer, Operator, ReadOnly], false)
        }
        Action::CreateApp | Action::EditApp => (&[Admin, Developer], false),
        Action::ProposeDomains | Action::Upload | Action::Submit => (&[Admin, Developer], false),
        Action::Review => (&[Admin, Reviewer], true),
        Action::Publish | Action::Rollback | Action::Takedown => (&[Admin, Operator], true),
        Action::ManageHosts => (&[Admin, Operator], true),
        Action::ManageUsers => (&[Admin], false),
        Action::ViewAudit => (&[Admin, ReadOnly], false),
    }
}

/// Decide one request.
pub fn decide(p: &Principal, action: Action, t: &Target) -> Decision {
    // Partner users never learn of other organisations' resources.
    if !p.operator_org
        && let Some(owner) = t.owner_org
        && owner != p.org_id
    {
        return Decision::Hidden;
    }
    if !p.scope.allows(action) {
        return Decision::Deny("this API token's scope does not allow this");
    }
    let (roles, operator_only) = roles_for(action);
    if operator_only && !p.operator_org {
        return Decision::Deny("only the operator organisation may do this");
    }
    if !roles.iter().any(|r| p.roles.contains(r)) {
        return Decision::Deny("your roles do not allow this");
    }
    // Platform-wide resources belong to the operator organisation.
    if t.owner_org.is_none()
        && !p.operator_org
        && matches!(action, Action::ManageHosts | Action::ViewAudit)
    {
        return Decision::Hidden;
    }
    if matches!(action, Action::Review | Action::Publish)
        && let Some(uploader) = t.uploader
    {
        if uploader == p.user_id {
            return Decision::Deny(
                "separation of duties: you made this change (an upload or a whitelist proposal), so someone else must review and publish it",
            );
        }
        if p.links.contains(&uploader) {
            return Decision::Deny(
                "separation of duties: this change was made by an account whose credentials you issued, or that issued yours (created it or reset its password), so someone else must review and publish it",
            );
        }
    }
    Decision::Allow
}
