//! The sandbox's orders and their life cycle (created → paid / pending /
//! failed / abandoned / cancelled; refunds beside a paid order), the lazy
//! expiries (payment page lifetime → A0002, LimitDate → 380, manual refunds
//! completing on their date), the documented seed orders, and the JSON file
//! they persist in. Replies and reports built from an order are in
//! `replies.rs`.

use super::clock::{parse_rfc3339, parse_stamp, rfc3339, TAIWAN};
use super::rules::{self, OrderFacts};
use mypay_link::codes::*;
use mypay_link::lenient::{Int, StrInt, Text};
use mypay_link::models::{FreeVoucher, Item, OrderRequest, PaidVoucher};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use time::{Duration as TimeDuration, OffsetDateTime};

/// First uid given to an order created in the sandbox (above the seeds).
pub const FIRST_UID: u64 = 95300;
/// `prc` of an order that was created and not paid yet (appendix 2 `200`,
/// 資料正確: MYPAY has the order and waits for the next step).
pub const PRC_CREATED: &str = "200";
/// `limit_pay_days` when the order gives none (the API text names no
/// default; the sandbox's choice).
pub const DEFAULT_LIMIT_PAY_DAYS: i64 = 7;

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

/// Where a refund stands.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RefundState {
    /// Accepted; the money has not moved yet (manual refunds).
    Pending,
    /// Done: shown in the query's `refund_order`.
    Done,
}

/// One refund of an order.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RefundRecord {
    pub refund_uid: u64,
    pub state: RefundState,
    pub cost: i64,
    /// The paid vouchers given back with this refund.
    #[serde(default)]
    pub voucher_paid: Vec<PaidVoucher>,
    /// `4` void or `6` allowance.
    pub invoice_state: String,
    /// 退款類型: `1` online, `2` manual (card), `3` manual (cash-type).
    pub refund_type: String,
    /// YYYYMMDD for manual refunds, "" for online ones.
    pub expected_refund_date: String,
    /// RFC 3339 (sandbox clock).
    pub requested_at: String,
    /// YYYYMMDDHHmmss once done, "" while pending.
    pub finishtime: String,
    /// `api` (api/refund) or `admin` (MYPAY's admin panel).
    pub source: String,
}

/// The cancellation of an order (220).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CancelRecord {
    pub cancel_uid: u64,
    pub cost: i64,
    pub finishtime: String,
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
    #[serde(default)]
    pub refunds: Vec<RefundRecord>,
    #[serde(default)]
    pub cancel: Option<CancelRecord>,
    /// Became A0002 because its payment page outlived `page_lifetime_seconds`.
    #[serde(default)]
    pub page_expired: bool,
    pub invoice_wordtrack: String,
    pub invoice_number: String,
    pub invoice_rand_code: String,
    pub history: Vec<HistoryEntry>,
}

impl OrderRecord {
    /// MYPAY considered it paid at some point (250 or 600 in its history).
    pub fn ever_paid(&self) -> bool {
        self.history
            .iter()
            .any(|h| h.prc == "250" || h.prc == "600")
    }

    /// The payment method: the one used, else the one preselected.
    pub fn pfn(&self) -> String {
        match &self.payment {
            Some(p) if !p.pfn.is_empty() => p.pfn.clone(),
            _ => self
                .request
                .pfn
                .as_ref()
                .map(|p| p.code().to_owned())
                .unwrap_or_default(),
        }
    }

    /// 折價券模式: `voucher_type` 1 or 2, or vouchers on the order.
    pub fn voucher_mode(&self) -> bool {
        let r = &self.request;
        matches!(
            r.voucher_type,
            Some(VoucherType::Fixed) | Some(VoucherType::RealTime)
        ) || r.voucher_paid.as_ref().is_some_and(|v| !v.is_empty())
            || r.voucher_free.as_ref().is_some_and(|v| !v.is_empty())
    }

    /// What refunds (done or pending) took so far.
    pub fn refunded(&self) -> i64 {
        self.refunds.iter().map(|r| r.cost).sum()
    }

