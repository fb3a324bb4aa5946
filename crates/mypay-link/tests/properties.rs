//! Properties over arbitrary input: the envelope round-trips, and nothing a
//! stranger can send (ciphertext, form body, amounts) makes the core panic.

use mypay_link::crypto::{decrypt, encrypt, AgentKey, KeyRing};
use mypay_link::envelope::Envelope;
use mypay_link::form::{form_to_map, from_form};
use mypay_link::lenient::{Int, StrInt};
use mypay_link::models::{
    FreeVoucher, Item, Notification, OrderRequest, PaidVoucher, RefundRequest, VoucherRef,
};
use mypay_link::reply::{parse_order_reply, parse_query_reply, parse_refund_reply};
use mypay_link::validate::{validate_order, validate_refund, PaidOrder};
use proptest::prelude::*;

fn key() -> AgentKey {
    AgentKey::new("2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG").unwrap()
}

fn any_amount() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(0i64),
        Just(-1),
        Just(i64::MAX),
        Just(i64::MIN),
        Just(i64::MAX / 2 + 1),
        0i64..100_000,
        any::<i64>()
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn encrypt_then_decrypt_gives_the_string_back(s in any::<String>()) {
        let ct = encrypt(&key(), &s).unwrap();
        prop_assert_eq!(decrypt(&key(), &ct).unwrap(), s.clone());
        prop_assert_eq!(KeyRing::new(key(), None).decrypt(&ct).unwrap(), s);
    }

    #[test]
    fn decrypt_of_arbitrary_text_never_panics(s in any::<String>()) {
        let _ = decrypt(&key(), &s);
    }

    #[test]
    fn decrypt_of_arbitrary_base64_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        use base64::Engine;
        let _ = decrypt(&key(), &base64::engine::general_purpose::STANDARD.encode(&bytes));
    }

    #[test]
    fn form_parsing_of_arbitrary_text_never_panics(s in any::<String>()) {
        let _ = form_to_map(&s);
        let _ = Notification::from_form(&s);
        let _ = from_form::<serde_json::Value>(&s);
        let _ = Envelope::from_form(&s);
        let _ = Envelope::from_body(None, &s);
    }

    #[test]
    fn form_parsing_of_form_shaped_text_never_panics(
        s in proptest::collection::vec(
            prop_oneof![
                Just("&".to_owned()), Just("=".to_owned()), Just("[".to_owned()), Just("]".to_owned()),
                Just("%".to_owned()), Just("%FF".to_owned()), Just("%E5%A5".to_owned()), Just("+".to_owned()),
                Just("voucher_paid".to_owned()), Just("cost".to_owned()), Just("prc".to_owned()), Just("0".to_owned()),
                Just("[{\"cost\":1}]".to_owned()), "[a-z0-9]{0,4}",
            ],
            0..40,
        )
    ) {
        let body: String = s.concat();
        let _ = Notification::from_form(&body);
    }

    #[test]
    fn reply_parsing_of_arbitrary_text_never_panics(s in any::<String>(), status in any::<u16>()) {
        let _ = parse_order_reply(status, &s);
        let _ = parse_query_reply(status, &s);
        let _ = parse_refund_reply(status, &s);
    }

    #[test]
    fn validate_order_on_arbitrary_amounts_never_panics(
        cost in any_amount(),
        lines in proptest::collection::vec((any_amount(), any_amount(), any_amount()), 0..5),
        vouchers in proptest::collection::vec(any_amount(), 0..4),
        fee in proptest::option::of(any_amount()),
    ) {
        let o = OrderRequest {
            store_uid: "s".into(),
            user_id: "u".into(),
            order_id: "o".into(),
            ip: "127.0.0.1".into(),
            cost: Some(StrInt(cost)),
            items: lines
                .iter()
                .enumerate()
                .map(|(i, (c, a, t))| Item { id: i.to_string().into(), name: "n".into(), cost: Some(Int(*c)), amount: Some(Int(*a)), total: Some(Int(*t)), image_url: None })
                .collect(),
            voucher_type: Some("1".into()),
            voucher_paid: Some(vouchers.iter().enumerate().map(|(i, c)| PaidVoucher { product_id: "P".into(), serial_number: i.to_string(), name: "v".into(), cost: Some(Int(*c)), ..PaidVoucher::default() }).collect()),
            voucher_free: Some(vouchers.iter().enumerate().map(|(i, c)| FreeVoucher { product_id: "F".into(), serial_number: i.to_string(), name: "v".into(), cost: Some(Int(*c)), ..FreeVoucher::default() }).collect()),
            agent_charge_fee: fee.map(Int),
            ..OrderRequest::default()
        };
        let result = validate_order(&o);
        // Well-formed small orders with the right cost validate clean.
        let small = lines.iter().all(|(c, a, t)| (0..100_000).contains(c) && (1..100_000).contains(a) && c * a == *t)
            && vouchers.iter().all(|v| (0..100_000).contains(v))
            && fee.map(|f| (0..100_000).contains(&f)).unwrap_or(true);
        if small && !lines.is_empty() {
            let expected = lines.iter().map(|l| l.2).sum::<i64>() - 2 * vouchers.iter().sum::<i64>();
            if expected >= 0 && cost == expected {
                prop_assert_eq!(result, Ok(()));
            }
        }
    }

    #[test]
    fn validate_refund_on_arbitrary_amounts_never_panics(
        cost in any_amount(),
        order_cost in any_amount(),
        totals in proptest::collection::vec(any_amount(), 0..5),
    ) {
        let r = RefundRequest {
            store_uid: "s".into(),
            key: "k".into(),
            uid: "1".into(),
            cost: Some(StrInt(cost)),
            voucher_paid: Some(vec![VoucherRef { product_id: "P".into(), serial_number: "1".into() }]),
            items: Some(totals.iter().map(|t| Item { id: "1".into(), name: "n".into(), cost: Some(Int(*t)), amount: Some(Int(1)), total: Some(Int(*t)), image_url: None }).collect()),
            ..RefundRequest::default()
        };
        let order = PaidOrder { cost: order_cost, voucher_paid: vec![VoucherRef { product_id: "P".into(), serial_number: "1".into() }] };
        let _ = validate_refund(&r, Some(&order));
        let _ = validate_refund(&r, None);
    }

    #[test]
    fn arbitrary_json_never_panics_the_models(s in any::<String>()) {
        let _ = serde_json::from_str::<OrderRequest>(&s);
        let _ = serde_json::from_str::<RefundRequest>(&s);
    }

    #[test]
    fn numbers_in_json_parse_or_error_never_panic(n in any::<f64>(), i in any::<i64>(), s in "[-+ 0-9.eE]{0,25}") {
        let _ = serde_json::from_str::<Int>(&n.to_string());
        prop_assert_eq!(serde_json::from_str::<Int>(&i.to_string()).unwrap(), Int(i));
        prop_assert_eq!(serde_json::from_value::<StrInt>(serde_json::json!(i.to_string())).unwrap(), StrInt(i));
        let _ = serde_json::from_value::<Int>(serde_json::json!(s));
    }
}
