//! Tests of `form`.

use super::*;

#[test]
fn bracket_notation_becomes_arrays() {
    let m: Value = from_form("a=1&v[0][x]=p&v[0][y]=q&v[1][x]=r").unwrap();
    assert_eq!(
        m,
        serde_json::json!({"a":"1","v":[{"x":"p","y":"q"},{"x":"r"}]})
    );
}

#[test]
fn json_looking_values_stay_text() {
    let m: Value = from_form("v=%5B%7B%22x%22%3A1%7D%5D&e=%7B%7D").unwrap();
    assert_eq!(m, serde_json::json!({"v":"[{\"x\":1}]","e":"{}"}));
}

#[test]
fn duplicate_fields_are_refused() {
    assert_eq!(
        form_to_map("a=1&a=2"),
        Err(FormError::DuplicateField("a".into()))
    );
    assert!(form_to_map("v[0]=1&v[0]=2").is_err());
    assert!(form_to_map("v[0=1").is_err());
}

#[test]
fn percent_decoding_is_strict_about_utf8() {
    assert_eq!(
        form_pairs("a=%E5%A5%BD+b%2B").unwrap(),
        vec![("a".into(), "好 b+".into())]
    );
    assert_eq!(
        form_pairs("a=100%").unwrap(),
        vec![("a".into(), "100%".into())]
    );
    assert_eq!(form_pairs("a=%FF"), Err(FormError::NotUtf8("a".into())));
    assert!(matches!(form_pairs("%C3=1"), Err(FormError::NotUtf8(_))));
}
