//! The sandbox's movable clock: real time plus an offset that tests set or
//! advance (`/sandbox/clock`). Every time stamp the sandbox makes (finishtime,
//! LimitDate, page lifetime, expected refund dates, logs) comes from here.
//! It lives only in the sandbox; nothing in production reads it.

use crate::stamps::{plus_seconds, rfc3339};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use time::OffsetDateTime;

/// Largest offset accepted either way: 100 years.
pub const MAX_OFFSET_SECONDS: i64 = 100 * 366 * 24 * 3600;

/// Real time shifted by `offset_seconds`; cheap to clone (shared offset).
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset: Arc<AtomicI64>,
}

impl Clock {
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
    pub fn now(&self) -> OffsetDateTime {
        let real = OffsetDateTime::now_utc();
        plus_seconds(real, self.offset_seconds()).unwrap_or(real)
    }

    /// Now as RFC 3339 (UTC).
    pub fn rfc3339(&self) -> String {
        rfc3339(self.now())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::stamps::parse_rfc3339;

    #[test]
    fn offsets_set_advance_and_clamp() {
        let c = Clock::default();
        assert_eq!(c.offset_seconds(), 0);
        assert_eq!(c.set_offset(60), 60);
        assert_eq!(c.advance(30), 90);
        assert_eq!(c.advance(-100), -10);
        assert_eq!(c.set_offset(i64::MAX), MAX_OFFSET_SECONDS);
        assert_eq!(c.advance(i64::MAX), MAX_OFFSET_SECONDS);
        assert_eq!(c.set_offset(i64::MIN), -MAX_OFFSET_SECONDS);
        let shared = c.clone();
        shared.set_offset(3600);
        let d = c.now() - OffsetDateTime::now_utc();
        assert!((d.whole_seconds() - 3600).abs() <= 2);
    }

    #[test]
    fn now_is_rfc3339_utc() {
        let c = Clock::default();
        let text = c.rfc3339();
        assert!(text.ends_with('Z'), "{text}");
        let t = parse_rfc3339(&text).unwrap();
        assert!((t - OffsetDateTime::now_utc()).whole_seconds().abs() <= 2);
    }
}