    /// Refunded in full: in voucher mode any refund is the full one.
    pub fn fully_refunded(&self) -> bool {
        !self.refunds.is_empty()
            && (self.voucher_mode() || self.refunded() >= order_cost(&self.request))
    }

    /// What the refund rules need of this order.
    pub fn refund_facts(&self) -> OrderFacts {
        OrderFacts {
            paid: order_cost(&self.request),
            voucher_mode: self.voucher_mode(),
            paid_vouchers: self
                .request
                .voucher_paid
                .as_deref()
                .unwrap_or_default()
                .iter()
                .map(|v| (v.product_id.clone(), v.serial_number.clone()))
                .collect(),
            item_names: self.request.items.iter().map(|i| i.name.clone()).collect(),
            refunded: self.refunded(),
        }
    }

    /// When its payment page stops taking payments.
    pub fn page_deadline(&self, lifetime_seconds: u64) -> Option<OffsetDateTime> {
        let created = parse_rfc3339(&self.created_at)?;
        let secs = i64::try_from(lifetime_seconds).unwrap_or(i64::MAX);
        created.checked_add(TimeDuration::seconds(secs))
    }
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
    /// The payment page outlived `page_lifetime_seconds` (the order is A0002).
    PageExpired { prc: String },
    BadInput(String),
}

impl TransitionError {
    pub fn message(&self) -> String {
        match self {
            TransitionError::NotFound => "no order with this uid".into(),
            TransitionError::InvalidState { prc, wanted } => {
                format!("the order is in state {prc}; this needs {wanted}")
            }
            TransitionError::PageExpired { prc } => format!(
                "the payment page has expired (page_lifetime_seconds passed unpaid); the order is {prc}"
            ),
            TransitionError::BadInput(m) => m.clone(),
        }
    }
}

/// A report (主動回報) to send after a change.
#[derive(Clone, Debug)]
pub enum Report {
    /// The order's state (250, 260, 300, A0002, 220, …).
    State(OrderRecord),
    /// A refund: accepted (manual: pending) or done.
    Refund(OrderRecord, RefundRecord),
}

/// What a refund does, decided by the caller (agent or admin).
#[derive(Clone, Debug)]
pub struct RefundPlan {
    pub cost: i64,
    pub voucher_paid: Vec<PaidVoucher>,
    pub invoice_state: String,
    pub refund_type: String,
    /// Done at once, or pending until `expected_refund_date`.
    pub pending: bool,
    pub expected_refund_date: String,
    pub source: &'static str,
}

/// YYYYMMDDHHmmss (Taiwan time).
pub fn stamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(TAIWAN);
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

/// YYYYMMDD (Taiwan time)
pub fn day_stamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(TAIWAN);
    format!("{:04}{:02}{:02}", t.year(), u8::from(t.month()), t.day())
}

