//! Outgoing calls to MYPAY's agent API with `fetch`: always a User-Agent
//! (MYPAY's firewall answers 403 without one) and a timeout through an
//! `AbortController`. What may be retried, and the resend under the next
//! key during a rotation, is the protocol crate's policy
//! ([`mypay_link::call`]), the same for every client.

use super::config::Config;
use super::log;
use mypay_link::call::{build_request, read_reply, Call, CallError, Failure};
use mypay_link::envelope::Command;
use mypay_link::models::{
    OrderReply, OrderRequest, QueryReply, QueryRequest, RefundReply, RefundRequest,
};
use mypay_link::reply::ReplyError;
use serde_json::json;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use worker::{Fetch, Headers, Method, Request, RequestInit};

pub const USER_AGENT: &str = concat!(
    "mypay-edge/",
    env!("CARGO_PKG_VERSION"),
    " (Cloudflare Worker)"
);

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
    /// As the protocol crate's [`Failure`], for its retry policy.
    pub fn failure(&self) -> Option<Failure<'_>> {
        match self {
            UpstreamError::Timeout => Some(Failure::Timeout),
            UpstreamError::Network => Some(Failure::Network),
            UpstreamError::Http(s) => Some(Failure::Http(*s)),
            UpstreamError::Reply(r) => Some(Failure::Reply(r)),
            UpstreamError::Build(_) => None,
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
    post(
        &cfg.endpoint,
        mypay_link::envelope::FORM_CONTENT_TYPE,
        body,
        cfg.timeout_ms,
    )
    .await
}

/// Posts `body` to `url` with the Worker's User-Agent, giving up after
/// `timeout_ms`; answers (status, body text).
pub async fn post(
    url: &str,
    content_type: &str,
    body: &str,
    timeout_ms: i32,
) -> Result<(u16, String), UpstreamError> {
    let headers = Headers::new();
    let set = |k: &str, v: &str| {
        headers
            .set(k, v)
            .map_err(|e| UpstreamError::Build(e.to_string()))
    };
    set("user-agent", USER_AGENT)?;
    set("content-type", content_type)?;
    set("accept", "application/json")?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(JsValue::from_str(body)));
    let req =
        Request::new_with_init(url, &init).map_err(|e| UpstreamError::Build(e.to_string()))?;
    let controller = web_sys::AbortController::new()
        .map_err(|_| UpstreamError::Build("AbortController".into()))?;
    let signal = worker::AbortSignal::from(controller.signal());
    let timer = arm_timeout(&controller, timeout_ms);
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

impl From<CallError> for UpstreamError {
    fn from(e: CallError) -> Self {
        match e {
            CallError::Http(s) => UpstreamError::Http(s),
            CallError::Reply(r) => UpstreamError::Reply(r),
        }
    }
}

/// Sends `payload` once, signed with the current key; if MYPAY cannot open
/// it (code 100, nothing processed) and a next key is configured, once more
/// under the next key: MYPAY switches keys on its own schedule during the
/// yearly rotation, and the log then says it is time to swap the secrets.
async fn send_signed<C: Call>(cfg: &Config, payload: &C) -> Result<C::Reply, UpstreamError> {
    let cmd = C::command();
    let keys = std::iter::once(&cfg.keys.current).chain(cfg.keys.next.as_ref());
    let mut outcome = Err(UpstreamError::Network);
    for (attempt, key) in keys.enumerate() {
        let req = build_request(&cfg.agent_uid, key, payload)
            .map_err(|e| UpstreamError::Build(e.to_string()))?;
        let (status, body) = call(cfg, &req.body, &cmd).await?;
        let read = read_reply::<C>(status, &body);
        let resend = matches!(&read, Err(e) if e.resend_under_next_key());
        outcome = read.map_err(UpstreamError::from);
        if attempt > 0 && outcome.is_ok() {
            log::warn(
                "mypay_key_rotated",
                json!({"cmd": cmd.as_str(), "action": "MYPAY accepts only MYPAY_AGENT_KEY_NEXT now: make it MYPAY_AGENT_KEY"}),
            );
        }
        if !resend {
            break;
        }
    }
    outcome
}

/// Sends `payload`, repeating it as [`Call::RETRY`] allows.
async fn send<C: Call>(cfg: &Config, payload: &C) -> Result<C::Reply, UpstreamError> {
    let mut made = 0;
    loop {
        made += 1;
        let err = match send_signed(cfg, payload).await {
            Ok(r) => return Ok(r),
            Err(e) => e,
        };
        let delay = err.failure().and_then(|f| C::RETRY.next_delay_ms(made, &f));
        let Some(ms) = delay else {
            return Err(err);
        };
        worker::Delay::from(std::time::Duration::from_millis(u64::from(ms))).await;
    }
}

/// `api/orders`. Never retried: a second call with the same `order_id`
/// would be refused or create a second payment page.
pub async fn create_order(cfg: &Config, order: &OrderRequest) -> Result<OrderReply, UpstreamError> {
    send(cfg, order).await
}

/// `api/queryorder`, retried on transient failures.
pub async fn query_order(cfg: &Config, uid: &str, key: &str) -> Result<QueryReply, UpstreamError> {
    let q = QueryRequest {
        uid: uid.into(),
        key: key.to_owned(),
    };
    send(cfg, &q).await
}

/// `api/refund` (voucher mode, full refund). Never retried: a refund whose
/// answer was lost is followed with `api/queryorder`.
pub async fn refund(cfg: &Config, r: &RefundRequest) -> Result<RefundReply, UpstreamError> {
    send(cfg, r).await
}
