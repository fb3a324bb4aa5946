//! What the admin console (`public/admin/`) needs beyond the admin API:
//! who is signed in, "check with MYPAY now" for one order, the
//! reconciliation runs, and the accounting export as CSV.

use super::admin::{authorize, order_or_404};
use super::config::Config;
use super::db::{n, on, os, s, Db};
use super::http::{self, ok_json, ApiError, ApiResult};
use super::orders::{self, ConfirmError, ReconcileReport};
use super::{access, log, time};
use crate::console_rules::{self, csv, taipei, Cell};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use worker::{Request, Response};

/// `GET /admin/session`: how the caller signed in.
pub async fn session(req: Request, cfg: &Config) -> ApiResult<Response> {
    authorize(&req, cfg)?;
    let principal = access::principal(&req);
    ok_json(
        200,
        &json!({
            "via": if principal.is_some() { "access" } else { "token" },
            "principal": principal,
            "access_configured": cfg.access.is_some(),
            "now": time::now_rfc3339(),
        }),
    )
}

/// `POST /admin/orders/{id}/check`: asks MYPAY for the order's state now and
/// applies the answer, as the cron job does.
pub async fn check_order(req: Request, cfg: &Config, db: &Db, id: &str) -> ApiResult<Response> {
    authorize(&req, cfg)?;
    let o = order_or_404(db, id).await?;
    if o.mypay_uid.is_none() {
        return Err(ApiError::new(
            409,
            "not_checkable",
            "MYPAY never answered for this order: there is nothing to ask it about",
        ));
    }
    let before = o.status;
    match orders::confirm(cfg, db, &o, "admin_check").await {
        Ok(out) => ok_json(
            200,
            &json!({"order_id": id, "from": before.as_str(), "status": out.to.as_str(), "changed": out.changed()}),
        ),
        Err(ConfirmError::Mismatch(m)) => {
            orders::log_confirm_error(id, &ConfirmError::Mismatch(m));
            Err(ApiError::new(
                502,
                "mypay_mismatch",
                "MYPAY answered for another order or amount; nothing was changed",
            ))
        }
        Err(ConfirmError::Upstream(u)) => {
            let (status, code, message) = u.api_error();
            orders::log_confirm_error(id, &ConfirmError::Upstream(u));
            Err(ApiError::new(status, code, message))
        }
        Err(e) => {
            orders::log_confirm_error(id, &e);
            Err(ApiError::internal("check_order", "confirm failed"))
        }
    }
}

/// Keeps a reconciliation run (best effort: a run that cannot be recorded
/// still happened).
pub async fn record_run(db: &Db, source: &str, report: Result<&ReconcileReport, &str>) {
    let (checked, updated, expired, released, failed, error) = match report {
        Ok(r) => (
            i64::from(r.checked),
            i64::from(r.updated),
            i64::from(r.expired),
            i64::from(r.released),
            i64::from(r.failed),
            None,
        ),
        Err(e) => (0, 0, 0, 0, 0, Some(e)),
    };
    if let Err(e) = db
        .run(
            "INSERT INTO reconcile_runs (source, at, checked, updated, expired, released, failed, error) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            &[s(source), n(time::now()), n(checked), n(updated), n(expired), n(released), n(failed), os(error)],
        )
        .await
    {
        e.log();
    }
}

/// Records an admin run from the answer of `POST /admin/reconcile`.
pub async fn record_admin_run(db: &Db, res: &mut Response) {
    if res.status_code() != 200 {
        record_run(db, "admin", Err("internal_error")).await;
        return;
    }
    let body = match res.cloned() {
        Ok(mut c) => c.json::<Value>().await.ok(),
        Err(_) => None,
    };
    let num = |k: &str| {
        body.as_ref()
            .and_then(|b| b.get(k))
            .and_then(Value::as_u64)
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(0)
    };
    let report = ReconcileReport {
        checked: num("checked"),
        updated: num("updated"),
        expired: num("expired"),
        released: num("released"),
        failed: num("failed"),
    };
    record_run(db, "admin", Ok(&report)).await;
}

#[derive(Deserialize)]
struct RunRow {
    id: i64,
    source: String,
    at: i64,
    checked: i64,
    updated: i64,
    expired: i64,
    released: i64,
    failed: i64,
    error: Option<String>,
}

