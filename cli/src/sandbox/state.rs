//! The sandbox's orders and their life cycle (created → paid / pending /
//! failed / abandoned → refunded), the documented seed orders, the replies
//! and reports built from an order, and the JSON file they persist in.

use mypay_edge::codes::*;
use mypay_edge::lenient::{Int, StrInt, Text};
use mypay_edge::models::{
    CancelOrderInfo, FreeVoucher, InvoiceAllowance, InvoiceInfo, Item, Notification, OrderRequest,
    PaidVoucher, QueryReply, RefundOrderInfo, RefundRowData, Transaction, VoucherRef,
};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use time::{Duration as TimeDuration, OffsetDateTime};

/// First uid given to an order created in the sandbox (above the seeds).
pub const FIRST_UID: u64 = 95300;
/// `prc` of an order that was created and not paid yet (appendix 2 `200`,
/// 資料正確: MYPAY has the order and waits for the next step).
pub const PRC_CREATED: &str = "200";

/// How a payment went through (the gateway side of a report).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct PaymentInfo {
    pub pfn: String,
    pub cardno: String,
    pub acode: String,
    pub card_type: String,
    pub issuing_bank: String,
    pub issuing_bank_uid: String,
    pub supplier_name: String,
    pub supplier_code: String,
    pub bank_id: String,
    pub expired_date: String,
    pub result_content_type: String,
    pub result_content: String,
}

/// The refund of an order (voucher mode allows one, in full).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RefundRecord {
    pub refund_uid: u64,
    pub finishtime: String,
    pub cost: i64,
    /// `4` void or `6` allowance.
    pub invoice_state: String,
    pub refund_type: String,
    pub expected_refund_date: String,
}

/// One step of an order's history.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct HistoryEntry {
    pub prc: String,
    pub time: String,
}

/// An order as the sandbox keeps it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OrderRecord {
    pub uid: u64,
    pub key: String,
    pub store_uid: String,
    /// A documented example order (not counted for order_id uniqueness).
    #[serde(default)]
    pub seeded: bool,
    pub request: OrderRequest,
    pub prc: String,
    pub retmsg: String,
    pub created_at: String,
    /// YYYYMMDDHHmmss of the last state change, "" while created.
    pub finishtime: String,
    pub payment: Option<PaymentInfo>,
    pub refund: Option<RefundRecord>,
    pub invoice_wordtrack: String,
    pub invoice_number: String,
    pub invoice_rand_code: String,
    pub history: Vec<HistoryEntry>,
}

/// Everything that persists.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Store {
    pub next_uid: u64,
    pub orders: BTreeMap<u64, OrderRecord>,
}

/// A state change that cannot happen (answered 409 by the automation API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionError {
    NotFound,
    InvalidState { prc: String, wanted: &'static str },
    BadInput(String),
}

impl TransitionError {
    pub fn message(&self) -> String {
        match self {
            TransitionError::NotFound => "no order with this uid".into(),
            TransitionError::InvalidState { prc, wanted } => {
                format!("the order is in state {prc}; this needs {wanted}")
            }
            TransitionError::BadInput(m) => m.clone(),
        }
    }
}

/// Time in Taiwan (MYPAY's clock), UTC+8.
pub fn now_tw() -> OffsetDateTime {
    OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8))
}

