//! Tests of `pricing`.

use super::*;
use serde_json::json;

fn products() -> Vec<Product> {
    vec![
        Product {
            id: "oolong-150g".into(),
            name: "凍頂烏龍茶 150g".into(),
            name_en: "Dongding Oolong 150g".into(),
            price: 450,
            image_url: Some("/img/oolong-150g.svg".into()),
            active: true,
        },
        Product {
            id: "retired".into(),
            name: "停售".into(),
            name_en: "Retired".into(),
            price: 100,
            image_url: None,
            active: false,
        },
    ]
}

fn voucher(code: &str, kind: VoucherKind, value: i64) -> VoucherRecord {
    VoucherRecord {
        code: code.into(),
        kind,
        product_id: if kind == VoucherKind::Paid {
            "P100".into()
        } else {
            "FSHIP".into()
        },
        name: if kind == VoucherKind::Paid {
            "好食券 100".into()
        } else {
            "免運券".into()
        },
        value,
        issuer: if kind == VoucherKind::Paid {
            "1".into()
        } else {
            "3".into()
        },
        refund_return_type: (kind == VoucherKind::Paid).then(|| "2".into()),
        status: VoucherStatus::Available,
        expires_at: None,
        min_spend: 0,
    }
}

fn cart(items: serde_json::Value, vouchers: &[&str]) -> Result<Cart, CartError> {
    let req: CartRequest =
        serde_json::from_value(json!({"items": items, "vouchers": vouchers})).unwrap();
    req.to_cart()
}

fn quote(vouchers: &[&str], records: &[VoucherRecord]) -> Quote {
    let c = cart(json!([{"product_id":"oolong-150g","quantity":2}]), vouchers).unwrap();
    price_cart(&c, &products(), records, &Shipping::default(), 1_000).unwrap()
}

#[test]
fn quote_matches_the_documented_example() {
    let recs = [
        voucher("PAID-100-A1", VoucherKind::Paid, 100),
        voucher("FREE-SHIP-01", VoucherKind::Free, 80),
    ];
    let q = quote(&["PAID-100-A1", "FREE-SHIP-01", "NOPE"], &recs);
    assert_eq!(q.lines.len(), 2);
    assert_eq!(q.lines[0].total, 900);
    assert_eq!(q.lines[1].product_id, SHIPPING_ID);
    assert_eq!(q.subtotal, 980);
    assert_eq!(q.voucher_total, 180);
    assert_eq!(q.amount, 800);
    assert_eq!(q.rejected_vouchers.len(), 1);
    assert_eq!(q.rejected_vouchers[0].reason, RejectReason::VoucherNotFound);
    let j = serde_json::to_value(&q).unwrap();
    assert_eq!(j["vouchers"][0]["kind"], "paid");
    assert_eq!(j["rejected_vouchers"][0]["reason"], "voucher_not_found");
}

#[test]
fn shipping_is_free_from_the_threshold() {
    let c = cart(json!([{"product_id":"oolong-150g","quantity":5}]), &[]).unwrap();
    let q = price_cart(&c, &products(), &[], &Shipping::default(), 0).unwrap();
    assert_eq!(q.lines.len(), 1);
    assert_eq!(q.amount, 2250);
}

#[test]
fn each_rejection_reason() {
    let mut used = voucher("U", VoucherKind::Paid, 10);
    used.status = VoucherStatus::Used;
    let mut held = voucher("R", VoucherKind::Paid, 10);
    held.status = VoucherStatus::Reserved;
    let mut old = voucher("E", VoucherKind::Free, 10);
    old.expires_at = Some(1_000);
    let mut big_spend = voucher("M", VoucherKind::Free, 10);
    big_spend.min_spend = 5_000;
    let huge = voucher("H", VoucherKind::Paid, 980);
    let ok = voucher("OK", VoucherKind::Paid, 10);
    let q = quote(
        &["U", "R", "E", "M", "H", "OK", "OK"],
        &[used, held, old, big_spend, huge, ok],
    );
    let reasons: Vec<_> = q
        .rejected_vouchers
        .iter()
        .map(|r| r.reason.as_str())
        .collect();
    assert_eq!(
        reasons,
        [
            "voucher_used",
            "voucher_reserved",
            "voucher_expired",
            "voucher_min_spend",
            "voucher_exceeds_total",
            "voucher_duplicate"
        ]
    );
    assert_eq!(q.vouchers.len(), 1);
    assert_eq!(q.amount, 970);
}

#[test]
fn vouchers_always_leave_something_to_pay() {
    let a = voucher("A", VoucherKind::Paid, 500);
    let b = voucher("B", VoucherKind::Paid, 480);
    let q = quote(&["A", "B"], &[a, b]);
    assert_eq!(q.amount, 480);
    assert_eq!(
        q.rejected_vouchers[0].reason,
        RejectReason::VoucherExceedsTotal
    );
}

#[test]
fn quantities_are_integers_from_1_to_99() {
    for bad in [
        json!(0),
        json!(-1),
        json!(1.5),
        json!(100),
        json!("x"),
        json!(null),
        json!(true),
    ] {
        let e = cart(json!([{"product_id":"oolong-150g","quantity":bad}]), &[]).unwrap_err();
        assert_eq!(e.code(), "invalid_quantity", "{bad}");
    }
    assert!(cart(json!([{"product_id":"oolong-150g","quantity":"3"}]), &[]).is_ok());
    let merged = cart(
        json!([{"product_id":"a","quantity":2},{"product_id":"a","quantity":3}]),
        &[],
    )
    .unwrap();
    assert_eq!(merged.items, vec![("a".to_owned(), 5)]);
    let e = cart(
        json!([{"product_id":"a","quantity":60},{"product_id":"a","quantity":60}]),
        &[],
    )
    .unwrap_err();
    assert_eq!(e.code(), "invalid_quantity");
}

