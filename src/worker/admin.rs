//! The admin API (`Authorization: Bearer ADMIN_TOKEN`, compared in constant
//! time): orders, refunds, vouchers, reconciliation.

use super::access;
use super::config::Config;
use super::db::{n, on, os, s, Db, EventRow, OrderRow, VoucherRow, VOUCHER_SELECT};
use super::http::{self, ok_json, ApiError, ApiResult};
use super::mypay::UpstreamError;
use super::orders;
use super::{log, mypay, time};
use crate::console_rules;
use crate::order_state::{
    invoice_action, may_refund, on_partial_refund, on_refund, refund_outcome, InvoiceAction,
    InvoiceRefusal, OrderStatus, RefundOutcome, RefundOutcomeReply, RefundRefusal,
};
use crate::pricing::{full_refund_items, partial_refund_items, RefundLine, VoucherKind};
use mypay_link::codes::{Pfn, RefundInvoiceState};
use mypay_link::crypto::secret_eq;
use mypay_link::lenient::StrInt;
use mypay_link::models::{RefundRequest, VoucherRef};
use mypay_link::reply::ReplyError;
use mypay_link::validate::{validate_refund, PaidOrder, VOUCHER_PRODUCT_ID_MAX_BYTES};
use serde::Deserialize;
use serde_json::{json, Value};
use worker::{Request, Response};

/// A `report_refusals` row: refused reports for one order and reason.
#[derive(Deserialize)]
struct RefusalRow {
    reason: String,
    count: i64,
    first_at: i64,
    last_at: i64,
}

/// The admin token (`Authorization: Bearer`), or a Cloudflare Access token
/// the entry verified for this request (see `access`).
pub(super) fn authorize(req: &Request, cfg: &Config) -> ApiResult<()> {
    let token = http::bearer(req).unwrap_or_default();
    if !token.is_empty() && secret_eq(&token, &cfg.admin_token) {
        return Ok(());
    }
    if token.is_empty() && cfg.access.is_some() && access::principal(req).is_some() {
        return Ok(());
    }
    log::warn("admin_unauthorized", json!({"path": req.path()}));
    Err(ApiError::new(
        401,
        "unauthorized",
        "a valid admin token is required",
    ))
}

/// A row of the order list.
#[derive(Deserialize)]
struct ListRow {
    id: String,
    status: String,
    amount: i64,
    currency: String,
    prc: Option<String>,
    payment_pfn: Option<String>,
    mypay_uid: Option<String>,
    review_reason: Option<String>,
    created_at: i64,
    updated_at: i64,
    report_pending: i64,
    customer_email: Option<String>,
}

/// `GET /admin/orders`: newest first, a page at a time (`limit` 1 to 200,
/// `cursor` from the previous page). Filters: `status`; `from` / `to`
/// (`YYYY-MM-DD`, Taiwan days, both inclusive, on the creation time); `q`,
/// an order id (or its beginning), a MYPAY uid or the customer's e-mail.
/// The order `id`, or 404 `order_not_found`.
pub(super) async fn order_or_404(db: &Db, id: &str) -> ApiResult<OrderRow> {
    db.order(id)
        .await?
        .ok_or_else(|| ApiError::not_found("order_not_found", "no such order"))
}