/// YYYYMMDDHHmmss
pub fn stamp(t: OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// YYYYMMDD
pub fn day_stamp(t: OffsetDateTime) -> String {
    format!("{:04}{:02}{:02}", t.year(), u8::from(t.month()), t.day())
}

/// RFC 3339, for logs.
pub fn rfc3339_now() -> String {
    OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// 32 lowercase hex characters.
pub fn random_hex32() -> String {
    let bytes: [u8; 16] = rand::thread_rng().gen();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn random_digits(n: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..n)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect()
}

fn random_acode() -> String {
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
    let mut rng = rand::thread_rng();
    (0..6)
        .map(|_| char::from(CHARS[rng.gen_range(0..CHARS.len())]))
        .collect()
}

/// A test card of appendix 6 and what the sandbox does with it.
#[derive(Clone, Copy, Debug)]
pub struct TestCard {
    pub number: &'static str,
    pub expiry: &'static str,
    pub cvc: &'static str,
    pub brand: &'static str,
    /// 『信用卡別類型』
    pub card_type: &'static str,
    pub gateway: &'static str,
    pub supplier_code: &'static str,
    pub success: bool,
}

/// Appendix 6. 5204247750001471 is listed both as a 高鉅 success MasterCard
/// and as the 高鉅 failure card: the sandbox treats it as the failure card.
/// Cards listed twice (3566703300032801, 4003618704777729) take their first
/// gateway.
pub const TEST_CARDS: &[TestCard] = &[
    TestCard {
        number: "4938170130000003",
        expiry: "1228",
        cvc: "985",
        brand: "Visa",
        card_type: "1",
        gateway: "聯合信用卡處理中心",
        supplier_code: "B6",
        success: true,
    },
    TestCard {
        number: "5430450100001219",
        expiry: "1218",
        cvc: "214",
        brand: "MasterCard",
        card_type: "2",
        gateway: "聯合信用卡處理中心",
        supplier_code: "B6",
        success: true,
    },
    TestCard {
        number: "3560500100001218",
        expiry: "1218",
        cvc: "023",
        brand: "JCB",
        card_type: "3",
        gateway: "聯合信用卡處理中心",
        supplier_code: "B6",
        success: true,
    },
    TestCard {
        number: "4058650600065507",
        expiry: "1022",
        cvc: "395",
        brand: "Visa",
        card_type: "1",
        gateway: "永豐銀行",
        supplier_code: "B1",
        success: true,
    },
    TestCard {
        number: "5433760200078009",
        expiry: "1022",
        cvc: "597",
        brand: "MasterCard",
        card_type: "2",
        gateway: "永豐銀行",
        supplier_code: "B1",
        success: true,
    },
    TestCard {
        number: "3566703300032801",
        expiry: "0922",
        cvc: "033",
        brand: "JCB",
        card_type: "3",
        gateway: "永豐銀行",
        supplier_code: "B1",
        success: true,
    },
    TestCard {
        number: "4003618704777729",
        expiry: "任意 any",
        cvc: "任意 any",
        brand: "Visa",
        card_type: "1",
        gateway: "中國信託商業銀行",
        supplier_code: "B8",
        success: true,
    },
    TestCard {
        number: "4761120010000492",
        expiry: "1122",
        cvc: "533",
        brand: "Visa",
        card_type: "1",
        gateway: "高鉅科技",
        supplier_code: "T0",
        success: true,
    },
    TestCard {
        number: "5204247750001471",
        expiry: "1122",
        cvc: "111",
        brand: "MasterCard",
        card_type: "2",
        gateway: "高鉅科技",
        supplier_code: "T0",
        success: false,
    },
    TestCard {
        number: "4907060600015101",
        expiry: "1226",
        cvc: "905",
        brand: "Visa",
        card_type: "1",
        gateway: "凱基銀行",
        supplier_code: "BC",
        success: true,
    },
];

/// Digits of a card number as typed (spaces and dashes dropped).
pub fn normalize_card(number: &str) -> String {
    number
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

fn card_brand_type(number: &str) -> &'static str {
    match number.as_bytes().first() {
        Some(b'4') => "1",
        Some(b'5') | Some(b'2') => "2",
        Some(b'3') if number.starts_with("34") || number.starts_with("37") => "4",
        Some(b'3') => "3",
        _ => "0",
    }
}

/// What a payment attempt does to an order.
#[derive(Clone, Debug, PartialEq)]
pub enum Payment {
    /// A card number (test cards succeed, the failure card and unknown cards fail).
    Card(String),
    /// CSTORECODE (ibon code, 260) or E_COLLECTION (virtual account, 270).
    Deferred(Pfn),
}

impl Store {
    /// A fresh store holding the API text's documented example orders.
    pub fn seeded(store_uid: &str) -> Self {
        let mut orders = BTreeMap::new();
        for o in seed_orders(store_uid) {
            orders.insert(o.uid, o);
        }
        Self {
            next_uid: FIRST_UID,
            orders,
        }
    }

    fn alloc_uid(&mut self) -> u64 {
        let uid = self.next_uid.max(FIRST_UID);
        self.next_uid = uid + 1;
        uid
    }

    /// The uid of a (non-seed) order of `store_uid` with this `order_id`.
    pub fn find_order_id(&self, store_uid: &str, order_id: &str) -> Option<u64> {
        self.orders
            .values()
            .find(|o| {
                !o.seeded && o.store_uid == store_uid && o.request.order_id.as_str() == order_id
            })
            .map(|o| o.uid)
    }

    /// Records a new order (already validated); returns its uid and key.
    pub fn create(&mut self, request: OrderRequest) -> (u64, String) {
        let uid = self.alloc_uid();
        let key = random_hex32();
        let record = OrderRecord {
            uid,
            key: key.clone(),
            store_uid: request.store_uid.as_str().to_owned(),
            seeded: false,
            request,
            prc: PRC_CREATED.into(),
            retmsg: "訂單成立,等待付款".into(),
            created_at: rfc3339_now(),
            finishtime: String::new(),
            payment: None,
            refund: None,
            invoice_wordtrack: String::new(),
            invoice_number: String::new(),
            invoice_rand_code: String::new(),
            history: vec![HistoryEntry {
                prc: PRC_CREATED.into(),
                time: rfc3339_now(),
            }],
        };
        self.orders.insert(uid, record);
        (uid, key)
    }

    fn order_mut(&mut self, uid: u64) -> Result<&mut OrderRecord, TransitionError> {
        self.orders.get_mut(&uid).ok_or(TransitionError::NotFound)
    }

    /// The shopper pays (page or automation). Needs a created order.
    pub fn pay(&mut self, uid: u64, payment: Payment) -> Result<OrderRecord, TransitionError> {
        let o = self.order_mut(uid)?;
        if o.prc != PRC_CREATED {
            return Err(TransitionError::InvalidState {
                prc: o.prc.clone(),
                wanted: "an unpaid order (200)",
            });
        }
        let now = now_tw();
        match payment {
            Payment::Card(number) => {
                let number = normalize_card(&number);
                if number.len() < 12
                    || number.len() > 19
                    || !number.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(TransitionError::BadInput(
                        "card_number must be 12 to 19 digits".into(),
                    ));
                }
                let card = TEST_CARDS.iter().find(|c| c.number == number);
                let success = card.map(|c| c.success).unwrap_or(false);
                let masked = format!("{}******{}", &number[..6], &number[number.len() - 4..]);
                let (gateway, supplier) = card
                    .map(|c| (c.gateway, c.supplier_code))
                    .unwrap_or(("高鉅科技", "T0"));
                o.payment = Some(PaymentInfo {
                    pfn: "CREDITCARD".into(),
                    cardno: masked,
                    acode: if success {
                        random_acode()
                    } else {
                        String::new()
                    },
                    card_type: card
                        .map(|c| c.card_type)
                        .unwrap_or_else(|| card_brand_type(&number))
                        .into(),
                    issuing_bank: if success {
                        "合作金庫".into()
                    } else {
                        String::new()
                    },
                    issuing_bank_uid: if success { "006".into() } else { String::new() },
                    supplier_name: gateway.into(),
                    supplier_code: supplier.into(),
                    result_content_type: "CREDITCARD".into(),
                    result_content: "{}".into(),
                    ..PaymentInfo::default()
                });
                if success {
                    set_state(o, "250", "付款完成", now);
                    issue_invoice(o);
                } else if card.is_some() {
                    set_state(
                        o,
                        "300",
                        "交易失敗:授權失敗 (declined by the issuer: test failure card)",
                        now,
                    );
                } else {
                    set_state(
                        o,
                        "300",
                        "交易失敗:卡號不在測試卡清單 (declined: not a test card)",
                        now,
                    );
                }
            }
            Payment::Deferred(pfn) => {
                let days = o
                    .request
                    .limit_pay_days
                    .map(|d| d.get())
                    .filter(|d| (1..=60).contains(d))
                    .unwrap_or(7);
                let limit = now + TimeDuration::days(days);
                let limit = stamp(limit).chars().take(8).collect::<String>() + "235959";
                let info = match pfn {
                    Pfn::CStoreCode => {
                        let content = json!({
                            "PinCode": format!("IB{}", random_digits(12)),
                            "LimitDate": limit,
                            "BarCode1": format!("{}{}", &day_stamp(now)[2..], random_digits(3)),
                            "BarCode2": random_digits(16),
                            "BarCode3": random_digits(15),
                            "BarcodeEndDate": limit,
                        });
                        PaymentInfo {
                            pfn: "CSTORECODE".into(),
                            card_type: "0".into(),
                            supplier_name: "安源資訊股份有限公司(ibon)".into(),
                            supplier_code: "S1".into(),
                            expired_date: limit.clone(),
                            result_content_type: "IBON".into(),
                            result_content: content.to_string(),
                            ..PaymentInfo::default()
                        }
                    }
                    Pfn::ECollection => {
                        let content = json!({
                            "PinCode": random_digits(14),
                            "LimitDate": limit,
                            "BankCode": "822",
                        });
                        PaymentInfo {
                            pfn: "E_COLLECTION".into(),
                            card_type: "0".into(),
                            supplier_name: "中國信託商業銀行".into(),
                            supplier_code: "B8".into(),
                            bank_id: "822".into(),
                            expired_date: limit.clone(),
                            result_content_type: "E_COLLECTION".into(),
                            result_content: content.to_string(),
                            ..PaymentInfo::default()
                        }
                    }
                    other => {
                        return Err(TransitionError::BadInput(format!(
                            "pfn {other} is not simulated: use CSTORECODE or E_COLLECTION (or a card_number)"
                        )))
                    }
                };
                let prc = if info.pfn == "CSTORECODE" {
                    "260"
                } else {
                    "270"
                };
                let msg = if prc == "260" {
                    "取號成功,等待超商繳費"
                } else {
                    "取號成功,等待 ATM 轉帳"
                };
                o.payment = Some(info);
                set_state(o, prc, msg, now);
            }
        }
        Ok(o.clone())
    }

    /// A later result of MYPAY (appendix 2): a pending store code / virtual
    /// account (260, 270) is paid (250), expires (380) or is paid with
    /// details that do not match (290); an expired one (380) may still turn
    /// out paid but mismatched after MYPAY verifies it (290); a paid order
    /// (250) is settled by the upstream provider (600).
    pub fn settle(&mut self, uid: u64, prc: &str) -> Result<OrderRecord, TransitionError> {
        let wanted = match prc {
            "250" | "380" => "a pending order (260 or 270)",
            "290" => "a pending (260, 270) or expired (380) order",
            "600" => "a paid order (250)",
            _ => {
                return Err(TransitionError::BadInput(
                    "prc must be \"250\", \"380\", \"290\" or \"600\"".into(),
                ))
            }
        };
        let o = self.order_mut(uid)?;
        let allowed = match prc {
            "250" | "380" => matches!(o.prc.as_str(), "260" | "270"),
            "290" => matches!(o.prc.as_str(), "260" | "270" | "380"),
            _ => o.prc == "250",
        };
        if !allowed {
            return Err(TransitionError::InvalidState {
                prc: o.prc.clone(),
                wanted,
            });
        }
        let now = now_tw();
        match prc {
            "250" => {
                set_state(o, "250", "付款完成", now);
                issue_invoice(o);
            }
            "290" => {
                set_state(
                    o,
                    "290",
                    "交易成功,但資訊不符 (paid, details do not match)",
                    now,
                );
                issue_invoice(o);
            }
            "600" => set_state(o, "600", "結帳完成", now),
            _ => set_state(o, "380", "逾期未繳費,交易失敗", now),
        }
        Ok(o.clone())
    }

    /// The shopper gives up on the payment page (A0002).
    pub fn abandon(&mut self, uid: u64) -> Result<OrderRecord, TransitionError> {
        let o = self.order_mut(uid)?;
        if o.prc != PRC_CREATED {
            return Err(TransitionError::InvalidState {
                prc: o.prc.clone(),
                wanted: "an unpaid order (200)",
            });
        }
        set_state(o, "A0002", "消費者放棄交易", now_tw());
        Ok(o.clone())
    }

    /// Refunds a paid order in full (the caller has validated the request).
    pub fn refund(
        &mut self,
        uid: u64,
        invoice_state: &str,
    ) -> Result<OrderRecord, TransitionError> {
        let refund_uid = self.alloc_uid();
        let o = self.order_mut(uid)?;
        if o.prc != "250" && o.prc != "600" {
            return Err(TransitionError::InvalidState {
                prc: o.prc.clone(),
                wanted: "a paid order (250 or 600)",
            });
        }
        let now = now_tw();
        let cash = o
            .payment
            .as_ref()
            .map(|p| p.pfn != "CREDITCARD")
            .unwrap_or(false);
        o.refund = Some(RefundRecord {
            refund_uid,
            finishtime: stamp(now),
            cost: order_cost(&o.request),
            invoice_state: if invoice_state == "4" {
                "4".into()
            } else {
                "6".into()
            },
            refund_type: if cash { "3".into() } else { "1".into() },
            expected_refund_date: if cash {
                day_stamp(now + TimeDuration::days(10))
            } else {
                String::new()
            },
        });
        set_state(o, "230", "退款完成", now);
        Ok(o.clone())
    }
}

fn set_state(o: &mut OrderRecord, prc: &str, retmsg: &str, now: OffsetDateTime) {
    o.prc = prc.into();
    o.retmsg = retmsg.into();
    o.finishtime = stamp(now);
    o.history.push(HistoryEntry {
        prc: prc.into(),
        time: rfc3339_now(),
    });
}

fn issue_invoice(o: &mut OrderRecord) {
    if o.invoice_number.is_empty() {
        o.invoice_wordtrack = "SW".into();
        o.invoice_number = random_digits(8);
        o.invoice_rand_code = random_digits(4);
    }
}

/// The order's `cost` (the amount the shopper pays).
pub fn order_cost(r: &OrderRequest) -> i64 {
    r.cost.map(|c| c.get()).unwrap_or(0)
}

fn paid_voucher_sum(r: &OrderRequest) -> i64 {
    r.voucher_paid
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|v| v.cost.map(|c| c.get()).unwrap_or(0))
        .sum()
}

