//! Steps 2 and 8: the `Idempotency-Key`. A retry with the same key and body
//! gets the first attempt's answer (`Idempotent-Replayed: true`), 409
//! `idempotency_in_progress` while that attempt runs, 422
//! `idempotency_key_reused` with another body. An entry left unanswered for
//! `IDEMPOTENCY_RECLAIM_SECONDS` (its request died) may be taken over by
//! one retry. Every statement on `idempotency_keys` is here.
//!
//! A key belongs to the client that sent it ([`crate::secrets`]): the row
//! is named by SHA-256 of the client's address and the key, so the same key
//! from another address is another key, and the raw key is not stored. The
//! stored answer holds no token: the order's token is kept wrapped under a
//! pad only that key and address derive, and put back into the answer of
//! a retry that presents both.

use super::request::Input;
use crate::secrets::{idempotency_id, unwrap_token, wrap_token};
use crate::worker::config::Config;
use crate::worker::db::{best_effort, n, s, Db, StoreResult};
use crate::worker::http::{self, ApiError, ApiResult};
use crate::worker::{log, orders, time};
use serde::Deserialize;
use serde_json::{json, Value};
use worker::{D1PreparedStatement, Response};

#[derive(Deserialize)]
struct IdemRow {
    fingerprint: String,
    order_id: String,
    status_code: Option<i64>,
    response: Option<String>,
    token_wrapped: Option<String>,
    created_at: i64,
}

/// The stored name of this request's key, scoped to its client.
fn key_id(input: &Input) -> Option<String> {
    input
        .idem_key
        .as_deref()
        .map(|k| idempotency_id(&input.ip, k))
}

async fn lookup(db: &Db, id: &str) -> StoreResult<Option<IdemRow>> {
    db.first(
        "SELECT fingerprint, order_id, status_code, response, token_wrapped, created_at FROM idempotency_keys WHERE key = ?1",
        &[s(id)],
    )
    .await
}

/// The answer as stored: without the token.
fn without_token(body: &str) -> String {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(mut m)) => {
            m.remove("token");
            Value::Object(m).to_string()
        }
        _ => body.to_owned(),
    }
}

/// The stored answer with the token the retry's key and client unwrap.
fn with_token(body: &str, token: Option<String>) -> String {
    match (serde_json::from_str::<Value>(body), token) {
        (Ok(Value::Object(mut m)), Some(t)) if m.contains_key("order_id") => {
            m.insert("token".into(), Value::String(t));
            Value::Object(m).to_string()
        }
        _ => body.to_owned(),
    }
}

/// The token of the order a key's entry names, unwrapped for this retry.
fn token_of(row: &IdemRow, input: &Input) -> Option<String> {
    let key = input.idem_key.as_deref()?;
    unwrap_token(&input.ip, key, row.token_wrapped.as_deref()?)
}

/// A checkout's answer (JSON), as kept for the key's retries.
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    pub fn json(status: u16, body: &Value) -> Self {
        Self {
            status,
            body: body.to_string(),
        }
    }

    pub fn into_response(self) -> Response {
        http::raw_response(self.status, "application/json; charset=utf-8", self.body)
    }

    fn replayed(self) -> Response {
        let mut res = self.into_response();
        let _ = res.headers_mut().set("idempotent-replayed", "true");
        res
    }
}

/// 409 `idempotency_in_progress`.
pub fn in_progress() -> ApiError {
    ApiError::new(
        409,
        "idempotency_in_progress",
        "a request with this Idempotency-Key is still being processed",
    )
}

/// What the `Idempotency-Key` says about this request.
pub enum KeyState {
    /// A retry: the first attempt's answer.
    Answered(Response),
    /// A new checkout. `reclaimed_from`: the order of the unanswered entry
    /// this request took over (that order is failed, its vouchers free).
    New { reclaimed_from: Option<String> },
}

/// Step 2: looks the key up (errors are 409 / 422 as above).
pub async fn begin(cfg: &Config, db: &Db, input: &Input) -> ApiResult<KeyState> {
    let new = KeyState::New {
        reclaimed_from: None,
    };
    let Some(key) = key_id(input) else {
        return Ok(new);
    };
    let Some(row) = lookup(db, &key).await? else {
        return Ok(new);
    };
    let now = time::now();
    let stale = row.status_code.is_none()
        && row.fingerprint == input.fingerprint
        && now - row.created_at >= cfg.idempotency_reclaim_secs;
    if !stale {
        return replay(row, input).map(KeyState::Answered);
    }
    match reclaim(cfg, db, &key, input, &row, now).await? {
        Reclaim::Lost => replay(row, input).map(KeyState::Answered),
        Reclaim::Answer(res) => Ok(KeyState::Answered(res)),
        Reclaim::Retry => Ok(KeyState::New {
            reclaimed_from: Some(row.order_id),
        }),
    }
}

/// What a retry does with an unanswered Idempotency-Key entry that is older
/// than the reclaim window (the request that wrote it died, or never got
/// its answer stored).
enum Reclaim {
    /// Another retry took it over first: still in progress.
    Lost,
    /// MYPAY had accepted the first attempt: its answer, rebuilt and stored.
    Answer(Response),
    /// Taken over; the first attempt's order is failed (it never reached a
    /// shopper) and its vouchers are free: check out again.
    Retry,
}

