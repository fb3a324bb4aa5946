//! The order lifecycle in D1: asking MYPAY (`api/queryorder`) and carrying
//! out what [`crate::order_state`] decides (status, vouchers, deadline,
//! refund state and an event row, in one transaction), the cron job's
//! follow-up, and the order's JSON view.

use super::config::Config;
use super::db::{best_effort, n, on, os, s, Db, OrderRow, StoreError, ORDER_SELECT};
use super::mypay::{self, UpstreamError};
use super::{log, time};
use crate::order_state::{
    next_check, on_answer, refund_outcome, Answer, Decision, HoldEffect, Holds, OrderStatus,
    RefundChange, RefundOutcome, ReviewReason, Snapshot,
};
use mypay_link::models::{QueryReply, Transaction};
use serde_json::{json, Map, Value};

/// Why a decision could not be carried out in D1.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No randomness for the guard of a transition's write.
    #[error("no entropy")]
    NoEntropy,
    /// Concurrent decisions kept moving the order (after a few tries).
    #[error("the order kept changing while {0}")]
    Busy(&'static str),
}

impl LifecycleError {
    /// What failed, for the `internal_error` log line.
    pub fn what(&self) -> &'static str {
        match self {
            LifecycleError::Store(e) => e.op,
            LifecycleError::NoEntropy => "random",
            LifecycleError::Busy(_) => "order_busy",
        }
    }

    /// For a failure that changes no answer: the `internal_error` log line.
    pub fn log(&self) {
        match self {
            LifecycleError::Store(e) => e.log(),
            e => log::internal(e.what(), e),
        }
    }
}

pub type LifecycleResult<T> = Result<T, LifecycleError>;

/// What a query says about the payment, kept on the order.
#[derive(Clone, Debug, Default)]
pub struct PaymentInfo {
    pub prc: Option<String>,
    pub pfn: Option<String>,
    pub message: Option<String>,
    pub codes: Option<Value>,
}

impl PaymentInfo {
    pub fn from_transaction(t: &Transaction) -> Self {
        let codes = t.payment_codes().map(|m| {
            let mut out = Map::new();
            if let Some(ty) = &t.result_content_type {
                out.insert("type".into(), json!(ty.code()));
            }
            out.extend(m);
            Value::Object(out)
        });
        Self {
            prc: t.prc.as_ref().map(|p| p.code().to_owned()),
            pfn: t.pfn.as_ref().map(|p| p.code().to_owned()),
            message: t.retmsg.clone(),
            codes,
        }
    }
}

/// The order as the lifecycle sees it.
pub fn snapshot(o: &OrderRow) -> Snapshot {
    Snapshot {
        status: o.status,
        review: o.review_reason,
        holds: o.holds,
        wait: o.wait,
        expires_at: o.expires_at,
        refund: o.refund_state,
        refund_since: o.refund_since,
        has_uid: o.mypay_uid.is_some(),
        created_at: o.created_at,
    }
}

/// Who or what made a decision, for the event log.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    pub name: &'a str,
    /// The events row id of the query answer or refund reply behind it.
    pub evidence: Option<i64>,
}

/// What a carried-out decision ended as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub from: OrderStatus,
    pub to: OrderStatus,
    pub review: Option<ReviewReason>,
    /// Whether this request's write took effect (false: another request
    /// moved the order first).
    pub applied: bool,
}

impl Outcome {
    pub fn changed(&self) -> bool {
        self.applied && self.from != self.to
    }
}

/// Extra columns a decision writes beside the lifecycle's own.
#[derive(Default)]
pub struct Extra<'a> {
    pub info: Option<&'a PaymentInfo>,
    /// MYPAY answered a query now: `last_answer_at`, and `report_pending`
    /// cleared if no report arrived since `report_seq` was read.
    pub answered: bool,
    /// The refund reply to keep (JSON, MYPAY key removed).
    pub refund_json: Option<&'a str>,
    /// An amount MYPAY refunded (or accepted to refund) now, added to
    /// `refunded_amount`.
    pub refunded_add: i64,
}

