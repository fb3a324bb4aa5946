//! The `mypay sandbox` command itself: the real binary on ephemeral ports,
//! its flags and environment variables (keys, data directory, firewall,
//! callbacks), and that the agent key never shows in what it prints. What
//! the sandbox does is tested in crates/mypay-sandbox/tests/.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::*;
use serde_json::json;
use std::time::Duration;

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
    check_next_key_is_accepted(&sb, next).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_custom_key_replaces_the_test_key_and_never_leaks() {
    let custom = "CustomKeyCustomKeyCustomKey12345";
    let sb = Sandbox::start_with(&["--in-memory"], &[("MYPAY_SANDBOX_KEY", custom)]);
    let mut seen = check_custom_key_replaces_the_test_key(&sb, custom).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    seen.push(sb.stdout.lock().unwrap().clone());
    seen.push(sb.stderr());
    check_no_key_leaks(seen, custom);
}

#[tokio::test(flavor = "multi_thread")]
async fn state_survives_a_restart_with_data_dir() {
    let dir = temp_dir("data");
    let dir_s = dir.to_str().unwrap().to_string();
    let (uid, key) = {
        let mut sb = Sandbox::start_with(&["--data-dir", &dir_s], &[]);
        let (uid, key) = sb.create(&example_order()).await;
        sb.pay(&uid, json!({"card_number": "4938170130000003"}))
            .await;
        sb.kill();
        (uid, key)
    };
    assert!(dir.join("state.json").exists());
    let sb = Sandbox::start_with(&["--data-dir", &dir_s], &[]);
    check_restarted_state(&sb, &dir, &uid, &key).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn notify_url_and_retry_schedule_from_flags() {
    let rx = Receiver::scripted(&["NG"], "8888").await;
    let sb = Sandbox::start(&["--notify-url", &rx.url, "--retry-schedule-ms", "40,40"]);
    check_notify_url_and_retry_schedule(&sb, &rx).await;
}
