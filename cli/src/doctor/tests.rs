#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use serde_json::json;

const NOW: i64 = 1_780_000_000; // 2026-05-28

/// A healthy report as src/worker/health.rs writes it (make dev).
fn healthy() -> Value {
    json!({
        "worker": {"version": "0.1.0", "user_agent": "mypay-edge/0.1.0 (Cloudflare Worker)"},
        "now": NOW,
        "mypay": {"endpoint": "http://127.0.0.1:8788/api/agent", "agent_uid": "518169081001", "store_uid": "289151880002"},
        "key": {
            "probe": {"verdict": "accepted", "code": "100", "message": "資料錯誤:查無此訂單", "error": "mypay_error"},
            "next_set": false, "next_probe": null, "issued": "2026-03-01"
        },
        "cors": {"storefront_url": "http://127.0.0.1:8787", "storefront_origin": "http://127.0.0.1:8787",
                 "allowed_origins": ["http://127.0.0.1:8787"], "storefront_origin_allowed": true},
        "migrations": {"expected": ["0001_init.sql", "0002_lifecycle.sql", "0003_health.sql"], "recorded": true,
                       "applied": ["0001_init.sql", "0002_lifecycle.sql", "0003_health.sql"], "missing": []},
        "cron": {"recorded": true, "last_run_at": NOW - 120}
    })
}

fn with(patch: &[(&str, Value)]) -> Health {
    let mut v = healthy();
    for (ptr, val) in patch {
        *v.pointer_mut(ptr).unwrap_or_else(|| panic!("{ptr}")) = val.clone();
    }
    serde_json::from_value(v).unwrap()
}

fn check<'a>(checks: &'a [Check], name: &str) -> &'a Check {
    checks.iter().find(|c| c.name == name).unwrap()
}

const W: &str = "http://127.0.0.1:8787";

#[test]
fn a_healthy_report_passes_every_check() {
    let checks = judge(&with(&[]), W, false);
    assert_eq!(checks.len(), 8);
    for c in &checks {
        assert_eq!(c.level, Level::Pass, "{c:?}");
    }
}

