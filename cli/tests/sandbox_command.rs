//! The `mypay sandbox` command itself: the real binary on ephemeral ports,
//! its flags and environment variables (keys, data directory, firewall,
//! callbacks), and that the agent key never shows in what it prints. What
//! the sandbox does is tested in crates/mypay-sandbox/tests/.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::*;
use mypay_link::{AgentKey, Command, Envelope};
use serde_json::{json, Value};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

async fn post_without_user_agent(url: &str, body: String) -> (u16, String) {
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

fn sealed_query() -> String {
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

#[tokio::test(flavor = "multi_thread")]
async fn the_allow_no_user_agent_flag_turns_the_firewall_off() {
    let sb = Sandbox::start(&[]);
    let (s, b) = post_without_user_agent(&sb.url("/api/agent"), sealed_query()).await;
    assert_eq!(s, 403, "on by default: {b}");
    // And by the flag.
    let open = Sandbox::start(&["--allow-no-user-agent"]);
    let (s, _) = post_without_user_agent(&open.url("/api/agent"), sealed_query()).await;
    assert_eq!(s, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn next_key_is_accepted_during_rotation() {
    let next = "NEXTKEYnextkeyNEXTKEYnextkey1234";
    let sb = Sandbox::start_with(&["--in-memory"], &[("MYPAY_SANDBOX_NEXT_KEY", next)]);
    let (s, b) = sb
        .agent_with(
            AGENT,
            next,
            Command::QueryOrder,
            &json!({"uid": "95217", "key": "3425042d7d266e4aea5fd4653a0271db"}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&b).unwrap()["prc"],
        "250",
        "{b}"
    );
    let r = sb.query("95217", "3425042d7d266e4aea5fd4653a0271db").await;
    assert_eq!(r["prc"], "250", "the current key still works");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_custom_key_replaces_the_test_key_and_never_leaks() {
    let custom = "CustomKeyCustomKeyCustomKey12345";
    let sb = Sandbox::start_with(&["--in-memory"], &[("MYPAY_SANDBOX_KEY", custom)]);
    let (_, b) = sb
        .agent_with(
            AGENT,
            KEY,
            Command::QueryOrder,
            &json!({"uid": "95217", "key": "3425042d7d266e4aea5fd4653a0271db"}),
        )
        .await;
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
    tokio::time::sleep(Duration::from_millis(200)).await;
    seen.push(sb.stdout.lock().unwrap().clone());
    seen.push(sb.stderr());
    for text in seen {
        assert!(
            !text.contains(custom),
            "the key leaked: {}",
            &text[..text.len().min(300)]
        );
        assert!(!text.contains(KEY));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn state_survives_a_restart_with_data_dir() {
    let dir = temp_dir("data");
    let dir_s = dir.to_str().unwrap().to_string();
    let (uid, key) = {
        let mut sb = Sandbox::start_with(&["--data-dir", &dir_s], &[]);
        let (uid, key) = sb.create(&example_order()).await;
        sb.post(
            &format!("/sandbox/orders/{uid}/pay"),
            json!({"card_number": "4938170130000003"}),
        )
        .await;
        sb.kill();
        (uid, key)
    };
    assert!(dir.join("state.json").exists());
    let sb = Sandbox::start_with(&["--data-dir", &dir_s], &[]);
    let q = sb.query(&uid, &key).await;
    assert_eq!(q["prc"], "250", "paid order survives: {q}");
    let (uid2, _) = sb.create(&example_order()).await;
    assert!(
        uid2.parse::<u64>().unwrap() > uid.parse::<u64>().unwrap(),
        "uids keep counting"
    );
    // No temporary files are left behind.
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["state.json".to_string()]);
}

fn check_report(cb: &Received, uid: &str, key: &str, prc: &str) {
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

#[tokio::test(flavor = "multi_thread")]
async fn notify_url_and_retry_schedule_from_flags() {
    let rx = Receiver::scripted(&["NG"], "8888").await;
    let sb = Sandbox::start(&["--notify-url", &rx.url, "--retry-schedule-ms", "40,40"]);
    let (_, cfg) = sb.get("/sandbox/config").await;
    assert_eq!(cfg["notify_url"], rx.url.as_str());
    assert_eq!(cfg["retry_schedule_ms"], json!([40, 40]));
    let (uid, key) = sb.create(&example_order()).await;
    sb.post(&format!("/sandbox/orders/{uid}/abandon"), json!({}))
        .await;
    let got = rx.wait_for(2, WAIT).await;
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
