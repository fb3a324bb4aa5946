//! Test helpers shared by this crate's tests and the `mypay` command's
//! (cli/tests/): the test credentials and the API text's example order, an
//! HTTP client for a running sandbox ([`Http`]: sealed agent calls and the
//! automation API), a callback [`Receiver`], and checks both suites make.
//!
//! Compiled only for this crate's unit tests and with the `testing` feature,
//! which dev-dependencies enable. These helpers fail the calling test by
//! panicking, so unwrap/expect/panic are allowed here.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs
)]

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use mypay_link::{AgentKey, Command, Envelope};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const KEY: &str = "2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG";
pub const AGENT: &str = "518169081001";
pub const STORE: &str = "289151880002";

/// A fresh directory under the system's temporary directory.
pub fn temp_dir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let d = std::env::temp_dir().join(format!("mypay-test-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A client for a running sandbox at `http` (and `https`).
pub struct Http {
    pub http: String,
    pub https: String,
    pub client: reqwest::Client,
}

impl Http {
    /// A client that accepts the sandbox's self-signed certificate and does
    /// not follow redirects.
    pub fn new(http: String, https: String) -> Http {
        let client = reqwest::Client::builder()
            .user_agent("mypay-cli-tests")
            .danger_accept_invalid_certs(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        Http {
            http,
            https,
            client,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.http)
    }

    /// Sends an agent call sealed with the test key as a form; returns status and body.
    pub async fn agent(&self, cmd: Command, payload: &Value) -> (u16, String) {
        self.agent_with(AGENT, KEY, cmd, payload).await
    }

    pub async fn agent_with(
        &self,
        agent: &str,
        key: &str,
        cmd: Command,
        payload: &Value,
    ) -> (u16, String) {
        let env = Envelope::seal(agent, &AgentKey::new(key).unwrap(), cmd, payload).unwrap();
        self.raw_agent("application/x-www-form-urlencoded", env.to_form())
            .await
    }

    pub async fn raw_agent(&self, content_type: &str, body: String) -> (u16, String) {
        let r = self
            .client
            .post(self.url("/api/agent"))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.text().await.unwrap())
    }

    /// An agent call whose reply must be JSON.
    pub async fn agent_json(&self, cmd: Command, payload: &Value) -> Value {
        let (status, body) = self.agent(cmd, payload).await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap_or_else(|_| panic!("not JSON: {body}"))
    }

    /// Creates an order; returns (uid, key).
    pub async fn create(&self, order: &Value) -> (String, String) {
        let r = self.agent_json(Command::Orders, order).await;
        assert_eq!(r["code"], "200", "{r}");
        (
            r["uid"].as_str().unwrap().to_string(),
            r["key"].as_str().unwrap().to_string(),
        )
    }

    pub async fn query(&self, uid: &str, key: &str) -> Value {
        self.agent_json(Command::QueryOrder, &json!({"uid": uid, "key": key}))
            .await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.client.request(method, self.url(path));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::PUT, path, Some(body)).await
    }

    /// Points callbacks at `url` with fast retries.
    pub async fn set_notify(&self, url: &str, retry_ms: &[u64]) {
        let (s, v) = self
            .put(
                "/sandbox/config",
                json!({"notify_url": url, "retry_schedule_ms": retry_ms}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
    }

    pub async fn notifications(&self) -> Vec<Value> {
        let (_, v) = self.get("/sandbox/notifications").await;
        v.as_array().cloned().unwrap_or_default()
    }

    /// Pays `uid` with the test card; it must come out 250.
    pub async fn pay_card(&self, uid: &str) {
        let (s, v) = self
            .post(
                &format!("/sandbox/orders/{uid}/pay"),
                json!({"card_number": "4938170130000003"}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["prc"], "250");
    }

    /// Pays `uid` as `body` says; returns status and reply.
    pub async fn pay(&self, uid: &str, body: Value) -> (u16, Value) {
        self.post(&format!("/sandbox/orders/{uid}/pay"), body).await
    }

    /// Settles `uid` as `body` says; returns status and reply.
    pub async fn settle(&self, uid: &str, body: Value) -> (u16, Value) {
        self.post(&format!("/sandbox/orders/{uid}/settle"), body)
            .await
    }
}

/// A unique order: the API text's example with a fresh order_id.
pub fn example_order() -> Value {
    let mut v: Value = serde_json::from_str(EXAMPLE).unwrap();
    v["order_id"] = json!(unique_id());
    v
}

pub fn unique_id() -> String {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "T{}{}",
        nanos % 10_000_000_000,
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    )
}

/// The API text's PHP sample order.
pub const EXAMPLE: &str = r#"{
  "store_uid": "289151880002",
  "items": [{"id": "1", "name": "好棒棒麻辣鍋湯包", "cost": "1000", "amount": "1", "total": "1000"}],
  "user_id": "userid", "order_id": "1234567890", "ip": "192.168.0.1", "pfn": "0", "cost": 900,
  "agent_sms_fee_type": 1, "agent_charge_fee_type": 1, "agent_charge_fee": 90, "voucher_type": "1",
  "voucher_paid": [{"product_id": "P01", "serial_number": "P1635306439", "name": "好食券", "cost": 50, "issuer": "1", "refund_return_type": "3"}],
  "voucher_free": [{"product_id": "F01", "serial_number": "F1635306439", "name": "VIP免費券", "cost": 50, "issuer": "1"}],
  "voucher_invoice_type": "1"
}"#;

/// The full refund of an order made from `example_order()`.
pub fn full_refund(uid: &str, key: &str) -> Value {
    json!({"store_uid": STORE, "uid": uid, "key": key, "cost": 900,
           "voucher_paid": [{"product_id": "P01", "serial_number": "P1635306439"}], "invoice_state": 6})
}

/// POSTs a form to `url` without a User-Agent; returns status and body.
pub async fn post_without_user_agent(url: &str, body: String) -> (u16, String) {
    let client = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let r = client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

/// A query of the seeded order 95217, sealed with the test key, as a form.
pub fn sealed_query() -> String {
    let key = AgentKey::new(KEY).unwrap();
    Envelope::seal(
        AGENT,
        &key,
        Command::QueryOrder,
        &json!({"uid": "95217", "key": "3425042d7d266e4aea5fd4653a0271db"}),
    )
    .unwrap()
    .to_form()
}

/// Queries the seeded order 95217 with the agent key `key`; returns status and body.
async fn query_seed_with(sb: &Http, key: &str) -> (u16, String) {
    sb.agent_with(
        AGENT,
        key,
        Command::QueryOrder,
        &json!({"uid": "95217", "key": "3425042d7d266e4aea5fd4653a0271db"}),
    )
    .await
}

/// A sandbox whose keys are the test key and `next`: both open it.
pub async fn check_next_key_is_accepted(sb: &Http, next: &str) {
    let (s, b) = query_seed_with(sb, next).await;
    assert_eq!(s, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&b).unwrap()["prc"],
        "250",
        "{b}"
    );
    let r = sb.query("95217", "3425042d7d266e4aea5fd4653a0271db").await;
    assert_eq!(r["prc"], "250", "the current key still works");
}

/// A sandbox whose key is `custom`: the test key no longer opens it and
/// `custom` does. Returns what it answered and shows, to look for the key in.
pub async fn check_custom_key_replaces_the_test_key(sb: &Http, custom: &str) -> Vec<String> {
    let (_, b) = query_seed_with(sb, KEY).await;
    assert_eq!(
        serde_json::from_str::<Value>(&b).unwrap()["code"],
        "100",
        "the test key no longer opens it"
    );
    let (_, b) = sb
        .agent_with(AGENT, custom, Command::Orders, &example_order())
        .await;
    assert_eq!(
        serde_json::from_str::<Value>(&b).unwrap()["code"],
        "200",
        "{b}"
    );
    let mut seen = vec![b];
    for path in [
        "/sandbox/requests",
        "/sandbox/orders",
        "/sandbox/config",
        "/sandbox",
        "/sandbox/notifications",
        "/",
    ] {
        let (_, v) = sb.get(path).await;
        seen.push(v.to_string());
    }
    seen
}

/// Neither `custom` nor the test key shows in any of `seen`.
pub fn check_no_key_leaks(seen: Vec<String>, custom: &str) {
    for text in seen {
        assert!(
            !text.contains(custom),
            "the key leaked: {}",
            &text[..text.len().min(300)]
        );
        assert!(!text.contains(KEY));
    }
}

/// A sandbox restarted on `dir` after `uid` (with `key`) was paid: the order
/// is still paid, uids keep counting, and only `state.json` is left in `dir`.
pub async fn check_restarted_state(sb: &Http, dir: &Path, uid: &str, key: &str) {
    let q = sb.query(uid, key).await;
    assert_eq!(q["prc"], "250", "paid order survives: {q}");
    let (uid2, _) = sb.create(&example_order()).await;
    assert!(
        uid2.parse::<u64>().unwrap() > uid.parse::<u64>().unwrap(),
        "uids keep counting"
    );
    // No temporary files are left behind.
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["state.json".to_string()]);
}

/// A sandbox whose callbacks go to `rx` (answering `NG` once, then `8888`)
/// with retries after 40 and 40 ms: its config says so, an abandoned order
/// is reported A0002 twice, and lists and the index page show the order.
pub async fn check_notify_url_and_retry_schedule(sb: &Http, rx: &Receiver) {
    let (_, cfg) = sb.get("/sandbox/config").await;
    assert_eq!(cfg["notify_url"], rx.url.as_str());
    assert_eq!(cfg["retry_schedule_ms"], json!([40, 40]));
    let (uid, key) = sb.create(&example_order()).await;
    sb.post(&format!("/sandbox/orders/{uid}/abandon"), json!({}))
        .await;
    let got = rx.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 2, "NG, then a retry 40 ms later");
    check_report(&got[1], &uid, &key, "A0002");
    let (s, list) = sb.get("/sandbox/orders").await;
    assert_eq!(s, 200);
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["uid"] == uid.as_str() && o["prc"] == "A0002"));
    let r = sb.client.get(sb.url("/")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains(&format!("/payment/{uid}.html")));
}

