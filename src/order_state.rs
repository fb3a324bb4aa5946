//! The order lifecycle: what MYPAY's answers, refund replies and the passing
//! of time do to an order and to the vouchers it holds. Pure decisions, no
//! I/O: the Worker carries them out in D1, the model tests in memory.
//!
//! The rules, in one place:
//! - **Only MYPAY's word moves money states.** A report (callback) is an
//!   unsigned claim: it is recorded and answered with `api/queryorder`, and
//!   only the query's answer is applied ([`on_answer`]). Even expiry is
//!   decided on an answer: an order whose deadline passed is expired only
//!   when a query made after the deadline says it is still unpaid.
//! - **Paid stays paid.** An order MYPAY answers as paid (250, 600) ends
//!   `paid`, `refund_pending`, `refunded` or `needs_review` with a reason;
//!   nothing but MYPAY's own later answers (a refund) moves it.
//! - **One voucher, one discount.** Voucher mode has no cancel call, so a
//!   payment page can be paid after the shopper was told it expired. An
//!   expired order keeps its vouchers until MYPAY says it can no longer be
//!   paid (300, 380, A0002, 220), or, when MYPAY keeps answering "not paid",
//!   until [`Settings::voucher_hold_secs`] after the deadline. A payment that
//!   arrives after the release takes its vouchers back when they are still
//!   free; when another order consumed one, it goes to `needs_review` with
//!   [`ReviewReason::VoucherConflict`].
//! - **Refunds follow MYPAY.** A refund is `refunded` only on an instant
//!   refund reply or a query showing the refund (a `refund_order` entry with
//!   230); otherwise `refund_pending` until the query shows it.

use mypay_link::codes::{Pfn, StatusClass, StatusCode};
use mypay_link::models::{QueryReply, RefundOrderInfo, RefundReply, Transaction};
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
    /// MYPAY says the payment failed or was abandoned (300, A0002, 220), or
    /// the order could not be created.
    Failed,
    /// Not paid within its limit (MYPAY's 380, or a query after the local
    /// deadline that still shows no payment). Not final: a late payment
    /// still pays it.
    Expired,
    /// A refund MYPAY accepted but has not completed (manual refunds,
    /// refunds whose reply was lost): followed with `api/queryorder`.
    RefundPending,
    /// Refunded, as MYPAY's refund reply or query says.
    Refunded,
    /// Money moved but something does not match: a person must look (see
    /// [`ReviewReason`]).
    NeedsReview,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 8] = [
        OrderStatus::Created,
        OrderStatus::Pending,
        OrderStatus::Paid,
        OrderStatus::Failed,
        OrderStatus::Expired,
        OrderStatus::RefundPending,
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
            OrderStatus::RefundPending => "refund_pending",
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

/// Why an order needs a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewReason {
    /// MYPAY took a payment that used a voucher another paid order had
    /// already consumed: the voucher discounted two payments.
    VoucherConflict,
    /// MYPAY says 290: paid, but the amount or details do not match.
    PaidMismatch,
    /// MYPAY has kept the order in a waiting code (245, 247, 280, A0001, a
    /// store code past its limit, ...) for longer than
    /// [`Settings::pending_review_secs`]. Its vouchers stay held; MYPAY's
    /// next final answer still applies.
    PendingTooLong,
    /// A refund call got no answer and MYPAY's query has not shown the
    /// refund for [`Settings::pending_review_secs`]: it may or may not have
    /// happened. The query keeps being asked; a refund it shows applies.
    RefundUnconfirmed,
}

