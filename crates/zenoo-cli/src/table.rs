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

/// Column widths that fit `max` (when given): the widest columns shrink
/// first, never below a few characters.
fn fit(natural: &[usize], max: Option<usize>) -> Vec<usize> {
    let mut widths = natural.to_vec();
    let Some(max) = max else { return widths };
    let gaps = 2 * widths.len().saturating_sub(1);
    let budget = max.saturating_sub(gaps);
    let floor = 4;
    while widths.iter().sum::<usize>() > budget {
        let Some((i, w)) = widths.iter().copied().enumerate().max_by_key(|(_, w)| *w) else {
            break;
        };
        if w <= floor {
            break;
        }
        widths[i] = w - 1;
    }
    widths
}

/// Renders `rows` under `headers`, fitting `max_width` when given.
pub fn render(headers: &[String], rows: &[Vec<String>], max_width: Option<usize>) -> String {
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
    let widths = fit(&natural, max_width);
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
        let t = render(&headers, &rows, Some(40));
        assert!(t.lines().all(|l| measure_text_width(l) <= 40), "{t}");
        assert!(t.contains('…'));
        let wide = render(&headers, &rows, None);
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
