//! Every JSON example of the API text parses into the typed models and is
//! written back with nothing lost; every field of every 『…』欄位 table is a
//! field of a model, written with the JSON type its table gives.
//!
//! Sources (nothing retyped): the three replies are read from the API text at
//! test time (the JSON after each "回傳 JSON 結構如下:") and must equal the
//! copies in `fixtures/api/`; the order, query and refund requests are the
//! Python sample clients' `getRawData()` literals, extracted by
//! `fixtures/api/extract.py`, and must equal `fixtures/crypto/payloads/` (the
//! inputs the samples' encrypt functions ran on).
//!
//! ## The normaliser
//! MYPAY writes some fields with another JSON type than its own tables give
//! (`"cost": 900` where 『交易查詢』回傳欄位 says `cost string`). The models
//! read both and write what the table says, so a byte-for-byte comparison
//! would fail exactly there. `normalise` treats `900` ≡ `"900"` only at the
//! paths listed in [`COERCIBLE`], and each entry names the table row that
//! allows it; `coercions_are_exactly_the_documented_disagreements` proves
//! every entry is needed (the example's type differs from the table's) and
//! that our output has the table's type. Everywhere else values must be equal
//! as JSON values (so `\/` ≡ `/` and `\uXXXX` ≡ the character, nothing else).

mod common;

use common::{field_table, field_tables, FieldTable};
use mypay_link::envelope::Envelope;
use mypay_link::models::*;
use mypay_link::reply::{parse_order_reply, parse_query_reply, parse_refund_reply};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Where an example's value may be a number while the table says string, or
/// the other way round: (example, path with `[]` for any index, table, field).
const COERCIBLE: &[(&str, &str, &str, &str)] = &[
    // The samples send `'cost' => 900` and item numbers as "1000".
    (
        "order_request",
        "cost",
        "『PayPage金流交易-折價券模式』欄位",
        "cost",
    ),
    ("order_request", "items[].cost", "『商品項目』欄位", "cost"),
    (
        "order_request",
        "items[].amount",
        "『商品項目』欄位",
        "amount",
    ),
    (
        "order_request",
        "items[].total",
        "『商品項目』欄位",
        "total",
    ),
    // "uid": 95227
    (
        "order_reply",
        "uid",
        "『PayPage金流交易-折價券模式』回傳欄位",
        "uid",
    ),
    ("query_reply", "uid", "『交易查詢』回傳欄位", "uid"),
    ("query_reply", "cost", "『交易查詢』回傳欄位", "cost"),
    (
        "query_reply",
        "actual_cost",
        "『交易查詢』回傳欄位",
        "actual_cost",
    ),
    ("query_reply", "price", "『交易查詢』回傳欄位", "price"),
    (
        "query_reply",
        "actual_price",
        "『交易查詢』回傳欄位",
        "actual_price",
    ),
    (
        "query_reply",
        "love_cost",
        "『交易查詢』回傳欄位",
        "love_cost",
    ),
    (
        "query_reply",
        "refund_order[].uid",
        "『交易查詢-退款資訊』欄位",
        "uid",
    ),
    (
        "query_reply",
        "refund_order[].cost",
        "『交易查詢-退款資訊』欄位",
        "cost",
    ),
    (
        "query_reply",
        "refund_order[].actual_cost",
        "『交易查詢-退款資訊』欄位",
        "actual_cost",
    ),
    (
        "query_reply",
        "invoice_allowance[].uid",
        "『電子發票折讓資訊』欄位",
        "uid",
    ),
    (
        "query_reply",
        "invoice_allowance[].amount",
        "『電子發票折讓資訊』欄位",
        "amount",
    ),
    // The samples send `'cost' => 900, 'invoice_state' => 6`.
    (
        "refund_request",
        "cost",
        "『交易退款-折價券模式』欄位",
        "cost",
    ),
    (
        "refund_request",
        "invoice_state",
        "『交易退款-折價券模式』欄位",
        "invoice_state",
    ),
    (
        "refund_reply",
        "row_data.uid",
        "『退款完成回傳資訊』欄位",
        "uid",
    ),
    (
        "refund_reply",
        "row_data.refund_uid",
        "『退款完成回傳資訊』欄位",
        "refund_uid",
    ),
    (
        "refund_reply",
        "row_data.cost",
        "『退款完成回傳資訊』欄位",
        "cost",
    ),
    (
        "refund_reply",
        "row_data.actual_cost",
        "『退款完成回傳資訊』欄位",
        "actual_cost",
    ),
    (
        "refund_reply",
        "row_data.refund_type",
        "『退款完成回傳資訊』欄位",
        "refund_type",
    ),
    (
        "refund_reply",
        "row_data.voucher_paid[].issuer",
        "『有償票券項目』欄位",
        "issuer",
    ),
    (
        "refund_reply",
        "row_data.voucher_paid[].refund_return_type",
        "『有償票券項目』欄位",
        "refund_return_type",
    ),
];