impl ReviewReason {
    pub const ALL: [ReviewReason; 4] = [
        ReviewReason::VoucherConflict,
        ReviewReason::PaidMismatch,
        ReviewReason::PendingTooLong,
        ReviewReason::RefundUnconfirmed,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            ReviewReason::VoucherConflict => "voucher_conflict",
            ReviewReason::PaidMismatch => "paid_mismatch",
            ReviewReason::PendingTooLong => "pending_too_long",
            ReviewReason::RefundUnconfirmed => "refund_unconfirmed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// What happened, in plain words, for the admin.
    pub fn explanation(&self) -> &'static str {
        match self {
            ReviewReason::VoucherConflict => "MYPAY took this payment after the order had expired here and its vouchers had been released; at least one of them was by then held or consumed by another order, so the same voucher may discount two payments.",
            ReviewReason::PaidMismatch => "MYPAY reports code 290: the shopper paid, but the amount or details differ from the order (for example a store-code payment made short or over).",
            ReviewReason::PendingTooLong => "MYPAY has kept this order waiting (authorised but not captured, awaiting confirmation, or a store code past its limit) for longer than PENDING_REVIEW_SECONDS. Its vouchers stay held; MYPAY's next final answer still applies.",
            ReviewReason::RefundUnconfirmed => "A refund was asked for but MYPAY's answer was lost, and MYPAY's query has not shown the refund for PENDING_REVIEW_SECONDS. It may or may not have happened.",
        }
    }

    /// What the admin can do about it.
    pub fn actions(&self) -> &'static [&'static str] {
        match self {
            ReviewReason::VoucherConflict => &[
                "Refund this order (POST /admin/orders/{id}/refund) for instant-refund methods; the conflicting voucher stays with the order that consumed it.",
                "Or refund it in MYPAY's panel and record it (POST /admin/orders/{id}/manual-refund).",
                "Or keep the payment and settle the voucher's value with the shopper outside mypay-edge; the order stays in needs_review as the record.",
            ],
            ReviewReason::PaidMismatch => &[
                "Compare the amount MYPAY received (GET /admin/orders/{id}, field mypay) with the order.",
                "Refund it (POST /admin/orders/{id}/refund, or MYPAY's panel + POST /admin/orders/{id}/manual-refund), or fulfil it if the difference is acceptable.",
            ],
            ReviewReason::PendingTooLong => &[
                "Check the order in MYPAY's panel (a card authorisation may need capturing).",
                "Nothing else is needed: the cron job keeps asking MYPAY and applies its answer.",
            ],
            ReviewReason::RefundUnconfirmed => &[
                "Look the order up in MYPAY's panel. If the refund is there, nothing is needed: the cron job applies it when MYPAY's query shows it.",
                "If it is not, ask for it again (POST /admin/orders/{id}/refund); MYPAY refuses a second refund of a refunded order, so a retry cannot refund twice.",
            ],
        }
    }
}

/// Where the order's vouchers are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Holds {
    /// Reserved for this order; nobody else can use them.
    Held,
    /// Spent by this order (it was paid).
    Consumed,
    /// Given back: MYPAY said the order cannot be paid any more.
    Released,
}

impl Holds {
    pub fn as_str(&self) -> &'static str {
        match self {
            Holds::Held => "held",
            Holds::Consumed => "consumed",
            Holds::Released => "released",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Holds::Held, Holds::Consumed, Holds::Released]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// What the order is waiting for, which says what its deadline means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Wait {
    /// The payment page is offered until the deadline (`ORDER_TTL_SECONDS`).
    Page,
    /// A store code or virtual account payable until MYPAY's `LimitDate`
    /// (plus [`LIMIT_GRACE_SECS`]); MYPAY answers 380 after it.
    Limit,
    /// A waiting code with no deadline (245, 247, 265, 280, 282, 284,
    /// A0001): the deadline is when the order goes to review.
    Open,
}

impl Wait {
    pub fn as_str(&self) -> &'static str {
        match self {
            Wait::Page => "page",
            Wait::Limit => "limit",
            Wait::Open => "open",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Wait::Page, Wait::Limit, Wait::Open]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// Where a refund stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundState {
    /// The refund call is being made (claimed so two admins cannot refund
    /// twice).
    InProgress,
    /// MYPAY accepted it but has not finished (not instant, or recorded by
    /// the admin as done in MYPAY's panel): the query will show it.
    Requested,
    /// The call got no usable answer: it may or may not have happened. The
    /// query decides.
    Unanswered,
    /// MYPAY says it is done.
    Done,
}

