//! The AES-256-CBC envelope of MYPAY LINK (appendix 4 of the API text):
//! `base64(IV ‖ AES-256-CBC-PKCS#7(plaintext))` with a fresh random IV.

use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use std::fmt;
use subtle::ConstantTimeEq;

type Enc = cbc::Encryptor<aes::Aes256>;
type Dec = cbc::Decryptor<aes::Aes256>;

/// Bytes in an AES block and in the IV.
pub const IV_LEN: usize = 16;
/// Bytes in an agent key.
pub const KEY_LEN: usize = 32;

/// Base64 that accepts input with or without `=` padding.
const LENIENT_B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A MYPAY agent key: the UTF-8 bytes of a 32-character key string.
///
/// Its `Debug` is redacted; nothing in this crate ever prints the key.
#[derive(Clone)]
pub struct AgentKey([u8; KEY_LEN]);

/// Why a key string was refused. Names the length, never the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("agent key must be 32 bytes, got {0} bytes")]
    WrongLength(usize),
}

impl AgentKey {
    /// Makes a key from the key string MYPAY issued (32 ASCII characters).
    pub fn new(key: &str) -> Result<Self, KeyError> {
        let bytes: [u8; KEY_LEN] = key
            .as_bytes()
            .try_into()
            .map_err(|_| KeyError::WrongLength(key.len()))?;
        Ok(Self(bytes))
    }

    /// Makes a key from a secret as stored (surrounding whitespace, such as the
    /// newline a secrets file ends with, is ignored).
    pub fn from_secret(secret: &str) -> Result<Self, KeyError> {
        Self::new(secret.trim())
    }

    fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

impl fmt::Debug for AgentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AgentKey(<redacted>)")
    }
}

impl PartialEq for AgentKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}
impl Eq for AgentKey {}

/// Every way a ciphertext can fail to open. Deliberately one case: bad base64,
/// a short or misaligned body, bad padding and non-UTF-8 text are
/// indistinguishable to the caller, so the error is no padding oracle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not decrypt: the data is not a valid envelope for this key")]
pub struct DecryptError;

/// The platform gave no random bytes for the IV. Nothing is encrypted
/// without a fresh IV.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no randomness available for the IV")]
pub struct EntropyError;

/// Encrypts `plaintext` under `key` with a fresh random IV.
pub fn encrypt(key: &AgentKey, plaintext: &str) -> Result<String, EntropyError> {
    let mut iv = [0u8; IV_LEN];
    getrandom::getrandom(&mut iv).map_err(|_| EntropyError)?;
    Ok(encrypt_with_iv(key, &iv, plaintext))
}

/// Encrypts with a caller-chosen IV. For known-answer tests and benchmarks only:
/// reusing an IV leaks which messages share a prefix.
pub fn encrypt_with_iv(key: &AgentKey, iv: &[u8; IV_LEN], plaintext: &str) -> String {
    let ct = Enc::new(key.bytes().into(), iv.into())
        .encrypt_padded_vec_mut::<Pkcs7>(plaintext.as_bytes());
    let mut out = Vec::with_capacity(IV_LEN + ct.len());
    out.extend_from_slice(iv);
    out.extend_from_slice(&ct);
    STANDARD.encode(out)
}

/// Opens an envelope. Surrounding whitespace and missing base64 padding are
/// tolerated.
pub fn decrypt(key: &AgentKey, data: &str) -> Result<String, DecryptError> {
    let raw = LENIENT_B64.decode(data.trim()).map_err(|_| DecryptError)?;
    if raw.len() < 2 * IV_LEN || raw.len() % IV_LEN != 0 {
        return Err(DecryptError);
    }
    let (iv, ct) = raw.split_at(IV_LEN);
    let iv: &[u8; IV_LEN] = iv.try_into().map_err(|_| DecryptError)?;
    let pt = Dec::new(key.bytes().into(), iv.into())
        .decrypt_padded_vec_mut::<Pkcs7>(ct)
        .map_err(|_| DecryptError)?;
    String::from_utf8(pt).map_err(|_| DecryptError)
}

/// The current key and, during MYPAY's yearly rotation, the next one.
/// Replies and reports are accepted under either.
#[derive(Clone, Debug)]
pub struct KeyRing {
    pub current: AgentKey,
    pub next: Option<AgentKey>,
}

impl KeyRing {
    pub fn new(current: AgentKey, next: Option<AgentKey>) -> Self {
        Self { current, next }
    }

    /// The key to encrypt new requests with.
    pub fn signing(&self) -> &AgentKey {
        &self.current
    }

