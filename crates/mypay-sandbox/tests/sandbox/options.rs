//! The documented order options as MYPAY honours them: e-wallet user
//! fields, echo fields, instalments, `limit_pay_days`, invoices (issue
//! state, rate, carriers, the shopper's choice on the payment page), the
//! agent fee and currency fields, and the refund rules that depend on the
//! invoice (void within its period, allowance across it, items when an
//! e-invoice was issued) and on vouchers.

use crate::common::*;
use mypay_link::Command;
use serde_json::{json, Value};
use std::time::Duration;

/// The example order without vouchers (1000 for one item).
fn plain() -> Value {
    let mut o = example_order();
    let m = o.as_object_mut().unwrap();
    m.remove("voucher_paid");
    m.remove("voucher_free");
    m.insert("voucher_type".into(), json!("0"));
    m.insert("cost".into(), json!(1000));
    o
}

fn wallet_user(o: &mut Value) {
    o["user_name"] = json!("王小明");
    o["user_real_name"] = json!("王小明");
    o["user_english_name"] = json!("Wang Hsiao-Ming");
    o["user_cellphone_code"] = json!("886");
    o["user_cellphone"] = json!("0912345678");
    o["user_email"] = json!("ming@example.com");
}

/// Refused with 100 資料錯誤, naming `path`.
async fn refused(sb: &Sandbox, order: &Value, path: &str) {
    let r = sb.agent_json(Command::Orders, order).await;
    assert_eq!(r["code"], "100", "{path}: {r}");
    let msg = r["msg"].as_str().unwrap();
    assert!(
        msg.starts_with("資料錯誤:") && msg.contains(path),
        "{path}: {r}"
    );
}

