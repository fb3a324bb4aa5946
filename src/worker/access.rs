//! Cloudflare Access sign-in for `/admin/*` (when `ACCESS_TEAM_DOMAIN` and
//! `ACCESS_AUD` are set): the `Cf-Access-Jwt-Assertion` token is checked
//! by [`crate::access_rules`] and its RS256 signature with WebCrypto
//! (`RSASSA-PKCS1-v1_5`, SHA-256) against the team's JWKS. The keys are
//! kept per isolate for an hour, and fetched again sooner when a token
//! names a key they lack (at most every [`REFETCH_SECS`]).
//!
//! The entry verifies the token before routing and marks the request;
//! `admin::authorize` (synchronous) then accepts a marked request as it
//! accepts the admin token. The mark is the request object itself, so it
//! cannot be forged by a header and never outlives the request.

use super::config::{Access, Config};
use super::http::{self, ApiError, ApiResult};
use super::{log, time};
use crate::access_rules::{self, AccessError, Jwk};
use js_sys::{Array, Object, Reflect, Uint8Array};
use serde_json::json;
use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::{Fetch, Headers, Method, Request, RequestInit};

/// The header Access adds to every request it lets through.
pub const HEADER: &str = "cf-access-jwt-assertion";

/// Fewest seconds between two fetches of the JWKS for an unknown `kid`.
const REFETCH_SECS: i64 = 5;
/// How long fetched keys are used before the JWKS is fetched again (Access
/// rotates its signing keys every few weeks).
const MAX_AGE_SECS: i64 = 3600;
/// Time allowed for the JWKS fetch.
const CERTS_TIMEOUT_MS: u32 = 5_000;

struct Keys {
    url: String,
    fetched_at: i64,
    keys: Vec<(Jwk, Option<JsValue>)>,
}

thread_local! {
    static KEYS: RefCell<Option<Keys>> = const { RefCell::new(None) };
    /// Requests in flight whose Access token verified, with who signed in.
    static VERIFIED: RefCell<Vec<(JsValue, String)>> = const { RefCell::new(Vec::new()) };
}

/// Who signed in with Access for this request, if it was verified.
pub fn principal(req: &Request) -> Option<String> {
    let me: &JsValue = req.inner().as_ref();
    VERIFIED.with(|v| {
        v.borrow()
            .iter()
            .find(|(r, _)| Object::is(r, me))
            .map(|(_, p)| p.clone())
    })
}

/// Forgets the request's mark (once its answer is ready).
pub fn forget(req_obj: &JsValue) {
    VERIFIED.with(|v| v.borrow_mut().retain(|(r, _)| !Object::is(r, req_obj)));
}

/// For `/admin/*`: when Access is configured and the request carries its
/// token but no admin token, verifies the token and marks the request.
/// Answers the request object to forget afterwards (if marked); a token
/// that fails is 401 at once.
pub async fn admit(req: &Request, cfg: &Config) -> ApiResult<Option<JsValue>> {
    let Some(access) = &cfg.access else {
        return Ok(None);
    };
    if http::bearer(req).is_some_and(|t| !t.is_empty()) {
        return Ok(None);
    }
    let Some(token) = http::get_header(req, HEADER).filter(|t| !t.trim().is_empty()) else {
        return Ok(None);
    };
    match verify(access, &token).await {
        Ok(who) => {
            let me: &JsValue = req.inner().as_ref();
            let obj = me.clone();
            VERIFIED.with(|v| v.borrow_mut().push((obj.clone(), who)));
            Ok(Some(obj))
        }
        Err(e) => {
            log::warn(
                "access_refused",
                json!({"path": req.path(), "reason": e.code()}),
            );
            let mut err = ApiError::new(
                401,
                "unauthorized",
                "the Cloudflare Access token was not accepted",
            );
            if e == AccessError::Certs {
                err = ApiError::new(
                    503,
                    "access_unavailable",
                    "the Cloudflare Access keys could not be fetched; try again",
                );
            }
            Err(err)
        }
    }
}

/// Verifies a token: its form and algorithm, its signature with the key it
/// names, then its claims. Answers who signed in.
pub async fn verify(access: &Access, token: &str) -> Result<String, AccessError> {
    let t = access_rules::parse(token)?;
    let key = key_for(access, &t.kid).await?;
    let ok = rsa_verify(&key, &t.signature, &t.signed)
        .await
        .map_err(|_| AccessError::Signature)?;
    if !ok {
        return Err(AccessError::Signature);
    }
    access_rules::check_claims(&t.claims, &access.team_domain, &access.aud, time::now())?;
    Ok(access_rules::principal(&t.claims))
}

