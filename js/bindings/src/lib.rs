//! The npm package mypay-edge, Rust side: the wasm-bindgen exports over the
//! protocol crate `mypay_link` (module `wasm`, built for wasm32 only), the
//! error codes they throw ([`failure`]), the call policy the JS client
//! follows ([`policy`], the protocol crate's), the notification check
//! ([`report`], the protocol crate's), and with the `ts` feature the
//! TypeScript declarations generated from the Rust types ([`dts`]).
//!
//! Values cross the wasm boundary as JSON text (`JSON.stringify` in,
//! `JSON.parse` out). serde-wasm-bindgen was measured against it on the
//! package's build (`scripts/bench-js.mjs --baseline`, same process, CPU
//! time): results handed over as JS objects made `parseReply` 0.79–0.88× as
//! fast; arguments taken as JS objects made `buildRequest` 0.79–0.85× as
//! fast (with the pass that keeps `JSON.stringify`'s meaning and refuses
//! cycles, getters that throw and deep nesting before serde-wasm-bindgen
//! walks the value); both together grew the wasm by 55 KB (+11 %, +13 KB
//! gzipped). So JSON text stays.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod failure;
pub mod policy;
pub mod report;
pub mod request;
pub mod tables;

#[cfg(feature = "ts")]
pub mod dts;

#[cfg(target_arch = "wasm32")]
mod wasm;
#[cfg(target_arch = "wasm32")]
pub use wasm::*;
