//! The API text's request, reply and report structures, field for field.
//! Optional fields are omitted when unset; fields MYPAY adds that this
//! version does not know are kept in `extra` so nothing is lost.

use crate::codes::*;
#[cfg(feature = "ts")]
use crate::lenient::ts::{Id, Num};
use crate::lenient::{empty_as_none, json_text, Int, StrInt, Text};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use serde_with::skip_serializing_none;

/// Fields a reply or report carried that this version does not model.
pub type Extra = Map<String, Value>;

/// 『商品項目』: an item line (shipping travels as an item line too).
#[skip_serializing_none]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Item {
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Id"))]
    pub id: Text,
    #[serde(default)]
    pub name: String,
    /// Unit price in whole TWD.
    #[cfg_attr(feature = "ts", ts(as = "Option<Num>"))]
    pub cost: Option<Int>,
    /// Quantity.
    #[cfg_attr(feature = "ts", ts(as = "Option<Num>"))]
    pub amount: Option<Int>,
    /// Line total: `cost` × `amount`.
    #[cfg_attr(feature = "ts", ts(as = "Option<Num>"))]
    pub total: Option<Int>,
    pub image_url: Option<String>,
}

/// 『有償票券項目』: a paid voucher (the shopper paid for it earlier).
#[skip_serializing_none]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PaidVoucher {
    #[serde(default)]
    pub product_id: String,
    #[serde(default)]
    pub serial_number: String,
    #[serde(default)]
    pub name: String,
    #[cfg_attr(feature = "ts", ts(as = "Option<Num>"))]
    pub cost: Option<Int>,
    pub issuer: Option<PaidVoucherIssuer>,
    pub refund_return_type: Option<RefundReturnType>,
}

/// 『無償票券項目』: a free voucher.
#[skip_serializing_none]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FreeVoucher {
    #[serde(default)]
    pub product_id: String,
    #[serde(default)]
    pub serial_number: String,
    #[serde(default)]
    pub name: String,
    #[cfg_attr(feature = "ts", ts(as = "Option<Num>"))]
    pub cost: Option<Int>,
    pub issuer: Option<FreeVoucherIssuer>,
}

/// 『票券項目』: a voucher named by group and serial (in a refund).
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VoucherRef {
    #[serde(default)]
    pub product_id: String,
    #[serde(default)]
    pub serial_number: String,
}

