//! Server-side pricing of a cart: catalog lines, the shipping line, paid and
//! free vouchers with the reasons a voucher does not apply, the amount due,
//! the shopper's invoice choice, and the `api/orders` request built from it.
//! Pure: the caller loads products and voucher records and passes them in.

use mypay_link::codes::{
    FreeVoucherIssuer, InvoiceCloudType, InvoiceInputType, IssueInvoiceState, PaidVoucherIssuer,
    Pfn, RefundReturnType, UserSnType, VoucherType,
};
use mypay_link::lenient::{Int, StrInt, Text};
use mypay_link::models::{FreeVoucher, Item, OrderRequest, PaidVoucher};
use mypay_link::validate::{validate_order, Problem, WALLET_FIELDS};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::HashSet;

mod options;
pub use options::{SettingError, StoreOptions, DEFAULT_LIMIT_PAY_DAYS, SETTINGS};
mod refund;
pub use refund::{full_refund_items, partial_refund_items, RefundLine, RefundLineError};

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
    /// Cloud invoice on a natural-person certificate carrier (自然人憑證條碼).
    NaturalPerson { natural_person_code: String },
    /// Cloud invoice sent by e-mail, with an optional address to mail the
    /// paper copy to if it wins (`invoice_m_post_zone`, `invoice_m_address`).
    Email {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        post_zone: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        address: Option<String>,
    },
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
    #[error("a natural-person certificate code is 2 capital letters and 14 digits")]
    NaturalPerson,
    #[error("a postal code is 3, 5 or 6 digits, sent together with the address")]
    PostZone,
    #[error("a mailing address is 1 to 100 characters, sent together with the postal code")]
    Address,
}

impl InvoiceError {
    pub fn field(&self) -> &'static str {
        match self {
            InvoiceError::MobileCode => "invoice.mobile_code",
            InvoiceError::LoveCode => "invoice.love_code",
            InvoiceError::TaxId => "invoice.tax_id",
            InvoiceError::NaturalPerson => "invoice.natural_person_code",
            InvoiceError::PostZone => "invoice.post_zone",
            InvoiceError::Address => "invoice.address",
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

/// 自然人憑證條碼: 2 capital letters then 14 digits.
pub fn is_natural_person_code(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 16
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..].iter().all(u8::is_ascii_digit)
}

/// A Taiwanese postal code: 3, 5 or 6 digits.
pub fn is_post_zone(s: &str) -> bool {
    matches!(s.len(), 3 | 5 | 6) && s.bytes().all(|c| c.is_ascii_digit())
}

/// Free text a person typed: `max` characters at most, no control
/// characters.
fn plain_text(s: &str, max: usize) -> bool {
    let n = s.chars().count();
    (1..=max).contains(&n) && !s.chars().any(char::is_control)
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
            InvoiceChoice::NaturalPerson {
                natural_person_code,
            } if !is_natural_person_code(natural_person_code) => Err(InvoiceError::NaturalPerson),
            InvoiceChoice::Email { post_zone, address } => match (post_zone, address) {
                (None, None) => Ok(()),
                (Some(z), _) if !is_post_zone(z) => Err(InvoiceError::PostZone),
                (None, Some(_)) => Err(InvoiceError::PostZone),
                (Some(_), Some(a)) if plain_text(a.trim(), 100) => Ok(()),
                (Some(_), _) => Err(InvoiceError::Address),
            },
            _ => Ok(()),
        }
    }

    /// Writes the choice into the order's invoice fields. A tax id travels on
    /// a cloud invoice (e-mail carrier): paper B2B invoices
    /// (`invoice_input_type` 3) must not be used with PayPage, so the
    /// company title (`invoice_b2b_title`, paper only) is never sent: it is
    /// kept on the order for the merchant's records.
    fn apply(&self, o: &mut OrderRequest) {
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
            InvoiceChoice::NaturalPerson {
                natural_person_code,
            } => {
                o.invoice_input_type = Some(InvoiceInputType::Cloud);
                o.invoice_cloud_type = Some(InvoiceCloudType::NaturalPersonCertificate);
                o.invoice_natural_person = Some(natural_person_code.clone());
            }
            InvoiceChoice::Email { post_zone, address } => {
                o.invoice_input_type = Some(InvoiceInputType::Cloud);
                o.invoice_cloud_type = Some(InvoiceCloudType::Email);
                o.invoice_m_post_zone = post_zone.as_ref().map(|z| z.trim().to_owned());
                o.invoice_m_address = address.as_ref().map(|a| a.trim().to_owned());
            }
        }
    }

    /// The carrier in plain words (`mobile`, `donation`, ...), as the
    /// order's views name it.
    pub fn kind(&self) -> &'static str {
        match self {
            InvoiceChoice::Mobile { .. } => "mobile",
            InvoiceChoice::Donation { .. } => "donation",
            InvoiceChoice::TaxId { .. } => "tax_id",
            InvoiceChoice::NaturalPerson { .. } => "natural_person",
            InvoiceChoice::Email { .. } => "email",
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
    /// 消費者真實姓名 (`user_real_name`; e-wallets need it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub real_name: Option<String>,
    /// 消費者英文姓名 (`user_english_name`; e-wallets need it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub english_name: Option<String>,
    /// 行動電話國碼 (`user_cellphone_code`, e.g. `886`; e-wallets need it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_country_code: Option<String>,
    /// 證號類型 (`user_sn_type`): 1 national id (the default), 2 resident
    /// certificate, 3 passport.
    #[serde(
        default,
        deserialize_with = "text_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub sn_type: Option<String>,
    /// 身分證 / 統一證號 / 護照號碼 (`user_sn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sn: Option<String>,
    /// 帳單地址 (`user_address`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// 郵遞區號 (`user_zipcode`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zipcode: Option<String>,
    /// 生日 (`user_birthday`), `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthday: Option<String>,
}

