//! Cove packages (`docs/package.md`): the inner ZIP with its manifest of digests, the
//! platform's signature over the manifest and the package's identity, and the optional
//! encrypted envelope sealed for host apps' keys. Reading refuses, with a stable error code,
//! anything the platform did not sign exactly as it is.

pub mod envelope;
mod error;
pub mod keys;
pub mod layout;
mod open;
pub mod path;
pub mod random;
pub mod sign;
pub mod suite;
pub mod zip;

pub use envelope::{EnvelopeError, Header};
pub use error::PackageError;
pub use keys::{KeyError, KeyPair, PublicKey, Purpose};
pub use open::{Opened, Trust, open};
pub use sign::{Channel, RollbackRange, SignOptions, Signature, sign};
pub use suite::Suite;
pub use zip::Limits;