async fn page(sb: &Sandbox, uid: &str) -> String {
    let r = sb
        .client
        .get(sb.url(&format!("/payment/{uid}.html")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.text().await.unwrap()
}

async fn submit(sb: &Sandbox, uid: &str, form: &[(&str, &str)]) -> (u16, String) {
    let r = sb
        .client
        .post(sb.url(&format!("/payment/{uid}.html")))
        .form(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

const NCCC_MASTERCARD: [(&str, &str); 3] = [
    ("card_number", "5430450100001219"),
    ("card_expiry", "1218"),
    ("card_cvc", "214"),
];

#[tokio::test(flavor = "multi_thread")]
async fn e_wallet_orders_need_the_user_fields() {
    let sb = Sandbox::start().await;
    for pfn in [
        "LINEPAYON",
        "JKOON",
        "PION",
        "EASYWALLETON",
        "APPLEPAY",
        "GOOGLEPAY",
        "MobilePayAll",
        "31",
    ] {
        let mut o = example_order();
        o["pfn"] = json!(pfn);
        let r = sb.agent_json(Command::Orders, &o).await;
        assert_eq!(r["code"], "100", "{pfn}: {r}");
        for f in [
            "user_name",
            "user_real_name",
            "user_english_name",
            "user_cellphone_code",
            "user_cellphone",
            "user_email",
        ] {
            assert!(r["msg"].as_str().unwrap().contains(f), "{pfn} {f}: {r}");
        }
        // One missing is named alone.
        wallet_user(&mut o);
        o["user_english_name"] = json!("");
        let r = sb.agent_json(Command::Orders, &o).await;
        assert_eq!(r["code"], "100", "{pfn}: {r}");
        assert!(r["msg"].as_str().unwrap().contains("user_english_name"));
        assert!(!r["msg"].as_str().unwrap().contains("user_email"));
        wallet_user(&mut o);
        sb.create(&o).await;
    }
    // A card, or a choice that includes a card: not an e-wallet payment yet.
    for pfn in ["CREDITCARD", "all", "CREDITCARD,LINEPAYON"] {
        let mut o = example_order();
        o["pfn"] = json!(pfn);
        sb.create(&o).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn echo_fields_come_back_as_sent() {
    let (sb, rx) = with_receiver().await;
    let mut o = plain();
    let echoes = [" 前後空白 ", "a&b=c", "{\"json\":1}", "", "line\nbreak"];
    for (i, e) in echoes.iter().enumerate() {
        o[format!("echo_{i}")] = json!(e);
    }
    let (uid, key) = sb.create(&o).await;
    sb.pay_card(&uid).await;
    let q = sb.query(&uid, &key).await;
    for (i, e) in echoes.iter().enumerate() {
        assert_eq!(q[format!("echo_{i}")], *e, "query echo_{i}");
    }
    let got = rx.wait_for(1, Duration::from_secs(10)).await;
    for (i, e) in echoes.iter().enumerate() {
        assert_eq!(got[0].fields[&format!("echo_{i}")], *e, "report echo_{i}");
    }
    let r = sb
        .agent_json(
            Command::Refund,
            &json!({"store_uid": STORE, "uid": uid, "key": key, "cost": 1000}),
        )
        .await;
    assert_eq!(r["code"], "B200", "{r}");
    assert_eq!(r["row_data"]["echo_0"], echoes[0]);
    assert_eq!(r["row_data"]["echo_4"], echoes[4]);
    // A string field: not an array or a number.
    let mut o = plain();
    o["echo_2"] = json!(["x"]);
    refused(&sb, &o, "echo_2").await;
    o["echo_2"] = json!(7);
    refused(&sb, &o, "echo_2").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn instalments_are_validated_offered_and_reported() {
    let sb = Sandbox::start().await;
    for bad in [
        json!("{\"1\":[\"013\"]}"),
        json!("{\"3\":[\"13\"]}"),
        json!("{\"3\":[]}"),
        json!("{}"),
        json!("3,6"),
        json!({"3": ["013"]}),
    ] {
        let mut o = plain();
        o["creditcard_installment"] = bad.clone();
        refused(&sb, &o, "creditcard_installment").await;
    }
    let mut o = plain();
    o["creditcard_installment"] = json!("{\"6\":[\"822\"],\"3\":[\"013\",\"822\"]}");
    let (uid, key) = sb.create(&o).await;
    let html = page(&sb, &uid).await;
    assert!(html.contains("id=\"installments\""), "{html}");
    let three = html.find("<option value=\"3\">").expect("3 offered");
    let six = html.find("<option value=\"6\">").expect("6 offered");
    assert!(three < six, "counts ascending");
    assert!(!html.contains("<option value=\"12\">"));

    // A count the order does not offer, or a card that cannot: refused.
    let mut form = NCCC_MASTERCARD.to_vec();
    form.extend([("installments", "12"), ("method", "CREDITCARD")]);
    let (s, html) = submit(&sb, &uid, &form).await;
    assert_eq!(s, 422);
    assert!(html.contains("12 instalments are not offered"), "{html}");
    let (s, html) = submit(
        &sb,
        &uid,
        &[
            ("card_number", "4938170130000003"),
            ("card_expiry", "1228"),
            ("card_cvc", "985"),
            ("installments", "3"),
            ("method", "CREDITCARD"),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("cannot pay in instalments"), "{html}");

    let mut form = NCCC_MASTERCARD.to_vec();
    form.extend([("installments", "3"), ("method", "CREDITCARD")]);
    let (s, _) = submit(&sb, &uid, &form).await;
    assert_eq!(s, 303);
    let q = sb.query(&uid, &key).await;
    assert_eq!(q["prc"], "250", "{q}");
    assert_eq!(q["trans_type"], 2, "分期");
    assert_eq!(q["nois"], "3");
    assert_eq!(q["issuing_bank_uid"], "013", "the first bank offering 3");

    // The automation API does the same; at once is trans_type 1.
    o["order_id"] = json!(unique_id());
    let (uid, key) = sb.create(&o).await;
    let (s, v) = sb
        .pay(
            &uid,
            json!({"card_number": "3560500100001218", "installments": 6}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let q = sb.query(&uid, &key).await;
    assert_eq!(
        (q["trans_type"].clone(), q["nois"].clone()),
        (json!(2), json!("6"))
    );
    o["order_id"] = json!(unique_id());
    let (uid, key) = sb.create(&o).await;
    sb.pay_card(&uid).await;
    let q = sb.query(&uid, &key).await;
    assert_eq!(
        (q["trans_type"].clone(), q["nois"].clone()),
        (json!(1), json!(""))
    );
    // Without creditcard_installment the page offers none.
    let (uid, _) = sb.create(&plain()).await;
    assert!(!page(&sb, &uid).await.contains("id=\"installments\""));
    let (s, v) = sb
        .pay(
            &uid,
            json!({"card_number": "5430450100001219", "installments": 3}),
        )
        .await;
    assert_eq!(s, 400, "{v}");
}

#[tokio::test(flavor = "multi_thread")]
async fn limit_pay_days_sets_the_payment_deadline() {
    let sb = Sandbox::start().await;
    for bad in [json!(0), json!(-3), json!("two")] {
        let mut o = plain();
        o["limit_pay_days"] = bad;
        refused(&sb, &o, "limit_pay_days").await;
    }
    let (_, clock) = sb.get("/sandbox/clock").await;
    let today = clock["stamp"].as_str().unwrap()[..8].to_owned();
    for (pfn, days) in [
        ("CSTORECODE", 3),
        ("E_COLLECTION", 10),
        ("E_COLLECTION", 90),
    ] {
        let mut o = plain();
        o["limit_pay_days"] = json!(days.to_string());
        let (uid, key) = sb.create(&o).await;
        let (s, v) = sb.pay(&uid, json!({"pfn": pfn})).await;
        assert_eq!(s, 200, "{v}");
        let q = sb.query(&uid, &key).await;
        let expired = q["expired_date"].as_str().unwrap();
        assert!(expired.ends_with("235959"), "{expired}");
        let first: i64 = today.parse().unwrap();
        let last: i64 = expired[..8].parse().unwrap();
        // YYYYMMDD arithmetic across a month end: compare via the clock.
        let (_, later) = sb
            .put("/sandbox/clock", json!({"offset_seconds": days * 86_400}))
            .await;
        assert_eq!(
            &later["stamp"].as_str().unwrap()[..8],
            &expired[..8],
            "{pfn}: {days} days after {first}"
        );
        assert!(last > first);
        sb.put("/sandbox/clock", json!({"offset_seconds": 0})).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn invoices_follow_issue_invoice_state_and_the_store_setting() {
    let sb = Sandbox::start().await;
    let paid_query = |state: Option<&'static str>| {
        let sb = &sb;
        async move {
            let mut o = plain();
            if let Some(s) = state {
                o["issue_invoice_state"] = json!(s);
            }
            let (uid, key) = sb.create(&o).await;
            sb.pay_card(&uid).await;
            sb.query(&uid, &key).await
        }
    };
    let q = paid_query(Some("0")).await;
    assert_eq!(
        (q["invoice_state"].clone(), q["invoice_number"].clone()),
        (json!(0), json!(""))
    );
    let q = paid_query(Some("1")).await;
    assert_eq!(q["invoice_state"], 2);
    assert_eq!(q["invoice_number"].as_str().unwrap().len(), 8);
    let q = paid_query(None).await;
    assert_eq!(
        q["invoice_state"], 2,
        "2 (the default) follows the store: issue"
    );
    let (s, _) = sb
        .put("/sandbox/config", json!({"issue_invoices": false}))
        .await;
    assert_eq!(s, 200);
    assert_eq!(paid_query(Some("2")).await["invoice_state"], 0);
    assert_eq!(
        paid_query(Some("1")).await["invoice_state"],
        2,
        "1 wins over the store"
    );
    let (s, _) = sb
        .put("/sandbox/config", json!({"issue_invoices": "no"}))
        .await;
    assert_eq!(s, 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn invoice_rate_type_and_buyer_tax_id() {
    let sb = Sandbox::start().await;
    let mut o = example_order(); // 900 paid
    o["invoice_input_type"] = json!(1);
    o["invoice_cloud_type"] = json!("4");
    o["invoice_tax_id"] = json!("12345678");
    let (uid, key) = sb.create(&o).await;
    sb.pay_card(&uid).await;
    let q = sb.query(&uid, &key).await;
    assert_eq!(q["invoice_ratetype"], 1);
    assert_eq!(q["invoice_buyer_ban"], "12345678");
    assert_eq!(
        (
            q["invoice_amount"].clone(),
            q["invoice_sales_amount"].clone(),
            q["invoice_tax_amount"].clone()
        ),
        (json!("900"), json!("857"), json!("43")),
        "taxable with a buyer's tax id: 5% apart"
    );
    o["order_id"] = json!(unique_id());
    o["invoice_ratetype"] = json!(3);
    let (uid, key) = sb.create(&o).await;
    sb.pay_card(&uid).await;
    let q = sb.query(&uid, &key).await;
    assert_eq!(q["invoice_ratetype"], 3);
    assert_eq!(
        (
            q["invoice_sales_amount"].clone(),
            q["invoice_tax_amount"].clone()
        ),
        (json!("900"), json!("0"))
    );
    let mut bad = example_order();
    bad["invoice_ratetype"] = json!(4);
    refused(&sb, &bad, "invoice_ratetype").await;
    bad["invoice_ratetype"] = json!(1);
    bad["invoice_input_type"] = json!(1);
    bad["invoice_tax_id"] = json!("1234");
    refused(&sb, &bad, "invoice_tax_id").await;
    // voucher_invoice_type 2: the paid vouchers are invoiced too.
    let mut o = example_order();
    o["voucher_invoice_type"] = json!("2");
    let (uid, key) = sb.create(&o).await;
    sb.pay_card(&uid).await;
    assert_eq!(sb.query(&uid, &key).await["invoice_amount"], "950");
}

#[tokio::test(flavor = "multi_thread")]
async fn invoice_carriers_are_validated_and_queried() {
    let sb = Sandbox::start().await;
    let carrier = |fields: Value| {
        let mut o = plain();
        for (k, v) in fields.as_object().unwrap() {
            o[k] = v.clone();
        }
        o
    };
    for (fields, path) in [
        (
            json!({"invoice_input_type": 1, "invoice_cloud_type": "3", "invoice_natural_person": "ab12345678901234"}),
            "invoice_natural_person",
        ),
        (
            json!({"invoice_input_type": 1, "invoice_cloud_type": "3", "invoice_natural_person": "AB1234567890123"}),
            "invoice_natural_person",
        ),
        (
            json!({"invoice_input_type": 1, "invoice_cloud_type": "2", "invoice_mobile_code": "ABC1234"}),
            "invoice_mobile_code",
        ),
        (
            json!({"invoice_input_type": 1, "invoice_cloud_type": "4", "invoice_m_post_zone": "1000"}),
            "invoice_m_post_zone",
        ),
        (
            json!({"invoice_input_type": 1, "invoice_cloud_type": "5"}),
            "invoice_cloud_type",
        ),
        (
            json!({"invoice_input_type": 2, "invoice_love_code": "12"}),
            "invoice_love_code",
        ),
        // A paper invoice cannot go with a PayPage order that issues one.
        (
            json!({"invoice_input_type": 3, "invoice_b2b_title": "好棒棒", "invoice_b2b_id": "12345678"}),
            "invoice_input_type",
        ),
        (
            json!({"invoice_input_type": 3, "issue_invoice_state": 1}),
            "invoice_input_type",
        ),
    ] {
        refused(&sb, &carrier(fields), path).await;
    }
    // Fields valid only beside another value (此欄位才有效) are ignored elsewhere.
    sb.create(&carrier(json!({"invoice_input_type": 2, "invoice_love_code": "168", "invoice_natural_person": "bad"}))).await;
    sb.create(&carrier(
        json!({"invoice_input_type": 3, "issue_invoice_state": 0}),
    ))
    .await;

    for (fields, expect) in [
        (
            json!({"invoice_input_type": 1, "invoice_cloud_type": "3", "invoice_natural_person": "AB12345678901234"}),
            json!({"invoice_input_type": 1, "invoice_cloud_type": "3", "invoice_natural_person": "AB12345678901234"}),
        ),
        (
            json!({"invoice_input_type": 1, "invoice_cloud_type": "2", "invoice_mobile_code": "/ABC+123"}),
            json!({"invoice_input_type": 1, "invoice_cloud_type": "2", "invoice_mobile_code": "/ABC+123"}),
        ),
        (
            json!({"invoice_input_type": 1, "invoice_cloud_type": "4", "invoice_m_post_zone": "10041", "invoice_m_address": "臺北市中正區"}),
            json!({"invoice_input_type": 1, "invoice_cloud_type": "4", "invoice_m_post_zone": "10041", "invoice_m_address": "臺北市中正區"}),
        ),
        (
            json!({"invoice_input_type": 2, "invoice_love_code": "168001"}),
            json!({"invoice_input_type": 2, "invoice_cloud_type": "", "invoice_love_code": "168001"}),
        ),
    ] {
        let (uid, key) = sb.create(&carrier(fields)).await;
        // The order set its carrier: the page does not ask.
        assert!(!page(&sb, &uid).await.contains("form-invoice"));
        sb.pay_card(&uid).await;
        let q = sb.query(&uid, &key).await;
        assert_eq!(q["invoice_state"], 2);
        for (k, v) in expect.as_object().unwrap() {
            assert_eq!(&q[k], v, "{k}: {q}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_offers_the_carrier_the_order_leaves_open() {
    let sb = Sandbox::start().await;
    let (uid, key) = sb.create(&plain()).await;
    let html = page(&sb, &uid).await;
    for id in [
        "form-invoice",
        "carrier-email",
        "carrier-mobile",
        "carrier-natural_person",
        "carrier-donation",
    ] {
        assert!(html.contains(id), "{id}");
    }
    let (s, html) = submit(
        &sb,
        &uid,
        &[
            ("invoice_carrier", "natural_person"),
            ("invoice_natural_person", "AB123"),
            ("method", "invoice"),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("14 digits"), "{html}");
    let (s, _) = submit(
        &sb,
        &uid,
        &[
            ("invoice_carrier", "natural_person"),
            ("invoice_natural_person", "cd12345678901234"),
            ("method", "invoice"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let (_, v) = sb.get(&format!("/sandbox/orders/{uid}")).await;
    assert_eq!(v["invoice_carrier_open"], true);
    assert_eq!(
        v["invoice_carrier_chosen"]["natural_person"],
        "CD12345678901234"
    );
    assert_eq!(v["invoice_carrier"]["cloud_type"], "3");
    let html = page(&sb, &uid).await;
    assert!(
        html.contains("id=\"invoice_choice\"") && html.contains("CD12345678901234"),
        "{html}"
    );
    let mut form = NCCC_MASTERCARD.to_vec();
    form.push(("method", "CREDITCARD"));
    assert_eq!(submit(&sb, &uid, &form).await.0, 303);
    let q = sb.query(&uid, &key).await;
    assert_eq!(q["invoice_input_type"], 1);
    assert_eq!(q["invoice_cloud_type"], "3");
    assert_eq!(q["invoice_natural_person"], "CD12345678901234");
    // Once paid the choice is closed.
    let (s, _) = submit(
        &sb,
        &uid,
        &[("invoice_carrier", "email"), ("method", "invoice")],
    )
    .await;
    assert_eq!(s, 409);

    // A cloud invoice without its type: the cloud carriers only.
    let mut o = plain();
    o["invoice_input_type"] = json!(1);
    let (uid, _) = sb.create(&o).await;
    let html = page(&sb, &uid).await;
    assert!(html.contains("carrier-mobile") && !html.contains("carrier-donation"));
    let (s, _) = submit(
        &sb,
        &uid,
        &[
            ("invoice_carrier", "donation"),
            ("invoice_love_code", "168"),
            ("method", "invoice"),
        ],
    )
    .await;
    assert_eq!(s, 422, "not a choice this order leaves");
    // A donation without a love code: the love code only.
    let mut o = plain();
    o["invoice_input_type"] = json!(2);
    let (uid, key) = sb.create(&o).await;
    let html = page(&sb, &uid).await;
    assert!(html.contains("carrier-donation") && !html.contains("carrier-email"));
    let (s, _) = submit(
        &sb,
        &uid,
        &[
            ("invoice_carrier", "donation"),
            ("invoice_love_code", "168"),
            ("method", "invoice"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    sb.pay_card(&uid).await;
    let q = sb.query(&uid, &key).await;
    assert_eq!(
        (
            q["invoice_input_type"].clone(),
            q["invoice_love_code"].clone()
        ),
        (json!(2), json!("168"))
    );
    // No choice made: the invoice goes by e-mail.
    let (uid, key) = sb.create(&plain()).await;
    sb.pay_card(&uid).await;
    let q = sb.query(&uid, &key).await;
    assert_eq!(
        (
            q["invoice_input_type"].clone(),
            q["invoice_cloud_type"].clone()
        ),
        (json!(1), json!("4"))
    );
    // No invoice: nothing to choose.
    let mut o = plain();
    o["issue_invoice_state"] = json!(0);
    let (uid, _) = sb.create(&o).await;
    assert!(!page(&sb, &uid).await.contains("form-invoice"));
}

#[tokio::test(flavor = "multi_thread")]
async fn agent_fee_quickpay_dcc_and_currency() {
    let sb = Sandbox::start().await;
    let mut o = plain();
    o["agent_charge_fee"] = json!(30);
    o["agent_charge_fee_type"] = json!(1);
    o["agent_sms_fee_type"] = json!(0);
    o["enable_quickpay"] = json!(0);
    o["enable_dcc"] = json!(1);
    o["currency"] = json!("CNY");
    let (uid, key) = sb.create(&o).await;
    sb.pay_card(&uid).await;
    let q = sb.query(&uid, &key).await;
    assert_eq!(q["currency"], "CNY");
    assert_eq!(q["is_agent_charge"], 1, "a fee: agent charge by default");
    o["order_id"] = json!(unique_id());
    o["is_agent_charge"] = json!(0);
    let (uid, key) = sb.create(&o).await;
    assert_eq!(
        sb.query(&uid, &key).await["is_agent_charge"],
        0,
        "an explicit value wins"
    );
    // No fee and neither fee type includes one: 0.
    let mut o = plain();
    for f in [
        "agent_sms_fee_type",
        "agent_charge_fee_type",
        "agent_charge_fee",
    ] {
        o.as_object_mut().unwrap().remove(f);
    }
    let (uid, key) = sb.create(&o).await;
    assert_eq!(sb.query(&uid, &key).await["is_agent_charge"], 0);
    o["order_id"] = json!(unique_id());
    o["agent_sms_fee_type"] = json!(1);
    let (uid, key) = sb.create(&o).await;
    assert_eq!(
        sb.query(&uid, &key).await["is_agent_charge"],
        1,
        "SMS fee included"
    );
    for (f, bad) in [
        ("agent_charge_fee", json!("ten")),
        ("agent_charge_fee_type", json!(2)),
        ("agent_sms_fee_type", json!(2)),
        ("is_agent_charge", json!(2)),
        ("enable_quickpay", json!(2)),
        ("enable_dcc", json!("yes")),
        ("currency", json!("USD")),
    ] {
        let mut o = plain();
        o[f] = bad;
        refused(&sb, &o, f).await;
    }
}

fn refund_body(uid: &str, key: &str, cost: i64, extra: Value) -> Value {
    let mut r = json!({"store_uid": STORE, "uid": uid, "key": key, "cost": cost});
    for (k, v) in extra.as_object().unwrap() {
        r[k] = v.clone();
    }
    r
}

fn item(cost: i64) -> Value {
    json!([{"id": "1", "name": "好棒棒麻辣鍋湯包", "cost": cost, "amount": 1, "total": cost}])
}

#[tokio::test(flavor = "multi_thread")]
async fn no_void_across_invoice_periods() {
    let sb = Sandbox::start().await;
    // Within the invoice period: void.
    let (uid, key) = sb.create(&plain()).await;
    sb.pay_card(&uid).await;
    let r = sb
        .agent_json(
            Command::Refund,
            &refund_body(&uid, &key, 1000, json!({"invoice_state": 4})),
        )
        .await;
    assert_eq!(r["code"], "B200", "{r}");
    assert_eq!(sb.query(&uid, &key).await["invoice_state"], 4);

    // The invoice of an earlier period: void (asked, or by default) is
    // refused, an allowance goes through.
    let (uid, key) = sb.create(&plain()).await;
    sb.pay_card(&uid).await;
    let (s, v) = sb
        .post(
            &format!("/sandbox/orders/{uid}/invoice"),
            json!({"date": "20250105"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["query"]["invoice_date"], "20250105000000");
    for extra in [json!({"invoice_state": 4}), json!({})] {
        let r = sb
            .agent_json(Command::Refund, &refund_body(&uid, &key, 1000, extra))
            .await;
        assert_eq!(r["code"], "B500", "{r}");
        assert!(
            r["msg"].as_str().unwrap().contains("跨發票月份無法作廢"),
            "{r}"
        );
    }
    let r = sb
        .agent_json(
            Command::Refund,
            &refund_body(&uid, &key, 1000, json!({"invoice_state": 6})),
        )
        .await;
    assert_eq!(r["code"], "B200", "{r}");
    let q = sb.query(&uid, &key).await;
    assert_eq!(q["invoice_state"], 6);
    assert_eq!(q["invoice_allowance"][0]["amount"], 1000);

    // Crossing by time: the clock moves two months on.
    let (uid, key) = sb.create(&plain()).await;
    sb.pay_card(&uid).await;
    sb.post("/sandbox/clock/advance", json!({"seconds": 62 * 86_400}))
        .await;
    let r = sb
        .agent_json(
            Command::Refund,
            &refund_body(&uid, &key, 1000, json!({"invoice_state": "4"})),
        )
        .await;
    assert_eq!(r["code"], "B500", "{r}");
    // The admin panel gives an allowance after the period unless told.
    let (s, v) = sb
        .post(&format!("/sandbox/orders/{uid}/refund"), json!({}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["refunds"][0]["invoice_state"], "6");
    sb.put("/sandbox/clock", json!({"offset_seconds": 0})).await;

    // No invoice: nothing to move, and invoice_state does not matter.
    let mut o = plain();
    o["issue_invoice_state"] = json!(0);
    let (uid, key) = sb.create(&o).await;
    sb.pay_card(&uid).await;
    let (s, _) = sb
        .post(
            &format!("/sandbox/orders/{uid}/invoice"),
            json!({"date": "20250105"}),
        )
        .await;
    assert_eq!(s, 409);
    let r = sb
        .agent_json(
            Command::Refund,
            &refund_body(&uid, &key, 400, json!({"invoice_state": 4})),
        )
        .await;
    assert_eq!(r["code"], "B200", "no invoice, no items needed: {r}");
    let (s, _) = sb
        .post(
            &format!("/sandbox/orders/{uid}/invoice"),
            json!({"date": "2025-01-05"}),
        )
        .await;
    assert_eq!(s, 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn partial_refunds_list_their_items_when_an_invoice_was_issued() {
    let sb = Sandbox::start().await;
    let (uid, key) = sb.create(&plain()).await;
    sb.pay_card(&uid).await;
    let r = sb
        .agent_json(
            Command::Refund,
            &refund_body(&uid, &key, 300, json!({"invoice_state": 6})),
        )
        .await;
    assert_eq!(r["code"], "B500", "{r}");
    assert!(r["msg"].as_str().unwrap().contains("items"), "{r}");
    let r = sb
        .agent_json(
            Command::Refund,
            &refund_body(
                &uid,
                &key,
                300,
                json!({"invoice_state": 6, "items": item(200)}),
            ),
        )
        .await;
    assert_eq!(r["code"], "B500", "items must sum to cost: {r}");
    for cost in [300, 200] {
        let r = sb
            .agent_json(
                Command::Refund,
                &refund_body(
                    &uid,
                    &key,
                    cost,
                    json!({"invoice_state": 6, "items": item(cost)}),
                ),
            )
            .await;
        assert_eq!(r["code"], "B200", "{r}");
    }
    let r = sb
        .agent_json(
            Command::Refund,
            &refund_body(
                &uid,
                &key,
                600,
                json!({"invoice_state": 6, "items": item(600)}),
            ),
        )
        .await;
    assert_eq!(r["code"], "B500", "more than the 500 left: {r}");
    let r = sb
        .agent_json(
            Command::Refund,
            &refund_body(
                &uid,
                &key,
                500,
                json!({"invoice_state": 6, "items": item(500)}),
            ),
        )
        .await;
    assert_eq!(r["code"], "B200", "{r}");
    let q = sb.query(&uid, &key).await;
    let costs: Vec<Value> = q["refund_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["cost"].clone())
        .collect();
    assert_eq!(costs, [json!("300"), json!("200"), json!("500")]);
    let allowances = q["invoice_allowance"].as_array().unwrap();
    assert_eq!(allowances.len(), 3);
    assert_eq!(q["invoice_state"], 6);
    let detail: Value =
        serde_json::from_str(allowances[1]["order_detail"].as_str().unwrap()).unwrap();
    assert_eq!(detail[0]["ItemName"], "好棒棒麻辣鍋湯包");
    assert_eq!(detail[0]["TotalAmount"], "200");

    // A full refund may leave the items out (MYPAY fills them in).
    let (uid, key) = sb.create(&plain()).await;
    sb.pay_card(&uid).await;
    let r = sb
        .agent_json(Command::Refund, &refund_body(&uid, &key, 1000, json!({})))
        .await;
    assert_eq!(r["code"], "B200", "{r}");

    // A partial void within the period: 作廢重開, a new invoice for the rest.
    let (uid, key) = sb.create(&plain()).await;
    sb.pay_card(&uid).await;
    let before = sb.query(&uid, &key).await;
    let r = sb
        .agent_json(
            Command::Refund,
            &refund_body(
                &uid,
                &key,
                400,
                json!({"invoice_state": 4, "items": item(400)}),
            ),
        )
        .await;
    assert_eq!(r["code"], "B200", "{r}");
    let q = sb.query(&uid, &key).await;
    assert_eq!(q["invoice_state"], 2);
    assert_eq!(q["invoice_amount"], "600");
    assert_ne!(q["invoice_number"], before["invoice_number"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn voucher_mode_refunds_list_every_paid_voucher_even_none() {
    let sb = Sandbox::start().await;
    // Free vouchers only: voucher_paid is still required, as an empty list.
    let mut o = example_order();
    o.as_object_mut().unwrap().remove("voucher_paid");
    o["cost"] = json!(950);
    let (uid, key) = sb.create(&o).await;
    sb.pay_card(&uid).await;
    let r = sb
        .agent_json(Command::Refund, &refund_body(&uid, &key, 950, json!({})))
        .await;
    assert_eq!(r["code"], "B500", "{r}");
    assert!(r["msg"].as_str().unwrap().contains("voucher_paid"), "{r}");
    let r = sb
        .agent_json(
            Command::Refund,
            &refund_body(&uid, &key, 500, json!({"voucher_paid": []})),
        )
        .await;
    assert_eq!(r["code"], "B500", "voucher mode: full only: {r}");
    let r = sb
        .agent_json(
            Command::Refund,
            &refund_body(&uid, &key, 950, json!({"voucher_paid": []})),
        )
        .await;
    assert_eq!(r["code"], "B200", "{r}");

    // Paid vouchers: every one listed.
    let (uid, key) = sb.create(&example_order()).await;
    sb.pay_card(&uid).await;
    let r = sb
        .agent_json(
            Command::Refund,
            &refund_body(&uid, &key, 900, json!({"voucher_paid": []})),
        )
        .await;
    assert_eq!(r["code"], "B500", "{r}");
    let r = sb
        .agent_json(Command::Refund, &full_refund(&uid, &key))
        .await;
    assert_eq!(r["code"], "B200", "{r}");
}
