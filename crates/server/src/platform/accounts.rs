//! Organisations, users, sessions, API tokens, and sign-in with its rate limit.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Value, json};

use super::{Actor, Error, Platform, Result, Tx, from_json, next_id};
use crate::authz::{self, Action, Principal, Role, Scope, Target};
use crate::credentials;
use crate::db::Db;

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Org {
    pub id: u64,
    pub name: String,
    pub operator: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct User {
    pub id: u64,
    pub username: String,
    pub org_id: u64,
    pub org_name: String,
    pub operator: bool,
    pub roles: BTreeSet<Role>,
    pub disabled: bool,
    /// The password was set by an admin (or the demo): nothing but changing it is allowed.
    pub must_change_password: bool,
    /// Roles waiting for a second admin's approval. An account created as an admin has no
    /// roles until then and cannot sign in.
    pub pending_roles: Option<BTreeSet<Role>>,
    /// The admin who asked for `pending_roles` (set in the organisation's user list, so the
    /// console offers Approve only to another admin).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_by: Option<u64>,
    /// Accounts linked for separation of duties (see [`crate::authz`]); loaded per request.
    #[serde(skip)]
    pub links: BTreeSet<u64>,
    /// What the credential in use may do: `Full` for a session, the token's scope otherwise.
    #[serde(skip)]
    pub scope: Scope,
}

/// A new session: the secret goes in the cookie, the CSRF token in the page.
#[derive(Debug, Clone)]
pub struct Session {
    pub secret: String,
    pub csrf: String,
    pub expires_at: i64,
}

/// An API token as listed: never its secret.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    pub scope: Scope,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_used_at: Option<i64>,
}

/// API tokens carry a prefix, so a leaked one is easy to find in logs and repositories.
pub const TOKEN_PREFIX: &str = "cove_";
/// The longest an API token lives, and how long one lives when its maker does not say.
pub const TOKEN_MAX_DAYS: i64 = 365;
pub const TOKEN_DEFAULT_DAYS: i64 = 90;
/// Failed sign-ins and lock-outs audited one by one per window, over every address; past
/// it, one `session.fail_flood` entry says that more were not, so a flood cannot grow the log
/// without bound.
const SIGNIN_AUDIT_BUDGET: i64 = 200;
/// `last_used_at` is written at most this often per token (seconds), not on every request.
const TOKEN_TOUCH_EVERY: i64 = 60;

/// A random secret kept in `meta`, made by the first node that needs it.
pub(super) async fn shared_secret(db: &Db, key: &str) -> Result<Vec<u8>> {
    let fresh = credentials::new_secret().map_err(|e| Error::invalid("internal", e.to_string()))?;
    // Whichever node inserts first wins; the others read its value.
    sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
        .bind(key)
        .bind(&fresh)
        .execute(&db.pool)
        .await?;
    let value: String = sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
        .bind(key)
        .fetch_one(&db.pool)
        .await?;
    Ok(value.into_bytes())
}

const USER_COLUMNS: &str = "u.id, u.username, u.org_id, u.roles, u.disabled, u.must_change_password, u.pending_roles, o.name AS org_name, o.operator";

/// A user's row ([`USER_COLUMNS`]), with its organisation.
#[derive(sqlx::FromRow)]
struct UserRecord {
    id: i64,
    username: String,
    org_id: i64,
    /// JSON.
    roles: String,
    disabled: i64,
    must_change_password: i64,
    /// JSON, when roles wait for a second admin.
    pending_roles: Option<String>,
    org_name: String,
    operator: i64,
}

impl UserRecord {
    fn into_user(self) -> Result<User> {
        Ok(User {
            id: self.id as u64,
            username: self.username,
            org_id: self.org_id as u64,
            org_name: self.org_name,
            operator: self.operator != 0,
            roles: from_json("roles", &self.roles)?,
            disabled: self.disabled != 0,
            must_change_password: self.must_change_password != 0,
            pending_roles: self
                .pending_roles
                .map(|s| from_json("pending_roles", &s))
                .transpose()?,
            pending_by: None,
            links: BTreeSet::new(),
            scope: Scope::Full,
        })
    }
}

/// A user's row with who asked for its pending roles (the organisation's user list).
#[derive(sqlx::FromRow)]
struct ManagedRecord {
    #[sqlx(flatten)]
    user: UserRecord,
    pending_by: Option<i64>,
}

impl ManagedRecord {
    fn into_user(self) -> Result<User> {
        let mut user = self.user.into_user()?;
        user.pending_by = self.pending_by.map(|v| v as u64);
        Ok(user)
    }
}

