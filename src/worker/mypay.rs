//! Outgoing calls to MYPAY's agent API with `fetch`: always a User-Agent
//! (MYPAY's firewall answers 403 without one), a timeout through an
//! `AbortController`, retries for `api/queryorder` only (`api/orders` and
//! `api/refund` are never retried blindly).

use super::config::Config;
use super::log;
use mypay_link::envelope::{build_request, Command};
use mypay_link::models::{
    OrderReply, OrderRequest, QueryReply, QueryRequest, RefundReply, RefundRequest,
};
use mypay_link::reply::{parse_order_reply, parse_query_reply, parse_refund_reply, ReplyError};
use serde_json::json;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use worker::{Fetch, Headers, Method, Request, RequestInit};

pub const USER_AGENT: &str = concat!(
    "mypay-edge/",
    env!("CARGO_PKG_VERSION"),
    " (Cloudflare Worker)"
);
/// Attempts for `api/queryorder`.
const QUERY_ATTEMPTS: u32 = 3;

/// Why a call gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamError {
    /// No answer within the timeout.
    Timeout,
    /// The connection failed.
    Network,
    /// An HTTP error status with no usable body (5xx, a firewall's 403 page).
    Http(u16),
    /// An answer that is not the documented reply, or MYPAY's refusal.
    Reply(ReplyError),
    /// The request could not be built (no randomness for the IV, ...).
    Build(String),
}

impl UpstreamError {
    /// Worth another try (`api/queryorder` only).
    pub fn is_transient(&self) -> bool {
        match self {
            UpstreamError::Timeout | UpstreamError::Network => true,
            UpstreamError::Http(s) => *s >= 500 || *s == 429,
            UpstreamError::Reply(ReplyError::NotJson { .. })
            | UpstreamError::Reply(ReplyError::Malformed(_)) => true,
            UpstreamError::Reply(ReplyError::Mypay { code, .. }) => code == "400",
            UpstreamError::Build(_) => false,
        }
    }

    /// The HTTP status and code the shopper gets.
    pub fn api_error(&self) -> (u16, &'static str, String) {
        match self {
            UpstreamError::Timeout => (
                504,
                "upstream_timeout",
                "MYPAY did not answer in time".into(),
            ),
            UpstreamError::Network => (
                502,
                "upstream_unavailable",
                "MYPAY could not be reached".into(),
            ),
            UpstreamError::Http(403) => (
                502,
                "upstream_unavailable",
                "MYPAY's firewall refused the call (HTTP 403)".into(),
            ),
            UpstreamError::Http(s) => (
                502,
                "upstream_unavailable",
                format!("MYPAY answered HTTP {s}"),
            ),
            UpstreamError::Reply(ReplyError::Mypay { code, msg }) => (
                502,
                "upstream_error",
                format!("MYPAY refused the order: {code} {msg}"),
            ),
            UpstreamError::Reply(_) => (
                502,
                "upstream_error",
                "MYPAY's answer could not be read".into(),
            ),
            UpstreamError::Build(_) => (
                500,
                "internal_error",
                "the request to MYPAY could not be built".into(),
            ),
        }
    }

    /// A short code for logs.
    pub fn log_code(&self) -> String {
        match self {
            UpstreamError::Timeout => "timeout".into(),
            UpstreamError::Network => "network".into(),
            UpstreamError::Http(s) => format!("http_{s}"),
            UpstreamError::Reply(r) => r.code().into(),
            UpstreamError::Build(_) => "build".into(),
        }
    }
}

/// Arms `setTimeout` to abort `controller`; returns the timer id.
fn arm_timeout(controller: &web_sys::AbortController, ms: i32) -> Option<JsValue> {
    let global = js_sys::global();
    let set_timeout: js_sys::Function =
        js_sys::Reflect::get(&global, &JsValue::from_str("setTimeout"))
            .ok()?
            .dyn_into()
            .ok()?;
    let c = controller.clone();
    let cb = Closure::once_into_js(move || c.abort());
    set_timeout.call2(&global, &cb, &JsValue::from(ms)).ok()
}

fn disarm_timeout(id: Option<JsValue>) {
    let Some(id) = id else { return };
    let global = js_sys::global();
    if let Ok(f) = js_sys::Reflect::get(&global, &JsValue::from_str("clearTimeout")) {
        if let Ok(f) = f.dyn_into::<js_sys::Function>() {
            let _ = f.call1(&global, &id);
        }
    }
}