pub async fn list_orders(req: Request, cfg: &Config, db: &Db) -> ApiResult<Response> {
    authorize(&req, cfg)?;
    let status = http::query_param(&req, "status").filter(|s| !s.is_empty());
    if let Some(st) = &status {
        if OrderStatus::parse(st).is_none() {
            return Err(ApiError::bad_request("invalid_request", "unknown status"));
        }
    }
    let limit = http::query_param(&req, "limit")
        .and_then(|l| l.parse::<i64>().ok())
        .unwrap_or(50)
        .clamp(1, 200);
    let range = console_rules::range(
        http::query_param(&req, "from").as_deref(),
        http::query_param(&req, "to").as_deref(),
    )
    .ok_or_else(|| {
        ApiError::bad_request(
            "invalid_request",
            "from and to are days (YYYY-MM-DD), from not after to",
        )
    })?;
    let q = console_rules::search_term(http::query_param(&req, "q").as_deref());
    // The cursor is "<created_at>:<order_id>" of the last order of a page.
    let (c_at, c_id) = match http::query_param(&req, "cursor").filter(|c| !c.is_empty()) {
        Some(c) => {
            let (a, b) = c
                .split_once(':')
                .ok_or_else(|| ApiError::bad_request("invalid_request", "bad cursor"))?;
            let at = a
                .parse::<i64>()
                .map_err(|_| ApiError::bad_request("invalid_request", "bad cursor"))?;
            (Some(at), b.to_owned())
        }
        None => (None, String::new()),
    };
    let rows: Vec<ListRow> = db
        .all(
                "SELECT id, status, amount, currency, prc, payment_pfn, mypay_uid, review_reason, created_at, updated_at, report_pending, customer_email \
                 FROM orders WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR created_at >= ?2) AND (?3 IS NULL OR created_at < ?3) \
                 AND (?4 IS NULL OR id = ?4 OR mypay_uid = ?4 OR id LIKE ?5 ESCAPE '\\' OR customer_email = lower(?4)) \
                 AND (?6 IS NULL OR created_at < ?6 OR (created_at = ?6 AND id < ?7)) \
                 ORDER BY created_at DESC, id DESC LIMIT ?8",
            &[
                os(status.as_deref()),
                on(range.start),
                on(range.end),
                os(q.as_deref()),
                os(q.as_deref().and_then(console_rules::like_prefix).as_deref()),
                on(c_at),
                s(&c_id),
                n(limit + 1),
            ],
        )
        .await?;
    let more = rows.len() as i64 > limit;
    let page: Vec<&ListRow> = rows.iter().take(limit as usize).collect();
    let next_cursor = if more {
        page.last().map(|o| format!("{}:{}", o.created_at, o.id))
    } else {
        None
    };
    let orders: Vec<Value> = page
        .iter()
        .map(|o| {
            json!({"order_id": o.id, "status": o.status, "amount": o.amount, "currency": o.currency, "prc": o.prc,
                   "payment_pfn": o.payment_pfn, "mypay_uid": o.mypay_uid, "review_reason": o.review_reason,
                   "created_at": time::rfc3339(o.created_at), "updated_at": time::rfc3339(o.updated_at),
                   "report_pending": o.report_pending == 1, "customer_email": o.customer_email})
        })
        .collect();
    ok_json(200, &json!({"orders": orders, "next_cursor": next_cursor}))
}

pub async fn get_order(req: Request, cfg: &Config, db: &Db, id: &str) -> ApiResult<Response> {
    authorize(&req, cfg)?;
    let o = order_or_404(db, id).await?;
    let mut view = orders::admin_view(db, &o).await?;
    // Events oldest first, a page at a time: `events_after` (the last id
    // seen), `events_limit` (1 to 500, default 100).
    let after = match http::query_param(&req, "events_after").filter(|a| !a.is_empty()) {
        Some(a) => a
            .parse::<i64>()
            .map_err(|_| ApiError::bad_request("invalid_request", "events_after is an event id"))?,
        None => 0,
    };
    let limit = match http::query_param(&req, "events_limit").filter(|l| !l.is_empty()) {
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|l| (1..=500).contains(l))
            .ok_or_else(|| ApiError::bad_request("invalid_request", "events_limit is 1 to 500"))?,
        None => 100,
    };
    let mut events: Vec<EventRow> = db
        .all(
            "SELECT id, kind, prc, detail, created_at FROM events WHERE order_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
            &[s(id), n(after), n(limit + 1)],
        )
        .await?;
    let more = events.len() as i64 > limit;
    events.truncate(limit as usize);
    let events_next = if more {
        events.last().map(|e| e.id)
    } else {
        None
    };
    let refusals: Vec<RefusalRow> = db
        .all(
            "SELECT reason, count, first_at, last_at FROM report_refusals WHERE order_id = ?1 ORDER BY reason",
            &[s(id)],
        )
        .await?;
    let refusals: Vec<Value> = refusals
        .into_iter()
        .map(|r| {
            json!({"reason": r.reason, "count": r.count, "first_at": time::rfc3339(r.first_at), "last_at": time::rfc3339(r.last_at)})
        })
        .collect();
    let events: Vec<Value> = events
        .into_iter()
        .map(|e| {
            let detail = e.detail.as_deref().and_then(|d| serde_json::from_str::<Value>(d).ok());
            json!({"id": e.id, "kind": e.kind, "prc": e.prc, "detail": detail, "at": time::rfc3339(e.created_at)})
        })
        .collect();
    // `?live=0` leaves MYPAY out (the view then shows only what is kept).
    let ask = http::query_param(&req, "live").as_deref() != Some("0");
    let live = match (o.mypay_uid.as_deref(), o.mypay_key.as_deref()) {
        (Some(uid), Some(key)) if ask => match mypay::query_order(cfg, uid, key).await {
            Ok(mut r) => {
                r.transaction.key = None;
                serde_json::to_value(&r).unwrap_or(Value::Null)
            }
            Err(e) => {
                let (_, code, message) = e.api_error();
                json!({"error": {"code": code, "message": message}})
            }
        },
        _ => Value::Null,
    };
    if let Some(m) = view.as_object_mut() {
        m.insert("events".into(), json!(events));
        m.insert("events_next".into(), json!(events_next));
        m.insert("refused_reports".into(), json!(refusals));
        m.insert("mypay".into(), live);
    }
    ok_json(200, &view)
}

