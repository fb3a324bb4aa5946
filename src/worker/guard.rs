//! What a request must be before any handler runs (and before D1 is
//! touched), so that abuse costs the merchant nothing:
//!
//! - **Origin.** A state-changing request (POST, PUT, PATCH, DELETE) that
//!   names an `Origin` must name an allowed one (`ALLOWED_ORIGINS`, or the
//!   Worker's own origin): 403 `origin_not_allowed`. A page elsewhere can
//!   then not make its visitors' browsers check out, even with a CORS
//!   "simple request" that is never preflighted.
//! - **JSON.** A POST, PUT or PATCH to `/api/*` must say
//!   `Content-Type: application/json`: 415 `unsupported_media_type`.
//!   (HTML forms can only send form encodings and `text/plain`; a DELETE
//!   carries no body and is never sent cross-site without a preflight.)
//! - **Rate limits** (Cloudflare's Workers Rate Limiting bindings): per
//!   client address on checkout, quote and the report URL, and per MYPAY
//!   uid on the report URL ([`limit`], called by `notify` once the uid is
//!   read). 429 `rate_limited` with `Retry-After`.

use super::config::{Config, ConfigError};
use super::http::{self, ApiError, ApiResult};
use super::log;
use crate::request_rules::{is_json, origin_of, retry_after};
use serde_json::json;
use worker::{Env, Method, Request};

/// A limit and its binding (`[[ratelimits]]` in wrangler.toml).
#[derive(Clone, Copy, Debug)]
pub enum Limit {
    /// `POST /api/checkout`, per client address.
    Checkout,
    /// `POST /api/quote`, per client address.
    Quote,
    /// `POST /mypay/notify`, per client address.
    NotifyAddress,
    /// `POST /mypay/notify`, per MYPAY uid named by the report.
    NotifyOrder,
}

impl Limit {
    pub const ALL: [Limit; 4] = [
        Limit::Checkout,
        Limit::Quote,
        Limit::NotifyAddress,
        Limit::NotifyOrder,
    ];

    pub fn binding(self) -> &'static str {
        match self {
            Limit::Checkout => "CHECKOUT_LIMITER",
            Limit::Quote => "QUOTE_LIMITER",
            Limit::NotifyAddress => "NOTIFY_ADDRESS_LIMITER",
            Limit::NotifyOrder => "NOTIFY_ORDER_LIMITER",
        }
    }

    fn message(self) -> &'static str {
        match self {
            Limit::Checkout => "too many checkouts from this address; try again shortly",
            Limit::Quote => "too many quotes from this address; try again shortly",
            Limit::NotifyAddress => "too many reports from this address",
            Limit::NotifyOrder => "too many reports for this order",
        }
    }
}

/// Whether every limit's binding is there (checked with the settings, so a
/// deploy without them answers 500 `config_error` at once).
pub fn check_bindings(env: &Env) -> Result<(), ConfigError> {
    for l in Limit::ALL {
        if env.rate_limiter(l.binding()).is_err() {
            return Err(ConfigError {
                name: l.binding(),
                problem: "is not a rate limiting binding ([[ratelimits]] in wrangler.toml)",
            });
        }
    }
    Ok(())
}

/// Counts one request against `limit` under `key`: 429 when over. A
/// limiter that cannot be asked lets the request through (and is logged):
/// the limits protect the merchant, they must not take checkout down.
pub async fn limit(env: &Env, limit: Limit, key: &str) -> ApiResult<()> {
    let limiter = env.rate_limiter(limit.binding()).map_err(|_| {
        ApiError::config(&ConfigError {
            name: limit.binding(),
            problem: "is not a rate limiting binding ([[ratelimits]] in wrangler.toml)",
        })
    })?;
    match limiter.limit(key.to_owned()).await {
        Ok(outcome) if outcome.success => Ok(()),
        Ok(_) => {
            log::warn("rate_limited", json!({"limit": limit.binding()}));
            let mut e = ApiError::new(429, "rate_limited", limit.message());
            e.retry_after = Some(retry_after(js_sys::Date::now() / 1000.0));
            Err(e)
        }
        Err(e) => {
            log::error(
                "rate_limit_unavailable",
                json!({"limit": limit.binding(), "cause": e.to_string()}),
            );
            Ok(())
        }
    }
}

/// The client's address: `CF-Connecting-IP`, which Cloudflare sets on every
/// request it forwards (a client cannot choose it there); 127.0.0.1 when
/// absent, as only a local run lacks it.
pub fn client_address(req: &Request) -> String {
    http::get_header(req, "cf-connecting-ip")
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| "127.0.0.1".into())
}

fn state_changing(method: &Method) -> bool {
    matches!(
        method,
        Method::Post | Method::Put | Method::Patch | Method::Delete
    )
}

/// The checks above that apply to this request, cheapest first. Nothing
/// has been read or written when one fails.
pub async fn admit(req: &Request, env: &Env, cfg: &Config, path: &str) -> ApiResult<()> {
    let method = req.method();
    if state_changing(&method) {
        if let Some(origin) = http::get_header(req, "origin") {
            let url = req.inner().url();
            let own = origin_of(&url).is_some_and(|o| o.eq_ignore_ascii_case(origin.trim()));
            if !own && !cfg.origin_allowed(&origin) {
                log::warn("origin_refused", json!({"path": path}));
                return Err(ApiError::new(
                    403,
                    "origin_not_allowed",
                    "this origin may not call the API",
                ));
            }
        }
        if path.starts_with("/api/")
            && method != Method::Delete
            && !is_json(http::get_header(req, "content-type").as_deref())
        {
            return Err(ApiError::new(
                415,
                "unsupported_media_type",
                "send the body as JSON with Content-Type: application/json",
            ));
        }
    }
    let which = match (method, path) {
        (Method::Post, "/api/checkout") => Limit::Checkout,
        (Method::Post, "/api/quote") => Limit::Quote,
        (Method::Post, "/mypay/notify") => Limit::NotifyAddress,
        _ => return Ok(()),
    };
    limit(env, which, &client_address(req)).await
}
