//! `validate_order` / `validate_refund`, one test per rule of the API text
//! (『PayPage金流交易-折價券模式』欄位, 『商品項目』, 『有償票券項目』,
//! 『無償票券項目』, 『交易退款-折價券模式』欄位), named after the rule.

mod common;

use mypay_link::codes::*;
use mypay_link::lenient::{Int, StrInt, Text};
use mypay_link::models::{FreeVoucher, Item, OrderRequest, PaidVoucher, RefundRequest, VoucherRef};
use mypay_link::validate::{
    validate_order, validate_refund, PaidOrder, Problem, ProblemCode, ORDER_ID_MAX_BYTES,
    VOUCHER_PRODUCT_ID_MAX_BYTES,
};

/// The order the API text's sample clients send.
fn sample_order() -> OrderRequest {
    serde_json::from_str(&common::repo_file("fixtures/api/order_request.json")).unwrap()
}

/// The refund the API text's sample clients send.
fn sample_refund() -> RefundRequest {
    serde_json::from_str(&common::repo_file("fixtures/api/refund_request.json")).unwrap()
}

fn paid_order_of_sample_refund() -> PaidOrder {
    PaidOrder {
        cost: 900,
        voucher_paid: vec![VoucherRef {
            product_id: "P01".into(),
            serial_number: "P1634634156".into(),
        }],
    }
}

fn problems(o: &OrderRequest) -> Vec<Problem> {
    validate_order(o).err().unwrap_or_default()
}

fn refund_problems(r: &RefundRequest, order: Option<&PaidOrder>) -> Vec<Problem> {
    validate_refund(r, order).err().unwrap_or_default()
}

/// Asserts `(path, code)` is among the problems.
#[track_caller]
fn has(ps: &[Problem], path: &str, code: ProblemCode) {
    assert!(
        ps.iter().any(|p| p.path == path && p.code == code),
        "expected {path} {code}, got:\n  {}",
        ps.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n  ")
    );
}

#[track_caller]
fn only(ps: &[Problem], path: &str, code: ProblemCode) {
    has(ps, path, code);
    assert_eq!(ps.len(), 1, "{ps:#?}");
}

fn item(id: &str, cost: i64, amount: i64, total: i64) -> Item {
    Item {
        id: id.into(),
        name: format!("item {id}"),
        cost: Some(Int(cost)),
        amount: Some(Int(amount)),
        total: Some(Int(total)),
        image_url: None,
    }
}

fn paid(product: &str, serial: &str, cost: i64) -> PaidVoucher {
    PaidVoucher {
        product_id: product.into(),
        serial_number: serial.into(),
        name: "好食券".into(),
        cost: Some(Int(cost)),
        issuer: Some(PaidVoucherIssuer::Platform),
        refund_return_type: Some(RefundReturnType::ToStore),
    }
}

fn free(product: &str, serial: &str, cost: i64) -> FreeVoucher {
    FreeVoucher {
        product_id: product.into(),
        serial_number: serial.into(),
        name: "VIP免費券".into(),
        cost: Some(Int(cost)),
        issuer: Some(FreeVoucherIssuer::Store),
    }
}

// ---------------------------------------------------------------- the sample

#[test]
fn the_api_texts_sample_order_validates_clean() {
    assert_eq!(validate_order(&sample_order()), Ok(()));
}

#[test]
fn the_api_texts_sample_refund_validates_clean_as_a_full_voucher_refund() {
    assert_eq!(
        validate_refund(&sample_refund(), Some(&paid_order_of_sample_refund())),
        Ok(())
    );
    assert_eq!(validate_refund(&sample_refund(), None), Ok(()));
}

// ---------------------------------------------------------------- 必填

