//! The store's order settings (`[vars]` of wrangler.toml), read and checked
//! once from a lookup of the environment. Pure: the Worker's config passes
//! a closure over its `Env`, the tests a map.

use mypay_link::codes::{
    AgentChargeFeeType, AgentSmsFeeType, Currency, EnableDcc, EnableQuickpay, InvoiceRateType,
    IsAgentCharge, IssueInvoiceState, Pfn, VoucherInvoiceType,
};
use mypay_link::models::OrderRequest;
use std::fmt;

/// Days to pay a store code or virtual account when `LIMIT_PAY_DAYS` is unset.
pub const DEFAULT_LIMIT_PAY_DAYS: i64 = 3;

/// Every order setting, each beside the request field it fills.
pub const SETTINGS: &[(&str, &str)] = &[
    ("CREDITCARD_INSTALLMENTS", "creditcard_installment"),
    ("PAYMENT_METHODS", "pfn"),
    ("LIMIT_PAY_DAYS", "limit_pay_days"),
    ("ENABLE_QUICKPAY", "enable_quickpay"),
    ("ENABLE_DCC", "enable_dcc"),
    ("CURRENCY", "currency"),
    ("INVOICE_RATETYPE", "invoice_ratetype"),
    ("ISSUE_INVOICE_STATE", "issue_invoice_state"),
    ("VOUCHER_INVOICE_TYPE", "voucher_invoice_type"),
    ("AGENT_CHARGE_FEE", "agent_charge_fee"),
    ("AGENT_CHARGE_FEE_TYPE", "agent_charge_fee_type"),
    ("AGENT_SMS_FEE_TYPE", "agent_sms_fee_type"),
    ("IS_AGENT_CHARGE", "is_agent_charge"),
];

/// A setting that is malformed: its name and what it must be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingError {
    pub name: &'static str,
    pub problem: &'static str,
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, self.problem)
    }
}

/// The settings that shape every `api/orders` request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreOptions {
    /// `CREDITCARD_INSTALLMENTS`: instalment counts and the banks (3-digit
    /// codes) that offer each, in count order.
    pub installments: Vec<(u32, Vec<String>)>,
    /// The same as the text MYPAY gets (`creditcard_installment`).
    pub creditcard_installment: Option<String>,
    /// `PAYMENT_METHODS`: the methods a checkout may ask for.
    pub payment_methods: Vec<Pfn>,
    /// Whether `PAYMENT_METHODS` was set (else every online method, and
    /// `all`, are offered).
    pub methods_restricted: bool,
    /// `LIMIT_PAY_DAYS`: days to pay a store code or virtual account.
    pub limit_pay_days: i64,
    pub enable_quickpay: Option<EnableQuickpay>,
    pub enable_dcc: Option<EnableDcc>,
    /// `CURRENCY`: the currency of the catalog's prices (no conversion).
    pub currency: Currency,
    pub invoice_ratetype: Option<InvoiceRateType>,
    pub issue_invoice_state: Option<IssueInvoiceState>,
    pub voucher_invoice_type: Option<VoucherInvoiceType>,
    pub agent_charge_fee: Option<i64>,
    pub agent_charge_fee_type: Option<AgentChargeFeeType>,
    pub agent_sms_fee_type: Option<AgentSmsFeeType>,
    pub is_agent_charge: Option<IsAgentCharge>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            installments: Vec::new(),
            creditcard_installment: None,
            payment_methods: online_methods(),
            methods_restricted: false,
            limit_pay_days: DEFAULT_LIMIT_PAY_DAYS,
            enable_quickpay: None,
            enable_dcc: None,
            currency: Currency::Twd,
            invoice_ratetype: None,
            issue_invoice_state: None,
            voucher_invoice_type: None,
            agent_charge_fee: None,
            agent_charge_fee_type: None,
            agent_sms_fee_type: None,
            is_agent_charge: None,
        }
    }
}

/// Every online method of appendix 1 ([`Pfn::is_online`]), in its order.
pub fn online_methods() -> Vec<Pfn> {
    Pfn::ALL.iter().filter(|p| p.is_online()).cloned().collect()
}