/// One callback as received.
#[derive(Clone, Debug)]
pub struct Received {
    pub fields: HashMap<String, String>,
    pub user_agent: Option<String>,
    pub content_type: Option<String>,
    pub at: Instant,
}

/// A callback for the example order `uid`/`key` with result `prc`: its
/// fields, headers and vouchers, and that the client's core parses it.
pub fn check_report(cb: &Received, uid: &str, key: &str, prc: &str) {
    assert_eq!(cb.fields["uid"], uid);
    assert_eq!(cb.fields["key"], key);
    assert_eq!(cb.fields["prc"], prc, "{:?}", cb.fields);
    assert!(
        cb.user_agent.as_deref().unwrap_or("").contains("mypay"),
        "callbacks carry a User-Agent"
    );
    assert_eq!(
        cb.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    let vp: Value =
        serde_json::from_str(&cb.fields["voucher_paid"]).expect("voucher_paid is JSON text");
    assert_eq!(vp[0]["serial_number"], "P1635306439");
    // The core parses it as a report.
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(cb.fields.iter())
        .finish();
    let n = mypay_link::models::Notification::from_form(&body).unwrap();
    assert_eq!(n.transaction.prc.unwrap().code(), prc);
}

#[derive(Default)]
struct ReceiverState {
    received: Vec<Received>,
    /// Answers to give, in order; when used up, `fallback`.
    script: Vec<String>,
    fallback: String,
}

/// A local HTTP server that records callbacks and answers as told.
#[derive(Clone)]
pub struct Receiver {
    state: Arc<Mutex<ReceiverState>>,
    pub url: String,
}

impl Receiver {
    /// Answers `8888` to everything.
    pub async fn start() -> Receiver {
        Self::scripted(&[], "8888").await
    }

    /// Answers `script` in order, then `fallback`.
    pub async fn scripted(script: &[&str], fallback: &str) -> Receiver {
        let state = Arc::new(Mutex::new(ReceiverState {
            received: Vec::new(),
            script: script.iter().rev().map(|s| s.to_string()).collect(),
            fallback: fallback.to_string(),
        }));
        let app = Router::new()
            .route("/notify", post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            state,
            url: format!("http://{addr}/notify"),
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// Waits until `n` callbacks have arrived.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.received();
            if got.len() >= n || start.elapsed() > timeout {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn receive(
    State(state): State<Arc<Mutex<ReceiverState>>>,
    headers: HeaderMap,
    body: String,
) -> String {
    let fields: HashMap<String, String> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let mut s = state.lock().unwrap();
    s.received.push(Received {
        fields,
        user_agent: h("user-agent"),
        content_type: h("content-type"),
        at: Instant::now(),
    });
    s.script.pop().unwrap_or_else(|| s.fallback.clone())
}

/// Polls `f` until it returns Some or the time runs out.
pub async fn eventually<T, F, Fut>(timeout: Duration, mut f: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = f().await {
            return Some(v);
        }
        if start.elapsed() > timeout {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
