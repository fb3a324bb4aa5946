//! The automation API under `/sandbox`: drive payments, inspect orders,
//! callbacks and received calls, change settings, inject faults, reset.
//! Errors are `{"error":{"code","message"}}` with 400, 404 or 409.

use crate::app::{lock, App};
use crate::clock::MAX_OFFSET_SECONDS;
use crate::config::RefundMode;
use crate::faults::Faults;
use crate::order::moves::refundable;
use crate::order::payment::{instant_payment_pfn, waiting_payment_pfn, LostAttempt, Payment};
use crate::order::store::{RefundPlan, Report, TransitionError};
use crate::order::OrderRecord;
use crate::replies::query_reply;
use crate::rules::{self, RefundAsk};
use crate::stamps::{day_stamp, plus_days, rfc3339, stamp};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use mypay_link::codes::Pfn;
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

fn vouchers<'a>(list: impl Iterator<Item = (&'a str, &'a str, &'a str, Option<i64>)>) -> Value {
    Value::Array(
        list.map(|(product_id, serial_number, name, cost)| {
            json!({"product_id": product_id, "serial_number": serial_number, "name": name, "cost": cost})
        })
        .collect(),
    )
}

/// An order as the automation API shows it.
fn view(app: &App, o: &OrderRecord) -> Value {
    let lifetime = lock(&app.config).page_lifetime_seconds;
    let r = &o.request;
    let refunds: Vec<Value> = o
        .refunds
        .iter()
        .map(|rf| {
            json!({
                "refund_uid": rf.refund_uid.to_string(),
                "state": rf.state,
                "refund_type": rf.refund_type,
                "cost": rf.cost,
                "voucher_paid": vouchers(rf.voucher_paid.iter().map(|v| (v.product_id.as_str(), v.serial_number.as_str(), v.name.as_str(), v.cost.map(|c| c.get())))),
                "invoice_state": rf.invoice_state,
                "expected_refund_date": rf.expected_refund_date,
                "requested_at": rf.requested_at,
                "finishtime": rf.finishtime,
                "source": rf.source,
            })
        })
        .collect();
    json!({
        "uid": o.uid.to_string(),
        "key": o.key,
        "store_uid": o.store_uid,
        "order_id": r.order_id,
        "prc": o.prc,
        "retmsg": o.retmsg,
        "cost": r.cost,
        "amount": o.cost(),
        "pfn": o.pfn(),
        "seeded": o.seeded,
        "payment_url": app.payment_url(o.uid),
        "created_at": o.created_at,
        "page_expires_at": o.page_deadline(lifetime).map(rfc3339),
        "page_expired": o.page_expired,
        "finishtime": o.finishtime,
        "paid": o.ever_paid(),
        "voucher_paid": vouchers(r.voucher_paid.as_deref().unwrap_or_default().iter().map(|v| (v.product_id.as_str(), v.serial_number.as_str(), v.name.as_str(), v.cost.map(|c| c.get())))),
        "voucher_free": vouchers(r.voucher_free.as_deref().unwrap_or_default().iter().map(|v| (v.product_id.as_str(), v.serial_number.as_str(), v.name.as_str(), v.cost.map(|c| c.get())))),
        "payment": o.payment,
        "refunds": refunds,
        "refunded_total": o.refunded_done(),
        "refund_requested_total": o.refunded(),
        "fully_refunded": o.fully_refunded(),
        "cancel": o.cancel,
        "issue_invoice": o.issue_invoice,
        "invoice_carrier": o.carrier(),
        "invoice_carrier_open": o.carrier_open(),
        "invoice_carrier_chosen": o.chosen_carrier,
        "history": o.history,
        "request": r,
        "query": query_reply(o),
    })
}

fn transition(app: &App, r: Result<OrderRecord, TransitionError>) -> Response {
    match r {
        Ok(o) => Json(view(app, &o)).into_response(),
        Err(e) => transition_error(&e),
    }
}