#[test]
fn empty_unknown_and_inactive_products_are_refused() {
    assert_eq!(cart(json!([]), &[]).unwrap_err().code(), "empty_cart");
    for id in ["nope", "retired"] {
        let c = cart(json!([{"product_id": id, "quantity": 1}]), &[]).unwrap();
        let e = price_cart(&c, &products(), &[], &Shipping::default(), 0).unwrap_err();
        assert_eq!(e, CartError::UnknownProduct(id.into()));
        assert_eq!(e.code(), "unknown_product");
    }
    let many: Vec<&str> = vec!["V"; MAX_VOUCHERS + 1];
    assert_eq!(
        cart(json!([{"product_id":"a","quantity":1}]), &many).unwrap_err(),
        CartError::TooManyVouchers
    );
}

#[test]
fn tax_id_checksum() {
    for good in ["04595257", "22099131", "10458575"] {
        assert!(is_tax_id(good), "{good}");
    }
    // Seventh digit 7: its product 28 may count as 1, so a sum of 39 passes.
    assert!(is_tax_id("12345675"));
    assert!(!is_tax_id("12345685"));
    for bad in ["04595258", "1234567", "123456789", "abcdefgh", ""] {
        assert!(!is_tax_id(bad), "{bad}");
    }
}

#[test]
fn mobile_barcode_and_love_code() {
    assert!(is_mobile_barcode("/ABC+123"));
    assert!(is_mobile_barcode("/A.B-C12"));
    assert!(!is_mobile_barcode("ABC+1234"));
    assert!(!is_mobile_barcode("/abc+123"));
    assert!(!is_mobile_barcode("/ABC+12"));
    assert!(is_love_code("168001"));
    assert!(is_love_code("123"));
    assert!(!is_love_code("12"));
    assert!(!is_love_code("12345678"));
    assert!(!is_love_code("12a4"));
    let inv: InvoiceChoice =
        serde_json::from_value(json!({"type":"tax_id","tax_id":"04595258"})).unwrap();
    assert_eq!(inv.validate(), Err(InvoiceError::TaxId));
    let inv: InvoiceChoice = serde_json::from_value(json!({"type":"email"})).unwrap();
    assert_eq!(inv.validate(), Ok(()));
}

#[test]
fn order_request_carries_vouchers_and_passes_validation() {
    let recs = [
        voucher("PAID-100-A1", VoucherKind::Paid, 100),
        voucher("FREE-SHIP-01", VoucherKind::Free, 80),
    ];
    let q = quote(&["PAID-100-A1", "FREE-SHIP-01"], &recs);
    let customer = Customer {
        id: "u-1".into(),
        email: Some("a@b.tw".into()),
        ..Default::default()
    };
    let inv = InvoiceChoice::Mobile {
        mobile_code: "/ABC+123".into(),
    };
    let ctx = OrderContext {
        store_uid: "289151880002",
        order_id: "ME1",
        ip: "203.0.113.9",
        customer: &customer,
        pfn: Some("CREDITCARD"),
        invoice: Some(&inv),
        success_url: Some("https://shop.example/orders/ME1"),
        failure_url: None,
        limit_pay_days: Some(3),
    };
    let o = build_order_request(&q, &ctx).unwrap();
    let j = serde_json::to_value(&o).unwrap();
    assert_eq!(j["cost"], "800");
    assert_eq!(j["voucher_type"], "1");
    assert_eq!(j["voucher_paid"][0]["serial_number"], "PAID-100-A1");
    assert_eq!(j["voucher_paid"][0]["cost"], 100);
    assert_eq!(j["voucher_paid"][0]["refund_return_type"], "2");
    assert_eq!(j["voucher_free"][0]["issuer"], "3");
    assert_eq!(j["items"][1]["id"], "shipping");
    assert_eq!(j["invoice_input_type"], 1);
    assert_eq!(j["invoice_cloud_type"], "2");
    assert_eq!(j["invoice_mobile_code"], "/ABC+123");
    assert_eq!(j["pfn"], "CREDITCARD");
}

#[test]
fn order_without_vouchers_has_no_voucher_fields() {
    let q = quote(&[], &[]);
    let customer = Customer {
        id: "u-1".into(),
        ..Default::default()
    };
    let ctx = OrderContext {
        store_uid: "s",
        order_id: "ME2",
        ip: "127.0.0.1",
        customer: &customer,
        pfn: None,
        invoice: None,
        success_url: None,
        failure_url: None,
        limit_pay_days: None,
    };
    let j = serde_json::to_value(build_order_request(&q, &ctx).unwrap()).unwrap();
    assert!(j.get("voucher_type").is_none());
    assert!(j.get("voucher_paid").is_none());
    assert_eq!(j["cost"], "980");
}

#[test]
fn customer_fields_are_checked() {
    let c = Customer {
        id: " ".into(),
        email: Some("nope".into()),
        phone: Some("09-12".into()),
        name: None,
    };
    let fields: Vec<_> = c.problems().into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["customer.id", "customer.email", "customer.phone"]);
    let ok = Customer {
        id: "u".into(),
        email: Some("a@b.tw".into()),
        phone: Some("0912345678".into()),
        name: None,
    };
    assert!(ok.problems().is_empty());
}