async fn reclaim(
    cfg: &Config,
    db: &Db,
    key: &str,
    input: &Input,
    row: &IdemRow,
    now: i64,
) -> ApiResult<Reclaim> {
    // One conditional UPDATE decides: only one retry sees a change, and only
    // while the entry is unanswered and exactly as old as it was read (the
    // winner moves `created_at` to now, so it is fresh again for others).
    let won = db
        .run(
            "UPDATE idempotency_keys SET created_at = ?1 WHERE key = ?2 AND status_code IS NULL AND created_at = ?3 AND order_id = ?4",
            &[n(now), s(key), n(row.created_at), s(&row.order_id)],
        )
        .await?;
    if won == 0 {
        return Ok(Reclaim::Lost);
    }
    log::warn(
        "idempotency_reclaimed",
        json!({"order_id": row.order_id, "age_seconds": now - row.created_at}),
    );
    let Some(old) = db.order(&row.order_id).await? else {
        return Ok(Reclaim::Retry);
    };
    if let (Some(url), Some(_)) = (old.payment_url.as_deref(), old.mypay_uid.as_deref()) {
        let stored = json!({"order_id": old.id, "amount": old.amount, "currency": old.currency,
                            "payment_url": url, "expires_at": time::rfc3339(old.expires_at)})
        .to_string();
        db.run(
            "UPDATE idempotency_keys SET status_code = 201, response = ?1 WHERE key = ?2 AND status_code IS NULL AND order_id = ?3",
            &[s(&stored), s(key), s(&old.id)],
        )
        .await?;
        let answer = Answer {
            status: 201,
            body: with_token(&stored, token_of(row, input)),
        };
        return Ok(Reclaim::Answer(answer.replayed()));
    }
    orders::fail_unanswered(cfg, db, &old, "idempotency_reclaim").await?;
    Ok(Reclaim::Retry)
}

/// A stored reply to an idempotent retry.
fn replay(row: IdemRow, input: &Input) -> ApiResult<Response> {
    if row.fingerprint != input.fingerprint {
        return Err(ApiError::new(
            422,
            "idempotency_key_reused",
            "this Idempotency-Key was used with a different body",
        ));
    }
    let token = token_of(&row, input);
    match (row.status_code, row.response) {
        (Some(code), Some(body)) => Ok(Answer {
            status: u16::try_from(code).unwrap_or(500),
            body: with_token(&body, token),
        }
        .replayed()),
        _ => Err(in_progress()),
    }
}

/// Step 6's part: the statement that writes (or, after a takeover, moves)
/// the key's entry to `order_id`, in the order's own transaction.
pub fn claim_stmt(
    db: &Db,
    input: &Input,
    order_id: &str,
    token: &str,
    reclaimed_from: Option<&str>,
    now: i64,
) -> StoreResult<Option<D1PreparedStatement>> {
    let (Some(raw), Some(key)) = (input.idem_key.as_deref(), key_id(input)) else {
        return Ok(None);
    };
    let wrapped = wrap_token(&input.ip, raw, token);
    let stmt = match reclaimed_from {
        None => db.stmt(
            "INSERT INTO idempotency_keys (key, fingerprint, order_id, token_wrapped, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            &[s(&key), s(&input.fingerprint), s(order_id), s(&wrapped), n(now)],
        )?,
        Some(old) => db.stmt(
            "UPDATE idempotency_keys SET order_id = ?1, token_wrapped = ?2, created_at = ?3 WHERE key = ?4 AND status_code IS NULL AND order_id = ?5",
            &[s(order_id), s(&wrapped), n(now), s(&key), s(old)],
        )?,
    };
    Ok(Some(stmt))
}

/// After step 6's transaction failed: when another request with the key
/// won, its answer (or 409 / 422 as above).
pub async fn after_conflict(
    db: &Db,
    input: &Input,
    reclaimed_from: Option<&str>,
) -> ApiResult<Option<Response>> {
    let Some(key) = key_id(input) else {
        return Ok(None);
    };
    if let Some(old) = reclaimed_from {
        // The entry taken over still names the failed first order: drop
        // it, as a first attempt that fails here leaves no entry.
        db.run(
            "DELETE FROM idempotency_keys WHERE key = ?1 AND status_code IS NULL AND order_id = ?2",
            &[s(&key), s(old)],
        )
        .await?;
    }
    match lookup(db, &key).await? {
        Some(row) => replay(row, input).map(Some),
        None => Ok(None),
    }
}

/// Step 8: keeps the answer for retries, only while the entry is still
/// this request's (a retry may have taken it over if this one outlived the
/// reclaim window).
pub async fn finish(db: &Db, input: &Input, order_id: &str, answer: &Answer) {
    let Some(key) = key_id(input) else {
        return;
    };
    best_effort(
        db.run(
            "UPDATE idempotency_keys SET status_code = ?1, response = ?2 WHERE key = ?3 AND order_id = ?4",
            &[n(i64::from(answer.status)), s(&without_token(&answer.body)), s(&key), s(order_id)],
        )
        .await,
    );
}