#[test]
fn required_order_fields_are_the_tables_必填_fields() {
    // The table's 必填 rows, read from the API text.
    let text = common::api_text();
    let tables = common::field_tables(&text);
    let required: Vec<String> = common::field_table(&tables, "『PayPage金流交易-折價券模式』欄位")
        .rows
        .iter()
        .filter(|r| r.required)
        .map(|r| r.name.clone())
        .collect();
    assert_eq!(
        required,
        ["store_uid", "user_id", "cost", "order_id", "ip", "items"]
    );
    let ps = problems(&OrderRequest::default());
    for f in &required {
        has(&ps, f, ProblemCode::Required);
    }
    // Blank is missing.
    let mut o = sample_order();
    o.store_uid = Text("  ".into());
    only(&problems(&o), "store_uid", ProblemCode::Required);
}

#[test]
fn required_item_fields_are_the_tables_必填_fields() {
    let tables = common::field_tables(&common::api_text());
    let required: Vec<String> = common::field_table(&tables, "『商品項目』欄位")
        .rows
        .iter()
        .filter(|r| r.required)
        .map(|r| r.name.clone())
        .collect();
    assert_eq!(required, ["id", "name", "cost", "amount", "total"]);
    let mut o = sample_order();
    o.items = vec![Item::default()];
    o.cost = Some(StrInt(0));
    o.voucher_paid = None;
    o.voucher_free = None;
    let ps = problems(&o);
    for f in &required {
        has(&ps, &format!("items[0].{f}"), ProblemCode::Required);
    }
}

#[test]
fn required_refund_fields_are_the_tables_必填_fields() {
    let tables = common::field_tables(&common::api_text());
    let required: Vec<String> = common::field_table(&tables, "『交易退款-折價券模式』欄位")
        .rows
        .iter()
        .filter(|r| r.required)
        .map(|r| r.name.clone())
        .collect();
    assert_eq!(required, ["store_uid", "key", "uid", "cost"]);
    // voucher_paid (若有使用折價券模式) and items (若使用電子發票) are 必填 only
    // under a condition: see voucher_mode_refund_lists_every_paid_voucher_once.
    let conditional: Vec<String> = common::field_table(&tables, "『交易退款-折價券模式』欄位")
        .rows
        .iter()
        .filter(|r| r.conditional)
        .map(|r| r.name.clone())
        .collect();
    assert_eq!(conditional, ["voucher_paid", "items"]);
    let ps = refund_problems(&RefundRequest::default(), None);
    for f in &required {
        has(&ps, f, ProblemCode::Required);
    }
    assert_eq!(ps.len(), required.len(), "{ps:#?}");
}

// ---------------------------------------------------------------- lengths

#[test]
fn order_id_is_at_most_50_bytes_and_chinese_counts_bytes() {
    assert_eq!(ORDER_ID_MAX_BYTES, 50);
    let mut o = sample_order();
    o.order_id = Text("a".repeat(50));
    assert_eq!(validate_order(&o), Ok(()));
    o.order_id = Text("a".repeat(51));
    only(&problems(&o), "order_id", ProblemCode::TooLong);
    // 17 CJK characters are 51 bytes: too long, though only 17 characters.
    o.order_id = Text("訂".repeat(17));
    only(&problems(&o), "order_id", ProblemCode::TooLong);
    o.order_id = Text(format!("{}ab", "訂".repeat(16)));
    assert_eq!(o.order_id.as_str().len(), 50);
    assert_eq!(validate_order(&o), Ok(()));
}

#[test]
fn voucher_product_id_is_at_most_32_bytes() {
    assert_eq!(VOUCHER_PRODUCT_ID_MAX_BYTES, 32);
    let mut o = sample_order();
    o.voucher_paid.as_mut().unwrap()[0].product_id = "P".repeat(32);
    assert_eq!(validate_order(&o), Ok(()));
    o.voucher_paid.as_mut().unwrap()[0].product_id = "P".repeat(33);
    only(
        &problems(&o),
        "voucher_paid[0].product_id",
        ProblemCode::TooLong,
    );
    let mut o = sample_order();
    o.voucher_free.as_mut().unwrap()[0].product_id = "券".repeat(11); // 33 bytes
    only(
        &problems(&o),
        "voucher_free[0].product_id",
        ProblemCode::TooLong,
    );
}

// ---------------------------------------------------------------- serial numbers

