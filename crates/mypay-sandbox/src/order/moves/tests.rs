//! The moves of an order, one by one: what each does from the states that
//! allow it, and that every other state refuses it (and is left as it was).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::super::seed::seed_request;
use super::*;
use crate::stamps::parse_stamp;
use mypay_link::lenient::Int;
use time::Duration;

const STORE: &str = "289151880002";
const CARD_OK: &str = "4938170130000003";
const CARD_FAIL: &str = "5204247750001471";
const CARD_UNKNOWN: &str = "4111111111111111";

/// Every state an order of the sandbox can be in.
const ALL: [&str; 14] = [
    "200", "220", "245", "247", "250", "260", "270", "280", "290", "300", "380", "600", "A0001",
    "A0002",
];

fn t0() -> OffsetDateTime {
    parse_stamp("20260301120000").unwrap()
}

fn secs(t: OffsetDateTime, s: i64) -> OffsetDateTime {
    t + Duration::seconds(s)
}

fn code(c: &str) -> StatusCode {
    StatusCode::from_code(c)
}

fn store_with_order() -> (Store, u64) {
    let mut s = Store::seeded(STORE);
    let (uid, _) = s.create(seed_request(STORE, "1", "1"), t0());
    (s, uid)
}

/// A new order put straight into `prc` (with a card payment for the
/// states that have one, a store code for 260/270/380).
fn order_in(s: &mut Store, prc: &str) -> u64 {
    let (uid, _) = s.create(seed_request(STORE, "1", "1"), t0());
    let o = s.orders.get_mut(&uid).unwrap();
    if prc != "200" {
        o.payment = Some(match prc {
            "260" | "380" | "290" => deferred_payment(&Pfn::CStoreCode, Some(3), t0()).unwrap(),
            "270" => deferred_payment(&Pfn::ECollection, Some(3), t0()).unwrap(),
            _ => card_payment(CARD_OK).unwrap().0,
        });
        set_state(o, code(prc), "test", t0());
    }
    uid
}

fn plan(pending: bool) -> RefundPlan {
    RefundPlan {
        cost: 900,
        voucher_paid: Vec::new(),
        invoice_state: "4".into(),
        refund_type: if pending { "2" } else { "1" }.into(),
        pending,
        expected_refund_date: if pending {
            "20260310".into()
        } else {
            String::new()
        },
        source: "api",
        items: Vec::new(),
    }
}

fn history(o: &OrderRecord) -> Vec<&str> {
    o.history.iter().map(|h| h.prc.code()).collect()
}

/// `f` refuses every state but `allowed` with InvalidState naming the
/// state, and leaves the order as it was.
fn refused_elsewhere(
    allowed: &[&str],
    f: impl Fn(&mut Store, u64) -> Result<OrderRecord, TransitionError>,
) {
    for from in ALL.iter().filter(|c| !allowed.contains(c)) {
        let mut s = Store::empty();
        let uid = order_in(&mut s, from);
        let before = s.orders[&uid].clone();
        match f(&mut s, uid) {
            Err(TransitionError::InvalidState { prc, .. }) => assert_eq!(prc.code(), *from),
            other => panic!("from {from}: {other:?}"),
        }
        assert_eq!(s.orders[&uid], before, "from {from}: unchanged");
    }
}

// ---- pay -------------------------------------------------------------

#[test]
fn a_test_card_pays_250_with_an_invoice() {
    let (mut s, uid) = store_with_order();
    let o = s
        .pay(uid, Payment::Card(CARD_OK.into()), secs(t0(), 5))
        .unwrap();
    assert_eq!(o.prc, StatusCode::Paid);
    assert_eq!(o.retmsg, "付款完成");
    assert_eq!(o.finishtime, "20260301120005");
    assert_eq!(history(&o), ["200", "250"]);
    let p = o.payment.as_ref().unwrap();
    assert_eq!(p.acode.len(), 6);
    assert_eq!(p.issuing_bank, "合作金庫");
    assert_eq!(o.invoice_number.len(), 8);
    assert!(o.ever_paid());
    assert_eq!(s.orders[&uid], o, "the store keeps what it answers");
}

