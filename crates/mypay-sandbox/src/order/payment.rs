//! How a payment attempt is recorded: what the shopper (or the automation
//! API) asks for ([`Payment`], [`LostAttempt`]) and the gateway side of the
//! report it gives ([`PaymentInfo`]: masked card, supplier, store code or
//! virtual account). Which state that leads to is decided in `moves.rs`.

use super::cards::{card_brand_type, normalize_card, test_card, TestCard};
use super::random;
use super::store::TransitionError;
use super::PaymentInfo;
use crate::rules;
use crate::stamps::{day_stamp, plus_days};
use mypay_link::codes::{Pfn, ResultContentType};
use serde_json::json;
use time::OffsetDateTime;

/// `limit_pay_days` when the order gives none (the API text names no
/// default; the sandbox's choice).
pub const DEFAULT_LIMIT_PAY_DAYS: i64 = 7;
/// The longest `limit_pay_days` the sandbox honours as given (the text
/// names no maximum; ten years stays within the calendar).
pub const MAX_LIMIT_PAY_DAYS: i64 = 3650;

/// What a payment attempt does to an order.
#[derive(Clone, Debug, PartialEq)]
pub enum Payment {
    /// A card number (test cards succeed, the failure card and unknown cards fail).
    Card(String),
    /// A card number paid in this many instalments (one of the counts the
    /// order's `creditcard_installment` offers).
    CardInstallments(String, u32),
    /// A card in self-capture mode (自行請款): a success test card is only
    /// authorised (245) until captured; the failure card and unknown cards
    /// fail (300).
    CardAuthorize(String),
    /// WEBATM / stored value waiting for the shopper to finish online (280).
    Waiting(&'static str),
    /// CSTORECODE (ibon code, 260) or E_COLLECTION (virtual account, 270).
    Deferred(Pfn),
    /// A method that completes at once (wallets, CASH, WEBATM, …): 250.
    Instant(&'static str),
    /// An e-wallet hand-off the shopper cancelled in the wallet: 300
    /// (消費者付款失敗), the wallet recorded as the method.
    WalletCancelled(&'static str),
}

/// The payment attempt behind an A0001 (MYPAY lost contact with the
/// provider): a card number, or a method.
#[derive(Clone, Debug, PartialEq)]
pub enum LostAttempt {
    Card(String),
    Method(&'static str),
}

/// The methods `Payment::Waiting` takes (280 儲值/WEBATM 線上待付款).
pub fn waiting_payment_pfn(pfn: &str) -> Option<&'static str> {
    rules::canonical_pfn(pfn).filter(|c| *c == "WEBATM")
}

/// The methods `Payment::Instant` takes: every instant-refund method but
/// CREDITCARD (which takes a card number), and WEBATM.
pub fn instant_payment_pfn(pfn: &str) -> Option<&'static str> {
    let code = rules::canonical_pfn(pfn)?;
    (code == "WEBATM" || (code != "CREDITCARD" && rules::instant_refund(code))).then_some(code)
}

fn instant_supplier(pfn: &str) -> (&'static str, &'static str) {
    match pfn {
        "LINEPAYON" | "LINEPAYOFF" => ("台灣連線(LINEPay)", "W2"),
        "JKOON" | "JKOOFF" => ("街口電子支付", "W4"),
        "PION" | "PIOFF" => ("拍付國際資訊(Pi錢包)", "W9"),
        "EASYWALLETON" | "EASYWALLETOFF" => ("悠遊卡", "W5"),
        "WEBATM" => ("中國信託商業銀行", "B8"),
        "CASH" => ("", ""),
        _ => ("高鉅科技", "T0"),
    }
}

/// A card attempt as the gateway records it before the issuer answers:
/// masked number, brand, gateway; no authorisation code. Also answers the
/// test card, if it is one.
pub fn card_payment(
    number: &str,
) -> Result<(PaymentInfo, Option<&'static TestCard>), TransitionError> {
    let number = normalize_card(number);
    if number.len() < 12 || number.len() > 19 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TransitionError::BadInput(
            "card_number must be 12 to 19 digits".into(),
        ));
    }
    let card = test_card(&number);
    let masked = format!(
        "{}******{}",
        number.get(..6).unwrap_or_default(),
        number.get(number.len() - 4..).unwrap_or_default()
    );
    let (gateway, supplier) = card
        .map(|c| (c.gateway, c.supplier_code))
        .unwrap_or(("高鉅科技", "T0"));
    let info = PaymentInfo {
        pfn: "CREDITCARD".into(),
        cardno: masked,
        card_type: card
            .map(|c| c.card_type)
            .unwrap_or_else(|| card_brand_type(&number))
            .into(),
        supplier_name: gateway.into(),
        supplier_code: supplier.into(),
        result_content_type: "CREDITCARD".into(),
        result_content: "{}".into(),
        ..PaymentInfo::default()
    };
    Ok((info, card))
}