fn coercible(example: &str, path: &str) -> bool {
    COERCIBLE
        .iter()
        .any(|(e, p, _, _)| *e == example && *p == path)
}

/// `900` and `"900"` become the same string at coercible paths.
fn normalise(example: &str, v: &Value, path: &str) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    (k.clone(), normalise(example, x, &p))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| normalise(example, x, &format!("{path}[]")))
                .collect(),
        ),
        Value::Number(n) if coercible(example, path) => Value::String(n.to_string()),
        other => other.clone(),
    }
}

/// Every leaf path where two JSON values differ, for a readable failure.
fn differences(a: &Value, b: &Value, path: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let p = format!("{path}.{k}");
                match (x.get(k), y.get(k)) {
                    (Some(l), Some(r)) => differences(l, r, &p, out),
                    (l, r) => out.push(format!("{p}: {l:?} vs {r:?}")),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (l, r)) in x.iter().zip(y).enumerate() {
                differences(l, r, &format!("{path}[{i}]"), out);
            }
        }
        (l, r) if l != r => out.push(format!("{path}: {l} vs {r}")),
        _ => {}
    }
}

fn assert_nothing_lost(example: &str, original: &Value, rewritten: &Value) {
    let (a, b) = (
        normalise(example, original, ""),
        normalise(example, rewritten, ""),
    );
    let mut diff = Vec::new();
    differences(&a, &b, "", &mut diff);
    assert!(
        diff.is_empty(),
        "{example}: written back differently (example vs ours):\n  {}",
        diff.join("\n  ")
    );
}

fn fixture(name: &str) -> String {
    common::repo_file(&format!("fixtures/api/{name}.json"))
}

fn value(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

// ---------------------------------------------------------------- sources

#[test]
fn reply_fixtures_are_the_api_texts_examples() {
    let found = common::reply_examples(&common::api_text());
    assert_eq!(found.len(), 3, "the API text has three reply examples");
    for (name, text) in ["order_reply", "query_reply", "refund_reply"]
        .iter()
        .zip(&found)
    {
        assert_eq!(
            fixture(name).trim_end(),
            text.as_str(),
            "fixtures/api/{name}.json drifted from the API text: rerun fixtures/api/extract.py"
        );
    }
}

#[test]
fn request_fixtures_are_what_the_samples_encrypt() {
    for (api, payload) in [
        ("order_request", "paypage_voucher_order"),
        ("query_request", "query_order"),
        ("refund_request", "refund_voucher"),
    ] {
        let from_samples = value(&common::repo_file(&format!(
            "fixtures/crypto/payloads/{payload}.json"
        )));
        assert_eq!(value(&fixture(api)), from_samples, "{api}");
    }
}

// ---------------------------------------------------------------- round trips

fn round_trip<T: Serialize + DeserializeOwned>(name: &str) -> T {
    let text = fixture(name);
    let typed: T =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} does not parse: {e}"));
    assert_nothing_lost(name, &value(&text), &serde_json::to_value(&typed).unwrap());
    typed
}

#[test]
fn the_samples_order_request_parses_and_is_written_back_whole() {
    let o: OrderRequest = round_trip("order_request");
    assert_eq!(o.cost.map(|c| c.get()), Some(900));
    assert_eq!(o.items[0].total.map(|t| t.get()), Some(1000));
    assert!(o.extra.is_empty());
}

#[test]
fn the_order_reply_example_parses_and_is_written_back_whole() {
    let r: OrderReply = round_trip("order_reply");
    assert_eq!(
        r.url.as_deref(),
        Some("http://pay.usecase.cc/payment/95227.html"),
        "PHP's \\/ reads as /"
    );
    let ok = parse_order_reply(200, &fixture("order_reply")).unwrap();
    assert_eq!(ok, r);
}

#[test]
fn the_query_reply_example_parses_and_is_written_back_whole() {
    let r: QueryReply = round_trip("query_reply");
    // Documented nowhere in the tables, kept in `extra`.
    let mut unknown: Vec<&str> = r.extra.keys().map(String::as_str).collect();
    unknown.sort();
    assert_eq!(unknown, ["pay_mode_uid", "store_group_id"]);
    assert_eq!(parse_query_reply(200, &fixture("query_reply")).unwrap(), r);
    assert_eq!(r.transaction.status_class(), mypay_link::StatusClass::Paid);
}