/// 『PayPage金流交易-折價券模式』: the encrypted body of `api/orders`.
#[skip_serializing_none]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderRequest {
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<Id>"))]
    pub store_uid: Text,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Id"))]
    pub user_id: Text,
    pub user_name: Option<String>,
    pub user_real_name: Option<String>,
    pub user_english_name: Option<String>,
    pub user_zipcode: Option<String>,
    pub user_address: Option<String>,
    pub user_sn_type: Option<UserSnType>,
    pub user_sn: Option<String>,
    pub user_phone: Option<String>,
    pub user_cellphone_code: Option<String>,
    pub user_cellphone: Option<String>,
    pub user_email: Option<String>,
    pub user_birthday: Option<String>,
    /// Amount to pay = Σ item totals − Σ voucher costs.
    #[cfg_attr(feature = "ts", ts(as = "Num"))]
    pub cost: Option<StrInt>,
    pub currency: Option<Currency>,
    pub enable_dcc: Option<EnableDcc>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Id"))]
    pub order_id: Text,
    #[serde(default)]
    pub ip: String,
    #[cfg_attr(feature = "ts", ts(as = "Option<Id>"))]
    pub item: Option<Text>,
    #[serde(default, with = "json_text::vec")]
    #[cfg_attr(feature = "ts", ts(as = "Vec<Item>"))]
    pub items: Vec<Item>,
    pub echo_0: Option<String>,
    pub echo_1: Option<String>,
    pub echo_2: Option<String>,
    pub echo_3: Option<String>,
    pub echo_4: Option<String>,
    pub pfn: Option<Pfn>,
    pub interface: Option<String>,
    pub success_returl: Option<String>,
    pub failure_returl: Option<String>,
    #[cfg_attr(feature = "ts", ts(as = "Option<Num>"))]
    pub limit_pay_days: Option<Int>,
    pub enable_quickpay: Option<EnableQuickpay>,
    pub transaction_type: Option<TransactionType>,
    pub creditcard_installment: Option<String>,
    pub each_code: Option<String>,
    pub issue_invoice_state: Option<IssueInvoiceState>,
    pub invoice_ratetype: Option<InvoiceRateType>,
    pub invoice_input_type: Option<InvoiceInputType>,
    pub invoice_cloud_type: Option<InvoiceCloudType>,
    pub invoice_tax_id: Option<String>,
    pub invoice_mobile_code: Option<String>,
    pub invoice_natural_person: Option<String>,
    pub invoice_m_post_zone: Option<String>,
    pub invoice_m_address: Option<String>,
    pub invoice_love_code: Option<String>,
    pub invoice_b2b_title: Option<String>,
    pub invoice_b2b_id: Option<String>,
    pub invoice_b2b_address: Option<String>,
    pub invoice_b2b_title_force: Option<InvoiceFieldLock>,
    pub invoice_b2b_id_force: Option<InvoiceFieldLock>,
    pub invoice_b2b_address_force: Option<InvoiceAddressLock>,
    pub agent_sms_fee_type: Option<AgentSmsFeeType>,
    pub agent_charge_fee_type: Option<AgentChargeFeeType>,
    #[cfg_attr(feature = "ts", ts(as = "Option<Num>"))]
    pub agent_charge_fee: Option<Int>,
    pub is_agent_charge: Option<IsAgentCharge>,
    pub voucher_type: Option<VoucherType>,
    /// Also read as `voucherPaid`, the key the C# and Java samples use.
    #[serde(default, with = "json_text", alias = "voucherPaid")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<PaidVoucher>>"))]
    pub voucher_paid: Option<Vec<PaidVoucher>>,
    /// Also read as `voucherFree`, the key the C# and Java samples use.
    #[serde(default, with = "json_text", alias = "voucherFree")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<FreeVoucher>>"))]
    pub voucher_free: Option<Vec<FreeVoucher>>,
    pub voucher_invoice_type: Option<VoucherInvoiceType>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub extra: Extra,
}

impl OrderRequest {
    /// 『是否為經銷商代收費模式』 as MYPAY will apply it: an explicit
    /// `is_agent_charge` wins; otherwise 1 when `agent_charge_fee` has a fee
    /// (above 0) or either fee type includes fees (`agent_sms_fee_type` or
    /// `agent_charge_fee_type` 1), else 0.
    pub fn effective_is_agent_charge(&self) -> IsAgentCharge {
        if let Some(v) = &self.is_agent_charge {
            return v.clone();
        }
        let fee = self.agent_charge_fee.map(|f| f.get() > 0).unwrap_or(false);
        let sms = self.agent_sms_fee_type == Some(AgentSmsFeeType::Included);
        let charge = self.agent_charge_fee_type == Some(AgentChargeFeeType::Included);
        if fee || sms || charge {
            IsAgentCharge::Yes
        } else {
            IsAgentCharge::No
        }
    }
}

/// 『PayPage金流交易-折價券模式』回傳欄位.
#[skip_serializing_none]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderReply {
    pub code: StatusCode,
    #[serde(default)]
    pub msg: String,
    /// MYPAY's order number: kept with `key` to query the order and to
    /// check its reports.
    pub uid: Option<Text>,
    /// The order's transaction key (32 hex): the secret of its reports.
    pub key: Option<String>,
    /// The PayPage to send the shopper to.
    pub url: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for StatusCode {
    fn default() -> Self {
        StatusCode::Other(String::new())
    }
}

/// 『交易查詢』: the encrypted body of `api/queryorder`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryRequest {
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Id"))]
    pub uid: Text,
    #[serde(default)]
    pub key: String,
}

