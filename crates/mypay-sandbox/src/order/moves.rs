//! The moves of an order (appendix 2), each refused with a
//! [`TransitionError`] from a state that does not allow it:
//!
//! ```text
//! 200 ──pay──▶ 250 (card, instant method) · 300 (declined card, wallet cancelled)
//!     │        245 (self-capture card) · 280 (WEBATM, waiting online)
//!     │        260 / 270 (store code / virtual account)
//!     ├─lose_answer─▶ A0001 · ─abandon─▶ A0002 · ─cancel─▶ 220 (also from 260, 270)
//!     └─(page lifetime passes: sweep)─▶ A0002
//! 260/270 ──settle──▶ 250 · 290 · 380 (also by sweep, after LimitDate)
//! 245 ──settle──▶ 247 · 250 · 300      247, 280 ──settle──▶ 250 · 300
//! A0001 ──settle──▶ 250 · 600 · 300    380 ──settle──▶ 290    250 ──settle──▶ 600
//! 250 / 600 ──refund──▶ (same prc; a refund entry, done or pending until
//!                        its date or complete_refunds)
//! ```
//!
//! The sandbox is lazy about time: [`Store::sweep`] applies what the clock
//! did before every read and change.

use super::payment::{
    approve_card, bank_name, card_payment, check_installments, confirm_card, deferred_payment,
    lost_payment, method_payment, LostAttempt, Payment,
};
use super::random;
use super::status::{self, is_paid};
use super::store::{RefundPlan, Report, Store, TransitionError};
use super::{CancelRecord, HistoryEntry, OrderRecord, RefundRecord, RefundState};
use crate::stamps::{parse_day, parse_stamp, plus_seconds, rfc3339, stamp};
use mypay_link::codes::Pfn;
use mypay_link::StatusCode;
use time::OffsetDateTime;

impl Store {
    /// An order that can still be paid: 200, and its page not expired.
    fn unpaid(&mut self, uid: u64) -> Result<&mut OrderRecord, TransitionError> {
        let o = self.order_mut(uid)?;
        if o.page_expired {
            return Err(TransitionError::PageExpired { prc: o.prc.clone() });
        }
        if o.prc != StatusCode::DataOk {
            return Err(TransitionError::InvalidState {
                prc: o.prc.clone(),
                wanted: "an unpaid order (200)",
            });
        }
        Ok(o)
    }

    /// The shopper pays (page or automation). Needs a created order.
    pub fn pay(
        &mut self,
        uid: u64,
        payment: Payment,
        now: OffsetDateTime,
    ) -> Result<OrderRecord, TransitionError> {
        let o = self.unpaid(uid)?;
        match payment {
            Payment::Card(number) => pay_card(o, &number, false, now)?,
            Payment::CardInstallments(number, count) => {
                let bank = check_installments(
                    o.request.creditcard_installment.as_deref(),
                    count,
                    &number,
                )?;
                pay_card(o, &number, false, now)?;
                if let Some(p) = o.payment.as_mut() {
                    p.installments = Some(count);
                    if is_paid(&o.prc) && !bank.is_empty() {
                        p.issuing_bank = bank_name(&bank).into();
                        p.issuing_bank_uid = bank;
                    }
                }
            }
            Payment::CardAuthorize(number) => pay_card(o, &number, true, now)?,
            Payment::Instant(pfn) => {
                o.payment = Some(method_payment(pfn, true));
                set_state(o, StatusCode::Paid, "付款完成", now);
                issue_invoice(o);
            }
            Payment::WalletCancelled(pfn) => {
                o.payment = Some(method_payment(pfn, false));
                set_state(
                    o,
                    StatusCode::Failed,
                    "交易失敗:消費者於電子錢包取消付款 (the shopper cancelled in the e-wallet)",
                    now,
                );
            }
            Payment::Waiting(pfn) => {
                o.payment = Some(method_payment(pfn, false));
                set_state(
                    o,
                    StatusCode::AwaitingOnlinePayment,
                    "交易成功,尚未付款完成:線上待付款 (waiting for the shopper to finish online)",
                    now,
                );
            }
            Payment::Deferred(pfn) => {
                let days = o.request.limit_pay_days.map(|d| d.get());
                let info = deferred_payment(&pfn, days, now)?;
                let (prc, msg) = if pfn == Pfn::CStoreCode {
                    (StatusCode::AwaitingStorePayment, "取號成功,等待超商繳費")
                } else {
                    (StatusCode::AwaitingTransfer, "取號成功,等待 ATM 轉帳")
                };
                o.payment = Some(info);
                set_state(o, prc, msg, now);
            }
        }
        Ok(o.clone())
    }

