//! A version's life, from upload to release, as a state machine with the permission each
//! step needs ([`crate::authz`]), and the packages publishing makes for each host app.
//!
//! ```text
//! uploaded ─submit─▶ in_review ─approve─▶ approved ─publish─▶ released
//!     ▲                  │                                      │
//!     └──── (new upload) ◀─ reject(reason) ── rejected          └ rollback / gray / takedown
//! ```
//!
//! Publishing signs the package once with the platform's key, then seals it for each host
//! app that asks for encryption; every host's bytes become a content-addressed blob.

use cove_package::{
    Channel, KeyPair, Limits, PackageError, PublicKey, RollbackRange, SignOptions, envelope,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::authz::{self, Action, Decision, Principal, Target};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum State {
    Uploaded,
    InReview,
    Approved { by: u64 },
    Rejected { by: u64, reason: String },
    Released { by: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Submit,
    Approve,
    Reject { reason: String },
    Publish,
}

impl Step {
    fn action(&self) -> Action {
        match self {
            Step::Submit => Action::Submit,
            Step::Approve | Step::Reject { .. } => Action::Review,
            Step::Publish => Action::Publish,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("not found")]
    Hidden,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("a version that is {from} cannot be {step}")]
    Invalid {
        from: &'static str,
        step: &'static str,
    },
    #[error("a rejection needs a reason")]
    NoReason,
}

impl WorkflowError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Hidden => "not_found",
            Self::Forbidden(_) => "forbidden",
            Self::Invalid { .. } => "invalid_state",
            Self::NoReason => "reason_required",
        }
    }
}

fn name(s: &State) -> &'static str {
    match s {
        State::Uploaded => "uploaded",
        State::InReview => "in review",
        State::Approved { .. } => "approved",
        State::Rejected { .. } => "rejected",
        State::Released { .. } => "released",
    }
}

fn step_name(s: &Step) -> &'static str {
    match s {
        Step::Submit => "submitted",
        Step::Approve => "approved",
        Step::Reject { .. } => "rejected",
        Step::Publish => "published",
    }
}

/// The version's next state, if `who` may take `step` now. `target` names the owning
/// organisation and the uploader (for separation of duties).
pub fn advance(
    state: &State,
    step: &Step,
    who: &Principal,
    target: &Target,
) -> Result<State, WorkflowError> {
    match authz::decide(who, step.action(), target) {
        Decision::Allow => {}
        Decision::Hidden => return Err(WorkflowError::Hidden),
        Decision::Deny(why) => return Err(WorkflowError::Forbidden(why)),
    }
    let next = match (state, step) {
        (State::Uploaded, Step::Submit) => State::InReview,
        (State::InReview, Step::Approve) => State::Approved { by: who.user_id },
        (State::InReview, Step::Reject { reason }) => {
            if reason.trim().is_empty() {
                return Err(WorkflowError::NoReason);
            }
            State::Rejected {
                by: who.user_id,
                reason: reason.trim().to_string(),
            }
        }
        (State::Approved { .. }, Step::Publish) => State::Released { by: who.user_id },
        (from, step) => {
            return Err(WorkflowError::Invalid {
                from: name(from),
                step: step_name(step),
            });
        }
    };
    Ok(next)
}

/// A host app that receives a release, and the key to seal for when it wants encryption.
#[derive(Debug, Clone)]
pub struct HostTarget {
    pub host_id: u64,
    pub sealing_key: Option<PublicKey>,
}

/// What publishing one version makes.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The signed package (what every host gets, sealed or not).
    pub signed: Vec<u8>,
    /// Per host: (host id, bytes to deliver, blob id, sealed).
    pub deliveries: Vec<(u64, Vec<u8>, String, bool)>,
}

/// Sign `package` (a compiled ZIP) and seal it for each host that asks. `rollback` marks a
/// version older than the live one with the versions it may replace (those published above
/// it), so that containers that have one of them accept the downgrade, and no other.
pub fn prepare(
    package: &[u8],
    key: &KeyPair,
    channel: Channel,
    rollback: Option<RollbackRange>,
    hosts: &[HostTarget],
) -> Result<Prepared, PackageError> {
    let opts = SignOptions {
        channel,
        rollback,
        limits: Limits::default(),
    };
    let signed = cove_package::sign(package, key, &opts)?;
    let mut deliveries = vec![];
    for host in hosts {
        let (bytes, sealed) = deliver(&signed, host.sealing_key.as_ref())?;
        let id = crate::blobs::id_of(&bytes);
        deliveries.push((host.host_id, bytes, id, sealed));
    }
    Ok(Prepared { signed, deliveries })
}

/// What one host receives of a signed package: sealed for its key, or as it is.
pub fn deliver(
    signed: &[u8],
    sealing_key: Option<&PublicKey>,
) -> Result<(Vec<u8>, bool), PackageError> {
    match sealing_key {
        Some(k) => {
            let mut out = Vec::with_capacity(signed.len() + 1024);
            envelope::seal(
                &mut &signed[..],
                &mut out,
                k.suite(),
                std::slice::from_ref(k),
                None,
            )?;
            Ok((out, true))
        }
        None => Ok((signed.to_vec(), false)),
    }
}
