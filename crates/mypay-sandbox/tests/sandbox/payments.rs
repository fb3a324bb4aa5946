//! The sandbox's payment side: every payment path with its callback, the
//! payment page, the automation API's errors, callback retries until `8888`,
//! and injected faults.

use crate::common::*;
use mypay_link::Command;
use mypay_sandbox::Settings;
use serde_json::{json, Value};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread")]
async fn card_success_250_with_callback() {
    let (sb, rx) = with_receiver().await;
    let (uid, key) = sb.create(&example_order()).await;
    let (s, v) = sb
        .pay(&uid, json!({"card_number": "4938 1701 3000 0003"}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["prc"], "250");
    let got = rx.wait_for(1, WAIT).await;
    assert_eq!(got.len(), 1);
    check_report(&got[0], &uid, &key, "250");
    assert_eq!(got[0].fields["cardno"], "493817******0003");
    assert_eq!(got[0].fields["pfn"], "CREDITCARD");
    // The sandbox records the attempt once it has read the answer.
    let attempts = eventually(WAIT, || async {
        let n = sb.notifications().await;
        (!n.is_empty()).then_some(n)
    })
    .await
    .unwrap();
    assert_eq!(attempts[0]["acknowledged"], true);
    assert_eq!(attempts[0]["attempt"], 1);
    assert_eq!(attempts[0]["status"], 200);
    assert_eq!(attempts[0]["fields"]["prc"], "250");
    // Paid is final: paying again is a conflict.
    let (s, v) = sb
        .pay(&uid, json!({"card_number": "4938170130000003"}))
        .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["error"]["code"], "invalid_state");
    // Re-notification sends the same report again.
    let (s, _) = sb
        .post(&format!("/sandbox/orders/{uid}/notify"), json!({}))
        .await;
    assert_eq!(s, 200);
    let got = rx.wait_for(2, WAIT).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].fields, got[0].fields);
    let (s, _) = sb.post("/sandbox/orders/1/notify", json!({})).await;
    assert_eq!(s, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn failure_card_300_with_callback() {
    let (sb, rx) = with_receiver().await;
    let (uid, key) = sb.create(&example_order()).await;
    let (_, v) = sb
        .pay(&uid, json!({"card_number": "5204247750001471"}))
        .await;
    assert_eq!(v["prc"], "300");
    let got = rx.wait_for(1, WAIT).await;
    check_report(&got[0], &uid, &key, "300");
    assert_eq!(sb.query(&uid, &key).await["prc"], "300");
}

#[tokio::test(flavor = "multi_thread")]
async fn store_code_260_then_paid_250() {
    let (sb, rx) = with_receiver().await;
    let (uid, key) = sb.create(&example_order()).await;
    let (_, v) = sb.pay(&uid, json!({"pfn": "CSTORECODE"})).await;
    assert_eq!(v["prc"], "260");
    let got = rx.wait_for(1, WAIT).await;
    check_report(&got[0], &uid, &key, "260");
    assert_eq!(got[0].fields["result_content_type"], "IBON");
    let codes: Value = serde_json::from_str(&got[0].fields["result_content"]).unwrap();
    for f in [
        "PinCode",
        "LimitDate",
        "BarCode1",
        "BarCode2",
        "BarCode3",
        "BarcodeEndDate",
    ] {
        assert!(
            codes[f].as_str().map(|s| !s.is_empty()).unwrap_or(false),
            "ibon {f}: {codes}"
        );
    }
    assert_eq!(codes["LimitDate"].as_str().unwrap().len(), 14);
    let (s, v) = sb.settle(&uid, json!({"prc": "250"})).await;
    assert_eq!(s, 200, "{v}");
    let got = rx.wait_for(2, WAIT).await;
    check_report(&got[1], &uid, &key, "250");
    assert_eq!(sb.query(&uid, &key).await["prc"], "250");
    // Settling a paid order is a conflict.
    let (s, _) = sb.settle(&uid, json!({"prc": "380"})).await;
    assert_eq!(s, 409);
}

#[tokio::test(flavor = "multi_thread")]
async fn store_code_260_then_expired_380() {
    let (sb, rx) = with_receiver().await;
    let (uid, key) = sb.create(&example_order()).await;
    sb.pay(&uid, json!({"pfn": "3"})).await;
    let (_, v) = sb.settle(&uid, json!({"prc": "380"})).await;
    assert_eq!(v["prc"], "380");
    let got = rx.wait_for(2, WAIT).await;
    check_report(&got[0], &uid, &key, "260");
    check_report(&got[1], &uid, &key, "380");
}

#[tokio::test(flavor = "multi_thread")]
async fn settle_290_mismatch_and_600_settled() {
    let (sb, rx) = with_receiver().await;
    let settle = |uid: String, prc: &'static str| {
        let sb = &sb;
        async move { sb.settle(&uid, json!({ "prc": prc })).await }
    };

    // 260 → 290: paid, details do not match.
    let (a, a_key) = sb.create(&example_order()).await;
    sb.pay(&a, json!({"pfn": "CSTORECODE"})).await;
    let (s, v) = settle(a.clone(), "290").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["prc"], "290");
    assert_eq!(v["query"]["prc"], "290");
    let got = rx.wait_for(2, WAIT).await;
    let last = got
        .iter()
        .find(|r| r.fields["prc"] == "290")
        .expect("the 290 report");
    check_report(last, &a, &a_key, "290");
    assert_eq!(sb.query(&a, &a_key).await["prc"], "290");
    // 290 is not refundable, not payable, not settled to 600.
    let (s, _) = settle(a.clone(), "600").await;
    assert_eq!(s, 409);
    let (s, _) = settle(a.clone(), "250").await;
    assert_eq!(s, 409);

    // 270 → 380 → 290: an expired virtual account turns out paid after
    // MYPAY verified it (appendix 2, 380).
    let (b, b_key) = sb.create(&example_order()).await;
    sb.pay(&b, json!({"pfn": "E_COLLECTION"})).await;
    let (s, v) = settle(b.clone(), "380").await;
    assert_eq!((s, v["prc"].as_str()), (200, Some("380")), "{v}");
    let (s, v) = settle(b.clone(), "290").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["prc"], "290");
    let got = rx.wait_for(5, WAIT).await;
    let b_reports: Vec<&Received> = got.iter().filter(|r| r.fields["uid"] == b).collect();
    assert_eq!(b_reports.len(), 3);
    let last = b_reports
        .iter()
        .find(|r| r.fields["prc"] == "290")
        .expect("the 290 report");
    check_report(last, &b, &b_key, "290");
    assert_eq!(sb.query(&b, &b_key).await["prc"], "290");
    let history: Vec<&str> = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["prc"].as_str())
        .collect();
    assert_eq!(history, ["200", "270", "380", "290"]);

    // 250 → 600: settled by the provider; still refundable.
    let (c, c_key) = sb.create(&example_order()).await;
    sb.pay(&c, json!({"pfn": "CSTORECODE"})).await;
    let (s, _) = settle(c.clone(), "600").await;
    assert_eq!(s, 409, "600 only after 250");
    settle(c.clone(), "250").await;
    let (s, v) = settle(c.clone(), "600").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["prc"], "600");
    let got = rx.wait_for(8, WAIT).await;
    let c_reports: Vec<&Received> = got.iter().filter(|r| r.fields["uid"] == c).collect();
    assert_eq!(c_reports.len(), 3);
    let last = c_reports
        .iter()
        .find(|r| r.fields["prc"] == "600")
        .expect("the 600 report");
    check_report(last, &c, &c_key, "600");
    assert_eq!(sb.query(&c, &c_key).await["prc"], "600");
    let (s, _) = settle(c.clone(), "600").await;
    assert_eq!(s, 409, "600 twice");
    // 290 from a paid order, or from an unpaid one, is not a MYPAY move.
    let (s, _) = settle(c.clone(), "290").await;
    assert_eq!(s, 409);
    let (d, _) = sb.create(&example_order()).await;
    let (s, v) = settle(d.clone(), "290").await;
    assert_eq!(s, 409);
    assert_eq!(v["error"]["prc"], "200");
    let (s, _) = settle(d, "230").await;
    assert_eq!(s, 400, "other codes are refused");
}

