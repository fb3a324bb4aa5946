//! The sandbox's agent API: orders, query, refund, validation and envelope
//! errors, the firewall emulation, chunked JSON bodies, key rotation,
//! persistence, and that the agent key never leaks.

use crate::common::*;
use mypay_link::{AgentKey, Command, Envelope, KeyRing};
use mypay_sandbox::Settings;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn create_query_pay_refund_and_double_refund() {
    let sb = Sandbox::start().await;
    let order = example_order();
    let r = sb.agent_json(Command::Orders, &order).await;
    assert_eq!(r["code"], "200");
    assert_eq!(r["msg"], "資料正確");
    let uid = r["uid"].as_str().unwrap();
    let key = r["key"].as_str().unwrap();
    assert!(
        uid.parse::<u64>().unwrap() > 95217,
        "new uids start above the seeds"
    );
    assert_eq!(key.len(), 32);
    assert!(key
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_eq!(r["url"], format!("{}/payment/{uid}.html", sb.http));

    let q = sb.query(uid, key).await;
    assert_eq!(q["prc"], "200", "created, not paid: {q}");
    assert_eq!(q["order_id"], order["order_id"]);

    sb.pay_card(uid).await;

    let q = sb.query(uid, key).await;
    assert_eq!(q["prc"], "250");
    assert_eq!(q["cardno"], "493817******0003");
    assert_eq!(q["pfn"], "CREDITCARD");
    assert_eq!(
        q["invoice_amount"], "900",
        "voucher_invoice_type 1: the amount paid"
    );
    for field in [
        "refund_order",
        "cancel_order",
        "invoice_allowance",
        "voucher_paid",
        "voucher_free",
    ] {
        assert!(q[field].is_array(), "{field} must be an array: {q}");
    }
    for field in [
        "uid",
        "key",
        "prc",
        "finishtime",
        "cardno",
        "acode",
        "card_type",
        "issuing_bank",
        "issuing_bank_uid",
        "is_agent_charge",
        "transaction_mode",
        "supplier_name",
        "supplier_code",
        "order_id",
        "user_id",
        "cost",
        "currency",
        "actual_cost",
        "actual_currency",
        "price",
        "actual_price",
        "recharge_code",
        "love_cost",
        "retmsg",
        "pfn",
        "trans_type",
        "redeem",
        "payment_name",
        "nois",
        "group_id",
        "bank_id",
        "expired_date",
        "appropriation_date",
        "result_type",
        "result_content_type",
        "result_content",
        "invoice_state",
        "invoice_date",
        "invoice_wordtrack",
        "invoice_number",
        "invoice_rand_code",
        "invoice_seller_ban",
        "invoice_buyer_ban",
        "invoice_left_qrcode",
        "invoice_middle_barcode",
        "invoice_right_qrcode",
        "invoice_title_type",
        "invoice_title",
        "invoice_print_type",
        "invoice_print_device",
        "invoice_amount",
        "invoice_sales_amount",
        "invoice_tax_amount",
        "invoice_order_detail",
        "invoice_ratetype",
        "invoice_input_type",
        "invoice_cloud_type",
        "invoice_mobile_code",
        "invoice_tax_id",
        "invoice_natural_person",
        "invoice_m_post_zone",
        "invoice_m_address",
        "invoice_love_code",
        "invoice_b2b_title",
        "invoice_b2b_id",
        "invoice_b2b_post_zone",
        "invoice_b2b_address",
        "echo_0",
        "echo_1",
        "echo_2",
        "echo_3",
        "echo_4",
    ] {
        assert!(q.get(field).is_some(), "query reply lacks {field}");
    }
    // The typed parser of the core accepts it.
    mypay_link::reply::parse_query_reply(200, &q.to_string()).unwrap();

    let r = sb.agent_json(Command::Refund, &full_refund(uid, key)).await;
    assert_eq!(r["code"], "B200", "{r}");
    assert_eq!(r["msg"], "執行成功");
    assert_eq!(r["uid"], uid);
    assert_eq!(r["row_data"]["prc"], "230");
    assert_eq!(r["row_data"]["uid"], uid);
    assert_eq!(r["row_data"]["refund_type"], "1");
    let refund_uid = r["row_data"]["refund_uid"].as_str().unwrap().to_string();
    assert_ne!(refund_uid, uid);
    mypay_link::reply::parse_refund_reply(200, &r.to_string()).unwrap();

    let paid_finishtime = sb.query(uid, key).await["finishtime"].clone();
    let q = sb.query(uid, key).await;
    // The order keeps its own prc and finishtime; the refund is an entry of
    // refund_order, as in the API text's example reply.
    assert_eq!(q["prc"], "250", "{q}");
    assert_eq!(q["finishtime"], paid_finishtime);
    assert_eq!(q["refund_order"].as_array().unwrap().len(), 1);
    let entry = &q["refund_order"][0];
    assert_eq!(entry["uid"], refund_uid.as_str());
    assert_eq!(entry["prc"], "230");
    assert_eq!(entry["cost"], "900");
    assert_eq!(entry["retmsg"], "退款完成");
    assert_eq!(entry["finishtime"], r["row_data"]["finishtime"]);
    assert_eq!(entry["finishtime"].as_str().unwrap().len(), 14);
    assert_eq!(entry["voucher_paid"][0]["serial_number"], "P1635306439");
    assert_eq!(entry["voucher_paid"][0]["name"], "好食券");
    assert!(entry["invoice_allowance"].is_array());
    assert_eq!(q["invoice_state"], 6, "invoice_state 6 asked: allowance");
    assert_eq!(q["invoice_allowance"][0]["uid"], refund_uid.as_str());
    assert_eq!(q["cancel_order"], json!([]));

    let again = sb.agent_json(Command::Refund, &full_refund(uid, key)).await;
    assert_eq!(again["code"], "B500", "{again}");
}

#[tokio::test(flavor = "multi_thread")]
async fn invoice_amount_follows_voucher_invoice_type() {
    let sb = Sandbox::start().await;
    let mut order = example_order();
    order["voucher_invoice_type"] = json!("2");
    let (uid, key) = sb.create(&order).await;
    sb.pay(&uid, json!({"card_number": "4761120010000492"}))
        .await;
    let q = sb.query(&uid, &key).await;
    assert_eq!(q["prc"], "250");
    assert_eq!(
        q["invoice_amount"], "950",
        "type 2: paid 900 + paid vouchers 50"
    );
    let detail: Value = serde_json::from_str(q["invoice_order_detail"].as_str().unwrap()).unwrap();
    let total: i64 = detail
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["Amount"].as_str().unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(total, 950);
}

#[tokio::test(flavor = "multi_thread")]
async fn seeded_documented_orders_answer_the_samples() {
    let sb = Sandbox::start().await;
    let q = sb.query("95217", "3425042d7d266e4aea5fd4653a0271db").await;
    assert_eq!(q["prc"], "250");
    assert_eq!(q["order_id"], "1234567890");
    assert_eq!(q["cardno"], "493817******0003");
    let wrong = sb.query("95217", "00000000000000000000000000000000").await;
    assert_eq!(wrong["code"], "100");
    let missing = sb.query("1", "3425042d7d266e4aea5fd4653a0271db").await;
    assert_eq!(missing["code"], "100");

    let refund = json!({"store_uid": STORE, "uid": "95047", "key": "85def7799fd15978cac14a44846f3a2a", "cost": 900,
                        "voucher_paid": [{"product_id": "P01", "serial_number": "P1634634156"}], "invoice_state": 6});
    let r = sb.agent_json(Command::Refund, &refund).await;
    assert_eq!(r["code"], "B200", "{r}");
    let r = sb.agent_json(Command::Refund, &refund).await;
    assert_eq!(r["code"], "B500");
    // Reset brings the seeds back.
    let (s, _) = sb.post("/sandbox/reset", json!({})).await;
    assert_eq!(s, 200);
    let r = sb.agent_json(Command::Refund, &refund).await;
    assert_eq!(r["code"], "B200", "after reset: {r}");
}

#[tokio::test(flavor = "multi_thread")]
async fn refund_rules_of_voucher_mode() {
    let sb = Sandbox::start().await;
    let (uid, key) = sb.create(&example_order()).await;

    let r = sb
        .agent_json(Command::Refund, &full_refund(&uid, &key))
        .await;
    assert_eq!(r["code"], "B500", "unpaid orders cannot be refunded: {r}");

    sb.pay(&uid, json!({"card_number": "4938170130000003"}))
        .await;
    let mut partial = full_refund(&uid, &key);
    partial["cost"] = json!(500);
    let r = sb.agent_json(Command::Refund, &partial).await;
    assert_eq!(r["code"], "B500");
    let msg = r["msg"].as_str().unwrap();
    assert!(msg.starts_with("執行失敗") && msg.contains("cost"), "{r}");
    // MYPAY's shape: code and msg only.
    assert_eq!(r.as_object().unwrap().len(), 2, "{r}");

    for vouchers in [
        json!([{"product_id": "P01", "serial_number": "OTHER"}]),
        json!([]),
        Value::Null,
    ] {
        let mut v = full_refund(&uid, &key);
        if vouchers.is_null() {
            v.as_object_mut().unwrap().remove("voucher_paid");
        } else {
            v["voucher_paid"] = vouchers;
        }
        let r = sb.agent_json(Command::Refund, &v).await;
        assert_eq!(r["code"], "B500", "{v}");
        assert!(r["msg"].as_str().unwrap().contains("voucher_paid"), "{r}");
    }

    let mut items = full_refund(&uid, &key);
    items["items"] =
        json!([{"id": "1", "name": "別的商品", "cost": 900, "amount": 1, "total": 900}]);
    let r = sb.agent_json(Command::Refund, &items).await;
    assert_eq!(r["code"], "B500", "item names must be the order's: {r}");

    let mut wrong_store = full_refund(&uid, &key);
    wrong_store["store_uid"] = json!("999");
    assert_eq!(
        sb.agent_json(Command::Refund, &wrong_store).await["code"],
        "B500"
    );

    let mut wrong_key = full_refund(&uid, &key);
    wrong_key["key"] = json!("0".repeat(32));
    assert_eq!(
        sb.agent_json(Command::Refund, &wrong_key).await["code"],
        "B500"
    );

    // Still refundable after all the refused attempts.
    assert_eq!(
        sb.agent_json(Command::Refund, &full_refund(&uid, &key))
            .await["code"],
        "B200"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn order_validation_errors_are_code_100_with_problems() {
    let sb = Sandbox::start().await;
    let mut bad = example_order();
    bad["cost"] = json!(1000);
    let r = sb.agent_json(Command::Orders, &bad).await;
    assert_eq!(r["code"], "100");
    assert!(
        r["msg"].as_str().unwrap().starts_with("資料錯誤:cost:"),
        "{r}"
    );
    assert_eq!(r.as_object().unwrap().len(), 2, "code and msg only: {r}");
    // The sandbox logs why.
    let (_, reqs) = sb.get("/sandbox/requests").await;
    let last = reqs.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["problems"][0]["path"], "cost", "{last}");

    let mut missing = example_order();
    missing.as_object_mut().unwrap().remove("ip");
    let r = sb.agent_json(Command::Orders, &missing).await;
    assert_eq!(r["code"], "100");
    assert!(r["msg"].as_str().unwrap().contains("ip: 必填"), "{r}");

    let mut store = example_order();
    store["store_uid"] = json!("111111111111");
    let r = sb.agent_json(Command::Orders, &store).await;
    assert_eq!(r["code"], "100");

    let order = example_order();
    sb.create(&order).await;
    let r = sb.agent_json(Command::Orders, &order).await;
    assert_eq!(r["code"], "100", "a repeated order_id is refused: {r}");
    assert!(r["msg"].as_str().unwrap().contains("order_id"));
}

#[tokio::test(flavor = "multi_thread")]
async fn envelope_errors_are_documented_replies_not_crashes() {
    let sb = Sandbox::start().await;
    let order = example_order();

    let (s, b) = sb
        .agent_with("999999999999", KEY, Command::Orders, &order)
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&b).unwrap()["code"],
        "100",
        "unknown agent: {b}"
    );

    let (s, b) = sb
        .agent_with(AGENT, &"k".repeat(32), Command::Orders, &order)
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&b).unwrap()["code"],
        "100",
        "wrong key: {b}"
    );

    let r = sb
        .agent_json(Command::Other("api/nothing".into()), &json!({}))
        .await;
    assert_eq!(r["code"], "100");
    assert!(r["msg"].as_str().unwrap().contains("api/nothing"));

    // encry_data that decrypts to text that is not JSON
    let key = AgentKey::new(KEY).unwrap();
    let mut env = Envelope::seal(AGENT, &key, Command::Orders, &json!({})).unwrap();
    env.encry_data = mypay_link::encrypt(&key, "{not json").unwrap();
    let (s, b) = sb
        .raw_agent("application/x-www-form-urlencoded", env.to_form())
        .await;
    assert_eq!(s, 200);
    assert_eq!(serde_json::from_str::<Value>(&b).unwrap()["code"], "100");

    for (ct, body) in [
        ("application/json", "{\"agent_uid\": 1,".to_string()),
        (
            "application/x-www-form-urlencoded",
            "hello=world".to_string(),
        ),
        (
            "application/x-www-form-urlencoded",
            format!("agent_uid={AGENT}&service=%%%&encry_data=x"),
        ),
        ("text/plain", String::new()),
    ] {
        let (s, b) = sb.raw_agent(ct, body.clone()).await;
        assert_eq!(s, 200, "{body}");
        assert_eq!(
            serde_json::from_str::<Value>(&b).unwrap()["code"],
            "100",
            "{body} -> {b}"
        );
    }

    let big = format!(
        "agent_uid={AGENT}&service=x&encry_data={}",
        "A".repeat(70 * 1024)
    );
    let (s, b) = sb.raw_agent("application/x-www-form-urlencoded", big).await;
    assert_eq!(s, 413, "{b}");
    assert_eq!(serde_json::from_str::<Value>(&b).unwrap()["code"], "100");

    // Still serving.
    sb.create(&example_order()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn firewall_answers_403_html_without_user_agent() {
    let sb = Sandbox::start().await;
    for base in [&sb.http, &sb.https] {
        let (s, b) = post_without_user_agent(&format!("{base}/api/agent"), sealed_query()).await;
        assert_eq!(s, 403, "{base}");
        assert!(b.contains("<html") && b.contains("403 Forbidden"), "{b}");
    }
    // With a User-Agent, the same call works (over TLS too).
    let r = sb
        .client
        .post(format!("{}/api/agent", sb.https))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(sealed_query())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["prc"], "250");

    // Turned off at run time.
    let (s, v) = sb
        .put("/sandbox/config", json!({"require_user_agent": false}))
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["require_user_agent"], false);
    let (s, b) = post_without_user_agent(&sb.url("/api/agent"), sealed_query()).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(serde_json::from_str::<Value>(&b).unwrap()["prc"], "250");

    // And from the start (`mypay sandbox --allow-no-user-agent`).
    let open = Sandbox::with(Settings::default().require_user_agent(false)).await;
    let (s, _) = post_without_user_agent(&open.url("/api/agent"), sealed_query()).await;
    assert_eq!(s, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn other_methods_on_the_agent_api_get_a_mypay_style_405() {
    let sb = Sandbox::start().await;
    for method in [
        reqwest::Method::GET,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
    ] {
        let r = sb
            .client
            .request(method.clone(), sb.url("/api/agent"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 405, "{method}");
        assert_eq!(r.headers()["allow"], "POST");
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["code"], "100", "{v}");
        assert!(v["msg"].as_str().unwrap().contains("POST"), "{v}");
    }
    // Without a User-Agent the firewall answers first, as for a POST.
    let r = reqwest::Client::new()
        .get(sb.url("/api/agent"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert!(r.text().await.unwrap().contains("403 Forbidden"));
    let (_, reqs) = sb.get("/sandbox/requests").await;
    assert!(reqs
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["http_status"] == 405 && r["code"] == "100"));
}

#[tokio::test(flavor = "multi_thread")]
async fn chunked_json_body_like_the_node_sample() {
    let sb = Sandbox::start().await;
    let key = AgentKey::new(KEY).unwrap();
    let env = Envelope::seal(
        AGENT,
        &key,
        Command::QueryOrder,
        &json!({"uid": "95217", "key": "3425042d7d266e4aea5fd4653a0271db"}),
    )
    .unwrap();
    let body = serde_json::to_string(&env).unwrap();
    let addr = sb.http.trim_start_matches("http://").to_string();
    let answer = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let (a, b) = body.split_at(body.len() / 2);
        let mut req = format!(
            "POST /api/agent HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: chunk-test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        );
        for part in [a, b] {
            req.push_str(&format!("{:x}\r\n{part}\r\n", part.len()));
        }
        req.push_str("0\r\n\r\n");
        s.write_all(req.as_bytes()).unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"prc\":\"250\""), "{answer}");
    let (_, reqs) = sb.get("/sandbox/requests").await;
    let last = reqs.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["chunked"], true);
    assert_eq!(last["service"]["cmd"], "api/queryorder");
    assert_eq!(last["data"]["uid"], "95217");
}

