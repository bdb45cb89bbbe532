//! SDK nonces recorded in the database's `nonces` table, so that a nonce is refused after a
//! restart (SQLite) and by every other node (PostgreSQL), not only by the process that saw
//! it. A request is answered only once its nonce is committed; requests that arrive while
//! a commit is under way share the next one (group commit: one multi-row INSERT and one
//! commit per batch, not per request), which keeps resolve near its in-memory speed.
//!
//! The in-memory [`crate::sdk_auth::MemoryNonces`] stays in front: a replay to the same
//! process is refused without a database round trip.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use tokio::sync::{mpsc, oneshot};

use crate::db::Db;

/// Rows per INSERT (3 parameters each; far below either dialect's parameter limit).
const MAX_BATCH: usize = 256;

struct Pending {
    key: String,
    nonce: String,
    expires: i64,
    done: oneshot::Sender<Result<bool, String>>,
}

/// The durable nonce record of one node (cheap to clone).
#[derive(Clone)]
pub struct NonceLog {
    db: Db,
    /// The writer task's queue, started by the first request (inside the runtime).
    queue: Arc<OnceLock<mpsc::UnboundedSender<Pending>>>,
}

impl NonceLog {
    pub fn new(db: Db) -> Self {
        NonceLog {
            db,
            queue: Arc::default(),
        }
    }

    /// Record `nonce` for `key` until `expires`; false when the table already holds it (a
    /// replay), an error when the database is unavailable.
    pub async fn remember(&self, key: &str, nonce: &str, expires: i64) -> Result<bool, String> {
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(writer(self.db.clone(), rx));
            tx
        });
        let (done, answer) = oneshot::channel();
        queue
            .send(Pending {
                key: key.to_string(),
                nonce: nonce.to_string(),
                expires,
                done,
            })
            .map_err(|_| "the nonce writer stopped".to_string())?;
        answer
            .await
            .map_err(|_| "the nonce writer stopped".to_string())?
    }
}

async fn writer(db: Db, mut rx: mpsc::UnboundedReceiver<Pending>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        match insert(&db, &batch).await {
            Ok(fresh) => {
                for p in batch {
                    let new = fresh.contains(&(p.key, p.nonce));
                    let _ = p.done.send(Ok(new));
                }
            }
            Err(e) => {
                tracing::warn!("recording SDK nonces: {e}");
                for p in batch {
                    let _ = p.done.send(Err(e.to_string()));
                }
            }
        }
    }
}

/// A nonce the insert recorded (`RETURNING key, nonce`).
#[derive(sqlx::FromRow)]
struct Inserted {
    key: String,
    nonce: String,
}

/// Insert the batch; returns the (key, nonce) pairs that were new.
async fn insert(db: &Db, batch: &[Pending]) -> Result<HashSet<(String, String)>, sqlx::Error> {
    let mut sql = String::from("INSERT INTO nonces (key, nonce, expires) VALUES ");
    for i in 0..batch.len() {
        if i > 0 {
            sql.push_str(", ");
        }
        let n = i * 3;
        sql.push_str(&format!("(${}, ${}, ${})", n + 1, n + 2, n + 3));
    }
    // RETURNING lists only the rows inserted, so a conflict (a nonce already recorded,
    // before a restart or by another node) is a replay.
    sql.push_str(" ON CONFLICT (key, nonce) DO NOTHING RETURNING key, nonce");
    let mut q = sqlx::query_as::<_, Inserted>(&sql);
    for p in batch {
        q = q.bind(&p.key).bind(&p.nonce).bind(p.expires);
    }
    let rows = q.fetch_all(&db.pool).await?;
    Ok(rows.into_iter().map(|r| (r.key, r.nonce)).collect())
}
