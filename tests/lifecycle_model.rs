//! Model-based test of the order lifecycle (`mypay_edge::order_state`).
//!
//! Each seed generates one interleaving of a small world: checkouts on a
//! shared pool of three vouchers; MYPAY's own record of each order (shopper
//! payments, card authorisations, store codes and virtual accounts with a
//! `LimitDate`, payment pages that die, refunds that complete later);
//! reports that are duplicated, reordered or dropped; queries that fail or
//! come back late (with the Worker's version guard); cron ticks; clock jumps;
//! admin refunds (API, manual, and refunds done in MYPAY's panel that are
//! never recorded). The Worker's side is the lifecycle's decisions carried
//! out the way the Worker does it in D1. The invariants are checked after
//! every step and, after a settle phase (faults off, every report delivered,
//! the clock advanced 45 days, the cron ticked until nothing changes), on
//! the end state.
//!
//! - `LIFECYCLE_SEEDS=n`: how many interleavings (default 100 000).
//! - `LIFECYCLE_SEED=n`: replay one seed, printing every step:
//!   `LIFECYCLE_SEED=n cargo test --test lifecycle_model -- --nocapture`.
//! - `LIFECYCLE_LIST=1`: print every failing seed (with `--nocapture`).
//! - `LIFECYCLE_MUTANT=n` (1..9): break the lifecycle on purpose, in this
//!   test only, to see the invariants catch it (see `MUTANTS`).
//!
//! On a violation the test re-runs the shortest failing seed of each
//! invariant with the trace on and panics with the seed, the invariant and
//! the steps.

use mypay_edge::order_state::{
    may_refund, next_check, on_answer, on_create_failed, on_refund, refund_outcome, Answer,
    Decision, HoldEffect, Holds, OrderStatus, RefundChange, RefundOutcome, RefundOutcomeReply,
    RefundRefusal, RefundState, ReviewReason, Settings, Snapshot, Wait, FOLLOW_UP_SECS,
};
use mypay_link::codes::Pfn;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use OrderStatus as S;

const NV: usize = 3;
const MAX_ORDERS: usize = 6;
const MIN_STEPS: usize = 8;
const MAX_STEPS: usize = 100;
const T0: i64 = 1_800_000_000;
const MINUTE: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
const SETTLE_DAYS: usize = 45;
/// Refunds done in MYPAY's panel and never recorded here (beyond the
/// brief's refunds; they exercise `Answer::Refunded` in every local state).
const UNRECORDED_PANEL_REFUNDS: bool = true;

const CFG: Settings = Settings {
    order_ttl_secs: 1800,
    voucher_hold_secs: DAY,
    pending_review_secs: 7 * DAY,
};

// ---------------------------------------------------------------- mutants

/// `LIFECYCLE_MUTANT=n` breaks the lifecycle on purpose, inside this test
/// only, to show that the invariants catch it (0: the real lifecycle).
static MUTANT: AtomicUsize = AtomicUsize::new(0);

const MUTANTS: [&str; 10] = [
    "none",
    "a final failure (300, A0002, 380) keeps the vouchers held",
    "a payment after the release consumes instead of taking the vouchers back",
    "on_create_failed keeps the vouchers",
    "an unknown answer expires a paid order",
    "an accepted refund counts as refunded",
    "a requested refund the query does not show yet goes back to paid after the grace",
    "API refunds are allowed for every method",
    "pending_too_long releases the vouchers",
    "a refused refund counts as refunded",
];

fn mutant() -> usize {
    MUTANT.load(Ordering::Relaxed)
}

fn answer_decision(s: &Snapshot, a: Answer, now: i64) -> Decision {
    let mut d = on_answer(s, a, now, &CFG);
    match mutant() {
        1 if matches!(a, Answer::Failed | Answer::Expired) && d.holds == HoldEffect::Release => {
            d.holds = HoldEffect::Keep;
        }
        2 if d.holds == HoldEffect::Reacquire => d.holds = HoldEffect::Consume,
        4 if a == Answer::Unknown && s.status == S::Paid => {
            d.to = S::Expired;
            d.why = "mutant";
        }
        6 if s.status == S::RefundPending
            && s.refund == Some(RefundState::Requested)
            && a != Answer::Refunded
            && now >= s.refund_since.unwrap_or(now) + 600 =>
        {
            d.to = if s.review.is_some() {
                S::NeedsReview
            } else {
                S::Paid
            };
            d.review = s.review;
            d.holds = HoldEffect::Keep;
            d.refund = RefundChange::Clear;
            d.why = "mutant";
        }
        8 if d.review == Some(ReviewReason::PendingTooLong) && s.holds == Holds::Held => {
            d.holds = HoldEffect::Release;
        }
        _ => {}
    }
    d
}

fn refund_decision(s: &Snapshot, outcome: RefundOutcomeReply) -> Decision {
    let mut d = on_refund(s, outcome);
    let m = mutant();
    if (m == 5 && outcome == RefundOutcomeReply::Accepted)
        || (m == 9 && outcome == RefundOutcomeReply::Refused)
    {
        d.to = S::Refunded;
        d.holds = HoldEffect::Refund;
        d.refund = RefundChange::Set(RefundState::Done);
        d.why = "mutant";
    }
    d
}

fn create_failed_decision(s: &Snapshot) -> Decision {
    let mut d = on_create_failed(s);
    if mutant() == 3 {
        d.holds = HoldEffect::Keep;
    }
    d
}

fn refund_allowed(s: &Snapshot, pfn: Option<&Pfn>, manual: bool) -> Result<(), RefundRefusal> {
    if mutant() == 7 {
        may_refund(s, Some(&Pfn::CreditCard), manual)
    } else {
        may_refund(s, pfn, manual)
    }
}

// ---------------------------------------------------------------- PRNG

/// splitmix64: tiny, seedable, good enough to drive a generator.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut r = Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B);
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pct(&mut self, p: u64) -> bool {
        self.next() % 100 < p
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo + 1) as u64)) as i64
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
    fn weighted(&mut self, w: &[u32]) -> usize {
        let total: u32 = w.iter().sum();
        let mut x = (self.next() % u64::from(total)) as u32;
        for (k, &wk) in w.iter().enumerate() {
            if x < wk {
                return k;
            }
            x -= wk;
        }
        w.len() - 1
    }
}

// ---------------------------------------------------------------- the world

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum VState {
    Available,
    /// Reserved by an order (a row in `holds`).
    Held(usize),
    /// Spent by an order.
    Used(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Voucher {
    /// A paid voucher (`kind = 'paid'`) has a `refund_return_type`; a free
    /// one has none.
    paid: bool,
    rrt: Option<&'static str>,
    state: VState,
    outcome: Option<RefundOutcome>,
}

impl Voucher {
    fn refund_policy(&self) -> RefundOutcome {
        if self.paid {
            refund_outcome(self.rrt)
        } else {
            RefundOutcome::StaysUsed
        }
    }
    fn label(&self) -> &'static str {
        match (self.paid, self.rrt) {
            (false, _) => "free",
            (true, Some("2")) => "paid/rrt2",
            (true, Some("3")) => "paid/rrt3",
            _ => "paid/rrt1",
        }
    }
}

/// MYPAY's `prc` for the order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prc {
    Unpaid,
    Authorised,
    StoreCode,
    Atm,
    Paid,
    Settled,
    Mismatch,
    Failed,
    Abandoned,
    Expired,
}

impl Prc {
    fn code(self) -> &'static str {
        match self {
            Prc::Unpaid => "200",
            Prc::Authorised => "245",
            Prc::StoreCode => "260",
            Prc::Atm => "270",
            Prc::Paid => "250",
            Prc::Settled => "600",
            Prc::Mismatch => "290",
            Prc::Failed => "300",
            Prc::Abandoned => "A0002",
            Prc::Expired => "380",
        }
    }
    fn is_paid(self) -> bool {
        matches!(self, Prc::Paid | Prc::Settled | Prc::Mismatch)
    }
    fn never_paid_final(self) -> bool {
        matches!(self, Prc::Failed | Prc::Abandoned | Prc::Expired)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Card,
    StoreCode,
    Atm,
}