    /// Tries the current key, then the next one.
    pub fn decrypt(&self, data: &str) -> Result<String, DecryptError> {
        decrypt(&self.current, data).or_else(|e| match &self.next {
            Some(next) => decrypt(next, data),
            None => Err(e),
        })
    }
}

/// Constant-time equality of two secrets given as strings (for report keys,
/// bearer tokens). Unequal lengths compare unequal.
pub fn secret_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST_KEY: &str = "2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG";

    fn key() -> AgentKey {
        AgentKey::new(TEST_KEY).unwrap()
    }

    #[test]
    fn key_must_be_32_bytes_and_error_names_length_not_key() {
        let err = AgentKey::new("short-key").unwrap_err();
        assert_eq!(err, KeyError::WrongLength(9));
        assert!(!err.to_string().contains("short-key"));
        assert!(AgentKey::new(&"x".repeat(33)).is_err());
        // 32 characters but not 32 bytes
        assert_eq!(AgentKey::new(&"é".repeat(16)).map(|_| ()), Ok(()));
        assert!(AgentKey::new(&"é".repeat(32)).is_err());
    }

    #[test]
    fn key_debug_is_redacted() {
        let s = format!("{:?} {:?}", key(), KeyRing::new(key(), Some(key())));
        assert!(!s.contains(TEST_KEY));
        assert!(!s.contains("2Mrht"));
        assert!(s.contains("redacted"));
    }

    #[test]
    fn round_trip_with_fresh_iv_each_call() {
        let a = encrypt(&key(), "{\"a\":\"好\"}").unwrap();
        let b = encrypt(&key(), "{\"a\":\"好\"}").unwrap();
        assert_ne!(a, b, "IV must differ per call");
        assert_eq!(decrypt(&key(), &a).unwrap(), "{\"a\":\"好\"}");
        let raw = STANDARD.decode(&a).unwrap();
        assert_eq!(raw.len(), 32);
    }

    #[test]
    fn known_answer_fixed_iv() {
        // AES-256-CBC of the empty string is one padding block.
        let iv = [0u8; 16];
        let ct = encrypt_with_iv(&key(), &iv, "");
        let raw = STANDARD.decode(&ct).unwrap();
        assert_eq!(&raw[..16], &iv);
        assert_eq!(raw.len(), 32);
        assert_eq!(decrypt(&key(), &ct).unwrap(), "");
    }

    #[test]
    fn decrypt_tolerates_whitespace_and_missing_padding() {
        let ct = encrypt(&key(), "x").unwrap();
        assert!(ct.ends_with('='));
        let stripped = ct.trim_end_matches('=');
        assert_eq!(decrypt(&key(), &format!("  {stripped}\n")).unwrap(), "x");
    }

    #[test]
    fn every_decrypt_failure_is_the_same_error() {
        let k = key();
        let good = STANDARD
            .decode(encrypt(&k, "hello world, two blocks long!!").unwrap())
            .unwrap();
        let other = AgentKey::new(&"k".repeat(32)).unwrap();
        let cases: Vec<String> = vec![
            "!!!not base64!!!".into(),
            STANDARD.encode(&good[..16]),            // too short
            STANDARD.encode(&good[..40]),            // not a multiple of 16
            encrypt(&other, "hello world").unwrap(), // bad padding (wrong key)
        ];
        for c in &cases {
            assert_eq!(decrypt(&k, c), Err(DecryptError));
        }
        // Valid padding over bytes that are not UTF-8.
        let bad_utf8 = Enc::new(k.bytes().into(), (&[1u8; 16]).into())
            .encrypt_padded_vec_mut::<Pkcs7>(&[0xff, 0xfe]);
        let mut body = vec![1u8; 16];
        body.extend(bad_utf8);
        assert_eq!(decrypt(&k, &STANDARD.encode(body)), Err(DecryptError));
        assert_eq!(DecryptError.to_string(), DecryptError.to_string());
    }

    #[test]
    fn key_ring_accepts_current_and_next() {
        let next = AgentKey::new(&"N".repeat(32)).unwrap();
        let ring = KeyRing::new(key(), Some(next.clone()));
        assert_eq!(ring.decrypt(&encrypt(&next, "n").unwrap()).unwrap(), "n");
        assert_eq!(ring.decrypt(&encrypt(&key(), "c").unwrap()).unwrap(), "c");
        let stranger = AgentKey::new(&"S".repeat(32)).unwrap();
        assert!(ring.decrypt(&encrypt(&stranger, "s").unwrap()).is_err());
    }

    #[test]
    fn secret_eq_compares_whole_strings() {
        assert!(secret_eq("abc", "abc"));
        assert!(!secret_eq("abc", "abd"));
        assert!(!secret_eq("abc", "abcd"));
    }
}