fn transition_error(e: &TransitionError) -> Response {
    let (code, prc) = match e {
        TransitionError::NotFound => return not_found(),
        TransitionError::BadInput(m) => return bad_request(m),
        TransitionError::InvalidState { prc, .. } => ("invalid_state", prc),
        TransitionError::PageExpired { prc } => ("page_expired", prc),
    };
    (
        StatusCode::CONFLICT,
        Json(json!({"error": {"code": code, "message": e.message(), "prc": prc}})),
    )
        .into_response()
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
        Ok(Value::Null) => Ok(json!({})),
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
            "pay": "POST /sandbox/orders/{uid}/pay {\"card_number\":\"…\", \"capture\":\"auto\"|\"manual\"?, \"installments\":N?} | {\"pfn\":\"CSTORECODE\"|\"E_COLLECTION\"|\"WEBATM\"|…} | {\"pfn\":\"WEBATM\",\"wait\":true}",
            "settle": "POST /sandbox/orders/{uid}/settle {\"prc\":\"250\"|\"380\"|\"290\"|\"600\"|\"247\"|\"300\"} | {\"prc\":\"A0001\", \"card_number\":\"…\"? | \"pfn\":\"…\"?}",
            "abandon": "POST /sandbox/orders/{uid}/abandon",
            "invoice_date": "POST /sandbox/orders/{uid}/invoice {\"date\":\"YYYYMMDD\"} (the invoice's issue date: its invoice period)",
            "cancel": "POST /sandbox/orders/{uid}/cancel",
            "refund": "POST /sandbox/orders/{uid}/refund {\"complete\":true|false, \"cost\":N?, \"invoice_state\":\"4\"|\"6\"?} (MYPAY's admin panel)",
            "refund_complete": "POST /sandbox/orders/{uid}/refund/complete {\"refund_uid\":\"…\"?}",
            "renotify": "POST /sandbox/orders/{uid}/notify",
            "clock": "GET /sandbox/clock, PUT /sandbox/clock {\"offset_seconds\":N}, POST /sandbox/clock/advance {\"seconds\":N}",
            "notifications": "GET /sandbox/notifications[?uid=…]",
            "requests": "GET /sandbox/requests",
            "config": "GET|PUT /sandbox/config {notify_url, retry_schedule_ms, require_user_agent, page_lifetime_seconds, refund_mode, manual_refund_days, issue_invoices}",
            "faults": "GET|PUT|DELETE /sandbox/faults {agent:{mode,count,sticky,cmd,delay_ms,after_processing}, callbacks:{mode,count,sticky}}",
            "reset": "POST /sandbox/reset"
        }
    }))
}

/// `GET /sandbox/orders`
pub async fn list_orders(State(app): State<Arc<App>>) -> Json<Value> {
    let orders: Vec<OrderRecord> = app.read(|s| s.orders.values().cloned().collect());
    Json(Value::Array(orders.iter().map(|o| view(&app, o)).collect()))
}

fn find(app: &App, uid: &str) -> Option<OrderRecord> {
    let uid = parse_uid(uid)?;
    app.read(|s| s.orders.get(&uid).cloned())
}

/// `GET /sandbox/orders/{uid}`
pub async fn get_order(State(app): State<Arc<App>>, Path(uid): Path<String>) -> Response {
    match find(&app, &uid) {
        Some(o) => Json(view(&app, &o)).into_response(),
        None => not_found(),
    }
}

/// An optional boolean field (absent or null: false).
fn flag(v: &Value, name: &str) -> Result<bool, String> {
    match v.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(format!("{name} must be true or false")),
    }
}

/// An optional string field (absent or null: None).
fn text_field<'a>(v: &'a Value, name: &str) -> Result<Option<&'a str>, String> {
    match v.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(format!("{name} must be a string")),
    }
}