    /// The shopper chooses the invoice carrier on the payment page of an
    /// unpaid order that left it open.
    pub fn choose_carrier(
        &mut self,
        uid: u64,
        carrier: super::Carrier,
    ) -> Result<OrderRecord, TransitionError> {
        let o = self.unpaid(uid)?;
        if !o.carrier_open() {
            return Err(TransitionError::BadInput(
                "the order sets its invoice carrier itself".into(),
            ));
        }
        o.chosen_carrier = Some(carrier);
        Ok(o.clone())
    }

    /// MYPAY lost contact with the provider during a payment attempt of an
    /// unpaid order (200 → A0001 交易待確認); the result follows later
    /// (`settle` 250, 600 or 300). The attempt's card or method is
    /// recorded (CREDITCARD when none is given).
    pub fn lose_answer(
        &mut self,
        uid: u64,
        attempt: Option<LostAttempt>,
        now: OffsetDateTime,
    ) -> Result<OrderRecord, TransitionError> {
        let payment = lost_payment(attempt)?;
        let o = self.unpaid(uid)?;
        o.payment = Some(payment);
        set_state(
            o,
            StatusCode::PendingConfirmation,
            "交易待確認 (MYPAY lost contact with the provider; the result follows)",
            now,
        );
        Ok(o.clone())
    }

    /// A later result of MYPAY (appendix 2), as [`status::settle_from`]
    /// allows it. `A0001` itself (from 200) is [`Store::lose_answer`].
    pub fn settle(
        &mut self,
        uid: u64,
        to: &StatusCode,
        now: OffsetDateTime,
    ) -> Result<OrderRecord, TransitionError> {
        if *to == StatusCode::PendingConfirmation {
            return self.lose_answer(uid, None, now);
        }
        let Some((sources, wanted)) = status::settle_from(to) else {
            return Err(TransitionError::BadInput(status::SETTLE_CODES.into()));
        };
        let o = self.order_mut(uid)?;
        let from = o.prc.clone();
        if !sources.contains(&from) {
            return Err(TransitionError::InvalidState { prc: from, wanted });
        }
        match to {
            StatusCode::Paid => {
                confirm_payment(o);
                set_state(o, StatusCode::Paid, "付款完成", now);
                issue_invoice(o);
            }
            StatusCode::CaptureInProgress => set_state(
                o,
                StatusCode::CaptureInProgress,
                "請款進行中 (capture requested; waiting for the provider)",
                now,
            ),
            StatusCode::Failed => {
                let msg = match from {
                    StatusCode::Authorized | StatusCode::CaptureInProgress => {
                        "交易失敗:請款失敗 (the capture failed)"
                    }
                    StatusCode::AwaitingOnlinePayment => {
                        "交易失敗:消費者付款失敗 (the online payment failed)"
                    }
                    _ => "交易失敗:金流服務商回傳交易失敗 (the provider reports a failure)",
                };
                set_state(o, StatusCode::Failed, msg, now);
            }
            StatusCode::PaidMismatch => {
                set_state(
                    o,
                    StatusCode::PaidMismatch,
                    "交易成功,但資訊不符 (paid, details do not match)",
                    now,
                );
                issue_invoice(o);
            }
            StatusCode::Settled => {
                // From A0001 this is the first news of the payment.
                confirm_payment(o);
                set_state(o, StatusCode::Settled, "結帳完成", now);
                issue_invoice(o);
            }
            _ => set_state(o, StatusCode::Expired, "逾期未繳費,交易失敗", now),
        }
        Ok(o.clone())
    }

