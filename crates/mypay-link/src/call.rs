//! The three agent calls, each tied to its payload, its reply and its retry
//! policy by one trait, [`Call`], so that every client (the Worker's
//! `fetch`, the CLI's reqwest, the npm package's `fetch`) follows the same
//! rules. A client brings only its transport:
//!
//! ```text
//! for each attempt allowed by C::RETRY:
//!     for each key of the ring (current, then next, see `resend_under_next_key`):
//!         req = build_request::<C>(agent_uid, key, &payload)
//!         (status, body) = transport(req)        // or a Failure
//!         outcome = read_reply::<C>(status, &body)
//! ```
//!
//! - `api/orders` and `api/refund` are never repeated automatically: a second
//!   call could create a second payment page, and a refund whose answer was
//!   lost may have happened (the lifecycle asks `api/queryorder` instead).
//! - `api/queryorder` is a read: repeated on transient failures.
//! - During MYPAY's yearly key rotation MYPAY switches keys on its own
//!   schedule; an envelope it cannot open answers code 100 (資料錯誤) and
//!   nothing is processed, so any call may be sent once more under the next
//!   key.

use crate::crypto::AgentKey;
use crate::envelope::{build_request as seal, Command, EnvelopeError, HttpRequest};
use crate::models::{
    OrderReply, OrderRequest, QueryReply, QueryRequest, RefundReply, RefundRequest,
};
use crate::reply::{parse_order_reply, parse_query_reply, parse_refund_reply, ReplyError};
use crate::validate::{validate_order, validate_refund, Problem};
use serde::Serialize;

/// How a failed call may be repeated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Retry {
    /// Never automatically.
    Never,
    /// On a transient failure ([`Failure::is_transient`]), up to `attempts`
    /// attempts in all, waiting `backoff_ms` × the number of attempts made.
    Transient { attempts: u32, backoff_ms: u32 },
}

impl Retry {
    /// The wait in milliseconds before the next attempt, after
    /// `attempts_made` attempts of which the last failed with `failure`;
    /// `None`: give up and report `failure`.
    pub fn next_delay_ms(&self, attempts_made: u32, failure: &Failure<'_>) -> Option<u32> {
        match self {
            Retry::Never => None,
            Retry::Transient {
                attempts,
                backoff_ms,
            } => (attempts_made < *attempts && failure.is_transient())
                .then(|| backoff_ms.saturating_mul(attempts_made)),
        }
    }
}

/// Why an attempt gave no result, as every transport can say it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure<'a> {
    /// No answer within the client's timeout.
    Timeout,
    /// The connection failed.
    Network,
    /// An HTTP error status with no readable body (a 5xx page, the firewall's
    /// 403 page).
    Http(u16),
    /// An answer that is not the documented reply, or MYPAY's refusal.
    Reply(&'a ReplyError),
}

impl Failure<'_> {
    /// Worth another try of a read: the call may not have reached MYPAY, or
    /// MYPAY (400 系統錯誤) or its upstream was momentarily unable to answer.
    pub fn is_transient(&self) -> bool {
        match self {
            Failure::Timeout | Failure::Network => true,
            Failure::Http(s) => *s >= 500 || *s == 429,
            Failure::Reply(ReplyError::NotJson { .. } | ReplyError::Malformed(_)) => true,
            Failure::Reply(ReplyError::Mypay { code, .. }) => code == "400",
        }
    }
}

/// What came back, read for `C`: its reply, or why not. A non-JSON body
/// with an HTTP error status is [`CallError::Http`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    #[error("MYPAY answered HTTP {0} with no readable reply")]
    Http(u16),
    #[error(transparent)]
    Reply(#[from] ReplyError),
}

impl CallError {
    /// As a [`Failure`], for [`Retry::next_delay_ms`].
    pub fn failure(&self) -> Failure<'_> {
        match self {
            CallError::Http(s) => Failure::Http(*s),
            CallError::Reply(r) => Failure::Reply(r),
        }
    }

    /// MYPAY could not open the envelope under its key and processed
    /// nothing (code 100): during a key rotation, send it once more under
    /// the next key.
    pub fn resend_under_next_key(&self) -> bool {
        matches!(self, CallError::Reply(ReplyError::Mypay { code, .. }) if code == "100")
    }
}

/// One agent call: its payload type implements this.
pub trait Call: Serialize {
    /// The typed reply.
    type Reply;
    /// How a failed call may be repeated.
    const RETRY: Retry;
    /// The command (`service.cmd`).
    fn command() -> Command;
    /// Reads MYPAY's answer (HTTP status and body).
    fn parse_reply(status: u16, body: &str) -> Result<Self::Reply, ReplyError>;
    /// The API text's rules, checked before sending.
    fn check(&self) -> Result<(), Vec<Problem>>;
}

impl Call for OrderRequest {
    type Reply = OrderReply;
    const RETRY: Retry = Retry::Never;
    fn command() -> Command {
        Command::Orders
    }
    fn parse_reply(status: u16, body: &str) -> Result<OrderReply, ReplyError> {
        parse_order_reply(status, body)
    }
    fn check(&self) -> Result<(), Vec<Problem>> {
        validate_order(self)
    }
}

impl Call for QueryRequest {
    type Reply = QueryReply;
    const RETRY: Retry = Retry::Transient {
        attempts: 3,
        backoff_ms: 200,
    };
    fn command() -> Command {
        Command::QueryOrder
    }
    fn parse_reply(status: u16, body: &str) -> Result<QueryReply, ReplyError> {
        parse_query_reply(status, body)
    }
    fn check(&self) -> Result<(), Vec<Problem>> {
        Ok(())
    }
}

impl Call for RefundRequest {
    type Reply = RefundReply;
    const RETRY: Retry = Retry::Never;
    fn command() -> Command {
        Command::Refund
    }
    fn parse_reply(status: u16, body: &str) -> Result<RefundReply, ReplyError> {
        parse_refund_reply(status, body)
    }
    fn check(&self) -> Result<(), Vec<Problem>> {
        validate_refund(self, None)
    }
}

/// Seals `payload` for its command under `key`.
pub fn build_request<C: Call>(
    agent_uid: &str,
    key: &AgentKey,
    payload: &C,
) -> Result<HttpRequest, EnvelopeError> {
    seal(agent_uid, key, C::command(), payload)
}

/// Reads the answer to `C`.
pub fn read_reply<C: Call>(status: u16, body: &str) -> Result<C::Reply, CallError> {
    match C::parse_reply(status, body) {
        Ok(r) => Ok(r),
        Err(ReplyError::NotJson { .. }) if status >= 400 => Err(CallError::Http(status)),
        Err(e) => Err(CallError::Reply(e)),
    }
}

/// The policy of a command by name, for clients outside Rust (the npm
/// package): `None` for a command this crate does not know.
pub fn retry_of(cmd: &Command) -> Option<Retry> {
    match cmd {
        Command::Orders => Some(OrderRequest::RETRY),
        Command::QueryOrder => Some(QueryRequest::RETRY),
        Command::Refund => Some(RefundRequest::RETRY),
        Command::Other(_) => None,
    }
}

#[cfg(test)]
mod tests;
