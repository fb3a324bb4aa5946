//! `POST /mypay/notify`: MYPAY's report URL. A report is accepted only when
//! its uid, key (constant time), order id and cost match the stored order;
//! it is kept in the events table; pending codes apply at once, anything
//! else is confirmed with `api/queryorder` after `8888` has been answered
//! (the cron job retries what could not be confirmed).

use super::db::{n, s, Db};
use super::http::{self, raw_response, ApiResult};
use super::orders::{self, PaymentInfo};
use super::{log, time, App};
use crate::codes::StatusClass;
use crate::models::Notification;
use crate::order_state::OrderEvent;
use crate::verify::{verify_notification, Expected};
use serde_json::{json, Value};
use worker::{Request, Response};

fn ack() -> Response {
    raw_response(200, "text/plain; charset=utf-8", "8888".to_owned())
}

/// 400 with no detail, and a security event that says why.
async fn refuse(db: &Db, order_id: Option<&str>, code: &str) -> ApiResult<Response> {
    log::warn(
        "report_refused",
        json!({"order_id": order_id, "reason": code}),
    );
    let _ = db
        .event(
            order_id,
            "security",
            None,
            &json!({"reason": code}),
            time::now(),
        )
        .await;
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

pub async fn notify(mut req: Request, app: &App) -> ApiResult<Response> {
    app.config()?;
    let db = app.db()?;
    let body = http::read_body(&mut req).await?;
    let Ok(text) = String::from_utf8(body) else {
        return refuse(&db, None, "report_not_utf8").await;
    };
    let report = match Notification::from_form(&text) {
        Ok(r) => r,
        Err(_) => return refuse(&db, None, "report_unparsable").await,
    };
    let t = &report.transaction;
    let Some(uid) = t
        .uid
        .as_ref()
        .map(|u| u.as_str().trim().to_owned())
        .filter(|u| !u.is_empty())
    else {
        return refuse(&db, None, "report_incomplete").await;
    };
    let Some(order) = db.order_by_uid(&uid).await? else {
        return refuse(&db, None, "report_unknown_uid").await;
    };
    let expected = Expected {
        uid: order.mypay_uid.as_deref().unwrap_or_default(),
        key: order.mypay_key.as_deref().unwrap_or_default(),
        order_id: &order.id,
        cost: order.amount,
    };
    if expected.key.is_empty() {
        return refuse(&db, Some(&order.id), "report_for_order_without_key").await;
    }
    if let Err(e) = verify_notification(&report, &expected) {
        return refuse(&db, Some(&order.id), e.code()).await;
    }

    let prc = t.prc.as_ref().map(|p| p.code().to_owned());
    let now = time::now();
    db.event(
        Some(&order.id),
        "report",
        prc.as_deref(),
        &json!({"kind": report.kind(), "report": redacted(&report)}),
        now,
    )
    .await?;
    let class = t
        .prc
        .as_ref()
        .map(|p| p.class())
        .unwrap_or(StatusClass::Unknown);
    log::info("report_accepted", json!({"order_id": order.id, "prc": prc}));

    if class == StatusClass::Pending {
        // A pending code cannot pay, fail or release anything: apply it now
        // (it never downgrades a final state) and keep the codes to pay with.
        let info = PaymentInfo::from_transaction(t, now);
        let code = t
            .prc
            .clone()
            .unwrap_or_else(|| crate::StatusCode::from_code(""));
        orders::apply_event(
            &db,
            &order,
            &OrderEvent::Status(code),
            "report",
            Some(&info),
        )
        .await?;
        return Ok(ack());
    }
    if matches!(class, StatusClass::CallResult | StatusClass::Unknown) {
        return Ok(ack());
    }
    // Final codes are unsigned claims: confirm with api/queryorder.
    db.run(
        "UPDATE orders SET report_pending = 1, updated_at = ?1 WHERE id = ?2",
        &[n(now), s(&order.id)],
    )
    .await?;
    let order_id = order.id.clone();
    let Some((cfg2, db2)) = app.detached() else {
        return Ok(ack());
    };
    app.ctx.wait_until(async move {
        let Some(order) = db2.order(&order_id).await.ok().flatten() else {
            return;
        };
        if let Err(e) = orders::confirm(&cfg2, &db2, &order, "report").await {
            orders::log_confirm_error(&order_id, &e);
        }
    });
    Ok(ack())
}
