//! The `mypay` commands: encrypt/decrypt, validate, key handling, and
//! `order create|query|refund|example` against a sandbox.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::*;
use mypay_link::{AgentKey, Command, Envelope};
use serde_json::{json, Value};

const KEY_ENV: (&str, &str) = ("MYPAY_AGENT_KEY", KEY);

#[test]
fn help_works() {
    let (code, out, _) = run_cli(&["--help"], "", &[]);
    assert_eq!(code, 0);
    for sub in ["sandbox", "encrypt", "decrypt", "validate", "order"] {
        assert!(out.contains(sub), "{sub} in --help");
    }
    let (code, out, _) = run_cli(&["sandbox", "--help"], "", &[]);
    assert_eq!(code, 0);
    assert!(
        out.contains("--allow-no-user-agent")
            && out.contains("--tls-port")
            && out.contains("--in-memory")
    );
}

#[test]
fn encrypt_then_decrypt_round_trips() {
    let plain = r#"{"uid":"95217","key":"3425042d7d266e4aea5fd4653a0271db","名":"好"}"#;
    let (code, ct, err) = run_cli(&["encrypt"], &format!("{plain}\n"), &[KEY_ENV]);
    assert_eq!(code, 0, "{err}");
    let ct = ct.trim();
    assert_eq!(
        mypay_link::decrypt(&AgentKey::new(KEY).unwrap(), ct).unwrap(),
        plain
    );
    let (code, back, _) = run_cli(&["decrypt"], ct, &[KEY_ENV]);
    assert_eq!(code, 0);
    assert_eq!(back.trim_end_matches('\n'), plain);
    // Two encryptions differ (fresh IV).
    let (_, ct2, _) = run_cli(&["encrypt"], plain, &[KEY_ENV]);
    assert_ne!(ct2.trim(), ct);
}

#[test]
fn decrypt_opens_a_whole_captured_body_form_or_json() {
    let key = AgentKey::new(KEY).unwrap();
    let env = Envelope::seal(
        AGENT,
        &key,
        Command::Refund,
        &json!({"uid": "95047", "cost": 900}),
    )
    .unwrap();
    for body in [env.to_form(), serde_json::to_string(&env).unwrap()] {
        let (code, out, err) = run_cli(&["decrypt"], &body, &[KEY_ENV]);
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["agent_uid"], AGENT);
        assert_eq!(
            v["service"],
            json!({"service_name": "api", "cmd": "api/refund"})
        );
        assert_eq!(v["encry_data"], json!({"uid": "95047", "cost": 900}));
    }
    // The wrong key: an error, exit 1, and no key in the message.
    let (code, _, err) = run_cli(
        &["decrypt"],
        &env.to_form(),
        &[("MYPAY_AGENT_KEY", &"w".repeat(32))],
    );
    assert_eq!(code, 1);
    assert!(err.contains("could not decrypt"), "{err}");
    assert!(!err.contains(&"w".repeat(32)));
}

#[test]
fn key_comes_from_env_or_file_never_an_argument() {
    let (code, _, err) = run_cli(&["encrypt"], "x", &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains("MYPAY_AGENT_KEY") && err.contains("--key-file"),
        "{err}"
    );

    let (code, out, err) = run_cli(
        &["encrypt", "--key-env", "OTHER_KEY_VAR"],
        "x",
        &[("OTHER_KEY_VAR", KEY)],
    );
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains(KEY));

    let dir = temp_dir("keys");
    let good = write_file(&dir, "key.txt", &format!("{KEY}\n"));
    let (code, out, _) = run_cli(&["encrypt", "--key-file", good.to_str().unwrap()], "x", &[]);
    assert_eq!(code, 0);
    assert_eq!(
        mypay_link::decrypt(&AgentKey::new(KEY).unwrap(), out.trim()).unwrap(),
        "x"
    );

    let short_secret = "tooShortSecretValue";
    let bad = write_file(&dir, "bad.txt", short_secret);
    let (code, _, err) = run_cli(&["encrypt", "--key-file", bad.to_str().unwrap()], "x", &[]);
    assert_eq!(code, 1);
    assert!(err.contains("32 bytes") && err.contains("19"), "{err}");
    assert!(
        !err.contains(short_secret),
        "the key is never printed: {err}"
    );

    let (code, _, err) = run_cli(&["encrypt"], "x", &[("MYPAY_AGENT_KEY", short_secret)]);
    assert_eq!(code, 1);
    assert!(!err.contains(short_secret), "{err}");

    let (code, _, err) = run_cli(&["encrypt", "--key", KEY], "x", &[]);
    assert_ne!(code, 0, "there is no --key option");
    assert!(err.contains("--key"), "{err}");
}

