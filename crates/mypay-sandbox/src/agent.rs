//! `POST /api/agent`: the agent API (api/orders, api/queryorder, api/refund)
//! behind an emulation of MYPAY's firewall, with injected faults and a log
//! of every call (decrypted, without the agent key).

use crate::app::{lock, App};
use crate::config::RefundMode;
use crate::faults::AgentFaultMode;
use crate::order::status::is_paid;
use crate::order::store::{RefundPlan, Report, TransitionError};
use crate::replies::{query_reply, refund_row};
use crate::rules::{self, Problem};
use crate::stamps::{day_stamp, plus_days};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_TYPE, TRANSFER_ENCODING, USER_AGENT};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use mypay_link::crypto::secret_eq;
use mypay_link::lenient::Text;
use mypay_link::models::{OrderReply, OrderRequest, PaidVoucher, QueryRequest, RefundReply};
use mypay_link::StatusCode as Prc;
use mypay_link::{Command, Envelope, EnvelopeError};
use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;

/// Largest request body accepted.
pub const BODY_LIMIT: usize = 64 * 1024;
/// Agent calls kept for `GET /sandbox/requests` (the oldest go first).
pub const LOG_CAP: usize = 2000;
/// Largest body read before answering 413.
const DRAIN_LIMIT: usize = 1024 * 1024;

/// The page MYPAY's firewall answers to a request without a User-Agent.
pub const FORBIDDEN_PAGE: &str = "<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 Forbidden</h1></center>\r\n<hr><center>Web Application Firewall</center>\r\n</body>\r\n</html>\r\n";

/// One received agent call, for `GET /sandbox/requests`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RequestEntry {
    pub id: u64,
    /// RFC 3339, sandbox clock.
    pub time: String,
    /// The decrypted `service.cmd` (`api/orders`, `api/queryorder`, `api/refund`, …).
    pub cmd: Option<String>,
    /// The order: `uid` of a query or refund as sent; for `api/orders`, the
    /// uid created.
    pub uid: Option<String>,
    pub user_agent: Option<String>,
    pub content_type: Option<String>,
    /// The body came with `Transfer-Encoding: chunked`.
    pub chunked: bool,
    pub agent_uid: Option<String>,
    /// The decrypted `service`.
    pub service: Option<Value>,
    /// The decrypted `encry_data` (JSON, or the text when it is not JSON).
    pub data: Option<Value>,
    pub http_status: u16,
    /// The `code` of the reply, when it had one.
    pub code: Option<String>,
    /// The call reached the API logic (which may have refused it, or changed
    /// an order).
    pub processed: bool,
    /// The caller was sent a JSON reply with a `code` (false for faults other
    /// than `partial`, the firewall's 403 page, and a timeout).
    pub answered: bool,
    /// The injected fault (`http500`, `timeout`, `garbage`, `html403`,
    /// `partial`).
    pub fault: Option<String>,
    pub error: Option<String>,
    /// Why the sandbox refused the call (its own rules).
    pub problems: Option<Vec<Problem>>,
}

fn header(headers: &HeaderMap, name: axum::http::header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn new_entry(app: &App, headers: &HeaderMap) -> RequestEntry {
    RequestEntry {
        time: app.clock.rfc3339(),
        user_agent: header(headers, USER_AGENT),
        content_type: header(headers, CONTENT_TYPE),
        chunked: headers
            .get(TRANSFER_ENCODING)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.to_ascii_lowercase().contains("chunked"))
            .unwrap_or(false),
        ..RequestEntry::default()
    }
}

fn log(app: &App, mut e: RequestEntry) {
    tracing::info!(
        agent_uid = e.agent_uid.as_deref().unwrap_or("-"),
        cmd = e
            .service
            .as_ref()
            .and_then(|s| s.get("cmd"))
            .and_then(|c| c.as_str())
            .unwrap_or("-"),
        status = e.http_status,
        code = e.code.as_deref().unwrap_or("-"),
        "agent call"
    );
    let mut reqs = lock(&app.requests);
    e.id = reqs.last().map(|l| l.id + 1).unwrap_or(1);
    if reqs.len() >= LOG_CAP {
        reqs.remove(0);
    }
    reqs.push(e);
}