/// Appendix 6: of the test cards, the 聯合信用卡中心 MasterCard and JCB
/// "可測分期與紅利" (take instalments and bonus points).
pub fn installment_card(number: &str) -> bool {
    test_card(&normalize_card(number))
        .is_some_and(|c| c.supplier_code == "B6" && matches!(c.card_type, "2" | "3"))
}

/// A bank of 『銀行代碼』 by its code, for the banks instalment offers name.
pub fn bank_name(code: &str) -> &'static str {
    match code {
        "004" => "臺灣銀行",
        "006" => "合作金庫",
        "007" => "第一銀行",
        "012" => "台北富邦",
        "013" => "國泰世華商業銀行",
        "017" => "兆豐銀行",
        "807" => "永豐銀行",
        "808" => "玉山銀行",
        "812" => "台新銀行",
        "822" => "中國信託商業銀行",
        _ => "",
    }
}

/// Checks an instalment payment against the order's
/// `creditcard_installment` and the card; answers the bank that grants it.
pub fn check_installments(
    offer: Option<&str>,
    count: u32,
    number: &str,
) -> Result<String, TransitionError> {
    let offers = offer
        .and_then(|t| rules::installments(t).ok())
        .unwrap_or_default();
    let Some((_, banks)) = offers.iter().find(|(n, _)| *n == count) else {
        let counts: Vec<String> = offers.iter().map(|(n, _)| n.to_string()).collect();
        return Err(TransitionError::BadInput(if counts.is_empty() {
            "this order offers no instalments (no creditcard_installment)".into()
        } else {
            format!(
                "{count} instalments are not offered: the order offers {}",
                counts.join(", ")
            )
        }));
    };
    if test_card(&normalize_card(number)).is_some_and(|c| c.success) && !installment_card(number) {
        return Err(TransitionError::BadInput(
            "this test card cannot pay in instalments: appendix 6 names the 聯合信用卡中心 MasterCard 5430450100001219 and JCB 3560500100001218 for instalments".into(),
        ));
    }
    Ok(banks.first().cloned().unwrap_or_default())
}

/// The issuer's approval on a card payment: an authorisation code and
/// the issuing bank (kept if already there).
pub fn approve_card(p: &mut PaymentInfo) {
    if p.acode.is_empty() {
        p.acode = random::acode();
    }
    if p.issuing_bank.is_empty() {
        p.issuing_bank = "合作金庫".into();
        p.issuing_bank_uid = "006".into();
    }
}

/// A card payment found paid later (A0001 → 250/600): approved then; other
/// methods are left as they are.
pub fn confirm_card(p: &mut PaymentInfo) {
    if rules::canonical_pfn(&p.pfn).is_some_and(|c| rules::CARD_PFNS.contains(&c)) {
        approve_card(p);
    }
}

/// A method other than a card number (wallets, CASH, WEBATM, AMEX, …).
/// `approved`: an AMEX payment that went through gets its authorisation code.
pub fn method_payment(pfn: &'static str, approved: bool) -> PaymentInfo {
    let (supplier_name, supplier_code) = instant_supplier(pfn);
    let content_type = ResultContentType::from_code(pfn);
    PaymentInfo {
        pfn: pfn.into(),
        card_type: if pfn == "AMEX" { "4" } else { "0" }.into(),
        acode: if pfn == "AMEX" && approved {
            random::acode()
        } else {
            String::new()
        },
        supplier_name: supplier_name.into(),
        supplier_code: supplier_code.into(),
        result_content_type: if content_type.is_documented() {
            pfn.into()
        } else {
            String::new()
        },
        result_content: "{}".into(),
        ..PaymentInfo::default()
    }
}

