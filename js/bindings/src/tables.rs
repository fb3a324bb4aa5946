//! `valueTables()`: every value table of the protocol crate
//! ([`mypay_link::codes`]) with its documented codes, as they travel. The
//! TypeScript declarations take the table list from here too, so
//! `valueTables()` and `interface ValueTables` cannot differ.

use mypay_link::codes::*;
use serde_json::{Map, Value};

macro_rules! value_tables {
    ($($t:ident),+ $(,)?) => {
        /// The names of the tables, in `valueTables()`'s order.
        pub const NAMES: &[&str] = &[$(stringify!($t)),+];

        /// Every value table, as `{name: [documented codes as they travel]}`.
        pub fn value_tables_json() -> Map<String, Value> {
            let mut m = Map::new();
            $(
                m.insert(stringify!($t).to_owned(), serde_json::to_value($t::ALL).unwrap_or_default());
            )+
            m
        }

        /// Visits every table's type (for the TypeScript declarations).
        #[cfg(feature = "ts")]
        pub fn visit_tables(v: &mut impl ts_rs::TypeVisitor) {
            $( v.visit::<$t>(); )+
        }
    };
}

value_tables!(
    UserSnType,
    Currency,
    EnableDcc,
    Pfn,
    EnableQuickpay,
    TransactionType,
    IssueInvoiceState,
    InvoiceRateType,
    InvoiceInputType,
    InvoiceCloudType,
    InvoiceFieldLock,
    InvoiceAddressLock,
    AgentSmsFeeType,
    AgentChargeFeeType,
    VoucherType,
    VoucherInvoiceType,
    CardType,
    TransactionMode,
    SupplierCode,
    TransType,
    ResultType,
    ResultContentType,
    PaidVoucherIssuer,
    RefundReturnType,
    FreeVoucherIssuer,
    RedeemType,
    InvoiceState,
    InvoiceTitleType,
    InvoicePrintType,
    InvoicePrintDevice,
    RefundInvoiceState,
    IsAgentCharge,
    RefundType,
    StatusCode,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_is_listed_once_with_its_codes() {
        let tables = value_tables_json();
        assert_eq!(tables.len(), NAMES.len());
        // Every `value_table!` of the protocol crate is here.
        let defined = include_str!("../../../crates/mypay-link/src/codes.rs")
            .matches("\nvalue_table!(")
            .count();
        assert_eq!(
            NAMES.len(),
            defined,
            "a value table of codes.rs is missing here"
        );
        assert_eq!(tables["EnableDcc"], serde_json::json!([0, 1]));
        assert_eq!(tables["RefundInvoiceState"], serde_json::json!(["4", "6"]));
    }
}
