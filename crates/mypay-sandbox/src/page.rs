//! The payment page (`/payment/<uid>.html`): server-rendered HTML in
//! Traditional Chinese with English, usable without JavaScript, by a person
//! on a phone or by Playwright (stable ids and names).

use crate::app::App;
use crate::order::cards::{normalize_card, TEST_CARDS};
use crate::order::payment::Payment;
use crate::order::status::{has_limit_date, is_paid};
use crate::order::store::TransitionError;
use crate::order::{Carrier, OrderRecord};
use crate::rules;
use axum::extract::{Form, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use mypay_link::codes::Pfn;
use mypay_link::StatusCode as Prc;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root{color-scheme:light dark;--accent:#0b6bcb;--bad:#b3261e;--ok:#1e7d32}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Noto Sans TC","PingFang TC","Microsoft JhengHei",sans-serif;margin:0;line-height:1.5;font-size:1rem}
header,main{max-width:40rem;margin:0 auto;padding:0 1rem}
.banner{background:#fff4ce;color:#5c4400;padding:.5rem 1rem;text-align:center;font-size:.9rem}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:1.5rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border-bottom:1px solid #8884;padding:.35rem;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;white-space:nowrap}
caption{text-align:left;font-weight:600;padding:.25rem 0}
.due{font-size:1.25rem;margin:1rem 0}
fieldset{border:1px solid #8886;border-radius:.5rem;margin:1rem 0;padding:1rem}
fieldset.preselected{border:2px solid var(--accent)}
legend{font-weight:600;padding:0 .25rem}
label{display:block;margin-top:.75rem;font-weight:500}
input,select{font-size:1.1rem;padding:.6rem;width:100%;max-width:22rem;border:1px solid #888;border-radius:.4rem}
button{font-size:1.05rem;padding:.7rem 1.1rem;margin-top:1rem;border-radius:.4rem;border:0;background:var(--accent);color:#fff;min-height:44px;cursor:pointer}
button.secondary{background:#6b6b6b}
button:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid #f5a623;outline-offset:2px}
.error{color:var(--bad);font-weight:600}
.choice{display:flex;gap:.5rem;align-items:center;font-weight:600;margin-top:1rem}
.choice input{width:auto}
.status-ok{color:var(--ok)}.status-bad{color:var(--bad)}
code{font-size:1rem;word-break:break-all}
small{color:#666}
"#;

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"zh-Hant\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<div class=\"banner\" role=\"note\">MYPAY LINK 測試環境 <span lang=\"en\">sandbox</span> — 不會產生真實扣款 <span lang=\"en\">no real money moves</span></div>\n<header><h1>MYPAY 付款 <span lang=\"en\">Payment</span></h1></header>\n<main>\n{body}\n</main>\n</body>\n</html>\n",
        esc(title)
    )
}

fn money(v: i64) -> String {
    format!("NT$ {v}")
}

fn summary(o: &OrderRecord) -> String {
    let r = &o.request;
    let mut s = String::new();
    let _ = write!(
        s,
        "<section aria-labelledby=\"summary-h\">\n<h2 id=\"summary-h\">訂單摘要 <span lang=\"en\">Order summary</span></h2>\n<dl>\n<dt>訂單編號 <span lang=\"en\">Order ID</span></dt><dd id=\"order_id\">{}</dd>\n<dt>交易序號 <span lang=\"en\">Transaction UID</span></dt><dd id=\"uid\">{}</dd>\n</dl>\n",
        esc(r.order_id.as_str()),
        o.uid
    );
    s.push_str("<table id=\"items\">\n<caption>商品 <span lang=\"en\">Items</span></caption>\n<thead><tr><th scope=\"col\">品名 <span lang=\"en\">Item</span></th><th scope=\"col\" class=\"num\">單價 <span lang=\"en\">Price</span></th><th scope=\"col\" class=\"num\">數量 <span lang=\"en\">Qty</span></th><th scope=\"col\" class=\"num\">小計 <span lang=\"en\">Subtotal</span></th></tr></thead>\n<tbody>\n");
    for i in &r.items {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&i.name),
            i.cost.map(|c| c.get()).unwrap_or(0),
            i.amount.map(|c| c.get()).unwrap_or(0),
            i.total.map(|c| c.get()).unwrap_or(0)
        );
    }
    s.push_str("</tbody>\n</table>\n");
    let paid = r.voucher_paid.as_deref().unwrap_or_default();
    let free = r.voucher_free.as_deref().unwrap_or_default();
    if !paid.is_empty() || !free.is_empty() {
        s.push_str("<table id=\"vouchers\">\n<caption>折價券 <span lang=\"en\">Vouchers</span></caption>\n<thead><tr><th scope=\"col\">種類 <span lang=\"en\">Kind</span></th><th scope=\"col\">名稱 <span lang=\"en\">Name</span></th><th scope=\"col\">券號 <span lang=\"en\">Serial</span></th><th scope=\"col\" class=\"num\">折抵 <span lang=\"en\">Amount</span></th></tr></thead>\n<tbody>\n");
        for v in paid {
            let _ = writeln!(
                s,
                "<tr class=\"voucher-paid\"><td>有償票券 <span lang=\"en\">Paid voucher</span></td><td>{}</td><td><code>{}</code></td><td class=\"num\">-{}</td></tr>",
                esc(&v.name),
                esc(&v.serial_number),
                v.cost.map(|c| c.get()).unwrap_or(0)
            );
        }
        for v in free {
            let _ = writeln!(
                s,
                "<tr class=\"voucher-free\"><td>無償票券 <span lang=\"en\">Free voucher</span></td><td>{}</td><td><code>{}</code></td><td class=\"num\">-{}</td></tr>",
                esc(&v.name),
                esc(&v.serial_number),
                v.cost.map(|c| c.get()).unwrap_or(0)
            );
        }
        s.push_str("</tbody>\n</table>\n");
    }
    let _ = write!(
        s,
        "<p class=\"due\">應付金額 <span lang=\"en\">Amount due</span>: <strong id=\"amount_due\">{}</strong></p>\n</section>\n",
        money(r.cost.map(|c| c.get()).unwrap_or(0))
    );
    s
}

fn action(o: &OrderRecord) -> String {
    format!("/payment/{}.html", o.uid)
}

/// The instalment counts the order offers (`creditcard_installment`), for
/// the card form.
fn installment_select(o: &OrderRecord, values: &HashMap<String, String>) -> String {
    let offers = o
        .request
        .creditcard_installment
        .as_deref()
        .and_then(|t| rules::installments(t).ok())
        .unwrap_or_default();
    if offers.is_empty() {
        return String::new();
    }
    let chosen = values
        .get("installments")
        .map(String::as_str)
        .unwrap_or("1");
    let mut s = String::from("<label for=\"installments\">分期期數 <span lang=\"en\">Instalments</span></label>\n<select id=\"installments\" name=\"installments\" aria-describedby=\"installments-help\">\n<option value=\"1\">一次付清 Pay in full</option>\n");
    for (n, banks) in &offers {
        let _ = writeln!(
            s,
            "<option value=\"{n}\"{}>{n} 期 instalments ({})</option>",
            if chosen == n.to_string() {
                " selected"
            } else {
                ""
            },
            esc(&banks.join(", "))
        );
    }
    s.push_str("</select>\n<p id=\"installments-help\"><small>分期限下列銀行之卡;測試卡:聯合信用卡中心 MasterCard 5430450100001219、JCB 3560500100001218 (附錄六)。<span lang=\"en\">Instalments are for cards of the banks listed; test cards: the 聯合信用卡中心 MasterCard and JCB above (appendix 6).</span></small></p>\n");
    s
}

fn card_form(o: &OrderRecord, pre: bool, values: &HashMap<String, String>) -> String {
    let v = |k: &str| esc(values.get(k).map(String::as_str).unwrap_or(""));
    let mut cards = String::new();
    for c in TEST_CARDS {
        let _ = writeln!(
            cards,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{} / {}</td></tr>",
            c.number,
            c.brand,
            esc(c.gateway),
            if c.success {
                "<span class=\"status-ok\">成功 success (250)</span>"
            } else {
                "<span class=\"status-bad\">失敗 failure (300)</span>"
            },
            esc(c.expiry),
            esc(c.cvc)
        );
    }
    format!(
        r#"<form method="post" action="{action}" id="form-creditcard">
<fieldset class="{cls}"><legend>信用卡 <span lang="en">Credit card</span>{pre_note}</legend>
<label for="card_number">卡號 <span lang="en">Card number</span></label>
<input id="card_number" name="card_number" type="text" inputmode="numeric" autocomplete="cc-number" required value="{num}" aria-describedby="card-help"{autofocus}>
<label for="card_expiry">有效期限 <span lang="en">Expiry</span> (MMYY)</label>
<input id="card_expiry" name="card_expiry" type="text" inputmode="numeric" autocomplete="cc-exp" placeholder="MMYY" required value="{exp}">
<label for="card_cvc">安全碼 <span lang="en">Security code (CVC)</span></label>
<input id="card_cvc" name="card_cvc" type="text" inputmode="numeric" autocomplete="cc-csc" required value="{cvc}">
{installments}<button type="submit" name="method" value="CREDITCARD">以信用卡付款 <span lang="en">Pay by card</span></button>
<details id="card-help"><summary>測試卡號 <span lang="en">Test cards</span> (附錄六 <span lang="en">appendix 6</span>)</summary>
<table><thead><tr><th scope="col">卡號 <span lang="en">Number</span></th><th scope="col">卡別 <span lang="en">Brand</span></th><th scope="col">閘道 <span lang="en">Gateway</span></th><th scope="col">結果 <span lang="en">Result</span></th><th scope="col">期限/安全碼 <span lang="en">Expiry/CVC</span></th></tr></thead>
<tbody>
{cards}</tbody></table>
<p><small>附錄六同時將 5204247750001471 列為高鉅成功卡與失敗卡;本測試環境視其為失敗卡。其他不在清單中的卡號一律失敗 (300)。<span lang="en">Appendix 6 lists 5204247750001471 both as a 高鉅 success card and as the failure card; this sandbox treats it as the failure card. Any number not listed fails (300).</span></small></p>
</details>
</fieldset>
</form>
"#,
        action = action(o),
        cls = if pre { "preselected" } else { "" },
        pre_note = if pre {
            " <small>(預選 <span lang=\"en\">preselected</span>)</small>"
        } else {
            ""
        },
        num = v("card_number"),
        exp = v("card_expiry"),
        cvc = v("card_cvc"),
        installments = installment_select(o, values),
        autofocus = if pre { " autofocus" } else { "" },
    )
}

fn simple_form(
    o: &OrderRecord,
    value: &str,
    legend: &str,
    text: &str,
    button: &str,
    pre: bool,
) -> String {
    format!(
        r#"<form method="post" action="{action}" id="form-{id}">
<fieldset class="{cls}"><legend>{legend}{pre_note}</legend>
<p>{text}</p>
<button type="submit" name="method" value="{value}"{autofocus}>{button}</button>
</fieldset>
</form>
"#,
        action = action(o),
        id = value.to_ascii_lowercase(),
        cls = if pre { "preselected" } else { "" },
        pre_note = if pre {
            " <small>(預選 <span lang=\"en\">preselected</span>)</small>"
        } else {
            ""
        },
        autofocus = if pre { " autofocus" } else { "" },
    )
}

/// The carriers the shopper may choose: what the order leaves open.
fn carrier_choices(o: &OrderRecord) -> Vec<&'static str> {
    let r = &o.request;
    let input = r.invoice_input_type.as_ref().map(|v| v.code().to_owned());
    let cloud = r.invoice_cloud_type.as_ref().map(|v| v.code().to_owned());
    match (input.as_deref(), cloud.as_deref()) {
        (Some("1"), Some("2")) => vec!["mobile"],
        (Some("1"), Some("3")) => vec!["natural_person"],
        (Some("1"), _) => vec!["email", "mobile", "natural_person"],
        (Some("2"), _) => vec!["donation"],
        _ => vec!["email", "mobile", "natural_person", "donation"],
    }
}

fn carrier_label(c: &Carrier) -> String {
    match (c.input_type.as_str(), c.cloud_type.as_str()) {
        ("1", "2") => format!(
            "手機條碼 <span lang=\"en\">Mobile barcode</span> {}",
            esc(&c.mobile_code)
        ),
        ("1", "3") => format!(
            "自然人憑證 <span lang=\"en\">Citizen certificate</span> {}",
            esc(&c.natural_person)
        ),
        ("2", _) => format!(
            "捐贈 <span lang=\"en\">Donation</span> {}",
            esc(&c.love_code)
        ),
        _ => "E-Mail 寄送 <span lang=\"en\">By e-mail</span>".to_owned(),
    }
}

/// Where the text leaves the invoice carrier to the shopper (PayPage): the
/// choice, before paying. Without one the invoice goes by e-mail.
fn invoice_form(o: &OrderRecord, values: &HashMap<String, String>) -> String {
    if !o.carrier_open() {
        return String::new();
    }
    let v = |k: &str| esc(values.get(k).map(String::as_str).unwrap_or(""));
    let chosen = values
        .get("invoice_carrier")
        .cloned()
        .or_else(|| {
            o.chosen_carrier.as_ref().map(|c| {
                match (c.input_type.as_str(), c.cloud_type.as_str()) {
                    ("1", "2") => "mobile",
                    ("1", "3") => "natural_person",
                    ("2", _) => "donation",
                    _ => "email",
                }
                .to_owned()
            })
        })
        .unwrap_or_default();
    let mut s = format!(
        "<form method=\"post\" action=\"{}\" id=\"form-invoice\">\n<fieldset><legend>電子發票載具 <span lang=\"en\">E-invoice carrier</span></legend>\n",
        action(o)
    );
    if let Some(c) = &o.chosen_carrier {
        let _ = writeln!(
            s,
            "<p id=\"invoice_choice\">目前選擇 <span lang=\"en\">Chosen</span>: {}</p>",
            carrier_label(c)
        );
    } else {
        s.push_str("<p><small>未選擇時以 E-Mail 寄送。<span lang=\"en\">Without a choice the invoice goes by e-mail.</span></small></p>\n");
    }
    for choice in carrier_choices(o) {
        let checked = if chosen == choice { " checked" } else { "" };
        let (label, fields) = match choice {
            "email" => (
                "雲端發票 E-Mail 寄送 <span lang=\"en\">Cloud invoice by e-mail</span>",
                format!(
                    "<label for=\"invoice_m_post_zone\">中獎紙本寄送郵遞區號 <span lang=\"en\">Postcode for a winning invoice</span> <small>(非必須 optional)</small></label>\n<input id=\"invoice_m_post_zone\" name=\"invoice_m_post_zone\" inputmode=\"numeric\" value=\"{}\">\n<label for=\"invoice_m_address\">寄送住址 <span lang=\"en\">Address</span> <small>(非必須 optional)</small></label>\n<input id=\"invoice_m_address\" name=\"invoice_m_address\" value=\"{}\">\n",
                    v("invoice_m_post_zone"),
                    v("invoice_m_address")
                ),
            ),
            "mobile" => (
                "手機條碼載具 <span lang=\"en\">Mobile barcode carrier</span>",
                format!(
                    "<label for=\"invoice_mobile_code\">手機條碼 <span lang=\"en\">Mobile barcode</span> (/XXXXXXX)</label>\n<input id=\"invoice_mobile_code\" name=\"invoice_mobile_code\" value=\"{}\">\n",
                    v("invoice_mobile_code")
                ),
            ),
            "natural_person" => (
                "自然人憑證條碼 <span lang=\"en\">Citizen digital certificate</span>",
                format!(
                    "<label for=\"invoice_natural_person\">憑證條碼 <span lang=\"en\">Certificate code</span> (AB12345678901234)</label>\n<input id=\"invoice_natural_person\" name=\"invoice_natural_person\" value=\"{}\">\n",
                    v("invoice_natural_person")
                ),
            ),
            _ => (
                "捐贈發票 <span lang=\"en\">Donate the invoice</span>",
                format!(
                    "<label for=\"invoice_love_code\">愛心碼 <span lang=\"en\">Love code</span></label>\n<input id=\"invoice_love_code\" name=\"invoice_love_code\" inputmode=\"numeric\" value=\"{}\">\n",
                    v("invoice_love_code")
                ),
            ),
        };
        let _ = write!(
            s,
            "<label class=\"choice\"><input type=\"radio\" name=\"invoice_carrier\" id=\"carrier-{choice}\" value=\"{choice}\"{checked}> {label}</label>\n{fields}"
        );
    }
    s.push_str("<button type=\"submit\" name=\"method\" value=\"invoice\">確認載具 <span lang=\"en\">Save the carrier</span></button>\n</fieldset>\n</form>\n");
    s
}

/// Reads the shopper's carrier choice; answers what is wrong with it.
fn carrier_from(
    o: &OrderRecord,
    values: &HashMap<String, String>,
) -> Result<Carrier, &'static str> {
    let get = |k: &str| {
        values
            .get(k)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let choice = get("invoice_carrier");
    if !carrier_choices(o).contains(&choice.as_str()) {
        return Err("請選擇發票載具。Choose an invoice carrier.");
    }
    let mut c = Carrier {
        input_type: "1".into(),
        ..Carrier::default()
    };
    match choice.as_str() {
        "mobile" => {
            c.cloud_type = "2".into();
            c.mobile_code = get("invoice_mobile_code").to_ascii_uppercase();
            if !rules::mobile_barcode_ok(&c.mobile_code) {
                return Err("手機條碼為 / 加 7 碼 (0-9 A-Z . + -)。A mobile barcode is / and 7 of 0-9 A-Z . + -.");
            }
        }
        "natural_person" => {
            c.cloud_type = "3".into();
            c.natural_person = get("invoice_natural_person").to_ascii_uppercase();
            if !rules::natural_person_ok(&c.natural_person) {
                return Err("自然人憑證條碼為 2 個大寫英文字母加 14 位數字。A certificate code is 2 capital letters and 14 digits.");
            }
        }
        "donation" => {
            c.input_type = "2".into();
            c.love_code = get("invoice_love_code");
            if !rules::love_code_ok(&c.love_code) {
                return Err("愛心碼為 3 至 7 位數字。A love code is 3 to 7 digits.");
            }
        }
        _ => {
            c.cloud_type = "4".into();
            c.m_post_zone = get("invoice_m_post_zone");
            c.m_address = get("invoice_m_address");
            if !c.m_post_zone.is_empty() && !rules::post_zone_ok(&c.m_post_zone) {
                return Err("郵遞區號為 3、5 或 6 位數字。A postcode is 3, 5 or 6 digits.");
            }
        }
    }
    Ok(c)
}

/// The e-wallets a PayPage offers for `all` (the default when no `pfn` is
/// sent): the online ones (the `…OFF` methods are scanned in a shop).
const ONLINE_WALLETS: &[&str] = &[
    "LINEPAYON",
    "JKOON",
    "PION",
    "EASYWALLETON",
    "ALIPAY",
    "WECHAT",
    "APPLEPAY",
    "GOOGLEPAY",
];

/// `MobilePayAll`: 支付寶、Pi 拍錢包、LINEPay、微信、街口支付、悠遊付 (online).
const MOBILE_PAY_ALL: &[&str] = &[
    "LINEPAYON",
    "JKOON",
    "PION",
    "EASYWALLETON",
    "ALIPAY",
    "WECHAT",
];

/// The e-wallets the order's `pfn` lets the shopper pay with on the page:
/// every online wallet for `all` (or no `pfn`), the six of `MobilePayAll`,
/// or the wallets it names (a comma list may name several).
fn wallet_choices(o: &OrderRecord) -> Vec<&'static str> {
    let pfn = o
        .request
        .pfn
        .as_ref()
        .map(|p| p.code().to_owned())
        .unwrap_or_default();
    let mut out: Vec<&'static str> = Vec::new();
    let mut add = |codes: &[&'static str]| {
        for c in codes {
            if !out.contains(c) {
                out.push(c);
            }
        }
    };
    let parts: Vec<&str> = pfn
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        add(ONLINE_WALLETS);
    }
    for p in parts {
        match rules::canonical_pfn(p) {
            Some("all") => add(ONLINE_WALLETS),
            Some("MobilePayAll") => add(MOBILE_PAY_ALL),
            Some(c) if rules::WALLET_PFNS.contains(&c) => add(&[c]),
            _ => {}
        }
    }
    out
}

/// A wallet's name on the page.
fn wallet_name(code: &str) -> &'static str {
    match code {
        "LINEPAYON" => "LINE Pay",
        "LINEPAYOFF" => "LINE Pay 線下 <span lang=\"en\">(in store)</span>",
        "JKOON" => "街口支付 <span lang=\"en\">JKO Pay</span>",
        "JKOOFF" => "街口支付線下 <span lang=\"en\">JKO Pay (in store)</span>",
        "PION" => "Pi 拍錢包 <span lang=\"en\">Pi Wallet</span>",
        "PIOFF" => "Pi 拍錢包線下 <span lang=\"en\">Pi Wallet (in store)</span>",
        "EASYWALLETON" => "悠遊付 <span lang=\"en\">Easy Wallet</span>",
        "EASYWALLETOFF" => "悠遊付線下 <span lang=\"en\">Easy Wallet (in store)</span>",
        "ALIPAY" => "支付寶 <span lang=\"en\">Alipay</span>",
        "ALIPAYOFF" => "支付寶線下 <span lang=\"en\">Alipay (in store)</span>",
        "WECHAT" => "微信支付 <span lang=\"en\">WeChat Pay</span>",
        "WECHATOFF" => "微信支付線下 <span lang=\"en\">WeChat Pay (in store)</span>",
        "APPLEPAY" => "Apple Pay",
        "GOOGLEPAY" => "Google Pay",
        _ => "電子錢包 <span lang=\"en\">E-wallet</span>",
    }
}

