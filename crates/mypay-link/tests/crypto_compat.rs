//! Appendix 4 (資料加密方式說明), both ways, against the API text's own sample
//! encrypt/decrypt functions: `fixtures/crypto/vectors.json` holds what PHP
//! `openssl_encrypt`, Python pycryptodome and Node `crypto` produced from the
//! samples' payloads; `fixtures/crypto/decrypt.{php,py,js}` are the samples'
//! decrypt counterparts, spawned here on what we encrypt.
//!
//! The interpreters come from `scripts/setup.sh samples`. A missing one is a
//! test FAILURE with a message, never a skip.

mod common;

use mypay_link::crypto::{decrypt, encrypt, encrypt_with_iv, AgentKey, IV_LEN};
use mypay_link::envelope::{Command, Envelope, Service};
use mypay_link::lenient::{Int, StrInt};
use mypay_link::models::{Item, OrderRequest, PaidVoucher, QueryRequest, RefundRequest};
use mypay_link::KeyRing;
use serde::Deserialize;
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command as Proc, Stdio};

/// The agent key every sample client of the API text uses.
const SAMPLE_KEY: &str = "2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG";

#[derive(Deserialize)]
struct Vector {
    name: String,
    lang: String,
    key: String,
    plaintext: String,
    ciphertext: String,
}

fn vectors() -> Vec<Vector> {
    let v: Vec<Vector> =
        serde_json::from_str(&common::repo_file("fixtures/crypto/vectors.json")).unwrap();
    assert!(!v.is_empty());
    v
}

fn key() -> AgentKey {
    AgentKey::new(SAMPLE_KEY).unwrap()
}

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/crypto")
}

// ---------------------------------------------------------------- their bytes, our decrypt

#[test]
fn fixtures_use_the_api_texts_sample_key() {
    let text = common::api_text();
    assert!(
        text.contains(&format!("\"{SAMPLE_KEY}\"")),
        "the sample key is the API text's"
    );
    for v in vectors() {
        assert_eq!(v.key, SAMPLE_KEY, "{}/{}", v.name, v.lang);
    }
}

#[test]
fn vectors_cover_every_sample_language_and_payload() {
    let vs = vectors();
    let payloads = std::fs::read_dir(fixtures_dir().join("payloads"))
        .unwrap()
        .count();
    for lang in ["php", "python", "node"] {
        assert_eq!(
            vs.iter().filter(|v| v.lang == lang).count(),
            payloads,
            "{lang}"
        );
    }
}

#[test]
fn we_decrypt_every_sample_vector_to_its_exact_plaintext() {
    for v in vectors() {
        let k = AgentKey::new(&v.key).unwrap();
        let got =
            decrypt(&k, &v.ciphertext).unwrap_or_else(|e| panic!("{}/{}: {e}", v.name, v.lang));
        assert_eq!(got, v.plaintext, "{}/{}", v.name, v.lang);
    }
}

#[test]
fn sample_ciphertexts_are_iv_then_pkcs7_blocks() {
    use base64::Engine;
    for v in vectors() {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&v.ciphertext)
            .unwrap();
        let n = v.plaintext.len();
        assert_eq!(
            raw.len(),
            IV_LEN + (n / 16 + 1) * 16,
            "{}/{}",
            v.name,
            v.lang
        );
        // Our own encryption with the sample's IV gives the sample's bytes.
        let iv: [u8; IV_LEN] = raw[..IV_LEN].try_into().unwrap();
        assert_eq!(
            encrypt_with_iv(&key(), &iv, &v.plaintext),
            v.ciphertext,
            "{}/{}",
            v.name,
            v.lang
        );
    }
}

#[test]
fn each_samples_json_dialect_is_what_the_fixtures_say() {
    for v in vectors() {
        let pt = &v.plaintext;
        match v.lang.as_str() {
            // PHP json_encode: `\/` and `\uXXXX`.
            "php" => {
                assert!(pt.is_ascii(), "{}", v.name);
                if v.name.starts_with("service") || v.name == "url_emoji_long" {
                    assert!(pt.contains("\\/"), "{}", v.name);
                }
            }
            // Python json.dumps: `\uXXXX`, no `\/`.
            "python" => assert!(pt.is_ascii() && !pt.contains("\\/"), "{}", v.name),
            // Node JSON.stringify: raw UTF-8.
            "node" => assert!(!pt.contains("\\u") && !pt.contains("\\/"), "{}", v.name),
            other => panic!("unknown language {other}"),
        }
    }
}