#[tokio::test(flavor = "multi_thread")]
async fn next_key_is_accepted_during_rotation() {
    let next = "NEXTKEYnextkeyNEXTKEYnextkey1234";
    let keys = KeyRing::new(
        AgentKey::new(KEY).unwrap(),
        Some(AgentKey::new(next).unwrap()),
    );
    let sb = Sandbox::with(Settings::default().keys(keys)).await;
    check_next_key_is_accepted(&sb, next).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_custom_key_replaces_the_test_key_and_never_leaks() {
    let custom = "CustomKeyCustomKeyCustomKey12345";
    let keys = KeyRing::new(AgentKey::new(custom).unwrap(), None);
    let sb = Sandbox::with(Settings::default().keys(keys)).await;
    let seen = check_custom_key_replaces_the_test_key(&sb, custom).await;
    // (What `mypay sandbox` prints is checked in cli/tests/sandbox_command.rs.)
    check_no_key_leaks(seen, custom);
}

#[tokio::test(flavor = "multi_thread")]
async fn state_survives_a_restart_with_data_dir() {
    let dir = temp_dir("data");
    let (uid, key) = {
        let sb = Sandbox::with(Settings::default().data_dir(&dir)).await;
        let (uid, key) = sb.create(&example_order()).await;
        sb.pay(&uid, json!({"card_number": "4938170130000003"}))
            .await;
        sb.stop().await;
        (uid, key)
    };
    assert!(dir.join("state.json").exists());
    let sb = Sandbox::with(Settings::default().data_dir(&dir)).await;
    check_restarted_state(&sb, &dir, &uid, &key).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_log_shows_decrypted_calls() {
    let sb = Sandbox::start().await;
    let order = example_order();
    sb.create(&order).await;
    let (s, reqs) = sb.get("/sandbox/requests").await;
    assert_eq!(s, 200);
    let last = reqs.as_array().unwrap().last().unwrap();
    assert_eq!(
        last["service"],
        json!({"service_name": "api", "cmd": "api/orders"})
    );
    assert_eq!(last["data"]["order_id"], order["order_id"]);
    assert_eq!(last["agent_uid"], AGENT);
    assert_eq!(last["code"], "200");
    assert_eq!(last["user_agent"], "mypay-cli-tests");
    assert!(!reqs.to_string().contains(KEY));
}

/// A page elsewhere can neither drive the automation API nor post the
/// payment page's forms: a CORS "simple request" (`text/plain`, a form
/// encoding) from a foreign Origin is refused and changes nothing.
#[tokio::test(flavor = "multi_thread")]
async fn cross_site_requests_cannot_pay_orders() {
    let sb = Sandbox::start().await;
    let (uid, key) = sb.create(&example_order()).await;
    let pay = sb.url(&format!("/sandbox/orders/{uid}/pay"));
    let card = r#"{"card_number":"4938170130000003"}"#;

    let r = sb
        .client
        .post(&pay)
        .header("origin", "https://evil.example")
        .header("content-type", "text/plain")
        .body(card)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "origin_not_allowed", "{v}");

    // A foreign Origin is refused whatever the body says it is.
    let r = sb
        .client
        .post(&pay)
        .header("origin", "https://evil.example")
        .header("content-type", "application/json")
        .body(card)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);

    // Without an Origin (a local tool), the body must still be JSON.
    let r = sb
        .client
        .post(&pay)
        .header("content-type", "text/plain")
        .body(card)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "unsupported_media_type", "{v}");

    // The payment page's own form, posted from elsewhere.
    let page = sb.url(&format!("/payment/{uid}.html"));
    let r = sb
        .client
        .post(&page)
        .header("origin", "https://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("action=card&card_number=4938170130000003")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);

    assert_eq!(sb.query(&uid, &key).await["prc"], "200", "nothing was paid");

    // The sandbox's own origin and JSON: paid.
    let own = sb.url("");
    let r = sb
        .client
        .post(&pay)
        .header("origin", own.trim_end_matches('/'))
        .header("content-type", "application/json")
        .body(card)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());
    assert_eq!(sb.query(&uid, &key).await["prc"], "250");
}