#[test]
fn declined_cards_fail_300_without_an_invoice() {
    for (card, why) in [
        (CARD_FAIL, "test failure card"),
        (CARD_UNKNOWN, "not a test card"),
    ] {
        for payment in [
            Payment::Card(card.into()),
            Payment::CardAuthorize(card.into()),
        ] {
            let (mut s, uid) = store_with_order();
            let o = s.pay(uid, payment, t0()).unwrap();
            assert_eq!(o.prc, StatusCode::Failed, "{card}");
            assert!(o.retmsg.contains(why), "{}", o.retmsg);
            assert!(o.invoice_number.is_empty());
            assert!(o.payment.as_ref().unwrap().acode.is_empty());
        }
    }
}

#[test]
fn a_self_capture_card_is_only_authorised_245() {
    let (mut s, uid) = store_with_order();
    let o = s
        .pay(uid, Payment::CardAuthorize(CARD_OK.into()), t0())
        .unwrap();
    assert_eq!(o.prc, StatusCode::Authorized);
    assert_eq!(o.payment.as_ref().unwrap().acode.len(), 6);
    assert!(o.invoice_number.is_empty() && !o.ever_paid());
}

#[test]
fn methods_pay_at_once_wait_online_or_give_a_code() {
    let (mut s, uid) = store_with_order();
    let o = s.pay(uid, Payment::Instant("LINEPAYON"), t0()).unwrap();
    assert_eq!((o.prc.code(), o.pfn().as_str()), ("250", "LINEPAYON"));
    assert!(!o.invoice_number.is_empty());

    let (mut s, uid) = store_with_order();
    let o = s.pay(uid, Payment::Waiting("WEBATM"), t0()).unwrap();
    assert_eq!(o.prc, StatusCode::AwaitingOnlinePayment);
    assert!(o.invoice_number.is_empty());

    let (mut s, uid) = store_with_order();
    let o = s
        .pay(uid, Payment::Deferred(Pfn::CStoreCode), t0())
        .unwrap();
    assert_eq!(o.prc, StatusCode::AwaitingStorePayment);
    assert_eq!(o.retmsg, "取號成功,等待超商繳費");
    assert_eq!(
        o.payment.unwrap().expired_date,
        "20260308235959",
        "7 days by default"
    );

    let (mut s, uid) = store_with_order();
    let o = s
        .pay(uid, Payment::Deferred(Pfn::ECollection), t0())
        .unwrap();
    assert_eq!(o.prc, StatusCode::AwaitingTransfer);
    assert_eq!(o.payment.unwrap().bank_id, "822");
}

#[test]
fn bad_payments_leave_the_order_unpaid() {
    for payment in [
        Payment::Card("12".into()),
        Payment::CardAuthorize("4938x".into()),
        Payment::Deferred(Pfn::WebAtm),
    ] {
        let (mut s, uid) = store_with_order();
        let before = s.orders[&uid].clone();
        let r = s.pay(uid, payment.clone(), t0());
        assert!(
            matches!(r, Err(TransitionError::BadInput(_))),
            "{payment:?}"
        );
        assert_eq!(s.orders[&uid], before);
    }
}

#[test]
fn only_an_unpaid_order_is_paid() {
    refused_elsewhere(&["200"], |s, uid| {
        s.pay(uid, Payment::Card(CARD_OK.into()), t0())
    });
    let mut s = Store::empty();
    assert_eq!(
        s.pay(1, Payment::Instant("CASH"), t0()),
        Err(TransitionError::NotFound)
    );
}

// ---- lose_answer (A0001) --------------------------------------------

