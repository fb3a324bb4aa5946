//! The public API: catalog, quote, order status. (The checkout is its own
//! module, [`super::checkout`].)

use super::checkout::quote;
use super::db::{Db, ProductRow};
use super::http::{self, ok_json, ApiError, ApiResult};
use super::orders;
use crate::pricing::CartRequest;
use mypay_link::crypto::secret_eq;
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

pub async fn quote(mut req: Request, db: &Db) -> ApiResult<Response> {
    let (cart, _) = http::read_json::<CartRequest>(&mut req).await?;
    let q = quote::price(db, &cart).await?;
    ok_json(200, &q)
}

pub async fn order(req: Request, db: &Db, order_id: &str) -> ApiResult<Response> {
    let token = http::bearer(&req)
        .or_else(|| http::query_param(&req, "token"))
        .unwrap_or_default();
    let not_found = || ApiError::not_found("order_not_found", "no such order");
    let o = db.order(order_id).await?.ok_or_else(not_found)?;
    if token.is_empty() || !secret_eq(&token, &o.token) {
        return Err(not_found());
    }
    ok_json(200, &orders::order_view(db, &o).await?)
}
