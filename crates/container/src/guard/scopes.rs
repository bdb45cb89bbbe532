//! Permission scopes (WeChat's `scope.*`): which APIs need which scope, and the user's
//! choices, kept per mini-program in `auth.json` in the guard's directory.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::GuardError;

/// The scopes a user can grant or deny, as `wx.authorize` and `wx.getSetting` name them.
pub const SCOPES: &[&str] = &[
    "scope.userLocation",
    "scope.userFuzzyLocation",
    "scope.userLocationBackground",
    "scope.record",
    "scope.camera",
    "scope.bluetooth",
    "scope.writePhotosAlbum",
    "scope.addPhoneContact",
    "scope.addPhoneCalendar",
    "scope.werun",
    "scope.address",
    "scope.invoiceTitle",
    "scope.invoice",
    "scope.userInfo",
];

pub fn is_scope(scope: &str) -> bool {
    SCOPES.contains(&scope)
}

/// The scope an API needs, asked for on its first use as WeChat does.
///
/// Follows WeChat's table; it differs from the review report's (crates/server/src/report.rs)
/// for `getFuzzyLocation` (`scope.userFuzzyLocation`) and `chooseInvoiceTitle`
/// (`scope.invoiceTitle`), and adds the calendar and BLE peripheral APIs.
pub fn scope_of(api: &str) -> Option<&'static str> {
    Some(match api {
        "getLocation" | "chooseLocation" | "startLocationUpdate" | "onLocationChange" => {
            "scope.userLocation"
        }
        "getFuzzyLocation" => "scope.userFuzzyLocation",
        "startLocationUpdateBackground" => "scope.userLocationBackground",
        "startRecord" | "getRecorderManager" | "joinVoIPChat" => "scope.record",
        "createCameraContext" | "createVKSession" => "scope.camera",
        "openBluetoothAdapter" | "createBLEPeripheralServer" => "scope.bluetooth",
        "saveImageToPhotosAlbum" | "saveVideoToPhotosAlbum" => "scope.writePhotosAlbum",
        "addPhoneContact" => "scope.addPhoneContact",
        "addPhoneCalendar" | "addPhoneRepeatCalendar" => "scope.addPhoneCalendar",
        "getWeRunData" => "scope.werun",
        "chooseAddress" => "scope.address",
        "chooseInvoiceTitle" => "scope.invoiceTitle",
        "chooseInvoice" => "scope.invoice",
        _ => return None,
    })
}

/// The file's name in the guard's directory.
pub const FILE: &str = "auth.json";

#[derive(Serialize, Deserialize)]
struct OnDisk {
    version: u32,
    #[serde(rename = "authSetting")]
    auth_setting: BTreeMap<String, bool>,
}

/// The user's choices for one mini-program: a scope is absent until the user was asked.
#[derive(Debug)]
pub struct Settings {
    path: PathBuf,
    choices: BTreeMap<String, bool>,
}

impl Settings {
    /// Read the choices in `dir` (none when the file does not exist yet).
    pub fn open(dir: &Path) -> Result<Self, GuardError> {
        let path = dir.join(FILE);
        let choices = match fs::read(&path) {
            Ok(bytes) => {
                let disk: OnDisk =
                    serde_json::from_slice(&bytes).map_err(|source| GuardError::Corrupt {
                        path: path.clone(),
                        source,
                    })?;
                // Scopes this version does not know are dropped, not offered to the app.
                disk.auth_setting
                    .into_iter()
                    .filter(|(k, _)| is_scope(k))
                    .collect()
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(source) => return Err(GuardError::Io { path, source }),
        };
        Ok(Self { path, choices })
    }

    pub fn get(&self, scope: &str) -> Option<bool> {
        self.choices.get(scope).copied()
    }

    /// Record a choice and write the file; the choice holds in memory even if the write fails.
    pub fn set(&mut self, scope: &str, granted: bool) -> Result<(), GuardError> {
        if self.choices.get(scope) == Some(&granted) {
            return Ok(());
        }
        self.choices.insert(scope.to_string(), granted);
        self.save()
    }

    /// WeChat's `authSetting`: every scope the user was asked about, with the answer.
    pub fn auth_setting(&self) -> Value {
        Value::Object(
            self.choices
                .iter()
                .map(|(k, v)| (k.clone(), Value::Bool(*v)))
                .collect::<Map<_, _>>(),
        )
    }

    fn save(&self) -> Result<(), GuardError> {
        let disk = OnDisk {
            version: 1,
            auth_setting: self.choices.clone(),
        };
        let text = serde_json::to_vec_pretty(&disk).expect("a map of bools serialises");
        write_atomic(&self.path, &text).map_err(|source| GuardError::Io {
            path: self.path.clone(),
            source,
        })
    }
}

/// Write a temp file beside `path`, fsync it, rename it over `path`, fsync the directory:
/// a crash leaves the old choices or the new ones, never half a file.
fn write_atomic(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    // Unique per write: two guards of one app may save at once.
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".{FILE}.{}.{n}.tmp", std::process::id()));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        if let Ok(d) = File::open(dir) {
            // Best effort: some filesystems refuse a directory fsync.
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mapped_scope_is_a_known_scope() {
        for api in [
            "getLocation",
            "getFuzzyLocation",
            "startLocationUpdateBackground",
            "startRecord",
            "createCameraContext",
            "openBluetoothAdapter",
            "saveImageToPhotosAlbum",
            "addPhoneContact",
            "addPhoneCalendar",
            "getWeRunData",
            "chooseAddress",
            "chooseInvoiceTitle",
            "chooseInvoice",
        ] {
            let scope = scope_of(api).unwrap_or_else(|| panic!("{api} has no scope"));
            assert!(is_scope(scope), "{scope}");
        }
        assert_eq!(scope_of("showToast"), None);
        assert_eq!(scope_of("getLocation"), Some("scope.userLocation"));
        assert_eq!(scope_of("chooseInvoiceTitle"), Some("scope.invoiceTitle"));
    }

    #[test]
    fn choices_persist_atomically_and_reload() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("guard");
        let mut s = Settings::open(&nested).unwrap();
        assert_eq!(s.auth_setting(), serde_json::json!({}));
        s.set("scope.userLocation", true).unwrap();
        s.set("scope.address", false).unwrap();
        let again = Settings::open(&nested).unwrap();
        assert_eq!(again.get("scope.userLocation"), Some(true));
        assert_eq!(again.get("scope.address"), Some(false));
        assert_eq!(again.get("scope.record"), None);
        assert_eq!(
            again.auth_setting(),
            serde_json::json!({"scope.address": false, "scope.userLocation": true})
        );
        // Only the file itself is left: no temp files.
        let names: Vec<_> = fs::read_dir(&nested)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec![FILE.to_string()]);
    }

    #[test]
    fn a_corrupt_file_is_an_error_and_unknown_scopes_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(FILE), b"{not json").unwrap();
        assert!(matches!(
            Settings::open(dir.path()),
            Err(GuardError::Corrupt { .. })
        ));
        fs::write(
            dir.path().join(FILE),
            br#"{"version":1,"authSetting":{"scope.camera":true,"scope.madeUp":true}}"#,
        )
        .unwrap();
        let s = Settings::open(dir.path()).unwrap();
        assert_eq!(s.auth_setting(), serde_json::json!({"scope.camera": true}));
    }
}
