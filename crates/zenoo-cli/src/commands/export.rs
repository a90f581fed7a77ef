//! `zenoo export MODEL`: every matching record as CSV or JSON Lines,
//! streamed in pages that walk the ids upwards (keyset paging: constant
//! memory, nothing skipped or repeated when records change meanwhile).
//!
//! JSON Lines keeps Odoo's values (a many2one as `[id, name]`). CSV writes
//! what `zenoo import` reads back: a many2one as its id, an x2many as
//! comma-separated ids, booleans as `true`/`false`, empty values as empty
//! cells.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use futures_util::TryStreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

use super::search::domain;
use crate::cli::{Connection, ExportArgs, RowFormat};
use crate::settings::Target;

/// `zenoo export`.
pub async fn run(
    target: &Target,
    conn: &Connection,
    args: &ExportArgs,
) -> anyhow::Result<ExitCode> {
    let format = match (args.format, &args.out) {
        (Some(f), _) => f,
        (None, Some(path)) => RowFormat::from_path(path).unwrap_or(RowFormat::Csv),
        (None, None) => RowFormat::Csv,
    };
    if args.batch == 0 {
        anyhow::bail!("--batch must be at least 1");
    }
    let domain = domain(&args.domain)?;
    let client = target.connect(conn).await?;
    let types = client.schema(&args.model).await?;
    let mut query = client.model_named(&args.model).filter(domain);
    let mut fields: Vec<String> = match &args.fields {
        Some(list) => list
            .split(',')
            .map(|f| f.trim().to_string())
            .filter(|f| !f.is_empty())
            .collect(),
        None => Vec::new(),
    };
    for f in &fields {
        if types.field(f).is_none() {
            return Err(anyhow::Error::new(super::UnknownName::field(
                &args.model,
                f,
                types.fields().iter().map(|t| t.name.as_str()),
            ))
            .context("--fields"));
        }
    }
    if !fields.is_empty() {
        let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
        query = query.only(&refs);
    }
    let started = Instant::now();
    let bar = if std::io::stderr().is_terminal() {
        let total = query.count().await?;
        let bar = ProgressBar::new(total);
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} ({eta} left)") {
            bar.set_style(style);
        }
        Some(bar)
    } else {
        None
    };
    let sink: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = match format {
        RowFormat::Csv => Sink::Csv(Box::new(csv::Writer::from_writer(sink))),
        RowFormat::Jsonl => Sink::Jsonl(std::io::BufWriter::new(sink)),
    };
    let mut stream = std::pin::pin!(query.stream(args.batch));
    let mut n = 0u64;
    while let Some(record) = stream.try_next().await? {
        let map = record.as_map();
        match &mut out {
            Sink::Jsonl(w) => {
                serde_json::to_writer(&mut *w, map)?;
                w.write_all(b"\n")?;
            }
            Sink::Csv(w) => {
                if n == 0 {
                    if fields.is_empty() {
                        fields = map.keys().cloned().collect();
                    }
                    fields.retain(|f| f != "id");
                    fields.insert(0, "id".into());
                    w.write_record(&fields)?;
                }
                let cells = fields.iter().map(|f| {
                    let ttype = types.field(f).map_or("integer", |t| t.field_type.as_str());
                    cell(map.get(f).unwrap_or(&Value::Null), ttype)
                });
                w.write_record(cells)?;
            }
        }
        n += 1;
        if let Some(b) = &bar {
            b.set_position(n);
        }
    }
    match &mut out {
        Sink::Csv(w) => {
            if n == 0 {
                fields.retain(|f| f != "id");
                fields.insert(0, "id".into());
                w.write_record(&fields)?;
            }
            w.flush()?;
        }
        Sink::Jsonl(w) => w.flush()?,
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let to = args.out.as_ref().map_or_else(
        || "standard output".to_string(),
        |p| p.display().to_string(),
    );
    eprintln!(
        "{}: {n} records exported to {to} in {:.2} s",
        args.model,
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// Where records go: both write through bounded buffers.
enum Sink {
    Csv(Box<csv::Writer<Box<dyn Write>>>),
    Jsonl(std::io::BufWriter<Box<dyn Write>>),
}

/// A value as a CSV cell that `zenoo import` reads back.
fn cell(v: &Value, ttype: &str) -> String {
    match (v, ttype) {
        (Value::Bool(b), "boolean") => b.to_string(),
        (Value::Bool(false) | Value::Null, _) => String::new(),
        (Value::Array(pair), "many2one") => pair.first().map(Value::to_string).unwrap_or_default(),
        (Value::Array(ids), "many2many" | "one2many") => ids
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join(","),
        (Value::String(s), _) => s.clone(),
        (other, _) => other.to_string(),
    }
}
