//! Replies and reports built from an order: the transaction fields shared by
//! the query and the callbacks, 『交易查詢』回傳欄位 (with `refund_order` and
//! `cancel_order`), 『退款完成回傳資訊』 and the callback reports.

use crate::order::status::is_paid;
use crate::order::store::Report;
use crate::order::{order_cost, OrderRecord, RefundRecord, RefundState};
use crate::stamps::{day_stamp, plus_days};
use mypay_link::codes::*;
use mypay_link::lenient::{Int, StrInt, Text};
use mypay_link::models::{
    CancelOrderInfo, FreeVoucher, InvoiceAllowance, InvoiceInfo, Item, Notification, OrderRequest,
    PaidVoucher, QueryReply, RefundOrderInfo, RefundRowData, Transaction,
};
use serde_json::{json, Value};

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

/// The whole transaction as reports and the query show it (every documented
/// field present, empty when it does not apply).
pub fn transaction(o: &OrderRecord) -> Transaction {
    let r = &o.request;
    let pay = o.payment.clone().unwrap_or_default();
    let pfn = if pay.pfn.is_empty() {
        r.pfn
            .as_ref()
            .map(|p| p.code().to_owned())
            .unwrap_or_default()
    } else {
        pay.pfn.clone()
    };
    let cost = order_cost(r);
    Transaction {
        uid: Some(Text(o.uid.to_string())),
        key: s(&o.key),
        prc: Some(o.prc.clone()),
        finishtime: s(&o.finishtime),
        cardno: s(&pay.cardno),
        acode: s(&pay.acode),
        card_type: Some(CardType::from_code(if pay.card_type.is_empty() {
            "0"
        } else {
            &pay.card_type
        })),
        issuing_bank: s(&pay.issuing_bank),
        issuing_bank_uid: s(&pay.issuing_bank_uid),
        is_agent_charge: Some(r.effective_is_agent_charge()),
        transaction_mode: Some(if o.payment.is_some() {
            TransactionMode::CollectionAgent
        } else {
            TransactionMode::NotYet
        }),
        supplier_name: s(&pay.supplier_name),
        supplier_code: Some(SupplierCode::from_code(&pay.supplier_code)),
        order_id: Some(r.order_id.clone()),
        user_id: Some(r.user_id.clone()),
        cost: Some(StrInt(cost)),
        currency: Some(r.currency.clone().unwrap_or(Currency::Twd)),
        actual_cost: Some(StrInt(cost)),
        actual_currency: Some(r.currency.clone().unwrap_or(Currency::Twd)),
        voucher_paid: Some(r.voucher_paid.clone().unwrap_or_default()),
        voucher_free: Some(r.voucher_free.clone().unwrap_or_default()),
        price: Some(Text("0".into())),
        actual_price: Some(Text("0".into())),
        recharge_code: s(""),
        love_cost: Some(Text("0".into())),
        retmsg: s(&o.retmsg),
        pfn: Some(Pfn::from_code(&pfn)),
        // A card paid in instalments: 『交易類型定義』 2 分期, and the count
        // in `nois` (扣繳期數), the text's one field for a number of
        // instalments.
        trans_type: Some(if pay.installments.is_some() {
            TransType::Installment
        } else {
            TransType::Normal
        }),
        redeem: s(""),
        payment_name: s(""),
        nois: Some(Text(
            pay.installments.map(|n| n.to_string()).unwrap_or_default(),
        )),
        group_id: s(""),
        bank_id: s(&pay.bank_id),
        expired_date: s(&pay.expired_date),
        result_type: Some(if o.payment.is_some() {
            ResultType::Json
        } else {
            ResultType::Unknown
        }),
        result_content_type: Some(ResultContentType::from_code(&pay.result_content_type)),
        result_content: s(if pay.result_content.is_empty() {
            "{}"
        } else {
            &pay.result_content
        }),
        echo_0: Some(r.echo_0.clone().unwrap_or_default()),
        echo_1: Some(r.echo_1.clone().unwrap_or_default()),
        echo_2: Some(r.echo_2.clone().unwrap_or_default()),
        echo_3: Some(r.echo_3.clone().unwrap_or_default()),
        echo_4: Some(r.echo_4.clone().unwrap_or_default()),
    }
}