#[test]
fn a_lost_answer_is_a0001_with_the_attempt_recorded() {
    let (mut s, uid) = store_with_order();
    let o = s
        .lose_answer(uid, Some(LostAttempt::Card(CARD_OK.into())), t0())
        .unwrap();
    assert_eq!(o.prc, StatusCode::PendingConfirmation);
    let p = o.payment.as_ref().unwrap();
    assert_eq!(
        (p.cardno.as_str(), p.acode.as_str()),
        ("493817******0003", "")
    );
    assert!(!o.ever_paid() && o.invoice_number.is_empty());

    let (mut s, uid) = store_with_order();
    let o = s.settle(uid, &code("A0001"), t0()).unwrap();
    assert_eq!(o.prc, StatusCode::PendingConfirmation);
    assert_eq!(o.payment.unwrap().pfn, "CREDITCARD");
}

#[test]
fn a_lost_answer_needs_an_unpaid_order() {
    refused_elsewhere(&["200"], |s, uid| s.lose_answer(uid, None, t0()));
    // A bad card is refused whatever the state.
    let mut s = Store::empty();
    let uid = order_in(&mut s, "250");
    assert!(matches!(
        s.lose_answer(uid, Some(LostAttempt::Card("1".into())), t0()),
        Err(TransitionError::BadInput(_))
    ));
}

// ---- settle ------------------------------------------------------------

#[test]
fn settle_moves_exactly_as_the_table_allows() {
    let table: [(&str, &[&str]); 6] = [
        ("250", &["260", "270", "245", "247", "280", "A0001"]),
        ("380", &["260", "270"]),
        ("290", &["260", "270", "380"]),
        ("600", &["250", "A0001"]),
        ("247", &["245"]),
        ("300", &["245", "247", "280", "A0001"]),
    ];
    for (to, allowed) in table {
        for from in allowed {
            let mut s = Store::empty();
            let uid = order_in(&mut s, from);
            let o = s.settle(uid, &code(to), secs(t0(), 60)).unwrap();
            assert_eq!(o.prc.code(), to, "{from} → {to}");
            assert_eq!(history(&o).last().copied(), Some(to));
            assert_eq!(o.finishtime, "20260301120100");
        }
        refused_elsewhere(allowed, |s, uid| s.settle(uid, &code(to), t0()));
    }
}

#[test]
fn settle_takes_only_its_codes() {
    for bad in ["220", "230", "200", "260", "A0002", "nope"] {
        let mut s = Store::empty();
        let uid = order_in(&mut s, "260");
        assert!(
            matches!(
                s.settle(uid, &code(bad), t0()),
                Err(TransitionError::BadInput(m)) if m == status::SETTLE_CODES
            ),
            "{bad}"
        );
    }
    let mut s = Store::empty();
    assert_eq!(
        s.settle(1, &StatusCode::Paid, t0()),
        Err(TransitionError::NotFound)
    );
}

#[test]
fn what_each_settle_does_to_the_invoice_and_the_card() {
    // Paid or mismatched: an invoice. Expired, failed, capturing: none.
    for (from, to, invoiced) in [
        ("260", "250", true),
        ("260", "290", true),
        ("380", "290", true),
        ("A0001", "600", true),
        ("260", "380", false),
        ("245", "247", false),
        ("280", "300", false),
    ] {
        let mut s = Store::empty();
        let uid = order_in(&mut s, from);
        let o = s.settle(uid, &code(to), t0()).unwrap();
        assert_eq!(!o.invoice_number.is_empty(), invoiced, "{from} → {to}");
    }
    // A card waiting for confirmation gets its authorisation code when
    // found paid.
    for to in ["250", "600"] {
        let (mut s, uid) = store_with_order();
        s.lose_answer(uid, Some(LostAttempt::Card(CARD_OK.into())), t0())
            .unwrap();
        let o = s.settle(uid, &code(to), t0()).unwrap();
        assert_eq!(o.payment.unwrap().acode.len(), 6, "{to}");
    }
    // …but not when it failed.
    let (mut s, uid) = store_with_order();
    s.lose_answer(uid, Some(LostAttempt::Card(CARD_OK.into())), t0())
        .unwrap();
    let o = s.settle(uid, &StatusCode::Failed, t0()).unwrap();
    assert_eq!(o.payment.unwrap().acode, "");
}

