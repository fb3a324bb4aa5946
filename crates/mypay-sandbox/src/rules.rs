//! The sandbox's own reading of the API text, independent of the client's
//! validator (`mypay_link::validate`): what MYPAY refuses, read straight from
//! the field tables of 『PayPage金流交易-折價券模式』 and
//! 『交易退款-折價券模式』, the value tables (值內容, appendix 1), and the
//! sentences beside them. Where the text says nothing, the sandbox accepts.
//!
//! Orders (refused with code `100` 資料錯誤):
//! - 必填: `store_uid`, `user_id`, `cost`, `order_id`, `ip`, `items`; each
//!   『商品項目』 needs `id`, `name`, `cost`, `amount`, `total` (all 必填),
//!   the three amounts whole numbers.
//! - `order_id` at most 50 bytes; a voucher `product_id` at most 32 bytes;
//!   a voucher serial is unique within its `product_id` (the text: 每一個票券
//!   群組的票券券號必須是唯一), so the same one twice in an order is refused.
//! - `cost` = 物品之總價加總 + 運費 − 折價券總金額: the items' `total`s (shipping
//!   travels as an item) minus every voucher's `cost`, paid and free.
//! - Fields with a value table take only its values (`pfn` by code or by
//!   appendix 1 number, plus `"0"`, which every sample sends).
//! - An e-wallet order (every `pfn` it names an e-wallet, [`WALLET_PFNS`])
//!   carries the 電子錢包交易必要欄位 ([`WALLET_USER_FIELDS`]); the text
//!   gives this refusal no code of its own, so it is 100 like the others.
//! - `echo_0`…`echo_4` are strings (returned as sent); `limit_pay_days` a
//!   number of days (1 or more); `creditcard_installment` JSON text of
//!   counts (2 or more) to non-empty lists of 3-digit bank codes.
//! - Invoice carrier fields where they take effect (此欄位才有效; ignored
//!   elsewhere): 手機條碼, 自然人憑證條碼, 愛心碼, 統一編號 and 郵遞區號 in the
//!   Ministry of Finance's formats (which the text does not spell out and
//!   MYPAY passes on); `invoice_input_type` 3 (paper) only without an
//!   invoice issued with the PayPage order (the text: 絕對不可以使用此模式).
//!   A carrier left open is the shopper's choice on the payment page.
//!
//! Not checked, because the text does not say so: an item's `total` against
//! `cost` × `amount`, signs of item amounts, voucher `name`/`cost` being
//! present (a missing voucher cost counts 0), `voucher_type` being set when
//! vouchers are sent, `is_agent_charge` 0 beside fees (the text: an explicit
//! `is_agent_charge` wins), the format of `ip`.
//!
//! Refunds (refused with code `B500` 執行失敗): 必填 `store_uid`, `key`, `uid`,
//! `cost`; an order in voucher mode is refunded in full only (`cost` = the
//! amount paid, `voucher_paid` listing every paid voucher of the order, sent
//! even when it has only free vouchers: `[]`); `invoice_state` 4 or 6, and
//! not 4 (the default) once the invoice's two-month period is over
//! (跨發票月份無法作廢); `items` required when an e-invoice was issued,
//! except for a full refund (系統會自動補齊), and when sent they carry the
//! order's item names and sum to `cost`.

use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashSet};
use std::fmt;

/// Longest `order_id` (訂單編號最長為50bytes).
pub const ORDER_ID_MAX_BYTES: usize = 50;
/// Longest voucher `product_id` (票券群組編號最長限32 Bytes).
pub const PRODUCT_ID_MAX_BYTES: usize = 32;

/// One thing MYPAY would refuse.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// `path: message; path: message` for a reply's `msg`.
pub fn summary(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }

    fn finish<T>(self, ok: T) -> Result<T, Vec<Problem>> {
        if self.0.is_empty() {
            Ok(ok)
        } else {
            Err(self.0)
        }
    }
}

/// 『付款方式』 codes, with appendix 1's extra codes (CASH, EASYCARD, IPASS,
/// ICASH) and its spelling `JKOOF`.
pub const PFN_CODES: &[&str] = &[
    "all",
    "MobilePayAll",
    "CREDITCARD",
    "CSTORECODE",
    "WEBATM",
    "E_COLLECTION",
    "UNIONPAY",
    "SVC",
    "ABROAD",
    "ALIPAY",
    "WECHAT",
    "DIRECTDEBIT",
    "LINEPAYON",
    "LINEPAYOFF",
    "WECHATOFF",
    "APPLEPAY",
    "GOOGLEPAY",
    "EACH",
    "C_INSTALLMENT",
    "C_REDEEM",
    "CARDLESS",
    "PION",
    "PIOFF",
    "AMEX",
    "JKOON",
    "JKOOFF",
    "JKOOF",
    "ALIPAYOFF",
    "M_RECHARGE",
    "EASYWALLETON",
    "EASYWALLETOFF",
    "AFP",
    "BARCODE",
    "CASH",
    "EASYCARD",
    "IPASS",
    "ICASH",
];

/// Appendix 1: number → code.
pub const PFN_NUMBERS: &[(&str, &str)] = &[
    ("1", "CREDITCARD"),
    ("3", "CSTORECODE"),
    ("4", "WEBATM"),
    ("6", "E_COLLECTION"),
    ("9", "ABROAD"),
    ("10", "ALIPAY"),
    ("13", "WECHAT"),
    ("14", "DIRECTDEBIT"),
    ("15", "LINEPAYON"),
    ("16", "LINEPAYOFF"),
    ("19", "WECHATOFF"),
    ("20", "APPLEPAY"),
    ("21", "GOOGLEPAY"),
    ("23", "C_INSTALLMENT"),
    ("24", "C_REDEEM"),
    ("25", "CARDLESS"),
    ("27", "PION"),
    ("28", "PIOFF"),
    ("29", "AMEX"),
    ("31", "JKOON"),
    ("32", "JKOOFF"),
    ("33", "ALIPAYOFF"),
    ("34", "M_RECHARGE"),
    ("36", "AFP"),
    ("37", "CASH"),
    ("38", "EASYWALLETON"),
    ("39", "EASYWALLETOFF"),
    ("40", "EASYCARD"),
    ("41", "IPASS"),
    ("42", "ICASH"),
    ("43", "BARCODE"),
];

