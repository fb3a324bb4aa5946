//! Test helpers: start the real `mypay sandbox` on ephemeral ports, call its
//! agent API with sealed envelopes, and receive its callbacks.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use mypay_link::{AgentKey, Command, Envelope};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const KEY: &str = "2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG";
pub const AGENT: &str = "518169081001";
pub const STORE: &str = "289151880002";
pub const BIN: &str = env!("CARGO_BIN_EXE_mypay");

/// A running sandbox; killed on drop.
pub struct Sandbox {
    child: Child,
    pub http: String,
    pub https: String,
    pub stdout: Arc<Mutex<String>>,
    pub stderr_path: PathBuf,
    pub client: reqwest::Client,
}

pub fn temp_dir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let d = std::env::temp_dir().join(format!(
        "mypay-cli-test-{name}-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

impl Sandbox {
    /// `mypay sandbox --port 0 --tls-port 0 --in-memory <args>`
    pub fn start(args: &[&str]) -> Sandbox {
        let mut all = vec!["--in-memory"];
        all.extend_from_slice(args);
        Self::start_with(&all, &[])
    }

    /// `mypay sandbox --port 0 --tls-port 0 <args>` with extra environment.
    pub fn start_with(args: &[&str], env: &[(&str, &str)]) -> Sandbox {
        let dir = temp_dir("stderr");
        let stderr_path = dir.join("stderr.log");
        let stderr = std::fs::File::create(&stderr_path).unwrap();
        let mut cmd = std::process::Command::new(BIN);
        cmd.args(["sandbox", "--port", "0", "--tls-port", "0"])
            .args(args)
            .env_remove("MYPAY_SANDBOX_KEY")
            .env_remove("MYPAY_SANDBOX_NEXT_KEY")
            .env_remove("MYPAY_SANDBOX_NOTIFY_URL")
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start mypay sandbox");
        let out = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let stdout = Arc::new(Mutex::new(String::new()));
        let sink = stdout.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(out);
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            sink.lock().unwrap().push_str(&first);
            let _ = tx.send(first);
            let mut rest = String::new();
            let _ = reader.read_to_string(&mut rest);
            sink.lock().unwrap().push_str(&rest);
        });
        let line = rx.recv_timeout(Duration::from_secs(20)).unwrap_or_default();
        assert!(
            line.starts_with("listening on http://"),
            "first stdout line was {line:?}; stderr: {}",
            std::fs::read_to_string(&stderr_path).unwrap_or_default()
        );
        let words: Vec<&str> = line.split_whitespace().collect();
        let http = words[2].to_string();
        let https = words
            .iter()
            .position(|w| *w == "tls")
            .map(|i| words[i + 1].to_string())
            .unwrap_or_default();
        let client = reqwest::Client::builder()
            .user_agent("mypay-cli-tests")
            .danger_accept_invalid_certs(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        Sandbox {
            child,
            http,
            https,
            stdout,
            stderr_path,
            client,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.http)
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
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

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.kill();
        if let Some(dir) = self.stderr_path.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
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

/// Runs the `mypay` binary with `args`, stdin and environment; returns (code, stdout, stderr).
pub fn run_cli(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> (i32, String, String) {
    use std::io::Write;
    let mut cmd = std::process::Command::new(BIN);
    cmd.args(args)
        .env_remove("MYPAY_AGENT_KEY")
        .env_remove("MYPAY_AGENT_NEXT_KEY")
        .env_remove("MYPAY_ENDPOINT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    // The command may exit before reading stdin (a usage error): ignore EPIPE.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn write_file(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}
