//! `types/protocol.d.ts` is what cove-protocol's types generate: the view's JS is checked
//! against it (`tsc -p crates/view/tsconfig.json`, scripts/test), so a stale copy would check
//! the JS against a protocol that no longer exists.

use std::path::Path;

#[test]
fn the_protocol_declarations_are_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("types/protocol.d.ts");
    let fresh = cove_protocol::view::typescript();
    if std::env::var_os("UPDATE_PROTOCOL_TS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == fresh,
        "{} is stale: regenerate it with `UPDATE_PROTOCOL_TS=1 cargo test -p cove-view --test protocol`",
        path.display()
    );
}
