//! `zenoo import MODEL FILE`: records from CSV or JSON Lines, in chunks.
//!
//! Columns are field names. A many2one takes a database id (`partner_id`
//! or `partner_id/.id`) or an external id (`partner_id/id`, `module.name`;
//! without a module, Odoo's `__import__`); a many2many takes a
//! comma-separated list of either. Empty cells are left out, so the
//! field's default applies. Rows that cannot be converted (a bad number,
//! an unknown external id) are rejected before anything is sent.
//!
//! Valid rows are created in chunks (`--chunk`, one `create` call each).
//! When Odoo refuses a chunk with an exception, its transaction was rolled
//! back and nothing of it exists: the chunk is split in halves and sent
//! again until the refused rows stand alone, and those are rejected with
//! Odoo's message. A chunk whose outcome is unknown (the connection broke
//! after it was sent) is never sent again: its rows are rejected with a
//! note saying they may have been created.
//!
//! Rejected rows go to the reject file with their line and error. Exit
//! status: 0 when every row was imported, 2 when some were rejected, 1
//! when nothing could be done (bad file, unknown column, no server).

mod read;

use std::collections::{HashMap, HashSet};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, bail};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Map, Value, json};
use zenoo_rpc::Client;

use crate::cli::{Connection, ImportArgs, RowFormat};
use crate::settings::Target;
use read::Reader;
use zenoo_rpc::schema::{FieldInfo, FieldType, ModelSchema};

/// Rows converted before a round of creates: bounds memory whatever the
/// file's size.
const ROUND_CHUNKS: usize = 4;

/// How a column fills a field.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Via {
    /// The value itself (or database ids for relations).
    Value,
    /// `field/.id`: database ids.
    DbId,
    /// `field/id`: external ids.
    XmlId,
    /// The `id` column of an export: ignored, since records are created.
    Ignored,
}

struct Column {
    field: String,
    via: Via,
}

/// A row read from the file: where it was and what it said.
struct Row {
    line: u64,
    /// The original cells (CSV) or object (JSON Lines), for the reject file.
    original: Original,
    /// field → (via, raw value).
    cells: Vec<(usize, Value)>,
}

enum Original {
    Csv(Vec<String>),
    Json(Value),
}

/// A row the import gave up on.
struct Reject {
    line: u64,
    original: Original,
    error: String,
}

