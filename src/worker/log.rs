//! Structured JSON log lines. Callers pass only what is safe to keep: codes,
//! order ids, counts, durations. Never the agent key, the admin token,
//! MYPAY's per-order `key`, or a shopper's personal data.

use serde_json::{json, Map, Value};
use std::cell::Cell;

thread_local! {
    /// Whether info lines are written (`LOG_LEVEL`; set at each entry).
    static INFO: Cell<bool> = const { Cell::new(true) };
}

/// `LOG_LEVEL=info` writes info lines too; `warn` only warnings and errors.
pub fn set_info(on: bool) {
    INFO.with(|i| i.set(on));
}

fn emit(level: &str, event: &str, fields: Value) {
    let mut line = Map::new();
    line.insert("level".into(), json!(level));
    line.insert("event".into(), json!(event));
    line.insert("ts".into(), json!(super::time::now_rfc3339()));
    if let Value::Object(m) = fields {
        line.extend(m);
    }
    let text = Value::Object(line).to_string();
    match level {
        "error" => worker::console_error!("{}", text),
        "warn" => worker::console_warn!("{}", text),
        _ => worker::console_log!("{}", text),
    }
}

/// An info line, when `LOG_LEVEL` is `info` (each line costs CPU time and
/// log volume; Cloudflare's observability records every invocation anyway).
pub fn info(event: &str, fields: Value) {
    if INFO.with(Cell::get) {
        emit("info", event, fields)
    }
}

pub fn warn(event: &str, fields: Value) {
    emit("warn", event, fields)
}

pub fn error(event: &str, fields: Value) {
    emit("error", event, fields)
}

/// A storage or runtime failure, with its cause (D1's or the runtime's
/// words: never a secret).
pub fn internal(what: &str, cause: impl std::fmt::Display) {
    error(
        "internal_error",
        json!({"what": what, "cause": cause.to_string()}),
    )
}
