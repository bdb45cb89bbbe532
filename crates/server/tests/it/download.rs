//! Content-addressed packages: stored once, named by their SHA-256, served immutable with
//! ranges, conditional requests and no way out of the store. [`check_served`] runs against
//! every store: here the local one, in `blobs_s3` an S3 server.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use std::sync::Arc;

use cove_server::blobs::{BlobError, Blobs, LocalBlobs, S3Options, id_of};
use cove_server::download::{self, Gate, Tickets};
use cove_server::sdk::{AppOnHost, Catalog, HostApp};
use tower::ServiceExt as _;

pub const HOST: u64 = 7;
pub const NOW: i64 = 1_800_000_000;

/// A catalog that delivers exactly these blobs, to host app [`HOST`].
struct Delivers(Vec<String>);

impl Catalog for Delivers {
    fn host_by_key(&self, _: &str) -> Option<HostApp> {
        None
    }
    fn app_on_host(&self, _: u64, _: &str) -> Option<AppOnHost> {
        None
    }
    fn delivers(&self, host_id: u64, blob: &str) -> bool {
        host_id == HOST && self.0.iter().any(|b| b == blob)
    }
}

/// The download routes over `blobs`, delivering `delivered`, with the clock at `now`;
/// and the tickets they accept.
pub fn gated_at(blobs: Blobs, delivered: &[&str], now: i64) -> (axum::Router, Tickets) {
    let tickets = Tickets::random();
    let mut gate = Gate::new(
        blobs,
        tickets.clone(),
        Arc::new(Delivers(delivered.iter().map(|s| s.to_string()).collect())),
    );
    gate.clock = Arc::new(move || now);
    (download::router(gate), tickets)
}

pub fn gated(blobs: Blobs, delivered: &[&str]) -> (axum::Router, Tickets) {
    gated_at(blobs, delivered, NOW)
}

pub fn package_bytes() -> Vec<u8> {
    (0..200_000u32)
        .flat_map(|i| (i.wrapping_mul(2654435761) >> 11).to_le_bytes())
        .collect()
}

pub async fn send(
    app: &axum::Router,
    method: Method,
    uri: &str,
    headers: &[(header::HeaderName, &str)],
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(k, *v);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap()
        .to_vec();
    (parts.status, parts.headers, bytes)
}

pub async fn get(
    app: &axum::Router,
    uri: &str,
    headers: &[(header::HeaderName, &str)],
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    send(app, Method::GET, uri, headers).await
}

/// Like `assert_eq!`, without printing 800 kB of bytes.
#[track_caller]
fn same(got: &[u8], want: &[u8]) {
    let at = got.iter().zip(want).position(|(a, b)| a != b);
    assert!(
        got == want,
        "body of {} bytes, want {}; first difference at {at:?}",
        got.len(),
        want.len()
    );
}

