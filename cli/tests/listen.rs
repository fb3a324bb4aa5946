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
    let mut child = Command::new(BIN)
        .args(["listen", "--port", "0", "--answer", answer])
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