/// The order's paid vouchers as refund references.
pub fn paid_voucher_refs(r: &OrderRequest) -> Vec<VoucherRef> {
    r.voucher_paid
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|v| VoucherRef {
            product_id: v.product_id.clone(),
            serial_number: v.serial_number.clone(),
        })
        .collect()
}

fn is_paid_like(prc: &str) -> bool {
    matches!(prc, "250" | "600" | "230")
}

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

/// The whole transaction as reports and the query show it (every documented
/// field present, empty when it does not apply).
pub fn transaction(o: &OrderRecord) -> Transaction {
    let r = &o.request;
    let pay = o.payment.clone().unwrap_or_default();
    let pfn = if pay.pfn.is_empty() {
        r.pfn
            .as_ref()
            .map(|p| p.code().to_owned())
            .unwrap_or_default()
    } else {
        pay.pfn.clone()
    };
    let cost = order_cost(r);
    Transaction {
        uid: Some(Text(o.uid.to_string())),
        key: s(&o.key),
        prc: Some(StatusCode::from_code(&o.prc)),
        finishtime: s(&o.finishtime),
        cardno: s(&pay.cardno),
        acode: s(&pay.acode),
        card_type: Some(CardType::from_code(if pay.card_type.is_empty() {
            "0"
        } else {
            &pay.card_type
        })),
        issuing_bank: s(&pay.issuing_bank),
        issuing_bank_uid: s(&pay.issuing_bank_uid),
        is_agent_charge: Some(r.effective_is_agent_charge()),
        transaction_mode: Some(if o.payment.is_some() {
            TransactionMode::CollectionAgent
        } else {
            TransactionMode::NotYet
        }),
        supplier_name: s(&pay.supplier_name),
        supplier_code: Some(SupplierCode::from_code(&pay.supplier_code)),
        order_id: Some(r.order_id.clone()),
        user_id: Some(r.user_id.clone()),
        cost: Some(StrInt(cost)),
        currency: Some(r.currency.clone().unwrap_or(Currency::Twd)),
        actual_cost: Some(StrInt(cost)),
        actual_currency: Some(r.currency.clone().unwrap_or(Currency::Twd)),
        voucher_paid: Some(r.voucher_paid.clone().unwrap_or_default()),
        voucher_free: Some(r.voucher_free.clone().unwrap_or_default()),
        price: Some(Text("0".into())),
        actual_price: Some(Text("0".into())),
        recharge_code: s(""),
        love_cost: Some(Text("0".into())),
        retmsg: s(&o.retmsg),
        pfn: Some(Pfn::from_code(&pfn)),
        trans_type: Some(TransType::Normal),
        redeem: s(""),
        payment_name: s(""),
        nois: Some(Text(String::new())),
        group_id: s(""),
        bank_id: s(&pay.bank_id),
        expired_date: s(&pay.expired_date),
        result_type: Some(if o.payment.is_some() {
            ResultType::Json
        } else {
            ResultType::Unknown
        }),
        result_content_type: Some(ResultContentType::from_code(&pay.result_content_type)),
        result_content: s(if pay.result_content.is_empty() {
            "{}"
        } else {
            &pay.result_content
        }),
        echo_0: Some(r.echo_0.clone().unwrap_or_default()),
        echo_1: Some(r.echo_1.clone().unwrap_or_default()),
        echo_2: Some(r.echo_2.clone().unwrap_or_default()),
        echo_3: Some(r.echo_3.clone().unwrap_or_default()),
        echo_4: Some(r.echo_4.clone().unwrap_or_default()),
    }
}

