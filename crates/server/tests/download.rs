//! Content-addressed packages: stored once, named by their SHA-256, served immutable with
//! ranges, conditional requests and no way out of the store.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use cove_server::blobs::{LocalBlobs, id_of};
use cove_server::download;
use tower::ServiceExt as _;

fn package_bytes() -> Vec<u8> {
    (0..200_000u32)
        .flat_map(|i| (i.wrapping_mul(2654435761) >> 11).to_le_bytes())
        .collect()
}

async fn get(
    app: &axum::Router,
    uri: &str,
    headers: &[(header::HeaderName, &str)],
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut req = Request::get(uri);
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

    let app = download::router(blobs);
    let uri = format!("/packages/{id}");
    let (status, h, body) = get(&app, &uri, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, bytes);
    assert_eq!(h[header::ETAG], format!("\"{id}\"").as_str());
    assert_eq!(
        h[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(h[header::ACCEPT_RANGES], "bytes");

    // A resumed download.
    let (status, h, body) = get(&app, &uri, &[(header::RANGE, "bytes=100000-100099")]).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(body, &bytes[100_000..100_100]);
    assert_eq!(
        h[header::CONTENT_RANGE],
        format!("bytes 100000-100099/{}", bytes.len()).as_str()
    );
    let (status, _, body) = get(&app, &uri, &[(header::RANGE, "bytes=-10")]).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(body, &bytes[bytes.len() - 10..]);
    let (status, _, _) = get(&app, &uri, &[(header::RANGE, "bytes=99999999-")]).await;
    assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE);

    // A cache that has it asks again and gets nothing new.
    let etag = format!("\"{id}\"");
    let (status, _, body) = get(&app, &uri, &[(header::IF_NONE_MATCH, &etag)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());

    // Unknown ids and anything that is not an id.
    for bad in [
        id_of(b"missing").as_str(),
        "..%2F..%2Fetc%2Fpasswd",
        "ABCDEF",
        &id[..63],
        "tmp",
    ] {
        let (status, _, body) = get(&app, &format!("/packages/{bad}"), &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["code"], "not_found");
    }
}
