//! Callback delivery (主動回報): posts each report as a form to the notify
//! URL in a background task, counts only the body `8888` as acknowledged,
//! retries on the configured schedule, and records every attempt.

use crate::agent::LOG_CAP;
use crate::app::lock;
use crate::clock::Clock;
use crate::faults::CallbackFaultMode;
use mypay_link::models::Notification;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{oneshot, watch};

/// The User-Agent of the sandbox's callbacks.
pub const CALLBACK_USER_AGENT: &str = concat!(
    "mypay-sandbox/",
    env!("CARGO_PKG_VERSION"),
    " (MYPAY LINK emulation)"
);
/// How long a reordered report waits for a later one to overtake it.
const REORDER_MAX_WAIT: Duration = Duration::from_secs(5);
/// How long a report waits for the first attempt of the order's previous one.
const GATE_MAX_WAIT: Duration = Duration::from_secs(15);

/// One HTTP attempt to deliver one report.
#[derive(Clone, Debug, Serialize)]
pub struct Attempt {
    /// Sequence number of this attempt.
    pub id: u64,
    /// Which delivery (one report, or its duplicate) this attempt belongs to.
    pub delivery: u64,
    pub uid: String,
    pub prc: String,
    /// `state` (the order's state) or `refund` (a refund report).
    pub kind: &'static str,
    /// The refund's uid, for a refund report.
    pub refund_uid: Option<String>,
    pub url: Option<String>,
    /// The form fields as posted (arrays as JSON text).
    pub fields: Map<String, Value>,
    /// HTTP status of the answer; null when there was no answer.
    pub status: Option<u16>,
    /// The answer's body (first 500 characters) or the transport error.
    pub answer: String,
    /// The receiver's body (first 500 characters); null without an answer.
    pub body: Option<String>,
    /// The answer was `8888` (trimmed).
    pub acknowledged: bool,
    /// Same as `acknowledged`.
    pub acked: bool,
    /// 1 for the first try, 2 for the first retry, ...
    pub attempt: u32,
    pub time: String,
    /// The callback fault that applied (`duplicate`, `reorder`, `drop`).
    pub fault: Option<String>,
}

/// Delivers reports and keeps the record of attempts.
pub struct Notifier {
    client: reqwest::Client,
    clock: Clock,
    attempts: Mutex<Vec<Attempt>>,
    seq: AtomicU64,
    deliveries: AtomicU64,
    /// Counts first attempts, so a reordered report can wait for the next one.
    first_attempts: watch::Sender<u64>,
    /// Per order: the signal of the last report's first attempt.
    chains: Mutex<HashMap<String, oneshot::Receiver<()>>>,
}

