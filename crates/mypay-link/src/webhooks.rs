//! Outbound merchant webhooks as the Standard Webhooks specification
//! (<https://www.standardwebhooks.com/>) defines them: the `whsec_` secret,
//! the three headers, and the signature
//! `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`.
//!
//! One rule, one place: the Worker signs with [`Secret::sign`] and
//! `mypay listen` checks with [`Secret::verify`], so the two can never
//! disagree. No clock here: the caller passes the time.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

/// The message's id: the same on every retry of one message.
pub const HEADER_ID: &str = "webhook-id";
/// When this attempt was signed, in Unix seconds.
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
/// One or more space-separated `v1,<base64>` signatures.
pub const HEADER_SIGNATURE: &str = "webhook-signature";
/// The prefix of a secret in its text form.
pub const SECRET_PREFIX: &str = "whsec_";
/// How far a timestamp may be from the receiver's clock (the
/// specification's suggested five minutes), either way.
pub const DEFAULT_TOLERANCE_SECS: i64 = 5 * 60;
/// The key lengths the specification allows, in bytes.
pub const KEY_BYTES_MIN: usize = 24;
pub const KEY_BYTES_MAX: usize = 64;
/// The length of the keys this project generates.
pub const GENERATED_KEY_BYTES: usize = 32;

type HmacSha256 = Hmac<Sha256>;

/// A signing key. Its `Debug` never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    key: Vec<u8>,
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Why a secret's text is not one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("a webhook secret starts with whsec_")]
    Prefix,
    #[error("the part after whsec_ is not base64")]
    Base64,
    #[error("the key is {0} bytes; it must be 24 to 64")]
    Length(usize),
}

/// Why a delivery does not verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the {0} header is missing")]
    MissingHeader(&'static str),
    #[error("webhook-timestamp is not a whole number of seconds")]
    BadTimestamp,
    #[error("webhook-timestamp is too old")]
    TooOld,
    #[error("webhook-timestamp is in the future")]
    TooNew,
    #[error("no v1 signature matches")]
    NoMatch,
}

impl VerifyError {
    /// A stable code for logs and error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::MissingHeader(_) => "missing_header",
            VerifyError::BadTimestamp => "bad_timestamp",
            VerifyError::TooOld => "timestamp_too_old",
            VerifyError::TooNew => "timestamp_too_new",
            VerifyError::NoMatch => "bad_signature",
        }
    }
}

/// The three headers of one delivery attempt, as received (any may be
/// missing).
#[derive(Clone, Copy, Debug, Default)]
pub struct Headers<'a> {
    pub id: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
}

impl Secret {
    /// Reads `whsec_<base64 key>`, the form the specification publishes
    /// (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let b64 = text
            .trim()
            .strip_prefix(SECRET_PREFIX)
            .ok_or(SecretError::Prefix)?;
        let key = STANDARD.decode(b64).map_err(|_| SecretError::Base64)?;
        Self::from_key(key)
    }

    /// A key of `bytes`, checked for length.
    pub fn from_key(key: Vec<u8>) -> Result<Self, SecretError> {
        if !(KEY_BYTES_MIN..=KEY_BYTES_MAX).contains(&key.len()) {
            return Err(SecretError::Length(key.len()));
        }
        Ok(Self { key })
    }

    /// A fresh random key of [`GENERATED_KEY_BYTES`].
    pub fn generate() -> Result<Self, crate::crypto::EntropyError> {
        let mut key = vec![0u8; GENERATED_KEY_BYTES];
        getrandom::getrandom(&mut key).map_err(|_| crate::crypto::EntropyError)?;
        Ok(Self { key })
    }

    /// The text form, `whsec_<base64 key>`: what the merchant is shown once.
    pub fn to_text(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.key))
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
        // HMAC takes a key of any length: new_from_slice cannot fail.
        let mut mac = match HmacSha256::new_from_slice(&self.key) {
            Ok(m) => m,
            Err(_) => unreachable_hmac(),
        };
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The `webhook-signature` value for one attempt: `v1,<base64>`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = self.mac(id, timestamp, body).finalize().into_bytes();
        format!("v1,{}", STANDARD.encode(tag))
    }

    /// Checks a received delivery: every header present, the timestamp
    /// within `tolerance_secs` of `now` (both Unix seconds), and at least
    /// one `v1` signature equal to ours (compared in constant time).
    /// Signatures of other versions are ignored, as the specification says.
    pub fn verify(
        &self,
        headers: Headers<'_>,
        body: &[u8],
        now: i64,
        tolerance_secs: i64,
    ) -> Result<(), VerifyError> {
        let id = headers
            .id
            .ok_or(VerifyError::MissingHeader(HEADER_ID))?
            .trim();
        let ts_text = headers
            .timestamp
            .ok_or(VerifyError::MissingHeader(HEADER_TIMESTAMP))?
            .trim();
        let signatures = headers
            .signature
            .ok_or(VerifyError::MissingHeader(HEADER_SIGNATURE))?;
        if ts_text.is_empty() || !ts_text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(VerifyError::BadTimestamp);
        }
        let timestamp: i64 = ts_text.parse().map_err(|_| VerifyError::BadTimestamp)?;
        if timestamp < now.saturating_sub(tolerance_secs) {
            return Err(VerifyError::TooOld);
        }
        if timestamp > now.saturating_add(tolerance_secs) {
            return Err(VerifyError::TooNew);
        }
        let expected = self.mac(id, timestamp, body);
        let matched = signatures
            .split_whitespace()
            .filter_map(|s| s.strip_prefix("v1,"))
            .filter_map(|b64| STANDARD.decode(b64).ok())
            // verify_slice compares in constant time.
            .any(|tag| expected.clone().verify_slice(&tag).is_ok());
        if matched {
            Ok(())
        } else {
            Err(VerifyError::NoMatch)
        }
    }
}