#[derive(Deserialize)]
struct ReviewCount {
    reason: Option<String>,
    count: i64,
}

/// `GET /admin/reconcile/runs`: the last 20 runs, and the orders that
/// need a person now, counted by reason.
pub async fn runs(req: Request, cfg: &Config, db: &Db) -> ApiResult<Response> {
    authorize(&req, cfg)?;
    let rows: Vec<RunRow> = db
        .all(
            "SELECT id, source, at, checked, updated, expired, released, failed, error FROM reconcile_runs ORDER BY id DESC LIMIT 20",
            &[],
        )
        .await?;
    let review: Vec<ReviewCount> = db
        .all(
            "SELECT review_reason AS reason, count(*) AS count FROM orders WHERE status = 'needs_review' GROUP BY review_reason ORDER BY review_reason",
            &[],
        )
        .await?;
    let runs: Vec<Value> = rows
        .into_iter()
        .map(|r| {
            json!({"id": r.id, "source": r.source, "at": time::rfc3339(r.at), "checked": r.checked, "updated": r.updated,
                   "expired": r.expired, "released": r.released, "failed": r.failed, "error": r.error})
        })
        .collect();
    let needs_review: Vec<Value> = review
        .into_iter()
        .map(|r| json!({"reason": r.reason, "count": r.count}))
        .collect();
    ok_json(200, &json!({"runs": runs, "needs_review": needs_review}))
}

/// Most rows one export writes (a larger range is cut: the last row says so).
const EXPORT_MAX: i64 = 10_000;

/// How a column's value is written.
#[derive(Clone, Copy)]
enum Col {
    /// As stored: text, a whole number or empty.
    Plain,
    /// Unix seconds, written in Taiwan time.
    Time,
}

/// One CSV row from a row read as JSON, in `cols`' order.
fn cells(row: &Map<String, Value>, cols: &[(&str, Col)]) -> Vec<Cell> {
    cols.iter()
        .map(|(name, col)| match (row.get(*name), col) {
            (Some(Value::Number(n)), Col::Time) => n.as_i64().map(taipei).into(),
            (Some(Value::Number(n)), Col::Plain) => n
                .as_i64()
                .map(Cell::Int)
                .unwrap_or_else(|| Cell::Text(n.to_string())),
            (Some(Value::String(t)), _) => Cell::Text(t.clone()),
            _ => Cell::Empty,
        })
        .collect()
}

const ORDER_COLS: &[(&str, Col)] = &[
    ("order_id", Col::Plain),
    ("created_at", Col::Time),
    ("status", Col::Plain),
    ("subtotal", Col::Plain),
    ("voucher_total", Col::Plain),
    ("amount", Col::Plain),
    ("currency", Col::Plain),
    ("payment_method", Col::Plain),
    ("mypay_code", Col::Plain),
    ("mypay_uid", Col::Plain),
    ("paid_at", Col::Time),
    ("refunded_at", Col::Time),
    ("customer_email", Col::Plain),
];

const REFUND_COLS: &[(&str, Col)] = &[
    ("event_id", Col::Plain),
    ("at", Col::Time),
    ("order_id", Col::Plain),
    ("what", Col::Plain),
    ("mypay_code", Col::Plain),
    ("amount", Col::Plain),
    ("payment_method", Col::Plain),
    ("mypay_uid", Col::Plain),
    ("order_status_now", Col::Plain),
    ("refund_state_now", Col::Plain),
];

const VOUCHER_COLS: &[(&str, Col)] = &[
    ("code", Col::Plain),
    ("kind", Col::Plain),
    ("product_id", Col::Plain),
    ("name", Col::Plain),
    ("value", Col::Plain),
    ("issuer", Col::Plain),
    ("refund_return_type", Col::Plain),
    ("status", Col::Plain),
    ("order_id", Col::Plain),
    ("refund_outcome", Col::Plain),
    ("expires_at", Col::Time),
    ("min_spend", Col::Plain),
    ("created_at", Col::Time),
];

