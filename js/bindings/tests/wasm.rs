//! The npm package's wasm exports (js/bindings), tested inside the wasm
//! module itself with wasm-bindgen-test: in Node here, and in headless
//! Chromium by `tests/wasm_browser.rs`, which includes this file.
//!
//! ```sh
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!   cargo test --target wasm32-unknown-unknown --test wasm
//! ```
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Object, Reflect, JSON};
use mypay_edge_js as js;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const KEY: &str = "2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG";
const AGENT_UID: &str = "518169081001";
const VECTORS: &str = include_str!("../../../fixtures/crypto/vectors.json");

/// The API text's Node sample order, as JSON text.
const SAMPLE_ORDER: &str = r#"{"store_uid":"289151880002","items":[{"id":"1","name":"好棒棒麻辣鍋湯包","cost":"1000","amount":"1","total":"1000"}],"user_id":"userid","order_id":"1234567890","ip":"192.168.0.1","pfn":"0","cost":900,"agent_sms_fee_type":1,"agent_charge_fee_type":1,"agent_charge_fee":90,"voucher_type":"1","voucher_paid":[{"product_id":"P01","serial_number":"P1635306439","name":"好食券","cost":50,"issuer":"1","refund_return_type":"3"}],"voucher_free":[{"product_id":"F01","serial_number":"F1635306439","name":"VIP免費券","cost":50,"issuer":"1"}],"voucher_invoice_type":"1"}"#;

fn s(v: &str) -> JsValue {
    JsValue::from_str(v)
}

fn obj(json: &str) -> JsValue {
    JSON::parse(json).expect("test JSON")
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &s(key)).expect("property")
}

fn text(v: &JsValue, key: &str) -> Option<String> {
    get(v, key).as_string()
}

/// The thrown value is an `Error` named MypayError with `code`; returns it.
fn thrown(r: Result<impl std::fmt::Debug, JsValue>, code: &str) -> JsValue {
    let e = r.expect_err("expected a MypayError");
    assert!(
        e.is_instance_of::<js_sys::Error>(),
        "a real Error, not a bare value: {e:?}"
    );
    assert_eq!(text(&e, "name").as_deref(), Some("MypayError"));
    assert_eq!(
        text(&e, "code").as_deref(),
        Some(code),
        "{:?}",
        text(&e, "message")
    );
    assert!(text(&e, "message").is_some());
    e
}

#[wasm_bindgen_test]
fn encrypt_then_decrypt_round_trips_with_fresh_ivs() {
    let a = js::encrypt(s(SAMPLE_ORDER), s(KEY)).unwrap();
    let b = js::encrypt(s(SAMPLE_ORDER), s(KEY)).unwrap();
    assert_ne!(a, b);
    assert_eq!(js::decrypt(s(&a), s(KEY)).unwrap(), SAMPLE_ORDER);
    assert_eq!(js::decrypt(s(&b), s(KEY)).unwrap(), SAMPLE_ORDER);
}

#[wasm_bindgen_test]
fn encrypt_stringifies_objects_like_the_node_sample() {
    let order = obj(SAMPLE_ORDER);
    let b64 = js::encrypt(order, s(KEY)).unwrap();
    assert_eq!(js::decrypt(s(&b64), s(KEY)).unwrap(), SAMPLE_ORDER);
}

#[wasm_bindgen_test]
fn decrypt_opens_the_php_python_and_node_vectors() {
    let vectors: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
    let list = vectors.as_array().unwrap();
    assert!(list.len() >= 3);
    for v in list {
        let got = js::decrypt(
            s(v["ciphertext"].as_str().unwrap()),
            s(v["key"].as_str().unwrap()),
        )
        .unwrap();
        assert_eq!(got, v["plaintext"].as_str().unwrap(), "{}", v["name"]);
    }
}

#[wasm_bindgen_test]
fn decrypt_failures_are_one_error_and_keys_rotate() {
    let other = "k".repeat(32);
    let by_other = js::encrypt(s("{}"), s(&other)).unwrap();
    let m1 = text(
        &thrown(js::decrypt(s(&by_other), s(KEY)), "decrypt_failed"),
        "message",
    );
    let m2 = text(
        &thrown(js::decrypt(s("!!!"), s(KEY)), "decrypt_failed"),
        "message",
    );
    assert_eq!(m1, m2);
    let ring: JsValue = Array::of2(&s(KEY), &s(&other)).into();
    assert_eq!(js::decrypt(s(&by_other), ring).unwrap(), "{}");
    thrown(js::encrypt(s("{}"), s("short")), "invalid_key");
    thrown(js::encrypt(s("{}"), JsValue::UNDEFINED), "invalid_key");
}