impl RefundState {
    pub fn as_str(&self) -> &'static str {
        match self {
            RefundState::InProgress => "in_progress",
            RefundState::Requested => "requested",
            RefundState::Unanswered => "unanswered",
            RefundState::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            RefundState::InProgress,
            RefundState::Requested,
            RefundState::Unanswered,
            RefundState::Done,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// Grace after a store code's or virtual account's `LimitDate` before a
/// query may expire the order (MYPAY answers 380 on its own schedule).
pub const LIMIT_GRACE_SECS: i64 = 3600;
/// How long MYPAY is still asked about an order that may change without
/// our doing: an expired order whose vouchers were released (a late
/// payment), a paid order (a refund made in MYPAY's panel). Reports bring
/// such changes at once; this covers reports that never arrive.
pub const FOLLOW_UP_SECS: i64 = 30 * 86_400;

/// The lifecycle's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `ORDER_TTL_SECONDS`: how long a new order's payment page is offered.
    pub order_ttl_secs: i64,
    /// `VOUCHER_HOLD_SECONDS`: how long after an expired order's deadline
    /// its vouchers stay held while MYPAY still answers "not paid".
    pub voucher_hold_secs: i64,
    /// `PENDING_REVIEW_SECONDS`: how long a waiting code (or a store code
    /// past its limit) may last before the order goes to review.
    pub pending_review_secs: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            order_ttl_secs: 30 * 60,
            voucher_hold_secs: 86_400,
            pending_review_secs: 7 * 86_400,
        }
    }
}

/// What the lifecycle needs to know about an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub status: OrderStatus,
    pub review: Option<ReviewReason>,
    pub holds: Holds,
    pub wait: Wait,
    /// The current deadline (see [`Wait`]).
    pub expires_at: i64,
    pub refund: Option<RefundState>,
    /// When the refund state was last set.
    pub refund_since: Option<i64>,
    /// Whether MYPAY has the order (`api/orders` answered with a uid).
    pub has_uid: bool,
    /// When the order was created (follow-ups end [`FOLLOW_UP_SECS`] later).
    pub created_at: i64,
}

impl Snapshot {
    /// The status the answers treat this order as: an order in review only
    /// because it waited too long still waits.
    fn effective(&self) -> OrderStatus {
        match (self.status, self.review) {
            (OrderStatus::NeedsReview, Some(ReviewReason::PendingTooLong)) => OrderStatus::Pending,
            (s, _) => s,
        }
    }
}

/// MYPAY's answer to `api/queryorder`, as the lifecycle reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The page has not been paid (200, or no code yet).
    NotPaid,
    /// A waiting code; `deadline` is the `LimitDate` of a store code or
    /// virtual account (Unix seconds).
    Pending { deadline: Option<i64> },
    /// 250 or 600, with no refund.
    Paid,
    /// 290.
    PaidMismatch,
    /// 300 or A0002: will never be paid.
    Failed,
    /// 380: not paid within its limit; never paid.
    Expired,
    /// 220: cancelled.
    Cancelled,
    /// A refund is done (a `refund_order` entry with 230, or 230 itself).
    Refunded,
    /// A call result (100, 400, ...) or a code this version does not know:
    /// nothing to apply.
    Unknown,
}

