//! Tests of `verify`.

use super::*;

const KEY: &str = "d2c55a2055cbe6f711f1e977039e2a8f";

fn expected() -> Expected<'static> {
    Expected {
        uid: "95227",
        key: KEY,
        order_id: "ME123",
        cost: 800,
    }
}

fn report(form: &str) -> Notification {
    Notification::from_form(form).unwrap()
}

fn good_form() -> String {
    format!("uid=95227&key={KEY}&prc=250&order_id=ME123&cost=800&pfn=CREDITCARD")
}

#[test]
fn a_report_that_matches_is_accepted() {
    assert_eq!(
        verify_notification(&report(&good_form()), &expected()),
        Ok(())
    );
}

#[test]
fn cost_may_arrive_as_text_or_number() {
    let n: Notification = serde_json::from_value(serde_json::json!({
        "uid": 95227, "key": KEY, "prc": "250", "order_id": "ME123", "cost": 800
    }))
    .unwrap();
    assert_eq!(verify_notification(&n, &expected()), Ok(()));
}

#[test]
fn a_wrong_key_is_refused() {
    let f = good_form().replace(KEY, "00000000000000000000000000000000");
    assert_eq!(
        verify_notification(&report(&f), &expected()),
        Err(NotifyError::KeyMismatch)
    );
    let f = good_form().replace(KEY, &KEY[..31]);
    assert_eq!(
        verify_notification(&report(&f), &expected()),
        Err(NotifyError::KeyMismatch)
    );
}

#[test]
fn a_wrong_uid_order_or_cost_is_refused() {
    let e = expected();
    let f = good_form().replace("uid=95227", "uid=95228");
    assert_eq!(
        verify_notification(&report(&f), &e),
        Err(NotifyError::UidMismatch)
    );
    let f = good_form().replace("order_id=ME123", "order_id=ME124");
    assert_eq!(
        verify_notification(&report(&f), &e),
        Err(NotifyError::OrderIdMismatch)
    );
    let f = good_form().replace("cost=800", "cost=1");
    assert_eq!(
        verify_notification(&report(&f), &e),
        Err(NotifyError::CostMismatch)
    );
}

#[test]
fn missing_fields_are_refused() {
    let e = expected();
    assert_eq!(
        verify_notification(&report("prc=250"), &e),
        Err(NotifyError::Missing("uid"))
    );
    assert_eq!(
        verify_notification(&report("uid=95227&prc=250"), &e),
        Err(NotifyError::Missing("key"))
    );
    let f = format!("uid=95227&key={KEY}&prc=250&cost=800");
    assert_eq!(
        verify_notification(&report(&f), &e),
        Err(NotifyError::Missing("order_id"))
    );
}

#[test]
fn a_refund_report_may_omit_order_and_cost() {
    let f = format!("uid=95227&key={KEY}&prc=230&refund_uid=1&refund_type=1");
    assert_eq!(verify_notification(&report(&f), &expected()), Ok(()));
}

#[test]
fn errors_never_carry_the_key() {
    let f = good_form().replace(KEY, "ffffffffffffffffffffffffffffffff");
    let err = verify_notification(&report(&f), &expected()).unwrap_err();
    assert!(!err.to_string().contains("ffff"));
    assert!(!format!("{err:?}").contains(KEY));
    assert_eq!(err.code(), "report_key_mismatch");
}

#[test]
fn an_empty_uid_key_or_order_id_counts_as_missing() {
    let e = expected();
    let f = good_form().replace(KEY, "");
    assert_eq!(
        verify_notification(&report(&f), &e),
        Err(NotifyError::Missing("key"))
    );
    let f = good_form().replace("uid=95227", "uid=%20");
    assert_eq!(
        verify_notification(&report(&f), &e),
        Err(NotifyError::Missing("uid"))
    );
    let f = good_form().replace("order_id=ME123", "order_id=");
    assert_eq!(
        verify_notification(&report(&f), &e),
        Err(NotifyError::Missing("order_id"))
    );
}

#[test]
fn known_checks_order_and_cost_only_when_given() {
    let known = Known {
        uid: "95227",
        key: KEY,
        order_id: None,
        cost: None,
    };
    let f = format!("uid=95227&key={KEY}&prc=250");
    assert_eq!(verify_known(&report(&f), &known), Ok(()));
    let f = good_form().replace("order_id=ME123", "order_id=OTHER");
    assert_eq!(verify_known(&report(&f), &known), Ok(()));
    let with_cost = Known {
        cost: Some(800),
        ..known
    };
    assert_eq!(
        verify_known(
            &report(&good_form().replace("cost=800", "cost=1")),
            &with_cost
        ),
        Err(NotifyError::CostMismatch)
    );
    let f = format!("uid=95227&key={KEY}&prc=250");
    assert_eq!(
        verify_known(&report(&f), &with_cost),
        Err(NotifyError::Missing("cost"))
    );
    let with_order = Known {
        order_id: Some("ME123"),
        ..known
    };
    assert_eq!(verify_known(&report(&good_form()), &with_order), Ok(()));
    assert_eq!(
        verify_known(&report(&f), &with_order),
        Err(NotifyError::Missing("order_id"))
    );
    // The uid and key rules are the same as verify_notification's.
    let f = good_form().replace(KEY, &KEY.to_uppercase());
    assert_eq!(
        verify_known(&report(&f), &known),
        Err(NotifyError::KeyMismatch)
    );
    let f = good_form().replace("uid=95227", "uid=95228");
    assert_eq!(
        verify_known(&report(&f), &known),
        Err(NotifyError::UidMismatch)
    );
}
