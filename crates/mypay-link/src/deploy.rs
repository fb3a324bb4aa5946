//! Rules for a deployment's MYPAY settings, as `mypay doctor` checks them
//! and the Worker reports them: which host an endpoint is (test, live, the
//! local sandbox), whether agent and store ids look like MYPAY's, what an
//! `api/queryorder` for an order that cannot exist says about the key, and
//! how old a key may get before MYPAY's yearly rotation. Pure: no clock, no
//! I/O (the caller passes "now").

use crate::call::Failure;
use crate::reply::ReplyError;
use serde::{Deserialize, Serialize};

/// MYPAY's test host (agent API `https://pay.usecase.cc/api/agent`).
pub const TEST_HOST: &str = "pay.usecase.cc";
/// MYPAY's live host (agent API `https://ka.mypay.tw/api/agent`).
pub const LIVE_HOST: &str = "ka.mypay.tw";
/// The live host older manuals name.
pub const LEGACY_LIVE_HOST: &str = "mypay.tw";
/// The agent API's path on either host.
pub const AGENT_PATH: &str = "/api/agent";
/// The agent of the API text's samples (MYPAY's published test agent).
pub const TEST_AGENT_UID: &str = "518169081001";
/// The store of the API text's samples.
pub const TEST_STORE_UID: &str = "289151880002";

/// Which MYPAY an endpoint is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Host {
    /// `pay.usecase.cc`: MYPAY's test host (test keys only).
    Test,
    /// `ka.mypay.tw`: MYPAY's live host (live keys only).
    Live,
    /// `mypay.tw`: the live host of older manuals.
    LegacyLive,
    /// http to this machine: the local sandbox (`mypay sandbox`).
    Local,
    /// Anything else.
    Other,
}

/// The scheme, host (lower case, without port) and path of an http(s) URL.
fn split_url(url: &str) -> Option<(&str, String, &str)> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://")?;
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        format!("[{}]", v6.split(']').next().unwrap_or_default())
    } else {
        host_port.split(':').next().unwrap_or_default().to_owned()
    };
    Some((scheme, host.to_ascii_lowercase(), path))
}

/// Classifies the agent API endpoint by its host.
pub fn classify_endpoint(url: &str) -> Host {
    let Some((scheme, host, _)) = split_url(url) else {
        return Host::Other;
    };
    let scheme = scheme.to_ascii_lowercase();
    if ["127.0.0.1", "localhost", "[::1]"].contains(&host.as_str()) {
        return Host::Local;
    }
    if scheme != "https" {
        return Host::Other;
    }
    match host.as_str() {
        TEST_HOST => Host::Test,
        LIVE_HOST => Host::Live,
        LEGACY_LIVE_HOST | "www.mypay.tw" => Host::LegacyLive,
        _ => Host::Other,
    }
}

/// The verdict on an endpoint for an agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointCheck {
    /// MYPAY's test host (fine with the test agent or a test account).
    Test,
    /// MYPAY's live host with an agent of one's own.
    Live,
    /// The local sandbox.
    Local,
    /// `mypay.tw`, the live host of older manuals (warning: use ka.mypay.tw).
    LegacyLive,
    /// The published test agent on a live host: its key is a test key, which
    /// the live host does not accept.
    TestAgentOnLive,
    /// Live was asked for (going live), but this is the test host or the sandbox.
    NotLive,
    /// Not `/api/agent` on its host.
    WrongPath,
    /// Not a MYPAY host.
    UnknownHost,
}

impl EndpointCheck {
    /// Whether this verdict fails the check (warnings do not).
    pub fn fails(self) -> bool {
        matches!(
            self,
            EndpointCheck::TestAgentOnLive
                | EndpointCheck::NotLive
                | EndpointCheck::WrongPath
                | EndpointCheck::UnknownHost
        )
    }
}

