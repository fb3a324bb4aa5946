use super::*;

const DAY: i64 = 86_400;

#[test]
fn endpoints_are_classified_by_host() {
    assert_eq!(
        classify_endpoint("https://pay.usecase.cc/api/agent"),
        Host::Test
    );
    assert_eq!(
        classify_endpoint("https://KA.MYPAY.TW/api/agent"),
        Host::Live
    );
    assert_eq!(
        classify_endpoint("https://ka.mypay.tw:443/api/agent"),
        Host::Live
    );
    assert_eq!(
        classify_endpoint("https://mypay.tw/api/agent"),
        Host::LegacyLive
    );
    assert_eq!(
        classify_endpoint("http://127.0.0.1:8788/api/agent"),
        Host::Local
    );
    assert_eq!(
        classify_endpoint("http://localhost:8788/api/agent"),
        Host::Local
    );
    assert_eq!(
        classify_endpoint("http://[::1]:8788/api/agent"),
        Host::Local
    );
    // Plain http to MYPAY, look-alike hosts and garbage are none of them.
    assert_eq!(
        classify_endpoint("http://pay.usecase.cc/api/agent"),
        Host::Other
    );
    assert_eq!(
        classify_endpoint("https://pay.usecase.cc.evil.example/api/agent"),
        Host::Other
    );
    assert_eq!(
        classify_endpoint("https://user@evil.example/api/agent"),
        Host::Other
    );
    assert_eq!(classify_endpoint("pay.usecase.cc/api/agent"), Host::Other);
    assert_eq!(classify_endpoint(""), Host::Other);
}

#[test]
fn the_endpoint_must_suit_the_agent() {
    let own = "123456789012";
    assert_eq!(
        check_endpoint("https://pay.usecase.cc/api/agent", TEST_AGENT_UID, false),
        EndpointCheck::Test
    );
    assert_eq!(
        check_endpoint("https://pay.usecase.cc/api/agent/", own, false),
        EndpointCheck::Test
    );
    assert_eq!(
        check_endpoint("https://ka.mypay.tw/api/agent", own, true),
        EndpointCheck::Live
    );
    assert_eq!(
        check_endpoint("http://127.0.0.1:8788/api/agent", TEST_AGENT_UID, false),
        EndpointCheck::Local
    );
    assert_eq!(
        check_endpoint("https://mypay.tw/api/agent", own, false),
        EndpointCheck::LegacyLive
    );
    assert!(!EndpointCheck::LegacyLive.fails());
    // The published test agent's key is a test key: never on the live host.
    for live in [
        "https://ka.mypay.tw/api/agent",
        "https://mypay.tw/api/agent",
    ] {
        let v = check_endpoint(live, TEST_AGENT_UID, false);
        assert_eq!(v, EndpointCheck::TestAgentOnLive);
        assert!(v.fails());
    }
    // Going live: neither the test host nor the sandbox.
    assert_eq!(
        check_endpoint("https://pay.usecase.cc/api/agent", own, true),
        EndpointCheck::NotLive
    );
    assert_eq!(
        check_endpoint("http://127.0.0.1:8788/api/agent", own, true),
        EndpointCheck::NotLive
    );
    assert_eq!(
        check_endpoint("https://ka.mypay.tw/api", own, false),
        EndpointCheck::WrongPath
    );
    assert_eq!(
        check_endpoint("https://example.com/api/agent", own, false),
        EndpointCheck::UnknownHost
    );
    assert!(
        EndpointCheck::UnknownHost.fails()
            && EndpointCheck::WrongPath.fails()
            && EndpointCheck::NotLive.fails()
    );
    assert!(
        !EndpointCheck::Test.fails()
            && !EndpointCheck::Live.fails()
            && !EndpointCheck::Local.fails()
    );
}

#[test]
fn ids_are_digits_of_the_samples_length() {
    assert_eq!(check_agent_uid(TEST_AGENT_UID), IdCheck::Ok);
    assert_eq!(check_store_uid(TEST_STORE_UID), IdCheck::Ok);
    assert_eq!(check_agent_uid(" 518169081001 "), IdCheck::Ok);
    assert_eq!(check_agent_uid(""), IdCheck::Empty);
    assert_eq!(
        check_agent_uid("REPLACE_WITH_AGENT_UID"),
        IdCheck::NotDigits
    );
    assert_eq!(check_store_uid("28915188000a"), IdCheck::NotDigits);
    assert_eq!(check_agent_uid("12345678901234567"), IdCheck::TooLong);
    assert_eq!(check_agent_uid("1234567890123456"), IdCheck::UnusualLength);
    assert_eq!(check_store_uid("1234"), IdCheck::UnusualLength);
    assert!(IdCheck::NotDigits.fails() && IdCheck::Empty.fails() && IdCheck::TooLong.fails());
    assert!(!IdCheck::UnusualLength.fails() && !IdCheck::Ok.fails());
}

