//! `zenoo search` and `zenoo count`.

use crate::stdout::{out, outln};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use serde_json::Value;
use zenoo_rpc::{Domain, DynamicRecord};

use crate::cli::{Connection, DomainArgs, Format, SearchArgs};
use crate::settings::Target;
use crate::{output, table};

/// The domain from `--where` (text) or `--domain` (JSON).
pub fn domain(args: &DomainArgs) -> anyhow::Result<Domain> {
    match (&args.r#where, &args.domain) {
        (Some(text), _) => text.parse::<Domain>().map_err(|e| {
            let caret = " ".repeat(e.column().saturating_sub(1));
            anyhow::anyhow!("--where: {e}\n  {text}\n  {caret}^")
        }),
        (None, Some(json)) => {
            let v: Value = serde_json::from_str(json)
                .with_context(|| format!("--domain must be JSON, got {json:?}"))?;
            Domain::from_json(v).map_err(|e| anyhow::anyhow!("--domain: {e}"))
        }
        (None, None) => Ok(Domain::True),
    }
}

/// `zenoo search`.
pub async fn search(
    target: &Target,
    conn: &Connection,
    args: &SearchArgs,
) -> anyhow::Result<ExitCode> {
    let domain = domain(&args.domain)?;
    let client = target.connect(conn).await?;
    let mut q = client.model_named(&args.model).filter(domain);
    let fields: Vec<String> = match args.fields.as_deref() {
        Some("*") => Vec::new(),
        Some(list) => list
            .split(',')
            .map(|f| f.trim().to_string())
            .filter(|f| !f.is_empty())
            .collect(),
        None => vec!["display_name".into()],
    };
    if !fields.is_empty() {
        let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
        q = q.only(&refs);
    }
    if let Some(o) = &args.order {
        q = q.order_by(o);
    }
    if args.limit > 0 {
        q = q.limit(args.limit);
    }
    if let Some(o) = args.offset {
        q = q.offset(o);
    }
    let rows: Vec<DynamicRecord> = q.values().await?;
    // The limit cut the answer: say how many more there are, and how to
    // see them (on stderr, so pipes get the rows alone).
    let cut = args.limit > 0 && rows.len() as u64 == args.limit;
    let more = if cut {
        let total = q.count().await?; // the domain's count: limit and offset aside
        let shown_to = args.offset.unwrap_or(0).saturating_add(args.limit);
        total.checked_sub(shown_to).filter(|n| *n > 0)
    } else {
        None
    };
    let hint = || {
        if let Some(n) = more {
            eprintln!(
                "({n} more record{} not shown: --limit 0 for all, or --offset {} for the next)",
                if n == 1 { "" } else { "s" },
                args.offset.unwrap_or(0).saturating_add(args.limit)
            );
        }
    };
    let format = args.output.format;
    if format == Format::Json {
        outln!("{}", serde_json::to_string_pretty(&rows)?)?;
        hint();
        return Ok(ExitCode::SUCCESS);
    }
    let mut headers = vec!["id".to_string()];
    match rows.first() {
        Some(r) => headers.extend(r.as_map().keys().filter(|k| *k != "id").cloned()),
        None => headers.extend(fields.iter().filter(|f| *f != "id").cloned()),
    }
    let cells = table::cells(&headers, rows.iter().map(DynamicRecord::as_map));
    match format {
        Format::Csv => out!("{}", table::csv(&headers, &cells)?)?,
        Format::Table => {
            if args.vertical {
                out!("{}", table::vertical(&headers, &cells, output::width()))?;
            } else {
                let table = table::render(&headers, &cells, output::width());
                out!("{}", table.text)?;
                if let Some(note) = table.note() {
                    eprintln!("{note}");
                }
            }
            eprintln!(
                "({} record{})",
                rows.len(),
                if rows.len() == 1 { "" } else { "s" }
            );
        }
        Format::Json => bail!("unreachable format"),
    }
    hint();
    Ok(ExitCode::SUCCESS)
}

/// `zenoo count`.
pub async fn count(
    target: &Target,
    conn: &Connection,
    model: &str,
    args: &DomainArgs,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let domain = domain(args)?;
    let client = target.connect(conn).await?;
    let n = client.model_named(model).filter(domain).count().await?;
    match format {
        Format::Table => outln!("{n}")?,
        _ => output::rows(
            format,
            &["count"],
            &[vec![n.to_string()]],
            &serde_json::json!({ "count": n }),
        )?,
    }
    Ok(ExitCode::SUCCESS)
}