#[tokio::test(flavor = "multi_thread")]
async fn virtual_account_270() {
    let (sb, rx) = with_receiver().await;
    let (uid, key) = sb.create(&example_order()).await;
    let (_, v) = sb.pay(&uid, json!({"pfn": "E_COLLECTION"})).await;
    assert_eq!(v["prc"], "270");
    let got = rx.wait_for(1, WAIT).await;
    check_report(&got[0], &uid, &key, "270");
    let codes: Value = serde_json::from_str(&got[0].fields["result_content"]).unwrap();
    assert_eq!(codes.as_object().unwrap().len(), 3, "{codes}");
    for f in ["PinCode", "LimitDate", "BankCode"] {
        assert!(codes[f].is_string(), "{codes}");
    }
    assert_eq!(got[0].fields["result_content_type"], "E_COLLECTION");
    let q = sb.query(&uid, &key).await;
    assert_eq!(q["prc"], "270");
    assert_eq!(q["expired_date"], codes["LimitDate"]);
    // Settled to paid: a virtual account is not refunded by the API
    // (no instant refund): B500, and nothing changes.
    sb.settle(&uid, json!({"prc": "250"})).await;
    let r = sb
        .agent_json(Command::Refund, &full_refund(&uid, &key))
        .await;
    assert_eq!(r["code"], "B500", "{r}");
    assert!(r["msg"].as_str().unwrap().contains("即時退款"), "{r}");
    let q = sb.query(&uid, &key).await;
    assert_eq!(q["prc"], "250");
    assert_eq!(q["refund_order"], json!([]));
    // MYPAY's admin panel can: a cash-type refund, refund_type 3 with a date.
    let (s, v) = sb
        .post(&format!("/sandbox/orders/{uid}/refund"), json!({}))
        .await;
    assert_eq!(s, 200, "{v}");
    let got = rx.wait_for(3, WAIT).await;
    let refund = &got[2];
    check_report(refund, &uid, &key, "230");
    assert_eq!(refund.fields["refund_uid"], v["refunds"][0]["refund_uid"]);
    assert_eq!(refund.fields["refund_type"], "3");
    assert_eq!(refund.fields["expected_refund_date"].len(), 8);
    assert_eq!(sb.query(&uid, &key).await["refund_order"][0]["prc"], "230");
}

