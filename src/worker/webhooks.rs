//! Outbound merchant webhooks (Standard Webhooks, signed with
//! [`mypay_link::webhooks`]): the outbox rows `orders::execute` writes in
//! the same D1 batch as the order's change, their delivery through the
//! `WEBHOOK_QUEUE` Cloudflare Queue (the cron job sweeps whatever the queue
//! did not deliver), retries with backoff, and the record of every attempt
//! as a `webhook` event on the order. The admin API is in [`admin`].
//!
//! Delivery is at least once: a receiver may see one `webhook-id` more than
//! once and should treat the repeats as one.

pub mod admin;

use super::config::Config;
use super::db::{n, on, os, s, Db, OrderRow, StoreError, StoreResult};
use super::{log, mypay, orders, time};
use crate::order_state::OrderStatus;
use futures_util::future::{select, Either};
use mypay_link::webhooks::{Secret, HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::time::Duration;
use worker::{
    Env, Fetch, Headers, MessageBatch, MessageBuilder, Method, Queue, Request, RequestInit,
};

/// The queue binding (wrangler.toml `[[queues.producers]]`).
pub const QUEUE_BINDING: &str = "WEBHOOK_QUEUE";
/// The id of the endpoint the `MERCHANT_WEBHOOK_URL` setting names.
pub const SETTING_ENDPOINT: &str = "setting";
/// How long one attempt may wait for the receiver's answer, unless
/// `WEBHOOK_TIMEOUT_MS` says otherwise.
pub const DEFAULT_ATTEMPT_TIMEOUT_MS: u32 = 10_000;
/// The longest `WEBHOOK_TIMEOUT_MS`: well inside the claim below, so an
/// attempt always ends before another sender may take its delivery.
pub const MAX_ATTEMPT_TIMEOUT_MS: u32 = 20_000;
/// An attempt claims its delivery for this long: a second sender (the queue
/// and the cron job at once) leaves it alone meanwhile.
const CLAIM_SECS: i64 = 30;
/// The longest delay a queue message may carry (Cloudflare Queues: 12 h).
const MAX_QUEUE_DELAY_SECS: i64 = 43_200;
/// Deliveries one cron run or queue message sends at most.
const SWEEP_LIMIT: i64 = 25;

/// The default retry schedule, in seconds after each failed attempt: the
/// first retry within a minute, then longer waits; about 32 hours in all
/// (more than the 24 the merchant is promised) before a delivery is failed.
pub const DEFAULT_RETRY_SCHEDULE: [i64; 10] = [
    30, 120, 600, 1800, 3600, 7200, 14_400, 28_800, 28_800, 28_800,
];

thread_local! {
    /// The request's queue binding, set at every entry (`bind`): absent,
    /// deliveries wait for the cron job.
    static QUEUE: RefCell<Option<Queue>> = const { RefCell::new(None) };
}

/// Takes the queue binding of this invocation's `env`.
pub fn bind(env: &Env) {
    let q = env.queue(QUEUE_BINDING).ok();
    QUEUE.with(|c| *c.borrow_mut() = q);
}

/// The event an order's change is announced as, if any: a new status, or
/// a pending order's payment codes (store code, virtual account) arriving
/// or changing (`new_codes`; the order is pending from checkout on).
pub fn event_type(from: OrderStatus, to: OrderStatus, new_codes: bool) -> Option<&'static str> {
    if from == to && !(to == OrderStatus::Pending && new_codes) {
        return None;
    }
    Some(match to {
        OrderStatus::Created => return None,
        OrderStatus::Pending => "order.pending",
        OrderStatus::Paid => "order.paid",
        OrderStatus::Failed => "order.failed",
        OrderStatus::Expired => "order.expired",
        OrderStatus::RefundPending => "order.refund_pending",
        OrderStatus::Refunded => "order.refunded",
        OrderStatus::NeedsReview => "order.needs_review",
    })
}

/// A new message for the outbox.
pub struct Outbox {
    /// `msg_…`: the `webhook-id` of every delivery of this message.
    pub webhook_id: String,
    order_id: String,
    ty: &'static str,
    event_at: i64,
    db: Db,
}

