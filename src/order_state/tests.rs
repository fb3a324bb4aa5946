//! Tests of `order_state`: one per rule of the lifecycle.

use super::*;
use mypay_link::models::{CancelOrderInfo, RefundOrderInfo, RefundRowData};
use OrderStatus::*;

const NOW: i64 = 1_800_000_000;

fn cfg() -> Settings {
    Settings::default()
}

fn snap(status: OrderStatus, holds: Holds) -> Snapshot {
    Snapshot {
        status,
        review: None,
        holds,
        wait: Wait::Page,
        expires_at: NOW + 600,
        refund: None,
        refund_since: None,
        has_uid: true,
        created_at: NOW - 60,
    }
}

fn reply(prc: Option<&str>) -> QueryReply {
    let mut r = QueryReply::default();
    r.transaction.prc = prc.map(StatusCode::from_code);
    r
}

fn parse(_: &str) -> Option<i64> {
    Some(NOW + 3 * 86_400)
}

#[test]
fn query_answers_are_read_by_class() {
    assert_eq!(Answer::from_query(&reply(None), parse), Answer::NotPaid);
    assert_eq!(
        Answer::from_query(&reply(Some("200")), parse),
        Answer::NotPaid
    );
    assert_eq!(Answer::from_query(&reply(Some("250")), parse), Answer::Paid);
    assert_eq!(Answer::from_query(&reply(Some("600")), parse), Answer::Paid);
    assert_eq!(
        Answer::from_query(&reply(Some("290")), parse),
        Answer::PaidMismatch
    );
    assert_eq!(
        Answer::from_query(&reply(Some("300")), parse),
        Answer::Failed
    );
    assert_eq!(
        Answer::from_query(&reply(Some("A0002")), parse),
        Answer::Failed
    );
    assert_eq!(
        Answer::from_query(&reply(Some("380")), parse),
        Answer::Expired
    );
    assert_eq!(
        Answer::from_query(&reply(Some("220")), parse),
        Answer::Cancelled
    );
    assert_eq!(
        Answer::from_query(&reply(Some("400")), parse),
        Answer::Unknown
    );
    assert_eq!(
        Answer::from_query(&reply(Some("Z9")), parse),
        Answer::Unknown
    );
    for c in ["245", "247", "280", "A0001"] {
        assert_eq!(
            Answer::from_query(&reply(Some(c)), parse),
            Answer::Pending { deadline: None },
            "{c}"
        );
    }
}

#[test]
fn a_refund_entry_beside_the_paid_code_is_a_refund() {
    // The API text's example: prc stays 250, refund_order has a 230 entry.
    let mut r = reply(Some("250"));
    r.refund_order = Some(vec![RefundOrderInfo {
        prc: Some(StatusCode::Refunded),
        ..Default::default()
    }]);
    assert_eq!(Answer::from_query(&r, parse), Answer::Refunded);
}

#[test]
fn a_cancel_entry_is_a_cancellation() {
    let mut r = reply(None);
    r.cancel_order = Some(vec![CancelOrderInfo {
        prc: Some(StatusCode::Cancelled),
        ..Default::default()
    }]);
    assert_eq!(Answer::from_query(&r, parse), Answer::Cancelled);
}

#[test]
fn paid_pays_an_open_or_expired_order_and_consumes_held_vouchers() {
    for from in [Created, Pending, Expired] {
        let d = on_answer(&snap(from, Holds::Held), Answer::Paid, NOW, &cfg());
        assert_eq!((d.to, d.holds), (Paid, HoldEffect::Consume), "{from:?}");
    }
}

#[test]
fn paid_after_release_takes_the_vouchers_back_or_goes_to_review() {
    for from in [Expired, Failed] {
        let d = on_answer(&snap(from, Holds::Released), Answer::Paid, NOW, &cfg());
        assert_eq!((d.to, d.holds), (Paid, HoldEffect::Reacquire));
        assert_eq!(
            d.on_conflict(),
            (NeedsReview, Some(ReviewReason::VoucherConflict))
        );
    }
}