#[test]
fn serial_numbers_are_unique_within_a_product_id() {
    let mut o = sample_order();
    o.items = vec![item("1", 1000, 1, 1000)];
    o.voucher_paid = Some(vec![paid("P01", "S1", 50), paid("P01", "S1", 50)]);
    o.voucher_free = None;
    o.cost = Some(StrInt(900));
    only(
        &problems(&o),
        "voucher_paid[1].serial_number",
        ProblemCode::DuplicateSerial,
    );
    // Across the paid and free lists too: same group, same serial.
    o.voucher_paid = Some(vec![paid("G1", "S1", 50)]);
    o.voucher_free = Some(vec![free("G1", "S1", 50)]);
    only(
        &problems(&o),
        "voucher_free[0].serial_number",
        ProblemCode::DuplicateSerial,
    );
}

#[test]
fn the_same_serial_in_different_product_ids_is_fine() {
    let mut o = sample_order();
    o.voucher_paid = Some(vec![paid("P01", "S1", 25), paid("P02", "S1", 25)]);
    assert_eq!(validate_order(&o), Ok(()));
}

#[test]
fn voucher_fields_the_rules_depend_on_are_required() {
    // 『有償票券項目』 / 『無償票券項目』 mark nothing 必填, but product_id and
    // serial_number identify the voucher (uniqueness rule), cost enters the
    // cost rule, and name is the voucher's line on the invoice (the query
    // example's invoice_order_detail lists "VIP免費券 -50").
    let mut o = sample_order();
    o.voucher_paid = Some(vec![PaidVoucher::default()]);
    o.voucher_free = Some(vec![FreeVoucher::default()]);
    o.cost = Some(StrInt(1000));
    let ps = problems(&o);
    for list in ["voucher_paid", "voucher_free"] {
        for f in ["product_id", "serial_number", "name", "cost"] {
            has(&ps, &format!("{list}[0].{f}"), ProblemCode::Required);
        }
    }
    assert_eq!(ps.len(), 8, "{ps:#?}");
}

// ---------------------------------------------------------------- arithmetic

#[test]
fn item_total_is_cost_times_amount() {
    let mut o = sample_order();
    o.items = vec![item("1", 300, 3, 900), item("2", 100, 1, 100)];
    assert_eq!(validate_order(&o), Ok(()));
    o.items[0].total = Some(Int(901));
    o.cost = Some(StrInt(901));
    only(
        &problems(&o),
        "items[0].total",
        ProblemCode::LineTotalMismatch,
    );
}

#[test]
fn item_amount_is_at_least_one() {
    let mut o = sample_order();
    o.items[0].amount = Some(Int(0));
    has(
        &problems(&o),
        "items[0].amount",
        ProblemCode::InvalidQuantity,
    );
}

#[test]
fn cost_is_item_totals_minus_paid_and_free_voucher_costs() {
    // 支付總金額 = 物品之總價加總 + 運費 - 折價券總金額: 1000 − 50 − 50.
    let mut o = sample_order();
    o.cost = Some(StrInt(950));
    only(&problems(&o), "cost", ProblemCode::CostMismatch);
    o.cost = Some(StrInt(1000));
    only(&problems(&o), "cost", ProblemCode::CostMismatch);
    o.voucher_free = None;
    o.cost = Some(StrInt(950));
    assert_eq!(validate_order(&o), Ok(()));
}

#[test]
fn shipping_travels_as_an_item_line() {
    let mut o = sample_order();
    o.items.push(Item {
        id: "shipping".into(),
        name: "運費".into(),
        cost: Some(Int(60)),
        amount: Some(Int(1)),
        total: Some(Int(60)),
        image_url: None,
    });
    o.cost = Some(StrInt(960));
    assert_eq!(validate_order(&o), Ok(()));
}

