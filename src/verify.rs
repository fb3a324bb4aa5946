//! Verifies a callback report (主動回報) against the order it names.
//!
//! MYPAY does not sign reports. The only secret in one is `key`, the 32-hex
//! transaction code MYPAY returned with `uid` when the order was created, so
//! a report is accepted only when its `uid` is the order's, its `key`
//! equals the stored one (compared in constant time), and its `order_id`
//! and `cost` agree. Even then `cost` and `prc` are unsigned: the caller
//! confirms with `api/queryorder` before it marks anything paid.

use crate::crypto::secret_eq;
use crate::models::{Notification, ReportKind};

/// What the stored order says the report must carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expected<'a> {
    /// MYPAY's `uid` for the order.
    pub uid: &'a str,
    /// MYPAY's per-order `key` (not the agent key).
    pub key: &'a str,
    /// Our `order_id`.
    pub order_id: &'a str,
    /// The amount the shopper pays (the order's `cost`).
    pub cost: i64,
}

/// Why a report was refused. Messages name the field, never its value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotifyError {
    #[error("the report has no {0}")]
    Missing(&'static str),
    #[error("the report's uid is not the order's")]
    UidMismatch,
    #[error("the report's key is not the order's")]
    KeyMismatch,
    #[error("the report's order_id is not the order's")]
    OrderIdMismatch,
    #[error("the report's cost is not the order's amount")]
    CostMismatch,
}

impl NotifyError {
    /// A stable code for the security event log.
    pub fn code(&self) -> &'static str {
        match self {
            NotifyError::Missing(_) => "report_incomplete",
            NotifyError::UidMismatch => "report_uid_mismatch",
            NotifyError::KeyMismatch => "report_key_mismatch",
            NotifyError::OrderIdMismatch => "report_order_mismatch",
            NotifyError::CostMismatch => "report_cost_mismatch",
        }
    }
}

/// Checks `report` against `expected`. The key is compared in constant time
/// and before anything else that depends on it, so a caller probing with
/// guessed keys learns nothing from timing. A report that leaves out
/// `order_id` or `cost` is accepted on `uid` and `key` alone when it is a
/// refund report (which may omit them); any other report must carry both.
pub fn verify_notification(
    report: &Notification,
    expected: &Expected<'_>,
) -> Result<(), NotifyError> {
    let t = &report.transaction;
    let uid = t
        .uid
        .as_ref()
        .map(|u| u.as_str().trim())
        .ok_or(NotifyError::Missing("uid"))?;
    let key = t
        .key
        .as_deref()
        .map(str::trim)
        .ok_or(NotifyError::Missing("key"))?;
    let key_ok = secret_eq(key, expected.key);
    let uid_ok = secret_eq(uid, expected.uid);
    if !uid_ok {
        return Err(NotifyError::UidMismatch);
    }
    if !key_ok {
        return Err(NotifyError::KeyMismatch);
    }
    let lenient = report.kind() == ReportKind::Refund;
    match t.order_id.as_ref().map(|o| o.as_str().trim()) {
        Some(o) if o == expected.order_id => {}
        Some(_) => return Err(NotifyError::OrderIdMismatch),
        None if lenient => {}
        None => return Err(NotifyError::Missing("order_id")),
    }
    match t.cost {
        Some(c) if c.get() == expected.cost => {}
        Some(_) => return Err(NotifyError::CostMismatch),
        None if lenient => {}
        None => return Err(NotifyError::Missing("cost")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
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
}