/// A JSON reply, HTTP 200 as MYPAY answers.
fn text_reply(body: String) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

/// A reply body, serialized in the documented field order, its `code`,
/// and what the log notes of it.
struct Out {
    body: String,
    code: String,
    uid: Option<String>,
    problems: Option<Vec<Problem>>,
}

impl Out {
    fn of<T: Serialize>(code: &str, v: &T) -> Self {
        match serde_json::to_string(v) {
            Ok(body) => Out {
                body,
                code: code.to_owned(),
                uid: None,
                problems: None,
            },
            Err(_) => code_reply(Prc::SystemError, "系統錯誤 (system error)"),
        }
    }
}

/// MYPAY's refusal shape: `{"code","msg"}`.
#[derive(Serialize)]
struct CodeMsg<'a> {
    code: &'a Prc,
    msg: &'a str,
}

/// A refusal: 100 資料錯誤, B500 執行失敗 (refunds) or 400 系統錯誤.
fn code_reply(code: Prc, msg: &str) -> Out {
    let body = serde_json::to_string(&CodeMsg { code: &code, msg })
        .unwrap_or_else(|_| format!("{{\"code\":\"{code}\"}}"));
    Out {
        body,
        code: code.to_string(),
        uid: None,
        problems: None,
    }
}

/// A refusal listing the rules broken (`msg` = prefix + `path: message; …`).
fn problems_reply(code: Prc, prefix: &str, problems: Vec<Problem>) -> Out {
    let mut out = code_reply(code, &format!("{prefix}{}", rules::summary(&problems)));
    out.problems = Some(problems);
    out
}

/// The firewall: 403 and an HTML page to requests without a User-Agent.
pub async fn firewall(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let require = lock(&app.config).require_user_agent;
    let has_ua = req
        .headers()
        .get(USER_AGENT)
        .map(|v| !v.as_bytes().trim_ascii().is_empty())
        .unwrap_or(false);
    if require && !has_ua {
        let mut e = new_entry(&app, req.headers());
        e.http_status = 403;
        e.error = Some("firewall: request without a User-Agent".into());
        log(&app, e);
        // Read the body first: answering while the client still sends it
        // resets the connection, and the client would see no page at all.
        let _ = axum::body::to_bytes(req.into_body(), BODY_LIMIT).await;
        return (StatusCode::FORBIDDEN, Html(FORBIDDEN_PAGE)).into_response();
    }
    next.run(req).await
}

/// `POST /api/agent`
pub async fn agent(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    let mut entry = new_entry(&app, &headers);
    // Read up to DRAIN_LIMIT so that a too-large body still gets its 413
    // (answering mid-upload would reset the connection).
    let read = axum::body::to_bytes(body, DRAIN_LIMIT).await;
    let bytes = match read {
        Ok(b) if b.len() <= BODY_LIMIT => b,
        _ => {
            entry.http_status = 413;
            entry.code = Some(Prc::DataError.to_string());
            entry.answered = true;
            entry.error = Some(format!("body larger than {BODY_LIMIT} bytes"));
            log(&app, entry);
            let mut r = text_reply(
                code_reply(
                    Prc::DataError,
                    "資料錯誤:request body is larger than 65536 bytes",
                )
                .body,
            );
            *r.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
            return r;
        }
    };
    let (response, entry) = process(&app, &headers, &bytes, entry).await;
    if let Some(entry) = entry {
        log(&app, entry);
    }
    response
}

/// Any other method on `/api/agent` (behind the firewall: with a
/// User-Agent): 405 with a MYPAY-style `{"code":"100","msg":…}`.
pub async fn not_post(
    State(app): State<Arc<App>>,
    method: axum::http::Method,
    headers: HeaderMap,
) -> Response {
    let mut entry = new_entry(&app, &headers);
    entry.http_status = 405;
    entry.code = Some(Prc::DataError.to_string());
    entry.answered = true;
    entry.error = Some(format!("method {method} (the agent API takes POST only)"));
    log(&app, entry);
    let mut r = text_reply(
        code_reply(
            Prc::DataError,
            "資料錯誤:請使用 POST (the agent API takes POST only)",
        )
        .body,
    );
    *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    r.headers_mut()
        .insert(axum::http::header::ALLOW, HeaderValue::from_static("POST"));
    r
}

