//! Checks an order or refund against the API text's rules before anything is
//! sent. Every problem is returned at once, each with a field path and a
//! stable code.

use crate::codes::{IsAgentCharge, VoucherType};
use crate::lenient::Int;
use crate::models::{Item, OrderRequest, RefundRequest, VoucherRef};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::fmt;

/// Longest `order_id`, in bytes.
pub const ORDER_ID_MAX_BYTES: usize = 50;
/// Longest voucher `product_id`, in bytes.
pub const VOUCHER_PRODUCT_ID_MAX_BYTES: usize = 32;
/// The order fields the API text marks 『電子錢包交易必要欄位』: required
/// when `pfn` is an e-wallet ([`crate::codes::Pfn::is_wallet`]).
pub const WALLET_FIELDS: [&str; 6] = [
    "user_name",
    "user_real_name",
    "user_english_name",
    "user_cellphone_code",
    "user_cellphone",
    "user_email",
];

/// The kind of a problem; the string form is stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    /// A 必填 field is missing or empty.
    Required,
    /// Longer than the API text allows.
    TooLong,
    /// A voucher serial number appears twice within one `product_id`.
    DuplicateSerial,
    /// An item's `total` is not `cost` × `amount`.
    LineTotalMismatch,
    /// `cost` is not Σ item totals − Σ voucher costs.
    CostMismatch,
    /// An amount that must not be negative is.
    NegativeAmount,
    /// A quantity that must be positive is not.
    InvalidQuantity,
    /// Vouchers are sent but `voucher_type` is not 1 or 2.
    VoucherTypeRequired,
    /// `is_agent_charge` is 0 while the fee fields say the agent charges.
    AgentChargeConflict,
    /// A voucher-mode refund must refund the whole paid amount.
    RefundNotFull,
    /// A voucher-mode refund must list exactly the order's paid vouchers.
    RefundVouchersMismatch,
    /// Refund `items` do not sum to `cost`.
    RefundItemsMismatch,
    /// A sum does not fit in the amounts MYPAY handles.
    AmountOverflow,
}

impl ProblemCode {
    pub fn as_str(&self) -> &'static str {
        match self {
            ProblemCode::Required => "required",
            ProblemCode::TooLong => "too_long",
            ProblemCode::DuplicateSerial => "duplicate_serial",
            ProblemCode::LineTotalMismatch => "line_total_mismatch",
            ProblemCode::CostMismatch => "cost_mismatch",
            ProblemCode::NegativeAmount => "negative_amount",
            ProblemCode::InvalidQuantity => "invalid_quantity",
            ProblemCode::VoucherTypeRequired => "voucher_type_required",
            ProblemCode::AgentChargeConflict => "agent_charge_conflict",
            ProblemCode::RefundNotFull => "refund_not_full",
            ProblemCode::RefundVouchersMismatch => "refund_vouchers_mismatch",
            ProblemCode::RefundItemsMismatch => "refund_items_mismatch",
            ProblemCode::AmountOverflow => "amount_overflow",
        }
    }
}

impl fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing wrong with a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Where: `order_id`, `items[1].total`, `voucher_paid[0].serial_number`.
    pub path: String,
    pub code: ProblemCode,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.path, self.message, self.code)
    }
}

/// Largest amount accepted anywhere (whole TWD). Far above any real order,
/// far below where i64 arithmetic could overflow.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;

#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn push(&mut self, path: impl Into<String>, code: ProblemCode, message: impl Into<String>) {
        self.0.push(Problem {
            path: path.into(),
            code,
            message: message.into(),
        });
    }

    fn required(&mut self, path: &str, present: bool) {
        if !present {
            self.push(path, ProblemCode::Required, format!("{path} is required"));
        }
    }

    /// Reads a required amount: present, not negative, within range.
    fn amount(&mut self, path: &str, v: Option<Int>) -> Option<i64> {
        let Some(v) = v else {
            self.required(path, false);
            return None;
        };
        self.bounded(path, v.get())
    }

    fn bounded(&mut self, path: &str, v: i64) -> Option<i64> {
        if v < 0 {
            self.push(
                path,
                ProblemCode::NegativeAmount,
                format!("{path} must not be negative"),
            );
            None
        } else if v > MAX_AMOUNT {
            self.push(
                path,
                ProblemCode::AmountOverflow,
                format!("{path} is larger than {MAX_AMOUNT}"),
            );
            None
        } else {
            Some(v)
        }
    }

    fn finish(self) -> Result<(), Vec<Problem>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

/// Sums amounts with overflow checks; `None` when any part is unknown.
fn checked_sum(parts: impl IntoIterator<Item = Option<i64>>) -> Option<Option<i64>> {
    let mut total: i64 = 0;
    for p in parts {
        match p {
            Some(v) => match total.checked_add(v) {
                Some(t) => total = t,
                None => return None,
            },
            None => return Some(None),
        }
    }
    Some(Some(total))
}

