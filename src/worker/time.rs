//! Clock and calendar helpers (Unix seconds ↔ RFC 3339, UTC), and random ids.

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

/// Days since 1970-01-01 to (year, month, day) — Howard Hinnant's algorithm.
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2026-11-27T12:34:56Z`
pub fn rfc3339(secs: i64) -> String {
    let (y, mo, d) = civil(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

pub fn now_rfc3339() -> String {
    rfc3339(now())
}

/// `20261127123456` (MYPAY's YYYYMMDDHHmmss, Taiwan time) for ids.
pub fn compact_taipei(secs: i64) -> String {
    rfc3339(secs + 8 * 3600)
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect()
}

/// Reads MYPAY's `YYYYMMDDHHmmss` (Taiwan time, UTC+8) into Unix seconds.
pub fn parse_mypay_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() != 14 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |a: usize, b: usize| s.get(a..b).and_then(|x| x.parse::<i64>().ok());
    let (y, mo, d, h, mi, se) = (
        n(0, 4)?,
        n(4, 6)?,
        n(6, 8)?,
        n(8, 10)?,
        n(10, 12)?,
        n(12, 14)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 59 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se - 8 * 3600)
}

/// Reads `2026-11-27T12:34:56Z` (UTC only) into Unix seconds.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let digits: String = s
        .trim()
        .trim_end_matches('Z')
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect();
    if !s.trim().ends_with('Z') || digits.len() != 14 {
        return None;
    }
    parse_mypay_time(&digits).map(|t| t + 8 * 3600)
}

/// `n` random bytes as lowercase hex.
pub fn random_hex(n: usize) -> Option<String> {
    let mut buf = vec![0u8; n];
    getrandom::getrandom(&mut buf).ok()?;
    Some(buf.iter().map(|b| format!("{b:02x}")).collect())
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
