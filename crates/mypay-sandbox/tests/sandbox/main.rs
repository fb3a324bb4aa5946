//! The sandbox, served in this process on ephemeral ports and driven over
//! HTTP like any client would: its agent API, payments and the payment
//! page, callbacks and faults, time and refunds, the waiting states and
//! the order options. (The `mypay sandbox` command's flags, and the
//! sandbox's rules compared with the client's validator, are tested in
//! cli/tests/.)
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

mod api;
mod lifecycle;
mod options;
mod payments;
mod waiting;
mod wallets;