/// `POST /sandbox/orders/{uid}/pay`: `{"card_number": N}` (with
/// `"capture": "manual"`: a success card is only authorised, 245),
/// `{"pfn": "CSTORECODE"|"E_COLLECTION"}` (260 / 270), `{"pfn": P}` with P
/// WEBATM or an instant-refund method but CREDITCARD (250 at once), or
/// `{"pfn": "WEBATM", "wait": true}` (280, waiting online).
pub async fn pay(State(app): State<Arc<App>>, Path(uid): Path<String>, body: Bytes) -> Response {
    let Some(uid) = parse_uid(&uid) else {
        return not_found();
    };
    let v = match body_json(&body) {
        Ok(v) => v,
        Err(m) => return bad_request(&m),
    };
    let manual_capture = match text_field(&v, "capture") {
        Ok(None | Some("auto")) => false,
        Ok(Some("manual")) => true,
        _ => return bad_request("capture must be \"auto\" (default) or \"manual\""),
    };
    let wait = match flag(&v, "wait") {
        Ok(w) => w,
        Err(m) => return bad_request(&m),
    };
    let installments = match v.get("installments") {
        None | Some(Value::Null) => None,
        Some(n) => match rules::whole(n).and_then(|n| u32::try_from(n).ok()) {
            Some(n) if n >= 2 => Some(n),
            _ => return bad_request("installments must be a count the order offers (2 or more)"),
        },
    };
    if installments.is_some() && (manual_capture || v.get("card_number").is_none()) {
        return bad_request("installments go with a card_number (capture auto)");
    }
    let payment = match (
        v.get("card_number").and_then(Value::as_str),
        v.get("pfn").and_then(Value::as_str),
    ) {
        (Some(_), _) if wait => {
            return bad_request("wait applies to {\"pfn\":\"WEBATM\"}; for a card use \"capture\":\"manual\"")
        }
        (Some(card), _) if manual_capture => Payment::CardAuthorize(card.to_owned()),
        (Some(card), _) if installments.is_some() => {
            Payment::CardInstallments(card.to_owned(), installments.unwrap_or(2))
        }
        (Some(card), _) => Payment::Card(card.to_owned()),
        (None, Some(_)) if manual_capture => {
            return bad_request("capture applies to a card_number")
        }
        (None, Some(pfn)) if wait => match waiting_payment_pfn(pfn) {
            Some(code) => Payment::Waiting(code),
            None => return bad_request("wait: true takes pfn WEBATM (280, waiting online)"),
        },
        (None, Some(pfn)) => match Pfn::from_code(pfn) {
            p @ (Pfn::CStoreCode | Pfn::ECollection) => Payment::Deferred(p),
            Pfn::CreditCard => return bad_request("pfn CREDITCARD needs a card_number"),
            _ => match instant_payment_pfn(pfn) {
                Some(code) => Payment::Instant(code),
                None => return bad_request(
                    "pfn must be CSTORECODE, E_COLLECTION, WEBATM or an instant-refund method (AMEX, LINEPAYON, LINEPAYOFF, PION, PIOFF, JKOON, JKOOFF, WECHAT, WECHATOFF, ALIPAY, ALIPAYOFF, EASYWALLETON, EASYWALLETOFF, CASH, GOOGLEPAY, APPLEPAY); or give a card_number",
                ),
            },
        },
        (None, None) => {
            return bad_request(
                "give {\"card_number\":\"…\"} or {\"pfn\":\"CSTORECODE\"|\"E_COLLECTION\"}",
            )
        }
    };
    transition(&app, app.change(|s, now| s.pay(uid, payment, now)))
}

