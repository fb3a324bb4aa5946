//! The waiting states without a deadline (appendix 2): 245 授權成功 and 247
//! 請款進行中 (self-capture cards), 280 (WEBATM waiting online), A0001
//! 交易待確認 (MYPAY lost the provider's answer); and the `partial` agent
//! fault (a query reply without `order_id` and `cost`).

use crate::common::*;
use mypay_link::Command;
use serde_json::{json, Value};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);
const CARD_OK: &str = "4938170130000003";
const CARD_FAIL: &str = "5204247750001471";

/// `settle` that must succeed into `prc`.
async fn settle_ok(sb: &Sandbox, uid: &str, prc: &str) -> Value {
    let (s, v) = sb.settle(uid, json!({ "prc": prc })).await;
    assert_eq!(s, 200, "{prc}: {v}");
    assert_eq!(v["prc"], prc, "{v}");
    v
}

fn history(v: &Value) -> Vec<String> {
    v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["prc"].as_str().unwrap().to_string())
        .collect()
}

/// The prcs of the reports received for `uid`, in order of arrival.
fn reported(rx: &Receiver, uid: &str) -> Vec<String> {
    rx.received()
        .iter()
        .filter(|r| r.fields["uid"] == uid)
        .map(|r| r.fields["prc"].clone())
        .collect()
}

async fn wait_reports(rx: &Receiver, uid: &str, want: &[&str]) {
    let got = eventually(WAIT, || async {
        let got = reported(rx, uid);
        (got.len() >= want.len()).then_some(got)
    })
    .await
    .unwrap_or_else(|| reported(rx, uid));
    assert_eq!(got, want, "reports of {uid}");
}

/// A waiting order: not paid, no deadline, no invoice; the query agrees.
async fn check_waiting(sb: &Sandbox, v: &Value, prc: &str) {
    assert_eq!(v["prc"], prc, "{v}");
    assert_eq!(v["paid"], false);
    assert_eq!(v["payment"]["expired_date"], "", "no LimitDate: {v}");
    assert_eq!(v["query"]["prc"], prc);
    let uid = v["uid"].as_str().unwrap();
    let key = v["key"].as_str().unwrap();
    let q = sb.query(uid, key).await;
    assert_eq!(q["prc"], prc, "{q}");
    assert_eq!(q["expired_date"], "");
    assert_eq!(q["invoice_number"], "", "no invoice while waiting");
    assert_eq!(q["invoice_state"], 0);
    assert_eq!(q["finishtime"].as_str().unwrap().len(), 14);
}

