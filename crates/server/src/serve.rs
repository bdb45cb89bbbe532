//! Putting the server together: configuration → database, blobs, signing key → the router
//! (console, API, SDK endpoints, package downloads) → listening.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use cove_package::{KeyPair, Purpose, Suite};

use crate::blobs::Blobs;
use crate::config::ServerConfig;
use crate::data_key::DataKey;
use crate::db::Db;
use crate::platform::{Platform, Settings};
use crate::sdk::{Catalog, Sdk};
use crate::sdk_auth::MemoryNonces;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{what}: {message}")]
    Setup { what: &'static str, message: String },
}

fn setup(what: &'static str) -> impl Fn(String) -> StartError {
    move |message| StartError::Setup { what, message }
}

/// The platform's signing key: read it, or make one on first start (with the file readable
/// by its owner only). Its public half is kept beside it ([`write_public_half`]).
pub fn signing_key(cfg: &ServerConfig) -> Result<KeyPair, StartError> {
    let path = cfg.signing_key_path();
    let err = setup("signing key");
    if path.exists() {
        crate::fsperm::tighten_and_warn(&path, "the signing key");
        let text =
            std::fs::read_to_string(&path).map_err(|e| err(format!("{}: {e}", path.display())))?;
        let key = KeyPair::from_json(&text).map_err(|e| err(format!("{}: {e}", path.display())))?;
        write_public_half(&path, &key);
        return Ok(key);
    }
    let suite = Suite::parse(&cfg.suite)
        .ok_or_else(|| err(format!("suite {:?}: use intl or sm", cfg.suite)))?;
    let key = KeyPair::generate(suite, Purpose::Sign, None).map_err(|e| err(e.to_string()))?;
    if let Some(dir) = path.parent() {
        crate::fsperm::create_private_dir(dir)
            .map_err(|e| err(format!("{}: {e}", dir.display())))?;
    }
    write_private(&path, &key.to_json()).map_err(|e| err(format!("{}: {e}", path.display())))?;
    tracing::info!(
        "made the platform signing key {} at {}",
        key.id(),
        path.display()
    );
    write_public_half(&path, &key);
    Ok(key)
}

/// Keep the key's public half beside it (`cove_package::keys::public_path`), for the host
/// apps' SDK builds to trust: written when missing or when it no longer matches the key.
/// A failure is logged, not fatal: the server needs only the private half (and an operator's
/// key may sit in a read-only directory).
pub fn write_public_half(key_path: &std::path::Path, key: &KeyPair) {
    let path = cove_package::keys::public_path(key_path);
    let public = key.public().to_json();
    if std::fs::read_to_string(&path).is_ok_and(|old| old == public) {
        return;
    }
    let write = || -> std::io::Result<()> {
        use std::io::Write as _;
        let dir = path.parent().unwrap_or(std::path::Path::new("."));
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        tmp.write_all(public.as_bytes())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))?;
        }
        tmp.as_file().sync_all()?;
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(())
    };
    match write() {
        Ok(()) => tracing::info!("wrote the signing key's public half to {}", path.display()),
        Err(e) => tracing::warn!(
            "could not write the signing key's public half to {}: {e}",
            path.display()
        ),
    }
}

/// Write a secret file that only its owner may read.
pub fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path)?.write_all(text.as_bytes())
}

/// The data-protection key: from the config (a cluster's shared key), or its file, made on
/// first start.
pub fn data_key(cfg: &ServerConfig) -> Result<DataKey, StartError> {
    let err = setup("data-protection key");
    if let Some(text) = &cfg.data_key {
        return DataKey::from_text(text).map_err(|e| err(e.to_string()));
    }
    let path = cfg.data_key_path();
    crate::fsperm::tighten_and_warn(&path, "the data-protection key");
    DataKey::load_or_create(&path).map_err(|e| err(e.to_string()))
}

