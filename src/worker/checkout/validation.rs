//! Step 3: the customer, the invoice choice and the payment method, all
//! checked before anything is written (400 `invalid_request` listing every
//! problem).

use super::request::CheckoutRequest;
use crate::pricing::{echo_problems, Customer, StoreOptions};
use crate::worker::http::{ApiError, ApiResult};
use mypay_link::codes::Pfn;
use serde_json::{json, Value};

/// Answers the customer (empty when the body has none, which fails here).
/// The payment methods are the store's `PAYMENT_METHODS`; an e-wallet
/// needs the customer fields the API text marks 『電子錢包交易必要欄位』
/// (each missing one is named, code `required`).
pub fn check(body: &CheckoutRequest, options: &StoreOptions) -> ApiResult<Customer> {
    let customer = body.customer.clone().unwrap_or_default();
    let mut problems: Vec<Value> = customer
        .problems()
        .into_iter()
        .map(|(f, m)| json!({"path": f, "code": "invalid", "message": m}))
        .collect();
    if let Some(inv) = &body.invoice {
        if options.no_invoice() {
            problems.push(json!({"path": "invoice", "code": "invalid", "message": "this store issues no e-invoice (ISSUE_INVOICE_STATE 0): leave invoice out"}));
        } else if let Err(e) = inv.validate() {
            problems.push(json!({"path": e.field(), "code": "invalid", "message": e.to_string()}));
        }
    }
    for (path, message) in echo_problems(&body.echo) {
        problems.push(json!({"path": path, "code": "invalid", "message": message}));
    }
    if let Some(p) = &body.pfn {
        let method = Pfn::from_code(p);
        if !method.is_documented() || !options.offers(&method) {
            problems.push(json!({"path": "pfn", "code": "invalid", "message": "pfn is not a payment method this shop offers (GET /api/config lists them)"}));
        } else {
            for path in customer.missing_for(&method) {
                problems.push(json!({"path": path, "code": "required",
                    "message": format!("{path} is required to pay with {}", method.code())}));
            }
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
