//! Tests of `call`: the policy each command follows.

use super::*;
use crate::crypto::KeyRing;

fn mypay(code: &str) -> ReplyError {
    ReplyError::Mypay {
        code: code.into(),
        msg: String::new(),
    }
}

#[test]
fn orders_and_refunds_are_never_repeated() {
    for f in [Failure::Timeout, Failure::Network, Failure::Http(502)] {
        assert_eq!(OrderRequest::RETRY.next_delay_ms(1, &f), None);
        assert_eq!(RefundRequest::RETRY.next_delay_ms(1, &f), None);
    }
}

#[test]
fn queries_are_repeated_on_transient_failures_only() {
    let r = QueryRequest::RETRY;
    assert_eq!(r.next_delay_ms(1, &Failure::Timeout), Some(200));
    assert_eq!(r.next_delay_ms(2, &Failure::Http(503)), Some(400));
    assert_eq!(
        r.next_delay_ms(3, &Failure::Network),
        None,
        "three attempts in all"
    );
    let refused = mypay("100");
    assert_eq!(r.next_delay_ms(1, &Failure::Reply(&refused)), None);
    let busy = mypay("400");
    assert_eq!(r.next_delay_ms(1, &Failure::Reply(&busy)), Some(200));
    assert_eq!(
        r.next_delay_ms(1, &Failure::Http(403)),
        None,
        "the firewall's 403 is not transient"
    );
}

#[test]
fn an_error_page_is_an_http_failure_and_a_100_asks_for_the_next_key() {
    let e = read_reply::<QueryRequest>(502, "<html>bad gateway</html>").unwrap_err();
    assert_eq!(e, CallError::Http(502));
    let e = read_reply::<OrderRequest>(200, r#"{"code":"100","msg":"資料錯誤"}"#).unwrap_err();
    assert!(e.resend_under_next_key());
    let e = read_reply::<RefundRequest>(200, r#"{"code":"B500","msg":"執行失敗"}"#).unwrap_err();
    assert!(!e.resend_under_next_key());
}

#[test]
fn a_request_is_sealed_for_its_own_command() {
    let key = crate::AgentKey::from_secret("2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG").unwrap();
    let q = QueryRequest {
        uid: "95217".into(),
        key: "k".into(),
    };
    let req = build_request("518169081001", &key, &q).unwrap();
    let env = crate::Envelope::from_form(&req.body).unwrap();
    let ring = KeyRing::new(key, None);
    assert_eq!(env.open_service(&ring).unwrap().cmd, Command::QueryOrder);
    assert_eq!(retry_of(&Command::QueryOrder), Some(QueryRequest::RETRY));
    assert_eq!(retry_of(&Command::parse("api/other")), None);
}
