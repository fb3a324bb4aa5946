//! The errors the package throws: every `code` a `MypayError` can carry
//! ([`ErrorCode`], the TypeScript `MypayErrorCode`), and [`Failure`], the
//! error of a wasm export before it becomes a JS `Error`.

use mypay_link::envelope::EnvelopeError;
use mypay_link::reply::ReplyError;
use mypay_link::verify::NotifyError;
use serde::{Serialize, Serializer};

macro_rules! error_codes {
    ($( $(#[doc = $doc:literal])* $variant:ident = $code:literal ),+ $(,)?) => {
        /// The `code` of a `MypayError`: every code the package throws, from
        /// the wasm exports and from its JS layer (js/src). Stable strings.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $( $(#[doc = $doc])* $variant, )+
        }

        impl ErrorCode {
            /// Every code.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            /// The code as JS sees it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( ErrorCode::$variant => $code, )+
                }
            }

            /// Reads a code; `None` for a string that is not one.
            pub fn parse(code: &str) -> Option<Self> {
                match code {
                    $( $code => Some(ErrorCode::$variant), )+
                    _ => None,
                }
            }
        }

        /// `type MypayErrorCode`: the union of the codes, each with its doc.
        #[cfg(feature = "ts")]
        impl ts_rs::TS for ErrorCode {
            type WithoutGenerics = Self;
            type OptionInnerType = Self;
            fn docs() -> Option<String> {
                Some(mypay_link::lenient::ts::jsdoc(&[" The `code` of a {@link MypayError}: stable strings."]))
            }
            fn ident(_: &ts_rs::Config) -> String {
                "MypayErrorCode".to_owned()
            }
            fn name(_: &ts_rs::Config) -> String {
                "MypayErrorCode".to_owned()
            }
            fn inline(cfg: &ts_rs::Config) -> String {
                Self::name(cfg)
            }
            fn decl(_: &ts_rs::Config) -> String {
                let members = [$( (ErrorCode::$variant, &[$($doc),*][..]) ),+];
                format!("type MypayErrorCode ={};", mypay_link::codes::ts::union(&members))
            }
            fn decl_concrete(cfg: &ts_rs::Config) -> String {
                Self::decl(cfg)
            }
            fn output_path() -> Option<std::path::PathBuf> {
                Some(std::path::PathBuf::from("MypayErrorCode.ts"))
            }
        }
    };
}

error_codes! {
    /// An argument has the wrong type or shape.
    InvalidArgument = "invalid_argument",
    /// The agent key is not 32 bytes (a string, or `[current, next]`).
    InvalidKey = "invalid_key",
    /// A text argument is over 8 Mi characters.
    InputTooLarge = "input_too_large",
    /// Bad base64, bad length, bad padding or not UTF-8: deliberately one case.
    DecryptFailed = "decrypt_failed",
    /// The platform gave no random bytes for the IV.
    NoEntropy = "no_entropy",
    /// An envelope that is not `agent_uid`, `service` and `encry_data`.
    MalformedEnvelope = "malformed_envelope",
    /// An envelope field that opened but is not the JSON expected.
    BadJson = "bad_json",
    /// MYPAY refused the call: see `mypayCode` and `mypayMsg`.
    MypayError = "mypay_error",
    /// MYPAY (or a firewall in front of it) answered with something that is not JSON: see `status`.
    UpstreamNotJson = "upstream_not_json",
    /// JSON, but not the documented shape.
    UpstreamMalformed = "upstream_malformed",
    /// A callback form body that cannot be read.
    InvalidForm = "invalid_form",
    /// The request breaks the API text's rules: see `problems` (thrown by `MypayClient`).
    InvalidRequest = "invalid_request",
    /// The report is for another order (`verifyNotification`).
    UidMismatch = "uid_mismatch",
    /// The report's key is not the order's (`verifyNotification`).
    KeyMismatch = "key_mismatch",
    /// The report's order_id is not the order's (`verifyNotification`).
    OrderIdMismatch = "order_id_mismatch",
    /// The report's cost is not the order's amount (`verifyNotification`).
    CostMismatch = "cost_mismatch",
    /// The report lacks a field that is checked: see `field`.
    MissingField = "missing_field",
    /// No answer within `timeoutMs` (for createOrder: the order may exist). Thrown by `MypayClient`.
    Timeout = "timeout",
    /// The request did not reach MYPAY or the answer did not arrive. Thrown by `MypayClient`.
    NetworkError = "network_error",
    /// A bug in mypay-edge.
    InternalError = "internal_error",
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The error of a wasm export, before it becomes a JS `Error` named
/// `MypayError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: ErrorCode,
    pub message: String,
    /// MYPAY's own `code` when it refused a call.
    pub mypay_code: Option<String>,
    /// MYPAY's own `msg`.
    pub mypay_msg: Option<String>,
    /// The HTTP status of a reply that is not JSON.
    pub status: Option<u16>,
    /// The start of such a reply.
    pub snippet: Option<String>,
    /// The report field that is missing.
    pub field: Option<&'static str>,
}