/// The attempt named by an A0001 settle: `card_number`, or `pfn` (a
/// method code or number; CREDITCARD beside a card_number), or neither.
fn lost_attempt(v: &Value) -> Result<Option<LostAttempt>, String> {
    let card = text_field(v, "card_number")?;
    let pfn = match text_field(v, "pfn")? {
        None => None,
        Some(p) => match rules::canonical_pfn(p) {
            Some(c)
                if !c.eq_ignore_ascii_case("all") && !c.eq_ignore_ascii_case("MobilePayAll") =>
            {
                Some(c)
            }
            _ => return Err(format!("pfn {p} is not a payment method of appendix 1")),
        },
    };
    Ok(match (card, pfn) {
        (Some(_), Some(p)) if p != "CREDITCARD" => {
            return Err("give card_number or a pfn other than CREDITCARD, not both".into())
        }
        (Some(card), _) => Some(LostAttempt::Card(card.to_owned())),
        (None, Some(p)) => Some(LostAttempt::Method(p)),
        (None, None) => None,
    })
}

/// `POST /sandbox/orders/{uid}/settle`: `{"prc": P}`; for `A0001`, also
/// `card_number` or `pfn` of the attempt whose answer was lost.
pub async fn settle(State(app): State<Arc<App>>, Path(uid): Path<String>, body: Bytes) -> Response {
    let Some(uid) = parse_uid(&uid) else {
        return not_found();
    };
    let v = match body_json(&body) {
        Ok(v) => v,
        Err(m) => return bad_request(&m),
    };
    let prc = match v.get("prc") {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            return bad_request(
                "give {\"prc\":\"250\"|\"380\"|\"290\"|\"600\"|\"247\"|\"300\"|\"A0001\"}",
            )
        }
    };
    if prc.eq_ignore_ascii_case("A0001") {
        let attempt = match lost_attempt(&v) {
            Ok(a) => a,
            Err(m) => return bad_request(&m),
        };
        return transition(&app, app.change(|s, now| s.lose_answer(uid, attempt, now)));
    }
    if ["card_number", "pfn"]
        .iter()
        .any(|k| v.get(*k).is_some_and(|x| !x.is_null()))
    {
        return bad_request("card_number and pfn go with {\"prc\":\"A0001\"} only");
    }
    let to = mypay_link::StatusCode::from_code(&prc);
    transition(&app, app.change(|s, now| s.settle(uid, &to, now)))
}

/// `POST /sandbox/orders/{uid}/invoice {"date": "YYYYMMDD[HHmmss]"}`: moves
/// the issue date of the order's invoice (its 發票期別), e.g. to an earlier
/// invoice period, after which a refund cannot void it (跨發票月份無法作廢).
/// 409 when no invoice was issued.
pub async fn invoice_date(
    State(app): State<Arc<App>>,
    Path(uid): Path<String>,
    body: Bytes,
) -> Response {
    let Some(uid) = parse_uid(&uid) else {
        return not_found();
    };
    let v = match body_json(&body) {
        Ok(v) => v,
        Err(m) => return bad_request(&m),
    };
    let date = match text_field(&v, "date") {
        Ok(Some(d)) => d.trim().to_owned(),
        _ => return bad_request("give {\"date\": \"YYYYMMDD\"} or YYYYMMDDHHmmss"),
    };
    let full = match date.len() {
        8 => format!("{date}000000"),
        14 => date.clone(),
        _ => String::new(),
    };
    if crate::stamps::parse_stamp(&full).is_none() {
        return bad_request("date must be YYYYMMDD or YYYYMMDDHHmmss");
    }
    let r = app.write(|store, _| {
        let o = match store.order_mut(uid) {
            Ok(o) => o,
            Err(e) => return (Err(e), Vec::new()),
        };
        if o.invoice_number.is_empty() {
            return (
                Err(TransitionError::InvalidState {
                    prc: o.prc.clone(),
                    wanted: "an order with an issued invoice",
                }),
                Vec::new(),
            );
        }
        o.invoice_date = full.clone();
        (Ok(o.clone()), Vec::new())
    });
    transition(&app, r)
}

/// `POST /sandbox/orders/{uid}/abandon`
pub async fn abandon(State(app): State<Arc<App>>, Path(uid): Path<String>) -> Response {
    let Some(uid) = parse_uid(&uid) else {
        return not_found();
    };
    transition(&app, app.change(|s, now| s.abandon(uid, now)))
}

