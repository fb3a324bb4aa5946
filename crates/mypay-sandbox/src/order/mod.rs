//! The sandbox's orders: the record of one order (this file), its status
//! codes and the moves each allows (`status`), the store of every order
//! (`store`), the moves themselves (`moves`: pay, settle, abandon, cancel,
//! refund, expiry), how a payment is recorded (`payment`, with the test
//! cards in `cards` and the made-up numbers in `random`) and the API text's
//! example orders (`seed`). Replies and reports built from an order are in
//! `replies.rs`; the state file in `persist.rs`.

pub mod cards;
pub mod moves;
pub mod payment;
pub mod random;
pub mod seed;
pub mod status;
pub mod store;

use crate::rules::OrderFacts;
use crate::stamps::{parse_rfc3339, plus_seconds};
use mypay_link::codes::VoucherType;
use mypay_link::models::{OrderRequest, PaidVoucher};
use mypay_link::StatusCode;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

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
    /// A card payment in instalments: the count chosen (from the order's
    /// `creditcard_installment`); `None` paid at once.
    #[serde(default)]
    pub installments: Option<u32>,
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
    /// The refunded items (name, total) as the refund listed them, or as
    /// MYPAY fills them in for a full refund.
    #[serde(default)]
    pub items: Vec<(String, i64)>,
}

/// The invoice carrier (載具) of an order: what the order sent, or what the
/// shopper chose on the payment page when the order left it open. Values
/// as the query shows them (『電子發票開立類型』, 『雲端發票類型』).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Carrier {
    /// `1` cloud invoice, `2` donation, `3` paper.
    pub input_type: String,
    /// `2` mobile barcode, `3` natural-person certificate, `4` e-mail (with
    /// input type 1).
    pub cloud_type: String,
    pub mobile_code: String,
    pub natural_person: String,
    pub m_post_zone: String,
    pub m_address: String,
    pub love_code: String,
    pub tax_id: String,
}

impl Carrier {
    /// The carrier the order sent; `None` when it leaves a choice to the
    /// shopper (no input type, a cloud invoice without its type or code, a
    /// donation without a love code).
    pub fn of_request(r: &OrderRequest) -> Option<Carrier> {
        let t = |v: &Option<String>| v.as_deref().unwrap_or_default().trim().to_owned();
        let c = Carrier {
            input_type: r
                .invoice_input_type
                .as_ref()
                .map(|v| v.code().to_owned())
                .unwrap_or_default(),
            cloud_type: r
                .invoice_cloud_type
                .as_ref()
                .map(|v| v.code().to_owned())
                .unwrap_or_default(),
            mobile_code: t(&r.invoice_mobile_code),
            natural_person: t(&r.invoice_natural_person),
            m_post_zone: t(&r.invoice_m_post_zone),
            m_address: t(&r.invoice_m_address),
            love_code: t(&r.invoice_love_code),
            tax_id: t(&r.invoice_tax_id),
        };
        c.complete().then_some(c)
    }

    /// Says where the invoice goes.
    pub fn complete(&self) -> bool {
        match self.input_type.as_str() {
            "1" => match self.cloud_type.as_str() {
                "2" => !self.mobile_code.is_empty(),
                "3" => !self.natural_person.is_empty(),
                "4" => true,
                _ => false,
            },
            "2" => !self.love_code.is_empty(),
            "3" => true,
            _ => false,
        }
    }

    /// When nobody chose: the invoice goes to the shopper's e-mail.
    pub fn email() -> Carrier {
        Carrier {
            input_type: "1".into(),
            cloud_type: "4".into(),
            ..Carrier::default()
        }
    }
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
    pub prc: StatusCode,
    /// RFC 3339 (sandbox clock).
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
    /// Where the order stands (appendix 2), written as its code.
    pub prc: StatusCode,
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
    /// YYYYMMDDHHmmss the invoice was issued ("" before, or for records
    /// from before this field: the time of payment).
    #[serde(default)]
    pub invoice_date: String,
    /// Whether MYPAY issues an invoice for it once paid
    /// (`issue_invoice_state` 1, or 2 with the store's setting on).
    #[serde(default = "yes")]
    pub issue_invoice: bool,
    /// The carrier the shopper chose on the payment page.
    #[serde(default)]
    pub chosen_carrier: Option<Carrier>,
    pub history: Vec<HistoryEntry>,
}

fn yes() -> bool {
    true
}

impl OrderRecord {
    /// MYPAY considered it paid at some point (250 or 600 in its history).
    pub fn ever_paid(&self) -> bool {
        self.history.iter().any(|h| status::is_paid(&h.prc))
    }