/// The 電子錢包交易必要欄位 the order did not send (possible only when its
/// `pfn` also allows other methods): MYPAY's page asks for them once the
/// shopper picks a wallet.
fn missing_wallet_fields(o: &OrderRecord) -> Vec<&'static str> {
    let r = &o.request;
    let sent = |v: &Option<String>| v.as_deref().is_some_and(|t| !t.trim().is_empty());
    rules::WALLET_USER_FIELDS
        .iter()
        .copied()
        .filter(|f| !match *f {
            "user_name" => sent(&r.user_name),
            "user_real_name" => sent(&r.user_real_name),
            "user_english_name" => sent(&r.user_english_name),
            "user_cellphone_code" => sent(&r.user_cellphone_code),
            "user_cellphone" => sent(&r.user_cellphone),
            "user_email" => sent(&r.user_email),
            _ => true,
        })
        .collect()
}

fn wallet_field_label(field: &str) -> &'static str {
    match field {
        "user_name" => "姓名 <span lang=\"en\">Name</span>",
        "user_real_name" => "真實姓名 <span lang=\"en\">Legal name</span>",
        "user_english_name" => "英文姓名 <span lang=\"en\">Name in English</span>",
        "user_cellphone_code" => "手機國碼 <span lang=\"en\">Mobile country code</span> (886)",
        "user_cellphone" => "手機號碼 <span lang=\"en\">Mobile number</span>",
        "user_email" => "E-Mail",
        _ => "",
    }
}

