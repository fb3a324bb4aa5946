//! The HTTP edge: JSON replies, the error shape `{"error":{"code","message"}}`
//! (and where storage and lifecycle failures become it), CORS, bodies read
//! as a stream under a hard cap, and bearer tokens.

use super::config::ConfigError;
use super::db::StoreError;
use super::log;
use super::orders::LifecycleError;
use futures_util::StreamExt;
use serde::Serialize;
use serde_json::{json, Value};
use worker::{Headers, Request, Response};

/// Largest request body accepted.
pub const MAX_BODY: usize = 64 * 1024;

/// An error reply with a stable code.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub details: Option<Value>,
    /// `Retry-After` (seconds), for 429.
    pub retry_after: Option<u32>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: None,
            retry_after: None,
        }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(400, code, message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(404, code, message)
    }

    /// A storage or runtime failure: logged with its cause, answered without it.
    pub fn internal(what: &str, cause: impl std::fmt::Display) -> Self {
        log::internal(what, cause);
        Self::new(
            500,
            "internal_error",
            "the worker could not complete the request",
        )
    }

    /// A missing or malformed binding: logged and answered with its name,
    /// never its value.
    pub fn config(e: &ConfigError) -> Self {
        log::error(
            "config_error",
            json!({"binding": e.name, "problem": e.problem}),
        );
        Self::new(
            500,
            "config_error",
            format!("the worker is misconfigured: {e}"),
        )
    }

    pub fn into_response(self) -> Response {
        let mut body = json!({"error": {"code": self.code, "message": self.message}});
        if let (Some(d), Some(obj)) = (
            self.details,
            body.get_mut("error").and_then(Value::as_object_mut),
        ) {
            obj.insert("details".into(), d);
        }
        let mut res = json_response(self.status, &body);
        if let Some(secs) = self.retry_after {
            let _ = res.headers_mut().set("retry-after", &secs.to_string());
        }
        res
    }
}

impl From<worker::Error> for ApiError {
    fn from(e: worker::Error) -> Self {
        ApiError::internal("runtime", e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::internal(e.op, e.cause)
    }
}

impl From<LifecycleError> for ApiError {
    fn from(e: LifecycleError) -> Self {
        match e {
            LifecycleError::Store(e) => e.into(),
            e => ApiError::internal(e.what(), e),
        }
    }
}

/// A JSON reply; falls back to a bare 500 if the value cannot be written.
pub fn json_response<T: Serialize>(status: u16, value: &T) -> Response {
    let text = serde_json::to_string(value).unwrap_or_else(|_| {
        r#"{"error":{"code":"internal_error","message":"the reply could not be written"}}"#
            .to_owned()
    });
    raw_response(status, "application/json; charset=utf-8", text)
}

/// A reply with a given content type. Never fails: the runtime calls
/// involved only fail on invalid header names, and these are constant.
pub fn raw_response(status: u16, content_type: &str, body: String) -> Response {
    let headers = Headers::new();
    let _ = headers.set("content-type", content_type);
    let _ = headers.set("cache-control", "no-store");
    let _ = headers.set("x-content-type-options", "nosniff");
    Response::builder()
        .with_status(status)
        .with_headers(headers)
        .fixed(body.into_bytes())
}

pub fn ok_json<T: Serialize>(status: u16, value: &T) -> ApiResult<Response> {
    Ok(json_response(status, value))
}

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

pub fn get_header(req: &Request, name: &str) -> Option<String> {
    header(req, name)
}

/// Reads the body as a stream, answering 413 as soon as more than
/// [`MAX_BODY`] bytes have arrived, whatever the framing (a declared
/// `Content-Length` over the cap is refused before reading).
pub async fn read_body(req: &mut Request) -> ApiResult<Vec<u8>> {
    let too_large = || {
        ApiError::new(
            413,
            "body_too_large",
            format!("request bodies are limited to {MAX_BODY} bytes"),
        )
    };
    if let Some(len) = header(req, "content-length").and_then(|l| l.trim().parse::<u64>().ok()) {
        if len > MAX_BODY as u64 {
            return Err(too_large());
        }
    }
    // No body at all (a request without one has no stream).
    let Ok(mut stream) = req.stream() else {
        return Ok(Vec::new());
    };
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|_| ApiError::bad_request("bad_body", "the request body could not be read"))?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Reads a JSON body into `T`: 400 `bad_json` when it is not JSON,
/// 400 `invalid_request` when it is JSON of the wrong shape.
pub async fn read_json<T: serde::de::DeserializeOwned>(
    req: &mut Request,
) -> ApiResult<(T, Vec<u8>)> {
    let body = read_body(req).await?;
    Ok((parse_json(&body)?, body))
}

/// As [`read_json`], but an empty body is `T::default()`.
pub async fn read_optional_json<T: Default + serde::de::DeserializeOwned>(
    req: &mut Request,
) -> ApiResult<T> {
    let body = read_body(req).await?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    parse_json(&body)
}

/// A JSON object into `T`: 400 `bad_json` when it is not JSON, 400
/// `invalid_request` (with serde's words) when it is of the wrong shape.
fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| ApiError::bad_request("bad_json", "the body is not valid JSON"))?;
    if !value.is_object() {
        return Err(ApiError::bad_request(
            "invalid_request",
            "the body must be a JSON object",
        ));
    }
    serde_json::from_value(value).map_err(|e| {
        ApiError::bad_request(
            "invalid_request",
            "the body does not have the expected fields",
        )
        .with_details(json!([{"message": e.to_string()}]))
    })
}

/// The bearer token of `Authorization`, if any.
pub fn bearer(req: &Request) -> Option<String> {
    let h = header(req, "authorization")?;
    let (scheme, token) = h.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// The value of `name` in the query string. (Read by hand: the `url`
/// crate's IDNA tables would add a third to the worker's size.)
pub fn query_param(req: &Request, name: &str) -> Option<String> {
    let url = req.inner().url();
    let query = url.split_once('?')?.1;
    let query = query.split_once('#').map(|(q, _)| q).unwrap_or(query);
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Adds CORS headers for an allowed origin.
pub fn add_cors(res: &mut Response, origin: &str) {
    let h = res.headers_mut();
    let _ = h.set("access-control-allow-origin", origin);
    let _ = h.append("vary", "Origin");
    let _ = h.set(
        "access-control-expose-headers",
        "Idempotency-Key, Idempotent-Replayed, Retry-After",
    );
}

/// The answer to a CORS preflight for an allowed origin.
pub fn preflight(origin: &str) -> Response {
    let mut res = raw_response(204, "text/plain", String::new());
    add_cors(&mut res, origin);
    let h = res.headers_mut();
    let _ = h.set("access-control-allow-methods", "GET, POST, OPTIONS");
    let _ = h.set(
        "access-control-allow-headers",
        "Content-Type, Authorization, Idempotency-Key, CF-Turnstile-Response",
    );
    let _ = h.set("access-control-max-age", "600");
    res
}
