//! The public API: catalog, quote, checkout, order status.

use super::db::{n, os, s, Db, ProductRow, VoucherRow, VOUCHER_SELECT};
use super::http::{self, ok_json, ApiError, ApiResult};
use super::orders;
use super::{log, mypay, time, App};
use crate::checkout::{
    body_fingerprint, build_order_request, price_cart, CartRequest, Customer, InvoiceChoice,
    OrderContext, Product, Quote, Shipping, VoucherKind, VoucherRecord, VoucherStatus,
};
use mypay_link::crypto::secret_eq;
use serde::Deserialize;
use serde_json::{json, Value};
use worker::{Request, Response};

pub async fn products(_req: Request, app: &App) -> ApiResult<Response> {
    let db = app.db()?;
    let rows: Vec<ProductRow> = db
        .all(
            "SELECT id, name, name_en, description, description_en, price, currency, image_url, active FROM products WHERE active = 1 ORDER BY sort, id",
            &[],
        )
        .await?;
    let products: Vec<Value> = rows
        .into_iter()
        .map(|p| {
            json!({"id": p.id, "name": p.name, "name_en": p.name_en, "price": p.price, "currency": p.currency,
                   "description": p.description, "description_en": p.description_en, "image_url": p.image_url})
        })
        .collect();
    ok_json(200, &json!({ "products": products }))
}

fn voucher_record(v: VoucherRow) -> Option<VoucherRecord> {
    let status = match v.status.as_str() {
        "used" => VoucherStatus::Used,
        _ if v.held_by.is_some() => VoucherStatus::Reserved,
        "reserved" => VoucherStatus::Reserved,
        _ => VoucherStatus::Available,
    };
    Some(VoucherRecord {
        code: v.code,
        kind: VoucherKind::parse(&v.kind)?,
        product_id: v.product_id,
        name: v.name,
        value: v.value,
        issuer: v.issuer,
        refund_return_type: v.refund_return_type,
        status,
        expires_at: v.expires_at,
        min_spend: v.min_spend,
    })
}