#[derive(Deserialize, Default)]
struct RefundBody {
    /// The admin's invoice choice: "4" void, "6" allowance.
    #[serde(default)]
    invoice_state: Option<String>,
    /// A partial refund: order lines by name and the amount of each.
    #[serde(default)]
    items: Option<Vec<RefundItemAsk>>,
    /// Manual refunds: what the admin did in MYPAY's panel.
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
struct RefundItemAsk {
    #[serde(default)]
    name: String,
    #[serde(default)]
    amount: i64,
}

/// The method the shopper paid with (MYPAY's word), else the one asked for.
fn paid_method(o: &OrderRow) -> Option<Pfn> {
    o.payment_pfn
        .as_deref()
        .or(o.pfn.as_deref())
        .filter(|p| !p.trim().is_empty() && *p != "all")
        .map(Pfn::from_code)
}

fn refusal(r: RefundRefusal, method: Option<&Pfn>) -> ApiError {
    match r {
        RefundRefusal::AlreadyRefunded => ApiError::new(
            409,
            r.code(),
            "the order has been refunded, or a refund of it is under way",
        ),
        RefundRefusal::NotRefundable => {
            ApiError::new(409, r.code(), "only a paid order can be refunded")
        }
        RefundRefusal::NotSupported => ApiError::new(
            409,
            r.code(),
            format!(
                "{} does not refund instantly, so MYPAY's refund API does not serve it: refund it in MYPAY's admin panel, then record it with POST /admin/orders/{{id}}/manual-refund",
                method.map(|m| m.code().to_owned()).unwrap_or_else(|| "an unknown payment method".into())
            ),
        )
        .with_details(json!({"method": method.map(|m| m.code())})),
    }
}

fn invoice_refusal(r: InvoiceRefusal) -> ApiError {
    match r {
        InvoiceRefusal::VoidNotAllowed => ApiError::new(
            409,
            r.code(),
            "the invoice cannot be voided for this refund (across invoice months, or for part of the order): use an allowance, invoice_state \"6\"",
        ),
        InvoiceRefusal::NotIssued => ApiError::new(
            409,
            r.code(),
            "MYPAY's query shows no e-invoice for this order: leave invoice_state out",
        ),
    }
}

/// Everything a refund of the order would do, decided before MYPAY is
/// asked (`GET /admin/orders/{id}/refund-plan` shows it; the refund sends it).
struct Plan {
    method: Option<Pfn>,
    refusal: Option<ApiError>,
    /// What is left to refund.
    remaining: i64,
    /// Paid and free vouchers: a voucher-mode order is refunded in full only.
    voucher_mode: bool,
    lines: Vec<RefundLine>,
    paid_vouchers: Vec<VoucherRef>,
    vouchers: Vec<Value>,
    issued: bool,
    number: Option<String>,
    /// The invoice is from this month (Taiwan time).
    same_month: bool,
}

/// `YYYYMM` of a MYPAY date (`YYYYMMDDHHmmss` or `YYYY-MM-DD …`).
fn year_month(date: &str) -> Option<String> {
    let digits: String = date.chars().filter(char::is_ascii_digit).take(6).collect();
    (digits.len() == 6).then_some(digits)
}

async fn plan(db: &Db, o: &OrderRow) -> ApiResult<Plan> {
    let method = paid_method(o);
    let mut refusal_err = may_refund(&orders::snapshot(o), method.as_ref(), false)
        .err()
        .map(|r| refusal(r, method.as_ref()));
    if refusal_err.is_none() && (o.mypay_uid.is_none() || o.mypay_key.is_none()) {
        refusal_err = Some(refusal(RefundRefusal::NotRefundable, None));
    }
    let voucher_rows = db.order_vouchers(&o.id).await?;
    let lines: Vec<RefundLine> = db
        .lines(&o.id)
        .await?
        .into_iter()
        .map(|l| RefundLine {
            product_id: l.product_id,
            name: l.name,
            unit_price: l.unit_price,
            quantity: l.quantity,
            total: l.total,
        })
        .collect();
    let q = orders::last_query(o);
    let facts = q.as_ref().map(orders::invoice_facts);
    let issued = facts.as_ref().map(|f| f.issued).unwrap_or(false);
    let invoice_month = facts
        .as_ref()
        .and_then(|f| f.date.as_deref())
        .and_then(year_month)
        .or_else(|| o.paid_at.and_then(|t| year_month(&time::format_stamp(t))));
    let this_month = year_month(&time::format_stamp(time::now()));
    let vouchers: Vec<Value> = voucher_rows
        .iter()
        .map(|v| {
            let outcome = if v.kind == "paid" {
                refund_outcome(v.refund_return_type.as_deref())
            } else {
                RefundOutcome::StaysUsed
            };
            json!({"code": v.code, "kind": v.kind, "value": v.value, "outcome": outcome.as_str()})
        })
        .collect();
    Ok(Plan {
        refusal: refusal_err,
        remaining: (o.amount - o.refunded_amount).max(0),
        voucher_mode: !voucher_rows.is_empty(),
        paid_vouchers: voucher_rows
            .iter()
            .filter(|v| v.kind == "paid")
            .map(|v| VoucherRef {
                product_id: v.product_id.clone(),
                serial_number: v.code.clone(),
            })
            .collect(),
        vouchers,
        lines,
        issued,
        number: facts.and_then(|f| f.number),
        same_month: invoice_month.is_some() && invoice_month == this_month,
        method,
    })
}

impl Plan {
    /// The invoice side of a refund of `cost`.
    fn invoice(
        &self,
        o: &OrderRow,
        cost: i64,
        asked: Option<InvoiceAction>,
    ) -> Result<(InvoiceAction, Vec<InvoiceAction>, &'static str), InvoiceRefusal> {
        let whole = cost == o.amount && self.remaining == o.amount;
        invoice_action(self.issued, self.same_month, whole, asked)
    }
}

/// `GET /admin/orders/{id}/refund-plan`: what `POST …/refund` would do now,
/// for a console to show before its refund button.
pub async fn refund_plan(req: Request, cfg: &Config, db: &Db, id: &str) -> ApiResult<Response> {
    authorize(&req, cfg)?;
    let o = order_or_404(db, id).await?;
    let p = plan(db, &o).await?;
    let (action, choices, why) =
        p.invoice(&o, p.remaining, None)
            .unwrap_or((InvoiceAction::None, Vec::new(), ""));
    let refusal = p
        .refusal
        .as_ref()
        .map(|e| json!({"code": e.code, "message": e.message}));
    let refundable = p.refusal.is_none() && p.remaining > 0;
    ok_json(
        200,
        &json!({
            "order_id": o.id,
            "refundable": refundable,
            "refusal": refusal,
            "method": p.method.as_ref().map(|m| m.code()),
            "instant": p.method.as_ref().map(Pfn::refunds_instantly).unwrap_or(false),
            "amount": p.remaining,
            "refunded_amount": o.amount - p.remaining,
            "partial_allowed": refundable && !p.voucher_mode,
            "items_sent": p.issued,
            "invoice": {
                "issued": p.issued,
                "number": p.number,
                "action": action.as_str(),
                "choices": choices.iter().map(InvoiceAction::as_str).collect::<Vec<_>>(),
                "why": why,
            },
            "vouchers": p.vouchers,
        }),
    )
}

/// Claims the order for a refund (so two admins cannot refund twice).
async fn claim_refund(db: &Db, o: &OrderRow) -> ApiResult<()> {
    let claimed = db
        .run(
            "UPDATE orders SET refund_state = 'in_progress', refund_since = ?1 WHERE id = ?2 \
             AND status IN ('paid','needs_review') AND refund_state IS NULL",
            &[n(time::now()), s(&o.id)],
        )
        .await?;
    if claimed == 0 {
        return Err(refusal(RefundRefusal::AlreadyRefunded, None));
    }
    Ok(())
}

/// Applies a refund outcome on the freshest row (a query may move the
/// order while MYPAY is asked). A refund of part of the order keeps its
/// status ([`on_partial_refund`]); `refunded_add` is added to the order's
/// refunded amount in the same write.
#[allow(clippy::too_many_arguments)]
async fn apply_refund(
    cfg: &Config,
    db: &Db,
    id: &str,
    outcome: RefundOutcomeReply,
    partial: bool,
    refunded_add: i64,
    source: &str,
    evidence: Option<i64>,
    refund_json: Option<&str>,
) -> ApiResult<orders::Outcome> {
    for _ in 0..3 {
        let o = order_or_404(db, id).await?;
        let d = if partial {
            on_partial_refund(&orders::snapshot(&o), outcome)
        } else {
            on_refund(&orders::snapshot(&o), outcome)
        };
        let out = orders::execute(
            cfg,
            db,
            &o,
            &d,
            orders::Source {
                name: source,
                evidence,
            },
            orders::Extra {
                refund_json,
                refunded_add,
                ..Default::default()
            },
        )
        .await?;
        if out.applied {
            return Ok(out);
        }
    }
    Err(ApiError::internal(
        "order_busy",
        "the order kept changing during the refund",
    ))
}

/// `POST /admin/orders/{id}/refund`: `{}` refunds what is left; `{"items":
/// [{"name","amount"}…]}` a part (orders without vouchers); `invoice_state`
/// "4" / "6" overrides the invoice choice within the rules (see
/// [`invoice_action`]).
pub async fn refund(mut req: Request, cfg: &Config, db: &Db, id: &str) -> ApiResult<Response> {
    authorize(&req, cfg)?;
    let rb: RefundBody = http::read_optional_json(&mut req).await?;
    let asked_invoice = match rb.invoice_state.as_deref() {
        None => None,
        Some("4") => Some(InvoiceAction::Void),
        Some("6") => Some(InvoiceAction::Allowance),
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_request",
                "invoice_state is \"4\" or \"6\"",
            ))
        }
    };
    let o = order_or_404(db, id).await?;
    let p = plan(db, &o).await?;
    if let Some(e) = p.refusal {
        return Err(e);
    }
    let (Some(uid), Some(key)) = (o.mypay_uid.clone(), o.mypay_key.clone()) else {
        return Err(refusal(RefundRefusal::NotRefundable, None));
    };
    if p.remaining <= 0 {
        return Err(refusal(RefundRefusal::AlreadyRefunded, None));
    }
    // The refund's amount and, for a part, its items.
    let (cost, asked_items) = match &rb.items {
        None => (p.remaining, None),
        Some(_) if p.voucher_mode => {
            return Err(ApiError::new(
                409,
                "partial_refund_not_allowed",
                "an order with vouchers is refunded in full only (the API text's voucher mode): send {}",
            ))
        }
        Some(asked) => {
            let asked: Vec<(String, i64)> =
                asked.iter().map(|i| (i.name.clone(), i.amount)).collect();
            let (items, sum) = partial_refund_items(&p.lines, &asked).map_err(|errs| {
                ApiError::bad_request("invalid_request", "the refund items are invalid")
                    .with_details(json!(errs
                        .into_iter()
                        .map(|e| json!({"path": e.path, "code": "invalid", "message": e.message}))
                        .collect::<Vec<_>>()))
            })?;
            if sum > p.remaining {
                return Err(ApiError::bad_request(
                    "refund_exceeds_remaining",
                    format!("the items add up to {sum}, but {} is left to refund", p.remaining),
                )
                .with_details(json!({"remaining": p.remaining, "asked": sum})));
            }
            (sum, Some(items))
        }
    };
    // Whether this refund leaves nothing to refund (the order turns refunded).
    let completes = cost == p.remaining;
    let (action, _, _) = p
        .invoice(&o, cost, asked_invoice)
        .map_err(invoice_refusal)?;
    // Items go with every refund of an order with an e-invoice (the text:
    // 若使用電子發票,此欄位必填), and with every part.
    let items = match asked_items {
        Some(items) => Some(items),
        None if p.issued => Some(full_refund_items(&p.lines, cost).ok_or_else(|| {
            ApiError::internal("refund_items", "the order's lines do not cover the refund")
        })?),
        None => None,
    };
    let r = RefundRequest {
        store_uid: cfg.store_uid.as_str().into(),
        key,
        uid: uid.as_str().into(),
        cost: Some(StrInt(cost)),
        // In voucher mode the field is required even when every voucher is
        // free (若有使用折價券模式,則此欄位為必填): then it is empty.
        voucher_paid: p.voucher_mode.then(|| p.paid_vouchers.clone()),
        invoice_state: action.code().map(RefundInvoiceState::from_code),
        items,
        ..Default::default()
    };
    let full_rule = p.voucher_mode.then(|| PaidOrder {
        cost: o.amount,
        voucher_paid: p.paid_vouchers.clone(),
    });
    if let Err(problems) = validate_refund(&r, full_rule.as_ref()) {
        return Err(ApiError::internal(
            "refund_validation",
            format!("{} problems", problems.len()),
        ));
    }
    claim_refund(db, &o).await?;
    let partial = !completes;
    match mypay::refund(cfg, &r).await {
        Ok(reply) => {
            let outcome = RefundOutcomeReply::from_reply(&reply);
            let mut row = reply
                .row_data
                .clone()
                .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
                .unwrap_or(Value::Null);
            if let Some(m) = row.as_object_mut() {
                m.remove("key");
            }
            let refund = json!({"code": reply.code.code(), "msg": reply.msg, "row_data": row,
                                "cost": cost, "partial": partial, "invoice": action.as_str()});
            let refund_text = refund.to_string();
            let evidence = db
                .insert_event(
                    Some(id),
                    "refund",
                    Some(reply.code.code()),
                    &refund,
                    time::now(),
                )
                .await?;
            let added = match outcome {
                RefundOutcomeReply::Instant | RefundOutcomeReply::Accepted => cost,
                _ => 0,
            };
            let out = apply_refund(
                cfg,
                db,
                id,
                outcome,
                partial,
                added,
                "admin_refund",
                Some(evidence),
                Some(&refund_text),
            )
            .await?;
            log::info(
                "refund",
                json!({"order_id": id, "code": reply.code.code(), "status": out.to.as_str(), "cost": cost, "partial": partial}),
            );
            let status = if out.to == OrderStatus::Refunded
                || (partial && outcome == RefundOutcomeReply::Instant)
            {
                200
            } else {
                202
            };
            let refunded_amount = o.amount - p.remaining + added;
            ok_json(
                status,
                &json!({"order_id": id, "status": out.to.as_str(), "refund": refund,
                        "refunded_amount": refunded_amount}),
            )
        }
        Err(e) => {
            // MYPAY's refusal (or a call that never left) changes nothing;
            // a call that may have reached MYPAY waits for the query.
            let refused = matches!(
                e,
                UpstreamError::Reply(ReplyError::Mypay { .. })
                    | UpstreamError::Build(_)
                    | UpstreamError::Http(403)
            );
            let outcome = if refused {
                RefundOutcomeReply::Refused
            } else {
                RefundOutcomeReply::Unanswered
            };
            let kind = if refused {
                "refund_failed"
            } else {
                "refund_unanswered"
            };
            let evidence = db
                .insert_event(
                    Some(id),
                    kind,
                    None,
                    &json!({"error": e.log_code(), "cost": cost, "partial": partial}),
                    time::now(),
                )
                .await?;
            let out = apply_refund(
                cfg,
                db,
                id,
                outcome,
                partial,
                0,
                "admin_refund",
                Some(evidence),
                None,
            )
            .await?;
            if refused {
                // MYPAY may refuse because the order is already refunded
                // (in its panel): ask it, so the order says so at once.
                if let Some(fresh) = db.order(id).await? {
                    if let Err(e) = orders::confirm(cfg, db, &fresh, "refund_refused").await {
                        orders::log_confirm_error(id, &e);
                    }
                }
                let (status, code, message) = e.api_error();
                return Err(ApiError::new(status, code, message));
            }
            let message = if partial {
                "MYPAY did not answer the refund call: check MYPAY's panel before asking again (the order shows MYPAY's refunds once its query lists them)"
            } else {
                "MYPAY did not answer the refund call; the order follows MYPAY's query"
            };
            ok_json(
                202,
                &json!({"order_id": id, "status": out.to.as_str(), "refund_state": "unanswered",
                        "message": message}),
            )
        }
    }
}

