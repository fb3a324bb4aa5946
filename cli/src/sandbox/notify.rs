//! Callback delivery (主動回報): posts each report as a form to the notify
//! URL in a background task, counts only the body `8888` as acknowledged,
//! retries on the configured schedule, and records every attempt.

use super::faults::CallbackFaultMode;
use super::lock;
use super::state::rfc3339_now;
use mypay_edge::models::Notification;
use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// The User-Agent of the sandbox's callbacks.
pub const CALLBACK_USER_AGENT: &str = concat!(
    "mypay-sandbox/",
    env!("CARGO_PKG_VERSION"),
    " (MYPAY LINK emulation)"
);
/// How long a reordered report waits for a later one to overtake it.
const REORDER_MAX_WAIT: Duration = Duration::from_secs(5);

/// One HTTP attempt to deliver one report.
#[derive(Clone, Debug, Serialize)]
pub struct Attempt {
    /// Sequence number of this attempt.
    pub id: u64,
    /// Which delivery (one report, or its duplicate) this attempt belongs to.
    pub delivery: u64,
    pub uid: String,
    pub prc: String,
    pub url: Option<String>,
    /// The form fields as posted (arrays as JSON text).
    pub fields: Map<String, Value>,
    /// HTTP status of the answer; null when there was no answer.
    pub status: Option<u16>,
    /// The answer's body (first 500 characters) or the transport error.
    pub answer: String,
    /// The answer was `8888`.
    pub acknowledged: bool,
    /// 1 for the first try, 2 for the first retry, ...
    pub attempt: u32,
    pub time: String,
    /// The callback fault that applied (`duplicate`, `reorder`, `drop`).
    pub fault: Option<String>,
}

/// Delivers reports and keeps the record of attempts.
pub struct Notifier {
    client: reqwest::Client,
    attempts: Mutex<Vec<Attempt>>,
    seq: AtomicU64,
    deliveries: AtomicU64,
    /// Counts first attempts, so a reordered report can wait for the next one.
    first_attempts: watch::Sender<u64>,
}

impl Notifier {
    pub fn new() -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .user_agent(CALLBACK_USER_AGENT)
            .timeout(Duration::from_secs(10))
            .build()?;
        let (first_attempts, _) = watch::channel(0u64);
        Ok(Self {
            client,
            attempts: Mutex::new(Vec::new()),
            seq: AtomicU64::new(1),
            deliveries: AtomicU64::new(1),
            first_attempts,
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
            url: url.map(str::to_owned),
            fields: fields.clone(),
            status,
            answer: answer.chars().take(500).collect(),
            acknowledged,
            attempt,
            time: rfc3339_now(),
            fault: fault.map(str::to_owned),
        };
        tracing::info!(uid = %a.uid, prc = %a.prc, attempt, status = ?status, acknowledged, "callback");
        lock(&self.attempts).push(a);
        acknowledged
    }

    /// Sends `note` in the background (now, then on `schedule` until `8888`).
    pub fn dispatch(
        self: &Arc<Self>,
        note: Notification,
        url: Option<String>,
        schedule: Vec<u64>,
        fault: Option<CallbackFaultMode>,
    ) {
        let me = Arc::clone(self);
        tokio::spawn(async move {
            let (form, fields) = match note.to_form() {
                Ok(form) => {
                    let fields: Map<String, Value> = form_urlencoded::parse(form.as_bytes())
                        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                        .collect();
                    (form, fields)
                }
                Err(e) => {
                    let delivery = me.deliveries.fetch_add(1, Ordering::SeqCst);
                    me.record(
                        delivery,
                        &note,
                        url.as_deref(),
                        &Map::new(),
                        None,
                        format!("cannot encode the report: {e}"),
                        1,
                        None,
                    );
                    me.bump();
                    return;
                }
            };
            match fault {
                Some(CallbackFaultMode::Drop) => {
                    let delivery = me.deliveries.fetch_add(1, Ordering::SeqCst);
                    me.record(
                        delivery,
                        &note,
                        url.as_deref(),
                        &fields,
                        None,
                        "dropped by the callback fault".into(),
                        1,
                        Some("drop"),
                    );
                    me.bump();
                    return;
                }
                Some(CallbackFaultMode::Reorder) => {
                    let mut rx = me.first_attempts.subscribe();
                    let start = *rx.borrow_and_update();
                    let _ =
                        tokio::time::timeout(REORDER_MAX_WAIT, rx.wait_for(|n| *n > start)).await;
                    me.deliver(
                        &note,
                        url.as_deref(),
                        &form,
                        &fields,
                        &schedule,
                        Some("reorder"),
                    )
                    .await;
                }
                Some(CallbackFaultMode::Duplicate) => {
                    me.deliver(&note, url.as_deref(), &form, &fields, &schedule, None)
                        .await;
                    me.deliver(
                        &note,
                        url.as_deref(),
                        &form,
                        &fields,
                        &schedule,
                        Some("duplicate"),
                    )
                    .await;
                }
                None => {
                    me.deliver(&note, url.as_deref(), &form, &fields, &schedule, None)
                        .await
                }
            }
        });
    }

    async fn deliver(
        &self,
        note: &Notification,
        url: Option<&str>,
        form: &str,
        fields: &Map<String, Value>,
        schedule: &[u64],
        fault: Option<&str>,
    ) {
        let delivery = self.deliveries.fetch_add(1, Ordering::SeqCst);
        let Some(url) = url else {
            self.record(
                delivery,
                note,
                None,
                fields,
                None,
                "no notify_url configured: report not sent".into(),
                1,
                fault,
            );
            self.bump();
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
                self.bump();
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