/// The e-wallet choice: pick a wallet, then end its hand-off as the wallet
/// would: approved (250) or cancelled in the wallet (300).
fn wallet_form(o: &OrderRecord, pre: bool, values: &HashMap<String, String>) -> String {
    let choices = wallet_choices(o);
    if choices.is_empty() {
        return String::new();
    }
    let preset = o
        .request
        .pfn
        .as_ref()
        .and_then(|p| rules::canonical_pfn(p.code()))
        .filter(|c| choices.contains(c));
    let chosen = values.get("wallet").map(String::as_str).or(preset);
    let mut s = format!(
        "<form method=\"post\" action=\"{}\" id=\"form-wallet\">\n<fieldset class=\"{}\"><legend>電子錢包 <span lang=\"en\">E-wallet</span>{}</legend>\n<p>選擇錢包後,在錢包中核准或取消付款;測試環境代替錢包回覆。<span lang=\"en\">Choose a wallet, then approve or cancel the payment in it; the sandbox stands in for the wallet.</span></p>\n",
        action(o),
        if pre { "preselected" } else { "" },
        if pre {
            " <small>(預選 <span lang=\"en\">preselected</span>)</small>"
        } else {
            ""
        },
    );
    for c in &choices {
        let _ = writeln!(
            s,
            "<label class=\"choice\"><input type=\"radio\" name=\"wallet\" id=\"wallet-{c}\" value=\"{c}\" required{}> {}</label>",
            if chosen == Some(*c) { " checked" } else { "" },
            wallet_name(c)
        );
    }
    let missing = missing_wallet_fields(o);
    if !missing.is_empty() {
        s.push_str("<p><small>電子錢包交易必要欄位,訂單未提供。<span lang=\"en\">The order did not give these, which an e-wallet payment needs.</span></small></p>\n");
        for f in missing {
            let _ = writeln!(
                s,
                "<label for=\"{f}\">{}</label>\n<input id=\"{f}\" name=\"{f}\" required value=\"{}\">",
                wallet_field_label(f),
                esc(values.get(f).map(String::as_str).unwrap_or(""))
            );
        }
    }
    let _ = write!(
        s,
        "<button type=\"submit\" name=\"method\" value=\"WALLET\"{}>在錢包中核准付款 <span lang=\"en\">Approve in the wallet</span></button>\n<button type=\"submit\" name=\"method\" value=\"WALLET_CANCEL\" class=\"secondary\">在錢包中取消付款 <span lang=\"en\">Cancel in the wallet</span></button>\n</fieldset>\n</form>\n",
        if pre { " autofocus" } else { "" }
    );
    s
}

