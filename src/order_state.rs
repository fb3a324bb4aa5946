//! The order state machine: created → pending → paid / failed / expired /
//! refunded / needs_review, how MYPAY status codes and local events move an
//! order, and what each move does to the order's voucher reservations.
//!
//! Every transition is idempotent: applying the same code twice is a no-op,
//! and a late non-final code never downgrades a final state.

use crate::codes::{StatusClass, StatusCode};
use serde::{Deserialize, Serialize};

/// Where an order stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Written locally; `api/orders` not answered yet.
    Created,
    /// MYPAY has the order; the shopper has not paid (or pays at a store).
    Pending,
    /// Paid, confirmed with `api/queryorder`.
    Paid,
    /// Payment failed, was abandoned or the order could not be created.
    Failed,
    /// Not paid within its limit.
    Expired,
    /// Refunded (or cancelled after payment).
    Refunded,
    /// Money moved but something does not match: a person must look.
    NeedsReview,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 7] = [
        OrderStatus::Created,
        OrderStatus::Pending,
        OrderStatus::Paid,
        OrderStatus::Failed,
        OrderStatus::Expired,
        OrderStatus::Refunded,
        OrderStatus::NeedsReview,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            OrderStatus::Created => "created",
            OrderStatus::Pending => "pending",
            OrderStatus::Paid => "paid",
            OrderStatus::Failed => "failed",
            OrderStatus::Expired => "expired",
            OrderStatus::Refunded => "refunded",
            OrderStatus::NeedsReview => "needs_review",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Created and pending orders still wait for money.
    pub fn is_open(&self) -> bool {
        matches!(self, OrderStatus::Created | OrderStatus::Pending)
    }
}

/// What a transition does to the order's voucher reservations (holds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldEffect {
    /// Leave the holds as they are.
    Keep,
    /// The order is paid: its vouchers become `used` (the hold stays, so the
    /// voucher can never be reserved again).
    Consume,
    /// The order will never be paid: delete the holds, vouchers are available.
    Release,
    /// The order was refunded: each paid voucher follows its
    /// `refund_return_type` (see [`refund_outcome`]); free vouchers stay used.
    Refund,
}

/// Something that can happen to an order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderEvent {
    /// `api/orders` answered 200 with uid, key and url.
    Created,
    /// `api/orders` failed for good (refused, or an answer we cannot trust).
    CreateFailed,
    /// A status code from a confirmed report or an `api/queryorder` reply.
    Status(StatusCode),
    /// The payment limit passed with no payment.
    Expire,
    /// Our `api/refund` call answered B200.
    Refunded,
}

/// The result of applying an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    pub from: OrderStatus,
    pub to: OrderStatus,
    pub holds: HoldEffect,
}

impl Transition {
    /// Whether anything changes.
    pub fn changed(&self) -> bool {
        self.from != self.to
    }

    fn stay(s: OrderStatus) -> Self {
        Self {
            from: s,
            to: s,
            holds: HoldEffect::Keep,
        }
    }

    fn go(from: OrderStatus, to: OrderStatus, holds: HoldEffect) -> Self {
        Self { from, to, holds }
    }
}

/// Applies `event` to an order in state `current`.
///
/// - Paid codes (250, 600) pay an open order and consume its vouchers; on an
///   order already failed or expired they mean money arrived anyway:
///   `needs_review` (the vouchers were released and may be in use elsewhere).
/// - 290 (paid, details differ) goes to `needs_review` from any state but
///   `refunded`; vouchers stay as they are. That includes an order that
///   expired or failed: appendix 2 says a 380 (store code / virtual account
///   past its limit) may still become 290 once MYPAY has verified it, so a
///   late 290 must never be dropped.
/// - Pending codes move `created` to `pending` and never touch a final state.
/// - Failure codes (300, A0002) fail an open order and release its vouchers;
///   380 expires it. They never undo a payment, and nothing but 290 or a
///   paid code moves a failed or expired order again.
/// - 600 (settled) after 250 changes nothing: the order stays `paid`.
/// - 220 (cancelled) fails an open order, refunds a paid one.
/// - 230 (refunded) refunds a paid or reviewed order.
/// - Call results (100, 200, 400, B200, B500) and unknown codes change nothing.
pub fn apply(current: OrderStatus, event: &OrderEvent) -> Transition {
    use OrderStatus::*;
    let open = current.is_open();
    match event {
        OrderEvent::Created if current == Created => {
            Transition::go(Created, Pending, HoldEffect::Keep)
        }
        OrderEvent::Created => Transition::stay(current),
        OrderEvent::CreateFailed if open => Transition::go(current, Failed, HoldEffect::Release),
        OrderEvent::CreateFailed => Transition::stay(current),
        OrderEvent::Expire if open => Transition::go(current, Expired, HoldEffect::Release),
        OrderEvent::Expire => Transition::stay(current),
        OrderEvent::Refunded if matches!(current, Paid | NeedsReview) => {
            Transition::go(current, Refunded, HoldEffect::Refund)
        }
        OrderEvent::Refunded => Transition::stay(current),
        OrderEvent::Status(code) => match code.class() {
            StatusClass::Paid => match current {
                Created | Pending => Transition::go(current, Paid, HoldEffect::Consume),
                Failed | Expired => Transition::go(current, NeedsReview, HoldEffect::Keep),
                Paid | Refunded | NeedsReview => Transition::stay(current),
            },
            StatusClass::PaidMismatch => match current {
                Refunded | NeedsReview => Transition::stay(current),
                _ => Transition::go(current, NeedsReview, HoldEffect::Keep),
            },
            StatusClass::Pending => match current {
                Created => Transition::go(Created, Pending, HoldEffect::Keep),
                _ => Transition::stay(current),
            },
            StatusClass::Failed if open => {
                let to = if *code == StatusCode::Expired {
                    Expired
                } else {
                    Failed
                };
                Transition::go(current, to, HoldEffect::Release)
            }
            StatusClass::Failed => Transition::stay(current),
            StatusClass::Cancelled => match current {
                Created | Pending => Transition::go(current, Failed, HoldEffect::Release),
                Paid | NeedsReview => Transition::go(current, Refunded, HoldEffect::Refund),
                _ => Transition::stay(current),
            },
            StatusClass::Refunded => match current {
                Paid | NeedsReview => Transition::go(current, Refunded, HoldEffect::Refund),
                _ => Transition::stay(current),
            },
            StatusClass::CallResult | StatusClass::Unknown => Transition::stay(current),
        },
    }
}

/// What becomes of a paid voucher when its order is refunded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundOutcome {
    /// `refund_return_type` 1 (default): the value went to the store; the
    /// voucher stays `used`.
    StaysUsed,
    /// 2: given back to the shopper; the voucher is `available` again.
    ReturnedToShopper,
    /// 3: the value goes back to the agent; the voucher stays `used` and is
    /// marked so the agent can settle it.
    ValueToAgent,
}

/// The policy for a refunded voucher by its `refund_return_type` (free
/// vouchers have none: they stay used).
pub fn refund_outcome(refund_return_type: Option<&str>) -> RefundOutcome {
    match refund_return_type.map(str::trim) {
        Some("2") => RefundOutcome::ReturnedToShopper,
        Some("3") => RefundOutcome::ValueToAgent,
        _ => RefundOutcome::StaysUsed,
    }
}

#[cfg(test)]
mod tests;