impl Method {
    fn pfn(self) -> Pfn {
        match self {
            Method::Card => Pfn::CreditCard,
            Method::StoreCode => Pfn::CStoreCode,
            Method::Atm => Pfn::ECollection,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MRefund {
    No,
    /// Accepted, completes at the given time.
    Pending(i64),
    Done,
}

/// MYPAY's record of an order: its own truth.
#[derive(Clone, Copy, Debug)]
struct Rec {
    /// False when `api/orders` created it but its answer was lost: nobody
    /// has the payment page.
    reachable: bool,
    prc: Prc,
    paid_ever: bool,
    method: Option<Method>,
    page_until: i64,
    limit: i64,
    /// When MYPAY turns a store code / virtual account past its limit into 380.
    expire_at: i64,
    /// When MYPAY voids an authorisation (245 → 300).
    void_at: i64,
    /// Appendix 2: a 380 may still become 290 once MYPAY has verified it.
    verify_at: Option<i64>,
    settle_at: i64,
    refund: MRefund,
    /// The refund was done in MYPAY's panel and never recorded here.
    unrecorded_refund: bool,
    /// When that refund shows in MYPAY's query.
    unrecorded_visible_at: i64,
}

impl Rec {
    fn answer(&self) -> Answer {
        if self.refund == MRefund::Done {
            return Answer::Refunded;
        }
        match self.prc {
            Prc::Unpaid => Answer::NotPaid,
            Prc::Authorised => Answer::Pending { deadline: None },
            Prc::StoreCode | Prc::Atm => Answer::Pending {
                deadline: Some(self.limit),
            },
            Prc::Paid | Prc::Settled => Answer::Paid,
            Prc::Mismatch => Answer::PaidMismatch,
            Prc::Failed | Prc::Abandoned => Answer::Failed,
            Prc::Expired => Answer::Expired,
        }
    }
}

/// The Worker's order row (plus the model's bookkeeping) and MYPAY's record.
#[derive(Clone, Copy, Debug)]
struct Order {
    codes: u8,
    snap: Snapshot,
    /// The stored time of the next cron check (`next_check` computed when
    /// the order was last written or checked).
    next_at: Option<i64>,
    report_pending: bool,
    /// Reports received (the counter a query snapshots).
    reports: u32,
    version: u32,
    pfn: Option<Method>,
    /// The Worker has applied an answer showing the order paid.
    seen_paid: bool,
    /// Vouchers a refund gave back to the shopper (rrt 2).
    returned: u8,
    /// Vouchers a take-back found held or used by another order.
    lost: u8,
    /// A refund the query did not show went back (`refund_not_found`).
    reverted: bool,
    rec: Option<Rec>,
}

#[derive(Clone, Copy, Debug)]
enum Flight {
    /// A query whose answer has come back but is not written yet.
    Query {
        order: usize,
        version: u32,
        reports: u32,
        answer: Answer,
    },
    /// A refund call whose reply has come back but is not written yet.
    Refund {
        order: usize,
        outcome: RefundOutcomeReply,
    },
}

#[derive(Debug)]
struct Violation {
    inv: &'static str,
    detail: String,
}

type R = Result<(), Violation>;

macro_rules! ensure {
    ($c:expr, $inv:expr, $($a:tt)*) => {
        if !$c {
            return Err(Violation { inv: $inv, detail: format!($($a)*) });
        }
    };
}

macro_rules! tr {
    ($w:expr, $($a:tt)*) => {
        if let Some(t) = $w.trace.as_mut() {
            let _ = writeln!(t, $($a)*);
        }
    };
}

fn bits(m: u8) -> impl Iterator<Item = usize> {
    (0..NV).filter(move |k| m & (1 << k) != 0)
}

fn codes_str(m: u8) -> String {
    bits(m)
        .map(|k| format!("V{k}"))
        .collect::<Vec<_>>()
        .join("+")
}

// ---------------------------------------------------------------- counters

#[derive(Default)]
struct Stats {
    runs: u64,
    steps: u64,
    settle_rounds: u64,
    acts: [u64; 12],
    checkouts: u64,
    checkouts_refused: u64,
    create_failed_now: u64,
    create_failed_later: u64,
    create_unreachable: u64,
    payments: u64,
    late_payments: u64,
    late_after_release: u64,
    paid_after_deadline: u64,
    store_codes: u64,
    authorisations: u64,
    mismatches: u64,
    expired_then_290: u64,
    reports_sent: u64,
    reports_delivered: u64,
    reports_duplicated: u64,
    reports_dropped: u64,
    queries_answered: u64,
    queries_failed: u64,
    answers_unknown: u64,
    answers_stale_discarded: u64,
    slow_answers_applied: u64,
    releases: u64,
    reacquired_vouchers: u64,
    conflicts: u64,
    conflicts_with_hold: u64,
    conflicts_with_used: u64,
    conflict_mismatch_reason_lost: u64,
    refunds_refused_locally: [u64; 3],
    refund_instant: u64,
    refund_accepted: u64,
    refund_refused: u64,
    refund_unanswered_none: u64,
    refund_unanswered_done: u64,
    refund_unanswered_pending: u64,
    refund_manual: u64,
    refund_manual_panel_refused: u64,
    refund_panel_unrecorded: u64,
    refund_reply_after_query: u64,
    refunded_regressed: u64,
    refused_clears_done: u64,
    refund_reverted: u64,
    vouchers_returned: u64,
    refund_on_held: u64,
    refund_on_released: u64,
    end_conflict_without_double_use: u64,
    end_paid: u64,
    end_review_conflict: u64,
    end_refunded: u64,
    whys: Vec<(&'static str, u64)>,
}

impl Stats {
    fn why(&mut self, w: &'static str) {
        match self.whys.iter_mut().find(|(k, _)| *k == w) {
            Some((_, n)) => *n += 1,
            None => self.whys.push((w, 1)),
        }
    }

    fn merge(&mut self, o: &Stats) {
        macro_rules! add {
            ($($f:ident),*) => { $( self.$f += o.$f; )* };
        }
        add!(
            runs,
            steps,
            settle_rounds,
            checkouts,
            checkouts_refused,
            create_failed_now,
            create_failed_later,
            create_unreachable,
            payments,
            late_payments,
            late_after_release,
            paid_after_deadline,
            store_codes,
            authorisations,
            mismatches,
            expired_then_290,
            reports_sent,
            reports_delivered,
            reports_duplicated,
            reports_dropped,
            queries_answered,
            queries_failed,
            answers_unknown,
            answers_stale_discarded,
            slow_answers_applied,
            releases,
            reacquired_vouchers,
            conflicts,
            conflicts_with_hold,
            conflicts_with_used,
            conflict_mismatch_reason_lost,
            refund_instant,
            refund_accepted,
            refund_refused,
            refund_unanswered_none,
            refund_unanswered_done,
            refund_unanswered_pending,
            refund_manual,
            refund_manual_panel_refused,
            refund_panel_unrecorded,
            refund_reply_after_query,
            refunded_regressed,
            refused_clears_done,
            refund_reverted,
            vouchers_returned,
            refund_on_held,
            refund_on_released,
            end_conflict_without_double_use,
            end_paid,
            end_review_conflict,
            end_refunded
        );
        for k in 0..self.acts.len() {
            self.acts[k] += o.acts[k];
        }
        for k in 0..3 {
            self.refunds_refused_locally[k] += o.refunds_refused_locally[k];
        }
        for &(w, n) in &o.whys {
            match self.whys.iter_mut().find(|(k, _)| *k == w) {
                Some((_, m)) => *m += n,
                None => self.whys.push((w, n)),
            }
        }
    }

    fn print(&self, secs: f64) {
        println!(
            "lifecycle model: {} interleavings, {} steps (+{} settle rounds) in {:.2} s",
            self.runs, self.steps, self.settle_rounds, secs
        );
        const ACTS: [&str; 12] = [
            "checkout",
            "shopper",
            "deliver",
            "drop",
            "query",
            "complete",
            "cron",
            "jump",
            "refund_api",
            "refund_manual",
            "refund_panel",
            "fault",
        ];
        let acts: Vec<String> = ACTS
            .iter()
            .zip(self.acts.iter())
            .map(|(a, n)| format!("{a}={n}"))
            .collect();
        println!("  steps by kind: {}", acts.join(" "));
        println!(
            "  checkouts={} refused(voucher taken)={} create_failed: at_once={} later={} unreachable_record={}",
            self.checkouts, self.checkouts_refused, self.create_failed_now, self.create_failed_later,
            self.create_unreachable
        );
        println!(
            "  payments={} late(local expired/failed)={} late_after_release={} after_local_deadline={} store/atm codes={} authorisations={} 290={} 380->290={}",
            self.payments, self.late_payments, self.late_after_release, self.paid_after_deadline,
            self.store_codes, self.authorisations, self.mismatches, self.expired_then_290
        );
        println!(
            "  reports: sent={} delivered={} duplicated={} dropped={}; queries: answered={} failed={} unknown={} slow_applied={} stale_discarded={}",
            self.reports_sent, self.reports_delivered, self.reports_duplicated, self.reports_dropped,
            self.queries_answered, self.queries_failed, self.answers_unknown,
            self.slow_answers_applied, self.answers_stale_discarded
        );
        println!(
            "  vouchers: releases={} taken_back={} conflicts={} (vouchers found held by another order={}, used by another={}; a 290 reason replaced={}) returned_by_refund={} refund_of_held_order={} refund_of_released_order_with_spent_vouchers={}",
            self.releases, self.reacquired_vouchers, self.conflicts, self.conflicts_with_hold,
            self.conflicts_with_used, self.conflict_mismatch_reason_lost, self.vouchers_returned,
            self.refund_on_held, self.refund_on_released
        );
        println!(
            "  refunds: refused_locally(already/not_refundable/not_supported)={:?} instant={} accepted={} refused_by_mypay={} unanswered(none={} done={} pending={}) manual={} manual_panel_refused={} panel_unrecorded={}",
            self.refunds_refused_locally, self.refund_instant, self.refund_accepted,
            self.refund_refused, self.refund_unanswered_none, self.refund_unanswered_done,
            self.refund_unanswered_pending, self.refund_manual, self.refund_manual_panel_refused,
            self.refund_panel_unrecorded
        );
        println!(
            "  refund races: reply_after_a_query_moved_the_order={} refunded->refund_pending={} refused_reply_cleared_a_done_refund={} unanswered_reverted_to_paid={}",
            self.refund_reply_after_query, self.refunded_regressed, self.refused_clears_done, self.refund_reverted
        );
        println!(
            "  end states: paid={} needs_review(voucher_conflict)={} (of which no other paid order uses the lost voucher: {}) refunded={}",
            self.end_paid, self.end_review_conflict, self.end_conflict_without_double_use,
            self.end_refunded
        );
        let mut whys = self.whys.clone();
        whys.sort();
        let whys: Vec<String> = whys.iter().map(|(w, n)| format!("{w}={n}")).collect();
        println!("  decisions applied by why: {}", whys.join(" "));
    }
}

// ---------------------------------------------------------------- the executor

struct World<'a> {
    rng: Rng,
    now: i64,
    v: [Voucher; NV],
    o: Vec<Order>,
    /// Reports on their way (order index), in no particular order.
    reports: Vec<usize>,
    flights: Vec<Flight>,
    fault: bool,
    settling: bool,
    // I5: what MYPAY did and what the Worker recorded.
    sent_reports_delivered: u64,
    recorded_reports: u64,
    mypay_answers: u64,
    recorded_answers: u64,
    changes: u64,
    st: &'a mut Stats,
    trace: Option<String>,
}

impl<'a> World<'a> {
    fn new(seed: u64, st: &'a mut Stats, verbose: bool) -> Self {
        let mut rng = Rng::new(seed);
        const KINDS: [(bool, Option<&str>); 4] = [
            (true, Some("1")),
            (true, Some("2")),
            (true, Some("3")),
            (false, None),
        ];
        let mut v = [Voucher {
            paid: true,
            rrt: None,
            state: VState::Available,
            outcome: None,
        }; NV];
        for x in v.iter_mut() {
            let (paid, rrt) = rng.pick(&KINDS);
            x.paid = paid;
            x.rrt = rrt;
        }
        let mut w = World {
            rng,
            now: T0,
            v,
            o: Vec::with_capacity(MAX_ORDERS),
            reports: Vec::new(),
            flights: Vec::new(),
            fault: false,
            settling: false,
            sent_reports_delivered: 0,
            recorded_reports: 0,
            mypay_answers: 0,
            recorded_answers: 0,
            changes: 0,
            st,
            trace: verbose.then(String::new),
        };
        let kinds: Vec<String> =
            w.v.iter()
                .enumerate()
                .map(|(k, x)| format!("V{k}={}", x.label()))
                .collect();
        tr!(w, "seed {seed}: vouchers {}", kinds.join(" "));
        w
    }

    // ---------------------------------------------------------- decisions

    /// Carries out a decision the way the Worker does in D1.
    fn apply(&mut self, i: usize, d: Decision) -> R {
        let s = self.o[i].snap;
        ensure!(
            d.from == s.status,
            "decision_from",
            "o{i}: decision {} says from {:?}, the order is {:?}",
            d.why,
            d.from,
            s.status
        );
        if !d.changes_anything() {
            // The Worker writes nothing for such a decision: it must not
            // mean a change.
            ensure!(
                d.to == s.status && d.review == s.review,
                "decision_noop",
                "o{i}: {} changes nothing by changes_anything() but moves {:?}/{:?} to {:?}/{:?}",
                d.why,
                s.status,
                s.review,
                d.to,
                d.review
            );
            return Ok(());
        }
        self.st.why(d.why);
        self.changes += 1;
        let before_v = self.v;
        let codes = self.o[i].codes;
        let (mut to, mut review) = (d.to, d.review);
        let mut holds = s.holds;
        let mut note = String::new();
        match d.holds {
            HoldEffect::Keep => {}
            HoldEffect::Consume => {
                for k in bits(codes) {
                    if self.v[k].state == VState::Held(i) {
                        self.v[k].state = VState::Used(i);
                    }
                }
                holds = Holds::Consumed;
            }
            HoldEffect::Release => {
                for k in bits(codes) {
                    if self.v[k].state == VState::Held(i) {
                        self.v[k].state = VState::Available;
                    }
                }
                holds = Holds::Released;
                self.st.releases += 1;
            }
            HoldEffect::Reacquire => {
                let mut conflict = false;
                for k in bits(codes) {
                    match self.v[k].state {
                        VState::Available => {
                            self.v[k].state = VState::Used(i);
                            self.st.reacquired_vouchers += 1;
                        }
                        VState::Held(j) | VState::Used(j) if j == i => {
                            self.v[k].state = VState::Used(i);
                        }
                        VState::Held(j) => {
                            conflict = true;
                            self.o[i].lost |= 1 << k;
                            self.st.conflicts_with_hold += 1;
                            let _ = write!(note, " V{k} held by o{j}");
                        }
                        VState::Used(j) => {
                            conflict = true;
                            self.o[i].lost |= 1 << k;
                            self.st.conflicts_with_used += 1;
                            let _ = write!(note, " V{k} used by o{j}");
                        }
                    }
                }
                holds = Holds::Consumed;
                if conflict {
                    if d.review == Some(ReviewReason::PaidMismatch) {
                        self.st.conflict_mismatch_reason_lost += 1;
                    }
                    (to, review) = d.on_conflict();
                    self.st.conflicts += 1;
                    note.insert_str(0, " CONFLICT:");
                }
            }
            HoldEffect::Refund => {
                if holds == Holds::Held {
                    self.st.refund_on_held += 1;
                }
                if holds == Holds::Released
                    && bits(codes)
                        .any(|k| self.v[k].refund_policy() != RefundOutcome::ReturnedToShopper)
                {
                    // MYPAY's payment used these vouchers, its refund keeps
                    // them spent, but here they stay released.
                    self.st.refund_on_released += 1;
                }
                for k in bits(codes) {
                    let st = self.v[k].state;
                    if st == VState::Held(i) || st == VState::Used(i) {
                        let out = self.v[k].refund_policy();
                        self.v[k].outcome = Some(out);
                        if out == RefundOutcome::ReturnedToShopper {
                            self.v[k].state = VState::Available;
                            self.o[i].returned |= 1 << k;
                            self.st.vouchers_returned += 1;
                            let _ = write!(note, " V{k} returned");
                        } else {
                            self.v[k].state = VState::Used(i);
                            let _ = write!(note, " V{k} {}", out.as_str());
                        }
                    }
                }
                if holds == Holds::Held {
                    holds = Holds::Consumed;
                }
                // A refund never changes a voucher the order does not hold.
                for (k, (b, a)) in before_v.iter().zip(self.v.iter()).enumerate() {
                    let mine = matches!(b.state, VState::Held(j) | VState::Used(j) if j == i)
                        && codes & (1 << k) != 0;
                    ensure!(
                        mine || b == a,
                        "I2_refund_touches_only_its_vouchers",
                        "o{i}: refund changed V{k} {b:?} -> {a:?}"
                    );
                }
            }
        }
        let now = self.now;
        let o = &mut self.o[i];
        o.snap.status = to;
        o.snap.review = review;
        o.snap.holds = holds;
        if let Some((w, at)) = d.wait {
            o.snap.wait = w;
            o.snap.expires_at = at;
        }
        match d.refund {
            RefundChange::Keep => {}
            RefundChange::Set(x) => {
                o.snap.refund = Some(x);
                o.snap.refund_since = Some(now);
            }
            RefundChange::Clear => {
                o.snap.refund = None;
                o.snap.refund_since = None;
            }
        }
        o.version += 1;
        // Like the Worker: a decision that is not a query answer never puts off
        // a check that is already due (receive_answer sets it afresh).
        o.next_at = match (o.next_at, next_check(&o.snap, now, &CFG)) {
            (Some(e), Some(c)) => Some(e.min(c)),
            (e, c) => e.or(c),
        };
        if s.status == S::Refunded && to == S::RefundPending {
            self.st.refunded_regressed += 1;
        }
        if d.why == "refund_not_found" {
            self.st.refund_reverted += 1;
            self.o[i].reverted = true;
        }
        let hold_txt = match d.holds {
            HoldEffect::Keep => String::new(),
            h => format!(" holds:{h:?}"),
        };
        let wait_txt = match d.wait {
            Some((w, at)) => format!(" wait:{}@{}", w.as_str(), at - T0),
            None => String::new(),
        };
        tr!(
            self,
            "    o{i}: {} -> {}{} [{}]{}{}{} refund:{:?}",
            s.status.as_str(),
            to.as_str(),
            review
                .map(|r| format!("({})", r.as_str()))
                .unwrap_or_default(),
            d.why,
            hold_txt,
            note,
            wait_txt,
            self.o[i].snap.refund
        );
        Ok(())
    }

    // ---------------------------------------------------------- MYPAY

    fn mypay_changed(&mut self, i: usize, what: &str) {
        let Some(r) = self.o[i].rec else { return };
        tr!(
            self,
            "    mypay o{i}: {what} -> prc {} refund {:?}{}",
            r.prc.code(),
            r.refund,
            if r.paid_ever { " (paid_ever)" } else { "" }
        );
        if r.reachable {
            self.reports.push(i);
            self.st.reports_sent += 1;
        }
    }

    /// MYPAY's own clock: pages die, codes expire, authorisations are
    /// voided, payments settle, pending refunds complete.
    fn mypay_advance(&mut self) {
        let now = self.now;
        for i in 0..self.o.len() {
            let Some(mut r) = self.o[i].rec else { continue };
            let mut what: Option<&str> = None;
            if r.prc == Prc::Unpaid && now >= r.page_until {
                r.prc = Prc::Abandoned;
                what = Some("page lifetime over");
            }
            if matches!(r.prc, Prc::StoreCode | Prc::Atm) && now >= r.expire_at {
                r.prc = Prc::Expired;
                what = Some("limit passed (380)");
                if self.rng.pct(10) {
                    r.verify_at = Some(r.expire_at + self.rng.pick(&[MINUTE, HOUR, DAY, 2 * DAY]));
                }
            }
            if let Some(at) = r.verify_at {
                if r.prc == Prc::Expired && now >= at {
                    r.prc = Prc::Mismatch;
                    r.paid_ever = true;
                    r.settle_at = now;
                    r.verify_at = None;
                    self.st.expired_then_290 += 1;
                    self.st.payments += 1;
                    what = Some("380 verified as paid (290)");
                }
            }
            if r.prc == Prc::Authorised && now >= r.void_at {
                r.prc = Prc::Failed;
                what = Some("authorisation voided");
            }
            if r.prc == Prc::Paid && now >= r.settle_at {
                r.prc = Prc::Settled;
                what = Some("settled");
            }
            if let MRefund::Pending(at) = r.refund {
                if now >= at {
                    r.refund = MRefund::Done;
                    what = Some("refund completed");
                }
            }
            if let Some(w) = what {
                self.o[i].rec = Some(r);
                self.mypay_changed(i, w);
            }
        }
    }

    fn pay(&mut self, i: usize, r: &mut Rec, prc: Prc) {
        r.prc = prc;
        r.paid_ever = true;
        r.settle_at = self.now + self.rng.range(HOUR, 3 * DAY);
        self.st.payments += 1;
        let s = self.o[i].snap;
        if matches!(s.status, S::Expired | S::Failed) {
            self.st.late_payments += 1;
        }
        if s.holds == Holds::Released {
            self.st.late_after_release += 1;
        }
        if self.now >= s.expires_at && s.wait == Wait::Page {
            self.st.paid_after_deadline += 1;
        }
        if prc == Prc::Mismatch {
            self.st.mismatches += 1;
        }
    }

    /// The shopper on MYPAY's page, at a store or at an ATM: MYPAY takes
    /// the payment whatever the Worker thinks of the order.
    fn shopper(&mut self) -> R {
        let now = self.now;
        let cands: Vec<usize> = (0..self.o.len())
            .filter(|&i| match self.o[i].rec {
                Some(r) if r.reachable => match r.prc {
                    Prc::Unpaid => now < r.page_until,
                    Prc::Authorised => true,
                    Prc::StoreCode | Prc::Atm => now <= r.limit,
                    _ => false,
                },
                _ => false,
            })
            .collect();
        if cands.is_empty() {
            tr!(self, "  shopper: nothing payable");
            return Ok(());
        }
        // Half the time, prefer an order the Worker gave up on: late
        // payments are what the voucher rules are about.
        let late: Vec<usize> = cands
            .iter()
            .copied()
            .filter(|&i| {
                let s = self.o[i].snap;
                matches!(s.status, S::Expired | S::Failed) || s.holds == Holds::Released
            })
            .collect();
        let i = if !late.is_empty() && self.rng.pct(50) {
            self.rng.pick(&late)
        } else {
            self.rng.pick(&cands)
        };
        let Some(mut r) = self.o[i].rec else {
            return Ok(());
        };
        let what = match r.prc {
            Prc::Unpaid => match self.rng.weighted(&[40, 10, 14, 10, 10]) {
                0 => {
                    r.method = Some(Method::Card);
                    self.pay(i, &mut r, Prc::Paid);
                    "pays by card (250)"
                }
                1 => {
                    r.method = Some(Method::Card);
                    r.prc = Prc::Authorised;
                    r.void_at = now + self.rng.range(DAY, 10 * DAY);
                    self.st.authorisations += 1;
                    "card authorised, not captured (245)"
                }
                2 | 3 => {
                    let store = self.rng.pct(55);
                    r.method = Some(if store {
                        Method::StoreCode
                    } else {
                        Method::Atm
                    });
                    r.prc = if store { Prc::StoreCode } else { Prc::Atm };
                    r.limit = now + self.rng.pick(&[HOUR, 6 * HOUR, DAY, 3 * DAY]);
                    r.expire_at = r.limit + self.rng.pick(&[0, 1, HOUR / 2, 2 * HOUR, 9 * HOUR]);
                    self.st.store_codes += 1;
                    if store {
                        "takes a store code (260)"
                    } else {
                        "takes a virtual account (270)"
                    }
                }
                _ => {
                    r.method = Some(Method::Card);
                    r.prc = Prc::Failed;
                    "card refused (300)"
                }
            },
            Prc::Authorised => {
                if self.rng.pct(70) {
                    self.pay(i, &mut r, Prc::Paid);
                    "authorisation captured (250)"
                } else {
                    r.prc = Prc::Failed;
                    "authorisation voided (300)"
                }
            }
            _ => {
                if self.rng.pct(80) {
                    self.pay(i, &mut r, Prc::Paid);
                    "pays the code (250)"
                } else {
                    self.pay(i, &mut r, Prc::Mismatch);
                    "pays the code short (290)"
                }
            }
        };
        self.o[i].rec = Some(r);
        tr!(self, "  shopper o{i}: {what}");
        self.mypay_changed(i, what);
        Ok(())
    }

    // ---------------------------------------------------------- the Worker

    fn checkout(&mut self) -> R {
        let free: Vec<usize> = (0..NV)
            .filter(|&k| self.v[k].state == VState::Available)
            .collect();
        let codes: u8 = match self.rng.below(8) {
            // A shopper who sees which vouchers are free.
            0..=2 if !free.is_empty() => 1 << self.rng.pick(&free),
            0..=3 => 1 << self.rng.below(NV),
            4..=6 => {
                let a = self.rng.below(NV);
                let b = (a + 1 + self.rng.below(NV - 1)) % NV;
                (1 << a) | (1 << b)
            }
            _ => (1 << NV) - 1,
        };
        if bits(codes).any(|k| self.v[k].state != VState::Available) {
            self.st.checkouts_refused += 1;
            tr!(
                self,
                "  checkout {}: refused, a voucher is not available",
                codes_str(codes)
            );
            return Ok(());
        }
        let i = self.o.len();
        let snap = Snapshot {
            status: S::Created,
            review: None,
            holds: Holds::Held,
            wait: Wait::Page,
            expires_at: self.now + CFG.order_ttl_secs,
            refund: None,
            refund_since: None,
            has_uid: false,
            created_at: self.now,
        };
        for k in bits(codes) {
            self.v[k].state = VState::Held(i);
        }
        self.o.push(Order {
            codes,
            snap,
            next_at: next_check(&snap, self.now, &CFG),
            report_pending: false,
            reports: 0,
            version: 0,
            pfn: None,
            seen_paid: false,
            returned: 0,
            lost: 0,
            reverted: false,
            rec: None,
        });
        self.st.checkouts += 1;
        let page_life = self.rng.pick(&[
            CFG.order_ttl_secs / 2,
            CFG.order_ttl_secs,
            CFG.order_ttl_secs + CFG.voucher_hold_secs / 2,
            CFG.order_ttl_secs + CFG.voucher_hold_secs - MINUTE,
            CFG.order_ttl_secs + CFG.voucher_hold_secs + HOUR,
            3 * DAY,
            5 * DAY,
        ]);
        let rec = Rec {
            reachable: true,
            prc: Prc::Unpaid,
            paid_ever: false,
            method: None,
            page_until: self.now + page_life,
            limit: 0,
            expire_at: 0,
            void_at: 0,
            verify_at: None,
            settle_at: 0,
            refund: MRefund::No,
            unrecorded_refund: false,
            unrecorded_visible_at: 0,
        };
        let outcome = self.rng.weighted(&[80, 10, 10]);
        tr!(
            self,
            "  checkout o{i} with {} (page lifetime {}s): {}",
            codes_str(codes),
            page_life,
            [
                "created at MYPAY",
                "api/orders failed, no record",
                "api/orders answer lost, unreachable record"
            ][outcome]
        );
        match outcome {
            0 => {
                let o = &mut self.o[i];
                o.rec = Some(rec);
                o.snap.has_uid = true;
                o.snap.status = S::Pending;
                o.version += 1;
                o.next_at = next_check(&o.snap, self.now, &CFG);
            }
            _ => {
                if outcome == 2 {
                    self.o[i].rec = Some(Rec {
                        reachable: false,
                        ..rec
                    });
                    self.st.create_unreachable += 1;
                }
                if self.rng.pct(50) {
                    self.st.create_failed_now += 1;
                    let d = create_failed_decision(&self.o[i].snap);
                    self.apply(i, d)?;
                } else {
                    self.st.create_failed_later += 1;
                }
            }
        }
        Ok(())
    }

    /// `api/queryorder` for order `i`; `slow`: the answer is written later
    /// (other steps run in between).
    fn query(&mut self, i: usize, slow: bool) -> R {
        if !self.o[i].snap.has_uid {
            tr!(self, "    query o{i}: no uid, nothing to ask");
            return Ok(());
        }
        if !self.settling && (self.fault || self.rng.pct(3)) {
            self.st.queries_failed += 1;
            tr!(self, "    query o{i}: failed (no answer)");
            return Ok(());
        }
        let Some(rec) = self.o[i].rec else {
            return Ok(());
        };
        let answer = if !self.settling && self.rng.pct(2) {
            self.st.answers_unknown += 1;
            Answer::Unknown
        } else {
            rec.answer()
        };
        self.mypay_answers += 1;
        self.st.queries_answered += 1;
        let o = self.o[i];
        if slow {
            tr!(
                self,
                "    query o{i}: MYPAY answers {answer:?} (written later)"
            );
            self.flights.push(Flight::Query {
                order: i,
                version: o.version,
                reports: o.reports,
                answer,
            });
            return Ok(());
        }
        tr!(self, "    query o{i}: MYPAY answers {answer:?}");
        self.receive_answer(i, o.version, o.reports, answer)
    }

    fn receive_answer(&mut self, i: usize, version: u32, reports: u32, answer: Answer) -> R {
        self.recorded_answers += 1;
        if self.o[i].version != version {
            // The Worker's update is guarded by the version it read.
            self.st.answers_stale_discarded += 1;
            tr!(
                self,
                "    o{i}: answer {answer:?} discarded, the order changed meanwhile"
            );
            return Ok(());
        }
        if let Some(r) = self.o[i].rec {
            if matches!(
                answer,
                Answer::Paid | Answer::PaidMismatch | Answer::Pending { .. }
            ) {
                self.o[i].pfn = r.method;
            }
        }
        if answer == Answer::Unknown && mutant() != 4 {
            // Like the Worker: an answer that says nothing about the order
            // is kept in the events and counts as no answer.
            return Ok(());
        }
        let d = answer_decision(&self.o[i].snap, answer, self.now);
        self.apply(i, d)?;
        let o = &mut self.o[i];
        if matches!(answer, Answer::Paid | Answer::PaidMismatch) {
            o.seen_paid = true;
        }
        if o.reports == reports {
            o.report_pending = false;
        }
        // The check is recorded: the next one is computed from now.
        o.next_at = next_check(&o.snap, self.now, &CFG);
        Ok(())
    }

    fn deliver(&mut self, idx: usize, dup: bool, slow: bool) -> R {
        let i = if dup {
            self.st.reports_duplicated += 1;
            self.reports[idx]
        } else {
            self.reports.swap_remove(idx)
        };
        self.sent_reports_delivered += 1;
        self.st.reports_delivered += 1;
        tr!(
            self,
            "  report o{i} delivered{}",
            if dup { " (duplicate kept)" } else { "" }
        );
        let before = (self.o[i].snap, self.o[i].next_at, self.o[i].version, self.v);
        // What the Worker does with a report: record it, then ask MYPAY.
        let o = &mut self.o[i];
        o.report_pending = true;
        o.reports += 1;
        self.recorded_reports += 1;
        let after = (self.o[i].snap, self.o[i].next_at, self.o[i].version, self.v);
        ensure!(
            before == after,
            "I6_report_changes_nothing",
            "o{i}: recording a report changed {before:?} into {after:?}"
        );
        self.query(i, slow)
    }

    fn complete(&mut self, idx: usize) -> R {
        let f = self.flights.remove(idx);
        match f {
            Flight::Query {
                order,
                version,
                reports,
                answer,
            } => {
                tr!(self, "  late answer for o{order}: {answer:?}");
                if self.o[order].version == version {
                    self.st.slow_answers_applied += 1;
                }
                self.receive_answer(order, version, reports, answer)
            }
            Flight::Refund { order, outcome } => {
                tr!(self, "  refund reply for o{order}: {outcome:?}");
                self.refund_reply(order, outcome)
            }
        }
    }

    fn flush(&mut self) -> R {
        while !self.flights.is_empty() {
            let k = self.rng.below(self.flights.len());
            self.complete(k)?;
        }
        Ok(())
    }

    fn cron(&mut self) -> R {
        if !self.settling {
            tr!(self, "  cron at t={}", self.now - T0);
        }
        for i in 0..self.o.len() {
            let o = self.o[i];
            if o.snap.status == S::Created && !o.snap.has_uid {
                if self.now >= o.snap.expires_at {
                    let d = create_failed_decision(&o.snap);
                    self.apply(i, d)?;
                }
                continue;
            }
            let due = o.report_pending || o.next_at.is_some_and(|t| t <= self.now);
            if due {
                self.query(i, false)?;
            }
        }
        Ok(())
    }

    fn refund_reply(&mut self, i: usize, outcome: RefundOutcomeReply) -> R {
        let s = self.o[i].snap;
        if s.refund != Some(RefundState::InProgress) {
            self.st.refund_reply_after_query += 1;
            if s.status == S::Refunded && outcome == RefundOutcomeReply::Refused {
                self.st.refused_clears_done += 1;
            }
        }
        let v = self.v;
        let d = refund_decision(&s, outcome);
        self.apply(i, d)?;
        if outcome == RefundOutcomeReply::Refused && s.refund != Some(RefundState::InProgress) {
            // The query moved the order while the call was out: the reply
            // to a claim no longer in force changes nothing at all.
            ensure!(
                self.o[i].snap == s && self.v == v,
                "I4_refused_refund_changes_nothing",
                "o{i}: a late refusal changed {:?} to {:?}",
                s,
                self.o[i].snap
            );
        } else if outcome == RefundOutcomeReply::Refused {
            let n = self.o[i].snap;
            ensure!(
                n.status == s.status && n.review == s.review && n.holds == s.holds && self.v == v,
                "I4_refused_refund_changes_nothing",
                "o{i}: a refused refund moved {:?}/{:?}/{:?} to {:?}/{:?}/{:?}",
                s.status,
                s.review,
                s.holds,
                n.status,
                n.review,
                n.holds
            );
            ensure!(
                n.refund.is_none(),
                "I4_refused_refund_changes_nothing",
                "o{i}: a refused refund left refund state {:?}",
                n.refund
            );
        }
        Ok(())
    }

    fn claim(&mut self, i: usize) {
        let now = self.now;
        let o = &mut self.o[i];
        o.snap.refund = Some(RefundState::InProgress);
        o.snap.refund_since = Some(now);
        o.version += 1;
    }

    fn refund_target(&mut self) -> usize {
        let paidish: Vec<usize> = (0..self.o.len())
            .filter(|&i| {
                matches!(
                    self.o[i].snap.status,
                    S::Paid | S::NeedsReview | S::RefundPending | S::Refunded
                )
            })
            .collect();
        if !paidish.is_empty() && self.rng.pct(85) {
            self.rng.pick(&paidish)
        } else {
            self.rng.below(self.o.len())
        }
    }

    /// The admin refunds through the API (`manual` false) or records a
    /// refund done in MYPAY's panel (`manual` true).
    fn refund(&mut self, manual: bool) -> R {
        let i = self.refund_target();
        let pfn = self.o[i].pfn.map(Method::pfn);
        let s = self.o[i].snap;
        if let Err(e) = refund_allowed(&s, pfn.as_ref(), manual) {
            let k = match e {
                RefundRefusal::AlreadyRefunded => 0,
                RefundRefusal::NotRefundable => 1,
                RefundRefusal::NotSupported => 2,
            };
            self.st.refunds_refused_locally[k] += 1;
            tr!(
                self,
                "  admin {} refund o{i} ({}): refused here: {}",
                if manual { "manual" } else { "API" },
                s.status.as_str(),
                e.code()
            );
            return Ok(());
        }
        let Some(mut r) = self.o[i].rec else {
            return Err(Violation {
                inv: "I0_money_only_on_mypays_word",
                detail: format!("o{i}: may_refund allows a refund of an order MYPAY does not have"),
            });
        };
        if manual {
            // Done in MYPAY's panel first, then recorded here.
            if !r.prc.is_paid() || r.refund != MRefund::No {
                self.st.refund_manual_panel_refused += 1;
                tr!(
                    self,
                    "  admin manual refund o{i}: MYPAY's panel refuses (prc {} refund {:?})",
                    r.prc.code(),
                    r.refund
                );
                return Ok(());
            }
            r.refund = MRefund::Pending(self.now + self.rng.range(HOUR, 3 * DAY));
            self.o[i].rec = Some(r);
            self.st.refund_manual += 1;
            tr!(
                self,
                "  admin manual refund o{i}: done in MYPAY's panel, recorded"
            );
            self.mypay_changed(i, "manual refund requested");
            self.claim(i);
            return self.refund_reply(i, RefundOutcomeReply::Accepted);
        }
        ensure!(
            r.method == Some(Method::Card),
            "may_refund_instant_only",
            "o{i}: may_refund let an API refund through for method {:?} (pfn {:?})",
            r.method,
            pfn
        );
        self.claim(i);
        let outcome = if !r.prc.is_paid() || r.refund != MRefund::No {
            self.st.refund_refused += 1;
            RefundOutcomeReply::Refused
        } else {
            match self.rng.weighted(&[40, 20, 15, 10, 8, 7]) {
                0 => {
                    r.refund = MRefund::Done;
                    self.st.refund_instant += 1;
                    RefundOutcomeReply::Instant
                }
                1 => {
                    r.refund = MRefund::Pending(self.now + self.rng.range(10 * MINUTE, 3 * DAY));
                    self.st.refund_accepted += 1;
                    RefundOutcomeReply::Accepted
                }
                2 => {
                    self.st.refund_refused += 1;
                    RefundOutcomeReply::Refused
                }
                3 => {
                    self.st.refund_unanswered_none += 1;
                    RefundOutcomeReply::Unanswered
                }
                4 => {
                    r.refund = MRefund::Done;
                    self.st.refund_unanswered_done += 1;
                    RefundOutcomeReply::Unanswered
                }
                _ => {
                    r.refund = MRefund::Pending(self.now + self.rng.range(10 * MINUTE, 3 * DAY));
                    self.st.refund_unanswered_pending += 1;
                    RefundOutcomeReply::Unanswered
                }
            }
        };
        let changed = self.o[i].rec.map(|x| x.refund) != Some(r.refund);
        self.o[i].rec = Some(r);
        tr!(
            self,
            "  admin API refund o{i}: claimed; MYPAY replies {outcome:?} (its refund: {:?})",
            r.refund
        );
        if changed {
            self.mypay_changed(i, "refund");
        }
        if self.rng.pct(40) {
            self.flights.push(Flight::Refund { order: i, outcome });
            Ok(())
        } else {
            self.refund_reply(i, outcome)
        }
    }

    /// Someone refunds a paid order in MYPAY's panel and never records it.
    fn panel_refund(&mut self) -> R {
        let cands: Vec<usize> = (0..self.o.len())
            .filter(|&i| {
                self.o[i]
                    .rec
                    .is_some_and(|r| r.prc.is_paid() && r.refund == MRefund::No)
            })
            .collect();
        if cands.is_empty() {
            tr!(self, "  panel refund: nothing paid");
            return Ok(());
        }
        let i = self.rng.pick(&cands);
        let Some(mut r) = self.o[i].rec else {
            return Ok(());
        };
        r.refund = if self.rng.pct(50) {
            MRefund::Done
        } else {
            MRefund::Pending(self.now + self.rng.range(HOUR, 2 * DAY))
        };
        r.unrecorded_refund = true;
        r.unrecorded_visible_at = match r.refund {
            MRefund::Pending(t) => t,
            _ => self.now,
        };
        self.o[i].rec = Some(r);
        self.st.refund_panel_unrecorded += 1;
        tr!(self, "  panel refund o{i} (not recorded here)");
        self.mypay_changed(i, "panel refund");
        Ok(())
    }

    fn jump(&mut self) -> R {
        tr!(self, "  clock jump (in-flight replies land first)");
        self.flush()?;
        let secs = match self.rng.weighted(&[10, 12, 8, 12, 6, 10, 35]) {
            0 => self.rng.range(1, 60),
            1 => self.rng.range(MINUTE, 30 * MINUTE),
            2 => CFG.order_ttl_secs + self.rng.range(-60, 60),
            3 => self.rng.range(HOUR, DAY),
            4 => CFG.voucher_hold_secs + self.rng.range(-HOUR, HOUR),
            5 => self.rng.range(DAY, 10 * DAY),
            _ => {
                // To a boundary someone cares about, give or take a second.
                let mut ts: Vec<i64> = Vec::new();
                for o in &self.o {
                    let s = o.snap;
                    ts.push(s.expires_at);
                    ts.push(s.expires_at + CFG.voucher_hold_secs);
                    ts.push(s.expires_at + LIMIT_GRACE + CFG.pending_review_secs);
                    if let Some(t) = o.next_at {
                        ts.push(t);
                    }
                    if let Some(t) = s.refund_since {
                        ts.push(t + 600);
                    }
                    if let Some(r) = o.rec {
                        ts.extend([r.page_until, r.limit, r.expire_at, r.void_at]);
                        ts.extend(r.verify_at);
                        if let MRefund::Pending(t) = r.refund {
                            ts.push(t);
                        }
                    }
                }
                ts.retain(|&t| t > self.now);
                if ts.is_empty() {
                    self.rng.range(1, HOUR)
                } else {
                    let t = self.rng.pick(&ts) + self.rng.pick(&[0, 0, 1, -1]);
                    (t - self.now).max(1)
                }
            }
        };
        self.now += secs;
        tr!(self, "  clock +{secs}s -> t={}", self.now - T0);
        self.mypay_advance();
        Ok(())
    }

    fn step(&mut self) -> R {
        let n = self.o.len();
        let has = |c: bool, w: u32| if c { w } else { 0 };
        let w = [
            has(n < MAX_ORDERS, 12),
            has(n > 0, 18),
            has(!self.reports.is_empty(), 14),
            has(!self.reports.is_empty(), 4),
            has(n > 0, 8),
            has(!self.flights.is_empty(), 12),
            has(n > 0, 14),
            18,
            has(n > 0, 6),
            has(n > 0, 3),
            has(n > 0 && UNRECORDED_PANEL_REFUNDS, 1),
            2,
        ];
        let a = self.rng.weighted(&w);
        self.st.acts[a] += 1;
        match a {
            0 => self.checkout(),
            1 => self.shopper(),
            2 => {
                let idx = self.rng.below(self.reports.len());
                let dup = self.rng.pct(15);
                let slow = self.rng.pct(30);
                self.deliver(idx, dup, slow)
            }
            3 => {
                let idx = self.rng.below(self.reports.len());
                let i = self.reports.swap_remove(idx);
                self.st.reports_dropped += 1;
                tr!(self, "  report o{i} dropped");
                Ok(())
            }
            4 => {
                let i = self.rng.below(n);
                let slow = self.rng.pct(30);
                tr!(
                    self,
                    "  query o{i} (shopper back on the result page / admin)"
                );
                self.query(i, slow)
            }
            5 => {
                let k = self.rng.below(self.flights.len());
                self.complete(k)
            }
            6 => self.cron(),
            7 => self.jump(),
            8 => self.refund(false),
            9 => self.refund(true),
            10 => self.panel_refund(),
            _ => {
                self.fault = !self.fault;
                tr!(
                    self,
                    "  queries {}",
                    if self.fault {
                        "fail from now on"
                    } else {
                        "work again"
                    }
                );
                Ok(())
            }
        }
    }

    fn settle(&mut self) -> R {
        tr!(
            self,
            "settle: faults off, every report delivered, the clock runs {SETTLE_DAYS} days"
        );
        self.settling = true;
        self.fault = false;
        self.flush()?;
        self.check()?;
        for day in 0..SETTLE_DAYS {
            self.st.settle_rounds += 1;
            // A day in which nothing happens leaves no trace.
            let mark = self.trace.as_ref().map(String::len);
            tr!(self, "  settle day {day} (t={})", self.now - T0);
            let header = self.trace.as_ref().map(String::len);
            while !self.reports.is_empty() {
                self.deliver(0, false, false)?;
                self.check()?;
            }
            for _ in 0..10 {
                let before = self.changes;
                self.cron()?;
                self.check()?;
                if self.changes == before && self.reports.is_empty() {
                    break;
                }
                while !self.reports.is_empty() {
                    self.deliver(0, false, false)?;
                    self.check()?;
                }
            }
            self.now += DAY;
            self.mypay_advance();
            self.check()?;
            if let (Some(t), Some(m), Some(h)) = (self.trace.as_mut(), mark, header) {
                if t.len() == h {
                    t.truncate(m);
                }
            }
        }
        while !self.reports.is_empty() {
            self.deliver(0, false, false)?;
        }
        for _ in 0..10 {
            let before = self.changes;
            self.cron()?;
            if self.changes == before {
                break;
            }
        }
        self.check()
    }

    // ---------------------------------------------------------- invariants

    /// Checked after every step.
    fn check(&self) -> R {
        // The invariants of the brief first, then the bookkeeping ones.
        for (i, o) in self.o.iter().enumerate() {
            let s = o.snap;
            let review = s.review;
            let paid_like = matches!(s.status, S::Paid | S::RefundPending | S::Refunded)
                || (s.status == S::NeedsReview
                    && matches!(
                        review,
                        Some(
                            ReviewReason::VoucherConflict
                                | ReviewReason::PaidMismatch
                                | ReviewReason::RefundUnconfirmed
                        )
                    ));
            // I0: only MYPAY's word moves money states.
            ensure!(
                !paid_like || o.rec.is_some_and(|r| r.paid_ever),
                "I0_money_only_on_mypays_word",
                "o{i} is {:?}/{:?} but MYPAY never took a payment ({:?})",
                s.status,
                review,
                o.rec
            );
            // I1: paid stays paid.
            ensure!(
                !o.seen_paid || paid_like,
                "I1_paid_stays_paid",
                "o{i} was answered paid and is now {:?}/{:?}",
                s.status,
                review
            );
            // I4: refunded only on MYPAY's word.
            ensure!(
                s.status != S::Refunded || o.rec.is_some_and(|r| r.refund == MRefund::Done),
                "I4_refunds_follow_mypay",
                "o{i} is refunded but MYPAY's refund is {:?}",
                o.rec.map(|r| r.refund)
            );
        }
        // I2: one voucher, one discount, as the orders see it.
        for k in 0..NV {
            let n = self
                .o
                .iter()
                .filter(|o| {
                    matches!(o.snap.status, S::Paid | S::RefundPending)
                        && o.snap.holds == Holds::Consumed
                        && o.codes & (1 << k) != 0
                        && (o.returned | o.lost) & (1 << k) == 0
                })
                .count();
            ensure!(
                n <= 1,
                "I2_one_voucher_one_discount",
                "V{k} is consumed by {n} paid orders"
            );
        }
        // I5: every delivered report and every answer was recorded.
        let in_flight = self
            .flights
            .iter()
            .filter(|f| matches!(f, Flight::Query { .. }))
            .count() as u64;
        ensure!(
            self.sent_reports_delivered == self.recorded_reports,
            "I5_recorded",
            "{} reports delivered, {} recorded",
            self.sent_reports_delivered,
            self.recorded_reports
        );
        ensure!(
            self.mypay_answers == self.recorded_answers + in_flight,
            "I5_recorded",
            "{} answers given, {} recorded, {} in flight",
            self.mypay_answers,
            self.recorded_answers,
            in_flight
        );
        // Vouchers and the orders' holds say the same thing.
        for (k, v) in self.v.iter().enumerate() {
            match v.state {
                VState::Held(i) => {
                    let o = &self.o[i];
                    ensure!(
                        o.snap.holds == Holds::Held && o.codes & (1 << k) != 0,
                        "voucher_consistency",
                        "V{k} is held by o{i}, whose holds are {:?} over {}",
                        o.snap.holds,
                        codes_str(o.codes)
                    );
                }
                VState::Used(i) => {
                    let o = &self.o[i];
                    ensure!(
                        o.snap.holds == Holds::Consumed
                            && o.codes & (1 << k) != 0
                            && (o.returned | o.lost) & (1 << k) == 0,
                        "voucher_consistency",
                        "V{k} is used by o{i}, whose holds are {:?} over {} (returned {} lost {})",
                        o.snap.holds,
                        codes_str(o.codes),
                        codes_str(o.returned),
                        codes_str(o.lost)
                    );
                }
                VState::Available => {}
            }
        }
        for (i, o) in self.o.iter().enumerate() {
            let s = o.snap;
            let review = s.review;
            match s.holds {
                Holds::Held => {
                    for k in bits(o.codes) {
                        ensure!(
                            self.v[k].state == VState::Held(i),
                            "voucher_consistency",
                            "o{i} holds {} but V{k} is {:?}",
                            codes_str(o.codes),
                            self.v[k].state
                        );
                    }
                }
                Holds::Consumed => {
                    for k in bits(o.codes) {
                        ensure!(
                            self.v[k].state == VState::Used(i)
                                || (o.returned | o.lost) & (1 << k) != 0,
                            "voucher_consistency",
                            "o{i} consumed {} but V{k} is {:?}",
                            codes_str(o.codes),
                            self.v[k].state
                        );
                    }
                }
                Holds::Released => {}
            }
            // Where the vouchers are fits the status (the lifecycle's doc:
            // waiting orders hold, paid ones consume, given-up ones release).
            let ok = match s.holds {
                Holds::Held => {
                    matches!(s.status, S::Created | S::Pending | S::Expired)
                        || (s.status == S::NeedsReview
                            && review == Some(ReviewReason::PendingTooLong))
                }
                Holds::Consumed => {
                    matches!(s.status, S::Paid | S::RefundPending | S::Refunded)
                        || (s.status == S::NeedsReview
                            && matches!(
                                review,
                                Some(
                                    ReviewReason::VoucherConflict
                                        | ReviewReason::PaidMismatch
                                        | ReviewReason::RefundUnconfirmed
                                )
                            ))
                }
                Holds::Released => matches!(s.status, S::Expired | S::Failed | S::Refunded),
            };
            ensure!(
                ok,
                "holds_fit_status",
                "o{i} is {:?}/{:?} with holds {:?}",
                s.status,
                review,
                s.holds
            );
            ensure!(
                (s.status == S::NeedsReview) == review.is_some() || s.status == S::RefundPending,
                "review_reason",
                "o{i} is {:?} with review {:?}",
                s.status,
                review
            );
            ensure!(
                s.refund != Some(RefundState::Done) || s.status == S::Refunded,
                "refund_state",
                "o{i} has refund done but is {:?}",
                s.status
            );
        }
        Ok(())
    }

    /// Checked once the run is settled.
    fn check_end(&mut self) -> R {
        for (i, o) in self.o.iter().enumerate() {
            let s = o.snap;
            let Some(r) = o.rec else { continue };
            if r.paid_ever {
                let ok = matches!(s.status, S::Paid | S::RefundPending | S::Refunded)
                    || (s.status == S::NeedsReview
                        && matches!(
                            s.review,
                            Some(
                                ReviewReason::VoucherConflict
                                    | ReviewReason::PaidMismatch
                                    | ReviewReason::RefundUnconfirmed
                            )
                        ));
                ensure!(
                    ok,
                    "I1_end_paid_is_known",
                    "o{i}: MYPAY took a payment (prc {}, refund {:?}) but the order ends {:?}/{:?}",
                    r.prc.code(),
                    r.refund,
                    s.status,
                    s.review
                );
                // I2: each voucher is this order's, or the order is in review
                // for it, or refunded.
                for k in bits(o.codes) {
                    let ok = self.v[k].state == VState::Used(i)
                        || s.status == S::Refunded
                        || (o.lost & (1 << k) != 0
                            && matches!(
                                s.review,
                                // A refund of the conflicting order whose
                                // answer was lost keeps it in review.
                                Some(
                                    ReviewReason::VoucherConflict | ReviewReason::RefundUnconfirmed
                                )
                            ));
                    ensure!(
                        ok,
                        "I2_end_one_voucher_one_discount",
                        "o{i} paid with V{k}, ends {:?}/{:?}, V{k} is {:?}",
                        s.status,
                        s.review,
                        self.v[k].state
                    );
                }
            }
            // I4: MYPAY's refund done ⇒ refunded here. A refund made in
            // MYPAY's panel, never recorded here, whose every report was
            // lost, is seen only while the order is still followed
            // (FOLLOW_UP_SECS, the documented horizon).
            let beyond_horizon = r.unrecorded_refund
                && r.unrecorded_visible_at >= s.created_at.max(s.expires_at) + FOLLOW_UP_SECS;
            if r.refund == MRefund::Done && !beyond_horizon {
                ensure!(
                    s.status == S::Refunded,
                    if r.unrecorded_refund {
                        "I4_end_unrecorded_panel_refund_is_known"
                    } else {
                        "I4_end_refund_done_is_known"
                    },
                    "o{i}: MYPAY's refund is done{}{} but the order ends {:?}/{:?} (refund {:?}, next check {:?})",
                    if r.unrecorded_refund {
                        " (panel, unrecorded)"
                    } else {
                        ""
                    },
                    if o.reverted {
                        " (the order went back after refund_not_found)"
                    } else {
                        ""
                    },
                    s.status,
                    s.review,
                    s.refund,
                    o.next_at
                );
            }
        }
        // I3: vouchers of orders MYPAY will never charge come back.
        for k in 0..NV {
            let mut users = self.o.iter().filter(|o| o.codes & (1 << k) != 0).peekable();
            if users.peek().is_none() {
                continue;
            }
            let never = users.all(|o| match o.rec {
                None => true,
                Some(r) => !r.paid_ever && (r.prc.never_paid_final() || !r.reachable),
            });
            if never {
                ensure!(
                    self.v[k].state == VState::Available,
                    "I3_abandoned_vouchers_come_back",
                    "V{k} is {:?} but none of its orders was or can be paid",
                    self.v[k].state
                );
            }
        }
        for o in &self.o {
            match o.snap.status {
                S::Paid => self.st.end_paid += 1,
                S::Refunded => self.st.end_refunded += 1,
                S::NeedsReview if o.snap.review == Some(ReviewReason::VoucherConflict) => {
                    self.st.end_review_conflict += 1;
                    let double = bits(o.lost).any(|k| match self.v[k].state {
                        VState::Used(j) => self.o[j].rec.is_some_and(|r| r.paid_ever),
                        _ => false,
                    });
                    if !double {
                        self.st.end_conflict_without_double_use += 1;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn dump(&mut self) {
        let mut t = String::new();
        for (k, v) in self.v.iter().enumerate() {
            let _ = writeln!(
                t,
                "  V{k} {}: {:?} refund_outcome {:?}",
                v.label(),
                v.state,
                v.outcome
            );
        }
        for (i, o) in self.o.iter().enumerate() {
            let s = o.snap;
            let _ = writeln!(
                t,
                "  o{i} {}: {}{} holds {} wait {} expires t={} refund {:?} uid {} next_at {:?} report_pending {} seen_paid {} lost {} returned {}",
                codes_str(o.codes),
                s.status.as_str(),
                s.review.map(|r| format!("({})", r.as_str())).unwrap_or_default(),
                s.holds.as_str(),
                s.wait.as_str(),
                s.expires_at - T0,
                s.refund,
                s.has_uid,
                o.next_at.map(|x| x - T0),
                o.report_pending,
                o.seen_paid,
                codes_str(o.lost),
                codes_str(o.returned)
            );
            if let Some(r) = o.rec {
                let _ = writeln!(
                    t,
                    "     mypay: prc {} paid_ever {} method {:?} refund {:?}{} page_until t={} reachable {}",
                    r.prc.code(),
                    r.paid_ever,
                    r.method,
                    r.refund,
                    if r.unrecorded_refund { " (panel, unrecorded)" } else { "" },
                    r.page_until - T0,
                    r.reachable
                );
            } else {
                let _ = writeln!(t, "     mypay: no record");
            }
        }
        let _ = writeln!(t, "  in-flight reports: {:?}", self.reports);
        if let Some(tr) = self.trace.as_mut() {
            tr.push_str(&t);
        }
    }
}

const LIMIT_GRACE: i64 = mypay_edge::order_state::LIMIT_GRACE_SECS;

/// One interleaving. Returns the violation (if any), how many steps ran,
/// and the trace when `verbose`.
fn run(seed: u64, st: &mut Stats, verbose: bool) -> (Option<(Violation, usize)>, Option<String>) {
    let mut w = World::new(seed, st, verbose);
    let steps = MIN_STEPS + w.rng.below(MAX_STEPS - MIN_STEPS + 1);
    let mut result = None;
    for k in 0..steps {
        tr!(w, "step {k} (t={}):", w.now - T0);
        w.st.steps += 1;
        if let Err(v) = w.step().and_then(|_| w.check()) {
            result = Some((v, k + 1));
            break;
        }
    }
    if result.is_none() {
        if let Err(v) = w.settle().and_then(|_| w.check_end()) {
            result = Some((v, steps + 1));
        }
    }
    w.st.runs += 1;
    if verbose {
        if let Some((v, _)) = &result {
            tr!(w, "VIOLATION {}: {}", v.inv, v.detail);
        }
        tr!(w, "state:");
        w.dump();
    }
    (result, w.trace.take())
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name)
        .ok()
        .and_then(|s| s.trim().replace('_', "").parse().ok())
}

#[test]
fn lifecycle_model() {
    if let Some(seed) = env_u64("LIFECYCLE_SEED") {
        MUTANT.store(
            env_u64("LIFECYCLE_MUTANT").unwrap_or(0) as usize,
            Ordering::Relaxed,
        );
        let mut st = Stats::default();
        let (res, trace) = run(seed, &mut st, true);
        println!("{}", trace.unwrap_or_default());
        if let Some((v, steps)) = res {
            panic!(
                "seed {seed}: invariant {} violated after {steps} steps: {}",
                v.inv, v.detail
            );
        }
        println!("seed {seed}: no violation");
        return;
    }
    let m = env_u64("LIFECYCLE_MUTANT").unwrap_or(0) as usize;
    if m > 0 {
        assert!(
            m < MUTANTS.len(),
            "LIFECYCLE_MUTANT: 1..{}",
            MUTANTS.len() - 1
        );
        println!("mutant {m}: {}", MUTANTS[m]);
    }
    MUTANT.store(m, Ordering::Relaxed);
    let n = env_u64("LIFECYCLE_SEEDS").unwrap_or(100_000);
    // `LIFECYCLE_LIST=1`: print every failing seed, not only the shortest.
    let list = env_u64("LIFECYCLE_LIST").unwrap_or(0) != 0;
    let started = Instant::now();
    let threads = std::thread::available_parallelism()
        .map(|x| x.get())
        .unwrap_or(1)
        .clamp(1, 2) as u64;
    // Per invariant: (count, shortest (steps, seed)).
    type Found = Vec<(&'static str, u64, usize, u64)>;
    let results: Vec<(Stats, Found)> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..threads)
            .map(|t| {
                sc.spawn(move || {
                    let mut st = Stats::default();
                    let mut found: Found = Vec::new();
                    let mut seed = t;
                    while seed < n {
                        if let (Some((v, steps)), _) = run(seed, &mut st, false) {
                            if list {
                                println!(
                                    "seed {seed}: {} after {steps} steps: {}",
                                    v.inv, v.detail
                                );
                            }
                            match found.iter_mut().find(|f| f.0 == v.inv) {
                                Some(f) => {
                                    f.1 += 1;
                                    if steps < f.2 {
                                        f.2 = steps;
                                        f.3 = seed;
                                    }
                                }
                                None => found.push((v.inv, 1, steps, seed)),
                            }
                        }
                        seed += threads;
                    }
                    (st, found)
                })
            })
            .collect();
        hs.into_iter()
            .map(|h| h.join().expect("worker thread"))
            .collect()
    });
    let mut st = Stats::default();
    let mut found: Found = Vec::new();
    for (s, f) in &results {
        st.merge(s);
        for &(inv, c, steps, seed) in f {
            match found.iter_mut().find(|x| x.0 == inv) {
                Some(x) => {
                    x.1 += c;
                    if (steps, seed) < (x.2, x.3) {
                        x.2 = steps;
                        x.3 = seed;
                    }
                }
                None => found.push((inv, c, steps, seed)),
            }
        }
    }
    st.print(started.elapsed().as_secs_f64());
    if found.is_empty() {
        return;
    }
    found.sort_by_key(|f| (f.2, f.3));
    let mut msg = String::new();
    for &(inv, c, steps, seed) in &found {
        let _ = writeln!(
            msg,
            "invariant {inv}: violated in {c} interleavings; shortest: seed {seed} ({steps} steps); replay: LIFECYCLE_SEED={seed} cargo test --test lifecycle_model -- --nocapture"
        );
    }
    for &(inv, _, _, seed) in &found {
        let mut scratch = Stats::default();
        let (res, trace) = run(seed, &mut scratch, true);
        let detail = res
            .map(|(v, _)| format!("{}: {}", v.inv, v.detail))
            .unwrap_or_default();
        let _ = writeln!(
            msg,
            "\n==== seed {seed} ({inv}) ==== {detail}\n{}",
            trace.unwrap_or_default()
        );
    }
    panic!("lifecycle model: invariant violations\n{msg}");
}