/// The invoice lines (『商品細項』): items, then vouchers as negative lines.
/// With `voucher_invoice_type` 2 the paid vouchers are part of the invoiced
/// amount, so they are not deducted.
fn invoice_lines(r: &OrderRequest) -> Vec<(String, i64, i64)> {
    let mut lines: Vec<(String, i64, i64)> = r
        .items
        .iter()
        .map(|i: &Item| {
            (
                i.name.clone(),
                i.amount.map(|a| a.get()).unwrap_or(1),
                i.cost.map(|c| c.get()).unwrap_or(0),
            )
        })
        .collect();
    for v in r.voucher_free.as_deref().unwrap_or_default() {
        let v: &FreeVoucher = v;
        lines.push((v.name.clone(), 1, -v.cost.map(|c| c.get()).unwrap_or(0)));
    }
    if r.voucher_invoice_type != Some(VoucherInvoiceType::AmountPaidPlusPaidVouchers) {
        for v in r.voucher_paid.as_deref().unwrap_or_default() {
            let v: &PaidVoucher = v;
            lines.push((v.name.clone(), 1, -v.cost.map(|c| c.get()).unwrap_or(0)));
        }
    }
    lines
}

/// 發票金額: type 1 the amount paid; type 2 the amount paid plus the paid vouchers.
pub fn invoice_amount(r: &OrderRequest) -> i64 {
    match r.voucher_invoice_type {
        Some(VoucherInvoiceType::AmountPaidPlusPaidVouchers) => order_cost(r) + paid_voucher_sum(r),
        _ => order_cost(r),
    }
}

