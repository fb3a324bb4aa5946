//! `POST /mypay/notify`: MYPAY's report URL. A report is accepted only when
//! its uid, key (constant time), order id and cost match the stored order;
//! it is kept in the events table and answered `8888`; then the order is
//! confirmed with `api/queryorder`, whose answer alone is applied (the cron
//! job retries what could not be confirmed).
//!
//! A refused report is counted, per order and reason, with the first and
//! last time (`report_refusals`): a flood of forged reports adds no rows.
//! Reports are rate-limited per client address (at the entry) and per uid
//! (here, before D1 is asked).

use super::config::Config;
use super::db::{best_effort, n, s, Db};
use super::guard::{self, Limit};
use super::http::{self, raw_response, ApiResult};
use super::orders;
use super::{log, time};
use mypay_link::models::Notification;
use mypay_link::verify::{verify_notification, Expected};
use serde_json::{json, Value};
use worker::{Context, Env, Request, Response};

fn ack() -> Response {
    raw_response(200, "text/plain; charset=utf-8", "8888".to_owned())
}

/// 400 with no detail; the refusal is counted for its order (or for no
/// order, `''`) and reason.
async fn refuse(db: &Db, order_id: Option<&str>, code: &str) -> ApiResult<Response> {
    log::warn(
        "report_refused",
        json!({"order_id": order_id, "reason": code}),
    );
    let now = time::now();
    best_effort(
        db.run(
            "INSERT INTO report_refusals (order_id, reason, count, first_at, last_at) VALUES (?1, ?2, 1, ?3, ?3) \
             ON CONFLICT (order_id, reason) DO UPDATE SET count = count + 1, last_at = excluded.last_at",
            &[s(order_id.unwrap_or_default()), s(code), n(now)],
        )
        .await,
    );
    Ok(raw_response(
        400,
        "application/json; charset=utf-8",
        r#"{"error":{"code":"bad_report","message":"report refused"}}"#.to_owned(),
    ))
}

/// The report as stored: every field except `key`.
fn redacted(report: &Notification) -> Value {
    let mut v = serde_json::to_value(report).unwrap_or(Value::Null);
    if let Some(m) = v.as_object_mut() {
        if m.contains_key("key") {
            m.insert("key".into(), json!("<redacted>"));
        }
    }
    v
}

/// `ctx`: the confirmation outlives the answer (`wait_until`).
pub async fn notify(
    mut req: Request,
    cfg: &Config,
    db: &Db,
    ctx: &Context,
    env: &Env,
) -> ApiResult<Response> {
    let body = http::read_body(&mut req).await?;
    let Ok(text) = String::from_utf8(body) else {
        return refuse(db, None, "report_not_utf8").await;
    };
    let report = match Notification::from_form(&text) {
        Ok(r) => r,
        Err(_) => return refuse(db, None, "report_unparsable").await,
    };
    let t = &report.transaction;
    let Some(uid) = t
        .uid
        .as_ref()
        .map(|u| u.as_str().trim().to_owned())
        .filter(|u| !u.is_empty())
    else {
        return refuse(db, None, "report_incomplete").await;
    };
    guard::limit(env, Limit::NotifyOrder, &format!("uid:{uid}")).await?;
    let Some(order) = db.order_by_uid(&uid).await? else {
        return refuse(db, None, "report_unknown_uid").await;
    };
    let expected = Expected {
        uid: order.mypay_uid.as_deref().unwrap_or_default(),
        key: order.mypay_key.as_deref().unwrap_or_default(),
        order_id: &order.id,
        cost: order.amount,
    };
    if expected.key.is_empty() {
        return refuse(db, Some(&order.id), "report_for_order_without_key").await;
    }
    if let Err(e) = verify_notification(&report, &expected) {
        return refuse(db, Some(&order.id), e.code()).await;
    }

    let prc = t.prc.as_ref().map(|p| p.code().to_owned());
    let now = time::now();
    // A report is an unsigned claim: it is kept, marks the order for
    // confirmation and is answered; only api/queryorder's answer moves the
    // order, its deadline or its vouchers.
    db.batch(
        "d1_report",
        vec![
            db.event_stmt(
                Some(&order.id),
                "report",
                prc.as_deref(),
                &json!({"kind": report.kind(), "report": redacted(&report)}),
                now,
            )?,
            db.stmt(
                "UPDATE orders SET report_pending = 1, report_seq = report_seq + 1 WHERE id = ?1",
                &[s(&order.id)],
            )?,
        ],
    )
    .await?;
    log::info("report_accepted", json!({"order_id": order.id, "prc": prc}));
    let order_id = order.id.clone();
    let (cfg, db) = (cfg.clone(), db.clone());
    ctx.wait_until(async move {
        let order = match db.order(&order_id).await {
            Ok(Some(o)) => o,
            Ok(None) => return,
            Err(e) => return e.log(),
        };
        if let Err(e) = orders::confirm(&cfg, &db, &order, "report").await {
            orders::log_confirm_error(&order_id, &e);
        }
    });
    Ok(ack())
}