    /// The shopper gives up on the payment page (A0002).
    pub fn abandon(
        &mut self,
        uid: u64,
        now: OffsetDateTime,
    ) -> Result<OrderRecord, TransitionError> {
        let o = self.unpaid(uid)?;
        set_state(o, StatusCode::Abandoned, "消費者放棄交易", now);
        Ok(o.clone())
    }

    /// The store cancels an unpaid order (200, or a pending store code /
    /// virtual account, 260 / 270): 220 取消成功, with a 『交易查詢-取消資訊』
    /// entry.
    pub fn cancel(
        &mut self,
        uid: u64,
        now: OffsetDateTime,
    ) -> Result<OrderRecord, TransitionError> {
        let o = self.order_mut(uid)?;
        if !status::is_cancellable(&o.prc) {
            return Err(TransitionError::InvalidState {
                prc: o.prc.clone(),
                wanted: "an unpaid order (200, 260 or 270)",
            });
        }
        let cancel_uid = self.alloc_uid();
        let o = self.order_mut(uid)?;
        o.cancel = Some(CancelRecord {
            cancel_uid,
            cost: o.cost(),
            finishtime: stamp(now),
        });
        set_state(o, StatusCode::Cancelled, "取消成功", now);
        Ok(o.clone())
    }

    /// Records a refund of a paid order (250 or 600); the caller has checked
    /// the rules. The order keeps its own prc.
    pub fn refund(
        &mut self,
        uid: u64,
        plan: RefundPlan,
        now: OffsetDateTime,
    ) -> Result<(OrderRecord, RefundRecord), TransitionError> {
        let o = self.order_mut(uid)?;
        refundable(o)?;
        let refund_uid = self.alloc_uid();
        let o = self.order_mut(uid)?;
        let rf = RefundRecord {
            refund_uid,
            state: if plan.pending {
                RefundState::Pending
            } else {
                RefundState::Done
            },
            cost: plan.cost,
            voucher_paid: plan.voucher_paid,
            invoice_state: if plan.invoice_state == "4" { "4" } else { "6" }.into(),
            refund_type: plan.refund_type,
            expected_refund_date: plan.expected_refund_date,
            requested_at: rfc3339(now),
            finishtime: if plan.pending {
                String::new()
            } else {
                stamp(now)
            },
            source: plan.source.into(),
            items: plan.items,
        };
        o.refunds.push(rf.clone());
        Ok((o.clone(), rf))
    }

    /// Completes the order's pending refunds (or the one named).
    pub fn complete_refunds(
        &mut self,
        uid: u64,
        refund_uid: Option<u64>,
        now: OffsetDateTime,
    ) -> Result<(OrderRecord, Vec<RefundRecord>), TransitionError> {
        let o = self.order_mut(uid)?;
        let mut done = Vec::new();
        for rf in o.refunds.iter_mut() {
            if rf.state == RefundState::Pending && refund_uid.is_none_or(|u| u == rf.refund_uid) {
                rf.state = RefundState::Done;
                rf.finishtime = stamp(now);
                done.push(rf.clone());
            }
        }
        if done.is_empty() {
            return Err(TransitionError::InvalidState {
                prc: o.prc.clone(),
                wanted: "a pending refund",
            });
        }
        Ok((o.clone(), done))
    }