/// The methods the refund API serves (支援即時退款的支付方式): 信用卡, 美國運通,
/// LINEPay, Pi錢包, 街口支付, 微信支付, 支付寶, 悠遊付, 現金, GooglePay, ApplePay.
pub const INSTANT_REFUND_PFNS: &[&str] = &[
    "CREDITCARD",
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
];

/// Card methods: a manual refund of these is 退款類型 2 (手動退款(信用卡類));
/// of any other method 3 (手動退款(現金類)).
pub const CARD_PFNS: &[&str] = &[
    "CREDITCARD",
    "AMEX",
    "GOOGLEPAY",
    "APPLEPAY",
    "C_INSTALLMENT",
    "C_REDEEM",
    "ABROAD",
    "UNIONPAY",
];

/// A payment method's code: `27` → `PION`, `jkoof` → `JKOOFF`; `None` when
/// it is not in the tables.
pub fn canonical_pfn(p: &str) -> Option<&'static str> {
    let p = p.trim();
    if let Some((_, code)) = PFN_NUMBERS.iter().find(|(n, _)| *n == p) {
        return Some(code);
    }
    let code = PFN_CODES.iter().find(|c| c.eq_ignore_ascii_case(p))?;
    Some(if *code == "JKOOF" { "JKOOFF" } else { code })
}

/// Whether the refund API serves this method.
pub fn instant_refund(pfn: &str) -> bool {
    canonical_pfn(pfn)
        .map(|c| INSTANT_REFUND_PFNS.contains(&c))
        .unwrap_or(false)
}

/// 退款類型 of a manual refund of this method: "2" cards, "3" cash-type.
pub fn manual_refund_type(pfn: &str) -> &'static str {
    match canonical_pfn(pfn) {
        Some(c) if CARD_PFNS.contains(&c) => "2",
        _ => "3",
    }
}

/// Request fields of an order with a value table, and the table.
const ORDER_TABLES: &[(&str, &[&str])] = &[
    ("user_sn_type", &["1", "2", "3"]),
    ("currency", &["TWD", "CNY"]),
    ("enable_dcc", &["0", "1"]),
    ("enable_quickpay", &["0", "1"]),
    ("transaction_type", &["1", "2"]),
    ("issue_invoice_state", &["0", "1", "2"]),
    ("invoice_ratetype", &["1", "2", "3"]),
    ("invoice_input_type", &["1", "2", "3"]),
    ("invoice_cloud_type", &["2", "3", "4"]),
    ("invoice_b2b_title_force", &["0", "1"]),
    ("invoice_b2b_id_force", &["0", "1"]),
    ("invoice_b2b_address_force", &["0", "1"]),
    ("agent_sms_fee_type", &["0", "1"]),
    ("agent_charge_fee_type", &["0", "1"]),
    ("is_agent_charge", &["0", "1"]),
    ("voucher_type", &["0", "1", "2"]),
    ("voucher_invoice_type", &["1", "2"]),
];

/// Request fields typed integer without a value table.
const ORDER_WHOLE: &[&str] = &["limit_pay_days", "agent_charge_fee"];

/// A scalar field as text: strings as sent, numbers written out.
enum Scalar {
    /// Absent, `null` or `""`.
    Missing,
    Text(String),
    /// An array, an object or a boolean where text belongs.
    Other,
}

fn scalar(v: Option<&Value>) -> Scalar {
    match v {
        None | Some(Value::Null) => Scalar::Missing,
        Some(Value::String(s)) if s.trim().is_empty() => Scalar::Missing,
        Some(Value::String(s)) => Scalar::Text(s.trim().to_owned()),
        Some(Value::Number(n)) => Scalar::Text(n.to_string()),
        Some(_) => Scalar::Other,
    }
}

/// A whole number from `900`, `900.0` or `"900"`.
pub fn whole(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => {
            let t = s.trim();
            let digits = t.strip_prefix('-').unwrap_or(t);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            t.parse().ok()
        }
        _ => None,
    }
}

/// An array, or JSON text holding one (a form-encoded body carries arrays
/// as text).
fn array(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::Array(a) => Some(a.clone()),
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Array(a)) => Some(a),
            _ => None,
        },
        _ => None,
    }
}

/// The field under its name or, for vouchers, the samples' camelCase name.
fn field<'a>(o: &'a Map<String, Value>, name: &str, alias: Option<&str>) -> Option<&'a Value> {
    match o.get(name) {
        Some(v) if !v.is_null() => Some(v),
        _ => alias.and_then(|a| o.get(a)),
    }
}

/// Checks a required scalar; returns its text.
fn required_text(
    p: &mut Problems,
    o: &Map<String, Value>,
    path: &str,
    name: &str,
) -> Option<String> {
    match scalar(o.get(name)) {
        Scalar::Text(t) => Some(t),
        Scalar::Missing => {
            p.push(path, "必填 (required)");
            None
        }
        Scalar::Other => {
            p.push(path, "格式錯誤 (must be a string or a number)");
            None
        }
    }
}

/// Checks a required whole number.
fn required_whole(p: &mut Problems, o: &Map<String, Value>, path: &str, name: &str) -> Option<i64> {
    match o.get(name) {
        None | Some(Value::Null) => {
            p.push(path, "必填 (required)");
            None
        }
        Some(Value::String(s)) if s.trim().is_empty() => {
            p.push(path, "必填 (required)");
            None
        }
        Some(v) => {
            let n = whole(v);
            if n.is_none() {
                p.push(path, "須為整數 (must be a whole number)");
            }
            n
        }
    }
}

/// Checks one 『商品項目』 (every field 必填); returns its `total`.
fn check_item(p: &mut Problems, at: &str, v: &Value) -> (Option<String>, Option<i64>) {
    let Value::Object(item) = v else {
        p.push(at, "格式錯誤 (an item is an object)");
        return (None, None);
    };
    required_text(p, item, &format!("{at}.id"), "id");
    let name = required_text(p, item, &format!("{at}.name"), "name");
    required_whole(p, item, &format!("{at}.cost"), "cost");
    required_whole(p, item, &format!("{at}.amount"), "amount");
    let total = required_whole(p, item, &format!("{at}.total"), "total");
    (name, total)
}

