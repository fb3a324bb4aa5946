//! Step 1: what the checkout was asked: the `Idempotency-Key` (checked
//! before the body is read), the shopper's address and the body, with the
//! body's fingerprint for retries.

use crate::pricing::{CartRequest, Customer, InvoiceChoice};
use crate::secrets::body_fingerprint;
use crate::worker::guard;
use crate::worker::http::{self, ApiError, ApiResult};
use serde::Deserialize;
use worker::Request;

/// The body of `POST /api/checkout`: the quote body and who pays how.
#[derive(Deserialize)]
pub struct CheckoutRequest {
    #[serde(flatten)]
    pub cart: CartRequest,
    #[serde(default)]
    pub customer: Option<Customer>,
    #[serde(default)]
    pub pfn: Option<String>,
    #[serde(default)]
    pub invoice: Option<InvoiceChoice>,
    /// The merchant's strings MYPAY returns in reports and queries
    /// (`echo_0` … `echo_4`), kept on the order.
    #[serde(default)]
    pub echo: Vec<String>,
}

pub struct Input {
    /// `Idempotency-Key`, trimmed: 1 to 64 visible ASCII characters.
    pub idem_key: Option<String>,
    /// The shopper's address (`CF-Connecting-IP`): MYPAY's `ip`, and the
    /// client an `Idempotency-Key` belongs to.
    pub ip: String,
    /// `CF-Turnstile-Response`: the Turnstile widget's token, if any.
    pub turnstile: Option<String>,
    pub body: CheckoutRequest,
    /// SHA-256 of the body as sent: a retry must send the same body.
    pub fingerprint: String,
}

pub async fn read(req: &mut Request) -> ApiResult<Input> {
    let idem_key = http::get_header(req, "idempotency-key").map(|k| k.trim().to_owned());
    if let Some(k) = &idem_key {
        if k.is_empty() || k.len() > 64 || !k.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ApiError::bad_request(
                "invalid_request",
                "Idempotency-Key is 1 to 64 visible ASCII characters",
            ));
        }
    }
    let ip = guard::client_address(req);
    let (body, raw) = http::read_json::<CheckoutRequest>(req).await?;
    Ok(Input {
        idem_key,
        ip,
        turnstile: http::get_header(req, "cf-turnstile-response"),
        body,
        fingerprint: body_fingerprint(&raw),
    })
}
