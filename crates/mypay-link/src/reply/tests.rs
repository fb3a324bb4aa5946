//! Tests of `reply`.

use super::*;

#[test]
fn order_reply_success_and_error() {
    let ok = r#"{"code":"200","msg":"資料正確","url":"http:\/\/pay.usecase.cc\/payment\/95227.html","uid":95227,"key":"d2c55a2055cbe6f711f1e977039e2a8f"}"#;
    let r = parse_order_reply(200, ok).unwrap();
    assert_eq!(r.uid.unwrap().as_str(), "95227");
    assert_eq!(
        r.url.as_deref(),
        Some("http://pay.usecase.cc/payment/95227.html")
    );
    let err = parse_order_reply(200, r#"{"code":"100","msg":"資料錯誤"}"#).unwrap_err();
    assert_eq!(
        err,
        ReplyError::Mypay {
            code: "100".into(),
            msg: "資料錯誤".into()
        }
    );
}

#[test]
fn html_firewall_page_is_not_json_with_status() {
    let err = parse_order_reply(403, "<html><body>403 Forbidden</body></html>").unwrap_err();
    assert!(matches!(err, ReplyError::NotJson { status: 403, .. }));
    assert_eq!(err.code(), "upstream_not_json");
}

#[test]
fn refund_b500_is_an_error_with_code_and_msg() {
    let err = parse_refund_reply(
        200,
        r#"{"code":"B500","msg":"執行失敗","uid":"1","key":"k"}"#,
    )
    .unwrap_err();
    assert_eq!(
        err,
        ReplyError::Mypay {
            code: "B500".into(),
            msg: "執行失敗".into()
        }
    );
}

#[test]
fn query_error_reply_carries_code() {
    let err = parse_query_reply(200, r#"{"code":"100","msg":"查無資料"}"#).unwrap_err();
    assert_eq!(
        err,
        ReplyError::Mypay {
            code: "100".into(),
            msg: "查無資料".into()
        }
    );
    assert!(matches!(
        parse_query_reply(200, "[]"),
        Err(ReplyError::Malformed(_))
    ));
}