/// `t` plus whole days (unchanged on overflow).
pub fn plus_days(t: OffsetDateTime, days: i64) -> OffsetDateTime {
    t.checked_add(TimeDuration::days(days)).unwrap_or(t)
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
    /// A card in self-capture mode (自行請款): a success test card is only
    /// authorised (245) until captured; the failure card and unknown cards
    /// fail (300).
    CardAuthorize(String),
    /// WEBATM / stored value waiting for the shopper to finish online (280).
    Waiting(&'static str),
    /// CSTORECODE (ibon code, 260) or E_COLLECTION (virtual account, 270).
    Deferred(Pfn),
    /// A method that completes at once (wallets, CASH, WEBATM, …): 250.
    Instant(&'static str),
}

/// The payment attempt behind an A0001 (MYPAY lost contact with the
/// provider): a card number, or a method.
#[derive(Clone, Debug, PartialEq)]
pub enum LostAttempt {
    Card(String),
    Method(&'static str),
}

/// The methods `Payment::Waiting` takes (280 儲值/WEBATM 線上待付款).
pub fn waiting_payment_pfn(pfn: &str) -> Option<&'static str> {
    rules::canonical_pfn(pfn).filter(|c| *c == "WEBATM")
}

/// The methods `Payment::Instant` takes: every instant-refund method but
/// CREDITCARD (which takes a card number), and WEBATM.
pub fn instant_payment_pfn(pfn: &str) -> Option<&'static str> {
    let code = rules::canonical_pfn(pfn)?;
    (code == "WEBATM" || (code != "CREDITCARD" && rules::instant_refund(code))).then_some(code)
}

fn instant_supplier(pfn: &str) -> (&'static str, &'static str) {
    match pfn {
        "LINEPAYON" | "LINEPAYOFF" => ("台灣連線(LINEPay)", "W2"),
        "JKOON" | "JKOOFF" => ("街口電子支付", "W4"),
        "PION" | "PIOFF" => ("拍付國際資訊(Pi錢包)", "W9"),
        "EASYWALLETON" | "EASYWALLETOFF" => ("悠遊卡", "W5"),
        "WEBATM" => ("中國信託商業銀行", "B8"),
        "CASH" => ("", ""),
        _ => ("高鉅科技", "T0"),
    }
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

    /// Records a new order (already checked); returns its uid and key.
    pub fn create(&mut self, request: OrderRequest, now: OffsetDateTime) -> (u64, String) {
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
            created_at: rfc3339(now),
            finishtime: String::new(),
            payment: None,
            refunds: Vec::new(),
            cancel: None,
            page_expired: false,
            invoice_wordtrack: String::new(),
            invoice_number: String::new(),
            invoice_rand_code: String::new(),
            history: vec![HistoryEntry {
                prc: PRC_CREATED.into(),
                time: rfc3339(now),
            }],
        };
        self.orders.insert(uid, record);
        (uid, key)
    }

    fn order_mut(&mut self, uid: u64) -> Result<&mut OrderRecord, TransitionError> {
        self.orders.get_mut(&uid).ok_or(TransitionError::NotFound)
    }

    /// An order that can still be paid: 200, and not expired.
    fn unpaid(&mut self, uid: u64) -> Result<&mut OrderRecord, TransitionError> {
        let o = self.order_mut(uid)?;
        if o.page_expired {
            return Err(TransitionError::PageExpired { prc: o.prc.clone() });
        }
        if o.prc != PRC_CREATED {
            return Err(TransitionError::InvalidState {
                prc: o.prc.clone(),
                wanted: "an unpaid order (200)",
            });
        }
        Ok(o)
    }

    /// The shopper pays (page or automation). Needs a created order.
    pub fn pay(
        &mut self,
        uid: u64,
        payment: Payment,
        now: OffsetDateTime,
    ) -> Result<OrderRecord, TransitionError> {
        let o = self.unpaid(uid)?;
        match payment {
            Payment::Card(number) => pay_card(o, &number, false, now)?,
            Payment::CardAuthorize(number) => pay_card(o, &number, true, now)?,
            Payment::Instant(pfn) => {
                o.payment = Some(method_payment(pfn, true));
                set_state(o, "250", "付款完成", now);
                issue_invoice(o);
            }
            Payment::Waiting(pfn) => {
                o.payment = Some(method_payment(pfn, false));
                set_state(
                    o,
                    "280",
                    "交易成功,尚未付款完成:線上待付款 (waiting for the shopper to finish online)",
                    now,
                );
            }
            Payment::Deferred(pfn) => pay_deferred(o, pfn, now)?,
        }
        Ok(o.clone())
    }

    /// MYPAY lost contact with the provider during a payment attempt of an
    /// unpaid order (200 → A0001 交易待確認); the result follows later
    /// (`settle` 250, 600 or 300). The attempt's card or method is
    /// recorded (CREDITCARD when none is given).
    pub fn lose_answer(
        &mut self,
        uid: u64,
        attempt: Option<LostAttempt>,
        now: OffsetDateTime,
    ) -> Result<OrderRecord, TransitionError> {
        let payment = match attempt {
            Some(LostAttempt::Card(number)) => card_payment(&number)?.0,
            Some(LostAttempt::Method(pfn)) => method_payment(pfn, false),
            None => PaymentInfo {
                pfn: "CREDITCARD".into(),
                card_type: "0".into(),
                result_content_type: "CREDITCARD".into(),
                result_content: "{}".into(),
                ..PaymentInfo::default()
            },
        };
        let o = self.unpaid(uid)?;
        o.payment = Some(payment);
        set_state(
            o,
            "A0001",
            "交易待確認 (MYPAY lost contact with the provider; the result follows)",
            now,
        );
        Ok(o.clone())
    }

    /// A later result of MYPAY (appendix 2): a pending store code / virtual
    /// account (260, 270) is paid (250), expires (380) or is paid with
    /// details that do not match (290); an expired one (380) may still turn
    /// out paid but mismatched after MYPAY verifies it (290); a paid order
    /// (250) is settled by the upstream provider (600). The waiting states
    /// without a deadline: an authorised card (245) goes to capture (247)
    /// or is captured (250); 245, 247, 280 (WEBATM waiting online) and A0001
    /// (待確認) end paid (250) or failed (300); A0001 may also come back
    /// settled (600). `A0001` itself (from 200) is `lose_answer`.
    pub fn settle(
        &mut self,
        uid: u64,
        prc: &str,
        now: OffsetDateTime,
    ) -> Result<OrderRecord, TransitionError> {
        let wanted = match prc {
            "A0001" => return self.lose_answer(uid, None, now),
            "250" => "a pending order (260, 270, 245, 247, 280 or A0001)",
            "380" => "a pending order (260 or 270)",
            "290" => "a pending (260, 270) or expired (380) order",
            "600" => "a paid order (250) or one waiting for confirmation (A0001)",
            "247" => "an authorised order (245)",
            "300" => "a waiting order (245, 247, 280 or A0001)",
            _ => return Err(TransitionError::BadInput(SETTLE_CODES.into())),
        };
        let o = self.order_mut(uid)?;
        let from = o.prc.clone();
        let allowed = match prc {
            "250" => matches!(
                from.as_str(),
                "260" | "270" | "245" | "247" | "280" | "A0001"
            ),
            "380" => matches!(from.as_str(), "260" | "270"),
            "290" => matches!(from.as_str(), "260" | "270" | "380"),
            "247" => from == "245",
            "300" => matches!(from.as_str(), "245" | "247" | "280" | "A0001"),
            _ => matches!(from.as_str(), "250" | "A0001"),
        };
        if !allowed {
            return Err(TransitionError::InvalidState { prc: from, wanted });
        }
        match prc {
            "250" => {
                confirm_card(o);
                set_state(o, "250", "付款完成", now);
                issue_invoice(o);
            }
            "247" => set_state(
                o,
                "247",
                "請款進行中 (capture requested; waiting for the provider)",
                now,
            ),
            "300" => {
                let msg = match from.as_str() {
                    "245" | "247" => "交易失敗:請款失敗 (the capture failed)",
                    "280" => "交易失敗:消費者付款失敗 (the online payment failed)",
                    _ => "交易失敗:金流服務商回傳交易失敗 (the provider reports a failure)",
                };
                set_state(o, "300", msg, now);
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
            "600" => {
                // From A0001 this is the first news of the payment.
                confirm_card(o);
                set_state(o, "600", "結帳完成", now);
                issue_invoice(o);
            }
            _ => set_state(o, "380", "逾期未繳費,交易失敗", now),
        }
        Ok(o.clone())
    }

    /// The shopper gives up on the payment page (A0002).
    pub fn abandon(&mut self, uid: u64, now: OffsetDateTime) -> Result<OrderRecord, TransitionError> {
        let o = self.unpaid(uid)?;
        set_state(o, "A0002", "消費者放棄交易", now);
        Ok(o.clone())
    }

    /// The store cancels an unpaid order (200, or a pending store code /
    /// virtual account, 260 / 270): 220 取消成功, with a 『交易查詢-取消資訊』
    /// entry.
    pub fn cancel(&mut self, uid: u64, now: OffsetDateTime) -> Result<OrderRecord, TransitionError> {
        let cancel_uid = {
            let o = self.order_mut(uid)?;
            if !matches!(o.prc.as_str(), "200" | "260" | "270") {
                return Err(TransitionError::InvalidState {
                    prc: o.prc.clone(),
                    wanted: "an unpaid order (200, 260 or 270)",
                });
            }
            self.alloc_uid()
        };
        let o = self.order_mut(uid)?;
        o.cancel = Some(CancelRecord {
            cancel_uid,
            cost: order_cost(&o.request),
            finishtime: stamp(now),
        });
        set_state(o, "220", "取消成功", now);
        Ok(o.clone())
    }

    /// Records a refund of a paid order (250 or 600); the caller has checked
    /// the rules. The order keeps its own prc.
    pub fn refund(
        &mut self,
        uid: u64,
        plan: RefundPlan,
        now: OffsetDateTime,
    ) -> Result<(OrderRecord, RefundRecord), TransitionError> {
        {
            let o = self.order_mut(uid)?;
            if o.prc != "250" && o.prc != "600" {
                return Err(TransitionError::InvalidState {
                    prc: o.prc.clone(),
                    wanted: "a paid order (250 or 600)",
                });
            }
            if o.fully_refunded() {
                return Err(TransitionError::InvalidState {
                    prc: o.prc.clone(),
                    wanted: "an order not refunded in full yet",
                });
            }
        }
        let refund_uid = self.alloc_uid();
        let o = self.order_mut(uid)?;
        let rf = RefundRecord {
            refund_uid,
            state: if plan.pending {
                RefundState::Pending
            } else {
                RefundState::Done
            },
            cost: plan.cost,
            voucher_paid: plan.voucher_paid,
            invoice_state: if plan.invoice_state == "4" { "4" } else { "6" }.into(),
            refund_type: plan.refund_type,
            expected_refund_date: plan.expected_refund_date,
            requested_at: rfc3339(now),
            finishtime: if plan.pending {
                String::new()
            } else {
                stamp(now)
            },
            source: plan.source.into(),
        };
        o.refunds.push(rf.clone());
        Ok((o.clone(), rf))
    }

    /// Completes the order's pending refunds (or the one named).
    pub fn complete_refunds(
        &mut self,
        uid: u64,
        refund_uid: Option<u64>,
        now: OffsetDateTime,
    ) -> Result<(OrderRecord, Vec<RefundRecord>), TransitionError> {
        let o = self.order_mut(uid)?;
        let mut done = Vec::new();
        for rf in o.refunds.iter_mut() {
            if rf.state == RefundState::Pending && refund_uid.is_none_or(|u| u == rf.refund_uid) {
                rf.state = RefundState::Done;
                rf.finishtime = stamp(now);
                done.push(rf.clone());
            }
        }
        if done.is_empty() {
            return Err(TransitionError::InvalidState {
                prc: o.prc.clone(),
                wanted: "a pending refund",
            });
        }
        Ok((o.clone(), done))
    }

    /// Applies what time did since the last look (the sandbox is lazy: it
    /// runs before every read and change): an unpaid order whose page
    /// outlived `page_lifetime_seconds` becomes A0002 (as of its deadline), a
    /// store code or virtual account past its LimitDate becomes 380, a
    /// manual refund whose expected date has come is done.
    pub fn sweep(&mut self, now: OffsetDateTime, page_lifetime_seconds: u64) -> Vec<Report> {
        let mut reports = Vec::new();
        for o in self.orders.values_mut() {
            if o.prc == PRC_CREATED && !o.seeded {
                if let Some(deadline) = o.page_deadline(page_lifetime_seconds) {
                    if now >= deadline {
                        o.page_expired = true;
                        set_state(
                            o,
                            "A0002",
                            "消費者放棄交易 (付款頁面逾時 the payment page expired)",
                            deadline,
                        );
                        reports.push(Report::State(o.clone()));
                    }
                }
            }
            if matches!(o.prc.as_str(), "260" | "270") {
                let limit = o
                    .payment
                    .as_ref()
                    .and_then(|p| parse_stamp(&p.expired_date));
                if let Some(limit) = limit {
                    if now > limit {
                        let at = limit.checked_add(TimeDuration::seconds(1)).unwrap_or(limit);
                        set_state(o, "380", "逾期未繳費,交易失敗", at);
                        reports.push(Report::State(o.clone()));
                    }
                }
            }
            let mut completed = Vec::new();
            for rf in o.refunds.iter_mut() {
                if rf.state != RefundState::Pending {
                    continue;
                }
                if let Some(date) = parse_stamp(&rf.expected_refund_date) {
                    if now >= date {
                        rf.state = RefundState::Done;
                        rf.finishtime = stamp(date);
                        completed.push(rf.clone());
                    }
                }
            }
            for rf in completed {
                reports.push(Report::Refund(o.clone(), rf));
            }
        }
        reports
    }
}

/// `settle` codes (400 for any other).
const SETTLE_CODES: &str =
    "prc must be \"250\", \"380\", \"290\", \"600\", \"247\", \"300\" or \"A0001\"";

/// A card attempt as the gateway records it before the issuer answers:
/// masked number, brand, gateway; no authorisation code. Also answers the
/// test card, if it is one.
fn card_payment(number: &str) -> Result<(PaymentInfo, Option<&'static TestCard>), TransitionError> {
    let number = normalize_card(number);
    if number.len() < 12 || number.len() > 19 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TransitionError::BadInput(
            "card_number must be 12 to 19 digits".into(),
        ));
    }
    let card = TEST_CARDS.iter().find(|c| c.number == number);
    let masked = format!(
        "{}******{}",
        number.get(..6).unwrap_or_default(),
        number.get(number.len() - 4..).unwrap_or_default()
    );
    let (gateway, supplier) = card
        .map(|c| (c.gateway, c.supplier_code))
        .unwrap_or(("高鉅科技", "T0"));
    let info = PaymentInfo {
        pfn: "CREDITCARD".into(),
        cardno: masked,
        card_type: card
            .map(|c| c.card_type)
            .unwrap_or_else(|| card_brand_type(&number))
            .into(),
        supplier_name: gateway.into(),
        supplier_code: supplier.into(),
        result_content_type: "CREDITCARD".into(),
        result_content: "{}".into(),
        ..PaymentInfo::default()
    };
    Ok((info, card))
}

