//! The store: every order by uid, the next uid to give, and the new order
//! (200). The moves of an order are in `moves.rs`; what a move refuses is a
//! [`TransitionError`], what it reports a [`Report`].

use super::random;
use super::{HistoryEntry, OrderRecord, RefundRecord};
use crate::stamps::rfc3339;
use mypay_link::models::{OrderRequest, PaidVoucher};
use mypay_link::StatusCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// First uid given to an order created in the sandbox (above the seeds).
pub const FIRST_UID: u64 = 95300;

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
    InvalidState {
        prc: StatusCode,
        wanted: &'static str,
    },
    /// The payment page outlived `page_lifetime_seconds` (the order is A0002).
    PageExpired {
        prc: StatusCode,
    },
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
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)] // short-lived, never stored in bulk
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
    /// The refunded items (name, total).
    pub items: Vec<(String, i64)>,
}

impl Store {
    /// A store with no orders.
    pub fn empty() -> Self {
        Self {
            next_uid: FIRST_UID,
            orders: BTreeMap::new(),
        }
    }

    /// The next uid (orders, refunds and cancellations share the sequence).
    pub fn alloc_uid(&mut self) -> u64 {
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

    /// Records a new order (already checked), created (200) and waiting for
    /// its payment; returns its uid and key.
    pub fn create(&mut self, request: OrderRequest, now: OffsetDateTime) -> (u64, String) {
        let uid = self.alloc_uid();
        let key = random::hex32();
        let record = OrderRecord {
            uid,
            key: key.clone(),
            store_uid: request.store_uid.as_str().to_owned(),
            seeded: false,
            request,
            prc: StatusCode::DataOk,
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
            invoice_date: String::new(),
            issue_invoice: true,
            chosen_carrier: None,
            history: vec![HistoryEntry {
                prc: StatusCode::DataOk,
                time: rfc3339(now),
            }],
        };
        self.orders.insert(uid, record);
        (uid, key)
    }

    /// The order, to change it.
    pub fn order_mut(&mut self, uid: u64) -> Result<&mut OrderRecord, TransitionError> {
        self.orders.get_mut(&uid).ok_or(TransitionError::NotFound)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::seed::seed_request;
    use super::*;
    use crate::stamps::parse_stamp;

    #[test]
    fn new_orders_are_200_with_a_fresh_uid_and_key() {
        let mut s = Store::empty();
        let now = parse_stamp("20260301120000").unwrap();
        let (a, key) = s.create(seed_request("289151880002", "1", "1"), now);
        let (b, _) = s.create(seed_request("289151880002", "2", "1"), now);
        assert_eq!((a, b), (FIRST_UID, FIRST_UID + 1));
        assert_eq!(key.len(), 32);
        let o = &s.orders[&a];
        assert_eq!(o.prc, StatusCode::DataOk);
        assert_eq!(o.created_at, "2026-03-01T04:00:00Z");
        assert_eq!(o.finishtime, "");
        assert_eq!(o.history.len(), 1);
        assert!(!o.seeded && o.payment.is_none());
        assert_eq!(s.alloc_uid(), FIRST_UID + 2, "refunds share the sequence");
    }

    #[test]
    fn uids_never_go_below_the_first() {
        let mut s = Store::empty();
        s.next_uid = 7;
        assert_eq!(s.alloc_uid(), FIRST_UID);
        assert_eq!(s.next_uid, FIRST_UID + 1);
    }

    #[test]
    fn order_ids_are_unique_per_store_but_seeds_do_not_count() {
        let mut s = Store::seeded("289151880002");
        let now = parse_stamp("20260301120000").unwrap();
        assert_eq!(
            s.find_order_id("289151880002", "1234567890"),
            None,
            "a seed"
        );
        let (uid, _) = s.create(seed_request("289151880002", "1", "1"), now);
        assert_eq!(s.find_order_id("289151880002", "1234567890"), Some(uid));
        assert_eq!(s.find_order_id("111111111111", "1234567890"), None);
        assert_eq!(s.find_order_id("289151880002", "other"), None);
        assert!(matches!(s.order_mut(1), Err(TransitionError::NotFound)));
    }

    #[test]
    fn refusals_name_the_state() {
        let e = TransitionError::InvalidState {
            prc: StatusCode::Failed,
            wanted: "a paid order (250 or 600)",
        };
        assert_eq!(
            e.message(),
            "the order is in state 300; this needs a paid order (250 or 600)"
        );
        let e = TransitionError::PageExpired {
            prc: StatusCode::Abandoned,
        };
        assert!(e.message().ends_with("the order is A0002"));
        assert_eq!(TransitionError::BadInput("x".into()).message(), "x");
    }
}