/// Loads what pricing needs and prices the cart.
async fn price(db: &Db, cart_req: &CartRequest) -> ApiResult<Quote> {
    let cart = cart_req
        .to_cart()
        .map_err(|e| ApiError::bad_request(e.code(), e.to_string()))?;
    // Products and vouchers in one round trip (a batch of two IN queries;
    // at most 50 products and 10 vouchers, within D1's 100 parameters).
    let list = |n: usize| {
        (1..=n)
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let ids: Vec<_> = cart.items.iter().map(|(id, _)| s(id)).collect();
    let mut stmts = vec![db.stmt(
        &format!(
            "SELECT id, name, name_en, description, description_en, price, currency, image_url, active FROM products WHERE id IN ({})",
            list(ids.len())
        ),
        &ids,
    )?];
    let codes: Vec<_> = cart.vouchers.iter().map(|c| s(c)).collect();
    if !codes.is_empty() {
        stmts.push(db.stmt(
            &format!("{VOUCHER_SELECT} WHERE v.code IN ({})", list(codes.len())),
            &codes,
        )?);
    }
    let results =
        db.0.batch(stmts)
            .await
            .map_err(|e| ApiError::internal("d1_price", e))?;
    let mut results = results.into_iter();
    let product_rows: Vec<ProductRow> = match results.next() {
        Some(r) => r.results().map_err(|e| ApiError::internal("d1_rows", e))?,
        None => Vec::new(),
    };
    let voucher_rows: Vec<VoucherRow> = match results.next() {
        Some(r) => r.results().map_err(|e| ApiError::internal("d1_rows", e))?,
        None => Vec::new(),
    };
    let products: Vec<Product> = product_rows
        .into_iter()
        .map(|p| Product {
            id: p.id,
            name: p.name,
            name_en: p.name_en,
            price: p.price,
            image_url: p.image_url,
            active: p.active == 1,
        })
        .collect();
    let vouchers: Vec<VoucherRecord> = voucher_rows
        .into_iter()
        .filter_map(voucher_record)
        .collect();
    price_cart(
        &cart,
        &products,
        &vouchers,
        &Shipping::default(),
        time::now(),
    )
    .map_err(|e| ApiError::bad_request(e.code(), e.to_string()))
}

pub async fn quote(mut req: Request, app: &App) -> ApiResult<Response> {
    let db = app.db()?;
    let (cart, _) = http::read_json::<CartRequest>(&mut req).await?;
    let q = price(&db, &cart).await?;
    ok_json(200, &q)
}

#[derive(Deserialize)]
struct CheckoutRequest {
    #[serde(flatten)]
    cart: CartRequest,
    #[serde(default)]
    customer: Option<Customer>,
    #[serde(default)]
    pfn: Option<String>,
    #[serde(default)]
    invoice: Option<InvoiceChoice>,
}

#[derive(Deserialize)]
struct IdemRow {
    fingerprint: String,
    order_id: String,
    status_code: Option<i64>,
    response: Option<String>,
    created_at: i64,
}

const IDEM_SELECT: &str = "SELECT fingerprint, order_id, status_code, response, created_at FROM idempotency_keys WHERE key = ?1";

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
    cfg: &super::config::Config,
    db: &Db,
    key: &str,
    row: &IdemRow,
    now: i64,
) -> ApiResult<Reclaim> {
    // One conditional UPDATE decides: only one retry sees a change, and only
    // while the entry is unanswered and exactly as old as it was read (the
    // winner moves `created_at` to now, so it is fresh again for others).
    let won = db
        .run(
            "UPDATE idempotency_keys SET created_at = ?1 WHERE key = ?2 AND status_code IS NULL              AND created_at = ?3 AND order_id = ?4",
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
        let body = json!({"order_id": old.id, "token": old.token, "amount": old.amount, "currency": old.currency,
                          "payment_url": url, "expires_at": time::rfc3339(old.expires_at)});
        let text = body_text(&body);
        db.run(
            "UPDATE idempotency_keys SET status_code = 201, response = ?1 WHERE key = ?2 AND status_code IS NULL AND order_id = ?3",
            &[s(&text), s(key), s(&old.id)],
        )
        .await?;
        let mut res = http::raw_response(201, "application/json; charset=utf-8", text);
        let _ = res.headers_mut().set("idempotent-replayed", "true");
        return Ok(Reclaim::Answer(res));
    }
    orders::fail_unanswered(cfg, db, &old, "idempotency_reclaim").await?;
    Ok(Reclaim::Retry)
}

/// A stored reply to an idempotent retry.
fn replay(row: IdemRow, fingerprint: &str) -> ApiResult<Response> {
    if row.fingerprint != fingerprint {
        return Err(ApiError::new(
            422,
            "idempotency_key_reused",
            "this Idempotency-Key was used with a different body",
        ));
    }
    match (row.status_code, row.response) {
        (Some(code), Some(body)) => {
            let mut res = http::raw_response(
                u16::try_from(code).unwrap_or(500),
                "application/json; charset=utf-8",
                body,
            );
            let _ = res.headers_mut().set("idempotent-replayed", "true");
            Ok(res)
        }
        _ => Err(ApiError::new(
            409,
            "idempotency_in_progress",
            "a request with this Idempotency-Key is still being processed",
        )),
    }
}

const PFNS: &[&str] = &[
    "all",
    "CREDITCARD",
    "CSTORECODE",
    "E_COLLECTION",
    "WEBATM",
    "BARCODE",
    "LINEPAYON",
    "APPLEPAY",
    "GOOGLEPAY",
    "JKOON",
    "PION",
    "EASYWALLETON",
    "MobilePayAll",
    "C_INSTALLMENT",
    "AMEX",
    "UNIONPAY",
];