/// Checks one 『商品項目』 line (every field 必填, `total` = `cost` ×
/// `amount`); returns its total when it is usable for sums.
fn check_item(p: &mut Problems, i: usize, item: &Item) -> Option<i64> {
    let at = |f: &str| format!("items[{i}].{f}");
    p.required(&at("id"), !item.id.as_str().trim().is_empty());
    p.required(&at("name"), !item.name.trim().is_empty());
    let unit = p.amount(&at("cost"), item.cost);
    let qty = match item.amount {
        None => {
            p.required(&at("amount"), false);
            None
        }
        Some(q) if q.get() <= 0 => {
            p.push(
                at("amount"),
                ProblemCode::InvalidQuantity,
                "amount must be at least 1",
            );
            None
        }
        Some(q) => p.bounded(&at("amount"), q.get()),
    };
    let total = p.amount(&at("total"), item.total);
    if let (Some(unit), Some(qty), Some(total)) = (unit, qty, total) {
        match unit.checked_mul(qty) {
            Some(expected) if expected == total => {}
            Some(expected) => p.push(
                at("total"),
                ProblemCode::LineTotalMismatch,
                format!("total is {total} but cost × amount is {expected}"),
            ),
            None => p.push(
                at("total"),
                ProblemCode::AmountOverflow,
                "cost × amount overflows",
            ),
        }
    }
    total
}

/// Validates a 『PayPage金流交易-折價券模式』 request.
pub fn validate_order(o: &OrderRequest) -> Result<(), Vec<Problem>> {
    let mut p = Problems::default();
    p.required("store_uid", !o.store_uid.as_str().trim().is_empty());
    p.required("user_id", !o.user_id.as_str().trim().is_empty());
    p.required("order_id", !o.order_id.as_str().trim().is_empty());
    p.required("ip", !o.ip.trim().is_empty());
    if o.order_id.as_str().len() > ORDER_ID_MAX_BYTES {
        p.push(
            "order_id",
            ProblemCode::TooLong,
            format!("order_id is at most {ORDER_ID_MAX_BYTES} bytes"),
        );
    }
    let cost = o.cost.map(|c| Int(c.get()));
    let cost = p.amount("cost", cost);
    if o.pfn.as_ref().map(|m| m.is_wallet()).unwrap_or(false) {
        let present =
            |v: &Option<String>| v.as_deref().map(|s| !s.trim().is_empty()).unwrap_or(false);
        let values = [
            &o.user_name,
            &o.user_real_name,
            &o.user_english_name,
            &o.user_cellphone_code,
            &o.user_cellphone,
            &o.user_email,
        ];
        for (name, v) in WALLET_FIELDS.iter().zip(values) {
            if !present(v) {
                p.push(
                    *name,
                    ProblemCode::Required,
                    format!("{name} is required for an e-wallet payment"),
                );
            }
        }
    }

    p.required("items", !o.items.is_empty());
    let mut item_totals = Vec::with_capacity(o.items.len());
    for (i, item) in o.items.iter().enumerate() {
        item_totals.push(check_item(&mut p, i, item));
    }

    let paid = o.voucher_paid.as_deref().unwrap_or_default();
    let free = o.voucher_free.as_deref().unwrap_or_default();
    let mut seen: HashMap<(&str, &str), String> = HashMap::new();
    let mut voucher_costs = Vec::new();
    let vouchers = paid
        .iter()
        .enumerate()
        .map(|(i, v)| {
            (
                format!("voucher_paid[{i}]"),
                &v.product_id,
                &v.serial_number,
                &v.name,
                v.cost,
            )
        })
        .chain(free.iter().enumerate().map(|(i, v)| {
            (
                format!("voucher_free[{i}]"),
                &v.product_id,
                &v.serial_number,
                &v.name,
                v.cost,
            )
        }));
    for (at, product_id, serial, name, vcost) in vouchers {
        p.required(&format!("{at}.product_id"), !product_id.trim().is_empty());
        p.required(&format!("{at}.serial_number"), !serial.trim().is_empty());
        p.required(&format!("{at}.name"), !name.trim().is_empty());
        if product_id.len() > VOUCHER_PRODUCT_ID_MAX_BYTES {
            p.push(
                format!("{at}.product_id"),
                ProblemCode::TooLong,
                format!("product_id is at most {VOUCHER_PRODUCT_ID_MAX_BYTES} bytes"),
            );
        }
        if !serial.is_empty() {
            if let Some(first) = seen.insert((product_id.as_str(), serial.as_str()), at.clone()) {
                p.push(
                    format!("{at}.serial_number"),
                    ProblemCode::DuplicateSerial,
                    format!("serial {serial} of {product_id} is also at {first}"),
                );
            }
        }
        voucher_costs.push(p.amount(&format!("{at}.cost"), vcost));
    }

    if !paid.is_empty() || !free.is_empty() {
        let ok = matches!(
            o.voucher_type,
            Some(VoucherType::Fixed) | Some(VoucherType::RealTime)
        );
        if !ok {
            p.push(
                "voucher_type",
                ProblemCode::VoucherTypeRequired,
                "vouchers need voucher_type 1 or 2",
            );
        }
    }

    if let Some(fee) = o.agent_charge_fee {
        p.bounded("agent_charge_fee", fee.get());
    }
    // Explicit wins (『是否為經銷商代收費模式』), so an explicit 0 silently
    // drops what the fee fields ask for: a fee, or fees that include the SMS
    // or card fee. That contradiction is a problem.
    if o.is_agent_charge == Some(IsAgentCharge::No) {
        let implied = OrderRequest {
            is_agent_charge: None,
            agent_charge_fee: o.agent_charge_fee,
            agent_sms_fee_type: o.agent_sms_fee_type.clone(),
            agent_charge_fee_type: o.agent_charge_fee_type.clone(),
            ..OrderRequest::default()
        }
        .effective_is_agent_charge();
        if implied == IsAgentCharge::Yes {
            p.push(
                "is_agent_charge",
                ProblemCode::AgentChargeConflict,
                "is_agent_charge is 0 but agent_charge_fee, agent_sms_fee_type or agent_charge_fee_type say the agent charges",
            );
        }
    }

    match (checked_sum(item_totals), checked_sum(voucher_costs)) {
        (Some(Some(items)), Some(Some(vouchers))) => {
            let expected = items - vouchers;
            if expected < 0 {
                p.push(
                    "cost",
                    ProblemCode::NegativeAmount,
                    format!("vouchers ({vouchers}) exceed the items ({items})"),
                );
            } else if let Some(cost) = cost {
                if cost != expected {
                    p.push(
                        "cost",
                        ProblemCode::CostMismatch,
                        format!(
                            "cost is {cost} but items {items} − vouchers {vouchers} = {expected}"
                        ),
                    );
                }
            }
        }
        (None, _) | (_, None) => p.push(
            "cost",
            ProblemCode::AmountOverflow,
            "the sum of amounts overflows",
        ),
        _ => {}
    }
    p.finish()
}

