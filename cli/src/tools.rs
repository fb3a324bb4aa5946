//! The offline commands: `encrypt`, `decrypt` and `validate`.

use anyhow::{anyhow, Context};
use mypay_link::models::{OrderRequest, RefundRequest};
use mypay_link::validate::{validate_order, validate_refund};
use mypay_link::{Envelope, KeyRing, Problem};
use serde_json::{json, Value};
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

fn read_stdin() -> anyhow::Result<String> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("cannot read stdin as UTF-8 text")?;
    Ok(input)
}

/// Encrypts stdin (one trailing newline, as `echo` adds, is dropped).
pub fn encrypt_stdin(keys: &KeyRing) -> anyhow::Result<()> {
    let input = read_stdin()?;
    let text = input
        .strip_suffix("\r\n")
        .or_else(|| input.strip_suffix('\n'))
        .unwrap_or(&input);
    let out = mypay_link::encrypt(keys.signing(), text).map_err(|e| anyhow!("{e}"))?;
    println!("{out}");
    Ok(())
}

/// Parses decrypted text as JSON when it is JSON, else keeps it as a string.
fn as_json(text: String) -> Value {
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}

/// Decrypts stdin: a captured body (form or JSON with `encry_data`) becomes
/// `{"agent_uid","service","encry_data"}` with both fields opened; anything
/// else is taken as one envelope field and its plaintext is printed.
pub fn decrypt_stdin(keys: &KeyRing) -> anyhow::Result<()> {
    let input = read_stdin()?;
    let out = decrypt_text(keys, &input)?;
    println!("{out}");
    Ok(())
}

/// The logic of `decrypt`, without I/O.
pub fn decrypt_text(keys: &KeyRing, input: &str) -> anyhow::Result<String> {
    let trimmed = input.trim();
    if trimmed.contains("encry_data") {
        let env = Envelope::from_body(None, trimmed).map_err(|e| anyhow!("{e}"))?;
        let service = keys
            .decrypt(&env.service)
            .map_err(|e| anyhow!("service: {e}"))?;
        let data = keys
            .decrypt(&env.encry_data)
            .map_err(|e| anyhow!("encry_data: {e}"))?;
        let v = json!({"agent_uid": env.agent_uid, "service": as_json(service), "encry_data": as_json(data)});
        return serde_json::to_string_pretty(&v).map_err(|e| anyhow!("{e}"));
    }
    keys.decrypt(trimmed).map_err(|e| anyhow!("{e}"))
}

/// Checks a file; prints each problem; exit 0 (valid), 1 (problems) or 2
/// (the file cannot be read or is not the expected JSON).
pub fn validate_file(path: &Path, refund: bool, as_json_out: bool) -> ExitCode {
    match check_file(path, refund) {
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
        Ok(problems) => {
            if as_json_out {
                match serde_json::to_string_pretty(&problems) {
                    Ok(s) => println!("{s}"),
                    Err(e) => eprintln!("error: {e}"),
                }
            } else if problems.is_empty() {
                println!("ok: {} is valid", path.display());
            } else {
                for p in &problems {
                    println!("{}\t{}\t{}", p.path, p.code, p.message);
                }
            }
            if problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
    }
}

fn check_file(path: &Path, refund: bool) -> anyhow::Result<Vec<Problem>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let result = if refund {
        let r: RefundRequest = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a refund request", path.display()))?;
        validate_refund(&r, None)
    } else {
        let o: OrderRequest = serde_json::from_str(&text)
            .with_context(|| format!("{} is not an order request", path.display()))?;
        validate_order(&o)
    };
    Ok(result.err().unwrap_or_default())
}