/// Paid after waiting: 250 (or 600), invoice issued, query agrees.
async fn check_paid(sb: &Sandbox, v: &Value, prc: &str) {
    assert_eq!(v["prc"], prc, "{v}");
    assert_eq!(v["paid"], true);
    let uid = v["uid"].as_str().unwrap();
    let key = v["key"].as_str().unwrap();
    let q = sb.query(uid, key).await;
    assert_eq!(q["prc"], prc, "{q}");
    assert_eq!(
        q["invoice_state"], 2,
        "invoice issued like other payments: {q}"
    );
    assert_eq!(q["invoice_number"].as_str().unwrap().len(), 8);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_self_capture_card_is_authorised_245_then_captured() {
    let (sb, rx) = with_receiver().await;

    // 200 → 245 → 247 → 250.
    let (a, _) = sb.create(&example_order()).await;
    let (s, v) = sb
        .pay(&a, json!({"card_number": CARD_OK, "capture": "manual"}))
        .await;
    assert_eq!(s, 200, "{v}");
    check_waiting(&sb, &v, "245").await;
    assert_eq!(v["pfn"], "CREDITCARD");
    assert_eq!(v["payment"]["cardno"], "493817******0003");
    assert_eq!(
        v["payment"]["acode"].as_str().unwrap().len(),
        6,
        "authorised: it has an authorisation code"
    );
    let (s, v) = sb.settle(&a, json!({"prc": "600"})).await;
    assert_eq!((s, v["error"]["prc"].as_str()), (409, Some("245")), "{v}");
    let v = settle_ok(&sb, &a, "247").await;
    check_waiting(&sb, &v, "247").await;
    let (s, v) = sb.settle(&a, json!({"prc": "247"})).await;
    assert_eq!(s, 409, "247 only from 245: {v}");
    let v = settle_ok(&sb, &a, "250").await;
    check_paid(&sb, &v, "250").await;
    assert_eq!(history(&v), ["200", "245", "247", "250"]);
    wait_reports(&rx, &a, &["245", "247", "250"]).await;
    let cb = rx
        .received()
        .into_iter()
        .find(|r| r.fields["uid"] == a && r.fields["prc"] == "245")
        .unwrap();
    assert_eq!(cb.fields["expired_date"], "");
    assert_eq!(cb.fields["pfn"], "CREDITCARD");
    // Paid now: settled (600) and refundable like any card payment.
    settle_ok(&sb, &a, "600").await;

    // 245 → 250 directly (captured at once).
    let (b, _) = sb.create(&example_order()).await;
    let (_, v) = sb
        .pay(&b, json!({"card_number": CARD_OK, "capture": "manual"}))
        .await;
    assert_eq!(v["prc"], "245");
    // Not paid yet: no refund, no cancel of a 245 through these routes.
    let (s, v) = sb
        .post(&format!("/sandbox/orders/{b}/refund"), json!({}))
        .await;
    assert_eq!(s, 409, "{v}");
    let v = settle_ok(&sb, &b, "250").await;
    check_paid(&sb, &v, "250").await;
    assert_eq!(history(&v), ["200", "245", "250"]);

    // 245 → 300 and 245 → 247 → 300: the capture fails.
    for path in [&["300"][..], &["247", "300"][..]] {
        let (c, key) = sb.create(&example_order()).await;
        sb.pay(&c, json!({"card_number": CARD_OK, "capture": "manual"}))
            .await;
        let mut v = Value::Null;
        for prc in path {
            v = settle_ok(&sb, &c, prc).await;
        }
        assert_eq!(v["paid"], false);
        assert_eq!(sb.query(&c, &key).await["prc"], "300");
        let (s, _) = sb.settle(&c, json!({"prc": "250"})).await;
        assert_eq!(s, 409, "300 is final");
        let mut want = vec!["245"];
        want.extend_from_slice(path);
        wait_reports(&rx, &c, &want).await;
    }

    // The failure card is declined outright, capture mode or not.
    let (d, _) = sb.create(&example_order()).await;
    let (s, v) = sb
        .pay(&d, json!({"card_number": CARD_FAIL, "capture": "manual"}))
        .await;
    assert_eq!((s, v["prc"].as_str()), (200, Some("300")), "{v}");
    // `"capture": "auto"` is the old behaviour.
    let (e, _) = sb.create(&example_order()).await;
    let (_, v) = sb
        .pay(&e, json!({"card_number": CARD_OK, "capture": "auto"}))
        .await;
    assert_eq!(v["prc"], "250");

    // Refused bodies and moves.
    let (f, _) = sb.create(&example_order()).await;
    for body in [
        json!({"card_number": CARD_OK, "capture": "later"}),
        json!({"card_number": CARD_OK, "capture": true}),
        json!({"pfn": "CSTORECODE", "capture": "manual"}),
        json!({"card_number": CARD_OK, "wait": true}),
    ] {
        let (s, v) = sb.pay(&f, body.clone()).await;
        assert_eq!(s, 400, "{body}: {v}");
    }
    for prc in ["247", "300", "250", "600"] {
        let (s, v) = sb.settle(&f, json!({ "prc": prc })).await;
        assert_eq!(s, 409, "{prc} from 200: {v}");
        assert_eq!(v["error"]["code"], "invalid_state");
    }
    let (s, v) = sb.settle(&f, json!({"prc": "245"})).await;
    assert_eq!(s, 400, "245 comes from /pay: {v}");
    let (_, v) = sb.get(&format!("/sandbox/orders/{f}")).await;
    assert_eq!(v["prc"], "200", "nothing changed");
}

#[tokio::test(flavor = "multi_thread")]
async fn webatm_with_wait_is_280_until_the_shopper_finishes() {
    let (sb, rx) = with_receiver().await;

    // The default is unchanged: WEBATM pays at once.
    let (a, _) = sb.create(&example_order()).await;
    let (_, v) = sb.pay(&a, json!({"pfn": "WEBATM"})).await;
    assert_eq!(v["prc"], "250", "{v}");
    let (a2, _) = sb.create(&example_order()).await;
    let (_, v) = sb.pay(&a2, json!({"pfn": "WEBATM", "wait": false})).await;
    assert_eq!(v["prc"], "250", "{v}");

    // 280 → 250.
    let (b, _) = sb.create(&example_order()).await;
    let (s, v) = sb.pay(&b, json!({"pfn": "WEBATM", "wait": true})).await;
    assert_eq!(s, 200, "{v}");
    check_waiting(&sb, &v, "280").await;
    assert_eq!(v["pfn"], "WEBATM");
    assert_eq!(v["query"]["pfn"], "WEBATM");
    for prc in ["380", "290", "600", "247"] {
        let (s, v) = sb.settle(&b, json!({ "prc": prc })).await;
        assert_eq!(s, 409, "{prc} from 280: {v}");
    }
    let v = settle_ok(&sb, &b, "250").await;
    check_paid(&sb, &v, "250").await;
    assert_eq!(history(&v), ["200", "280", "250"]);
    wait_reports(&rx, &b, &["280", "250"]).await;

    // 280 → 300; the method's number (4) works too.
    let (c, key) = sb.create(&example_order()).await;
    let (_, v) = sb.pay(&c, json!({"pfn": "4", "wait": true})).await;
    assert_eq!(v["prc"], "280", "{v}");
    let v = settle_ok(&sb, &c, "300").await;
    assert_eq!(v["paid"], false);
    assert_eq!(sb.query(&c, &key).await["prc"], "300");
    wait_reports(&rx, &c, &["280", "300"]).await;

    // wait is for WEBATM only, and a boolean.
    let (d, _) = sb.create(&example_order()).await;
    for body in [
        json!({"pfn": "CASH", "wait": true}),
        json!({"pfn": "CSTORECODE", "wait": true}),
        json!({"pfn": "WEBATM", "wait": "yes"}),
    ] {
        let (s, v) = sb.pay(&d, body.clone()).await;
        assert_eq!(s, 400, "{body}: {v}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a0001_waits_for_confirmation_then_250_600_or_300() {
    let (sb, rx) = with_receiver().await;

    // Without a method: CREDITCARD, nothing known of the card.
    let (a, _) = sb.create(&example_order()).await;
    let (s, v) = sb.settle(&a, json!({"prc": "A0001"})).await;
    assert_eq!(s, 200, "{v}");
    check_waiting(&sb, &v, "A0001").await;
    assert_eq!(v["pfn"], "CREDITCARD");
    assert_eq!(v["payment"]["cardno"], "");
    assert_eq!(v["payment"]["acode"], "");
    let (s, v) = sb.settle(&a, json!({"prc": "A0001"})).await;
    assert_eq!(s, 409, "A0001 only from 200: {v}");
    let (s, v) = sb.pay(&a, json!({"card_number": CARD_OK})).await;
    assert_eq!(s, 409, "no second payment while waiting: {v}");
    let v = settle_ok(&sb, &a, "250").await;
    check_paid(&sb, &v, "250").await;
    assert_eq!(v["payment"]["acode"].as_str().unwrap().len(), 6, "{v}");
    assert_eq!(history(&v), ["200", "A0001", "250"]);
    wait_reports(&rx, &a, &["A0001", "250"]).await;

    // With the card: 600 (settled) straight from A0001.
    let (b, _) = sb.create(&example_order()).await;
    let (s, v) = sb
        .settle(&b, json!({"prc": "A0001", "card_number": CARD_OK}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["payment"]["cardno"], "493817******0003");
    assert_eq!(v["payment"]["acode"], "", "the issuer's answer was lost");
    let v = settle_ok(&sb, &b, "600").await;
    check_paid(&sb, &v, "600").await;
    assert_eq!(history(&v), ["200", "A0001", "600"]);
    wait_reports(&rx, &b, &["A0001", "600"]).await;

    // With another method: 300.
    let (c, key) = sb.create(&example_order()).await;
    let (s, v) = sb
        .settle(&c, json!({"prc": "A0001", "pfn": "linepayon"}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["pfn"], "LINEPAYON");
    let cb_pfn = eventually(WAIT, || async {
        rx.received()
            .into_iter()
            .find(|r| r.fields["uid"] == c)
            .map(|r| r.fields["pfn"].clone())
    })
    .await;
    assert_eq!(cb_pfn.as_deref(), Some("LINEPAYON"));
    for prc in ["247", "380", "290"] {
        let (s, v) = sb.settle(&c, json!({ "prc": prc })).await;
        assert_eq!(s, 409, "{prc} from A0001: {v}");
    }
    let v = settle_ok(&sb, &c, "300").await;
    assert_eq!(v["paid"], false);
    assert_eq!(sb.query(&c, &key).await["prc"], "300");
    wait_reports(&rx, &c, &["A0001", "300"]).await;

    // Refused: from a paid order, bad attempts, attempt fields elsewhere.
    let (s, v) = sb.settle(&a, json!({"prc": "A0001"})).await;
    assert_eq!((s, v["error"]["prc"].as_str()), (409, Some("250")), "{v}");
    let (d, _) = sb.create(&example_order()).await;
    for body in [
        json!({"prc": "A0001", "pfn": "all"}),
        json!({"prc": "A0001", "pfn": "NOPE"}),
        json!({"prc": "A0001", "card_number": "12"}),
        json!({"prc": "A0001", "card_number": CARD_OK, "pfn": "CSTORECODE"}),
        json!({"prc": "A0001", "card_number": 4938170130000003u64}),
        json!({"prc": "250", "card_number": CARD_OK}),
    ] {
        let (s, v) = sb.settle(&d, body.clone()).await;
        assert_eq!(s, 400, "{body}: {v}");
    }
    let (s, v) = sb
        .settle(
            &d,
            json!({"prc": "A0001", "card_number": CARD_OK, "pfn": "CREDITCARD"}),
        )
        .await;
    assert_eq!((s, v["prc"].as_str()), (200, Some("A0001")), "{v}");
}

#[tokio::test(flavor = "multi_thread")]
async fn waiting_orders_outlive_the_page_and_have_no_limit_date() {
    let (sb, rx) = with_receiver().await;
    let (s, v) = sb
        .put("/sandbox/config", json!({"page_lifetime_seconds": 600}))
        .await;
    assert_eq!(s, 200, "{v}");
    let mut waiting = Vec::new();
    for (body, then, prc) in [
        (
            json!({"card_number": CARD_OK, "capture": "manual"}),
            None,
            "245",
        ),
        (
            json!({"card_number": CARD_OK, "capture": "manual"}),
            Some("247"),
            "247",
        ),
        (json!({"pfn": "WEBATM", "wait": true}), None, "280"),
    ] {
        let (uid, key) = sb.create(&example_order()).await;
        let (_, v) = sb.pay(&uid, body).await;
        if let Some(next) = then {
            settle_ok(&sb, &uid, next).await;
        } else {
            assert_eq!(v["prc"], prc);
        }
        waiting.push((uid, key, prc));
    }
    let (uid, key) = sb.create(&example_order()).await;
    settle_ok(&sb, &uid, "A0001").await;
    waiting.push((uid, key, "A0001"));
    let (open, open_key) = sb.create(&example_order()).await;

    let before = rx.wait_for(5, WAIT).await.len();
    assert_eq!(before, 5, "245, 245, 247, 280, A0001");
    // Past the page lifetime, and past any LimitDate a store code could have.
    let (s, v) = sb
        .post("/sandbox/clock/advance", json!({"seconds": 90 * 86_400}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(sb.query(&open, &open_key).await["prc"], "A0002");
    for (uid, key, prc) in &waiting {
        assert_eq!(sb.query(uid, key).await["prc"], *prc, "{uid} keeps waiting");
        let (_, v) = sb.get(&format!("/sandbox/orders/{uid}")).await;
        assert_eq!(v["page_expired"], false, "{v}");
        assert_eq!(v["prc"], *prc);
    }
    let got = rx.wait_for(before + 1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let got_after = rx.received();
    assert_eq!(got_after.len(), got.len());
    let new: Vec<&str> = got_after[before..]
        .iter()
        .map(|r| r.fields["prc"].as_str())
        .collect();
    assert_eq!(new, ["A0002"], "only the unpaid order is abandoned");

    // They still move on afterwards.
    for (uid, _, _) in &waiting {
        let v = settle_ok(&sb, uid, "250").await;
        assert_eq!(v["paid"], true);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_partial_fault_answers_a_query_without_order_id_and_cost() {
    let sb = Sandbox::start().await;
    let order = example_order();
    let (uid, key) = sb.create(&order).await;
    let ask = json!({"uid": uid, "key": key});

    let (s, v) = sb
        .put("/sandbox/faults", json!({"agent": {"mode": "partial"}}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["agent"]["mode"], "partial");
    let q = sb.agent_json(Command::QueryOrder, &ask).await;
    let m = q.as_object().unwrap();
    assert!(!m.contains_key("order_id"), "{q}");
    assert!(!m.contains_key("cost"), "{q}");
    assert_eq!(q["uid"], uid.as_str());
    assert_eq!(q["key"], key.as_str());
    assert_eq!(q["prc"], "200");
    assert_eq!(q["actual_cost"], "900", "only the two fields are left out");
    assert_eq!(q["user_id"], "userid");
    // count 1: the next query is whole again.
    let q = sb.agent_json(Command::QueryOrder, &ask).await;
    assert_eq!(q["order_id"], order["order_id"]);
    assert_eq!(q["cost"], "900");

    // cmd filter and count: other commands do not use it up.
    sb.put(
        "/sandbox/faults",
        json!({"agent": {"mode": "partial", "count": 2, "cmd": "api/queryorder"}}),
    )
    .await;
    let (other, other_key) = sb.create(&example_order()).await;
    for _ in 0..2 {
        let q = sb.query(&other, &other_key).await;
        assert!(
            q.get("order_id").is_none() && q.get("cost").is_none(),
            "{q}"
        );
    }
    let q = sb.query(&other, &other_key).await;
    assert_eq!(q["cost"], "900", "count used up: {q}");
    let (_, f) = sb.get("/sandbox/faults").await;
    assert_eq!(f["agent"], Value::Null);

    // Other commands are answered whole, and processed.
    sb.pay(&uid, json!({"card_number": CARD_OK})).await;
    sb.put(
        "/sandbox/faults",
        json!({"agent": {"mode": "partial", "sticky": true, "cmd": "api/refund"}}),
    )
    .await;
    let r = sb
        .agent_json(Command::Refund, &full_refund(&uid, &key))
        .await;
    assert_eq!(r["code"], "B200", "{r}");
    assert_eq!(r["row_data"]["order_id"], order["order_id"]);
    assert_eq!(r["row_data"]["cost"], "900");
    let r = sb
        .agent_json(Command::Refund, &full_refund(&uid, &key))
        .await;
    assert_eq!(r["code"], "B500", "sticky, still answered: {r}");
    let q = sb.query(&uid, &key).await;
    assert_eq!(q["cost"], "900", "queries are spared: {q}");
    assert_eq!(q["refund_order"][0]["cost"], "900");
    let (_, f) = sb.get("/sandbox/faults").await;
    assert_eq!(f["agent"]["mode"], "partial", "sticky: kept");

    // The log: processed, answered, fault "partial".
    let (_, reqs) = sb.get("/sandbox/requests").await;
    let partial: Vec<&Value> = reqs
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["fault"] == "partial")
        .collect();
    assert_eq!(partial.len(), 5, "3 queries, 2 refunds: {reqs}");
    for r in &partial {
        assert_eq!(r["answered"], true, "{r}");
        assert_eq!(r["processed"], true, "{r}");
        assert_eq!(r["http_status"], 200, "{r}");
    }
    let cmds: Vec<&str> = partial.iter().map(|r| r["cmd"].as_str().unwrap()).collect();
    assert_eq!(
        cmds,
        [
            "api/queryorder",
            "api/queryorder",
            "api/queryorder",
            "api/refund",
            "api/refund"
        ]
    );
    assert_eq!(partial[3]["code"], "B200");
    assert_eq!(partial[4]["code"], "B500");
    let whole = reqs
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["cmd"] == "api/queryorder" && r["fault"].is_null())
        .count();
    assert_eq!(whole, 3);
}
