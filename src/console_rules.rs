//! What the admin console's endpoints share that needs no runtime: date
//! ranges in Taiwan days, the CSV the accounting export writes (UTF-8 with a
//! byte order mark, so Excel reads Chinese correctly), and the search term.
//! Pure and tested natively.

use mypay_link::time::{format_stamp, parse_day};

/// A range of Taiwan days: `from` (inclusive) to `to` (inclusive), as Unix
/// seconds `[start, end)`. Either end may be open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Range {
    pub start: Option<i64>,
    pub end: Option<i64>,
}

/// Reads `YYYY-MM-DD` (a day in Taiwan, UTC+8) as its first second.
pub fn day_start(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    parse_day(&s.replace('-', ""))
}

/// The range `from`..=`to` (each `YYYY-MM-DD` or absent/empty); `None`
/// when a day does not read or `to` is before `from`.
pub fn range(from: Option<&str>, to: Option<&str>) -> Option<Range> {
    let read = |d: Option<&str>| -> Option<Option<i64>> {
        match d.map(str::trim).filter(|d| !d.is_empty()) {
            None => Some(None),
            Some(d) => day_start(d).map(Some),
        }
    };
    let start = read(from)?;
    let end = read(to)?.map(|t| t + 86_400);
    if let (Some(s), Some(e)) = (start, end) {
        if e <= s {
            return None;
        }
    }
    Some(Range { start, end })
}

/// Unix seconds as Taiwan local time, `2026-12-01 18:04:05` (what an
/// accountant in Taiwan expects in a spreadsheet).
pub fn taipei(secs: i64) -> String {
    let d = format_stamp(secs);
    if d.len() != 14 {
        return String::new();
    }
    format!(
        "{}-{}-{} {}:{}:{}",
        &d[0..4],
        &d[4..6],
        &d[6..8],
        &d[8..10],
        &d[10..12],
        &d[12..14]
    )
}

/// One CSV cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}
impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}
impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(o: Option<T>) -> Self {
        o.map(Into::into).unwrap_or(Cell::Empty)
    }
}

fn text_cell(s: &str) -> String {
    // A text a spreadsheet would run as a formula is written as text.
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// A CSV document: the byte order mark, the header, then the rows, each
/// line ended by CRLF (RFC 4180).
pub fn csv(header: &[&str], rows: &[Vec<Cell>]) -> String {
    let mut out = String::from("\u{feff}");
    let line = |cells: Vec<String>| cells.join(",") + "\r\n";
    out.push_str(&line(header.iter().map(|h| text_cell(h)).collect()));
    for row in rows {
        out.push_str(&line(
            row.iter()
                .map(|c| match c {
                    Cell::Text(t) => text_cell(t),
                    Cell::Int(n) => n.to_string(),
                    Cell::Empty => String::new(),
                })
                .collect(),
        ));
    }
    out
}

/// A search term as typed: trimmed, at most 254 characters; `None` when
/// empty.
pub fn search_term(q: Option<&str>) -> Option<String> {
    let q = q?.trim();
    (!q.is_empty()).then(|| q.chars().take(254).collect())
}

/// D1 refuses LIKE patterns past 50 bytes (order ids are 26 characters).
const LIKE_PATTERN_MAX: usize = 50;

/// `q` as a LIKE prefix pattern (`q%`), with `\` escaping `%`, `_` and `\`;
/// `None` when the pattern would be longer than D1 allows (only exact
/// matches then: no order id is that long).
pub fn like_prefix(q: &str) -> Option<String> {
    let mut out = String::with_capacity(q.len() + 1);
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    (out.len() <= LIKE_PATTERN_MAX).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taiwan_days() {
        // 2026-12-01 00:00 in Taiwan is 2026-11-30 16:00 UTC.
        assert_eq!(day_start("2026-12-01"), Some(1_796_083_200 - 8 * 3600));
        assert_eq!(day_start("2026-02-30"), None);
        assert_eq!(day_start("20261201"), None);
        assert_eq!(day_start("2026-1-01"), None);
        let r = range(Some("2026-12-01"), Some("2026-12-01")).unwrap();
        assert_eq!(r.end.unwrap() - r.start.unwrap(), 86_400);
        assert_eq!(range(None, Some("")), Some(Range::default()));
        assert_eq!(range(Some("2026-12-02"), Some("2026-12-01")), None);
        assert_eq!(range(Some("nope"), None), None);
        assert_eq!(
            taipei(1_796_083_200 - 8 * 3600 + 3723),
            "2026-12-01 01:02:03"
        );
    }

    #[test]
    fn csv_is_excel_friendly() {
        let doc = csv(
            &["id", "名稱", "amount"],
            &[
                vec!["ME1".into(), "烏龍茶, 150g".into(), 900.into()],
                vec!["ME2".into(), "say \"hi\"\nbye".into(), Cell::Empty],
                vec![
                    "=HYPERLINK(1)".into(),
                    Cell::from(None::<String>),
                    (-5).into(),
                ],
            ],
        );
        assert!(doc.starts_with('\u{feff}'));
        let lines: Vec<&str> = doc.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(lines[0], "id,名稱,amount");
        assert_eq!(lines[1], "ME1,\"烏龍茶, 150g\",900");
        assert_eq!(lines[2], "ME2,\"say \"\"hi\"\"\nbye\",");
        assert_eq!(lines[3], "'=HYPERLINK(1),,-5");
        assert_eq!(lines[4], "");
        assert_eq!(doc.as_bytes()[..3], [0xef, 0xbb, 0xbf]);
    }

    #[test]
    fn search_terms() {
        assert_eq!(search_term(Some("  ME123 ")).as_deref(), Some("ME123"));
        assert_eq!(search_term(Some("   ")), None);
        assert_eq!(search_term(None), None);
        assert_eq!(search_term(Some(&"x".repeat(300))).unwrap().len(), 254);
        assert_eq!(like_prefix("ME_1%\\").as_deref(), Some("ME\\_1\\%\\\\%"));
        // Past 50 bytes D1 refuses the pattern: no prefix search then.
        assert_eq!(like_prefix(&"a".repeat(49)).map(|p| p.len()), Some(50));
        assert_eq!(like_prefix(&"a".repeat(50)), None);
        assert_eq!(like_prefix(&"%".repeat(25)), None);
    }
}