/// `POST /admin/orders/{id}/manual-refund`: the admin refunded the order in
/// MYPAY's panel. The order is `refund_pending` until MYPAY's query shows
/// the refund.
pub async fn manual_refund(
    mut req: Request,
    cfg: &Config,
    db: &Db,
    id: &str,
) -> ApiResult<Response> {
    authorize(&req, cfg)?;
    let rb: RefundBody = http::read_optional_json(&mut req).await?;
    let note = rb.note.unwrap_or_default();
    if note.chars().count() > 500 {
        return Err(ApiError::bad_request(
            "invalid_request",
            "note is at most 500 characters",
        ));
    }
    let o = order_or_404(db, id).await?;
    let method = paid_method(&o);
    may_refund(&orders::snapshot(&o), method.as_ref(), true)
        .map_err(|r| refusal(r, method.as_ref()))?;
    if o.mypay_uid.is_none() {
        return Err(refusal(RefundRefusal::NotRefundable, None));
    }
    claim_refund(db, &o).await?;
    let evidence = db
        .insert_event(
            Some(id),
            "manual_refund",
            None,
            &json!({"note": note}),
            time::now(),
        )
        .await?;
    apply_refund(
        cfg,
        db,
        id,
        RefundOutcomeReply::Accepted,
        false,
        0,
        "manual_refund",
        Some(evidence),
        None,
    )
    .await?;
    // MYPAY may show it already.
    if let Some(fresh) = db.order(id).await? {
        if let Err(e) = orders::confirm(cfg, db, &fresh, "manual_refund").await {
            orders::log_confirm_error(id, &e);
        }
    }
    let o = order_or_404(db, id).await?;
    ok_json(
        202,
        &json!({"order_id": id, "status": o.status, "refund_state": o.refund_state}),
    )
}