/// Fields shared by the query reply, the three callback reports and the
/// refund report: one transaction as MYPAY describes it.
#[skip_serializing_none]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    pub uid: Option<Text>,
    pub key: Option<String>,
    pub prc: Option<StatusCode>,
    pub finishtime: Option<String>,
    pub cardno: Option<String>,
    pub acode: Option<String>,
    pub card_type: Option<CardType>,
    pub issuing_bank: Option<String>,
    pub issuing_bank_uid: Option<String>,
    pub is_agent_charge: Option<IsAgentCharge>,
    pub transaction_mode: Option<TransactionMode>,
    pub supplier_name: Option<String>,
    pub supplier_code: Option<SupplierCode>,
    pub order_id: Option<Text>,
    pub user_id: Option<Text>,
    #[serde(default, with = "empty_as_none")]
    #[cfg_attr(feature = "ts", ts(as = "Option<StrInt>"))]
    pub cost: Option<StrInt>,
    pub currency: Option<Currency>,
    #[serde(default, with = "empty_as_none")]
    #[cfg_attr(feature = "ts", ts(as = "Option<StrInt>"))]
    pub actual_cost: Option<StrInt>,
    pub actual_currency: Option<Currency>,
    #[serde(default, with = "json_text")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<PaidVoucher>>"))]
    pub voucher_paid: Option<Vec<PaidVoucher>>,
    #[serde(default, with = "json_text")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<FreeVoucher>>"))]
    pub voucher_free: Option<Vec<FreeVoucher>>,
    pub price: Option<Text>,
    pub actual_price: Option<Text>,
    pub recharge_code: Option<String>,
    pub love_cost: Option<Text>,
    pub retmsg: Option<String>,
    pub pfn: Option<Pfn>,
    pub trans_type: Option<TransType>,
    pub redeem: Option<String>,
    pub payment_name: Option<String>,
    pub nois: Option<Text>,
    pub group_id: Option<String>,
    pub bank_id: Option<String>,
    pub expired_date: Option<String>,
    pub result_type: Option<ResultType>,
    pub result_content_type: Option<ResultContentType>,
    pub result_content: Option<String>,
    pub echo_0: Option<String>,
    pub echo_1: Option<String>,
    pub echo_2: Option<String>,
    pub echo_3: Option<String>,
    pub echo_4: Option<String>,
}

impl Transaction {
    /// The codes to pay with for store-code and virtual-account payments:
    /// `result_content` parsed as JSON (『虛擬帳號回傳欄位』, 『ibon』, ...).
    pub fn payment_codes(&self) -> Option<Map<String, Value>> {
        let content = self.result_content.as_deref()?;
        match serde_json::from_str::<Value>(content).ok()? {
            Value::Object(m) if !m.is_empty() => Some(m),
            _ => None,
        }
    }

    /// What the status code means for the order.
    pub fn status_class(&self) -> StatusClass {
        self.prc
            .as_ref()
            .map(StatusCode::class)
            .unwrap_or(StatusClass::Unknown)
    }
}

/// 『電子發票折讓資訊』
#[skip_serializing_none]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InvoiceAllowance {
    pub uid: Option<Text>,
    #[serde(default, with = "empty_as_none")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Int>"))]
    pub amount: Option<Int>,
    pub order_detail: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The invoice fields of a query reply and of its refund entries.
#[skip_serializing_none]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InvoiceInfo {
    pub invoice_state: Option<InvoiceState>,
    pub invoice_date: Option<String>,
    pub invoice_wordtrack: Option<String>,
    pub invoice_number: Option<String>,
    pub invoice_rand_code: Option<String>,
    pub invoice_seller_ban: Option<String>,
    pub invoice_buyer_ban: Option<String>,
    pub invoice_left_qrcode: Option<String>,
    pub invoice_middle_barcode: Option<String>,
    pub invoice_right_qrcode: Option<String>,
    pub invoice_title_type: Option<InvoiceTitleType>,
    pub invoice_title: Option<String>,
    pub invoice_print_type: Option<InvoicePrintType>,
    pub invoice_print_device: Option<InvoicePrintDevice>,
    #[serde(default, with = "empty_as_none")]
    #[cfg_attr(feature = "ts", ts(as = "Option<StrInt>"))]
    pub invoice_amount: Option<StrInt>,
    #[serde(default, with = "empty_as_none")]
    #[cfg_attr(feature = "ts", ts(as = "Option<StrInt>"))]
    pub invoice_sales_amount: Option<StrInt>,
    #[serde(default, with = "empty_as_none")]
    #[cfg_attr(feature = "ts", ts(as = "Option<StrInt>"))]
    pub invoice_tax_amount: Option<StrInt>,
    pub invoice_order_detail: Option<String>,
    pub invoice_ratetype: Option<InvoiceRateType>,
    pub invoice_input_type: Option<InvoiceInputType>,
    #[serde(default, with = "json_text")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<InvoiceAllowance>>"))]
    pub invoice_allowance: Option<Vec<InvoiceAllowance>>,
}