#[test]
fn a_failure_says_what_failed() {
    for (from, why) in [
        ("245", "請款失敗"),
        ("247", "請款失敗"),
        ("280", "消費者付款失敗"),
        ("A0001", "金流服務商回傳交易失敗"),
    ] {
        let mut s = Store::empty();
        let uid = order_in(&mut s, from);
        let o = s.settle(uid, &StatusCode::Failed, t0()).unwrap();
        assert!(o.retmsg.contains(why), "{from}: {}", o.retmsg);
    }
}

// ---- abandon, cancel ---------------------------------------------------

#[test]
fn the_shopper_abandons_an_unpaid_order() {
    let (mut s, uid) = store_with_order();
    let o = s.abandon(uid, t0()).unwrap();
    assert_eq!(o.prc, StatusCode::Abandoned);
    assert!(!o.page_expired, "given up, not expired");
    refused_elsewhere(&["200"], |s, uid| s.abandon(uid, t0()));
}

#[test]
fn the_store_cancels_200_260_and_270_only() {
    for from in ["200", "260", "270"] {
        let mut s = Store::empty();
        let uid = order_in(&mut s, from);
        let o = s.cancel(uid, secs(t0(), 1)).unwrap();
        assert_eq!(o.prc, StatusCode::Cancelled, "{from}");
        let c = o.cancel.as_ref().unwrap();
        assert!(c.cancel_uid > uid);
        assert_eq!((c.cost, c.finishtime.as_str()), (900, "20260301120001"));
    }
    refused_elsewhere(&["200", "260", "270"], |s, uid| s.cancel(uid, t0()));
}

#[test]
fn cancel_only_unpaid_orders() {
    let (mut s, uid) = store_with_order();
    let o = s.cancel(uid, t0()).unwrap();
    assert_eq!(o.prc.code(), "220");
    assert!(o.cancel.as_ref().unwrap().cancel_uid > uid);
    assert!(s.cancel(uid, t0()).is_err());
    assert!(s.cancel(95217, t0()).is_err());
    assert!(s.pay(uid, Payment::Instant("CASH"), t0()).is_err());
}

// ---- refunds -------------------------------------------------------------

#[test]
fn only_paid_orders_are_refunded() {
    for from in ["250", "600"] {
        let mut s = Store::empty();
        let uid = order_in(&mut s, from);
        let (o, rf) = s.refund(uid, plan(false), secs(t0(), 5)).unwrap();
        assert_eq!(o.prc.code(), from, "a refund keeps the order's prc");
        assert_eq!(rf.state, RefundState::Done);
        assert_eq!(rf.finishtime, "20260301120005");
        assert!(rf.refund_uid > uid);
    }
    refused_elsewhere(&["250", "600"], |s, uid| {
        s.refund(uid, plan(false), t0()).map(|(o, _)| o)
    });
}

#[test]
fn a_voucher_mode_order_is_refunded_once() {
    let mut s = Store::empty();
    let uid = order_in(&mut s, "250");
    let (_, rf) = s.refund(uid, plan(true), t0()).unwrap();
    assert_eq!(rf.state, RefundState::Pending);
    assert_eq!(rf.finishtime, "");
    assert!(matches!(
        s.refund(uid, plan(false), t0()),
        Err(TransitionError::InvalidState { wanted, .. }) if wanted.contains("not refunded in full")
    ));
}

#[test]
fn without_vouchers_refunds_add_up_to_the_cost() {
    let mut s = Store::empty();
    let uid = order_in(&mut s, "250");
    let o = s.orders.get_mut(&uid).unwrap();
    o.request.voucher_type = None;
    o.request.voucher_paid = None;
    o.request.voucher_free = None;
    let part = |cost| RefundPlan {
        cost,
        ..plan(false)
    };
    s.refund(uid, part(400), t0()).unwrap();
    let (o, _) = s.refund(uid, part(500), t0()).unwrap();
    assert!(o.fully_refunded());
    assert!(s.refund(uid, part(1), t0()).is_err());
}