impl Failure {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            mypay_code: None,
            mypay_msg: None,
            status: None,
            snippet: None,
            field: None,
        }
    }

    /// `invalid_argument`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidArgument, message)
    }
}

impl From<ReplyError> for Failure {
    fn from(e: ReplyError) -> Self {
        let code = match e {
            ReplyError::Mypay { .. } => ErrorCode::MypayError,
            ReplyError::NotJson { .. } => ErrorCode::UpstreamNotJson,
            ReplyError::Malformed(_) => ErrorCode::UpstreamMalformed,
        };
        let mut f = Failure::new(code, e.to_string());
        match e {
            ReplyError::Mypay { code, msg } => {
                f.mypay_code = Some(code);
                f.mypay_msg = Some(msg);
            }
            ReplyError::NotJson { status, snippet } => {
                f.status = Some(status);
                f.snippet = Some(snippet);
            }
            ReplyError::Malformed(_) => {}
        }
        f
    }
}

impl From<EnvelopeError> for Failure {
    fn from(e: EnvelopeError) -> Self {
        let code = match e {
            EnvelopeError::Malformed => ErrorCode::MalformedEnvelope,
            EnvelopeError::Decrypt => ErrorCode::DecryptFailed,
            EnvelopeError::BadJson { .. } => ErrorCode::BadJson,
            EnvelopeError::Entropy(_) => ErrorCode::NoEntropy,
            EnvelopeError::Serialize(_) => ErrorCode::InvalidArgument,
        };
        Failure::new(code, e.to_string())
    }
}

/// `verifyNotification`'s codes, which predate the protocol crate's log
/// codes (`report_uid_mismatch`, ...); the messages are the crate's (they
/// name the field, never a value).
impl From<NotifyError> for Failure {
    fn from(e: NotifyError) -> Self {
        let (code, field) = match e {
            NotifyError::Missing(field) => (ErrorCode::MissingField, Some(field)),
            NotifyError::UidMismatch => (ErrorCode::UidMismatch, None),
            NotifyError::KeyMismatch => (ErrorCode::KeyMismatch, None),
            NotifyError::OrderIdMismatch => (ErrorCode::OrderIdMismatch, None),
            NotifyError::CostMismatch => (ErrorCode::CostMismatch, None),
        };
        let mut f = Failure::new(code, e.to_string());
        f.field = field;
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_back_and_serialize_as_their_strings() {
        assert_eq!(ErrorCode::ALL.len(), 20);
        for &c in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(c.as_str()), Some(c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        assert_eq!(ErrorCode::parse("nope"), None);
    }

    #[test]
    fn reply_errors_keep_mypay_code_status_and_snippet() {
        let f = Failure::from(ReplyError::Mypay {
            code: "100".into(),
            msg: "資料錯誤".into(),
        });
        assert_eq!(f.code, ErrorCode::MypayError);
        assert_eq!(f.mypay_code.as_deref(), Some("100"));
        let f = Failure::from(ReplyError::NotJson {
            status: 403,
            snippet: "<html>".into(),
        });
        assert_eq!((f.code, f.status), (ErrorCode::UpstreamNotJson, Some(403)));
        assert_eq!(f.snippet.as_deref(), Some("<html>"));
    }

    #[test]
    fn notify_errors_keep_the_js_codes_and_name_the_missing_field() {
        let f = Failure::from(NotifyError::Missing("order_id"));
        assert_eq!(
            (f.code, f.field),
            (ErrorCode::MissingField, Some("order_id"))
        );
        assert_eq!(
            Failure::from(NotifyError::KeyMismatch).code,
            ErrorCode::KeyMismatch
        );
        assert_eq!(
            Failure::from(NotifyError::OrderIdMismatch).code.as_str(),
            "order_id_mismatch"
        );
    }
}