#[test]
fn cost_is_not_negative() {
    let mut o = sample_order();
    o.cost = Some(StrInt(-1));
    has(&problems(&o), "cost", ProblemCode::NegativeAmount);
    // Vouchers worth more than the items.
    let mut o = sample_order();
    o.voucher_paid.as_mut().unwrap()[0].cost = Some(Int(2000));
    o.cost = Some(StrInt(0));
    only(&problems(&o), "cost", ProblemCode::NegativeAmount);
    // A negative price or voucher value.
    let mut o = sample_order();
    o.voucher_free.as_mut().unwrap()[0].cost = Some(Int(-50));
    has(
        &problems(&o),
        "voucher_free[0].cost",
        ProblemCode::NegativeAmount,
    );
}

#[test]
fn a_zero_cost_order_fully_paid_by_vouchers_is_allowed() {
    let mut o = sample_order();
    o.voucher_paid.as_mut().unwrap()[0].cost = Some(Int(950));
    o.cost = Some(StrInt(0));
    assert_eq!(validate_order(&o), Ok(()));
}

// ---------------------------------------------------------------- voucher_type

#[test]
fn vouchers_need_voucher_type_1_or_2() {
    for vt in [
        None,
        Some(VoucherType::None),
        Some(VoucherType::Other("3".into())),
    ] {
        let mut o = sample_order();
        o.voucher_type = vt.clone();
        only(
            &problems(&o),
            "voucher_type",
            ProblemCode::VoucherTypeRequired,
        );
    }
    for vt in [VoucherType::Fixed, VoucherType::RealTime] {
        let mut o = sample_order();
        o.voucher_type = Some(vt);
        assert_eq!(validate_order(&o), Ok(()));
    }
    // Without vouchers voucher_type is free.
    let mut o = sample_order();
    o.voucher_paid = None;
    o.voucher_free = None;
    o.voucher_type = None;
    o.cost = Some(StrInt(1000));
    assert_eq!(validate_order(&o), Ok(()));
}

// ---------------------------------------------------------------- is_agent_charge

fn fees(
    fee: Option<i64>,
    sms: Option<&str>,
    charge: Option<&str>,
    explicit: Option<&str>,
) -> OrderRequest {
    OrderRequest {
        agent_charge_fee: fee.map(Int),
        agent_sms_fee_type: sms.map(AgentSmsFeeType::from_code),
        agent_charge_fee_type: charge.map(AgentChargeFeeType::from_code),
        is_agent_charge: explicit.map(IsAgentCharge::from_code),
        ..sample_order()
    }
}

#[test]
fn is_agent_charge_explicit_value_wins() {
    assert_eq!(
        fees(Some(90), Some("1"), Some("1"), Some("1")).effective_is_agent_charge(),
        IsAgentCharge::Yes
    );
    assert_eq!(
        fees(Some(90), Some("1"), Some("1"), Some("0")).effective_is_agent_charge(),
        IsAgentCharge::No
    );
    assert_eq!(
        fees(None, None, None, Some("1")).effective_is_agent_charge(),
        IsAgentCharge::Yes
    );
}

#[test]
fn is_agent_charge_defaults_to_1_with_a_fee_or_included_sms_or_charge_fee() {
    assert_eq!(
        fees(Some(90), None, None, None).effective_is_agent_charge(),
        IsAgentCharge::Yes
    );
    assert_eq!(
        fees(None, Some("1"), None, None).effective_is_agent_charge(),
        IsAgentCharge::Yes
    );
    assert_eq!(
        fees(None, None, Some("1"), None).effective_is_agent_charge(),
        IsAgentCharge::Yes
    );
    // The sample: fee 90, both types 1.
    assert_eq!(
        sample_order().effective_is_agent_charge(),
        IsAgentCharge::Yes
    );
}

#[test]
fn is_agent_charge_1_rule_wins_where_the_texts_two_default_sentences_overlap() {
    // The 0-sentence reads "no fee, and no SMS fee, or no card fee ... → 0",
    // which for (no fee, SMS fee included, card fee excluded) contradicts the
    // 1-sentence ("a fee, or SMS fee included, or card fee included → 1").
    // Resolved: any one of the three makes it 1; 0 only when none does.
    assert_eq!(
        fees(None, Some("1"), Some("0"), None).effective_is_agent_charge(),
        IsAgentCharge::Yes
    );
    assert_eq!(
        fees(Some(0), Some("0"), Some("1"), None).effective_is_agent_charge(),
        IsAgentCharge::Yes
    );
}

