//! Step 6: the order, its lines and vouchers, a hold per voucher and the
//! `Idempotency-Key` entry, in one transaction. The holds' primary key
//! makes a voucher held by one order at most; a voucher no longer available
//! makes its hold's `kind` NULL and fails the whole transaction. A failed
//! transaction means another request won: the same key (its answer) or a
//! voucher (409 `voucher_unavailable`).

use super::idempotency;
use super::order::NewOrder;
use super::quote;
use super::request::Input;
use crate::pricing::Quote;
use crate::secrets::hash_token;
use crate::worker::config::Config;
use crate::worker::db::{n, os, s, Db};
use crate::worker::http::{ApiError, ApiResult};
use crate::worker::log;
use serde_json::json;
use worker::Response;

pub enum Reservation {
    /// Written: the order is `created` and holds its vouchers.
    Held,
    /// Another request with the same `Idempotency-Key` won: its answer.
    Lost(Response),
}

pub async fn reserve(
    cfg: &Config,
    db: &Db,
    input: &Input,
    order: &NewOrder,
    q: &Quote,
    reclaimed_from: Option<&str>,
) -> ApiResult<Reservation> {
    let id = order.id.as_str();
    let now = order.created_at;
    let mut stmts = vec![db.stmt(
        "INSERT INTO orders (id, token, status, amount, subtotal, voucher_total, currency, customer_id, pfn, invoice, created_at, updated_at, expires_at, next_check_at, customer_email, customer, echo) \
         VALUES (?1, ?2, 'created', ?3, ?4, ?5, ?11, ?6, ?7, ?8, ?9, ?9, ?10, ?10, ?12, ?13, ?14)",
        &[s(id), s(&hash_token(&order.token)), n(q.amount), n(q.subtotal), n(q.voucher_total), s(&order.customer_id), os(order.pfn.as_deref()), os(order.invoice_json.as_deref()), n(now), n(order.expires_at),
          s(&order.currency), os(order.customer_email.as_deref()), os(order.customer_json.as_deref()), os(order.echo_json.as_deref())],
    )?];
    for (i, l) in q.lines.iter().enumerate() {
        stmts.push(db.stmt(
            "INSERT INTO order_lines (order_id, line_no, product_id, name, name_en, unit_price, quantity, total) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            &[s(id), n(i as i64), s(&l.product_id), s(&l.name), s(&l.name_en), n(l.unit_price), n(l.quantity), n(l.total)],
        )?);
    }
    for (i, v) in q.vouchers.iter().enumerate() {
        stmts.push(db.stmt(
            "INSERT INTO order_vouchers (order_id, position, code, kind, product_id, name, value, issuer, refund_return_type) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            &[s(id), n(i as i64), s(&v.code), s(v.kind.as_str()), s(&v.product_id), s(&v.name), n(v.value), s(&v.issuer), os(v.refund_return_type.as_deref())],
        )?);
        stmts.push(db.stmt(
            "INSERT INTO holds (code, order_id, kind, created_at) VALUES (?1, ?2, \
             (SELECT kind FROM vouchers WHERE code = ?1 AND status = 'available' AND (expires_at IS NULL OR expires_at > ?3)), ?3)",
            &[s(&v.code), s(id), n(now)],
        )?);
        stmts.push(db.stmt(
            "UPDATE vouchers SET status = 'reserved', order_id = ?2, updated_at = ?3 WHERE code = ?1",
            &[s(&v.code), s(id), n(now)],
        )?);
    }
    if let Some(claim) = idempotency::claim_stmt(db, input, id, &order.token, reclaimed_from, now)?
    {
        stmts.push(claim);
    }
    stmts.push(db.event_stmt(
        Some(id),
        "created",
        None,
        &json!({"amount": q.amount, "vouchers": q.vouchers.len()}),
        now,
    )?);
    let Err(e) = db.batch("d1_checkout", stmts).await else {
        return Ok(Reservation::Held);
    };
    if let Some(res) = idempotency::after_conflict(db, input, reclaimed_from).await? {
        return Ok(Reservation::Lost(res));
    }
    if q.vouchers.is_empty() {
        return Err(e.into());
    }
    let again = quote::price(db, &input.body.cart, &cfg.options).await?;
    log::warn(
        "checkout_conflict",
        json!({"order_id": id, "cause": e.cause}),
    );
    let details = if again.rejected_vouchers.is_empty() {
        json!(q.vouchers.iter().map(|v| json!({"code": v.code, "reason": "voucher_reserved", "message": format!("{} was just taken by another order", v.code)})).collect::<Vec<_>>())
    } else {
        json!(again.rejected_vouchers)
    };
    Err(ApiError::new(409, "voucher_unavailable", "a voucher does not apply").with_details(details))
}
