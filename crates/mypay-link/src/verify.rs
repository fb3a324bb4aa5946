//! Verifies a callback report (主動回報) against the order it names.
//!
//! MYPAY does not sign reports. The only secret in one is `key`, the 32-hex
//! transaction code MYPAY returned with `uid` when the order was created, so
//! a report is accepted only when its `uid` is the order's, its `key`
//! equals the stored one (compared in constant time), and its `order_id`
//! and `cost` agree. Even then `cost` and `prc` are unsigned: the caller
//! confirms with `api/queryorder` before it marks anything paid.

use crate::crypto::secret_eq;
use crate::models::{Notification, ReportKind};

/// What the stored order says the report must carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expected<'a> {
    /// MYPAY's `uid` for the order.
    pub uid: &'a str,
    /// MYPAY's per-order `key` (not the agent key).
    pub key: &'a str,
    /// Our `order_id`.
    pub order_id: &'a str,
    /// The amount the shopper pays (the order's `cost`).
    pub cost: i64,
}

/// Why a report was refused. Messages name the field, never its value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotifyError {
    #[error("the report has no {0}")]
    Missing(&'static str),
    #[error("the report's uid is not the order's")]
    UidMismatch,
    #[error("the report's key is not the order's")]
    KeyMismatch,
    #[error("the report's order_id is not the order's")]
    OrderIdMismatch,
    #[error("the report's cost is not the order's amount")]
    CostMismatch,
}

impl NotifyError {
    /// A stable code for the security event log.
    pub fn code(&self) -> &'static str {
        match self {
            NotifyError::Missing(_) => "report_incomplete",
            NotifyError::UidMismatch => "report_uid_mismatch",
            NotifyError::KeyMismatch => "report_key_mismatch",
            NotifyError::OrderIdMismatch => "report_order_mismatch",
            NotifyError::CostMismatch => "report_cost_mismatch",
        }
    }
}

/// What a caller knows of the order when it may not have stored all of it
/// (the npm package's `verifyNotification(report, {uid, key, orderId?,
/// cost?})`): `order_id` and `cost` are checked only when given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Known<'a> {
    /// MYPAY's `uid` for the order.
    pub uid: &'a str,
    /// MYPAY's per-order `key` (not the agent key).
    pub key: &'a str,
    /// Our `order_id`, when stored.
    pub order_id: Option<&'a str>,
    /// The amount the shopper pays, when stored.
    pub cost: Option<i64>,
}

impl<'a> From<&Expected<'a>> for Known<'a> {
    fn from(e: &Expected<'a>) -> Self {
        Known {
            uid: e.uid,
            key: e.key,
            order_id: Some(e.order_id),
            cost: Some(e.cost),
        }
    }
}

/// Checks `report` against `expected`. The key is compared in constant time
/// and before anything else that depends on it, so a caller probing with
/// guessed keys learns nothing from timing. A report that leaves out
/// `order_id` or `cost` is accepted on `uid` and `key` alone when it is a
/// refund report (which may omit them); any other report must carry both.
/// A field that is empty (once trimmed) counts as left out.
pub fn verify_notification(
    report: &Notification,
    expected: &Expected<'_>,
) -> Result<(), NotifyError> {
    verify_known(report, &Known::from(expected))
}

/// [`verify_notification`] for a caller that knows only part of the order:
/// the same rules, with `order_id` and `cost` checked only when
/// [`Known`] has them.
pub fn verify_known(report: &Notification, known: &Known<'_>) -> Result<(), NotifyError> {
    let t = &report.transaction;
    let uid = present(t.uid.as_ref().map(|u| u.as_str())).ok_or(NotifyError::Missing("uid"))?;
    let key = present(t.key.as_deref()).ok_or(NotifyError::Missing("key"))?;
    let key_ok = secret_eq(key, known.key);
    let uid_ok = secret_eq(uid, known.uid);
    if !uid_ok {
        return Err(NotifyError::UidMismatch);
    }
    if !key_ok {
        return Err(NotifyError::KeyMismatch);
    }
    let lenient = report.kind() == ReportKind::Refund;
    if let Some(want) = known.order_id {
        match present(t.order_id.as_ref().map(|o| o.as_str())) {
            Some(o) if o == want => {}
            Some(_) => return Err(NotifyError::OrderIdMismatch),
            None if lenient => {}
            None => return Err(NotifyError::Missing("order_id")),
        }
    }
    if let Some(want) = known.cost {
        match t.cost {
            Some(c) if c.get() == want => {}
            Some(_) => return Err(NotifyError::CostMismatch),
            None if lenient => {}
            None => return Err(NotifyError::Missing("cost")),
        }
    }
    Ok(())
}

/// A report field as sent, trimmed; `None` when absent or empty.
fn present(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests;
