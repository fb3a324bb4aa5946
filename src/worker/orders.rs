//! Order flows shared by the handlers and the cron job: applying a status
//! (with its voucher effects, in one transaction), confirming with
//! `api/queryorder`, reconciling, and the order's JSON view.

use super::config::Config;
use super::db::{n, os, s, Db, OrderRow};
use super::http::{ApiError, ApiResult};
use super::mypay::{self, UpstreamError};
use super::{log, time};
use crate::codes::StatusCode;
use crate::models::Transaction;
use crate::order_state::{
    apply, refund_outcome, HoldEffect, OrderEvent, OrderStatus, RefundOutcome, Transition,
};
use serde_json::{json, Map, Value};

/// How long an order may wait for payment before any pending code arrives.
pub const ORDER_TTL_SECS: i64 = 30 * 60;
/// Days to pay a store code or virtual account.
pub const LIMIT_PAY_DAYS: i64 = 3;
/// Grace after a payment limit before the order is expired locally.
const EXPIRY_GRACE_SECS: i64 = 3600;
/// An order expired locally this long after its limit even if MYPAY cannot
/// be asked (so no voucher stays locked forever).
const FORCE_EXPIRY_SECS: i64 = 24 * 3600;

/// What a report or query says about the payment, kept on the order.
#[derive(Clone, Debug, Default)]
pub struct PaymentInfo {
    pub prc: Option<String>,
    pub pfn: Option<String>,
    pub message: Option<String>,
    pub codes: Option<Value>,
    pub expires_at: Option<i64>,
}

impl PaymentInfo {
    pub fn from_transaction(t: &Transaction, now: i64) -> Self {
        let codes = t.payment_codes().map(|m| {
            let mut out = Map::new();
            if let Some(ty) = &t.result_content_type {
                out.insert("type".into(), json!(ty.code()));
            }
            out.extend(m);
            Value::Object(out)
        });
        let limit = codes
            .as_ref()
            .and_then(|c| c.get("LimitDate"))
            .and_then(Value::as_str)
            .and_then(time::parse_mypay_time)
            .or_else(|| t.expired_date.as_deref().and_then(time::parse_mypay_time));
        let pending = t
            .prc
            .as_ref()
            .map(|p| p.class() == crate::StatusClass::Pending)
            .unwrap_or(false);
        let expires_at = match (pending, limit) {
            (true, Some(l)) => Some(l + EXPIRY_GRACE_SECS),
            (true, None) => Some(now + LIMIT_PAY_DAYS * 86_400 + EXPIRY_GRACE_SECS),
            _ => None,
        };
        Self {
            prc: t.prc.as_ref().map(|p| p.code().to_owned()),
            pfn: t.pfn.as_ref().map(|p| p.code().to_owned()),
            message: t.retmsg.clone(),
            codes,
            expires_at,
        }
    }
}

pub fn status_of(o: &OrderRow) -> ApiResult<OrderStatus> {
    OrderStatus::parse(&o.status)
        .ok_or_else(|| ApiError::internal("order_status", format!("unknown status {}", o.status)))
}