/// A code field sent as `"1"` or `1`.
fn text_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s)),
        Some(serde_json::Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(serde::de::Error::custom("expected a string or a number")),
    }
}

/// 身分證字號: a letter, 1 or 2, 8 digits, with the check digit (the
/// letter counts as its two-digit area number).
pub fn is_national_id(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || !b[0].is_ascii_uppercase() || !matches!(b[1], b'1' | b'2') {
        return false;
    }
    if !b[1..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    id_checksum(b)
}

/// 統一證號 (resident certificate): a letter, then A-D (the old form) or
/// 8 / 9 (the new form), then 8 digits, with the check digit.
pub fn is_resident_certificate(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || !b[0].is_ascii_uppercase() || !b[2..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    match b[1] {
        b'8' | b'9' => id_checksum(b),
        // The old form: the second letter counts by its area number's last digit.
        b'A'..=b'D' => {
            let mut v = b.to_vec();
            v[1] = b'0' + (area(b[1]) % 10) as u8;
            id_checksum(&v)
        }
        _ => false,
    }
}

/// A letter's area number (A = 10 … Z = 33, in the ID card's order).
fn area(c: u8) -> u32 {
    const ORDER: &[u8; 26] = b"ABCDEFGHJKLMNPQRSTUVXYWZIO";
    ORDER
        .iter()
        .position(|x| *x == c)
        .map(|i| 10 + i as u32)
        .unwrap_or(0)
}

fn id_checksum(b: &[u8]) -> bool {
    let a = area(b[0]);
    let mut sum = a / 10 + (a % 10) * 9;
    for (i, c) in b[1..9].iter().enumerate() {
        sum += u32::from(c - b'0') * (8 - i as u32);
    }
    sum += u32::from(b[9] - b'0');
    sum.is_multiple_of(10)
}

/// A real calendar date `YYYY-MM-DD` from 1900 on.
pub fn is_birthday(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    y >= 1900 && (1..=days).contains(&d)
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
        fn given(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|v| !v.is_empty())
        }
        if let Some(n) = given(&self.real_name) {
            if !plain_text(n, 50) {
                out.push((
                    "customer.real_name",
                    "customer.real_name is at most 50 characters",
                ));
            }
        }
        if let Some(n) = given(&self.english_name) {
            let ok = n.len() <= 50
                && n.bytes().all(|c| {
                    c.is_ascii_alphabetic() || matches!(c, b' ' | b'-' | b'.' | b',' | b'\'')
                });
            if !ok {
                out.push((
                    "customer.english_name",
                    "customer.english_name is at most 50 Latin letters, spaces and - . , '",
                ));
            }
        }
        if let Some(c) = given(&self.phone_country_code) {
            let c = c.strip_prefix('+').unwrap_or(c);
            if !(1..=4).contains(&c.len()) || !c.bytes().all(|b| b.is_ascii_digit()) {
                out.push((
                    "customer.phone_country_code",
                    "customer.phone_country_code is 1 to 4 digits (886 for Taiwan)",
                ));
            }
        }
        let sn_type = given(&self.sn_type).map(UserSnType::from_code);
        if let Some(t) = &sn_type {
            if !t.is_documented() {
                out.push((
                    "customer.sn_type",
                    "customer.sn_type is 1 (national id), 2 (resident certificate) or 3 (passport)",
                ));
            }
        }
        match (given(&self.sn), &sn_type) {
            (None, Some(_)) => out.push((
                "customer.sn",
                "customer.sn is required with customer.sn_type",
            )),
            (Some(sn), t) => {
                let ok = match t.as_ref().unwrap_or(&UserSnType::NationalId) {
                    UserSnType::NationalId => is_national_id(sn),
                    UserSnType::ResidentCertificate => is_resident_certificate(sn),
                    UserSnType::Passport => {
                        (5..=20).contains(&sn.len())
                            && sn.bytes().all(|c| c.is_ascii_alphanumeric())
                    }
                    UserSnType::Other(_) => true,
                };
                if !ok {
                    out.push((
                        "customer.sn",
                        "customer.sn is not a valid number of its customer.sn_type (a national id: A123456789)",
                    ));
                }
            }
            (None, None) => {}
        }
        if let Some(a) = given(&self.address) {
            if !plain_text(a, 100) {
                out.push((
                    "customer.address",
                    "customer.address is at most 100 characters",
                ));
            }
        }
        if let Some(z) = given(&self.zipcode) {
            if !is_post_zone(z) {
                out.push(("customer.zipcode", "customer.zipcode is 3, 5 or 6 digits"));
            }
        }
        if let Some(b) = given(&self.birthday) {
            if !is_birthday(b) {
                out.push((
                    "customer.birthday",
                    "customer.birthday is a date YYYY-MM-DD",
                ));
            }
        }
        out
    }

    /// The fields an e-wallet payment needs that this customer lacks, as
    /// checkout paths (the API text's 『電子錢包交易必要欄位』).
    pub fn missing_for(&self, pfn: &Pfn) -> Vec<&'static str> {
        if !pfn.is_wallet() {
            return Vec::new();
        }
        let given =
            |v: &Option<String>| v.as_deref().map(|v| !v.trim().is_empty()).unwrap_or(false);
        WALLET_FIELDS
            .iter()
            .filter_map(|f| {
                let (path, v) = match *f {
                    "user_name" => ("customer.name", &self.name),
                    "user_real_name" => ("customer.real_name", &self.real_name),
                    "user_english_name" => ("customer.english_name", &self.english_name),
                    "user_cellphone_code" => {
                        ("customer.phone_country_code", &self.phone_country_code)
                    }
                    "user_cellphone" => ("customer.phone", &self.phone),
                    _ => ("customer.email", &self.email),
                };
                (!given(v)).then_some(path)
            })
            .collect()
    }

    /// The e-mail as stored and searched: trimmed, lower-case.
    pub fn email_key(&self) -> Option<String> {
        self.email
            .as_deref()
            .map(|e| e.trim().to_lowercase())
            .filter(|e| !e.is_empty())
    }
}