/// Reads the shopper's wallet: one the page offers, with the wallet fields
/// the order left out.
fn wallet_from(
    o: &OrderRecord,
    values: &HashMap<String, String>,
) -> Result<&'static str, &'static str> {
    let picked = values.get("wallet").map(|v| v.trim()).unwrap_or("");
    let Some(code) = wallet_choices(o)
        .into_iter()
        .find(|c| !picked.is_empty() && rules::canonical_pfn(picked) == Some(*c))
    else {
        return Err("請選擇此訂單提供的電子錢包。Choose one of the order's e-wallets.");
    };
    let missing = missing_wallet_fields(o);
    if missing
        .iter()
        .any(|f| values.get(*f).map(|v| v.trim()).unwrap_or("").is_empty())
    {
        return Err("請填寫電子錢包交易必要欄位。Fill in the fields an e-wallet payment needs.");
    }
    Ok(code)
}

fn choose(o: &OrderRecord, error: Option<&str>, values: &HashMap<String, String>) -> String {
    let pre = o.request.pfn.clone();
    let mut s = String::from("<section aria-labelledby=\"pay-h\">\n<h2 id=\"pay-h\">選擇付款方式 <span lang=\"en\">Choose how to pay</span></h2>\n");
    if let Some(e) = error {
        let _ = writeln!(
            s,
            "<p class=\"error\" role=\"alert\" id=\"error\">{}</p>",
            esc(e)
        );
    }
    s.push_str(&invoice_form(o, values));
    let card = card_form(o, pre == Some(Pfn::CreditCard), values);
    let store = simple_form(
        o,
        "CSTORECODE",
        "超商代碼 <span lang=\"en\">Convenience store code (ibon)</span>",
        "取得繳費代碼後,於期限內至 7-ELEVEN ibon 繳費。<span lang=\"en\">Get a code and pay at a 7-ELEVEN ibon before it expires.</span>",
        "取得超商代碼 <span lang=\"en\">Get a store code</span>",
        pre == Some(Pfn::CStoreCode),
    );
    let atm = simple_form(
        o,
        "E_COLLECTION",
        "虛擬帳號 <span lang=\"en\">ATM transfer (virtual account)</span>",
        "取得專屬虛擬帳號後,於期限內以 ATM 或網路銀行轉帳。<span lang=\"en\">Get a virtual account and transfer before it expires.</span>",
        "取得虛擬帳號 <span lang=\"en\">Get a virtual account</span>",
        pre == Some(Pfn::ECollection),
    );
    let wallet_pre = pre.as_ref().is_some_and(|p| rules::wallet_pfn(p.code()));
    let wallet = wallet_form(o, wallet_pre, values);
    let mut forms = vec![
        (pre == Some(Pfn::CreditCard), card),
        (wallet_pre, wallet),
        (pre == Some(Pfn::CStoreCode), store),
        (pre == Some(Pfn::ECollection), atm),
    ];
    forms.sort_by_key(|(p, _)| !*p);
    for (_, f) in forms {
        s.push_str(&f);
    }
    let _ = write!(
        s,
        r#"<form method="post" action="{}" id="form-abandon">
<button type="submit" name="method" value="abandon" class="secondary">放棄付款 <span lang="en">Abandon payment</span></button>
</form>
</section>
"#,
        action(o)
    );
    s
}

