//! The sandbox checks orders with its own reading of the API text, not with
//! the client's validator (`mypay_link::validate`). Each side catches
//! something the other does not: that is what makes the sandbox worth
//! testing the client against. This comparison lives with the `mypay`
//! command, which has both: the sandbox crate itself, its tests included,
//! never names the validator (the last test checks that).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use mypay_link::models::OrderRequest;
use mypay_link::validate::{validate_order, validate_refund, PaidOrder};
use mypay_link::Command;
use serde_json::{json, Value};

/// A named change to the example order.
type Case = (&'static str, Box<dyn Fn(&mut Value)>);

fn client_accepts(order: &Value) -> bool {
    let parsed: OrderRequest = serde_json::from_value(order.clone()).unwrap();
    validate_order(&parsed).is_ok()
}

/// (a) The sandbox refuses (code 100), the client's validator accepts:
/// values outside the API text's value tables (『付款方式』/appendix 1,
/// 『幣別類型』, 『驗證折價券方式』, 『電子發票開立類型』, 『有價票券發行者』,
/// 『退款時票券金額是否歸還』), which the validator does not look at, and
/// an `order_id` already used by the store.
#[tokio::test(flavor = "multi_thread")]
async fn the_sandbox_refuses_what_the_client_validator_accepts() {
    let sb = Sandbox::start(&[]);
    let cases: Vec<Case> = vec![
        ("pfn", Box::new(|o| o["pfn"] = json!("PAYPAL"))),
        ("pfn", Box::new(|o| o["pfn"] = json!("2"))),
        ("currency", Box::new(|o| o["currency"] = json!("USD"))),
        (
            "voucher_type",
            Box::new(|o| {
                // Without vouchers (with them the validator wants 1 or 2).
                let m = o.as_object_mut().unwrap();
                m.remove("voucher_paid");
                m.remove("voucher_free");
                m.insert("cost".into(), json!(1000));
                m.insert("voucher_type".into(), json!("3"));
            }),
        ),
        (
            "invoice_input_type",
            Box::new(|o| o["invoice_input_type"] = json!(9)),
        ),
        (
            "voucher_paid[0].issuer",
            Box::new(|o| o["voucher_paid"][0]["issuer"] = json!("7")),
        ),
        (
            "voucher_paid[0].refund_return_type",
            Box::new(|o| o["voucher_paid"][0]["refund_return_type"] = json!("4")),
        ),
    ];
    for (path, change) in cases {
        let mut order = example_order();
        change(&mut order);
        assert!(
            client_accepts(&order),
            "the validator accepts the {path} case"
        );
        let r = sb.agent_json(Command::Orders, &order).await;
        assert_eq!(r["code"], "100", "{path}: {r}");
        let msg = r["msg"].as_str().unwrap();
        assert!(
            msg.starts_with("資料錯誤:") && msg.contains(path),
            "{path}: {r}"
        );
    }
    // The same order_id twice: the validator sees one order at a time.
    let order = example_order();
    assert!(client_accepts(&order));
    sb.create(&order).await;
    let r = sb.agent_json(Command::Orders, &order).await;
    assert_eq!(r["code"], "100", "{r}");
}

/// (b) The client's validator refuses, the sandbox accepts (code 200): the
/// API text does not require what the validator insists on.
#[tokio::test(flavor = "multi_thread")]
async fn the_client_validator_refuses_what_the_sandbox_accepts() {
    let sb = Sandbox::start(&[]);
    let cases: Vec<Case> = vec![
        // 『是否為經銷商代收費模式』: "若 is_agent_charge 有指定,以指定優先".
        (
            "agent_charge_conflict",
            Box::new(|o| o["is_agent_charge"] = json!(0)),
        ),
        // 『有償票券項目』 marks no field 必填.
        (
            "required",
            Box::new(|o| {
                o["voucher_paid"][0].as_object_mut().unwrap().remove("name");
            }),
        ),
        // 『商品項目』 says total is 商品小計, not that it must be cost × amount.
        (
            "line_total_mismatch",
            Box::new(|o| o["items"][0]["cost"] = json!(999)),
        ),
        // Nothing ties vouchers to a voucher_type.
        (
            "voucher_type_required",
            Box::new(|o| {
                o.as_object_mut().unwrap().remove("voucher_type");
            }),
        ),
    ];
    for (code, change) in cases {
        let mut order = example_order();
        change(&mut order);
        let parsed: OrderRequest = serde_json::from_value(order.clone()).unwrap();
        let problems = validate_order(&parsed).unwrap_err();
        assert!(
            problems.iter().any(|p| p.code.as_str() == code),
            "the validator reports {code}: {problems:?}"
        );
        let r = sb.agent_json(Command::Orders, &order).await;
        assert_eq!(r["code"], "200", "{code}: {r}");
    }
}

/// Refunds: the sandbox refuses refund items named unlike the order's
/// items, which the validator cannot know; the validator's required-field
/// rule for refunds and the sandbox's agree on the documented example.
#[tokio::test(flavor = "multi_thread")]
async fn refund_items_must_carry_the_orders_names() {
    let sb = Sandbox::start(&[]);
    let mut refund = json!({"store_uid": STORE, "uid": "95047", "key": "85def7799fd15978cac14a44846f3a2a", "cost": 900,
                            "voucher_paid": [{"product_id": "P01", "serial_number": "P1634634156"}], "invoice_state": 6,
                            "items": [{"id": "1", "name": "另一個商品", "cost": 900, "amount": 1, "total": 900}]});
    let parsed: mypay_link::models::RefundRequest = serde_json::from_value(refund.clone()).unwrap();
    let order = PaidOrder {
        cost: 900,
        voucher_paid: vec![mypay_link::models::VoucherRef {
            product_id: "P01".into(),
            serial_number: "P1634634156".into(),
        }],
    };
    assert!(validate_refund(&parsed, Some(&order)).is_ok());
    let r = sb.agent_json(Command::Refund, &refund).await;
    assert_eq!(r["code"], "B500", "{r}");
    assert!(r["msg"].as_str().unwrap().contains("items[0].name"), "{r}");
    refund["items"][0]["name"] = json!("好棒棒麻辣鍋湯包");
    let r = sb.agent_json(Command::Refund, &refund).await;
    assert_eq!(r["code"], "B200", "{r}");
}

/// The comparisons above are the only place the two meet: no source file of
/// the sandbox names the client's validator (a shared rule would hide a
/// shared mistake).
#[test]
fn the_sandbox_never_uses_the_client_validator() {
    fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let code: String = text
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .collect::<Vec<_>>()
                    .join("\n");
                if code.contains("validate::")
                    || code.contains("validate_order")
                    || code.contains("validate_refund")
                {
                    found.push(path.display().to_string());
                }
            }
        }
    }
    let mut found = Vec::new();
    let sandbox = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/mypay-sandbox");
    walk(&sandbox.join("src"), &mut found);
    walk(&sandbox.join("tests"), &mut found);
    assert!(
        found.is_empty(),
        "the sandbox uses mypay_link::validate in {found:?}"
    );
}
