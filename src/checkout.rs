//! Server-side pricing of a cart: catalog lines, the shipping line, paid and
//! free vouchers with the reasons a voucher does not apply, the amount due,
//! the shopper's invoice choice, and the `api/orders` request built from it.
//! Pure: the caller loads products and voucher records and passes them in.

use crate::codes::{
    Currency, FreeVoucherIssuer, InvoiceCloudType, InvoiceInputType, IssueInvoiceState,
    PaidVoucherIssuer, Pfn, RefundReturnType, VoucherType,
};
use crate::lenient::{Int, StrInt, Text};
use crate::models::{FreeVoucher, Item, OrderRequest, PaidVoucher};
use crate::validate::{validate_order, Problem};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Largest quantity of one product in a cart.
pub const MAX_QUANTITY: i64 = 99;
/// Most distinct products in a cart.
pub const MAX_LINES: usize = 50;
/// Most vouchers on one order.
pub const MAX_VOUCHERS: usize = 10;
/// The product id of the shipping line.
pub const SHIPPING_ID: &str = "shipping";

/// A catalog product as the worker stores it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub name: String,
    pub name_en: String,
    /// Unit price in whole TWD.
    pub price: i64,
    #[serde(default)]
    pub image_url: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// 有償票券 (paid earlier by the shopper: `voucher_paid`) or 無償票券
/// (`voucher_free`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoucherKind {
    Paid,
    Free,
}

impl VoucherKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            VoucherKind::Paid => "paid",
            VoucherKind::Free => "free",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "paid" => Some(VoucherKind::Paid),
            "free" => Some(VoucherKind::Free),
            _ => None,
        }
    }
}

/// Where a voucher stands right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoucherStatus {
    /// Can be used.
    Available,
    /// Held by an order that is not paid yet.
    Reserved,
    /// Spent on a paid order.
    Used,
}

impl VoucherStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            VoucherStatus::Available => "available",
            VoucherStatus::Reserved => "reserved",
            VoucherStatus::Used => "used",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "available" => Some(VoucherStatus::Available),
            "reserved" => Some(VoucherStatus::Reserved),
            "used" => Some(VoucherStatus::Used),
            _ => None,
        }
    }
}

/// A voucher as the worker stores it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherRecord {
    /// The serial the shopper types (MYPAY's `serial_number`).
    pub code: String,
    pub kind: VoucherKind,
    /// The voucher group (MYPAY's `product_id`, at most 32 bytes).
    pub product_id: String,
    pub name: String,
    /// Face value in whole TWD.
    pub value: i64,
    /// 『有價票券發行者』 or 『免費票券發行者』 code.
    pub issuer: String,
    /// 『退款時票券金額是否歸還』 (paid vouchers only).
    #[serde(default)]
    pub refund_return_type: Option<String>,
    pub status: VoucherStatus,
    /// Unix seconds after which the voucher no longer applies.
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// Smallest item subtotal (before shipping) the voucher needs.
    #[serde(default)]
    pub min_spend: i64,
}

/// The shipping fee rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shipping {
    pub fee: i64,
    /// Item subtotal from which shipping is free.
    pub free_from: Option<i64>,
}

impl Default for Shipping {
    fn default() -> Self {
        Self {
            fee: 80,
            free_from: Some(2000),
        }
    }
}

/// One requested line as it arrives (the quantity is checked here, so it
/// stays a raw JSON value: `2`, `-1`, `1.5` and `"2"` all reach the rules).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct RequestedItem {
    #[serde(default)]
    pub product_id: String,
    #[serde(default)]
    pub quantity: serde_json::Value,
}

/// The body of `POST /api/quote` (and the cart part of a checkout).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct CartRequest {
    #[serde(default)]
    pub items: Vec<RequestedItem>,
    #[serde(default)]
    pub vouchers: Vec<String>,
}

/// A cart whose quantities have been checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cart {
    pub items: Vec<(String, i64)>,
    pub vouchers: Vec<String>,
}

/// Why a cart cannot be priced at all. `code()` is the API's error code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CartError {
    #[error("the cart has no items")]
    EmptyCart,
    #[error("unknown product {0}")]
    UnknownProduct(String),
    #[error("quantity of {0} must be an integer from 1 to {MAX_QUANTITY}")]
    InvalidQuantity(String),
    #[error("an item has no product_id")]
    MissingProductId,
    #[error("at most {MAX_LINES} different products per order")]
    TooManyLines,
    #[error("at most {MAX_VOUCHERS} vouchers per order")]
    TooManyVouchers,
}