/// Stores [`package_bytes`] in `blobs` and checks everything `GET /packages/{id}` promises;
/// returns the id.
pub async fn check_served(blobs: Blobs) -> String {
    let bytes = package_bytes();
    let n = bytes.len();
    let id = blobs.put(bytes.clone()).await.unwrap();
    assert_eq!(id, id_of(&bytes));
    let (app, tickets) = gated(blobs, &[&id]);
    let uri = tickets.url(&id, HOST, NOW);
    let etag = format!("\"{id}\"");

    let (status, h, body) = get(&app, &uri, &[]).await;
    assert_eq!(status, StatusCode::OK);
    same(&body, &bytes);
    assert_eq!(h[header::ETAG], etag.as_str());
    // Immutable, for as long as the ticket lasts (NOW is on the hour: two hours).
    assert_eq!(h[header::CACHE_CONTROL], "public, max-age=7200, immutable");
    assert_eq!(h[header::ACCEPT_RANGES], "bytes");
    assert_eq!(h[header::CONTENT_LENGTH], n.to_string().as_str());
    assert_eq!(h[header::CONTENT_TYPE], "application/octet-stream");

    // A resumed download.
    let (status, h, body) = get(&app, &uri, &[(header::RANGE, "bytes=100000-100099")]).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    same(&body, &bytes[100_000..100_100]);
    assert_eq!(
        h[header::CONTENT_RANGE],
        format!("bytes 100000-100099/{n}").as_str()
    );
    assert_eq!(h[header::CONTENT_LENGTH], "100");
    assert_eq!(h[header::ETAG], etag.as_str());
    let (status, h, body) = get(&app, &uri, &[(header::RANGE, "bytes=-10")]).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    same(&body, &bytes[n - 10..]);
    assert_eq!(
        h[header::CONTENT_RANGE],
        format!("bytes {}-{}/{n}", n - 10, n - 1).as_str()
    );
    let (status, _, body) = get(&app, &uri, &[(header::RANGE, "bytes=799990-")]).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    same(&body, &bytes[799_990..]);
    // An end past the last byte is cut to it.
    let (status, h, body) = get(&app, &uri, &[(header::RANGE, "bytes=0-99999999")]).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    same(&body, &bytes);
    assert_eq!(
        h[header::CONTENT_RANGE],
        format!("bytes 0-{}/{n}", n - 1).as_str()
    );

    for bad in [
        "bytes=99999999-",
        "bytes=10-5",
        "bytes=0-1,5-9",
        "lines=0-9",
        "bytes=x-y",
    ] {
        let (status, h, body) = get(&app, &uri, &[(header::RANGE, bad)]).await;
        assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE, "{bad}");
        assert_eq!(
            h[header::CONTENT_RANGE],
            format!("bytes */{n}").as_str(),
            "{bad}"
        );
        assert!(body.is_empty(), "{bad}");
    }

    // If-Range: the same version resumes, any other gets the whole package.
    let (status, _, body) = get(
        &app,
        &uri,
        &[(header::RANGE, "bytes=5-9"), (header::IF_RANGE, &etag)],
    )
    .await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    same(&body, &bytes[5..10]);
    let (status, _, body) = get(
        &app,
        &uri,
        &[
            (header::RANGE, "bytes=5-9"),
            (header::IF_RANGE, "\"other\""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    same(&body, &bytes);

    // A cache that has it asks again and gets nothing new.
    for inm in [etag.clone(), format!("\"x\", {etag}"), "*".to_string()] {
        let (status, h, body) = get(&app, &uri, &[(header::IF_NONE_MATCH, &inm)]).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{inm}");
        assert!(body.is_empty());
        assert_eq!(h[header::ETAG], etag.as_str());
    }
    let (status, _, body) = get(
        &app,
        &uri,
        &[(header::IF_NONE_MATCH, &etag), (header::RANGE, "bytes=0-9")],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    let (status, _, body) = get(&app, &uri, &[(header::IF_NONE_MATCH, "\"x\"")]).await;
    assert_eq!(status, StatusCode::OK);
    same(&body, &bytes);

    // HEAD: the size, not the bytes.
    let (status, h, body) = send(&app, Method::HEAD, &uri, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.is_empty());
    assert_eq!(h[header::CONTENT_LENGTH], n.to_string().as_str());

    // Unknown ids and anything that is not an id.
    for bad in [
        id_of(b"missing").as_str(),
        "..%2F..%2Fetc%2Fpasswd",
        "ABCDEF",
        &id[..63],
        "tmp",
    ] {
        for headers in [vec![], vec![(header::RANGE, "bytes=0-9")]] {
            // With a valid ticket: the id is still not a package delivered to this host.
            let query = tickets.url(bad, HOST, NOW);
            let query = query.split_once('?').unwrap().1;
            let (status, _, body) = get(&app, &format!("/packages/{bad}?{query}"), &headers).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(v["code"], "not_found");
        }
    }
    id
}

#[tokio::test]
async fn packages_are_stored_once_and_served_with_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = LocalBlobs::open(dir.path()).unwrap();
    let bytes = package_bytes();
    let id = blobs.put(&bytes).unwrap();
    assert_eq!(id, id_of(&bytes));
    assert_eq!(
        blobs.put(&bytes).unwrap(),
        id,
        "the same bytes, the same blob"
    );
    assert_eq!(blobs.get(&id).unwrap().unwrap(), bytes);
    assert!(blobs.get(&id_of(b"other")).unwrap().is_none());
    // Nothing half-written is left behind.
    assert_eq!(
        std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
        0
    );
    assert_eq!(check_served(Blobs::Local(blobs)).await, id);
}

#[tokio::test]
async fn the_local_store_behind_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("store");
    let blobs = Blobs::open(spec.to_str().unwrap(), &S3Options::default()).unwrap();
    assert!(matches!(blobs, Blobs::Local(_)));
    assert_eq!(blobs.describe(), format!("local {}", spec.display()));

    let bytes = b"a package".to_vec();
    let id = id_of(&bytes);
    assert!(!blobs.exists(&id).await.unwrap());
    assert!(blobs.get(&id).await.unwrap().is_none());
    assert_eq!(blobs.put(bytes.clone()).await.unwrap(), id);
    assert_eq!(blobs.put(bytes.clone()).await.unwrap(), id);
    assert!(blobs.exists(&id).await.unwrap());
    assert_eq!(blobs.get(&id).await.unwrap().unwrap(), bytes);
    assert_eq!(blobs.size(&id).await.unwrap(), Some(bytes.len() as u64));
    // Content-addressed layout on disk.
    assert_eq!(
        std::fs::read(spec.join(&id[..2]).join(&id[2..])).unwrap(),
        bytes
    );
    assert!(matches!(
        blobs.exists("../../etc/passwd").await,
        Err(BlobError::BadId(_))
    ));

    // An empty blob is a blob; a range of it is not satisfiable.
    let empty = blobs.put(Vec::new()).await.unwrap();
    assert_eq!(blobs.get(&empty).await.unwrap().unwrap(), b"");
    let (app, tickets) = gated(blobs, &[&empty]);
    let uri = tickets.url(&empty, HOST, NOW);
    let (status, h, body) = get(&app, &uri, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.is_empty());
    assert_eq!(h[header::CONTENT_LENGTH], "0");
    let (status, _, _) = get(&app, &uri, &[(header::RANGE, "bytes=0-")]).await;
    assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE);
}