#[test]
fn is_agent_charge_defaults_to_0_otherwise() {
    assert_eq!(
        fees(None, None, None, None).effective_is_agent_charge(),
        IsAgentCharge::No
    );
    assert_eq!(
        fees(Some(0), Some("0"), Some("0"), None).effective_is_agent_charge(),
        IsAgentCharge::No
    );
}

#[test]
fn is_agent_charge_0_against_fee_fields_is_a_conflict() {
    for (fee, sms, charge) in [
        (Some(90), None, None),
        (None, Some("1"), None),
        (None, None, Some("1")),
    ] {
        only(
            &problems(&fees(fee, sms, charge, Some("0"))),
            "is_agent_charge",
            ProblemCode::AgentChargeConflict,
        );
    }
    // Agreeing values are no conflict.
    assert_eq!(
        validate_order(&fees(Some(0), Some("0"), Some("0"), Some("0"))),
        Ok(())
    );
    assert_eq!(
        validate_order(&fees(Some(90), Some("1"), Some("1"), Some("1"))),
        Ok(())
    );
}

#[test]
fn agent_charge_fee_is_not_negative() {
    has(
        &problems(&fees(Some(-1), None, None, None)),
        "agent_charge_fee",
        ProblemCode::NegativeAmount,
    );
}

// ---------------------------------------------------------------- refunds

#[test]
fn voucher_mode_refund_is_the_full_paid_amount() {
    let mut r = sample_refund();
    r.cost = Some(StrInt(450));
    only(
        &refund_problems(&r, Some(&paid_order_of_sample_refund())),
        "cost",
        ProblemCode::RefundNotFull,
    );
    // Full = 實際支付金額 (cost) with every paid voucher listed, not cost + vouchers.
    r.cost = Some(StrInt(950));
    only(
        &refund_problems(&r, Some(&paid_order_of_sample_refund())),
        "cost",
        ProblemCode::RefundNotFull,
    );
}

#[test]
fn voucher_mode_refund_lists_every_paid_voucher_once() {
    let order = PaidOrder {
        cost: 900,
        voucher_paid: vec![
            VoucherRef {
                product_id: "P01".into(),
                serial_number: "A".into(),
            },
            VoucherRef {
                product_id: "P01".into(),
                serial_number: "B".into(),
            },
        ],
    };
    let mut r = sample_refund();
    r.voucher_paid = Some(order.voucher_paid.clone());
    assert_eq!(validate_refund(&r, Some(&order)), Ok(()));
    // Order does not matter.
    r.voucher_paid = Some(order.voucher_paid.iter().rev().cloned().collect());
    assert_eq!(validate_refund(&r, Some(&order)), Ok(()));
    // One missing, one foreign, one twice.
    r.voucher_paid = Some(vec![order.voucher_paid[0].clone()]);
    only(
        &refund_problems(&r, Some(&order)),
        "voucher_paid",
        ProblemCode::RefundVouchersMismatch,
    );
    r.voucher_paid = Some(vec![
        order.voucher_paid[0].clone(),
        VoucherRef {
            product_id: "P02".into(),
            serial_number: "B".into(),
        },
    ]);
    only(
        &refund_problems(&r, Some(&order)),
        "voucher_paid",
        ProblemCode::RefundVouchersMismatch,
    );
    r.voucher_paid = Some(vec![
        order.voucher_paid[0].clone(),
        order.voucher_paid[1].clone(),
        order.voucher_paid[1].clone(),
    ]);
    only(
        &refund_problems(&r, Some(&order)),
        "voucher_paid",
        ProblemCode::RefundVouchersMismatch,
    );
    // 若有使用折價券模式,則此欄位為必填.
    r.voucher_paid = None;
    only(
        &refund_problems(&r, Some(&order)),
        "voucher_paid",
        ProblemCode::Required,
    );
}

