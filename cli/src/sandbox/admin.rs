//! The automation API under `/sandbox`: drive payments, inspect orders,
//! callbacks and received calls, change settings, inject faults, reset.
//! Errors are `{"error":{"code","message"}}` with 400, 404 or 409.

use super::faults::Faults;
use super::state::{query_reply, OrderRecord, Payment, TransitionError};
use super::{lock, App};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use mypay_edge::codes::Pfn;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response()
}

fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "order_not_found",
        "no order with this uid",
    )
}

fn bad_request(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "bad_request", message)
}

/// An order as the automation API shows it.
fn view(app: &App, o: &OrderRecord) -> Value {
    json!({
        "uid": o.uid.to_string(),
        "key": o.key,
        "store_uid": o.store_uid,
        "order_id": o.request.order_id,
        "prc": o.prc,
        "retmsg": o.retmsg,
        "cost": o.request.cost,
        "seeded": o.seeded,
        "payment_url": app.payment_url(o.uid),
        "created_at": o.created_at,
        "finishtime": o.finishtime,
        "payment": o.payment,
        "refund": o.refund,
        "history": o.history,
        "request": o.request,
        "query": query_reply(o),
    })
}

fn transition(app: &App, r: Result<OrderRecord, TransitionError>) -> Response {
    match r {
        Ok(o) => Json(view(app, &o)).into_response(),
        Err(TransitionError::NotFound) => not_found(),
        Err(e @ TransitionError::InvalidState { .. }) => {
            let prc = match &e {
                TransitionError::InvalidState { prc, .. } => prc.clone(),
                _ => String::new(),
            };
            (
                StatusCode::CONFLICT,
                Json(
                    json!({"error": {"code": "invalid_state", "message": e.message(), "prc": prc}}),
                ),
            )
                .into_response()
        }
        Err(TransitionError::BadInput(m)) => bad_request(&m),
    }
}

fn parse_uid(uid: &str) -> Option<u64> {
    uid.trim().parse().ok()
}

fn body_json(body: &Bytes) -> Result<Value, String> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(json!({}));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err("the body must be a JSON object".into()),
        Err(e) => Err(format!("the body is not JSON: {e}")),
    }
}

/// `GET /sandbox`: what is here.
pub async fn index(State(app): State<Arc<App>>) -> Json<Value> {
    Json(json!({
        "agent_uid": app.agent_uid,
        "store_uid": app.store_uid,
        "endpoints": {
            "agent": "POST /api/agent",
            "payment_page": "GET|POST /payment/{uid}.html",
            "orders": "GET /sandbox/orders, GET /sandbox/orders/{uid}",
            "pay": "POST /sandbox/orders/{uid}/pay {\"card_number\":\"…\"} | {\"pfn\":\"CSTORECODE\"|\"E_COLLECTION\"}",
            "settle": "POST /sandbox/orders/{uid}/settle {\"prc\":\"250\"|\"380\"|\"290\"|\"600\"}",
            "abandon": "POST /sandbox/orders/{uid}/abandon",
            "renotify": "POST /sandbox/orders/{uid}/notify",
            "notifications": "GET /sandbox/notifications[?uid=…]",
            "requests": "GET /sandbox/requests",
            "config": "GET|PUT /sandbox/config {notify_url, retry_schedule_ms, require_user_agent}",
            "faults": "GET|PUT|DELETE /sandbox/faults {agent:{mode,count,cmd,delay_ms}, callbacks:{mode,count}}",
            "reset": "POST /sandbox/reset"
        }
    }))
}

/// `GET /sandbox/orders`
pub async fn list_orders(State(app): State<Arc<App>>) -> Json<Value> {
    let orders: Vec<Value> = lock(&app.store)
        .orders
        .values()
        .map(|o| view(&app, o))
        .collect();
    Json(Value::Array(orders))
}

/// `GET /sandbox/orders/{uid}`
pub async fn get_order(State(app): State<Arc<App>>, Path(uid): Path<String>) -> Response {
    let found = parse_uid(&uid).and_then(|u| lock(&app.store).orders.get(&u).cloned());
    match found {
        Some(o) => Json(view(&app, &o)).into_response(),
        None => not_found(),
    }
}

/// `POST /sandbox/orders/{uid}/pay`
pub async fn pay(State(app): State<Arc<App>>, Path(uid): Path<String>, body: Bytes) -> Response {
    let Some(uid) = parse_uid(&uid) else {
        return not_found();
    };
    let v = match body_json(&body) {
        Ok(v) => v,
        Err(m) => return bad_request(&m),
    };
    let payment = match (
        v.get("card_number").and_then(Value::as_str),
        v.get("pfn").and_then(Value::as_str),
    ) {
        (Some(card), _) => Payment::Card(card.to_owned()),
        (None, Some(pfn)) => match Pfn::from_code(pfn) {
            p @ (Pfn::CStoreCode | Pfn::ECollection) => Payment::Deferred(p),
            Pfn::CreditCard => return bad_request("pfn CREDITCARD needs a card_number"),
            _ => {
                return bad_request(
                    "pfn must be CSTORECODE or E_COLLECTION (or give a card_number)",
                )
            }
        },
        (None, None) => {
            return bad_request(
                "give {\"card_number\":\"…\"} or {\"pfn\":\"CSTORECODE\"|\"E_COLLECTION\"}",
            )
        }
    };
    transition(&app, app.change(|s| s.pay(uid, payment)))
}

