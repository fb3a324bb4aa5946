//! The `mypay` command: encrypts and decrypts MYPAY LINK envelopes, validates
//! orders, calls the agent API, and runs a local MYPAY LINK sandbox.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

// The command is native only: built for wasm32 (by a workspace-wide wasm
// build) it is an empty program.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
include!("native.rs");