#[test]
fn refund_voucher_refs_need_product_id_and_serial() {
    let mut r = sample_refund();
    r.voucher_paid = Some(vec![VoucherRef::default()]);
    let ps = refund_problems(&r, None);
    has(&ps, "voucher_paid[0].product_id", ProblemCode::Required);
    has(&ps, "voucher_paid[0].serial_number", ProblemCode::Required);
}

#[test]
fn refund_items_sum_to_cost() {
    let mut r = sample_refund();
    r.items = Some(vec![item("1", 450, 2, 900)]);
    assert_eq!(validate_refund(&r, None), Ok(()));
    r.items = Some(vec![item("1", 450, 1, 450)]);
    only(
        &refund_problems(&r, None),
        "items",
        ProblemCode::RefundItemsMismatch,
    );
}

#[test]
fn refund_items_are_item_lines_with_every_field_and_a_matching_total() {
    let mut r = sample_refund();
    r.items = Some(vec![Item {
        name: "好棒棒麻辣鍋湯包".into(),
        total: Some(Int(900)),
        ..Item::default()
    }]);
    let ps = refund_problems(&r, None);
    for f in ["id", "cost", "amount"] {
        has(&ps, &format!("items[0].{f}"), ProblemCode::Required);
    }
    r.items = Some(vec![item("1", 450, 1, 900)]);
    only(
        &refund_problems(&r, None),
        "items[0].total",
        ProblemCode::LineTotalMismatch,
    );
}

// ---------------------------------------------------------------- whole TWD and overflow

