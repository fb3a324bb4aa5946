//! wasm-bindgen exports for the npm package: a thin layer over the protocol
//! crate `mypay_link` with JS-style names. Values cross as JSON (`JSON.stringify` in,
//! `JSON.parse` out), so a JS object means exactly what its JSON means.
//!
//! Every failure is thrown as an `Error` named `MypayError` carrying a stable
//! `code` (and MYPAY's `mypayCode` / `mypayMsg`, the HTTP `status` and a
//! `snippet` of a reply that is not JSON, the missing report `field`); the
//! package's JS layer turns it into an instance of its `MypayError` class.
//! Nothing here panics: every argument is checked, whatever its JS type,
//! before the core sees it.

// The bindings exist for wasm32 only: a native build is empty.
#![cfg(target_arch = "wasm32")]
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use js_sys::{JsString, Reflect, JSON};
use mypay_link::codes::*;
use mypay_link::crypto::{self, AgentKey, KeyRing};
use mypay_link::envelope::{self, Command, EnvelopeError};
use mypay_link::lenient::{Int, Text};
use mypay_link::models::{Notification, OrderRequest, RefundRequest};
use mypay_link::reply::{self, ReplyError};
use mypay_link::validate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Longest text accepted from JS, in UTF-16 units. MYPAY's messages are a few
/// kilobytes; the limit keeps a hostile caller from exhausting wasm memory.
pub const MAX_INPUT_LEN: u32 = 8 * 1024 * 1024;

/// The error thrown to JS, before it becomes a JS `Error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: &'static str,
    pub message: String,
    pub mypay_code: Option<String>,
    pub mypay_msg: Option<String>,
    pub status: Option<u16>,
    pub snippet: Option<String>,
    pub field: Option<&'static str>,
}

impl Failure {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            mypay_code: None,
            mypay_msg: None,
            status: None,
            snippet: None,
            field: None,
        }
    }

    fn invalid(message: impl Into<String>) -> Self {
        Self::new("invalid_argument", message)
    }

    fn missing(field: &'static str) -> Self {
        let mut f = Self::new("missing_field", format!("the report has no {field}"));
        f.field = Some(field);
        f
    }
}

fn set(target: &JsValue, name: &str, value: &JsValue) {
    // Setting a property on a fresh Error cannot fail; if it ever did, the
    // error would still carry its message and code.
    let _ = Reflect::set(target, &JsValue::from_str(name), value);
}

impl From<Failure> for JsValue {
    fn from(f: Failure) -> JsValue {
        let err = js_sys::Error::new(&f.message);
        err.set_name("MypayError");
        let v: JsValue = err.into();
        set(&v, "code", &JsValue::from_str(f.code));
        if let Some(c) = &f.mypay_code {
            set(&v, "mypayCode", &JsValue::from_str(c));
        }
        if let Some(m) = &f.mypay_msg {
            set(&v, "mypayMsg", &JsValue::from_str(m));
        }
        if let Some(s) = f.status {
            set(&v, "status", &JsValue::from(s));
        }
        if let Some(s) = &f.snippet {
            set(&v, "snippet", &JsValue::from_str(s));
        }
        if let Some(field) = f.field {
            set(&v, "field", &JsValue::from_str(field));
        }
        v
    }
}

impl From<ReplyError> for Failure {
    fn from(e: ReplyError) -> Self {
        let mut f = Failure::new(e.code(), e.to_string());
        match e {
            ReplyError::Mypay { code, msg } => {
                f.mypay_code = Some(code);
                f.mypay_msg = Some(msg);
            }
            ReplyError::NotJson { status, snippet } => {
                f.status = Some(status);
                f.snippet = Some(snippet);
            }
            ReplyError::Malformed(_) => {}
        }
        f
    }
}

impl From<EnvelopeError> for Failure {
    fn from(e: EnvelopeError) -> Self {
        let code = match e {
            EnvelopeError::Malformed => "malformed_envelope",
            EnvelopeError::Decrypt => "decrypt_failed",
            EnvelopeError::BadJson { .. } => "bad_json",
            EnvelopeError::Entropy(_) => "no_entropy",
            EnvelopeError::Serialize(_) => "invalid_argument",
        };
        Failure::new(code, e.to_string())
    }
}

type JsResult<T> = Result<T, JsValue>;