#[test]
fn paid_stays_paid_whatever_comes_next() {
    let answers = [
        Answer::NotPaid,
        Answer::Pending { deadline: None },
        Answer::Pending {
            deadline: Some(NOW - 99_999),
        },
        Answer::Failed,
        Answer::Expired,
        Answer::Unknown,
        Answer::Paid,
    ];
    for a in answers {
        for now in [NOW, NOW + 10 * 86_400] {
            let d = on_answer(&snap(Paid, Holds::Consumed), a, now, &cfg());
            assert_eq!(d.to, Paid, "{a:?}");
            assert_eq!(d.holds, HoldEffect::Keep);
        }
    }
}

#[test]
fn not_paid_expires_only_after_the_deadline_and_keeps_the_vouchers() {
    let s = snap(Pending, Holds::Held);
    assert_eq!(on_answer(&s, Answer::NotPaid, NOW, &cfg()).to, Pending);
    let d = on_answer(&s, Answer::NotPaid, s.expires_at, &cfg());
    assert_eq!((d.to, d.holds), (Expired, HoldEffect::Keep));
}

#[test]
fn vouchers_of_an_expired_order_come_back_after_the_hold_when_mypay_still_says_unpaid() {
    let s = snap(Expired, Holds::Held);
    let c = cfg();
    let before = on_answer(
        &s,
        Answer::NotPaid,
        s.expires_at + c.voucher_hold_secs - 1,
        &c,
    );
    assert_eq!(before.holds, HoldEffect::Keep);
    let after = on_answer(&s, Answer::NotPaid, s.expires_at + c.voucher_hold_secs, &c);
    assert_eq!((after.to, after.holds), (Expired, HoldEffect::Release));
}

#[test]
fn final_failures_release_at_once() {
    for (a, to) in [
        (Answer::Failed, Failed),
        (Answer::Cancelled, Failed),
        (Answer::Expired, Expired),
    ] {
        for from in [Created, Pending, Expired] {
            let d = on_answer(&snap(from, Holds::Held), a, NOW, &cfg());
            assert_eq!((d.to, d.holds), (to, HoldEffect::Release), "{a:?} {from:?}");
        }
    }
}

#[test]
fn a_store_code_waits_for_its_limit_from_the_query() {
    let d = on_answer(
        &snap(Pending, Holds::Held),
        Answer::Pending {
            deadline: Some(NOW + 86_400),
        },
        NOW,
        &cfg(),
    );
    assert_eq!(d.to, Pending);
    assert_eq!(d.wait, Some((Wait::Limit, NOW + 86_400 + LIMIT_GRACE_SECS)));
    assert_eq!(d.holds, HoldEffect::Keep);
}

#[test]
fn waiting_codes_without_a_deadline_never_expire_and_go_to_review_after_the_limit() {
    let c = cfg();
    let d = on_answer(
        &snap(Pending, Holds::Held),
        Answer::Pending { deadline: None },
        NOW,
        &c,
    );
    assert_eq!(d.wait, Some((Wait::Open, NOW + c.pending_review_secs)));
    let mut s = snap(Pending, Holds::Held);
    s.wait = Wait::Open;
    s.expires_at = NOW + c.pending_review_secs;
    // Much later, MYPAY still answers 245: review, vouchers kept.
    let d = on_answer(&s, Answer::Pending { deadline: None }, s.expires_at, &c);
    assert_eq!(
        (d.to, d.review, d.holds),
        (
            NeedsReview,
            Some(ReviewReason::PendingTooLong),
            HoldEffect::Keep
        )
    );
    // The not-paid answer never expires an open wait before its deadline.
    assert_eq!(on_answer(&s, Answer::NotPaid, NOW + 86_400, &c).to, Pending);
    // In review for waiting too long, MYPAY's payment still applies.
    let mut r = s;
    r.status = NeedsReview;
    r.review = Some(ReviewReason::PendingTooLong);
    let d = on_answer(&r, Answer::Paid, NOW, &c);
    assert_eq!((d.to, d.review, d.holds), (Paid, None, HoldEffect::Consume));
}

#[test]
fn a_pending_answer_reopens_an_expired_order_that_still_holds_its_vouchers() {
    let d = on_answer(
        &snap(Expired, Holds::Held),
        Answer::Pending {
            deadline: Some(NOW + 86_400),
        },
        NOW,
        &cfg(),
    );
    assert_eq!(d.to, Pending);
    let d = on_answer(
        &snap(Expired, Holds::Released),
        Answer::Pending {
            deadline: Some(NOW + 86_400),
        },
        NOW,
        &cfg(),
    );
    assert_eq!(d.to, Expired);
    assert!(!d.changes_anything());
}

