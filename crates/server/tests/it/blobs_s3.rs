//! The S3 store against a real S3 HTTP server: moto's server mode, started per test on a free
//! loopback port and killed when the test ends. Needs `python3 -m pip install 'moto[server]'`;
//! `COVE_SKIP_S3=1` skips these tests (anything else makes a missing moto a failure).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::http::{StatusCode, header};
use cove_server::blobs::{BlobError, Blobs, S3Options, id_of};
use futures_util::TryStreamExt as _;
use object_store::ObjectStore as _;
use object_store::aws::AmazonS3Builder;

use crate::download::{check_served, get};

const BUCKET: &str = "cove-packages";
const INSTALL: &str = "python3 -m pip install 'moto[server]'";

/// A moto server of our own; killed on drop, also when an assertion fails.
pub(crate) struct Moto {
    child: Child,
    endpoint: String,
    log: tempfile::NamedTempFile,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    pub(crate) fn options(&self) -> S3Options {
        S3Options {
            endpoint: Some(self.endpoint.clone()),
            region: Some("us-east-1".into()),
            access_key_id: Some("testing".into()),
            secret_access_key: Some("testing".into()),
            allow_http: true,
        }
    }

    /// Creates a bucket (moto takes unsigned requests; `object_store` cannot create one).
    pub(crate) async fn create_bucket(&self, bucket: &str) {
        let res = reqwest::Client::new()
            .put(format!("{}/{bucket}", self.endpoint))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "create bucket: {res:?}");
    }

    /// Every key in `bucket`, listed with a plain `object_store` client.
    async fn keys(&self, bucket: &str) -> Vec<String> {
        let o = self.options();
        let raw = AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_endpoint(o.endpoint.unwrap())
            .with_region(o.region.unwrap())
            .with_access_key_id(o.access_key_id.unwrap())
            .with_secret_access_key(o.secret_access_key.unwrap())
            .with_allow_http(true)
            .build()
            .unwrap();
        let mut keys: Vec<String> = raw
            .list(None)
            .map_ok(|m| m.location.to_string())
            .try_collect()
            .await
            .unwrap();
        keys.sort();
        keys
    }
}

