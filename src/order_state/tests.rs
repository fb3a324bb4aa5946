//! Tests of `order_state`.

use super::*;
use OrderStatus::*;

fn code(c: &str) -> OrderEvent {
    OrderEvent::Status(StatusCode::from_code(c))
}

#[test]
fn created_order_becomes_pending_when_mypay_accepts_it() {
    let t = apply(Created, &OrderEvent::Created);
    assert_eq!((t.to, t.holds), (Pending, HoldEffect::Keep));
    assert!(!apply(Pending, &OrderEvent::Created).changed());
}

#[test]
fn paid_codes_pay_an_open_order_and_consume_vouchers() {
    for c in ["250", "600"] {
        for from in [Created, Pending] {
            let t = apply(from, &code(c));
            assert_eq!(
                (t.to, t.holds),
                (Paid, HoldEffect::Consume),
                "{c} from {from:?}"
            );
        }
    }
}

#[test]
fn a_duplicate_report_is_a_no_op() {
    let t = apply(Paid, &code("250"));
    assert!(!t.changed());
    assert_eq!(t.holds, HoldEffect::Keep);
    assert!(!apply(Failed, &code("300")).changed());
    assert!(!apply(Pending, &code("260")).changed());
}

#[test]
fn a_late_pending_code_never_downgrades_a_final_state() {
    for from in [Paid, Failed, Expired, Refunded, NeedsReview] {
        for c in ["260", "270", "280", "245", "A0001"] {
            let t = apply(from, &code(c));
            assert!(!t.changed(), "{c} moved {from:?}");
            assert_eq!(t.holds, HoldEffect::Keep);
        }
    }
}

#[test]
fn store_code_pending_then_paid_or_expired() {
    let t = apply(Created, &code("260"));
    assert_eq!(t.to, Pending);
    assert_eq!(apply(Pending, &code("250")).to, Paid);
    let t = apply(Pending, &code("380"));
    assert_eq!((t.to, t.holds), (Expired, HoldEffect::Release));
}

#[test]
fn code_290_goes_to_needs_review() {
    for from in [Created, Pending, Paid, Failed, Expired] {
        let t = apply(from, &code("290"));
        assert_eq!(t.to, NeedsReview, "{from:?}");
        assert_eq!(t.holds, HoldEffect::Keep);
    }
}

#[test]
fn a_late_290_after_380_is_kept_for_review() {
    // Appendix 2, 380: 若經MYPAY LINK查詢驗證後,有機會在變更狀態 290.
    for pending in ["260", "270"] {
        let t = apply(Created, &code(pending));
        let t = apply(t.to, &code("380"));
        assert_eq!((t.to, t.holds), (Expired, HoldEffect::Release));
        let t = apply(t.to, &code("290"));
        assert_eq!((t.from, t.to), (Expired, NeedsReview), "{pending}");
        // The vouchers were released already: nothing more to do.
        assert_eq!(t.holds, HoldEffect::Keep);
        // And again: a duplicate 290 is a no-op.
        assert!(!apply(t.to, &code("290")).changed());
    }
    let t = apply(Failed, &code("290"));
    assert_eq!((t.to, t.holds), (NeedsReview, HoldEffect::Keep));
}

#[test]
fn nothing_else_moves_an_expired_or_failed_order_back() {
    for from in [Expired, Failed] {
        for c in [
            "200", "220", "230", "245", "247", "260", "265", "270", "275", "280", "282", "284",
            "300", "380", "400", "A0001", "A0002", "B200", "B500",
        ] {
            let t = apply(from, &code(c));
            assert!(!t.changed(), "{c} moved {from:?}");
            assert_eq!(t.holds, HoldEffect::Keep);
        }
        for e in [
            OrderEvent::Created,
            OrderEvent::CreateFailed,
            OrderEvent::Expire,
            OrderEvent::Refunded,
        ] {
            assert!(!apply(from, &e).changed(), "{e:?} moved {from:?}");
        }
    }
}

#[test]
fn settled_600_after_paid_stays_paid() {
    let t = apply(Pending, &code("250"));
    assert_eq!(t.to, Paid);
    let t = apply(Paid, &code("600"));
    assert!(!t.changed());
    assert_eq!((t.to, t.holds), (Paid, HoldEffect::Keep));
    // Nor does a late 600 undo a refund or a review.
    for from in [Refunded, NeedsReview] {
        assert!(!apply(from, &code("600")).changed(), "{from:?}");
    }
    // A refunded order never goes to review, even on a late 290.
    assert!(!apply(Refunded, &code("290")).changed());
}

#[test]
fn failure_releases_vouchers_but_never_undoes_a_payment() {
    for c in ["300", "A0002"] {
        let t = apply(Pending, &code(c));
        assert_eq!((t.to, t.holds), (Failed, HoldEffect::Release));
        assert!(!apply(Paid, &code(c)).changed());
    }
}

#[test]
fn money_after_expiry_needs_a_person() {
    let t = apply(Expired, &code("250"));
    assert_eq!((t.to, t.holds), (NeedsReview, HoldEffect::Keep));
}

#[test]
fn refund_and_cancel() {
    let t = apply(Paid, &code("230"));
    assert_eq!((t.to, t.holds), (Refunded, HoldEffect::Refund));
    assert!(!apply(Refunded, &code("230")).changed());
    assert!(!apply(Pending, &code("230")).changed());
    assert_eq!(apply(Paid, &OrderEvent::Refunded).to, Refunded);
    assert!(!apply(Refunded, &OrderEvent::Refunded).changed());
    assert!(!apply(Pending, &OrderEvent::Refunded).changed());
    assert_eq!(apply(Pending, &code("220")).to, Failed);
    assert_eq!(apply(Paid, &code("220")).to, Refunded);
}

#[test]
fn expiry_and_create_failure_release_open_orders_only() {
    for from in [Created, Pending] {
        assert_eq!(apply(from, &OrderEvent::Expire).holds, HoldEffect::Release);
        assert_eq!(apply(from, &OrderEvent::CreateFailed).to, Failed);
    }
    for from in [Paid, Refunded, NeedsReview, Failed, Expired] {
        assert!(!apply(from, &OrderEvent::Expire).changed());
    }
}

#[test]
fn call_results_and_unknown_codes_change_nothing() {
    for c in ["100", "200", "400", "B200", "B500", "Z999"] {
        for from in OrderStatus::ALL {
            assert!(!apply(from, &code(c)).changed(), "{c}");
        }
    }
}

#[test]
fn refund_policy_by_return_type() {
    assert_eq!(refund_outcome(Some("1")), RefundOutcome::StaysUsed);
    assert_eq!(refund_outcome(None), RefundOutcome::StaysUsed);
    assert_eq!(refund_outcome(Some("2")), RefundOutcome::ReturnedToShopper);
    assert_eq!(refund_outcome(Some("3")), RefundOutcome::ValueToAgent);
}

#[test]
fn status_names_round_trip() {
    for s in OrderStatus::ALL {
        assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
    }
    assert_eq!(OrderStatus::parse("nope"), None);
}
