//! Number-or-string input, every value table (『…』值內容), appendix 1 (PFN)
//! and appendix 2 (status codes), and the callback reports as form bodies.

mod common;

use mypay_link::codes::*;
use mypay_link::form::{form_to_map, FormError};
use mypay_link::lenient::{Int, StrInt, Text};
use mypay_link::models::{Notification, ReportKind, Transaction};
use serde_json::{json, Value};
use std::collections::BTreeSet;

// ---------------------------------------------------------------- number or string

#[test]
fn numbers_are_read_from_900_or_quoted_900() {
    for text in ["900", "\"900\"", "\" 900 \"", "900.0"] {
        assert_eq!(
            serde_json::from_str::<StrInt>(text).unwrap(),
            StrInt(900),
            "{text}"
        );
        assert_eq!(
            serde_json::from_str::<Int>(text).unwrap(),
            Int(900),
            "{text}"
        );
    }
    assert_eq!(
        serde_json::from_str::<Text>("95227").unwrap(),
        Text("95227".into())
    );
    assert_eq!(
        serde_json::from_str::<Text>("\"95227\"").unwrap(),
        Text("95227".into())
    );
    assert_eq!(
        serde_json::from_str::<InvoiceState>("6").unwrap(),
        serde_json::from_str::<InvoiceState>("\"6\"").unwrap()
    );
}

#[test]
fn numbers_are_written_as_the_table_types_the_field() {
    // `cost string` (order) vs `cost integer` (item).
    assert_eq!(serde_json::to_value(StrInt(900)).unwrap(), json!("900"));
    assert_eq!(serde_json::to_value(Int(900)).unwrap(), json!(900));
    assert_eq!(
        serde_json::to_value(Text("95227".into())).unwrap(),
        json!("95227")
    );
}

#[test]
fn non_numbers_are_refused_with_an_error() {
    for text in [
        "\"\"", "\"12a\"", "\"1.5\"", "1.5", "true", "null", "[]", "{}", "\"--1\"", "\"1 2\"",
    ] {
        assert!(serde_json::from_str::<Int>(text).is_err(), "{text}");
    }
    assert!(
        serde_json::from_str::<Int>("-5").is_ok(),
        "negative numbers parse; validation refuses them"
    );
}

// ---------------------------------------------------------------- value tables

/// One value table's enum, type-erased.
struct Table {
    /// 『X』值內容
    name: &'static str,
    /// (code, JSON written, documented?) of every documented variant.
    all: Vec<(String, Value)>,
    /// from_code → (documented?, code)
    parse: fn(&str) -> (bool, String),
    /// JSON → code
    from_json: fn(Value) -> Result<String, String>,
    /// Fields typed by this table: (field table, field).
    carriers: &'static [(&'static str, &'static str)],
}

macro_rules! table {
    ($name:literal, $ty:ty, [$(($t:expr, $f:expr)),* $(,)?]) => {
        Table {
            name: $name,
            all: <$ty>::ALL.iter().map(|v| (v.code().to_owned(), serde_json::to_value(v).unwrap())).collect(),
            parse: |s| {
                let v = <$ty>::from_code(s);
                (v.is_documented(), v.code().to_owned())
            },
            from_json: |j| serde_json::from_value::<$ty>(j).map(|v| v.code().to_owned()).map_err(|e| e.to_string()),
            carriers: &[$(($t, $f)),*],
        }
    };
}

const ORDER: &str = "『PayPage金流交易-折價券模式』欄位";
const DONE: &str = "『交易完成回傳資訊』回報欄位";
const QUERY: &str = "『交易查詢』回傳欄位";