impl CartError {
    pub fn code(&self) -> &'static str {
        match self {
            CartError::EmptyCart => "empty_cart",
            CartError::UnknownProduct(_) => "unknown_product",
            CartError::InvalidQuantity(_) => "invalid_quantity",
            CartError::MissingProductId | CartError::TooManyLines | CartError::TooManyVouchers => {
                "invalid_request"
            }
        }
    }
}

impl CartRequest {
    /// Checks quantities and merges repeated products into one line.
    pub fn to_cart(&self) -> Result<Cart, CartError> {
        if self.items.is_empty() {
            return Err(CartError::EmptyCart);
        }
        let mut items: Vec<(String, i64)> = Vec::new();
        for it in &self.items {
            let id = it.product_id.trim();
            if id.is_empty() {
                return Err(CartError::MissingProductId);
            }
            let q =
                quantity(&it.quantity).ok_or_else(|| CartError::InvalidQuantity(id.to_owned()))?;
            match items.iter_mut().find(|(p, _)| p == id) {
                Some((_, have)) => {
                    *have += q;
                    if *have > MAX_QUANTITY {
                        return Err(CartError::InvalidQuantity(id.to_owned()));
                    }
                }
                None => items.push((id.to_owned(), q)),
            }
        }
        if items.len() > MAX_LINES {
            return Err(CartError::TooManyLines);
        }
        if self.vouchers.len() > MAX_VOUCHERS {
            return Err(CartError::TooManyVouchers);
        }
        let vouchers = self.vouchers.iter().map(|v| v.trim().to_owned()).collect();
        Ok(Cart { items, vouchers })
    }
}

/// A quantity is a JSON integer from 1 to 99 (a whole-number string is
/// tolerated, as the API text's own samples send strings).
fn quantity(v: &serde_json::Value) -> Option<i64> {
    let n = match v {
        serde_json::Value::Number(n) => n.as_i64()?,
        serde_json::Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().ok()?
        }
        _ => return None,
    };
    (1..=MAX_QUANTITY).contains(&n).then_some(n)
}

/// One priced line (products, then shipping).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub product_id: String,
    pub name: String,
    pub name_en: String,
    pub unit_price: i64,
    pub quantity: i64,
    pub total: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
}

/// A voucher that applies to this cart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedVoucher {
    pub code: String,
    pub kind: VoucherKind,
    pub name: String,
    pub value: i64,
    pub issuer: String,
    /// The voucher group (MYPAY `product_id`).
    pub product_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_return_type: Option<String>,
}

/// Why a voucher does not apply. The string form is the API's `reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    VoucherNotFound,
    VoucherUsed,
    VoucherReserved,
    VoucherExpired,
    VoucherDuplicate,
    VoucherMinSpend,
    VoucherExceedsTotal,
}

impl RejectReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            RejectReason::VoucherNotFound => "voucher_not_found",
            RejectReason::VoucherUsed => "voucher_used",
            RejectReason::VoucherReserved => "voucher_reserved",
            RejectReason::VoucherExpired => "voucher_expired",
            RejectReason::VoucherDuplicate => "voucher_duplicate",
            RejectReason::VoucherMinSpend => "voucher_min_spend",
            RejectReason::VoucherExceedsTotal => "voucher_exceeds_total",
        }
    }
}

/// A voucher that does not apply, with a message for the shopper.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedVoucher {
    pub code: String,
    pub reason: RejectReason,
    pub message: String,
}

/// The full price breakdown of `POST /api/quote`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub currency: String,
    pub lines: Vec<Line>,
    /// Σ line totals, shipping included.
    pub subtotal: i64,
    pub vouchers: Vec<AppliedVoucher>,
    pub rejected_vouchers: Vec<RejectedVoucher>,
    pub voucher_total: i64,
    /// What the shopper pays: `subtotal − voucher_total`, at least 1.
    pub amount: i64,
}

