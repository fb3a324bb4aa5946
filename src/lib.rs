//! mypay-edge: the Cloudflare Worker that takes payments through MYPAY LINK
//! (voucher mode) for a storefront with no server of its own. It prices
//! carts and applies vouchers itself ([`pricing`]), keeps orders in D1,
//! calls MYPAY with the protocol crate `mypay_link`, and follows every order
//! through MYPAY's answers ([`order_state`]).
//!
//! [`pricing`], [`order_state`] and [`secrets`] are pure and tested natively; the Worker
//! (routes, D1, `fetch`, cron; the checkout as named steps in
//! `worker::checkout`) is compiled for wasm32 only.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod access_rules;
pub mod console_rules;
pub mod order_state;
pub mod pricing;
pub mod request_rules;
pub mod secrets;

#[cfg(target_arch = "wasm32")]
mod worker;
