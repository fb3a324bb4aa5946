//! Server-side pricing of a cart: catalog lines, the shipping line, paid and
//! free vouchers with the reasons a voucher does not apply, the amount due,
//! the shopper's invoice choice, and the `api/orders` request built from it.
//! Pure: the caller loads products and voucher records and passes them in.

use mypay_link::codes::{
    Currency, FreeVoucherIssuer, InvoiceCloudType, InvoiceInputType, IssueInvoiceState,
    PaidVoucherIssuer, Pfn, RefundReturnType, VoucherType,
};
use mypay_link::lenient::{Int, StrInt, Text};
use mypay_link::models::{FreeVoucher, Item, OrderRequest, PaidVoucher};
use mypay_link::validate::{validate_order, Problem};
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
    sum.is_multiple_of(5) || (b[6] == b'7' && (sum + 1).is_multiple_of(5))
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

#[cfg(test)]
mod tests;