#[test]
fn the_samples_query_request_parses_and_is_written_back_whole() {
    let _: QueryRequest = round_trip("query_request");
}

#[test]
fn the_samples_refund_request_parses_and_is_written_back_whole() {
    let r: RefundRequest = round_trip("refund_request");
    assert_eq!(r.voucher_paid.as_ref().map(Vec::len), Some(1));
    assert!(r.extra.is_empty());
}

#[test]
fn the_refund_reply_example_parses_and_is_written_back_whole() {
    let r: RefundReply = round_trip("refund_reply");
    assert!(r.row_data.as_ref().unwrap().extra.is_empty());
    assert_eq!(
        parse_refund_reply(200, &fixture("refund_reply")).unwrap(),
        r
    );
}

/// Adds `zz_future` (an object, array and number) at `at` (`""` = top level).
fn with_unknown(mut v: Value, at: &[&str]) -> Value {
    let mut slot = &mut v;
    for k in at {
        slot = &mut slot[*k];
    }
    slot.as_object_mut().unwrap().insert(
        "zz_future".into(),
        json!({"a": [1, "二", {"b": null}], "n": 12.5}),
    );
    v
}

fn unknown_fields_survive<T: Serialize + DeserializeOwned>(name: &str, at: &[&str]) {
    let v = with_unknown(value(&fixture(name)), at);
    let typed: T = serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_nothing_lost(name, &v, &serde_json::to_value(&typed).unwrap());
}

#[test]
fn unknown_fields_survive_in_extra() {
    unknown_fields_survive::<OrderRequest>("order_request", &[]);
    unknown_fields_survive::<OrderReply>("order_reply", &[]);
    unknown_fields_survive::<QueryReply>("query_reply", &[]);
    unknown_fields_survive::<RefundRequest>("refund_request", &[]);
    unknown_fields_survive::<RefundReply>("refund_reply", &[]);
    unknown_fields_survive::<RefundReply>("refund_reply", &["row_data"]);
    let q = with_unknown(value(&fixture("query_reply")), &[]);
    let mut q2 = q.clone();
    q2["refund_order"][0]
        .as_object_mut()
        .unwrap()
        .insert("zz_future".into(), json!([1]));
    q2["invoice_allowance"][0]
        .as_object_mut()
        .unwrap()
        .insert("zz_future".into(), json!("x"));
    let typed: QueryReply = serde_json::from_value(q2.clone()).unwrap();
    assert_nothing_lost("query_reply", &q2, &serde_json::to_value(&typed).unwrap());
}

#[test]
fn the_c_sharp_and_java_samples_voucher_keys_are_read() {
    // Their samples write `voucherPaid` / `voucherFree`.
    let mut v = value(&fixture("order_request"));
    let m = v.as_object_mut().unwrap();
    let paid = m.remove("voucher_paid").unwrap();
    let free = m.remove("voucher_free").unwrap();
    m.insert("voucherPaid".into(), paid);
    m.insert("voucherFree".into(), free);
    let o: OrderRequest = serde_json::from_value(v).unwrap();
    let sample: OrderRequest = serde_json::from_str(&fixture("order_request")).unwrap();
    assert_eq!(o, sample);
}

#[test]
fn the_node_samples_json_envelope_and_the_php_form_envelope_read_the_same() {
    let form = "agent_uid=518169081001&service=c2VydmljZQ%3D%3D&encry_data=ZGF0YQ%3D%3D";
    let json = r#"{"agent_uid":"518169081001","service":"c2VydmljZQ==","encry_data":"ZGF0YQ=="}"#;
    let a = Envelope::from_body(Some("application/x-www-form-urlencoded"), form).unwrap();
    let b = Envelope::from_body(Some("application/json"), json).unwrap();
    assert_eq!(a, b);
}

// ---------------------------------------------------------------- the normaliser itself

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Bool(_) => "bool",
        Value::Null => "null",
    }
}

fn table_kind(ty: &str) -> &'static str {
    match ty {
        "string" | "text" => "string",
        "integer" | "int" => "number",
        "array" => "array",
        "object" => "object",
        other => panic!("unknown table type {other}"),
    }
}