fn detail_json(lines: &[(String, i64, i64)]) -> String {
    let v: Vec<Value> = lines
        .iter()
        .map(|(name, qty, unit)| {
            json!({"Description": name, "Quantity": qty.to_string(), "UnitPrice": unit.to_string(), "Amount": (qty * unit).to_string()})
        })
        .collect();
    Value::Array(v).to_string()
}

fn empty_invoice(r: &OrderRequest) -> InvoiceInfo {
    InvoiceInfo {
        invoice_state: Some(InvoiceState::None),
        invoice_date: s(""),
        invoice_wordtrack: s(""),
        invoice_number: s(""),
        invoice_rand_code: s(""),
        invoice_seller_ban: s(""),
        invoice_buyer_ban: s(""),
        invoice_left_qrcode: s(""),
        invoice_middle_barcode: s(""),
        invoice_right_qrcode: s(""),
        invoice_title_type: Some(InvoiceTitleType::Text),
        invoice_title: s(""),
        invoice_print_type: Some(InvoicePrintType::None),
        invoice_print_device: Some(InvoicePrintDevice::Own),
        invoice_amount: Some(StrInt(0)),
        invoice_sales_amount: Some(StrInt(0)),
        invoice_tax_amount: Some(StrInt(0)),
        invoice_order_detail: s("[]"),
        invoice_ratetype: Some(
            r.invoice_ratetype
                .clone()
                .unwrap_or(InvoiceRateType::Taxable),
        ),
        invoice_input_type: Some(
            r.invoice_input_type
                .clone()
                .unwrap_or(InvoiceInputType::Donation),
        ),
        invoice_allowance: Some(Vec::new()),
    }
}