#[test]
fn amounts_are_whole_twd_and_fractions_are_refused_at_parse() {
    for bad in [
        r#"{"cost": 900.5}"#,
        r#"{"cost": "900.5"}"#,
        r#"{"cost": "9e2"}"#,
        r#"{"cost": "NT$900"}"#,
    ] {
        assert!(serde_json::from_str::<OrderRequest>(bad).is_err(), "{bad}");
    }
    for bad in [
        r#"{"items": [{"cost": 1.25}]}"#,
        r#"{"voucher_paid": [{"cost": "0.5"}]}"#,
    ] {
        assert!(serde_json::from_str::<OrderRequest>(bad).is_err(), "{bad}");
    }
    let ok: OrderRequest = serde_json::from_str(r#"{"cost": " 900 "}"#).unwrap();
    assert_eq!(ok.cost, Some(StrInt(900)));
}

#[test]
fn huge_values_give_amount_overflow_never_a_panic() {
    let huge = i64::MAX;
    let mut o = sample_order();
    o.items = vec![
        item("1", huge, huge, huge),
        item("2", huge / 2, 2, huge - 1),
    ];
    o.voucher_paid.as_mut().unwrap()[0].cost = Some(Int(huge));
    o.cost = Some(StrInt(huge));
    o.agent_charge_fee = Some(Int(huge));
    let ps = problems(&o);
    for path in [
        "cost",
        "items[0].cost",
        "items[0].amount",
        "items[0].total",
        "voucher_paid[0].cost",
        "agent_charge_fee",
    ] {
        has(&ps, path, ProblemCode::AmountOverflow);
    }
    // Each within range, their product is not.
    let mut o = sample_order();
    o.items = vec![item(
        "1",
        1_000_000_000_000,
        1_000_000_000_000,
        1_000_000_000_000,
    )];
    has(&problems(&o), "items[0].total", ProblemCode::AmountOverflow);
    // Refunds too.
    let mut r = sample_refund();
    r.cost = Some(StrInt(huge));
    r.items = Some(vec![item("1", huge, 1, huge), item("2", huge, 1, huge)]);
    has(
        &refund_problems(&r, Some(&paid_order_of_sample_refund())),
        "cost",
        ProblemCode::AmountOverflow,
    );
    // Out of i64 entirely: refused at parse.
    assert!(serde_json::from_str::<OrderRequest>(r#"{"cost": 99999999999999999999999}"#).is_err());
    assert!(
        serde_json::from_str::<OrderRequest>(r#"{"cost": "-99999999999999999999999"}"#).is_err()
    );
}

// ---------------------------------------------------------------- all at once

#[test]
fn all_problems_are_reported_at_once_each_with_path_and_stable_code() {
    let mut o = sample_order();
    o.store_uid = Text::default();
    o.order_id = Text("x".repeat(60));
    o.items[0].total = Some(Int(999));
    o.voucher_type = None;
    o.voucher_paid.as_mut().unwrap()[0].product_id = "P".repeat(40);
    o.is_agent_charge = Some(IsAgentCharge::No);
    let ps = problems(&o);
    has(&ps, "store_uid", ProblemCode::Required);
    has(&ps, "order_id", ProblemCode::TooLong);
    has(&ps, "items[0].total", ProblemCode::LineTotalMismatch);
    has(&ps, "voucher_type", ProblemCode::VoucherTypeRequired);
    has(&ps, "voucher_paid[0].product_id", ProblemCode::TooLong);
    has(&ps, "is_agent_charge", ProblemCode::AgentChargeConflict);
    has(&ps, "cost", ProblemCode::CostMismatch);
    assert_eq!(ps.len(), 7, "{ps:#?}");
    // The codes serialize as stable snake_case strings.
    let json = serde_json::to_value(&ps[0]).unwrap();
    assert_eq!(json["path"], "store_uid");
    assert_eq!(json["code"], "required");
}

#[test]
fn problem_codes_are_stable_strings() {
    let all = [
        (ProblemCode::Required, "required"),
        (ProblemCode::TooLong, "too_long"),
        (ProblemCode::DuplicateSerial, "duplicate_serial"),
        (ProblemCode::LineTotalMismatch, "line_total_mismatch"),
        (ProblemCode::CostMismatch, "cost_mismatch"),
        (ProblemCode::NegativeAmount, "negative_amount"),
        (ProblemCode::InvalidQuantity, "invalid_quantity"),
        (ProblemCode::VoucherTypeRequired, "voucher_type_required"),
        (ProblemCode::AgentChargeConflict, "agent_charge_conflict"),
        (ProblemCode::RefundNotFull, "refund_not_full"),
        (
            ProblemCode::RefundVouchersMismatch,
            "refund_vouchers_mismatch",
        ),
        (ProblemCode::RefundItemsMismatch, "refund_items_mismatch"),
        (ProblemCode::AmountOverflow, "amount_overflow"),
    ];
    for (code, s) in all {
        assert_eq!(code.as_str(), s);
        assert_eq!(serde_json::to_value(code).unwrap(), s);
        assert_eq!(
            serde_json::from_value::<ProblemCode>(s.into()).unwrap(),
            code
        );
    }
}

/// 『電子錢包交易必要欄位』: an e-wallet `pfn` needs the six fields; a
/// card payment does not.
#[test]
fn wallet_methods_require_the_wallet_fields() {
    let mut o = sample_order();
    o.pfn = Some(Pfn::LinePayOn);
    o.user_name = None;
    o.user_real_name = None;
    o.user_english_name = None;
    o.user_cellphone_code = None;
    o.user_cellphone = None;
    o.user_email = Some("  ".into());
    let mut paths: Vec<String> = problems(&o)
        .into_iter()
        .filter(|p| p.code == ProblemCode::Required)
        .map(|p| p.path)
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "user_cellphone",
            "user_cellphone_code",
            "user_email",
            "user_english_name",
            "user_name",
            "user_real_name"
        ]
    );
    o.user_name = Some("王小明".into());
    o.user_real_name = Some("王小明".into());
    o.user_english_name = Some("Wang Hsiao-Ming".into());
    o.user_cellphone_code = Some("886".into());
    o.user_cellphone = Some("0912345678".into());
    o.user_email = Some("ming@example.com".into());
    assert_eq!(validate_order(&o), Ok(()));
    for p in Pfn::ALL {
        let mut bare = sample_order();
        bare.pfn = Some(p.clone());
        bare.user_email = None;
        assert_eq!(
            validate_order(&bare).is_err(),
            p.is_wallet(),
            "{p} without the wallet fields"
        );
    }
}
