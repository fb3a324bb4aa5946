//! Step 5: the new order: its id, the shopper's token, its deadline, and
//! the `api/orders` request MYPAY will get (400 when it breaks MYPAY's
//! rules).

use super::request::Input;
use crate::pricing::{build_order_request, Customer, OrderContext, Quote};
use crate::worker::config::Config;
use crate::worker::http::{ApiError, ApiResult};
use crate::worker::time;
use mypay_link::models::OrderRequest;
use serde_json::json;

/// An order about to be written.
pub struct NewOrder {
    /// `ME` + the time + 10 random hex digits.
    pub id: String,
    /// The shopper's bearer token for `GET /api/orders/{id}`.
    pub token: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub customer_id: String,
    pub pfn: Option<String>,
    /// The invoice choice as stored (JSON).
    pub invoice_json: Option<String>,
    /// The store's `CURRENCY`.
    pub currency: String,
    /// The customer's e-mail, lower-cased (searched by the admin).
    pub customer_email: Option<String>,
    /// The other customer fields as sent (JSON, without the id and e-mail).
    pub customer_json: Option<String>,
    /// The `echo` strings (JSON array), when any.
    pub echo_json: Option<String>,
    pub request: OrderRequest,
}

pub fn prepare(cfg: &Config, input: &Input, customer: &Customer, q: &Quote) -> ApiResult<NewOrder> {
    let body = &input.body;
    let now = time::now();
    let suffix = time::random_hex(5).ok_or_else(|| ApiError::internal("random", "no entropy"))?;
    let id = format!(
        "ME{}{}",
        time::format_stamp(now),
        suffix.to_ascii_uppercase()
    );
    let token = time::random_hex(24).ok_or_else(|| ApiError::internal("random", "no entropy"))?;
    // The storefront keeps the token in the browser: never in a URL.
    let return_url = format!("{}/order.html?order_id={}", cfg.storefront_url, id);
    // A store that offers one method asks for it when the checkout names none.
    let opts = &cfg.options;
    let pfn = body
        .pfn
        .clone()
        .or_else(|| match opts.payment_methods.as_slice() {
            [only] if opts.methods_restricted => Some(only.code().to_owned()),
            _ => None,
        });
    let ctx = OrderContext {
        store_uid: &cfg.store_uid,
        order_id: &id,
        ip: &input.ip,
        customer,
        pfn: pfn.as_deref(),
        invoice: body.invoice.as_ref(),
        success_url: Some(&return_url),
        failure_url: Some(&return_url),
        options: opts,
        echo: &body.echo,
    };
    let request = build_order_request(q, &ctx).map_err(|p| {
        ApiError::bad_request("invalid_request", "the order does not pass MYPAY's rules")
            .with_details(json!(p))
    })?;
    Ok(NewOrder {
        token,
        created_at: now,
        expires_at: now + cfg.order_ttl_secs,
        customer_id: customer.id.trim().to_owned(),
        currency: opts.currency.code().to_owned(),
        customer_email: customer.email_key(),
        customer_json: {
            let mut c = serde_json::to_value(customer).unwrap_or_default();
            if let Some(m) = c.as_object_mut() {
                m.remove("id");
                m.remove("email");
                m.retain(|_, v| !v.is_null());
            }
            c.as_object()
                .filter(|m| !m.is_empty())
                .map(|_| c.to_string())
        },
        echo_json: (!body.echo.is_empty())
            .then(|| serde_json::to_string(&body.echo).ok())
            .flatten(),
        pfn,
        invoice_json: body
            .invoice
            .as_ref()
            .and_then(|i| serde_json::to_string(i).ok()),
        request,
        id,
    })
}
