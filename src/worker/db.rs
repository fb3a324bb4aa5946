//! D1 access: typed rows, bound statements, batches (one transaction each).
//! Failures are [`StoreError`]s; the HTTP edge turns them into replies.

use super::log;
use crate::order_state::{Holds, OrderStatus, RefundState, ReviewReason, Wait};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::fmt::Display;
use wasm_bindgen::{JsCast, JsValue};
use worker::{D1Database, D1PreparedStatement, D1Result};

/// A D1 operation that failed: which one (`d1_run`, `d1_apply`, ...: the
/// `what` of the `internal_error` log line) and D1's own words.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{op}: {cause}")]
pub struct StoreError {
    pub op: &'static str,
    pub cause: String,
}

impl StoreError {
    fn new(op: &'static str, cause: impl Display) -> Self {
        Self {
            op,
            cause: cause.to_string(),
        }
    }

    /// For a failure that changes no answer: the `internal_error` log line.
    pub fn log(&self) {
        log::internal(self.op, &self.cause);
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A best-effort write, whose failure changes no answer: the failure is
/// logged and dropped.
pub fn best_effort<T>(r: StoreResult<T>) {
    if let Err(e) = r {
        e.log();
    }
}

/// A bound argument.
pub fn s(v: &str) -> JsValue {
    JsValue::from_str(v)
}
pub fn n(v: i64) -> JsValue {
    JsValue::from_f64(v as f64)
}
pub fn os(v: Option<&str>) -> JsValue {
    v.map(JsValue::from_str).unwrap_or(JsValue::NULL)
}
pub fn on(v: Option<i64>) -> JsValue {
    v.map(|x| JsValue::from_f64(x as f64))
        .unwrap_or(JsValue::NULL)
}

/// The rows of one statement's result.
pub fn rows<T: DeserializeOwned>(r: &D1Result) -> StoreResult<Vec<T>> {
    r.results::<T>().map_err(|e| StoreError::new("d1_rows", e))
}

fn changes(r: &D1Result) -> usize {
    r.meta().ok().flatten().and_then(|m| m.changes).unwrap_or(0)
}

pub struct Db(pub D1Database);

/// Another handle on the same binding (for work that outlives the response).
impl Clone for Db {
    fn clone(&self) -> Self {
        Db(self.0.as_ref().clone().unchecked_into::<D1Database>())
    }
}

impl Db {
    pub fn stmt(&self, sql: &str, args: &[JsValue]) -> StoreResult<D1PreparedStatement> {
        self.0
            .prepare(sql)
            .bind(args)
            .map_err(|e| StoreError::new("d1_bind", e))
    }

    pub async fn all<T: DeserializeOwned>(
        &self,
        sql: &str,
        args: &[JsValue],
    ) -> StoreResult<Vec<T>> {
        let res = self
            .stmt(sql, args)?
            .all()
            .await
            .map_err(|e| StoreError::new("d1_all", e))?;
        rows(&res)
    }

    pub async fn first<T: DeserializeOwned>(
        &self,
        sql: &str,
        args: &[JsValue],
    ) -> StoreResult<Option<T>> {
        Ok(self.all::<T>(sql, args).await?.into_iter().next())
    }

    /// Runs one statement; answers the number of rows changed.
    pub async fn run(&self, sql: &str, args: &[JsValue]) -> StoreResult<usize> {
        let res = self
            .stmt(sql, args)?
            .run()
            .await
            .map_err(|e| StoreError::new("d1_run", e))?;
        Ok(changes(&res))
    }

    /// Runs statements as one transaction: all or nothing. Answers the
    /// rows changed by each statement; a failure is named `op`.
    pub async fn batch(
        &self,
        op: &'static str,
        stmts: Vec<D1PreparedStatement>,
    ) -> StoreResult<Vec<usize>> {
        Ok(self
            .select_batch(op, stmts)
            .await?
            .iter()
            .map(changes)
            .collect())
    }

    /// Runs statements as one transaction and answers their results (read
    /// them with [`rows`]); a failure is named `op`.
    pub async fn select_batch(
        &self,
        op: &'static str,
        stmts: Vec<D1PreparedStatement>,
    ) -> StoreResult<Vec<D1Result>> {
        self.0
            .batch(stmts)
            .await
            .map_err(|e| StoreError::new(op, e))
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct ProductRow {
    pub id: String,
    pub name: String,
    pub name_en: String,
    pub description: String,
    pub description_en: String,
    pub price: i64,
    pub currency: String,
    pub image_url: Option<String>,
    pub active: i64,
}

#[derive(Clone, Debug, Deserialize)]
pub struct VoucherRow {
    pub code: String,
    pub kind: String,
    pub product_id: String,
    pub name: String,
    pub value: i64,
    pub issuer: String,
    pub refund_return_type: Option<String>,
    pub status: String,
    pub order_id: Option<String>,
    pub refund_outcome: Option<String>,
    pub expires_at: Option<i64>,
    pub min_spend: i64,
    pub created_at: i64,
    /// The order holding it, from the holds table.
    pub held_by: Option<String>,
}

pub const VOUCHER_SELECT: &str = "SELECT v.code, v.kind, v.product_id, v.name, v.value, v.issuer, v.refund_return_type, \
     v.status, v.order_id, v.refund_outcome, v.expires_at, v.min_spend, v.created_at, h.order_id AS held_by \
     FROM vouchers v LEFT JOIN holds h ON h.code = v.code";

/// An order as stored. The lifecycle's columns are read as their types
/// (the TEXT holds their snake_case names; the schema's CHECKs allow no
/// other value).
#[derive(Clone, Debug, Deserialize)]
pub struct OrderRow {
    pub id: String,
    pub token: String,
    pub status: OrderStatus,
    pub amount: i64,
    pub subtotal: i64,
    pub voucher_total: i64,
    pub currency: String,
    pub pfn: Option<String>,
    pub mypay_uid: Option<String>,
    pub mypay_key: Option<String>,
    pub payment_url: Option<String>,
    pub prc: Option<String>,
    pub payment_pfn: Option<String>,
    pub payment_message: Option<String>,
    pub payment_codes: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub expires_at: i64,
    pub paid_at: Option<i64>,
    pub refunded_at: Option<i64>,
    pub refund: Option<String>,
    pub refund_state: Option<RefundState>,
    pub report_pending: i64,
    pub last_checked_at: Option<i64>,
    pub version: i64,
    pub review_reason: Option<ReviewReason>,
    pub holds: Holds,
    pub wait: Wait,
    pub refund_since: Option<i64>,
    pub report_seq: i64,
    pub last_answer_at: Option<i64>,
    pub next_check_at: Option<i64>,
    /// The last query reply kept in full (JSON, key removed), and its event.
    pub last_reply: Option<String>,
    pub last_reply_event: Option<i64>,
    /// What partial refunds returned so far.
    #[serde(default)]
    pub refunded_amount: i64,
    pub customer_id: Option<String>,
    /// The customer's e-mail, lower-cased (searched by the admin).
    pub customer_email: Option<String>,
    /// The other customer fields of the checkout (JSON).
    pub customer: Option<String>,
    /// The merchant's echo strings (JSON).
    pub echo: Option<String>,
    /// The shopper's invoice choice at checkout (JSON).
    pub invoice: Option<String>,
}

pub const ORDER_SELECT: &str = "SELECT id, token, status, amount, subtotal, voucher_total, currency, pfn, mypay_uid, \
     mypay_key, payment_url, prc, payment_pfn, payment_message, payment_codes, created_at, updated_at, expires_at, \
     paid_at, refunded_at, refund, refund_state, report_pending, last_checked_at, version, review_reason, holds, wait, \
     refund_since, report_seq, last_answer_at, next_check_at, last_reply, last_reply_event, \
     refunded_amount, customer_id, customer_email, customer, echo, invoice FROM orders";

#[derive(Clone, Debug, Deserialize)]
pub struct LineRow {
    pub product_id: String,
    pub name: String,
    pub name_en: String,
    pub unit_price: i64,
    pub quantity: i64,
    pub total: i64,
}

#[derive(Clone, Debug, Deserialize)]
pub struct OrderVoucherRow {
    pub code: String,
    pub kind: String,
    pub product_id: String,
    pub name: String,
    pub value: i64,
    pub issuer: String,
    pub refund_return_type: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct EventRow {
    pub id: i64,
    pub kind: String,
    pub prc: Option<String>,
    pub detail: Option<String>,
    pub created_at: i64,
}

impl Db {
    pub async fn order(&self, id: &str) -> StoreResult<Option<OrderRow>> {
        self.first(&format!("{ORDER_SELECT} WHERE id = ?1"), &[s(id)])
            .await
    }

    pub async fn order_by_uid(&self, uid: &str) -> StoreResult<Option<OrderRow>> {
        self.first(&format!("{ORDER_SELECT} WHERE mypay_uid = ?1"), &[s(uid)])
            .await
    }

    pub async fn lines(&self, order_id: &str) -> StoreResult<Vec<LineRow>> {
        self.all(
            "SELECT product_id, name, name_en, unit_price, quantity, total FROM order_lines WHERE order_id = ?1 ORDER BY line_no",
            &[s(order_id)],
        )
        .await
    }

    pub async fn order_vouchers(&self, order_id: &str) -> StoreResult<Vec<OrderVoucherRow>> {
        self.all(
            "SELECT code, kind, product_id, name, value, issuer, refund_return_type FROM order_vouchers WHERE order_id = ?1 ORDER BY position",
            &[s(order_id)],
        )
        .await
    }

    /// The voucher codes the order was created with.
    pub async fn order_voucher_codes(&self, order_id: &str) -> StoreResult<Vec<String>> {
        Ok(self
            .order_vouchers(order_id)
            .await?
            .into_iter()
            .map(|v| v.code)
            .collect())
    }

    /// The order's vouchers that it holds (reserved or used) right now.
    pub async fn held_vouchers(&self, order_id: &str) -> StoreResult<Vec<OrderVoucherRow>> {
        self.all(
            "SELECT ov.code, ov.kind, ov.product_id, ov.name, ov.value, ov.issuer, ov.refund_return_type \
             FROM order_vouchers ov JOIN holds h ON h.code = ov.code AND h.order_id = ov.order_id \
             WHERE ov.order_id = ?1 ORDER BY ov.position",
            &[s(order_id)],
        )
        .await
    }

    /// Appends to the events log and answers the new row's id.
    pub async fn insert_event(
        &self,
        order_id: Option<&str>,
        kind: &str,
        prc: Option<&str>,
        detail: &serde_json::Value,
        now: i64,
    ) -> StoreResult<i64> {
        #[derive(Deserialize)]
        struct Id {
            id: i64,
        }
        let row: Option<Id> = self
            .first(
                "INSERT INTO events (order_id, kind, prc, detail, created_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                &[os(order_id), s(kind), os(prc), s(&detail.to_string()), n(now)],
            )
            .await?;
        row.map(|r| r.id)
            .ok_or_else(|| StoreError::new("d1_event", "no event id"))
    }

    /// Appends to the events log (never updated or deleted).
    pub fn event_stmt(
        &self,
        order_id: Option<&str>,
        kind: &str,
        prc: Option<&str>,
        detail: &serde_json::Value,
        now: i64,
    ) -> StoreResult<D1PreparedStatement> {
        self.stmt(
            "INSERT INTO events (order_id, kind, prc, detail, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            &[os(order_id), s(kind), os(prc), s(&detail.to_string()), n(now)],
        )
    }

    pub async fn event(
        &self,
        order_id: Option<&str>,
        kind: &str,
        prc: Option<&str>,
        detail: &serde_json::Value,
        now: i64,
    ) -> StoreResult<()> {
        self.event_stmt(order_id, kind, prc, detail, now)?
            .run()
            .await
            .map_err(|e| StoreError::new("d1_event", e))?;
        Ok(())
    }
}