/// Handles one call; answers the response and the log entry still to be
/// written (`None` when it was written already: a timed-out call is logged
/// before its delay, so a client that gives up early still shows).
async fn process(
    app: &App,
    headers: &HeaderMap,
    bytes: &[u8],
    mut entry: RequestEntry,
) -> (Response, Option<RequestEntry>) {
    entry.http_status = 200;
    // Every envelope problem is MYPAY's 100 資料錯誤.
    let fail = |mut entry: RequestEntry, msg: &str, err: String| {
        entry.code = Some(Prc::DataError.to_string());
        entry.error = Some(err);
        entry.answered = true;
        (
            text_reply(code_reply(Prc::DataError, msg).body),
            Some(entry),
        )
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        return fail(
            entry,
            "資料錯誤:body is not UTF-8",
            "body is not UTF-8".into(),
        );
    };
    let ct = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let env = match Envelope::from_body(ct, text) {
        Ok(env) => env,
        Err(e) => {
            return fail(
                entry,
                "資料錯誤:body must carry agent_uid, service and encry_data (form or JSON)",
                e.to_string(),
            )
        }
    };
    entry.agent_uid = Some(env.agent_uid.clone());
    if env.agent_uid.trim() != app.agent_uid {
        return fail(
            entry,
            "資料錯誤:經銷商商務代號不存在 (unknown agent_uid)",
            "unknown agent".into(),
        );
    }
    let service = match env.open_service(&app.keys) {
        Ok(s) => s,
        Err(EnvelopeError::Decrypt) => {
            return fail(
                entry,
                "資料錯誤:service 解密失敗 (service does not decrypt with this agent's key)",
                "service decrypt failed".into(),
            )
        }
        Err(e) => {
            return fail(
                entry,
                "資料錯誤:service 格式錯誤 (service is not {\"service_name\",\"cmd\"} JSON)",
                e.to_string(),
            )
        }
    };
    entry.service = serde_json::to_value(&service).ok();
    entry.cmd = Some(service.cmd.as_str().to_owned());

    let fault = lock(&app.faults).take_agent(service.cmd.as_str());
    let data_text =
        match env.open_data_text(&app.keys) {
            Ok(t) => t,
            Err(_) => return fail(
                entry,
                "資料錯誤:encry_data 解密失敗 (encry_data does not decrypt with this agent's key)",
                "encry_data decrypt failed".into(),
            ),
        };
    let data: Option<Value> = serde_json::from_str(&data_text).ok();
    entry.data = Some(
        data.clone()
            .unwrap_or_else(|| Value::String(data_text.clone())),
    );
    if matches!(service.cmd, Command::QueryOrder | Command::Refund) {
        entry.uid = data
            .as_ref()
            .and_then(|d| d.get("uid"))
            .and_then(|u| match u {
                Value::String(s) => Some(s.trim().to_owned()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            });
    }

    // `partial`: processed and answered, the reply trimmed.
    let (fault, partial) = match fault {
        Some(f) if f.mode == AgentFaultMode::Partial => (None, true),
        other => (other, false),
    };

    // A fault that lets the call through first: the API acts, the answer
    // is lost.
    let fault = match fault {
        Some(f) if f.after_processing => {
            let reply = handle(app, &service.cmd, data.clone(), false);
            entry.processed = true;
            entry.code = Some(reply.code);
            if reply.uid.is_some() {
                entry.uid = reply.uid;
            }
            entry.problems = reply.problems;
            Some(f)
        }
        other => other,
    };

    if let Some(f) = fault {
        entry.fault = Some(format!("{:?}", f.mode).to_ascii_lowercase());
        if f.mode == AgentFaultMode::Timeout {
            // Logged now: the client may hang up before the delay ends
            // (its request future is then dropped).
            let delay = f.delay_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
            entry.http_status = 504;
            entry.error = Some(format!("timeout fault: no answer for {delay} ms, then 504"));
            log(app, entry);
            tokio::time::sleep(Duration::from_millis(delay)).await;
            return (gateway_timeout(), None);
        }
        return (fault_response(f.mode, &mut entry), Some(entry));
    }

    let reply = handle(app, &service.cmd, data, partial);
    if partial {
        entry.fault = Some("partial".into());
    }
    entry.code = Some(reply.code);
    entry.processed = true;
    entry.answered = true;
    if reply.uid.is_some() {
        entry.uid = reply.uid;
    }
    entry.problems = reply.problems;
    (text_reply(reply.body), Some(entry))
}

/// The API logic of one decrypted call. `partial`: the query reply leaves
/// out `order_id` and `cost` (the `partial` fault).
fn handle(app: &App, cmd: &Command, data: Option<Value>, partial: bool) -> Out {
    let Some(Value::Object(data)) = data else {
        let (code, prefix) = if *cmd == Command::Refund {
            (Prc::ExecutionFailed, "執行失敗")
        } else {
            (Prc::DataError, "資料錯誤")
        };
        return code_reply(
            code,
            &format!("{prefix}:encry_data 不是 JSON 物件 (encry_data is not a JSON object)"),
        );
    };
    match cmd {
        Command::Orders => orders(app, data),
        Command::QueryOrder => query(app, data, partial),
        Command::Refund => refund(app, data),
        Command::Other(c) => code_reply(
            Prc::DataError,
            &format!("資料錯誤:不支援的服務 (unknown cmd {c})"),
        ),
    }
}

/// How long a `timeout` fault keeps the caller waiting without `delay_ms`.
const DEFAULT_TIMEOUT_MS: u64 = 30_000;

fn gateway_timeout() -> Response {
    (
        StatusCode::GATEWAY_TIMEOUT,
        Html("<html><body><h1>504 Gateway Time-out</h1></body></html>"),
    )
        .into_response()
}

fn fault_response(mode: AgentFaultMode, entry: &mut RequestEntry) -> Response {
    match mode {
        AgentFaultMode::Http500 => {
            entry.http_status = 500;
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<html><head><title>500 Internal Server Error</title></head><body><h1>500 Internal Server Error</h1></body></html>"),
            )
                .into_response()
        }
        AgentFaultMode::Timeout => {
            entry.http_status = 504;
            gateway_timeout()
        }
        AgentFaultMode::Garbage => {
            entry.http_status = 200;
            let mut r = (
                StatusCode::OK,
                "\u{feff}<br />\n<b>Warning</b>: {\"code\":\"2",
            )
                .into_response();
            r.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r
        }
        AgentFaultMode::Html403 => {
            entry.http_status = 403;
            (StatusCode::FORBIDDEN, Html(FORBIDDEN_PAGE)).into_response()
        }
        // `process` answers a `partial` call itself (the real reply,
        // trimmed); it never replaces the answer.
        AgentFaultMode::Partial => {
            entry.http_status = 500;
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<html><body><h1>500 Internal Server Error</h1></body></html>"),
            )
                .into_response()
        }
    }
}

