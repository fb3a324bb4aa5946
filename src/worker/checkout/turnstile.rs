//! Step 2½: Cloudflare Turnstile, when the store turned it on
//! (`TURNSTILE_SITE_KEY` and `TURNSTILE_SECRET_KEY`). A new checkout must
//! carry the widget's token in `CF-Turnstile-Response`; siteverify decides.
//! A retry answered from its `Idempotency-Key` creates nothing and is not
//! asked again (its first token is spent).

use crate::worker::config::Config;
use crate::worker::http::{ApiError, ApiResult};
use crate::worker::{log, mypay};
use serde::Deserialize;
use serde_json::json;

/// How long siteverify may take.
const VERIFY_TIMEOUT_MS: i32 = 5_000;

/// siteverify's answer (the fields used).
#[derive(Deserialize)]
struct Verdict {
    success: bool,
    #[serde(rename = "error-codes", default)]
    error_codes: Vec<String>,
}

pub async fn check(cfg: &Config, token: Option<&str>, ip: &str) -> ApiResult<()> {
    let Some(t) = &cfg.turnstile else {
        return Ok(());
    };
    let token = token
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 2048)
        .ok_or_else(|| {
            ApiError::new(
                403,
                "turnstile_required",
                "complete the challenge (CF-Turnstile-Response) before checking out",
            )
        })?;
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("secret", &t.secret_key)
        .append_pair("response", token)
        .append_pair("remoteip", ip)
        .finish();
    let unavailable = || {
        ApiError::new(
            503,
            "turnstile_unavailable",
            "the challenge could not be checked; try again",
        )
    };
    let (status, text) = mypay::post(
        &t.verify_url,
        "application/x-www-form-urlencoded",
        &body,
        VERIFY_TIMEOUT_MS,
    )
    .await
    .map_err(|e| {
        log::warn("turnstile_unavailable", json!({"error": e.log_code()}));
        unavailable()
    })?;
    let verdict: Verdict = match serde_json::from_str(&text) {
        Ok(v) if status == 200 => v,
        _ => {
            log::warn("turnstile_unavailable", json!({"status": status}));
            return Err(unavailable());
        }
    };
    if verdict.success {
        return Ok(());
    }
    log::warn(
        "turnstile_failed",
        json!({"error_codes": verdict.error_codes}),
    );
    Err(ApiError::new(
        403,
        "turnstile_failed",
        "the challenge was not passed; try again",
    )
    .with_details(json!({"error_codes": verdict.error_codes})))
}