#[cold]
fn unreachable_hmac() -> HmacSha256 {
    // HMAC accepts keys of every length; this is never reached. A fixed
    // zero key keeps the function total without a panic.
    <HmacSha256 as hmac::digest::KeyInit>::new(&Default::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    // The Standard Webhooks reference vector (published with the
    // specification's libraries).
    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TS: i64 = 1_614_265_330;
    const SPEC_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SPEC_SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn headers<'a>(id: &'a str, ts: &'a str, sig: &'a str) -> Headers<'a> {
        Headers {
            id: Some(id),
            timestamp: Some(ts),
            signature: Some(sig),
        }
    }

    #[test]
    fn signs_the_specification_example() {
        let s = Secret::parse(SPEC_SECRET).unwrap();
        assert_eq!(s.sign(SPEC_ID, SPEC_TS, SPEC_BODY), SPEC_SIG);
    }

    #[test]
    fn verifies_the_specification_example() {
        let s = Secret::parse(SPEC_SECRET).unwrap();
        let ts = SPEC_TS.to_string();
        s.verify(headers(SPEC_ID, &ts, SPEC_SIG), SPEC_BODY, SPEC_TS, 300)
            .unwrap();
        // Among several signatures, and beside another version's.
        let many = format!("v2,abc v1,bm9wZQ== {SPEC_SIG}");
        s.verify(headers(SPEC_ID, &ts, &many), SPEC_BODY, SPEC_TS + 10, 300)
            .unwrap();
    }

    #[test]
    fn tampering_fails() {
        let s = Secret::parse(SPEC_SECRET).unwrap();
        let ts = SPEC_TS.to_string();
        let h = headers(SPEC_ID, &ts, SPEC_SIG);
        assert_eq!(
            s.verify(h, br#"{"test": 2432232315}"#, SPEC_TS, 300),
            Err(VerifyError::NoMatch)
        );
        let later = (SPEC_TS + 1).to_string();
        assert_eq!(
            s.verify(headers(SPEC_ID, &later, SPEC_SIG), SPEC_BODY, SPEC_TS, 300),
            Err(VerifyError::NoMatch)
        );
        assert_eq!(
            s.verify(headers("msg_other", &ts, SPEC_SIG), SPEC_BODY, SPEC_TS, 300),
            Err(VerifyError::NoMatch)
        );
        let other = Secret::parse("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").unwrap();
        assert_eq!(
            other.verify(h, SPEC_BODY, SPEC_TS, 300),
            Err(VerifyError::NoMatch)
        );
        // A v2 signature with the right bytes is not a v1 signature.
        let v2 = SPEC_SIG.replacen("v1,", "v2,", 1);
        assert_eq!(
            s.verify(headers(SPEC_ID, &ts, &v2), SPEC_BODY, SPEC_TS, 300),
            Err(VerifyError::NoMatch)
        );
    }

    #[test]
    fn timestamps_outside_the_tolerance_fail() {
        let s = Secret::parse(SPEC_SECRET).unwrap();
        let ts = SPEC_TS.to_string();
        let h = headers(SPEC_ID, &ts, SPEC_SIG);
        assert_eq!(
            s.verify(h, SPEC_BODY, SPEC_TS + 301, 300),
            Err(VerifyError::TooOld)
        );
        assert_eq!(
            s.verify(h, SPEC_BODY, SPEC_TS - 301, 300),
            Err(VerifyError::TooNew)
        );
        s.verify(h, SPEC_BODY, SPEC_TS + 300, 300).unwrap();
        for bad in ["", "-1", "1e9", "16142653300000000000000", " 12x"] {
            assert_eq!(
                s.verify(headers(SPEC_ID, bad, SPEC_SIG), SPEC_BODY, SPEC_TS, 300),
                Err(VerifyError::BadTimestamp),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn missing_headers_are_named() {
        let s = Secret::parse(SPEC_SECRET).unwrap();
        let ts = SPEC_TS.to_string();
        let mut h = headers(SPEC_ID, &ts, SPEC_SIG);
        h.signature = None;
        assert_eq!(
            s.verify(h, SPEC_BODY, SPEC_TS, 300),
            Err(VerifyError::MissingHeader(HEADER_SIGNATURE))
        );
        h.id = None;
        assert_eq!(
            s.verify(h, SPEC_BODY, SPEC_TS, 300),
            Err(VerifyError::MissingHeader(HEADER_ID))
        );
    }

    #[test]
    fn secrets_parse_strictly_and_round_trip() {
        assert_eq!(
            Secret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            Err(SecretError::Prefix)
        );
        assert_eq!(Secret::parse("whsec_!!!"), Err(SecretError::Base64));
        assert_eq!(Secret::parse("whsec_AAAA"), Err(SecretError::Length(3)));
        let g = Secret::generate().unwrap();
        let text = g.to_text();
        assert!(text.starts_with("whsec_"));
        assert_eq!(Secret::parse(&text).unwrap(), g);
        assert_ne!(Secret::generate().unwrap(), g);
        assert_eq!(Secret::parse(SPEC_SECRET).unwrap().to_text(), SPEC_SECRET);
        assert!(!format!("{g:?}").contains(&text[6..]));
    }
}