/// A user's row with its password hash (sign-in).
#[derive(sqlx::FromRow)]
struct LoginRecord {
    #[sqlx(flatten)]
    user: UserRecord,
    password: String,
}

/// A user's row with the token it signed in with.
#[derive(sqlx::FromRow)]
struct TokenUserRecord {
    #[sqlx(flatten)]
    user: UserRecord,
    token_scope: String,
    last_used_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct OrgRecord {
    id: i64,
    name: String,
    operator: i64,
}

/// A pair of accounts linked for separation of duties.
#[derive(sqlx::FromRow)]
struct Link {
    controller: i64,
    account: i64,
}

/// A sign-in counter after counting one attempt.
#[derive(sqlx::FromRow)]
struct Attempts {
    failures: i64,
    window_start: i64,
    noted: i64,
}

#[derive(sqlx::FromRow)]
struct TokenRecord {
    public_id: String,
    name: String,
    scope: String,
    created_at: i64,
    expires_at: i64,
    last_used_at: Option<i64>,
}

impl User {
    pub fn actor(&self) -> Actor {
        Actor {
            principal: Principal {
                user_id: self.id,
                org_id: self.org_id,
                operator_org: self.operator,
                roles: self.roles.clone(),
                links: self.links.clone(),
                scope: self.scope,
            },
            username: self.username.clone(),
            org_name: self.org_name.clone(),
        }
    }

    /// Created as an admin and not yet approved by a second one.
    pub fn is_pending(&self) -> bool {
        self.roles.is_empty() && self.pending_roles.is_some()
    }
}

fn roles_json(roles: &BTreeSet<Role>) -> String {
    serde_json::to_string(roles).expect("roles serialise")
}

/// Refuse roles an organisation may not hold (review and operations are the operator's).
fn check_org_roles(operator_org: bool, roles: &BTreeSet<Role>) -> Result<()> {
    if let Some(r) = roles
        .iter()
        .find(|r| !authz::org_may_hold(operator_org, **r))
    {
        return Err(Error::refused(
            "role_not_allowed",
            format!(
                "a partner organisation's users cannot hold the {} role: review and operations are the operator's duties",
                serde_json::to_value(r)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            ),
        ));
    }
    Ok(())
}

fn check_roles_given(roles: &BTreeSet<Role>) -> Result<()> {
    if roles.is_empty() {
        return Err(Error::invalid(
            "bad_roles",
            "a user needs at least one role",
        ));
    }
    Ok(())
}

impl Platform {
    /// Create an organisation. Only the bootstrap (no actor) may create the operator one.
    pub async fn create_org(&self, by: Option<&Actor>, name: &str, operator: bool) -> Result<Org> {
        if let Some(who) = by {
            self.allow(who, Action::ManageHosts, &Target::default(), "organisation")?;
            if operator {
                return Err(Error::Forbidden(
                    "there is one operator organisation, made at setup".into(),
                ));
            }
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::invalid(
                "bad_name",
                "an organisation needs a name of 1–100 characters",
            ));
        }
        let mut tx = self.db.begin_write().await?;
        let exists = sqlx::query("SELECT id FROM orgs WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_some() {
            return Err(Error::Conflict(format!("organisation {name:?} exists")));
        }
        let id = next_id(&mut tx, "org").await?;
        sqlx::query("INSERT INTO orgs (id, name, operator, created_at) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(name)
            .bind(operator as i64)
            .bind(self.now())
            .execute(&mut *tx)
            .await?;
        let org = Org {
            id: id as u64,
            name: name.to_string(),
            operator,
        };
        self.record(
            &mut tx,
            by,
            "org.create",
            &format!("org/{id}"),
            &json!(null),
            &json!(org),
        )
        .await?;
        self.commit(tx).await?;
        Ok(org)
    }

    pub async fn orgs(&self, who: &Actor) -> Result<Vec<Org>> {
        let rows: Vec<OrgRecord> =
            sqlx::query_as("SELECT id, name, operator FROM orgs ORDER BY id")
                .fetch_all(&self.db.pool)
                .await?;
        let mut out = vec![];
        for r in rows {
            let org = Org {
                id: r.id as u64,
                name: r.name,
                operator: r.operator != 0,
            };
            if who.principal.operator_org || org.id == who.principal.org_id {
                out.push(org);
            }
        }
        Ok(out)
    }