#[test]
fn each_fact_fails_its_own_check() {
    type Case<'a> = (&'a str, Vec<(&'a str, Value)>, Level);
    let cases: Vec<Case> = vec![
        ("key", vec![("/key/probe/verdict", json!("wrong_key"))], Level::Fail),
        ("key", vec![("/key/probe/verdict", json!("unknown_agent"))], Level::Fail),
        ("key", vec![("/key/probe/verdict", json!("unreachable"))], Level::Fail),
        ("key", vec![("/key/probe/verdict", json!("unclear"))], Level::Warn),
        ("key", vec![("/key/probe/verdict", json!("wrong_key")), ("/key/next_probe", json!({"verdict": "accepted"}))], Level::Warn),
        ("user-agent", vec![("/key/probe/verdict", json!("firewall"))], Level::Fail),
        ("user-agent", vec![("/worker/user_agent", json!(""))], Level::Fail),
        ("cors", vec![("/cors/storefront_origin_allowed", json!(false))], Level::Fail),
        ("cors", vec![("/cors/allowed_origins", json!(["*"]))], Level::Warn),
        ("cors", vec![("/cors/storefront_origin", Value::Null)], Level::Fail),
        ("migrations", vec![("/migrations/missing", json!(["0003_health.sql"]))], Level::Fail),
        ("migrations", vec![("/migrations/recorded", json!(false))], Level::Fail),
        ("migrations", vec![("/migrations/applied", json!(["0001_init.sql", "0002_lifecycle.sql", "0003_health.sql", "0004_x.sql"]))], Level::Warn),
        ("cron", vec![("/cron/last_run_at", Value::Null)], Level::Fail),
        ("cron", vec![("/cron/last_run_at", json!(NOW - CRON_MAX_AGE_SECS - 1))], Level::Fail),
        ("cron", vec![("/cron/recorded", json!(false))], Level::Fail),
        ("key-age", vec![("/key/issued", Value::Null)], Level::Warn),
        ("key-age", vec![("/key/issued", json!("2025-06-01"))], Level::Warn),
        ("key-age", vec![("/key/issued", json!("01/03/2026"))], Level::Fail),
        ("ids", vec![("/mypay/agent_uid", json!("REPLACE_WITH_AGENT_UID"))], Level::Fail),
        ("ids", vec![("/mypay/store_uid", json!("12345"))], Level::Warn),
        ("endpoint", vec![("/mypay/endpoint", json!("https://ka.mypay.tw/api/agent"))], Level::Fail),
        ("endpoint", vec![("/mypay/endpoint", json!("https://example.com/api/agent"))], Level::Fail),
        ("endpoint", vec![("/mypay/endpoint", json!("https://mypay.tw/api/agent")), ("/mypay/agent_uid", json!("123456789012"))], Level::Warn),
    ];
    for (name, patch, level) in cases {
        let checks = judge(&with(&patch), W, false);
        let c = check(&checks, name);
        assert_eq!(c.level, level, "{name} {patch:?}: {c:?}");
        assert!(c.fix.as_deref().is_some_and(|f| !f.is_empty()), "{c:?} has a fix");
        // Only that check changes.
        for other in checks.iter().filter(|o| o.name != name && o.name != "user-agent" && o.name != "key") {
            assert_eq!(other.level, Level::Pass, "{name} {patch:?} changed {other:?}");
        }
    }
}

#[test]
fn going_live_wants_the_live_host() {
    let c = check(&judge(&with(&[]), W, true), "endpoint").clone();
    assert_eq!(c.level, Level::Fail);
    let live = with(&[
        ("/mypay/endpoint", json!("https://ka.mypay.tw/api/agent")),
        ("/mypay/agent_uid", json!("123456789012")),
    ]);
    assert_eq!(check(&judge(&live, W, true), "endpoint").level, Level::Pass);
}

#[test]
fn the_cron_fix_names_the_local_route_in_make_dev_and_triggers_when_deployed() {
    let h = with(&[("/cron/last_run_at", Value::Null)]);
    let local = check(&judge(&h, W, false), "cron").fix.clone().unwrap();
    assert!(local.contains("http://127.0.0.1:8787/cdn-cgi/local/scheduled"), "{local}");
    let deployed = check(&judge(&h, "https://shop.example.com", false), "cron").fix.clone().unwrap();
    assert!(deployed.contains("[triggers]"), "{deployed}");
}

#[test]
fn no_report_fact_is_a_secret() {
    // The key and the token never appear in what the doctor prints.
    let checks = judge(&with(&[]), W, false);
    let text = format!("{checks:?}");
    assert!(!text.contains("2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG"));
}

fn answer(status: u16, ct: &str, body: &str) -> ReportAnswer {
    ReportAnswer {
        status,
        content_type: ct.into(),
        location: None,
        body: body.into(),
    }
}

#[test]
fn the_report_url_must_refuse_an_unknown_report_over_https() {
    let refusal = answer(400, "application/json; charset=utf-8", r#"{"error":{"code":"bad_report","message":"report refused"}}"#);
    let https = "https://shop-worker.example.com/mypay/notify";
    assert_eq!(judge_report(https, Ok(&refusal)).level, Level::Pass);
    // make dev: plain http to this machine is a warning.
    assert_eq!(judge_report("http://127.0.0.1:8787/mypay/notify", Ok(&refusal)).level, Level::Warn);
    assert_eq!(judge_report("http://shop.example.com/mypay/notify", Ok(&refusal)).level, Level::Fail);
    let mut redirect = answer(301, "text/plain", "");
    redirect.location = Some("https://x/".into());
    let fails = [
        redirect,
        answer(200, "text/html; charset=utf-8", "<!doctype html>"),
        answer(400, "text/html", "<html>bad</html>"),
        answer(200, "text/plain", "8888"),
        answer(404, "application/json", r#"{"error":{"code":"not_found"}}"#),
        answer(400, "application/json", r#"{"error":{"code":"other"}}"#),
    ];
    for a in &fails {
        let c = judge_report(https, Ok(a));
        assert_eq!(c.level, Level::Fail, "{a:?}");
        assert!(c.fix.is_some());
    }
    assert_eq!(judge_report(https, Err("connection refused")).level, Level::Fail);
}

#[test]
fn the_health_answer_is_read_or_names_what_is_wrong() {
    let u = "http://127.0.0.1:8787/admin/health";
    assert!(read_health(u, 200, None, &healthy().to_string()).is_ok());
    let unauthorized = read_health(u, 401, None, r#"{"error":{"code":"unauthorized"}}"#).unwrap_err();
    assert!(unauthorized.fix.unwrap().contains("ADMIN_TOKEN"));
    let conf = read_health(u, 500, None, r#"{"error":{"code":"config_error","message":"MYPAY_AGENT_UID must be letters and digits"}}"#)
        .unwrap_err();
    assert!(conf.message.contains("MYPAY_AGENT_UID"), "{conf:?}");
    assert_eq!(read_health(u, 404, None, "{}").unwrap_err().level, Level::Fail);
    assert!(read_health(u, 302, Some("https://login"), "").unwrap_err().message.contains("https://login"));
    assert!(read_health(u, 200, None, "<html>").is_err());
}

#[test]
fn local_http_is_only_this_machine() {
    assert!(is_local_http("http://127.0.0.1:8787"));
    assert!(is_local_http("http://localhost:8787/mypay/notify"));
    assert!(!is_local_http("https://127.0.0.1:8787"));
    assert!(!is_local_http("http://shop.example.com"));
}
