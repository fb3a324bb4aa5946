//! The sandbox's clock and what time does to orders (payment page lifetime
//! → A0002, LimitDate → 380, manual refunds completing), the refund modes
//! and shapes, the admin panel's refunds, cancellation, sticky and
//! after-processing faults, and the records kept for invariant checks.

use crate::common::*;
use mypay_link::Command;
use serde_json::{json, Value};
use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const WAIT: Duration = Duration::from_secs(10);
const DAY: i64 = 86_400;

fn parse(t: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(t.as_str().unwrap(), &Rfc3339).unwrap()
}

async fn advance(sb: &Sandbox, seconds: i64) -> Value {
    let (s, v) = sb
        .post("/sandbox/clock/advance", json!({ "seconds": seconds }))
        .await;
    assert_eq!(s, 200, "{v}");
    v
}

async fn set_config(sb: &Sandbox, cfg: Value) {
    let (s, v) = sb.put("/sandbox/config", cfg).await;
    assert_eq!(s, 200, "{v}");
}

/// An order without vouchers (not voucher mode): partial refunds allowed.
fn plain_order() -> Value {
    let mut o = example_order();
    let m = o.as_object_mut().unwrap();
    m.remove("voucher_paid");
    m.remove("voucher_free");
    m.insert("voucher_type".into(), json!("0"));
    m.insert("cost".into(), json!(1000));
    o
}