pub async fn checkout(mut req: Request, app: &App) -> ApiResult<Response> {
    let cfg = app.config()?;
    let db = app.db()?;
    let idem_key = http::get_header(&req, "idempotency-key").map(|k| k.trim().to_owned());
    if let Some(k) = &idem_key {
        if k.is_empty() || k.len() > 64 || !k.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ApiError::bad_request(
                "invalid_request",
                "Idempotency-Key is 1 to 64 visible ASCII characters",
            ));
        }
    }
    let ip = http::get_header(&req, "cf-connecting-ip").unwrap_or_else(|| "127.0.0.1".into());
    let (body, raw) = http::read_json::<CheckoutRequest>(&mut req).await?;
    let fingerprint = body_fingerprint(&raw);
    // The order whose unanswered Idempotency-Key entry this request took over.
    let mut reclaimed_from: Option<String> = None;
    if let Some(k) = &idem_key {
        let row: Option<IdemRow> = db.first(IDEM_SELECT, &[s(k)]).await?;
        if let Some(row) = row {
            let now = time::now();
            let stale = row.status_code.is_none()
                && row.fingerprint == fingerprint
                && now - row.created_at >= cfg.idempotency_reclaim_secs;
            if !stale {
                return replay(row, &fingerprint);
            }
            match reclaim(cfg, &db, k, &row, now).await? {
                Reclaim::Lost => return replay(row, &fingerprint),
                Reclaim::Answer(res) => return Ok(res),
                Reclaim::Retry => reclaimed_from = Some(row.order_id),
            }
        }
    }

    // Validate everything before any write.
    let customer = body.customer.clone().unwrap_or_default();
    let mut problems: Vec<Value> = customer
        .problems()
        .into_iter()
        .map(|(f, m)| json!({"path": f, "code": "invalid", "message": m}))
        .collect();
    if let Some(inv) = &body.invoice {
        if let Err(e) = inv.validate() {
            problems.push(json!({"path": e.field(), "code": "invalid", "message": e.to_string()}));
        }
    }
    if let Some(p) = &body.pfn {
        if !PFNS.contains(&p.as_str()) {
            problems.push(json!({"path": "pfn", "code": "invalid", "message": "pfn is not a payment method this shop offers"}));
        }
    }
    if !problems.is_empty() {
        return Err(
            ApiError::bad_request("invalid_request", "the checkout has invalid fields")
                .with_details(json!(problems)),
        );
    }
    let q = price(&db, &body.cart).await?;
    if !q.rejected_vouchers.is_empty() {
        return Err(
            ApiError::new(409, "voucher_unavailable", "a voucher does not apply")
                .with_details(json!(q.rejected_vouchers)),
        );
    }

    let now = time::now();
    let suffix = time::random_hex(5).ok_or_else(|| ApiError::internal("random", "no entropy"))?;
    let order_id = format!(
        "ME{}{}",
        time::format_stamp(now),
        suffix.to_ascii_uppercase()
    );
    let token = time::random_hex(24).ok_or_else(|| ApiError::internal("random", "no entropy"))?;
    // The storefront keeps the token in the browser: never in a URL.
    let return_url = format!("{}/order.html?order_id={}", cfg.storefront_url, order_id);
    let ctx = OrderContext {
        store_uid: &cfg.store_uid,
        order_id: &order_id,
        ip: &ip,
        customer: &customer,
        pfn: body.pfn.as_deref(),
        invoice: body.invoice.as_ref(),
        success_url: Some(&return_url),
        failure_url: Some(&return_url),
        limit_pay_days: Some(orders::LIMIT_PAY_DAYS),
    };
    let order_req = build_order_request(&q, &ctx).map_err(|p| {
        ApiError::bad_request("invalid_request", "the order does not pass MYPAY's rules")
            .with_details(json!(p))
    })?;
    let expires_at = now + cfg.order_ttl_secs;
    let invoice_json = body
        .invoice
        .as_ref()
        .and_then(|i| serde_json::to_string(i).ok());

    // One transaction: the order, its lines and vouchers, a hold per voucher
    // (the holds' primary key makes a voucher held by one order at most; a
    // voucher no longer available makes the hold's `kind` NULL and fails the
    // whole batch), and the idempotency key.
    let mut stmts = vec![db.stmt(
        "INSERT INTO orders (id, token, status, amount, subtotal, voucher_total, currency, customer_id, pfn, invoice, created_at, updated_at, expires_at, next_check_at) \
         VALUES (?1, ?2, 'created', ?3, ?4, ?5, 'TWD', ?6, ?7, ?8, ?9, ?9, ?10, ?10)",
        &[s(&order_id), s(&token), n(q.amount), n(q.subtotal), n(q.voucher_total), s(customer.id.trim()), os(body.pfn.as_deref()), os(invoice_json.as_deref()), n(now), n(expires_at)],
    )?];
    for (i, l) in q.lines.iter().enumerate() {
        stmts.push(db.stmt(
            "INSERT INTO order_lines (order_id, line_no, product_id, name, name_en, unit_price, quantity, total) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            &[s(&order_id), n(i as i64), s(&l.product_id), s(&l.name), s(&l.name_en), n(l.unit_price), n(l.quantity), n(l.total)],
        )?);
    }
    for (i, v) in q.vouchers.iter().enumerate() {
        stmts.push(db.stmt(
            "INSERT INTO order_vouchers (order_id, position, code, kind, product_id, name, value, issuer, refund_return_type) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            &[s(&order_id), n(i as i64), s(&v.code), s(v.kind.as_str()), s(&v.product_id), s(&v.name), n(v.value), s(&v.issuer), os(v.refund_return_type.as_deref())],
        )?);
        stmts.push(db.stmt(
            "INSERT INTO holds (code, order_id, kind, created_at) VALUES (?1, ?2, \
             (SELECT kind FROM vouchers WHERE code = ?1 AND status = 'available' AND (expires_at IS NULL OR expires_at > ?3)), ?3)",
            &[s(&v.code), s(&order_id), n(now)],
        )?);
        stmts.push(db.stmt(
            "UPDATE vouchers SET status = 'reserved', order_id = ?2, updated_at = ?3 WHERE code = ?1",
            &[s(&v.code), s(&order_id), n(now)],
        )?);
    }
    match (&idem_key, &reclaimed_from) {
        (Some(k), None) => stmts.push(db.stmt(
            "INSERT INTO idempotency_keys (key, fingerprint, order_id, created_at) VALUES (?1, ?2, ?3, ?4)",
            &[s(k), s(&fingerprint), s(&order_id), n(now)],
        )?),
        (Some(k), Some(old)) => stmts.push(db.stmt(
            "UPDATE idempotency_keys SET order_id = ?1, created_at = ?2 WHERE key = ?3 AND status_code IS NULL AND order_id = ?4",
            &[s(&order_id), n(now), s(k), s(old)],
        )?),
        (None, _) => {}
    }
    stmts.push(db.event_stmt(
        Some(&order_id),
        "created",
        None,
        &json!({"amount": q.amount, "vouchers": q.vouchers.len()}),
        now,
    )?);
    if let Err(e) = db.batch(stmts).await {
        // Another request won: the same idempotency key, or a voucher.
        if let (Some(k), Some(old)) = (&idem_key, &reclaimed_from) {
            // The entry taken over still names the failed first order: drop
            // it, as a first attempt that fails here leaves no entry.
            db.run(
                "DELETE FROM idempotency_keys WHERE key = ?1 AND status_code IS NULL AND order_id = ?2",
                &[s(k), s(old)],
            )
            .await?;
        }
        if let Some(k) = &idem_key {
            let row: Option<IdemRow> = db.first(IDEM_SELECT, &[s(k)]).await?;
            if let Some(row) = row {
                return replay(row, &fingerprint);
            }
        }
        if q.vouchers.is_empty() {
            return Err(ApiError::internal("d1_checkout", e));
        }
        let again = price(&db, &body.cart).await?;
        log::warn(
            "checkout_conflict",
            json!({"order_id": order_id, "cause": e.to_string()}),
        );
        let details = if again.rejected_vouchers.is_empty() {
            json!(q.vouchers.iter().map(|v| json!({"code": v.code, "reason": "voucher_reserved", "message": format!("{} was just taken by another order", v.code)})).collect::<Vec<_>>())
        } else {
            json!(again.rejected_vouchers)
        };
        return Err(
            ApiError::new(409, "voucher_unavailable", "a voucher does not apply")
                .with_details(details),
        );
    }

    let (status, reply) = match mypay::create_order(cfg, &order_req).await {
        Ok(r) => {
            let uid = r
                .uid
                .as_ref()
                .map(|u| u.as_str().to_owned())
                .unwrap_or_default();
            let url = r.url.clone().unwrap_or_default();
            let changes = db.batch(vec![
                db.stmt(
                    "UPDATE orders SET status = 'pending', mypay_uid = ?1, mypay_key = ?2, payment_url = ?3, updated_at = ?4, \
                     next_check_at = ?6, version = version + 1 WHERE id = ?5 AND status = 'created'",
                    &[s(&uid), os(r.key.as_deref()), s(&url), n(time::now()), s(&order_id), n(expires_at.min(time::now() + 15 * 60))],
                )?,
                db.event_stmt(Some(&order_id), "mypay_created", Some("200"), &json!({"uid": uid}), time::now())?,
            ])
            .await
            .map_err(|e| ApiError::internal("d1_created", e))?;
            if changes.first().copied() == Some(0) {
                // This request outlived the reclaim window: a retry with its
                // key took over and failed this order. Its payment page must
                // not reach anyone; the retry's answer is the key's answer.
                log::warn("checkout_superseded", json!({"order_id": order_id}));
                if idem_key.is_none() {
                    return Err(ApiError::new(
                        409,
                        "checkout_expired",
                        "MYPAY answered after the order's limit had passed; check out again",
                    ));
                }
                return Err(ApiError::new(
                    409,
                    "idempotency_in_progress",
                    "a request with this Idempotency-Key is still being processed",
                ));
            }
            log::info(
                "checkout",
                json!({"order_id": order_id, "amount": q.amount, "vouchers": q.vouchers.len()}),
            );
            let body = json!({"order_id": order_id, "token": token, "amount": q.amount, "currency": "TWD", "payment_url": url, "expires_at": time::rfc3339(expires_at)});
            (201u16, body)
        }
        Err(e) => {
            let (status, code, message) = e.api_error();
            log::warn(
                "checkout_upstream_failed",
                json!({"order_id": order_id, "error": e.log_code()}),
            );
            let _ = db
                .event(
                    Some(&order_id),
                    "mypay_create_failed",
                    None,
                    &json!({"error": e.log_code()}),
                    time::now(),
                )
                .await;
            if let Some(o) = db.order(&order_id).await? {
                orders::fail_unanswered(cfg, &db, &o, "checkout").await?;
            }
            (
                status,
                json!({"error": {"code": code, "message": message, "order_id": order_id}}),
            )
        }
    };
    let text = body_text(&reply);
    if let Some(k) = &idem_key {
        // Only while the entry is still this request's: a retry may have
        // taken it over if this one outlived the reclaim window.
        let _ = db
            .run(
                "UPDATE idempotency_keys SET status_code = ?1, response = ?2 WHERE key = ?3 AND order_id = ?4",
                &[n(i64::from(status)), s(&text), s(k), s(&order_id)],
            )
            .await;
    }
    Ok(http::raw_response(
        status,
        "application/json; charset=utf-8",
        text,
    ))
}

fn body_text(v: &Value) -> String {
    v.to_string()
}

pub async fn order(req: Request, app: &App, order_id: &str) -> ApiResult<Response> {
    let db = app.db()?;
    let token = http::bearer(&req)
        .or_else(|| http::query_param(&req, "token"))
        .unwrap_or_default();
    let not_found = || ApiError::not_found("order_not_found", "no such order");
    let o = db.order(order_id).await?.ok_or_else(not_found)?;
    if token.is_empty() || !secret_eq(&token, &o.token) {
        return Err(not_found());
    }
    ok_json(200, &orders::order_view(&db, &o).await?)
}
