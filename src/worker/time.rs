//! The Worker's clock (with the test clock's offset) and random ids. The
//! calendar arithmetic is the protocol crate's (`mypay_link::time`).

pub use mypay_link::time::{format_stamp, parse_rfc3339, parse_stamp, rfc3339};

use std::cell::Cell;

thread_local! {
    /// The test clock's offset (`TEST_CLOCK=1` only; see `Config`).
    static OFFSET: Cell<i64> = const { Cell::new(0) };
}

/// Sets the test clock's offset for this isolate (0 outside tests).
pub fn set_offset(secs: i64) {
    OFFSET.with(|o| o.set(secs));
}

/// Seconds since the Unix epoch (plus the test clock's offset, if any).
pub fn now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64 + OFFSET.with(Cell::get)
}

pub fn now_rfc3339() -> String {
    rfc3339(now())
}

/// `n` random bytes as lowercase hex.
pub fn random_hex(n: usize) -> Option<String> {
    let mut buf = vec![0u8; n];
    getrandom::getrandom(&mut buf).ok()?;
    Some(crate::secrets::hex(&buf))
}

/// `n` random characters of `A-Z0-9` without look-alikes (0/O, 1/I).
pub fn random_code(n: usize) -> Option<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut buf = vec![0u8; n];
    getrandom::getrandom(&mut buf).ok()?;
    Some(
        buf.iter()
            .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
            .collect(),
    )
}
