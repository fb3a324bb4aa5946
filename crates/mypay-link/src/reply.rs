//! MYPAY's replies: the typed result, or a typed error carrying MYPAY's
//! `code` and `msg`, or (for a firewall's HTML page and other non-JSON
//! answers) an error carrying the HTTP status.

use crate::codes::StatusCode;
use crate::envelope::Command;
use crate::models::{OrderReply, QueryReply, RefundReply};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Why a reply did not give the result asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// MYPAY answered with an error code (100, 400, B500, ...).
    #[error("MYPAY refused the call: {code} {msg}")]
    Mypay { code: String, msg: String },
    /// The answer is not JSON: a firewall page, a proxy error, garbage.
    #[error("MYPAY answered HTTP {status} with a body that is not JSON")]
    NotJson { status: u16, snippet: String },
    /// JSON, but not the documented shape.
    #[error("MYPAY's reply does not have the documented shape: {0}")]
    Malformed(String),
}

impl ReplyError {
    /// A stable code for logs and JSON errors.
    pub fn code(&self) -> &'static str {
        match self {
            ReplyError::Mypay { .. } => "mypay_error",
            ReplyError::NotJson { .. } => "upstream_not_json",
            ReplyError::Malformed(_) => "upstream_malformed",
        }
    }
}

/// A reply of any of the three calls.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
// Built once per call and consumed at once; boxing `Refund` too would
// change the public variant's type for no gain.
#[allow(clippy::large_enum_variant)]
pub enum Reply {
    Order(OrderReply),
    Query(Box<QueryReply>),
    Refund(RefundReply),
}

fn snippet(body: &str) -> String {
    body.chars().take(200).collect()
}

/// Reads the reply as a JSON object. A UTF-8 byte order mark (which some
/// PHP stacks emit before the body) is skipped.
fn parse_json<T: DeserializeOwned>(
    status: u16,
    body: &str,
) -> Result<(serde_json::Value, T), ReplyError> {
    let value: serde_json::Value = serde_json::from_str(body.trim_start_matches('\u{feff}').trim())
        .map_err(|_| ReplyError::NotJson {
            status,
            snippet: snippet(body),
        })?;
    if !value.is_object() {
        return Err(ReplyError::Malformed("not a JSON object".into()));
    }
    let typed = T::deserialize(&value).map_err(|e| ReplyError::Malformed(e.to_string()))?;
    Ok((value, typed))
}

fn mypay_error(value: &serde_json::Value) -> ReplyError {
    let text = |k: &str| match value.get(k) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    ReplyError::Mypay {
        code: text("code"),
        msg: text("msg"),
    }
}

/// `api/orders`: success is code 200 with `uid`, `key` and `url`.
pub fn parse_order_reply(status: u16, body: &str) -> Result<OrderReply, ReplyError> {
    let (value, r): (_, OrderReply) = parse_json(status, body)?;
    if r.code != StatusCode::DataOk {
        return Err(mypay_error(&value));
    }
    if r.uid.is_none() || r.key.is_none() || r.url.is_none() {
        return Err(ReplyError::Malformed(
            "code 200 without uid, key and url".into(),
        ));
    }
    Ok(r)
}

/// `api/queryorder`: success is the order itself (it has `uid` and `prc`);
/// an error reply has `code` and `msg` instead.
pub fn parse_query_reply(status: u16, body: &str) -> Result<QueryReply, ReplyError> {
    let (value, r): (_, QueryReply) = parse_json(status, body)?;
    if r.transaction.prc.is_none() || r.transaction.uid.is_none() {
        return Err(if value.get("code").is_some() {
            mypay_error(&value)
        } else {
            ReplyError::Malformed("no uid and prc".into())
        });
    }
    Ok(r)
}

/// `api/refund`: success is B200; B500 and other codes are errors.
pub fn parse_refund_reply(status: u16, body: &str) -> Result<RefundReply, ReplyError> {
    let (value, r): (_, RefundReply) = parse_json(status, body)?;
    if r.code != StatusCode::Executed {
        return Err(mypay_error(&value));
    }
    Ok(r)
}

/// Parses the reply to `cmd`.
pub fn parse_reply(cmd: &Command, status: u16, body: &str) -> Result<Reply, ReplyError> {
    match cmd {
        Command::Orders => parse_order_reply(status, body).map(Reply::Order),
        Command::QueryOrder => parse_query_reply(status, body).map(|r| Reply::Query(Box::new(r))),
        Command::Refund => parse_refund_reply(status, body).map(Reply::Refund),
        Command::Other(c) => Err(ReplyError::Malformed(format!("unknown command {c}"))),
    }
}

#[cfg(test)]
mod tests;
