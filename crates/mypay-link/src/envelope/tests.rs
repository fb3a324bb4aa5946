//! Tests of `envelope`.

use super::*;
use crate::models::QueryRequest;

fn ring() -> KeyRing {
    KeyRing::new(
        AgentKey::new("2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG").unwrap(),
        None,
    )
}

#[test]
fn request_envelope_round_trips_as_form() {
    let q = QueryRequest {
        uid: "95217".into(),
        key: "3425042d7d266e4aea5fd4653a0271db".into(),
    };
    let env = Envelope::seal("518169081001", ring().signing(), Command::QueryOrder, &q).unwrap();
    let form = env.to_form();
    assert!(form.starts_with("agent_uid=518169081001&service="));
    let back = Envelope::from_body(Some(FORM_CONTENT_TYPE), &form).unwrap();
    assert_eq!(back, env);
    assert_eq!(
        back.open_service(&ring()).unwrap(),
        Service::api(Command::QueryOrder)
    );
    let q2: QueryRequest = back.open_data(&ring()).unwrap();
    assert_eq!(q2, q);
}

#[test]
fn service_json_is_exactly_the_documented_shape() {
    let s = serde_json::to_string(&Service::api(Command::Orders)).unwrap();
    assert_eq!(s, r#"{"service_name":"api","cmd":"api/orders"}"#);
    // PHP escapes the slash; it reads the same.
    let php: Service =
        serde_json::from_str(r#"{"service_name":"api","cmd":"api\/refund"}"#).unwrap();
    assert_eq!(php.cmd, Command::Refund);
}

#[test]
fn envelope_reads_json_bodies_like_the_node_sample() {
    let env = Envelope::seal(
        "518169081001",
        ring().signing(),
        Command::Refund,
        &serde_json::json!({}),
    )
    .unwrap();
    let json = serde_json::to_string(&env).unwrap();
    assert_eq!(
        Envelope::from_body(Some("application/json"), &json).unwrap(),
        env
    );
    assert_eq!(Envelope::from_body(None, &json).unwrap(), env);
}

#[test]
fn malformed_envelopes_are_refused() {
    assert_eq!(
        Envelope::from_form("agent_uid=1&service=x"),
        Err(EnvelopeError::Malformed)
    );
    assert_eq!(
        Envelope::from_form("agent_uid=1&agent_uid=2&service=x&encry_data=y"),
        Err(EnvelopeError::Malformed)
    );
    assert_eq!(Envelope::from_json("[1,2]"), Err(EnvelopeError::Malformed));
    let env = Envelope {
        agent_uid: "1".into(),
        service: "garbage".into(),
        encry_data: "x".into(),
    };
    assert_eq!(env.open_service(&ring()), Err(EnvelopeError::Decrypt));
}
