//! The webhooks' admin API (`Authorization: Bearer ADMIN_TOKEN`): the
//! endpoints (the `MERCHANT_WEBHOOK_URL` setting's and those added here,
//! each with its own secret, shown once), the deliveries, and replay.

use super::super::admin::authorize;
use super::super::config::Config;
use super::super::db::{n, os, s, Db};
use super::super::http::{self, ok_json, ApiError, ApiResult};
use super::super::{log, time};
use super::{delivery, enqueue, Job, DELIVERY_SELECT, SETTING_ENDPOINT};
use mypay_link::webhooks::Secret;
use serde::Deserialize;
use serde_json::{json, Value};
use worker::{Request, Response};

/// The longest endpoint URL accepted.
const URL_MAX: usize = 2048;

#[derive(Deserialize)]
struct EndpointRow {
    id: String,
    url: String,
    enabled: i64,
    created_at: i64,
}

#[derive(Deserialize)]
struct CountRow {
    n: i64,
}

fn endpoint_view(e: &EndpointRow) -> Value {
    json!({"id": e.id, "url": e.url, "enabled": e.enabled == 1, "source": "console",
           "created_at": time::rfc3339(e.created_at)})
}

/// GET /admin/webhooks
pub async fn overview(req: Request, cfg: &Config, db: &Db) -> ApiResult<Response> {
    authorize(&req, cfg)?;
    let mut endpoints: Vec<Value> = Vec::new();
    if let Some(w) = &cfg.webhook {
        endpoints.push(
            json!({"id": SETTING_ENDPOINT, "url": w.url, "enabled": true,
                              "source": "setting", "created_at": Value::Null}),
        );
    }
    let rows: Vec<EndpointRow> = db
        .all(
            "SELECT id, url, enabled, created_at FROM webhook_endpoints ORDER BY created_at, rowid",
            &[],
        )
        .await?;
    endpoints.extend(rows.iter().map(endpoint_view));
    let failed: Option<CountRow> = db
        .first(
            "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status = 'failed'",
            &[],
        )
        .await?;
    ok_json(
        200,
        &json!({"endpoints": endpoints, "failed_deliveries": failed.map(|c| c.n).unwrap_or(0)}),
    )
}

#[derive(Deserialize)]
struct NewEndpoint {
    url: String,
}

/// Whether `url` may receive webhooks: https, or plain http to this machine
/// when the Worker runs against the local sandbox (development and tests).
/// Checked by hand: a URL parser with its IDNA tables would add a fifth to
/// the Worker's size for this one check (fetch parses the URL again).
fn acceptable(cfg: &Config, url: &str) -> Result<(), &'static str> {
    if url.len() > URL_MAX {
        return Err("url is too long");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("url is not a URL");
    }
    let (scheme, rest) = url.split_once("://").ok_or("url is not a URL")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err("url may not carry credentials");
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    if host.is_empty() {
        return Err("url has no host");
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(()),
        "http" if cfg.webhook_allow_loopback_http && super::super::config::is_loopback(url) => {
            Ok(())
        }
        _ => Err("url must be https (plain http only to this machine in development)"),
    }
}

/// POST /admin/webhooks/endpoints {"url"} → 201 {"endpoint", "secret"}
pub async fn add_endpoint(mut req: Request, cfg: &Config, db: &Db) -> ApiResult<Response> {
    authorize(&req, cfg)?;
    let (body, _) = http::read_json::<NewEndpoint>(&mut req).await?;
    let url = body.url.trim().to_owned();
    acceptable(cfg, &url).map_err(|m| ApiError::bad_request("invalid_url", m))?;
    let secret = Secret::generate().map_err(|_| ApiError::internal("random", "no entropy"))?;
    let id = time::random_hex(8)
        .map(|h| format!("we_{h}"))
        .ok_or_else(|| ApiError::internal("random", "no entropy"))?;
    let now = time::now();
    db.run(
        "INSERT INTO webhook_endpoints (id, url, secret, enabled, created_at) VALUES (?1, ?2, ?3, 1, ?4)",
        &[s(&id), s(&url), s(&secret.to_text()), n(now)],
    )
    .await?;
    log::info("webhook_endpoint_added", json!({"endpoint": id}));
    let e = EndpointRow {
        id,
        url,
        enabled: 1,
        created_at: now,
    };
    ok_json(
        201,
        &json!({"endpoint": endpoint_view(&e), "secret": secret.to_text()}),
    )
}

