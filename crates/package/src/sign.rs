//! The manifest's file list and the platform's signature (`docs/package.md`).
//!
//! The signature covers a short text statement: the package's identity (app id, version
//! code, channel, rollback flag), the digest of `manifest.json`, whose `files` list holds
//! the size and digest of every other file, and the digest of the whole ZIP as it was before
//! `signature.json` was appended, headers and compressed bytes included. With the canonical
//! layout ([`crate::layout`]) and the canonical text of `signature.json`, no byte of a signed
//! package is left that could change without failing verification.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::PackageError;
use crate::keys::{KeyPair, PublicKey};
use crate::layout::Layout;
use crate::suite::Suite;
use crate::zip::{self, Files, Limits};

pub const MANIFEST: &str = "manifest.json";
pub const SIGNATURE: &str = "signature.json";
/// The `signature.json` format written and read. Format 1 signed the manifest only, which
/// left the ZIP's headers and compressed bytes free; it is refused.
pub const FORMAT: u32 = 2;

/// Where a version may be delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Release,
    Trial,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Release => "release",
            Self::Trial => "trial",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "release" => Some(Self::Release),
            "trial" => Some(Self::Trial),
            _ => None,
        }
    }
}

/// The installed versions a rollback may replace, `min..=max`: the versions the platform had
/// published above the one it rolls back to. Written as `[min, max]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "[u64; 2]", into = "[u64; 2]")]
pub struct RollbackRange {
    pub min: u64,
    pub max: u64,
}

impl RollbackRange {
    pub fn contains(self, version_code: u64) -> bool {
        (self.min..=self.max).contains(&version_code)
    }
}

impl From<[u64; 2]> for RollbackRange {
    fn from([min, max]: [u64; 2]) -> Self {
        Self { min, max }
    }
}

impl From<RollbackRange> for [u64; 2] {
    fn from(r: RollbackRange) -> Self {
        [r.min, r.max]
    }
}

impl std::fmt::Display for RollbackRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..={}", self.min, self.max)
    }
}

/// `signature.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub format: u32,
    /// `ed25519` or `sm2-sm3`.
    pub scheme: String,
    pub key_id: String,
    pub app_id: String,
    pub version_code: u64,
    pub channel: Channel,
    /// Signed as a rollback: may replace a higher installed version, one in `rollback_from`.
    pub rollback: bool,
    /// With `rollback`: the installed versions it may replace. Absent otherwise (and absent
    /// from the text, so that packages signed before it existed keep their one text). A
    /// rollback without it replaces nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_from: Option<RollbackRange>,
    /// `sha256` or `sm3`: the manifest's digests and the manifest's own.
    pub digest: String,
    /// Hex digest of `manifest.json` as stored.
    pub manifest_digest: String,
    /// Hex digest of the ZIP without `signature.json` ([`crate::layout::Layout::unsigned_digest`]).
    /// Absent in format 1.
    #[serde(default)]
    pub archive_digest: String,
    /// Base64.
    pub signature: String,
}

impl Signature {
    /// Its one text, as `signature.json` holds it (the only text `verify` accepts).
    pub fn text(&self) -> Vec<u8> {
        canonical_text(self)
    }

    /// The exact bytes signed.
    pub fn statement(&self) -> Vec<u8> {
        // The range's line only when there is one: the statements signed before it existed
        // stay what they were.
        let range = self
            .rollback_from
            .map(|r| format!("\nrollback_from={}-{}", r.min, r.max))
            .unwrap_or_default();
        format!(
            "cove-package-signature v2\napp_id={}\nversion_code={}\nchannel={}\nrollback={}{range}\ndigest={}\nmanifest={}\narchive={}",
            self.app_id,
            self.version_code,
            self.channel.as_str(),
            u8::from(self.rollback),
            self.digest,
            self.manifest_digest,
            self.archive_digest
        )
        .into_bytes()
    }
}

/// What a manifest says about the package.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub value: Value,
    pub app_id: String,
    pub version_code: u64,
    pub suite: Suite,
    /// path → (size, hex digest)
    pub files: std::collections::BTreeMap<String, (u64, String)>,
}