/// Reads a JS string argument, refusing other types and oversized text.
fn text_arg(v: &JsValue, name: &str) -> Result<String, Failure> {
    let Some(s) = v.dyn_ref::<JsString>() else {
        return Err(Failure::invalid(format!("{name} must be a string")));
    };
    if s.length() > MAX_INPUT_LEN {
        return Err(Failure::new(
            "input_too_large",
            format!("{name} is longer than {MAX_INPUT_LEN} characters"),
        ));
    }
    s.as_string()
        .ok_or_else(|| Failure::invalid(format!("{name} must be a string")))
}

/// Reads a JSON argument: a string is taken as JSON text, anything else goes
/// through `JSON.stringify` (so `undefined` fields vanish, `toJSON` applies).
fn json_text_arg(v: &JsValue, name: &str) -> Result<String, Failure> {
    if v.is_string() {
        return text_arg(v, name);
    }
    if v.is_undefined() || v.is_function() || v.is_symbol() {
        return Err(Failure::invalid(format!("{name} must be a JSON value")));
    }
    let s = JSON::stringify(v).map_err(|e| {
        let why = e
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_default();
        Failure::invalid(format!("{name} cannot be written as JSON: {why}"))
    })?;
    text_arg(&s.into(), name)
}

/// Reads a JSON argument into `T`.
fn json_arg<T: DeserializeOwned>(v: &JsValue, name: &str) -> Result<T, Failure> {
    let text = json_text_arg(v, name)?;
    serde_json::from_str(&text)
        .map_err(|e| Failure::invalid(format!("{name} does not have the expected shape: {e}")))
}

/// Reads a text written as JSON (a string) or as an object (stringified).
fn text_as_json(v: &JsValue, name: &str) -> Result<String, Failure> {
    if v.is_string() {
        text_arg(v, name)
    } else {
        json_text_arg(v, name)
    }
}

/// Turns a Rust value into the JS value its JSON describes.
fn to_js<T: Serialize + ?Sized>(v: &T) -> Result<JsValue, Failure> {
    let text =
        serde_json::to_string(v).map_err(|e| Failure::new("internal_error", e.to_string()))?;
    JSON::parse(&text).map_err(|_| Failure::new("internal_error", "could not hand a result to JS"))
}

fn agent_key(v: &JsValue) -> Result<AgentKey, Failure> {
    let s = text_arg(v, "key")
        .map_err(|_| Failure::new("invalid_key", "key must be a 32-character string"))?;
    AgentKey::from_secret(&s).map_err(|e| Failure::new("invalid_key", e.to_string()))
}

/// A key, or `[current, next]` during MYPAY's yearly key rotation.
fn key_ring(v: &JsValue) -> Result<KeyRing, Failure> {
    if let Some(a) = v.dyn_ref::<js_sys::Array>() {
        return match a.length() {
            1 => Ok(KeyRing::new(agent_key(&a.get(0))?, None)),
            2 => Ok(KeyRing::new(
                agent_key(&a.get(0))?,
                Some(agent_key(&a.get(1))?),
            )),
            _ => Err(Failure::new(
                "invalid_key",
                "key must be a string or [current, next]",
            )),
        };
    }
    Ok(KeyRing::new(agent_key(v)?, None))
}

fn command(v: &JsValue) -> Result<Command, Failure> {
    let s = text_arg(v, "cmd")?;
    let s = s.trim();
    if s.is_empty() || s.len() > 100 {
        return Err(Failure::invalid(
            "cmd must be a command such as \"api/orders\"",
        ));
    }
    Ok(Command::parse(s))
}

/// The package version (the crate's).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Encrypts `json` (a JSON text, or any value, which is `JSON.stringify`d)
/// under the 32-character agent `key`, with a fresh random IV:
/// `base64(IV ‖ AES-256-CBC(json))` as in appendix 4.
#[wasm_bindgen]
pub fn encrypt(json: JsValue, key: JsValue) -> JsResult<String> {
    let text = text_as_json(&json, "json")?;
    let key = agent_key(&key)?;
    crypto::encrypt(&key, &text).map_err(|e| Failure::new("no_entropy", e.to_string()).into())
}

