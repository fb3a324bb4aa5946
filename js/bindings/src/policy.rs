//! The call policy the JS client (`MypayClient`, js/src/api.js) follows: the
//! protocol crate's, from [`mypay_link::call`]. `callPolicy(cmd)` tells a
//! command's [`Retry`]; after a failed attempt the client asks
//! [`retry_delay_ms`] whether and when to try again and
//! [`resend_under_next_key`] whether to send it once more under the next key
//! of the rotation. The client knows a failure only as the `MypayError` it
//! threw or caught (`code`, `status`, `mypayCode`): [`Attempt`] reads it back
//! into the crate's [`Failure`] and [`CallError`].

use crate::failure::ErrorCode;
use mypay_link::call::{retry_of, CallError, Failure, Retry};
use mypay_link::envelope::Command;
use mypay_link::reply::ReplyError;
use serde::Serialize;

/// How a failed call may be repeated (the protocol crate's `Retry`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "Retry"))]
pub enum RetryPolicy {
    /// Never automatically (`api/orders`, `api/refund`: a second call could
    /// create a second payment page or refund).
    Never,
    /// On a transient failure (no answer, a 5xx or 429, MYPAY's 400 系統錯誤,
    /// an answer that is not the reply), up to `attempts` attempts in all,
    /// waiting `backoff_ms` × the attempts made (`api/queryorder`).
    Transient { attempts: u32, backoff_ms: u32 },
}

impl From<Retry> for RetryPolicy {
    fn from(r: Retry) -> Self {
        match r {
            Retry::Never => RetryPolicy::Never,
            Retry::Transient {
                attempts,
                backoff_ms,
            } => RetryPolicy::Transient {
                attempts,
                backoff_ms,
            },
        }
    }
}

/// What {@link callPolicy} returns for a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CallPolicy {
    /// How a failed call is repeated. During MYPAY's key rotation any call
    /// refused with code 100 (資料錯誤: MYPAY could not open it and processed
    /// nothing) is also sent once more under the next key.
    pub retry: RetryPolicy,
}

/// The policy of `cmd`; a command the protocol crate does not know is never
/// repeated.
pub fn call_policy(cmd: &Command) -> CallPolicy {
    CallPolicy {
        retry: retry_of(cmd).unwrap_or(Retry::Never).into(),
    }
}

/// A failed attempt as the JS client knows it: the `code`, `status` and
/// `mypayCode` of its `MypayError`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attempt<'a> {
    pub code: ErrorCode,
    pub status: Option<u16>,
    pub mypay_code: Option<&'a str>,
}

/// An attempt's failure in the protocol crate's terms.
enum Failed {
    Timeout,
    Network,
    Call(CallError),
}

impl Attempt<'_> {
    /// `None`: not a failure of the call (a bad argument, a bug): never
    /// repeated.
    fn failed(&self) -> Option<Failed> {
        Some(match self.code {
            ErrorCode::Timeout => Failed::Timeout,
            ErrorCode::NetworkError => Failed::Network,
            // As `call::read_reply` reads it: a body that is not JSON under
            // an HTTP error status is the status's failure.
            ErrorCode::UpstreamNotJson => match self.status {
                Some(s) if s >= 400 => Failed::Call(CallError::Http(s)),
                s => Failed::Call(CallError::Reply(ReplyError::NotJson {
                    status: s.unwrap_or(200),
                    snippet: String::new(),
                })),
            },
            ErrorCode::UpstreamMalformed => {
                Failed::Call(CallError::Reply(ReplyError::Malformed(String::new())))
            }
            ErrorCode::MypayError => Failed::Call(CallError::Reply(ReplyError::Mypay {
                code: self.mypay_code.unwrap_or_default().to_owned(),
                msg: String::new(),
            })),
            _ => return None,
        })
    }
}

/// The wait before attempt `attempts_made + 1` of `cmd` after `last`
/// failed; `None`: give up and report `last`.
pub fn retry_delay_ms(cmd: &Command, attempts_made: u32, last: &Attempt<'_>) -> Option<u32> {
    let retry = retry_of(cmd).unwrap_or(Retry::Never);
    match last.failed()? {
        Failed::Timeout => retry.next_delay_ms(attempts_made, &Failure::Timeout),
        Failed::Network => retry.next_delay_ms(attempts_made, &Failure::Network),
        Failed::Call(e) => retry.next_delay_ms(attempts_made, &e.failure()),
    }
}

