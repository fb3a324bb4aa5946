//! Tests of `time`.

use super::*;

#[test]
fn stamps_are_taiwan_time() {
    // 2021-10-22 09:09:18 in Taiwan is 01:09:18 UTC.
    let t = parse_stamp("20211022090918").unwrap();
    assert_eq!(rfc3339(t), "2021-10-22T01:09:18Z");
    assert_eq!(format_stamp(t), "20211022090918");
    assert_eq!(format_day(t), "20211022");
    assert_eq!(parse_day("20211022"), parse_stamp("20211022000000"));
}

#[test]
fn bad_stamps_are_refused() {
    for s in [
        "",
        "2021102209091",
        "202110220909189",
        "2021102209091x",
        "20211322090918",
        "20211022250918",
        "20211000090918",
    ] {
        assert_eq!(parse_stamp(s), None, "{s}");
    }
    assert_eq!(parse_day("2021102"), None);
    assert!(
        parse_stamp("20240229235959").is_some(),
        "2024 is a leap year"
    );
}

#[test]
fn rfc3339_round_trips() {
    for t in [0, 86_399, 1_700_000_000, 4_102_444_799] {
        assert_eq!(parse_rfc3339(&rfc3339(t)), Some(t));
    }
    assert_eq!(parse_rfc3339("2026-11-27T12:34:56"), None);
}
