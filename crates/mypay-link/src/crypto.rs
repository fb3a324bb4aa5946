//! The AES-256-CBC envelope of MYPAY LINK (appendix 4 of the API text):
//! `base64(IV ‖ AES-256-CBC-PKCS#7(plaintext))` with a fresh random IV.

use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, BlockEncryptMut, InnerIvInit, KeyInit};
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

/// A MYPAY agent key: the UTF-8 bytes of a 32-character key string, and
/// its AES-256 round keys, expanded once (expanding them again for every
/// field would cost about as much as encrypting one).
///
/// Its `Debug` is redacted; nothing in this crate ever prints the key.
#[derive(Clone)]
pub struct AgentKey {
    bytes: [u8; KEY_LEN],
    cipher: aes::Aes256,
}

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
        Ok(Self {
            cipher: aes::Aes256::new(&bytes.into()),
            bytes,
        })
    }

    /// Makes a key from a secret as stored (surrounding whitespace, such as the
    /// newline a secrets file ends with, is ignored).
    pub fn from_secret(secret: &str) -> Result<Self, KeyError> {
        Self::new(secret.trim())
    }

    fn encryptor(&self, iv: &[u8; IV_LEN]) -> Enc {
        Enc::inner_iv_init(self.cipher.clone(), iv.into())
    }

    fn decryptor(&self, iv: &[u8; IV_LEN]) -> Dec {
        Dec::inner_iv_init(self.cipher.clone(), iv.into())
    }
}

impl fmt::Debug for AgentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AgentKey(<redacted>)")
    }
}

impl PartialEq for AgentKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes.ct_eq(&other.bytes).into()
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
    let ct = key
        .encryptor(iv)
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
    let pt = key
        .decryptor(iv)
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
mod tests;