/// `zenoo import`.
pub async fn run(
    target: &Target,
    conn: &Connection,
    args: &ImportArgs,
) -> anyhow::Result<ExitCode> {
    let format = match args.format {
        Some(f) => f,
        None => RowFormat::from_path(&args.file).with_context(|| {
            format!(
                "cannot tell the format of {} from its extension: pass --format csv or --format jsonl",
                args.file.display()
            )
        })?,
    };
    if args.chunk == 0 {
        bail!("--chunk must be at least 1");
    }
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("cannot open {}", args.file.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let client = target.connect(conn).await?;
    let fields = client.schema(&args.model).await?;
    let mut reader = Reader::new(file, format, &args.file)?;
    reader.check_header(&fields, &args.model, &args.file)?;

    let bar = progress(size);
    let started = Instant::now();
    let mut rejects: Vec<Reject> = Vec::new();
    let mut xml_ids: HashMap<(String, String), Option<i64>> = HashMap::new();
    let mut imported = 0usize;
    loop {
        let mut round = Vec::new();
        while round.len() < args.chunk.saturating_mul(ROUND_CHUNKS) {
            match reader.next_row(&fields, &args.model)? {
                Some(Ok(row)) => round.push(row),
                Some(Err(reject)) => rejects.push(reject),
                None => break,
            }
        }
        if round.is_empty() && reader.done {
            break;
        }
        resolve_xml_ids(&client, &round, &reader.columns, &mut xml_ids).await?;
        let mut valid = Vec::with_capacity(round.len());
        for row in round {
            match convert(&row, &reader.columns, &fields, &xml_ids) {
                Ok(vals) => valid.push((row, vals)),
                Err(error) => rejects.push(Reject {
                    line: row.line,
                    original: row.original,
                    error,
                }),
            }
        }
        if !args.dry_run && !valid.is_empty() {
            imported += create(&client, &args.model, valid, args.chunk, &mut rejects).await;
        } else {
            imported += valid.len();
        }
        if let Some(b) = &bar {
            b.set_position(reader.position());
        }
    }
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    rejects.sort_by_key(|r| r.line);
    let reject_path = args
        .reject
        .clone()
        .unwrap_or_else(|| default_reject_path(&args.file, format));
    if !rejects.is_empty() {
        write_rejects(&reject_path, format, reader.headers(), &rejects)?;
    }
    let total = imported + rejects.len();
    let verb = if args.dry_run {
        "would be imported"
    } else {
        "imported"
    };
    let mut line = format!(
        "{}: {imported} of {total} rows {verb}, {} rejected",
        args.model,
        rejects.len()
    );
    if !rejects.is_empty() {
        line.push_str(&format!(" (written to {})", reject_path.display()));
    }
    line.push_str(&format!(" in {:.2} s", started.elapsed().as_secs_f64()));
    if args.dry_run {
        line.push_str("; dry run: nothing was written");
    }
    if reader.columns.iter().any(|c| c.via == Via::Ignored) {
        line.push_str("; the id column was ignored: records are created, never updated");
    }
    eprintln!("{line}");
    Ok(if rejects.is_empty() {
        ExitCode::SUCCESS
    } else {
        crate::exit::Exit::Partial.into()
    })
}

fn progress(size: u64) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(size);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} ({eta} left) {msg}")
    {
        bar.set_style(style);
    }
    Some(bar)
}

/// What a header names: a field, read as a value, a database id or an
/// external id.
fn column(header: &str, fields: &ModelSchema, model: &str) -> anyhow::Result<Column> {
    let (field, via) = if let Some(f) = header.strip_suffix("/.id") {
        (f, Via::DbId)
    } else if let Some(f) = header.strip_suffix("/id") {
        (f, Via::XmlId)
    } else {
        (header, Via::Value)
    };
    let Some(info) = fields.field(field) else {
        bail!("{field:?} is not a field of {model}");
    };
    if via != Via::Value && !matches!(info.field_type, FieldType::Many2one | FieldType::Many2many) {
        bail!(
            "{header:?}: /id and /.id columns are for many2one and many2many fields, and {field} is a {}",
            info.field_type
        );
    }
    if info.field_type == FieldType::One2many {
        bail!("{field} is a one2many: import its lines into their own model");
    }
    if field == "id" && via == Via::Value {
        return Ok(Column {
            field: field.to_string(),
            via: Via::Ignored,
        });
    }
    Ok(Column {
        field: field.to_string(),
        via,
    })
}

/// `module.name`, or `__import__.name` as Odoo reads an id without module.
fn split_xml_id(text: &str) -> (String, String) {
    match text.split_once('.') {
        Some((m, n)) => (m.to_string(), n.to_string()),
        None => ("__import__".to_string(), text.to_string()),
    }
}

fn list_items(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => s
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
        Value::Array(a) => a
            .iter()
            .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
            .collect(),
        other => vec![
            other
                .as_str()
                .map_or_else(|| other.to_string(), str::to_string),
        ],
    }
}

