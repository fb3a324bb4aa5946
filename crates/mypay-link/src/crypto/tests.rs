//! Tests of `crypto`.

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
    let bad_utf8 = k
        .encryptor(&[1u8; 16])
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