/// Checks a `pfn` value (a code, an appendix 1 number, or the samples' `0`).
fn pfn_ok(value: &str) -> bool {
    value
        .split(',')
        .map(str::trim)
        .all(|p| p == "0" || canonical_pfn(p).is_some())
}

/// 『PayPage金流交易-折價券模式』 as MYPAY reads it.
pub fn check_order(o: &Map<String, Value>) -> Result<(), Vec<Problem>> {
    let mut p = Problems::default();
    required_text(&mut p, o, "store_uid", "store_uid");
    required_text(&mut p, o, "user_id", "user_id");
    required_text(&mut p, o, "ip", "ip");
    if let Some(id) = required_text(&mut p, o, "order_id", "order_id") {
        if id.len() > ORDER_ID_MAX_BYTES {
            p.push(
                "order_id",
                format!("訂單編號最長為50bytes (is {} bytes)", id.len()),
            );
        }
    }
    let cost = required_whole(&mut p, o, "cost", "cost");
    if let Some(c) = cost.filter(|c| *c < 0) {
        p.push("cost", format!("支付總金額不可為負 (is {c})"));
    }

    for (name, table) in ORDER_TABLES {
        match scalar(o.get(*name)) {
            Scalar::Missing => {}
            Scalar::Text(t) if table.contains(&t.as_str()) => {}
            Scalar::Text(t) => p.push(
                *name,
                format!(
                    "值不在值參考之內 ({t:?} is not one of {})",
                    table.join(", ")
                ),
            ),
            Scalar::Other => p.push(*name, "格式錯誤 (must be a string or a number)"),
        }
    }
    match scalar(o.get("pfn")) {
        Scalar::Missing => {}
        Scalar::Text(t) if pfn_ok(&t) => {}
        Scalar::Text(t) => p.push(
            "pfn",
            format!("付款方式不在『付款方式』或附錄一之內 ({t:?})"),
        ),
        Scalar::Other => p.push("pfn", "格式錯誤 (must be a string or a number)"),
    }
    for name in ORDER_WHOLE {
        match o.get(*name) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.trim().is_empty() => {}
            Some(v) if whole(v).is_some() => {}
            Some(_) => p.push(*name, "須為整數 (must be a whole number)"),
        }
    }

    let mut totals: Option<i128> = Some(0);
    match o.get("items") {
        None | Some(Value::Null) => p.push("items", "必填 (required)"),
        Some(v) => match array(v) {
            None => p.push("items", "格式錯誤 (must be an array of items)"),
            Some(items) if items.is_empty() => p.push("items", "必填 (at least one item)"),
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    let (_, total) = check_item(&mut p, &format!("items[{i}]"), item);
                    totals = match (totals, total) {
                        (Some(sum), Some(t)) => Some(sum + i128::from(t)),
                        _ => None,
                    };
                }
            }
        },
    }
    if p.0.iter().any(|x| x.path == "items") {
        totals = None;
    }

    let mut vouchers: Option<i128> = Some(0);
    let mut seen: HashSet<(String, String)> = HashSet::new();
    for (list, alias, issuers, refund_types) in [
        (
            "voucher_paid",
            "voucherPaid",
            &["1", "2"][..],
            Some(&["1", "2", "3"][..]),
        ),
        ("voucher_free", "voucherFree", &["1", "2", "3"][..], None),
    ] {
        let Some(v) = field(o, list, Some(alias)) else {
            continue;
        };
        if matches!(v, Value::String(s) if s.trim().is_empty()) {
            continue;
        }
        let Some(entries) = array(v) else {
            p.push(list, "格式錯誤 (must be an array of vouchers)");
            vouchers = None;
            continue;
        };
        for (i, entry) in entries.iter().enumerate() {
            let at = format!("{list}[{i}]");
            let Value::Object(e) = entry else {
                p.push(at, "格式錯誤 (a voucher is an object)");
                vouchers = None;
                continue;
            };
            let product = match scalar(e.get("product_id")) {
                Scalar::Text(t) => t,
                _ => String::new(),
            };
            if product.len() > PRODUCT_ID_MAX_BYTES {
                p.push(
                    format!("{at}.product_id"),
                    format!("票券群組編號最長限32 Bytes (is {} bytes)", product.len()),
                );
            }
            if let Scalar::Text(serial) = scalar(e.get("serial_number")) {
                if !seen.insert((product.clone(), serial.clone())) {
                    p.push(
                        format!("{at}.serial_number"),
                        format!("票券券號重複 (serial {serial} of group {product} appears twice)"),
                    );
                }
            }
            match e.get("cost") {
                None | Some(Value::Null) => {}
                Some(Value::String(s)) if s.trim().is_empty() => {}
                Some(c) => match whole(c) {
                    Some(c) => vouchers = vouchers.map(|s| s + i128::from(c)),
                    None => {
                        p.push(format!("{at}.cost"), "須為整數 (must be a whole number)");
                        vouchers = None;
                    }
                },
            }
            if let Scalar::Text(t) = scalar(e.get("issuer")) {
                if !issuers.contains(&t.as_str()) {
                    p.push(
                        format!("{at}.issuer"),
                        format!(
                            "值不在值參考之內 ({t:?} is not one of {})",
                            issuers.join(", ")
                        ),
                    );
                }
            }
            if let (Some(table), Scalar::Text(t)) =
                (refund_types, scalar(e.get("refund_return_type")))
            {
                if !table.contains(&t.as_str()) {
                    p.push(
                        format!("{at}.refund_return_type"),
                        format!(
                            "值不在值參考之內 ({t:?} is not one of {})",
                            table.join(", ")
                        ),
                    );
                }
            }
        }
    }

    check_options(&mut p, o);

    if let (Some(cost), Some(items), Some(vouchers)) = (cost, totals, vouchers) {
        let expected = items - vouchers;
        if i128::from(cost) != expected {
            p.push(
                "cost",
                format!(
                    "支付總金額 = 物品之總價加總 + 運費 - 折價券總金額 (cost {cost}, but items {items} − vouchers {vouchers} = {expected})"
                ),
            );
        }
    }
    p.finish(())
}

