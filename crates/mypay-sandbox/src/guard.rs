//! The sandbox answers only its own pages and local tools, as a page
//! elsewhere must not pay sandbox orders (and, through the Worker, mark
//! local orders paid):
//!
//! - a state-changing request (POST, PUT, PATCH, DELETE) under `/sandbox`
//!   or to the payment page that names an `Origin` must name the sandbox's
//!   own: 403 `origin_not_allowed`;
//! - a POST, PUT or PATCH under `/sandbox` must say
//!   `Content-Type: application/json`: 415 `unsupported_media_type`.
//!   (DELETE carries no body, and no page elsewhere can send one without
//!   the browser asking first.)
//!
//! (HTML forms elsewhere can only send form encodings and `text/plain`;
//! `curl` and test clients send no `Origin`.)

use axum::extract::Request;
use axum::http::header::{CONTENT_TYPE, HOST, ORIGIN};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response()
}

fn state_changing(method: &Method) -> bool {
    [Method::POST, Method::PUT, Method::PATCH, Method::DELETE].contains(method)
}

/// Whether the request's `Origin`, if any, is this sandbox (same host and
/// port as `Host`, over http or https).
fn origin_is_own(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(ORIGIN) else {
        return true;
    };
    let (Ok(origin), Some(Ok(host))) = (origin.to_str(), headers.get(HOST).map(|h| h.to_str()))
    else {
        return false;
    };
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    authority.is_some_and(|a| a.eq_ignore_ascii_case(host))
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

/// The automation API (`/sandbox/*`): own origin, JSON.
pub async fn automation(req: Request, next: Next) -> Response {
    if state_changing(req.method()) {
        if !origin_is_own(req.headers()) {
            return refuse(
                StatusCode::FORBIDDEN,
                "origin_not_allowed",
                "the sandbox's automation API answers its own pages and local tools only",
            );
        }
        if req.method() != Method::DELETE && !is_json(req.headers()) {
            return refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send Content-Type: application/json (with a JSON body, {} when there is nothing to say)",
            );
        }
    }
    next.run(req).await
}

/// The payment page's forms: own origin (they are posted from the page).
pub async fn page_forms(req: Request, next: Next) -> Response {
    if state_changing(req.method()) && !origin_is_own(req.headers()) {
        return refuse(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            "the payment page takes its own forms only",
        );
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn own_origin_only() {
        assert!(origin_is_own(&headers(&[("host", "127.0.0.1:8788")])));
        assert!(origin_is_own(&headers(&[
            ("host", "127.0.0.1:8788"),
            ("origin", "http://127.0.0.1:8788")
        ])));
        assert!(origin_is_own(&headers(&[
            ("host", "localhost:8789"),
            ("origin", "https://localhost:8789")
        ])));
        assert!(!origin_is_own(&headers(&[
            ("host", "127.0.0.1:8788"),
            ("origin", "https://evil.example")
        ])));
        assert!(!origin_is_own(&headers(&[
            ("host", "127.0.0.1:8788"),
            ("origin", "http://127.0.0.1:8787")
        ])));
        assert!(!origin_is_own(&headers(&[
            ("host", "127.0.0.1:8788"),
            ("origin", "null")
        ])));
        assert!(!origin_is_own(&headers(&[(
            "origin",
            "http://127.0.0.1:8788"
        )])));
    }

    #[test]
    fn json_only() {
        assert!(is_json(&headers(&[("content-type", "application/json")])));
        assert!(is_json(&headers(&[(
            "content-type",
            "application/json; charset=utf-8"
        )])));
        assert!(!is_json(&headers(&[("content-type", "text/plain")])));
        assert!(!is_json(&headers(&[])));
    }
}
