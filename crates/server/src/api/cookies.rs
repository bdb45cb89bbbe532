//! The session cookie, read and written with the `cookie` crate (RFC 6265 parsing and
//! `Set-Cookie` attributes), never by hand.

use axum::extract::FromRequestParts;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::response::{IntoResponseParts, ResponseParts};
use cookie::time::Duration;
use cookie::{Cookie, SameSite};

use super::routes::{Arg, Auth, Op};

pub const SESSION_COOKIE: &str = "cove_session";

/// The value of the first cookie called `name` in the request's `Cookie` headers.
pub(crate) fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page
/// sends it), for the whole server, `Secure` when the server is behind TLS, for `ttl`
/// seconds.
pub(crate) fn session(secret: &str, ttl: i64, secure: bool) -> SetCookie {
    SetCookie(
        Cookie::build((SESSION_COOKIE, secret.to_string()))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(secure)
            .max_age(Duration::seconds(ttl))
            .build(),
    )
}

/// What sign-out sends: the session cookie, empty and already expired.
pub(crate) fn cleared(secure: bool) -> SetCookie {
    session("", 0, secure)
}

/// A `Set-Cookie` header on an answer.
pub struct SetCookie(pub Cookie<'static>);

impl IntoResponseParts for SetCookie {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Self::Error> {
        // A cookie's name and value come from us (the name) and from hex (the secret).
        let v = HeaderValue::from_str(&self.0.to_string()).expect("a cookie is a header value");
        res.headers_mut().append(header::SET_COOKIE, v);
        Ok(res)
    }
}

/// The session cookie's value, if the request has one.
pub struct SessionCookie(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for SessionCookie {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(SessionCookie(read(&parts.headers, SESSION_COOKIE)))
    }
}

impl Arg for SessionCookie {
    fn describe(op: &mut Op) {
        // Beside `Authed`, which also takes a token, the cookie is only read.
        if op.auth == Auth::None {
            op.auth = Auth::Session;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_keeps_its_attributes() {
        let c = session("ab12", 3600, true).0.to_string();
        let attrs: Vec<&str> = c.split("; ").collect();
        assert_eq!(attrs[0], "cove_session=ab12");
        for a in [
            "HttpOnly",
            "SameSite=Strict",
            "Secure",
            "Path=/",
            "Max-Age=3600",
        ] {
            assert!(attrs.contains(&a), "{a} missing from {c}");
        }
        let plain = session("ab12", 3600, false).0.to_string();
        assert!(!plain.contains("Secure"), "{plain}");
        let gone = cleared(false).0.to_string();
        assert!(gone.starts_with("cove_session=;"), "{gone}");
        assert!(
            gone.contains("Max-Age=0") && gone.contains("HttpOnly"),
            "{gone}"
        );
    }

    #[test]
    fn the_session_is_found_among_other_cookies() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("a=1; theme=dark"));
        h.append(
            header::COOKIE,
            HeaderValue::from_static("x=2;cove_session=s3cret ; y=3"),
        );
        assert_eq!(read(&h, SESSION_COOKIE).as_deref(), Some("s3cret"));
        assert_eq!(read(&h, "theme").as_deref(), Some("dark"));
        assert_eq!(read(&h, "cove"), None);
        // A cookie whose name only ends with ours is not ours.
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("not_cove_session=x"),
        );
        assert_eq!(read(&h, SESSION_COOKIE), None);
    }
}