/// The e-wallets (電子錢包): the methods of 『付款方式』 `MobilePayAll`
/// (支付寶、Pi 拍錢包、LINEPay、微信、街口支付、悠遊付) and Apple Pay / Google
/// Pay. The text marks `user_name`, `user_real_name`, `user_english_name`,
/// `user_cellphone_code`, `user_cellphone` and `user_email` as
/// 電子錢包交易必要欄位.
pub const WALLET_PFNS: &[&str] = &[
    "MobilePayAll",
    "ALIPAY",
    "ALIPAYOFF",
    "WECHAT",
    "WECHATOFF",
    "PION",
    "PIOFF",
    "LINEPAYON",
    "LINEPAYOFF",
    "JKOON",
    "JKOOFF",
    "EASYWALLETON",
    "EASYWALLETOFF",
    "APPLEPAY",
    "GOOGLEPAY",
];

/// 電子錢包交易必要欄位.
pub const WALLET_USER_FIELDS: &[&str] = &[
    "user_name",
    "user_real_name",
    "user_english_name",
    "user_cellphone_code",
    "user_cellphone",
    "user_email",
];

/// Whether an order with this `pfn` is an e-wallet payment: every method it
/// names is an e-wallet (with `all`, or a list that also names a card or a
/// store code, the shopper may still pay otherwise: MYPAY's page asks then).
pub fn wallet_pfn(pfn: &str) -> bool {
    let mut any = false;
    for m in pfn.split(',').map(str::trim).filter(|m| !m.is_empty()) {
        match canonical_pfn(m) {
            Some(c) if WALLET_PFNS.contains(&c) => any = true,
            _ => return false,
        }
    }
    any
}

/// `creditcard_installment` (國內信用卡分期顯示限定), read: JSON text such as
/// `{"3": ["013", "822"], "6": ["822"]}`: each key an instalment count, each
/// value the banks (3-digit 銀行代碼) that offer it. Counts ascending.
pub fn installments(text: &str) -> Result<Vec<(u32, Vec<String>)>, String> {
    let Ok(Value::Object(m)) = serde_json::from_str::<Value>(text) else {
        return Err(
            "須為 JSON 物件文字 (JSON text of an object such as {\"3\":[\"013\",\"822\"]})".into(),
        );
    };
    if m.is_empty() {
        return Err("至少一種分期期數 (at least one instalment count)".into());
    }
    let mut out = Vec::new();
    for (count, banks) in &m {
        let n =
            count.trim().parse::<u32>().ok().filter(|n| {
                (2..=99).contains(n) && count.trim().bytes().all(|b| b.is_ascii_digit())
            });
        let Some(n) = n else {
            return Err(format!(
                "分期期數須為 2 以上之整數 ({count:?} is not an instalment count)"
            ));
        };
        let Some(list) = banks.as_array().filter(|l| !l.is_empty()) else {
            return Err(format!(
                "期數 {count} 須對應銀行代碼陣列 (a non-empty array of bank codes)"
            ));
        };
        let mut codes = Vec::new();
        for b in list {
            match b.as_str().map(str::trim) {
                Some(c) if c.len() == 3 && c.bytes().all(|x| x.is_ascii_digit()) => {
                    codes.push(c.to_owned())
                }
                _ => {
                    return Err(format!(
                        "期數 {count}: 銀行代碼須為 3 位數字 ({b} is not a bank code)"
                    ))
                }
            }
        }
        out.push((n, codes));
    }
    out.sort_by_key(|(n, _)| *n);
    Ok(out)
}

/// 手機條碼: `/` and 7 of `0-9 A-Z . + -` (the Ministry of Finance's
/// carrier format, which MYPAY passes on to the e-invoice platform).
pub fn mobile_barcode_ok(s: &str) -> bool {
    s.len() == 8
        && s.starts_with('/')
        && s.bytes()
            .skip(1)
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b"+-.".contains(&b))
}

/// 自然人憑證條碼: two capital letters and 14 digits.
pub fn natural_person_ok(s: &str) -> bool {
    s.len() == 16
        && s.bytes().take(2).all(|b| b.is_ascii_uppercase())
        && s.bytes().skip(2).all(|b| b.is_ascii_digit())
}

/// 愛心碼: 3 to 7 digits.
pub fn love_code_ok(s: &str) -> bool {
    (3..=7).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// 統一編號: 8 digits.
pub fn tax_id_ok(s: &str) -> bool {
    s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit())
}

/// 郵遞區號: 3, 5 or 6 digits.
pub fn post_zone_ok(s: &str) -> bool {
    matches!(s.len(), 3 | 5 | 6) && s.bytes().all(|b| b.is_ascii_digit())
}

fn text_of(o: &Map<String, Value>, name: &str) -> Option<String> {
    match scalar(o.get(name)) {
        Scalar::Text(t) => Some(t),
        _ => None,
    }
}

/// The order's options beyond the shapes: e-wallet user fields, echo
/// fields, `limit_pay_days`, `creditcard_installment`, and the invoice
/// carrier fields where they take effect (a field the text calls valid only
/// with another value, 此欄位才有效, is ignored elsewhere).
fn check_options(p: &mut Problems, o: &Map<String, Value>) {
    // The text names no code of its own for a missing e-wallet field: it is
    // a data error like any other (100 資料錯誤).
    if let Some(pfn) = text_of(o, "pfn").filter(|t| wallet_pfn(t)) {
        for f in WALLET_USER_FIELDS {
            if matches!(scalar(o.get(*f)), Scalar::Missing) {
                p.push(
                    *f,
                    format!("電子錢包交易必要欄位 (required when paying by e-wallet, pfn {pfn})"),
                );
            }
        }
    }
    for i in 0..5 {
        let name = format!("echo_{i}");
        match o.get(&name) {
            None | Some(Value::Null) | Some(Value::String(_)) => {}
            Some(_) => p.push(name, "格式錯誤 (自訂回傳參數 is a string)"),
        }
    }
    if let Some(d) = o.get("limit_pay_days").and_then(whole) {
        if d < 1 {
            p.push(
                "limit_pay_days",
                format!("有效天數須為 1 以上 (a number of days, not {d})"),
            );
        }
    }
    match o.get("creditcard_installment") {
        None | Some(Value::Null) => {}
        Some(Value::String(t)) if t.trim().is_empty() => {}
        Some(Value::String(t)) => {
            if let Err(m) = installments(t) {
                p.push("creditcard_installment", m);
            }
        }
        Some(_) => p.push(
            "creditcard_installment",
            "格式錯誤 (string: JSON text such as {\"3\":[\"013\",\"822\"]})",
        ),
    }

    let input = text_of(o, "invoice_input_type");
    let issue = text_of(o, "issue_invoice_state");
    let format = |p: &mut Problems, name: &str, ok: fn(&str) -> bool, what: &str| {
        if let Some(v) = text_of(o, name) {
            if !ok(&v) {
                p.push(name, format!("格式錯誤 ({v:?} is not {what})"));
            }
        }
    };
    match input.as_deref() {
        Some("1") => {
            format(p, "invoice_tax_id", tax_id_ok, "8 digits");
            match text_of(o, "invoice_cloud_type").as_deref() {
                Some("2") => format(
                    p,
                    "invoice_mobile_code",
                    mobile_barcode_ok,
                    "a mobile barcode: / and 7 of 0-9 A-Z . + -",
                ),
                Some("3") => format(
                    p,
                    "invoice_natural_person",
                    natural_person_ok,
                    "a natural-person certificate: 2 capital letters and 14 digits",
                ),
                Some("4") => format(p, "invoice_m_post_zone", post_zone_ok, "3, 5 or 6 digits"),
                _ => {}
            }
        }
        Some("2") => format(p, "invoice_love_code", love_code_ok, "a love code of 3 to 7 digits"),
        Some("3") if issue.as_deref() != Some("0") => p.push(
            "invoice_input_type",
            "使用paypage交易與開立發票同時進行時,絕對不可以使用此模式 (3, a paper invoice, cannot go with a PayPage order that issues an invoice)",
        ),
        _ => {}
    }
}

