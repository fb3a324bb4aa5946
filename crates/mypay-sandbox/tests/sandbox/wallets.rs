//! The e-wallet choice of the payment page: the wallets the order's `pfn`
//! allows, approved (the same 250 as the automation API's
//! `{"pfn":"LINEPAYON"}`) or cancelled in the wallet (300), the wallet
//! fields MYPAY's page asks for when the order left them out, and the
//! page's own-Origin rule.

use crate::common::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

fn wallet_order(pfn: &str) -> Value {
    let mut o = example_order();
    o["pfn"] = json!(pfn);
    o["user_name"] = json!("王小明");
    o["user_real_name"] = json!("王小明");
    o["user_english_name"] = json!("Wang Hsiao-Ming");
    o["user_cellphone_code"] = json!("886");
    o["user_cellphone"] = json!("0912345678");
    o["user_email"] = json!("ming@example.com");
    o["success_returl"] = json!("https://shop.example/ok");
    o["failure_returl"] = json!("https://shop.example/fail");
    o
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

async fn submit(sb: &Sandbox, uid: &str, form: &[(&str, &str)]) -> reqwest::Response {
    sb.client
        .post(sb.url(&format!("/payment/{uid}.html")))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// The fields of a report or query reply that describe the payment, not
/// the order (whose ids, keys, times and invoice numbers differ).
fn payment_fields(v: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    const PER_ORDER: &[&str] = &[
        "uid",
        "key",
        "order_id",
        "finishtime",
        "nois",
        "invoice_number",
        "invoice_date",
        "invoice_rand_code",
        "invoice_left_qrcode",
        "invoice_middle_barcode",
        "invoice_time",
        "transaction_time",
        "create_time",
        "pay_time",
        "user_id",
    ];
    v.iter()
        .filter(|(k, _)| !PER_ORDER.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn flat(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string()),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wallet_approved_on_the_page_is_paid_as_by_the_automation_api() {
    let (sb, rx) = with_receiver().await;
    let order = wallet_order("LINEPAYON");
    let (on_page, page_key) = sb.create(&order).await;
    let mut other = order.clone();
    other["order_id"] = json!(unique_id());
    let (by_api, api_key) = sb.create(&other).await;

    let html = page(&sb, &on_page).await;
    assert!(html.contains("id=\"form-wallet\""));
    assert!(html.contains("id=\"wallet-LINEPAYON\" value=\"LINEPAYON\" required checked>"));
    assert!(
        !html.contains("id=\"user_real_name\""),
        "the order gave the wallet fields"
    );

    let r = submit(
        &sb,
        &on_page,
        &[("method", "WALLET"), ("wallet", "LINEPAYON")],
    )
    .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "https://shop.example/ok");
    let (s, v) = sb.pay(&by_api, json!({"pfn": "LINEPAYON"})).await;
    assert_eq!(s, 200, "{v}");

    // Queries: the same payment, LINE Pay, paid.
    let q_page = sb.query(&on_page, &page_key).await;
    let q_api = sb.query(&by_api, &api_key).await;
    assert_eq!(q_page["prc"], "250", "{q_page}");
    assert_eq!(q_page["pfn"], "LINEPAYON", "{q_page}");
    assert_eq!(
        payment_fields(&flat(&q_page)),
        payment_fields(&flat(&q_api))
    );

    // Reports: the same, in MYPAY's form.
    let got = rx.wait_for(2, WAIT).await;
    let report = |uid: &str| {
        got.iter()
            .find(|r| r.fields["uid"] == uid)
            .unwrap_or_else(|| panic!("no report for {uid}"))
    };
    check_report(report(&on_page), &on_page, &page_key, "250");
    check_report(report(&by_api), &by_api, &api_key, "250");
    assert_eq!(report(&on_page).fields["pfn"], "LINEPAYON");
    let fields = |uid: &str| {
        report(uid)
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(
        payment_fields(&fields(&on_page)),
        payment_fields(&fields(&by_api))
    );

    // The page shows the result, and takes no second payment.
    let html = page(&sb, &on_page).await;
    assert!(html.contains("id=\"prc\">250<"));
    assert!(html.contains("id=\"wallet\">LINE Pay<"));
    assert!(!html.contains("form-wallet"));
    let r = submit(
        &sb,
        &on_page,
        &[("method", "WALLET"), ("wallet", "LINEPAYON")],
    )
    .await;
    assert_eq!(r.status().as_u16(), 409);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wallet_cancelled_in_the_wallet_fails_with_its_method() {
    let (sb, rx) = with_receiver().await;
    let (uid, key) = sb.create(&wallet_order("MobilePayAll")).await;
    let html = page(&sb, &uid).await;
    for w in [
        "LINEPAYON",
        "JKOON",
        "PION",
        "EASYWALLETON",
        "ALIPAY",
        "WECHAT",
    ] {
        assert!(html.contains(&format!("id=\"wallet-{w}\"")), "{w}");
    }
    assert!(
        !html.contains("id=\"wallet-APPLEPAY\""),
        "not one of MobilePayAll"
    );

    let r = submit(
        &sb,
        &uid,
        &[("method", "WALLET_CANCEL"), ("wallet", "JKOON")],
    )
    .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "https://shop.example/fail");
    let q = sb.query(&uid, &key).await;
    assert_eq!(q["prc"], "300", "{q}");
    assert_eq!(q["pfn"], "JKOON", "{q}");
    let got = rx.wait_for(1, WAIT).await;
    check_report(&got[0], &uid, &key, "300");
    assert_eq!(got[0].fields["pfn"], "JKOON");
    let html = page(&sb, &uid).await;
    assert!(html.contains("id=\"prc\">300<") && html.contains("id=\"wallet\">街口支付"));
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_orders_wallets_and_the_fields_they_need() {
    let sb = Sandbox::start().await;

    // A LINE Pay order: no other wallet, no wallet at all, nothing changes.
    let (uid, key) = sb.create(&wallet_order("LINEPAYON")).await;
    for form in [
        vec![("method", "WALLET"), ("wallet", "JKOON")],
        vec![("method", "WALLET"), ("wallet", "CREDITCARD")],
        vec![("method", "WALLET_CANCEL"), ("wallet", "")],
        vec![("method", "WALLET")],
    ] {
        let r = submit(&sb, &uid, &form).await;
        assert_eq!(r.status().as_u16(), 422, "{form:?}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains("role=\"alert\"") && html.contains("電子錢包"),
            "{form:?}"
        );
    }
    assert_eq!(sb.query(&uid, &key).await["prc"], "200");

    // A card order: no wallet form, and none is taken.
    let mut card = example_order();
    card["pfn"] = json!("CREDITCARD");
    let (uid, key) = sb.create(&card).await;
    assert!(!page(&sb, &uid).await.contains("form-wallet"));
    let r = submit(&sb, &uid, &[("method", "WALLET"), ("wallet", "LINEPAYON")]).await;
    assert_eq!(r.status().as_u16(), 422);
    assert_eq!(sb.query(&uid, &key).await["prc"], "200");

    // `all` without the wallet fields: the page asks for them, and needs them.
    let mut all = example_order();
    all["pfn"] = json!("all");
    let (uid, key) = sb.create(&all).await;
    let html = page(&sb, &uid).await;
    for w in [
        "LINEPAYON",
        "JKOON",
        "PION",
        "EASYWALLETON",
        "ALIPAY",
        "WECHAT",
        "APPLEPAY",
        "GOOGLEPAY",
    ] {
        assert!(html.contains(&format!("id=\"wallet-{w}\"")), "{w}");
    }
    for f in [
        "user_name",
        "user_real_name",
        "user_english_name",
        "user_cellphone_code",
        "user_cellphone",
        "user_email",
    ] {
        assert!(
            html.contains(&format!("<input id=\"{f}\" name=\"{f}\" required")),
            "{f}"
        );
    }
    let mut form = vec![
        ("method", "WALLET"),
        ("wallet", "APPLEPAY"),
        ("user_name", "王小明"),
        ("user_real_name", "王小明"),
        ("user_english_name", "Wang Hsiao-Ming"),
        ("user_cellphone_code", "886"),
        ("user_cellphone", "0912345678"),
    ];
    let r = submit(&sb, &uid, &form).await;
    assert_eq!(r.status().as_u16(), 422, "user_email is missing");
    let html = r.text().await.unwrap();
    assert!(
        html.contains("value=\"Wang Hsiao-Ming\""),
        "what was typed is kept"
    );
    assert_eq!(sb.query(&uid, &key).await["prc"], "200");
    form.push(("user_email", "ming@example.com"));
    let r = submit(&sb, &uid, &form).await;
    assert_eq!(r.status().as_u16(), 303);
    let q = sb.query(&uid, &key).await;
    assert_eq!(
        (q["prc"].as_str(), q["pfn"].as_str()),
        (Some("250"), Some("APPLEPAY"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_wallet_form_takes_the_pages_own_origin_only() {
    let sb = Sandbox::start().await;
    let (uid, key) = sb.create(&wallet_order("LINEPAYON")).await;
    let page_url = sb.url(&format!("/payment/{uid}.html"));
    let r = sb
        .client
        .post(&page_url)
        .header("origin", "https://evil.example")
        .form(&[("method", "WALLET"), ("wallet", "LINEPAYON")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "origin_not_allowed", "{v}");
    assert_eq!(sb.query(&uid, &key).await["prc"], "200", "nothing was paid");

    let own = sb.url("");
    let r = sb
        .client
        .post(&page_url)
        .header("origin", own.trim_end_matches('/'))
        .form(&[("method", "WALLET"), ("wallet", "LINEPAYON")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(sb.query(&uid, &key).await["prc"], "250");
}
