//! What the Worker keeps about the secrets a shopper holds, and never the
//! secrets themselves (pure; tested natively):
//!
//! - **Order tokens** are stored as SHA-256 digests ([`hash_token`]) and
//!   checked in constant time ([`token_matches`]). A database copy gives no
//!   access to any order.
//! - **Idempotency keys** are scoped to the client that sent them: the row
//!   is named by SHA-256 of the client's address and the key together
//!   ([`idempotency_id`]), so the same key from elsewhere is another key.
//!   The raw key is never stored.
//! - **The token in an idempotent answer** is kept wrapped under a pad that
//!   only the key and the client's address derive ([`wrap_token`]): a retry
//!   that presents both gets the token back; the stored row alone does not
//!   give it.
//! - **Request bodies** are recognised by SHA-256 ([`body_fingerprint`]).

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The prefix of a stored token digest.
const TOKEN_PREFIX: &str = "sha256:";

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// SHA-256 over the parts, each preceded by its length, so that no two
/// different lists of parts hash alike.
fn digest(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    h.finalize().into()
}

/// What is stored for an order token.
pub fn hash_token(token: &str) -> String {
    format!(
        "{TOKEN_PREFIX}{}",
        hex(&digest(&[b"mypay-edge order token v1", token.as_bytes()]))
    )
}

/// Whether `presented` is the token whose digest is `stored`, in constant
/// time. (A row written before tokens were hashed holds the token itself;
/// it is compared as such.)
pub fn token_matches(presented: &str, stored: &str) -> bool {
    if presented.is_empty() || stored.is_empty() {
        return false;
    }
    let candidate = if stored.starts_with(TOKEN_PREFIX) {
        hash_token(presented)
    } else {
        presented.to_owned()
    };
    candidate.as_bytes().ct_eq(stored.as_bytes()).into()
}

/// The stored name of an `Idempotency-Key` sent by `client` (its address).
pub fn idempotency_id(client: &str, key: &str) -> String {
    hex(&digest(&[
        b"mypay-edge idempotency v1",
        client.as_bytes(),
        key.as_bytes(),
    ]))
}

/// The pad for `len` bytes: SHA-256 blocks over the client, the key and a
/// counter (a different label from [`idempotency_id`], so the stored name
/// says nothing about it).
fn pad(client: &str, key: &str, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut counter: u64 = 0;
    while out.len() < len {
        out.extend_from_slice(&digest(&[
            b"mypay-edge token wrap v1",
            client.as_bytes(),
            key.as_bytes(),
            &counter.to_be_bytes(),
        ]));
        counter += 1;
    }
    out.truncate(len);
    out
}

/// `token` wrapped for the retries of `key` from `client` (hex).
pub fn wrap_token(client: &str, key: &str, token: &str) -> String {
    let bytes = token.as_bytes();
    let pad = pad(client, key, bytes.len());
    let wrapped: Vec<u8> = bytes.iter().zip(pad).map(|(b, p)| b ^ p).collect();
    hex(&wrapped)
}

/// The token [`wrap_token`] wrapped, given the same client and key; `None`
/// when `wrapped` is not what it writes.
pub fn unwrap_token(client: &str, key: &str, wrapped: &str) -> Option<String> {
    let bytes = unhex(wrapped)?;
    let pad = pad(client, key, bytes.len());
    String::from_utf8(bytes.iter().zip(pad).map(|(b, p)| b ^ p).collect()).ok()
}

/// SHA-256 of a request body, hex: a retry must send the same body.
pub fn body_fingerprint(body: &[u8]) -> String {
    hex(&digest(&[b"mypay-edge body v1", body]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_matches_its_digest_and_nothing_else() {
        let t = "0123456789abcdef0123456789abcdef0123456789abcdef";
        let stored = hash_token(t);
        assert!(stored.starts_with("sha256:") && stored.len() == 7 + 64);
        assert!(!stored.contains(t));
        assert!(token_matches(t, &stored));
        assert!(!token_matches(
            "0123456789abcdef0123456789abcdef0123456789abcdee",
            &stored
        ));
        assert!(!token_matches("", &stored));
        // The digest itself is not a token.
        assert!(!token_matches(&stored, &stored));
    }

    #[test]
    fn a_legacy_row_holding_the_token_still_matches() {
        assert!(token_matches("abc123", "abc123"));
        assert!(!token_matches("abc124", "abc123"));
        assert!(!token_matches("", ""));
    }

    #[test]
    fn idempotency_ids_are_per_client_and_hide_the_key() {
        let a = idempotency_id("203.0.113.7", "key-1");
        assert_eq!(a, idempotency_id("203.0.113.7", "key-1"));
        assert_ne!(a, idempotency_id("198.51.100.2", "key-1"));
        assert_ne!(a, idempotency_id("203.0.113.7", "key-2"));
        assert_eq!(a.len(), 64);
        assert!(!a.contains("key-1"));
        // Length-prefixed parts: moving the boundary changes the name.
        assert_ne!(idempotency_id("ab", "c"), idempotency_id("a", "bc"));
    }

    #[test]
    fn a_wrapped_token_comes_back_only_with_the_same_client_and_key() {
        let token = "5f2c0a9e8b7d6c5b4a3928171615141312111009f8e7d6c5";
        let w = wrap_token("203.0.113.7", "key-1", token);
        assert!(!w.contains(token));
        assert_eq!(
            unwrap_token("203.0.113.7", "key-1", &w).as_deref(),
            Some(token)
        );
        assert_ne!(
            unwrap_token("198.51.100.2", "key-1", &w).as_deref(),
            Some(token)
        );
        assert_ne!(
            unwrap_token("203.0.113.7", "key-2", &w).as_deref(),
            Some(token)
        );
        assert_eq!(unwrap_token("203.0.113.7", "key-1", "zz"), None);
        assert_eq!(unwrap_token("203.0.113.7", "key-1", "abc"), None);
    }

    #[test]
    fn long_tokens_wrap_past_one_block() {
        let token = "x".repeat(100);
        let w = wrap_token("c", "k", &token);
        assert_eq!(w.len(), 200);
        assert_eq!(unwrap_token("c", "k", &w), Some(token));
    }

    #[test]
    fn body_fingerprints_are_sha256() {
        let a = body_fingerprint(b"abc");
        assert_eq!(a.len(), 64);
        assert_eq!(a, body_fingerprint(b"abc"));
        assert_ne!(a, body_fingerprint(b"abd"));
        assert_ne!(a, body_fingerprint(b""));
    }

    #[test]
    fn hex_round_trips() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(unhex(&hex(&bytes)), Some(bytes));
        assert_eq!(unhex("0g"), None);
    }
}