/// A refund request's own fields, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundAsk {
    pub store_uid: String,
    pub uid: String,
    pub key: String,
    pub cost: i64,
    /// `4` void or `6` allowance, when sent.
    pub invoice_state: Option<String>,
    /// `voucher_paid` as (product_id, serial_number); `None` when not sent.
    pub vouchers: Option<Vec<(String, String)>>,
    /// `items` as (name, total), when sent.
    pub items: Option<Vec<(String, i64)>>,
}

/// Reads 『交易退款-折價券模式』: the 必填 fields and the shapes.
pub fn check_refund_fields(o: &Map<String, Value>) -> Result<RefundAsk, Vec<Problem>> {
    let mut p = Problems::default();
    let store_uid = required_text(&mut p, o, "store_uid", "store_uid");
    let key = required_text(&mut p, o, "key", "key");
    let uid = required_text(&mut p, o, "uid", "uid");
    let cost = required_whole(&mut p, o, "cost", "cost");
    if let Some(c) = cost.filter(|c| *c < 0) {
        p.push("cost", format!("退款金額不可為負 (is {c})"));
    }
    let invoice_state = match scalar(o.get("invoice_state")) {
        Scalar::Missing => None,
        Scalar::Text(t) if t == "4" || t == "6" => Some(t),
        Scalar::Text(t) => {
            p.push(
                "invoice_state",
                format!("值不在值參考之內 ({t:?} is not 4 or 6)"),
            );
            None
        }
        Scalar::Other => {
            p.push("invoice_state", "格式錯誤 (must be 4 or 6)");
            None
        }
    };
    let vouchers = match field(o, "voucher_paid", Some("voucherPaid")) {
        None => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(v) => match array(v) {
            None => {
                p.push("voucher_paid", "格式錯誤 (must be an array of vouchers)");
                None
            }
            Some(entries) => {
                let mut out = Vec::new();
                for (i, e) in entries.iter().enumerate() {
                    let Value::Object(e) = e else {
                        p.push(
                            format!("voucher_paid[{i}]"),
                            "格式錯誤 (a voucher is an object)",
                        );
                        continue;
                    };
                    let text = |k: &str| match scalar(e.get(k)) {
                        Scalar::Text(t) => t,
                        _ => String::new(),
                    };
                    out.push((text("product_id"), text("serial_number")));
                }
                Some(out)
            }
        },
    };
    let items = match o.get("items") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(v) => match array(v) {
            None => {
                p.push("items", "格式錯誤 (must be an array of items)");
                None
            }
            Some(entries) => {
                let mut out = Vec::new();
                for (i, e) in entries.iter().enumerate() {
                    if let (Some(name), Some(total)) = check_item(&mut p, &format!("items[{i}]"), e)
                    {
                        out.push((name, total));
                    }
                }
                Some(out)
            }
        },
    };
    match (store_uid, key, uid, cost) {
        (Some(store_uid), Some(key), Some(uid), Some(cost)) if p.0.is_empty() => Ok(RefundAsk {
            store_uid,
            uid,
            key,
            cost,
            invoice_state,
            vouchers,
            items,
        }),
        _ => p.finish(RefundAsk {
            store_uid: String::new(),
            uid: String::new(),
            key: String::new(),
            cost: 0,
            invoice_state: None,
            vouchers: None,
            items: None,
        }),
    }
}

/// What the refund rules need to know of the order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderFacts {
    /// The amount the shopper paid (the order's `cost`).
    pub paid: i64,
    /// 折價券模式: `voucher_type` 1 or 2, or vouchers on the order.
    pub voucher_mode: bool,
    /// The order's paid vouchers (product_id, serial_number).
    pub paid_vouchers: Vec<(String, String)>,
    /// The order's item names.
    pub item_names: Vec<String>,
    /// What earlier refunds (done or pending) already took.
    pub refunded: i64,
    /// An e-invoice was issued for the payment (and is not voided yet).
    pub invoice_issued: bool,
    /// The refund falls in the invoice's own period (發票期別: the two
    /// months it was issued in): it can still be voided.
    pub invoice_period_open: bool,
}

/// 發票期別 of a YYYYMMDD… date: (year, first month of its two-month period).
pub fn invoice_period(stamp: &str) -> Option<(i32, u32)> {
    let year = stamp.get(0..4)?.parse::<i32>().ok()?;
    let month = stamp.get(4..6)?.parse::<u32>().ok()?;
    (1..=12)
        .contains(&month)
        .then_some((year, month - (month + 1) % 2))
}