/// Posts one form body to the endpoint; answers (status, body text).
async fn post_once(cfg: &Config, body: &str) -> Result<(u16, String), UpstreamError> {
    let headers = Headers::new();
    let set = |k: &str, v: &str| {
        headers
            .set(k, v)
            .map_err(|e| UpstreamError::Build(e.to_string()))
    };
    set("user-agent", USER_AGENT)?;
    set("content-type", mypay_link::envelope::FORM_CONTENT_TYPE)?;
    set("accept", "application/json")?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(JsValue::from_str(body)));
    let req = Request::new_with_init(&cfg.endpoint, &init)
        .map_err(|e| UpstreamError::Build(e.to_string()))?;
    let controller = web_sys::AbortController::new()
        .map_err(|_| UpstreamError::Build("AbortController".into()))?;
    let signal = worker::AbortSignal::from(controller.signal());
    let timer = arm_timeout(&controller, cfg.timeout_ms);
    let result = async {
        let mut res = Fetch::Request(req)
            .send_with_signal(&signal)
            .await
            .map_err(|_| {
                if signal.aborted() {
                    UpstreamError::Timeout
                } else {
                    UpstreamError::Network
                }
            })?;
        let status = res.status_code();
        let text = res.text().await.map_err(|_| {
            if signal.aborted() {
                UpstreamError::Timeout
            } else {
                UpstreamError::Network
            }
        })?;
        Ok((status, text))
    }
    .await;
    disarm_timeout(timer);
    result
}

/// One call: build, post, classify the HTTP outcome (the caller parses).
async fn call(cfg: &Config, form: &str, cmd: &Command) -> Result<(u16, String), UpstreamError> {
    let started = js_sys::Date::now();
    let out = post_once(cfg, form).await;
    let ms = (js_sys::Date::now() - started) as i64;
    match &out {
        Ok((status, _)) => log::info(
            "mypay_call",
            json!({"cmd": cmd.as_str(), "status": status, "ms": ms}),
        ),
        Err(e) => log::warn(
            "mypay_call_failed",
            json!({"cmd": cmd.as_str(), "error": e.log_code(), "ms": ms}),
        ),
    }
    out
}

/// Turns a non-JSON error page into `Http(status)`; keeps other outcomes.
fn classify<T>(status: u16, parsed: Result<T, ReplyError>) -> Result<T, UpstreamError> {
    match parsed {
        Ok(v) => Ok(v),
        Err(ReplyError::NotJson { .. }) if status >= 400 => Err(UpstreamError::Http(status)),
        Err(e) => Err(UpstreamError::Reply(e)),
    }
}

/// Sends `payload` for `cmd` once, signed with the current key. During
/// MYPAY's yearly key rotation MYPAY switches to the next key on its own
/// schedule; a call it cannot open under its key answers code 100 (資料錯誤),
/// which means nothing was processed. So when a next key is configured, a 100
/// under the current key is sent once more under the next one: this cannot
/// duplicate an order, and the log says it is time to swap the secrets.
async fn send_signed<T, P: serde::Serialize>(
    cfg: &Config,
    cmd: Command,
    payload: &P,
    parse: fn(u16, &str) -> Result<T, ReplyError>,
) -> Result<T, UpstreamError> {
    let keys = std::iter::once(&cfg.keys.current).chain(cfg.keys.next.as_ref());
    let mut outcome = Err(UpstreamError::Network);
    for (attempt, key) in keys.enumerate() {
        let req = build_request(&cfg.agent_uid, key, cmd.clone(), payload)
            .map_err(|e| UpstreamError::Build(e.to_string()))?;
        let (status, body) = call(cfg, &req.body, &cmd).await?;
        outcome = classify(status, parse(status, &body));
        let refused_as_data_error = matches!(
            &outcome,
            Err(UpstreamError::Reply(ReplyError::Mypay { code, .. })) if code == "100"
        );
        if attempt > 0 && outcome.is_ok() {
            log::warn(
                "mypay_key_rotated",
                json!({"cmd": cmd.as_str(), "action": "MYPAY accepts only MYPAY_AGENT_KEY_NEXT now: make it MYPAY_AGENT_KEY"}),
            );
        }
        if !refused_as_data_error {
            break;
        }
    }
    outcome
}

/// `api/orders`. Never retried: a second call with the same `order_id`
/// would be refused or create a second payment page. (The one exception is
/// the key-rotation resend of [`send_signed`], after MYPAY processed nothing.)
pub async fn create_order(cfg: &Config, order: &OrderRequest) -> Result<OrderReply, UpstreamError> {
    send_signed(cfg, Command::Orders, order, parse_order_reply).await
}

/// `api/queryorder`, retried on transient failures with a short backoff.
pub async fn query_order(cfg: &Config, uid: &str, key: &str) -> Result<QueryReply, UpstreamError> {
    let q = QueryRequest {
        uid: uid.into(),
        key: key.to_owned(),
    };
    let mut last = UpstreamError::Network;
    for attempt in 0..QUERY_ATTEMPTS {
        if attempt > 0 {
            worker::Delay::from(std::time::Duration::from_millis(200 * u64::from(attempt))).await;
        }
        match send_signed(cfg, Command::QueryOrder, &q, parse_query_reply).await {
            Ok(r) => return Ok(r),
            Err(e) if e.is_transient() => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

/// `api/refund` (voucher mode, full refund). Never retried (but for the
/// key-rotation resend of [`send_signed`]).
pub async fn refund(cfg: &Config, r: &RefundRequest) -> Result<RefundReply, UpstreamError> {
    send_signed(cfg, Command::Refund, r, parse_refund_reply).await
}