#[derive(Deserialize)]
struct IssueBody {
    kind: String,
    name: String,
    value: i64,
    #[serde(default = "one")]
    count: i64,
    #[serde(default)]
    prefix: Option<String>,
    #[serde(default)]
    issuer: Option<String>,
    #[serde(default)]
    refund_return_type: Option<String>,
    product_id: String,
    #[serde(default)]
    expires_at: Option<Value>,
    #[serde(default)]
    min_spend: i64,
}

fn one() -> i64 {
    1
}

pub async fn issue_vouchers(mut req: Request, cfg: &Config, db: &Db) -> ApiResult<Response> {
    authorize(&req, cfg)?;
    let (b, _) = http::read_json::<IssueBody>(&mut req).await?;
    let bad = |m: &str| ApiError::bad_request("invalid_request", m.to_owned());
    let kind = VoucherKind::parse(&b.kind).ok_or_else(|| bad("kind is \"paid\" or \"free\""))?;
    if b.name.trim().is_empty() || b.name.chars().count() > 50 {
        return Err(bad("name is 1 to 50 characters"));
    }
    if !(1..=1_000_000).contains(&b.value) {
        return Err(bad("value is 1 to 1000000 TWD"));
    }
    if !(1..=500).contains(&b.count) {
        return Err(bad("count is 1 to 500"));
    }
    if b.min_spend < 0 {
        return Err(bad("min_spend must not be negative"));
    }
    let pid = b.product_id.trim();
    if pid.is_empty()
        || pid.len() > VOUCHER_PRODUCT_ID_MAX_BYTES
        || !pid
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    {
        return Err(bad("product_id is 1 to 32 letters, digits, - or _"));
    }
    let prefix = b
        .prefix
        .as_deref()
        .unwrap_or(pid)
        .trim()
        .to_ascii_uppercase();
    if prefix.is_empty()
        || prefix.len() > 24
        || !prefix
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-')
    {
        return Err(bad("prefix is 1 to 24 letters, digits or -"));
    }
    let issuer = b.issuer.unwrap_or_else(|| "1".into());
    let issuer_ok = match kind {
        VoucherKind::Paid => ["1", "2"].contains(&issuer.as_str()),
        VoucherKind::Free => ["1", "2", "3"].contains(&issuer.as_str()),
    };
    if !issuer_ok {
        return Err(bad(
            "issuer is 1 or 2 for paid vouchers, 1, 2 or 3 for free ones",
        ));
    }
    let rrt = match kind {
        VoucherKind::Paid => {
            let r = b.refund_return_type.unwrap_or_else(|| "1".into());
            if !["1", "2", "3"].contains(&r.as_str()) {
                return Err(bad("refund_return_type is 1, 2 or 3"));
            }
            Some(r)
        }
        VoucherKind::Free => None,
    };
    let expires_at = match &b.expires_at {
        None | Some(Value::Null) => None,
        Some(Value::Number(x)) => Some(
            x.as_i64()
                .ok_or_else(|| bad("expires_at is Unix seconds or an RFC 3339 UTC time"))?,
        ),
        Some(Value::String(t)) => Some(
            time::parse_rfc3339(t)
                .ok_or_else(|| bad("expires_at is Unix seconds or an RFC 3339 UTC time"))?,
        ),
        Some(_) => return Err(bad("expires_at is Unix seconds or an RFC 3339 UTC time")),
    };
    let now = time::now();
    let mut codes = Vec::new();
    let mut stmts = Vec::new();
    for _ in 0..b.count {
        let code = format!(
            "{prefix}-{}",
            time::random_code(8).ok_or_else(|| ApiError::internal("random", "no entropy"))?
        );
        stmts.push(db.stmt(
            "INSERT INTO vouchers (code, kind, product_id, name, value, issuer, refund_return_type, status, expires_at, min_spend, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'available', ?8, ?9, ?10, ?10)",
            &[s(&code), s(kind.as_str()), s(pid), s(b.name.trim()), n(b.value), s(&issuer), os(rrt.as_deref()), on(expires_at), n(b.min_spend), n(now)],
        )?);
        codes.push(code);
    }
    db.batch("d1_issue", stmts).await?;
    log::info(
        "vouchers_issued",
        json!({"count": codes.len(), "kind": kind.as_str(), "product_id": pid}),
    );
    let vouchers: Vec<Value> = codes
        .iter()
        .map(|c| json!({"code": c, "kind": kind.as_str(), "name": b.name.trim(), "value": b.value, "product_id": pid, "issuer": issuer}))
        .collect();
    ok_json(201, &json!({"vouchers": vouchers}))
}

