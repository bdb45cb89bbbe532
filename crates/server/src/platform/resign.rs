//! After a signing key rotation: every published package is signed again with the current
//! key and sealed again for each host that receives it, so that hosts can drop the old key.

use std::collections::BTreeSet;

use cove_package::{PublicKey, SignOptions, Trust};
use serde_json::json;

use super::{Error, Platform, Result};
use crate::workflow;

/// What [`Platform::resign_packages`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resigned {
    /// Versions whose signed package was signed again.
    pub versions: u64,
    /// Deliveries (one per version and host) replaced.
    pub deliveries: u64,
    /// Versions already signed by the current key.
    pub current: u64,
    /// The keys the replaced packages were signed with.
    pub from: BTreeSet<String>,
    /// The current key.
    pub to: String,
}

/// A published version's signed package.
#[derive(sqlx::FromRow)]
struct SignedVersion {
    app_id: String,
    code: i64,
    signed: String,
}

/// A host app that receives a version, and the key it wants packages sealed for.
#[derive(sqlx::FromRow)]
struct Recipient {
    host_id: i64,
    sealing_key: Option<String>,
}

impl Platform {
    /// Sign every published version whose package another key signed with the platform's
    /// current key, and replace what each host receives (sealed again for hosts that seal).
    ///
    /// A package is signed again only if it verifies under one of `previous` (the retired
    /// keys): re-signing vouches for it, so a package swapped in the blob store is refused
    /// here rather than laundered. Its signed fields (app, version, channel, rollback) are
    /// kept; only the signer changes. One transaction; audited as `signing_key.resign`.
    pub async fn resign_packages(&self, previous: &[PublicKey]) -> Result<Resigned> {
        let key = self.signing_key.clone();
        let mut done = Resigned {
            to: key.id().to_string(),
            ..Resigned::default()
        };
        let mut tx = self.db.begin_write().await?;
        let rows: Vec<SignedVersion> = sqlx::query_as(
            "SELECT app_id, code, signed FROM versions WHERE signed <> '' ORDER BY app_id, code",
        )
        .fetch_all(&mut *tx)
        .await?;
        for SignedVersion {
            app_id,
            code,
            signed: signed_id,
        } in rows
        {
            let signed = self
                .blobs
                .get(&signed_id)
                .await?
                .ok_or_else(|| Error::NotFound(format!("package {signed_id}")))?;
            let trust = Trust {
                signing_keys: previous
                    .iter()
                    .cloned()
                    .chain(std::iter::once(key.public()))
                    .collect(),
                ..Trust::default()
            };
            let opened = cove_package::open(&signed, &trust).map_err(|e| {
                Error::invalid(
                    "resign_unverified",
                    format!("{app_id} version {code}: its signed package does not verify under a trusted key, so it is not signed again: {e}"),
                )
            })?;
            let sig = opened.signature.ok_or_else(|| {
                Error::invalid(
                    "resign_unverified",
                    format!("{app_id} version {code}: its package is not signed"),
                )
            })?;
            if sig.key_id == key.id() {
                done.current += 1;
                continue;
            }
            let opts = SignOptions {
                channel: sig.channel,
                rollback: sig.rollback_from,
                limits: cove_package::Limits::default(),
            };
            let signer = key.clone();
            let fresh =
                tokio::task::spawn_blocking(move || cove_package::sign(&signed, &signer, &opts))
                    .await
                    .map_err(|e| Error::invalid("internal", e.to_string()))??;
            let fresh_id = self.blobs.put(fresh.clone()).await?;
            sqlx::query("UPDATE versions SET signed = $1 WHERE app_id = $2 AND code = $3")
                .bind(&fresh_id)
                .bind(&app_id)
                .bind(code)
                .execute(&mut *tx)
                .await?;
            let hosts: Vec<Recipient> = sqlx::query_as(
                "SELECT d.host_id, h.sealing_key FROM deliveries d JOIN hosts h ON h.id = d.host_id
                 WHERE d.app_id = $1 AND d.code = $2 ORDER BY d.host_id",
            )
            .bind(&app_id)
            .bind(code)
            .fetch_all(&mut *tx)
            .await?;
            for Recipient {
                host_id,
                sealing_key,
            } in hosts
            {
                let sealing = sealing_key
                    .as_deref()
                    .map(PublicKey::from_json)
                    .transpose()
                    .map_err(|e| {
                        Error::invalid("bad_sealing_key", format!("host app {host_id}: {e}"))
                    })?;
                let (bytes, sealed) = workflow::deliver(&fresh, sealing.as_ref())?;
                let size = bytes.len() as i64;
                let blob = self.blobs.put(bytes).await?;
                sqlx::query(
                    "UPDATE deliveries SET blob = $1, size = $2, sealed = $3, signed_by = $4
                     WHERE app_id = $5 AND code = $6 AND host_id = $7",
                )
                .bind(&blob)
                .bind(size)
                .bind(sealed as i64)
                .bind(key.id())
                .bind(&app_id)
                .bind(code)
                .bind(host_id)
                .execute(&mut *tx)
                .await?;
                done.deliveries += 1;
            }
            done.versions += 1;
            done.from.insert(sig.key_id);
        }
        self.record(
            &mut tx,
            None,
            "signing_key.resign",
            "platform/signing_key",
            &json!({"signed_by": done.from}),
            &json!({"signed_by": done.to, "versions": done.versions, "deliveries": done.deliveries}),
        )
        .await?;
        self.commit_delivery(tx).await?;
        Ok(done)
    }
}