/// `GET /admin/export?kind=orders|refunds|vouchers&from=YYYY-MM-DD&to=YYYY-MM-DD`
/// (vouchers also `status`): CSV in UTF-8 with a byte order mark, times in
/// Taiwan time. Orders and vouchers by creation day, refunds by the day
/// the refund was asked for or recorded.
pub async fn export(req: Request, cfg: &Config, db: &Db) -> ApiResult<Response> {
    authorize(&req, cfg)?;
    let kind = http::query_param(&req, "kind").unwrap_or_default();
    let from = http::query_param(&req, "from");
    let to = http::query_param(&req, "to");
    let range = console_rules::range(from.as_deref(), to.as_deref()).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_request",
            "from and to are days (YYYY-MM-DD), from not after to",
        )
    })?;
    let (start, end) = (on(range.start), on(range.end));
    let (cols, sql, args) = match kind.as_str() {
        "orders" => (
            ORDER_COLS,
            "SELECT id AS order_id, created_at, status, subtotal, voucher_total, amount, currency, payment_pfn AS payment_method, \
             prc AS mypay_code, mypay_uid, paid_at, refunded_at, customer_email \
             FROM orders WHERE (?1 IS NULL OR created_at >= ?1) AND (?2 IS NULL OR created_at < ?2) ORDER BY created_at, id LIMIT ?3",
            vec![start, end, n(EXPORT_MAX)],
        ),
        "refunds" => (
            REFUND_COLS,
            "SELECT e.id AS event_id, e.created_at AS at, e.order_id, \
             CASE e.kind WHEN 'refund' THEN 'refund_requested' WHEN 'manual_refund' THEN 'refunded_in_mypay_panel' \
             WHEN 'refund_failed' THEN 'refund_refused' ELSE 'refund_unanswered' END AS what, \
             e.prc AS mypay_code, o.amount, o.payment_pfn AS payment_method, o.mypay_uid, o.status AS order_status_now, \
             o.refund_state AS refund_state_now \
             FROM events e JOIN orders o ON o.id = e.order_id \
             WHERE e.kind IN ('refund', 'manual_refund', 'refund_failed', 'refund_unanswered') \
             AND (?1 IS NULL OR e.created_at >= ?1) AND (?2 IS NULL OR e.created_at < ?2) ORDER BY e.id LIMIT ?3",
            vec![start, end, n(EXPORT_MAX)],
        ),
        "vouchers" => {
            let status = http::query_param(&req, "status").filter(|s| !s.is_empty());
            if let Some(st) = &status {
                if !["available", "reserved", "used"].contains(&st.as_str()) {
                    return Err(ApiError::bad_request(
                        "invalid_request",
                        "status is available, reserved or used",
                    ));
                }
            }
            (
                VOUCHER_COLS,
                "SELECT code, kind, product_id, name, value, issuer, refund_return_type, status, order_id, refund_outcome, \
                 expires_at, min_spend, created_at FROM vouchers \
                 WHERE (?1 IS NULL OR created_at >= ?1) AND (?2 IS NULL OR created_at < ?2) AND (?3 IS NULL OR status = ?3) \
                 ORDER BY created_at, code LIMIT ?4",
                vec![start, end, os(status.as_deref()), n(EXPORT_MAX)],
            )
        }
        _ => {
            return Err(ApiError::bad_request(
                "invalid_request",
                "kind is orders, refunds or vouchers",
            ))
        }
    };
    let found: Vec<Map<String, Value>> = db.all(sql, &args).await?;
    let mut rows: Vec<Vec<Cell>> = found.iter().map(|r| cells(r, cols)).collect();
    if rows.len() as i64 >= EXPORT_MAX {
        rows.push(vec![format!(
            "(cut at {EXPORT_MAX} rows: export a shorter date range)"
        )
        .into()]);
    }
    let day = |d: Option<String>| {
        let d: String = d
            .unwrap_or_default()
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '-')
            .collect();
        if d.is_empty() {
            "all".to_owned()
        } else {
            d
        }
    };
    let filename = format!("mypay-{kind}-{}_{}.csv", day(from), day(to));
    log::info("export", json!({"kind": kind, "rows": rows.len()}));
    let header: Vec<&str> = cols.iter().map(|(name, _)| *name).collect();
    let mut res = http::raw_response(200, "text/csv; charset=utf-8", csv(&header, &rows));
    let _ = res.headers_mut().set(
        "content-disposition",
        &format!("attachment; filename=\"{filename}\""),
    );
    Ok(res)
}