#[test]
fn paid_mismatch_goes_to_review_with_its_reason() {
    for from in [Pending, Expired, Paid] {
        let holds = if from == Paid {
            Holds::Consumed
        } else {
            Holds::Held
        };
        let d = on_answer(&snap(from, holds), Answer::PaidMismatch, NOW, &cfg());
        assert_eq!(
            (d.to, d.review),
            (NeedsReview, Some(ReviewReason::PaidMismatch))
        );
    }
}

#[test]
fn refunded_only_on_mypays_word() {
    let s = snap(Paid, Holds::Consumed);
    let d = on_answer(&s, Answer::Refunded, NOW, &cfg());
    assert_eq!((d.to, d.holds), (Refunded, HoldEffect::Refund));
    assert_eq!(on_refund(&s, RefundOutcomeReply::Instant).to, Refunded);
    let accepted = on_refund(&s, RefundOutcomeReply::Accepted);
    assert_eq!(
        (accepted.to, accepted.refund),
        (RefundPending, RefundChange::Set(RefundState::Requested))
    );
    let refused = on_refund(&s, RefundOutcomeReply::Refused);
    assert_eq!((refused.to, refused.holds), (Paid, HoldEffect::Keep));
}

#[test]
fn a_refund_pending_order_waits_for_the_query() {
    let mut s = snap(RefundPending, Holds::Consumed);
    s.refund = Some(RefundState::Requested);
    s.refund_since = Some(NOW);
    for a in [Answer::Paid, Answer::NotPaid, Answer::Unknown] {
        assert_eq!(
            on_answer(&s, a, NOW + 30 * 86_400, &cfg()).to,
            RefundPending
        );
    }
    assert_eq!(on_answer(&s, Answer::Refunded, NOW, &cfg()).to, Refunded);
}

#[test]
fn an_unanswered_refund_waits_for_the_query_then_goes_to_review() {
    let c = cfg();
    let mut s = snap(RefundPending, Holds::Consumed);
    s.refund = Some(RefundState::Unanswered);
    s.refund_since = Some(NOW);
    // MYPAY's query lists only finished refunds: no entry is no proof.
    assert_eq!(
        on_answer(&s, Answer::Paid, NOW + 86_400, &c).to,
        RefundPending
    );
    let d = on_answer(&s, Answer::Paid, NOW + c.pending_review_secs, &c);
    assert_eq!(
        (d.to, d.review, d.refund),
        (
            NeedsReview,
            Some(ReviewReason::RefundUnconfirmed),
            RefundChange::Clear
        )
    );
    // In review, the refund may be asked for again, and MYPAY's word applies.
    let mut r = s;
    r.status = NeedsReview;
    r.review = Some(ReviewReason::RefundUnconfirmed);
    r.refund = None;
    assert_eq!(may_refund(&r, Some(&Pfn::CreditCard), false), Ok(()));
    assert_eq!(on_answer(&r, Answer::Refunded, NOW, &c).to, Refunded);
    assert!(next_check(&r, NOW, &c).is_some());
}

#[test]
fn a_refund_reply_after_the_query_showed_the_refund_changes_nothing() {
    let mut s = snap(Refunded, Holds::Consumed);
    s.refund = Some(RefundState::Done);
    for o in [
        RefundOutcomeReply::Instant,
        RefundOutcomeReply::Accepted,
        RefundOutcomeReply::Refused,
        RefundOutcomeReply::Unanswered,
    ] {
        assert!(!on_refund(&s, o).changes_anything(), "{o:?}");
    }
}

#[test]
fn paid_orders_are_followed_for_refunds_made_in_mypays_panel() {
    let c = cfg();
    let p = snap(Paid, Holds::Consumed);
    assert_eq!(next_check(&p, NOW, &c), Some(NOW + 86_400));
    assert_eq!(next_check(&p, p.expires_at + FOLLOW_UP_SECS, &c), None);
}

