//! `verifyNotification`: the protocol crate's check of a callback report
//! ([`mypay_link::verify::verify_known`]), with the package's error codes.

use crate::failure::Failure;
#[cfg(feature = "ts")]
use mypay_link::lenient::ts::{Id, Num};
use mypay_link::lenient::{Int, Text};
use mypay_link::models::Notification;
use mypay_link::verify::{verify_known, Known};
use serde::Deserialize;

/// What the order a report is checked against is known to be.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
pub struct ExpectedReport {
    /// The order's uid, from {@link OrderReply}.
    #[cfg_attr(feature = "ts", ts(as = "Id"))]
    pub uid: Text,
    /// The order's transaction key, from {@link OrderReply}: compared in constant time.
    pub key: String,
    /// Our `order_id`: checked when given.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<Id>"))]
    pub order_id: Option<Text>,
    /// The amount the shopper was to pay: checked when given.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<Num>"))]
    pub cost: Option<Int>,
}

/// Accepts `report` only when it is the order's (see
/// [`mypay_link::verify::verify_notification`] for the rules): `Ok` or the
/// failure to throw (`uid_mismatch`, `key_mismatch`, `order_id_mismatch`,
/// `cost_mismatch`, `missing_field` with `field`; `invalid_argument` when
/// `expected` has no uid or key).
pub fn verify(report: &Notification, expected: &ExpectedReport) -> Result<(), Failure> {
    let uid = expected.uid.as_str().trim();
    let key = expected.key.trim();
    if uid.is_empty() || key.is_empty() {
        return Err(Failure::invalid(
            "expected.uid and expected.key are required",
        ));
    }
    let known = Known {
        uid,
        key,
        order_id: expected.order_id.as_ref().map(|o| o.as_str().trim()),
        cost: expected.cost.map(Int::get),
    };
    verify_known(report, &known).map_err(Failure::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::failure::ErrorCode;

    const KEY: &str = "3425042d7d266e4aea5fd4653a0271db";

    fn report(form: &str) -> Notification {
        Notification::from_form(form).unwrap()
    }

    fn expected(json: serde_json::Value) -> ExpectedReport {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn the_orders_report_is_accepted_with_or_without_order_id_and_cost() {
        let r = report(&format!(
            "uid=95217&key={KEY}&prc=250&order_id=1234567890&cost=900"
        ));
        for e in [
            serde_json::json!({"uid": "95217", "key": KEY}),
            serde_json::json!({"uid": 95217, "key": format!(" {KEY}\n"), "orderId": "1234567890", "cost": "900"}),
        ] {
            assert_eq!(verify(&r, &expected(e)), Ok(()));
        }
    }

    #[test]
    fn refusals_carry_the_js_codes_and_never_a_value() {
        let r = report(&format!("uid=95217&key={KEY}&prc=250&cost=900"));
        let f = verify(
            &r,
            &expected(serde_json::json!({"uid": "95217", "key": "0".repeat(32)})),
        )
        .unwrap_err();
        assert_eq!(f.code, ErrorCode::KeyMismatch);
        assert!(!f.message.contains(KEY) && !f.message.contains("0000"));
        let f = verify(
            &r,
            &expected(serde_json::json!({"uid": "95218", "key": KEY})),
        )
        .unwrap_err();
        assert_eq!(f.code, ErrorCode::UidMismatch);
        assert!(!f.message.contains("9521"));
        let f = verify(
            &r,
            &expected(serde_json::json!({"uid": "95217", "key": KEY, "orderId": "X"})),
        )
        .unwrap_err();
        assert_eq!(
            (f.code, f.field),
            (ErrorCode::MissingField, Some("order_id"))
        );
        let f = verify(
            &r,
            &expected(serde_json::json!({"uid": "95217", "key": KEY, "cost": 1})),
        )
        .unwrap_err();
        assert_eq!(f.code, ErrorCode::CostMismatch);
        assert!(!f.message.contains("900"));
        let f = verify(&r, &expected(serde_json::json!({"uid": " ", "key": KEY}))).unwrap_err();
        assert_eq!(f.code, ErrorCode::InvalidArgument);
    }
}