/// Prices `cart` from `products` and `vouchers` (the records of the codes in
/// the cart; codes with no record are `voucher_not_found`). `now` is Unix
/// seconds. Vouchers apply in the order given; each must leave at least 1
/// TWD to pay, because a PayPage order cannot be for nothing.
pub fn price_cart(
    cart: &Cart,
    products: &[Product],
    vouchers: &[VoucherRecord],
    shipping: &Shipping,
    now: i64,
) -> Result<Quote, CartError> {
    let mut lines = Vec::with_capacity(cart.items.len() + 1);
    for (id, qty) in &cart.items {
        let p = products
            .iter()
            .find(|p| &p.id == id && p.active)
            .ok_or_else(|| CartError::UnknownProduct(id.clone()))?;
        lines.push(Line {
            product_id: p.id.clone(),
            name: p.name.clone(),
            name_en: p.name_en.clone(),
            unit_price: p.price,
            quantity: *qty,
            total: p.price * qty,
            image_url: p.image_url.clone(),
        });
    }
    let items_total: i64 = lines.iter().map(|l| l.total).sum();
    let ship_free = shipping
        .free_from
        .map(|f| items_total >= f)
        .unwrap_or(false);
    if shipping.fee > 0 && !ship_free {
        lines.push(Line {
            product_id: SHIPPING_ID.into(),
            name: "運費".into(),
            name_en: "Shipping".into(),
            unit_price: shipping.fee,
            quantity: 1,
            total: shipping.fee,
            image_url: None,
        });
    }
    let subtotal: i64 = lines.iter().map(|l| l.total).sum();

    let mut applied: Vec<AppliedVoucher> = Vec::new();
    let mut rejected = Vec::new();
    let mut seen = HashSet::new();
    let mut remaining = subtotal;
    for code in &cart.vouchers {
        let reject = |reason: RejectReason, message: String| RejectedVoucher {
            code: code.clone(),
            reason,
            message,
        };
        if !seen.insert(code.as_str()) {
            rejected.push(reject(
                RejectReason::VoucherDuplicate,
                format!("{code} is in the cart twice"),
            ));
            continue;
        }
        let Some(v) = vouchers.iter().find(|v| &v.code == code) else {
            rejected.push(reject(
                RejectReason::VoucherNotFound,
                format!("no voucher {code}"),
            ));
            continue;
        };
        let problem = match v.status {
            VoucherStatus::Used => {
                Some((RejectReason::VoucherUsed, format!("{code} has been used")))
            }
            VoucherStatus::Reserved => Some((
                RejectReason::VoucherReserved,
                format!("{code} is held by an order awaiting payment"),
            )),
            VoucherStatus::Available if v.expires_at.map(|e| now >= e).unwrap_or(false) => {
                Some((RejectReason::VoucherExpired, format!("{code} has expired")))
            }
            VoucherStatus::Available if items_total < v.min_spend => Some((
                RejectReason::VoucherMinSpend,
                format!("{code} needs a spend of at least {} TWD", v.min_spend),
            )),
            VoucherStatus::Available if v.value <= 0 || v.value >= remaining => Some((
                RejectReason::VoucherExceedsTotal,
                format!(
                    "{code} ({} TWD) is more than the {} TWD left to pay",
                    v.value, remaining
                ),
            )),
            VoucherStatus::Available => None,
        };
        if let Some((reason, message)) = problem {
            rejected.push(reject(reason, message));
            continue;
        }
        remaining -= v.value;
        applied.push(AppliedVoucher {
            code: v.code.clone(),
            kind: v.kind,
            name: v.name.clone(),
            value: v.value,
            issuer: v.issuer.clone(),
            product_id: v.product_id.clone(),
            refund_return_type: v.refund_return_type.clone(),
        });
    }
    let voucher_total = subtotal - remaining;
    Ok(Quote {
        currency: "TWD".into(),
        lines,
        subtotal,
        vouchers: applied,
        rejected_vouchers: rejected,
        voucher_total,
        amount: remaining,
    })
}

/// The shopper's e-invoice choice (`invoice` of a checkout).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InvoiceChoice {
    /// Cloud invoice on a mobile barcode carrier (手機條碼).
    Mobile { mobile_code: String },
    /// Donated to a charity by love code (愛心碼).
    Donation { love_code: String },
    /// Cloud invoice with the buyer's 8-digit tax id (統一編號).
    TaxId {
        tax_id: String,
        #[serde(default)]
        title: Option<String>,
    },
    /// Cloud invoice sent by e-mail.
    Email,
}

/// Why an invoice choice is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvoiceError {
    #[error("a mobile barcode is `/` followed by 7 characters of 0-9, A-Z, `.`, `+`, `-`")]
    MobileCode,
    #[error("a love code is 3 to 7 digits")]
    LoveCode,
    #[error("a tax id is 8 digits with a valid check digit")]
    TaxId,
}