#[test]
fn api_refunds_only_for_instant_methods() {
    let s = snap(Paid, Holds::Consumed);
    assert_eq!(may_refund(&s, Some(&Pfn::CreditCard), false), Ok(()));
    for p in [Pfn::CStoreCode, Pfn::ECollection, Pfn::WebAtm, Pfn::Barcode] {
        assert_eq!(
            may_refund(&s, Some(&p), false),
            Err(RefundRefusal::NotSupported)
        );
        assert_eq!(may_refund(&s, Some(&p), true), Ok(()));
    }
    assert_eq!(
        may_refund(&s, None, false),
        Err(RefundRefusal::NotSupported)
    );
    assert_eq!(
        may_refund(&snap(Pending, Holds::Held), Some(&Pfn::CreditCard), false),
        Err(RefundRefusal::NotRefundable)
    );
    let mut r = s;
    r.status = RefundPending;
    assert_eq!(
        may_refund(&r, Some(&Pfn::CreditCard), false),
        Err(RefundRefusal::AlreadyRefunded)
    );
}

#[test]
fn the_instant_refund_list_is_the_texts() {
    let instant: Vec<&str> = Pfn::ALL
        .iter()
        .filter(|p| p.refunds_instantly())
        .map(|p| p.code())
        .collect();
    assert_eq!(
        instant,
        [
            "CREDITCARD",
            "ALIPAY",
            "WECHAT",
            "LINEPAYON",
            "LINEPAYOFF",
            "WECHATOFF",
            "APPLEPAY",
            "GOOGLEPAY",
            "PION",
            "PIOFF",
            "AMEX",
            "JKOON",
            "JKOOFF",
            "ALIPAYOFF",
            "CASH",
            "EASYWALLETON",
            "EASYWALLETOFF"
        ]
    );
}

#[test]
fn refund_replies_are_read_as_the_text_defines() {
    let mut r = RefundReply {
        code: StatusCode::Executed,
        ..Default::default()
    };
    assert_eq!(
        RefundOutcomeReply::from_reply(&r),
        RefundOutcomeReply::Accepted
    );
    r.row_data = Some(RefundRowData {
        prc: Some(StatusCode::Refunded),
        refund_type: Some(mypay_link::codes::RefundType::Online),
        ..Default::default()
    });
    assert_eq!(
        RefundOutcomeReply::from_reply(&r),
        RefundOutcomeReply::Instant
    );
    for t in [
        mypay_link::codes::RefundType::ManualCard,
        mypay_link::codes::RefundType::ManualCash,
    ] {
        if let Some(row) = r.row_data.as_mut() {
            row.refund_type = Some(t);
        }
        assert_eq!(
            RefundOutcomeReply::from_reply(&r),
            RefundOutcomeReply::Accepted
        );
    }
    r.code = StatusCode::ExecutionFailed;
    assert_eq!(
        RefundOutcomeReply::from_reply(&r),
        RefundOutcomeReply::Refused
    );
}

#[test]
fn the_cron_follows_what_mypay_may_still_change() {
    let c = cfg();
    assert_eq!(next_check(&snap(Failed, Holds::Released), NOW, &c), None);
    assert_eq!(next_check(&snap(Refunded, Holds::Consumed), NOW, &c), None);
    let p = snap(Pending, Holds::Held);
    assert_eq!(next_check(&p, NOW, &c), Some(p.expires_at));
    let e = snap(Expired, Holds::Held);
    assert!(next_check(&e, NOW, &c).is_some());
    let mut r = snap(RefundPending, Holds::Consumed);
    r.refund = Some(RefundState::Requested);
    assert!(next_check(&r, NOW, &c).is_some());
}

#[test]
fn refunded_vouchers_follow_refund_return_type() {
    assert_eq!(refund_outcome(Some("2")), RefundOutcome::ReturnedToShopper);
    assert_eq!(refund_outcome(Some("3")), RefundOutcome::ValueToAgent);
    assert_eq!(refund_outcome(Some("1")), RefundOutcome::StaysUsed);
    assert_eq!(refund_outcome(None), RefundOutcome::StaysUsed);
}

