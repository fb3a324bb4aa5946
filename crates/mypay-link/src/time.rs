//! MYPAY's time format: `YYYYMMDDHHmmss` (and `YYYYMMDD`) in Taiwan time
//! (UTC+8, no daylight saving), to and from Unix seconds, and RFC 3339 UTC
//! for the JSON the Worker answers. Pure arithmetic: no clock, no I/O.

/// Taiwan's offset from UTC, in seconds.
pub const TAIWAN_OFFSET_SECS: i64 = 8 * 3600;

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

/// Reads MYPAY's `YYYYMMDDHHmmss` (Taiwan time, UTC+8) into Unix seconds.
pub fn parse_stamp(s: &str) -> Option<i64> {
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
    let t = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se - TAIWAN_OFFSET_SECS;
    // A day that does not exist in its month (Feb 31) does not read back.
    (civil((t + TAIWAN_OFFSET_SECS).div_euclid(86_400)) == (y, mo, d)).then_some(t)
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
    parse_stamp(&digits).map(|t| t + TAIWAN_OFFSET_SECS)
}

/// Unix seconds as MYPAY's `YYYYMMDDHHmmss` (Taiwan time).
pub fn format_stamp(secs: i64) -> String {
    rfc3339(secs + TAIWAN_OFFSET_SECS)
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect()
}

/// Unix seconds as MYPAY's `YYYYMMDD` (Taiwan date).
pub fn format_day(secs: i64) -> String {
    format_stamp(secs).chars().take(8).collect()
}

/// Reads MYPAY's `YYYYMMDD` (a Taiwan date) as the Unix seconds of its
/// first second.
pub fn parse_day(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() != 8 {
        return None;
    }
    parse_stamp(&format!("{s}000000"))
}

#[cfg(test)]
mod tests;
