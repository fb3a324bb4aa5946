//! wasm-bindgen exports for the npm package (`js` feature).