impl Manifest {
    pub fn parse(bytes: &[u8]) -> Result<Self, PackageError> {
        let bad = |m: String| PackageError::Manifest(m);
        let value: Value = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
        let app_id = value["app_id"].as_str().unwrap_or("").to_string();
        if app_id.chars().any(char::is_control) {
            return Err(bad("app_id has control characters".into()));
        }
        let version_code = value["version"]["code"].as_u64().unwrap_or(0);
        let digest = value["digest"].as_str().unwrap_or("sha256");
        let suite = match digest {
            "sha256" => Suite::Intl,
            "sm3" => Suite::Sm,
            other => return Err(bad(format!("unknown digest {other:?}"))),
        };
        let mut files = std::collections::BTreeMap::new();
        let list = value["files"]
            .as_array()
            .ok_or_else(|| bad("no `files` list".into()))?;
        for f in list {
            let raw = f["path"]
                .as_str()
                .ok_or_else(|| bad("a file without a path".into()))?;
            let path = crate::path::normalise(raw)
                .map_err(|e| PackageError::UnsafePath {
                    name: raw.to_string(),
                    why: e.why(),
                })?
                .ok_or_else(|| bad(format!("{raw:?} is a directory")))?;
            let size = f["size"]
                .as_u64()
                .ok_or_else(|| bad(format!("{path}: no size")))?;
            let d = f[digest]
                .as_str()
                .ok_or_else(|| bad(format!("{path}: no {digest} digest")))?;
            if [MANIFEST, SIGNATURE].contains(&path.as_str()) {
                return Err(bad(format!("{path} cannot list itself")));
            }
            if files
                .insert(path.clone(), (size, d.to_ascii_lowercase()))
                .is_some()
            {
                return Err(PackageError::UnsafePath {
                    name: raw.to_string(),
                    why: "listed twice in the manifest",
                });
            }
        }
        Ok(Self {
            value,
            app_id,
            version_code,
            suite,
            files,
        })
    }
}

/// Rewrite the manifest's file list for `suite` from the files themselves.
pub fn restate(manifest: &mut Value, files: &Files, suite: Suite) {
    let list: Vec<Value> = files
        .iter()
        .filter(|(p, _)| p.as_str() != MANIFEST && p.as_str() != SIGNATURE)
        .map(|(p, b)| json!({"path": p, "size": b.len(), suite.digest_name(): hex::encode(suite.digest(b))}))
        .collect();
    manifest["digest"] = json!(suite.digest_name());
    manifest["files"] = Value::Array(list);
}

/// How to sign.
#[derive(Debug, Clone, Copy)]
pub struct SignOptions {
    pub channel: Channel,
    /// Sign as a rollback that may replace these installed versions (each above the
    /// package's own version code).
    pub rollback: Option<RollbackRange>,
    pub limits: Limits,
}

/// Sign an inner package: its manifest is restated with the key's digest, then signed.
pub fn sign(package: &[u8], key: &KeyPair, opts: &SignOptions) -> Result<Vec<u8>, PackageError> {
    let mut files = zip::read(package, &opts.limits)?;
    let manifest_bytes = files
        .get(MANIFEST)
        .ok_or_else(|| PackageError::Manifest("the package has no manifest.json".into()))?;
    let mut manifest: Value = serde_json::from_slice(manifest_bytes)
        .map_err(|e| PackageError::Manifest(e.to_string()))?;
    files.remove(SIGNATURE);
    let suite = key.suite();
    restate(&mut manifest, &files, suite);
    let mut bytes = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    bytes.push(b'\n');
    let parsed = Manifest::parse(&bytes)?;
    files.insert(MANIFEST.into(), bytes.clone());
    // The package as it is before `signature.json` is appended: what the signature covers.
    let unsigned = zip::write(&files, MANIFEST, SIGNATURE)?;
    let archive = suite.digest(&unsigned);
    let mut sig = Signature {
        format: FORMAT,
        scheme: suite.signature_scheme().into(),
        key_id: key.id().into(),
        app_id: parsed.app_id,
        version_code: parsed.version_code,
        channel: opts.channel,
        rollback: opts.rollback.is_some(),
        rollback_from: opts.rollback,
        digest: suite.digest_name().into(),
        manifest_digest: hex::encode(suite.digest(&bytes)),
        archive_digest: hex::encode(archive),
        signature: String::new(),
    };
    check_rollback(&sig)?;
    let raw = key.sign(&sig.statement())?;
    sig.signature = base64::engine::general_purpose::STANDARD.encode(raw);
    files.insert(SIGNATURE.into(), canonical_text(&sig));
    let signed = zip::write(&files, MANIFEST, SIGNATURE)?;
    // Appending must leave the signed bytes as they were, in the one layout readers accept.
    let layout = Layout::parse(&signed, usize::MAX)?;
    if layout.unsigned_digest(suite) != Some(archive) {
        return Err(PackageError::Layout(
            "the signed package does not start with the bytes signed".into(),
        ));
    }
    Ok(signed)
}

