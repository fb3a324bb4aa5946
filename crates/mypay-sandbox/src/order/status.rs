//! The status codes of an order (appendix 2, typed as
//! [`mypay_link::StatusCode`]) and which moves each allows: the table the
//! moves in `moves.rs` consult. Pure: no store, no clock.

use mypay_link::{StatusClass, StatusCode};

/// Paid (250 付款完成 or 600 結帳完成): an invoice, refundable.
pub fn is_paid(prc: &StatusCode) -> bool {
    prc.class() == StatusClass::Paid
}

/// A store code or virtual account waiting to be paid (260, 270): it has a
/// `LimitDate`, after which it expires (380).
pub fn has_limit_date(prc: &StatusCode) -> bool {
    matches!(
        prc,
        StatusCode::AwaitingStorePayment | StatusCode::AwaitingTransfer
    )
}

/// The store may cancel it (200, 260, 270): 220 取消成功.
pub fn is_cancellable(prc: &StatusCode) -> bool {
    *prc == StatusCode::DataOk || has_limit_date(prc)
}

/// The codes `POST /sandbox/orders/{uid}/settle` takes (400 for any other).
pub const SETTLE_CODES: &str =
    "prc must be \"250\", \"380\", \"290\", \"600\", \"247\", \"300\" or \"A0001\"";

/// A later result of MYPAY (appendix 2), by the code it moves to: the codes
/// it may come from, and how a refusal names them. `None`: not a settle
/// code (`A0001`, which comes from 200, is a move of its own).
///
/// - 250: a store code / virtual account is paid (260, 270); an authorised
///   card is captured (245, 247); an online payment finished (280); a
///   payment waiting for confirmation turns out paid (A0001).
/// - 380: a store code / virtual account expires (260, 270).
/// - 290: paid, details do not match (260, 270, and 380 once MYPAY has
///   verified it).
/// - 600: settled by the provider (250), or paid and settled (A0001).
/// - 247: the capture of an authorised card was sent (245).
/// - 300: a waiting payment failed (245, 247, 280, A0001).
pub fn settle_from(to: &StatusCode) -> Option<(&'static [StatusCode], &'static str)> {
    use StatusCode::*;
    Some(match to {
        Paid => (
            &[
                AwaitingStorePayment,
                AwaitingTransfer,
                Authorized,
                CaptureInProgress,
                AwaitingOnlinePayment,
                PendingConfirmation,
            ],
            "a pending order (260, 270, 245, 247, 280 or A0001)",
        ),
        Expired => (
            &[AwaitingStorePayment, AwaitingTransfer],
            "a pending order (260 or 270)",
        ),
        PaidMismatch => (
            &[AwaitingStorePayment, AwaitingTransfer, Expired],
            "a pending (260, 270) or expired (380) order",
        ),
        Settled => (
            &[Paid, PendingConfirmation],
            "a paid order (250) or one waiting for confirmation (A0001)",
        ),
        CaptureInProgress => (&[Authorized], "an authorised order (245)"),
        Failed => (
            &[
                Authorized,
                CaptureInProgress,
                AwaitingOnlinePayment,
                PendingConfirmation,
            ],
            "a waiting order (245, 247, 280 or A0001)",
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(c: &str) -> StatusCode {
        StatusCode::from_code(c)
    }

    #[test]
    fn paid_is_250_and_600_only() {
        for c in ["250", "600"] {
            assert!(is_paid(&code(c)), "{c}");
        }
        for c in [
            "200", "220", "230", "245", "260", "290", "300", "A0001", "B200", "999",
        ] {
            assert!(!is_paid(&code(c)), "{c}");
        }
    }

    #[test]
    fn limit_dates_and_cancellation() {
        let with_limit: Vec<&str> = ["200", "245", "260", "270", "280", "380"]
            .into_iter()
            .filter(|c| has_limit_date(&code(c)))
            .collect();
        assert_eq!(with_limit, ["260", "270"]);
        let cancellable: Vec<&str> = ["200", "220", "245", "250", "260", "270", "300", "A0002"]
            .into_iter()
            .filter(|c| is_cancellable(&code(c)))
            .collect();
        assert_eq!(cancellable, ["200", "260", "270"]);
    }

    #[test]
    fn the_settle_table() {
        let from = |to: &str| -> Vec<String> {
            settle_from(&code(to))
                .map(|(f, _)| f.iter().map(|c| c.code().to_owned()).collect())
                .unwrap_or_default()
        };
        assert_eq!(from("250"), ["260", "270", "245", "247", "280", "A0001"]);
        assert_eq!(from("380"), ["260", "270"]);
        assert_eq!(from("290"), ["260", "270", "380"]);
        assert_eq!(from("600"), ["250", "A0001"]);
        assert_eq!(from("247"), ["245"]);
        assert_eq!(from("300"), ["245", "247", "280", "A0001"]);
        for not_settle in ["200", "220", "230", "245", "260", "A0001", "A0002", "nope"] {
            assert!(settle_from(&code(not_settle)).is_none(), "{not_settle}");
        }
        // Each refusal names the codes it takes.
        for to in ["250", "380", "290", "600", "247", "300"] {
            let (sources, wanted) = settle_from(&code(to)).unwrap_or((&[], ""));
            for s in sources {
                assert!(wanted.contains(s.code()), "{to}: {wanted} lacks {s}");
            }
        }
    }
}
