//! Tests of `codes`.

use super::*;

#[test]
fn final_and_not_final_codes() {
    for c in ["250", "600", "290", "300", "380", "A0002", "220", "230"] {
        assert!(StatusCode::from_code(c).is_final(), "{c}");
    }
    for c in [
        "245", "247", "260", "265", "270", "275", "280", "282", "284", "A0001", "100", "200",
        "400", "B200", "B500", "Z999",
    ] {
        assert!(!StatusCode::from_code(c).is_final(), "{c}");
    }
}

#[test]
fn pfn_accepts_number_or_code() {
    assert_eq!(Pfn::from_code("27"), Pfn::PiOn);
    assert_eq!(Pfn::from_code("PION"), Pfn::PiOn);
    let from_num: Pfn = serde_json::from_str("27").unwrap();
    assert_eq!(from_num, Pfn::PiOn);
    assert_eq!(serde_json::to_string(&Pfn::PiOn).unwrap(), "\"PION\"");
    assert_eq!(Pfn::PiOn.number(), Some(27));
    assert_eq!(Pfn::from_code("1"), Pfn::CreditCard);
    assert_eq!(Pfn::from_code("JKOOF"), Pfn::JkoOff);
    assert_eq!(Pfn::All.number(), None);
}

#[test]
fn unknown_values_are_kept_not_refused() {
    let p: Pfn = serde_json::from_str("\"NEWPAY\"").unwrap();
    assert_eq!(p, Pfn::Other("NEWPAY".into()));
    assert_eq!(serde_json::to_string(&p).unwrap(), "\"NEWPAY\"");
    // The samples send pfn "0", which no table lists.
    assert_eq!(Pfn::from_code("0"), Pfn::Other("0".into()));
    let s: StatusCode = serde_json::from_str("\"Z999\"").unwrap();
    assert_eq!(s.class(), StatusClass::Unknown);
}

#[test]
fn integer_tables_write_numbers_string_tables_write_strings() {
    assert_eq!(
        serde_json::to_string(&InvoiceState::Allowance).unwrap(),
        "6"
    );
    assert_eq!(
        serde_json::to_string(&RefundInvoiceState::Allowance).unwrap(),
        "\"6\""
    );
    let a: InvoiceState = serde_json::from_str("\"6\"").unwrap();
    assert_eq!(a, InvoiceState::Allowance);
    let b: RefundInvoiceState = serde_json::from_str("6").unwrap();
    assert_eq!(b, RefundInvoiceState::Allowance);
}

#[test]
fn status_classification_follows_appendix_2() {
    let class = |c: &str| StatusCode::from_code(c).class();
    for c in ["250", "600"] {
        assert_eq!(class(c), StatusClass::Paid, "{c}");
    }
    assert_eq!(class("290"), StatusClass::PaidMismatch);
    for c in [
        "245", "247", "260", "265", "270", "280", "282", "284", "A0001",
    ] {
        assert_eq!(class(c), StatusClass::Pending, "{c}");
    }
    for c in ["300", "380", "A0002"] {
        assert_eq!(class(c), StatusClass::Failed, "{c}");
    }
    assert_eq!(class("220"), StatusClass::Cancelled);
    assert_eq!(class("230"), StatusClass::Refunded);
    for c in ["100", "200", "400", "B200", "B500"] {
        assert_eq!(class(c), StatusClass::CallResult, "{c}");
    }
}

#[test]
fn every_documented_code_round_trips() {
    fn check<T>(all: &[T])
    where
        T: Serialize + for<'de> Deserialize<'de> + PartialEq + fmt::Debug,
    {
        for v in all {
            let j = serde_json::to_string(v).unwrap();
            let back: T = serde_json::from_str(&j).unwrap();
            assert_eq!(&back, v);
        }
    }
    check(Pfn::ALL);
    check(StatusCode::ALL);
    check(SupplierCode::ALL);
    check(ResultContentType::ALL);
    check(InvoiceState::ALL);
    check(RefundReturnType::ALL);
    check(CardType::ALL);
}

#[cfg(feature = "ts")]
#[test]
fn value_tables_declare_their_documented_codes_in_typescript() {
    use ts_rs::TS;
    let cfg = ts_rs::Config::new();
    assert_eq!(EnableDcc::decl(&cfg), "type EnableDcc = 0 | 1;");
    assert_eq!(Currency::decl(&cfg), "type Currency = \"TWD\" | \"CNY\";");
    // A field holds a code of the table, or one this version does not know.
    assert_eq!(Pfn::name(&cfg), "Code<Pfn>");
    let refund = RefundReturnType::decl(&cfg);
    assert!(
        refund.contains("/** 票券金額給予特店 (default)"),
        "{refund}"
    );
    assert!(refund.ends_with("| \"3\";"), "{refund}");
    assert_eq!(StatusClass::decl(&cfg).matches('|').count(), 7);
}