/// DELETE /admin/webhooks/endpoints/:id → {"deleted": true}. Its pending
/// deliveries fail at their next attempt (`endpoint_removed`).
pub async fn delete_endpoint(req: Request, cfg: &Config, db: &Db, id: &str) -> ApiResult<Response> {
    authorize(&req, cfg)?;
    if id == SETTING_ENDPOINT {
        return Err(ApiError::new(
            409,
            "endpoint_from_setting",
            "this endpoint is the MERCHANT_WEBHOOK_URL setting: change the setting to remove it",
        ));
    }
    let gone = db
        .run("DELETE FROM webhook_endpoints WHERE id = ?1", &[s(id)])
        .await?;
    if gone == 0 {
        return Err(ApiError::not_found(
            "endpoint_not_found",
            "no such webhook endpoint",
        ));
    }
    log::info("webhook_endpoint_deleted", json!({"endpoint": id}));
    ok_json(200, &json!({"deleted": true}))
}

/// GET /admin/webhooks/deliveries?status=&order_id=&limit=&cursor=
pub async fn list_deliveries(req: Request, cfg: &Config, db: &Db) -> ApiResult<Response> {
    authorize(&req, cfg)?;
    let status = http::query_param(&req, "status").filter(|s| !s.is_empty());
    if let Some(st) = &status {
        if !["pending", "delivered", "failed"].contains(&st.as_str()) {
            return Err(ApiError::bad_request(
                "invalid_request",
                "status is pending, delivered or failed",
            ));
        }
    }
    let order_id = http::query_param(&req, "order_id").filter(|s| !s.is_empty());
    let limit = match http::query_param(&req, "limit").filter(|l| !l.is_empty()) {
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|l| (1..=200).contains(l))
            .ok_or_else(|| ApiError::bad_request("invalid_request", "limit is 1 to 200"))?,
        None => 50,
    };
    // The cursor is "<created_at>:<id>" of the last delivery of a page.
    let bad_cursor = || ApiError::bad_request("invalid_request", "bad cursor");
    let (c_at, c_id) = match http::query_param(&req, "cursor").filter(|c| !c.is_empty()) {
        Some(c) => {
            let (a, b) = c.split_once(':').ok_or_else(bad_cursor)?;
            (a.parse::<i64>().map_err(|_| bad_cursor())?, b.to_owned())
        }
        None => (i64::MAX / 2, String::new()),
    };
    let rows: Vec<super::DeliveryRow> = db
        .all(
            &format!(
                "{DELIVERY_SELECT} WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR order_id = ?2) \
                 AND (created_at < ?3 OR (created_at = ?3 AND id < ?4) OR (?4 = '' AND created_at <= ?3)) \
                 ORDER BY created_at DESC, id DESC LIMIT ?5"
            ),
            &[os(status.as_deref()), os(order_id.as_deref()), n(c_at), s(&c_id), n(limit + 1)],
        )
        .await?;
    let more = rows.len() as i64 > limit;
    let page: Vec<&super::DeliveryRow> = rows.iter().take(limit as usize).collect();
    let next_cursor = if more {
        page.last().map(|d| format!("{}:{}", d.created_at, d.id))
    } else {
        None
    };
    let deliveries: Vec<Value> = page.iter().map(|d| d.view()).collect();
    ok_json(
        200,
        &json!({"deliveries": deliveries, "next_cursor": next_cursor}),
    )
}

/// POST /admin/webhooks/deliveries/:id/replay → 202 {"delivery"}: the same
/// message (same webhook-id, same body) again, with a fresh retry schedule.
pub async fn replay(req: Request, cfg: &Config, db: &Db, id: &str) -> ApiResult<Response> {
    authorize(&req, cfg)?;
    let now = time::now();
    let changed = db
        .run(
            "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?1, retry_base = attempts, \
             delivered_at = NULL WHERE id = ?2",
            &[n(now), s(id)],
        )
        .await?;
    if changed == 0 {
        return Err(ApiError::not_found(
            "delivery_not_found",
            "no such webhook delivery",
        ));
    }
    enqueue(
        Job {
            delivery_id: Some(id.to_owned()),
            ..Job::default()
        },
        0,
    )
    .await;
    let d = delivery(db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("delivery_not_found", "no such webhook delivery"))?;
    log::info(
        "webhook_replay",
        json!({"delivery_id": id, "webhook_id": d.webhook_id}),
    );
    ok_json(202, &json!({"delivery": d.view()}))
}