/// Starts moto, or returns `None` when `COVE_SKIP_S3=1`.
pub(crate) async fn moto() -> Option<Moto> {
    if std::env::var("COVE_SKIP_S3").is_ok_and(|v| v == "1") {
        eprintln!("COVE_SKIP_S3=1: not testing the S3 blob store");
        return None;
    }
    let probe = Command::new("python3")
        .args(["-c", "import moto.server, flask, werkzeug"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    assert!(
        probe.is_ok_and(|s| s.success()),
        "moto's S3 server is not installed; the S3 blob store tests need it.\n\
         Install it with: {INSTALL}\n\
         (or set COVE_SKIP_S3=1 to skip these tests)"
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = tempfile::NamedTempFile::new().unwrap();
    let child = Command::new("python3")
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .stdout(log.reopen().unwrap())
        .stderr(log.reopen().unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start moto ({INSTALL}): {e}"));
    let mut moto = Moto {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
        log,
    };
    // Up to a minute for Python to import moto; it answers every path once it listens.
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if let Some(status) = moto.child.try_wait().unwrap() {
            panic!("moto exited ({status}) before answering:\n{}", moto.log());
        }
        if client.get(&moto.endpoint).send().await.is_ok() {
            return Some(moto);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("moto did not answer on {}:\n{}", moto.endpoint, moto.log());
}

#[tokio::test]
async fn s3_store_keeps_blobs_by_content() {
    let Some(moto) = moto().await else { return };
    moto.create_bucket(BUCKET).await;
    let s3 = moto.options();
    let blobs = Blobs::open(&format!("s3://{BUCKET}/cove/packages"), &s3).unwrap();
    assert_eq!(blobs.describe(), format!("s3://{BUCKET}/cove/packages"));

    let bytes = crate::download::package_bytes();
    let id = id_of(&bytes);
    assert!(!blobs.exists(&id).await.unwrap());
    assert!(blobs.get(&id).await.unwrap().is_none());
    assert_eq!(blobs.size(&id).await.unwrap(), None);

    assert_eq!(blobs.put(bytes.clone()).await.unwrap(), id);
    assert!(blobs.exists(&id).await.unwrap());
    assert_eq!(blobs.get(&id).await.unwrap().unwrap(), bytes);
    assert_eq!(blobs.size(&id).await.unwrap(), Some(bytes.len() as u64));
    assert_eq!(
        blobs.put(bytes.clone()).await.unwrap(),
        id,
        "the same bytes, the same blob"
    );
    assert_eq!(blobs.get(&id).await.unwrap().unwrap(), bytes);

    // The key is the id split after two digits, under the prefix, and nothing else.
    let key = |prefix: &str, id: &str| format!("{prefix}{}/{}", &id[..2], &id[2..]);
    assert_eq!(moto.keys(BUCKET).await, [key("cove/packages/", &id)]);

    // Another prefix is another store.
    let other = Blobs::open(&format!("s3://{BUCKET}/elsewhere"), &s3).unwrap();
    assert!(!other.exists(&id).await.unwrap());
    let root = Blobs::open(&format!("s3://{BUCKET}"), &s3).unwrap();
    assert!(!root.exists(&id).await.unwrap());
    let small = b"small".to_vec();
    let small_id = root.put(small.clone()).await.unwrap();
    assert_eq!(root.get(&small_id).await.unwrap().unwrap(), small);
    assert!(!blobs.exists(&small_id).await.unwrap());
    let mut want = vec![key("", &small_id), key("cove/packages/", &id)];
    want.sort();
    assert_eq!(moto.keys(BUCKET).await, want);

    // An empty blob is a blob.
    let empty = blobs.put(Vec::new()).await.unwrap();
    assert_eq!(empty, id_of(b""));
    assert_eq!(blobs.get(&empty).await.unwrap().unwrap(), b"");

    assert!(matches!(
        blobs.get("../../etc/passwd").await,
        Err(BlobError::BadId(_))
    ));

    // A bucket that does not exist is an error, not an absent blob.
    let missing = Blobs::open("s3://no-such-bucket", &s3).unwrap();
    let err = missing.put(b"x".to_vec()).await.unwrap_err();
    assert!(matches!(err, BlobError::Store { .. }), "{err:?}");
    assert!(err.to_string().contains("s3://no-such-bucket"), "{err}");
}

#[tokio::test]
async fn s3_packages_are_served_with_ranges() {
    let Some(moto) = moto().await else { return };
    moto.create_bucket(BUCKET).await;
    let blobs = Blobs::open(&format!("s3://{BUCKET}/pkgs"), &moto.options()).unwrap();
    let id = check_served(blobs.clone()).await;

    // Range requests reached S3 as ranged GETs (moto logs their 206), not whole reads.
    let key_get = format!(
        "\"GET /{BUCKET}/pkgs/{}/{} HTTP/1.1\" 206",
        &id[..2],
        &id[2..]
    );
    let log = moto.log();
    assert!(
        log.contains(&key_get),
        "no ranged GET in moto's log:\n{log}"
    );

    // A store that fails is a 500, not a 404: the package may well exist.
    let broken = Blobs::open(&format!("s3://{BUCKET}"), &refusing_s3().await).unwrap();
    assert!(matches!(
        broken.exists(&id).await,
        Err(BlobError::Store { .. })
    ));
    let (app, tickets) = crate::download::gated(broken, &[&id]);
    let uri = tickets.url(&id, crate::download::HOST, crate::download::NOW);
    for headers in [vec![], vec![(header::RANGE, "bytes=0-9")]] {
        let (status, _, body) = get(&app, &uri, &headers).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["code"], "internal");
    }
}

/// Options for an "S3" on a loopback port that answers every request 403 AccessDenied (not
/// retried by the client, unlike a refused connection).
async fn refusing_s3() -> S3Options {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(|| async {
        (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "application/xml")],
            "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>",
        )
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    S3Options {
        endpoint: Some(format!("http://{addr}")),
        region: Some("us-east-1".into()),
        access_key_id: Some("testing".into()),
        secret_access_key: Some("testing".into()),
        allow_http: true,
    }
}