/// The one text of `signature.json` for `sig`: pretty JSON in field order, with a final LF.
fn canonical_text(sig: &Signature) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(sig).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Check `signature.json` against the manifest bytes and the trusted keys; returns it.
///
/// This proves the signed claims and checks the manifest and identity against them. The
/// claim about the ZIP's bytes is checked by [`check_archive`] once the files' digests have
/// been (so that an edited file is reported as such): a caller needs both, as `open` does.
pub fn verify(
    sig_bytes: &[u8],
    manifest_bytes: &[u8],
    manifest: &Manifest,
    trusted: &[PublicKey],
) -> Result<Signature, PackageError> {
    let sig: Signature =
        serde_json::from_slice(sig_bytes).map_err(|e| PackageError::Signature(e.to_string()))?;
    if sig.format != FORMAT {
        return Err(PackageError::Signature(format!(
            "format {} (this container reads {FORMAT}: sign the package again)",
            sig.format
        )));
    }
    // Spacing, escapes, key order and letter case of the digests: one text only.
    if canonical_text(&sig) != sig_bytes {
        return Err(PackageError::Signature(
            "not in canonical form (as `cove sign` writes it)".into(),
        ));
    }
    check_rollback(&sig)?;
    let key = trusted
        .iter()
        .find(|k| k.id() == sig.key_id)
        .ok_or_else(|| PackageError::UnknownKey {
            key_id: sig.key_id.clone(),
        })?;
    let suite = key.suite();
    if sig.scheme != suite.signature_scheme() || sig.digest != suite.digest_name() {
        return Err(PackageError::Signature(format!(
            "scheme {} with {} does not match key {} ({})",
            sig.scheme,
            sig.digest,
            sig.key_id,
            suite.signature_scheme()
        )));
    }
    if manifest.suite != suite {
        return Err(PackageError::Signature(format!(
            "the manifest's digests are not {}",
            sig.digest
        )));
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(sig.signature.as_bytes())
        .map_err(|e| PackageError::Signature(format!("signature: {e}")))?;
    let bad = || PackageError::BadSignature {
        key_id: sig.key_id.clone(),
    };
    // The claims as written are signed; then the manifest must be the one claimed, exactly
    // (lower-case hex, so one text again).
    key.verify(&sig.statement(), &raw).map_err(|_| bad())?;
    if sig.manifest_digest != hex::encode(suite.digest(manifest_bytes)) {
        return Err(bad());
    }
    if sig.app_id != manifest.app_id || sig.version_code != manifest.version_code {
        return Err(PackageError::IdentityMismatch {
            signed: format!("{} version {}", sig.app_id, sig.version_code),
            manifest: format!("{} version {}", manifest.app_id, manifest.version_code),
        });
    }
    Ok(sig)
}

/// A rollback range goes with the rollback flag, and lies above the version signed.
fn check_rollback(sig: &Signature) -> Result<(), PackageError> {
    match sig.rollback_from {
        Some(_) if !sig.rollback => Err(PackageError::Signature(
            "rollback_from on a signature that is not a rollback".into(),
        )),
        Some(r) if r.min > r.max || r.min <= sig.version_code => {
            Err(PackageError::Signature(format!(
                "rollback_from {r} does not lie above version {}",
                sig.version_code
            )))
        }
        _ => Ok(()),
    }
}

/// Check the ZIP's bytes against a signature [`verify`] accepted: the package without its
/// `signature.json` must be the one signed, byte for byte.
pub fn check_archive(sig: &Signature, layout: &Layout, suite: Suite) -> Result<(), PackageError> {
    let actual = layout
        .unsigned_digest(suite)
        .ok_or_else(|| PackageError::Layout(format!("{SIGNATURE} is not the last entry")))?;
    if sig.archive_digest != hex::encode(actual) {
        return Err(PackageError::ArchiveMismatch {
            key_id: sig.key_id.clone(),
        });
    }
    Ok(())
}