/// `POST /sandbox/orders/{uid}/cancel`: the store cancels an unpaid order
/// (200, 260, 270) → 220, with a `cancel_order` entry in the query.
pub async fn cancel(State(app): State<Arc<App>>, Path(uid): Path<String>) -> Response {
    let Some(uid) = parse_uid(&uid) else {
        return not_found();
    };
    transition(&app, app.change(|s, now| s.cancel(uid, now)))
}

/// `POST /sandbox/orders/{uid}/refund`: a refund done in MYPAY's admin
/// panel, for any paid order (250, 600) and any method. Body (all
/// optional): `{"complete": true, "cost": N, "invoice_state": "4"|"6"}`.
/// `complete` (default true) makes it done at once (refund_type 1 for an
/// instant-refund method, else 3 / 2 as for a manual refund); false leaves it
/// pending (refund_type 2 cards, 3 cash-type) until its
/// `expected_refund_date` or `…/refund/complete`. `cost` defaults to what
/// is left; an order in voucher mode is refunded in full only.
pub async fn refund(State(app): State<Arc<App>>, Path(uid): Path<String>, body: Bytes) -> Response {
    let Some(uid) = parse_uid(&uid) else {
        return not_found();
    };
    let v = match body_json(&body) {
        Ok(v) => v,
        Err(m) => return bad_request(&m),
    };
    let complete = match v.get("complete") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return bad_request("complete must be true or false"),
    };
    let cost = match v.get("cost") {
        None | Some(Value::Null) => None,
        Some(c) => match rules::whole(c) {
            Some(c) => Some(c),
            None => return bad_request("cost must be a whole number"),
        },
    };
    let asked_invoice_state = match v.get("invoice_state").map(|x| match x {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }) {
        None => None,
        Some(s) if s == "4" || s == "6" => Some(s),
        Some(_) => return bad_request("invoice_state must be \"4\" or \"6\""),
    };
    let days = i64::from(lock(&app.config).manual_refund_days);
    let r = app.write(|store, now| {
        let Some(o) = store.orders.get(&uid) else {
            return (Err(TransitionError::NotFound), Vec::new());
        };
        if let Err(e) = refundable(o) {
            return (Err(e), Vec::new());
        }
        let facts = o.refund_facts(now);
        // The panel voids within the invoice's period and gives an
        // allowance after it, unless told which.
        let invoice_state = asked_invoice_state
            .clone()
            .unwrap_or_else(|| if facts.invoice_period_open { "4" } else { "6" }.to_string());
        let cost = cost.unwrap_or(facts.paid - facts.refunded);
        // The panel fills in the refunded items: all of them for a full
        // refund, else one line of the first item for the amount.
        let full = cost == facts.paid && facts.refunded == 0;
        let items = if full {
            crate::agent::order_items(o)
        } else {
            let name = o
                .request
                .items
                .first()
                .map(|i| i.name.clone())
                .unwrap_or_default();
            vec![(name, cost)]
        };
        let ask = RefundAsk {
            store_uid: o.store_uid.clone(),
            uid: o.uid.to_string(),
            key: o.key.clone(),
            cost,
            invoice_state: Some(invoice_state.clone()),
            vouchers: Some(facts.paid_vouchers.clone()),
            items: (!full).then(|| items.clone()),
        };
        if let Err(p) = rules::check_refund_against(&ask, &facts) {
            return (
                Err(TransitionError::BadInput(rules::summary(&p))),
                Vec::new(),
            );
        }
        let pfn = o.pfn();
        let instant = complete && rules::instant_refund(&pfn);
        let plan = RefundPlan {
            cost: ask.cost,
            voucher_paid: o.request.voucher_paid.clone().unwrap_or_default(),
            invoice_state: invoice_state.clone(),
            refund_type: if instant {
                "1".into()
            } else {
                rules::manual_refund_type(&pfn).into()
            },
            pending: !complete,
            expected_refund_date: if instant {
                String::new()
            } else if complete {
                day_stamp(now)
            } else {
                day_stamp(plus_days(now, days))
            },
            source: "admin",
            items,
        };
        match store.refund(uid, plan, now) {
            Ok((o, rf)) => (Ok(o.clone()), vec![Report::Refund(o, rf)]),
            Err(e) => (Err(e), Vec::new()),
        }
    });
    transition(&app, r)
}