/// The typed model a vector's plaintext is, as JSON re-written by the model.
fn parse_typed(name: &str, text: &str) -> Value {
    let r = match name {
        "paypage_voucher_order" | "url_emoji_long" => {
            serde_json::from_str::<OrderRequest>(text).map(|m| serde_json::to_value(m).unwrap())
        }
        "query_order" => {
            serde_json::from_str::<QueryRequest>(text).map(|m| serde_json::to_value(m).unwrap())
        }
        "refund_voucher" => {
            serde_json::from_str::<RefundRequest>(text).map(|m| serde_json::to_value(m).unwrap())
        }
        "service_orders" | "service_queryorder" | "service_refund" => {
            serde_json::from_str::<Service>(text).map(|m| serde_json::to_value(m).unwrap())
        }
        other => panic!("no model for payload {other}: add it here"),
    };
    r.unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_plaintext_parses_into_our_models_the_same_in_every_dialect() {
    for v in vectors() {
        let typed = parse_typed(&v.name, &v.plaintext);
        let payload = common::repo_file(&format!("fixtures/crypto/payloads/{}.json", v.name));
        assert_eq!(
            typed,
            parse_typed(&v.name, &payload),
            "{}/{}: the escapes change nothing",
            v.name,
            v.lang
        );
    }
}

#[test]
fn escaped_text_reads_back_as_the_original_characters() {
    for v in vectors()
        .iter()
        .filter(|v| v.name == "url_emoji_long" || v.name == "paypage_voucher_order")
    {
        let o: OrderRequest = serde_json::from_str(&v.plaintext).unwrap();
        if v.name == "paypage_voucher_order" {
            assert_eq!(o.items[0].name, "好棒棒麻辣鍋湯包", "{}", v.lang);
            assert_eq!(
                o.voucher_free.as_ref().unwrap()[0].name,
                "VIP免費券",
                "{}",
                v.lang
            );
        } else {
            assert_eq!(o.items[0].name, "🍲 麻辣鍋 Hot Pot 🌶️🔥", "{}", v.lang);
            assert_eq!(o.order_id.as_str(), "EDGE-2024/07-0001", "{}", v.lang);
            assert_eq!(
                o.success_returl.as_deref(),
                Some("https://shop.example/返回?a=1&b=2"),
                "{}",
                v.lang
            );
            assert!(o.echo_0.as_deref().unwrap().contains("😀"), "{}", v.lang);
        }
    }
}

#[test]
fn service_plaintexts_name_the_documented_commands() {
    for v in vectors().iter().filter(|v| v.name.starts_with("service_")) {
        let s: Service = serde_json::from_str(&v.plaintext).unwrap();
        let want = match v.name.as_str() {
            "service_orders" => Command::Orders,
            "service_queryorder" => Command::QueryOrder,
            _ => Command::Refund,
        };
        assert_eq!(s, Service::api(want), "{}/{}", v.name, v.lang);
    }
}

// ---------------------------------------------------------------- our bytes, their decrypt

struct Interp {
    lang: &'static str,
    program: &'static str,
    script: &'static str,
}

const INTERPRETERS: [Interp; 3] = [
    Interp {
        lang: "php",
        program: "php",
        script: "decrypt.php",
    },
    Interp {
        lang: "python",
        program: "python3",
        script: "decrypt.py",
    },
    Interp {
        lang: "node",
        program: "node",
        script: "decrypt.js",
    },
];

/// Runs a sample script with `input` on stdin; fails the test (never skips)
/// when the interpreter is missing.
fn run_script(program: &str, script: &str, input: &str) -> Vec<u8> {
    let path = fixtures_dir().join(script);
    let mut child = Proc::new(program)
        .arg(&path)
        .env("MYPAY_AGENT_KEY", SAMPLE_KEY)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `{program} {}`: {e}. The sample interpreters (php-cli, python3 + pycryptodome, node) are required: run scripts/setup.sh samples",
                path.display()
            )
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "`{program} {script}` failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn tricky_order() -> OrderRequest {
    OrderRequest {
        store_uid: "289151880002".into(),
        user_id: "userid".into(),
        order_id: "EDGE/2026-11/好-🍜".into(),
        ip: "192.168.0.1".into(),
        cost: Some(StrInt(900)),
        success_returl: Some("https://shop.example/返回/ok?a=1&b=%2F".into()),
        echo_0: Some(
            "quote \" backslash \\ tab \t newline \n emoji 😀 CJK 好棒棒 path a/b/c".into(),
        ),
        items: vec![Item {
            id: "1".into(),
            name: "🍲 好棒棒麻辣鍋湯包 / Hot Pot".into(),
            cost: Some(Int(1000)),
            amount: Some(Int(1)),
            total: Some(Int(1000)),
            image_url: Some("https://img.example/a/b.png".into()),
        }],
        voucher_type: Some("1".into()),
        voucher_paid: Some(vec![PaidVoucher {
            product_id: "P01".into(),
            serial_number: "P/1635306439".into(),
            name: "好食券 🎫".into(),
            cost: Some(Int(100)),
            issuer: Some("1".into()),
            refund_return_type: Some("3".into()),
        }]),
        ..OrderRequest::default()
    }
}