fn tables() -> Vec<Table> {
    vec![
        table!("證號類型", UserSnType, [(ORDER, "user_sn_type")]),
        table!(
            "幣別類型",
            Currency,
            [(ORDER, "currency"), (QUERY, "currency")]
        ),
        table!("自動換匯", EnableDcc, [(ORDER, "enable_dcc")]),
        table!("付款方式", Pfn, [(ORDER, "pfn"), (DONE, "pfn")]),
        table!("啟用快速結帳", EnableQuickpay, [(ORDER, "enable_quickpay")]),
        table!("交易類型", TransactionType, [(ORDER, "transaction_type")]),
        table!(
            "電子發票是否開立狀態",
            IssueInvoiceState,
            [(ORDER, "issue_invoice_state")]
        ),
        table!(
            "電子發票稅率別",
            InvoiceRateType,
            [(ORDER, "invoice_ratetype"), (QUERY, "invoice_ratetype")]
        ),
        table!(
            "電子發票開立類型",
            InvoiceInputType,
            [(ORDER, "invoice_input_type"), (QUERY, "invoice_input_type")]
        ),
        table!(
            "雲端發票類型",
            InvoiceCloudType,
            [(ORDER, "invoice_cloud_type"), (QUERY, "invoice_cloud_type")]
        ),
        table!(
            "電子發票欄位異動",
            InvoiceFieldLock,
            [
                (ORDER, "invoice_b2b_title_force"),
                (ORDER, "invoice_b2b_id_force")
            ]
        ),
        table!(
            "電子發票欄位異動",
            InvoiceAddressLock,
            [(ORDER, "invoice_b2b_address_force")]
        ),
        table!(
            "含不含簡訊費",
            AgentSmsFeeType,
            [(ORDER, "agent_sms_fee_type")]
        ),
        table!(
            "含不含手續費類型",
            AgentChargeFeeType,
            [(ORDER, "agent_charge_fee_type")]
        ),
        table!("驗證折價券方式", VoucherType, [(ORDER, "voucher_type")]),
        table!(
            "發票金額開立類型",
            VoucherInvoiceType,
            [(ORDER, "voucher_invoice_type")]
        ),
        table!(
            "信用卡別類型",
            CardType,
            [(DONE, "card_type"), (QUERY, "card_type")]
        ),
        table!(
            "交易服務類型",
            TransactionMode,
            [(DONE, "transaction_mode"), (QUERY, "transaction_mode")]
        ),
        table!(
            "金流供應商代碼",
            SupplierCode,
            [(DONE, "supplier_code"), (QUERY, "supplier_code")]
        ),
        // The query table types trans_type string; the three report tables
        // integer and the query example sends 1: written as a number.
        table!("交易類型定義", TransType, [(DONE, "trans_type")]),
        table!(
            "閘道內容回傳格式類型",
            ResultType,
            [(DONE, "result_type"), (QUERY, "result_type")]
        ),
        table!(
            "資料內容所屬支付名稱",
            ResultContentType,
            [
                (DONE, "result_content_type"),
                (QUERY, "result_content_type")
            ]
        ),
        table!(
            "有價票券發行者",
            PaidVoucherIssuer,
            [("『有償票券項目』欄位", "issuer")]
        ),
        table!(
            "退款時票券金額是否歸還",
            RefundReturnType,
            [("『有償票券項目』欄位", "refund_return_type")]
        ),
        table!(
            "免費票券發行者",
            FreeVoucherIssuer,
            [("『無償票券項目』欄位", "issuer")]
        ),
        table!("紅利資訊類型", RedeemType, [("『紅利資訊』欄位", "type")]),
        table!(
            "電子發票開立狀態類型",
            InvoiceState,
            [
                (QUERY, "invoice_state"),
                ("『交易查詢-退款資訊』欄位", "invoice_state")
            ]
        ),
        table!(
            "電子發票紙本列印標題類型",
            InvoiceTitleType,
            [(QUERY, "invoice_title_type")]
        ),
        table!(
            "電子發票列印類型",
            InvoicePrintType,
            [(QUERY, "invoice_print_type")]
        ),
        table!(
            "電子發票列印設備",
            InvoicePrintDevice,
            [(QUERY, "invoice_print_device")]
        ),
        table!(
            "電子發票退款時使用作廢或折讓",
            RefundInvoiceState,
            [("『交易退款-折價券模式』欄位", "invoice_state")]
        ),
        table!(
            "是否為經銷商代收費模式",
            IsAgentCharge,
            [(ORDER, "is_agent_charge"), (DONE, "is_agent_charge")]
        ),
    ]
}

/// Appendix-1-only PFN codes, which 『付款方式』 does not list.
const PFN_APPENDIX_ONLY: &[&str] = &["CASH", "EASYCARD", "IPASS", "ICASH"];