fn invoice(o: &OrderRecord) -> InvoiceInfo {
    let r = &o.request;
    let mut inv = empty_invoice(r);
    if !is_paid_like(&o.prc) || o.invoice_number.is_empty() {
        return inv;
    }
    let amount = invoice_amount(r);
    let lines = invoice_lines(r);
    let issued = if o.refund.is_some() {
        first_paid_stamp(o)
    } else {
        o.finishtime.clone()
    };
    let roc = issued
        .get(0..4)
        .and_then(|y| y.parse::<i32>().ok())
        .map(|y| y - 1911)
        .unwrap_or(0);
    let month = issued.get(4..6).unwrap_or("01");
    let seller = r
        .store_uid
        .as_str()
        .get(0..8)
        .unwrap_or_default()
        .to_owned();
    inv.invoice_state = Some(InvoiceState::Issued);
    inv.invoice_date = s(&issued);
    inv.invoice_wordtrack = s(&o.invoice_wordtrack);
    inv.invoice_number = s(&o.invoice_number);
    inv.invoice_rand_code = s(&o.invoice_rand_code);
    inv.invoice_seller_ban = s(&seller);
    inv.invoice_buyer_ban = s(r.invoice_b2b_id.as_deref().unwrap_or_default());
    inv.invoice_left_qrcode = Some(format!(
        "{}{}{}{}{:08x}{:08x}00000000{}",
        o.invoice_wordtrack,
        o.invoice_number,
        issued.get(0..8).unwrap_or_default(),
        o.invoice_rand_code,
        amount,
        amount,
        seller
    ));
    inv.invoice_middle_barcode = Some(format!(
        "{roc}{month}{}{}{}",
        o.invoice_wordtrack, o.invoice_number, o.invoice_rand_code
    ));
    inv.invoice_right_qrcode = Some(format!(
        "**{}",
        lines
            .iter()
            .skip(1)
            .map(|(n, q, u)| format!("{n}:{q}:{u}"))
            .collect::<Vec<_>>()
            .join(":")
    ));
    inv.invoice_title = s(r.invoice_b2b_title.as_deref().unwrap_or_default());
    inv.invoice_amount = Some(StrInt(amount));
    inv.invoice_sales_amount = Some(StrInt(amount));
    inv.invoice_tax_amount = Some(StrInt(0));
    inv.invoice_order_detail = Some(detail_json(&lines));
    if let Some(rf) = &o.refund {
        if rf.invoice_state == "4" {
            inv.invoice_state = Some(InvoiceState::Voided);
        } else {
            inv.invoice_state = Some(InvoiceState::Allowance);
            let detail: Vec<Value> = lines
                .iter()
                .enumerate()
                .map(|(i, (name, qty, unit))| {
                    json!({"SeqNo": i.to_string(), "ItemID": rf.refund_uid.to_string(), "ItemName": name,
                           "Qty": qty.to_string(), "TotalAmount": (qty * unit).to_string(), "RateType": "1"})
                })
                .collect();
            inv.invoice_allowance = Some(vec![InvoiceAllowance {
                uid: Some(Text(rf.refund_uid.to_string())),
                amount: Some(Int(amount)),
                order_detail: Some(Value::Array(detail).to_string()),
                extra: Default::default(),
            }]);
        }
    }
    inv
}

fn first_paid_stamp(o: &OrderRecord) -> String {
    // The finishtime of payment is not kept separately once refunded; the
    // history has RFC 3339 times, so derive YYYYMMDDHHmmss from it.
    o.history
        .iter()
        .find(|h| h.prc == "250" || h.prc == "600")
        .and_then(|h| {
            OffsetDateTime::parse(&h.time, &time::format_description::well_known::Rfc3339)
                .ok()
                .map(|t| stamp(t.to_offset(time::macros::offset!(+8))))
        })
        .unwrap_or_else(|| o.finishtime.clone())
}