/// Carries out `d` on `order` (read at `order.version`): the status, the
/// vouchers, the deadline, the refund state, the next check and an event
/// row, in one transaction that applies only if the order is unchanged.
pub async fn execute(
    cfg: &Config,
    db: &Db,
    order: &OrderRow,
    d: &Decision,
    source: Source<'_>,
    extra: Extra<'_>,
) -> LifecycleResult<Outcome> {
    let now = time::now();
    let id = order.id.as_str();
    let snap = snapshot(order);
    let mut to = d.to;
    let mut review = d.review;
    let mut holds = snap.holds;
    let mut conflict: Vec<String> = Vec::new();
    let mut stmts = Vec::new();

    // Taking vouchers back happens first, voucher by voucher (a voucher
    // another order holds stays with it); the order's own update below
    // then says whether every voucher came back.
    if d.holds == HoldEffect::Reacquire {
        let codes = db.order_voucher_codes(id).await?;
        if !codes.is_empty() {
            let mut take = Vec::new();
            for c in &codes {
                take.push(db.stmt(
                    "INSERT OR IGNORE INTO holds (code, order_id, kind, created_at) \
                     SELECT code, ?2, kind, ?3 FROM vouchers WHERE code = ?1 AND status = 'available' \
                     AND EXISTS (SELECT 1 FROM orders WHERE id = ?2 AND version = ?4)",
                    &[s(c), s(id), n(now), n(order.version)],
                )?);
            }
            take.push(db.stmt(
                "UPDATE vouchers SET status = 'used', order_id = ?1, updated_at = ?2 \
                 WHERE code IN (SELECT code FROM holds WHERE order_id = ?1)",
                &[s(id), n(now)],
            )?);
            db.batch("d1_reacquire", take).await?;
            let held: Vec<CodeRow> = db
                .all("SELECT code FROM holds WHERE order_id = ?1", &[s(id)])
                .await?;
            conflict = codes
                .into_iter()
                .filter(|c| !held.iter().any(|h| &h.code == c))
                .collect();
        }
        if !conflict.is_empty() {
            (to, review) = d.on_conflict();
        }
        holds = Holds::Consumed;
    }
    match d.holds {
        HoldEffect::Consume => holds = Holds::Consumed,
        // An order refunded after its vouchers were released holds none.
        HoldEffect::Refund if holds != Holds::Released => holds = Holds::Consumed,
        HoldEffect::Refund => {}
        HoldEffect::Release => holds = Holds::Released,
        HoldEffect::Keep | HoldEffect::Reacquire => {}
    }
    let (wait, expires_at) = d.wait.unwrap_or((snap.wait, snap.expires_at));
    let refund_state = match d.refund {
        RefundChange::Keep => snap.refund,
        RefundChange::Set(r) => Some(r),
        RefundChange::Clear => None,
    };
    let refund_since = match d.refund {
        RefundChange::Keep => snap.refund_since,
        RefundChange::Set(_) => Some(now),
        RefundChange::Clear => None,
    };
    let after = Snapshot {
        status: to,
        review,
        holds,
        wait,
        expires_at,
        refund: refund_state,
        refund_since,
        has_uid: snap.has_uid,
        created_at: snap.created_at,
    };
    // A query answer sets the next check afresh; any other decision never
    // puts off a check that is already due.
    let next = match (
        extra.answered,
        order.next_check_at,
        next_check(&after, now, &cfg.lifecycle),
    ) {
        (true, _, c) => c,
        (false, Some(e), Some(c)) => Some(e.min(c)),
        (false, e, c) => e.or(c),
    };
    let nonce = time::random_hex(12).ok_or(LifecycleError::NoEntropy)?;
    let info = extra.info.cloned().unwrap_or_default();
    let codes = info.codes.as_ref().map(Value::to_string);
    let answered = i64::from(extra.answered);
    stmts.push(db.stmt(
        "UPDATE orders SET status = ?1, review_reason = ?2, holds = ?3, wait = ?4, expires_at = ?5, \
         refund_state = ?6, refund_since = ?7, next_check_at = ?8, updated_at = ?9, \
         paid_at = CASE WHEN ?1 = 'paid' AND paid_at IS NULL THEN ?9 ELSE paid_at END, \
         refunded_at = CASE WHEN ?1 = 'refunded' AND refunded_at IS NULL THEN ?9 ELSE refunded_at END, \
         prc = COALESCE(?10, prc), payment_pfn = COALESCE(?11, payment_pfn), \
         payment_message = COALESCE(?12, payment_message), payment_codes = COALESCE(?13, payment_codes), \
         refund = COALESCE(?14, refund), \
         last_answer_at = CASE WHEN ?15 = 1 THEN ?9 ELSE last_answer_at END, \
         report_pending = CASE WHEN ?15 = 1 AND report_seq = ?16 THEN 0 ELSE report_pending END, \
         refunded_amount = refunded_amount + ?20, \
         version = version + 1, last_transition = ?17 WHERE id = ?18 AND version = ?19",
        &[
            s(to.as_str()), os(review.map(|r| r.as_str())), s(holds.as_str()), s(wait.as_str()), n(expires_at),
            os(refund_state.map(|r| r.as_str())), on(refund_since), on(next), n(now),
            os(info.prc.as_deref()), os(info.pfn.as_deref()), os(info.message.as_deref()), os(codes.as_deref()),
            os(extra.refund_json), n(answered), n(order.report_seq), s(&nonce), s(id), n(order.version),
            n(extra.refunded_add),
        ],
    )?);
    // The voucher effects and the event row apply only if this very update
    // did (a concurrent decision on the same order leaves another nonce).
    let guard =
        format!("EXISTS (SELECT 1 FROM orders WHERE id = ?1 AND last_transition = '{nonce}')");
    match d.holds {
        HoldEffect::Keep | HoldEffect::Reacquire => {}
        HoldEffect::Consume => stmts.push(db.stmt(
            &format!("UPDATE vouchers SET status = 'used', order_id = ?1, updated_at = ?2 WHERE code IN (SELECT code FROM holds WHERE order_id = ?1) AND {guard}"),
            &[s(id), n(now)],
        )?),
        HoldEffect::Release => {
            stmts.push(db.stmt(
                &format!("UPDATE vouchers SET status = 'available', order_id = NULL, updated_at = ?2 WHERE code IN (SELECT code FROM holds WHERE order_id = ?1) AND {guard}"),
                &[s(id), n(now)],
            )?);
            stmts.push(db.stmt(
                &format!("DELETE FROM holds WHERE order_id = ?1 AND {guard}"),
                &[s(id)],
            )?);
        }
        HoldEffect::Refund => {
            // Only vouchers this order holds: one another order consumed
            // is never flipped by this order's refund.
            for v in db.held_vouchers(id).await? {
                let outcome = if v.kind == "paid" {
                    refund_outcome(v.refund_return_type.as_deref())
                } else {
                    RefundOutcome::StaysUsed
                };
                if outcome == RefundOutcome::ReturnedToShopper {
                    stmts.push(db.stmt(
                        &format!("UPDATE vouchers SET status = 'available', order_id = NULL, refund_outcome = ?3, updated_at = ?2 WHERE code = ?4 AND {guard}"),
                        &[s(id), n(now), s(outcome.as_str()), s(&v.code)],
                    )?);
                    stmts.push(db.stmt(
                        &format!("DELETE FROM holds WHERE code = ?2 AND order_id = ?1 AND {guard}"),
                        &[s(id), s(&v.code)],
                    )?);
                } else {
                    stmts.push(db.stmt(
                        &format!("UPDATE vouchers SET status = 'used', order_id = ?1, refund_outcome = ?3, updated_at = ?2 WHERE code = ?4 AND {guard}"),
                        &[s(id), n(now), s(outcome.as_str()), s(&v.code)],
                    )?);
                }
            }
        }
    }
    let effective = Decision { to, review, ..*d };
    if effective.changes_anything() || !conflict.is_empty() {
        let detail = json!({
            "from": d.from.as_str(), "to": to.as_str(), "source": source.name, "why": d.why,
            "review_reason": review.map(|r| r.as_str()), "holds": d.holds,
            "deadline": d.wait.map(|(w, at)| json!({"wait": w.as_str(), "expires_at": time::rfc3339(at)})),
            "refund_state": refund_state.map(|r| r.as_str()),
            "conflicting_vouchers": conflict, "evidence": source.evidence,
        });
        stmts.push(db.stmt(
            &format!("INSERT INTO events (order_id, kind, prc, detail, created_at) SELECT ?1, 'transition', ?2, ?3, ?4 WHERE {guard}"),
            &[s(id), os(info.prc.as_deref()), s(&detail.to_string()), n(now)],
        )?);
    }
    // The merchant's webhooks: outbox rows in this same batch, so the
    // change and its announcement commit together.
    let new_codes = codes.is_some() && codes != order.payment_codes;
    let announce = super::webhooks::event_type(order.status, to, new_codes);
    let outbox =
        super::webhooks::outbox_stmt(cfg, db, id, announce, now, &guard)?.map(|(stmt, o)| {
            stmts.push(stmt);
            o
        });
    let changes = db.batch("d1_apply", stmts).await?;
    let applied = changes.first().copied().unwrap_or(0) > 0;
    if let (true, Some(o)) = (applied, &outbox) {
        super::webhooks::kick(o).await;
    }
    if applied && d.from != to {
        log::info(
            "order_transition",
            json!({"order_id": id, "from": d.from.as_str(), "to": to.as_str(), "source": source.name, "why": d.why}),
        );
    }
    Ok(Outcome {
        from: d.from,
        to,
        review,
        applied,
    })
}

