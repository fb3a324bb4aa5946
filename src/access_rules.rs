//! Cloudflare Access sign-in for the admin API: the rules a
//! `Cf-Access-Jwt-Assertion` token must meet, apart from its signature
//! (which the Worker checks with WebCrypto against the team's JWKS).
//!
//! - The token is three base64url parts; its header says `alg: RS256` (no
//!   other algorithm, never `none` or an HMAC one) and names a `kid`.
//! - `iss` is `https://<team domain>`; `aud` (a string or a list) contains
//!   the application's audience tag; `exp` is in the future; `nbf` and
//!   `iat`, when present, are not in the future (with [`LEEWAY_SECS`] for
//!   clock skew either way).
//!
//! Pure and tested natively.

use serde::Deserialize;
use serde_json::Value;
use std::fmt;

/// Clock skew allowed on `exp`, `nbf` and `iat`.
pub const LEEWAY_SECS: i64 = 60;

/// Longest token accepted (Access's are about 1 KB).
pub const MAX_TOKEN_BYTES: usize = 8192;

/// Why a token is refused. The `code` is logged; the answer to the client
/// is a plain 401.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccessError {
    /// Not three base64url parts of JSON, or too long.
    Malformed,
    /// `alg` is not RS256.
    Algorithm,
    /// No `kid`, or the team's JWKS has no such key.
    UnknownKey,
    /// The signature does not verify.
    Signature,
    Issuer,
    Audience,
    Expired,
    /// `nbf` or `iat` in the future.
    NotYetValid,
    /// The team's JWKS could not be fetched or read.
    Certs,
}

impl AccessError {
    pub fn code(&self) -> &'static str {
        match self {
            AccessError::Malformed => "malformed",
            AccessError::Algorithm => "algorithm",
            AccessError::UnknownKey => "unknown_key",
            AccessError::Signature => "signature",
            AccessError::Issuer => "issuer",
            AccessError::Audience => "audience",
            AccessError::Expired => "expired",
            AccessError::NotYetValid => "not_yet_valid",
            AccessError::Certs => "certs_unavailable",
        }
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A token split and decoded; its signature not yet checked.
#[derive(Clone, Debug)]
pub struct Token {
    pub kid: String,
    pub claims: Value,
    /// `<header>.<payload>` as sent: what the signature covers.
    pub signed: Vec<u8>,
    pub signature: Vec<u8>,
}

#[derive(Deserialize)]
struct Header {
    alg: Option<String>,
    kid: Option<String>,
}

/// Decodes base64url without padding (padding is tolerated).
pub fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    // A lone sixth-bit group cannot end a valid encoding.
    if s.len() % 4 == 1 {
        return None;
    }
    Some(out)
}

/// Splits and decodes a token, refusing any algorithm but RS256.
pub fn parse(token: &str) -> Result<Token, AccessError> {
    let token = token.trim();
    if token.is_empty() || token.len() > MAX_TOKEN_BYTES {
        return Err(AccessError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(AccessError::Malformed);
    };
    let header: Header = b64url_decode(h)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(AccessError::Malformed)?;
    if header.alg.as_deref() != Some("RS256") {
        return Err(AccessError::Algorithm);
    }
    let kid = header
        .kid
        .filter(|k| !k.is_empty())
        .ok_or(AccessError::UnknownKey)?;
    let claims: Value = b64url_decode(p)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .filter(Value::is_object)
        .ok_or(AccessError::Malformed)?;
    let signature = b64url_decode(sig)
        .filter(|s| !s.is_empty())
        .ok_or(AccessError::Malformed)?;
    Ok(Token {
        kid,
        claims,
        signed: format!("{h}.{p}").into_bytes(),
        signature,
    })
}

/// The team domain as configured (`myteam.cloudflareaccess.com`, with or
/// without `https://` and a trailing slash), bare.
pub fn bare_domain(team_domain: &str) -> &str {
    let d = team_domain.trim();
    let d = d.strip_prefix("https://").unwrap_or(d);
    d.trim_end_matches('/')
}

/// Whether `domain` is a plain host name (letters, digits, `-` and `.`).
pub fn valid_domain(domain: &str) -> bool {
    let d = bare_domain(domain);
    !d.is_empty()
        && d.len() <= 253
        && d.contains('.')
        && d.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.')
}

/// The issuer Access writes in its tokens.
pub fn issuer(team_domain: &str) -> String {
    format!("https://{}", bare_domain(team_domain))
}

/// Where the team publishes its signing keys.
pub fn certs_url(team_domain: &str) -> String {
    format!("https://{}/cdn-cgi/access/certs", bare_domain(team_domain))
}

fn int_claim(claims: &Value, name: &str) -> Result<Option<i64>, AccessError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .or_else(|| v.as_f64().map(|f| f as i64))
            .map(Some)
            .ok_or(AccessError::Malformed),
    }
}