impl Answer {
    /// Reads a query reply. `parse_time` reads MYPAY's `YYYYMMDDHHmmss`.
    pub fn from_query(reply: &QueryReply, parse_time: impl Fn(&str) -> Option<i64>) -> Answer {
        if refunded_in_full(reply) {
            return Answer::Refunded;
        }
        let cancelled = reply
            .cancel_order
            .as_ref()
            .map(|r| r.iter().any(|x| x.prc == Some(StatusCode::Cancelled)))
            .unwrap_or(false);
        let t = &reply.transaction;
        let Some(code) = t.prc.as_ref() else {
            return if cancelled {
                Answer::Cancelled
            } else {
                Answer::NotPaid
            };
        };
        match code.class() {
            StatusClass::Paid => Answer::Paid,
            StatusClass::PaidMismatch => Answer::PaidMismatch,
            StatusClass::Pending => Answer::Pending {
                deadline: limit_date(t, &parse_time),
            },
            StatusClass::Failed if *code == StatusCode::Expired => Answer::Expired,
            StatusClass::Failed => Answer::Failed,
            StatusClass::Cancelled => Answer::Cancelled,
            StatusClass::Refunded => Answer::Refunded,
            _ if cancelled => Answer::Cancelled,
            StatusClass::CallResult if *code == StatusCode::DataOk => Answer::NotPaid,
            StatusClass::CallResult | StatusClass::Unknown => Answer::Unknown,
        }
    }
}

/// The `refund_order` entries of a query reply that are done (230).
fn done_refunds(reply: &QueryReply) -> Vec<&RefundOrderInfo> {
    reply
        .refund_order
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter(|x| x.prc == Some(StatusCode::Refunded))
        .collect()
}

/// What the done refunds of a query reply (`refund_order` entries with
/// 230) add up to; `None` when there is none.
pub fn refunded_total(reply: &QueryReply) -> Option<i64> {
    let done = done_refunds(reply);
    if done.is_empty() {
        return None;
    }
    Some(
        done.iter()
            .map(|x| x.cost.map(|c| c.get()).unwrap_or(0))
            .sum(),
    )
}

/// Whether the query shows the order refunded in full: done refunds that
/// add up to the order's `cost` (an order can be refunded in parts), or one
/// whose amount is not given (read as the whole).
fn refunded_in_full(reply: &QueryReply) -> bool {
    let done = done_refunds(reply);
    if done.is_empty() {
        return false;
    }
    if done.iter().any(|x| x.cost.is_none()) {
        return true;
    }
    match reply.transaction.cost {
        Some(cost) => refunded_total(reply).unwrap_or(0) >= cost.get(),
        None => true,
    }
}

/// The `LimitDate` of a store code or virtual account (in `result_content`),
/// or `expired_date`.
pub fn limit_date(t: &Transaction, parse_time: impl Fn(&str) -> Option<i64>) -> Option<i64> {
    let codes = t.payment_codes();
    codes
        .as_ref()
        .and_then(|c| c.get("LimitDate"))
        .and_then(|v| v.as_str())
        .and_then(&parse_time)
        .or_else(|| t.expired_date.as_deref().and_then(&parse_time))
}

/// What a decision does to the order's vouchers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldEffect {
    /// Leave them as they are.
    Keep,
    /// The held vouchers become `used` by this order.
    Consume,
    /// The held vouchers become `available`.
    Release,
    /// The order was paid after its vouchers were released: take back each
    /// voucher that is still available and consume it. If any is held or
    /// used by another order, the order goes to `needs_review` with
    /// [`ReviewReason::VoucherConflict`] instead of the decision's status.
    Reacquire,
    /// The order was refunded: each voucher it holds follows
    /// [`refund_outcome`]. Vouchers it does not hold are never touched.
    Refund,
}

/// What becomes of the refund state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefundChange {
    Keep,
    Set(RefundState),
    Clear,
}

/// The outcome of an input: the order's next state and its effects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub from: OrderStatus,
    pub to: OrderStatus,
    /// The review reason after the decision (kept when the status stays).
    pub review: Option<ReviewReason>,
    pub holds: HoldEffect,
    /// A new deadline, from MYPAY's answer.
    pub wait: Option<(Wait, i64)>,
    pub refund: RefundChange,
    /// Why, for the event log.
    pub why: &'static str,
}

impl Decision {
    fn stay(s: &Snapshot) -> Self {
        Decision {
            from: s.status,
            to: s.status,
            review: s.review,
            holds: HoldEffect::Keep,
            wait: None,
            refund: RefundChange::Keep,
            why: "no_change",
        }
    }

