//! mypay-edge: MYPAY LINK's agent API (PayPage orders in voucher mode, order
//! query, refund, and the callback reports) as a pure Rust core, with thin
//! shells for a Cloudflare Worker (`worker` feature), an npm package (`js`
//! feature) and the `mypay` command line (the `mypay-cli` crate).
//!
//! The core does no I/O: it encrypts and decrypts envelopes, builds requests,
//! parses replies and reports, validates orders before they are sent, and
//! classifies status codes. Each runtime brings its own transport.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

#[cfg(all(feature = "worker", feature = "js"))]
compile_error!("the `worker` and `js` features build different wasm modules: enable one at a time");

pub mod checkout;
pub mod codes;
pub mod crypto;
pub mod envelope;
pub mod form;
pub mod lenient;
pub mod models;
pub mod order_state;
pub mod reply;
pub mod validate;
pub mod verify;

pub use codes::{StatusClass, StatusCode};
pub use crypto::{decrypt, encrypt, AgentKey, DecryptError, EntropyError, KeyError, KeyRing};
pub use envelope::{Command, Envelope, EnvelopeError, Service};
pub use reply::{parse_reply, ReplyError};
pub use validate::{Problem, ProblemCode};

#[cfg(feature = "js")]
pub mod js;
#[cfg(feature = "worker")]
mod worker;
