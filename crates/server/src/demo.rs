//! `cove serve --demo`: a platform with something in it. An operator organisation with an
//! admin, a partner organisation with a developer, a host app with its SDK key and a sealing
//! key, and the example mini-programs uploaded as source (so the platform compiles them),
//! reviewed, approved, signed and published through the same operations the API uses.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cove_package::{KeyPair, Purpose};

use crate::authz::Role;
use crate::platform::apps::NewApp;
use crate::platform::{Error, NewHost, Platform, Result, Upload};
use crate::sdk::Grants;
use crate::workflow::Step;

/// What the demo made, for printing once.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub admin: (String, String),
    pub developer: (String, String),
    pub host_key: String,
    pub host_secret: String,
    /// The host app's private sealing key (what its SDK would hold).
    pub host_sealing_key: PathBuf,
    /// (app id, name, live version code)
    pub apps: Vec<(String, String, u64)>,
}

fn password() -> Result<String> {
    crate::credentials::new_secret()
        .map(|s| s[..20].to_string())
        .map_err(|e| Error::invalid("internal", e.to_string()))
}

/// Seed an empty platform; `None` when it already has organisations (the demo ran before,
/// and its passwords were printed then).
pub async fn seed(p: &Platform, examples: &[PathBuf], keys_dir: &Path) -> Result<Option<Seeded>> {
    if !p.is_empty().await? {
        return Ok(None);
    }
    let operator = p.create_org(None, "Cove Bank (operator)", true).await?;
    let partner = p.create_org(None, "Partner Studio", false).await?;
    let admin_pw = password()?;
    let dev_pw = password()?;
    let admin = p
        .create_user(
            None,
            operator.id,
            "admin",
            &admin_pw,
            &BTreeSet::from([Role::Admin]),
        )
        .await?
        .actor();
    // The printed password is a one-time one: the first sign-in must replace it.
    p.force_password_change(admin.principal.user_id).await?;
    let dev = p
        .create_user(
            None,
            partner.id,
            "partner-dev",
            &dev_pw,
            &BTreeSet::from([Role::Developer]),
        )
        .await?
        .actor();

    // The host's sealing key follows the platform's suite: a 国密 platform seals with SM2/SM4.
    let sealing = KeyPair::generate(
        p.signing_key.suite(),
        Purpose::Seal,
        Some("demo-host-sealing"),
    )
    .map_err(|e| Error::invalid("demo", e.to_string()))?;
    crate::fsperm::create_private_dir(keys_dir)
        .map_err(|e| Error::invalid("demo", e.to_string()))?;
    let sealing_path = keys_dir.join("demo-host-sealing.json");
    if !sealing_path.exists() {
        crate::serve::write_private(&sealing_path, &sealing.to_json())
            .map_err(|e| Error::invalid("demo", format!("{}: {e}", sealing_path.display())))?;
    }
    let (host, secret) = p
        .create_host(
            Some(&admin),
            &NewHost {
                name: "Cove Bank App".into(),
                platforms: vec!["ios".into(), "android".into(), "harmony".into()],
                sealing_key: Some(sealing.public().to_json()),
            },
        )
        .await?;

    let mut apps = vec![];
    for dir in examples {
        let config: serde_json::Value = std::fs::read(dir.join("project.config.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| {
                Error::invalid(
                    "demo",
                    format!("{}: no readable project.config.json", dir.display()),
                )
            })?;
        let app_id = config["appid"].as_str().unwrap_or_default().to_string();
        let name = config["projectname"]
            .as_str()
            .unwrap_or(&app_id)
            .to_string();
        p.create_app(
            Some(&dev),
            &NewApp {
                app_id: app_id.clone(),
                name: name.clone(),
                category: "demo".into(),
                icon: String::new(),
                org_id: partner.id,
            },
        )
        .await?;
        p.grant(Some(&admin), host.id, &app_id, &Grants::default())
            .await?;
        let zip = crate::upload::zip_source_dir(dir)
            .map_err(|e| Error::invalid("demo", format!("{}: {e}", dir.display())))?;
        let up = Upload {
            kind: "source".into(),
            version_code: Some(1),
            version_name: Some("1.0.0".into()),
            note: "seeded by cove serve --demo".into(),
        };
        let v = p.upload(&dev, &app_id, zip, &up).await?;
        p.step(&dev, &app_id, v.code, Step::Submit).await?;
        p.approve(
            &admin,
            &app_id,
            v.code,
            "demo seed: the example project as shipped with Cove",
            None,
        )
        .await?;
        p.publish(&admin, &app_id, v.code, false).await?;
        apps.push((app_id, name, v.code));
    }
    Ok(Some(Seeded {
        admin: ("admin".into(), admin_pw),
        developer: ("partner-dev".into(), dev_pw),
        host_key: host.sdk_key,
        host_secret: secret,
        host_sealing_key: sealing_path,
        apps,
    }))
}
