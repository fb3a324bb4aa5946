//! The numbers the sandbox makes up: an order's `key`, authorisation codes,
//! store codes, virtual accounts, barcodes and invoice numbers.

use rand::Rng;

/// 32 lowercase hex characters (an order's `key`).
pub fn hex32() -> String {
    let bytes: [u8; 16] = rand::thread_rng().gen();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `n` decimal digits.
pub fn digits(n: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..n)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect()
}

/// A 6-character authorisation code (no I or O).
pub fn acode() -> String {
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
    let mut rng = rand::thread_rng();
    (0..6)
        .map(|_| char::from(CHARS[rng.gen_range(0..CHARS.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let k = hex32();
        assert_eq!(k.len(), 32);
        assert!(k
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_ne!(hex32(), k);
        let d = digits(14);
        assert_eq!(d.len(), 14);
        assert!(d.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(digits(0), "");
        let a = acode();
        assert_eq!(a.len(), 6);
        assert!(a
            .bytes()
            .all(|b| (b.is_ascii_uppercase() || b.is_ascii_digit()) && b != b'I' && b != b'O'));
    }
}