/// The invoice lines (『商品細項』): items, then vouchers as negative lines.
/// With `voucher_invoice_type` 2 the paid vouchers are part of the invoiced
/// amount, so they are not deducted.
fn invoice_lines(r: &OrderRequest) -> Vec<(String, i64, i64)> {
    let mut lines: Vec<(String, i64, i64)> = r
        .items
        .iter()
        .map(|i: &Item| {
            (
                i.name.clone(),
                i.amount.map(|a| a.get()).unwrap_or(1),
                i.cost.map(|c| c.get()).unwrap_or(0),
            )
        })
        .collect();
    for v in r.voucher_free.as_deref().unwrap_or_default() {
        let v: &FreeVoucher = v;
        lines.push((v.name.clone(), 1, -v.cost.map(|c| c.get()).unwrap_or(0)));
    }
    if r.voucher_invoice_type != Some(VoucherInvoiceType::AmountPaidPlusPaidVouchers) {
        for v in r.voucher_paid.as_deref().unwrap_or_default() {
            let v: &PaidVoucher = v;
            lines.push((v.name.clone(), 1, -v.cost.map(|c| c.get()).unwrap_or(0)));
        }
    }
    lines
}

/// 發票金額: type 1 the amount paid; type 2 the amount paid plus the paid vouchers.
pub fn invoice_amount(r: &OrderRequest) -> i64 {
    match r.voucher_invoice_type {
        Some(VoucherInvoiceType::AmountPaidPlusPaidVouchers) => order_cost(r) + paid_voucher_sum(r),
        _ => order_cost(r),
    }
}

fn detail_json(lines: &[(String, i64, i64)]) -> String {
    let v: Vec<Value> = lines
        .iter()
        .map(|(name, qty, unit)| {
            json!({"Description": name, "Quantity": qty.to_string(), "UnitPrice": unit.to_string(), "Amount": (qty * unit).to_string()})
        })
        .collect();
    Value::Array(v).to_string()
}

fn empty_invoice(r: &OrderRequest, input_type: &str) -> InvoiceInfo {
    InvoiceInfo {
        invoice_state: Some(InvoiceState::None),
        invoice_date: s(""),
        invoice_wordtrack: s(""),
        invoice_number: s(""),
        invoice_rand_code: s(""),
        invoice_seller_ban: s(""),
        invoice_buyer_ban: s(""),
        invoice_left_qrcode: s(""),
        invoice_middle_barcode: s(""),
        invoice_right_qrcode: s(""),
        invoice_title_type: Some(InvoiceTitleType::Text),
        invoice_title: s(""),
        invoice_print_type: Some(InvoicePrintType::None),
        invoice_print_device: Some(InvoicePrintDevice::Own),
        invoice_amount: Some(StrInt(0)),
        invoice_sales_amount: Some(StrInt(0)),
        invoice_tax_amount: Some(StrInt(0)),
        invoice_order_detail: s("[]"),
        invoice_ratetype: Some(
            r.invoice_ratetype
                .clone()
                .unwrap_or(InvoiceRateType::Taxable),
        ),
        invoice_input_type: Some(InvoiceInputType::from_code(if input_type.is_empty() {
            "1"
        } else {
            input_type
        })),
        invoice_allowance: Some(Vec::new()),
    }
}

fn paid_voucher_sum(r: &OrderRequest) -> i64 {
    r.voucher_paid
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|v| v.cost.map(|c| c.get()).unwrap_or(0))
        .sum()
}

/// Refunds that are done, oldest first.
fn done_refunds(o: &OrderRecord) -> impl Iterator<Item = &RefundRecord> {
    o.refunds.iter().filter(|r| r.state == RefundState::Done)
}

/// 銷售額 and 稅額 of a tax-inclusive amount: a taxable (應稅, 5%) invoice
/// to a buyer with a 統一編號 shows the tax apart; any other shows it all as
/// sales.
pub fn sales_and_tax(amount: i64, taxable: bool, buyer_ban: &str) -> (i64, i64) {
    if taxable && !buyer_ban.is_empty() {
        let sales = (amount * 100 + 52) / 105;
        (sales, amount - sales)
    } else {
        (amount, 0)
    }
}

/// The invoice number after `n` voids and reissues (作廢重開).
fn reissued(number: &str, n: u64) -> String {
    match number.parse::<u64>() {
        Ok(v) => format!("{:08}", (v + n) % 100_000_000),
        Err(_) => number.to_owned(),
    }
}