/// Checks `iss`, `aud`, `exp`, `nbf` and `iat` at `now` (Unix seconds).
pub fn check_claims(
    claims: &Value,
    team_domain: &str,
    audience: &str,
    now: i64,
) -> Result<(), AccessError> {
    if claims.get("iss").and_then(Value::as_str) != Some(issuer(team_domain).as_str()) {
        return Err(AccessError::Issuer);
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == audience,
        Some(Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(audience)),
        _ => false,
    };
    if !aud_ok {
        return Err(AccessError::Audience);
    }
    let exp = int_claim(claims, "exp")?.ok_or(AccessError::Expired)?;
    if exp + LEEWAY_SECS <= now {
        return Err(AccessError::Expired);
    }
    for name in ["nbf", "iat"] {
        if let Some(t) = int_claim(claims, name)? {
            if t - LEEWAY_SECS > now {
                return Err(AccessError::NotYetValid);
            }
        }
    }
    Ok(())
}

/// Who signed in: the token's `email` (a service token has none: its
/// `common_name`), for the logs and the console.
pub fn principal(claims: &Value) -> String {
    claims
        .get("email")
        .or_else(|| claims.get("common_name"))
        .and_then(Value::as_str)
        .unwrap_or("access")
        .chars()
        .take(200)
        .collect()
}

/// One RSA signing key of a JWKS.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Jwk {
    pub kid: String,
    pub kty: String,
    pub n: String,
    pub e: String,
    #[serde(default)]
    pub alg: Option<String>,
}

#[derive(Deserialize)]
struct Jwks {
    keys: Vec<Value>,
}

