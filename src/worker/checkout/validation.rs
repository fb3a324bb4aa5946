//! Step 3: the customer, the invoice choice and the payment method, all
//! checked before anything is written (400 `invalid_request` listing every
//! problem).

use super::request::CheckoutRequest;
use crate::pricing::Customer;
use crate::worker::http::{ApiError, ApiResult};
use serde_json::{json, Value};

/// The payment methods (`pfn`) this shop offers.
const PFNS: &[&str] = &[
    "all",
    "CREDITCARD",
    "CSTORECODE",
    "E_COLLECTION",
    "WEBATM",
    "BARCODE",
    "LINEPAYON",
    "APPLEPAY",
    "GOOGLEPAY",
    "JKOON",
    "PION",
    "EASYWALLETON",
    "MobilePayAll",
    "C_INSTALLMENT",
    "AMEX",
    "UNIONPAY",
];

/// Answers the customer (empty when the body has none, which fails here).
pub fn check(body: &CheckoutRequest) -> ApiResult<Customer> {
    let customer = body.customer.clone().unwrap_or_default();
    let mut problems: Vec<Value> = customer
        .problems()
        .into_iter()
        .map(|(f, m)| json!({"path": f, "code": "invalid", "message": m}))
        .collect();
    if let Some(inv) = &body.invoice {
        if let Err(e) = inv.validate() {
            problems.push(json!({"path": e.field(), "code": "invalid", "message": e.to_string()}));
        }
    }
    if let Some(p) = &body.pfn {
        if !PFNS.contains(&p.as_str()) {
            problems.push(json!({"path": "pfn", "code": "invalid", "message": "pfn is not a payment method this shop offers"}));
        }
    }
    if !problems.is_empty() {
        return Err(
            ApiError::bad_request("invalid_request", "the checkout has invalid fields")
                .with_details(json!(problems)),
        );
    }
    Ok(customer)
}