fn at_path<'a>(v: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut cur = vec![v];
    for seg in path.split('.') {
        let (key, many) = match seg.strip_suffix("[]") {
            Some(k) => (k, true),
            None => (seg, false),
        };
        let next: Vec<&Value> = cur.iter().filter_map(|x| x.get(key)).collect();
        cur = if many {
            next.iter()
                .flat_map(|x| x.as_array().into_iter().flatten())
                .collect()
        } else {
            next
        };
    }
    cur
}

#[test]
fn coercions_are_exactly_the_documented_disagreements() {
    let tables = field_tables(&common::api_text());
    for (example, path, table, field) in COERCIBLE {
        let row = field_table(&tables, table)
            .rows
            .iter()
            .find(|r| r.name == *field);
        let row = row.unwrap_or_else(|| panic!("{table} has no {field}"));
        let want = table_kind(&row.ty);
        let original = value(&fixture(example));
        let rewritten = match *example {
            "order_request" => serde_json::to_value(
                serde_json::from_value::<OrderRequest>(original.clone()).unwrap(),
            ),
            "order_reply" => serde_json::to_value(
                serde_json::from_value::<OrderReply>(original.clone()).unwrap(),
            ),
            "query_reply" => serde_json::to_value(
                serde_json::from_value::<QueryReply>(original.clone()).unwrap(),
            ),
            "refund_request" => serde_json::to_value(
                serde_json::from_value::<RefundRequest>(original.clone()).unwrap(),
            ),
            "refund_reply" => serde_json::to_value(
                serde_json::from_value::<RefundReply>(original.clone()).unwrap(),
            ),
            other => panic!("{other}"),
        }
        .unwrap();
        let ours = at_path(&rewritten, path);
        let theirs = at_path(&original, path);
        assert!(!theirs.is_empty(), "{example}:{path} is not in the example");
        assert!(
            ours.iter().all(|v| json_kind(v) == want),
            "{example}:{path}: we must write the table's {want}"
        );
        assert!(
            theirs.iter().any(|v| json_kind(v) != want),
            "{example}:{path}: the example already has the table's type, so the coercion is not needed"
        );
    }
}

#[test]
fn the_normaliser_does_not_equate_anything_else() {
    let a = json!({"cost": 900, "uid": "95227"});
    let b = json!({"cost": "900", "uid": 95227});
    // order_request allows cost only.
    let (na, nb) = (
        normalise("order_request", &a, ""),
        normalise("order_request", &b, ""),
    );
    assert_eq!(na["cost"], nb["cost"]);
    assert_ne!(na["uid"], nb["uid"]);
    assert_ne!(
        normalise("order_request", &json!({"cost": 900}), ""),
        normalise("order_request", &json!({"cost": "901"}), "")
    );
}

// ---------------------------------------------------------------- every table field is modeled

/// Tables that describe JSON text carried inside a string field, not a
/// typed structure: (table, carrying field), with the names they define.
const JSON_TEXT_TABLES: &[(&str, &str)] = &[
    ("『虛擬帳號回傳欄位』欄位", "result_content"),
    ("『ibon』欄位", "result_content"),
    ("『FamiPort』欄位", "result_content"),
    ("『Life-ET』欄位", "result_content"),
    ("『超商條碼繳費』欄位", "result_content"),
    ("『紅利資訊』欄位", "redeem"),
    ("『商品細項』欄位", "invoice_order_detail"),
];

/// Where our output's JSON type differs from a table's, and why.
const TYPE_EXCEPTIONS: &[(&str, &str, &str)] = &[(
    "『交易查詢』回傳欄位",
    "trans_type",
    "typed string here but integer in the three report tables, and the query example sends 1: written as a number",
)];

/// A JSON object with every field of `table`, each a value of its table type.
fn populated(table: &FieldTable) -> Map<String, Value> {
    table
        .rows
        .iter()
        .map(|r| {
            let v = match table_kind(&r.ty) {
                "string" => json!("1"),
                "number" => json!(1),
                "array" => json!([]),
                _ => json!({}),
            };
            (r.name.clone(), v)
        })
        .collect()
}

fn check_model<T: Serialize + DeserializeOwned>(table: &FieldTable) {
    let input = Value::Object(populated(table));
    let typed: T = serde_json::from_value(input).unwrap_or_else(|e| {
        panic!(
            "{}: a fully populated instance does not parse: {e}",
            table.title
        )
    });
    let out = serde_json::to_value(&typed).unwrap();
    let out = out.as_object().unwrap();
    // Unknown-to-the-model fields end up in `extra`; a modeled field never does.
    let extra = out.get("extra").and_then(Value::as_object);
    for row in &table.rows {
        assert!(extra.map(|e| !e.contains_key(&row.name)).unwrap_or(true));
        let got = out
            .get(&row.name)
            .unwrap_or_else(|| panic!("{}: field {} is not modeled", table.title, row.name));
        let excepted = TYPE_EXCEPTIONS
            .iter()
            .any(|(t, f, _)| *t == table.title && *f == row.name);
        if !excepted {
            assert_eq!(
                json_kind(got),
                table_kind(&row.ty),
                "{}: {} is typed {} in the table",
                table.title,
                row.name,
                row.ty
            );
        }
    }
}