/// 『交易查詢』回傳欄位 for an order.
pub fn query_reply(o: &OrderRecord) -> QueryReply {
    let r = &o.request;
    let mut extra = serde_json::Map::new();
    extra.insert(
        "pay_mode_uid".into(),
        json!(if o.payment.is_some() { 1 } else { 0 }),
    );
    extra.insert("store_group_id".into(), json!(""));
    let appropriation = if is_paid_like(&o.prc) {
        let t = now_tw() + TimeDuration::days(45);
        day_stamp(t)
    } else {
        String::new()
    };
    let refund_order = o
        .refund
        .as_ref()
        .map(|rf| {
            let mut inv = empty_invoice(r);
            inv.invoice_allowance = Some(Vec::new());
            RefundOrderInfo {
                uid: Some(Text(rf.refund_uid.to_string())),
                prc: Some(StatusCode::Refunded),
                cost: Some(StrInt(rf.cost)),
                currency: Some(Currency::Twd),
                actual_cost: Some(StrInt(rf.cost)),
                actual_currency: Some(Currency::Twd),
                voucher_paid: Some(r.voucher_paid.clone().unwrap_or_default()),
                retmsg: s("退款完成"),
                finishtime: s(&rf.finishtime),
                appropriation_date: s(&appropriation),
                invoice: inv,
                extra: Default::default(),
            }
        })
        .into_iter()
        .collect();
    let cancel_order: Vec<CancelOrderInfo> = Vec::new();
    QueryReply {
        transaction: transaction(o),
        appropriation_date: Some(appropriation),
        refund_order: Some(refund_order),
        cancel_order: Some(cancel_order),
        invoice: invoice(o),
        invoice_cloud_type: Some(
            r.invoice_cloud_type
                .clone()
                .unwrap_or(InvoiceCloudType::Other(String::new())),
        ),
        invoice_mobile_code: s(r.invoice_mobile_code.as_deref().unwrap_or_default()),
        invoice_tax_id: s(r.invoice_tax_id.as_deref().unwrap_or_default()),
        invoice_natural_person: s(r.invoice_natural_person.as_deref().unwrap_or_default()),
        invoice_m_post_zone: s(r.invoice_m_post_zone.as_deref().unwrap_or_default()),
        invoice_m_address: s(r.invoice_m_address.as_deref().unwrap_or_default()),
        invoice_love_code: s(r.invoice_love_code.as_deref().unwrap_or_default()),
        invoice_b2b_title: s(r.invoice_b2b_title.as_deref().unwrap_or_default()),
        invoice_b2b_id: s(r.invoice_b2b_id.as_deref().unwrap_or_default()),
        invoice_b2b_post_zone: s(""),
        invoice_b2b_address: s(r.invoice_b2b_address.as_deref().unwrap_or_default()),
        extra,
    }
}

/// 『退款完成回傳資訊』 for a refunded order.
pub fn refund_row(o: &OrderRecord) -> RefundRowData {
    let r = &o.request;
    let rf = o.refund.clone();
    let t = transaction(o);
    RefundRowData {
        uid: t.uid.clone(),
        refund_uid: rf.as_ref().map(|x| Text(x.refund_uid.to_string())),
        key: t.key.clone(),
        prc: t.prc.clone(),
        finishtime: t.finishtime.clone(),
        order_id: t.order_id.clone(),
        user_id: t.user_id.clone(),
        cost: rf.as_ref().map(|x| StrInt(x.cost)),
        currency: t.currency.clone(),
        actual_cost: rf.as_ref().map(|x| StrInt(x.cost)),
        voucher_paid: Some(r.voucher_paid.clone().unwrap_or_default()),
        actual_currency: t.actual_currency.clone(),
        retmsg: t.retmsg.clone(),
        pfn: t.pfn.clone(),
        payment_name: s(""),
        nois: Some(Text(String::new())),
        group_id: s(""),
        refund_type: rf.as_ref().map(|x| RefundType::from_code(&x.refund_type)),
        expected_refund_date: rf.as_ref().map(|x| x.expected_refund_date.clone()),
        echo_0: t.echo_0.clone(),
        echo_1: t.echo_1.clone(),
        echo_2: t.echo_2.clone(),
        echo_3: t.echo_3.clone(),
        echo_4: t.echo_4.clone(),
        extra: Default::default(),
    }
}

/// The callback report for the order's current state (with the refund
/// extras once refunded).
pub fn notification(o: &OrderRecord) -> Notification {
    let mut n = Notification {
        transaction: transaction(o),
        ..Notification::default()
    };
    if let (Some(rf), "230") = (&o.refund, o.prc.as_str()) {
        n.refund_uid = Some(Text(rf.refund_uid.to_string()));
        n.refund_type = Some(RefundType::from_code(&rf.refund_type));
        n.expected_refund_date = Some(rf.expected_refund_date.clone());
        n.transaction.cost = Some(StrInt(rf.cost));
        n.transaction.actual_cost = Some(StrInt(rf.cost));
    }
    n
}

