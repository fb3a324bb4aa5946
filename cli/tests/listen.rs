//! `mypay listen` receives the sandbox's reports, prints each as one JSON
//! line and answers `8888`, so the sandbox counts them delivered.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{eventually, example_order, Sandbox, BIN};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

struct Listener {
    child: Child,
    url: String,
    lines: mpsc::Receiver<String>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn listen(answer: &str) -> Listener {
    start(&["listen", "--port", "0", "--answer", answer])
}

/// Starts `mypay` with `args` and waits for the line naming its URL.
fn start(args: &[&str]) -> Listener {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let first = rx.recv_timeout(Duration::from_secs(20)).unwrap();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_owned();
    Listener {
        child,
        url,
        lines: rx,
    }
}

#[tokio::test]
async fn listen_prints_each_report_and_acknowledges_with_8888() {
    let l = listen("8888");
    let sb = Sandbox::start(&[]);
    sb.set_notify(&l.url, &[200, 200]).await;
    let (uid, _key) = sb.create(&example_order()).await;
    let (s, v) = sb
        .pay(&uid, json!({"card_number": "4938170130000003"}))
        .await;
    assert_eq!(s, 200, "{v}");

    let line = l.lines.recv_timeout(Duration::from_secs(20)).unwrap();
    let printed: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(printed["prc"], "250");
    assert_eq!(printed["fields"]["uid"], uid.as_str());
    assert_eq!(printed["answer"], "8888");

    let acked = eventually(Duration::from_secs(10), || async {
        sb.notifications()
            .await
            .into_iter()
            .find(|n| n["uid"] == uid.as_str() && n["acknowledged"] == true)
    })
    .await;
    assert!(
        acked.is_some(),
        "the sandbox did not count the report delivered"
    );
}

#[tokio::test]
async fn listen_with_another_answer_makes_the_sender_retry() {
    let l = listen("OK");
    let sb = Sandbox::start(&[]);
    sb.set_notify(&l.url, &[200]).await;
    let (uid, _key) = sb.create(&example_order()).await;
    sb.post(&format!("/sandbox/orders/{uid}/abandon"), json!({}))
        .await;
    for _ in 0..2 {
        let line = l.lines.recv_timeout(Duration::from_secs(20)).unwrap();
        let printed: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(printed["prc"], "A0002");
    }
    let notes = sb.notifications().await;
    assert!(notes
        .iter()
        .filter(|n| n["uid"] == uid.as_str())
        .all(|n| n["acknowledged"] == false));
}

fn listen_webhooks(extra: &[&str]) -> Listener {
    let mut args = vec![
        "listen",
        "--port",
        "0",
        "--webhook-secret",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    ];
    args.extend_from_slice(extra);
    start(&args)
}

/// The Standard Webhooks reference example, posted as a sender would.
async fn post_example(l: &Listener, body: &str, timestamp: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{}hooks", l.url))
        .header("content-type", "application/json")
        .header("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
        .header("webhook-timestamp", timestamp)
        .header(
            "webhook-signature",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        )
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn listen_verifies_webhooks_as_the_specification_says() {
    // The example was signed in 2021: a tolerance that reaches it.
    let l = listen_webhooks(&["--tolerance", "4000000000"]);
    let body = r#"{"test": 2432232314}"#;
    assert_eq!(post_example(&l, body, "1614265330").await, 204);
    let line: Value =
        serde_json::from_str(&l.lines.recv_timeout(Duration::from_secs(20)).unwrap()).unwrap();
    assert_eq!(line["verified"], true);
    assert_eq!(line["webhook_id"], "msg_p5jXN8AQM9LWM0D4loKWxJek");
    assert_eq!(line["event"]["test"], 2432232314u64);

    // A tampered body or timestamp is refused with 400.
    assert_eq!(
        post_example(&l, r#"{"test": 2432232315}"#, "1614265330").await,
        400
    );
    let line: Value =
        serde_json::from_str(&l.lines.recv_timeout(Duration::from_secs(20)).unwrap()).unwrap();
    assert_eq!(line["verified"], false);
    assert_eq!(line["error"], "bad_signature");
    assert!(line.get("event").is_none());
    assert_eq!(post_example(&l, body, "1614265331").await, 400);
}

#[tokio::test]
async fn listen_refuses_an_old_webhook_and_a_bad_secret() {
    let l = listen_webhooks(&[]);
    assert_eq!(
        post_example(&l, r#"{"test": 2432232314}"#, "1614265330").await,
        400
    );
    let line: Value =
        serde_json::from_str(&l.lines.recv_timeout(Duration::from_secs(20)).unwrap()).unwrap();
    assert_eq!(line["error"], "timestamp_too_old");

    let out = Command::new(BIN)
        .args(["listen", "--port", "0", "--webhook-secret", "not-a-secret"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("webhook-secret"));
}