#[test]
fn invoice_state_is_void_4_or_allowance_6() {
    for (asked, kept) in [("4", "4"), ("6", "6"), ("5", "6")] {
        let mut s = Store::empty();
        let uid = order_in(&mut s, "250");
        let p = RefundPlan {
            invoice_state: asked.into(),
            ..plan(false)
        };
        assert_eq!(s.refund(uid, p, t0()).unwrap().1.invoice_state, kept);
    }
}

#[test]
fn pending_refunds_complete_by_hand() {
    let mut s = Store::empty();
    let uid = order_in(&mut s, "250");
    assert!(matches!(
        s.complete_refunds(uid, None, t0()),
        Err(TransitionError::InvalidState {
            wanted: "a pending refund",
            ..
        })
    ));
    let (_, rf) = s.refund(uid, plan(true), t0()).unwrap();
    assert!(s
        .complete_refunds(uid, Some(rf.refund_uid + 1), t0())
        .is_err());
    let (o, done) = s
        .complete_refunds(uid, Some(rf.refund_uid), secs(t0(), 9))
        .unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].finishtime, "20260301120009");
    assert_eq!(o.refunds[0].state, RefundState::Done);
    assert!(s.complete_refunds(uid, None, t0()).is_err(), "none left");
    assert_eq!(
        s.complete_refunds(1, None, t0()),
        Err(TransitionError::NotFound)
    );
}

// ---- time (sweep) ---------------------------------------------------------

#[test]
fn an_unpaid_page_expires_to_a0002_at_its_deadline() {
    let (mut s, uid) = store_with_order();
    assert!(s.sweep(secs(t0(), 59), 60).is_empty());
    let reports = s.sweep(secs(t0(), 61), 60);
    assert_eq!(reports.len(), 1);
    let o = &s.orders[&uid];
    assert_eq!(o.prc.code(), "A0002");
    assert!(o.page_expired);
    assert_eq!(o.finishtime, "20260301120100", "as of the deadline");
    assert!(s.sweep(secs(t0(), 120), 60).is_empty(), "once");
    let e = s.pay(uid, Payment::Instant("CASH"), secs(t0(), 120));
    assert!(matches!(e, Err(TransitionError::PageExpired { .. })));
    // Seeds and paid orders are left alone.
    assert_eq!(s.orders[&95217].prc.code(), "250");
}

#[test]
fn an_expired_page_refuses_every_payment_move() {
    let (mut s, uid) = store_with_order();
    s.sweep(secs(t0(), 61), 60);
    let expired = |r: Result<OrderRecord, TransitionError>| matches!(r, Err(TransitionError::PageExpired { prc }) if prc == StatusCode::Abandoned);
    assert!(expired(s.pay(uid, Payment::Card(CARD_OK.into()), t0())));
    assert!(expired(s.lose_answer(uid, None, t0())));
    assert!(expired(s.abandon(uid, t0())));
    assert!(s.cancel(uid, t0()).is_err());
}

#[test]
fn a_store_code_expires_to_380_after_its_limit_date() {
    let (mut s, uid) = store_with_order();
    s.orders.get_mut(&uid).unwrap().request.limit_pay_days = Some(Int(1));
    let o = s
        .pay(uid, Payment::Deferred(Pfn::CStoreCode), t0())
        .unwrap();
    assert_eq!(o.prc.code(), "260");
    assert_eq!(o.payment.unwrap().expired_date, "20260302235959");
    assert!(s
        .sweep(parse_stamp("20260302235959").unwrap(), 60)
        .is_empty());
    let reports = s.sweep(parse_stamp("20260303000000").unwrap(), 60);
    assert_eq!(reports.len(), 1);
    assert_eq!(s.orders[&uid].prc.code(), "380");
    assert_eq!(s.orders[&uid].finishtime, "20260303000000");
}