fn seed_request(store_uid: &str, serial: &str, refund_return_type: &str) -> OrderRequest {
    OrderRequest {
        store_uid: Text(store_uid.into()),
        user_id: Text("userid".into()),
        order_id: Text("1234567890".into()),
        ip: "192.168.0.1".into(),
        cost: Some(StrInt(900)),
        items: vec![Item {
            id: Text("1".into()),
            name: "好棒棒麻辣鍋湯包".into(),
            cost: Some(Int(1000)),
            amount: Some(Int(1)),
            total: Some(Int(1000)),
            image_url: None,
        }],
        pfn: Some(Pfn::CreditCard),
        voucher_type: Some(VoucherType::Fixed),
        voucher_paid: Some(vec![PaidVoucher {
            product_id: "P01".into(),
            serial_number: format!("P{serial}"),
            name: "好食券".into(),
            cost: Some(Int(50)),
            issuer: Some(PaidVoucherIssuer::Platform),
            refund_return_type: Some(RefundReturnType::from_code(refund_return_type)),
        }]),
        voucher_free: Some(vec![FreeVoucher {
            product_id: "F01".into(),
            serial_number: format!("F{serial}"),
            name: "VIP免費券".into(),
            cost: Some(Int(50)),
            issuer: Some(FreeVoucherIssuer::Platform),
        }]),
        voucher_invoice_type: Some(VoucherInvoiceType::AmountPaid),
        invoice_input_type: Some(InvoiceInputType::Donation),
        invoice_love_code: Some("1234".into()),
        invoice_ratetype: Some(InvoiceRateType::Taxable),
        ..OrderRequest::default()
    }
}

fn seed_order(
    uid: u64,
    key: &str,
    request: OrderRequest,
    finishtime: &str,
    invoice_number: &str,
    rand_code: &str,
) -> OrderRecord {
    OrderRecord {
        uid,
        key: key.into(),
        store_uid: request.store_uid.as_str().to_owned(),
        seeded: true,
        request,
        prc: "250".into(),
        retmsg: "付款完成".into(),
        created_at: "2021-10-22T01:08:00Z".into(),
        finishtime: finishtime.into(),
        payment: Some(PaymentInfo {
            pfn: "CREDITCARD".into(),
            cardno: "493817******0003".into(),
            acode: "AA1234".into(),
            card_type: "1".into(),
            issuing_bank: "合作金庫".into(),
            issuing_bank_uid: "006".into(),
            supplier_name: "高鉅科技".into(),
            supplier_code: "T0".into(),
            result_content_type: "CREDITCARD".into(),
            result_content: "{}".into(),
            ..PaymentInfo::default()
        }),
        refund: None,
        invoice_wordtrack: "SW".into(),
        invoice_number: invoice_number.into(),
        invoice_rand_code: rand_code.into(),
        history: vec![
            HistoryEntry {
                prc: "200".into(),
                time: "2021-10-22T01:08:00Z".into(),
            },
            HistoryEntry {
                prc: "250".into(),
                time: "2021-10-22T01:09:18Z".into(),
            },
        ],
    }
}

/// The API text's example orders: 95217 (the query example, paid) and 95047
/// (the refund example: paid, cost 900, paid voucher P01/P1634634156).
pub fn seed_orders(store_uid: &str) -> Vec<OrderRecord> {
    vec![
        seed_order(
            95217,
            "3425042d7d266e4aea5fd4653a0271db",
            seed_request(store_uid, "1634864897", "1"),
            "20211022090918",
            "83037076",
            "8373",
        ),
        seed_order(
            95047,
            "85def7799fd15978cac14a44846f3a2a",
            seed_request(store_uid, "1634634156", "1"),
            "20211019171236",
            "83036911",
            "5120",
        ),
    ]
}

/// Where the store is kept: a JSON file replaced atomically on every change.
#[derive(Clone, Debug)]
pub struct Persist {
    pub path: Option<PathBuf>,
}

impl Persist {
    pub fn in_dir(dir: Option<&Path>) -> Self {
        Self {
            path: dir.map(|d| d.join("state.json")),
        }
    }

    /// Reads the saved store, if any.
    pub fn load(&self) -> anyhow::Result<Option<Store>> {
        let Some(path) = &self.path else {
            return Ok(None);
        };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let store = serde_json::from_str(&text).map_err(|e| {
                    anyhow::anyhow!("{} is not a sandbox state file: {e}", path.display())
                })?;
                Ok(Some(store))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
        }
    }

    /// Writes the store: a temporary file, then a rename over the old one.
    pub fn save(&self, store: &Store) -> anyhow::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension(format!("json.tmp{}", std::process::id()));
        let text = serde_json::to_vec_pretty(store)?;
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    }
}