#[test]
fn validate_reports_problems_and_exit_codes() {
    let dir = temp_dir("validate");
    let (code, example, _) = run_cli(&["order", "example"], "", &[]);
    assert_eq!(code, 0);
    let good = write_file(&dir, "good.json", &example);
    let (code, out, _) = run_cli(&["validate", good.to_str().unwrap()], "", &[]);
    assert_eq!(code, 0, "the API text's order is valid: {out}");

    let mut v: Value = serde_json::from_str(&example).unwrap();
    v["cost"] = json!(800);
    v.as_object_mut().unwrap().remove("order_id");
    let bad = write_file(&dir, "bad.json", &v.to_string());
    let (code, out, _) = run_cli(&["validate", bad.to_str().unwrap()], "", &[]);
    assert_eq!(code, 1);
    assert!(out.contains("order_id\trequired\t"), "{out}");
    assert!(out.contains("cost\tcost_mismatch\t"), "{out}");
    let (code, out, _) = run_cli(&["validate", "--json", bad.to_str().unwrap()], "", &[]);
    assert_eq!(code, 1);
    let problems: Value = serde_json::from_str(&out).unwrap();
    assert!(problems
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["path"] == "cost" && p["code"] == "cost_mismatch"));

    let refund = write_file(
        &dir,
        "refund.json",
        &json!({"store_uid": STORE, "uid": "95047", "key": "k"}).to_string(),
    );
    let (code, out, _) = run_cli(&["validate", "--refund", refund.to_str().unwrap()], "", &[]);
    assert_eq!(code, 1);
    assert!(out.contains("cost\trequired"), "{out}");

    let junk = write_file(&dir, "junk.json", "{not json");
    let (code, _, err) = run_cli(&["validate", junk.to_str().unwrap()], "", &[]);
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = run_cli(
        &["validate", dir.join("missing.json").to_str().unwrap()],
        "",
        &[],
    );
    assert_eq!(code, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn order_commands_against_the_sandbox() {
    let sb = Sandbox::start(&[]);
    let endpoint = sb.url("/api/agent");
    let dir = temp_dir("order");
    let order = write_file(&dir, "order.json", &example_order().to_string());
    let ep = endpoint.clone();
    let (code, out, err) = tokio::task::spawn_blocking(move || {
        run_cli(
            &[
                "order",
                "create",
                order.to_str().unwrap(),
                "--endpoint",
                &ep,
            ],
            "",
            &[KEY_ENV],
        )
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{err}");
    let created: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(created["code"], "200");
    let uid = created["uid"].as_str().unwrap().to_string();
    let key = created["key"].as_str().unwrap().to_string();
    assert!(created["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/payment/{uid}.html")));

    // The CLI identifies itself.
    let (_, reqs) = sb.get("/sandbox/requests").await;
    let ua = reqs.as_array().unwrap().last().unwrap()["user_agent"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(ua.starts_with("mypay-edge-cli/"), "{ua}");

    sb.post(
        &format!("/sandbox/orders/{uid}/pay"),
        json!({"card_number": "4938170130000003"}),
    )
    .await;
    let (ep, u, k) = (endpoint.clone(), uid.clone(), key.clone());
    let (code, out, err) = tokio::task::spawn_blocking(move || {
        run_cli(
            &[
                "order",
                "query",
                "--uid",
                &u,
                "--key",
                &k,
                "--endpoint",
                &ep,
            ],
            "",
            &[KEY_ENV],
        )
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{err}");
    let q: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(q["prc"], "250");

    let refund = write_file(&dir, "refund.json", &full_refund(&uid, &key).to_string());
    let (ep, rf) = (endpoint.clone(), refund.clone());
    let (code, out, err) = tokio::task::spawn_blocking(move || {
        run_cli(
            &["order", "refund", rf.to_str().unwrap(), "--endpoint", &ep],
            "",
            &[KEY_ENV],
        )
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{err}");
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["code"], "B200");

    // Repeated: MYPAY's B500 is an error with its code and message.
    let (ep, rf) = (endpoint.clone(), refund.clone());
    let (code, out, err) = tokio::task::spawn_blocking(move || {
        run_cli(
            &["order", "refund", rf.to_str().unwrap(), "--endpoint", &ep],
            "",
            &[KEY_ENV],
        )
    })
    .await
    .unwrap();
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("mypay_error") && err.contains("B500"), "{err}");

    // Over TLS with --insecure.
    let tls = format!("{}/api/agent", sb.https);
    let (code, out, err) = tokio::task::spawn_blocking(move || {
        run_cli(
            &[
                "order",
                "query",
                "--uid",
                "95217",
                "--key",
                "3425042d7d266e4aea5fd4653a0271db",
                "--endpoint",
                &tls,
                "--insecure",
            ],
            "",
            &[KEY_ENV],
        )
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{err}");
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["uid"], "95217");
}

#[tokio::test(flavor = "multi_thread")]
async fn order_errors_are_clear() {
    let sb = Sandbox::start(&[]);
    let endpoint = sb.url("/api/agent");

    // The firewall's HTML page (fault) is not JSON: the status is named.
    sb.put("/sandbox/faults", json!({"agent": {"mode": "html403"}}))
        .await;
    let ep = endpoint.clone();
    let (code, _, err) = tokio::task::spawn_blocking(move || {
        run_cli(
            &[
                "order",
                "query",
                "--uid",
                "95217",
                "--key",
                "x",
                "--endpoint",
                &ep,
            ],
            "",
            &[KEY_ENV],
        )
    })
    .await
    .unwrap();
    assert_eq!(code, 1);
    assert!(
        err.contains("upstream_not_json") && err.contains("403"),
        "{err}"
    );

    // A timeout is reported as one.
    sb.put(
        "/sandbox/faults",
        // Queries are retried on timeouts (the protocol crate's policy): every
        // attempt times out.
        json!({"agent": {"mode": "timeout", "delay_ms": 4000, "sticky": true}}),
    )
    .await;
    let ep = endpoint.clone();
    let (code, _, err) = tokio::task::spawn_blocking(move || {
        run_cli(
            &[
                "order",
                "query",
                "--uid",
                "95217",
                "--key",
                "x",
                "--endpoint",
                &ep,
                "--timeout",
                "1",
            ],
            "",
            &[KEY_ENV],
        )
    })
    .await
    .unwrap();
    assert_eq!(code, 1);
    assert!(err.contains("timeout"), "{err}");
    sb.send(reqwest::Method::DELETE, "/sandbox/faults", None)
        .await;

    // An unknown order: MYPAY's code 100.
    let ep = endpoint.clone();
    let (code, _, err) = tokio::task::spawn_blocking(move || {
        run_cli(
            &[
                "order",
                "query",
                "--uid",
                "1",
                "--key",
                "x",
                "--endpoint",
                &ep,
            ],
            "",
            &[KEY_ENV],
        )
    })
    .await
    .unwrap();
    assert_eq!(code, 1);
    assert!(err.contains("mypay_error") && err.contains("100"), "{err}");

    // Invalid order: refused locally before sending.
    let dir = temp_dir("order-errors");
    let mut bad = example_order();
    bad["cost"] = json!(1);
    let f = write_file(&dir, "bad.json", &bad.to_string());
    let ep = endpoint.clone();
    let f2 = f.clone();
    let (code, _, err) = tokio::task::spawn_blocking(move || {
        run_cli(
            &["order", "create", f2.to_str().unwrap(), "--endpoint", &ep],
            "",
            &[KEY_ENV],
        )
    })
    .await
    .unwrap();
    assert_eq!(code, 2);
    assert!(err.contains("cost_mismatch"), "{err}");
    // --skip-validation sends it; the sandbox refuses it with code 100.
    let ep = endpoint.clone();
    let (code, _, err) = tokio::task::spawn_blocking(move || {
        run_cli(
            &[
                "order",
                "create",
                f.to_str().unwrap(),
                "--endpoint",
                &ep,
                "--skip-validation",
            ],
            "",
            &[KEY_ENV],
        )
    })
    .await
    .unwrap();
    assert_eq!(code, 1);
    assert!(err.contains("100"), "{err}");

    // Nothing listening.
    let (code, _, err) = tokio::task::spawn_blocking(|| {
        run_cli(
            &[
                "order",
                "query",
                "--uid",
                "1",
                "--key",
                "x",
                "--endpoint",
                "http://127.0.0.1:9/api/agent",
            ],
            "",
            &[KEY_ENV],
        )
    })
    .await
    .unwrap();
    assert_eq!(code, 1);
    assert!(err.contains("127.0.0.1:9"), "{err}");
    assert!(!err.contains(KEY));
}