impl InvoiceError {
    pub fn field(&self) -> &'static str {
        match self {
            InvoiceError::MobileCode => "invoice.mobile_code",
            InvoiceError::LoveCode => "invoice.love_code",
            InvoiceError::TaxId => "invoice.tax_id",
        }
    }
}

/// 手機條碼: `/` then 7 of `0-9 A-Z . + -`.
pub fn is_mobile_barcode(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 8
        && b[0] == b'/'
        && b[1..].iter().all(|c| {
            c.is_ascii_digit() || c.is_ascii_uppercase() || matches!(c, b'.' | b'+' | b'-')
        })
}

/// 愛心碼: 3 to 7 digits.
pub fn is_love_code(s: &str) -> bool {
    (3..=7).contains(&s.len()) && s.bytes().all(|c| c.is_ascii_digit())
}

/// 統一編號: 8 digits; with weights 1,2,1,2,1,2,4,1 the sum of the digits of
/// each product is divisible by 5 (the rule since 2023, which accepts every
/// number valid under the older divisible-by-10 rule); when the seventh digit
/// is 7, its product 28 may count as 1 or 0.
pub fn is_tax_id(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 8 || !b.iter().all(|c| c.is_ascii_digit()) {
        return false;
    }
    const W: [u32; 8] = [1, 2, 1, 2, 1, 2, 4, 1];
    let sum: u32 = b
        .iter()
        .zip(W)
        .map(|(c, w)| {
            let p = u32::from(c - b'0') * w;
            p / 10 + p % 10
        })
        .sum();
    sum % 5 == 0 || (b[6] == b'7' && (sum + 1) % 5 == 0)
}

impl InvoiceChoice {
    pub fn validate(&self) -> Result<(), InvoiceError> {
        match self {
            InvoiceChoice::Mobile { mobile_code } if !is_mobile_barcode(mobile_code) => {
                Err(InvoiceError::MobileCode)
            }
            InvoiceChoice::Donation { love_code } if !is_love_code(love_code) => {
                Err(InvoiceError::LoveCode)
            }
            InvoiceChoice::TaxId { tax_id, .. } if !is_tax_id(tax_id) => Err(InvoiceError::TaxId),
            _ => Ok(()),
        }
    }

    /// Writes the choice into the order's invoice fields. A tax id travels on
    /// a cloud invoice (e-mail carrier): paper B2B invoices
    /// (`invoice_input_type` 3) must not be used with PayPage.
    fn apply(&self, o: &mut OrderRequest) {
        o.issue_invoice_state = Some(IssueInvoiceState::Issue);
        match self {
            InvoiceChoice::Mobile { mobile_code } => {
                o.invoice_input_type = Some(InvoiceInputType::Cloud);
                o.invoice_cloud_type = Some(InvoiceCloudType::MobileBarcode);
                o.invoice_mobile_code = Some(mobile_code.clone());
            }
            InvoiceChoice::Donation { love_code } => {
                o.invoice_input_type = Some(InvoiceInputType::Donation);
                o.invoice_love_code = Some(love_code.clone());
            }
            InvoiceChoice::TaxId { tax_id, .. } => {
                o.invoice_input_type = Some(InvoiceInputType::Cloud);
                o.invoice_cloud_type = Some(InvoiceCloudType::Email);
                o.invoice_tax_id = Some(tax_id.clone());
            }
            InvoiceChoice::Email => {
                o.invoice_input_type = Some(InvoiceInputType::Cloud);
                o.invoice_cloud_type = Some(InvoiceCloudType::Email);
            }
        }
    }
}

/// The shopper as the checkout names them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

impl Customer {
    /// The problems with the customer fields, as `(field, message)`.
    pub fn problems(&self) -> Vec<(&'static str, &'static str)> {
        let mut out = Vec::new();
        let id = self.id.trim();
        if id.is_empty() || id.len() > 64 {
            out.push((
                "customer.id",
                "customer.id is required (at most 64 characters)",
            ));
        }
        if let Some(e) = &self.email {
            let ok = e.len() <= 254
                && e.split_once('@')
                    .map(|(a, b)| !a.is_empty() && b.contains('.'))
                    .unwrap_or(false);
            if !ok {
                out.push(("customer.email", "customer.email is not an e-mail address"));
            }
        }
        if let Some(p) = &self.phone {
            let digits = p.strip_prefix('+').unwrap_or(p);
            if !(8..=15).contains(&digits.len()) || !digits.bytes().all(|c| c.is_ascii_digit()) {
                out.push(("customer.phone", "customer.phone is 8 to 15 digits"));
            }
        }
        if self
            .name
            .as_ref()
            .map(|n| n.chars().count() > 50)
            .unwrap_or(false)
        {
            out.push(("customer.name", "customer.name is at most 50 characters"));
        }
        out
    }
}