fn codes_table(o: &OrderRecord) -> String {
    let Some(p) = &o.payment else {
        return String::new();
    };
    let Ok(serde_json::Value::Object(m)) =
        serde_json::from_str::<serde_json::Value>(&p.result_content)
    else {
        return String::new();
    };
    if m.is_empty() {
        return String::new();
    }
    let label = |k: &str| match k {
        "PinCode" => "代碼 / 帳號 <span lang=\"en\">Code / account</span>",
        "LimitDate" => "繳費期限 <span lang=\"en\">Pay before</span>",
        "BankCode" => "銀行代碼 <span lang=\"en\">Bank code</span>",
        "BarCode1" => "條碼一 <span lang=\"en\">Barcode 1</span>",
        "BarCode2" => "條碼二 <span lang=\"en\">Barcode 2</span>",
        "BarCode3" => "條碼三 <span lang=\"en\">Barcode 3</span>",
        "BarcodeEndDate" => "條碼期限 <span lang=\"en\">Barcode valid until</span>",
        _ => "",
    };
    let mut s = String::from("<table id=\"payment_codes\"><caption>繳費資訊 <span lang=\"en\">How to pay</span></caption><tbody>\n");
    const ORDER: [&str; 7] = [
        "PinCode",
        "BankCode",
        "LimitDate",
        "BarCode1",
        "BarCode2",
        "BarCode3",
        "BarcodeEndDate",
    ];
    let mut entries: Vec<(String, serde_json::Value)> = m.into_iter().collect();
    entries.sort_by_key(|(k, _)| ORDER.iter().position(|o| o == k).unwrap_or(ORDER.len()));
    for (k, v) in entries {
        let l = label(&k);
        let _ = writeln!(
            s,
            "<tr><th scope=\"row\">{}</th><td><code id=\"code_{}\">{}</code></td></tr>",
            if l.is_empty() { esc(&k) } else { l.to_owned() },
            esc(&k),
            esc(v.as_str().unwrap_or_default())
        );
    }
    s.push_str("</tbody></table>\n");
    s
}