/// A value-table setting: one of the documented codes.
fn code<T>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    parse: fn(&str) -> T,
    documented: fn(&T) -> bool,
    problem: &'static str,
) -> Result<Option<T>, SettingError> {
    match get(name) {
        None => Ok(None),
        Some(v) => {
            let c = parse(v.trim());
            if documented(&c) {
                Ok(Some(c))
            } else {
                Err(SettingError { name, problem })
            }
        }
    }
}

/// `CREDITCARD_INSTALLMENTS`: a JSON object of instalment counts (2 to 36)
/// to non-empty lists of 3-digit bank codes, as the API text writes
/// `creditcard_installment`.
pub fn parse_installments(text: &str) -> Option<Vec<(u32, Vec<String>)>> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let obj = v.as_object()?;
    if obj.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for (k, banks) in obj {
        if k.is_empty() || k.len() > 2 || !k.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u32 = k.parse().ok()?;
        if !(2..=36).contains(&n) {
            return None;
        }
        let list = banks.as_array()?;
        if list.is_empty() {
            return None;
        }
        let mut codes: Vec<String> = Vec::new();
        for b in list {
            let c = b.as_str()?;
            if c.len() != 3
                || !c.bytes().all(|b| b.is_ascii_digit())
                || codes.iter().any(|x| x == c)
            {
                return None;
            }
            codes.push(c.to_owned());
        }
        out.push((n, codes));
    }
    out.sort_by_key(|(n, _)| *n);
    Some(out)
}

/// The instalments as `creditcard_installment` text, counts in order.
fn installment_text(list: &[(u32, Vec<String>)]) -> String {
    let parts: Vec<String> = list
        .iter()
        .map(|(n, banks)| {
            format!(
                "\"{n}\":[{}]",
                banks
                    .iter()
                    .map(|b| format!("\"{b}\""))
                    .collect::<Vec<_>>()
                    .join(",")
            )
        })
        .collect();
    format!("{{{}}}", parts.join(","))
}