#[test]
fn every_value_table_has_its_documented_codes_and_no_others() {
    let text = common::api_text();
    let found = common::value_tables(&text);
    let ours = tables();
    for (name, rows) in &found {
        let mapped: Vec<&Table> = ours.iter().filter(|t| t.name == name).collect();
        assert!(
            !mapped.is_empty(),
            "『{name}』值內容 has no enum: map it in tables()"
        );
        for t in mapped {
            for row in rows {
                let (documented, code) = (t.parse)(&row.code);
                assert!(
                    documented,
                    "『{name}』: {} is not a documented variant",
                    row.code
                );
                assert_eq!(code, row.code, "『{name}』");
            }
            let table_codes: BTreeSet<&str> = rows.iter().map(|r| r.code.as_str()).collect();
            let enum_codes: BTreeSet<&str> = t
                .all
                .iter()
                .map(|(c, _)| c.as_str())
                .filter(|c| !(t.name == "付款方式" && PFN_APPENDIX_ONLY.contains(c)))
                .collect();
            assert_eq!(
                enum_codes, table_codes,
                "『{name}』: the enum lists other codes than the table"
            );
        }
    }
    for t in &ours {
        assert!(
            found.iter().any(|(n, _)| n == t.name),
            "『{}』值內容 is not in the API text",
            t.name
        );
    }
}

#[test]
fn every_value_table_keeps_unknown_codes_in_other() {
    for t in tables() {
        let (documented, code) = (t.parse)("ZZ-new");
        assert!(!documented, "『{}』", t.name);
        assert_eq!(code, "ZZ-new");
        assert_eq!(
            (t.from_json)(json!("ZZ-new")).unwrap(),
            "ZZ-new",
            "『{}』",
            t.name
        );
        assert_eq!((t.from_json)(json!(987)).unwrap(), "987", "『{}』", t.name);
        assert!(
            (t.from_json)(json!({})).is_err(),
            "『{}』: an object is an error, not a panic",
            t.name
        );
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "string",
        Value::Number(_) => "integer",
        _ => "other",
    }
}

#[test]
fn every_code_is_read_from_a_number_or_string_and_written_as_its_fields_table_says() {
    let tables_text = common::field_tables(&common::api_text());
    for t in tables() {
        for (table, field) in t.carriers {
            let row = common::field_table(&tables_text, table)
                .rows
                .iter()
                .find(|r| r.name == *field);
            let row = row.unwrap_or_else(|| panic!("{table} has no {field}"));
            let want = if row.ty == "int" {
                "integer"
            } else {
                row.ty.as_str()
            };
            for (code, written) in &t.all {
                // A code that is not a number is written as a string whatever the type.
                let expect = if code.parse::<i64>().is_ok() {
                    want
                } else {
                    "string"
                };
                assert_eq!(
                    kind(written),
                    expect,
                    "『{}』 {code} for {table} {field}",
                    t.name
                );
                assert_eq!((t.from_json)(json!(code)).unwrap(), *code);
                if let Ok(n) = code.parse::<i64>() {
                    assert_eq!(
                        (t.from_json)(json!(n)).unwrap(),
                        *code,
                        "『{}』 {code} as a number",
                        t.name
                    );
                }
            }
        }
    }
}

