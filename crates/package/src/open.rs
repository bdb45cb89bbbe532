//! Opening a package the way a container must: envelope, ZIP layout, signature, digests,
//! the signed bytes, version policy, in that order, and nothing handed out before all of it
//! holds.

use crate::envelope;
use crate::error::PackageError;
use crate::keys::{KeyPair, PublicKey};
use crate::sign::{self, Channel, MANIFEST, Manifest, SIGNATURE, Signature};
use crate::suite::Suite;
use crate::zip::{self, Files, Limits};

/// What the container trusts and allows.
#[derive(Debug, Clone)]
pub struct Trust {
    /// The platform's signing keys, by id.
    pub signing_keys: Vec<PublicKey>,
    /// This host app's sealing keys (to open envelopes).
    pub host_keys: Vec<KeyPair>,
    /// Dev mode (the simulator): unsigned packages run. A signature that is present is still
    /// checked, except that an unknown key is only reported.
    pub dev_mode: bool,
    /// The version code installed now, for the downgrade rule.
    pub installed_version: Option<u64>,
    /// The channels this host installs from (`release` by default): a package signed for
    /// another is refused (`wrong_channel`), in dev mode too.
    pub channels: Vec<Channel>,
    pub limits: Limits,
}

impl Default for Trust {
    fn default() -> Self {
        Self {
            signing_keys: Vec::new(),
            host_keys: Vec::new(),
            dev_mode: false,
            installed_version: None,
            channels: vec![Channel::Release],
            limits: Limits::default(),
        }
    }
}

impl Trust {
    /// What a verified signature must also say for this host: one of its channels, and a
    /// version that may replace the installed one (higher, equal, or a rollback signed for it).
    pub fn check_signed(&self, sig: &Signature) -> Result<(), PackageError> {
        if !self.channels.contains(&sig.channel) {
            let expected: Vec<&str> = self.channels.iter().map(|c| c.as_str()).collect();
            return Err(PackageError::WrongChannel {
                signed: sig.channel.as_str().into(),
                expected: if expected.is_empty() {
                    "no channel".into()
                } else {
                    expected.join(", ")
                },
            });
        }
        if let Some(installed) = self.installed_version
            && sig.version_code < installed
        {
            // A rollback replaces only the versions it was signed for: not one published
            // after it, nor, once it is installed, anything forever.
            return match sig.rollback_from {
                Some(range) if sig.rollback && range.contains(installed) => Ok(()),
                Some(range) if sig.rollback => Err(PackageError::RollbackOutOfRange {
                    installed,
                    offered: sig.version_code,
                    range,
                }),
                _ => Err(PackageError::Downgrade {
                    installed,
                    offered: sig.version_code,
                }),
            };
        }
        Ok(())
    }
}

/// A package that passed every check.
#[derive(Debug, Clone)]
pub struct Opened {
    pub manifest: Manifest,
    /// Every file the manifest declares, checked; plus `manifest.json` itself.
    pub files: Files,
    /// `None` for an unsigned package (dev mode only).
    pub signature: Option<Signature>,
    /// The envelope's header, when the package was sealed.
    pub envelope: Option<envelope::Header>,
    /// Files in the ZIP that the manifest does not declare: dropped, and reported here.
    pub ignored: Vec<String>,
    /// Things dev mode let through that a production container would refuse.
    pub warnings: Vec<String>,
}

impl Opened {
    pub fn suite(&self) -> Suite {
        self.manifest.suite
    }
}

/// Open and verify a package (a ZIP, or an envelope around one).
pub fn open(bytes: &[u8], trust: &Trust) -> Result<Opened, PackageError> {
    let mut header = None;
    let inner_owned;
    let inner: &[u8] = if envelope::is_envelope(bytes) {
        let (h, plain) = envelope::open_slice(bytes, &trust.host_keys, trust.limits.max_total)?;
        header = Some(h);
        inner_owned = plain;
        &inner_owned
    } else {
        bytes
    };
    let mut warnings = vec![];
    // One way to read a signed package: the canonical layout. Dev mode also runs ZIPs made
    // by other tools, as long as they carry no signature that would then mean little.
    let (index, layout) = match zip::index_canonical(inner, &trust.limits) {
        Ok((index, layout)) => (index, Some(layout)),
        Err(e @ PackageError::Layout(_)) if trust.dev_mode => {
            let index = zip::index(inner, &trust.limits)?;
            if index.contains(SIGNATURE) {
                return Err(e);
            }
            warnings.push(format!("{e}"));
            (index, None)
        }
        Err(e) => return Err(e),
    };
    let manifest_bytes = index
        .read_one(MANIFEST, &trust.limits)?
        .ok_or_else(|| PackageError::Manifest("the package has no manifest.json".into()))?;
    let manifest = Manifest::parse(&manifest_bytes)?;
    // Every file is hashed as it is inflated, on all cores.
    let (mut files, digests) = index.read_all(&trust.limits, Some(manifest.suite))?;
    let signature = match files.remove(SIGNATURE) {
        None if trust.dev_mode => {
            warnings.push("the package is not signed".into());
            None
        }
        None => return Err(PackageError::Unsigned),
        Some(sig) => match sign::verify(&sig, &manifest_bytes, &manifest, &trust.signing_keys) {
            Ok(s) => Some(s),
            Err(PackageError::UnknownKey { key_id }) if trust.dev_mode => {
                warnings.push(format!("signed by key {key_id}, which is not trusted here"));
                None
            }
            Err(e) => return Err(e),
        },
    };
    // Every declared file, exactly; anything else is dropped and reported.
    for (path, (size, digest)) in &manifest.files {
        let data = files
            .get(path)
            .ok_or_else(|| PackageError::MissingFile { path: path.clone() })?;
        if data.len() as u64 != *size {
            return Err(PackageError::DigestMismatch {
                path: path.clone(),
                what: "size",
            });
        }
        if digests.get(path).map(hex::encode).as_deref() != Some(digest.as_str()) {
            return Err(PackageError::DigestMismatch {
                path: path.clone(),
                what: manifest.suite.digest_name(),
            });
        }
    }
    // The signed bytes last, so that an edited file is reported as `digest_mismatch` above.
    if let Some(sig) = &signature {
        let layout = layout
            .as_ref()
            .ok_or_else(|| PackageError::Layout(format!("{SIGNATURE} outside the layout")))?;
        sign::check_archive(sig, layout, manifest.suite)?;
    }
    let ignored: Vec<String> = files
        .keys()
        .filter(|p| p.as_str() != MANIFEST && !manifest.files.contains_key(*p))
        .cloned()
        .collect();
    for p in &ignored {
        files.remove(p);
    }
    if let Some(sig) = &signature {
        trust.check_signed(sig)?;
    }
    Ok(Opened {
        manifest,
        files,
        signature,
        envelope: header,
        ignored,
        warnings,
    })
}
