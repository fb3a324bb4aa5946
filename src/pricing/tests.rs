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
        options: &StoreOptions::default(),
        echo: &[],
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
        options: &StoreOptions::default(),
        echo: &[],
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
        ..Default::default()
    };
    let fields: Vec<_> = c.problems().into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["customer.id", "customer.email", "customer.phone"]);
    let ok = Customer {
        id: "u".into(),
        email: Some("a@b.tw".into()),
        phone: Some("0912345678".into()),
        name: None,
        ..Default::default()
    };
    assert!(ok.problems().is_empty());
}

fn settings(pairs: &[(&str, &str)]) -> Result<StoreOptions, SettingError> {
    let map: std::collections::HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    StoreOptions::from_settings(|k| map.get(k).cloned())
}

#[test]
fn store_settings_default_and_parse() {
    let d = settings(&[]).unwrap();
    assert_eq!(d, StoreOptions::default());
    assert_eq!(d.limit_pay_days, DEFAULT_LIMIT_PAY_DAYS);
    assert!(d.offers(&Pfn::All));
    assert!(d.offers(&Pfn::LinePayOn));
    assert!(
        !d.offers(&Pfn::LinePayOff),
        "offline methods are not online"
    );
    assert!(!d.offers(&Pfn::Cash));
    let o = settings(&[
        (
            "CREDITCARD_INSTALLMENTS",
            r#"{"6":["822"],"3":["013","822"]}"#,
        ),
        ("PAYMENT_METHODS", "CREDITCARD, 15,LINEPAYON"),
        ("LIMIT_PAY_DAYS", "7"),
        ("ENABLE_QUICKPAY", "0"),
        ("ENABLE_DCC", "1"),
        ("CURRENCY", "CNY"),
        ("INVOICE_RATETYPE", "2"),
        ("ISSUE_INVOICE_STATE", "2"),
        ("VOUCHER_INVOICE_TYPE", "2"),
        ("AGENT_CHARGE_FEE", "90"),
        ("AGENT_CHARGE_FEE_TYPE", "1"),
        ("AGENT_SMS_FEE_TYPE", "0"),
    ])
    .unwrap();
    assert_eq!(
        o.creditcard_installment.as_deref(),
        Some(r#"{"3":["013","822"],"6":["822"]}"#)
    );
    assert_eq!(o.payment_methods, [Pfn::CreditCard, Pfn::LinePayOn]);
    assert!(!o.offers(&Pfn::All));
    assert!(!o.offers(&Pfn::CStoreCode));
    assert_eq!(o.limit_pay_days, 7);
    assert_eq!(o.currency, mypay_link::codes::Currency::Cny);
    assert_eq!(
        o.effective_agent_charge(),
        mypay_link::codes::IsAgentCharge::Yes
    );
}

#[test]
fn each_malformed_setting_is_named() {
    for (name, bad) in [
        ("CREDITCARD_INSTALLMENTS", "[3,6]"),
        ("CREDITCARD_INSTALLMENTS", r#"{"3":[]}"#),
        ("CREDITCARD_INSTALLMENTS", r#"{"1":["013"]}"#),
        ("CREDITCARD_INSTALLMENTS", r#"{"3":["13"]}"#),
        ("PAYMENT_METHODS", "CREDITCARD,BITCOIN"),
        ("PAYMENT_METHODS", "LINEPAYOFF"),
        ("PAYMENT_METHODS", " , "),
        ("LIMIT_PAY_DAYS", "0"),
        ("LIMIT_PAY_DAYS", "three"),
        ("ENABLE_QUICKPAY", "yes"),
        ("ENABLE_DCC", "2"),
        ("CURRENCY", "USD"),
        ("INVOICE_RATETYPE", "4"),
        ("ISSUE_INVOICE_STATE", "3"),
        ("VOUCHER_INVOICE_TYPE", "0"),
        ("AGENT_CHARGE_FEE", "-1"),
        ("AGENT_CHARGE_FEE_TYPE", "2"),
        ("AGENT_SMS_FEE_TYPE", "x"),
        ("IS_AGENT_CHARGE", "2"),
    ] {
        let e = settings(&[(name, bad)]).unwrap_err();
        if name == "PAYMENT_METHODS" && bad.trim() == "," {
            // Blank after trimming commas: no method named.
        }
        assert_eq!(e.name, name, "{name}={bad}");
    }
    // The text's default rule: a fee makes the agent charge, so an explicit
    // 0 contradicts it.
    let e = settings(&[("AGENT_CHARGE_FEE", "90"), ("IS_AGENT_CHARGE", "0")]).unwrap_err();
    assert_eq!(e.name, "IS_AGENT_CHARGE");
    let ok = settings(&[("AGENT_CHARGE_FEE", "0"), ("IS_AGENT_CHARGE", "0")]).unwrap();
    assert_eq!(
        ok.effective_agent_charge(),
        mypay_link::codes::IsAgentCharge::No
    );
}

fn ctx<'a>(
    customer: &'a Customer,
    pfn: Option<&'a str>,
    invoice: Option<&'a InvoiceChoice>,
    options: &'a StoreOptions,
    echo: &'a [String],
) -> OrderContext<'a> {
    OrderContext {
        store_uid: "289151880002",
        order_id: "ME9",
        ip: "203.0.113.9",
        customer,
        pfn,
        invoice,
        success_url: None,
        failure_url: None,
        options,
        echo,
    }
}

fn wallet_customer() -> Customer {
    Customer {
        id: "u-9".into(),
        name: Some("王小明".into()),
        email: Some("Ming@Example.COM".into()),
        phone: Some("0912345678".into()),
        real_name: Some("王小明".into()),
        english_name: Some("Wang Hsiao-Ming".into()),
        phone_country_code: Some("+886".into()),
        sn_type: Some("1".into()),
        sn: Some("A123456789".into()),
        address: Some("台北市信義路五段7號".into()),
        zipcode: Some("110".into()),
        birthday: Some("1990-02-28".into()),
    }
}

#[test]
fn settings_customer_and_echo_reach_the_request() {
    let q = quote(&[], &[]);
    let c = wallet_customer();
    assert!(c.problems().is_empty(), "{:?}", c.problems());
    assert!(c.missing_for(&Pfn::LinePayOn).is_empty());
    let opts = settings(&[
        ("CREDITCARD_INSTALLMENTS", r#"{"3":["013"]}"#),
        ("LIMIT_PAY_DAYS", "5"),
        ("ENABLE_QUICKPAY", "0"),
        ("ENABLE_DCC", "1"),
        ("INVOICE_RATETYPE", "3"),
        ("ISSUE_INVOICE_STATE", "2"),
        ("VOUCHER_INVOICE_TYPE", "2"),
        ("AGENT_SMS_FEE_TYPE", "1"),
    ])
    .unwrap();
    let echo = vec!["campaign-7".to_owned(), String::new(), "紅包".to_owned()];
    let inv = InvoiceChoice::NaturalPerson {
        natural_person_code: "AB12345678901234".into(),
    };
    let o = build_order_request(&q, &ctx(&c, Some("LINEPAYON"), Some(&inv), &opts, &echo)).unwrap();
    let j = serde_json::to_value(&o).unwrap();
    assert_eq!(j["user_real_name"], "王小明");
    assert_eq!(j["user_english_name"], "Wang Hsiao-Ming");
    assert_eq!(j["user_cellphone_code"], "886");
    assert_eq!(j["user_email"], "ming@example.com");
    assert_eq!(j["user_sn_type"], "1");
    assert_eq!(j["user_sn"], "A123456789");
    assert_eq!(j["user_zipcode"], "110");
    assert_eq!(j["user_birthday"], "1990-02-28");
    assert_eq!(j["echo_0"], "campaign-7");
    assert!(j.get("echo_1").is_none());
    assert_eq!(j["echo_2"], "紅包");
    assert_eq!(j["creditcard_installment"], r#"{"3":["013"]}"#);
    assert_eq!(j["limit_pay_days"], 5);
    assert_eq!(j["enable_quickpay"], 0);
    assert_eq!(j["enable_dcc"], 1);
    assert_eq!(j["invoice_ratetype"], 3);
    assert_eq!(j["issue_invoice_state"], 2);
    assert_eq!(j["voucher_invoice_type"], "2");
    assert_eq!(j["agent_sms_fee_type"], 1);
    assert_eq!(j["is_agent_charge"], 1);
    assert_eq!(j["invoice_cloud_type"], "3");
    assert_eq!(j["invoice_natural_person"], "AB12345678901234");
    assert_eq!(j["currency"], "TWD");
}

#[test]
fn wallet_fields_are_named_by_their_checkout_path() {
    let c = Customer {
        id: "u".into(),
        email: Some("a@b.tw".into()),
        ..Default::default()
    };
    assert_eq!(
        c.missing_for(&Pfn::JkoOn),
        [
            "customer.name",
            "customer.real_name",
            "customer.english_name",
            "customer.phone_country_code",
            "customer.phone"
        ]
    );
    assert!(c.missing_for(&Pfn::CreditCard).is_empty());
    // The protocol rule agrees: the request itself would be refused.
    let q = quote(&[], &[]);
    let opts = StoreOptions::default();
    let p = build_order_request(&q, &ctx(&c, Some("JKOON"), None, &opts, &[])).unwrap_err();
    assert_eq!(p.len(), 5);
}

#[test]
fn identity_fields_are_checked_per_value_table() {
    let mut c = wallet_customer();
    c.sn = Some("A123456788".into());
    assert_eq!(c.problems()[0].0, "customer.sn");
    c.sn_type = Some("2".into());
    c.sn = Some("A800000014".into());
    assert!(c.problems().is_empty(), "{:?}", c.problems());
    c.sn_type = Some("3".into());
    c.sn = Some("312345678".into());
    assert!(c.problems().is_empty());
    c.sn_type = Some("4".into());
    assert_eq!(c.problems()[0].0, "customer.sn_type");
    let bad = Customer {
        id: "u".into(),
        english_name: Some("王".into()),
        phone_country_code: Some("88612".into()),
        zipcode: Some("1100".into()),
        birthday: Some("1990-02-30".into()),
        sn_type: Some("1".into()),
        ..Default::default()
    };
    let fields: Vec<_> = bad.problems().into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        fields,
        [
            "customer.english_name",
            "customer.phone_country_code",
            "customer.sn",
            "customer.zipcode",
            "customer.birthday"
        ]
    );
    assert!(is_national_id("F131104093"));
    assert!(!is_national_id("F231104093"));
    assert!(is_birthday("2000-02-29"));
    assert!(!is_birthday("1900-02-29"));
}

#[test]
fn invoice_carriers_and_echo_are_validated() {
    let np = |c: &str| InvoiceChoice::NaturalPerson {
        natural_person_code: c.into(),
    };
    assert_eq!(np("AB12345678901234").validate(), Ok(()));
    assert_eq!(
        np("ab12345678901234").validate(),
        Err(InvoiceError::NaturalPerson)
    );
    assert_eq!(
        np("AB1234567890123").validate(),
        Err(InvoiceError::NaturalPerson)
    );
    let mail = |z: Option<&str>, a: Option<&str>| InvoiceChoice::Email {
        post_zone: z.map(Into::into),
        address: a.map(Into::into),
    };
    assert_eq!(mail(None, None).validate(), Ok(()));
    assert_eq!(
        mail(Some("110"), Some("台北市信義路五段7號")).validate(),
        Ok(())
    );
    assert_eq!(
        mail(Some("11"), Some("x")).validate(),
        Err(InvoiceError::PostZone)
    );
    assert_eq!(
        mail(None, Some("x")).validate(),
        Err(InvoiceError::PostZone)
    );
    assert_eq!(
        mail(Some("110"), None).validate(),
        Err(InvoiceError::Address)
    );
    let e: InvoiceChoice = serde_json::from_value(json!({"type": "email"})).unwrap();
    assert_eq!(e, mail(None, None));
    assert_eq!(echo_problems(&vec!["ok".to_owned(); 5]), vec![]);
    assert_eq!(echo_problems(&vec!["ok".to_owned(); 6])[0].0, "echo");
    let p = echo_problems(&["a<b".into(), "x".repeat(101), "fine".into(), "\n".into()]);
    let paths: Vec<_> = p.into_iter().map(|(p, _)| p).collect();
    assert_eq!(paths, ["echo[0]", "echo[1]", "echo[3]"]);
}

fn refund_lines() -> Vec<RefundLine> {
    vec![
        RefundLine {
            product_id: "oolong-150g".into(),
            name: "凍頂烏龍茶 150g".into(),
            unit_price: 450,
            quantity: 2,
            total: 900,
        },
        RefundLine {
            product_id: "shipping".into(),
            name: "運費".into(),
            unit_price: 80,
            quantity: 1,
            total: 80,
        },
    ]
}

#[test]
fn refund_items_use_the_order_names_and_sum_to_the_cost() {
    let lines = refund_lines();
    let all = full_refund_items(&lines, 980).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].amount, Some(mypay_link::lenient::Int(2)));
    // A voucher order paid 800 of 980: the items still sum to the cost.
    let part = full_refund_items(&lines, 800).unwrap();
    let sum: i64 = part.iter().map(|i| i.total.unwrap().get()).sum();
    assert_eq!(sum, 800);
    assert_eq!(part.len(), 1);
    assert_eq!(part[0].name, "凍頂烏龍茶 150g");
    assert!(full_refund_items(&lines, 981).is_none());
    let (items, sum) = partial_refund_items(
        &lines,
        &[("運費".into(), 80), ("凍頂烏龍茶 150g".into(), 450)],
    )
    .unwrap();
    assert_eq!(sum, 530);
    assert_eq!(items[1].cost, Some(mypay_link::lenient::Int(450)));
    let errs = partial_refund_items(
        &lines,
        &[("紅茶".into(), 1), ("運費".into(), 81), ("運費".into(), 1)],
    )
    .unwrap_err();
    let paths: Vec<_> = errs.into_iter().map(|e| e.path).collect();
    assert_eq!(paths, ["items[0].name", "items[1].amount", "items[2].name"]);
    assert!(partial_refund_items(&lines, &[]).is_err());
}
