//! The test cards of appendix 6 and what the sandbox does with a card
//! number: a listed success card pays, the failure card and any number not
//! listed are declined.

/// A test card of appendix 6 and what the sandbox does with it.
#[derive(Clone, Copy, Debug)]
pub struct TestCard {
    pub number: &'static str,
    pub expiry: &'static str,
    pub cvc: &'static str,
    pub brand: &'static str,
    /// 『信用卡別類型』
    pub card_type: &'static str,
    pub gateway: &'static str,
    pub supplier_code: &'static str,
    pub success: bool,
}

/// Appendix 6. 5204247750001471 is listed both as a 高鉅 success MasterCard
/// and as the 高鉅 failure card: the sandbox treats it as the failure card.
/// Cards listed twice (3566703300032801, 4003618704777729) take their first
/// gateway.
pub const TEST_CARDS: &[TestCard] = &[
    TestCard {
        number: "4938170130000003",
        expiry: "1228",
        cvc: "985",
        brand: "Visa",
        card_type: "1",
        gateway: "聯合信用卡處理中心",
        supplier_code: "B6",
        success: true,
    },
    TestCard {
        number: "5430450100001219",
        expiry: "1218",
        cvc: "214",
        brand: "MasterCard",
        card_type: "2",
        gateway: "聯合信用卡處理中心",
        supplier_code: "B6",
        success: true,
    },
    TestCard {
        number: "3560500100001218",
        expiry: "1218",
        cvc: "023",
        brand: "JCB",
        card_type: "3",
        gateway: "聯合信用卡處理中心",
        supplier_code: "B6",
        success: true,
    },
    TestCard {
        number: "4058650600065507",
        expiry: "1022",
        cvc: "395",
        brand: "Visa",
        card_type: "1",
        gateway: "永豐銀行",
        supplier_code: "B1",
        success: true,
    },
    TestCard {
        number: "5433760200078009",
        expiry: "1022",
        cvc: "597",
        brand: "MasterCard",
        card_type: "2",
        gateway: "永豐銀行",
        supplier_code: "B1",
        success: true,
    },
    TestCard {
        number: "3566703300032801",
        expiry: "0922",
        cvc: "033",
        brand: "JCB",
        card_type: "3",
        gateway: "永豐銀行",
        supplier_code: "B1",
        success: true,
    },
    TestCard {
        number: "4003618704777729",
        expiry: "任意 any",
        cvc: "任意 any",
        brand: "Visa",
        card_type: "1",
        gateway: "中國信託商業銀行",
        supplier_code: "B8",
        success: true,
    },
    TestCard {
        number: "4761120010000492",
        expiry: "1122",
        cvc: "533",
        brand: "Visa",
        card_type: "1",
        gateway: "高鉅科技",
        supplier_code: "T0",
        success: true,
    },
    TestCard {
        number: "5204247750001471",
        expiry: "1122",
        cvc: "111",
        brand: "MasterCard",
        card_type: "2",
        gateway: "高鉅科技",
        supplier_code: "T0",
        success: false,
    },
    TestCard {
        number: "4907060600015101",
        expiry: "1226",
        cvc: "905",
        brand: "Visa",
        card_type: "1",
        gateway: "凱基銀行",
        supplier_code: "BC",
        success: true,
    },
];

/// The test card with this number (spaces and dashes ignored).
pub fn test_card(number: &str) -> Option<&'static TestCard> {
    let number = normalize_card(number);
    TEST_CARDS.iter().find(|c| c.number == number)
}

/// Digits of a card number as typed (spaces and dashes dropped).
pub fn normalize_card(number: &str) -> String {
    number
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

/// 『信用卡別類型』 of a card that is not a test card, by its first digits.
pub fn card_brand_type(number: &str) -> &'static str {
    match number.as_bytes().first() {
        Some(b'4') => "1",
        Some(b'5') | Some(b'2') => "2",
        Some(b'3') if number.starts_with("34") || number.starts_with("37") => "4",
        Some(b'3') => "3",
        _ => "0",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_failure_card_is_the_only_listed_one_that_fails() {
        let failing: Vec<&str> = TEST_CARDS
            .iter()
            .filter(|c| !c.success)
            .map(|c| c.number)
            .collect();
        assert_eq!(failing, ["5204247750001471"]);
        assert_eq!(TEST_CARDS.len(), 10);
    }

    #[test]
    fn cards_are_found_as_typed() {
        let c = test_card("4938 1701-3000 0003").map(|c| (c.brand, c.supplier_code));
        assert_eq!(c, Some(("Visa", "B6")));
        assert!(test_card("4111111111111111").is_none());
        assert_eq!(normalize_card(" 4938-1701 "), "49381701");
    }

    #[test]
    fn brands_of_other_numbers() {
        for (number, brand) in [
            ("4111111111111111", "1"),
            ("5500000000000004", "2"),
            ("2221000000000009", "2"),
            ("340000000000009", "4"),
            ("370000000000002", "4"),
            ("3530111333300000", "3"),
            ("6011000000000004", "0"),
            ("", "0"),
        ] {
            assert_eq!(card_brand_type(number), brand, "{number}");
        }
    }
}