#[test]
fn every_samples_decrypt_reads_what_we_encrypt() {
    let plaintexts = [
        serde_json::to_string(&tricky_order()).unwrap(),
        serde_json::to_string(&Service::api(Command::Orders)).unwrap(),
        String::new(),
        "x".repeat(16),
        "好".repeat(100),
    ];
    for interp in &INTERPRETERS {
        for pt in &plaintexts {
            let ct = encrypt(&key(), pt).unwrap();
            let out = run_script(interp.program, interp.script, &ct);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                *pt,
                "{} decrypt",
                interp.lang
            );
        }
    }
}

#[test]
fn every_samples_decrypt_opens_our_request_envelope() {
    let env = Envelope::seal("518169081001", &key(), Command::Orders, &tricky_order()).unwrap();
    // As it travels (form-encoded) and back.
    let env = Envelope::from_form(&env.to_form()).unwrap();
    for interp in &INTERPRETERS {
        let service = run_script(interp.program, interp.script, &env.service);
        assert_eq!(
            service, br#"{"service_name":"api","cmd":"api/orders"}"#,
            "{}",
            interp.lang
        );
        let data = run_script(interp.program, interp.script, &env.encry_data);
        let back: OrderRequest = serde_json::from_slice(&data).unwrap();
        assert_eq!(back, tricky_order(), "{}", interp.lang);
    }
}

#[test]
fn we_decrypt_what_every_samples_encrypt_produces_now() {
    // Fresh ciphertexts (random IVs) from the samples' own encrypt functions.
    let payload = serde_json::to_string(&tricky_order()).unwrap();
    let ring = KeyRing::new(key(), None);
    for (lang, program, script) in [
        ("php", "php", "encrypt.php"),
        ("python", "python3", "encrypt.py"),
        ("node", "node", "encrypt.js"),
    ] {
        let ct = String::from_utf8(run_script(program, script, &payload)).unwrap();
        let text = ring
            .decrypt(ct.trim())
            .unwrap_or_else(|e| panic!("{lang}: {e}"));
        let back: OrderRequest = serde_json::from_str(&text).unwrap();
        assert_eq!(back, tricky_order(), "{lang}");
    }
}

#[test]
#[should_panic(expected = "scripts/setup.sh samples")]
fn a_missing_interpreter_fails_the_test_with_a_clear_message() {
    run_script("mypay-no-such-interpreter", "decrypt.php", "");
}

#[test]
fn the_c_sharp_samples_shared_iv_for_both_fields_reads_fine() {
    // The C# sample encrypts service and encry_data with one IV.
    let iv = [7u8; IV_LEN];
    let env = Envelope {
        agent_uid: "518169081001".into(),
        service: encrypt_with_iv(
            &key(),
            &iv,
            r#"{"service_name":"api","cmd":"api/queryorder"}"#,
        ),
        encry_data: encrypt_with_iv(
            &key(),
            &iv,
            r#"{"uid":"95217","key":"3425042d7d266e4aea5fd4653a0271db"}"#,
        ),
    };
    let ring = KeyRing::new(key(), None);
    assert_eq!(
        env.open_service(&ring).unwrap(),
        Service::api(Command::QueryOrder)
    );
    let q: QueryRequest = env.open_data(&ring).unwrap();
    assert_eq!(q.uid.as_str(), "95217");
}

#[test]
fn the_c_sharp_samples_lowercase_percent_encoding_reads_fine() {
    // HttpUtility.UrlEncode writes %2b, %2f, %3d; Java's URLEncoder %2B.
    let ct = encrypt(&key(), "{}").unwrap();
    let lower: String = ct
        .chars()
        .map(|c| match c {
            '+' => "%2b".to_owned(),
            '/' => "%2f".to_owned(),
            '=' => "%3d".to_owned(),
            c => c.to_string(),
        })
        .collect();
    let body = format!("agent_uid=518169081001&service={lower}&encry_data={lower}");
    let env = Envelope::from_form(&body).unwrap();
    assert_eq!(env.service, ct);
    assert_eq!(decrypt(&key(), &env.encry_data).unwrap(), "{}");
}