    /// Create a user in `org_id`. Admins create users in their own organisation; the
    /// operator's admins in any. A password an admin sets is a one-time password (the user
    /// must change it at first sign-in), and the account is linked to that admin for
    /// separation of duties. An admin account made by an admin waits, with no roles, until
    /// a second admin approves it; its request writes an `alert` to the audit log.
    pub async fn create_user(
        &self,
        by: Option<&Actor>,
        org_id: u64,
        username: &str,
        password: &str,
        roles: &BTreeSet<Role>,
    ) -> Result<User> {
        if let Some(who) = by {
            let target = Target {
                owner_org: Some(org_id),
                uploader: None,
            };
            self.allow(who, Action::ManageUsers, &target, "organisation")?;
        }
        let username = username.trim();
        if username.is_empty()
            || username.len() > 64
            || !username
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
        {
            return Err(Error::invalid(
                "bad_username",
                "a user name is 1–64 letters, digits, '.', '_', '-' or '@'",
            ));
        }
        check_roles_given(roles)?;
        let hash = self
            .hashing
            .hash(password.to_string())
            .await
            .map_err(|e| Error::invalid("weak_password", e.to_string()))?;
        let mut tx = self.db.begin_write().await?;
        let org: OrgRecord = sqlx::query_as("SELECT id, name, operator FROM orgs WHERE id = $1")
            .bind(org_id as i64)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| Error::NotFound("organisation not found".into()))?;
        let operator_org = org.operator != 0;
        check_org_roles(operator_org, roles)?;
        let taken = sqlx::query("SELECT id FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(Error::Conflict(format!("user name {username:?} is taken")));
        }
        let id = next_id(&mut tx, "user").await?;
        // An admin made by an admin waits for a second one; the bootstrap's is live at once.
        let pending = by.is_some() && roles.contains(&Role::Admin);
        let (active, pending_roles) = if pending {
            (BTreeSet::new(), Some(roles.clone()))
        } else {
            (roles.clone(), None)
        };
        sqlx::query(
            "INSERT INTO users (id, org_id, username, password, roles, created_at, must_change_password, pending_roles, pending_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind(org_id as i64)
        .bind(username)
        .bind(&hash)
        .bind(roles_json(&active))
        .bind(self.now())
        .bind(by.is_some() as i64)
        .bind(pending_roles.as_ref().map(roles_json))
        .bind(by.map(|w| w.principal.user_id as i64))
        .execute(&mut *tx)
        .await?;
        if let Some(who) = by {
            self.link(&mut tx, who.principal.user_id, id as u64).await?;
        }
        let user = User {
            id: id as u64,
            username: username.to_string(),
            org_id,
            org_name: org.name,
            operator: operator_org,
            roles: active,
            disabled: false,
            must_change_password: by.is_some(),
            pending_by: pending_roles.as_ref().and(by.map(|w| w.principal.user_id)),
            pending_roles,
            links: BTreeSet::new(),
            scope: Scope::Full,
        };
        // The password hash stays out of the log.
        self.record(
            &mut tx,
            by,
            "user.create",
            &format!("user/{id}"),
            &json!(null),
            &json!(user),
        )
        .await?;
        if roles.contains(&Role::Admin) {
            self.alert(
                &mut tx,
                by,
                &format!("user/{id}"),
                if pending {
                    "admin account requested: it needs a second admin's approval"
                } else {
                    "admin account created at setup"
                },
            )
            .await?;
        }
        self.commit(tx).await?;
        Ok(user)
    }

    /// An `alert` entry: something an auditor should look at (admin accounts and grants).
    async fn alert(&self, tx: &mut Tx, by: Option<&Actor>, target: &str, what: &str) -> Result<()> {
        self.record(
            tx,
            by,
            "alert",
            target,
            &json!(null),
            &json!({"alert": what}),
        )
        .await
    }

    async fn link(&self, tx: &mut Tx, controller: u64, account: u64) -> Result<()> {
        sqlx::query(
            "INSERT INTO credential_links (controller, account) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(controller as i64)
        .bind(account as i64)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The accounts linked to `user` for separation of duties.
    async fn with_links(&self, mut user: User) -> Result<User> {
        let rows: Vec<Link> = sqlx::query_as(
            "SELECT controller, account FROM credential_links WHERE controller = $1 OR account = $1",
        )
        .bind(user.id as i64)
        .fetch_all(&self.db.pool)
        .await?;
        for r in rows {
            for id in [r.controller as u64, r.account as u64] {
                if id != user.id {
                    user.links.insert(id);
                }
            }
        }
        Ok(user)
    }

    pub async fn users(&self, who: &Actor, org_id: u64) -> Result<Vec<User>> {
        let target = Target {
            owner_org: Some(org_id),
            uploader: None,
        };
        self.allow(who, Action::ManageUsers, &target, "organisation")?;
        let rows: Vec<ManagedRecord> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS}, u.pending_by FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.org_id = $1 ORDER BY u.id"
        ))
        .bind(org_id as i64)
        .fetch_all(&self.db.pool)
        .await?;
        rows.into_iter().map(ManagedRecord::into_user).collect()
    }

