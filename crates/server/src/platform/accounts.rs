//! Organisations, users, sessions, API tokens, and sign-in with its rate limit.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::json;
use sqlx::Row as _;

use super::{Actor, Error, Platform, Result, Tx, next_id, typed_col};
use crate::authz::{Action, Principal, Role, Target};
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
}

/// A new session: the secret goes in the cookie, the CSRF token in the page.
#[derive(Debug, Clone)]
pub struct Session {
    pub secret: String,
    pub csrf: String,
    pub expires_at: i64,
}

/// API tokens carry a prefix, so a leaked one is easy to find in logs and repositories.
pub const TOKEN_PREFIX: &str = "cove_";

/// A random secret kept in `meta`, made by the first node that needs it.
pub(super) async fn shared_secret(db: &Db, key: &str) -> Result<Vec<u8>> {
    let fresh = credentials::new_secret().map_err(|e| Error::invalid("internal", e.to_string()))?;
    // Whichever node inserts first wins; the others read its value.
    sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
        .bind(key)
        .bind(&fresh)
        .execute(&db.pool)
        .await?;
    let row = sqlx::query("SELECT value FROM meta WHERE key = $1")
        .bind(key)
        .fetch_one(&db.pool)
        .await?;
    Ok(row.try_get::<String, _>(0)?.into_bytes())
}

const USER_COLUMNS: &str = "u.id, u.username, u.org_id, u.roles, o.name AS org_name, o.operator";

fn user_of(row: &sqlx::any::AnyRow) -> Result<User> {
    Ok(User {
        id: row.try_get::<i64, _>("id")? as u64,
        username: row.try_get("username")?,
        org_id: row.try_get::<i64, _>("org_id")? as u64,
        org_name: row.try_get("org_name")?,
        operator: row.try_get::<i64, _>("operator")? != 0,
        roles: typed_col(row, "roles")?,
    })
}

