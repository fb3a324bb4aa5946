//! Test helpers: start the sandbox in this process on ephemeral ports (HTTP
//! and HTTPS), call its agent API with sealed envelopes, and receive its
//! callbacks.
#![allow(dead_code)]

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use mypay_link::{AgentKey, Command, Envelope};
use mypay_sandbox::{spawn, Listen, Running, Settings};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const KEY: &str = "2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG";
pub const AGENT: &str = "518169081001";
pub const STORE: &str = "289151880002";

/// A sandbox served by this process; it stops when dropped.
pub struct Sandbox {
    running: Running,
    pub http: String,
    pub https: String,
    pub client: reqwest::Client,
}

pub fn temp_dir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let d = std::env::temp_dir().join(format!(
        "mypay-sandbox-test-{name}-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

impl Sandbox {
    /// The default settings (test credentials, in memory), HTTP and HTTPS.
    pub async fn start() -> Sandbox {
        Self::with(Settings::default()).await
    }

    /// These settings, HTTP and HTTPS on free ports of 127.0.0.1.
    pub async fn with(settings: Settings) -> Sandbox {
        let running = spawn(settings, &Listen::local().with_tls(0))
            .await
            .expect("start the sandbox");
        let http = running.url();
        let https = running.https_url().unwrap_or_default();
        let client = reqwest::Client::builder()
            .user_agent("mypay-cli-tests")
            .danger_accept_invalid_certs(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        Sandbox {
            running,
            http,
            https,
            client,
        }
    }

    /// Stops serving (and waits until it has).
    pub async fn stop(self) {
        self.running.shutdown().await;
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
        let r = self.client.get(self.url(path)).send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
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

/// One callback as received.
#[derive(Clone, Debug)]
pub struct Received {
    pub fields: HashMap<String, String>,
    pub user_agent: Option<String>,
    pub content_type: Option<String>,
    pub at: Instant,
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
