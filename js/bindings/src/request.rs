//! `buildRequest`'s options and result.

#[cfg(feature = "ts")]
use mypay_link::lenient::ts::Id;
use mypay_link::lenient::Text;
use serde::{Deserialize, Serialize};

/// The `options` of {@link buildRequest}.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RequestOptions {
    /// 經銷商商務代號.
    #[cfg_attr(feature = "ts", ts(as = "Id"))]
    pub agent_uid: Text,
    /// The agent key, 32 characters (`invalid_key` otherwise).
    // Never read into this struct: `buildRequest` checks it on its own first.
    #[serde(skip_deserializing)]
    #[cfg_attr(feature = "ts", ts(type = "AgentKey"))]
    pub key: Redacted,
}

/// Where a secret would be: never read into this struct.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Redacted;

/// An agent API call, ready for `fetch(endpoint, {method, headers:
/// {'content-type': contentType}, body})`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BuiltRequest {
    #[cfg_attr(feature = "ts", ts(type = "\"POST\""))]
    pub method: &'static str,
    #[cfg_attr(feature = "ts", ts(type = "\"application/x-www-form-urlencoded\""))]
    pub content_type: &'static str,
    /// `agent_uid=…&service=…&encry_data=…`, both encrypted fields with their own IV.
    pub body: String,
}

impl From<mypay_link::envelope::HttpRequest> for BuiltRequest {
    fn from(r: mypay_link::envelope::HttpRequest) -> Self {
        BuiltRequest {
            method: r.method,
            content_type: r.content_type,
            body: r.body,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_read_a_numeric_agent_uid_and_never_the_key() {
        let o: RequestOptions = serde_json::from_value(
            serde_json::json!({"agentUid": 518169081001u64, "key": "2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG"}),
        )
        .unwrap();
        assert_eq!(o.agent_uid.as_str(), "518169081001");
        assert_eq!(o.key, Redacted);
    }

    #[cfg(feature = "ts")]
    #[test]
    fn the_declared_method_and_content_type_are_the_envelopes() {
        use ts_rs::TS;
        let key = mypay_link::AgentKey::new("2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG").unwrap();
        let r = mypay_link::envelope::build_request(
            "1",
            &key,
            mypay_link::Command::QueryOrder,
            &serde_json::json!({}),
        )
        .unwrap();
        let decl = BuiltRequest::decl(&ts_rs::Config::new());
        assert!(
            decl.contains(&format!("method: \"{}\"", r.method)),
            "{decl}"
        );
        assert!(
            decl.contains(&format!("contentType: \"{}\"", r.content_type)),
            "{decl}"
        );
    }
}