    fn go(s: &Snapshot, to: OrderStatus, holds: HoldEffect, why: &'static str) -> Self {
        Decision {
            from: s.status,
            to,
            review: if to == OrderStatus::NeedsReview {
                s.review
            } else {
                None
            },
            holds,
            wait: None,
            refund: RefundChange::Keep,
            why,
        }
    }

    fn review(mut self, r: ReviewReason) -> Self {
        self.review = Some(r);
        self
    }

    fn refund(mut self, r: RefundChange) -> Self {
        self.refund = r;
        self
    }

    /// Whether the status, the review reason, the vouchers, the deadline
    /// or the refund state change.
    pub fn changes_anything(&self) -> bool {
        self.from != self.to
            || self.holds != HoldEffect::Keep
            || self.wait.is_some()
            || self.refund != RefundChange::Keep
    }

    /// The status and reason when a [`HoldEffect::Reacquire`] could not
    /// take every voucher back.
    pub fn on_conflict(&self) -> (OrderStatus, Option<ReviewReason>) {
        (
            OrderStatus::NeedsReview,
            Some(ReviewReason::VoucherConflict),
        )
    }
}

/// The hold effect of a payment: consume what is held, take back what was
/// released.
fn take(h: Holds) -> HoldEffect {
    match h {
        Holds::Held => HoldEffect::Consume,
        Holds::Released => HoldEffect::Reacquire,
        Holds::Consumed => HoldEffect::Keep,
    }
}

fn release(h: Holds) -> HoldEffect {
    if h == Holds::Held {
        HoldEffect::Release
    } else {
        HoldEffect::Keep
    }
}

/// Applies MYPAY's answer to `api/queryorder`, asked at `now`.
pub fn on_answer(s: &Snapshot, answer: Answer, now: i64, cfg: &Settings) -> Decision {
    use OrderStatus::*;
    let eff = s.effective();
    let waiting = matches!(eff, Created | Pending);
    match answer {
        Answer::Refunded => match eff {
            Refunded => Decision::stay(s),
            _ => Decision::go(s, Refunded, HoldEffect::Refund, "mypay_refunded")
                .refund(RefundChange::Set(RefundState::Done)),
        },
        Answer::Paid => match eff {
            Created | Pending | Expired | Failed => {
                Decision::go(s, Paid, take(s.holds), "mypay_paid")
            }
            RefundPending => refund_follow_up(s, now, cfg),
            Paid | Refunded | NeedsReview => Decision::stay(s),
        },
        Answer::PaidMismatch => match eff {
            Created | Pending | Expired | Failed | Paid => {
                Decision::go(s, NeedsReview, take(s.holds), "mypay_paid_mismatch")
                    .review(ReviewReason::PaidMismatch)
            }
            RefundPending => refund_follow_up(s, now, cfg),
            Refunded | NeedsReview => Decision::stay(s),
        },
        Answer::Failed | Answer::Cancelled => match eff {
            Created | Pending | Expired => {
                Decision::go(s, Failed, release(s.holds), "mypay_not_payable")
            }
            Paid | NeedsReview if answer == Answer::Cancelled => Decision::go(
                s,
                Refunded,
                HoldEffect::Refund,
                "mypay_cancelled_after_payment",
            )
            .refund(RefundChange::Set(RefundState::Done)),
            RefundPending => refund_follow_up(s, now, cfg),
            _ => Decision::stay(s),
        },
        Answer::Expired => match eff {
            Created | Pending => Decision::go(s, Expired, release(s.holds), "mypay_expired"),
            Expired if s.holds == Holds::Held => {
                Decision::go(s, Expired, HoldEffect::Release, "mypay_expired")
            }
            RefundPending => refund_follow_up(s, now, cfg),
            _ => Decision::stay(s),
        },
        Answer::Pending { deadline } => {
            let reopen = waiting || (eff == Expired && s.holds == Holds::Held);
            if eff == RefundPending {
                return refund_follow_up(s, now, cfg);
            }
            if !reopen {
                return Decision::stay(s);
            }
            let wait = match deadline {
                Some(d) => (Wait::Limit, d + LIMIT_GRACE_SECS),
                // The review clock starts when the waiting code is first seen.
                None if s.wait == Wait::Open => (Wait::Open, s.expires_at),
                None => (Wait::Open, now + cfg.pending_review_secs),
            };
            let overdue = match wait.0 {
                Wait::Limit => now >= wait.1 + cfg.pending_review_secs,
                _ => now >= wait.1,
            };
            let mut d = if overdue {
                Decision::go(s, NeedsReview, HoldEffect::Keep, "mypay_pending_too_long")
                    .review(ReviewReason::PendingTooLong)
            } else {
                Decision::go(s, Pending, HoldEffect::Keep, "mypay_pending")
            };
            if (s.wait, s.expires_at) != wait {
                d.wait = Some(wait);
            }
            d
        }
        Answer::NotPaid => match eff {
            Created | Pending if now >= s.expires_at => {
                Decision::go(s, Expired, HoldEffect::Keep, "not_paid_by_deadline")
            }
            Expired if s.holds == Holds::Held && now >= s.expires_at + cfg.voucher_hold_secs => {
                Decision::go(s, Expired, HoldEffect::Release, "abandoned")
            }
            RefundPending => refund_follow_up(s, now, cfg),
            _ => Decision::stay(s),
        },
        Answer::Unknown => Decision::stay(s),
    }
}