impl User {
    pub fn actor(&self) -> Actor {
        Actor {
            principal: Principal {
                user_id: self.id,
                org_id: self.org_id,
                operator_org: self.operator,
                roles: self.roles.clone(),
            },
            username: self.username.clone(),
            org_name: self.org_name.clone(),
        }
    }
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
        let rows = sqlx::query("SELECT id, name, operator FROM orgs ORDER BY id")
            .fetch_all(&self.db.pool)
            .await?;
        let mut out = vec![];
        for r in rows {
            let org = Org {
                id: r.try_get::<i64, _>(0)? as u64,
                name: r.try_get(1)?,
                operator: r.try_get::<i64, _>(2)? != 0,
            };
            if who.principal.operator_org || org.id == who.principal.org_id {
                out.push(org);
            }
        }
        Ok(out)
    }

    /// Create a user in `org_id`. Admins create users in their own organisation; the
    /// operator's admins in any.
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
        if roles.is_empty() {
            return Err(Error::invalid(
                "bad_roles",
                "a user needs at least one role",
            ));
        }
        let pw = password.to_string();
        let hash = tokio::task::spawn_blocking(move || credentials::hash_password(&pw))
            .await
            .map_err(|e| Error::invalid("internal", e.to_string()))?
            .map_err(|e| Error::invalid("weak_password", e.to_string()))?;
        let mut tx = self.db.begin_write().await?;
        let org = sqlx::query("SELECT name, operator FROM orgs WHERE id = $1")
            .bind(org_id as i64)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| Error::NotFound("organisation not found".into()))?;
        let taken = sqlx::query("SELECT id FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(Error::Conflict(format!("user name {username:?} is taken")));
        }
        let id = next_id(&mut tx, "user").await?;
        let roles_json = serde_json::to_string(roles).expect("roles serialise");
        sqlx::query(
            "INSERT INTO users (id, org_id, username, password, roles, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(org_id as i64)
        .bind(username)
        .bind(&hash)
        .bind(&roles_json)
        .bind(self.now())
        .execute(&mut *tx)
        .await?;
        let user = User {
            id: id as u64,
            username: username.to_string(),
            org_id,
            org_name: org.try_get(0)?,
            operator: org.try_get::<i64, _>(1)? != 0,
            roles: roles.clone(),
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
        self.commit(tx).await?;
        Ok(user)
    }

    pub async fn users(&self, who: &Actor, org_id: u64) -> Result<Vec<User>> {
        let target = Target {
            owner_org: Some(org_id),
            uploader: None,
        };
        self.allow(who, Action::ManageUsers, &target, "organisation")?;
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.org_id = $1 ORDER BY u.id"
        ))
        .bind(org_id as i64)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(user_of).collect()
    }

    /// Count a failure against `key` and say whether it is now locked out.
    async fn locked(&self, tx: &mut Tx, key: &str, limit: i64) -> Result<Option<i64>> {
        let now = self.now();
        let row = sqlx::query("SELECT window_start, failures FROM login_attempts WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut **tx)
            .await?;
        Ok(row.and_then(|r| {
            let start: i64 = r.try_get(0).ok()?;
            let failures: i64 = r.try_get(1).ok()?;
            let open_at = start + self.settings.login_window;
            (failures >= limit && now < open_at).then_some(open_at - now)
        }))
    }

    async fn fail(&self, tx: &mut Tx, key: &str) -> Result<()> {
        let now = self.now();
        sqlx::query(
            "INSERT INTO login_attempts (key, window_start, failures) VALUES ($1, $2, 1)
             ON CONFLICT (key) DO UPDATE SET
               failures = CASE WHEN login_attempts.window_start + $3 <= $2 THEN 1 ELSE login_attempts.failures + 1 END,
               window_start = CASE WHEN login_attempts.window_start + $3 <= $2 THEN $2 ELSE login_attempts.window_start END",
        )
        .bind(key)
        .bind(now)
        .bind(self.settings.login_window)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Sign in. `client` is the caller's address: failures count per user name and per
    /// address, so neither guessing one account nor spraying many gets far.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: &str,
    ) -> Result<(Session, User)> {
        let keys = [
            format!("user:{}", username.trim().to_lowercase()),
            format!("addr:{client}"),
        ];
        {
            let mut tx = self.db.begin_write().await?;
            let limits = [
                self.settings.login_failures,
                self.settings.login_failures_per_address,
            ];
            for (k, limit) in keys.iter().zip(limits) {
                if let Some(wait) = self.locked(&mut tx, k, limit).await? {
                    return Err(Error::RateLimited(wait));
                }
            }
            tx.commit().await?;
        }
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, u.password, u.disabled FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.username = $1"
        ))
        .bind(username.trim())
        .fetch_optional(&self.db.pool)
        .await?;
        // Hash even for an unknown name, so timing does not tell which names exist.
        let stored = match &row {
            Some(r) => r.try_get::<String, _>("password")?,
            None => DUMMY_HASH.to_string(),
        };
        let pw = password.to_string();
        let ok = tokio::task::spawn_blocking(move || credentials::verify_password(&pw, &stored))
            .await
            .unwrap_or(false);
        let user = match row {
            Some(r) if ok && r.try_get::<i64, _>("disabled")? == 0 => user_of(&r)?,
            _ => {
                let mut tx = self.db.begin_write().await?;
                for k in &keys {
                    self.fail(&mut tx, k).await?;
                }
                tx.commit().await?;
                return Err(Error::Unauthenticated);
            }
        };
        let secret =
            credentials::new_secret().map_err(|e| Error::invalid("internal", e.to_string()))?;
        let expires_at = self.now() + self.settings.session_ttl;
        let mut tx = self.db.begin_write().await?;
        sqlx::query("DELETE FROM login_attempts WHERE key = $1")
            .bind(&keys[0])
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
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
        tx.commit().await?;
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
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id JOIN orgs o ON o.id = u.org_id
             WHERE s.digest = $1 AND s.expires_at > $2 AND u.disabled = 0"
        ))
        .bind(credentials::secret_digest(secret))
        .bind(self.now())
        .fetch_optional(&self.db.pool)
        .await?;
        row.as_ref().map(user_of).transpose()
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

    /// A new API token for CI (`Authorization: Bearer cove_…`), acting as its creator.
    pub async fn create_token(&self, who: &Actor, name: &str) -> Result<String> {
        let secret =
            credentials::new_secret().map_err(|e| Error::invalid("internal", e.to_string()))?;
        let token = format!("{TOKEN_PREFIX}{secret}");
        let mut tx = self.db.begin_write().await?;
        sqlx::query(
            "INSERT INTO tokens (digest, user_id, name, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(credentials::secret_digest(&token))
        .bind(who.principal.user_id as i64)
        .bind(name)
        .bind(self.now())
        .execute(&mut *tx)
        .await?;
        self.record(
            &mut tx,
            Some(who),
            "token.create",
            &format!("user/{}", who.principal.user_id),
            &json!(null),
            &json!({"name": name}),
        )
        .await?;
        self.commit(tx).await?;
        Ok(token)
    }

    pub async fn token_user(&self, token: &str) -> Result<Option<User>> {
        if !token.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM tokens t JOIN users u ON u.id = t.user_id JOIN orgs o ON o.id = u.org_id
             WHERE t.digest = $1 AND u.disabled = 0"
        ))
        .bind(credentials::secret_digest(token))
        .fetch_optional(&self.db.pool)
        .await?;
        row.as_ref().map(user_of).transpose()
    }
}

/// An argon2id hash of a random password, checked against when the user name is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$1LQPXgKLVSJcDDYXUb3SbGp4CqbmPnHMOFlOQd9ZxMw";