/// The outbox statement for an order's change announced as `ty` (see
/// [`event_type`]), to run in the change's own batch: one delivery row per
/// endpoint (the setting's and every enabled console endpoint), written
/// only if `guard` (the transition's nonce) holds. None when the change is
/// not announced.
pub fn outbox_stmt(
    cfg: &Config,
    db: &Db,
    order_id: &str,
    ty: Option<&'static str>,
    now: i64,
    guard: &str,
) -> StoreResult<Option<(worker::D1PreparedStatement, Outbox)>> {
    let Some(ty) = ty else {
        return Ok(None);
    };
    let Some(hex) = time::random_hex(12) else {
        log::internal("random", "no entropy for a webhook id");
        return Ok(None);
    };
    let webhook_id = format!("msg_{hex}");
    let setting_url = cfg.webhook.as_ref().map(|w| w.url.as_str());
    let stmt = db.stmt(
        &format!(
            "INSERT OR IGNORE INTO webhook_deliveries (id, webhook_id, endpoint_id, url, type, order_id, event_at, status, attempts, retry_base, next_attempt_at, created_at) \
             SELECT 'dlv_' || lower(hex(randomblob(10))), ?2, e.id, e.url, ?3, ?1, ?4, 'pending', 0, 0, ?4, ?4 \
             FROM (SELECT id, url FROM webhook_endpoints WHERE enabled = 1 \
                   UNION ALL SELECT '{SETTING_ENDPOINT}', ?5 WHERE ?5 IS NOT NULL) e \
             WHERE {guard}"
        ),
        &[s(order_id), s(&webhook_id), s(ty), n(now), os(setting_url)],
    )?;
    Ok(Some((
        stmt,
        Outbox {
            webhook_id,
            order_id: order_id.to_owned(),
            ty,
            event_at: now,
            db: db.clone(),
        },
    )))
}

/// A queue message: deliver the pending deliveries of one message, or one
/// delivery (a retry or a replay).
#[derive(Serialize, Deserialize, Debug, Default)]
pub struct Job {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_id: Option<String>,
}

/// Puts `job` on the queue after `delay` seconds. Best effort: without the
/// queue, the cron job delivers.
pub async fn enqueue(job: Job, delay: i64) {
    let Some(q) = QUEUE.with(|c| c.borrow().clone()) else {
        return;
    };
    let delay = delay.clamp(0, MAX_QUEUE_DELAY_SECS) as u32;
    let mut msg = MessageBuilder::new(job);
    if delay > 0 {
        msg = msg.delay_seconds(delay);
    }
    if let Err(e) = q.send(msg.build()).await {
        log::warn("webhook_enqueue_failed", json!({"cause": e.to_string()}));
    }
}