/// Most `echo` strings a checkout may carry (`echo_0` … `echo_4`).
pub const MAX_ECHO: usize = 5;
/// Longest `echo` string, in characters.
pub const ECHO_MAX_CHARS: usize = 100;

/// The problems with a checkout's `echo` list, as `(path, message)`: at
/// most five strings of at most 100 characters, without control characters
/// or any of `< > " ' & \` (they travel back in reports and queries, and
/// into the admin's pages).
pub fn echo_problems(echo: &[String]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if echo.len() > MAX_ECHO {
        out.push((
            "echo".to_owned(),
            format!("echo has at most {MAX_ECHO} strings"),
        ));
        return out;
    }
    for (i, e) in echo.iter().enumerate() {
        let ok = e.chars().count() <= ECHO_MAX_CHARS
            && !e
                .chars()
                .any(|c| c.is_control() || matches!(c, '<' | '>' | '"' | '\'' | '&' | '\\'));
        if !ok {
            out.push((
                format!("echo[{i}]"),
                format!("echo[{i}] is at most {ECHO_MAX_CHARS} characters, without control characters or < > \" ' & \\"),
            ));
        }
    }
    out
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
    /// The store's settings (instalments, fees, invoice defaults, ...).
    pub options: &'a StoreOptions,
    /// The merchant's `echo_0` … `echo_4` (empty strings are not sent).
    pub echo: &'a [String],
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
    let c = ctx.customer;
    let opts = ctx.options;
    let echo = |i: usize| ctx.echo.get(i).filter(|e| !e.is_empty()).cloned();
    let agent = opts.agent_charge_fee.is_some()
        || opts.agent_charge_fee_type.is_some()
        || opts.agent_sms_fee_type.is_some()
        || opts.is_agent_charge.is_some();
    let mut o = OrderRequest {
        store_uid: Text(ctx.store_uid.to_owned()),
        user_id: Text(c.id.trim().to_owned()),
        user_name: some_text(&c.name),
        user_real_name: some_text(&c.real_name),
        user_english_name: some_text(&c.english_name),
        user_zipcode: some_text(&c.zipcode),
        user_address: some_text(&c.address),
        user_sn_type: some_text(&c.sn)
            .and(some_text(&c.sn_type).map(|t| UserSnType::from_code(&t))),
        user_sn: some_text(&c.sn),
        user_cellphone_code: some_text(&c.phone_country_code)
            .map(|p| p.trim_start_matches('+').to_owned()),
        user_email: c.email_key(),
        user_cellphone: some_text(&c.phone),
        user_birthday: some_text(&c.birthday),
        echo_0: echo(0),
        echo_1: echo(1),
        echo_2: echo(2),
        echo_3: echo(3),
        echo_4: echo(4),
        enable_dcc: opts.enable_dcc.clone(),
        enable_quickpay: opts.enable_quickpay.clone(),
        creditcard_installment: opts.creditcard_installment.clone(),
        invoice_ratetype: opts.invoice_ratetype.clone(),
        issue_invoice_state: match ctx.invoice {
            Some(_) => Some(
                opts.issue_invoice_state
                    .clone()
                    .unwrap_or(IssueInvoiceState::Issue),
            ),
            None => opts.issue_invoice_state.clone(),
        },
        agent_charge_fee: opts.agent_charge_fee.map(Int),
        agent_charge_fee_type: opts.agent_charge_fee_type.clone(),
        agent_sms_fee_type: opts.agent_sms_fee_type.clone(),
        voucher_invoice_type: opts.voucher_invoice_type.clone(),
        cost: Some(StrInt(q.amount)),
        currency: Some(opts.currency.clone()),
        order_id: Text(ctx.order_id.to_owned()),
        ip: ctx.ip.to_owned(),
        item: Some(Text(items.len().to_string())),
        items,
        pfn: ctx.pfn.map(Pfn::from_code),
        success_returl: ctx.success_url.map(str::to_owned),
        failure_returl: ctx.failure_url.map(str::to_owned),
        limit_pay_days: Some(Int(opts.limit_pay_days)),
        voucher_type: (!paid.is_empty() || !free.is_empty()).then_some(VoucherType::Fixed),
        voucher_paid: (!paid.is_empty()).then_some(paid),
        voucher_free: (!free.is_empty()).then_some(free),
        ..Default::default()
    };
    if let Some(inv) = ctx.invoice {
        inv.apply(&mut o);
    }
    if agent {
        // The text's default rule made explicit, so the request says what
        // MYPAY will apply.
        o.is_agent_charge = Some(o.effective_is_agent_charge());
    }
    validate_order(&o)?;
    Ok(o)
}

#[cfg(test)]
mod tests;
