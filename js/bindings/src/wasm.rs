//! The wasm-bindgen exports: a thin layer over the protocol crate with
//! JS-style names. Values cross as JSON text (`JSON.stringify` in,
//! `JSON.parse` out), so a JS object means exactly what its JSON means (see
//! the crate docs for why not serde-wasm-bindgen).
//!
//! Every failure is thrown as an `Error` named `MypayError` carrying a stable
//! `code` (and MYPAY's `mypayCode` / `mypayMsg`, the HTTP `status` and a
//! `snippet` of a reply that is not JSON, the missing report `field`); the
//! package's JS layer turns it into an instance of its `MypayError` class.
//! Nothing here panics: every argument is checked, whatever its JS type,
//! before the core sees it.

use crate::failure::{ErrorCode, Failure};
use crate::policy::{self, Attempt};
use crate::report::{self, ExpectedReport};
use crate::request::{BuiltRequest, RequestOptions};
use crate::tables::value_tables_json;
use js_sys::{JsString, Reflect, JSON};
use mypay_link::codes::StatusCode;
use mypay_link::crypto::{self, AgentKey, KeyRing};
use mypay_link::envelope::{self, Command};
use mypay_link::models::{Notification, OrderRequest, RefundRequest};
use mypay_link::reply;
use mypay_link::validate;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Longest text accepted from JS, in UTF-16 units. MYPAY's messages are a few
/// kilobytes; the limit keeps a hostile caller from exhausting wasm memory.
pub const MAX_INPUT_LEN: u32 = 8 * 1024 * 1024;

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
        set(&v, "code", &JsValue::from_str(f.code.as_str()));
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

type JsResult<T> = Result<T, JsValue>;