/// The issuer's approval on a card payment: an authorisation code and
/// the issuing bank (kept if already there).
fn approve_card(p: &mut PaymentInfo) {
    if p.acode.is_empty() {
        p.acode = random_acode();
    }
    if p.issuing_bank.is_empty() {
        p.issuing_bank = "合作金庫".into();
        p.issuing_bank_uid = "006".into();
    }
}

/// A card order found paid later (A0001 → 250/600): approved then.
fn confirm_card(o: &mut OrderRecord) {
    if let Some(p) = o.payment.as_mut() {
        if rules::canonical_pfn(&p.pfn).is_some_and(|c| rules::CARD_PFNS.contains(&c)) {
            approve_card(p);
        }
    }
}

/// A method other than a card number (wallets, CASH, WEBATM, AMEX, …).
/// `approved`: an AMEX payment that went through gets its authorisation code.
fn method_payment(pfn: &'static str, approved: bool) -> PaymentInfo {
    let (supplier_name, supplier_code) = instant_supplier(pfn);
    let content_type = ResultContentType::from_code(pfn);
    PaymentInfo {
        pfn: pfn.into(),
        card_type: if pfn == "AMEX" { "4" } else { "0" }.into(),
        acode: if pfn == "AMEX" && approved {
            random_acode()
        } else {
            String::new()
        },
        supplier_name: supplier_name.into(),
        supplier_code: supplier_code.into(),
        result_content_type: if content_type.is_documented() {
            pfn.into()
        } else {
            String::new()
        },
        result_content: "{}".into(),
        ..PaymentInfo::default()
    }
}

