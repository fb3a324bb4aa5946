//! What the admin console (`public/admin/`) needs beyond the admin API:
//! who is signed in, "check with MYPAY now" for one order, the
//! reconciliation runs, and the accounting export as CSV.

use super::admin::authorize;
use super::config::Config;
use super::db::{n, on, os, s, Db};
use super::http::{self, ok_json, ApiError, ApiResult};
use super::orders::{self, ConfirmError, ReconcileReport};
use super::{access, log, time};
use crate::console_rules::{self, csv, taipei, Cell};
use serde::Deserialize;
use serde_json::{json, Value};
use std::cell::Cell as StdCell;
use worker::{Request, Response};

thread_local! {
    /// Whether `orders.customer_email` exists: `Some(true)` once seen (a
    /// column is never dropped), `Some(false)` with the time it was asked.
    static EMAIL_COLUMN: StdCell<Option<(bool, i64)>> = const { StdCell::new(None) };
}

#[derive(Deserialize)]
struct Column {
    name: String,
}

/// Whether orders keep the customer's e-mail (`orders.customer_email`):
/// asked once per isolate (again a minute after a "no").
pub async fn has_customer_email(db: &Db) -> bool {
    let now = time::now();
    match EMAIL_COLUMN.with(StdCell::get) {
        Some((true, _)) => return true,
        Some((false, at)) if (0..60).contains(&(now - at)) => return false,
        _ => {}
    }
    let cols: Vec<Column> = match db.all("PRAGMA table_info(orders)", &[]).await {
        Ok(c) => c,
        Err(e) => {
            e.log();
            return false;
        }
    };
    let has = cols.iter().any(|c| c.name == "customer_email");
    EMAIL_COLUMN.with(|c| c.set(Some((has, now))));
    has
}

/// `GET /admin/session`: how the caller signed in.
pub async fn session(req: Request, cfg: &Config, db: &Db) -> ApiResult<Response> {
    authorize(&req, cfg)?;
    let principal = access::principal(&req);
    ok_json(
        200,
        &json!({
            "via": if principal.is_some() { "access" } else { "token" },
            "principal": principal,
            "access_configured": cfg.access.is_some(),
            "search_by_email": has_customer_email(db).await,
            "now": time::now_rfc3339(),
        }),
    )
}