#[test]
fn where_value_and_field_tables_disagree_on_type_the_field_table_governs() {
    // The 型態 column of these value tables disagrees with the type of the
    // field that carries them; what travels is the field, so the field's
    // table governs output (input accepts both).
    let text = common::api_text();
    let fields = common::field_tables(&text);
    let values = common::value_tables(&text);
    let mut disagree = BTreeSet::new();
    for t in tables() {
        let (_, rows) = values.iter().find(|(n, _)| n == t.name).unwrap();
        for (table, field) in t.carriers {
            let ty = &common::field_table(&fields, table)
                .rows
                .iter()
                .find(|r| r.name == *field)
                .unwrap()
                .ty;
            let ty = if ty == "int" { "integer" } else { ty.as_str() };
            if rows.iter().any(|r| r.ty != ty) {
                disagree.insert(format!("{} {field}", t.name));
            }
        }
    }
    let expected: BTreeSet<String> = [
        "證號類型 user_sn_type",
        "幣別類型 currency",
        "交易類型 transaction_type",
        "雲端發票類型 invoice_cloud_type",
        "電子發票欄位異動 invoice_b2b_title_force",
        "電子發票欄位異動 invoice_b2b_id_force",
        "紅利資訊類型 type",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(disagree, expected);
}

// ---------------------------------------------------------------- appendix 1

#[test]
fn every_appendix_1_pfn_number_is_an_alias_of_its_code() {
    let rows = common::appendix1_pfn(&common::api_text());
    assert_eq!(rows.len(), 31);
    for (number, code) in rows {
        let by_number = Pfn::from_code(&number);
        let by_code = Pfn::from_code(&code);
        assert!(by_number.is_documented(), "pfn={number}");
        assert_eq!(by_number, by_code, "pfn={number} ≡ pfn={code}");
        assert_eq!(
            by_number.number().map(|n| n.to_string()),
            Some(number.clone())
        );
        // As a JSON number too.
        let n: i64 = number.parse().unwrap();
        assert_eq!(serde_json::from_value::<Pfn>(json!(n)).unwrap(), by_code);
        // Written as the code (『付款方式』 types pfn string); appendix 1's
        // JKOOF is 『付款方式』's JKOOFF.
        let written = if code == "JKOOF" {
            "JKOOFF".to_owned()
        } else {
            code.clone()
        };
        assert_eq!(serde_json::to_value(&by_number).unwrap(), json!(written));
    }
    assert_eq!(Pfn::from_code("27"), Pfn::PiOn);
    assert_eq!(Pfn::from_code("PION"), Pfn::PiOn);
}

#[test]
fn pfn_codes_without_a_number_have_none() {
    for code in ["all", "MobilePayAll", "UNIONPAY", "SVC", "EACH"] {
        assert_eq!(Pfn::from_code(code).number(), None, "{code}");
    }
    // The samples send pfn "0": no table lists it, so it is kept as sent.
    assert_eq!(Pfn::from_code("0"), Pfn::Other("0".into()));
}

// ---------------------------------------------------------------- appendix 2

#[test]
fn every_appendix_2_status_code_is_documented_and_classified() {
    let text = common::api_text();
    let codes = common::appendix2_codes(&text);
    assert_eq!(codes.len(), 22);
    let class = |c: &str| StatusCode::from_code(c).class();
    for c in &codes {
        assert!(StatusCode::from_code(c).is_documented(), "{c}");
    }
    // mypay-facts.md, from appendix 2.
    for c in ["250", "600"] {
        assert_eq!(class(c), StatusClass::Paid, "{c}");
    }
    assert_eq!(class("290"), StatusClass::PaidMismatch);
    for c in [
        "245", "247", "260", "265", "270", "275", "280", "282", "284", "A0001",
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
    assert_eq!(class("999"), StatusClass::Unknown);
    // Every row's code is classified as something other than Unknown.
    for c in &codes {
        assert_ne!(class(c), StatusClass::Unknown, "{c}");
    }
}

#[test]
fn every_status_code_named_in_appendix_2s_details_is_documented() {
    // "250:代表消費者付款成功", "275:無卡分期-請等候審查通過", ...
    let text = common::api_text();
    let a = text.find("附錄二").unwrap();
    let b = text.find("附錄三").unwrap();
    for line in text[a..b].lines() {
        if let Some((code, _)) = line.split_once(':') {
            if code.len() >= 3 && code.chars().all(|c| c.is_ascii_alphanumeric()) {
                assert!(
                    StatusCode::from_code(code).is_documented(),
                    "{code} (from {line:?})"
                );
            }
        }
    }
}

// ---------------------------------------------------------------- callback reports

/// The query example's values, as form text (arrays as JSON text).
fn example_values() -> serde_json::Map<String, Value> {
    serde_json::from_str(&common::repo_file("fixtures/api/query_reply.json")).unwrap()
}

fn form_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A report body with every field of `table`, valued as in the examples.
fn report_body(table: &str, overrides: &[(&str, &str)]) -> String {
    let tables = common::field_tables(&common::api_text());
    let ex = example_values();
    let mut form = form_urlencoded::Serializer::new(String::new());
    for row in &common::field_table(&tables, table).rows {
        let v = overrides
            .iter()
            .find(|(k, _)| *k == row.name)
            .map(|(_, v)| (*v).to_owned())
            .or_else(|| ex.get(&row.name).map(form_text))
            .unwrap_or_default();
        form.append_pair(&row.name, &v);
    }
    for (k, v) in overrides {
        if !common::field_table(&tables, table)
            .rows
            .iter()
            .any(|r| r.name == *k)
        {
            form.append_pair(k, v);
        }
    }
    form.finish()
}

fn assert_every_field_parsed(table: &str, n: &Notification) {
    let tables = common::field_tables(&common::api_text());
    let out = serde_json::to_value(n).unwrap();
    for row in &common::field_table(&tables, table).rows {
        assert!(
            !n.extra.contains_key(&row.name),
            "{table}: {} landed in extra",
            row.name
        );
        // Empty amounts read as "not set" and are omitted; everything else is there.
        let empty_amount = ["cost", "actual_cost"].contains(&row.name.as_str());
        assert!(
            out.get(&row.name).is_some() || empty_amount,
            "{table}: {} is lost",
            row.name
        );
    }
}

const IBON: &str = r#"{"PinCode":"ABC12345678","LimitDate":"20211025235959","BarCode1":"101025627","BarCode2":"1234567890123456","BarCode3":"102500000000900","BarcodeEndDate":"20211025235959"}"#;

#[test]
fn a_transaction_complete_report_parses_from_its_form_body() {
    let table = "『交易完成回傳資訊』回報欄位";
    let n = Notification::from_form(&report_body(table, &[("prc", "250")])).unwrap();
    assert_every_field_parsed(table, &n);
    assert_eq!(n.kind(), ReportKind::TransactionComplete);
    assert_eq!(n.transaction.status_class(), StatusClass::Paid);
    assert_eq!(n.transaction.cost, Some(StrInt(900)));
    let paid = n.transaction.voucher_paid.as_ref().unwrap();
    assert_eq!(paid[0].serial_number, "P1634864897");
    assert_eq!(paid[0].cost, Some(Int(50)));
    assert_eq!(
        n.transaction.voucher_free.as_ref().unwrap()[0].name,
        "VIP免費券"
    );
    assert_eq!(n.transaction.supplier_code, Some(SupplierCode::T0));
    assert_eq!(n.transaction.is_agent_charge, Some(IsAgentCharge::No));
}

#[test]
fn a_non_realtime_report_260_with_ibon_codes_parses_from_its_form_body() {
    let table = "『非即時交易回傳資訊』回報欄位";
    let body = report_body(
        table,
        &[
            ("prc", "260"),
            ("pfn", "CSTORECODE"),
            ("result_type", "4"),
            ("result_content_type", "IBON"),
            ("result_content", IBON),
            ("finishtime", ""),
        ],
    );
    let n = Notification::from_form(&body).unwrap();
    assert_every_field_parsed(table, &n);
    assert_eq!(n.kind(), ReportKind::NonRealtime);
    assert_eq!(n.transaction.status_class(), StatusClass::Pending);
    assert_eq!(
        n.transaction.result_content_type,
        Some(ResultContentType::Ibon)
    );
    // The codes stay the exact text sent, and read as 『ibon』's fields.
    assert_eq!(n.transaction.result_content.as_deref(), Some(IBON));
    let codes = n.transaction.payment_codes().unwrap();
    let tables = common::field_tables(&common::api_text());
    for row in &common::field_table(&tables, "『ibon』欄位").rows {
        assert!(codes.contains_key(&row.name), "{}", row.name);
    }
    assert_eq!(n.transaction.pfn, Some(Pfn::CStoreCode));
    assert!(Pfn::CStoreCode.is_deferred());
}

#[test]
fn an_order_confirmation_report_parses_from_its_form_body() {
    let table = "『訂單確認回傳資訊』回報欄位";
    let n = Notification::from_form(&report_body(table, &[("prc", "600")])).unwrap();
    assert_every_field_parsed(table, &n);
    assert_eq!(n.kind(), ReportKind::OrderConfirmation);
    assert_eq!(n.transaction.status_class(), StatusClass::Paid);
}

#[test]
fn a_refund_report_parses_from_its_form_body() {
    let table = "『交易完成回傳資訊』回報欄位";
    let body = report_body(
        table,
        &[
            ("prc", "230"),
            ("refund_uid", "95232"),
            ("refund_type", "1"),
            ("expected_refund_date", ""),
        ],
    );
    let n = Notification::from_form(&body).unwrap();
    assert_every_field_parsed(table, &n);
    assert_eq!(n.kind(), ReportKind::Refund);
    assert_eq!(n.refund_uid, Some(Text("95232".into())));
    assert_eq!(n.refund_type, Some(RefundType::Online));
    assert!(n.extra.is_empty());
}

#[test]
fn reports_read_php_bracket_arrays_like_json_text_arrays() {
    let json_text = "uid=95217&key=k&prc=250&voucher_paid=%5B%7B%22product_id%22%3A%22P01%22%2C%22serial_number%22%3A%22S1%22%2C%22cost%22%3A50%7D%5D";
    let brackets = "uid=95217&key=k&prc=250&voucher_paid[0][product_id]=P01&voucher_paid[0][serial_number]=S1&voucher_paid[0][cost]=50";
    assert_eq!(
        Notification::from_form(json_text).unwrap(),
        Notification::from_form(brackets).unwrap()
    );
}

#[test]
fn text_fields_that_look_like_json_stay_text() {
    let n = Notification::from_form(
        "uid=1&prc=250&echo_0=%5B1%5D&echo_1=%7B%7D&redeem=%7B%22type%22%3A%221%22%7D",
    )
    .unwrap();
    assert_eq!(n.transaction.echo_0.as_deref(), Some("[1]"));
    assert_eq!(n.transaction.echo_1.as_deref(), Some("{}"));
    assert_eq!(n.transaction.redeem.as_deref(), Some(r#"{"type":"1"}"#));
}

#[test]
fn reports_round_trip_through_to_form_and_from_form() {
    let bodies = [
        report_body("『交易完成回傳資訊』回報欄位", &[("prc", "250")]),
        report_body(
            "『非即時交易回傳資訊』回報欄位",
            &[("prc", "260"), ("result_content", IBON)],
        ),
        report_body("『訂單確認回傳資訊』回報欄位", &[("prc", "600")]),
        report_body(
            "『交易完成回傳資訊』回報欄位",
            &[
                ("prc", "230"),
                ("refund_uid", "95232"),
                ("refund_type", "1"),
                ("zz_future", "kept"),
            ],
        ),
    ];
    for body in bodies {
        let n = Notification::from_form(&body).unwrap();
        let again = Notification::from_form(&n.to_form().unwrap()).unwrap();
        assert_eq!(again, n);
    }
    let n = Notification {
        transaction: Transaction {
            uid: Some("1".into()),
            result_content: Some(IBON.into()),
            ..Transaction::default()
        },
        ..Notification::default()
    };
    assert_eq!(Notification::from_form(&n.to_form().unwrap()).unwrap(), n);
}

// ---------------------------------------------------------------- hostile input

#[test]
fn hostile_forms_give_errors_not_panics() {
    type Expect = fn(&FormError) -> bool;
    let cases: &[(&str, Expect)] = &[
        ("uid=1&uid=2", |e| matches!(e, FormError::DuplicateField(_))),
        ("voucher_paid[0][x]=1&voucher_paid[0][x]=2", |e| {
            matches!(e, FormError::DuplicateField(_))
        }),
        ("voucher_paid=[]&voucher_paid[0][x]=1", |e| {
            matches!(e, FormError::BadFieldName(_))
        }),
        ("voucher_paid[0=1", |e| {
            matches!(e, FormError::BadFieldName(_))
        }),
        ("voucher_paid[0]]=1", |e| {
            matches!(e, FormError::BadFieldName(_))
        }),
        ("[0]=1", |e| matches!(e, FormError::BadFieldName(_))),
        ("a[1][2][3][4][5]=1", |e| {
            matches!(e, FormError::BadFieldName(_))
        }),
        ("uid=%FF%FE", |e| matches!(e, FormError::NotUtf8(_))),
        ("%C3%28=1", |e| matches!(e, FormError::NotUtf8(_))),
        ("cost=99999999999999999999999999", |e| {
            matches!(e, FormError::Fields(_))
        }),
        ("cost=-99999999999999999999999999", |e| {
            matches!(e, FormError::Fields(_))
        }),
        ("cost=1.5", |e| matches!(e, FormError::Fields(_))),
        ("voucher_paid=%5B%7B", |e| matches!(e, FormError::Fields(_))),
        ("voucher_paid=not-json", |e| {
            matches!(e, FormError::Fields(_))
        }),
        ("voucher_paid[0][cost]=1e400", |e| {
            matches!(e, FormError::Fields(_))
        }),
        ("0=a&1=b", |e| matches!(e, FormError::Fields(_))),
    ];
    for (body, expected) in cases {
        let err = Notification::from_form(body).unwrap_err();
        assert!(expected(&err), "{body}: {err:?}");
    }
    // Odd but harmless bodies parse.
    for body in ["", "&&&", "=", "a", "a=%", "a=%2", "a=%zz", "a==b"] {
        assert!(form_to_map(body).is_ok(), "{body}");
    }
}
