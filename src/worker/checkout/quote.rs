//! Step 4: the cart priced from D1, products and vouchers as stored now
//! (the pure pricing is `crate::pricing`). `POST /api/quote` is this step
//! alone.

use crate::pricing::{
    price_cart, CartRequest, Product, Quote, Shipping, StoreOptions, VoucherKind, VoucherRecord,
    VoucherStatus,
};
use crate::worker::db::{rows, s, Db, ProductRow, VoucherRow, VOUCHER_SELECT};
use crate::worker::http::{ApiError, ApiResult};
use crate::worker::time;
use serde_json::json;

fn voucher_record(v: VoucherRow) -> Option<VoucherRecord> {
    let status = match v.status.as_str() {
        "used" => VoucherStatus::Used,
        _ if v.held_by.is_some() => VoucherStatus::Reserved,
        "reserved" => VoucherStatus::Reserved,
        _ => VoucherStatus::Available,
    };
    Some(VoucherRecord {
        code: v.code,
        kind: VoucherKind::parse(&v.kind)?,
        product_id: v.product_id,
        name: v.name,
        value: v.value,
        issuer: v.issuer,
        refund_return_type: v.refund_return_type,
        status,
        expires_at: v.expires_at,
        min_spend: v.min_spend,
    })
}

fn product(p: ProductRow) -> Product {
    Product {
        id: p.id,
        name: p.name,
        name_en: p.name_en,
        price: p.price,
        image_url: p.image_url,
        active: p.active == 1,
    }
}

/// Loads what pricing needs and prices the cart: 400 with the cart's or
/// pricing's code when the cart cannot be priced. Vouchers that do not
/// apply are listed in the quote, not refused. Amounts are in the store's
/// `CURRENCY` as they are stored (no conversion).
pub async fn price(db: &Db, cart_req: &CartRequest, options: &StoreOptions) -> ApiResult<Quote> {
    let cart = cart_req
        .to_cart()
        .map_err(|e| ApiError::bad_request(e.code(), e.to_string()))?;
    // Products and vouchers in one round trip (a batch of two IN queries;
    // at most 50 products and 10 vouchers, within D1's 100 parameters).
    let list = |n: usize| {
        (1..=n)
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let ids: Vec<_> = cart.items.iter().map(|(id, _)| s(id)).collect();
    let mut stmts = vec![db.stmt(
        &format!(
            "SELECT id, name, name_en, description, description_en, price, currency, image_url, active FROM products WHERE id IN ({})",
            list(ids.len())
        ),
        &ids,
    )?];
    let codes: Vec<_> = cart.vouchers.iter().map(|c| s(c)).collect();
    if !codes.is_empty() {
        stmts.push(db.stmt(
            &format!("{VOUCHER_SELECT} WHERE v.code IN ({})", list(codes.len())),
            &codes,
        )?);
    }
    let results = db.select_batch("d1_price", stmts).await?;
    let mut results = results.iter();
    let product_rows: Vec<ProductRow> = match results.next() {
        Some(r) => rows(r)?,
        None => Vec::new(),
    };
    let voucher_rows: Vec<VoucherRow> = match results.next() {
        Some(r) => rows(r)?,
        None => Vec::new(),
    };
    let products: Vec<Product> = product_rows.into_iter().map(product).collect();
    let vouchers: Vec<VoucherRecord> = voucher_rows
        .into_iter()
        .filter_map(voucher_record)
        .collect();
    let mut q = price_cart(
        &cart,
        &products,
        &vouchers,
        &Shipping::default(),
        time::now(),
    )
    .map_err(|e| ApiError::bad_request(e.code(), e.to_string()))?;
    q.currency = options.currency.code().to_owned();
    Ok(q)
}

/// A checkout takes only vouchers that apply: 409 `voucher_unavailable`
/// listing those that do not.
pub fn all_vouchers_apply(q: &Quote) -> ApiResult<()> {
    if q.rejected_vouchers.is_empty() {
        return Ok(());
    }
    Err(
        ApiError::new(409, "voucher_unavailable", "a voucher does not apply")
            .with_details(json!(q.rejected_vouchers)),
    )
}