/// `POST /admin/orders/{id}/check`: asks MYPAY for the order's state now and
/// applies the answer, as the cron job does.
pub async fn check_order(req: Request, cfg: &Config, db: &Db, id: &str) -> ApiResult<Response> {
    authorize(&req, cfg)?;
    let o = db
        .order(id)
        .await?
        .ok_or_else(|| ApiError::not_found("order_not_found", "no such order"))?;
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

#[derive(Deserialize)]
struct OrderExport {
    id: String,
    status: String,
    amount: i64,
    subtotal: i64,
    voucher_total: i64,
    currency: String,
    payment_pfn: Option<String>,
    prc: Option<String>,
    mypay_uid: Option<String>,
    created_at: i64,
    paid_at: Option<i64>,
    refunded_at: Option<i64>,
    #[serde(default)]
    customer_email: Option<String>,
}

#[derive(Deserialize)]
struct RefundExport {
    event_id: i64,
    order_id: String,
    kind: String,
    prc: Option<String>,
    created_at: i64,
    amount: i64,
    mypay_uid: Option<String>,
    payment_pfn: Option<String>,
    status: String,
    refund_state: Option<String>,
}

#[derive(Deserialize)]
struct VoucherExport {
    code: String,
    kind: String,
    product_id: String,
    name: String,
    value: i64,
    issuer: String,
    refund_return_type: Option<String>,
    status: String,
    order_id: Option<String>,
    refund_outcome: Option<String>,
    expires_at: Option<i64>,
    min_spend: i64,
    created_at: i64,
}

/// Most rows one export writes (a larger range is cut: the last row says so).
const EXPORT_MAX: i64 = 10_000;

fn when(t: Option<i64>) -> Cell {
    t.map(taipei).into()
}

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
    let (header, rows): (&[&str], Vec<Vec<Cell>>) = match kind.as_str() {
        "orders" => {
            let email = has_customer_email(db).await;
            let col = if email { ", customer_email" } else { "" };
            let rows: Vec<OrderExport> = db
                .all(
                    &format!(
                        "SELECT id, status, amount, subtotal, voucher_total, currency, payment_pfn, prc, mypay_uid, created_at, paid_at, refunded_at{col} \
                         FROM orders WHERE (?1 IS NULL OR created_at >= ?1) AND (?2 IS NULL OR created_at < ?2) ORDER BY created_at, id LIMIT ?3"
                    ),
                    &[start, end, n(EXPORT_MAX)],
                )
                .await?;
            (
                &[
                    "order_id",
                    "created_at",
                    "status",
                    "subtotal",
                    "voucher_total",
                    "amount",
                    "currency",
                    "payment_method",
                    "mypay_code",
                    "mypay_uid",
                    "paid_at",
                    "refunded_at",
                    "customer_email",
                ],
                rows.into_iter()
                    .map(|o| {
                        vec![
                            o.id.into(),
                            taipei(o.created_at).into(),
                            o.status.into(),
                            o.subtotal.into(),
                            o.voucher_total.into(),
                            o.amount.into(),
                            o.currency.into(),
                            o.payment_pfn.into(),
                            o.prc.into(),
                            o.mypay_uid.into(),
                            when(o.paid_at),
                            when(o.refunded_at),
                            o.customer_email.into(),
                        ]
                    })
                    .collect(),
            )
        }
        "refunds" => {
            let rows: Vec<RefundExport> = db
                .all(
                    "SELECT e.id AS event_id, e.order_id, e.kind, e.prc, e.created_at, o.amount, o.mypay_uid, o.payment_pfn, o.status, o.refund_state \
                     FROM events e JOIN orders o ON o.id = e.order_id \
                     WHERE e.kind IN ('refund', 'manual_refund', 'refund_failed', 'refund_unanswered') \
                     AND (?1 IS NULL OR e.created_at >= ?1) AND (?2 IS NULL OR e.created_at < ?2) ORDER BY e.id LIMIT ?3",
                    &[start, end, n(EXPORT_MAX)],
                )
                .await?;
            (
                &[
                    "event_id",
                    "at",
                    "order_id",
                    "what",
                    "mypay_code",
                    "amount",
                    "payment_method",
                    "mypay_uid",
                    "order_status_now",
                    "refund_state_now",
                ],
                rows.into_iter()
                    .map(|r| {
                        let what = match r.kind.as_str() {
                            "refund" => "refund_requested",
                            "manual_refund" => "refunded_in_mypay_panel",
                            "refund_failed" => "refund_refused",
                            _ => "refund_unanswered",
                        };
                        vec![
                            r.event_id.into(),
                            taipei(r.created_at).into(),
                            r.order_id.into(),
                            what.into(),
                            r.prc.into(),
                            r.amount.into(),
                            r.payment_pfn.into(),
                            r.mypay_uid.into(),
                            r.status.into(),
                            r.refund_state.into(),
                        ]
                    })
                    .collect(),
            )
        }
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
            let rows: Vec<VoucherExport> = db
                .all(
                    "SELECT code, kind, product_id, name, value, issuer, refund_return_type, status, order_id, refund_outcome, expires_at, min_spend, created_at \
                     FROM vouchers WHERE (?1 IS NULL OR created_at >= ?1) AND (?2 IS NULL OR created_at < ?2) AND (?3 IS NULL OR status = ?3) \
                     ORDER BY created_at, code LIMIT ?4",
                    &[start, end, os(status.as_deref()), n(EXPORT_MAX)],
                )
                .await?;
            (
                &[
                    "code",
                    "kind",
                    "product_id",
                    "name",
                    "value",
                    "issuer",
                    "refund_return_type",
                    "status",
                    "order_id",
                    "refund_outcome",
                    "expires_at",
                    "min_spend",
                    "created_at",
                ],
                rows.into_iter()
                    .map(|v| {
                        vec![
                            v.code.into(),
                            v.kind.into(),
                            v.product_id.into(),
                            v.name.into(),
                            v.value.into(),
                            v.issuer.into(),
                            v.refund_return_type.into(),
                            v.status.into(),
                            v.order_id.into(),
                            v.refund_outcome.into(),
                            when(v.expires_at),
                            v.min_spend.into(),
                            taipei(v.created_at).into(),
                        ]
                    })
                    .collect(),
            )
        }
        _ => {
            return Err(ApiError::bad_request(
                "invalid_request",
                "kind is orders, refunds or vouchers",
            ))
        }
    };
    let mut rows = rows;
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
    let mut res = http::raw_response(200, "text/csv; charset=utf-8", csv(header, &rows));
    let _ = res.headers_mut().set(
        "content-disposition",
        &format!("attachment; filename=\"{filename}\""),
    );
    Ok(res)
}
