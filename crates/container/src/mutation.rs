//! Switches that turn one sandbox control off, for the malicious suite's mutation check
//! (`tests/it/malicious.rs`): run with a control off, the suite must see that control's
//! attempts get through, which shows that the control, and nothing else, refused them.
//!
//! A switch exists only when the crate is built with the test-only `mutation` feature, and
//! even then a control is off only while the environment variable `COVE_MUTATE` names it
//! (`COVE_MUTATE=net`, or several: `net,fs`). `cargo test --all-features` therefore
//! weakens nothing: without `COVE_MUTATE` every control is on. Without the feature,
//! [`off`] is the constant `false` and the variable is never read.

/// A control the mutation check can switch off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Control {
    /// The network policy: domain lists, schemes, IP literals, address ranges.
    Net,
    /// The grant guard: sensitive and host APIs the platform did not grant.
    Guard,
    /// The file sandbox's paths: `..`, absolute paths, symlinks.
    Fs,
    /// Storage isolation: each app's own directory and key.
    Storage,
    /// `setData`'s 1 MB limit, in the runtime's count and in the bridge.
    SetData,
}

impl Control {
    pub const ALL: [Control; 5] = [
        Control::Net,
        Control::Guard,
        Control::Fs,
        Control::Storage,
        Control::SetData,
    ];

    /// Its name in `COVE_MUTATE`.
    pub fn name(self) -> &'static str {
        match self {
            Control::Net => "net",
            Control::Guard => "guard",
            Control::Fs => "fs",
            Control::Storage => "storage",
            Control::SetData => "setdata",
        }
    }

    pub fn parse(name: &str) -> Option<Control> {
        Control::ALL.into_iter().find(|c| c.name() == name.trim())
    }
}

/// Whether this build can switch controls off at all.
pub const fn compiled() -> bool {
    cfg!(feature = "mutation")
}

/// Whether `control` is switched off in this process.
#[cfg(feature = "mutation")]
pub fn off(control: Control) -> bool {
    use std::sync::OnceLock;
    static OFF: OnceLock<Vec<Control>> = OnceLock::new();
    let off = OFF.get_or_init(|| {
        let list: Vec<Control> = std::env::var("COVE_MUTATE")
            .unwrap_or_default()
            .split(',')
            .filter_map(Control::parse)
            .collect();
        for c in &list {
            tracing::warn!(target: "cove::mutation", control = c.name(), "control switched OFF (COVE_MUTATE)");
        }
        list
    });
    off.contains(&control)
}

/// Whether `control` is switched off in this process: never, in this build.
#[cfg(not(feature = "mutation"))]
#[inline(always)]
pub fn off(_control: Control) -> bool {
    false
}