fn invoice(o: &OrderRecord) -> InvoiceInfo {
    let r = &o.request;
    let carrier = o.carrier();
    let mut inv = empty_invoice(r, &carrier.input_type);
    if !is_paid(&o.prc) || o.invoice_number.is_empty() {
        return inv;
    }
    let mut amount = invoice_amount(r);
    let mut lines = invoice_lines(r);
    let mut issued = o.invoice_stamp();
    let mut number = o.invoice_number.clone();
    let done: Vec<&RefundRecord> = done_refunds(o).collect();
    let cost = order_cost(r);
    let full = |rf: &RefundRecord| o.voucher_mode() || rf.cost >= cost;
    if done.len() == 1 && full(done[0]) && done[0].invoice_state == "4" {
        // 作廢: the whole invoice is voided.
        inv.invoice_state = Some(InvoiceState::Voided);
        inv.invoice_date = s(&issued);
        inv.invoice_wordtrack = s(&o.invoice_wordtrack);
        inv.invoice_number = s(&o.invoice_number);
        inv.invoice_rand_code = s(&o.invoice_rand_code);
        inv.invoice_amount = Some(StrInt(amount));
        inv.invoice_sales_amount = Some(StrInt(amount));
        inv.invoice_order_detail = Some(detail_json(&lines));
        return inv;
    }
    // 作廢重開: a partial refund with 4 voids the invoice and issues one
    // for what is left, without the refunded items.
    let mut voids = 0u64;
    for rf in done.iter().filter(|rf| rf.invoice_state == "4") {
        voids += 1;
        amount -= rf.cost;
        for (name, total) in &rf.items {
            lines.push((format!("退貨 {name}"), 1, -total));
        }
        issued = rf.finishtime.clone();
    }
    if voids > 0 {
        number = reissued(&number, voids);
    }
    let roc = issued
        .get(0..4)
        .and_then(|y| y.parse::<i32>().ok())
        .map(|y| y - 1911)
        .unwrap_or(0);
    let month = issued.get(4..6).unwrap_or("01");
    let seller = r
        .store_uid
        .as_str()
        .get(0..8)
        .unwrap_or_default()
        .to_owned();
    let buyer = match carrier.input_type.as_str() {
        "1" => carrier.tax_id.clone(),
        "3" => r.invoice_b2b_id.clone().unwrap_or_default(),
        _ => String::new(),
    };
    let taxable = !matches!(
        r.invoice_ratetype,
        Some(InvoiceRateType::ZeroRated) | Some(InvoiceRateType::Exempt)
    );
    let (sales, tax) = sales_and_tax(amount, taxable, &buyer);
    inv.invoice_state = Some(InvoiceState::Issued);
    inv.invoice_date = s(&issued);
    inv.invoice_wordtrack = s(&o.invoice_wordtrack);
    inv.invoice_number = s(&number);
    inv.invoice_rand_code = s(&o.invoice_rand_code);
    inv.invoice_seller_ban = s(&seller);
    inv.invoice_buyer_ban = s(&buyer);
    inv.invoice_left_qrcode = Some(format!(
        "{}{}{}{}{:08x}{:08x}{}{}",
        o.invoice_wordtrack,
        number,
        issued.get(0..8).unwrap_or_default(),
        o.invoice_rand_code,
        sales,
        amount,
        if buyer.is_empty() { "00000000" } else { &buyer },
        seller
    ));
    inv.invoice_middle_barcode = Some(format!(
        "{roc}{month}{}{}{}",
        o.invoice_wordtrack, number, o.invoice_rand_code
    ));
    inv.invoice_right_qrcode = Some(format!(
        "**{}",
        lines
            .iter()
            .skip(1)
            .map(|(n, q, u)| format!("{n}:{q}:{u}"))
            .collect::<Vec<_>>()
            .join(":")
    ));
    inv.invoice_title = s(r.invoice_b2b_title.as_deref().unwrap_or_default());
    inv.invoice_amount = Some(StrInt(amount));
    inv.invoice_sales_amount = Some(StrInt(sales));
    inv.invoice_tax_amount = Some(StrInt(tax));
    inv.invoice_order_detail = Some(detail_json(&lines));

    // 折讓: one allowance per refund given with 6.
    let allowances: Vec<InvoiceAllowance> = done
        .iter()
        .filter(|rf| rf.invoice_state != "4")
        .map(|rf| {
            let detail: Vec<Value> = if !rf.items.is_empty() {
                rf.items
                    .iter()
                    .enumerate()
                    .map(|(i, (name, total))| {
                        json!({"SeqNo": i.to_string(), "ItemID": rf.refund_uid.to_string(), "ItemName": name,
                               "Qty": "1", "TotalAmount": total.to_string(), "RateType": "1"})
                    })
                    .collect()
            } else if full(rf) {
                lines
                    .iter()
                    .enumerate()
                    .map(|(i, (name, qty, unit))| {
                        json!({"SeqNo": i.to_string(), "ItemID": rf.refund_uid.to_string(), "ItemName": name,
                               "Qty": qty.to_string(), "TotalAmount": (qty * unit).to_string(), "RateType": "1"})
                    })
                    .collect()
            } else {
                let name = r.items.first().map(|i| i.name.clone()).unwrap_or_default();
                vec![json!({"SeqNo": "0", "ItemID": rf.refund_uid.to_string(), "ItemName": name,
                            "Qty": "1", "TotalAmount": rf.cost.to_string(), "RateType": "1"})]
            };
            InvoiceAllowance {
                uid: Some(Text(rf.refund_uid.to_string())),
                amount: Some(Int(if full(rf) { invoice_amount(r) } else { rf.cost })),
                order_detail: Some(Value::Array(detail).to_string()),
                extra: Default::default(),
            }
        })
        .collect();
    if !allowances.is_empty() {
        inv.invoice_state = Some(InvoiceState::Allowance);
    }
    inv.invoice_allowance = Some(allowances);
    inv
}