#[derive(serde::Deserialize)]
struct CodeRow {
    code: String,
}

/// Fails an order MYPAY never answered `api/orders` for (nobody has its
/// payment page) and releases its vouchers.
pub async fn fail_unanswered(
    cfg: &Config,
    db: &Db,
    order: &OrderRow,
    source: &str,
) -> LifecycleResult<Outcome> {
    let d = crate::order_state::on_create_failed(&snapshot(order));
    execute(
        cfg,
        db,
        order,
        &d,
        Source {
            name: source,
            evidence: None,
        },
        Extra::default(),
    )
    .await
}

/// Why a confirmation did not happen.
pub enum ConfirmError {
    Upstream(UpstreamError),
    /// The answer could not be kept or carried out.
    Lifecycle(LifecycleError),
    /// The query answered for another order or amount, or left out what
    /// identifies it.
    Mismatch(&'static str),
}

impl From<LifecycleError> for ConfirmError {
    fn from(e: LifecycleError) -> Self {
        ConfirmError::Lifecycle(e)
    }
}

impl From<StoreError> for ConfirmError {
    fn from(e: StoreError) -> Self {
        ConfirmError::Lifecycle(e.into())
    }
}

/// The reply as kept in the events: every field but `key`.
fn redacted_reply(r: &QueryReply) -> Value {
    let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
    if let Some(m) = v.as_object_mut() {
        m.remove("key");
    }
    v
}

/// Checks that the reply is about this order: the same uid, order id and
/// amount, each present.
fn check_reply(order: &OrderRow, uid: &str, r: &QueryReply) -> Result<(), &'static str> {
    let t = &r.transaction;
    match t.uid.as_ref().map(|u| u.as_str().trim().to_owned()) {
        Some(u) if u == uid => {}
        _ => return Err("query uid"),
    }
    match t.order_id.as_ref().map(|o| o.as_str().trim().to_owned()) {
        Some(o) if o == order.id => {}
        _ => return Err("query order_id"),
    }
    match t.cost {
        Some(c) if c.get() == order.amount => {}
        _ => return Err("query cost"),
    }
    Ok(())
}