/// Applies `event` to `order` in one transaction: the status (only if it is
/// still what was read), the payment details, the voucher effects, and an
/// event row. Idempotent: a no-op transition writes only new payment details
/// of an open order.
pub async fn apply_event(
    db: &Db,
    order: &OrderRow,
    event: &OrderEvent,
    source: &str,
    info: Option<&PaymentInfo>,
) -> ApiResult<Transition> {
    let now = time::now();
    let from = status_of(order)?;
    let t = apply(from, event);
    let info_default = PaymentInfo::default();
    let i = info.unwrap_or(&info_default);
    let codes = i.codes.as_ref().map(Value::to_string);
    let id = order.id.as_str();
    let mut stmts = Vec::new();
    if t.changed() {
        let to = t.to.as_str();
        let nonce =
            time::random_hex(12).ok_or_else(|| ApiError::internal("random", "no entropy"))?;
        // A status-changing update writes payment details only when they
        // belong to the new state (a pending code's codes, a paid code's pfn).
        stmts.push(db.stmt(
            "UPDATE orders SET status = ?1, updated_at = ?2, \
             paid_at = CASE WHEN ?1 = 'paid' THEN ?2 ELSE paid_at END, \
             refunded_at = CASE WHEN ?1 = 'refunded' THEN ?2 ELSE refunded_at END, \
             prc = COALESCE(?3, prc), payment_pfn = COALESCE(?4, payment_pfn), \
             payment_message = COALESCE(?5, payment_message), payment_codes = COALESCE(?6, payment_codes), \
             expires_at = COALESCE(?7, expires_at), report_pending = 0, version = version + 1, \
             last_transition = ?11 WHERE id = ?8 AND status = ?9 AND version = ?10",
            &[s(to), n(now), os(i.prc.as_deref()), os(i.pfn.as_deref()), os(i.message.as_deref()), os(codes.as_deref()), on_i(i.expires_at), s(id), s(from.as_str()), n(order.version), s(&nonce)],
        )?);
        // The voucher effects and the event row apply only if this very
        // update did: a concurrent transition of the same order (a duplicate
        // report confirmed in parallel) leaves another nonce.
        let guard = format!("EXISTS (SELECT 1 FROM orders WHERE id = ?1 AND status = ?2 AND last_transition = '{nonce}')");
        match t.holds {
            HoldEffect::Keep => {}
            HoldEffect::Consume => stmts.push(db.stmt(
                &format!("UPDATE vouchers SET status = 'used', updated_at = ?3 WHERE code IN (SELECT code FROM holds WHERE order_id = ?1) AND {guard}"),
                &[s(id), s(to), n(now)],
            )?),
            HoldEffect::Release => {
                stmts.push(db.stmt(
                    &format!("UPDATE vouchers SET status = 'available', order_id = NULL, updated_at = ?3 WHERE code IN (SELECT code FROM holds WHERE order_id = ?1) AND {guard}"),
                    &[s(id), s(to), n(now)],
                )?);
                stmts.push(db.stmt(&format!("DELETE FROM holds WHERE order_id = ?1 AND {guard}"), &[s(id), s(to)])?);
            }
            HoldEffect::Refund => {
                for v in db.order_vouchers(id).await? {
                    let outcome = if v.kind == "paid" { refund_outcome(v.refund_return_type.as_deref()) } else { RefundOutcome::StaysUsed };
                    match outcome {
                        RefundOutcome::ReturnedToShopper => {
                            stmts.push(db.stmt(
                                &format!("UPDATE vouchers SET status = 'available', order_id = NULL, refund_outcome = 'returned_to_shopper', updated_at = ?3 WHERE code = ?4 AND {guard}"),
                                &[s(id), s(to), n(now), s(&v.code)],
                            )?);
                            stmts.push(db.stmt(
                                &format!("DELETE FROM holds WHERE code = ?3 AND order_id = ?1 AND {guard}"),
                                &[s(id), s(to), s(&v.code)],
                            )?);
                        }
                        other => {
                            let tag = if other == RefundOutcome::ValueToAgent { "value_to_agent" } else { "stays_used" };
                            stmts.push(db.stmt(
                                &format!("UPDATE vouchers SET refund_outcome = ?4, updated_at = ?3 WHERE code = ?5 AND {guard}"),
                                &[s(id), s(to), n(now), s(tag), s(&v.code)],
                            )?);
                        }
                    }
                }
            }
        }
        let detail = json!({"from": from.as_str(), "to": to, "source": source, "holds": t.holds});
        stmts.push(db.stmt(
            &format!("INSERT INTO events (order_id, kind, prc, detail, created_at) SELECT ?1, 'transition', ?3, ?4, ?5 WHERE {guard}"),
            &[s(id), s(to), os(i.prc.as_deref()), s(&detail.to_string()), n(now)],
        )?);
    } else if from.is_open() && (i.prc.is_some() || i.codes.is_some()) {
        stmts.push(db.stmt(
            "UPDATE orders SET updated_at = ?1, prc = COALESCE(?2, prc), payment_pfn = COALESCE(?3, payment_pfn), \
             payment_message = COALESCE(?4, payment_message), payment_codes = COALESCE(?5, payment_codes), \
             expires_at = COALESCE(?6, expires_at) WHERE id = ?7 AND status = ?8",
            &[n(now), os(i.prc.as_deref()), os(i.pfn.as_deref()), os(i.message.as_deref()), os(codes.as_deref()), on_i(i.expires_at), s(id), s(from.as_str())],
        )?);
    }
    if stmts.is_empty() {
        return Ok(t);
    }
    let changes = db
        .batch(stmts)
        .await
        .map_err(|e| ApiError::internal("d1_apply", e))?;
    if !t.changed() {
        return Ok(t);
    }
    if changes.first().copied().unwrap_or(0) == 0 {
        // Another request moved the order first; its effects stand.
        return Ok(Transition {
            from,
            to: from,
            holds: HoldEffect::Keep,
        });
    }
    log::info(
        "order_transition",
        json!({"order_id": id, "from": from.as_str(), "to": t.to.as_str(), "source": source}),
    );
    Ok(t)
}