#[tokio::test(flavor = "multi_thread")]
async fn clock_endpoints_move_every_time_stamp() {
    let sb = Sandbox::start().await;
    let (s, c) = sb.get("/sandbox/clock").await;
    assert_eq!(s, 200);
    assert_eq!(c["offset_seconds"], 0);
    let drift = (parse(&c["now"]) - OffsetDateTime::now_utc()).whole_seconds();
    assert!(drift.abs() <= 2, "{c}");
    assert_eq!(c["stamp"].as_str().unwrap().len(), 14);

    let (s, c) = sb
        .put("/sandbox/clock", json!({"offset_seconds": 10 * DAY}))
        .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["offset_seconds"], 10 * DAY);
    let ahead = (parse(&c["now"]) - OffsetDateTime::now_utc()).whole_seconds();
    assert!((ahead - 10 * DAY).abs() <= 2, "{c}");
    let c = advance(&sb, 60).await;
    assert_eq!(c["offset_seconds"], 10 * DAY + 60);
    let c = advance(&sb, -120).await;
    assert_eq!(c["offset_seconds"], 10 * DAY - 60);

    // Orders, payments and logs are stamped with the sandbox's time.
    let (uid, key) = sb.create(&example_order()).await;
    sb.pay_card(&uid).await;
    let (_, clock) = sb.get("/sandbox/clock").await;
    let q = sb.query(&uid, &key).await;
    assert_eq!(
        q["finishtime"].as_str().unwrap()[..8],
        clock["stamp"].as_str().unwrap()[..8],
        "finishtime in sandbox time: {q}"
    );
    let (_, v) = sb.get(&format!("/sandbox/orders/{uid}")).await;
    let created = parse(&v["created_at"]);
    assert!((created - parse(&clock["now"])).whole_seconds().abs() <= 5);
    let (_, reqs) = sb.get("/sandbox/requests").await;
    let last = reqs.as_array().unwrap().last().unwrap();
    assert!(
        (parse(&last["time"]) - parse(&clock["now"]))
            .whole_seconds()
            .abs()
            <= 5
    );

    for bad in [
        json!({}),
        json!({"offset_seconds": "soon"}),
        json!({"offset_seconds": 1e15}),
    ] {
        let (s, _) = sb.put("/sandbox/clock", bad.clone()).await;
        assert_eq!(s, 400, "{bad}");
    }
    let (s, _) = sb.post("/sandbox/clock/advance", json!({"secs": 1})).await;
    assert_eq!(s, 400);

    // Reset brings the clock back.
    sb.post("/sandbox/reset", json!({})).await;
    let (_, c) = sb.get("/sandbox/clock").await;
    assert_eq!(c["offset_seconds"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn config_has_lifetime_and_refund_mode_defaults() {
    let sb = Sandbox::start().await;
    let (_, c) = sb.get("/sandbox/config").await;
    assert_eq!(c["page_lifetime_seconds"], 86_400);
    assert_eq!(c["refund_mode"], "instant");
    assert_eq!(c["manual_refund_days"], 7);
    for bad in [
        json!({"page_lifetime_seconds": 0}),
        json!({"page_lifetime_seconds": "1"}),
        json!({"refund_mode": "later"}),
        json!({"manual_refund_days": -1}),
    ] {
        let (s, _) = sb.put("/sandbox/config", bad.clone()).await;
        assert_eq!(s, 400, "{bad}");
    }
    let (s, c) = sb
        .put(
            "/sandbox/config",
            json!({"page_lifetime_seconds": 60, "refund_mode": "no_row_data", "manual_refund_days": 3}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(c["page_lifetime_seconds"], 60);
    assert_eq!(c["refund_mode"], "no_row_data");
    assert_eq!(c["manual_refund_days"], 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unpaid_page_past_its_lifetime_is_abandoned_a0002() {
    let (sb, rx) = with_receiver().await;
    set_config(&sb, json!({"page_lifetime_seconds": 600})).await;
    let (uid, key) = sb.create(&example_order()).await;
    let (_, v) = sb.get(&format!("/sandbox/orders/{uid}")).await;
    let deadline = parse(&v["page_expires_at"]);
    assert_eq!((deadline - parse(&v["created_at"])).whole_seconds(), 600);
    assert_eq!(v["page_expired"], false);

    advance(&sb, 300).await;
    assert_eq!(sb.query(&uid, &key).await["prc"], "200", "still open");
    advance(&sb, 301).await;

    let q = sb.query(&uid, &key).await;
    assert_eq!(q["prc"], "A0002", "{q}");
    let got = rx.wait_for(1, WAIT).await;
    assert_eq!(got.len(), 1, "the A0002 report");
    assert_eq!(got[0].fields["prc"], "A0002");
    assert_eq!(got[0].fields["uid"], uid);

    let (s, v) = sb
        .pay(&uid, json!({"card_number": "4938170130000003"}))
        .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["error"]["code"], "page_expired");
    assert_eq!(v["error"]["prc"], "A0002");

    let r = sb
        .client
        .get(sb.url(&format!("/payment/{uid}.html")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"expired\""), "a plain message");
    assert!(!html.contains("id=\"card_number\""), "no payment form");
    let r = sb
        .client
        .post(sb.url(&format!("/payment/{uid}.html")))
        .form(&[
            ("method", "CREDITCARD"),
            ("card_number", "4938170130000003"),
            ("card_expiry", "1228"),
            ("card_cvc", "985"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 409);
    assert!(r.text().await.unwrap().contains("expired"));

    let (_, v) = sb.get(&format!("/sandbox/orders/{uid}")).await;
    assert_eq!(v["page_expired"], true);
    assert_eq!(v["paid"], false);
    let last = v["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["prc"], "A0002");
    assert_eq!(parse(&last["time"]), deadline, "as of the deadline");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(rx.received().len(), 1, "reported once");
}

#[tokio::test(flavor = "multi_thread")]
async fn store_codes_and_virtual_accounts_expire_380_after_limit_date() {
    let (sb, rx) = with_receiver().await;
    let mut order = example_order();
    order["limit_pay_days"] = json!(1);
    let (a, a_key) = sb.create(&order).await;
    let (_, v) = sb.pay(&a, json!({"pfn": "CSTORECODE"})).await;
    assert_eq!(v["prc"], "260");
    let (b, b_key) = sb.create(&example_order()).await;
    sb.pay(&b, json!({"pfn": "E_COLLECTION"})).await;
    let (_, clock) = sb.get("/sandbox/clock").await;
    let q = sb.query(&a, &a_key).await;
    let limit = q["expired_date"].as_str().unwrap().to_string();
    assert!(limit.ends_with("235959"), "{limit}");
    assert!(
        limit[..8] > clock["stamp"].as_str().unwrap()[..8],
        "{limit}"
    );
    let codes: Value = serde_json::from_str(q["result_content"].as_str().unwrap()).unwrap();
    assert_eq!(codes["LimitDate"], limit.as_str());

    // Past a's LimitDate (1 day), before b's (the default 7 days).
    advance(&sb, 2 * DAY + 60).await;
    let q = sb.query(&a, &a_key).await;
    assert_eq!(q["prc"], "380", "{q}");
    assert_eq!(sb.query(&b, &b_key).await["prc"], "270");
    advance(&sb, 6 * DAY).await;
    assert_eq!(sb.query(&b, &b_key).await["prc"], "380");

    let got = rx.wait_for(4, WAIT).await;
    let prcs: Vec<(String, String)> = got
        .iter()
        .map(|r| (r.fields["uid"].clone(), r.fields["prc"].clone()))
        .collect();
    assert!(prcs.contains(&(a.clone(), "380".into())), "{prcs:?}");
    assert!(prcs.contains(&(b.clone(), "380".into())), "{prcs:?}");
    // Expired is final for paying; settling it paid is refused too.
    let (s, _) = sb.settle(&a, json!({"prc": "250"})).await;
    assert_eq!(s, 409);
}

#[tokio::test(flavor = "multi_thread")]
async fn instant_refund_keeps_the_order_250_and_adds_refund_order() {
    let (sb, rx) = with_receiver().await;
    let (uid, key) = sb.create(&example_order()).await;
    sb.pay_card(&uid).await;
    let before = sb.query(&uid, &key).await;
    advance(&sb, 3600).await;
    let r = sb
        .agent_json(Command::Refund, &full_refund(&uid, &key))
        .await;
    assert_eq!(r["code"], "B200", "{r}");
    let row = &r["row_data"];
    assert_eq!(row["refund_type"], "1");
    assert_eq!(row["expected_refund_date"], "");
    assert_eq!(row["prc"], "230");
    assert_eq!(row["cost"], "900");
    assert_eq!(row["voucher_paid"][0]["serial_number"], "P1635306439");
    let refund_uid = row["refund_uid"].as_str().unwrap().to_string();

    let q = sb.query(&uid, &key).await;
    assert_eq!(q["prc"], "250");
    assert_eq!(q["finishtime"], before["finishtime"]);
    assert_eq!(q["retmsg"], before["retmsg"]);
    assert_eq!(q["refund_order"][0]["uid"], refund_uid.as_str());
    assert_eq!(q["refund_order"][0]["finishtime"], row["finishtime"]);
    assert_ne!(q["refund_order"][0]["finishtime"], q["finishtime"]);

    // The refund report.
    let got = rx.wait_for(2, WAIT).await;
    let report = got.iter().find(|r| r.fields["prc"] == "230").unwrap();
    assert_eq!(report.fields["uid"], uid);
    assert_eq!(report.fields["refund_uid"], refund_uid);
    assert_eq!(report.fields["refund_type"], "1");
    assert_eq!(report.fields["expected_refund_date"], "");
    assert_eq!(report.fields["cost"], "900");

    let again = sb
        .agent_json(Command::Refund, &full_refund(&uid, &key))
        .await;
    assert_eq!(again["code"], "B500", "{again}");
    let (_, v) = sb.get(&format!("/sandbox/orders/{uid}")).await;
    assert_eq!(v["refunds"].as_array().unwrap().len(), 1);
    assert_eq!(v["refunds"][0]["state"], "done");
    assert_eq!(v["refunds"][0]["source"], "api");
    assert_eq!(v["fully_refunded"], true);
    assert_eq!(v["paid"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn manual_refund_mode_completes_on_its_date() {
    let (sb, rx) = with_receiver().await;
    set_config(&sb, json!({"refund_mode": "manual"})).await;
    let (uid, key) = sb.create(&example_order()).await;
    sb.pay_card(&uid).await;
    let (_, clock) = sb.get("/sandbox/clock").await;
    let r = sb
        .agent_json(Command::Refund, &full_refund(&uid, &key))
        .await;
    assert_eq!(r["code"], "B200", "{r}");
    let row = &r["row_data"];
    assert_eq!(row["refund_type"], "2", "a card: 手動退款(信用卡類)");
    assert_eq!(row["prc"], "230");
    assert_eq!(row["finishtime"], "");
    let date = row["expected_refund_date"].as_str().unwrap().to_string();
    assert_eq!(date.len(), 8);
    assert!(date.as_str() > &clock["stamp"].as_str().unwrap()[..8]);
    mypay_link::reply::parse_refund_reply(200, &r.to_string()).unwrap();

    let q = sb.query(&uid, &key).await;
    assert_eq!(q["prc"], "250");
    assert_eq!(q["refund_order"], json!([]), "not done yet");
    let got = rx.wait_for(2, WAIT).await;
    assert_eq!(got[1].fields["refund_type"], "2");
    assert_eq!(got[1].fields["expected_refund_date"], date);
    // A second refund while the first is pending: B500.
    let again = sb
        .agent_json(Command::Refund, &full_refund(&uid, &key))
        .await;
    assert_eq!(again["code"], "B500");

    advance(&sb, 6 * DAY).await;
    assert_eq!(sb.query(&uid, &key).await["refund_order"], json!([]));
    advance(&sb, 2 * DAY).await;
    let q = sb.query(&uid, &key).await;
    assert_eq!(q["refund_order"].as_array().unwrap().len(), 1, "{q}");
    assert_eq!(
        q["refund_order"][0]["uid"], row["refund_uid"],
        "the same refund uid"
    );
    assert_eq!(
        &q["refund_order"][0]["finishtime"].as_str().unwrap()[..8],
        date.as_str()
    );
    let got = rx.wait_for(3, WAIT).await;
    assert_eq!(got.len(), 3, "a report when it is done");
    assert_eq!(got[2].fields["prc"], "230");
    assert_eq!(got[2].fields["retmsg"], "退款完成");

    // CASH: 手動退款(現金類).
    let (uid, key) = sb.create(&example_order()).await;
    let (s, v) = sb.pay(&uid, json!({"pfn": "CASH"})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["pfn"], "CASH");
    let r = sb
        .agent_json(Command::Refund, &full_refund(&uid, &key))
        .await;
    assert_eq!(r["code"], "B200", "{r}");
    assert_eq!(r["row_data"]["refund_type"], "3");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_row_data_mode_and_completing_by_hand() {
    let (sb, rx) = with_receiver().await;
    set_config(&sb, json!({"refund_mode": "no_row_data"})).await;
    let (uid, key) = sb.create(&example_order()).await;
    sb.pay_card(&uid).await;
    let r = sb
        .agent_json(Command::Refund, &full_refund(&uid, &key))
        .await;
    assert_eq!(r["code"], "B200", "{r}");
    assert!(r.get("row_data").is_none(), "{r}");
    assert_eq!(r["uid"], uid.as_str());
    assert_eq!(r["key"], key.as_str());
    assert_eq!(sb.query(&uid, &key).await["refund_order"], json!([]));
    // The refund's uid is in the accepted report.
    let got = rx.wait_for(2, WAIT).await;
    let refund_uid = got[1].fields["refund_uid"].clone();

    let (s, v) = sb
        .post(&format!("/sandbox/orders/{uid}/refund/complete"), json!({}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["refunds"][0]["state"], "done");
    let q = sb.query(&uid, &key).await;
    assert_eq!(q["refund_order"][0]["uid"], refund_uid.as_str());
    assert_eq!(q["prc"], "250");
    let (s, v) = sb
        .post(&format!("/sandbox/orders/{uid}/refund/complete"), json!({}))
        .await;
    assert_eq!(s, 409, "nothing pending: {v}");
    let (s, _) = sb
        .post("/sandbox/orders/1/refund/complete", json!({}))
        .await;
    assert_eq!(s, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn refund_of_a_method_without_instant_refund_is_b500() {
    let sb = Sandbox::start().await;
    for (pfn, settle) in [
        ("CSTORECODE", true),
        ("E_COLLECTION", true),
        ("WEBATM", false),
    ] {
        let (uid, key) = sb.create(&example_order()).await;
        let (s, v) = sb.pay(&uid, json!({ "pfn": pfn })).await;
        assert_eq!(s, 200, "{v}");
        if settle {
            sb.settle(&uid, json!({"prc": "250"})).await;
        }
        assert_eq!(sb.query(&uid, &key).await["prc"], "250");
        let r = sb
            .agent_json(Command::Refund, &full_refund(&uid, &key))
            .await;
        assert_eq!(r["code"], "B500", "{pfn}: {r}");
        assert!(r["msg"].as_str().unwrap().contains("不支援即時退款"), "{r}");
        let (_, v) = sb.get(&format!("/sandbox/orders/{uid}")).await;
        assert_eq!(v["refunds"], json!([]), "nothing changes");
        assert_eq!(v["prc"], "250");
    }
    // Every instant-refund method is refunded.
    for pfn in [
        "AMEX",
        "LINEPAYON",
        "LINEPAYOFF",
        "PION",
        "PIOFF",
        "JKOON",
        "JKOOFF",
        "WECHAT",
        "WECHATOFF",
        "ALIPAY",
        "ALIPAYOFF",
        "EASYWALLETON",
        "EASYWALLETOFF",
        "CASH",
        "GOOGLEPAY",
        "APPLEPAY",
    ] {
        let (uid, key) = sb.create(&example_order()).await;
        let (s, v) = sb.pay(&uid, json!({ "pfn": pfn })).await;
        assert_eq!(s, 200, "{pfn}: {v}");
        assert_eq!(sb.query(&uid, &key).await["pfn"], pfn);
        let r = sb
            .agent_json(Command::Refund, &full_refund(&uid, &key))
            .await;
        assert_eq!(r["code"], "B200", "{pfn}: {r}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_panel_refunds() {
    let (sb, rx) = with_receiver().await;
    let (uid, key) = sb.create(&example_order()).await;
    let (s, _) = sb
        .post(&format!("/sandbox/orders/{uid}/refund"), json!({}))
        .await;
    assert_eq!(s, 409, "unpaid");
    sb.pay_card(&uid).await;
    let (s, v) = sb
        .post(
            &format!("/sandbox/orders/{uid}/refund"),
            json!({"cost": 100}),
        )
        .await;
    assert_eq!(s, 400, "voucher mode: full refunds only: {v}");
    let (s, v) = sb
        .post(
            &format!("/sandbox/orders/{uid}/refund"),
            json!({"complete": false, "invoice_state": "6"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let rf = &v["refunds"][0];
    assert_eq!(rf["state"], "pending");
    assert_eq!(rf["refund_type"], "2");
    assert_eq!(rf["source"], "admin");
    assert_eq!(rf["cost"], 900);
    assert_eq!(rf["voucher_paid"][0]["serial_number"], "P1635306439");
    assert_eq!(sb.query(&uid, &key).await["refund_order"], json!([]));
    // The API sees it refunded already.
    let r = sb
        .agent_json(Command::Refund, &full_refund(&uid, &key))
        .await;
    assert_eq!(r["code"], "B500");
    let (s, v) = sb
        .post(
            &format!("/sandbox/orders/{uid}/refund/complete"),
            json!({"refund_uid": rf["refund_uid"]}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let q = sb.query(&uid, &key).await;
    assert_eq!(q["refund_order"][0]["uid"], rf["refund_uid"]);
    assert_eq!(q["invoice_state"], 6);
    let got = rx.wait_for(3, WAIT).await;
    assert!(got[1..]
        .iter()
        .all(|r| r.fields["prc"] == "230" && r.fields["refund_uid"] == rf["refund_uid"]));
    let (s, _) = sb
        .post(&format!("/sandbox/orders/{uid}/refund"), json!({}))
        .await;
    assert_eq!(s, 409, "refunded in full");

    // Complete at once (default): an instant method gets refund_type 1.
    let (uid, key) = sb.create(&example_order()).await;
    sb.pay_card(&uid).await;
    let (s, v) = sb
        .post(&format!("/sandbox/orders/{uid}/refund"), json!(null))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["refunds"][0]["refund_type"], "1");
    assert_eq!(v["refunds"][0]["state"], "done");
    let q = sb.query(&uid, &key).await;
    assert_eq!(q["prc"], "250");
    assert_eq!(q["refund_order"].as_array().unwrap().len(), 1);
    assert_eq!(q["invoice_state"], 4, "default: void");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_vouchers_refunds_may_be_partial() {
    let sb = Sandbox::start().await;
    let (uid, key) = sb.create(&plain_order()).await;
    sb.pay_card(&uid).await;
    // An e-invoice was issued: a partial refund lists its items.
    let refund = |cost: i64| {
        json!({"store_uid": STORE, "uid": uid, "key": key, "cost": cost, "invoice_state": 6,
               "items": [{"id": "1", "name": "好棒棒麻辣鍋湯包", "cost": cost, "amount": 1, "total": cost}]})
    };
    let r = sb.agent_json(Command::Refund, &refund(300)).await;
    assert_eq!(r["code"], "B200", "{r}");
    let r = sb.agent_json(Command::Refund, &refund(701)).await;
    assert_eq!(r["code"], "B500", "more than is left: {r}");
    let r = sb.agent_json(Command::Refund, &refund(700)).await;
    assert_eq!(r["code"], "B200", "{r}");
    assert_ne!(r["row_data"]["refund_uid"], Value::Null);
    let q = sb.query(&uid, &key).await;
    assert_eq!(q["prc"], "250");
    let costs: Vec<&str> = q["refund_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["cost"].as_str().unwrap())
        .collect();
    assert_eq!(costs, ["300", "700"]);
    assert_ne!(q["refund_order"][0]["uid"], q["refund_order"][1]["uid"]);
    assert_eq!(q["invoice_allowance"].as_array().unwrap().len(), 2);
    let r = sb.agent_json(Command::Refund, &refund(1)).await;
    assert_eq!(r["code"], "B500", "refunded in full: {r}");
    let (_, v) = sb.get(&format!("/sandbox/orders/{uid}")).await;
    assert_eq!(v["refunded_total"], 1000);
    assert_eq!(v["fully_refunded"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_an_unpaid_order_220() {
    let (sb, rx) = with_receiver().await;
    let (uid, key) = sb.create(&example_order()).await;
    assert_eq!(sb.query(&uid, &key).await["cancel_order"], json!([]));
    let (s, v) = sb
        .post(&format!("/sandbox/orders/{uid}/cancel"), json!({}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["prc"], "220");
    let q = sb.query(&uid, &key).await;
    assert_eq!(q["prc"], "220");
    let c = &q["cancel_order"][0];
    assert_eq!(c["prc"], "220");
    assert_eq!(c["cost"], "900");
    assert_eq!(c["retmsg"], "取消成功");
    assert_eq!(c["finishtime"], q["finishtime"]);
    assert!(c["uid"].as_str().unwrap().parse::<u64>().is_ok());
    mypay_link::reply::parse_query_reply(200, &q.to_string()).unwrap();
    let got = rx.wait_for(1, WAIT).await;
    assert_eq!(got[0].fields["prc"], "220");

    let (s, _) = sb
        .post(&format!("/sandbox/orders/{uid}/cancel"), json!({}))
        .await;
    assert_eq!(s, 409, "cancelled already");
    let (s, _) = sb
        .pay(&uid, json!({"card_number": "4938170130000003"}))
        .await;
    assert_eq!(s, 409, "a cancelled order cannot be paid");
    // A pending store code can be cancelled; a paid order cannot.
    let (b, _) = sb.create(&example_order()).await;
    sb.pay(&b, json!({"pfn": "CSTORECODE"})).await;
    let (s, _) = sb
        .post(&format!("/sandbox/orders/{b}/cancel"), json!({}))
        .await;
    assert_eq!(s, 200);
    let (s, v) = sb.post("/sandbox/orders/95217/cancel", json!({})).await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["error"]["prc"], "250");
}

#[tokio::test(flavor = "multi_thread")]
async fn sticky_faults_switch_queries_off_and_on() {
    let sb = Sandbox::start().await;
    let query = json!({"uid": "95217", "key": "3425042d7d266e4aea5fd4653a0271db"});
    for spec in [
        json!({"agent": {"mode": "http500", "cmd": "api/queryorder", "sticky": true}}),
        json!({"agent": {"mode": "garbage", "cmd": "api/queryorder", "count": 0}}),
    ] {
        let (s, v) = sb.put("/sandbox/faults", spec.clone()).await;
        assert_eq!(s, 200, "{v}");
        for _ in 0..3 {
            let (s, b) = sb.agent(Command::QueryOrder, &query).await;
            assert!(
                serde_json::from_str::<Value>(&b).is_err(),
                "{spec}: {s} {b}"
            );
        }
        // Other calls pass.
        sb.create(&example_order()).await;
        let (_, f) = sb.get("/sandbox/faults").await;
        assert_ne!(f["agent"], Value::Null, "still on");
        let (s, _) = sb
            .send(reqwest::Method::DELETE, "/sandbox/faults", None)
            .await;
        assert_eq!(s, 200);
        let (s, b) = sb.agent(Command::QueryOrder, &query).await;
        assert_eq!(s, 200);
        assert_eq!(serde_json::from_str::<Value>(&b).unwrap()["prc"], "250");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fault_after_processing_loses_only_the_answer() {
    let sb = Sandbox::start().await;
    let (uid, key) = sb.create(&example_order()).await;
    sb.pay_card(&uid).await;
    sb.put(
        "/sandbox/faults",
        json!({"agent": {"mode": "http500", "cmd": "api/refund", "after_processing": true}}),
    )
    .await;
    let (s, _) = sb.agent(Command::Refund, &full_refund(&uid, &key)).await;
    assert_eq!(s, 500);
    let q = sb.query(&uid, &key).await;
    assert_eq!(
        q["refund_order"].as_array().unwrap().len(),
        1,
        "it was done"
    );
    let (_, reqs) = sb.get("/sandbox/requests").await;
    let call = reqs
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["cmd"] == "api/refund")
        .unwrap()
        .clone();
    assert_eq!(call["fault"], "http500");
    assert_eq!(call["processed"], true);
    assert_eq!(call["answered"], false);
    assert_eq!(call["code"], "B200");
    assert_eq!(call["uid"], uid.as_str());
    // Retried: MYPAY says it is refunded already.
    let r = sb
        .agent_json(Command::Refund, &full_refund(&uid, &key))
        .await;
    assert_eq!(r["code"], "B500");
}

#[tokio::test(flavor = "multi_thread")]
async fn records_for_invariant_checks() {
    let (sb, _rx) = with_receiver().await;
    let (uid, key) = sb.create(&example_order()).await;
    sb.pay_card(&uid).await;
    sb.put(
        "/sandbox/faults",
        json!({"agent": {"mode": "http500", "cmd": "api/queryorder"}}),
    )
    .await;
    let (s, _) = sb
        .agent(Command::QueryOrder, &json!({"uid": uid, "key": key}))
        .await;
    assert_eq!(s, 500);
    sb.query(&uid, &key).await;
    sb.agent_json(Command::Refund, &full_refund(&uid, &key))
        .await;

    let (_, reqs) = sb.get("/sandbox/requests").await;
    let reqs = reqs.as_array().unwrap();
    let create = reqs.iter().find(|r| r["cmd"] == "api/orders").unwrap();
    assert_eq!(create["uid"], uid.as_str(), "the uid created");
    assert_eq!(create["answered"], true);
    let queries: Vec<&Value> = reqs
        .iter()
        .filter(|r| r["cmd"] == "api/queryorder")
        .collect();
    assert_eq!(queries.len(), 2);
    assert_eq!(queries[0]["uid"], uid.as_str());
    assert_eq!(queries[0]["answered"], false);
    assert_eq!(queries[0]["processed"], false);
    assert_eq!(queries[0]["fault"], "http500");
    assert_eq!(queries[1]["answered"], true);
    assert_eq!(queries[1]["fault"], Value::Null);
    assert!(queries.iter().all(|q| q["time"].is_string()));
    let refund = reqs.iter().find(|r| r["cmd"] == "api/refund").unwrap();
    assert_eq!(refund["uid"], uid.as_str());
    assert_eq!(refund["code"], "B200");

    let (_, v) = sb.get(&format!("/sandbox/orders/{uid}")).await;
    assert_eq!(v["uid"], uid.as_str());
    assert_eq!(v["key"], key.as_str());
    assert_eq!(v["cost"], "900");
    assert_eq!(v["amount"], 900);
    assert_eq!(v["pfn"], "CREDITCARD");
    assert_eq!(v["paid"], true);
    assert_eq!(v["prc"], "250");
    assert_eq!(v["voucher_paid"][0]["serial_number"], "P1635306439");
    assert_eq!(v["voucher_paid"][0]["product_id"], "P01");
    assert_eq!(v["voucher_free"][0]["serial_number"], "F1635306439");
    let hist: Vec<&str> = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["prc"].as_str().unwrap())
        .collect();
    assert_eq!(hist, ["200", "250"]);
    assert_eq!(v["refunds"][0]["state"], "done");
    assert_eq!(v["refunds"][0]["refund_type"], "1");
    let (_, all) = sb.get("/sandbox/orders").await;
    let seed = all
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["uid"] == "95217")
        .unwrap();
    assert_eq!(seed["paid"], true);
    assert_eq!(seed["seeded"], true);

    let attempts = eventually(WAIT, || async {
        let n = sb.notifications().await;
        (n.len() >= 2 && n.iter().all(|a| a["status"] != Value::Null)).then_some(n)
    })
    .await
    .unwrap();
    assert_eq!(attempts[0]["uid"], uid.as_str());
    assert_eq!(attempts[0]["prc"], "250");
    assert_eq!(attempts[0]["kind"], "state");
    assert_eq!(attempts[0]["status"], 200);
    assert_eq!(attempts[0]["body"], "8888");
    assert_eq!(attempts[0]["acked"], true);
    assert_eq!(attempts[1]["kind"], "refund");
    assert_eq!(attempts[1]["prc"], "230");
    assert_eq!(attempts[1]["refund_uid"], v["refunds"][0]["refund_uid"]);
}