/// Whether `endpoint` is the right host for `agent_uid` (and for going
/// live, when `expect_live`). MYPAY's test host takes test keys only and
/// its live host live keys only; the published test agent's key is a test
/// key.
pub fn check_endpoint(endpoint: &str, agent_uid: &str, expect_live: bool) -> EndpointCheck {
    let host = classify_endpoint(endpoint);
    let path = split_url(endpoint)
        .map(|(_, _, p)| p.trim_end_matches('/').to_owned())
        .unwrap_or_default();
    let test_agent = agent_uid.trim() == TEST_AGENT_UID;
    match host {
        Host::Other => EndpointCheck::UnknownHost,
        Host::Local if expect_live => EndpointCheck::NotLive,
        Host::Local => EndpointCheck::Local,
        _ if path != AGENT_PATH => EndpointCheck::WrongPath,
        Host::Test if expect_live => EndpointCheck::NotLive,
        Host::Test => EndpointCheck::Test,
        Host::Live | Host::LegacyLive if test_agent => EndpointCheck::TestAgentOnLive,
        Host::Live => EndpointCheck::Live,
        Host::LegacyLive => EndpointCheck::LegacyLive,
    }
}

/// The verdict on an agent or store id. The API text gives `agent_uid` as
/// string(16) and `store_uid` as a string; every sample of both is 12 digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdCheck {
    /// Digits, of the samples' length.
    Ok,
    /// Not set.
    Empty,
    /// Something other than digits (a placeholder left in wrangler.toml).
    NotDigits,
    /// Longer than the API text allows.
    TooLong,
    /// Digits, but not the samples' 12 (a warning: the text does not fix it).
    UnusualLength,
}

impl IdCheck {
    pub fn fails(self) -> bool {
        matches!(self, IdCheck::Empty | IdCheck::NotDigits | IdCheck::TooLong)
    }
}

/// The samples' length of both ids.
pub const ID_SAMPLE_LEN: usize = 12;
/// `agent_uid` is string(16).
pub const AGENT_UID_MAX_LEN: usize = 16;

fn check_id(v: &str, max: usize) -> IdCheck {
    let v = v.trim();
    if v.is_empty() {
        IdCheck::Empty
    } else if !v.bytes().all(|b| b.is_ascii_digit()) {
        IdCheck::NotDigits
    } else if v.len() > max {
        IdCheck::TooLong
    } else if v.len() != ID_SAMPLE_LEN {
        IdCheck::UnusualLength
    } else {
        IdCheck::Ok
    }
}

/// `agent_uid` (經銷商商務代號): digits, at most 16, the samples' 12.
pub fn check_agent_uid(v: &str) -> IdCheck {
    check_id(v, AGENT_UID_MAX_LEN)
}

/// `store_uid` (特約商店代碼): digits, the samples' 12 (no maximum in the text;
/// 32 is the most any setting takes).
pub fn check_store_uid(v: &str) -> IdCheck {
    check_id(v, 32)
}

/// The `uid` of the probe query: MYPAY numbers orders from 1, so no order
/// has uid 0.
pub const PROBE_UID: &str = "0";
/// The `key` of the probe query (no order's key: MYPAY's are random hex).
pub const PROBE_KEY: &str = "00000000000000000000000000000000";

/// What an `api/queryorder` for an order that cannot exist says about the
/// agent key. MYPAY answers both a wrong key and an unknown order with code
/// 100 (資料錯誤); only its message tells them apart, when it names the
/// cause (`解密` decryption, `查無` not found): otherwise `Unclear`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyProbe {
    /// MYPAY opened the envelope and looked the order up: the key is right.
    Accepted,
    /// MYPAY could not decrypt the envelope: not this agent's key on this host.
    WrongKey,
    /// MYPAY does not know the agent id.
    UnknownAgent,
    /// The firewall answered 403 (a request without a User-Agent).
    Firewall,
    /// No answer: timeout, network failure, HTTP 5xx.
    Unreachable,
    /// An answer that tells neither (a code 100 naming no cause, 400, …).
    Unclear,
}

impl KeyProbe {
    /// Reads the probe's outcome: `Ok` (MYPAY answered with an order, which
    /// it should not, but the key opened the envelope) or the failure.
    pub fn from_outcome(outcome: Result<(), &Failure<'_>>) -> KeyProbe {
        match outcome {
            Ok(()) => KeyProbe::Accepted,
            Err(Failure::Timeout | Failure::Network) => KeyProbe::Unreachable,
            Err(Failure::Http(403))
            | Err(Failure::Reply(ReplyError::NotJson { status: 403, .. })) => KeyProbe::Firewall,
            Err(Failure::Http(_)) | Err(Failure::Reply(ReplyError::NotJson { .. })) => {
                KeyProbe::Unreachable
            }
            Err(Failure::Reply(ReplyError::Malformed(_))) => KeyProbe::Unclear,
            Err(Failure::Reply(ReplyError::Mypay { code, msg })) => Self::from_refusal(code, msg),
        }
    }

