//! Lenient value types for MYPAY's JSON, which mixes `900` and `"900"`
//! (and `95227` and `"95227"`) for the same field. Input accepts both;
//! output writes what the API text's table says.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// A text field that MYPAY sometimes sends as a number (`uid`, `prc`, ...).
/// Written back as a string.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Text(pub String);

impl Text {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}
impl From<String> for Text {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text, E> {
                Ok(Text(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Text, E> {
                Ok(Text(if v { "1" } else { "0" }.to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}

/// Parses a whole number from either a JSON number or a string of digits
/// (an optional leading `-`, surrounding spaces allowed).
fn parse_whole<E: de::Error>(s: &str) -> Result<i64, E> {
    let t = s.trim();
    let digits = t.strip_prefix('-').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(E::custom(format!("expected a whole number, got {s:?}")));
    }
    t.parse::<i64>()
        .map_err(|_| E::custom("number out of range"))
}

struct WholeVisitor;
impl Visitor<'_> for WholeVisitor {
    type Value = i64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a whole number or a string of digits")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::custom("number out of range"))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            Ok(v as i64)
        } else {
            Err(E::custom("expected a whole number"))
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        parse_whole(v)
    }
}

macro_rules! whole_number {
    ($(#[$m:meta])* $name:ident, $ser:ident) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl $name {
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl From<i64> for $name {
            fn from(v: i64) -> Self {
                Self(v)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(WholeVisitor).map(Self)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                $ser(self.0, s)
            }
        }
    };
}

fn ser_as_string<S: Serializer>(v: i64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&v)
}
fn ser_as_number<S: Serializer>(v: i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i64(v)
}

whole_number!(
    /// A whole number the API text types as `string` (`cost` of an order):
    /// read from `900` or `"900"`, written as `"900"`.
    StrInt,
    ser_as_string
);
whole_number!(
    /// A whole number the API text types as `integer` (an item's `cost`):
    /// read from `900` or `"900"`, written as `900`.
    Int,
    ser_as_number
);

/// `Option<T>` for form fields and replies where an empty string means
/// "not set" (`"expired_date": ""`, `"price": ""`).
pub mod empty_as_none {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    pub fn deserialize<'de, T, D>(d: D) -> Result<Option<T>, D::Error>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        let v = serde_json::Value::deserialize(d)?;
        match v {
            serde_json::Value::Null => Ok(None),
            serde_json::Value::String(ref s) if s.is_empty() => Ok(None),
            other => T::deserialize(other)
                .map(Some)
                .map_err(serde::de::Error::custom),
        }
    }
}

/// `Option<T>` for array and object fields (`voucher_paid`, `row_data`, ...)
/// that may also arrive as JSON text: a callback report is plain form fields,
/// so its arrays travel as strings like `[{"product_id":"P01",...}]`. Reads
/// the value itself, or a string holding its JSON; an empty string or `null`
/// means "not set". Writes the value (not text).
pub mod json_text {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::Value;

    pub fn serialize<T: Serialize, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    pub fn deserialize<'de, T, D>(d: D) -> Result<Option<T>, D::Error>
    where
        T: serde::de::DeserializeOwned,
        D: Deserializer<'de>,
    {
        let v = Value::deserialize(d)?;
        let v = match v {
            Value::Null => return Ok(None),
            Value::String(s) if s.trim().is_empty() => return Ok(None),
            Value::String(s) => serde_json::from_str::<Value>(&s)
                .map_err(|e| serde::de::Error::custom(format!("expected JSON text: {e}")))?,
            other => other,
        };
        T::deserialize(v)
            .map(Some)
            .map_err(serde::de::Error::custom)
    }

    /// The same for a list that defaults to empty (`items`).
    pub mod vec {
        use serde::{Deserializer, Serialize, Serializer};

        pub fn serialize<T: Serialize, S: Serializer>(v: &Vec<T>, s: S) -> Result<S::Ok, S::Error> {
            v.serialize(s)
        }

        pub fn deserialize<'de, T, D>(d: D) -> Result<Vec<T>, D::Error>
        where
            T: serde::de::DeserializeOwned,
            D: Deserializer<'de>,
        {
            super::deserialize::<Vec<T>, D>(d).map(Option::unwrap_or_default)
        }
    }
}

/// TypeScript for the npm package's declarations (feature `ts`): what the
/// lenient types are as they come back (`Text` and `StrInt` a string, `Int`
/// a number), and the names of what requests accept ([`ts::Id`],
/// [`ts::Num`]) and of the fields kept in `extra` ([`ts::Extra`]).
#[cfg(feature = "ts")]
pub mod ts {
    use super::{Int, StrInt, Text};
    use std::path::PathBuf;
    use ts_rs::{Config, TS};

    /// A JSDoc comment of `lines` (each one line of a Rust doc comment),
    /// ending in a newline: `/** text */` for one line; empty without lines.
    pub fn jsdoc(lines: &[&str]) -> String {
        match lines {
            [] => return String::new(),
            [one] => return format!("/** {} */\n", one.trim()),
            _ => {}
        }
        let mut out = String::from("/**\n");
        for line in lines {
            out.push_str(" *");
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out.push_str(" */\n");
        out
    }

    macro_rules! primitive {
        ($($t:ty => $ts:literal),+ $(,)?) => {$(
            impl TS for $t {
                type WithoutGenerics = Self;
                type OptionInnerType = Self;
                fn name(_: &Config) -> String {
                    $ts.to_owned()
                }
                fn inline(_: &Config) -> String {
                    $ts.to_owned()
                }
            }
        )+};
    }

    primitive!(Text => "string", StrInt => "string", Int => "number");

    macro_rules! alias {
        ($(#[doc = $doc:literal])+ $name:ident = $ts:literal) => {
            $(#[doc = $doc])+
            ///
            #[doc = concat!("TypeScript only: `type ", stringify!($name), " = ", $ts, "`.")]
            pub struct $name;

            impl TS for $name {
                type WithoutGenerics = Self;
                type OptionInnerType = Self;
                fn docs() -> Option<String> {
                    Some(jsdoc(&[$($doc),+]))
                }
                fn ident(_: &Config) -> String {
                    stringify!($name).to_owned()
                }
                fn name(_: &Config) -> String {
                    stringify!($name).to_owned()
                }
                fn inline(_: &Config) -> String {
                    $ts.to_owned()
                }
                fn decl(_: &Config) -> String {
                    format!("type {} = {};", stringify!($name), $ts)
                }
                fn decl_concrete(cfg: &Config) -> String {
                    Self::decl(cfg)
                }
                fn output_path() -> Option<PathBuf> {
                    Some(PathBuf::from(concat!(stringify!($name), ".ts")))
                }
            }
        };
    }

    alias!(
        /// A whole number, as a number or a string of digits: how requests
        /// take the amounts and counts MYPAY mixes as `900` and `"900"`.
        Num = "number | string"
    );
    alias!(
        /// An identifier MYPAY sometimes sends as a number: how requests
        /// take `uid`, `order_id`, `store_uid`, ...
        Id = "string | number"
    );
    alias!(
        /// Fields a reply or report carried that this version does not model.
        Extra = "{ [field: string]: unknown }"
    );
}

#[cfg(test)]
mod tests;