/// `POST /sandbox/orders/{uid}/refund/complete`: the order's pending
/// refunds (or the one named by `{"refund_uid": "…"}`) are done now; each
/// gets its report and shows in the query's `refund_order`. 409 when none
/// is pending.
pub async fn complete_refund(
    State(app): State<Arc<App>>,
    Path(uid): Path<String>,
    body: Bytes,
) -> Response {
    let Some(uid) = parse_uid(&uid) else {
        return not_found();
    };
    let v = match body_json(&body) {
        Ok(v) => v,
        Err(m) => return bad_request(&m),
    };
    let refund_uid = match v.get("refund_uid") {
        None | Some(Value::Null) => None,
        Some(x) => match rules::whole(x).and_then(|n| u64::try_from(n).ok()) {
            Some(n) => Some(n),
            None => return bad_request("refund_uid must be a refund's uid"),
        },
    };
    let r = app.write(
        |store, now| match store.complete_refunds(uid, refund_uid, now) {
            Ok((o, done)) => {
                let reports = done
                    .into_iter()
                    .map(|rf| Report::Refund(o.clone(), rf))
                    .collect();
                (Ok(o), reports)
            }
            Err(e) => (Err(e), Vec::new()),
        },
    );
    transition(&app, r)
}

fn clock_view(app: &App) -> Value {
    json!({
        "now": app.clock.rfc3339(),
        "stamp": stamp(app.now()),
        "offset_seconds": app.clock.offset_seconds(),
    })
}

/// `GET /sandbox/clock`: `{"now": RFC 3339 (UTC), "stamp": YYYYMMDDHHmmss
/// (Taiwan), "offset_seconds": N}`.
pub async fn get_clock(State(app): State<Arc<App>>) -> Response {
    Json(clock_view(&app)).into_response()
}

fn seconds_field(v: &Value, name: &str) -> Result<i64, String> {
    match v.get(name).and_then(rules::whole) {
        Some(n) if n.abs() <= MAX_OFFSET_SECONDS => Ok(n),
        _ => Err(format!(
            "give {{\"{name}\": N}}, N whole seconds (at most ±{})",
            MAX_OFFSET_SECONDS
        )),
    }
}

/// `PUT /sandbox/clock {"offset_seconds": N}`: the clock is real time + N.
/// What the new time expires (pages, codes, manual refunds) happens now.
pub async fn put_clock(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let v = match body_json(&body) {
        Ok(v) => v,
        Err(m) => return bad_request(&m),
    };
    let n = match seconds_field(&v, "offset_seconds") {
        Ok(n) => n,
        Err(m) => return bad_request(&m),
    };
    app.clock.set_offset(n);
    app.read(|_| ());
    Json(clock_view(&app)).into_response()
}

/// `POST /sandbox/clock/advance {"seconds": N}`: the offset grows by N.
pub async fn advance_clock(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let v = match body_json(&body) {
        Ok(v) => v,
        Err(m) => return bad_request(&m),
    };
    let n = match seconds_field(&v, "seconds") {
        Ok(n) => n,
        Err(m) => return bad_request(&m),
    };
    app.clock.advance(n);
    app.read(|_| ());
    Json(clock_view(&app)).into_response()
}