/// A refund-pending order whose query shows no refund yet. Nothing says
/// the refund did not happen (MYPAY's query lists only finished refunds),
/// so the order waits; a refund whose call was never answered goes to
/// review after [`Settings::pending_review_secs`].
fn refund_follow_up(s: &Snapshot, now: i64, cfg: &Settings) -> Decision {
    let since = s.refund_since.unwrap_or(now);
    if s.refund == Some(RefundState::Unanswered) && now >= since + cfg.pending_review_secs {
        return Decision::go(
            s,
            OrderStatus::NeedsReview,
            HoldEffect::Keep,
            "refund_not_shown",
        )
        .review(ReviewReason::RefundUnconfirmed)
        .refund(RefundChange::Clear);
    }
    Decision::stay(s)
}

/// What came back from `api/refund`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefundOutcomeReply {
    /// B200 with `row_data` (230, `refund_type` 1): refunded now.
    Instant,
    /// B200 without `row_data`, or a manual `refund_type` (2, 3): MYPAY will
    /// refund later; the query shows when.
    Accepted,
    /// B500 (or another refusal): nothing happened.
    Refused,
    /// No usable answer (timeout, HTTP error, garbage): unknown.
    Unanswered,
}

impl RefundOutcomeReply {
    /// Reads MYPAY's refund reply.
    pub fn from_reply(r: &RefundReply) -> Self {
        if r.code != StatusCode::Executed {
            return RefundOutcomeReply::Refused;
        }
        let Some(row) = &r.row_data else {
            return RefundOutcomeReply::Accepted;
        };
        let instant_type = row
            .refund_type
            .as_ref()
            .map(|t| t.code().trim() == "1")
            .unwrap_or(true);
        let done = row.prc.as_ref() == Some(&StatusCode::Refunded);
        if instant_type && done {
            RefundOutcomeReply::Instant
        } else {
            RefundOutcomeReply::Accepted
        }
    }
}

/// Why a refund cannot be asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefundRefusal {
    /// Refunded, or a refund is under way.
    AlreadyRefunded,
    /// Not paid (or not known to be paid).
    NotRefundable,
    /// The method does not refund instantly through the API.
    NotSupported,
}

impl RefundRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            RefundRefusal::AlreadyRefunded => "already_refunded",
            RefundRefusal::NotRefundable => "not_refundable",
            RefundRefusal::NotSupported => "refund_not_supported",
        }
    }
}