/// Asks MYPAY for the order's state and applies the answer. Every answer
/// (and every failed attempt) is kept in the events.
pub async fn confirm(
    cfg: &Config,
    db: &Db,
    order: &OrderRow,
    source: &str,
) -> Result<Outcome, ConfirmError> {
    let (Some(uid), Some(key)) = (order.mypay_uid.as_deref(), order.mypay_key.as_deref()) else {
        return Err(ConfirmError::Mismatch("order has no MYPAY uid"));
    };
    let asked_at = time::now();
    best_effort(
        db.run(
            "UPDATE orders SET last_checked_at = ?1 WHERE id = ?2",
            &[n(asked_at), s(&order.id)],
        )
        .await,
    );
    let reply = match mypay::query_order(cfg, uid, key).await {
        Ok(r) => r,
        Err(e) => {
            // Nothing is decided without an answer; the cron job asks again.
            let kept = db
                .batch(
                    "d1_query_failed",
                    vec![
                        db.event_stmt(Some(&order.id), "query_failed", None, &json!({"error": e.log_code(), "source": source}), time::now())?,
                        db.stmt(
                            "UPDATE orders SET next_check_at = ?1 WHERE id = ?2 AND next_check_at IS NOT NULL AND next_check_at < ?1",
                            &[n(time::now() + 60), s(&order.id)],
                        )?,
                    ],
                )
                .await;
            best_effort(kept);
            return Err(ConfirmError::Upstream(e));
        }
    };
    let prc = reply.transaction.prc.as_ref().map(|p| p.code().to_owned());
    if let Err(what) = check_reply(order, uid, &reply) {
        best_effort(
            db.event(
                Some(&order.id),
                "query_rejected",
                prc.as_deref(),
                &json!({"what": what, "source": source, "reply": redacted_reply(&reply)}),
                time::now(),
            )
            .await,
        );
        return Err(ConfirmError::Mismatch(what));
    }
    let answer = Answer::from_query(&reply, time::parse_stamp);
    // Every answer is kept; an answer identical to the last one kept for
    // this order points at it instead of storing the same reply again (the
    // cron job asks paid orders daily for a month).
    let reply_text = redacted_reply(&reply).to_string();
    let same = match (&order.last_reply, order.last_reply_event) {
        (Some(prev), Some(id)) if *prev == reply_text => Some(id),
        _ => None,
    };
    let detail = match same {
        Some(id) => json!({"source": source, "answer": format!("{answer:?}"), "same_reply_as": id}),
        None => {
            json!({"source": source, "answer": format!("{answer:?}"), "reply": redacted_reply(&reply)})
        }
    };
    let evidence = db
        .insert_event(
            Some(&order.id),
            "query",
            prc.as_deref(),
            &detail,
            time::now(),
        )
        .await?;
    if same.is_none() {
        best_effort(
            db.run(
                "UPDATE orders SET last_reply = ?1, last_reply_event = ?2 WHERE id = ?3",
                &[s(&reply_text), n(evidence), s(&order.id)],
            )
            .await,
        );
    }
    if answer == Answer::Unknown {
        // A code that says nothing about the order (400, ...): kept above,
        // decided on as no answer; the cron job asks again.
        best_effort(
            db.run(
                "UPDATE orders SET next_check_at = ?1 WHERE id = ?2 AND next_check_at IS NOT NULL AND next_check_at < ?1",
                &[n(time::now() + 60), s(&order.id)],
            )
            .await,
        );
        return Err(ConfirmError::Upstream(UpstreamError::Reply(
            mypay_link::reply::ReplyError::Malformed(
                "a status code that says nothing about the order".into(),
            ),
        )));
    }
    let info = PaymentInfo::from_transaction(&reply.transaction);
    // Decide on the freshest row: a report or another query may have moved
    // it while MYPAY was asked. The answer stays valid.
    let mut current = order.clone();
    for _ in 0..3 {
        let snap = snapshot(&current);
        let now = time::now();
        let d = on_answer(&snap, answer, now, &cfg.lifecycle);
        let out = execute(
            cfg,
            db,
            &current,
            &d,
            Source {
                name: source,
                evidence: Some(evidence),
            },
            Extra {
                info: Some(&info),
                answered: true,
                ..Default::default()
            },
        )
        .await?;
        if out.applied {
            return Ok(out);
        }
        match db.order(&order.id).await? {
            Some(o) => current = o,
            None => break,
        }
    }
    Err(LifecycleError::Busy("it was confirmed").into())
}

