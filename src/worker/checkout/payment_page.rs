//! Step 7: MYPAY's `api/orders` (never retried). Accepted: the order turns
//! `pending` with MYPAY's uid, key and payment page (201). Refused or
//! unanswered: the order fails and frees its vouchers, and the shopper gets
//! MYPAY's error with the order id (5xx). Either answer is kept for the
//! `Idempotency-Key`.

use super::idempotency::{self, Answer};
use super::order::NewOrder;
use super::request::Input;
use crate::pricing::Quote;
use crate::worker::config::Config;
use crate::worker::db::{best_effort, n, os, s, Db};
use crate::worker::http::{ApiError, ApiResult};
use crate::worker::{log, mypay, orders, time};
use mypay_link::models::OrderReply;
use serde_json::json;

pub async fn create(
    cfg: &Config,
    db: &Db,
    input: &Input,
    order: &NewOrder,
    q: &Quote,
) -> ApiResult<Answer> {
    match mypay::create_order(cfg, &order.request).await {
        Ok(reply) => accepted(db, input, order, q, &reply).await,
        Err(e) => {
            let (status, code, message) = e.api_error();
            log::warn(
                "checkout_upstream_failed",
                json!({"order_id": order.id, "error": e.log_code()}),
            );
            best_effort(
                db.event(
                    Some(&order.id),
                    "mypay_create_failed",
                    None,
                    &json!({"error": e.log_code()}),
                    time::now(),
                )
                .await,
            );
            if let Some(o) = db.order(&order.id).await? {
                orders::fail_unanswered(cfg, db, &o, "checkout").await?;
            }
            Ok(Answer::json(
                status,
                &json!({"error": {"code": code, "message": message, "order_id": order.id}}),
            ))
        }
    }
}

/// Keeps MYPAY's uid, key and page on the order, unless the order is no
/// longer `created` (see below).
async fn accepted(
    db: &Db,
    input: &Input,
    order: &NewOrder,
    q: &Quote,
    r: &OrderReply,
) -> ApiResult<Answer> {
    let uid = r
        .uid
        .as_ref()
        .map(|u| u.as_str().to_owned())
        .unwrap_or_default();
    let url = r.url.clone().unwrap_or_default();
    let changes = db
        .batch(
            "d1_created",
            vec![
                db.stmt(
                    "UPDATE orders SET status = 'pending', mypay_uid = ?1, mypay_key = ?2, payment_url = ?3, updated_at = ?4, \
                     next_check_at = ?6, version = version + 1 WHERE id = ?5 AND status = 'created'",
                    &[s(&uid), os(r.key.as_deref()), s(&url), n(time::now()), s(&order.id), n(order.expires_at.min(time::now() + 15 * 60))],
                )?,
                db.event_stmt(Some(&order.id), "mypay_created", Some("200"), &json!({"uid": uid}), time::now())?,
            ],
        )
        .await?;
    if changes.first().copied() == Some(0) {
        // This request outlived the reclaim window: a retry with its key
        // took over and failed this order. Its payment page must not reach
        // anyone; the retry's answer is the key's answer.
        log::warn("checkout_superseded", json!({"order_id": order.id}));
        if input.idem_key.is_none() {
            return Err(ApiError::new(
                409,
                "checkout_expired",
                "MYPAY answered after the order's limit had passed; check out again",
            ));
        }
        return Err(idempotency::in_progress());
    }
    log::info(
        "checkout",
        json!({"order_id": order.id, "amount": q.amount, "vouchers": q.vouchers.len()}),
    );
    Ok(Answer::json(
        201,
        &json!({"order_id": order.id, "token": order.token, "amount": q.amount, "currency": order.currency,
                "payment_url": url, "expires_at": time::rfc3339(order.expires_at)}),
    ))
}
