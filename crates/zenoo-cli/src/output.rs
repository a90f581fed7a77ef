//! How a command prints data: `--format table` (for people: fits the
//! terminal), `json` (for programs: the values as they are) or `csv`.

use serde::Serialize;
use serde_json::Value;

use crate::cli::Format;
use crate::stdout::{out, outln};
use crate::table;

/// The terminal width tables must fit: `COLUMNS`, the terminal's, or none.
pub fn width() -> Option<usize> {
    if let Some(c) = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()) {
        return Some(c);
    }
    let term = console::Term::stdout();
    term.is_term().then(|| usize::from(term.size().1))
}

/// Rows with `headers`: a table or CSV of `cells`, or `json` as JSON.
pub fn rows(
    format: Format,
    headers: &[&str],
    cells: &[Vec<String>],
    json: &impl Serialize,
) -> anyhow::Result<()> {
    let headers: Vec<String> = headers.iter().map(|h| (*h).to_string()).collect();
    match format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(json)?)?,
        Format::Csv => out!("{}", table::csv(&headers, cells)?)?,
        Format::Table => {
            let rendered = table::render(&headers, cells, width());
            out!("{}", rendered.text)?;
            if let Some(note) = rendered.note() {
                eprintln!("{note}");
            }
        }
    }
    Ok(())
}

/// One JSON object as `key value` lines (a table), `key,value` CSV, or
/// JSON.
pub fn object(format: Format, value: &Value) -> anyhow::Result<()> {
    if format == Format::Json {
        outln!("{}", serde_json::to_string_pretty(value)?)?;
        return Ok(());
    }
    let cells: Vec<Vec<String>> = match value.as_object() {
        Some(map) => map.iter().map(|(k, v)| vec![k.clone(), text(v)]).collect(),
        None => vec![vec![String::new(), text(value)]],
    };
    rows(format, &["key", "value"], &cells, value)
}

/// A value in a cell: strings bare, anything else as JSON.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Any result (`zenoo call`): a list of records as rows, anything else
/// as JSON (CSV needs rows).
pub fn any(format: Format, value: &Value) -> anyhow::Result<()> {
    let records = value
        .as_array()
        .filter(|a| !a.is_empty() && a.iter().all(Value::is_object));
    match (format, records) {
        (Format::Json, _) | (Format::Table, None) => {
            outln!("{}", serde_json::to_string_pretty(value)?)?;
            Ok(())
        }
        (_, Some(list)) => {
            let mut headers: Vec<String> = Vec::new();
            for record in list {
                for key in record.as_object().into_iter().flat_map(|m| m.keys()) {
                    if !headers.contains(key) {
                        headers.push(key.clone());
                    }
                }
            }
            let cells = table::cells(&headers, list.iter().filter_map(Value::as_object));
            let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
            rows(format, &refs, &cells, value)
        }
        (Format::Csv, None) => anyhow::bail!(
            "--format csv needs a list of records; this result is {}: use --format json",
            kind(value)
        ),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list of values",
        Value::Object(_) => "an object",
    }
}