/// Logs a failed confirmation (no secrets: codes only).
pub fn log_confirm_error(order_id: &str, e: &ConfirmError) {
    match e {
        ConfirmError::Upstream(u) => log::warn(
            "confirm_failed",
            json!({"order_id": order_id, "error": u.log_code()}),
        ),
        ConfirmError::Lifecycle(l) => {
            l.log();
            log::warn(
                "confirm_failed",
                json!({"order_id": order_id, "error": "internal_error"}),
            )
        }
        ConfirmError::Mismatch(m) => {
            log::error("confirm_mismatch", json!({"order_id": order_id, "what": m}))
        }
    }
}

#[derive(Default, serde::Serialize)]
pub struct ReconcileReport {
    pub checked: u32,
    pub updated: u32,
    pub expired: u32,
    pub released: u32,
    pub failed: u32,
}

/// The cron job: asks MYPAY about every order with an unconfirmed report
/// or whose next check is due, and applies the answers. Orders MYPAY never
/// answered `api/orders` for fail once their deadline passes (nobody has
/// their payment page). Nothing is decided without MYPAY's answer.
///
/// `min_age`: also ask about every order MYPAY may still change (one with a
/// next check at all) last updated at least that many seconds ago, due or
/// not (the admin's "reconcile now").
pub async fn reconcile(
    cfg: &Config,
    db: &Db,
    min_age: Option<i64>,
    limit: i64,
) -> LifecycleResult<ReconcileReport> {
    let now = time::now();
    let mut report = ReconcileReport::default();
    let due: Vec<OrderRow> = db
        .all(
            &format!(
                "{ORDER_SELECT} WHERE report_pending = 1 OR next_check_at <= ?1 \
                 OR (?3 IS NOT NULL AND next_check_at IS NOT NULL AND updated_at <= ?3) \
                 ORDER BY report_pending DESC, next_check_at LIMIT ?2"
            ),
            &[n(now), n(limit), on(min_age.map(|a| now - a))],
        )
        .await?;
    for order in due {
        report.checked += 1;
        if order.mypay_uid.is_none() {
            // Past its deadline and older than any call could still be in
            // flight.
            if now >= order.expires_at && now - order.created_at >= cfg.idempotency_reclaim_secs {
                let out = fail_unanswered(cfg, db, &order, "reconcile").await?;
                if out.changed() {
                    report.updated += 1;
                }
            }
            continue;
        }
        let before = order.holds;
        match confirm(cfg, db, &order, "reconcile").await {
            Ok(out) => {
                if out.changed() {
                    report.updated += 1;
                }
                if out.changed() && out.to == OrderStatus::Expired {
                    report.expired += 1;
                }
                if before == Holds::Held {
                    if let Some(o) = db.order(&order.id).await? {
                        if o.holds == Holds::Released {
                            report.released += 1;
                        }
                    }
                }
            }
            Err(e) => {
                report.failed += 1;
                log_confirm_error(&order.id, &e);
            }
        }
    }
    log::info(
        "reconcile",
        json!({"checked": report.checked, "updated": report.updated, "expired": report.expired, "released": report.released, "failed": report.failed}),
    );
    Ok(report)
}