fn status_view(o: &OrderRecord) -> String {
    let (cls, title) = match o.prc {
        Prc::Paid | Prc::Settled => ("status-ok", "付款成功 <span lang=\"en\">Payment successful</span>"),
        Prc::AwaitingStorePayment => ("", "已取得超商代碼,等待繳費 <span lang=\"en\">Store code issued: waiting for payment</span>"),
        Prc::AwaitingTransfer => ("", "已取得虛擬帳號,等待轉帳 <span lang=\"en\">Virtual account issued: waiting for the transfer</span>"),
        Prc::Authorized => ("", "授權成功,等待請款 <span lang=\"en\">Authorised: waiting for capture</span>"),
        Prc::CaptureInProgress => ("", "請款進行中 <span lang=\"en\">Capture in progress</span>"),
        Prc::AwaitingOnlinePayment => ("", "等待線上付款 <span lang=\"en\">Waiting for the online payment</span>"),
        Prc::PendingConfirmation => ("", "交易待確認 <span lang=\"en\">Waiting for confirmation</span>"),
        Prc::Failed => ("status-bad", "付款失敗 <span lang=\"en\">Payment failed</span>"),
        Prc::Expired => ("status-bad", "逾期未繳費 <span lang=\"en\">Expired without payment</span>"),
        Prc::Abandoned if o.page_expired => ("status-bad", "付款頁面已逾期 <span lang=\"en\">Payment page expired</span>"),
        Prc::Abandoned => ("status-bad", "已放棄付款 <span lang=\"en\">Payment abandoned</span>"),
        Prc::Cancelled => ("status-bad", "訂單已取消 <span lang=\"en\">Order cancelled</span>"),
        Prc::Refunded => ("", "已退款 <span lang=\"en\">Refunded</span>"),
        _ => ("", "訂單狀態 <span lang=\"en\">Order status</span>"),
    };
    let mut s = format!(
        "<section aria-labelledby=\"result-h\" id=\"result\">\n<h2 id=\"result-h\" class=\"{cls}\">{title}</h2>\n<p>狀態代碼 <span lang=\"en\">Status code</span>: <strong id=\"prc\">{}</strong> — <span id=\"retmsg\">{}</span></p>\n",
        esc(o.prc.code()),
        esc(&o.retmsg)
    );
    if o.page_expired {
        let _ = writeln!(s, "<p id=\"expired\">{}</p>", esc(EXPIRED));
    }
    if let Some(p) = &o.payment {
        if rules::WALLET_PFNS.contains(&p.pfn.as_str()) {
            let _ = writeln!(
                s,
                "<p>電子錢包 <span lang=\"en\">E-wallet</span>: <span id=\"wallet\">{}</span></p>",
                wallet_name(&p.pfn)
            );
        }
        if !p.cardno.is_empty() {
            let _ = writeln!(
                s,
                "<p>卡號 <span lang=\"en\">Card</span>: <code>{}</code></p>",
                esc(&p.cardno)
            );
        }
    }
    s.push_str(&codes_table(o));
    if has_limit_date(&o.prc) {
        let _ = write!(
            s,
            r#"<form method="post" action="{a}" id="form-settle">
<fieldset><legend>模擬 <span lang="en">Simulate</span></legend>
<p>測試環境:模擬消費者完成繳費或逾期。<span lang="en">Sandbox only: pretend the shopper paid, or let the code expire.</span></p>
<button type="submit" name="method" value="settle_250">模擬繳費完成 <span lang="en">Simulate payment (250)</span></button>
<button type="submit" name="method" value="settle_380" class="secondary">模擬逾期 <span lang="en">Simulate expiry (380)</span></button>
</fieldset>
</form>
"#,
            a = action(o)
        );
    }
    if let Some(url) = return_url(o) {
        let _ = writeln!(
            s,
            "<p><a href=\"{}\">返回商店 <span lang=\"en\">Back to the shop</span></a></p>",
            esc(url)
        );
    }
    s.push_str("</section>\n");
    s
}

/// Where the shopper goes back to the shop: `success_returl` once paid or
/// given a code to pay with, `failure_returl` once it failed (http(s) only).
fn return_url(o: &OrderRecord) -> Option<&str> {
    let r = &o.request;
    let url = if is_paid(&o.prc) || has_limit_date(&o.prc) {
        r.success_returl.as_deref()
    } else if matches!(o.prc, Prc::Failed | Prc::Expired | Prc::Abandoned) {
        r.failure_returl.as_deref()
    } else {
        None
    };
    url.filter(|u| u.starts_with("http://") || u.starts_with("https://"))
}

fn render(o: &OrderRecord, error: Option<&str>, values: &HashMap<String, String>) -> String {
    let mut body = summary(o);
    if o.prc == Prc::DataOk {
        body.push_str(&choose(o, error, values));
    } else {
        if let Some(e) = error {
            let _ = writeln!(
                body,
                "<p class=\"error\" role=\"alert\" id=\"error\">{}</p>",
                esc(e)
            );
        }
        body.push_str(&status_view(o));
    }
    page(
        &format!("MYPAY 付款 Payment · {}", o.request.order_id.as_str()),
        &body,
    )
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(page("找不到訂單 Order not found", "<h2>找不到訂單 <span lang=\"en\">Order not found</span></h2><p>此付款連結無效。<span lang=\"en\">This payment link is not valid.</span></p>")),
    )
        .into_response()
}

fn parse_uid(file: &str) -> Option<u64> {
    file.strip_suffix(".html").unwrap_or(file).parse().ok()
}

fn find(app: &App, file: &str) -> Option<OrderRecord> {
    let uid = parse_uid(file)?;
    app.read(|s| s.orders.get(&uid).cloned())
}

/// The message of a page that outlived `page_lifetime_seconds`.
const EXPIRED: &str =
    "此付款頁面已逾期,無法付款。This payment page has expired; it no longer takes payments.";

/// `GET /payment/<uid>.html`
pub async fn show(State(app): State<Arc<App>>, Path(file): Path<String>) -> Response {
    match find(&app, &file) {
        Some(o) => Html(render(&o, None, &HashMap::new())).into_response(),
        None => not_found(),
    }
}

fn card_problem(values: &HashMap<String, String>) -> Option<&'static str> {
    let get = |k: &str| values.get(k).map(|v| v.trim()).unwrap_or("");
    let number = normalize_card(get("card_number"));
    if number.len() < 12 || number.len() > 19 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Some("請輸入 12 至 19 位數字的卡號。Enter a card number of 12 to 19 digits.");
    }
    let exp: String = get("card_expiry")
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect();
    let month = exp
        .get(0..2)
        .and_then(|m| m.parse::<u8>().ok())
        .unwrap_or(0);
    if exp.len() != 4 || !(1..=12).contains(&month) {
        return Some("請以 MMYY 格式輸入有效期限。Enter the expiry as MMYY.");
    }
    let cvc = get("card_cvc");
    if !(3..=4).contains(&cvc.len()) || !cvc.bytes().all(|b| b.is_ascii_digit()) {
        return Some("請輸入 3 或 4 位數字的安全碼。Enter the 3 or 4 digit security code.");
    }
    None
}