/// The imported key for `kid`: from the isolate's keys while they are
/// fresh; else (an unknown `kid`, or keys older than [`MAX_AGE_SECS`])
/// after fetching the JWKS again. Keys that have gone stale keep serving
/// while the JWKS cannot be fetched; a key the new JWKS drops is refused.
async fn key_for(access: &Access, kid: &str) -> Result<JsValue, AccessError> {
    let now = time::now();
    let cached = KEYS.with(|k| {
        k.borrow()
            .as_ref()
            .filter(|keys| keys.url == access.certs_url)
            .map(|keys| {
                let found = keys.keys.iter().find(|(j, _)| j.kid == kid).cloned();
                (now - keys.fetched_at, found)
            })
    });
    let (jwk, imported) = match cached {
        Some((age, Some(found))) if (0..MAX_AGE_SECS).contains(&age) => found,
        Some((age, None)) if (0..REFETCH_SECS).contains(&age) => {
            return Err(AccessError::UnknownKey)
        }
        cached => {
            let stale = cached.and_then(|(_, found)| found);
            match fetch_keys(&access.certs_url).await {
                Ok(keys) => {
                    let found = keys.iter().find(|j| j.kid == kid).cloned();
                    KEYS.with(|k| {
                        *k.borrow_mut() = Some(Keys {
                            url: access.certs_url.clone(),
                            fetched_at: now,
                            keys: keys.into_iter().map(|j| (j, None)).collect(),
                        })
                    });
                    (found.ok_or(AccessError::UnknownKey)?, None)
                }
                Err(e) => stale.ok_or(e)?,
            }
        }
    };
    if let Some(k) = imported {
        return Ok(k);
    }
    let imported = import_key(&jwk)
        .await
        .map_err(|_| AccessError::UnknownKey)?;
    KEYS.with(|k| {
        if let Some(keys) = k.borrow_mut().as_mut() {
            if let Some(slot) = keys.keys.iter_mut().find(|(j, _)| j.kid == kid) {
                slot.1 = Some(imported.clone());
            }
        }
    });
    Ok(imported)
}

async fn fetch_keys(url: &str) -> Result<Vec<Jwk>, AccessError> {
    let headers = Headers::new();
    let _ = headers.set("accept", "application/json");
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    let req = Request::new_with_init(url, &init).map_err(|_| AccessError::Certs)?;
    let signal = timeout_signal(CERTS_TIMEOUT_MS);
    let sent = match &signal {
        Some(s) => Fetch::Request(req).send_with_signal(s).await,
        None => Fetch::Request(req).send().await,
    };
    let mut res = sent.map_err(|_| AccessError::Certs)?;
    if res.status_code() != 200 {
        log::warn("access_certs", json!({"status": res.status_code()}));
        return Err(AccessError::Certs);
    }
    let text = res.text().await.map_err(|_| AccessError::Certs)?;
    access_rules::parse_jwks(&text)
}

/// `AbortSignal.timeout(ms)`, where the runtime has it.
fn timeout_signal(ms: u32) -> Option<worker::AbortSignal> {
    let ctor = Reflect::get(&js_sys::global(), &JsValue::from_str("AbortSignal")).ok()?;
    let f: js_sys::Function = Reflect::get(&ctor, &JsValue::from_str("timeout"))
        .ok()?
        .dyn_into()
        .ok()?;
    let s: web_sys::AbortSignal = f.call1(&ctor, &JsValue::from(ms)).ok()?.dyn_into().ok()?;
    Some(worker::AbortSignal::from(s))
}

fn subtle() -> Result<JsValue, JsValue> {
    let crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))?;
    Reflect::get(&crypto, &JsValue::from_str("subtle"))
}

fn obj(pairs: &[(&str, JsValue)]) -> Result<Object, JsValue> {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), v)?;
    }
    Ok(o)
}

fn algorithm() -> Result<JsValue, JsValue> {
    Ok(obj(&[
        ("name", "RSASSA-PKCS1-v1_5".into()),
        ("hash", obj(&[("name", "SHA-256".into())])?.into()),
    ])?
    .into())
}

async fn call_subtle(method: &str, args: &Array) -> Result<JsValue, JsValue> {
    let subtle = subtle()?;
    let f: js_sys::Function = Reflect::get(&subtle, &JsValue::from_str(method))?.dyn_into()?;
    let promise: js_sys::Promise = f.apply(&subtle, args)?.dyn_into()?;
    JsFuture::from(promise).await
}

/// `crypto.subtle.importKey("jwk", …)` for RS256 verification.
async fn import_key(jwk: &Jwk) -> Result<JsValue, JsValue> {
    let key = obj(&[
        ("kty", "RSA".into()),
        ("n", jwk.n.as_str().into()),
        ("e", jwk.e.as_str().into()),
        ("alg", "RS256".into()),
        ("ext", true.into()),
    ])?;
    let usages = Array::of1(&"verify".into());
    let args = Array::of5(&"jwk".into(), &key, &algorithm()?, &false.into(), &usages);
    call_subtle("importKey", &args).await
}

/// `crypto.subtle.verify(RSASSA-PKCS1-v1_5, key, signature, data)`.
async fn rsa_verify(key: &JsValue, signature: &[u8], data: &[u8]) -> Result<bool, JsValue> {
    let args = Array::of4(
        &algorithm()?,
        key,
        &Uint8Array::from(signature),
        &Uint8Array::from(data),
    );
    Ok(call_subtle("verify", &args).await?.as_bool() == Some(true))
}