/// Reads a JS string argument, refusing other types and oversized text.
fn text_arg(v: &JsValue, name: &str) -> Result<String, Failure> {
    let Some(s) = v.dyn_ref::<JsString>() else {
        return Err(Failure::invalid(format!("{name} must be a string")));
    };
    if s.length() > MAX_INPUT_LEN {
        return Err(Failure::new(
            ErrorCode::InputTooLarge,
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

/// Turns a Rust value into the JS value its JSON describes.
fn to_js<T: Serialize + ?Sized>(v: &T) -> Result<JsValue, Failure> {
    let text = serde_json::to_string(v)
        .map_err(|e| Failure::new(ErrorCode::InternalError, e.to_string()))?;
    JSON::parse(&text)
        .map_err(|_| Failure::new(ErrorCode::InternalError, "could not hand a result to JS"))
}

thread_local! {
    /// The last key a call named, with its round keys already expanded: an
    /// application passes the same key to every call.
    static LAST_KEY: RefCell<Option<(String, AgentKey)>> = const { RefCell::new(None) };
}

fn agent_key(v: &JsValue) -> Result<AgentKey, Failure> {
    let s = text_arg(v, "key")
        .map_err(|_| Failure::new(ErrorCode::InvalidKey, "key must be a 32-character string"))?;
    let cached = LAST_KEY.with(|c| {
        c.borrow()
            .as_ref()
            .filter(|(text, _)| crypto::secret_eq(text, &s))
            .map(|(_, key)| key.clone())
    });
    if let Some(key) = cached {
        return Ok(key);
    }
    let key = AgentKey::from_secret(&s)
        .map_err(|e| Failure::new(ErrorCode::InvalidKey, e.to_string()))?;
    LAST_KEY.with(|c| *c.borrow_mut() = Some((s, key.clone())));
    Ok(key)
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
                ErrorCode::InvalidKey,
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
    let text = json_text_arg(&json, "json")?;
    let key = agent_key(&key)?;
    crypto::encrypt(&key, &text)
        .map_err(|e| Failure::new(ErrorCode::NoEntropy, e.to_string()).into())
}

/// Opens an envelope field; `key` may be `[current, next]`.
#[wasm_bindgen]
pub fn decrypt(b64: JsValue, key: JsValue) -> JsResult<String> {
    let data = text_arg(&b64, "b64")?;
    let keys = key_ring(&key)?;
    keys.decrypt(&data)
        .map_err(|e| Failure::new(ErrorCode::DecryptFailed, e.to_string()).into())
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
    let options: RequestOptions = json_arg(&options, "options")?;
    let agent_uid = options.agent_uid.as_str().trim();
    if agent_uid.is_empty() {
        return Err(Failure::invalid("options.agentUid is required").into());
    }
    let req = envelope::build_request(agent_uid, &key, cmd, &payload).map_err(Failure::from)?;
    Ok(to_js(&BuiltRequest::from(req))?)
}

/// Parses MYPAY's answer to `cmd` (`status` is the HTTP status, default 200).
#[wasm_bindgen(js_name = parseReply)]
pub fn parse_reply(cmd: JsValue, text: JsValue, status: JsValue) -> JsResult<JsValue> {
    let cmd = command(&cmd)?;
    let text = text_arg(&text, "text")?;
    let status = if status.is_undefined() || status.is_null() {
        200
    } else {
        http_status(&status)
            .ok_or_else(|| Failure::invalid("status must be an HTTP status code"))?
    };
    let reply = reply::parse_reply(&cmd, status, &text).map_err(Failure::from)?;
    Ok(to_js(&reply)?)
}

fn http_status(v: &JsValue) -> Option<u16> {
    match v.as_f64() {
        Some(s) if s.fract() == 0.0 && (100.0..=599.0).contains(&s) => Some(s as u16),
        _ => None,
    }
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
        Notification::from_form(&body)
            .map_err(|e| Failure::new(ErrorCode::InvalidForm, e.to_string()))
    } else if v.is_object() {
        json_arg(v, "report")
    } else {
        Err(Failure::invalid(
            "the report must be a form body or a parsed report",
        ))
    }
}

/// Accepts a callback report only when it is the order's, by the protocol
/// crate's rules (`mypay_link::verify`): its `uid` and `key` (both compared
/// in constant time) and, when given, its `order_id` and `cost`. Returns
/// `true` or throws (`uid_mismatch`, `key_mismatch`, `order_id_mismatch`,
/// `cost_mismatch`, `missing_field`).
#[wasm_bindgen(js_name = verifyNotification)]
pub fn verify_notification(report: JsValue, expected: JsValue) -> JsResult<bool> {
    let n = notification(&report)?;
    if !expected.is_object() {
        return Err(Failure::invalid("expected must be {uid, key, orderId?, cost?}").into());
    }
    let e: ExpectedReport = json_arg(&expected, "expected")?;
    report::verify(&n, &e)?;
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
        _ => Err(Failure::new(ErrorCode::InternalError, "status class").into()),
    }
}

/// The documented codes of every value table (the TypeScript unions).
#[wasm_bindgen(js_name = valueTables)]
pub fn value_tables() -> JsResult<JsValue> {
    Ok(to_js(&value_tables_json())?)
}

/// The policy `MypayClient` follows for `cmd`, the protocol crate's:
/// `{retry: {kind: 'never'} | {kind: 'transient', attempts, backoff_ms}}`.
#[wasm_bindgen(js_name = callPolicy)]
pub fn call_policy(cmd: JsValue) -> JsResult<JsValue> {
    let cmd = command(&cmd)?;
    Ok(to_js(&policy::call_policy(&cmd))?)
}

/// Reads the `code`, `status` and `mypayCode` of a thrown `MypayError`.
fn attempt_facts(error: &JsValue) -> Option<(ErrorCode, Option<u16>, Option<String>)> {
    if !error.is_object() {
        return None;
    }
    let get = |name: &str| Reflect::get(error, &JsValue::from_str(name)).ok();
    let code = ErrorCode::parse(&get("code")?.as_string()?)?;
    let status = get("status").as_ref().and_then(http_status);
    let mypay_code = get("mypayCode")
        .and_then(|c| c.as_string())
        .filter(|c| c.len() <= 64);
    Some((code, status, mypay_code))
}

/// Internal (`MypayClient`): the wait in ms before attempt
/// `attemptsMade + 1` of `cmd` after it failed with `error`; `undefined`:
/// give up.
#[wasm_bindgen(js_name = retryDelay)]
pub fn retry_delay(cmd: JsValue, attempts_made: JsValue, error: JsValue) -> JsResult<Option<u32>> {
    let cmd = command(&cmd)?;
    let made = match attempts_made.as_f64() {
        Some(n) if n.fract() == 0.0 && (1.0..=1000.0).contains(&n) => n as u32,
        _ => return Err(Failure::invalid("attemptsMade must be a whole number from 1").into()),
    };
    let Some((code, status, mypay_code)) = attempt_facts(&error) else {
        return Ok(None);
    };
    let last = Attempt {
        code,
        status,
        mypay_code: mypay_code.as_deref(),
    };
    Ok(policy::retry_delay_ms(&cmd, made, &last))
}

/// Internal (`MypayClient`): whether a call that failed with `error` is sent
/// once more under the next key of the rotation.
#[wasm_bindgen(js_name = resendUnderNextKey)]
pub fn resend_under_next_key(error: JsValue) -> bool {
    attempt_facts(&error).is_some_and(|(code, status, mypay_code)| {
        policy::resend_under_next_key(&Attempt {
            code,
            status,
            mypay_code: mypay_code.as_deref(),
        })
    })
}

/// Internal (`MypayClient`): checks an agent key or `[current, next]` and
/// says how many keys it is (1 or 2); throws `invalid_key`.
#[wasm_bindgen(js_name = keyCount)]
pub fn key_count(key: JsValue) -> JsResult<u32> {
    let ring = key_ring(&key)?;
    Ok(if ring.next.is_some() { 2 } else { 1 })
}
