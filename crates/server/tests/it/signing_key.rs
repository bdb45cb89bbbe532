//! The platform's signing key keeps its public half beside it: written on first start, and
//! again on a later start when it is missing or does not match the key.

use cove_package::keys::public_path;
use cove_package::{KeyPair, Purpose, Suite};
use cove_server::config::ServerConfig;
use cove_server::serve::signing_key;

#[test]
fn the_public_half_is_written_beside_the_signing_key() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = ServerConfig {
        data_dir: dir.path().to_path_buf(),
        ..ServerConfig::default()
    };
    let key = signing_key(&cfg).unwrap();
    let path = public_path(&cfg.signing_key_path());
    assert_eq!(
        path,
        dir.path()
            .join("keys")
            .join("platform-signing.json.pub.json")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, key.public().to_json());
    assert!(!text.contains("secret"), "{text}");
    // It verifies what the platform signs.
    let public = cove_package::PublicKey::from_json(&text).unwrap();
    public
        .verify(b"policy", &key.sign(b"policy").unwrap())
        .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
    }

    // A later start with the file gone writes it again, for the same key.
    std::fs::remove_file(&path).unwrap();
    let again = signing_key(&cfg).unwrap();
    assert_eq!(again.id(), key.id());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);

    // A stale public half (another key's) is replaced.
    let other = KeyPair::generate(Suite::Intl, Purpose::Sign, None).unwrap();
    std::fs::write(&path, other.public().to_json()).unwrap();
    signing_key(&cfg).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

/// An operator's key named `NAME.key.json` gets `NAME.pub.json`, as `cove keygen` names it.
#[test]
fn a_key_named_like_keygen_gets_keygen_public_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("platform.key.json");
    let made = KeyPair::generate(Suite::Sm, Purpose::Sign, None).unwrap();
    std::fs::write(&file, made.to_json()).unwrap();
    let cfg = ServerConfig {
        data_dir: dir.path().join("data"),
        signing_key: Some(file),
        ..ServerConfig::default()
    };
    let key = signing_key(&cfg).unwrap();
    assert_eq!(key.id(), made.id());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("platform.pub.json")).unwrap(),
        made.public().to_json()
    );
}