#[test]
fn refunds_keep_the_order_paid_and_complete_on_their_date() {
    let (mut s, uid) = store_with_order();
    assert!(matches!(
        s.refund(uid, plan(false), t0()),
        Err(TransitionError::InvalidState { .. })
    ));
    s.pay(uid, Payment::Card(CARD_OK.into()), t0()).unwrap();
    let (o, rf) = s.refund(uid, plan(true), secs(t0(), 5)).unwrap();
    assert_eq!(o.prc.code(), "250");
    assert_eq!(o.finishtime, "20260301120000");
    assert_eq!(rf.state, RefundState::Pending);
    assert!(
        o.fully_refunded(),
        "voucher mode: any refund is the full one"
    );
    assert!(s.refund(uid, plan(false), secs(t0(), 6)).is_err());
    assert!(s
        .sweep(parse_stamp("20260309235959").unwrap(), 60)
        .is_empty());
    let reports = s.sweep(parse_stamp("20260310000000").unwrap(), 60);
    assert!(matches!(&reports[..], [Report::Refund(_, r)] if r.state == RefundState::Done));
    assert_eq!(s.orders[&uid].refunds[0].finishtime, "20260310000000");
    assert!(s.complete_refunds(uid, None, t0()).is_err(), "none pending");
}

#[test]
fn waiting_states_move_on_and_never_expire() {
    let mut s = Store::seeded(STORE);
    let mut order = || s.create(seed_request(STORE, "1", "1"), t0()).0;
    let (a, b, c, d) = (order(), order(), order(), order());
    let o = s
        .pay(a, Payment::CardAuthorize(CARD_OK.into()), t0())
        .unwrap();
    assert_eq!(o.prc.code(), "245");
    assert!(o.invoice_number.is_empty() && !o.ever_paid());
    s.pay(b, Payment::Waiting("WEBATM"), t0()).unwrap();
    s.lose_answer(c, Some(LostAttempt::Card(CARD_OK.into())), t0())
        .unwrap();
    assert_eq!(s.orders[&c].payment.as_ref().unwrap().acode, "");
    assert!(s.settle(d, &code("247"), t0()).is_err());
    assert!(s.settle(d, &code("245"), t0()).is_err());
    // Only the unpaid order d is abandoned; none has a LimitDate.
    let reports = s.sweep(secs(t0(), 400 * 86_400), 60);
    assert_eq!(reports.len(), 1);
    assert_eq!(s.orders[&d].prc.code(), "A0002");
    for (uid, prc) in [(a, "245"), (b, "280"), (c, "A0001")] {
        assert_eq!(s.orders[&uid].prc.code(), prc);
        assert_eq!(s.orders[&uid].payment.as_ref().unwrap().expired_date, "");
    }
    assert!(matches!(
        s.lose_answer(d, None, t0()),
        Err(TransitionError::PageExpired { .. })
    ));
    assert_eq!(s.settle(a, &code("247"), t0()).unwrap().prc.code(), "247");
    assert!(s.settle(a, &code("600"), t0()).is_err());
    let o = s.settle(a, &code("250"), t0()).unwrap();
    assert!(!o.invoice_number.is_empty() && o.ever_paid());
    assert_eq!(s.settle(b, &code("300"), t0()).unwrap().prc.code(), "300");
    let o = s.settle(c, &code("600"), t0()).unwrap();
    assert_eq!(o.payment.as_ref().unwrap().acode.len(), 6);
    assert!(!o.invoice_number.is_empty());
    assert!(matches!(
        s.settle(c, &code("nope"), t0()),
        Err(TransitionError::BadInput(_))
    ));
}

#[test]
fn sweep_reports_each_change_once_in_store_order() {
    let mut s = Store::seeded(STORE);
    let page = s.create(seed_request(STORE, "1", "1"), t0()).0;
    let code_order = order_in(&mut s, "260");
    let refunded = order_in(&mut s, "250");
    s.refund(refunded, plan(true), t0()).unwrap();
    let later = parse_stamp("20260401000000").unwrap();
    let reports = s.sweep(later, 60);
    let seen: Vec<(u64, &str)> = reports
        .iter()
        .map(|r| match r {
            Report::State(o) => (o.uid, o.prc.code()),
            Report::Refund(o, _) => (o.uid, "230"),
        })
        .collect();
    assert_eq!(
        seen,
        [(page, "A0002"), (code_order, "380"), (refunded, "230")]
    );
    assert!(s.sweep(later, 60).is_empty());
}