/// What `build_order_request` needs beyond the quote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderContext<'a> {
    pub store_uid: &'a str,
    pub order_id: &'a str,
    pub ip: &'a str,
    pub customer: &'a Customer,
    pub pfn: Option<&'a str>,
    pub invoice: Option<&'a InvoiceChoice>,
    pub success_url: Option<&'a str>,
    pub failure_url: Option<&'a str>,
    /// Days to pay a store code or virtual account.
    pub limit_pay_days: Option<i64>,
}

/// Builds the 『PayPage金流交易-折價券模式』 request for a quote with
/// `voucher_type` 1 (固定制) and the applied vouchers as `voucher_paid` /
/// `voucher_free`, then checks it with [`validate_order`].
pub fn build_order_request(
    q: &Quote,
    ctx: &OrderContext<'_>,
) -> Result<OrderRequest, Vec<Problem>> {
    let items: Vec<Item> = q
        .lines
        .iter()
        .map(|l| Item {
            id: Text(l.product_id.clone()),
            name: l.name.clone(),
            cost: Some(Int(l.unit_price)),
            amount: Some(Int(l.quantity)),
            total: Some(Int(l.total)),
            image_url: None,
        })
        .collect();
    let paid: Vec<PaidVoucher> = q
        .vouchers
        .iter()
        .filter(|v| v.kind == VoucherKind::Paid)
        .map(|v| PaidVoucher {
            product_id: v.product_id.clone(),
            serial_number: v.code.clone(),
            name: v.name.clone(),
            cost: Some(Int(v.value)),
            issuer: Some(PaidVoucherIssuer::from_code(&v.issuer)),
            refund_return_type: Some(RefundReturnType::from_code(
                v.refund_return_type.as_deref().unwrap_or("1"),
            )),
        })
        .collect();
    let free: Vec<FreeVoucher> = q
        .vouchers
        .iter()
        .filter(|v| v.kind == VoucherKind::Free)
        .map(|v| FreeVoucher {
            product_id: v.product_id.clone(),
            serial_number: v.code.clone(),
            name: v.name.clone(),
            cost: Some(Int(v.value)),
            issuer: Some(FreeVoucherIssuer::from_code(&v.issuer)),
        })
        .collect();
    let some_text = |s: &Option<String>| {
        s.as_ref()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let mut o = OrderRequest {
        store_uid: Text(ctx.store_uid.to_owned()),
        user_id: Text(ctx.customer.id.trim().to_owned()),
        user_name: some_text(&ctx.customer.name),
        user_email: some_text(&ctx.customer.email),
        user_cellphone: some_text(&ctx.customer.phone),
        cost: Some(StrInt(q.amount)),
        currency: Some(Currency::Twd),
        order_id: Text(ctx.order_id.to_owned()),
        ip: ctx.ip.to_owned(),
        item: Some(Text(items.len().to_string())),
        items,
        pfn: ctx.pfn.map(Pfn::from_code),
        success_returl: ctx.success_url.map(str::to_owned),
        failure_returl: ctx.failure_url.map(str::to_owned),
        limit_pay_days: ctx.limit_pay_days.map(Int),
        voucher_type: (!paid.is_empty() || !free.is_empty()).then_some(VoucherType::Fixed),
        voucher_paid: (!paid.is_empty()).then_some(paid),
        voucher_free: (!free.is_empty()).then_some(free),
        ..Default::default()
    };
    if let Some(inv) = ctx.invoice {
        inv.apply(&mut o);
    }
    validate_order(&o)?;
    Ok(o)
}

/// A 64-bit FNV-1a digest, hex, for recognising a repeated request body
/// (idempotency keys). Not a security boundary.
pub fn body_fingerprint(body: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in body {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}{:08x}", body.len())
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn fingerprint_differs_for_different_bodies() {
        assert_eq!(body_fingerprint(b"abc"), body_fingerprint(b"abc"));
        assert_ne!(body_fingerprint(b"abc"), body_fingerprint(b"abd"));
    }
}
