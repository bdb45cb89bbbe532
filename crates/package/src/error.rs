//! Why a package is refused, with a stable code for each reason (`docs/package.md`).

use crate::envelope::EnvelopeError;
use crate::keys::KeyError;

#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("the package is not signed (only a dev-mode container runs unsigned packages)")]
    Unsigned,
    #[error("the signature by key {key_id} does not verify")]
    BadSignature { key_id: String },
    #[error("the package is signed by key {key_id}, which this container does not trust")]
    UnknownKey { key_id: String },
    #[error("signature.json: {0}")]
    Signature(String),
    #[error("the signature is for {signed}, but the manifest says {manifest}")]
    IdentityMismatch { signed: String, manifest: String },
    #[error("{path}: its content does not match the manifest's {what}")]
    DigestMismatch { path: String, what: &'static str },
    #[error("{path} is declared in the manifest but missing from the package")]
    MissingFile { path: String },
    #[error("manifest.json: {0}")]
    Manifest(String),
    #[error(
        "version code {offered} is lower than the installed {installed}, and the platform did not sign it as a rollback"
    )]
    Downgrade { installed: u64, offered: u64 },
    #[error(
        "version code {offered} is signed as a rollback of versions {range} only, not of the installed {installed}"
    )]
    RollbackOutOfRange {
        installed: u64,
        offered: u64,
        range: crate::sign::RollbackRange,
    },
    #[error("the package is signed for the {signed} channel; this container accepts {expected}")]
    WrongChannel { signed: String, expected: String },
    #[error("not a valid ZIP: {0}")]
    Zip(String),
    /// A ZIP that could be read more than one way (`docs/package.md`, "One way to read it").
    #[error("the ZIP is not laid out as a signed package must be: {0}")]
    Layout(String),
    #[error(
        "the ZIP's bytes are not those signed by key {key_id} (the files' contents match, but headers, compressed bytes or entries differ)"
    )]
    ArchiveMismatch { key_id: String },
    #[error("refused as a ZIP bomb: {0}")]
    Bomb(String),
    #[error("unsafe file name {name:?}: {why}")]
    UnsafePath { name: String, why: &'static str },
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    #[error(transparent)]
    Key(#[from] KeyError),
}

impl PackageError {
    /// The stable code a host logs and the platform counts.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unsigned => "unsigned",
            Self::BadSignature { .. } => "bad_signature",
            Self::UnknownKey { .. } => "unknown_key",
            Self::Signature(_) => "signature_format",
            Self::IdentityMismatch { .. } => "identity_mismatch",
            Self::DigestMismatch { .. } => "digest_mismatch",
            Self::MissingFile { .. } => "missing_file",
            Self::Manifest(_) => "manifest",
            Self::Downgrade { .. } => "downgrade",
            Self::RollbackOutOfRange { .. } => "rollback_out_of_range",
            Self::WrongChannel { .. } => "wrong_channel",
            Self::Zip(_) => "zip_format",
            Self::Layout(_) => "zip_layout",
            Self::ArchiveMismatch { .. } => "archive_mismatch",
            Self::Bomb(_) => "zip_bomb",
            Self::UnsafePath { .. } => "unsafe_path",
            Self::Envelope(e) => e.code(),
            Self::Key(e) => e.code(),
        }
    }
}
