//! `POST /api/checkout`: the steps a checkout takes, in order. Each step is
//! a function in the module named after it.
//!
//! 1. [`request`]: the `Idempotency-Key`, the shopper's address and the body.
//! 2. [`idempotency`]: a retry gets the first attempt's answer (or takes
//!    over the entry of an attempt that died).
//!    Then [`turnstile`], when the store turned it on.
//! 3. [`validation`]: the customer, the invoice choice and the payment
//!    method, before anything is written.
//! 4. [`quote`]: the cart priced from D1 (`crate::pricing`); every voucher
//!    must apply.
//! 5. [`order`]: the new order's id, token and deadline, and the
//!    `api/orders` request MYPAY will get.
//! 6. [`reservation`]: the order, its lines, a hold on each voucher and the
//!    `Idempotency-Key`, in one transaction (a voucher another order took
//!    makes it fail).
//! 7. [`payment_page`]: `api/orders`; the order turns pending with MYPAY's
//!    payment page, or fails and frees its vouchers.
//! 8. [`idempotency`] again: the answer is kept for retries.

mod idempotency;
mod order;
mod payment_page;
pub mod quote;
mod request;
mod reservation;
mod turnstile;
mod validation;

use super::config::Config;
use super::db::Db;
use super::http::ApiResult;
use idempotency::KeyState;
use reservation::Reservation;
use worker::{Request, Response};

pub async fn checkout(mut req: Request, cfg: &Config, db: &Db) -> ApiResult<Response> {
    let input = request::read(&mut req).await?;
    let reclaimed_from = match idempotency::begin(cfg, db, &input).await? {
        KeyState::Answered(res) => return Ok(res),
        KeyState::New { reclaimed_from } => reclaimed_from,
    };
    turnstile::check(cfg, input.turnstile.as_deref(), &input.ip).await?;
    let customer = validation::check(&input.body, &cfg.options)?;
    let quote = quote::price(db, &input.body.cart, &cfg.options).await?;
    quote::all_vouchers_apply(&quote)?;
    let order = order::prepare(cfg, &input, &customer, &quote)?;
    let reclaimed_from = reclaimed_from.as_deref();
    if let Reservation::Lost(res) =
        reservation::reserve(cfg, db, &input, &order, &quote, reclaimed_from).await?
    {
        return Ok(res);
    }
    let answer = payment_page::create(cfg, db, &input, &order, &quote).await?;
    idempotency::finish(db, &input, &order.id, &answer).await;
    Ok(answer.into_response())
}