#[test]
fn store_specs() {
    let s3 = S3Options {
        region: Some("eu-west-1".into()),
        access_key_id: Some("AKIDEXAMPLE".into()),
        secret_access_key: Some("very-secret".into()),
        ..Default::default()
    };
    let b = Blobs::open("s3://packages", &s3).unwrap();
    assert!(matches!(b, Blobs::S3(_)));
    assert_eq!(b.describe(), "s3://packages");
    let b = Blobs::open("s3://packages/cove/prod/", &s3).unwrap();
    assert_eq!(b.describe(), "s3://packages/cove/prod");
    let Blobs::S3(s) = &b else { unreachable!() };
    let id = id_of(b"x");
    assert_eq!(
        s.key(&id).unwrap().to_string(),
        format!("cove/prod/{}/{}", &id[..2], &id[2..])
    );

    for bad in [
        "s3://",
        "s3:///prefix",
        "s3://b/a//c",
        "s3://b/../c",
        "gs://b",
        "",
    ] {
        assert!(
            matches!(Blobs::open(bad, &s3), Err(BlobError::BadSpec { .. })),
            "{bad}"
        );
    }

    // The secret stays out of logs.
    let shown = format!("{s3:?}");
    assert!(shown.contains("AKIDEXAMPLE"), "{shown}");
    assert!(!shown.contains("very-secret"), "{shown}");

    let parsed: S3Options = serde_json::from_value(serde_json::json!({
        "endpoint": "http://127.0.0.1:9000", "allow_http": true
    }))
    .unwrap();
    assert_eq!(parsed.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
    assert!(parsed.allow_http);
    assert!(parsed.region.is_none());
}

/// Hole 2 of issue 16: the store holds uploads and signed-but-unsealed intermediates beside
/// the delivered packages; only a delivered one is served, and only with its ticket.
#[tokio::test]
async fn downloads_need_the_ticket_of_a_delivered_package() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = Blobs::local(dir.path()).unwrap();
    let delivered = blobs.put(b"a sealed package".to_vec()).await.unwrap();
    let upload = blobs.put(b"an unreviewed upload".to_vec()).await.unwrap();
    let (app, tickets) = gated(blobs.clone(), &[&delivered]);
    let code = |body: &[u8]| -> String {
        serde_json::from_slice::<serde_json::Value>(body).unwrap()["code"]
            .as_str()
            .unwrap()
            .to_string()
    };

    let good = tickets.url(&delivered, HOST, NOW);
    let (status, _, body) = get(&app, &good, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, b"a sealed package");

    // No ticket: refused, whether or not the blob exists or is delivered (nothing to learn).
    for id in [&delivered, &upload, &id_of(b"nothing")] {
        for headers in [vec![], vec![(header::RANGE, "bytes=0-3")]] {
            let (status, h, body) = get(&app, &format!("/packages/{id}"), &headers).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{id}");
            assert_eq!(code(&body), "download_forbidden");
            assert_eq!(h[header::CACHE_CONTROL], "no-store");
        }
    }
    // A ticket is bound to its blob, its host app and its expiry, and to the server's key.
    let query = good.split_once('?').unwrap().1;
    let forged = [
        format!("/packages/{upload}?{query}"),
        good.replace(&format!("host={HOST}"), "host=8"),
        good.replace("expires=", "expires=9"),
        good.replace("sig=", "sig=00"),
        good.replace("&sig=", "&x="),
        Tickets::random().url(&delivered, HOST, NOW),
    ];
    for url in &forged {
        let (status, _, body) = get(&app, url, &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{url}");
        assert_eq!(code(&body), "download_forbidden", "{url}");
    }
    // A valid ticket for a blob that is not delivered (an upload) is not found.
    let (status, _, _) = get(&app, &tickets.url(&upload, HOST, NOW), &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A ticket for another host app does not open this host's package.
    let (status, _, _) = get(&app, &tickets.url(&delivered, HOST + 1, NOW), &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The ticket lasts one to two hours, then the SDK must resolve again.
    let expires = Tickets::expiry(NOW);
    assert!((NOW + 3600..=NOW + 7200).contains(&expires));
    for (now, want) in [
        (expires - 1, StatusCode::OK),
        (expires, StatusCode::FORBIDDEN),
    ] {
        let mut gate = Gate::new(
            blobs.clone(),
            tickets.clone(),
            Arc::new(Delivers(vec![delivered.clone()])),
        );
        gate.clock = Arc::new(move || now);
        let (status, h, body) = get(&download::router(gate), &good, &[]).await;
        assert_eq!(status, want, "at {now}");
        if want == StatusCode::OK {
            assert_eq!(h[header::CACHE_CONTROL], "public, max-age=1, immutable");
        } else {
            assert_eq!(code(&body), "download_expired");
        }
    }
    // Devices of one host app asking within the same hour share a URL (a CDN caches it once).
    assert_eq!(tickets.url(&delivered, HOST, NOW + 1800), good);
}