fn text_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// `api/orders`: the sandbox's own rules (`rules::check_order`), the
/// store, `order_id` not used before; then the order is created (200).
fn orders(app: &App, data: Map<String, Value>) -> Out {
    let store_uid = text_of(data.get("store_uid"));
    if !store_uid.is_empty() && store_uid != app.store_uid {
        return code_reply(
            Prc::DataError,
            "資料錯誤:特約商店代碼錯誤 (unknown store_uid)",
        );
    }
    if let Err(problems) = rules::check_order(&data) {
        return problems_reply(Prc::DataError, "資料錯誤:", problems);
    }
    let order: OrderRequest = match serde_json::from_value(Value::Object(data)) {
        Ok(o) => o,
        Err(e) => return code_reply(Prc::DataError, &format!("資料錯誤:欄位格式錯誤 ({e})")),
    };
    // 『電子發票是否開立狀態』: 0 no, 1 yes, 2 (the default) the store's
    // setting in MYPAY's admin panel (`issue_invoices` here).
    let issue = match order.issue_invoice_state.as_ref().map(|s| s.code()) {
        Some("0") => false,
        Some("1") => true,
        _ => lock(&app.config).issue_invoices,
    };
    let created = app.write(|store, now| {
        if let Some(existing) = store.find_order_id(&app.store_uid, order.order_id.as_str()) {
            return (Err(existing), Vec::new());
        }
        let (uid, key) = store.create(order.clone(), now);
        if let Some(o) = store.orders.get_mut(&uid) {
            o.issue_invoice = issue;
        }
        (Ok((uid, key)), Vec::new())
    });
    let (uid, key) = match created {
        Ok(c) => c,
        Err(existing) => {
            return code_reply(
                Prc::DataError,
                &format!(
                    "資料錯誤:訂單編號重複 (order_id {} is already order uid {existing})",
                    order.order_id
                ),
            )
        }
    };
    let reply = OrderReply {
        code: Prc::DataOk,
        msg: "資料正確".into(),
        uid: Some(Text(uid.to_string())),
        key: Some(key),
        url: Some(app.payment_url(uid)),
        extra: Default::default(),
    };
    let mut out = Out::of(Prc::DataOk.code(), &reply);
    out.uid = Some(uid.to_string());
    out
}