impl Notifier {
    pub fn new(clock: Clock) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .user_agent(CALLBACK_USER_AGENT)
            .timeout(Duration::from_secs(10))
            .build()?;
        let (first_attempts, _) = watch::channel(0u64);
        Ok(Self {
            client,
            clock,
            attempts: Mutex::new(Vec::new()),
            seq: AtomicU64::new(1),
            deliveries: AtomicU64::new(1),
            first_attempts,
            chains: Mutex::new(HashMap::new()),
        })
    }

    /// Every attempt so far, oldest first.
    pub fn attempts(&self) -> Vec<Attempt> {
        lock(&self.attempts).clone()
    }

    pub fn clear(&self) {
        lock(&self.attempts).clear();
    }

    fn bump(&self) {
        self.first_attempts.send_modify(|n| *n += 1);
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        delivery: u64,
        note: &Notification,
        url: Option<&str>,
        fields: &Map<String, Value>,
        status: Option<u16>,
        answer: String,
        attempt: u32,
        fault: Option<&str>,
    ) -> bool {
        let acknowledged = status.is_some() && answer.trim() == "8888";
        let answer: String = answer.chars().take(500).collect();
        let a = Attempt {
            id: self.seq.fetch_add(1, Ordering::SeqCst),
            delivery,
            uid: note
                .transaction
                .uid
                .as_ref()
                .map(|u| u.0.clone())
                .unwrap_or_default(),
            prc: note
                .transaction
                .prc
                .as_ref()
                .map(|p| p.code().to_owned())
                .unwrap_or_default(),
            kind: if note.refund_uid.is_some() {
                "refund"
            } else {
                "state"
            },
            refund_uid: note.refund_uid.as_ref().map(|u| u.0.clone()),
            url: url.map(str::to_owned),
            fields: fields.clone(),
            status,
            body: status.map(|_| answer.clone()),
            answer,
            acknowledged,
            acked: acknowledged,
            attempt,
            time: self.clock.rfc3339(),
            fault: fault.map(str::to_owned),
        };
        tracing::info!(uid = %a.uid, prc = %a.prc, attempt, status = ?status, acknowledged, "callback");
        let mut attempts = lock(&self.attempts);
        if attempts.len() >= LOG_CAP * 2 {
            attempts.remove(0);
        }
        attempts.push(a);
        acknowledged
    }

    /// Sends `note` in the background (now, then on `schedule` until
    /// `8888`). Without faults, the first attempts of one order's reports
    /// go out in the order the state changed; retries are independent.
    pub fn dispatch(
        self: &Arc<Self>,
        note: Notification,
        url: Option<String>,
        schedule: Vec<u64>,
        fault: Option<CallbackFaultMode>,
    ) {
        let me = Arc::clone(self);
        // A reordered report waits for a first attempt after this moment.
        let mut after = self.first_attempts.subscribe();
        let start = *after.borrow_and_update();
        // Per-order ordering: wait for the previous report's first attempt
        // (a reordered report stays out of the chain).
        let uid = note
            .transaction
            .uid
            .as_ref()
            .map(|u| u.0.clone())
            .unwrap_or_default();
        let (gate, mut done) = if fault == Some(CallbackFaultMode::Reorder) {
            (None, None)
        } else {
            let (tx, rx) = oneshot::channel::<()>();
            (lock(&self.chains).insert(uid, rx), Some(tx))
        };
        tokio::spawn(async move {
            if let Some(gate) = gate {
                let _ = tokio::time::timeout(GATE_MAX_WAIT, gate).await;
            }
            let (form, fields) = match note.to_form() {
                Ok(form) => {
                    let fields: Map<String, Value> = form_urlencoded::parse(form.as_bytes())
                        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                        .collect();
                    (form, fields)
                }
                Err(e) => {
                    let delivery = me.deliveries.fetch_add(1, Ordering::SeqCst);
                    let msg = format!("cannot encode the report: {e}");
                    me.record(
                        delivery,
                        &note,
                        url.as_deref(),
                        &Map::new(),
                        None,
                        msg,
                        1,
                        None,
                    );
                    me.first_done(&mut done);
                    return;
                }
            };
            let url = url.as_deref();
            match fault {
                Some(CallbackFaultMode::Drop) => {
                    let delivery = me.deliveries.fetch_add(1, Ordering::SeqCst);
                    let msg = "dropped by the callback fault".to_string();
                    me.record(delivery, &note, url, &fields, None, msg, 1, Some("drop"));
                    me.first_done(&mut done);
                }
                Some(CallbackFaultMode::Reorder) => {
                    let wait = after.wait_for(|n| *n > start);
                    let _ = tokio::time::timeout(REORDER_MAX_WAIT, wait).await;
                    let d = (&note, url, form.as_str(), &fields, schedule.as_slice());
                    me.deliver(d, Some("reorder"), &mut done).await;
                }
                Some(CallbackFaultMode::Duplicate) => {
                    let d = (&note, url, form.as_str(), &fields, schedule.as_slice());
                    me.deliver(d, None, &mut done).await;
                    me.deliver(d, Some("duplicate"), &mut done).await;
                }
                None => {
                    let d = (&note, url, form.as_str(), &fields, schedule.as_slice());
                    me.deliver(d, None, &mut done).await;
                }
            }
        });
    }

    /// Marks the first attempt of a report as made.
    fn first_done(&self, done: &mut Option<oneshot::Sender<()>>) {
        if let Some(tx) = done.take() {
            let _ = tx.send(());
        }
        self.bump();
    }

    async fn deliver(
        &self,
        (note, url, form, fields, schedule): Delivery<'_>,
        fault: Option<&str>,
        done: &mut Option<oneshot::Sender<()>>,
    ) {
        let delivery = self.deliveries.fetch_add(1, Ordering::SeqCst);
        let Some(url) = url else {
            let msg = "no notify_url configured: report not sent".to_string();
            self.record(delivery, note, None, fields, None, msg, 1, fault);
            self.first_done(done);
            return;
        };
        let mut attempt: u32 = 1;
        loop {
            let sent = self
                .client
                .post(url)
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(form.to_owned())
                .send()
                .await;
            let (status, answer) = match sent {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    (Some(status), resp.text().await.unwrap_or_default())
                }
                Err(e) => (None, format!("error: {e}")),
            };
            let ack = self.record(
                delivery,
                note,
                Some(url),
                fields,
                status,
                answer,
                attempt,
                fault,
            );
            if attempt == 1 {
                self.first_done(done);
            }
            let Some(wait) = schedule.get(attempt as usize - 1) else {
                break;
            };
            if ack {
                break;
            }
            tokio::time::sleep(Duration::from_millis(*wait)).await;
            attempt += 1;
        }
    }
}

/// What one delivery sends: the report, the URL, the form, its fields, the retry schedule.
type Delivery<'a> = (
    &'a Notification,
    Option<&'a str>,
    &'a str,
    &'a Map<String, Value>,
    &'a [u64],
);