/// 預計撥款日期: 45 days after the payment, for a paid order.
fn appropriation_date(o: &OrderRecord) -> String {
    if !is_paid(&o.prc) {
        return String::new();
    }
    o.first_paid_time()
        .map(|t| day_stamp(plus_days(t, 45)))
        .unwrap_or_default()
}

/// 『交易查詢-退款資訊』 of a done refund.
fn refund_order_info(o: &OrderRecord, rf: &RefundRecord, appropriation: &str) -> RefundOrderInfo {
    let currency = o.request.currency.clone().unwrap_or(Currency::Twd);
    RefundOrderInfo {
        uid: Some(Text(rf.refund_uid.to_string())),
        prc: Some(StatusCode::Refunded),
        cost: Some(StrInt(rf.cost)),
        currency: Some(currency.clone()),
        actual_cost: Some(StrInt(rf.cost)),
        actual_currency: Some(currency),
        voucher_paid: Some(rf.voucher_paid.clone()),
        retmsg: s("退款完成"),
        finishtime: s(&rf.finishtime),
        appropriation_date: s(appropriation),
        invoice: empty_invoice(&o.request, &o.carrier().input_type),
        extra: Default::default(),
    }
}

/// 『交易查詢』回傳欄位 for an order: its own prc and finishtime (a refund
/// does not change them), each done refund in `refund_order`, the
/// cancellation in `cancel_order`.
pub fn query_reply(o: &OrderRecord) -> QueryReply {
    let r = &o.request;
    let carrier = o.carrier();
    let mut extra = serde_json::Map::new();
    extra.insert(
        "pay_mode_uid".into(),
        json!(if o.payment.is_some() { 1 } else { 0 }),
    );
    extra.insert("store_group_id".into(), json!(""));
    let appropriation = appropriation_date(o);
    let refund_order = done_refunds(o)
        .map(|rf| refund_order_info(o, rf, &appropriation))
        .collect();
    let currency = r.currency.clone().unwrap_or(Currency::Twd);
    let cancel_order: Vec<CancelOrderInfo> = o
        .cancel
        .iter()
        .map(|c| CancelOrderInfo {
            uid: Some(Text(c.cancel_uid.to_string())),
            prc: Some(StatusCode::Cancelled),
            cost: Some(StrInt(c.cost)),
            currency: Some(currency.clone()),
            actual_cost: Some(StrInt(c.cost)),
            actual_currency: Some(currency.clone()),
            retmsg: s("取消成功"),
            finishtime: s(&c.finishtime),
            extra: Default::default(),
        })
        .collect();
    QueryReply {
        transaction: transaction(o),
        appropriation_date: Some(appropriation),
        refund_order: Some(refund_order),
        cancel_order: Some(cancel_order),
        invoice: invoice(o),
        invoice_cloud_type: Some(InvoiceCloudType::from_code(&carrier.cloud_type)),
        invoice_mobile_code: s(&carrier.mobile_code),
        invoice_tax_id: s(&carrier.tax_id),
        invoice_natural_person: s(&carrier.natural_person),
        invoice_m_post_zone: s(&carrier.m_post_zone),
        invoice_m_address: s(&carrier.m_address),
        invoice_love_code: s(&carrier.love_code),
        invoice_b2b_title: s(r.invoice_b2b_title.as_deref().unwrap_or_default()),
        invoice_b2b_id: s(r.invoice_b2b_id.as_deref().unwrap_or_default()),
        invoice_b2b_post_zone: s(""),
        invoice_b2b_address: s(r.invoice_b2b_address.as_deref().unwrap_or_default()),
        extra,
    }
}

