//! `application/x-www-form-urlencoded` bodies as MYPAY posts them: flat
//! fields, with arrays (`voucher_paid`, ...) either as JSON text or in PHP's
//! bracket notation (`voucher_paid[0][serial_number]=…`).
//!
//! Values stay text: a field typed array or object in the models reads JSON
//! text itself (see [`crate::lenient::json_text`]), while a text field whose
//! value merely looks like JSON (`result_content={"PinCode":…}`,
//! `echo_0=[1]`) stays the exact text that was sent.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

/// A form body that could not be read into the expected fields.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("field `{0}` appears more than once")]
    DuplicateField(String),
    #[error("field `{0}` has a malformed name")]
    BadFieldName(String),
    #[error("fields do not match the report: {0}")]
    Fields(String),
    /// A name or value whose percent-encoding decodes to bytes that are not
    /// UTF-8 (`%FF`). Refused rather than patched with U+FFFD, so a key or
    /// amount is never silently altered.
    #[error("field `{0}` is not UTF-8 once percent-decoded")]
    NotUtf8(String),
}

/// Decodes one form component: `+` is a space, `%XX` a byte; a `%` not
/// followed by two hex digits stays as it is (as browsers and PHP do).
fn decode_component(raw: &str) -> Result<String, Vec<u8>> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (
                    bytes.get(i + 1).copied().and_then(hex),
                    bytes.get(i + 2).copied().and_then(hex),
                ) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|e| e.into_bytes())
}

/// The name/value pairs of a form body, in order, strictly decoded: a name or
/// value that is not UTF-8 once percent-decoded is an error.
pub fn form_pairs(body: &str) -> Result<Vec<(String, String)>, FormError> {
    let mut pairs = Vec::new();
    for part in body.trim().split('&') {
        if part.is_empty() {
            continue;
        }
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let name = decode_component(k)
            .map_err(|b| FormError::NotUtf8(String::from_utf8_lossy(&b).into_owned()))?;
        let value = decode_component(v).map_err(|_| FormError::NotUtf8(name.clone()))?;
        pairs.push((name, value));
    }
    Ok(pairs)
}

/// Reads form fields into a JSON object of strings; bracket names
/// (`v[0][x]`) become nested objects.
pub fn form_to_map(body: &str) -> Result<Map<String, Value>, FormError> {
    let mut map = Map::new();
    for (k, v) in form_pairs(body)? {
        insert_path(&mut map, &k, Value::String(v))?;
    }
    Ok(map)
}

fn insert_path(map: &mut Map<String, Value>, key: &str, value: Value) -> Result<(), FormError> {
    let bad = || FormError::BadFieldName(key.to_owned());
    let Some(open) = key.find('[') else {
        if map.contains_key(key) {
            return Err(FormError::DuplicateField(key.to_owned()));
        }
        map.insert(key.to_owned(), value);
        return Ok(());
    };
    let root = &key[..open];
    let mut segments = Vec::new();
    let mut rest = &key[open..];
    while let Some(r) = rest.strip_prefix('[') {
        let close = r.find(']').ok_or_else(bad)?;
        segments.push(&r[..close]);
        rest = &r[close + 1..];
    }
    if root.is_empty() || !rest.is_empty() || segments.len() > 4 {
        return Err(bad());
    }
    let mut slot = map
        .entry(root.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    for seg in segments {
        let obj = slot.as_object_mut().ok_or_else(bad)?;
        slot = obj
            .entry(seg.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if !matches!(slot, Value::Object(m) if m.is_empty()) {
        return Err(FormError::DuplicateField(key.to_owned()));
    }
    *slot = value;
    Ok(())
}

/// Objects keyed `0`, `1`, ... (from bracket notation) become arrays.
fn arrays_from_indexed(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let indexed = !m.is_empty() && m.keys().all(|k| k.parse::<usize>().is_ok());
            if indexed {
                let mut entries: Vec<(usize, Value)> = m
                    .into_iter()
                    .filter_map(|(k, v)| {
                        k.parse::<usize>().ok().map(|i| (i, arrays_from_indexed(v)))
                    })
                    .collect();
                entries.sort_by_key(|(i, _)| *i);
                Value::Array(entries.into_iter().map(|(_, v)| v).collect())
            } else {
                Value::Object(
                    m.into_iter()
                        .map(|(k, v)| (k, arrays_from_indexed(v)))
                        .collect(),
                )
            }
        }
        other => other,
    }
}

/// Parses a form body into `T`.
pub fn from_form<T: DeserializeOwned>(body: &str) -> Result<T, FormError> {
    let map = form_to_map(body)?;
    let value = arrays_from_indexed(Value::Object(map));
    serde_json::from_value(value).map_err(|e| FormError::Fields(e.to_string()))
}

/// Writes `T` as form fields: scalars as text, arrays and objects as JSON.
pub fn to_form<T: Serialize>(value: &T) -> Result<String, FormError> {
    let v = serde_json::to_value(value).map_err(|e| FormError::Fields(e.to_string()))?;
    let Value::Object(map) = v else {
        return Err(FormError::Fields("not an object".into()));
    };
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in map {
        match v {
            Value::Null => {}
            Value::String(s) => {
                out.append_pair(&k, &s);
            }
            Value::Array(_) | Value::Object(_) => {
                out.append_pair(&k, &v.to_string());
            }
            other => {
                out.append_pair(&k, &other.to_string());
            }
        }
    }
    Ok(out.finish())
}

#[cfg(test)]
mod tests;
