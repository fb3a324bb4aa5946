//! A hello Worker with aes + cbc, serde, D1 and fetch: the size baseline of
//! `make bench` (see Cargo.toml).
#![forbid(unsafe_code)]

use aes::cipher::{block_padding::Pkcs7, BlockEncryptMut, KeyIvInit};
use base64::Engine;
use serde::{Deserialize, Serialize};
use worker::{event, Context, Env, Fetch, Method, Request, RequestInit, Response, Result};

#[derive(Deserialize, Serialize)]
struct Product {
    id: String,
    name: String,
    price: i64,
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let db = env.d1("DB")?;
    let products: Vec<Product> = db
        .prepare("SELECT id, name, price FROM products")
        .all()
        .await?
        .results()?;
    if req.method() == Method::Post {
        let key = env.secret("MYPAY_AGENT_KEY")?.to_string();
        let mut iv = [0u8; 16];
        getrandom::getrandom(&mut iv).map_err(|e| worker::Error::RustError(e.to_string()))?;
        let body = serde_json::to_vec(&products)?;
        let sealed = cbc::Encryptor::<aes::Aes256>::new_from_slices(key.as_bytes(), &iv)
            .map_err(|e| worker::Error::RustError(e.to_string()))?
            .encrypt_padded_vec_mut::<Pkcs7>(&body);
        let text = base64::engine::general_purpose::STANDARD.encode(sealed);
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_body(Some(text.into()));
        let upstream = env.var("MYPAY_ENDPOINT")?.to_string();
        let mut res = Fetch::Request(Request::new_with_init(&upstream, &init)?)
            .send()
            .await?;
        return Response::ok(res.text().await?);
    }
    Response::from_json(&products)
}
