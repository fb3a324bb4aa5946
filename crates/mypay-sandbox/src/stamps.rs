//! The sandbox's time formats. MYPAY's `YYYYMMDDHHmmss` and `YYYYMMDD`
//! (Taiwan time) are read and written by the protocol crate
//! ([`mypay_link::time`]), as everywhere else in the workspace. The
//! sandbox's own JSON (`created_at`, `history`, logs, `/sandbox/clock`) is
//! RFC 3339 in UTC with the fraction of a second the clock has, which is
//! what the `time` crate is kept for.

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime, UtcOffset};

/// `t` as MYPAY's `YYYYMMDDHHmmss` (Taiwan time).
pub fn stamp(t: OffsetDateTime) -> String {
    mypay_link::time::format_stamp(t.unix_timestamp())
}

/// `t` as MYPAY's `YYYYMMDD` (the Taiwan date).
pub fn day_stamp(t: OffsetDateTime) -> String {
    mypay_link::time::format_day(t.unix_timestamp())
}

/// Reads MYPAY's `YYYYMMDDHHmmss` (Taiwan time).
pub fn parse_stamp(s: &str) -> Option<OffsetDateTime> {
    mypay_link::time::parse_stamp(s).and_then(from_unix)
}

/// Reads MYPAY's `YYYYMMDD` as the first second of that Taiwan date.
pub fn parse_day(s: &str) -> Option<OffsetDateTime> {
    mypay_link::time::parse_day(s).and_then(from_unix)
}

fn from_unix(secs: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(secs).ok()
}

/// RFC 3339 in UTC (with the fraction of a second, when there is one).
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Reads RFC 3339 (any offset, any fraction).
pub fn parse_rfc3339(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// `t` plus whole days (unchanged on overflow).
pub fn plus_days(t: OffsetDateTime, days: i64) -> OffsetDateTime {
    days.checked_mul(86_400)
        .and_then(|s| plus_seconds(t, s))
        .unwrap_or(t)
}

/// `t` plus seconds (`None` on overflow).
pub fn plus_seconds(t: OffsetDateTime, seconds: i64) -> Option<OffsetDateTime> {
    t.checked_add(Duration::seconds(seconds))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_taiwan_time() {
        let t = parse_stamp("20211022090918").unwrap();
        assert_eq!(rfc3339(t), "2021-10-22T01:09:18Z");
        assert_eq!(stamp(t), "20211022090918");
        assert_eq!(day_stamp(t), "20211022");
        // 23:30 UTC is already the next day in Taiwan.
        let late = parse_rfc3339("2021-10-21T23:30:00Z").unwrap();
        assert_eq!(day_stamp(late), "20211022");
        assert_eq!(stamp(late), "20211022073000");
    }

    #[test]
    fn days_start_at_taiwan_midnight() {
        let d = parse_day("20211022").unwrap();
        assert_eq!(rfc3339(d), "2021-10-21T16:00:00Z");
        assert_eq!(parse_day("20211022"), parse_stamp("20211022000000"));
    }

    #[test]
    fn malformed_stamps_are_refused() {
        assert!(parse_stamp("2021102209091").is_none());
        assert!(parse_stamp("20211322090918").is_none());
        assert!(parse_stamp("").is_none());
        assert!(parse_day("2021102").is_none());
        assert!(parse_rfc3339("yesterday").is_none());
    }

    #[test]
    fn rfc3339_keeps_the_fraction_and_round_trips() {
        let t = parse_rfc3339("2026-03-01T04:00:00.25Z").unwrap();
        assert_eq!(rfc3339(t), "2026-03-01T04:00:00.25Z");
        assert_eq!(parse_rfc3339(&rfc3339(t)), Some(t));
        let tw = parse_rfc3339("2026-03-01T12:00:00+08:00").unwrap();
        assert_eq!(rfc3339(tw), "2026-03-01T04:00:00Z");
    }

    #[test]
    fn arithmetic() {
        let t = parse_stamp("20260301120000").unwrap();
        assert_eq!(stamp(plus_days(t, 9)), "20260310120000");
        assert_eq!(stamp(plus_seconds(t, 61).unwrap()), "20260301120101");
        assert_eq!(plus_days(t, i64::MAX), t, "unchanged on overflow");
        assert!(plus_seconds(t, i64::MAX).is_none());
    }
}