/// `POST /sandbox/orders/{uid}/notify`: sends the report of the order's
/// current state again (as MYPAY's re-notification would).
pub async fn renotify(State(app): State<Arc<App>>, Path(uid): Path<String>) -> Response {
    match find(&app, &uid) {
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
            ("page_lifetime_seconds", v) => match v.as_u64() {
                Some(n) if (1..=10 * 366 * 86_400).contains(&n) => next.page_lifetime_seconds = n,
                _ => return bad_request(
                    "page_lifetime_seconds must be a whole number of seconds from 1 to 316224000",
                ),
            },
            ("refund_mode", Value::String(m)) => match RefundMode::parse(m) {
                Some(m) => next.refund_mode = m,
                None => {
                    return bad_request(
                        "refund_mode must be \"instant\", \"manual\" or \"no_row_data\"",
                    )
                }
            },
            ("refund_mode", _) => {
                return bad_request(
                    "refund_mode must be \"instant\", \"manual\" or \"no_row_data\"",
                )
            }
            ("issue_invoices", Value::Bool(b)) => next.issue_invoices = *b,
            ("issue_invoices", _) => return bad_request("issue_invoices must be true or false"),
            ("manual_refund_days", v) => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
                Some(n) if n <= 365 => next.manual_refund_days = n,
                _ => {
                    return bad_request(
                        "manual_refund_days must be a whole number of days from 0 to 365",
                    )
                }
            },
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_optional_objects() {
        for empty in ["", "  \n", "null", "{}"] {
            assert_eq!(body_json(&Bytes::from(empty)), Ok(json!({})), "{empty:?}");
        }
        assert_eq!(body_json(&Bytes::from("{\"a\":1}")), Ok(json!({"a": 1})));
        assert!(body_json(&Bytes::from("[1]"))
            .unwrap_err()
            .contains("JSON object"));
        assert!(body_json(&Bytes::from("{"))
            .unwrap_err()
            .contains("not JSON"));
    }

    #[test]
    fn fields_of_a_body() {
        let v = json!({"wait": true, "no": null, "capture": "manual", "n": 1});
        assert_eq!(flag(&v, "wait"), Ok(true));
        assert_eq!(flag(&v, "no"), Ok(false));
        assert_eq!(flag(&v, "missing"), Ok(false));
        assert!(flag(&v, "capture").is_err());
        assert_eq!(text_field(&v, "capture"), Ok(Some("manual")));
        assert_eq!(text_field(&v, "no"), Ok(None));
        assert!(text_field(&v, "n").is_err());
        assert_eq!(parse_uid(" 95300 "), Some(95300));
        assert_eq!(parse_uid("-1"), None);
    }

    #[test]
    fn the_attempt_behind_an_a0001() {
        assert_eq!(lost_attempt(&json!({})), Ok(None));
        assert_eq!(
            lost_attempt(&json!({"card_number": "4938170130000003", "pfn": "1"})),
            Ok(Some(LostAttempt::Card("4938170130000003".into())))
        );
        assert_eq!(
            lost_attempt(&json!({"pfn": "15"})),
            Ok(Some(LostAttempt::Method("LINEPAYON")))
        );
        for bad in [
            json!({"pfn": "all"}),
            json!({"pfn": "PAYPAL"}),
            json!({"pfn": 15}),
            json!({"card_number": "4938170130000003", "pfn": "CASH"}),
        ] {
            assert!(lost_attempt(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn clock_moves_are_bounded() {
        assert_eq!(seconds_field(&json!({"seconds": -60}), "seconds"), Ok(-60));
        assert_eq!(seconds_field(&json!({"seconds": "60"}), "seconds"), Ok(60));
        assert!(seconds_field(&json!({"seconds": 1e15}), "seconds").is_err());
        assert!(seconds_field(&json!({"secs": 1}), "seconds").is_err());
    }

    #[test]
    fn refusals_are_409_with_the_current_prc() {
        let r = transition_error(&TransitionError::InvalidState {
            prc: mypay_link::StatusCode::Paid,
            wanted: "x",
        });
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert_eq!(
            transition_error(&TransitionError::NotFound).status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            transition_error(&TransitionError::BadInput("x".into())).status(),
            StatusCode::BAD_REQUEST
        );
    }
}
