//! js/index.d.ts is generated from the Rust types (`mypay_edge_js::dts`):
//! this test fails when the file and the types differ.
//!
//! ```sh
//! cargo test -p mypay-edge-js --features ts --test typescript          # check
//! MYPAY_UPDATE_TYPES=1 cargo test -p mypay-edge-js --features ts --test typescript   # rewrite
//! ```
//! scripts/build-js.sh rewrites it; scripts/test-js.sh checks it first.

use mypay_edge_js::dts::declarations;
use mypay_edge_js::failure::ErrorCode;
use std::path::PathBuf;

fn dts_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../index.d.ts")
}

#[test]
fn index_d_ts_is_generated_from_the_rust_types() {
    let fresh = declarations().unwrap();
    let path = dts_path();
    if std::env::var_os("MYPAY_UPDATE_TYPES").is_some_and(|v| v == "1") {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != fresh {
        let line = committed
            .lines()
            .zip(fresh.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(fresh.lines().count()));
        panic!(
            "js/index.d.ts is not what the Rust types generate (first difference at line {}):\n  file:      {:?}\n  generated: {:?}\nrun scripts/build-js.sh, or MYPAY_UPDATE_TYPES=1 cargo test -p mypay-edge-js --features ts --test typescript",
            line + 1,
            committed.lines().nth(line).unwrap_or("<end>"),
            fresh.lines().nth(line).unwrap_or("<end>"),
        );
    }
}

/// The codes the JS layer throws itself (`new MypayError('…'`) are codes of
/// `MypayErrorCode` too.
#[test]
fn the_js_layers_error_codes_are_declared() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../src");
    let mut found = 0;
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "js") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for part in text.split("new MypayError(").skip(1) {
            let code = part
                .trim_start()
                .strip_prefix('\'')
                .and_then(|p| p.split('\'').next());
            // `new MypayError(e.code, …)` passes a code through.
            let Some(code) = code else { continue };
            assert!(
                ErrorCode::parse(code).is_some(),
                "{}: MypayError code {code:?} is not in failure.rs",
                path.display()
            );
            found += 1;
        }
    }
    assert!(found >= 8, "found {found} codes in js/src");
}