/// The data directory and the SQLite files, owner-only: made so, or tightened (with a
/// warning) when an older server or another tool left them readable to others.
fn private_files(cfg: &ServerConfig) -> Result<(), StartError> {
    let err = setup("data directory");
    let dir = &cfg.data_dir;
    crate::fsperm::create_private_dir(dir).map_err(|e| err(format!("{}: {e}", dir.display())))?;
    crate::fsperm::tighten_and_warn(dir, "the data directory");
    // The data dir's own key directory and what is in it (the keys made on first start,
    // the demo's sealing key). Keys configured elsewhere are tightened one by one.
    let keys = dir.join("keys");
    crate::fsperm::tighten_and_warn(&keys, "the key directory");
    if let Ok(entries) = std::fs::read_dir(&keys) {
        for e in entries.flatten() {
            // Public halves are for handing out (0644, in the 0700 directory).
            if e.file_name().to_string_lossy().ends_with(".pub.json") {
                continue;
            }
            crate::fsperm::tighten_and_warn(&e.path(), "the key file");
        }
    }
    if let Some(db) = cfg.sqlite_path() {
        // Made owner-only before SQLite opens it: SQLite gives its -wal and -shm files the
        // database file's mode.
        if let Some(parent) = db.parent().filter(|p| !p.as_os_str().is_empty()) {
            crate::fsperm::create_private_dir(parent)
                .map_err(|e| err(format!("{}: {e}", parent.display())))?;
        }
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        match opts.open(&db) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(setup("database")(format!("{}: {e}", db.display()))),
        }
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut p = db.clone().into_os_string();
            p.push(suffix);
            crate::fsperm::tighten_and_warn(std::path::Path::new(&p), "the database file");
        }
    }
    Ok(())
}

/// Open everything the config names.
pub async fn open(cfg: &ServerConfig) -> Result<Platform, StartError> {
    private_files(cfg)?;
    let key = signing_key(cfg)?;
    open_on(cfg, key).await
}

/// [`open`] with a signing key other than the config's (`cove keys rotate` re-signs with the
/// new key before it replaces the old one's file).
pub async fn open_with_key(cfg: &ServerConfig, key: KeyPair) -> Result<Platform, StartError> {
    private_files(cfg)?;
    open_on(cfg, key).await
}

async fn open_on(cfg: &ServerConfig, key: KeyPair) -> Result<Platform, StartError> {
    let db = Db::connect(&cfg.database_url())
        .await
        .map_err(|e| setup("database")(e.to_string()))?;
    let blobs =
        Blobs::open(&cfg.blobs_spec(), &cfg.s3).map_err(|e| setup("blob store")(e.to_string()))?;
    let data_key = data_key(cfg)?;
    let retired = cfg
        .retired_keys()
        .map_err(|e| setup("retired signing keys")(e.to_string()))?;
    let settings = Settings {
        data_key: Some(data_key),
        policy: cfg.policy.clone(),
        audit_anchors: Some(crate::audit::anchor::AnchorSettings {
            dir: cfg.audit_anchors_dir(),
            node: cfg.audit_node_name(),
            retired,
        }),
        secure_cookies: cfg.secure_cookies,
        upload: crate::upload::UploadLimits {
            max_upload: cfg.max_upload,
            ..Default::default()
        },
        ..Settings::default()
    };
    let platform = Platform::open(db, blobs, key, settings)
        .await
        .map_err(|e| setup("platform")(e.to_string()))?;
    Ok(platform)
}

/// The whole HTTP surface of one node.
pub fn router(platform: &Platform) -> Router {
    router_with(platform, Arc::new(MemoryNonces::default()))
}

fn router_with(platform: &Platform, nonces: Arc<MemoryNonces>) -> Router {
    let catalog: Arc<dyn Catalog> = platform.catalog.clone();
    let mut sdk = Sdk::new(catalog.clone(), nonces);
    // Nonces outlive this process (SQLite) and are shared by every node (PostgreSQL).
    sdk.nonce_log = Some(crate::nonce_log::NonceLog::new(platform.db.clone()));
    sdk.tickets = platform.download_tickets.clone();
    let gate = crate::download::Gate::new(
        platform.blobs.clone(),
        platform.download_tickets.clone(),
        catalog,
    );
    let surface = crate::api::Surface::new(platform.settings.upload.max_upload as usize);
    Router::new()
        .merge(crate::console::router())
        .merge(surface.router(platform.clone(), sdk, gate))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// Serve until `shutdown` resolves. Starts this node's catalog poller.
pub async fn serve(
    platform: Platform,
    listener: tokio::net::TcpListener,
    poll: Duration,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    platform.catalog.spawn_poller(poll);
    let nonces = Arc::new(MemoryNonces::default());
    spawn_nonce_sweeper(platform.db.clone(), nonces.clone());
    let app = router_with(&platform, nonces);
    // Small answers must not wait for Nagle's algorithm and the client's delayed ACK.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("TCP_NODELAY: {e}");
        }
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Forget nonces whose timestamps would be refused as stale anyway.
fn spawn_nonce_sweeper(db: Db, memory: Arc<MemoryNonces>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            let now = crate::platform::system_clock();
            memory.sweep(now);
            if let Err(e) = sqlx::query("DELETE FROM nonces WHERE expires < $1")
                .bind(now)
                .execute(&db.pool)
                .await
            {
                tracing::warn!("nonce sweep: {e}");
            }
        }
    });
}
