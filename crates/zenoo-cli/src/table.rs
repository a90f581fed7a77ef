//! Rows of Odoo values as a text table that fits a width, or as CSV.

use serde_json::Value;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

fn measure_text_width(s: &str) -> usize {
    s.width()
}

/// `s` cut to `width` columns, ending with `…` when cut.
fn truncate(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// How one Odoo value reads in a cell: many2one as its name, `false` as
/// empty, lists comma-separated, text on one line.
pub fn cell(v: &Value) -> String {
    match v {
        Value::Null | Value::Bool(false) => String::new(),
        Value::Bool(true) => "true".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.replace(['\n', '\r', '\t'], " "),
        Value::Array(a) => match a.as_slice() {
            [Value::Number(_), Value::String(name)] => name.clone(),
            items => items.iter().map(cell).collect::<Vec<_>>().join(","),
        },
        Value::Object(o) => match (o.get("display_name"), o.get("id")) {
            (Some(n), _) => cell(n),
            (None, Some(id)) => cell(id),
            _ => Value::Object(o.clone()).to_string(),
        },
    }
}

/// The cells of `records` under `headers`, each value as [`cell`] reads it
/// (a field a record lacks is empty).
pub fn cells<'a>(
    headers: &[String],
    records: impl IntoIterator<Item = &'a serde_json::Map<String, Value>>,
) -> Vec<Vec<String>> {
    records
        .into_iter()
        .map(|r| {
            headers
                .iter()
                .map(|h| r.get(h).map(cell).unwrap_or_default())
                .collect()
        })
        .collect()
}

/// A column is readable down to this many characters (or its header's width,
/// up to 12).
const READABLE: usize = 8;

/// The columns that fit `max` at a readable width, and their widths: the
/// widest shrink first; columns that still do not fit are left out, from the
/// right.
fn fit(headers: &[String], natural: &[usize], max: Option<usize>) -> (usize, Vec<usize>) {
    let Some(max) = max else {
        return (natural.len(), natural.to_vec());
    };
    let floor = |i: usize| {
        let header = headers.get(i).map_or(0, |h| measure_text_width(h)).min(12);
        natural[i].min(header.max(READABLE))
    };
    let mut keep = natural.len();
    loop {
        let gaps = 2 * keep.saturating_sub(1);
        let budget = max.saturating_sub(gaps);
        let mut widths = natural[..keep].to_vec();
        while widths.iter().sum::<usize>() > budget {
            let shrinkable = widths
                .iter()
                .copied()
                .enumerate()
                .filter(|(i, w)| *w > floor(*i))
                .max_by_key(|(_, w)| *w);
            match shrinkable {
                Some((i, w)) => widths[i] = w - 1,
                None => break,
            }
        }
        if widths.iter().sum::<usize>() <= budget || keep <= 1 {
            return (keep, widths);
        }
        keep -= 1;
    }
}

/// A rendered table, and the columns it had to leave out.
pub struct Rendered {
    /// The text.
    pub text: String,
    /// Headers of the columns that did not fit.
    pub omitted: Vec<String>,
}

impl Rendered {
    /// The line that names the columns left out, if any.
    pub fn note(&self) -> Option<String> {
        (!self.omitted.is_empty()).then(|| {
            format!(
                "({} more column{} not shown: {}; pick some with --fields, or see all with --vertical)",
                self.omitted.len(),
                if self.omitted.len() == 1 { "" } else { "s" },
                self.omitted.join(", ")
            )
        })
    }
}

/// How `rows` fit `max_width`: as a table of the columns that fit at a
/// readable width (the others named in [`Rendered::omitted`]), or, when
/// fewer than two columns fit, as one block per record.
pub fn render(headers: &[String], rows: &[Vec<String>], max_width: Option<usize>) -> Rendered {
    let natural: Vec<usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, |c| measure_text_width(c)))
                .chain([measure_text_width(h)])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let (keep, widths) = fit(headers, &natural, max_width);
    if keep < 2 && headers.len() >= 2 {
        return Rendered {
            text: vertical(headers, rows, max_width),
            omitted: Vec::new(),
        };
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut parts = Vec::new();
        for (c, w) in cells.zip(&widths) {
            let t = truncate(c, *w);
            let pad = w.saturating_sub(measure_text_width(&t));
            parts.push(format!("{t}{}", " ".repeat(pad)));
        }
        out.push_str(parts.join("  ").trim_end());
        out.push('\n');
    };
    line(&mut headers.iter().map(String::as_str));
    let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
    line(&mut rule.iter().map(String::as_str));
    for r in rows {
        line(&mut r.iter().map(String::as_str));
    }
    Rendered {
        text: out,
        omitted: headers[keep.min(headers.len())..].to_vec(),
    }
}

/// One block per record, a line per field (psql's expanded mode), values
/// cut to `max_width` when given.
pub fn vertical(headers: &[String], rows: &[Vec<String>], max_width: Option<usize>) -> String {
    let label = headers
        .iter()
        .map(|h| measure_text_width(h))
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (n, r) in rows.iter().enumerate() {
        let title = format!("-[ RECORD {} ]", n + 1);
        let rule = max_width
            .unwrap_or(40)
            .min(label + 40)
            .saturating_sub(measure_text_width(&title));
        out.push_str(&title);
        out.push_str(&"-".repeat(rule));
        out.push('\n');
        for (h, c) in headers.iter().zip(r) {
            let room = max_width.map(|m| m.saturating_sub(label + 3).max(4));
            let value = match room {
                Some(w) => truncate(c, w),
                None => c.clone(),
            };
            let pad = label.saturating_sub(measure_text_width(h));
            out.push_str(&format!("{h}{} | {value}\n", " ".repeat(pad)));
        }
    }
    out
}

/// Renders `rows` as CSV with a header line.
pub fn csv(headers: &[String], rows: &[Vec<String>]) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(headers)?;
    for r in rows {
        w.write_record(r)?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_fit_the_width() {
        let headers = vec!["id".to_string(), "name".to_string(), "email".to_string()];
        let rows = vec![vec![
            "1".to_string(),
            "A very long company name that will not fit".to_string(),
            "someone@example.com".to_string(),
        ]];
        let t = render(&headers, &rows, Some(40)).text;
        assert!(t.lines().all(|l| measure_text_width(l) <= 40), "{t}");
        assert!(t.contains('…'));
        // Too narrow for readable columns: some are left out, and named.
        let narrow = render(&headers, &rows, Some(18));
        assert_eq!(narrow.omitted, vec!["email".to_string()], "{}", narrow.text);
        assert!(narrow.note().is_some_and(|n| n.contains("email")));
        let tiny = render(&headers, &rows, Some(10)).text;
        assert!(tiny.starts_with("-[ RECORD 1 ]"), "{tiny}");
        let wide = render(&headers, &rows, None).text;
        assert!(wide.contains("A very long company name that will not fit"));
    }

    #[test]
    fn cells_read_like_odoo() {
        use serde_json::json;
        assert_eq!(cell(&json!([3, "Belgium"])), "Belgium");
        assert_eq!(cell(&json!(false)), "");
        assert_eq!(cell(&json!([1, 2, 3])), "1,2,3");
        assert_eq!(cell(&json!("a\nb")), "a b");
    }
}