/// The RSA keys of a JWKS document (other kinds, and keys for another
/// algorithm, are skipped).
pub fn parse_jwks(text: &str) -> Result<Vec<Jwk>, AccessError> {
    let doc: Jwks = serde_json::from_str(text).map_err(|_| AccessError::Certs)?;
    Ok(doc
        .keys
        .into_iter()
        .filter_map(|k| serde_json::from_value::<Jwk>(k).ok())
        .filter(|k| k.kty == "RSA" && k.alg.as_deref().is_none_or(|a| a == "RS256"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn b64url(bytes: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..=chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }

    fn token(header: Value, claims: Value) -> String {
        format!(
            "{}.{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(claims.to_string().as_bytes()),
            b64url(b"sig")
        )
    }

    const TEAM: &str = "team.cloudflareaccess.com";
    const AUD: &str = "aud-123";

    fn good_claims(now: i64) -> Value {
        json!({"iss": "https://team.cloudflareaccess.com", "aud": [AUD], "exp": now + 300, "iat": now, "nbf": now, "email": "a@example.com"})
    }

    #[test]
    fn base64url_round_trips() {
        for s in [
            &b""[..],
            b"f",
            b"fo",
            b"foo",
            b"foob",
            b"fooba",
            b"foobar",
            &[0xff, 0xfe, 0x00],
        ] {
            assert_eq!(b64url_decode(&b64url(s)).as_deref(), Some(s));
        }
        assert_eq!(b64url_decode("Zm9v==").as_deref(), Some(&b"foo"[..]));
        assert_eq!(b64url_decode("Zm9v+"), None);
        assert_eq!(b64url_decode("Z"), None);
    }

    #[test]
    fn parses_an_rs256_token() {
        let t = token(
            json!({"alg": "RS256", "kid": "k1", "typ": "JWT"}),
            good_claims(100),
        );
        let p = parse(&t).unwrap();
        assert_eq!(p.kid, "k1");
        assert_eq!(p.signature, b"sig");
        assert_eq!(p.claims["email"], "a@example.com");
        let dot = t.rfind('.').unwrap();
        assert_eq!(p.signed, &t.as_bytes()[..dot]);
    }

    #[test]
    fn refuses_other_algorithms_and_shapes() {
        for alg in [
            json!("HS256"),
            json!("none"),
            json!("RS512"),
            json!("ES256"),
            Value::Null,
        ] {
            let t = token(json!({"alg": alg, "kid": "k1"}), good_claims(100));
            assert_eq!(parse(&t).unwrap_err(), AccessError::Algorithm, "{alg}");
        }
        let no_kid = token(json!({"alg": "RS256"}), good_claims(100));
        assert_eq!(parse(&no_kid).unwrap_err(), AccessError::UnknownKey);
        let h = b64url(br#"{"alg":"RS256","kid":"k"}"#);
        let c = b64url(br#"{"aud":"x"}"#);
        for bad in [
            String::new(),
            "a.b".into(),
            format!("{h}.{c}"),
            format!("{h}.{c}.c2ln.extra"),
            format!("{h}.{c}."),
            format!("{h}.bm90IGpzb24.c2ln"),
            format!("{h}.WzFd.c2ln"),
            format!("{h}.{c}.c2l*"),
            "x".repeat(MAX_TOKEN_BYTES + 1),
        ] {
            assert_eq!(parse(&bad).unwrap_err(), AccessError::Malformed, "{bad}");
        }
    }

    #[test]
    fn claims_rules() {
        let now = 1_800_000_000;
        assert_eq!(check_claims(&good_claims(now), TEAM, AUD, now), Ok(()));
        assert_eq!(
            check_claims(
                &good_claims(now),
                "https://team.cloudflareaccess.com/",
                AUD,
                now
            ),
            Ok(())
        );
        let with = |k: &str, v: Value| {
            let mut c = good_claims(now);
            c[k] = v;
            check_claims(&c, TEAM, AUD, now)
        };
        assert_eq!(with("aud", json!(AUD)), Ok(()));
        assert_eq!(with("aud", json!(["other", AUD])), Ok(()));
        assert_eq!(with("aud", json!(["other"])), Err(AccessError::Audience));
        assert_eq!(with("aud", json!("aud-1234")), Err(AccessError::Audience));
        assert_eq!(with("aud", Value::Null), Err(AccessError::Audience));
        assert_eq!(
            with("iss", json!("https://evil.cloudflareaccess.com")),
            Err(AccessError::Issuer)
        );
        assert_eq!(
            with("iss", json!("team.cloudflareaccess.com")),
            Err(AccessError::Issuer)
        );
        assert_eq!(
            with("exp", json!(now - LEEWAY_SECS)),
            Err(AccessError::Expired)
        );
        assert_eq!(with("exp", json!(now - 10)), Ok(()));
        assert_eq!(with("exp", Value::Null), Err(AccessError::Expired));
        assert_eq!(with("exp", json!("soon")), Err(AccessError::Malformed));
        assert_eq!(
            with("nbf", json!(now + LEEWAY_SECS + 1)),
            Err(AccessError::NotYetValid)
        );
        assert_eq!(
            with("iat", json!(now + LEEWAY_SECS + 1)),
            Err(AccessError::NotYetValid)
        );
        assert_eq!(with("iat", json!(now + 5)), Ok(()));
    }

    #[test]
    fn domains_and_urls() {
        assert_eq!(
            issuer("https://team.cloudflareaccess.com/"),
            "https://team.cloudflareaccess.com"
        );
        assert_eq!(
            certs_url("team.cloudflareaccess.com"),
            "https://team.cloudflareaccess.com/cdn-cgi/access/certs"
        );
        assert!(valid_domain("team.cloudflareaccess.com"));
        assert!(!valid_domain("team"));
        assert!(!valid_domain("team.example.com/x"));
        assert!(!valid_domain("http://team.example.com"));
    }

    #[test]
    fn principal_and_jwks() {
        assert_eq!(principal(&json!({"email": "a@b.tw"})), "a@b.tw");
        assert_eq!(
            principal(&json!({"common_name": "svc.access"})),
            "svc.access"
        );
        assert_eq!(principal(&json!({})), "access");
        let keys = parse_jwks(
            r#"{"keys":[{"kid":"a","kty":"RSA","alg":"RS256","n":"nn","e":"AQAB"},
                         {"kid":"b","kty":"EC","crv":"P-256","x":"x","y":"y"},
                         {"kid":"c","kty":"RSA","alg":"RS512","n":"nn","e":"AQAB"},
                         {"kid":"d","kty":"RSA","n":"nn","e":"AQAB"}],
                "public_cert":{"kid":"a","cert":"…"}}"#,
        )
        .unwrap();
        assert_eq!(
            keys.iter().map(|k| k.kid.as_str()).collect::<Vec<_>>(),
            ["a", "d"]
        );
        assert_eq!(parse_jwks("not json"), Err(AccessError::Certs));
    }
}