/// The order as the merchant sees it (the admin API, webhooks): the
/// shopper's view plus the lifecycle's state, the review reason with what to
/// do, the customer fields, the merchant's echo strings and MYPAY's refund
/// answer. Never MYPAY's key or the order's token.
pub async fn admin_view(db: &Db, o: &OrderRow) -> Result<Value, StoreError> {
    let mut view = order_view(db, o).await?;
    if let Some(m) = view.as_object_mut() {
        m.insert("mypay_uid".into(), json!(o.mypay_uid));
        m.insert("requested_pfn".into(), json!(o.pfn));
        m.insert("refund_state".into(), json!(o.refund_state));
        m.insert("holds".into(), json!(o.holds));
        m.insert("wait".into(), json!(o.wait));
        m.insert(
            "next_check_at".into(),
            json!(o.next_check_at.map(time::rfc3339)),
        );
        m.insert(
            "last_checked_at".into(),
            json!(o.last_checked_at.map(time::rfc3339)),
        );
        m.insert(
            "last_answer_at".into(),
            json!(o.last_answer_at.map(time::rfc3339)),
        );
        m.insert(
            "review".into(),
            match o.review_reason {
                Some(r) => json!({"reason": r.as_str(), "explanation": r.explanation(),
                                  "actions": r.actions().iter().map(|a| a.replace("{id}", &o.id)).collect::<Vec<_>>()}),
                None => Value::Null,
            },
        );
        m.insert(
            "review_reason".into(),
            json!(o.review_reason.map(|r| r.as_str())),
        );
        m.insert("report_pending".into(), json!(o.report_pending == 1));
        let parse = |v: Option<&str>| v.and_then(|t| serde_json::from_str::<Value>(t).ok());
        m.insert("customer_id".into(), json!(o.customer_id));
        m.insert("customer_email".into(), json!(o.customer_email));
        m.insert(
            "customer".into(),
            parse(o.customer.as_deref()).unwrap_or(Value::Null),
        );
        m.insert(
            "echo".into(),
            parse(o.echo.as_deref()).unwrap_or(Value::Null),
        );
        m.insert(
            "refund".into(),
            o.refund
                .as_deref()
                .and_then(|r| serde_json::from_str::<Value>(r).ok())
                .unwrap_or(Value::Null),
        );
    }
    Ok(view)
}