/// A model for every field table, and the fields carried in `extra` nowhere.
#[test]
fn every_field_of_every_table_is_modeled_with_the_tables_type() {
    let text = common::api_text();
    let tables = field_tables(&text);
    // Every table title of the text was read as a table (none skipped).
    let titles = text.lines().filter(|l| {
        let l = l.trim();
        (l.starts_with('『') || l.starts_with("經銷商『"))
            && ["』欄位", "』回傳欄位", "』回報欄位", "』參數說明"]
                .iter()
                .any(|s| l.ends_with(s))
    });
    assert_eq!(titles.count(), tables.len());
    assert_eq!(tables.len(), 27);
    for t in &tables {
        assert!(!t.rows.is_empty(), "{} has no rows", t.title);
        match t.title.as_str() {
            "經銷商『PayPage金流交易-折價券模式』參數說明"
            | "經銷商『交易查詢』參數說明"
            | "經銷商『交易退款-折價券模式』參數說明" => {
                check_model::<Envelope>(t)
            }
            "『PayPage金流交易-折價券模式』欄位" => check_model::<OrderRequest>(t),
            "『PayPage金流交易-折價券模式』回傳欄位" => check_model::<OrderReply>(t),
            "『交易完成回傳資訊』回報欄位"
            | "『非即時交易回傳資訊』回報欄位"
            | "『訂單確認回傳資訊』回報欄位" => check_model::<Notification>(t),
            "『交易查詢』欄位" => check_model::<QueryRequest>(t),
            "『交易查詢』回傳欄位" => check_model::<QueryReply>(t),
            "『交易退款-折價券模式』欄位" => check_model::<RefundRequest>(t),
            "『交易退款-折價券模式』回傳欄位" => check_model::<RefundReply>(t),
            "『退款完成回傳資訊』欄位" => check_model::<RefundRowData>(t),
            "『商品項目』欄位" => check_model::<Item>(t),
            "『有償票券項目』欄位" => check_model::<PaidVoucher>(t),
            "『無償票券項目』欄位" => check_model::<FreeVoucher>(t),
            "『票券項目』欄位" => check_model::<VoucherRef>(t),
            "『交易查詢-退款資訊』欄位" => check_model::<RefundOrderInfo>(t),
            "『交易查詢-取消資訊』欄位" => check_model::<CancelOrderInfo>(t),
            "『電子發票折讓資訊』欄位" => check_model::<InvoiceAllowance>(t),
            title => {
                let Some((_, field)) = JSON_TEXT_TABLES.iter().find(|(t, _)| *t == title) else {
                    panic!("table {title} has no model: map it here");
                };
                // Its carrier is a string field of the report/query models.
                let mut carrier = Map::new();
                carrier.insert((*field).to_owned(), json!("{}"));
                let q: QueryReply = serde_json::from_value(Value::Object(carrier)).unwrap();
                assert_eq!(
                    serde_json::to_value(q).unwrap()[*field],
                    json!("{}"),
                    "{title}"
                );
            }
        }
    }
}

#[test]
fn the_refund_report_fields_are_modeled_too() {
    // mypay-facts.md: a refund report adds refund_uid, refund_type, expected_refund_date.
    let n: Notification = serde_json::from_value(json!({"uid": "1", "refund_uid": "2", "refund_type": "1", "expected_refund_date": "20211208"})).unwrap();
    assert!(n.extra.is_empty());
    assert_eq!(n.kind(), ReportKind::Refund);
}

#[test]
fn the_payment_code_tables_are_read_from_result_content() {
    let tables = field_tables(&common::api_text());
    for (title, field) in JSON_TEXT_TABLES
        .iter()
        .filter(|(_, f)| *f == "result_content")
    {
        let t = field_table(&tables, title);
        let content: Map<String, Value> = t
            .rows
            .iter()
            .map(|r| (r.name.clone(), json!("x")))
            .collect();
        let tx = Transaction {
            result_content: Some(Value::Object(content.clone()).to_string()),
            ..Transaction::default()
        };
        assert_eq!(tx.payment_codes(), Some(content), "{title} via {field}");
    }
}