/// The order's items as (name, total): a full refund's items when the
/// refund does not list them.
pub fn order_items(o: &crate::order::OrderRecord) -> Vec<(String, i64)> {
    o.request
        .items
        .iter()
        .map(|i| (i.name.clone(), i.total.map(|t| t.get()).unwrap_or(0)))
        .collect()
}

/// `api/queryorder`: the full 『交易查詢』 reply, after what time did
/// (`partial`: without `order_id` and `cost`).
fn query(app: &App, data: Map<String, Value>, partial: bool) -> Out {
    let q: QueryRequest = match serde_json::from_value(Value::Object(data)) {
        Ok(q) => q,
        Err(e) => return code_reply(Prc::DataError, &format!("資料錯誤:欄位格式錯誤 ({e})")),
    };
    let uid = q.uid.as_str().trim().parse::<u64>().ok();
    app.read(|store| {
        let found = uid
            .and_then(|uid| store.orders.get(&uid))
            .filter(|o| secret_eq(&o.key, q.key.trim()));
        match found {
            Some(o) => {
                let mut reply = query_reply(o);
                if partial {
                    reply.transaction.order_id = None;
                    reply.transaction.cost = None;
                }
                Out::of(&format!("prc {}", o.prc), &reply)
            }
            None => code_reply(
                Prc::DataError,
                "資料錯誤:查無此訂單 (no order with this uid and key)",
            ),
        }
    })
}