/// Opens an envelope field; `key` may be `[current, next]`.
#[wasm_bindgen]
pub fn decrypt(b64: JsValue, key: JsValue) -> JsResult<String> {
    let data = text_arg(&b64, "b64")?;
    let keys = key_ring(&key)?;
    keys.decrypt(&data)
        .map_err(|e| Failure::new("decrypt_failed", e.to_string()).into())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Credentials {
    agent_uid: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BuiltRequest {
    method: &'static str,
    content_type: &'static str,
    body: String,
}

/// Builds the POST for `cmd` carrying `payload`: `{method, contentType, body}`
/// with the form body `agent_uid=…&service=…&encry_data=…`.
#[wasm_bindgen(js_name = buildRequest)]
pub fn build_request(cmd: JsValue, payload: JsValue, options: JsValue) -> JsResult<JsValue> {
    let cmd = command(&cmd)?;
    let payload: serde_json::Value = json_arg(&payload, "payload")?;
    if !payload.is_object() {
        return Err(Failure::invalid("payload must be an object").into());
    }
    if !options.is_object() {
        return Err(Failure::invalid("options must be {agentUid, key}").into());
    }
    let key = agent_key(
        &Reflect::get(&options, &JsValue::from_str("key")).unwrap_or(JsValue::UNDEFINED),
    )?;
    let creds: Credentials = json_arg(&options, "options")?;
    if creds.agent_uid.as_str().trim().is_empty() {
        return Err(Failure::invalid("options.agentUid is required").into());
    }
    let req = envelope::build_request(creds.agent_uid.as_str().trim(), &key, cmd, &payload)
        .map_err(Failure::from)?;
    Ok(to_js(&BuiltRequest {
        method: req.method,
        content_type: req.content_type,
        body: req.body,
    })?)
}

/// Parses MYPAY's answer to `cmd` (`status` is the HTTP status, default 200).
#[wasm_bindgen(js_name = parseReply)]
pub fn parse_reply(cmd: JsValue, text: JsValue, status: JsValue) -> JsResult<JsValue> {
    let cmd = command(&cmd)?;
    let text = text_arg(&text, "text")?;
    let status = if status.is_undefined() || status.is_null() {
        200
    } else {
        match status.as_f64() {
            Some(s) if s.fract() == 0.0 && (100.0..=599.0).contains(&s) => s as u16,
            _ => return Err(Failure::invalid("status must be an HTTP status code").into()),
        }
    };
    let reply = reply::parse_reply(&cmd, status, &text).map_err(Failure::from)?;
    Ok(to_js(&reply)?)
}

/// Checks an order against the API text's rules: the list of problems
/// (`[]` when there are none). Throws when `order` is not an order at all.
#[wasm_bindgen(js_name = validateOrder)]
pub fn validate_order(order: JsValue) -> JsResult<JsValue> {
    let order: OrderRequest = json_arg(&order, "order")?;
    let problems = validate::validate_order(&order).err().unwrap_or_default();
    Ok(to_js(&problems)?)
}

/// Checks a refund request against the API text's rules: the list of
/// problems (`[]` when there are none).
#[wasm_bindgen(js_name = validateRefund)]
pub fn validate_refund(refund: JsValue) -> JsResult<JsValue> {
    let refund: RefundRequest = json_arg(&refund, "refund")?;
    let problems = validate::validate_refund(&refund, None)
        .err()
        .unwrap_or_default();
    Ok(to_js(&problems)?)
}

/// Parses a callback report from its form body (`application/x-www-form-urlencoded`).
#[wasm_bindgen(js_name = parseNotification)]
pub fn parse_notification(form_body: JsValue) -> JsResult<JsValue> {
    let n = notification(&form_body)?;
    Ok(to_js(&n)?)
}

fn notification(v: &JsValue) -> Result<Notification, Failure> {
    if v.is_string() {
        let body = text_arg(v, "formBody")?;
        Notification::from_form(&body).map_err(|e| Failure::new("invalid_form", e.to_string()))
    } else if v.is_object() {
        json_arg(v, "report")
    } else {
        Err(Failure::invalid(
            "the report must be a form body or a parsed report",
        ))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Expected {
    uid: Text,
    key: String,
    #[serde(default)]
    order_id: Option<Text>,
    #[serde(default)]
    cost: Option<Int>,
}

fn present(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

/// The checks of [`verify_notification`], on Rust values.
pub fn check_notification(
    n: &Notification,
    uid: &str,
    key: &str,
    order_id: Option<&str>,
    cost: Option<i64>,
) -> Result<(), Failure> {
    let t = &n.transaction;
    let got_uid =
        present(t.uid.as_ref().map(Text::as_str)).ok_or_else(|| Failure::missing("uid"))?;
    if got_uid != uid.trim() {
        return Err(Failure::new(
            "uid_mismatch",
            format!("the report is for uid {got_uid}, not {}", uid.trim()),
        ));
    }
    let got_key = present(t.key.as_deref()).ok_or_else(|| Failure::missing("key"))?;
    if !crypto::secret_eq(got_key, key.trim()) {
        return Err(Failure::new(
            "key_mismatch",
            "the report's key is not the order's key",
        ));
    }
    if let Some(want) = order_id {
        let got = present(t.order_id.as_ref().map(Text::as_str))
            .ok_or_else(|| Failure::missing("order_id"))?;
        if got != want.trim() {
            return Err(Failure::new(
                "order_id_mismatch",
                format!("the report is for order {got}, not {}", want.trim()),
            ));
        }
    }
    if let Some(want) = cost {
        let got = t.cost.ok_or_else(|| Failure::missing("cost"))?.get();
        if got != want {
            return Err(Failure::new(
                "cost_mismatch",
                format!("the report's cost is {got}, not {want}"),
            ));
        }
    }
    Ok(())
}

/// Accepts a callback report only when its `uid` and `key` (compared in
/// constant time) and, when given, its `order_id` and `cost` are the
/// order's. Returns `true` or throws (`uid_mismatch`, `key_mismatch`,
/// `order_id_mismatch`, `cost_mismatch`, `missing_field`).
#[wasm_bindgen(js_name = verifyNotification)]
pub fn verify_notification(report: JsValue, expected: JsValue) -> JsResult<bool> {
    let n = notification(&report)?;
    if !expected.is_object() {
        return Err(Failure::invalid("expected must be {uid, key, orderId?, cost?}").into());
    }
    let e: Expected = json_arg(&expected, "expected")?;
    if e.uid.as_str().trim().is_empty() || e.key.trim().is_empty() {
        return Err(Failure::invalid("expected.uid and expected.key are required").into());
    }
    let order_id = e.order_id.as_ref().map(Text::as_str);
    check_notification(&n, e.uid.as_str(), &e.key, order_id, e.cost.map(Int::get))?;
    Ok(true)
}

/// What a status code (`prc`, `code`) means: `paid`, `pending`, `failed`, ...
#[wasm_bindgen(js_name = statusClass)]
pub fn status_class(code: JsValue) -> JsResult<String> {
    let code = match code.as_f64() {
        Some(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", n as i64),
        _ => text_arg(&code, "code")?,
    };
    let class = StatusCode::from_code(&code).class();
    match serde_json::to_value(class) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        _ => Err(Failure::new("internal_error", "status class").into()),
    }
}

macro_rules! value_tables {
    ($($t:ident),+ $(,)?) => {
        /// Every value table, as `{name: [documented codes as they travel]}`.
        pub fn value_tables_json() -> serde_json::Map<String, serde_json::Value> {
            let mut m = serde_json::Map::new();
            $(
                m.insert(stringify!($t).to_owned(), serde_json::to_value($t::ALL).unwrap_or_default());
            )+
            m
        }
    };
}

value_tables!(
    UserSnType,
    Currency,
    EnableDcc,
    Pfn,
    EnableQuickpay,
    TransactionType,
    IssueInvoiceState,
    InvoiceRateType,
    InvoiceInputType,
    InvoiceCloudType,
    InvoiceFieldLock,
    InvoiceAddressLock,
    AgentSmsFeeType,
    AgentChargeFeeType,
    VoucherType,
    VoucherInvoiceType,
    CardType,
    TransactionMode,
    SupplierCode,
    TransType,
    ResultType,
    ResultContentType,
    PaidVoucherIssuer,
    RefundReturnType,
    FreeVoucherIssuer,
    RedeemType,
    InvoiceState,
    InvoiceTitleType,
    InvoicePrintType,
    InvoicePrintDevice,
    RefundInvoiceState,
    IsAgentCharge,
    RefundType,
    StatusCode,
);

/// The documented codes of every value table (the TypeScript unions).
#[wasm_bindgen(js_name = valueTables)]
pub fn value_tables() -> JsResult<JsValue> {
    Ok(to_js(&value_tables_json())?)
}