/// MYPAY's last query answer kept on the order (its key removed).
pub fn last_query(o: &OrderRow) -> Option<QueryReply> {
    o.last_reply
        .as_deref()
        .and_then(|r| serde_json::from_str::<QueryReply>(r).ok())
}

/// 『電子發票開立狀態類型』 in words.
fn invoice_status(code: &str) -> &'static str {
    match code {
        "1" => "pending",
        "2" => "issued",
        "3" | "5" => "failed",
        "4" => "voided",
        "6" => "allowance",
        _ => "none",
    }
}

/// What the query says of the e-invoice: status, number, carrier, date.
pub struct InvoiceFacts {
    /// `invoice_state` as MYPAY wrote it.
    pub state: Option<String>,
    /// Issued or being issued (a refund must then send `items`).
    pub issued: bool,
    /// 字軌 + 號碼 (`SW12345678`).
    pub number: Option<String>,
    /// `invoice_date` as MYPAY wrote it.
    pub date: Option<String>,
    pub carrier: Value,
}

pub fn invoice_facts(q: &QueryReply) -> InvoiceFacts {
    let inv = &q.invoice;
    let nonempty = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let state = inv.invoice_state.as_ref().map(|s| s.code().to_owned());
    let number = nonempty(&inv.invoice_number).map(|n| {
        format!(
            "{}{}",
            nonempty(&inv.invoice_wordtrack).unwrap_or_default(),
            n
        )
    });
    let carrier = match q
        .invoice_cloud_type
        .as_ref()
        .map(|c| c.code().to_owned())
        .as_deref()
    {
        Some("2") => json!({"type": "mobile", "mobile_code": nonempty(&q.invoice_mobile_code)}),
        Some("3") => {
            json!({"type": "natural_person", "natural_person_code": nonempty(&q.invoice_natural_person)})
        }
        Some("4") => {
            json!({"type": "email", "post_zone": nonempty(&q.invoice_m_post_zone), "address": nonempty(&q.invoice_m_address)})
        }
        _ if nonempty(&q.invoice_love_code).is_some() => {
            json!({"type": "donation", "love_code": nonempty(&q.invoice_love_code)})
        }
        _ => Value::Null,
    };
    InvoiceFacts {
        issued: matches!(state.as_deref(), Some("1" | "2")),
        state,
        number,
        date: nonempty(&inv.invoice_date),
        carrier,
    }
}