impl StoreOptions {
    /// Reads every setting through `get` (a setting that is unset or blank
    /// is `None`).
    pub fn from_settings(get: impl Fn(&str) -> Option<String>) -> Result<Self, SettingError> {
        let get = |name: &str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut o = StoreOptions::default();
        if let Some(t) = get("CREDITCARD_INSTALLMENTS") {
            let list = parse_installments(&t).ok_or(SettingError {
                name: "CREDITCARD_INSTALLMENTS",
                problem: "must be a JSON object of instalment counts (2 to 36) to lists of 3-digit bank codes, e.g. {\"3\":[\"013\",\"822\"],\"6\":[\"822\"]}",
            })?;
            o.creditcard_installment = Some(installment_text(&list));
            o.installments = list;
        }
        if let Some(t) = get("PAYMENT_METHODS") {
            let mut list: Vec<Pfn> = Vec::new();
            for part in t.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let p = Pfn::from_code(part);
                if !p.is_documented() || !p.is_online() {
                    return Err(SettingError {
                        name: "PAYMENT_METHODS",
                        problem: "must list online payment methods of the API text's appendix 1 (pfn codes such as CREDITCARD, LINEPAYON, CSTORECODE), separated by commas",
                    });
                }
                if !list.contains(&p) {
                    list.push(p);
                }
            }
            if list.is_empty() {
                return Err(SettingError {
                    name: "PAYMENT_METHODS",
                    problem: "must name at least one payment method",
                });
            }
            o.payment_methods = list;
            o.methods_restricted = true;
        }
        if let Some(t) = get("LIMIT_PAY_DAYS") {
            o.limit_pay_days = t
                .parse::<i64>()
                .ok()
                .filter(|d| (1..=60).contains(d))
                .ok_or(SettingError {
                    name: "LIMIT_PAY_DAYS",
                    problem: "must be 1 to 60 days",
                })?;
        }
        o.enable_quickpay = code(
            &get,
            "ENABLE_QUICKPAY",
            EnableQuickpay::from_code,
            EnableQuickpay::is_documented,
            "must be 0 (off) or 1 (on)",
        )?;
        o.enable_dcc = code(
            &get,
            "ENABLE_DCC",
            EnableDcc::from_code,
            EnableDcc::is_documented,
            "must be 0 (off) or 1 (on)",
        )?;
        if let Some(c) = code(
            &get,
            "CURRENCY",
            Currency::from_code,
            Currency::is_documented,
            "must be TWD or CNY",
        )? {
            o.currency = c;
        }
        o.invoice_ratetype = code(
            &get,
            "INVOICE_RATETYPE",
            InvoiceRateType::from_code,
            InvoiceRateType::is_documented,
            "must be 1 (taxable), 2 (zero-rated) or 3 (exempt)",
        )?;
        o.issue_invoice_state = code(
            &get,
            "ISSUE_INVOICE_STATE",
            IssueInvoiceState::from_code,
            IssueInvoiceState::is_documented,
            "must be 0 (no e-invoice), 1 (issue) or 2 (MYPAY's store setting)",
        )?;
        o.voucher_invoice_type = code(
            &get,
            "VOUCHER_INVOICE_TYPE",
            VoucherInvoiceType::from_code,
            VoucherInvoiceType::is_documented,
            "must be 1 (the amount paid) or 2 (the amount paid plus paid vouchers)",
        )?;
        if let Some(t) = get("AGENT_CHARGE_FEE") {
            o.agent_charge_fee = Some(
                t.parse::<i64>()
                    .ok()
                    .filter(|f| (0..=1_000_000).contains(f))
                    .ok_or(SettingError {
                        name: "AGENT_CHARGE_FEE",
                        problem: "must be a whole amount from 0 to 1000000",
                    })?,
            );
        }
        o.agent_charge_fee_type = code(
            &get,
            "AGENT_CHARGE_FEE_TYPE",
            AgentChargeFeeType::from_code,
            AgentChargeFeeType::is_documented,
            "must be 0 (fees excluded) or 1 (fees included)",
        )?;
        o.agent_sms_fee_type = code(
            &get,
            "AGENT_SMS_FEE_TYPE",
            AgentSmsFeeType::from_code,
            AgentSmsFeeType::is_documented,
            "must be 0 (SMS fee excluded) or 1 (SMS fee included)",
        )?;
        o.is_agent_charge = code(
            &get,
            "IS_AGENT_CHARGE",
            IsAgentCharge::from_code,
            IsAgentCharge::is_documented,
            "must be 0 or 1",
        )?;
        if o.is_agent_charge == Some(IsAgentCharge::No)
            && o.implied_agent_charge() == IsAgentCharge::Yes
        {
            return Err(SettingError {
                name: "IS_AGENT_CHARGE",
                problem: "is 0 but AGENT_CHARGE_FEE, AGENT_CHARGE_FEE_TYPE or AGENT_SMS_FEE_TYPE say the agent charges (the API text's rule)",
            });
        }
        Ok(o)
    }

    /// `is_agent_charge` by the text's default rule (the fee fields only).
    fn implied_agent_charge(&self) -> IsAgentCharge {
        OrderRequest {
            agent_charge_fee: self.agent_charge_fee.map(mypay_link::lenient::Int),
            agent_charge_fee_type: self.agent_charge_fee_type.clone(),
            agent_sms_fee_type: self.agent_sms_fee_type.clone(),
            ..OrderRequest::default()
        }
        .effective_is_agent_charge()
    }

    /// `is_agent_charge` as MYPAY applies it: the setting, else the rule.
    pub fn effective_agent_charge(&self) -> IsAgentCharge {
        self.is_agent_charge
            .clone()
            .unwrap_or_else(|| self.implied_agent_charge())
    }

    /// Whether a checkout may ask for `pfn` (`all`: only while every
    /// online method is offered).
    pub fn offers(&self, pfn: &Pfn) -> bool {
        match pfn {
            Pfn::All => !self.methods_restricted,
            p => self.payment_methods.contains(p),
        }
    }

    /// Whether the store issues no e-invoice (`ISSUE_INVOICE_STATE` 0).
    pub fn no_invoice(&self) -> bool {
        self.issue_invoice_state == Some(IssueInvoiceState::DoNotIssue)
    }
}