#[tokio::test(flavor = "multi_thread")]
async fn abandon_a0002_and_automation_errors() {
    let (sb, rx) = with_receiver().await;
    let (uid, key) = sb.create(&example_order()).await;
    let (s, v) = sb
        .post(&format!("/sandbox/orders/{uid}/abandon"), json!({}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["prc"], "A0002");
    let got = rx.wait_for(1, WAIT).await;
    check_report(&got[0], &uid, &key, "A0002");

    let (s, v) = sb
        .post(&format!("/sandbox/orders/{uid}/abandon"), json!({}))
        .await;
    assert_eq!(s, 409);
    assert_eq!(v["error"]["prc"], "A0002");
    let (s, v) = sb
        .post(
            "/sandbox/orders/1/pay",
            json!({"card_number": "4938170130000003"}),
        )
        .await;
    assert_eq!(s, 404);
    assert_eq!(v["error"]["code"], "order_not_found");
    let (s, _) = sb.get("/sandbox/orders/nope").await;
    assert_eq!(s, 404);
    let (uid2, _) = sb.create(&example_order()).await;
    for pfn in ["BOGUS", "AFP", "BARCODE"] {
        let (s, v) = sb.pay(&uid2, json!({ "pfn": pfn })).await;
        assert_eq!(s, 400, "{pfn}");
        assert_eq!(v["error"]["code"], "bad_request");
    }
    let (s, _) = sb.settle(&uid2, json!({"prc": "250"})).await;
    assert_eq!(s, 409, "not pending");
    let (s, v) = sb.get(&format!("/sandbox/orders/{uid2}")).await;
    assert_eq!(s, 200);
    assert_eq!(v["prc"], "200");
    assert_eq!(v["query"]["prc"], "200");
}

#[tokio::test(flavor = "multi_thread")]
async fn callbacks_retry_until_8888() {
    let sb = Sandbox::start().await;
    let rx = Receiver::scripted(&["NG", "<html>error</html>"], "8888").await;
    sb.set_notify(&rx.url, &[50, 50, 50, 50]).await;
    let (uid, _) = sb.create(&example_order()).await;
    sb.pay(&uid, json!({"card_number": "4938170130000003"}))
        .await;
    let got = rx.wait_for(3, WAIT).await;
    assert_eq!(got.len(), 3);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(rx.received().len(), 3, "no retry after 8888");
    let attempts = sb.notifications().await;
    let acks: Vec<bool> = attempts
        .iter()
        .map(|a| a["acknowledged"].as_bool().unwrap())
        .collect();
    assert_eq!(acks, vec![false, false, true]);
    let nums: Vec<u64> = attempts
        .iter()
        .map(|a| a["attempt"].as_u64().unwrap())
        .collect();
    assert_eq!(nums, vec![1, 2, 3]);
    assert_eq!(attempts[0]["answer"], "NG");
    assert_eq!(attempts[0]["url"], rx.url.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn callbacks_stop_after_the_retry_schedule() {
    let sb = Sandbox::start().await;
    let rx = Receiver::scripted(&[], "OK").await;
    sb.set_notify(&rx.url, &[30, 30]).await;
    let (uid, _) = sb.create(&example_order()).await;
    sb.post(&format!("/sandbox/orders/{uid}/abandon"), json!({}))
        .await;
    rx.wait_for(3, WAIT).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(rx.received().len(), 3, "first try + 2 retries");
    let attempts = sb.notifications().await;
    assert_eq!(attempts.len(), 3);
    assert!(attempts.iter().all(|a| a["acknowledged"] == false));
    // " 8888\n" (trimmed) counts.
    let rx2 = Receiver::scripted(&[], " 8888\n").await;
    sb.set_notify(&rx2.url, &[30, 30]).await;
    let (uid, _) = sb.create(&example_order()).await;
    sb.post(&format!("/sandbox/orders/{uid}/abandon"), json!({}))
        .await;
    rx2.wait_for(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rx2.received().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn callback_faults_duplicate_reorder_drop() {
    let (sb, rx) = with_receiver().await;

    let (s, _) = sb
        .put(
            "/sandbox/faults",
            json!({"callbacks": {"mode": "duplicate", "count": 1}}),
        )
        .await;
    assert_eq!(s, 200);
    let (uid, _) = sb.create(&example_order()).await;
    sb.pay(&uid, json!({"card_number": "4938170130000003"}))
        .await;
    let got = rx.wait_for(2, WAIT).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].fields, got[1].fields, "the same report twice");

    sb.put("/sandbox/faults", json!({"callbacks": {"mode": "reorder"}}))
        .await;
    let (a, _) = sb.create(&example_order()).await;
    let (b, _) = sb.create(&example_order()).await;
    sb.pay(&a, json!({"pfn": "CSTORECODE"})).await;
    sb.pay(&b, json!({"card_number": "4938170130000003"})).await;
    let got = rx.wait_for(4, WAIT).await;
    assert_eq!(got.len(), 4);
    assert_eq!(got[2].fields["uid"], b, "b's report overtook a's");
    assert_eq!(got[3].fields["uid"], a);

    sb.put("/sandbox/faults", json!({"callbacks": {"mode": "drop"}}))
        .await;
    let (c, _) = sb.create(&example_order()).await;
    sb.post(&format!("/sandbox/orders/{c}/abandon"), json!({}))
        .await;
    let attempts = eventually(WAIT, || async {
        let n = sb.notifications().await;
        n.iter().any(|a| a["uid"] == c.as_str()).then_some(n)
    })
    .await
    .unwrap();
    let dropped = attempts.iter().find(|a| a["uid"] == c.as_str()).unwrap();
    let (_, only_c) = sb.get(&format!("/sandbox/notifications?uid={c}")).await;
    assert_eq!(
        only_c.as_array().unwrap().len(),
        1,
        "filtered by uid: {only_c}"
    );
    assert_eq!(dropped["fault"], "drop");
    assert_eq!(dropped["status"], Value::Null);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rx.received().len(), 4, "dropped: never sent");
    let (_, f) = sb.get("/sandbox/faults").await;
    assert_eq!(f["callbacks"], Value::Null, "count used up");
}

#[tokio::test(flavor = "multi_thread")]
async fn agent_faults() {
    let sb = Sandbox::start().await;
    let order = example_order();

    let (s, _) = sb
        .put(
            "/sandbox/faults",
            json!({"agent": {"mode": "http500", "count": 1}}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, b) = sb.agent(Command::Orders, &order).await;
    assert_eq!(s, 500);
    assert!(serde_json::from_str::<Value>(&b).is_err());
    // Not processed: the same order_id is still free.
    sb.create(&order).await;

    sb.put("/sandbox/faults", json!({"agent": {"mode": "garbage"}}))
        .await;
    let (s, b) = sb
        .agent(Command::QueryOrder, &json!({"uid": "95217", "key": "x"}))
        .await;
    assert_eq!(s, 200);
    assert!(serde_json::from_str::<Value>(&b).is_err(), "{b}");
    assert!(matches!(
        mypay_link::reply::parse_query_reply(s, &b),
        Err(mypay_link::ReplyError::NotJson { status: 200, .. })
    ));

    sb.put(
        "/sandbox/faults",
        json!({"agent": {"mode": "html403", "count": 2, "cmd": "api/refund"}}),
    )
    .await;
    let (s, _) = sb
        .agent(
            Command::QueryOrder,
            &json!({"uid": "95217", "key": "3425042d7d266e4aea5fd4653a0271db"}),
        )
        .await;
    assert_eq!(s, 200, "the cmd filter spares other calls");
    for _ in 0..2 {
        let (s, b) = sb.agent(Command::Refund, &json!({})).await;
        assert_eq!(s, 403);
        assert!(b.contains("403 Forbidden"));
    }
    let (s, _) = sb.agent(Command::Refund, &json!({})).await;
    assert_eq!(s, 200, "count used up");

    sb.put(
        "/sandbox/faults",
        json!({"agent": {"mode": "timeout", "delay_ms": 3000}}),
    )
    .await;
    let client = reqwest::Client::builder()
        .user_agent("t")
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let env = mypay_link::Envelope::seal(
        AGENT,
        &mypay_link::AgentKey::new(KEY).unwrap(),
        Command::QueryOrder,
        &json!({}),
    )
    .unwrap();
    let err = client
        .post(sb.url("/api/agent"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(env.to_form())
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    // The call is logged when it arrives, not when its delay ends: a client
    // that hung up (after 500 ms of a 3 s delay) still shows, with its 504.
    let (_, reqs) = sb.get("/sandbox/requests").await;
    let timed_out: Vec<&Value> = reqs
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["fault"] == "timeout")
        .collect();
    assert_eq!(timed_out.len(), 1, "{reqs}");
    assert_eq!(timed_out[0]["http_status"], 504);
    assert_eq!(timed_out[0]["service"]["cmd"], "api/queryorder");
    tokio::time::sleep(Duration::from_millis(3_000)).await;
    let (_, reqs) = sb.get("/sandbox/requests").await;
    let n = reqs
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["fault"] == "timeout")
        .count();
    assert_eq!(n, 1, "logged once, not again when the delay ends: {reqs}");

    sb.put(
        "/sandbox/faults",
        json!({"agent": {"mode": "http500", "count": 5}}),
    )
    .await;
    let (s, v) = sb
        .send(reqwest::Method::DELETE, "/sandbox/faults", None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["agent"], Value::Null);
    let (s, _) = sb
        .agent(
            Command::QueryOrder,
            &json!({"uid": "95217", "key": "3425042d7d266e4aea5fd4653a0271db"}),
        )
        .await;
    assert_eq!(s, 200);

    let (s, v) = sb
        .put("/sandbox/faults", json!({"agent": {"mode": "explode"}}))
        .await;
    assert_eq!(s, 400, "{v}");
    let (_, reqs) = sb.get("/sandbox/requests").await;
    assert!(reqs
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["fault"] == "http500"));
}

#[tokio::test(flavor = "multi_thread")]
async fn config_is_validated() {
    let sb = Sandbox::start().await;
    let (s, _) = sb
        .put("/sandbox/config", json!({"notify_url": "ftp://x"}))
        .await;
    assert_eq!(s, 400);
    let (s, _) = sb
        .put("/sandbox/config", json!({"retry_schedule_ms": [1, "x"]}))
        .await;
    assert_eq!(s, 400);
    let (s, _) = sb.put("/sandbox/config", json!({"colour": "blue"})).await;
    assert_eq!(s, 400);
    let (s, v) = sb.get("/sandbox/config").await;
    assert_eq!(s, 200);
    assert_eq!(
        v["retry_schedule_ms"].as_array().unwrap().len(),
        4,
        "default: 4 retries"
    );
    assert_eq!(v["require_user_agent"], true);
}

async fn page(sb: &Sandbox, uid: &str) -> (u16, String) {
    let r = sb
        .client
        .get(sb.url(&format!("/payment/{uid}.html")))
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.text().await.unwrap())
}

async fn submit(sb: &Sandbox, uid: &str, form: &[(&str, &str)]) -> reqwest::Response {
    sb.client
        .post(sb.url(&format!("/payment/{uid}.html")))
        .form(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn payment_page_shows_the_order_and_pays_by_card() {
    let (sb, rx) = with_receiver().await;
    let mut order = example_order();
    order["items"][0]["name"] = json!("湯包 <script>alert(1)</script>");
    order["success_returl"] = json!("https://shop.example/ok?o=1");
    order["failure_returl"] = json!("https://shop.example/fail");
    let (uid, key) = sb.create(&order).await;
    let (s, html) = page(&sb, &uid).await;
    assert_eq!(s, 200);
    assert!(html.contains("lang=\"zh-Hant\""));
    assert!(html.contains("name=\"viewport\""));
    assert!(html.contains(order["order_id"].as_str().unwrap()));
    assert!(
        html.contains("湯包 &lt;script&gt;"),
        "item names are escaped"
    );
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("好食券") && html.contains("VIP免費券") && html.contains("NT$ 900"));
    for id in ["card_number", "card_expiry", "card_cvc"] {
        assert!(html.contains(&format!("id=\"{id}\" name=\"{id}\"")), "{id}");
        assert!(
            html.contains(&format!("<label for=\"{id}\"")),
            "label for {id}"
        );
    }
    for v in ["CREDITCARD", "CSTORECODE", "E_COLLECTION", "abandon"] {
        assert!(
            html.contains(&format!("name=\"method\" value=\"{v}\"")),
            "{v}"
        );
    }
    assert!(
        html.contains("4938170130000003") && html.contains("5204247750001471"),
        "lists the test cards"
    );
    assert!(!html.contains("<script"), "works without JS");

    // A malformed card is refused with a message; nothing changes.
    let r = submit(
        &sb,
        &uid,
        &[
            ("method", "CREDITCARD"),
            ("card_number", "12"),
            ("card_expiry", "1228"),
            ("card_cvc", "985"),
        ],
    )
    .await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("role=\"alert\""));
    assert_eq!(sb.query(&uid, &key).await["prc"], "200");

    let r = submit(
        &sb,
        &uid,
        &[
            ("method", "CREDITCARD"),
            ("card_number", "4938170130000003"),
            ("card_expiry", "1228"),
            ("card_cvc", "985"),
        ],
    )
    .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "https://shop.example/ok?o=1");
    let got = rx.wait_for(1, WAIT).await;
    assert_eq!(got[0].fields["prc"], "250");
    let (_, html) = page(&sb, &uid).await;
    assert!(html.contains("id=\"prc\">250<"), "result view");
    assert!(
        !html.contains("id=\"payment_codes\""),
        "no payment codes for a card"
    );
    let r = submit(&sb, &uid, &[("method", "abandon")]).await;
    assert_eq!(r.status().as_u16(), 409, "already paid");
}