fn refund_retmsg(rf: &RefundRecord) -> &'static str {
    match rf.state {
        RefundState::Done => "退款完成",
        RefundState::Pending => "退款申請成功,等待退款 (refund accepted, pending)",
    }
}

/// 『退款完成回傳資訊』 for one refund of the order.
pub fn refund_row(o: &OrderRecord, rf: &RefundRecord) -> RefundRowData {
    let t = transaction(o);
    RefundRowData {
        uid: t.uid.clone(),
        refund_uid: Some(Text(rf.refund_uid.to_string())),
        key: t.key.clone(),
        prc: Some(StatusCode::Refunded),
        finishtime: s(&rf.finishtime),
        order_id: t.order_id.clone(),
        user_id: t.user_id.clone(),
        cost: Some(StrInt(rf.cost)),
        currency: t.currency.clone(),
        actual_cost: Some(StrInt(rf.cost)),
        voucher_paid: Some(rf.voucher_paid.clone()),
        actual_currency: t.actual_currency.clone(),
        retmsg: s(refund_retmsg(rf)),
        pfn: t.pfn.clone(),
        payment_name: s(""),
        nois: Some(Text(String::new())),
        group_id: s(""),
        refund_type: Some(RefundType::from_code(&rf.refund_type)),
        expected_refund_date: Some(rf.expected_refund_date.clone()),
        echo_0: t.echo_0.clone(),
        echo_1: t.echo_1.clone(),
        echo_2: t.echo_2.clone(),
        echo_3: t.echo_3.clone(),
        echo_4: t.echo_4.clone(),
        extra: Default::default(),
    }
}

/// The callback report for the order's current state.
pub fn notification(o: &OrderRecord) -> Notification {
    Notification {
        transaction: transaction(o),
        ..Notification::default()
    }
}

/// The callback report of a refund: the order's fields with prc 230, the
/// refund's amount and vouchers, and `refund_uid`, `refund_type`,
/// `expected_refund_date`.
pub fn refund_notification(o: &OrderRecord, rf: &RefundRecord) -> Notification {
    let mut t = transaction(o);
    t.prc = Some(StatusCode::Refunded);
    t.cost = Some(StrInt(rf.cost));
    t.actual_cost = Some(StrInt(rf.cost));
    t.voucher_paid = Some(rf.voucher_paid.clone());
    t.finishtime = s(&rf.finishtime);
    t.retmsg = s(refund_retmsg(rf));
    Notification {
        transaction: t,
        refund_uid: Some(Text(rf.refund_uid.to_string())),
        refund_type: Some(RefundType::from_code(&rf.refund_type)),
        expected_refund_date: Some(rf.expected_refund_date.clone()),
        ..Notification::default()
    }
}