/// The refund against the order: full in voucher mode (`cost` = the amount
/// paid, `voucher_paid` = every paid voucher of the order, each once); at
/// most what is left otherwise; `items` named as on the order and summing
/// to `cost`.
pub fn check_refund_against(ask: &RefundAsk, order: &OrderFacts) -> Result<(), Vec<Problem>> {
    let mut p = Problems::default();
    let left = order.paid - order.refunded;
    if order.voucher_mode {
        if ask.cost != order.paid {
            p.push(
                "cost",
                format!(
                    "折價券模式需為全額退款 (a voucher-mode refund is the full amount paid, {}, not {})",
                    order.paid, ask.cost
                ),
            );
        }
    } else if ask.cost <= 0 {
        p.push("cost", "退款金額須大於 0 (the amount must be above 0)");
    } else if ask.cost > left {
        p.push(
            "cost",
            format!(
                "退款金額超過可退金額 (at most {left} is left to refund, not {})",
                ask.cost
            ),
        );
    }
    let listed = ask.vouchers.clone().unwrap_or_default();
    let got: BTreeSet<_> = listed.iter().cloned().collect();
    let want: BTreeSet<_> = order.paid_vouchers.iter().cloned().collect();
    if order.voucher_mode && ask.vouchers.is_none() {
        // Also for an order with free vouchers only: the field is sent, an
        // empty list.
        p.push(
            "voucher_paid",
            "若有使用折價券模式,則此欄位為必填 (list every paid voucher of the order; [] when it has none)",
        );
    } else if got.len() != listed.len() {
        p.push("voucher_paid", "票券重複 (a voucher is listed twice)");
    } else if let Some(unknown) = got.difference(&want).next() {
        p.push(
            "voucher_paid",
            format!(
                "非此訂單之有償票券 ({}/{} is not a paid voucher of the order)",
                unknown.0, unknown.1
            ),
        );
    } else if order.voucher_mode && got != want {
        p.push(
            "voucher_paid",
            "全額退款需包含所有有償折價券 (a full refund lists every paid voucher of the order)",
        );
    }
    let full = ask.cost == order.paid && order.refunded == 0;
    if order.invoice_issued {
        let state = ask.invoice_state.as_deref().unwrap_or("4");
        if state == "4" && !order.invoice_period_open {
            p.push(
                "invoice_state",
                "跨發票月份無法作廢 (the invoice is of an earlier invoice period: refund with invoice_state 6, an allowance)",
            );
        }
        if ask.items.is_none() && !full && !order.voucher_mode {
            p.push(
                "items",
                "若使用電子發票,此欄位必填 (an e-invoice was issued: list the refunded items; only a full refund may leave them out)",
            );
        }
    }
    if let Some(items) = &ask.items {
        for (i, (name, _)) in items.iter().enumerate() {
            if !order.item_names.iter().any(|n| n == name) {
                p.push(
                    format!("items[{i}].name"),
                    format!("退款項目之項目名稱必須和交易時之產品項目名稱相同 ({name:?})"),
                );
            }
        }
        let sum: i128 = items.iter().map(|(_, t)| i128::from(*t)).sum();
        if sum != i128::from(ask.cost) {
            p.push(
                "items",
                format!(
                    "退款項目之總金額必須與退款金額一致 (items sum to {sum}, cost is {})",
                    ask.cost
                ),
            );
        }
    }
    p.finish(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    /// The API text's PHP sample order.
    fn sample() -> Value {
        serde_json::from_str(crate::testing::EXAMPLE).unwrap()
    }

    fn paths(r: Result<(), Vec<Problem>>) -> Vec<String> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.path)
            .collect()
    }

    #[test]
    fn the_samples_order_passes() {
        assert_eq!(check_order(&obj(sample())), Ok(()));
        // The C# and Java samples' camelCase voucher keys.
        let mut v = sample();
        let m = v.as_object_mut().unwrap();
        let paid = m.remove("voucher_paid").unwrap();
        m.insert("voucherPaid".into(), paid);
        assert_eq!(check_order(&obj(v)), Ok(()));
    }

    #[test]
    fn required_fields() {
        for f in ["store_uid", "user_id", "cost", "order_id", "ip", "items"] {
            let mut v = sample();
            v.as_object_mut().unwrap().remove(f);
            assert!(paths(check_order(&obj(v))).contains(&f.to_string()), "{f}");
            let mut v = sample();
            v[f] = json!("");
            assert!(
                paths(check_order(&obj(v))).contains(&f.to_string()),
                "{f} empty"
            );
        }
        for f in ["id", "name", "cost", "amount", "total"] {
            let mut v = sample();
            v["items"][0].as_object_mut().unwrap().remove(f);
            let got = paths(check_order(&obj(v)));
            assert!(got.contains(&format!("items[0].{f}")), "{f}: {got:?}");
        }
        let mut v = sample();
        v["items"] = json!([]);
        assert_eq!(paths(check_order(&obj(v))), ["items"]);
        let mut v = sample();
        v["user_id"] = json!({"a": 1});
        assert_eq!(paths(check_order(&obj(v))), ["user_id"]);
    }

    #[test]
    fn cost_is_items_minus_every_voucher() {
        let mut v = sample();
        v["cost"] = json!(950);
        assert_eq!(
            paths(check_order(&obj(v))),
            ["cost"],
            "free vouchers count too"
        );
        let mut v = sample();
        v["cost"] = json!("abc");
        assert_eq!(paths(check_order(&obj(v))), ["cost"]);
        // Shipping travels as an item.
        let mut v = sample();
        v["items"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": "ship", "name": "運費", "cost": 60, "amount": 1, "total": 60}));
        v["cost"] = json!(960);
        assert_eq!(check_order(&obj(v)), Ok(()));
        // No vouchers: cost = items.
        let mut v = sample();
        let m = v.as_object_mut().unwrap();
        m.remove("voucher_paid");
        m.remove("voucher_free");
        m.insert("cost".into(), json!("1000"));
        assert_eq!(check_order(&obj(v)), Ok(()));
        // Arrays may come as JSON text (a form-encoded body).
        let mut v = sample();
        v["items"] = json!(v["items"].to_string());
        v["voucher_paid"] = json!(v["voucher_paid"].to_string());
        assert_eq!(check_order(&obj(v)), Ok(()));
    }

    #[test]
    fn lengths_duplicates_and_value_tables() {
        let mut v = sample();
        v["order_id"] = json!("x".repeat(51));
        assert_eq!(paths(check_order(&obj(v))), ["order_id"]);
        let mut v = sample();
        v["order_id"] = json!("訂".repeat(17)); // 51 bytes
        assert_eq!(paths(check_order(&obj(v))), ["order_id"]);
        let mut v = sample();
        v["voucher_paid"][0]["product_id"] = json!("P".repeat(33));
        assert_eq!(paths(check_order(&obj(v))), ["voucher_paid[0].product_id"]);
        let mut v = sample();
        v["voucher_free"][0]["product_id"] = json!("P01");
        v["voucher_free"][0]["serial_number"] = json!("P1635306439");
        assert_eq!(
            paths(check_order(&obj(v))),
            ["voucher_free[0].serial_number"]
        );
        for (f, bad) in [
            ("pfn", json!("PAYPAL")),
            ("pfn", json!(2)),
            ("currency", json!("USD")),
            ("voucher_type", json!("3")),
            ("voucher_invoice_type", json!(0)),
            ("invoice_input_type", json!(4)),
            ("is_agent_charge", json!("yes")),
            ("limit_pay_days", json!("seven")),
        ] {
            let mut v = sample();
            v[f] = bad.clone();
            assert_eq!(paths(check_order(&obj(v))), [f], "{f} {bad}");
        }
        let mut v = sample();
        v["voucher_paid"][0]["issuer"] = json!("3");
        assert_eq!(paths(check_order(&obj(v))), ["voucher_paid[0].issuer"]);
        let mut v = sample();
        v["voucher_free"][0]["issuer"] = json!(3);
        assert_eq!(check_order(&obj(v)), Ok(()), "free vouchers have issuer 3");
        for ok in [
            "CREDITCARD",
            "27",
            "JKOOF",
            "creditcard",
            "all",
            "MobilePayAll",
            "0",
            "",
        ] {
            let mut v = sample();
            v["pfn"] = json!(ok);
            if wallet_pfn(ok) {
                for f in WALLET_USER_FIELDS {
                    v[*f] = json!("x");
                }
            }
            assert_eq!(check_order(&obj(v)), Ok(()), "{ok}");
        }
    }

    #[test]
    fn lenient_where_the_text_is_silent() {
        let mut v = sample();
        // total ≠ cost × amount, negative-free checks, voucher without name
        // or cost, no voucher_type, is_agent_charge 0 beside a fee.
        v["items"][0]["cost"] = json!(3);
        v["voucher_paid"][0].as_object_mut().unwrap().remove("name");
        v["voucher_free"][0].as_object_mut().unwrap().remove("cost");
        v["cost"] = json!(950);
        let m = v.as_object_mut().unwrap();
        m.remove("voucher_type");
        m.insert("is_agent_charge".into(), json!(0));
        m.insert("ip".into(), json!("not an address"));
        assert_eq!(check_order(&obj(v)), Ok(()));
    }

    fn refund() -> Value {
        json!({"store_uid": "289151880002", "uid": "95047", "key": "85def7799fd15978cac14a44846f3a2a",
               "cost": 900, "voucher_paid": [{"product_id": "P01", "serial_number": "P1634634156"}], "invoice_state": 6})
    }

    fn facts() -> OrderFacts {
        OrderFacts {
            paid: 900,
            voucher_mode: true,
            paid_vouchers: vec![("P01".into(), "P1634634156".into())],
            item_names: vec!["好棒棒麻辣鍋湯包".into()],
            refunded: 0,
            invoice_issued: false,
            invoice_period_open: true,
        }
    }

    #[test]
    fn refund_fields() {
        let ask = check_refund_fields(&obj(refund())).unwrap();
        assert_eq!(ask.cost, 900);
        assert_eq!(ask.invoice_state.as_deref(), Some("6"));
        assert_eq!(check_refund_against(&ask, &facts()), Ok(()));
        for f in ["store_uid", "key", "uid", "cost"] {
            let mut v = refund();
            v.as_object_mut().unwrap().remove(f);
            let got: Vec<String> = check_refund_fields(&obj(v))
                .unwrap_err()
                .into_iter()
                .map(|p| p.path)
                .collect();
            assert_eq!(got, [f]);
        }
        let mut v = refund();
        v["invoice_state"] = json!(5);
        assert!(check_refund_fields(&obj(v)).is_err());
    }

    #[test]
    fn voucher_mode_refunds_are_full() {
        let read = |v: Value| check_refund_fields(&obj(v)).unwrap();
        let mut v = refund();
        v["cost"] = json!(500);
        assert!(check_refund_against(&read(v), &facts()).is_err());
        let mut v = refund();
        v.as_object_mut().unwrap().remove("voucher_paid");
        assert!(check_refund_against(&read(v), &facts()).is_err());
        let mut v = refund();
        v["voucher_paid"] = json!([]);
        assert!(check_refund_against(&read(v), &facts()).is_err());
        let mut v = refund();
        v["voucher_paid"][0]["serial_number"] = json!("OTHER");
        assert!(check_refund_against(&read(v), &facts()).is_err());
        let mut v = refund();
        v["voucher_paid"] = json!([{"product_id": "P01", "serial_number": "P1634634156"},
                                   {"product_id": "P01", "serial_number": "P1634634156"}]);
        assert!(check_refund_against(&read(v), &facts()).is_err());
        // Items: the order's names, summing to cost.
        let mut v = refund();
        v["items"] = json!([{"id": "1", "name": "好棒棒麻辣鍋湯包", "cost": 900, "amount": 1, "total": 900}]);
        assert_eq!(check_refund_against(&read(v), &facts()), Ok(()));
        let mut v = refund();
        v["items"] = json!([{"id": "1", "name": "別的", "cost": 900, "amount": 1, "total": 900}]);
        assert!(check_refund_against(&read(v), &facts()).is_err());
        let mut v = refund();
        v["items"] = json!([{"id": "1", "name": "好棒棒麻辣鍋湯包", "cost": 800, "amount": 1, "total": 800}]);
        assert!(check_refund_against(&read(v), &facts()).is_err());
    }

    #[test]
    fn without_vouchers_a_refund_may_be_partial() {
        let f = OrderFacts {
            paid: 1000,
            voucher_mode: false,
            paid_vouchers: vec![],
            item_names: vec!["a".into()],
            refunded: 300,
            ..OrderFacts::default()
        };
        let ask = |cost: i64| RefundAsk {
            store_uid: "s".into(),
            uid: "1".into(),
            key: "k".into(),
            cost,
            invoice_state: None,
            vouchers: None,
            items: None,
        };
        assert_eq!(check_refund_against(&ask(700), &f), Ok(()));
        assert_eq!(check_refund_against(&ask(200), &f), Ok(()));
        assert!(check_refund_against(&ask(701), &f).is_err());
        assert!(check_refund_against(&ask(0), &f).is_err());
    }

    #[test]
    fn option_readers() {
        assert_eq!(
            installments("{\"6\":[\"822\"],\"3\":[\"013\",\"822\"]}"),
            Ok(vec![
                (3, vec!["013".to_string(), "822".to_string()]),
                (6, vec!["822".to_string()])
            ])
        );
        for bad in [
            "",
            "[]",
            "{}",
            "{\"1\":[\"013\"]}",
            "{\"+3\":[\"013\"]}",
            "{\"3\":\"013\"}",
            "{\"3\":[13]}",
        ] {
            assert!(installments(bad).is_err(), "{bad}");
        }
        assert!(wallet_pfn("LINEPAYON") && wallet_pfn("15") && wallet_pfn("MobilePayAll"));
        assert!(wallet_pfn("JKOON, PION"));
        assert!(!wallet_pfn("CREDITCARD,LINEPAYON") && !wallet_pfn("all") && !wallet_pfn(""));
        assert!(
            mobile_barcode_ok("/AB.+-12")
                && !mobile_barcode_ok("/ab12345")
                && !mobile_barcode_ok("AB12345")
        );
        assert!(natural_person_ok("AB12345678901234") && !natural_person_ok("A123456789012345"));
        assert!(love_code_ok("168") && love_code_ok("1680001") && !love_code_ok("16"));
        assert!(tax_id_ok("12345678") && !tax_id_ok("1234567a"));
        assert!(post_zone_ok("100") && post_zone_ok("10041") && !post_zone_ok("1004"));
        assert_eq!(invoice_period("20261130235959"), Some((2026, 11)));
        assert_eq!(invoice_period("20261201"), Some((2026, 11)));
        assert_eq!(invoice_period("20260101"), Some((2026, 1)));
        assert_eq!(invoice_period("20260302"), Some((2026, 3)));
        assert_ne!(invoice_period("20260228"), invoice_period("20260301"));
        assert_eq!(invoice_period("2026"), None);
    }

    #[test]
    fn wallet_fields_and_invoice_context() {
        let mut v = sample();
        v["pfn"] = json!("APPLEPAY");
        assert_eq!(paths(check_order(&obj(v))), WALLET_USER_FIELDS);
        let mut v = sample();
        v["invoice_input_type"] = json!(2);
        v["invoice_mobile_code"] = json!("not checked: not in effect");
        assert_eq!(check_order(&obj(v)), Ok(()));
        let mut v = sample();
        v["invoice_input_type"] = json!(1);
        v["invoice_cloud_type"] = json!(2);
        v["invoice_mobile_code"] = json!("1234567");
        assert_eq!(paths(check_order(&obj(v))), ["invoice_mobile_code"]);
        let mut v = sample();
        v["invoice_input_type"] = json!(3);
        assert_eq!(paths(check_order(&obj(v.clone()))), ["invoice_input_type"]);
        v["issue_invoice_state"] = json!(0);
        assert_eq!(check_order(&obj(v)), Ok(()));
    }

    #[test]
    fn refunds_and_the_invoice() {
        let f = OrderFacts {
            paid: 1000,
            item_names: vec!["a".into()],
            invoice_issued: true,
            invoice_period_open: true,
            ..OrderFacts::default()
        };
        let ask = |cost: i64, state: Option<&str>, items: Option<Vec<(String, i64)>>| RefundAsk {
            store_uid: "s".into(),
            uid: "1".into(),
            key: "k".into(),
            cost,
            invoice_state: state.map(str::to_owned),
            vouchers: None,
            items,
        };
        let paths = |r: Result<(), Vec<Problem>>| -> Vec<String> {
            r.err()
                .unwrap_or_default()
                .into_iter()
                .map(|p| p.path)
                .collect()
        };
        assert_eq!(
            check_refund_against(&ask(1000, None, None), &f),
            Ok(()),
            "full: items filled in"
        );
        assert_eq!(
            paths(check_refund_against(&ask(400, Some("6"), None), &f)),
            ["items"]
        );
        assert_eq!(
            check_refund_against(&ask(400, Some("6"), Some(vec![("a".into(), 400)])), &f),
            Ok(())
        );
        let closed = OrderFacts {
            invoice_period_open: false,
            ..f.clone()
        };
        assert_eq!(
            paths(check_refund_against(&ask(1000, None, None), &closed)),
            ["invoice_state"]
        );
        assert_eq!(
            paths(check_refund_against(&ask(1000, Some("4"), None), &closed)),
            ["invoice_state"]
        );
        assert_eq!(
            check_refund_against(&ask(1000, Some("6"), None), &closed),
            Ok(())
        );
        let none = OrderFacts {
            invoice_issued: false,
            ..closed
        };
        assert_eq!(
            check_refund_against(&ask(400, Some("4"), None), &none),
            Ok(())
        );
        // Voucher mode with free vouchers only: voucher_paid sent, empty.
        let free = OrderFacts {
            voucher_mode: true,
            invoice_issued: false,
            ..f
        };
        assert_eq!(
            paths(check_refund_against(&ask(1000, None, None), &free)),
            ["voucher_paid"]
        );
        let mut a = ask(1000, None, None);
        a.vouchers = Some(Vec::new());
        assert_eq!(check_refund_against(&a, &free), Ok(()));
    }

    #[test]
    fn pfn_tables() {
        assert_eq!(canonical_pfn("27"), Some("PION"));
        assert_eq!(canonical_pfn("jkoof"), Some("JKOOFF"));
        assert_eq!(canonical_pfn("PAYPAL"), None);
        assert!(
            instant_refund("CREDITCARD") && instant_refund("37") && instant_refund("LINEPAYOFF")
        );
        assert!(
            !instant_refund("CSTORECODE")
                && !instant_refund("E_COLLECTION")
                && !instant_refund("WEBATM")
        );
        assert!(!instant_refund("BARCODE") && !instant_refund(""));
        assert_eq!(manual_refund_type("AMEX"), "2");
        assert_eq!(manual_refund_type("CASH"), "3");
        assert_eq!(manual_refund_type("LINEPAYON"), "3");
    }
}