    /// A user `who` may manage (an admin of its organisation or of the operator), never
    /// `who` themself: nobody edits their own roles, state or password this way.
    async fn managed_user(
        &self,
        tx: &mut Tx,
        who: &Actor,
        user_id: u64,
    ) -> Result<(User, Option<u64>)> {
        let row: ManagedRecord = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS}, u.pending_by FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.id = $1"
        ))
        .bind(user_id as i64)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| Error::NotFound("user not found".into()))?;
        // Who asked is returned beside the user, not in it (the audit records show the user
        // without it).
        let pending_by = row.pending_by.map(|v| v as u64);
        let user = row.user.into_user()?;
        let target = Target {
            owner_org: Some(user.org_id),
            uploader: None,
        };
        self.allow(who, Action::ManageUsers, &target, "user")?;
        if user.id == who.principal.user_id {
            return Err(Error::Forbidden(
                "you cannot change your own account this way (change your password at PUT /api/v1/session/password)".into(),
            ));
        }
        Ok((user, pending_by))
    }

    /// Change a user's roles. Removing roles is immediate; a grant that adds `admin` waits
    /// for a second admin's approval (the user keeps their roles meanwhile).
    pub async fn set_roles(
        &self,
        who: &Actor,
        user_id: u64,
        roles: &BTreeSet<Role>,
    ) -> Result<User> {
        check_roles_given(roles)?;
        let mut tx = self.db.begin_write().await?;
        let (mut user, _) = self.managed_user(&mut tx, who, user_id).await?;
        check_org_roles(user.operator, roles)?;
        let before = json!(user);
        let grants_admin = roles.contains(&Role::Admin) && !user.roles.contains(&Role::Admin);
        if grants_admin {
            sqlx::query("UPDATE users SET pending_roles = $1, pending_by = $2 WHERE id = $3")
                .bind(roles_json(roles))
                .bind(who.principal.user_id as i64)
                .bind(user_id as i64)
                .execute(&mut *tx)
                .await?;
            user.pending_roles = Some(roles.clone());
            user.pending_by = Some(who.principal.user_id);
        } else {
            sqlx::query(
                "UPDATE users SET roles = $1, pending_roles = NULL, pending_by = NULL WHERE id = $2",
            )
            .bind(roles_json(roles))
            .bind(user_id as i64)
            .execute(&mut *tx)
            .await?;
            user.roles = roles.clone();
            user.pending_roles = None;
        }
        let target = format!("user/{user_id}");
        let action = if grants_admin {
            "user.roles_request"
        } else {
            "user.roles"
        };
        self.record(&mut tx, Some(who), action, &target, &before, &json!(user))
            .await?;
        if grants_admin {
            self.alert(
                &mut tx,
                Some(who),
                &target,
                "admin role requested: it needs a second admin's approval",
            )
            .await?;
        }
        self.commit(tx).await?;
        Ok(user)
    }

    /// Approve a pending admin account or admin grant. The approver is an admin other than
    /// the one who asked, and not linked to them (an account the requester made or reset
    /// cannot be their second admin).
    pub async fn approve_user(&self, who: &Actor, user_id: u64) -> Result<User> {
        let mut tx = self.db.begin_write().await?;
        let (mut user, pending_by) = self.managed_user(&mut tx, who, user_id).await?;
        let Some(roles) = user.pending_roles.clone() else {
            return Err(Error::Conflict(
                "nothing of this user's waits for approval".into(),
            ));
        };
        let me = who.principal.user_id;
        if pending_by == Some(me) || pending_by.is_some_and(|r| who.principal.links.contains(&r)) {
            return Err(Error::refused(
                "second_admin_required",
                "a second admin must approve this: not the one who asked for it, nor an account they created or reset",
            ));
        }
        let before = json!(user);
        sqlx::query(
            "UPDATE users SET roles = $1, pending_roles = NULL, pending_by = NULL WHERE id = $2",
        )
        .bind(roles_json(&roles))
        .bind(user_id as i64)
        .execute(&mut *tx)
        .await?;
        user.roles = roles;
        user.pending_roles = None;
        let target = format!("user/{user_id}");
        self.record(
            &mut tx,
            Some(who),
            "user.approve",
            &target,
            &before,
            &json!({"user": user, "requested_by": pending_by}),
        )
        .await?;
        self.alert(
            &mut tx,
            Some(who),
            &target,
            "admin role approved by a second admin",
        )
        .await?;
        self.commit(tx).await?;
        Ok(user)
    }

    /// Disable (sessions end at once, tokens stop working) or enable a user again.
    pub async fn set_disabled(&self, who: &Actor, user_id: u64, disabled: bool) -> Result<User> {
        let mut tx = self.db.begin_write().await?;
        let (mut user, _) = self.managed_user(&mut tx, who, user_id).await?;
        let before = json!(user);
        sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(disabled as i64)
            .bind(user_id as i64)
            .execute(&mut *tx)
            .await?;
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id as i64)
                .execute(&mut *tx)
                .await?;
        }
        user.disabled = disabled;
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        self.record(
            &mut tx,
            Some(who),
            action,
            &format!("user/{user_id}"),
            &before,
            &json!(user),
        )
        .await?;
        self.commit(tx).await?;
        Ok(user)
    }

    /// Set a one-time password for a user: their sessions end, they must change it at the
    /// next sign-in, and the admin is linked to the account from now on.
    pub async fn reset_password(&self, who: &Actor, user_id: u64, password: &str) -> Result<User> {
        let hash = self
            .hashing
            .hash(password.to_string())
            .await
            .map_err(|e| Error::invalid("weak_password", e.to_string()))?;
        let mut tx = self.db.begin_write().await?;
        let (mut user, _) = self.managed_user(&mut tx, who, user_id).await?;
        sqlx::query("UPDATE users SET password = $1, must_change_password = 1 WHERE id = $2")
            .bind(&hash)
            .bind(user_id as i64)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id as i64)
            .execute(&mut *tx)
            .await?;
        self.link(&mut tx, who.principal.user_id, user_id).await?;
        user.must_change_password = true;
        self.record(
            &mut tx,
            Some(who),
            "user.password_reset",
            &format!("user/{user_id}"),
            &json!(null),
            &json!({"must_change_password": true}),
        )
        .await?;
        self.commit(tx).await?;
        Ok(user)
    }

    /// Make a user change their password at the next sign-in (the demo's admin).
    pub async fn force_password_change(&self, user_id: u64) -> Result<()> {
        let mut tx = self.db.begin_write().await?;
        sqlx::query("UPDATE users SET must_change_password = 1 WHERE id = $1")
            .bind(user_id as i64)
            .execute(&mut *tx)
            .await?;
        self.record(
            &mut tx,
            None,
            "user.password_expire",
            &format!("user/{user_id}"),
            &json!(null),
            &json!({"must_change_password": true}),
        )
        .await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// Change one's own password, proving the current one. Wrong guesses count against the
    /// sign-in limits (a stolen session is no password oracle); other sessions end.
    pub async fn change_password(
        &self,
        who: &Actor,
        session_secret: &str,
        current: &str,
        new: &str,
        client: &str,
    ) -> Result<()> {
        if current == new {
            return Err(Error::invalid(
                "same_password",
                "choose a password other than the current one",
            ));
        }
        let name = who.username.to_lowercase();
        let keys = self.limit_keys(&name, client);
        self.reserve(&keys, client).await?;
        let stored: String = sqlx::query_scalar("SELECT password FROM users WHERE id = $1")
            .bind(who.principal.user_id as i64)
            .fetch_one(&self.db.pool)
            .await?;
        if !self.hashing.verify(current.to_string(), stored).await {
            self.note_failure(&name, client).await?;
            return Err(Error::invalid(
                "bad_credentials",
                "the current password is wrong",
            ));
        }
        let hash = self
            .hashing
            .hash(new.to_string())
            .await
            .map_err(|e| Error::invalid("weak_password", e.to_string()));
        let mut tx = self.db.begin_write().await?;
        self.give_back(&mut tx, &keys).await?;
        let hash = match hash {
            Ok(h) => h,
            Err(e) => {
                self.commit(tx).await?;
                return Err(e);
            }
        };
        let id = who.principal.user_id as i64;
        sqlx::query("UPDATE users SET password = $1, must_change_password = 0 WHERE id = $2")
            .bind(&hash)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND digest <> $2")
            .bind(id)
            .bind(credentials::secret_digest(session_secret))
            .execute(&mut *tx)
            .await?;
        self.record(
            &mut tx,
            Some(who),
            "user.password_change",
            &format!("user/{id}"),
            &json!(null),
            &json!({"client": client}),
        )
        .await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// The counters a sign-in attempt is checked and counted against, with their limits:
    /// this name from this address, this address, and this name from everywhere.
    fn limit_keys(&self, name: &str, client: &str) -> [(String, i64); 3] {
        let s = &self.settings;
        [
            (format!("pair:{name}@{client}"), s.login_failures),
            (format!("addr:{client}"), s.login_failures_per_address),
            (format!("user:{name}"), s.login_failures_per_user),
        ]
    }

    /// Reserve one attempt before any hashing: in one write transaction, count it against
    /// every counter and read the new counts; if one went past its limit, undo them all and
    /// refuse. The counting statement locks each counter's row until the commit (SQLite's
    /// write lock, PostgreSQL's row lock), so concurrent attempts see each other's counts
    /// and no more than the limit ever reach argon2. Counters are always taken in the same
    /// order, so two attempts cannot deadlock. The first refusal of a counter in its window
    /// is audited as a lock-out.
    async fn reserve(&self, keys: &[(String, i64)], client: &str) -> Result<()> {
        let now = self.now();
        let window = self.settings.login_window;
        let mut tx = self.db.begin_write().await?;
        let mut locked = None;
        for (key, limit) in keys {
            let row: Attempts = sqlx::query_as(
                "INSERT INTO login_attempts (key, window_start, failures, noted) VALUES ($1, $2, 1, 0)
                 ON CONFLICT (key) DO UPDATE SET
                   failures = CASE WHEN login_attempts.window_start + $3 <= $2 THEN 1 ELSE login_attempts.failures + 1 END,
                   noted = CASE WHEN login_attempts.window_start + $3 <= $2 THEN 0 ELSE login_attempts.noted END,
                   window_start = CASE WHEN login_attempts.window_start + $3 <= $2 THEN $2 ELSE login_attempts.window_start END
                 RETURNING failures, window_start, noted",
            )
            .bind(key)
            .bind(now)
            .bind(window)
            .fetch_one(&mut *tx)
            .await?;
            if row.failures > *limit && locked.is_none() {
                locked = Some((
                    key,
                    row.failures - 1,
                    row.window_start + window,
                    row.noted != 0,
                ));
            }
        }
        let Some((key, failures, until, noted)) = locked else {
            self.commit(tx).await?;
            return Ok(());
        };
        tx.rollback().await?;
        if !noted {
            let mut tx = self.db.begin_write().await?;
            let first =
                sqlx::query("UPDATE login_attempts SET noted = 1 WHERE key = $1 AND noted = 0")
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
            if first.rows_affected() == 1 {
                let what =
                    json!({"key": key, "client": client, "failures": failures, "until": until});
                self.audit_signin(&mut tx, "session.lockout", &what).await?;
            }
            self.commit(tx).await?;
        }
        let wait = until - now;
        tracing::info!(key, wait, "sign-in refused: too many failures");
        Err(Error::RateLimited(wait))
    }

    /// Return a reserved attempt that succeeded: the name-and-address counter starts over
    /// (the user proved who they are from there); the others drop the one attempt.
    async fn give_back(&self, tx: &mut Tx, keys: &[(String, i64)]) -> Result<()> {
        sqlx::query("DELETE FROM login_attempts WHERE key = $1")
            .bind(&keys[0].0)
            .execute(&mut **tx)
            .await?;
        for (key, _) in &keys[1..] {
            sqlx::query(
                "UPDATE login_attempts SET failures = failures - 1 WHERE key = $1 AND failures > 0",
            )
            .bind(key)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// A failed attempt stays counted (it was reserved); it is audited within the budget.
    async fn note_failure(&self, name: &str, client: &str) -> Result<()> {
        let mut tx = self.db.begin_write().await?;
        self.audit_signin(
            &mut tx,
            "session.fail",
            &json!({"username": name, "client": client}),
        )
        .await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// Audit a sign-in failure or lock-out, unless this window's budget is spent.
    async fn audit_signin(&self, tx: &mut Tx, action: &str, what: &Value) -> Result<()> {
        let now = self.now();
        let window = self.settings.login_window;
        let key = "audit:signin";
        let row: Attempts = sqlx::query_as(
            "INSERT INTO login_attempts (key, window_start, failures, noted) VALUES ($1, $2, 1, 0)
             ON CONFLICT (key) DO UPDATE SET
               failures = CASE WHEN login_attempts.window_start + $3 <= $2 THEN 1 ELSE login_attempts.failures + 1 END,
               window_start = CASE WHEN login_attempts.window_start + $3 <= $2 THEN $2 ELSE login_attempts.window_start END
             RETURNING failures, window_start, noted",
        )
        .bind(key)
        .bind(now)
        .bind(window)
        .fetch_one(&mut **tx)
        .await?;
        let (n, start) = (row.failures, row.window_start);
        if n <= SIGNIN_AUDIT_BUDGET {
            self.record(tx, None, action, "session", &json!(null), what)
                .await?;
        } else if n == SIGNIN_AUDIT_BUDGET + 1 {
            let note = json!({
                "budget": SIGNIN_AUDIT_BUDGET,
                "until": start + window,
                "note": "more failed sign-ins and lock-outs in this window are counted but not audited one by one",
            });
            self.record(
                tx,
                None,
                "session.fail_flood",
                "session",
                &json!(null),
                &note,
            )
            .await?;
        }
        Ok(())
    }

    /// Sign in. `client` is the caller's address. The attempt is reserved against the
    /// limits before the password is checked and given back if it was right, so concurrent
    /// guesses cannot overrun a limit; see [`Platform::limit_keys`] for which counters.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: &str,
    ) -> Result<(Session, User)> {
        // Capped: the name goes into counters and the audit log, and no real one is longer.
        let name: String = username.trim().to_lowercase().chars().take(100).collect();
        let keys = self.limit_keys(&name, client);
        self.reserve(&keys, client).await?;
        let row: Option<LoginRecord> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS}, u.password FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.username = $1"
        ))
        .bind(username.trim())
        .fetch_optional(&self.db.pool)
        .await?;
        // Hash even for an unknown name, so timing does not tell which names exist.
        let stored = match &row {
            Some(r) => r.password.clone(),
            None => DUMMY_HASH.to_string(),
        };
        let ok = self.hashing.verify(password.to_string(), stored).await;
        let user = match row {
            Some(r) if ok => r.user.into_user()?,
            _ => {
                self.note_failure(&name, client).await?;
                return Err(Error::Unauthenticated);
            }
        };
        let mut tx = self.db.begin_write().await?;
        // The password was right: the attempt is given back even if the account cannot
        // sign in now.
        self.give_back(&mut tx, &keys).await?;
        let refusal = if user.disabled {
            Some(Error::refused(
                "account_disabled",
                "this account is disabled",
            ))
        } else if user.is_pending() {
            Some(Error::refused(
                "account_pending",
                "this admin account waits for a second admin's approval",
            ))
        } else {
            None
        };
        if let Some(e) = refusal {
            self.commit(tx).await?;
            return Err(e);
        }
        let secret =
            credentials::new_secret().map_err(|e| Error::invalid("internal", e.to_string()))?;
        let expires_at = self.now() + self.settings.session_ttl;
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(self.now())
            .execute(&mut *tx)
            .await?;
        // Counters of past windows (sprayed names leave many) go with expired sessions.
        sqlx::query("DELETE FROM login_attempts WHERE window_start + $1 <= $2")
            .bind(self.settings.login_window)
            .bind(self.now())
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO sessions (digest, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(credentials::secret_digest(&secret))
            .bind(user.id as i64)
            .bind(self.now())
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        let actor = user.actor();
        self.record(
            &mut tx,
            Some(&actor),
            "session.create",
            &format!("user/{}", user.id),
            &json!(null),
            &json!({"client": client}),
        )
        .await?;
        self.commit(tx).await?;
        let csrf = credentials::csrf_token(&self.csrf_key, &secret);
        Ok((
            Session {
                secret,
                csrf,
                expires_at,
            },
            user,
        ))
    }

    /// The user behind a session cookie, if it is live.
    pub async fn session_user(&self, secret: &str) -> Result<Option<User>> {
        let row: Option<UserRecord> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id JOIN orgs o ON o.id = u.org_id
             WHERE s.digest = $1 AND s.expires_at > $2 AND u.disabled = 0"
        ))
        .bind(credentials::secret_digest(secret))
        .bind(self.now())
        .fetch_optional(&self.db.pool)
        .await?;
        match row.map(UserRecord::into_user).transpose()? {
            Some(u) if !u.is_pending() => Ok(Some(self.with_links(u).await?)),
            _ => Ok(None),
        }
    }

    pub fn csrf_for(&self, session_secret: &str) -> String {
        credentials::csrf_token(&self.csrf_key, session_secret)
    }

    pub fn csrf_ok(&self, session_secret: &str, token: &str) -> bool {
        credentials::csrf_ok(&self.csrf_key, session_secret, token)
    }

    pub async fn logout(&self, secret: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE digest = $1")
            .bind(credentials::secret_digest(secret))
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }

    /// A new API token (`Authorization: Bearer cove_…`), acting as its creator within
    /// `scope`, for `days` days (1–365). Returns the secret (shown once) and its listing.
    pub async fn create_token(
        &self,
        who: &Actor,
        name: &str,
        scope: Scope,
        days: Option<i64>,
    ) -> Result<(String, TokenInfo)> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::invalid(
                "bad_name",
                "a token needs a name of 1–100 characters",
            ));
        }
        let days = days.unwrap_or(TOKEN_DEFAULT_DAYS);
        if !(1..=TOKEN_MAX_DAYS).contains(&days) {
            return Err(Error::invalid(
                "bad_expiry",
                format!("a token lives 1–{TOKEN_MAX_DAYS} days"),
            ));
        }
        let secret =
            credentials::new_secret().map_err(|e| Error::invalid("internal", e.to_string()))?;
        let token = format!("{TOKEN_PREFIX}{secret}");
        let digest = credentials::secret_digest(&token);
        let now = self.now();
        let info = TokenInfo {
            id: digest[..16].to_string(),
            name: name.to_string(),
            scope,
            created_at: now,
            expires_at: now + days * 86_400,
            last_used_at: None,
        };
        let mut tx = self.db.begin_write().await?;
        sqlx::query(
            "INSERT INTO tokens (digest, user_id, name, created_at, public_id, scope, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&digest)
        .bind(who.principal.user_id as i64)
        .bind(name)
        .bind(now)
        .bind(&info.id)
        .bind(scope_name(scope))
        .bind(info.expires_at)
        .execute(&mut *tx)
        .await?;
        self.record(
            &mut tx,
            Some(who),
            "token.create",
            &format!("user/{}", who.principal.user_id),
            &json!(null),
            &json!(info),
        )
        .await?;
        self.commit(tx).await?;
        Ok((token, info))
    }

    /// The caller's own tokens, newest first (expired ones too, marked by their date).
    pub async fn tokens(&self, who: &Actor) -> Result<Vec<TokenInfo>> {
        let rows: Vec<TokenRecord> = sqlx::query_as(
            "SELECT public_id, name, scope, created_at, expires_at, last_used_at FROM tokens WHERE user_id = $1 ORDER BY created_at DESC, public_id",
        )
        .bind(who.principal.user_id as i64)
        .fetch_all(&self.db.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| TokenInfo {
                scope: scope_of(&r.scope),
                id: r.public_id,
                name: r.name,
                created_at: r.created_at,
                expires_at: r.expires_at,
                last_used_at: r.last_used_at,
            })
            .collect())
    }

    /// Revoke one of the caller's tokens: it stops working at once.
    pub async fn revoke_token(&self, who: &Actor, id: &str) -> Result<()> {
        let mut tx = self.db.begin_write().await?;
        let gone = sqlx::query("DELETE FROM tokens WHERE public_id = $1 AND user_id = $2")
            .bind(id)
            .bind(who.principal.user_id as i64)
            .execute(&mut *tx)
            .await?;
        if gone.rows_affected() == 0 {
            return Err(Error::NotFound("token not found".into()));
        }
        self.record(
            &mut tx,
            Some(who),
            "token.revoke",
            &format!("user/{}", who.principal.user_id),
            &json!(null),
            &json!({"id": id}),
        )
        .await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// The user behind a live API token, with the token's scope.
    pub async fn token_user(&self, token: &str) -> Result<Option<User>> {
        if !token.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let digest = credentials::secret_digest(token);
        let now = self.now();
        let row: Option<TokenUserRecord> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS}, t.scope AS token_scope, t.last_used_at FROM tokens t JOIN users u ON u.id = t.user_id JOIN orgs o ON o.id = u.org_id
             WHERE t.digest = $1 AND t.expires_at > $2 AND u.disabled = 0"
        ))
        .bind(&digest)
        .bind(now)
        .fetch_optional(&self.db.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut user = row.user.into_user()?;
        if user.is_pending() {
            return Ok(None);
        }
        user.scope = scope_of(&row.token_scope);
        let last = row.last_used_at;
        if last.is_none_or(|t| t + TOKEN_TOUCH_EVERY <= now) {
            // Best effort: a busy database must not fail the request over a timestamp.
            if let Err(e) = sqlx::query("UPDATE tokens SET last_used_at = $1 WHERE digest = $2")
                .bind(now)
                .bind(&digest)
                .execute(&self.db.pool)
                .await
            {
                tracing::warn!("token last_used_at: {e}");
            }
        }
        Ok(Some(self.with_links(user).await?))
    }
}

fn scope_name(s: Scope) -> &'static str {
    match s {
        Scope::Full => "full",
        Scope::Read => "read",
        Scope::Upload => "upload",
    }
}

/// An unknown stored scope reads as the narrowest.
fn scope_of(s: &str) -> Scope {
    match s {
        "full" => Scope::Full,
        "upload" => Scope::Upload,
        _ => Scope::Read,
    }
}

/// An argon2id hash of a random password, checked against when the user name is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$1LQPXgKLVSJcDDYXUb3SbGp4CqbmPnHMOFlOQd9ZxMw";