/// `POST /sandbox/orders/{uid}/settle`
pub async fn settle(State(app): State<Arc<App>>, Path(uid): Path<String>, body: Bytes) -> Response {
    let Some(uid) = parse_uid(&uid) else {
        return not_found();
    };
    let v = match body_json(&body) {
        Ok(v) => v,
        Err(m) => return bad_request(&m),
    };
    let prc = match v.get("prc") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return bad_request("give {\"prc\":\"250\"|\"380\"|\"290\"|\"600\"}"),
    };
    transition(&app, app.change(|s| s.settle(uid, &prc)))
}

/// `POST /sandbox/orders/{uid}/abandon`
pub async fn abandon(State(app): State<Arc<App>>, Path(uid): Path<String>) -> Response {
    let Some(uid) = parse_uid(&uid) else {
        return not_found();
    };
    transition(&app, app.change(|s| s.abandon(uid)))
}

/// `POST /sandbox/orders/{uid}/notify`: sends the report of the order's
/// current state again (as MYPAY's re-notification would).
pub async fn renotify(State(app): State<Arc<App>>, Path(uid): Path<String>) -> Response {
    let found = parse_uid(&uid).and_then(|u| lock(&app.store).orders.get(&u).cloned());
    match found {
        Some(o) => {
            app.notify(&o);
            Json(view(&app, &o)).into_response()
        }
        None => not_found(),
    }
}

/// `GET /sandbox/notifications`: every callback attempt, oldest first.
/// `?uid=` keeps one order's attempts.
pub async fn notifications(
    State(app): State<Arc<App>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut attempts = app.notifier.attempts();
    if let Some(uid) = q.get("uid") {
        attempts.retain(|a| &a.uid == uid);
    }
    Json(attempts).into_response()
}

/// `GET /sandbox/requests`: every agent call received, decrypted.
pub async fn requests(State(app): State<Arc<App>>) -> Response {
    let reqs = lock(&app.requests).clone();
    Json(reqs).into_response()
}

/// `GET /sandbox/config`
pub async fn get_config(State(app): State<Arc<App>>) -> Response {
    let c = lock(&app.config).clone();
    Json(c).into_response()
}

/// `PUT /sandbox/config`: changes the fields given.
pub async fn put_config(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let v = match body_json(&body) {
        Ok(v) => v,
        Err(m) => return bad_request(&m),
    };
    let Some(obj) = v.as_object() else {
        return bad_request("the body must be a JSON object");
    };
    let mut next = lock(&app.config).clone();
    for (k, val) in obj {
        match (k.as_str(), val) {
            ("notify_url", Value::Null) => next.notify_url = None,
            ("notify_url", Value::String(u))
                if u.starts_with("http://") || u.starts_with("https://") =>
            {
                next.notify_url = Some(u.clone())
            }
            ("notify_url", _) => return bad_request("notify_url must be an http(s) URL or null"),
            ("retry_schedule_ms", Value::Array(items)) => {
                let ms: Option<Vec<u64>> = items.iter().map(Value::as_u64).collect();
                match ms {
                    Some(ms) if ms.len() <= 20 && ms.iter().all(|m| *m <= 3_600_000) => next.retry_schedule_ms = ms,
                    _ => return bad_request("retry_schedule_ms must be at most 20 whole numbers of milliseconds (each ≤ 3600000)"),
                }
            }
            ("retry_schedule_ms", _) => return bad_request("retry_schedule_ms must be an array"),
            ("require_user_agent", Value::Bool(b)) => next.require_user_agent = *b,
            ("require_user_agent", _) => {
                return bad_request("require_user_agent must be true or false")
            }
            (other, _) => return bad_request(&format!("unknown setting {other}")),
        }
    }
    *lock(&app.config) = next.clone();
    Json(next).into_response()
}

/// `GET /sandbox/faults`
pub async fn get_faults(State(app): State<Arc<App>>) -> Response {
    let f = lock(&app.faults).clone();
    Json(f).into_response()
}

/// `PUT /sandbox/faults`: replaces the active faults.
pub async fn put_faults(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let f: Faults = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => return bad_request(&format!("faults: {e}")),
    };
    *lock(&app.faults) = f.clone();
    Json(f).into_response()
}

/// `DELETE /sandbox/faults`
pub async fn delete_faults(State(app): State<Arc<App>>) -> Response {
    *lock(&app.faults) = Faults::default();
    Json(Faults::default()).into_response()
}

/// `POST /sandbox/reset`
pub async fn reset(State(app): State<Arc<App>>) -> Response {
    app.reset();
    Json(json!({"reset": true})).into_response()
}