/// A `webhook_deliveries` row.
#[derive(Deserialize, Debug, Clone)]
pub struct DeliveryRow {
    pub id: String,
    pub webhook_id: String,
    pub endpoint_id: String,
    pub url: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub order_id: String,
    pub event_at: i64,
    pub status: String,
    pub attempts: i64,
    pub retry_base: i64,
    pub next_attempt_at: Option<i64>,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub body: Option<String>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

pub const DELIVERY_SELECT: &str = "SELECT id, webhook_id, endpoint_id, url, type, order_id, event_at, status, attempts, retry_base, \
     next_attempt_at, last_status_code, last_error, body, created_at, delivered_at FROM webhook_deliveries";

impl DeliveryRow {
    /// As the admin API shows it.
    pub fn view(&self) -> Value {
        json!({
            "id": self.id, "webhook_id": self.webhook_id, "endpoint_id": self.endpoint_id, "url": self.url,
            "type": self.ty, "order_id": self.order_id, "status": self.status, "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at.filter(|_| self.status == "pending").map(time::rfc3339),
            "last_status_code": self.last_status_code, "last_error": self.last_error,
            "created_at": time::rfc3339(self.created_at), "delivered_at": self.delivered_at.map(time::rfc3339),
        })
    }
}

pub async fn delivery(db: &Db, id: &str) -> StoreResult<Option<DeliveryRow>> {
    db.first(&format!("{DELIVERY_SELECT} WHERE id = ?1"), &[s(id)])
        .await
}

/// The order as the webhook shows it: as `GET /admin/orders/{id}` does
/// (no MYPAY key, no order token), without its event log and the live query.
pub async fn order_data(db: &Db, o: &OrderRow) -> Result<Value, StoreError> {
    orders::admin_view(db, o).await
}

/// A message's body: what happened (`type`), when the order changed
/// (`timestamp`), and the order (`data`, see [`order_data`]).
fn message_body(data: Value, ty: &str, event_at: i64) -> String {
    json!({"type": ty, "timestamp": time::rfc3339(event_at), "data": data}).to_string()
}

/// Unix seconds of the real clock (the test clock moves `time::now`, but a
/// receiver checks `webhook-timestamp` against its own clock).
fn wall_clock() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// What one attempt ended as.
enum Sent {
    Status(u16),
    Error(&'static str),
}

/// Posts `body` with the three Standard Webhooks headers.
async fn post(url: &str, secret: &Secret, webhook_id: &str, body: &str, timeout_ms: u32) -> Sent {
    let ts = wall_clock();
    let headers = Headers::new();
    let signature = secret.sign(webhook_id, ts, body.as_bytes());
    for (k, v) in [
        ("content-type", "application/json"),
        ("user-agent", mypay::USER_AGENT),
        (HEADER_ID, webhook_id),
        (HEADER_TIMESTAMP, &ts.to_string()),
        (HEADER_SIGNATURE, &signature),
    ] {
        if headers.set(k, v).is_err() {
            return Sent::Error("bad_header");
        }
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(wasm_bindgen::JsValue::from_str(body)));
    let Ok(req) = Request::new_with_init(url, &init) else {
        return Sent::Error("bad_url");
    };
    let Ok(controller) = web_sys::AbortController::new() else {
        return Sent::Error("abort_controller");
    };
    let signal = worker::AbortSignal::from(controller.signal());
    let send = Box::pin(async {
        match Fetch::Request(req).send_with_signal(&signal).await {
            Ok(mut res) => {
                let status = res.status_code();
                // The answer's body says nothing we keep; read it so the
                // connection ends cleanly.
                let _ = res.bytes().await;
                Sent::Status(status)
            }
            Err(_) => Sent::Error("network"),
        }
    });
    let timer = Box::pin(worker::Delay::from(Duration::from_millis(u64::from(
        timeout_ms,
    ))));
    let sent = match select(send, timer).await {
        Either::Left((sent, _)) => sent,
        Either::Right(_) => {
            controller.abort();
            Sent::Error("timeout")
        }
    };
    sent
}

/// The endpoint's current URL and secret; None when it is gone.
async fn endpoint(cfg: &Config, db: &Db, id: &str) -> StoreResult<Option<(String, Secret)>> {
    if id == SETTING_ENDPOINT {
        return Ok(cfg
            .webhook
            .as_ref()
            .map(|w| (w.url.clone(), w.secret.clone())));
    }
    #[derive(Deserialize)]
    struct Row {
        url: String,
        secret: String,
    }
    let row: Option<Row> = db
        .first(
            "SELECT url, secret FROM webhook_endpoints WHERE id = ?1 AND enabled = 1",
            &[s(id)],
        )
        .await?;
    Ok(row.and_then(|r| Secret::parse(&r.secret).ok().map(|k| (r.url, k))))
}

/// Makes one attempt at `d` if it is still pending and due (claimed first,
/// so two senders never attempt it at once), records it, and schedules the
/// next. Answers whether an attempt was made.
pub async fn attempt(cfg: &Config, db: &Db, d: &DeliveryRow) -> StoreResult<bool> {
    let now = time::now();
    let claimed = db
        .run(
            "UPDATE webhook_deliveries SET next_attempt_at = ?1 WHERE id = ?2 AND status = 'pending' AND next_attempt_at <= ?3",
            &[n(now + CLAIM_SECS), s(&d.id), n(now)],
        )
        .await?;
    if claimed == 0 {
        return Ok(false);
    }
    let attempt_no = d.attempts + 1;
    let (sent, url) = match endpoint(cfg, db, &d.endpoint_id).await? {
        None => (Sent::Error("endpoint_removed"), d.url.clone()),
        Some((url, secret)) => {
            // The body is kept once built: every retry and replay then
            // sends the same bytes under the same webhook-id, so a receiver
            // that deduplicates on the id never sees two versions of one
            // message. It is built right after the order's change (`kick`);
            // only when that did not happen (the Worker stopped in between,
            // or the order changed again at once) is it built here, from the
            // order as it stands at the first attempt.
            let body = match &d.body {
                Some(b) => b.clone(),
                None => {
                    let data = match db.order(&d.order_id).await? {
                        Some(o) => order_data(db, &o).await?,
                        None => json!({"order_id": d.order_id}),
                    };
                    let b = message_body(data, &d.ty, d.event_at);
                    db.run(
                        "UPDATE webhook_deliveries SET body = ?1 WHERE id = ?2 AND body IS NULL",
                        &[s(&b), s(&d.id)],
                    )
                    .await?;
                    // Another sender may have frozen it first.
                    match delivery(db, &d.id).await?.and_then(|r| r.body) {
                        Some(kept) => kept,
                        None => b,
                    }
                }
            };
            (
                post(&url, &secret, &d.webhook_id, &body, cfg.webhook_timeout_ms).await,
                url,
            )
        }
    };
    let now = time::now();
    let (code, error) = match sent {
        Sent::Status(c) => (Some(i64::from(c)), None),
        Sent::Error(e) => (None, Some(e)),
    };
    let ok = code.is_some_and(|c| (200..300).contains(&c));
    let gone = error == Some("endpoint_removed");
    let step = (attempt_no - d.retry_base - 1).max(0) as usize;
    let retry_in = if ok || gone {
        None
    } else {
        cfg.webhook_retry_secs.get(step).copied()
    };
    let (status, next) = match (ok, retry_in) {
        (true, _) => ("delivered", None),
        (false, Some(wait)) => ("pending", Some(now + wait)),
        (false, None) => ("failed", None),
    };
    let error_text = match (error, code) {
        (Some(e), _) => Some(e.to_owned()),
        (None, Some(c)) if !ok => Some(format!("http_{c}")),
        _ => None,
    };
    let detail = json!({
        "endpoint": d.endpoint_id, "url": url, "webhook_id": d.webhook_id, "delivery_id": d.id,
        "type": d.ty, "attempt": attempt_no, "status_code": code, "error": error,
        "outcome": status, "next_attempt_at": next.map(time::rfc3339),
    });
    db.batch(
        "d1_webhook_attempt",
        vec![
            db.stmt(
                "UPDATE webhook_deliveries SET status = ?1, attempts = ?2, next_attempt_at = ?3, last_status_code = ?4, \
                 last_error = ?5, url = ?6, delivered_at = CASE WHEN ?1 = 'delivered' THEN ?7 ELSE delivered_at END WHERE id = ?8",
                &[s(status), n(attempt_no), on(next), on(code), os(error_text.as_deref()), s(&url), n(now), s(&d.id)],
            )?,
            db.event_stmt(Some(&d.order_id), "webhook", None, &detail, now)?,
        ],
    )
    .await?;
    let fields = json!({"order_id": d.order_id, "webhook_id": d.webhook_id, "endpoint": d.endpoint_id,
                        "type": d.ty, "attempt": attempt_no, "status_code": code, "error": error, "outcome": status});
    if ok {
        log::info("webhook_delivered", fields);
    } else {
        log::warn("webhook_attempt_failed", fields);
    }
    if let Some(wait) = retry_in {
        enqueue(
            Job {
                delivery_id: Some(d.id.clone()),
                ..Job::default()
            },
            wait,
        )
        .await;
    }
    Ok(true)
}

/// Attempts every due delivery `sql_where` selects (bound to `args`, with
/// `?1` the current time), oldest first.
async fn attempt_due(
    cfg: &Config,
    db: &Db,
    sql_where: &str,
    args: &[wasm_bindgen::JsValue],
) -> StoreResult<u32> {
    let rows: Vec<DeliveryRow> = db
        .all(
            &format!(
                "{DELIVERY_SELECT} WHERE status = 'pending' AND next_attempt_at <= ?1 AND {sql_where} \
                 ORDER BY next_attempt_at LIMIT {SWEEP_LIMIT}"
            ),
            args,
        )
        .await?;
    let mut made = 0;
    for d in rows {
        if attempt(cfg, db, &d).await? {
            made += 1;
        }
    }
    Ok(made)
}

/// The cron job's sweep: every delivery that is due, whatever happened to
/// its queue message (a lost message, a restart, no queue at all).
pub async fn sweep(cfg: &Config, db: &Db) -> StoreResult<u32> {
    let made = attempt_due(cfg, db, "1 = 1", &[n(time::now())]).await?;
    if made > 0 {
        log::info("webhook_sweep", json!({"attempts": made}));
    }
    Ok(made)
}

/// One queue message.
async fn run_job(cfg: &Config, db: &Db, job: &Job) -> StoreResult<()> {
    let now = time::now();
    if let Some(w) = &job.webhook_id {
        attempt_due(cfg, db, "webhook_id = ?2", &[n(now), s(w)]).await?;
    }
    if let Some(id) = &job.delivery_id {
        if let Some(d) = delivery(db, id).await? {
            match d.next_attempt_at {
                Some(at) if d.status == "pending" && at > now => {
                    // Early (the test clock, or a claim still running):
                    // wait the rest.
                    enqueue(
                        Job {
                            delivery_id: Some(d.id.clone()),
                            ..Job::default()
                        },
                        at - now,
                    )
                    .await;
                }
                _ => {
                    attempt(cfg, db, &d).await?;
                }
            }
        }
    }
    Ok(())
}

/// The queue consumer: every message is acknowledged once handled (a
/// failure is logged; the row stays pending and the cron job sweeps it).
pub async fn consume(cfg: &Config, db: &Db, batch: MessageBatch<Job>) {
    let messages = match batch.messages() {
        Ok(m) => m,
        Err(e) => {
            log::internal("queue_messages", e);
            batch.ack_all();
            return;
        }
    };
    for m in &messages {
        if let Err(e) = run_job(cfg, db, m.body()).await {
            e.log();
        }
    }
    batch.ack_all();
}

/// Writes the message's body into its deliveries, unless the order has
/// already moved on (another change committed since this one: its data
/// would not be this change's; the first attempt builds it then).
async fn freeze_body(outbox: &Outbox) -> StoreResult<()> {
    let db = &outbox.db;
    let Some(o) = db.order(&outbox.order_id).await? else {
        return Ok(());
    };
    if outbox.ty.strip_prefix("order.") != Some(o.status.as_str()) {
        return Ok(());
    }
    let body = message_body(order_data(db, &o).await?, outbox.ty, outbox.event_at);
    db.run(
        // order_id: the rows are found through their order's index.
        "UPDATE webhook_deliveries SET body = ?1 WHERE order_id = ?2 AND webhook_id = ?3 AND body IS NULL",
        &[s(&body), s(&outbox.order_id), s(&outbox.webhook_id)],
    )
    .await?;
    Ok(())
}

/// After an order's change committed with an outbox message: its body is
/// built now, from the order as this change left it (a first attempt may
/// come after the next change: a refund recorded after MYPAY already shows
/// it is `refund_pending`, then `refunded`, within one request), and the
/// message is handed to the queue at once.
pub async fn kick(outbox: &Outbox) {
    if let Err(e) = freeze_body(outbox).await {
        e.log();
    }
    enqueue(
        Job {
            webhook_id: Some(outbox.webhook_id.clone()),
            ..Job::default()
        },
        0,
    )
    .await;
}