impl Report {
    /// The report as posted.
    pub fn notification(&self) -> Notification {
        match self {
            Report::State(o) => notification(o),
            Report::Refund(o, rf) => refund_notification(o, rf),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::order::seed::{seed_orders, seed_request};
    use crate::order::store::Store;
    use crate::stamps::parse_stamp;

    fn paid_seed() -> OrderRecord {
        seed_orders("289151880002").remove(1)
    }

    fn refund(uid: u64, cost: i64, invoice_state: &str) -> RefundRecord {
        RefundRecord {
            refund_uid: uid,
            state: RefundState::Done,
            cost,
            voucher_paid: Vec::new(),
            invoice_state: invoice_state.into(),
            refund_type: "1".into(),
            expected_refund_date: String::new(),
            requested_at: "2021-10-23T00:00:00Z".into(),
            finishtime: "20211023080000".into(),
            source: "api".into(),
            items: Vec::new(),
        }
    }

    #[test]
    fn a_created_order_has_every_field_and_no_payment() {
        let mut s = Store::empty();
        let now = parse_stamp("20260301120000").unwrap();
        let (uid, _) = s.create(seed_request("289151880002", "1", "1"), now);
        let t = transaction(&s.orders[&uid]);
        assert_eq!(t.prc, Some(mypay_link::StatusCode::DataOk));
        assert_eq!(t.transaction_mode, Some(TransactionMode::NotYet));
        assert_eq!(t.result_type, Some(ResultType::Unknown));
        assert_eq!(t.pfn.as_ref().map(|p| p.code()), Some("CREDITCARD"));
        assert_eq!(t.result_content.as_deref(), Some("{}"));
        let q = serde_json::to_value(query_reply(&s.orders[&uid])).unwrap();
        assert_eq!(q["prc"], "200");
        assert_eq!(q["invoice_state"], 0);
        assert_eq!(q["appropriation_date"], "");
        assert_eq!(q["refund_order"], json!([]));
        assert_eq!(q["pay_mode_uid"], 0);
    }

    #[test]
    fn a_paid_order_has_its_invoice_and_appropriation_date() {
        let o = paid_seed();
        let q = serde_json::to_value(query_reply(&o)).unwrap();
        assert_eq!(q["prc"], "250");
        assert_eq!(q["invoice_state"], 2);
        // Paid as its history says (the seed's finishtime is the API text's).
        assert_eq!(q["invoice_date"], "20211022090918", "the time it was paid");
        assert_eq!(q["finishtime"], "20211019171236");
        assert_eq!(q["invoice_number"], "83036911");
        assert_eq!(q["invoice_amount"], "900");
        assert_eq!(q["invoice_seller_ban"], "28915188");
        assert_eq!(
            q["appropriation_date"], "20211206",
            "45 days after the payment"
        );
        assert!(q["invoice_middle_barcode"]
            .as_str()
            .unwrap()
            .starts_with("11010SW83036911"));
        let lines: Value =
            serde_json::from_str(q["invoice_order_detail"].as_str().unwrap()).unwrap();
        let amounts: Vec<&str> = lines
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["Amount"].as_str().unwrap())
            .collect();
        assert_eq!(amounts, ["1000", "-50", "-50"]);
    }

    #[test]
    fn invoice_amount_follows_voucher_invoice_type() {
        let mut r = seed_request("289151880002", "1", "1");
        assert_eq!(invoice_amount(&r), 900);
        r.voucher_invoice_type = Some(VoucherInvoiceType::AmountPaidPlusPaidVouchers);
        assert_eq!(invoice_amount(&r), 950);
    }

    #[test]
    fn a_full_refund_voids_with_4_else_each_refund_is_an_allowance() {
        let mut o = paid_seed();
        o.refunds.push(refund(95301, 900, "4"));
        let q = serde_json::to_value(query_reply(&o)).unwrap();
        assert_eq!(q["invoice_state"], 4);
        assert_eq!(q["refund_order"][0]["uid"], "95301");
        assert_eq!(q["refund_order"][0]["prc"], "230");
        assert_eq!(q["prc"], "250", "the order keeps its prc");

        let mut o = paid_seed();
        o.refunds.push(refund(95301, 900, "6"));
        let q = serde_json::to_value(query_reply(&o)).unwrap();
        assert_eq!(q["invoice_state"], 6);
        assert_eq!(q["invoice_allowance"][0]["uid"], "95301");
        assert_eq!(q["invoice_allowance"][0]["amount"], 900);

        // A pending refund is not in the query yet.
        let mut o = paid_seed();
        let mut pending = refund(95301, 900, "4");
        pending.state = RefundState::Pending;
        o.refunds.push(pending);
        let q = serde_json::to_value(query_reply(&o)).unwrap();
        assert_eq!(q["refund_order"], json!([]));
        assert_eq!(q["invoice_state"], 2);
    }

    #[test]
    fn reports_of_a_state_and_of_a_refund() {
        let o = paid_seed();
        let n = Report::State(o.clone()).notification();
        assert_eq!(n.transaction.prc, Some(mypay_link::StatusCode::Paid));
        assert!(n.refund_uid.is_none());
        let rf = refund(95301, 900, "6");
        let n = Report::Refund(o.clone(), rf.clone()).notification();
        assert_eq!(n.transaction.prc, Some(mypay_link::StatusCode::Refunded));
        assert_eq!(n.refund_uid.as_ref().map(|u| u.0.as_str()), Some("95301"));
        assert_eq!(n.transaction.finishtime.as_deref(), Some("20211023080000"));
        assert_eq!(n.transaction.retmsg.as_deref(), Some("退款完成"));
        let row = refund_row(&o, &rf);
        assert_eq!(row.uid.as_ref().map(|u| u.0.as_str()), Some("95047"));
        assert_eq!(row.refund_type, Some(RefundType::Online));
        assert_eq!(row.cost, Some(StrInt(900)));
    }
}