/// Whether an order may be refunded: through the API (`manual` false) only
/// for a method that refunds instantly; a manual refund (done in MYPAY's
/// panel and recorded here) for any paid order.
pub fn may_refund(s: &Snapshot, pfn: Option<&Pfn>, manual: bool) -> Result<(), RefundRefusal> {
    match s.status {
        OrderStatus::Refunded | OrderStatus::RefundPending => {
            return Err(RefundRefusal::AlreadyRefunded)
        }
        OrderStatus::Paid => {}
        OrderStatus::NeedsReview
            if matches!(
                s.review,
                Some(
                    ReviewReason::VoucherConflict
                        | ReviewReason::PaidMismatch
                        | ReviewReason::RefundUnconfirmed
                )
            ) => {}
        _ => return Err(RefundRefusal::NotRefundable),
    }
    if s.refund.is_some() {
        return Err(RefundRefusal::AlreadyRefunded);
    }
    if !manual && !pfn.map(Pfn::refunds_instantly).unwrap_or(false) {
        return Err(RefundRefusal::NotSupported);
    }
    Ok(())
}

/// Applies the refund call's outcome (or a manual refund being recorded).
/// A reply that comes after MYPAY's query already showed the refund
/// changes nothing.
pub fn on_refund(s: &Snapshot, outcome: RefundOutcomeReply) -> Decision {
    use OrderStatus::*;
    if s.status == Refunded {
        return Decision::stay(s);
    }
    match outcome {
        RefundOutcomeReply::Instant => {
            Decision::go(s, Refunded, HoldEffect::Refund, "refund_instant")
                .refund(RefundChange::Set(RefundState::Done))
        }
        RefundOutcomeReply::Accepted => {
            Decision::go(s, RefundPending, HoldEffect::Keep, "refund_accepted")
                .refund(RefundChange::Set(RefundState::Requested))
        }
        RefundOutcomeReply::Unanswered => {
            Decision::go(s, RefundPending, HoldEffect::Keep, "refund_unanswered")
                .refund(RefundChange::Set(RefundState::Unanswered))
        }
        RefundOutcomeReply::Refused if s.refund == Some(RefundState::InProgress) => {
            Decision::stay(s).refund(RefundChange::Clear)
        }
        RefundOutcomeReply::Refused => Decision::stay(s),
    }
    .keep_review(s)
}

/// Applies the outcome of a refund of part of the order: the order stays as
/// it is (its refunded amount grows, see the Worker), and the claim the
/// refund took is given back whatever MYPAY answered, so the next part (or
/// the rest) can be asked for.
pub fn on_partial_refund(s: &Snapshot, _outcome: RefundOutcomeReply) -> Decision {
    if s.refund == Some(RefundState::InProgress) {
        Decision::stay(s).refund(RefundChange::Clear)
    } else {
        Decision::stay(s)
    }
}

/// What a refund does to the order's e-invoice (『電子發票退款時使用作廢或折讓』).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvoiceAction {
    /// 4: the invoice is voided (作廢).
    Void,
    /// 6: an allowance (折讓) for the refunded amount.
    Allowance,
    /// No e-invoice was issued: nothing to void or allow.
    None,
}

impl InvoiceAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            InvoiceAction::Void => "void",
            InvoiceAction::Allowance => "allowance",
            InvoiceAction::None => "none",
        }
    }

    /// The refund request's `invoice_state`.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            InvoiceAction::Void => Some("4"),
            InvoiceAction::Allowance => Some("6"),
            InvoiceAction::None => None,
        }
    }
}

/// Why an invoice choice cannot be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvoiceRefusal {
    /// Void asked across invoice months, or for part of the order.
    VoidNotAllowed,
    /// A choice asked for an order with no e-invoice.
    NotIssued,
}

impl InvoiceRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            InvoiceRefusal::VoidNotAllowed => "invoice_void_not_allowed",
            InvoiceRefusal::NotIssued => "invoice_not_issued",
        }
    }
}

