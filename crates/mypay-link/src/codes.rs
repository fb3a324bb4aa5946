//! Every value table of the API text (『…』值內容, appendix 1 PFN and appendix 2
//! status codes) as an enum with an `Other` fallback, so that a value MYPAY
//! adds tomorrow never fails a parse. Each enum is written back the way the
//! field's table types it (`"1"` or `1`) and read from either.

use crate::lenient::Text;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// How a value table's codes travel in JSON.
#[doc(hidden)]
pub enum Repr {
    Str,
    Int,
}

#[doc(hidden)]
pub fn serialize_code<S: Serializer>(code: &str, repr: Repr, s: S) -> Result<S::Ok, S::Error> {
    match repr {
        Repr::Int => match code.parse::<i64>() {
            Ok(n) => s.serialize_i64(n),
            Err(_) => s.serialize_str(code),
        },
        Repr::Str => s.serialize_str(code),
    }
}

macro_rules! value_table {
    (
        $(#[doc = $doc:literal])*
        $name:ident ($repr:ident) {
            $( $(#[doc = $vdoc:literal])* $variant:ident = $code:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[doc = $vdoc])* $variant, )+
            /// A code this version does not know, kept as sent.
            Other(String),
        }

        /// In TypeScript: `Code<Name>` where a field holds it, and `type Name`
        /// the union of the documented codes as they travel (`"1"` or `1`).
        #[cfg(feature = "ts")]
        impl ts_rs::TS for $name {
            type WithoutGenerics = Self;
            type OptionInnerType = Self;
            fn docs() -> Option<String> {
                Some(crate::lenient::ts::jsdoc(&[$($doc),*]))
            }
            fn ident(_: &ts_rs::Config) -> String {
                stringify!($name).to_owned()
            }
            fn name(_: &ts_rs::Config) -> String {
                format!("Code<{}>", stringify!($name))
            }
            fn inline(cfg: &ts_rs::Config) -> String {
                Self::name(cfg)
            }
            fn decl(_: &ts_rs::Config) -> String {
                let members = [$( ($name::$variant, &[$($vdoc),*][..]) ),+];
                format!("type {} ={};", stringify!($name), ts::union(&members))
            }
            fn decl_concrete(cfg: &ts_rs::Config) -> String {
                Self::decl(cfg)
            }
            fn visit_dependencies(v: &mut impl ts_rs::TypeVisitor)
            where
                Self: 'static,
            {
                v.visit::<ts::Code>();
            }
            fn output_path() -> Option<std::path::PathBuf> {
                Some(std::path::PathBuf::from(concat!("codes/", stringify!($name), ".ts")))
            }
        }

        impl $name {
            /// Every documented value.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code as the API text writes it.
            pub fn code(&self) -> &str {
                match self {
                    $( $name::$variant => $code, )+
                    $name::Other(s) => s.as_str(),
                }
            }

            /// Reads a code (or one of its documented aliases).
            pub fn from_code(code: &str) -> Self {
                let c = code.trim();
                $(
                    if c == $code $(|| c == $alias)* {
                        return $name::$variant;
                    }
                )+
                $name::Other(code.to_owned())
            }

            /// Whether this is one of the documented values.
            pub fn is_documented(&self) -> bool {
                !matches!(self, $name::Other(_))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self::from_code(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                serialize_code(self.code(), Repr::$repr, s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Text::deserialize(d).map(|t| Self::from_code(t.as_str()))
            }
        }
    };
}

value_table!(
    /// 『證號類型』
    UserSnType(Str) { NationalId = "1", ResidentCertificate = "2", Passport = "3" }
);
value_table!(
    /// 『幣別類型』
    Currency(Str) { Twd = "TWD", Cny = "CNY" }
);
value_table!(
    /// 『自動換匯』
    EnableDcc(Int) { Off = "0", On = "1" }
);
value_table!(
    /// 『付款方式』 and appendix 1 (PFN): a payment method by code or by number
    /// (`27` ≡ `PION`).
    Pfn(Str) {
        All = "all",
        MobilePayAll = "MobilePayAll",
        CreditCard = "CREDITCARD" | "1",
        CStoreCode = "CSTORECODE" | "3",
        WebAtm = "WEBATM" | "4",
        ECollection = "E_COLLECTION" | "6",
        UnionPay = "UNIONPAY",
        Svc = "SVC",
        Abroad = "ABROAD" | "9",
        Alipay = "ALIPAY" | "10",
        Wechat = "WECHAT" | "13",
        DirectDebit = "DIRECTDEBIT" | "14",
        LinePayOn = "LINEPAYON" | "15",
        LinePayOff = "LINEPAYOFF" | "16",
        WechatOff = "WECHATOFF" | "19",
        ApplePay = "APPLEPAY" | "20",
        GooglePay = "GOOGLEPAY" | "21",
        Each = "EACH",
        CInstallment = "C_INSTALLMENT" | "23",
        CRedeem = "C_REDEEM" | "24",
        Cardless = "CARDLESS" | "25",
        PiOn = "PION" | "27",
        PiOff = "PIOFF" | "28",
        Amex = "AMEX" | "29",
        JkoOn = "JKOON" | "31",
        /// Appendix 1 spells it `JKOOF`; the 『付款方式』 table `JKOOFF`.
        JkoOff = "JKOOFF" | "32" | "JKOOF",
        AlipayOff = "ALIPAYOFF" | "33",
        MRecharge = "M_RECHARGE" | "34",
        Afp = "AFP" | "36",
        Cash = "CASH" | "37",
        EasyWalletOn = "EASYWALLETON" | "38",
        EasyWalletOff = "EASYWALLETOFF" | "39",
        EasyCard = "EASYCARD" | "40",
        IPass = "IPASS" | "41",
        ICash = "ICASH" | "42",
        Barcode = "BARCODE" | "43",
    }
);

impl Pfn {
    /// The appendix 1 number of this method, where it has one.
    pub fn number(&self) -> Option<u8> {
        (1u8..=43).find(|n| {
            let p = Pfn::from_code(&n.to_string());
            p.is_documented() && &p == self
        })
    }

    /// Methods the refund API serves (the refund section: 支援即時退款的支付方式有
    /// 信用卡、美國運通、LINEPay、Pi錢包、街口支付、微信支付、支付寶、悠遊付、現金、
    /// GooglePay、ApplePay). Any other method is refunded by hand in MYPAY's
    /// panel. Instalment and bonus-point card payments (`C_INSTALLMENT`,
    /// `C_REDEEM`) are not named, so they are not counted as instant.
    pub fn refunds_instantly(&self) -> bool {
        matches!(
            self,
            Pfn::CreditCard
                | Pfn::Amex
                | Pfn::LinePayOn
                | Pfn::LinePayOff
                | Pfn::PiOn
                | Pfn::PiOff
                | Pfn::JkoOn
                | Pfn::JkoOff
                | Pfn::Wechat
                | Pfn::WechatOff
                | Pfn::Alipay
                | Pfn::AlipayOff
                | Pfn::EasyWalletOn
                | Pfn::EasyWalletOff
                | Pfn::Cash
                | Pfn::GooglePay
                | Pfn::ApplePay
        )
    }

    /// E-wallet methods, for which the order fields say 『電子錢包交易必要欄位』
    /// (see [`crate::validate::WALLET_FIELDS`]): the methods 『付款方式』
    /// groups under `MobilePayAll` (支付寶, Pi 拍錢包, LINE Pay, 微信, 街口,
    /// 悠遊付), Apple Pay, Google Pay and `MobilePayAll` itself, online or
    /// offline.
    pub fn is_wallet(&self) -> bool {
        matches!(
            self,
            Pfn::Alipay
                | Pfn::AlipayOff
                | Pfn::Wechat
                | Pfn::WechatOff
                | Pfn::LinePayOn
                | Pfn::LinePayOff
                | Pfn::JkoOn
                | Pfn::JkoOff
                | Pfn::PiOn
                | Pfn::PiOff
                | Pfn::EasyWalletOn
                | Pfn::EasyWalletOff
                | Pfn::ApplePay
                | Pfn::GooglePay
                | Pfn::MobilePayAll
        )
    }

    /// Methods a shopper can pay with on the PayPage of a web shop: the
    /// documented methods less the offline ones (the shopper's code is
    /// scanned in a shop: `…OFF`), card-present and stored-value cards
    /// (`CASH`, `EASYCARD`, `IPASS`, `ICASH`), and those that are not one
    /// payment for one order (`DIRECTDEBIT` recurring debits, `EACH` which
    /// needs an `each_code`, `M_RECHARGE` top-ups). `all` is not a method.
    pub fn is_online(&self) -> bool {
        matches!(
            self,
            Pfn::MobilePayAll
                | Pfn::CreditCard
                | Pfn::CStoreCode
                | Pfn::WebAtm
                | Pfn::ECollection
                | Pfn::UnionPay
                | Pfn::Svc
                | Pfn::Abroad
                | Pfn::Alipay
                | Pfn::Wechat
                | Pfn::LinePayOn
                | Pfn::ApplePay
                | Pfn::GooglePay
                | Pfn::CInstallment
                | Pfn::CRedeem
                | Pfn::Cardless
                | Pfn::PiOn
                | Pfn::Amex
                | Pfn::JkoOn
                | Pfn::Afp
                | Pfn::EasyWalletOn
                | Pfn::Barcode
        )
    }

    /// Methods whose first report is a pending code (a code to pay with).
    pub fn is_deferred(&self) -> bool {
        matches!(
            self,
            Pfn::CStoreCode | Pfn::ECollection | Pfn::Barcode | Pfn::WebAtm
        )
    }
}

value_table!(
    /// 『啟用快速結帳』
    EnableQuickpay(Int) { Off = "0", On = "1" }
);
value_table!(
    /// 『交易類型』 (request field `transaction_type`)
    TransactionType(Int) { Online = "1", InPerson = "2" }
);
value_table!(
    /// 『電子發票是否開立狀態』
    IssueInvoiceState(Int) { DoNotIssue = "0", Issue = "1", BySettings = "2" }
);
value_table!(
    /// 『電子發票稅率別』
    InvoiceRateType(Int) { Taxable = "1", ZeroRated = "2", Exempt = "3" }
);
value_table!(
    /// 『電子發票開立類型』
    InvoiceInputType(Int) { Cloud = "1", Donation = "2", Paper = "3" }
);
value_table!(
    /// 『雲端發票類型』
    InvoiceCloudType(Str) { MobileBarcode = "2", NaturalPersonCertificate = "3", Email = "4" }
);
value_table!(
    /// 『電子發票欄位異動』 for the fields the API text types as string.
    InvoiceFieldLock(Str) { Editable = "0", Locked = "1" }
);
value_table!(
    /// 『電子發票欄位異動』 for `invoice_b2b_address_force`, typed integer.
    InvoiceAddressLock(Int) { Editable = "0", Locked = "1" }
);
value_table!(
    /// 『含不含簡訊費』
    AgentSmsFeeType(Int) { Excluded = "0", Included = "1" }
);
value_table!(
    /// 『含不含手續費類型』
    AgentChargeFeeType(Int) { Excluded = "0", Included = "1" }
);
value_table!(
    /// 『驗證折價券方式』
    VoucherType(Str) { None = "0", Fixed = "1", RealTime = "2" }
);
value_table!(
    /// 『發票金額開立類型』
    VoucherInvoiceType(Str) {
        /// 支付金額 (訂單金額 - 現金優惠券金額 - 免費優惠券金額), the default.
        AmountPaid = "1",
        /// 支付金額 + 現金優惠券金額.
        AmountPaidPlusPaidVouchers = "2",
    }
);
value_table!(
    /// 『信用卡別類型』
    CardType(Str) { Unknown = "0", Visa = "1", MasterCard = "2", Jcb = "3", Amex = "4" }
);
value_table!(
    /// 『交易服務類型』
    TransactionMode(Int) { NotYet = "0", CollectionAgent = "1", Merchant = "2" }
);
value_table!(
    /// 『金流供應商代碼』
    SupplierCode(Str) {
        A1 = "A1", A2 = "A2", B0 = "B0", B1 = "B1", B2 = "B2", B3 = "B3", B4 = "B4", B5 = "B5",
        B6 = "B6", B7 = "B7", B8 = "B8", B9 = "B9", BA = "BA", BB = "BB", BC = "BC", BD = "BD",
        BE = "BE", BF = "BF", BG = "BG", S0 = "S0", S1 = "S1", S2 = "S2", T0 = "T0", T1 = "T1",
        W0 = "W0", W1 = "W1", W2 = "W2", W3 = "W3", W4 = "W4", W5 = "W5", W6 = "W6", W7 = "W7",
        W8 = "W8", W9 = "W9", E0 = "E0",
    }
);
value_table!(
    /// 『交易類型定義』 (report field `trans_type`)
    TransType(Int) { Normal = "1", Installment = "2", Redeem = "3" }
);
value_table!(
    /// 『閘道內容回傳格式類型』
    ResultType(Int) { Unknown = "0", Url = "1", Html = "2", Xml = "3", Json = "4", Csv = "5", Stream = "6" }
);
value_table!(
    /// 『資料內容所屬支付名稱』
    ResultContentType(Str) {
        ECollection = "E_COLLECTION", Ibon = "IBON", FamiPort = "FAMIPORT", LifeEt = "LIFEET",
        WebAtm = "WEBATM", CreditCard = "CREDITCARD", UnionPay = "UNIONPAY", Svc = "SVC",
        Abroad = "ABROAD", Alipay = "ALIPAY", Wechat = "WECHAT", LinePayOn = "LINEPAYON",
        LinePayOff = "LINEPAYOFF", WechatOff = "WECHATOFF", ApplePay = "APPLEPAY",
        GooglePay = "GOOGLEPAY", Each = "EACH", Cardless = "CARDLESS", PiOn = "PION",
        PiOff = "PIOFF", Amex = "AMEX", JkoOn = "JKOON", JkoOff = "JKOOFF", AlipayOff = "ALIPAYOFF",
        MRecharge = "M_RECHARGE", EasyWalletOn = "EASYWALLETON", EasyWalletOff = "EASYWALLETOFF",
        Afp = "AFP", Barcode = "BARCODE",
    }
);
value_table!(
    /// 『有價票券發行者』
    PaidVoucherIssuer(Str) { Platform = "1", MarketingPartner = "2" }
);
value_table!(
    /// 『退款時票券金額是否歸還』
    RefundReturnType(Str) {
        /// 票券金額給予特店 (default): the voucher's value goes to the store.
        ToStore = "1",
        /// 票券金額能歸還消費者: the voucher is given back to the shopper.
        ToShopper = "2",
        /// 票券金額歸還經銷商: the value goes back to the agent.
        ToAgent = "3",
    }
);
value_table!(
    /// 『免費票券發行者』
    FreeVoucherIssuer(Str) { Platform = "1", MarketingPartner = "2", Store = "3" }
);
value_table!(
    /// 『紅利資訊類型』
    RedeemType(Str) { Full = "1", Partial = "2" }
);
value_table!(
    /// 『電子發票開立狀態類型』
    InvoiceState(Int) {
        None = "0", Waiting = "1", Issued = "2", FailedSettings = "3", Voided = "4",
        FailedSystem = "5", Allowance = "6",
    }
);
value_table!(
    /// 『電子發票紙本列印標題類型』
    InvoiceTitleType(Int) { Text = "1", Image = "2" }
);
value_table!(
    /// 『電子發票列印類型』
    InvoicePrintType(Int) { None = "0", InvoiceAndDetails = "1", InvoiceOnly = "2", DetailsOnly = "3" }
);
value_table!(
    /// 『電子發票列印設備』
    InvoicePrintDevice(Int) { Own = "0", SunmiV2Pro = "1" }
);
value_table!(
    /// 『電子發票退款時使用作廢或折讓』
    RefundInvoiceState(Str) { Void = "4", Allowance = "6" }
);
value_table!(
    /// 『是否為經銷商代收費模式』
    IsAgentCharge(Int) { No = "0", Yes = "1" }
);
value_table!(
    /// 退款類型 (`refund_type` of 『退款完成回傳資訊』)
    RefundType(Str) { Online = "1", ManualCard = "2", ManualCash = "3" }
);

value_table!(
    /// Appendix 2: 交易狀態代碼, the `prc` of reports and the `code` of replies.
    StatusCode(Str) {
        DataError = "100",
        DataOk = "200",
        Cancelled = "220",
        Refunded = "230",
        Authorized = "245",
        CaptureInProgress = "247",
        Paid = "250",
        AwaitingStorePayment = "260",
        OrderBound = "265",
        AwaitingTransfer = "270",
        /// Named inside appendix 2's 265 row: 275:無卡分期-請等候審查通過
        /// (cardless installment awaiting review), a later state of 265.
        AwaitingCardlessReview = "275",
        AwaitingOnlinePayment = "280",
        AwaitingDeferredReview = "282",
        AwaitingDeferredCapture = "284",
        PaidMismatch = "290",
        Failed = "300",
        Expired = "380",
        SystemError = "400",
        Settled = "600",
        PendingConfirmation = "A0001",
        Abandoned = "A0002",
        Executed = "B200",
        ExecutionFailed = "B500",
    }
);

/// What a status code means for an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum StatusClass {
    /// 250, 600: the shopper paid.
    Paid,
    /// 290: paid, but the details do not match; needs a person.
    PaidMismatch,
    /// 245, 247, 260, 265, 270, 275, 280, 282, 284, A0001: not final yet.
    Pending,
    /// 300, 380, A0002: final failure.
    Failed,
    /// 220
    Cancelled,
    /// 230
    Refunded,
    /// 100, 200, 400, B200, B500: the answer to a call, not an order state.
    CallResult,
    /// A code this version does not know.
    Unknown,
}

impl StatusCode {
    pub fn class(&self) -> StatusClass {
        use StatusCode::*;
        match self {
            Paid | Settled => StatusClass::Paid,
            PaidMismatch => StatusClass::PaidMismatch,
            Authorized
            | CaptureInProgress
            | AwaitingStorePayment
            | OrderBound
            | AwaitingTransfer
            | AwaitingCardlessReview
            | AwaitingOnlinePayment
            | AwaitingDeferredReview
            | AwaitingDeferredCapture
            | PendingConfirmation => StatusClass::Pending,
            Failed | Expired | Abandoned => StatusClass::Failed,
            Cancelled => StatusClass::Cancelled,
            Refunded => StatusClass::Refunded,
            DataError | DataOk | SystemError | Executed | ExecutionFailed => {
                StatusClass::CallResult
            }
            Other(_) => StatusClass::Unknown,
        }
    }

    /// Final codes end the wait: a later pending code must not downgrade
    /// them. Final is not frozen, though; appendix 2 names later moves:
    /// 380 (expired) may still become 290 once MYPAY has verified it, 250
    /// becomes 600 when the provider settles, a paid order may be refunded
    /// (230). The Worker's order lifecycle decides what each move does.
    pub fn is_final(&self) -> bool {
        matches!(
            self.class(),
            StatusClass::Paid
                | StatusClass::Failed
                | StatusClass::Cancelled
                | StatusClass::Refunded
                | StatusClass::PaidMismatch
        )
    }
}

/// TypeScript of the value tables (feature `ts`).
#[cfg(feature = "ts")]
pub mod ts {
    use crate::lenient::ts::jsdoc;
    use serde::Serialize;
    use std::path::PathBuf;
    use ts_rs::{Config, TS};

    /// `Code<T>`: the type of a field that holds a code of the value table
    /// `T`.
    pub struct Code;

    const CODE_DOCS: &[&str] = &[
        " A value-table code as a field holds it: a documented code, or one this",
        " version does not know (kept as sent, never refused). Integer tables also",
        " accept the code as a string on input.",
    ];

    impl TS for Code {
        type WithoutGenerics = Self;
        type OptionInnerType = Self;
        fn docs() -> Option<String> {
            Some(jsdoc(CODE_DOCS))
        }
        fn ident(_: &Config) -> String {
            "Code".to_owned()
        }
        fn name(_: &Config) -> String {
            "Code".to_owned()
        }
        fn inline(_: &Config) -> String {
            "Code".to_owned()
        }
        fn decl(_: &Config) -> String {
            "type Code<T extends string | number> = T | (T extends number ? `${T}` | (number & {}) : never) | (string & {});".to_owned()
        }
        fn decl_concrete(cfg: &Config) -> String {
            Self::decl(cfg)
        }
        fn output_path() -> Option<PathBuf> {
            Some(PathBuf::from("codes/Code.ts"))
        }
    }

    /// The union of `members` as they travel in JSON (`"1"` or `1`), each
    /// with its doc comment, to follow a `=`: ` "1" | "2"` on one line, or
    /// one member a line when there are docs or many members.
    pub fn union<T: Serialize>(members: &[(T, &[&str])]) -> String {
        // The value's JSON is its TypeScript literal: `"1"` or `1`.
        let literal =
            |v: &T| serde_json::to_value(v).map_or_else(|_| "never".to_owned(), |v| v.to_string());
        let literals: Vec<String> = members.iter().map(|(v, _)| literal(v)).collect();
        let documented = members.iter().any(|(_, docs)| !docs.is_empty());
        let one_line = literals.join(" | ");
        if !documented && one_line.len() <= 80 {
            return format!(" {one_line}");
        }
        let mut out = String::new();
        for ((_, docs), lit) in members.iter().zip(&literals) {
            out.push('\n');
            for line in jsdoc(docs).lines() {
                out.push_str("  ");
                out.push_str(line);
                out.push('\n');
            }
            out.push_str("  | ");
            out.push_str(lit);
        }
        out
    }
}

#[cfg(test)]
mod tests;