/// What the refund rules need to know of the original order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaidOrder {
    /// The amount the shopper paid (the order's `cost`).
    pub cost: i64,
    /// The order's paid vouchers.
    pub voucher_paid: Vec<VoucherRef>,
}

/// Validates a 『交易退款-折價券模式』 request; with the original order, also
/// that it is a full refund listing every paid voucher.
pub fn validate_refund(r: &RefundRequest, order: Option<&PaidOrder>) -> Result<(), Vec<Problem>> {
    let mut p = Problems::default();
    p.required("store_uid", !r.store_uid.as_str().trim().is_empty());
    p.required("key", !r.key.trim().is_empty());
    p.required("uid", !r.uid.as_str().trim().is_empty());
    let cost = p.amount("cost", r.cost.map(|c| Int(c.get())));

    let refs = r.voucher_paid.as_deref().unwrap_or_default();
    for (i, v) in refs.iter().enumerate() {
        p.required(
            &format!("voucher_paid[{i}].product_id"),
            !v.product_id.trim().is_empty(),
        );
        p.required(
            &format!("voucher_paid[{i}].serial_number"),
            !v.serial_number.trim().is_empty(),
        );
    }

    if let Some(items) = &r.items {
        let mut totals = Vec::new();
        for (i, item) in items.iter().enumerate() {
            totals.push(check_item(&mut p, i, item));
        }
        match checked_sum(totals) {
            Some(Some(sum)) => {
                if let Some(cost) = cost {
                    if sum != cost {
                        p.push(
                            "items",
                            ProblemCode::RefundItemsMismatch,
                            format!("items sum to {sum} but cost is {cost}"),
                        );
                    }
                }
            }
            None => p.push(
                "items",
                ProblemCode::AmountOverflow,
                "the sum of items overflows",
            ),
            Some(None) => {}
        }
    }

    if let Some(order) = order {
        if let Some(cost) = cost {
            if cost != order.cost {
                p.push(
                    "cost",
                    ProblemCode::RefundNotFull,
                    format!(
                        "a voucher-mode refund is the full paid amount {}, not {cost}",
                        order.cost
                    ),
                );
            }
        }
        let want: BTreeSet<_> = order.voucher_paid.iter().collect();
        let got: BTreeSet<_> = refs.iter().collect();
        if !order.voucher_paid.is_empty() && r.voucher_paid.is_none() {
            p.required("voucher_paid", false);
        } else if want != got || refs.len() != got.len() {
            p.push(
                "voucher_paid",
                ProblemCode::RefundVouchersMismatch,
                "a voucher-mode refund lists every paid voucher of the order, each once",
            );
        }
    }
    p.finish()
}

impl PartialOrd for VoucherRef {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for VoucherRef {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (&self.product_id, &self.serial_number).cmp(&(&other.product_id, &other.serial_number))
    }
}