fn pay_card(
    o: &mut OrderRecord,
    number: &str,
    manual_capture: bool,
    now: OffsetDateTime,
) -> Result<(), TransitionError> {
    let (mut info, card) = card_payment(number)?;
    let success = card.map(|c| c.success).unwrap_or(false);
    if success {
        approve_card(&mut info);
    }
    o.payment = Some(info);
    if success && manual_capture {
        set_state(
            o,
            "245",
            "授權成功 (authorised; self-capture mode: paid once captured)",
            now,
        );
    } else if success {
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
    Ok(())
}

fn pay_deferred(o: &mut OrderRecord, pfn: Pfn, now: OffsetDateTime) -> Result<(), TransitionError> {
    let days = o
        .request
        .limit_pay_days
        .map(|d| d.get())
        .filter(|d| (1..=60).contains(d))
        .unwrap_or(DEFAULT_LIMIT_PAY_DAYS);
    let limit = day_stamp(plus_days(now, days)) + "235959";
    let info = match pfn {
        Pfn::CStoreCode => {
            let content = json!({
                "PinCode": format!("IB{}", random_digits(12)),
                "LimitDate": limit,
                "BarCode1": format!("{}{}", day_stamp(now).get(2..).unwrap_or_default(), random_digits(3)),
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
    let (prc, msg) = if info.pfn == "CSTORECODE" {
        ("260", "取號成功,等待超商繳費")
    } else {
        ("270", "取號成功,等待 ATM 轉帳")
    };
    o.payment = Some(info);
    set_state(o, prc, msg, now);
    Ok(())
}

fn set_state(o: &mut OrderRecord, prc: &str, retmsg: &str, at: OffsetDateTime) {
    o.prc = prc.into();
    o.retmsg = retmsg.into();
    o.finishtime = stamp(at);
    o.history.push(HistoryEntry {
        prc: prc.into(),
        time: rfc3339(at),
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

/// When the order was first paid (250 or 600), from its history.
pub fn first_paid_time(o: &OrderRecord) -> Option<OffsetDateTime> {
    o.history
        .iter()
        .find(|h| h.prc == "250" || h.prc == "600")
        .and_then(|h| parse_rfc3339(&h.time))
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
        refunds: Vec::new(),
        cancel: None,
        page_expired: false,
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn t0() -> OffsetDateTime {
        parse_stamp("20260301120000").unwrap()
    }

    fn secs(t: OffsetDateTime, s: i64) -> OffsetDateTime {
        t + TimeDuration::seconds(s)
    }

    fn store_with_order() -> (Store, u64) {
        let mut s = Store::seeded("289151880002");
        let (uid, _) = s.create(seed_request("289151880002", "1", "1"), t0());
        (s, uid)
    }

    fn plan(pending: bool) -> RefundPlan {
        RefundPlan {
            cost: 900,
            voucher_paid: Vec::new(),
            invoice_state: "4".into(),
            refund_type: if pending { "2" } else { "1" }.into(),
            pending,
            expected_refund_date: if pending { "20260310".into() } else { String::new() },
            source: "api",
        }
    }

    #[test]
    fn an_unpaid_page_expires_to_a0002_at_its_deadline() {
        let (mut s, uid) = store_with_order();
        assert!(s.sweep(secs(t0(), 59), 60).is_empty());
        let reports = s.sweep(secs(t0(), 61), 60);
        assert_eq!(reports.len(), 1);
        let o = &s.orders[&uid];
        assert_eq!(o.prc, "A0002");
        assert!(o.page_expired);
        assert_eq!(o.finishtime, "20260301120100", "as of the deadline");
        assert!(s.sweep(secs(t0(), 120), 60).is_empty(), "once");
        let e = s.pay(uid, Payment::Instant("CASH"), secs(t0(), 120));
        assert!(matches!(e, Err(TransitionError::PageExpired { .. })));
        // Seeds and paid orders are left alone.
        assert_eq!(s.orders[&95217].prc, "250");
    }

    #[test]
    fn a_store_code_expires_to_380_after_its_limit_date() {
        let (mut s, uid) = store_with_order();
        s.orders.get_mut(&uid).unwrap().request.limit_pay_days = Some(Int(1));
        let o = s
            .pay(uid, Payment::Deferred(Pfn::CStoreCode), t0())
            .unwrap();
        assert_eq!(o.prc, "260");
        assert_eq!(o.payment.unwrap().expired_date, "20260302235959");
        assert!(s.sweep(parse_stamp("20260302235959").unwrap(), 60).is_empty());
        let reports = s.sweep(parse_stamp("20260303000000").unwrap(), 60);
        assert_eq!(reports.len(), 1);
        assert_eq!(s.orders[&uid].prc, "380");
        assert_eq!(s.orders[&uid].finishtime, "20260303000000");
    }

    #[test]
    fn refunds_keep_the_order_paid_and_complete_on_their_date() {
        let (mut s, uid) = store_with_order();
        assert!(matches!(
            s.refund(uid, plan(false), t0()),
            Err(TransitionError::InvalidState { .. })
        ));
        s.pay(uid, Payment::Card("4938170130000003".into()), t0())
            .unwrap();
        let (o, rf) = s.refund(uid, plan(true), secs(t0(), 5)).unwrap();
        assert_eq!(o.prc, "250");
        assert_eq!(o.finishtime, "20260301120000");
        assert_eq!(rf.state, RefundState::Pending);
        assert!(o.fully_refunded(), "voucher mode: any refund is the full one");
        assert!(s.refund(uid, plan(false), secs(t0(), 6)).is_err());
        assert!(s.sweep(parse_stamp("20260309235959").unwrap(), 60).is_empty());
        let reports = s.sweep(parse_stamp("20260310000000").unwrap(), 60);
        assert!(matches!(&reports[..], [Report::Refund(_, r)] if r.state == RefundState::Done));
        assert_eq!(s.orders[&uid].refunds[0].finishtime, "20260310000000");
        assert!(s.complete_refunds(uid, None, t0()).is_err(), "none pending");
    }

    #[test]
    fn waiting_states_move_on_and_never_expire() {
        let mut s = Store::seeded("289151880002");
        let mut order = || s.create(seed_request("289151880002", "1", "1"), t0()).0;
        let (a, b, c, d) = (order(), order(), order(), order());
        let o = s
            .pay(a, Payment::CardAuthorize("4938170130000003".into()), t0())
            .unwrap();
        assert_eq!(o.prc, "245");
        assert!(o.invoice_number.is_empty() && !o.ever_paid());
        s.pay(b, Payment::Waiting("WEBATM"), t0()).unwrap();
        s.lose_answer(c, Some(LostAttempt::Card("4938170130000003".into())), t0())
            .unwrap();
        assert_eq!(s.orders[&c].payment.as_ref().unwrap().acode, "");
        assert!(s.settle(d, "247", t0()).is_err());
        assert!(s.settle(d, "245", t0()).is_err());
        // Only the unpaid order d is abandoned; none has a LimitDate.
        let reports = s.sweep(secs(t0(), 400 * 86_400), 60);
        assert_eq!(reports.len(), 1);
        assert_eq!(s.orders[&d].prc, "A0002");
        for (uid, prc) in [(a, "245"), (b, "280"), (c, "A0001")] {
            assert_eq!(s.orders[&uid].prc, prc);
            assert_eq!(s.orders[&uid].payment.as_ref().unwrap().expired_date, "");
        }
        assert!(matches!(
            s.lose_answer(d, None, t0()),
            Err(TransitionError::PageExpired { .. })
        ));
        assert_eq!(s.settle(a, "247", t0()).unwrap().prc, "247");
        assert!(s.settle(a, "600", t0()).is_err());
        let o = s.settle(a, "250", t0()).unwrap();
        assert!(!o.invoice_number.is_empty() && o.ever_paid());
        assert_eq!(s.settle(b, "300", t0()).unwrap().prc, "300");
        let o = s.settle(c, "600", t0()).unwrap();
        assert_eq!(o.payment.as_ref().unwrap().acode.len(), 6);
        assert!(!o.invoice_number.is_empty());
        assert!(matches!(
            s.settle(c, "nope", t0()),
            Err(TransitionError::BadInput(_))
        ));
    }

    #[test]
    fn cancel_only_unpaid_orders() {
        let (mut s, uid) = store_with_order();
        let o = s.cancel(uid, t0()).unwrap();
        assert_eq!(o.prc, "220");
        assert!(o.cancel.as_ref().unwrap().cancel_uid > uid);
        assert!(s.cancel(uid, t0()).is_err());
        assert!(s.cancel(95217, t0()).is_err());
        assert!(s.pay(uid, Payment::Instant("CASH"), t0()).is_err());
    }
}