    /// Applies what time did since the last look (the sandbox is lazy: it
    /// runs before every read and change): an unpaid order whose page
    /// outlived `page_lifetime_seconds` becomes A0002 (as of its deadline), a
    /// store code or virtual account past its LimitDate becomes 380, a
    /// manual refund whose expected date has come is done.
    pub fn sweep(&mut self, now: OffsetDateTime, page_lifetime_seconds: u64) -> Vec<Report> {
        let mut reports = Vec::new();
        for o in self.orders.values_mut() {
            if o.prc == StatusCode::DataOk && !o.seeded {
                if let Some(deadline) = o.page_deadline(page_lifetime_seconds) {
                    if now >= deadline {
                        o.page_expired = true;
                        set_state(
                            o,
                            StatusCode::Abandoned,
                            "消費者放棄交易 (付款頁面逾時 the payment page expired)",
                            deadline,
                        );
                        reports.push(Report::State(o.clone()));
                    }
                }
            }
            if status::has_limit_date(&o.prc) {
                let limit = o
                    .payment
                    .as_ref()
                    .and_then(|p| parse_stamp(&p.expired_date));
                if let Some(limit) = limit {
                    if now > limit {
                        let at = plus_seconds(limit, 1).unwrap_or(limit);
                        set_state(o, StatusCode::Expired, "逾期未繳費,交易失敗", at);
                        reports.push(Report::State(o.clone()));
                    }
                }
            }
            let mut completed = Vec::new();
            for rf in o.refunds.iter_mut() {
                if rf.state != RefundState::Pending {
                    continue;
                }
                if let Some(date) = parse_day(&rf.expected_refund_date) {
                    if now >= date {
                        rf.state = RefundState::Done;
                        rf.finishtime = stamp(date);
                        completed.push(rf.clone());
                    }
                }
            }
            for rf in completed {
                reports.push(Report::Refund(o.clone(), rf));
            }
        }
        reports
    }
}

/// A refund needs a paid order (250 or 600) not refunded in full yet.
pub fn refundable(o: &OrderRecord) -> Result<(), TransitionError> {
    if !is_paid(&o.prc) {
        return Err(TransitionError::InvalidState {
            prc: o.prc.clone(),
            wanted: "a paid order (250 or 600)",
        });
    }
    if o.fully_refunded() {
        return Err(TransitionError::InvalidState {
            prc: o.prc.clone(),
            wanted: "an order not refunded in full yet",
        });
    }
    Ok(())
}

fn pay_card(
    o: &mut OrderRecord,
    number: &str,
    manual_capture: bool,
    now: OffsetDateTime,
) -> Result<(), TransitionError> {
    let (mut info, card) = card_payment(number)?;
    let success = card.map(|c| c.success).unwrap_or(false);
    if success {
        approve_card(&mut info);
    }
    o.payment = Some(info);
    if success && manual_capture {
        set_state(
            o,
            StatusCode::Authorized,
            "授權成功 (authorised; self-capture mode: paid once captured)",
            now,
        );
    } else if success {
        set_state(o, StatusCode::Paid, "付款完成", now);
        issue_invoice(o);
    } else if card.is_some() {
        set_state(
            o,
            StatusCode::Failed,
            "交易失敗:授權失敗 (declined by the issuer: test failure card)",
            now,
        );
    } else {
        set_state(
            o,
            StatusCode::Failed,
            "交易失敗:卡號不在測試卡清單 (declined: not a test card)",
            now,
        );
    }
    Ok(())
}

/// A card payment found paid later (A0001 → 250/600) is approved then.
fn confirm_payment(o: &mut OrderRecord) {
    if let Some(p) = o.payment.as_mut() {
        confirm_card(p);
    }
}

fn set_state(o: &mut OrderRecord, prc: StatusCode, retmsg: &str, at: OffsetDateTime) {
    o.prc = prc.clone();
    o.retmsg = retmsg.into();
    o.finishtime = stamp(at);
    o.history.push(HistoryEntry {
        prc,
        time: rfc3339(at),
    });
}

/// MYPAY issues the invoice when the order is paid, if the order (or, with
/// `issue_invoice_state` 2, the store's setting) asks for one.
fn issue_invoice(o: &mut OrderRecord) {
    if o.issue_invoice && o.invoice_number.is_empty() {
        o.invoice_wordtrack = "SW".into();
        o.invoice_number = random::digits(8);
        o.invoice_rand_code = random::digits(4);
        o.invoice_date = o.finishtime.clone();
    }
}

#[cfg(test)]
mod tests;