pub async fn list_vouchers(req: Request, cfg: &Config, db: &Db) -> ApiResult<Response> {
    authorize(&req, cfg)?;
    let status = http::query_param(&req, "status").filter(|s| !s.is_empty());
    if let Some(st) = &status {
        if !["available", "reserved", "used"].contains(&st.as_str()) {
            return Err(ApiError::bad_request(
                "invalid_request",
                "status is available, reserved or used",
            ));
        }
    }
    let rows: Vec<VoucherRow> = db
        .all(&format!("{VOUCHER_SELECT} WHERE (?1 IS NULL OR v.status = ?1) ORDER BY v.created_at DESC, v.code LIMIT 500"), &[os(status.as_deref())])
        .await?;
    let vouchers: Vec<Value> = rows
        .into_iter()
        .map(|v| {
            json!({"code": v.code, "kind": v.kind, "product_id": v.product_id, "name": v.name, "value": v.value,
                   "issuer": v.issuer, "refund_return_type": v.refund_return_type, "status": v.status,
                   "order_id": v.order_id.or(v.held_by), "refund_outcome": v.refund_outcome,
                   "expires_at": v.expires_at.map(time::rfc3339), "min_spend": v.min_spend,
                   "created_at": time::rfc3339(v.created_at)})
        })
        .collect();
    ok_json(200, &json!({"vouchers": vouchers}))
}

