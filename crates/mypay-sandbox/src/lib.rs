//! mypay-sandbox: a local MYPAY LINK for development and tests: the agent
//! API (`POST /api/agent`: api/orders, api/queryorder, api/refund) behind an
//! emulation of MYPAY's firewall, the payment page, the callbacks (主動回報)
//! with MYPAY's retries, injected faults, a movable clock, and a JSON
//! automation API under `/sandbox`. `cli/README.md` documents every route.
//!
//! The `mypay sandbox` command serves it; a Rust test can embed it:
//!
//! ```no_run
//! # async fn demo() -> Result<(), mypay_sandbox::Error> {
//! use mypay_sandbox::{spawn, Listen, Settings};
//! let sandbox = spawn(Settings::default(), &Listen::local()).await?;
//! let endpoint = format!("{}/api/agent", sandbox.url());
//! // … call it, then:
//! sandbox.shutdown().await;
//! # let _ = endpoint;
//! # Ok(())
//! # }
//! ```
//!
//! or mount [`router`] in its own server. The sandbox checks requests with
//! its own reading of the API text (`rules.rs`), never with the client's
//! validator (`mypay_link::validate`), so that testing a client against it
//! means something.
#![cfg(not(target_arch = "wasm32"))]
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod admin;
mod agent;
mod app;
mod clock;
mod config;
mod error;
mod faults;
mod guard;
mod notify;
mod order;
mod page;
mod persist;
mod replies;
mod rules;
mod server;
mod stamps;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use app::App;
pub use config::{
    Config, RefundMode, Settings, DEFAULT_MANUAL_REFUND_DAYS, DEFAULT_PAGE_LIFETIME_SECONDS,
    DEFAULT_PUBLIC_URL, DEFAULT_RETRY_SCHEDULE_MS, TEST_AGENT_KEY, TEST_AGENT_UID, TEST_STORE_UID,
};
pub use error::Error;
pub use notify::CALLBACK_USER_AGENT;
pub use server::{router, spawn, Listen, Running};