/// 『交易查詢-退款資訊』
#[skip_serializing_none]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RefundOrderInfo {
    pub uid: Option<Text>,
    pub prc: Option<StatusCode>,
    #[serde(default, with = "empty_as_none")]
    #[cfg_attr(feature = "ts", ts(as = "Option<StrInt>"))]
    pub cost: Option<StrInt>,
    pub currency: Option<Currency>,
    #[serde(default, with = "empty_as_none")]
    #[cfg_attr(feature = "ts", ts(as = "Option<StrInt>"))]
    pub actual_cost: Option<StrInt>,
    pub actual_currency: Option<Currency>,
    #[serde(default, with = "json_text")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<PaidVoucher>>"))]
    pub voucher_paid: Option<Vec<PaidVoucher>>,
    pub retmsg: Option<String>,
    pub finishtime: Option<String>,
    pub appropriation_date: Option<String>,
    #[serde(flatten)]
    pub invoice: InvoiceInfo,
    #[serde(flatten)]
    pub extra: Extra,
}

/// 『交易查詢-取消資訊』
#[skip_serializing_none]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CancelOrderInfo {
    pub uid: Option<Text>,
    pub prc: Option<StatusCode>,
    #[serde(default, with = "empty_as_none")]
    #[cfg_attr(feature = "ts", ts(as = "Option<StrInt>"))]
    pub cost: Option<StrInt>,
    pub currency: Option<Currency>,
    #[serde(default, with = "empty_as_none")]
    #[cfg_attr(feature = "ts", ts(as = "Option<StrInt>"))]
    pub actual_cost: Option<StrInt>,
    pub actual_currency: Option<Currency>,
    pub retmsg: Option<String>,
    pub finishtime: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// 『交易查詢』回傳欄位: the full state of one order.
#[skip_serializing_none]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct QueryReply {
    #[serde(flatten)]
    pub transaction: Transaction,
    pub appropriation_date: Option<String>,
    #[serde(default, with = "json_text")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<RefundOrderInfo>>"))]
    pub refund_order: Option<Vec<RefundOrderInfo>>,
    #[serde(default, with = "json_text")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<CancelOrderInfo>>"))]
    pub cancel_order: Option<Vec<CancelOrderInfo>>,
    #[serde(flatten)]
    pub invoice: InvoiceInfo,
    pub invoice_cloud_type: Option<InvoiceCloudType>,
    pub invoice_mobile_code: Option<String>,
    pub invoice_tax_id: Option<String>,
    pub invoice_natural_person: Option<String>,
    pub invoice_m_post_zone: Option<String>,
    pub invoice_m_address: Option<String>,
    pub invoice_love_code: Option<String>,
    pub invoice_b2b_title: Option<String>,
    pub invoice_b2b_id: Option<String>,
    pub invoice_b2b_post_zone: Option<String>,
    pub invoice_b2b_address: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// 『交易退款-折價券模式』: the encrypted body of `api/refund`.