/// MYPAY could not open the call under the current key (code 100): send it
/// once more under the next key, if there is one.
pub fn resend_under_next_key(last: &Attempt<'_>) -> bool {
    matches!(last.failed(), Some(Failed::Call(e)) if e.resend_under_next_key())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mypay_link::call::read_reply;
    use mypay_link::models::{OrderRequest, QueryRequest};
    use mypay_link::Call;

    fn attempt(code: ErrorCode, status: Option<u16>, mypay_code: Option<&str>) -> Attempt<'_> {
        Attempt {
            code,
            status,
            mypay_code,
        }
    }

    #[test]
    fn policies_are_the_protocol_crates() {
        let q = call_policy(&Command::QueryOrder);
        assert_eq!(q.retry, RetryPolicy::from(QueryRequest::RETRY));
        assert_eq!(
            serde_json::to_value(q).unwrap(),
            serde_json::json!({"retry": {"kind": "transient", "attempts": 3, "backoff_ms": 200}})
        );
        assert_eq!(
            serde_json::to_value(call_policy(&Command::Orders)).unwrap(),
            serde_json::json!({"retry": {"kind": "never"}})
        );
        assert_eq!(call_policy(&Command::Refund).retry, RetryPolicy::Never);
        assert_eq!(
            call_policy(&Command::parse("api/other")).retry,
            RetryPolicy::Never
        );
        // The mirror serializes as the crate's own `Retry` does.
        for r in [OrderRequest::RETRY, QueryRequest::RETRY] {
            assert_eq!(
                serde_json::to_value(RetryPolicy::from(r)).unwrap(),
                serde_json::to_value(r).unwrap()
            );
        }
    }

    #[test]
    fn a_non_json_answer_reads_as_call_read_reply_reads_it() {
        for status in 100..=599u16 {
            let want = read_reply::<QueryRequest>(status, "<html>x</html>").unwrap_err();
            let a = attempt(ErrorCode::UpstreamNotJson, Some(status), None);
            let Some(Failed::Call(got)) = a.failed() else {
                panic!("{status}");
            };
            let same = match (got.failure(), want.failure()) {
                (Failure::Http(a), Failure::Http(b)) => a == b,
                (
                    Failure::Reply(ReplyError::NotJson { status: a, .. }),
                    Failure::Reply(ReplyError::NotJson { status: b, .. }),
                ) => a == b,
                _ => false,
            };
            assert!(same, "{status}: {got:?} / {want:?}");
            assert_eq!(
                got.failure().is_transient(),
                want.failure().is_transient(),
                "{status}"
            );
        }
    }

    #[test]
    fn queries_are_repeated_on_transient_failures_only() {
        let q = Command::QueryOrder;
        let timeout = attempt(ErrorCode::Timeout, None, None);
        assert_eq!(retry_delay_ms(&q, 1, &timeout), Some(200));
        assert_eq!(retry_delay_ms(&q, 2, &timeout), Some(400));
        assert_eq!(retry_delay_ms(&q, 3, &timeout), None);
        let net = attempt(ErrorCode::NetworkError, None, None);
        assert_eq!(retry_delay_ms(&q, 1, &net), Some(200));
        let bad_gateway = attempt(ErrorCode::UpstreamNotJson, Some(502), None);
        assert_eq!(retry_delay_ms(&q, 1, &bad_gateway), Some(200));
        let firewall = attempt(ErrorCode::UpstreamNotJson, Some(403), None);
        assert_eq!(retry_delay_ms(&q, 1, &firewall), None);
        let busy = attempt(ErrorCode::MypayError, None, Some("400"));
        assert_eq!(retry_delay_ms(&q, 1, &busy), Some(200));
        let refused = attempt(ErrorCode::MypayError, None, Some("100"));
        assert_eq!(retry_delay_ms(&q, 1, &refused), None);
        let bug = attempt(ErrorCode::InvalidArgument, None, None);
        assert_eq!(retry_delay_ms(&q, 1, &bug), None);
    }

    #[test]
    fn orders_refunds_and_unknown_commands_are_never_repeated() {
        let timeout = attempt(ErrorCode::Timeout, None, None);
        for cmd in ["api/orders", "api/refund", "api/other"] {
            assert_eq!(retry_delay_ms(&Command::parse(cmd), 1, &timeout), None);
        }
    }

    #[test]
    fn only_code_100_is_sent_again_under_the_next_key() {
        assert!(resend_under_next_key(&attempt(
            ErrorCode::MypayError,
            None,
            Some("100")
        )));
        for a in [
            attempt(ErrorCode::MypayError, None, Some("400")),
            attempt(ErrorCode::MypayError, None, Some("B500")),
            attempt(ErrorCode::MypayError, None, None),
            attempt(ErrorCode::UpstreamNotJson, Some(403), None),
            attempt(ErrorCode::Timeout, None, None),
        ] {
            assert!(!resend_under_next_key(&a), "{a:?}");
        }
    }
}