/// Resolves, in one `ir.model.data` read per round, the external ids the
/// round's rows name that are not known yet.
async fn resolve_xml_ids(
    client: &Client,
    rows: &[Row],
    columns: &[Column],
    known: &mut HashMap<(String, String), Option<i64>>,
) -> anyhow::Result<()> {
    let mut wanted: HashSet<(String, String)> = HashSet::new();
    for row in rows {
        for (i, v) in &row.cells {
            if columns.get(*i).is_some_and(|c| c.via == Via::XmlId) {
                for item in list_items(v) {
                    let key = split_xml_id(&item);
                    if !known.contains_key(&key) {
                        wanted.insert(key);
                    }
                }
            }
        }
    }
    if wanted.is_empty() {
        return Ok(());
    }
    let wanted: Vec<_> = wanted.into_iter().collect();
    for part in wanted.chunks(500) {
        let mut domain: Vec<Value> = Vec::new();
        for _ in 1..part.len() {
            domain.push(json!("|"));
        }
        for (m, n) in part {
            domain.extend([
                json!("&"),
                json!(["module", "=", m]),
                json!(["name", "=", n]),
            ]);
        }
        let found: Vec<Map<String, Value>> = client
            .search_read(
                "ir.model.data",
                Value::Array(domain),
                &["module", "name", "res_id"],
                zenoo_rpc::SearchOptions::new(),
            )
            .await?;
        for key in part {
            known.insert(key.clone(), None);
        }
        for r in found {
            let (Some(m), Some(n), Some(id)) = (
                r["module"].as_str(),
                r["name"].as_str(),
                r["res_id"].as_i64(),
            ) else {
                continue;
            };
            known.insert((m.to_string(), n.to_string()), Some(id));
        }
    }
    Ok(())
}

/// A row's values as `create` takes them, or why it cannot be.
fn convert(
    row: &Row,
    columns: &[Column],
    fields: &ModelSchema,
    xml_ids: &HashMap<(String, String), Option<i64>>,
) -> Result<Map<String, Value>, String> {
    let mut vals = Map::new();
    for (i, raw) in &row.cells {
        let col = columns
            .get(*i)
            .ok_or_else(|| format!("line {}: a value without a column", row.line))?;
        if col.via == Via::Ignored {
            continue;
        }
        let info = fields
            .field(&col.field)
            .ok_or_else(|| format!("line {}: {} is not a field", row.line, col.field))?;
        let at = |e: String| format!("line {}, {}: {e}", row.line, col.field);
        let value = match (&info.field_type, col.via) {
            (FieldType::Many2one, via) => {
                let id = match (via, raw) {
                    (Via::XmlId, v) => {
                        xml_id(&list_items(v).join(","), xml_ids, info).map_err(at)?
                    }
                    (_, Value::Array(pair)) => pair
                        .first()
                        .and_then(Value::as_i64)
                        .ok_or_else(|| at(format!("{raw} is not an id")))?,
                    (_, v) => id_of(v).map_err(at)?,
                };
                json!(id)
            }
            (FieldType::Many2many, via) => {
                let ids = list_items(raw)
                    .iter()
                    .map(|item| match via {
                        Via::XmlId => xml_id(item, xml_ids, info),
                        _ => id_of(&Value::String(item.clone())),
                    })
                    .collect::<Result<Vec<i64>, String>>()
                    .map_err(at)?;
                json!([[6, 0, ids]])
            }
            (FieldType::Integer, _) => json!(integer(raw).map_err(at)?),
            (FieldType::Float | FieldType::Monetary, _) => json!(float(raw).map_err(at)?),
            (FieldType::Boolean, _) => json!(boolean(raw).map_err(at)?),
            (_, _) => match raw {
                Value::String(_) => raw.clone(),
                other if matches!(row.original, Original::Json(_)) => other.clone(),
                other => Value::String(other.to_string()),
            },
        };
        vals.insert(col.field.clone(), value);
    }
    Ok(vals)
}

fn xml_id(
    text: &str,
    known: &HashMap<(String, String), Option<i64>>,
    info: &FieldInfo,
) -> Result<i64, String> {
    let key = split_xml_id(text);
    match known.get(&key) {
        Some(Some(id)) => Ok(*id),
        _ => Err(format!(
            "no record of {} has the external id {}.{}",
            info.relation.as_deref().unwrap_or("the comodel"),
            key.0,
            key.1
        )),
    }
}

fn id_of(v: &Value) -> Result<i64, String> {
    integer(v)
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| format!("{v} is not a record id (use a /id column for external ids)"))
}

