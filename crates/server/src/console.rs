//! The web console: a small single-page app (plain JS, no build step) embedded in the binary
//! and served at `/` and `/console/{file}`. It talks only to `/api/v1`. A strict
//! Content-Security-Policy allows nothing but these files: no inline script or style, no
//! other origin, no framing.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::api::bodies::ErrorBody;

const INDEX: &str = include_str!("../console/index.html");

/// The assets under `/console/`, with their content types.
const FILES: &[(&str, &str, &str)] = &[
    (
        "console.js",
        "text/javascript; charset=utf-8",
        include_str!("../console/console.js"),
    ),
    (
        "console.css",
        "text/css; charset=utf-8",
        include_str!("../console/console.css"),
    ),
];

pub const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; \
                       script-src 'self'; frame-ancestors 'none'";

/// The console's routes, for merging into the app.
pub fn router() -> Router {
    Router::new()
        .route("/", get(index))
        .route("/console/{file}", get(asset))
}

async fn index() -> Response {
    page("text/html; charset=utf-8", INDEX)
}

async fn asset(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, ty, body)) => page(ty, body),
        None => {
            let body = ErrorBody::new("not_found", format!("no console file {file}"));
            let mut res = (StatusCode::NOT_FOUND, axum::Json(body)).into_response();
            secure(&mut res);
            res
        }
    }
}

fn page(ty: &'static str, body: &'static str) -> Response {
    let mut res = ([(header::CONTENT_TYPE, HeaderValue::from_static(ty))], body).into_response();
    // The assets change with the binary; a stale console against a new API is worse than a
    // revalidation.
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    secure(&mut res);
    res
}

fn secure(res: &mut Response) {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{Body, to_bytes};
    use axum::http::Request;
    use tower::ServiceExt as _;

    async fn get(path: &str) -> (StatusCode, axum::http::HeaderMap, String) {
        let res = router()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let (parts, body) = res.into_parts();
        let body = to_bytes(body, 1 << 20).await.unwrap();
        (
            parts.status,
            parts.headers,
            String::from_utf8(body.to_vec()).unwrap(),
        )
    }

    #[tokio::test]
    async fn serves_the_page_and_its_files_under_the_policy() {
        let (status, headers, body) = get("/").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_SECURITY_POLICY], CSP);
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
        // Every file the page loads is one we serve.
        for (name, ty, _) in FILES {
            assert!(body.contains(&format!("/console/{name}")), "{name} is used");
            let (status, headers, text) = get(&format!("/console/{name}")).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(headers[header::CONTENT_TYPE], *ty);
            assert_eq!(headers[header::CONTENT_SECURITY_POLICY], CSP);
            assert!(!text.is_empty());
        }
    }

    #[tokio::test]
    async fn unknown_files_are_not_found() {
        for path in ["/console/nope.js", "/console/..%2Fconsole.rs", "/console/"] {
            let (status, _, _) = get(path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        }
    }

    #[test]
    fn no_inline_script_or_style_for_the_policy_to_refuse() {
        assert!(!INDEX.contains("style="));
        assert!(!INDEX.contains("<style"));
        assert_eq!(INDEX.matches("<script").count(), 1);
        assert!(INDEX.contains(r#"<script type="module" src="/console/console.js"></script>"#));
    }
}
