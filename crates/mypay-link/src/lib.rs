//! mypay-link: MYPAY LINK's agent API (PayPage orders in voucher mode, order
//! query, refund, and the callback reports) as pure Rust: the AES-256-CBC
//! envelope, typed models of every documented field and value table,
//! validation, reply parsing, notification verification and MYPAY's time
//! format.
//!
//! No I/O, no clock, no runtime: each deployable (the Cloudflare Worker, the
//! npm bindings, the `mypay` CLI and its sandbox) brings its own transport
//! and follows [`Call`], which ties each command to its payload, its reply
//! and its retry policy.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod call;
pub mod codes;
pub mod crypto;
pub mod deploy;
pub mod envelope;
pub mod form;
pub mod lenient;
pub mod models;
pub mod reply;
pub mod time;
pub mod validate;
pub mod verify;
pub mod webhooks;

pub use call::{Call, CallError, Failure, Retry};
pub use codes::{StatusClass, StatusCode};
pub use crypto::{decrypt, encrypt, AgentKey, DecryptError, EntropyError, KeyError, KeyRing};
pub use envelope::{Command, Envelope, EnvelopeError, Service};
pub use reply::{parse_reply, ReplyError};
pub use validate::{Problem, ProblemCode};