    /// When it was first paid (250 or 600), from its history.
    pub fn first_paid_time(&self) -> Option<OffsetDateTime> {
        self.history
            .iter()
            .find(|h| status::is_paid(&h.prc))
            .and_then(|h| parse_rfc3339(&h.time))
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

    /// The order's `cost` (the amount the shopper pays).
    pub fn cost(&self) -> i64 {
        order_cost(&self.request)
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

    /// What refunds that are done took so far.
    pub fn refunded_done(&self) -> i64 {
        self.refunds
            .iter()
            .filter(|r| r.state == RefundState::Done)
            .map(|r| r.cost)
            .sum()
    }

    /// Refunded in full: in voucher mode any refund is the full one.
    pub fn fully_refunded(&self) -> bool {
        !self.refunds.is_empty() && (self.voucher_mode() || self.refunded() >= self.cost())
    }

    /// The invoice carrier: the order's, else the shopper's choice, else
    /// e-mail.
    pub fn carrier(&self) -> Carrier {
        Carrier::of_request(&self.request)
            .or_else(|| self.chosen_carrier.clone())
            .unwrap_or_else(Carrier::email)
    }

    /// The payment page asks the shopper for the carrier: an invoice will
    /// be issued and the order left the carrier open.
    pub fn carrier_open(&self) -> bool {
        self.issue_invoice && Carrier::of_request(&self.request).is_none()
    }

    /// YYYYMMDDHHmmss of the invoice ("" when none was issued).
    pub fn invoice_stamp(&self) -> String {
        if self.invoice_number.is_empty() {
            return String::new();
        }
        if !self.invoice_date.is_empty() {
            return self.invoice_date.clone();
        }
        self.first_paid_time()
            .map(crate::stamps::stamp)
            .unwrap_or_else(|| self.finishtime.clone())
    }

    /// What the refund rules need of this order, for a refund at `now`.
    pub fn refund_facts(&self, now: OffsetDateTime) -> OrderFacts {
        let issued = self.invoice_stamp();
        OrderFacts {
            invoice_issued: !issued.is_empty(),
            invoice_period_open: crate::rules::invoice_period(&issued)
                == crate::rules::invoice_period(&crate::stamps::stamp(now)),
            paid: self.cost(),
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
        plus_seconds(created, i64::try_from(lifetime_seconds).unwrap_or(i64::MAX))
    }
}

/// An order's `cost` (the amount the shopper pays).
pub fn order_cost(r: &OrderRequest) -> i64 {
    r.cost.map(|c| c.get()).unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::seed::{seed_orders, seed_request};
    use super::*;
    use crate::stamps::rfc3339;

    fn seed() -> OrderRecord {
        seed_orders("289151880002").remove(0)
    }

    #[test]
    fn paid_means_250_or_600_in_the_history() {
        let mut o = seed();
        assert!(o.ever_paid());
        assert_eq!(
            o.first_paid_time().map(rfc3339).as_deref(),
            Some("2021-10-22T01:09:18Z")
        );
        o.history.retain(|h| h.prc != StatusCode::Paid);
        assert!(!o.ever_paid() && o.first_paid_time().is_none());
        o.history.push(HistoryEntry {
            prc: StatusCode::Settled,
            time: "2021-10-23T00:00:00Z".into(),
        });
        assert!(o.ever_paid());
    }

    #[test]
    fn pfn_is_the_method_used_else_the_preselected_one() {
        let mut o = seed();
        assert_eq!(o.pfn(), "CREDITCARD");
        o.payment = None;
        o.request.pfn = Some(mypay_link::codes::Pfn::CStoreCode);
        assert_eq!(o.pfn(), "CSTORECODE");
        o.request.pfn = None;
        assert_eq!(o.pfn(), "");
    }

    #[test]
    fn voucher_mode_refunds_are_always_full() {
        let mut o = seed();
        assert!(o.voucher_mode());
        assert_eq!(o.cost(), 900);
        assert!(!o.fully_refunded());
        o.refunds.push(RefundRecord {
            refund_uid: 1,
            state: RefundState::Pending,
            cost: 100,
            voucher_paid: Vec::new(),
            invoice_state: "4".into(),
            refund_type: "2".into(),
            expected_refund_date: "20211030".into(),
            requested_at: "2021-10-23T00:00:00Z".into(),
            finishtime: String::new(),
            source: "admin".into(),
            items: Vec::new(),
        });
        assert!(o.fully_refunded());
        assert_eq!((o.refunded(), o.refunded_done()), (100, 0));
        let facts = o.refund_facts(crate::stamps::parse_stamp("20211023120000").unwrap());
        assert_eq!(facts.paid, 900);
        assert_eq!(facts.refunded, 100);
        assert_eq!(facts.paid_vouchers, [("P01".into(), "P1634864897".into())]);
        assert_eq!(facts.item_names, ["好棒棒麻辣鍋湯包"]);
    }

    #[test]
    fn without_vouchers_only_the_whole_cost_is_full() {
        let mut o = seed();
        o.request = seed_request("289151880002", "1", "1");
        o.request.voucher_type = None;
        o.request.voucher_paid = None;
        o.request.voucher_free = None;
        assert!(!o.voucher_mode());
        let mut rf = RefundRecord {
            refund_uid: 1,
            state: RefundState::Done,
            cost: 400,
            voucher_paid: Vec::new(),
            invoice_state: "6".into(),
            refund_type: "1".into(),
            expected_refund_date: String::new(),
            requested_at: String::new(),
            finishtime: String::new(),
            source: "api".into(),
            items: Vec::new(),
        };
        o.refunds.push(rf.clone());
        assert!(!o.fully_refunded());
        rf.cost = 500;
        o.refunds.push(rf);
        assert!(o.fully_refunded());
        assert_eq!(o.refunded_done(), 900);
    }

    #[test]
    fn the_page_deadline_is_created_at_plus_the_lifetime() {
        let o = seed();
        let d = o.page_deadline(60).unwrap();
        assert_eq!(rfc3339(d), "2021-10-22T01:09:00Z");
        assert!(o.page_deadline(u64::MAX).is_none(), "overflow: no deadline");
        let mut bad = seed();
        bad.created_at = "yesterday".into();
        assert!(bad.page_deadline(60).is_none());
    }

    #[test]
    fn prc_is_written_as_its_code() {
        let o = seed();
        let v = serde_json::to_value(&o).unwrap();
        assert_eq!(v["prc"], "250");
        assert_eq!(v["history"][0]["prc"], "200");
        let back: OrderRecord = serde_json::from_value(v).unwrap();
        assert_eq!(back, o);
    }
}