#[skip_serializing_none]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RefundRequest {
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<Id>"))]
    pub store_uid: Text,
    /// The order's transaction key.
    #[serde(default)]
    pub key: String,
    /// The order's uid.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Id"))]
    pub uid: Text,
    /// Amount refunded: in voucher mode, the whole amount the shopper paid.
    #[cfg_attr(feature = "ts", ts(as = "Num"))]
    pub cost: Option<StrInt>,
    /// Every paid voucher of the order (required in voucher mode).
    #[serde(default, with = "json_text", alias = "voucherPaid")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<VoucherRef>>"))]
    pub voucher_paid: Option<Vec<VoucherRef>>,
    pub invoice_state: Option<RefundInvoiceState>,
    /// Refund lines; when sent, they sum to `cost`.
    #[serde(default, with = "json_text")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<Item>>"))]
    pub items: Option<Vec<Item>>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub extra: Extra,
}

/// 『退款完成回傳資訊』
#[skip_serializing_none]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RefundRowData {
    pub uid: Option<Text>,
    pub refund_uid: Option<Text>,
    pub key: Option<String>,
    pub prc: Option<StatusCode>,
    pub finishtime: Option<String>,
    pub order_id: Option<Text>,
    pub user_id: Option<Text>,
    #[serde(default, with = "empty_as_none")]
    #[cfg_attr(feature = "ts", ts(as = "Option<StrInt>"))]
    pub cost: Option<StrInt>,
    pub currency: Option<Currency>,
    #[serde(default, with = "empty_as_none")]
    #[cfg_attr(feature = "ts", ts(as = "Option<StrInt>"))]
    pub actual_cost: Option<StrInt>,
    #[serde(default, with = "json_text")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<PaidVoucher>>"))]
    pub voucher_paid: Option<Vec<PaidVoucher>>,
    pub actual_currency: Option<Currency>,
    pub retmsg: Option<String>,
    pub pfn: Option<Pfn>,
    pub payment_name: Option<String>,
    pub nois: Option<Text>,
    pub group_id: Option<String>,
    pub refund_type: Option<RefundType>,
    pub expected_refund_date: Option<String>,
    pub echo_0: Option<String>,
    pub echo_1: Option<String>,
    pub echo_2: Option<String>,
    pub echo_3: Option<String>,
    pub echo_4: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// 『交易退款-折價券模式』回傳欄位 (`code` B200 or B500).
#[skip_serializing_none]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RefundReply {
    #[serde(default, with = "json_text")]
    #[cfg_attr(feature = "ts", ts(as = "Option<RefundRowData>"))]
    pub row_data: Option<RefundRowData>,
    pub key: Option<String>,
    pub uid: Option<Text>,
    pub code: StatusCode,
    #[serde(default)]
    pub msg: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Which report table a callback follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// 『交易完成回傳資訊』
    TransactionComplete,
    /// 『非即時交易回傳資訊』 (a pending code: store code, virtual account, ...)
    NonRealtime,
    /// 『訂單確認回傳資訊』 (600, confirmed by the upstream)
    OrderConfirmation,
    /// A refund report (`refund_uid`, `refund_type`, `expected_refund_date`).
    Refund,
}

/// A callback report (主動回報): plain form fields, not encrypted.
#[skip_serializing_none]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(optional_fields))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    #[serde(flatten)]
    pub transaction: Transaction,
    pub refund_uid: Option<Text>,
    pub refund_type: Option<RefundType>,
    pub expected_refund_date: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Notification {
    pub fn kind(&self) -> ReportKind {
        if self.refund_uid.is_some() || self.refund_type.is_some() {
            return ReportKind::Refund;
        }
        match self.transaction.prc {
            Some(StatusCode::Settled) => ReportKind::OrderConfirmation,
            Some(ref p) if p.class() == StatusClass::Pending => ReportKind::NonRealtime,
            _ => ReportKind::TransactionComplete,
        }
    }

    /// Parses a report from its `application/x-www-form-urlencoded` body.
    pub fn from_form(body: &str) -> Result<Self, crate::form::FormError> {
        crate::form::from_form(body)
    }

    /// Writes the report as MYPAY posts it: form fields, arrays as JSON text.
    pub fn to_form(&self) -> Result<String, crate::form::FormError> {
        crate::form::to_form(self)
    }
}