    /// Reads MYPAY's refusal `{"code","msg"}` of the probe.
    pub fn from_refusal(code: &str, msg: &str) -> KeyProbe {
        if code.trim() != "100" {
            return KeyProbe::Unclear;
        }
        let m = msg.to_ascii_lowercase();
        if msg.contains("查無") || m.contains("not found") || m.contains("no order") {
            KeyProbe::Accepted
        } else if msg.contains("解密") || m.contains("decrypt") || msg.contains("service 格式")
        {
            // A wrong key decrypts `service` to noise: a padding error, or
            // rarely bytes that are not the service JSON.
            KeyProbe::WrongKey
        } else if msg.contains("商務代號") || m.contains("agent_uid") {
            KeyProbe::UnknownAgent
        } else {
            KeyProbe::Unclear
        }
    }
}

/// MYPAY's keys last one year and MYPAY rotates them 7 days before expiry.
pub const KEY_LIFETIME_DAYS: i64 = 365;
/// From this age (about 11 months) the check warns that the rotation is near.
pub const KEY_ROTATION_WARN_DAYS: i64 = 335;

/// The age of the agent key from the date it was issued
/// (`MYPAY_AGENT_KEY_ISSUED`, `YYYY-MM-DD`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum KeyAge {
    /// No date set (a warning: nothing reminds anyone of the rotation).
    Unknown,
    /// Not a `YYYY-MM-DD` date.
    Malformed,
    /// A date after today.
    Future,
    /// Younger than [`KEY_ROTATION_WARN_DAYS`].
    Fresh { days: i64 },
    /// Near the yearly rotation (a warning).
    RotationNear { days: i64 },
    /// Older than a year (a warning: MYPAY has rotated it; the key check
    /// says whether it is still accepted).
    PastRotation { days: i64 },
}

impl KeyAge {
    pub fn fails(self) -> bool {
        matches!(self, KeyAge::Malformed | KeyAge::Future)
    }

    pub fn warns(self) -> bool {
        matches!(
            self,
            KeyAge::Unknown | KeyAge::RotationNear { .. } | KeyAge::PastRotation { .. }
        )
    }
}

/// Reads `YYYY-MM-DD` (UTC midnight) into Unix seconds.
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    crate::time::parse_rfc3339(&format!("{s}T00:00:00Z"))
}

/// The key's age on `now` (Unix seconds) from `issued` (`YYYY-MM-DD`).
pub fn key_age(issued: Option<&str>, now: i64) -> KeyAge {
    let Some(issued) = issued.map(str::trim).filter(|s| !s.is_empty()) else {
        return KeyAge::Unknown;
    };
    let Some(at) = parse_date(issued) else {
        return KeyAge::Malformed;
    };
    let days = (now - at).div_euclid(86_400);
    if days < 0 {
        KeyAge::Future
    } else if days >= KEY_LIFETIME_DAYS {
        KeyAge::PastRotation { days }
    } else if days >= KEY_ROTATION_WARN_DAYS {
        KeyAge::RotationNear { days }
    } else {
        KeyAge::Fresh { days }
    }
}

/// The origin (`scheme://host[:port]`, lower case, default port dropped) of
/// an http(s) URL, as a browser sends it in `Origin`.
pub fn origin_of(url: &str) -> Option<String> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = match rest.find(['/', '?', '#']) {
        Some(i) => &rest[..i],
        None => rest,
    };
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    if authority.is_empty() {
        return None;
    }
    let mut authority = authority.to_ascii_lowercase();
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    if let Some(stripped) = authority.strip_suffix(default_port) {
        authority = stripped.to_owned();
    }
    Some(format!("{scheme}://{authority}"))
}

#[cfg(test)]
mod tests;
