//! `POST /api/agent`: the agent API (api/orders, api/queryorder, api/refund)
//! behind an emulation of MYPAY's firewall, with injected faults and a log
//! of every call (decrypted, without the agent key).

use super::faults::AgentFaultMode;
use super::state::{order_cost, paid_voucher_refs, query_reply, refund_row, TransitionError};
use super::{lock, App};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_TYPE, TRANSFER_ENCODING, USER_AGENT};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use mypay_edge::crypto::secret_eq;
use mypay_edge::lenient::Text;
use mypay_edge::models::{OrderReply, OrderRequest, QueryRequest, RefundReply, RefundRequest};
use mypay_edge::validate::{validate_order, validate_refund, PaidOrder};
use mypay_edge::{Command, Envelope, EnvelopeError, Problem};
use serde::Serialize;
use serde_json::Value;
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
    pub time: String,
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
    pub fault: Option<String>,
    pub error: Option<String>,
}

fn header(headers: &HeaderMap, name: axum::http::header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn new_entry(headers: &HeaderMap) -> RequestEntry {
    RequestEntry {
        time: super::state::rfc3339_now(),
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

/// A reply body, serialized in the documented field order, and its `code`.
struct Out {
    body: String,
    code: String,
}

impl Out {
    fn of<T: Serialize>(code: &str, v: &T) -> Self {
        match serde_json::to_string(v) {
            Ok(body) => Out {
                body,
                code: code.to_owned(),
            },
            Err(_) => code_reply("400", "系統錯誤 (system error)"),
        }
    }
}

#[derive(Serialize)]
struct CodeMsg<'a> {
    code: &'a str,
    msg: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    problems: Option<&'a [Problem]>,
}

fn code_reply(code: &str, msg: &str) -> Out {
    let body = serde_json::to_string(&CodeMsg {
        code,
        msg,
        problems: None,
    })
    .unwrap_or_else(|_| format!("{{\"code\":\"{code}\"}}"));
    Out {
        body,
        code: code.to_owned(),
    }
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
        let mut e = new_entry(req.headers());
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
    let mut entry = new_entry(&headers);
    // Read up to DRAIN_LIMIT so that a too-large body still gets its 413
    // (answering mid-upload would reset the connection).
    let read = axum::body::to_bytes(body, DRAIN_LIMIT).await;
    let bytes = match read {
        Ok(b) if b.len() <= BODY_LIMIT => b,
        _ => {
            entry.http_status = 413;
            entry.code = Some("100".into());
            entry.error = Some(format!("body larger than {BODY_LIMIT} bytes"));
            log(&app, entry);
            let mut r = text_reply(
                code_reply("100", "資料錯誤:request body is larger than 65536 bytes").body,
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
    let mut entry = new_entry(&headers);
    entry.http_status = 405;
    entry.code = Some("100".into());
    entry.error = Some(format!("method {method} (the agent API takes POST only)"));
    log(&app, entry);
    let mut r = text_reply(
        code_reply(
            "100",
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
    let fail = |mut entry: RequestEntry, code: &str, msg: &str, err: String| {
        entry.code = Some(code.into());
        entry.error = Some(err);
        (text_reply(code_reply(code, msg).body), Some(entry))
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        return fail(
            entry,
            "100",
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
                "100",
                "資料錯誤:body must carry agent_uid, service and encry_data (form or JSON)",
                e.to_string(),
            )
        }
    };
    entry.agent_uid = Some(env.agent_uid.clone());
    if env.agent_uid.trim() != app.agent_uid {
        return fail(
            entry,
            "100",
            "資料錯誤:經銷商商務代號不存在 (unknown agent_uid)",
            "unknown agent".into(),
        );
    }
    let service = match env.open_service(&app.keys) {
        Ok(s) => s,
        Err(EnvelopeError::Decrypt) => {
            return fail(
                entry,
                "100",
                "資料錯誤:service 解密失敗 (service does not decrypt with this agent's key)",
                "service decrypt failed".into(),
            )
        }
        Err(e) => {
            return fail(
                entry,
                "100",
                "資料錯誤:service 格式錯誤 (service is not {\"service_name\",\"cmd\"} JSON)",
                e.to_string(),
            )
        }
    };
    entry.service = serde_json::to_value(&service).ok();

    let fault = lock(&app.faults).take_agent(service.cmd.as_str());
    let data_text =
        match env.open_data_text(&app.keys) {
            Ok(t) => t,
            Err(_) => return fail(
                entry,
                "100",
                "資料錯誤:encry_data 解密失敗 (encry_data does not decrypt with this agent's key)",
                "encry_data decrypt failed".into(),
            ),
        };
    let data: Option<Value> = serde_json::from_str(&data_text).ok();
    entry.data = Some(
        data.clone()
            .unwrap_or_else(|| Value::String(data_text.clone())),
    );

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

    let Some(data) = data.filter(|d| d.is_object()) else {
        return fail(
            entry,
            "100",
            "資料錯誤:encry_data 不是 JSON 物件 (encry_data is not a JSON object)",
            "malformed JSON".into(),
        );
    };
    let reply = match &service.cmd {
        Command::Orders => orders(app, data),
        Command::QueryOrder => query(app, data),
        Command::Refund => refund(app, data),
        Command::Other(c) => code_reply("100", &format!("資料錯誤:不支援的服務 (unknown cmd {c})")),
    };
    entry.code = Some(reply.code);
    (text_reply(reply.body), Some(entry))
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
    }
}

fn problems_reply(code: &str, prefix: &str, problems: &[Problem]) -> Out {
    let msg = problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("; ");
    let msg = format!("{prefix}{msg}");
    Out::of(
        code,
        &CodeMsg {
            code,
            msg: &msg,
            problems: Some(problems),
        },
    )
}

fn orders(app: &App, data: Value) -> Out {
    let order: OrderRequest = match serde_json::from_value(data) {
        Ok(o) => o,
        Err(e) => return code_reply("100", &format!("資料錯誤:欄位格式錯誤 ({e})")),
    };
    if order.store_uid.as_str().trim() != app.store_uid {
        return code_reply("100", "資料錯誤:特約商店代碼錯誤 (unknown store_uid)");
    }
    if let Err(problems) = validate_order(&order) {
        return problems_reply("100", "資料錯誤:", &problems);
    }
    let (uid, key) = {
        let mut store = lock(&app.store);
        if let Some(existing) = store.find_order_id(&app.store_uid, order.order_id.as_str()) {
            return code_reply(
                "100",
                &format!(
                    "資料錯誤:訂單編號重複 (order_id {} is already order uid {existing})",
                    order.order_id
                ),
            );
        }
        let created = store.create(order);
        app.save(&store);
        created
    };
    let reply = OrderReply {
        code: mypay_edge::StatusCode::DataOk,
        msg: "資料正確".into(),
        uid: Some(Text(uid.to_string())),
        key: Some(key),
        url: Some(app.payment_url(uid)),
        extra: Default::default(),
    };
    Out::of("200", &reply)
}

fn query(app: &App, data: Value) -> Out {
    let q: QueryRequest = match serde_json::from_value(data) {
        Ok(q) => q,
        Err(e) => return code_reply("100", &format!("資料錯誤:欄位格式錯誤 ({e})")),
    };
    let store = lock(&app.store);
    let found = q
        .uid
        .as_str()
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|uid| store.orders.get(&uid))
        .filter(|o| secret_eq(&o.key, q.key.trim()));
    match found {
        Some(o) => Out::of(&format!("prc {}", o.prc), &query_reply(o)),
        None => code_reply(
            "100",
            "資料錯誤:查無此訂單 (no order with this uid and key)",
        ),
    }
}

fn refund(app: &App, data: Value) -> Out {
    let b500 = |msg: &str| code_reply("B500", &format!("執行失敗:{msg}"));
    let r: RefundRequest = match serde_json::from_value(data) {
        Ok(r) => r,
        Err(e) => return b500(&format!("欄位格式錯誤 ({e})")),
    };
    if r.store_uid.as_str().trim() != app.store_uid {
        return b500("特約商店代碼錯誤 (unknown store_uid)");
    }
    let uid = r.uid.as_str().trim().parse::<u64>().ok();
    let paid = {
        let store = lock(&app.store);
        let order = uid
            .and_then(|u| store.orders.get(&u))
            .filter(|o| secret_eq(&o.key, r.key.trim()));
        let Some(order) = order else {
            return b500("查無此訂單 (no order with this uid and key)");
        };
        if order.prc == "230" {
            return b500("此訂單已退款 (the order is already refunded)");
        }
        if order.prc != "250" && order.prc != "600" {
            return b500(&format!(
                "訂單狀態 {} 不可退款 (only paid orders, 250 or 600, can be refunded)",
                order.prc
            ));
        }
        PaidOrder {
            cost: order_cost(&order.request),
            voucher_paid: paid_voucher_refs(&order.request),
        }
    };
    if let Err(problems) = validate_refund(&r, Some(&paid)) {
        return problems_reply("B500", "執行失敗:", &problems);
    }
    let invoice_state = r
        .invoice_state
        .as_ref()
        .map(|s| s.code().to_owned())
        .unwrap_or_else(|| "4".into());
    let Some(uid) = uid else { return b500("uid") };
    match app.change(|store| store.refund(uid, &invoice_state)) {
        Ok(order) => {
            let reply = RefundReply {
                row_data: Some(refund_row(&order)),
                key: Some(order.key.clone()),
                uid: Some(Text(order.uid.to_string())),
                code: mypay_edge::StatusCode::Executed,
                msg: "執行成功".into(),
                extra: Default::default(),
            };
            Out::of("B200", &reply)
        }
        Err(TransitionError::InvalidState { prc, .. }) if prc == "230" => {
            b500("此訂單已退款 (the order is already refunded)")
        }
        Err(e) => b500(&e.message()),
    }
}