fn integer(v: &Value) -> Result<i64, String> {
    match v {
        Value::Number(n) => n.as_i64().ok_or_else(|| format!("{n} is not an integer")),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not an integer")),
        other => Err(format!("{other} is not an integer")),
    }
}

fn float(v: &Value) -> Result<f64, String> {
    match v {
        Value::Number(n) => n.as_f64().ok_or_else(|| format!("{n} is not a number")),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .ok_or_else(|| format!("{s:?} is not a number")),
        other => Err(format!("{other} is not a number")),
    }
}

fn boolean(v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "y" | "t" => Ok(true),
            "0" | "false" | "no" | "n" | "f" => Ok(false),
            _ => Err(format!("{s:?} is not a boolean (true/false, yes/no, 1/0)")),
        },
        other => Err(format!("{other} is not a boolean")),
    }
}

/// Creates `rows` in chunks; the number created. Refused chunks are split
/// until the refused rows stand alone ([`Batch::isolate_refused`]).
///
/// [`Batch::isolate_refused`]: zenoo_rpc::batch::Batch::isolate_refused
async fn create(
    client: &Client,
    model: &str,
    rows: Vec<(Row, Map<String, Value>)>,
    chunk: usize,
    rejects: &mut Vec<Reject>,
) -> usize {
    let vals: Vec<&Map<String, Value>> = rows.iter().map(|(_, v)| v).collect();
    let report = client
        .batch()
        .chunk_size(chunk)
        .concurrency(2)
        .isolate_refused(true)
        .create_many(model, &vals)
        .await;
    let created = report.succeeded().count();
    let mut slots: Vec<Option<Row>> = rows.into_iter().map(|(row, _)| Some(row)).collect();
    for failure in report.failures {
        let error = &failure.error;
        let why = if error.odoo().is_some() {
            odoo_message(error)
        } else {
            format!(
                "{error}; the outcome is unknown: these rows may have been created, check before importing them again"
            )
        };
        for row in failure.indexes.filter_map(|i| slots.get_mut(i)?.take()) {
            rejects.push(Reject {
                line: row.line,
                original: row.original,
                error: format!("line {}: {why}", row.line),
            });
        }
    }
    created
}

fn odoo_message(e: &zenoo_rpc::Error) -> String {
    match e.odoo() {
        Some(o) => format!("{}: {}", o.name, o.message),
        None => e.to_string(),
    }
}

fn default_reject_path(file: &Path, format: RowFormat) -> PathBuf {
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("import");
    let ext = match format {
        RowFormat::Csv => "csv",
        RowFormat::Jsonl => "jsonl",
    };
    file.with_file_name(format!("{stem}.rejects.{ext}"))
}

/// The reject file: the rows as they were, with their line and error.
fn write_rejects(
    path: &Path,
    format: RowFormat,
    headers: &[String],
    rejects: &[Reject],
) -> anyhow::Result<()> {
    let file = std::fs::File::create(path)
        .with_context(|| format!("cannot write the reject file {}", path.display()))?;
    match format {
        RowFormat::Csv => {
            let mut w = csv::WriterBuilder::new().flexible(true).from_writer(file);
            let mut head = vec!["line".to_string(), "error".to_string()];
            head.extend(headers.iter().cloned());
            w.write_record(&head)?;
            for r in rejects {
                let mut rec = vec![r.line.to_string(), r.error.clone()];
                match &r.original {
                    Original::Csv(cells) => rec.extend(cells.iter().cloned()),
                    Original::Json(v) => rec.push(v.to_string()),
                }
                w.write_record(&rec)?;
            }
            w.flush()?;
        }
        RowFormat::Jsonl => {
            let mut w = std::io::BufWriter::new(file);
            for r in rejects {
                let row = match &r.original {
                    Original::Json(v) => v.clone(),
                    Original::Csv(cells) => json!(cells),
                };
                writeln!(
                    w,
                    "{}",
                    json!({"line": r.line, "error": r.error, "row": row})
                )?;
            }
            w.flush()?;
        }
    }
    Ok(())
}