/// `api/refund`: 必填 fields, the store, the order (uid + key), paid (250
/// or 600), a method the API refunds instantly, not refunded in full yet,
/// the voucher-mode rules; then the refund as `refund_mode` says.
fn refund(app: &App, data: Map<String, Value>) -> Out {
    fn b500(msg: &str) -> Out {
        code_reply(Prc::ExecutionFailed, &format!("執行失敗:{msg}"))
    }
    let ask = match rules::check_refund_fields(&data) {
        Ok(a) => a,
        Err(p) => return problems_reply(Prc::ExecutionFailed, "執行失敗:", p),
    };
    if ask.store_uid != app.store_uid {
        return b500("特約商店代碼錯誤 (unknown store_uid)");
    }
    let (mode, days) = {
        let c = lock(&app.config);
        (c.refund_mode, c.manual_refund_days)
    };
    let Some(uid) = ask.uid.parse::<u64>().ok() else {
        return b500("查無此訂單 (no order with this uid and key)");
    };
    app.write(|store, now| {
        let order = store
            .orders
            .get(&uid)
            .filter(|o| secret_eq(&o.key, &ask.key));
        let Some(order) = order else {
            return (
                b500("查無此訂單 (no order with this uid and key)"),
                Vec::new(),
            );
        };
        if !is_paid(&order.prc) {
            return (
                b500(&format!(
                    "訂單狀態 {} 不可退款 (only paid orders, 250 or 600, can be refunded)",
                    order.prc
                )),
                Vec::new(),
            );
        }
        let pfn = order.pfn();
        if !rules::instant_refund(&pfn) {
            return (
                b500(&format!(
                    "此付款方式不支援即時退款 (pfn {pfn} does not support instant refund: refund it in MYPAY's admin panel)"
                )),
                Vec::new(),
            );
        }
        if order.fully_refunded() {
            return (
                b500("此訂單已全額退款 (the order is already refunded in full)"),
                Vec::new(),
            );
        }
        let facts = order.refund_facts(now);
        if let Err(p) = rules::check_refund_against(&ask, &facts) {
            return (problems_reply(Prc::ExecutionFailed, "執行失敗:", p), Vec::new());
        }
        let listed = ask.vouchers.clone().unwrap_or_default();
        let vouchers: Vec<PaidVoucher> = order
            .request
            .voucher_paid
            .as_deref()
            .unwrap_or_default()
            .iter()
            .filter(|v| {
                listed
                    .iter()
                    .any(|(p, s)| *p == v.product_id && *s == v.serial_number)
            })
            .cloned()
            .collect();
        let pending = mode != RefundMode::Instant;
        let plan = RefundPlan {
            cost: ask.cost,
            voucher_paid: vouchers,
            invoice_state: ask.invoice_state.clone().unwrap_or_else(|| "4".into()),
            refund_type: if pending {
                rules::manual_refund_type(&pfn).into()
            } else {
                "1".into()
            },
            pending,
            expected_refund_date: if pending {
                day_stamp(plus_days(now, i64::from(days)))
            } else {
                String::new()
            },
            source: "api",
            // 若為全額退款時,不帶此欄位項目,系統會自動補齊.
            items: ask.items.clone().unwrap_or_else(|| order_items(order)),
        };
        match store.refund(uid, plan, now) {
            Ok((order, rf)) => {
                let reply = RefundReply {
                    row_data: (mode != RefundMode::NoRowData).then(|| refund_row(&order, &rf)),
                    key: Some(order.key.clone()),
                    uid: Some(Text(order.uid.to_string())),
                    code: Prc::Executed,
                    msg: "執行成功".into(),
                    extra: Default::default(),
                };
                (Out::of(Prc::Executed.code(), &reply), vec![Report::Refund(order, rf)])
            }
            Err(TransitionError::InvalidState { .. }) => (
                b500("此訂單已全額退款 (the order is already refunded in full)"),
                Vec::new(),
            ),
            Err(e) => (b500(&e.message()), Vec::new()),
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn refusals_are_code_and_msg_only() {
        let out = code_reply(Prc::DataError, "資料錯誤:x");
        let v: Value = serde_json::from_str(&out.body).unwrap();
        assert_eq!(v, json!({"code": "100", "msg": "資料錯誤:x"}));
        let p = vec![Problem {
            path: "cost".into(),
            message: "bad".into(),
        }];
        let out = problems_reply(Prc::ExecutionFailed, "執行失敗:", p.clone());
        let v: Value = serde_json::from_str(&out.body).unwrap();
        assert_eq!(v["msg"], "執行失敗:cost: bad");
        assert_eq!(out.problems, Some(p));
        assert_eq!(out.code, "B500");
    }

    #[test]
    fn scalars_as_text() {
        assert_eq!(text_of(Some(&json!(" 289151880002 "))), "289151880002");
        assert_eq!(text_of(Some(&json!(95300))), "95300");
        assert_eq!(text_of(Some(&json!(null))), "");
        assert_eq!(text_of(None), "");
    }

    #[test]
    fn faults_answer_as_a_broken_mypay_would() {
        for (mode, status) in [
            (AgentFaultMode::Http500, 500),
            (AgentFaultMode::Timeout, 504),
            (AgentFaultMode::Garbage, 200),
            (AgentFaultMode::Html403, 403),
        ] {
            let mut e = RequestEntry::default();
            let r = fault_response(mode, &mut e);
            assert_eq!(r.status().as_u16(), status, "{mode:?}");
            assert_eq!(e.http_status, status);
        }
    }
}