#[derive(Deserialize, Default)]
struct ReconcileBody {
    #[serde(default)]
    min_age_seconds: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

pub async fn reconcile(mut req: Request, cfg: &Config, db: &Db) -> ApiResult<Response> {
    authorize(&req, cfg)?;
    let rb: ReconcileBody = http::read_optional_json(&mut req).await?;
    let min_age = rb.min_age_seconds.map(|a| a.clamp(0, 86_400));
    let limit = rb.limit.unwrap_or(50).clamp(1, 500);
    let report = orders::reconcile(cfg, db, min_age, limit).await?;
    ok_json(200, &report)
}

#[derive(Deserialize)]
struct ClockBody {
    offset_seconds: i64,
}

/// `PUT /admin/test/clock` (only with `TEST_CLOCK=1`, which the worker
/// refuses unless MYPAY_ENDPOINT is the local sandbox): moves the worker's
/// clock, so tests can pass deadlines without waiting.
pub async fn set_clock(mut req: Request, cfg: &Config, db: &Db) -> ApiResult<Response> {
    authorize(&req, cfg)?;
    if !cfg.test_clock {
        return Err(ApiError::not_found("not_found", "no such endpoint"));
    }
    let (b, _) = http::read_json::<ClockBody>(&mut req).await?;
    if b.offset_seconds.abs() > 10 * 366 * 86_400 {
        return Err(ApiError::bad_request(
            "invalid_request",
            "offset_seconds is within ten years",
        ));
    }
    db.run(
        "INSERT INTO test_clock (id, offset_seconds) VALUES (1, ?1) \
         ON CONFLICT (id) DO UPDATE SET offset_seconds = excluded.offset_seconds",
        &[n(b.offset_seconds)],
    )
    .await?;
    time::set_offset(b.offset_seconds);
    ok_json(
        200,
        &json!({"offset_seconds": b.offset_seconds, "now": time::rfc3339(time::now())}),
    )
}