/// The order's invoice: the shopper's choice at checkout, and once MYPAY's
/// query has them, the invoice's status, number, carrier and date.
fn invoice_view(o: &OrderRow, q: Option<&QueryReply>) -> Value {
    let choice = o
        .invoice
        .as_deref()
        .and_then(|i| serde_json::from_str::<Value>(i).ok());
    let facts = q.map(invoice_facts);
    let status = facts
        .as_ref()
        .and_then(|f| f.state.as_deref())
        .map(invoice_status);
    if choice.is_none() && status.is_none_or(|s| s == "none") {
        return Value::Null;
    }
    json!({
        "choice": choice,
        "status": status,
        "number": facts.as_ref().and_then(|f| f.number.clone()),
        "date": facts.as_ref().and_then(|f| f.date.clone()),
        "carrier": facts.map(|f| f.carrier).unwrap_or(Value::Null),
    })
}

/// The order as the shopper (and the admin) sees it. Never the MYPAY key.
pub async fn order_view(db: &Db, o: &OrderRow) -> Result<Value, StoreError> {
    let lines: Vec<Value> = db
        .lines(&o.id)
        .await?
        .into_iter()
        .map(|l| json!({"product_id": l.product_id, "name": l.name, "name_en": l.name_en, "unit_price": l.unit_price, "quantity": l.quantity, "total": l.total}))
        .collect();
    let vouchers: Vec<Value> = db
        .order_vouchers(&o.id)
        .await?
        .into_iter()
        .map(|v| json!({"code": v.code, "kind": v.kind, "name": v.name, "value": v.value, "issuer": v.issuer}))
        .collect();
    let payment = o.prc.as_ref().map(|prc| {
        let codes = o
            .payment_codes
            .as_deref()
            .and_then(|c| serde_json::from_str::<Value>(c).ok());
        json!({"pfn": o.payment_pfn, "prc": prc, "message": o.payment_message, "codes": codes})
    });
    let q = last_query(o);
    // What partial refunds returned: the Worker's count, or MYPAY's if the
    // query shows more (a refund made in MYPAY's panel).
    let refunded = q
        .as_ref()
        .and_then(crate::order_state::refunded_total)
        .unwrap_or(0)
        .max(o.refunded_amount);
    Ok(json!({
        "order_id": o.id,
        "status": o.status,
        "amount": o.amount,
        "currency": o.currency,
        "lines": lines,
        "vouchers": vouchers,
        "subtotal": o.subtotal,
        "voucher_total": o.voucher_total,
        "created_at": time::rfc3339(o.created_at),
        "updated_at": time::rfc3339(o.updated_at),
        "expires_at": time::rfc3339(o.expires_at),
        "paid_at": o.paid_at.map(time::rfc3339),
        "refunded_at": o.refunded_at.map(time::rfc3339),
        "payment_url": o.payment_url,
        "payment": payment,
        "refunded_amount": refunded,
        "invoice": invoice_view(o, q.as_ref()),
    }))
}
