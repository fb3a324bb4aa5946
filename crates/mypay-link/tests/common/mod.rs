//! Reading the API text itself, so the tests check the code against the
//! authority rather than against a retyped copy.
#![allow(dead_code)]

use std::path::PathBuf;

/// The API text, kept in the repository at `docs/reference/`.
pub fn api_text_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/reference/mypay-link-agent-voucher-api.txt")
}

pub fn api_text() -> String {
    let path = api_text_path();
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read the API text at {}: {e}", path.display()))
}

pub fn repo_file(rel: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// One row of a 『…』欄位 table.
#[derive(Clone, Debug)]
pub struct FieldRow {
    pub name: String,
    /// `string`, `integer`, `int`, `array`, `object`, `text` (`string(16)` is `string`).
    pub ty: String,
    /// The 必須 column says 必填 (the row's last word, or a line of its own).
    pub required: bool,
    /// 必填 under a condition in the description (此欄位為必填 when ...).
    pub conditional: bool,
}

/// A field table: its title line (`『交易查詢』回傳欄位`) and rows.
#[derive(Clone, Debug)]
pub struct FieldTable {
    pub title: String,
    pub rows: Vec<FieldRow>,
}

fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

fn field_type(s: &str) -> Option<String> {
    let base = s.split('(').next().unwrap_or(s);
    matches!(
        base,
        "string" | "integer" | "int" | "array" | "object" | "text"
    )
    .then(|| base.to_owned())
}

fn is_field_table_title(line: &str) -> bool {
    let l = line.trim();
    (l.starts_with('『') || l.starts_with("經銷商『"))
        && (l.ends_with("』欄位")
            || l.ends_with("』回傳欄位")
            || l.ends_with("』回報欄位")
            || l.ends_with("』參數說明"))
}

/// Every field table of the API text, in order.
pub fn field_tables(text: &str) -> Vec<FieldTable> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !is_field_table_title(lines[i]) {
            i += 1;
            continue;
        }
        let title = lines[i].trim().to_owned();
        i += 1;
        while i < lines.len() && lines[i].trim().is_empty() {
            i += 1;
        }
        let header = lines.get(i).map(|l| l.trim()).unwrap_or("");
        if !(header.starts_with("參數名稱") || header.starts_with("欄位 ")) {
            continue;
        }
        i += 1;
        let mut rows: Vec<FieldRow> = Vec::new();
        while i < lines.len() && !lines[i].trim().is_empty() {
            let toks: Vec<&str> = lines[i].split_whitespace().collect();
            match (toks.first(), toks.get(1).and_then(|t| field_type(t))) {
                (Some(name), Some(ty)) if is_ident(name) => rows.push(FieldRow {
                    name: (*name).to_owned(),
                    ty,
                    required: toks.len() > 2 && toks.last() == Some(&"必填"),
                    conditional: toks.len() > 2
                        && toks.last() != Some(&"必填")
                        && lines[i].contains("必填"),
                }),
                _ => {
                    if let Some(last) = rows.last_mut() {
                        if lines[i].trim() == "必填" {
                            last.required = true;
                        } else if lines[i].contains("必填") {
                            last.conditional = true;
                        }
                    }
                }
            }
            i += 1;
        }
        out.push(FieldTable { title, rows });
    }
    out
}

pub fn field_table<'a>(tables: &'a [FieldTable], title: &str) -> &'a FieldTable {
    tables
        .iter()
        .find(|t| t.title == title)
        .unwrap_or_else(|| panic!("the API text has no table {title}"))
}

/// One row of a 『…』值內容 table: the code and its 型態 column.
#[derive(Clone, Debug)]
pub struct ValueRow {
    pub code: String,
    pub ty: String,
}

/// Every 『X』值內容 table as (X, rows).
pub fn value_tables(text: &str) -> Vec<(String, Vec<ValueRow>)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i].trim();
        let Some(name) = l
            .strip_prefix('『')
            .and_then(|r| r.strip_suffix("』值內容"))
        else {
            i += 1;
            continue;
        };
        i += 1;
        while i < lines.len() && lines[i].trim().is_empty() {
            i += 1;
        }
        i += 1; // 型態 說明 備註
        let mut rows = Vec::new();
        while i < lines.len() && !lines[i].trim().is_empty() {
            let toks: Vec<&str> = lines[i].split_whitespace().collect();
            if let (Some(code), Some(ty)) = (toks.first(), toks.get(1)) {
                if *ty == "string" || *ty == "integer" {
                    rows.push(ValueRow {
                        code: (*code).to_owned(),
                        ty: (*ty).to_owned(),
                    });
                }
            }
            i += 1;
        }
        out.push((name.to_owned(), rows));
    }
    out
}

fn section<'a>(text: &'a str, from: &str, to: &str) -> &'a str {
    let a = text
        .find(from)
        .unwrap_or_else(|| panic!("no {from} in the API text"));
    let b = text[a..].find(to).map(|b| a + b).unwrap_or(text.len());
    &text[a..b]
}

/// Appendix 1: (number, code) of every PFN row.
pub fn appendix1_pfn(text: &str) -> Vec<(String, String)> {
    section(text, "附錄一", "附錄二")
        .lines()
        .filter_map(|l| {
            let t: Vec<&str> = l.split_whitespace().collect();
            match (t.first(), t.get(1)) {
                (Some(n), Some(c)) if n.bytes().all(|b| b.is_ascii_digit()) => {
                    Some(((*n).to_owned(), (*c).to_owned()))
                }
                _ => None,
            }
        })
        .collect()
}

/// Appendix 2: every status code.
pub fn appendix2_codes(text: &str) -> Vec<String> {
    section(text, "附錄二", "附錄三")
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|t| {
            let b = t.as_bytes();
            (b.len() == 3 && b.iter().all(u8::is_ascii_digit))
                || (b.len() == 5 && b[0] == b'A' && b[1..].iter().all(u8::is_ascii_digit))
                || (b.len() == 4 && b[0] == b'B' && b[1..].iter().all(u8::is_ascii_digit))
        })
        .map(str::to_owned)
        .collect()
}

pub const REPLY_MARKER: &str = "回傳 JSON 結構如下:";

/// The balanced `{…}` that begins at the first `{` at or after `start`.
pub fn json_object_at(text: &str, start: usize) -> &str {
    let bytes = text.as_bytes();
    let open = start
        + text[start..]
            .find('{')
            .unwrap_or_else(|| panic!("no JSON after offset {start}"));
    let (mut depth, mut in_str, mut esc) = (0usize, false, false);
    for (j, &c) in bytes.iter().enumerate().skip(open) {
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
            }
        } else if c == b'"' {
            in_str = true;
        } else if c == b'{' {
            depth += 1;
        } else if c == b'}' {
            depth -= 1;
            if depth == 0 {
                return &text[open..=j];
            }
        }
    }
    panic!("unbalanced JSON after offset {start}")
}

/// The JSON after every "回傳 JSON 結構如下:" marker: the order, query and
/// refund replies, in that order.
pub fn reply_examples(text: &str) -> Vec<String> {
    text.match_indices(REPLY_MARKER)
        .map(|(at, m)| json_object_at(text, at + m.len()).to_owned())
        .collect()
}