#[tokio::test(flavor = "multi_thread")]
async fn payment_page_failure_pending_abandon_and_preselection() {
    let (sb, _rx) = with_receiver().await;
    // Failure card, failure_returl set.
    let mut order = example_order();
    order["failure_returl"] = json!("https://shop.example/fail");
    let (uid, _) = sb.create(&order).await;
    let r = submit(
        &sb,
        &uid,
        &[
            ("method", "CREDITCARD"),
            ("card_number", "5204247750001471"),
            ("card_expiry", "1122"),
            ("card_cvc", "111"),
        ],
    )
    .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "https://shop.example/fail");

    // No return URLs: back to the page, which shows the codes and can settle.
    let mut order = example_order();
    order["pfn"] = json!("CSTORECODE");
    let (uid, key) = sb.create(&order).await;
    let (_, html) = page(&sb, &uid).await;
    let pre = html.find("class=\"preselected\"").unwrap();
    assert!(
        html[pre..].find("value=\"CSTORECODE\"").unwrap()
            < html[pre..]
                .find("value=\"CREDITCARD\"")
                .unwrap_or(usize::MAX)
    );
    let r = submit(&sb, &uid, &[("method", "CSTORECODE")]).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], format!("/payment/{uid}.html"));
    let (_, html) = page(&sb, &uid).await;
    assert!(html.contains("id=\"code_PinCode\""), "shows the ibon code");
    let r = submit(&sb, &uid, &[("method", "settle_250")]).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(sb.query(&uid, &key).await["prc"], "250");

    let (uid, key) = sb.create(&example_order()).await;
    let r = submit(&sb, &uid, &[("method", "E_COLLECTION")]).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(sb.query(&uid, &key).await["prc"], "270");

    let (uid, key) = sb.create(&example_order()).await;
    let r = submit(&sb, &uid, &[("method", "abandon")]).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(sb.query(&uid, &key).await["prc"], "A0002");

    let (s, _) = page(&sb, "424242").await;
    assert_eq!(s, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn notify_url_and_retry_schedule_from_settings() {
    let rx = Receiver::scripted(&["NG"], "8888").await;
    let settings = Settings::default()
        .notify_url(rx.url.clone())
        .retry_schedule_ms(vec![40, 40]);
    let sb = Sandbox::with(settings).await;
    check_notify_url_and_retry_schedule(&sb, &rx).await;
}