#[test]
fn the_schema_accepts_every_state_the_lifecycle_writes() {
    // D1 refuses a value its CHECK does not list: every name written must be
    // in the migration that defines the column.
    let schema = include_str!("../../migrations/0002_lifecycle.sql");
    let check = |column: &str| -> String {
        let start = schema
            .find(&format!("{column} IN ("))
            .unwrap_or_else(|| panic!("no CHECK for {column}"));
        let rest = &schema[start..];
        rest[..rest.find(')').unwrap_or(rest.len())].to_owned()
    };
    let has = |column: &str, name: &str| check(column).contains(&format!("'{name}'"));
    for s in OrderStatus::ALL {
        assert!(has("status", s.as_str()), "status {}", s.as_str());
    }
    for r in ReviewReason::ALL {
        assert!(
            has("review_reason", r.as_str()),
            "review_reason {}",
            r.as_str()
        );
    }
    for h in [Holds::Held, Holds::Consumed, Holds::Released] {
        assert!(has("holds", h.as_str()), "holds {}", h.as_str());
    }
    for w in [Wait::Page, Wait::Limit, Wait::Open] {
        assert!(has("wait", w.as_str()), "wait {}", w.as_str());
    }
    for r in [
        RefundState::InProgress,
        RefundState::Requested,
        RefundState::Unanswered,
        RefundState::Done,
    ] {
        assert!(
            has("refund_state", r.as_str()),
            "refund_state {}",
            r.as_str()
        );
    }
}

fn refund_entry(cost: i64) -> RefundOrderInfo {
    RefundOrderInfo {
        prc: Some(StatusCode::Refunded),
        cost: Some(mypay_link::lenient::StrInt(cost)),
        ..Default::default()
    }
}

#[test]
fn refunds_in_parts_are_refunded_only_once_they_add_up() {
    let mut r = reply(Some("250"));
    r.transaction.cost = Some(mypay_link::lenient::StrInt(980));
    r.refund_order = Some(vec![refund_entry(300)]);
    assert_eq!(Answer::from_query(&r, parse), Answer::Paid);
    assert_eq!(refunded_total(&r), Some(300));
    r.refund_order = Some(vec![refund_entry(300), refund_entry(680)]);
    assert_eq!(Answer::from_query(&r, parse), Answer::Refunded);
    assert_eq!(refunded_total(&r), Some(980));
    // An entry without an amount counts as the whole.
    r.refund_order = Some(vec![RefundOrderInfo {
        prc: Some(StatusCode::Refunded),
        ..Default::default()
    }]);
    assert_eq!(Answer::from_query(&r, parse), Answer::Refunded);
}

#[test]
fn a_partial_refund_gives_its_claim_back_and_keeps_the_status() {
    let mut s = snap(Paid, Holds::Consumed);
    s.refund = Some(RefundState::InProgress);
    for outcome in [
        RefundOutcomeReply::Instant,
        RefundOutcomeReply::Accepted,
        RefundOutcomeReply::Refused,
        RefundOutcomeReply::Unanswered,
    ] {
        let d = on_partial_refund(&s, outcome);
        assert_eq!(d.to, Paid);
        assert_eq!(d.holds, HoldEffect::Keep);
        assert_eq!(d.refund, RefundChange::Clear);
    }
    assert_eq!(
        on_partial_refund(&snap(Paid, Holds::Consumed), RefundOutcomeReply::Instant).refund,
        RefundChange::Keep
    );
}

#[test]
fn invoice_void_within_the_month_allowance_across_months_and_for_parts() {
    use InvoiceAction::*;
    let (a, choices, _) = invoice_action(true, true, true, Option::None).unwrap();
    assert_eq!((a, choices), (Void, vec![Void, Allowance]));
    assert_eq!(
        invoice_action(true, true, true, Some(Allowance)).unwrap().0,
        Allowance
    );
    let (a, choices, _) = invoice_action(true, false, true, Option::None).unwrap();
    assert_eq!((a, choices), (Allowance, vec![Allowance]));
    assert_eq!(
        invoice_action(true, false, true, Some(Void)),
        Err(InvoiceRefusal::VoidNotAllowed)
    );
    assert_eq!(
        invoice_action(true, true, false, Some(Void)),
        Err(InvoiceRefusal::VoidNotAllowed)
    );
    assert_eq!(
        invoice_action(true, true, false, Option::None).unwrap().0,
        Allowance
    );
    assert_eq!(
        invoice_action(false, true, true, Option::None).unwrap().0,
        InvoiceAction::None
    );
    assert_eq!(
        invoice_action(false, true, true, Some(Allowance)),
        Err(InvoiceRefusal::NotIssued)
    );
}
