//! Tests of `lenient`.

use super::*;

#[test]
fn numbers_read_from_number_or_digit_string() {
    let a: StrInt = serde_json::from_str("900").unwrap();
    let b: StrInt = serde_json::from_str("\"900\"").unwrap();
    assert_eq!(a, b);
    let c: Int = serde_json::from_str("\" 50 \"").unwrap();
    assert_eq!(c, Int(50));
    assert!(serde_json::from_str::<Int>("\"12a\"").is_err());
    assert!(serde_json::from_str::<Int>("\"\"").is_err());
    assert!(serde_json::from_str::<Int>("1.5").is_err());
    assert!(serde_json::from_str::<Int>("99999999999999999999").is_err());
}

#[test]
fn numbers_write_what_the_table_says() {
    assert_eq!(serde_json::to_string(&StrInt(900)).unwrap(), "\"900\"");
    assert_eq!(serde_json::to_string(&Int(900)).unwrap(), "900");
}

#[test]
fn text_reads_numbers() {
    let t: Text = serde_json::from_str("95227").unwrap();
    assert_eq!(t.as_str(), "95227");
    assert_eq!(serde_json::to_string(&t).unwrap(), "\"95227\"");
}

#[cfg(feature = "ts")]
#[test]
fn typescript_reads_requests_leniently_and_replies_as_typed() {
    use crate::models::{Item, OrderReply};
    use ts_rs::TS;
    let cfg = ts_rs::Config::new();
    // Requests take either form; replies come back as the tables type them.
    let item = Item::decl(&cfg);
    assert!(
        item.contains("id: Id,") && item.contains("cost?: Num,"),
        "{item}"
    );
    let reply = OrderReply::decl(&cfg);
    assert!(
        reply.contains("uid?: string,") && reply.contains("code: Code<StatusCode>,"),
        "{reply}"
    );
    assert_eq!(ts::Num::decl(&cfg), "type Num = number | string;");
}