fn on_i(v: Option<i64>) -> wasm_bindgen::JsValue {
    super::db::on(v)
}

/// Why a confirmation did not happen.
pub enum ConfirmError {
    Upstream(UpstreamError),
    Api(ApiError),
    /// The query answered for another order or amount.
    Mismatch(&'static str),
}

impl From<ApiError> for ConfirmError {
    fn from(e: ApiError) -> Self {
        ConfirmError::Api(e)
    }
}

/// Asks MYPAY for the order's state and applies it. The reply must name the
/// same uid, order id and amount.
pub async fn confirm(
    cfg: &Config,
    db: &Db,
    order: &OrderRow,
    source: &str,
) -> Result<Transition, ConfirmError> {
    let (Some(uid), Some(key)) = (order.mypay_uid.as_deref(), order.mypay_key.as_deref()) else {
        return Err(ConfirmError::Mismatch("order has no MYPAY uid"));
    };
    let now = time::now();
    let _ = db
        .run(
            "UPDATE orders SET last_checked_at = ?1 WHERE id = ?2",
            &[n(now), s(&order.id)],
        )
        .await;
    let reply = mypay::query_order(cfg, uid, key)
        .await
        .map_err(ConfirmError::Upstream)?;
    let t = &reply.transaction;
    if t.uid
        .as_ref()
        .map(|u| u.as_str().trim() != uid)
        .unwrap_or(true)
    {
        return Err(ConfirmError::Mismatch("query uid"));
    }
    if t.order_id
        .as_ref()
        .map(|o| o.as_str().trim() != order.id)
        .unwrap_or(false)
    {
        return Err(ConfirmError::Mismatch("query order_id"));
    }
    if t.cost.map(|c| c.get() != order.amount).unwrap_or(false) {
        return Err(ConfirmError::Mismatch("query cost"));
    }
    let info = PaymentInfo::from_transaction(t, now);
    let mut code = t.prc.clone().unwrap_or_else(|| StatusCode::from_code(""));
    // A refund made elsewhere (MYPAY's admin panel) shows as a refund entry
    // beside the original paid code.
    let refunded = reply
        .refund_order
        .as_ref()
        .map(|r| r.iter().any(|x| x.prc == Some(StatusCode::Refunded)))
        .unwrap_or(false);
    if refunded && code.class() == crate::StatusClass::Paid {
        code = StatusCode::Refunded;
    }
    let tr = apply_event(db, order, &OrderEvent::Status(code), source, Some(&info)).await?;
    let _ = db
        .run(
            "UPDATE orders SET report_pending = 0 WHERE id = ?1",
            &[s(&order.id)],
        )
        .await;
    Ok(tr)
}

/// Logs a failed confirmation (no secrets: codes only).
pub fn log_confirm_error(order_id: &str, e: &ConfirmError) {
    match e {
        ConfirmError::Upstream(u) => log::warn(
            "confirm_failed",
            json!({"order_id": order_id, "error": u.log_code()}),
        ),
        ConfirmError::Api(a) => log::warn(
            "confirm_failed",
            json!({"order_id": order_id, "error": a.code}),
        ),
        ConfirmError::Mismatch(m) => {
            log::error("confirm_mismatch", json!({"order_id": order_id, "what": m}))
        }
    }
}

#[derive(Default, serde::Serialize)]
pub struct ReconcileReport {
    pub checked: u32,
    pub updated: u32,
    pub expired: u32,
    pub failed: u32,
}

/// Queries MYPAY for open orders and unconfirmed reports older than
/// `min_age` seconds, then expires open orders past their limit and releases
/// their vouchers.
pub async fn reconcile(
    cfg: &Config,
    db: &Db,
    min_age: i64,
    limit: i64,
) -> ApiResult<ReconcileReport> {
    let now = time::now();
    let mut report = ReconcileReport::default();
    let candidates: Vec<OrderRow> = db
        .all(
            &format!(
                "{} WHERE (status IN ('created','pending') OR report_pending = 1) AND mypay_uid IS NOT NULL \
                 AND (report_pending = 1 OR updated_at <= ?1) ORDER BY report_pending DESC, updated_at LIMIT ?2",
                super::db::ORDER_SELECT
            ),
            &[n(now - min_age), n(limit)],
        )
        .await?;
    for order in candidates {
        report.checked += 1;
        match confirm(cfg, db, &order, "reconcile").await {
            Ok(t) if t.changed() => report.updated += 1,
            Ok(_) => {}
            Err(e) => {
                report.failed += 1;
                log_confirm_error(&order.id, &e);
            }
        }
    }
    // Expire what is still open past its limit.
    let stale: Vec<OrderRow> = db
        .all(
            &format!("{} WHERE status IN ('created','pending') AND expires_at <= ?1 ORDER BY expires_at LIMIT ?2", super::db::ORDER_SELECT),
            &[n(now), n(limit)],
        )
        .await?;
    for order in stale {
        // Ask once more unless we just did or the order is far past due.
        let checked_recently = order.last_checked_at.map(|c| now - c < 60).unwrap_or(false);
        let forced = now - order.expires_at >= FORCE_EXPIRY_SECS;
        if order.mypay_uid.is_some() && !checked_recently && !forced {
            match confirm(cfg, db, &order, "expiry_check").await {
                Ok(t) if t.changed() => {
                    report.updated += 1;
                    continue;
                }
                Ok(_) => {}
                Err(e) => {
                    log_confirm_error(&order.id, &e);
                    continue;
                }
            }
        }
        let Some(fresh) = db.order(&order.id).await? else {
            continue;
        };
        let t = apply_event(db, &fresh, &OrderEvent::Expire, "reconcile", None).await?;
        if t.changed() {
            report.expired += 1;
        }
    }
    log::info(
        "reconcile",
        json!({"checked": report.checked, "updated": report.updated, "expired": report.expired, "failed": report.failed}),
    );
    Ok(report)
}

/// The order as the shopper (and the admin) sees it. Never the MYPAY key.
pub async fn order_view(db: &Db, o: &OrderRow) -> ApiResult<Value> {
    let lines: Vec<Value> = db
        .lines(&o.id)
        .await?
        .into_iter()
        .map(|l| json!({"product_id": l.product_id, "name": l.name, "name_en": l.name_en, "unit_price": l.unit_price, "quantity": l.quantity, "total": l.total}))
        .collect();
    let vouchers: Vec<Value> = db
        .order_vouchers(&o.id)
        .await?
        .into_iter()
        .map(|v| json!({"code": v.code, "kind": v.kind, "name": v.name, "value": v.value, "issuer": v.issuer}))
        .collect();
    let payment = o.prc.as_ref().map(|prc| {
        let codes = o
            .payment_codes
            .as_deref()
            .and_then(|c| serde_json::from_str::<Value>(c).ok());
        json!({"pfn": o.payment_pfn, "prc": prc, "message": o.payment_message, "codes": codes})
    });
    Ok(json!({
        "order_id": o.id,
        "status": o.status,
        "amount": o.amount,
        "currency": o.currency,
        "lines": lines,
        "vouchers": vouchers,
        "subtotal": o.subtotal,
        "voucher_total": o.voucher_total,
        "created_at": time::rfc3339(o.created_at),
        "updated_at": time::rfc3339(o.updated_at),
        "expires_at": time::rfc3339(o.expires_at),
        "paid_at": o.paid_at.map(time::rfc3339),
        "refunded_at": o.refunded_at.map(time::rfc3339),
        "payment_url": o.payment_url,
        "payment": payment,
    }))
}