#[test]
fn the_probe_tells_a_wrong_key_from_an_unknown_order_by_the_message() {
    // The sandbox's (and MYPAY's) code 100 messages.
    assert_eq!(
        KeyProbe::from_refusal(
            "100",
            "資料錯誤:查無此訂單 (no order with this uid and key)"
        ),
        KeyProbe::Accepted
    );
    assert_eq!(
        KeyProbe::from_refusal(
            "100",
            "資料錯誤:service 解密失敗 (service does not decrypt with this agent's key)"
        ),
        KeyProbe::WrongKey
    );
    assert_eq!(
        KeyProbe::from_refusal("100", "資料錯誤:encry_data 解密失敗"),
        KeyProbe::WrongKey
    );
    assert_eq!(
        KeyProbe::from_refusal(
            "100",
            "資料錯誤:service 格式錯誤 (service is not {\"service_name\",\"cmd\"} JSON)"
        ),
        KeyProbe::WrongKey
    );
    assert_eq!(
        KeyProbe::from_refusal("100", "資料錯誤:經銷商商務代號不存在 (unknown agent_uid)"),
        KeyProbe::UnknownAgent
    );
    // A bare 資料錯誤 tells neither; nor does a system error.
    assert_eq!(KeyProbe::from_refusal("100", "資料錯誤"), KeyProbe::Unclear);
    assert_eq!(KeyProbe::from_refusal("400", "系統錯誤"), KeyProbe::Unclear);
}

#[test]
fn the_probe_reads_transport_failures() {
    assert_eq!(KeyProbe::from_outcome(Ok(())), KeyProbe::Accepted);
    assert_eq!(
        KeyProbe::from_outcome(Err(&Failure::Timeout)),
        KeyProbe::Unreachable
    );
    assert_eq!(
        KeyProbe::from_outcome(Err(&Failure::Network)),
        KeyProbe::Unreachable
    );
    assert_eq!(
        KeyProbe::from_outcome(Err(&Failure::Http(403))),
        KeyProbe::Firewall
    );
    assert_eq!(
        KeyProbe::from_outcome(Err(&Failure::Http(502))),
        KeyProbe::Unreachable
    );
    let page = ReplyError::NotJson {
        status: 403,
        snippet: "<html>".into(),
    };
    assert_eq!(
        KeyProbe::from_outcome(Err(&Failure::Reply(&page))),
        KeyProbe::Firewall
    );
    let wrong = ReplyError::Mypay {
        code: "100".into(),
        msg: "資料錯誤:service 解密失敗".into(),
    };
    assert_eq!(
        KeyProbe::from_outcome(Err(&Failure::Reply(&wrong))),
        KeyProbe::WrongKey
    );
    let odd = ReplyError::Malformed("x".into());
    assert_eq!(
        KeyProbe::from_outcome(Err(&Failure::Reply(&odd))),
        KeyProbe::Unclear
    );
}

#[test]
fn key_age_warns_near_the_yearly_rotation() {
    let issued = parse_date("2026-01-01").unwrap();
    assert_eq!(issued, 1_767_225_600);
    assert_eq!(key_age(None, issued), KeyAge::Unknown);
    assert_eq!(key_age(Some("  "), issued), KeyAge::Unknown);
    assert_eq!(
        key_age(Some("2026-01-01"), issued),
        KeyAge::Fresh { days: 0 }
    );
    assert_eq!(
        key_age(Some("2026-01-01"), issued + 334 * DAY + 3600),
        KeyAge::Fresh { days: 334 }
    );
    assert_eq!(
        key_age(Some("2026-01-01"), issued + 335 * DAY),
        KeyAge::RotationNear { days: 335 }
    );
    assert_eq!(
        key_age(Some("2026-01-01"), issued + 365 * DAY),
        KeyAge::PastRotation { days: 365 }
    );
    assert_eq!(key_age(Some("2026-01-02"), issued), KeyAge::Future);
    for bad in [
        "2026-1-01",
        "2026/01/01",
        "20260101",
        "2026-02-30",
        "2026-13-01",
        "soon",
    ] {
        assert_eq!(key_age(Some(bad), issued), KeyAge::Malformed, "{bad}");
    }
    assert!(KeyAge::Malformed.fails() && KeyAge::Future.fails());
    assert!(KeyAge::Unknown.warns() && KeyAge::RotationNear { days: 340 }.warns());
    assert!(!KeyAge::Fresh { days: 1 }.warns() && !KeyAge::Fresh { days: 1 }.fails());
}

#[test]
fn origins_as_browsers_send_them() {
    assert_eq!(
        origin_of("https://Shop.Example.com/"),
        Some("https://shop.example.com".into())
    );
    assert_eq!(
        origin_of("https://shop.example.com:443/path?q"),
        Some("https://shop.example.com".into())
    );
    assert_eq!(
        origin_of("http://127.0.0.1:8787"),
        Some("http://127.0.0.1:8787".into())
    );
    assert_eq!(
        origin_of("http://localhost:80/x"),
        Some("http://localhost".into())
    );
    assert_eq!(origin_of("ftp://x"), None);
    assert_eq!(origin_of("https://"), None);
    assert_eq!(origin_of("shop.example.com"), None);
}
