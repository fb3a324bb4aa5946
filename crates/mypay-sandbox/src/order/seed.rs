//! The API text's example orders, in every fresh (or reset) store: 95217
//! (the query example, paid) and 95047 (the refund example: paid, cost 900,
//! paid voucher P01/P1634634156), so the samples run against the sandbox
//! as written.

use super::store::Store;
use super::{HistoryEntry, OrderRecord, PaymentInfo};
use mypay_link::codes::*;
use mypay_link::lenient::{Int, StrInt, Text};
use mypay_link::models::{FreeVoucher, Item, OrderRequest, PaidVoucher};
use mypay_link::StatusCode;

impl Store {
    /// A fresh store holding the API text's documented example orders.
    pub fn seeded(store_uid: &str) -> Self {
        let mut store = Store::empty();
        for o in seed_orders(store_uid) {
            store.orders.insert(o.uid, o);
        }
        store
    }
}

/// The example order of the API text (cost 900: 1000 minus a paid and a
/// free voucher of 50), with vouchers `P{serial}` and `F{serial}`.
pub fn seed_request(store_uid: &str, serial: &str, refund_return_type: &str) -> OrderRequest {
    OrderRequest {
        store_uid: Text(store_uid.into()),
        user_id: Text("userid".into()),
        order_id: Text("1234567890".into()),
        ip: "192.168.0.1".into(),
        cost: Some(StrInt(900)),
        items: vec![Item {
            id: Text("1".into()),
            name: "好棒棒麻辣鍋湯包".into(),
            cost: Some(Int(1000)),
            amount: Some(Int(1)),
            total: Some(Int(1000)),
            image_url: None,
        }],
        pfn: Some(Pfn::CreditCard),
        voucher_type: Some(VoucherType::Fixed),
        voucher_paid: Some(vec![PaidVoucher {
            product_id: "P01".into(),
            serial_number: format!("P{serial}"),
            name: "好食券".into(),
            cost: Some(Int(50)),
            issuer: Some(PaidVoucherIssuer::Platform),
            refund_return_type: Some(RefundReturnType::from_code(refund_return_type)),
        }]),
        voucher_free: Some(vec![FreeVoucher {
            product_id: "F01".into(),
            serial_number: format!("F{serial}"),
            name: "VIP免費券".into(),
            cost: Some(Int(50)),
            issuer: Some(FreeVoucherIssuer::Platform),
        }]),
        voucher_invoice_type: Some(VoucherInvoiceType::AmountPaid),
        invoice_input_type: Some(InvoiceInputType::Donation),
        invoice_love_code: Some("1234".into()),
        invoice_ratetype: Some(InvoiceRateType::Taxable),
        ..OrderRequest::default()
    }
}

fn seed_order(
    uid: u64,
    key: &str,
    request: OrderRequest,
    finishtime: &str,
    invoice_number: &str,
    rand_code: &str,
) -> OrderRecord {
    OrderRecord {
        uid,
        key: key.into(),
        store_uid: request.store_uid.as_str().to_owned(),
        seeded: true,
        request,
        prc: StatusCode::Paid,
        retmsg: "付款完成".into(),
        created_at: "2021-10-22T01:08:00Z".into(),
        finishtime: finishtime.into(),
        payment: Some(PaymentInfo {
            pfn: "CREDITCARD".into(),
            cardno: "493817******0003".into(),
            acode: "AA1234".into(),
            card_type: "1".into(),
            issuing_bank: "合作金庫".into(),
            issuing_bank_uid: "006".into(),
            supplier_name: "高鉅科技".into(),
            supplier_code: "T0".into(),
            result_content_type: "CREDITCARD".into(),
            result_content: "{}".into(),
            ..PaymentInfo::default()
        }),
        refunds: Vec::new(),
        cancel: None,
        page_expired: false,
        invoice_wordtrack: "SW".into(),
        invoice_number: invoice_number.into(),
        invoice_rand_code: rand_code.into(),
        invoice_date: String::new(),
        issue_invoice: true,
        chosen_carrier: None,
        history: vec![
            HistoryEntry {
                prc: StatusCode::DataOk,
                time: "2021-10-22T01:08:00Z".into(),
            },
            HistoryEntry {
                prc: StatusCode::Paid,
                time: "2021-10-22T01:09:18Z".into(),
            },
        ],
    }
}

/// The API text's example orders: 95217 (the query example, paid) and 95047
/// (the refund example: paid, cost 900, paid voucher P01/P1634634156).
pub fn seed_orders(store_uid: &str) -> Vec<OrderRecord> {
    vec![
        seed_order(
            95217,
            "3425042d7d266e4aea5fd4653a0271db",
            seed_request(store_uid, "1634864897", "1"),
            "20211022090918",
            "83037076",
            "8373",
        ),
        seed_order(
            95047,
            "85def7799fd15978cac14a44846f3a2a",
            seed_request(store_uid, "1634634156", "1"),
            "20211019171236",
            "83036911",
            "5120",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_documented_orders_are_paid() {
        let s = Store::seeded("289151880002");
        assert_eq!(s.orders.keys().copied().collect::<Vec<_>>(), [95047, 95217]);
        assert_eq!(s.next_uid, super::super::store::FIRST_UID);
        for o in s.orders.values() {
            assert!(o.seeded && o.ever_paid());
            assert_eq!(o.prc, StatusCode::Paid);
            assert_eq!(o.cost(), 900);
            assert_eq!(o.store_uid, "289151880002");
            assert_eq!(o.request.order_id.as_str(), "1234567890");
        }
        let refund = &s.orders[&95047];
        assert_eq!(refund.key, "85def7799fd15978cac14a44846f3a2a");
        assert_eq!(
            refund
                .refund_facts(time::OffsetDateTime::UNIX_EPOCH)
                .paid_vouchers,
            [("P01".to_string(), "P1634634156".to_string())]
        );
        assert_eq!(s.orders[&95217].key, "3425042d7d266e4aea5fd4653a0271db");
    }

    #[test]
    fn seeds_follow_the_store() {
        let s = Store::seeded("111111111111");
        assert!(s.orders.values().all(|o| o.store_uid == "111111111111"));
    }
}