/// The invoice side of a refund. `issued`: MYPAY's query shows an
/// e-invoice (issued or being issued). `same_month`: the invoice was issued
/// in the current month (Taiwan time); the text: 跨發票月份無法作廢, no
/// voiding across invoice months. `whole`: this refund returns the whole
/// order at once (a part, or the rest after parts, is an allowance: the
/// invoice cannot be voided for part of it). `asked`: the admin's choice.
/// Answers the action and every action the admin could pick, with why.
pub fn invoice_action(
    issued: bool,
    same_month: bool,
    whole: bool,
    asked: Option<InvoiceAction>,
) -> Result<(InvoiceAction, Vec<InvoiceAction>, &'static str), InvoiceRefusal> {
    if !issued {
        return match asked {
            None | Some(InvoiceAction::None) => Ok((
                InvoiceAction::None,
                vec![InvoiceAction::None],
                "no e-invoice was issued for this order",
            )),
            Some(_) => Err(InvoiceRefusal::NotIssued),
        };
    }
    let (default, choices, why) = if whole && same_month {
        (
            InvoiceAction::Void,
            vec![InvoiceAction::Void, InvoiceAction::Allowance],
            "the invoice is from this month: it is voided (or, if you choose, an allowance is made)",
        )
    } else if whole {
        (
            InvoiceAction::Allowance,
            vec![InvoiceAction::Allowance],
            "the invoice is from an earlier month and the API text allows no voiding across invoice months: an allowance is made",
        )
    } else {
        (
            InvoiceAction::Allowance,
            vec![InvoiceAction::Allowance],
            "only part of the order is refunded: an allowance is made for that part",
        )
    };
    match asked {
        None => Ok((default, choices, why)),
        Some(a) if choices.contains(&a) => Ok((a, choices, why)),
        Some(_) => Err(InvoiceRefusal::VoidNotAllowed),
    }
}

impl Decision {
    /// A refund keeps the review reason on record while it is pending.
    fn keep_review(mut self, s: &Snapshot) -> Self {
        if self.to == OrderStatus::RefundPending {
            self.review = s.review;
        }
        self
    }
}

/// What to do with an order MYPAY never answered `api/orders` for, once
/// its deadline passed: it has no payment page anyone could pay.
pub fn on_create_failed(s: &Snapshot) -> Decision {
    if s.status == OrderStatus::Created {
        Decision::go(s, OrderStatus::Failed, release(s.holds), "create_failed")
    } else {
        Decision::stay(s)
    }
}

/// When the cron job should next ask MYPAY about the order (`None`: only a
/// report brings it back).
pub fn next_check(s: &Snapshot, now: i64, cfg: &Settings) -> Option<i64> {
    use OrderStatus::*;
    const HOUR: i64 = 3600;
    const DAY: i64 = 86_400;
    let following = now < s.created_at.max(s.expires_at) + FOLLOW_UP_SECS;
    let at = match s.effective() {
        Created if !s.has_uid => s.expires_at,
        Created | Pending => match s.wait {
            Wait::Page => s.expires_at.min(now + 15 * 60),
            Wait::Limit => s.expires_at.min(now + 6 * HOUR),
            Wait::Open => s.expires_at.min(now + HOUR),
        },
        Expired if s.holds == Holds::Held => (s.expires_at + cfg.voucher_hold_secs).min(now + HOUR),
        RefundPending => now + HOUR,
        NeedsReview if s.review == Some(ReviewReason::PendingTooLong) => now + 6 * HOUR,
        NeedsReview if s.review == Some(ReviewReason::RefundUnconfirmed) => now + 6 * HOUR,
        Expired | Paid | NeedsReview if following => now + DAY,
        _ => return None,
    };
    Some(at.max(now))
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

impl RefundOutcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            RefundOutcome::StaysUsed => "stays_used",
            RefundOutcome::ReturnedToShopper => "returned_to_shopper",
            RefundOutcome::ValueToAgent => "value_to_agent",
        }
    }
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
