//! The sandbox's movable clock: real time plus an offset that tests set or
//! advance (`/sandbox/clock`). Every time stamp the sandbox makes (finishtime,
//! LimitDate, page lifetime, expected refund dates, logs) comes from here.
//! It lives only in the sandbox; nothing in production reads it.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use time::{Duration, OffsetDateTime, UtcOffset};

/// Largest offset accepted either way: 100 years.
pub const MAX_OFFSET_SECONDS: i64 = 100 * 366 * 24 * 3600;

/// Taiwan time (MYPAY's clock), UTC+8.
pub const TAIWAN: UtcOffset = time::macros::offset!(+8);

/// Real time shifted by `offset_seconds`; cheap to clone (shared offset).
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset: Arc<AtomicI64>,
}

impl Clock {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn offset_seconds(&self) -> i64 {
        self.offset.load(Ordering::SeqCst)
    }

    /// Sets the offset (clamped to ±[`MAX_OFFSET_SECONDS`]); returns it.
    pub fn set_offset(&self, seconds: i64) -> i64 {
        let s = seconds.clamp(-MAX_OFFSET_SECONDS, MAX_OFFSET_SECONDS);
        self.offset.store(s, Ordering::SeqCst);
        s
    }

    /// Moves the clock by `seconds` (clamped); returns the new offset.
    pub fn advance(&self, seconds: i64) -> i64 {
        let next = self.offset_seconds().saturating_add(seconds);
        self.set_offset(next)
    }

    /// Now, in UTC.
    pub fn now_utc(&self) -> OffsetDateTime {
        let real = OffsetDateTime::now_utc();
        real.checked_add(Duration::seconds(self.offset_seconds()))
            .unwrap_or(real)
    }

    /// Now, in Taiwan time.
    pub fn now_tw(&self) -> OffsetDateTime {
        self.now_utc().to_offset(TAIWAN)
    }

    /// Now as RFC 3339 (UTC).
    pub fn rfc3339(&self) -> String {
        rfc3339(self.now_utc())
    }
}

/// RFC 3339 in UTC.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Parses RFC 3339.
pub fn parse_rfc3339(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// Parses MYPAY's `YYYYMMDDHHmmss` (or `YYYYMMDD`, as 00:00:00) in Taiwan time.
pub fn parse_stamp(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if !(s.len() == 14 || s.len() == 8) || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
    let year = i32::try_from(num(0..4)?).ok()?;
    let month = time::Month::try_from(u8::try_from(num(4..6)?).ok()?).ok()?;
    let day = u8::try_from(num(6..8)?).ok()?;
    let (h, m, sec) = if s.len() == 14 {
        (num(8..10)?, num(10..12)?, num(12..14)?)
    } else {
        (0, 0, 0)
    };
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    let t = time::Time::from_hms(
        u8::try_from(h).ok()?,
        u8::try_from(m).ok()?,
        u8::try_from(sec).ok()?,
    )
    .ok()?;
    Some(time::PrimitiveDateTime::new(date, t).assume_offset(TAIWAN))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn offsets_set_advance_and_clamp() {
        let c = Clock::new();
        assert_eq!(c.offset_seconds(), 0);
        assert_eq!(c.set_offset(60), 60);
        assert_eq!(c.advance(30), 90);
        assert_eq!(c.advance(-100), -10);
        assert_eq!(c.set_offset(i64::MAX), MAX_OFFSET_SECONDS);
        assert_eq!(c.advance(i64::MAX), MAX_OFFSET_SECONDS);
        let shared = c.clone();
        shared.set_offset(3600);
        let d = c.now_utc() - OffsetDateTime::now_utc();
        assert!((d.whole_seconds() - 3600).abs() <= 2);
    }

    #[test]
    fn stamps_parse_in_taiwan_time() {
        let t = parse_stamp("20211022090918").unwrap();
        assert_eq!(rfc3339(t), "2021-10-22T01:09:18Z");
        let d = parse_stamp("20211022").unwrap();
        assert_eq!(rfc3339(d), "2021-10-21T16:00:00Z");
        assert!(parse_stamp("2021102209091").is_none());
        assert!(parse_stamp("20211322090918").is_none());
        assert!(parse_rfc3339(&rfc3339(t)).is_some());
    }
}
