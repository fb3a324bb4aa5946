//! Pure rules of the Worker's edge (`worker::guard`), tested natively.

/// The period of every rate limit, in seconds (the `period` of the
/// `[[ratelimits]]` bindings in wrangler.toml).
pub const PERIOD_SECONDS: u32 = 60;

/// `scheme://host[:port]` of a URL.
pub fn origin_of(url: &str) -> Option<&str> {
    let scheme_end = url.find("://")? + 3;
    let rest = url.get(scheme_end..)?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    (end > 0).then(|| url.get(..scheme_end + end)).flatten()
}

/// Whether `Content-Type` names JSON (`application/json`, any parameters).
pub fn is_json(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|ct| ct.split(';').next())
        .map(|m| m.trim().eq_ignore_ascii_case("application/json"))
        .unwrap_or(false)
}

/// Seconds until the current rate-limit window ends, at `now` (Unix
/// seconds): windows are aligned to the clock, [`PERIOD_SECONDS`] long.
pub fn retry_after(now: f64) -> u32 {
    let now = if now.is_finite() && now > 0.0 {
        now as u64
    } else {
        0
    };
    let period = u64::from(PERIOD_SECONDS);
    let left = period - now % period;
    u32::try_from(left).unwrap_or(PERIOD_SECONDS).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_of_urls() {
        assert_eq!(
            origin_of("https://shop.example.com/api/checkout?x=1"),
            Some("https://shop.example.com")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8787/api/quote"),
            Some("http://127.0.0.1:8787")
        );
        assert_eq!(origin_of("http://a.example"), Some("http://a.example"));
        assert_eq!(origin_of("http:///x"), None);
        assert_eq!(origin_of("nonsense"), None);
    }

    #[test]
    fn json_content_types() {
        assert!(is_json(Some("application/json")));
        assert!(is_json(Some("Application/JSON; charset=utf-8")));
        assert!(!is_json(Some("text/plain")));
        assert!(!is_json(Some("application/x-www-form-urlencoded")));
        assert!(!is_json(Some("multipart/form-data; boundary=x")));
        assert!(!is_json(Some("application/jsonp")));
        assert!(!is_json(None));
    }

    #[test]
    fn retry_after_is_the_rest_of_the_window() {
        assert_eq!(retry_after(60_000.0), 60);
        assert_eq!(retry_after(60_059.5), 1);
        assert_eq!(retry_after(60_001.0), 59);
        assert_eq!(retry_after(f64::NAN), 60);
    }
}
