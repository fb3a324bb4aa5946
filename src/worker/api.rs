//! The public API: catalog, quote, order status. (The checkout is its own
//! module, [`super::checkout`].)

use super::checkout::quote;
use super::config::Config;
use super::db::{Db, ProductRow};
use super::http::{self, ok_json, ApiError, ApiResult};
use super::orders;
use crate::pricing::{CartRequest, Customer};
use crate::secrets::token_matches;
use mypay_link::codes::Pfn;
use serde_json::{json, Value};
use worker::{Request, Response};

pub async fn products(db: &Db) -> ApiResult<Response> {
    let rows: Vec<ProductRow> = db
        .all(
            "SELECT id, name, name_en, description, description_en, price, currency, image_url, active FROM products WHERE active = 1 ORDER BY sort, id",
            &[],
        )
        .await?;
    let products: Vec<Value> = rows
        .into_iter()
        .map(|p| {
            json!({"id": p.id, "name": p.name, "name_en": p.name_en, "price": p.price, "currency": p.currency,
                   "description": p.description, "description_en": p.description_en, "image_url": p.image_url})
        })
        .collect();
    ok_json(200, &json!({ "products": products }))
}

/// What the storefront needs to know about the store's settings (nothing
/// secret): the Turnstile site key when checkout asks for a challenge, the
/// payment methods offered (and which need the e-wallet fields), the
/// instalments, the currency and whether e-invoices are issued.
pub fn config(cfg: &Config) -> ApiResult<Response> {
    let o = &cfg.options;
    let methods: Vec<Value> = o
        .payment_methods
        .iter()
        .map(|p| json!({"pfn": p.code(), "wallet": p.is_wallet()}))
        .collect();
    let installments: Vec<Value> = o
        .installments
        .iter()
        .map(|(n, banks)| json!({"count": n, "banks": banks}))
        .collect();
    ok_json(
        200,
        &json!({
            "turnstile_site_key": cfg.turnstile.as_ref().map(|t| t.site_key.as_str()),
            "payment_methods": methods,
            "any_method": o.offers(&Pfn::All),
            "wallet_fields": Customer::default().missing_for(&Pfn::LinePayOn),
            "installments": installments,
            "currency": o.currency.code(),
            "limit_pay_days": o.limit_pay_days,
            "invoice": !o.no_invoice(),
        }),
    )
}

pub async fn quote(mut req: Request, cfg: &Config, db: &Db) -> ApiResult<Response> {
    let (cart, _) = http::read_json::<CartRequest>(&mut req).await?;
    let q = quote::price(db, &cart, &cfg.options).await?;
    ok_json(200, &q)
}

pub async fn order(req: Request, db: &Db, order_id: &str) -> ApiResult<Response> {
    // Only from `Authorization`: a token in a URL reaches logs, history and
    // proxies.
    let token = http::bearer(&req).unwrap_or_default();
    let not_found = || ApiError::not_found("order_not_found", "no such order");
    let o = db.order(order_id).await?.ok_or_else(not_found)?;
    if !token_matches(&token, &o.token) {
        return Err(not_found());
    }
    ok_json(200, &orders::order_view(db, &o).await?)
}