/// An attempt whose provider answer was lost, with nothing known of it:
/// CREDITCARD with no card details.
pub fn unknown_attempt() -> PaymentInfo {
    PaymentInfo {
        pfn: "CREDITCARD".into(),
        card_type: "0".into(),
        result_content_type: "CREDITCARD".into(),
        result_content: "{}".into(),
        ..PaymentInfo::default()
    }
}

/// What an A0001 records of the lost attempt.
pub fn lost_payment(attempt: Option<LostAttempt>) -> Result<PaymentInfo, TransitionError> {
    Ok(match attempt {
        Some(LostAttempt::Card(number)) => card_payment(&number)?.0,
        Some(LostAttempt::Method(pfn)) => method_payment(pfn, false),
        None => unknown_attempt(),
    })
}

/// A store code (CSTORECODE: an ibon PinCode and three barcodes) or a
/// virtual account (E_COLLECTION: an account at bank 822), payable until
/// the end of the day `limit_pay_days` after `now` (at most
/// [`MAX_LIMIT_PAY_DAYS`]; none or below 1: [`DEFAULT_LIMIT_PAY_DAYS`]).
pub fn deferred_payment(
    pfn: &Pfn,
    limit_pay_days: Option<i64>,
    now: OffsetDateTime,
) -> Result<PaymentInfo, TransitionError> {
    let days = limit_pay_days
        .filter(|d| *d >= 1)
        .map(|d| d.min(MAX_LIMIT_PAY_DAYS))
        .unwrap_or(DEFAULT_LIMIT_PAY_DAYS);
    let limit = day_stamp(plus_days(now, days)) + "235959";
    match pfn {
        Pfn::CStoreCode => {
            let content = json!({
                "PinCode": format!("IB{}", random::digits(12)),
                "LimitDate": limit,
                "BarCode1": format!("{}{}", day_stamp(now).get(2..).unwrap_or_default(), random::digits(3)),
                "BarCode2": random::digits(16),
                "BarCode3": random::digits(15),
                "BarcodeEndDate": limit,
            });
            Ok(PaymentInfo {
                pfn: "CSTORECODE".into(),
                card_type: "0".into(),
                supplier_name: "安源資訊股份有限公司(ibon)".into(),
                supplier_code: "S1".into(),
                expired_date: limit.clone(),
                result_content_type: "IBON".into(),
                result_content: content.to_string(),
                ..PaymentInfo::default()
            })
        }
        Pfn::ECollection => {
            let content = json!({
                "PinCode": random::digits(14),
                "LimitDate": limit,
                "BankCode": "822",
            });
            Ok(PaymentInfo {
                pfn: "E_COLLECTION".into(),
                card_type: "0".into(),
                supplier_name: "中國信託商業銀行".into(),
                supplier_code: "B8".into(),
                bank_id: "822".into(),
                expired_date: limit.clone(),
                result_content_type: "E_COLLECTION".into(),
                result_content: content.to_string(),
                ..PaymentInfo::default()
            })
        }
        other => Err(TransitionError::BadInput(format!(
            "pfn {other} is not simulated: use CSTORECODE or E_COLLECTION (or a card_number)"
        ))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::stamps::parse_stamp;
    use serde_json::Value;

    #[test]
    fn cards_are_masked_and_typed() {
        let (p, card) = card_payment("4938 1701 3000 0003").unwrap();
        assert_eq!(p.cardno, "493817******0003");
        assert_eq!(
            (p.card_type.as_str(), p.supplier_code.as_str()),
            ("1", "B6")
        );
        assert!(
            p.acode.is_empty() && p.issuing_bank.is_empty(),
            "not approved yet"
        );
        assert!(card.is_some_and(|c| c.success));
        let (p, card) = card_payment("378282246310005").unwrap();
        assert!(card.is_none());
        assert_eq!(p.card_type, "4", "by its first digits");
        assert_eq!(p.supplier_code, "T0");
        for bad in ["4938", "49381701300000031234", "4938x70130000003"] {
            assert!(
                matches!(card_payment(bad), Err(TransitionError::BadInput(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn approval_adds_an_acode_once() {
        let (mut p, _) = card_payment("4938170130000003").unwrap();
        approve_card(&mut p);
        let acode = p.acode.clone();
        assert_eq!(acode.len(), 6);
        assert_eq!(p.issuing_bank, "合作金庫");
        approve_card(&mut p);
        assert_eq!(p.acode, acode);
        let mut wallet = method_payment("LINEPAYON", true);
        confirm_card(&mut wallet);
        assert!(wallet.acode.is_empty(), "not a card");
        let mut amex = method_payment("AMEX", false);
        assert!(amex.acode.is_empty());
        confirm_card(&mut amex);
        assert_eq!(amex.acode.len(), 6);
    }

    #[test]
    fn methods_and_their_suppliers() {
        let p = method_payment("JKOON", true);
        assert_eq!(
            (p.supplier_code.as_str(), p.card_type.as_str()),
            ("W4", "0")
        );
        assert_eq!(p.result_content_type, "JKOON");
        assert!(p.acode.is_empty());
        assert_eq!(method_payment("AMEX", true).acode.len(), 6);
        assert_eq!(
            method_payment("CASH", true).result_content_type,
            "",
            "not in the table"
        );
        assert_eq!(waiting_payment_pfn("4"), Some("WEBATM"));
        assert_eq!(waiting_payment_pfn("CASH"), None);
        assert_eq!(instant_payment_pfn("37"), Some("CASH"));
        assert_eq!(instant_payment_pfn("webatm"), Some("WEBATM"));
        for no in ["CREDITCARD", "CSTORECODE", "BARCODE", "PAYPAL"] {
            assert_eq!(instant_payment_pfn(no), None, "{no}");
        }
    }

    #[test]
    fn store_codes_and_accounts_run_to_the_end_of_their_last_day() {
        let now = parse_stamp("20260301120000").unwrap();
        let p = deferred_payment(&Pfn::CStoreCode, Some(1), now).unwrap();
        assert_eq!(p.expired_date, "20260302235959");
        let c: Value = serde_json::from_str(&p.result_content).unwrap();
        assert_eq!(c["LimitDate"], "20260302235959");
        assert!(c["PinCode"].as_str().unwrap().starts_with("IB"));
        assert!(c["BarCode1"].as_str().unwrap().starts_with("260301"));
        let p = deferred_payment(&Pfn::ECollection, None, now).unwrap();
        assert_eq!(p.expired_date, "20260308235959", "7 days by default");
        assert_eq!(p.bank_id, "822");
        let p = deferred_payment(&Pfn::ECollection, Some(61), now).unwrap();
        assert_eq!(p.expired_date, "20260501235959", "61 days");
        let p = deferred_payment(&Pfn::ECollection, Some(0), now).unwrap();
        assert_eq!(p.expired_date, "20260308235959", "below 1: the default");
        let p = deferred_payment(&Pfn::ECollection, Some(i64::MAX), now).unwrap();
        assert_eq!(p.expired_date, "20360227235959", "at most ten years");
        assert!(matches!(
            deferred_payment(&Pfn::WebAtm, None, now),
            Err(TransitionError::BadInput(_))
        ));
    }

    #[test]
    fn a_lost_attempt_records_what_is_known() {
        let p = lost_payment(Some(LostAttempt::Card("4938170130000003".into()))).unwrap();
        assert_eq!(
            (p.cardno.as_str(), p.acode.as_str()),
            ("493817******0003", "")
        );
        let p = lost_payment(Some(LostAttempt::Method("LINEPAYON"))).unwrap();
        assert_eq!(p.pfn, "LINEPAYON");
        let p = lost_payment(None).unwrap();
        assert_eq!((p.pfn.as_str(), p.cardno.as_str()), ("CREDITCARD", ""));
        assert!(lost_payment(Some(LostAttempt::Card("1".into()))).is_err());
    }
}