#[wasm_bindgen_test]
fn build_request_body_decrypts_to_the_payload() {
    let opts = obj(&format!(r#"{{"agentUid":{AGENT_UID},"key":"{KEY}"}}"#));
    let req = js::build_request(s("api/orders"), obj(SAMPLE_ORDER), opts).unwrap();
    assert_eq!(text(&req, "method").as_deref(), Some("POST"));
    assert_eq!(
        text(&req, "contentType").as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    let body = text(&req, "body").unwrap();
    let fields: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(fields.len(), 3);
    assert_eq!(fields[0], ("agent_uid".into(), AGENT_UID.into()));
    let service = js::decrypt(s(&fields[1].1), s(KEY)).unwrap();
    assert_eq!(service, r#"{"service_name":"api","cmd":"api/orders"}"#);
    let data: serde_json::Value =
        serde_json::from_str(&js::decrypt(s(&fields[2].1), s(KEY)).unwrap()).unwrap();
    let want: serde_json::Value = serde_json::from_str(SAMPLE_ORDER).unwrap();
    assert_eq!(data, want);
}

#[wasm_bindgen_test]
fn parse_reply_success_mypay_error_and_html_403() {
    let ok = js::parse_reply(
        s("api/orders"),
        s(r#"{"code":"200","msg":"資料正確","url":"http:\/\/pay.usecase.cc\/payment\/95227.html","uid":95227,"key":"d2c55a2055cbe6f711f1e977039e2a8f"}"#),
        JsValue::UNDEFINED,
    )
    .unwrap();
    assert_eq!(text(&ok, "uid").as_deref(), Some("95227"));
    assert_eq!(
        text(&ok, "url").as_deref(),
        Some("http://pay.usecase.cc/payment/95227.html")
    );

    let e = thrown(
        js::parse_reply(
            s("api/orders"),
            s(r#"{"code":"100","msg":"資料錯誤"}"#),
            JsValue::UNDEFINED,
        ),
        "mypay_error",
    );
    assert_eq!(text(&e, "mypayCode").as_deref(), Some("100"));
    assert_eq!(text(&e, "mypayMsg").as_deref(), Some("資料錯誤"));

    let e = thrown(
        js::parse_reply(
            s("api/orders"),
            s("<html>403 Forbidden</html>"),
            JsValue::from(403),
        ),
        "upstream_not_json",
    );
    assert_eq!(get(&e, "status").as_f64(), Some(403.0));
}

#[wasm_bindgen_test]
fn validate_order_sample_is_clean_and_problems_have_paths() {
    let none = js::validate_order(obj(SAMPLE_ORDER)).unwrap();
    assert_eq!(Array::from(&none).length(), 0);
    let bad = SAMPLE_ORDER.replace(r#""cost":900"#, r#""cost":901"#);
    let problems = Array::from(&js::validate_order(obj(&bad)).unwrap());
    assert_eq!(problems.length(), 1);
    let p = problems.get(0);
    assert_eq!(text(&p, "path").as_deref(), Some("cost"));
    assert_eq!(text(&p, "code").as_deref(), Some("cost_mismatch"));
}

#[wasm_bindgen_test]
fn verify_notification_accepts_the_order_and_rejects_a_forged_key() {
    let form =
        "uid=95217&key=3425042d7d266e4aea5fd4653a0271db&prc=250&order_id=1234567890&cost=900";
    let report = js::parse_notification(s(form)).unwrap();
    assert_eq!(text(&report, "prc").as_deref(), Some("250"));
    let expected = obj(
        r#"{"uid":95217,"key":"3425042d7d266e4aea5fd4653a0271db","orderId":"1234567890","cost":900}"#,
    );
    assert_eq!(js::verify_notification(report.clone(), expected), Ok(true));
    let forged = obj(r#"{"uid":"95217","key":"0000042d7d266e4aea5fd4653a0271db"}"#);
    thrown(
        js::verify_notification(report.clone(), forged),
        "key_mismatch",
    );
    let other = obj(r#"{"uid":"95218","key":"3425042d7d266e4aea5fd4653a0271db"}"#);
    thrown(
        js::verify_notification(report.clone(), other),
        "uid_mismatch",
    );
    let cost = obj(r#"{"uid":"95217","key":"3425042d7d266e4aea5fd4653a0271db","cost":"1"}"#);
    thrown(js::verify_notification(report, cost), "cost_mismatch");
    let e = thrown(
        js::verify_notification(s("uid=95217"), obj(r#"{"uid":"95217","key":"k"}"#)),
        "missing_field",
    );
    assert_eq!(text(&e, "field").as_deref(), Some("key"));
}

#[wasm_bindgen_test]
fn verify_notification_follows_the_protocol_crate_and_never_shows_a_value() {
    let report = s("uid=95217&key=3425042d7d266e4aea5fd4653a0271db&prc=250&cost=900");
    let e = thrown(
        js::verify_notification(
            report.clone(),
            obj(r#"{"uid":"95217","key":"3425042d7d266e4aea5fd4653a0271db","orderId":"A1"}"#),
        ),
        "missing_field",
    );
    assert_eq!(text(&e, "field").as_deref(), Some("order_id"));
    let e = thrown(
        js::verify_notification(
            report,
            obj(r#"{"uid":"95299","key":"3425042d7d266e4aea5fd4653a0271db"}"#),
        ),
        "uid_mismatch",
    );
    let message = text(&e, "message").unwrap();
    assert!(
        !message.contains("9521") && !message.contains("95299"),
        "{message}"
    );
    // A refund report may leave out order_id and cost.
    let refund = s("uid=1&key=k&prc=230&refund_uid=9&refund_type=1");
    let expected = obj(r#"{"uid":"1","key":"k","orderId":"A1","cost":900}"#);
    assert_eq!(js::verify_notification(refund, expected), Ok(true));
}

fn mypay_error(code: &str, status: Option<u16>, mypay_code: Option<&str>) -> JsValue {
    let e: JsValue = js_sys::Error::new("m").into();
    Reflect::set(&e, &s("name"), &s("MypayError")).unwrap();
    Reflect::set(&e, &s("code"), &s(code)).unwrap();
    if let Some(st) = status {
        Reflect::set(&e, &s("status"), &JsValue::from(st)).unwrap();
    }
    if let Some(c) = mypay_code {
        Reflect::set(&e, &s("mypayCode"), &s(c)).unwrap();
    }
    e
}

#[wasm_bindgen_test]
fn the_call_policy_is_the_protocol_crates() {
    let q = js::call_policy(s("api/queryorder")).unwrap();
    assert_eq!(
        JSON::stringify(&q).unwrap().as_string().as_deref(),
        Some(r#"{"retry":{"kind":"transient","attempts":3,"backoff_ms":200}}"#)
    );
    let o = js::call_policy(s("api/orders")).unwrap();
    assert_eq!(
        JSON::stringify(&o).unwrap().as_string().as_deref(),
        Some(r#"{"retry":{"kind":"never"}}"#)
    );
    let one = JsValue::from(1);
    let timeout = mypay_error("timeout", None, None);
    assert_eq!(
        js::retry_delay(s("api/queryorder"), one.clone(), timeout.clone()),
        Ok(Some(200))
    );
    assert_eq!(
        js::retry_delay(s("api/queryorder"), JsValue::from(3), timeout.clone()),
        Ok(None)
    );
    assert_eq!(
        js::retry_delay(s("api/orders"), one.clone(), timeout.clone()),
        Ok(None)
    );
    let gateway = mypay_error("upstream_not_json", Some(502), None);
    assert_eq!(
        js::retry_delay(s("api/queryorder"), JsValue::from(2), gateway),
        Ok(Some(400))
    );
    let firewall = mypay_error("upstream_not_json", Some(403), None);
    assert_eq!(
        js::retry_delay(s("api/queryorder"), one.clone(), firewall),
        Ok(None)
    );
    assert_eq!(
        js::retry_delay(s("api/queryorder"), one, JsValue::from_str("boom")),
        Ok(None)
    );
    assert!(js::resend_under_next_key(mypay_error(
        "mypay_error",
        None,
        Some("100")
    )));
    assert!(!js::resend_under_next_key(mypay_error(
        "mypay_error",
        None,
        Some("B500")
    )));
    assert!(!js::resend_under_next_key(timeout));
    assert!(!js::resend_under_next_key(JsValue::NULL));
}

#[wasm_bindgen_test]
fn key_count_reads_a_key_or_a_rotation() {
    assert_eq!(js::key_count(s(KEY)), Ok(1));
    let ring: JsValue = Array::of2(&s(KEY), &s(KEY)).into();
    assert_eq!(js::key_count(ring), Ok(2));
    thrown(js::key_count(s("short")), "invalid_key");
    thrown(js::key_count(Array::new().into()), "invalid_key");
}

#[wasm_bindgen_test]
fn value_tables_and_status_classes() {
    let tables = js::value_tables().unwrap();
    let pfn = Array::from(&get(&tables, "Pfn"));
    assert!(pfn.includes(&s("CREDITCARD"), 0));
    let dcc = Array::from(&get(&tables, "EnableDcc"));
    assert_eq!(dcc.get(1).as_f64(), Some(1.0));
    let tables_obj: &Object = tables.unchecked_ref();
    assert_eq!(Object::keys(tables_obj).length(), 34);
    assert_eq!(js::status_class(s("250")).unwrap(), "paid");
    assert_eq!(js::status_class(JsValue::from(600)).unwrap(), "paid");
    assert_eq!(js::status_class(s("A0001")).unwrap(), "pending");
}

#[wasm_bindgen_test]
fn hostile_values_throw_mypay_errors_and_never_trap() {
    let cyclic = Object::new();
    Reflect::set(&cyclic, &s("self"), &cyclic).unwrap();
    let values: Vec<JsValue> = vec![
        JsValue::UNDEFINED,
        JsValue::NULL,
        JsValue::TRUE,
        JsValue::from(f64::NAN),
        JsValue::from(f64::INFINITY),
        JsValue::from(-0.0),
        JsValue::from(1e308),
        js_sys::BigInt::from(10u32).into(),
        js_sys::Symbol::for_("x").into(),
        cyclic.into(),
        Array::new().into(),
        Object::new().into(),
        s(""),
        s("\u{0}"),
        s("{"),
        s("%zz&[]="),
        s("a[0][1][2][3][4][5]=1"),
        obj(r#"{"cost":"99999999999999999999","items":[{"cost":-1,"amount":0}]}"#),
        obj(
            r#"{"items":[{"id":1,"name":"n","cost":4503599627370496,"amount":4503599627370496,"total":1}],"cost":1}"#,
        ),
        obj(r#"{"agentUid":{},"key":[]}"#),
    ];
    let mut calls = 0;
    for a in &values {
        for b in &values {
            let results: Vec<Result<JsValue, JsValue>> = vec![
                js::encrypt(a.clone(), b.clone()).map(JsValue::from),
                js::decrypt(a.clone(), b.clone()).map(JsValue::from),
                js::build_request(s("api/orders"), a.clone(), b.clone()),
                js::parse_reply(s("api/orders"), a.clone(), b.clone()),
                js::verify_notification(a.clone(), b.clone()).map(JsValue::from),
                js::retry_delay(a.clone(), b.clone(), a.clone()).map(JsValue::from),
                js::retry_delay(s("api/queryorder"), JsValue::from(1), b.clone())
                    .map(JsValue::from),
            ];
            for r in results {
                if let Err(e) = r {
                    assert!(e.is_instance_of::<js_sys::Error>());
                    assert_eq!(text(&e, "name").as_deref(), Some("MypayError"));
                    assert_ne!(text(&e, "code").as_deref(), Some("internal_error"));
                }
                calls += 1;
            }
        }
        for r in [
            js::validate_order(a.clone()),
            js::validate_refund(a.clone()),
            js::parse_notification(a.clone()),
            js::status_class(a.clone()).map(JsValue::from),
            js::call_policy(a.clone()),
            js::key_count(a.clone()).map(JsValue::from),
            Ok(JsValue::from(js::resend_under_next_key(a.clone()))),
        ] {
            if let Err(e) = r {
                assert_eq!(text(&e, "name").as_deref(), Some("MypayError"));
            }
            calls += 1;
        }
    }
    assert!(calls > 2000);
    // Still alive.
    let b64 = js::encrypt(s("alive"), s(KEY)).unwrap();
    assert_eq!(js::decrypt(s(&b64), s(KEY)).unwrap(), "alive");
}