/// `POST /payment/<uid>.html`: the shopper's choice.
pub async fn submit(
    State(app): State<Arc<App>>,
    Path(file): Path<String>,
    Form(values): Form<HashMap<String, String>>,
) -> Response {
    let Some(order) = find(&app, &file) else {
        return not_found();
    };
    let uid = order.uid;
    let method = values.get("method").map(String::as_str).unwrap_or("");
    let result = match method {
        _ if order.page_expired => Err(TransitionError::PageExpired {
            prc: order.prc.clone(),
        }),
        "CREDITCARD" => {
            if let Some(problem) = card_problem(&values) {
                return (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Html(render(&order, Some(problem), &values)),
                )
                    .into_response();
            }
            let number = values.get("card_number").cloned().unwrap_or_default();
            let payment = match values.get("installments").map(|v| v.trim()) {
                None | Some("") | Some("1") => Payment::Card(number),
                Some(n) => match n.parse::<u32>() {
                    Ok(n) => Payment::CardInstallments(number, n),
                    Err(_) => Payment::CardInstallments(number, 0),
                },
            };
            app.change(|s, now| s.pay(uid, payment, now))
        }
        "invoice" => match carrier_from(&order, &values) {
            Ok(c) => app.write(|s, _| (s.choose_carrier(uid, c), Vec::new())),
            Err(problem) => {
                return (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Html(render(&order, Some(problem), &values)),
                )
                    .into_response()
            }
        },
        "WALLET" | "WALLET_CANCEL" => match wallet_from(&order, &values) {
            Ok(code) => {
                let payment = if method == "WALLET" {
                    Payment::Instant(code)
                } else {
                    Payment::WalletCancelled(code)
                };
                app.change(|s, now| s.pay(uid, payment, now))
            }
            Err(problem) => {
                return (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Html(render(&order, Some(problem), &values)),
                )
                    .into_response()
            }
        },
        "CSTORECODE" => app.change(|s, now| s.pay(uid, Payment::Deferred(Pfn::CStoreCode), now)),
        "E_COLLECTION" => app.change(|s, now| s.pay(uid, Payment::Deferred(Pfn::ECollection), now)),
        "abandon" => app.change(|s, now| s.abandon(uid, now)),
        "settle_250" => app.change(|s, now| s.settle(uid, &Prc::Paid, now)),
        "settle_380" => app.change(|s, now| s.settle(uid, &Prc::Expired, now)),
        _ => {
            return (
                StatusCode::BAD_REQUEST,
                Html(render(
                    &order,
                    Some("請選擇付款方式。Choose a payment method."),
                    &values,
                )),
            )
                .into_response()
        }
    };
    match result {
        Ok(o) => match return_url(&o) {
            Some(url) => Redirect::to(url).into_response(),
            None => Redirect::to(&action(&o)).into_response(),
        },
        Err(TransitionError::NotFound) => not_found(),
        Err(TransitionError::PageExpired { .. }) => {
            let current = find(&app, &file).unwrap_or(order);
            (
                StatusCode::CONFLICT,
                Html(render(&current, Some(EXPIRED), &HashMap::new())),
            )
                .into_response()
        }
        Err(e @ TransitionError::InvalidState { .. }) => {
            let current = find(&app, &file).unwrap_or(order);
            (
                StatusCode::CONFLICT,
                Html(render(&current, Some(&e.message()), &HashMap::new())),
            )
                .into_response()
        }
        Err(TransitionError::BadInput(m)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Html(render(&order, Some(&m), &values)),
        )
            .into_response(),
    }
}

/// `GET /`: the orders, linked to their payment pages.
pub async fn index(State(app): State<Arc<App>>) -> Response {
    let mut rows = String::new();
    let orders: Vec<OrderRecord> = app.read(|s| s.orders.values().rev().cloned().collect());
    for o in &orders {
        let _ = writeln!(
            rows,
            "<tr><td><a href=\"/payment/{uid}.html\">{uid}</a></td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(o.request.order_id.as_str()),
            o.request.cost.map(|c| c.get()).unwrap_or(0),
            esc(o.prc.code()),
            uid = o.uid
        );
    }
    let body = format!(
        "<h2>訂單 <span lang=\"en\">Orders</span></h2>\n<table><thead><tr><th scope=\"col\">UID</th><th scope=\"col\">訂單編號 <span lang=\"en\">Order ID</span></th><th scope=\"col\" class=\"num\">金額 <span lang=\"en\">Amount</span></th><th scope=\"col\">狀態 <span lang=\"en\">Status</span></th></tr></thead><tbody>\n{rows}</tbody></table>\n<p><span lang=\"en\">Agent API</span>: <code>POST /api/agent</code> · <span lang=\"en\">Automation</span>: <a href=\"/sandbox\"><code>/sandbox</code></a></p>"
    );
    (
        [(header::CACHE_CONTROL, "no-store")],
        Html(page("MYPAY LINK sandbox", &body)),
    )
        .into_response()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::order::payment::deferred_payment;
    use crate::order::seed::seed_orders;
    use crate::stamps::parse_stamp;

    fn order(prc: Prc) -> OrderRecord {
        let mut o = seed_orders("289151880002").remove(0);
        o.prc = prc;
        o.request.success_returl = Some("https://shop.example/ok".into());
        o.request.failure_returl = Some("https://shop.example/fail".into());
        o
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(esc("好棒棒"), "好棒棒");
    }

    #[test]
    fn the_shopper_goes_back_by_outcome() {
        for (prc, url) in [
            (Prc::Paid, Some("https://shop.example/ok")),
            (Prc::Settled, Some("https://shop.example/ok")),
            (Prc::AwaitingStorePayment, Some("https://shop.example/ok")),
            (Prc::AwaitingTransfer, Some("https://shop.example/ok")),
            (Prc::Failed, Some("https://shop.example/fail")),
            (Prc::Expired, Some("https://shop.example/fail")),
            (Prc::Abandoned, Some("https://shop.example/fail")),
            (Prc::Authorized, None),
            (Prc::PendingConfirmation, None),
            (Prc::Cancelled, None),
        ] {
            assert_eq!(return_url(&order(prc.clone())), url, "{prc}");
        }
        let mut o = order(Prc::Paid);
        o.request.success_returl = Some("javascript:alert(1)".into());
        assert_eq!(return_url(&o), None, "http(s) only");
    }

    #[test]
    fn card_fields_are_checked_before_paying() {
        let form = |n: &str, e: &str, c: &str| -> HashMap<String, String> {
            [("card_number", n), ("card_expiry", e), ("card_cvc", c)]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        };
        assert_eq!(
            card_problem(&form("4938 1701 3000 0003", "12/28", "985")),
            None
        );
        assert!(card_problem(&form("4938", "1228", "985"))
            .unwrap()
            .contains("12 至 19"));
        assert!(card_problem(&form("4938170130000003", "1328", "985"))
            .unwrap()
            .contains("MMYY"));
        assert!(card_problem(&form("4938170130000003", "1228", "98"))
            .unwrap()
            .contains("安全碼"));
    }

    #[test]
    fn uids_come_from_the_file_name() {
        assert_eq!(parse_uid("95300.html"), Some(95300));
        assert_eq!(parse_uid("95300"), Some(95300));
        assert_eq!(parse_uid("x.html"), None);
    }

    #[test]
    fn an_open_order_offers_the_methods_a_closed_one_its_status() {
        let mut open = order(Prc::DataOk);
        open.request.pfn = Some(Pfn::CStoreCode);
        let html = render(&open, None, &HashMap::new());
        for id in [
            "form-creditcard",
            "form-cstorecode",
            "form-e_collection",
            "form-abandon",
        ] {
            assert!(html.contains(id), "{id}");
        }
        let store_form = html.find("form-cstorecode").unwrap();
        assert!(
            store_form < html.find("form-creditcard").unwrap(),
            "preselected first"
        );

        let mut waiting = order(Prc::AwaitingStorePayment);
        let now = parse_stamp("20260301120000").unwrap();
        waiting.payment = Some(deferred_payment(&Pfn::CStoreCode, Some(1), now).unwrap());
        let html = render(&waiting, None, &HashMap::new());
        assert!(html.contains("id=\"prc\">260<"));
        assert!(html.contains("id=\"code_LimitDate\">20260302235959<"));
        assert!(html.contains("form-settle"));
        assert!(!html.contains("form-creditcard"));

        let mut expired = order(Prc::Abandoned);
        expired.page_expired = true;
        let html = render(&expired, None, &HashMap::new());
        assert!(html.contains("id=\"expired\"") && html.contains("付款頁面已逾期"));
    }

    fn with_pfn(pfn: Option<&str>) -> OrderRecord {
        let mut o = order(Prc::DataOk);
        o.request.pfn = pfn.map(Pfn::from_code);
        o
    }

    #[test]
    fn the_wallets_follow_the_orders_pfn() {
        let all = [
            "LINEPAYON",
            "JKOON",
            "PION",
            "EASYWALLETON",
            "ALIPAY",
            "WECHAT",
            "APPLEPAY",
            "GOOGLEPAY",
        ];
        assert_eq!(wallet_choices(&with_pfn(None)), all);
        assert_eq!(wallet_choices(&with_pfn(Some("all"))), all);
        assert_eq!(
            wallet_choices(&with_pfn(Some("MobilePayAll"))),
            [
                "LINEPAYON",
                "JKOON",
                "PION",
                "EASYWALLETON",
                "ALIPAY",
                "WECHAT"
            ]
        );
        assert_eq!(wallet_choices(&with_pfn(Some("15"))), ["LINEPAYON"]);
        assert_eq!(wallet_choices(&with_pfn(Some("JKOOF"))), ["JKOOFF"]);
        assert_eq!(
            wallet_choices(&with_pfn(Some("CREDITCARD,GOOGLEPAY, linepayon"))),
            ["GOOGLEPAY", "LINEPAYON"]
        );
        for pfn in ["CREDITCARD", "CSTORECODE", "E_COLLECTION", "WEBATM", "CASH"] {
            let o = with_pfn(Some(pfn));
            assert!(wallet_choices(&o).is_empty(), "{pfn}");
            assert!(
                !render(&o, None, &HashMap::new()).contains("form-wallet"),
                "{pfn}"
            );
        }
    }

    #[test]
    fn a_wallet_order_preselects_its_wallet_first() {
        let o = with_pfn(Some("LINEPAYON"));
        let html = render(&o, None, &HashMap::new());
        let wallet = html.find("id=\"form-wallet\"").unwrap();
        assert!(wallet < html.find("id=\"form-creditcard\"").unwrap());
        assert!(html[wallet..].starts_with("id=\"form-wallet\">\n<fieldset class=\"preselected\""));
        assert!(html.contains("id=\"wallet-LINEPAYON\" value=\"LINEPAYON\" required checked>"));
        assert!(html.contains("name=\"method\" value=\"WALLET\" autofocus"));
        assert!(html.contains("name=\"method\" value=\"WALLET_CANCEL\""));
        assert!(!html.contains("id=\"wallet-JKOON\""));

        // MobilePayAll: the wallets come first, none is chosen for the shopper.
        let html = render(&with_pfn(Some("MobilePayAll")), None, &HashMap::new());
        assert!(html.find("form-wallet").unwrap() < html.find("form-creditcard").unwrap());
        assert!(!html.contains("required checked"));
        // `all`: the card stays first.
        let html = render(&with_pfn(Some("all")), None, &HashMap::new());
        assert!(html.find("form-creditcard").unwrap() < html.find("form-wallet").unwrap());
    }

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_wallet_is_one_the_order_offers_with_its_fields() {
        let mut o = with_pfn(Some("LINEPAYON"));
        for f in [
            &mut o.request.user_name,
            &mut o.request.user_real_name,
            &mut o.request.user_english_name,
            &mut o.request.user_cellphone_code,
            &mut o.request.user_cellphone,
            &mut o.request.user_email,
        ] {
            *f = Some("x".into());
        }
        assert!(missing_wallet_fields(&o).is_empty());
        assert_eq!(
            wallet_from(&o, &form(&[("wallet", "LINEPAYON")])),
            Ok("LINEPAYON")
        );
        assert_eq!(wallet_from(&o, &form(&[("wallet", "15")])), Ok("LINEPAYON"));
        for bad in ["", "JKOON", "CREDITCARD", "all", "MobilePayAll", "<x>"] {
            assert!(wallet_from(&o, &form(&[("wallet", bad)])).is_err(), "{bad}");
        }
        assert!(wallet_from(&o, &HashMap::new()).is_err());

        // An `all` order without the wallet fields: the page asks for them.
        let mut o = with_pfn(Some("all"));
        o.request.user_name = Some("王小明".into());
        o.request.user_email = Some(" ".into());
        assert_eq!(
            missing_wallet_fields(&o),
            [
                "user_real_name",
                "user_english_name",
                "user_cellphone_code",
                "user_cellphone",
                "user_email"
            ]
        );
        let html = render(&o, None, &HashMap::new());
        assert!(html.contains("<input id=\"user_real_name\" name=\"user_real_name\" required"));
        assert!(!html.contains("id=\"user_name\""));
        let mut values = form(&[
            ("wallet", "JKOON"),
            ("user_real_name", "王小明"),
            ("user_english_name", "Wang"),
            ("user_cellphone_code", "886"),
            ("user_cellphone", "0912345678"),
        ]);
        assert!(wallet_from(&o, &values).is_err(), "user_email is missing");
        values.insert("user_email".into(), "ming@example.com".into());
        assert_eq!(wallet_from(&o, &values), Ok("JKOON"));
    }

    #[test]
    fn a_wallet_payment_shows_its_wallet() {
        let mut o = order(Prc::Paid);
        o.payment = Some(crate::order::payment::method_payment("JKOON", true));
        let html = render(&o, None, &HashMap::new());
        assert!(html.contains("id=\"wallet\">街口支付"));
        let mut o = order(Prc::Failed);
        o.payment = Some(crate::order::payment::method_payment("LINEPAYON", false));
        let html = render(&o, None, &HashMap::new());
        assert!(html.contains("id=\"wallet\">LINE Pay<"));
        assert!(html.contains("付款失敗"));
    }
}
