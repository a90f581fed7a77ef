//! Reading the import file: CSV or JSON Lines, row by row, each row with
//! the line it started on.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;

use anyhow::{Context as _, bail};
use serde_json::Value;

use zenoo_rpc::schema::ModelSchema;

use super::{Column, Original, Reject, Row, column};
use crate::cli::RowFormat;

/// Rows from a CSV or JSON Lines file.
pub(super) struct Reader {
    inner: Inner,
    /// What each CSV column or JSON key fills.
    pub(super) columns: Vec<Column>,
    pub(super) done: bool,
    line: u64,
}

enum Inner {
    Csv {
        reader: csv::Reader<LineCounter>,
        headers: Vec<String>,
    },
    Jsonl {
        reader: BufReader<std::fs::File>,
        position: u64,
        /// Keys seen so far and the column each maps to.
        keys: Vec<String>,
    },
}

impl Reader {
    pub(super) fn new(file: std::fs::File, format: RowFormat, path: &Path) -> anyhow::Result<Self> {
        let inner = match format {
            RowFormat::Csv => {
                let mut reader = csv::ReaderBuilder::new()
                    .flexible(true)
                    .from_reader(LineCounter::new(file));
                let headers = reader
                    .headers()
                    .with_context(|| format!("{}: the header line cannot be read", path.display()))?
                    .iter()
                    .map(str::to_string)
                    .collect();
                Inner::Csv { reader, headers }
            }
            RowFormat::Jsonl => Inner::Jsonl {
                reader: BufReader::new(file),
                position: 0,
                keys: Vec::new(),
            },
        };
        Ok(Self {
            inner,
            columns: Vec::new(),
            done: false,
            line: 1,
        })
    }

    pub(super) fn headers(&self) -> &[String] {
        match &self.inner {
            Inner::Csv { headers, .. } => headers,
            Inner::Jsonl { .. } => &[],
        }
    }

    pub(super) fn position(&self) -> u64 {
        match &self.inner {
            Inner::Csv { reader, .. } => reader.position().byte(),
            Inner::Jsonl { position, .. } => *position,
        }
    }

    /// Checks the CSV header's columns against the model's fields (JSON
    /// Lines keys are checked as they come).
    pub(super) fn check_header(
        &mut self,
        fields: &ModelSchema,
        model: &str,
        path: &Path,
    ) -> anyhow::Result<()> {
        let Inner::Csv { headers, .. } = &self.inner else {
            return Ok(());
        };
        let mut seen = HashSet::new();
        self.columns = headers
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let col = column(h, fields, model)
                    .with_context(|| format!("{}: column {} ({h:?})", path.display(), i + 1))?;
                if !seen.insert(col.field.clone()) {
                    bail!(
                        "{}: column {} ({h:?}) sets {} a second time",
                        path.display(),
                        i + 1,
                        col.field
                    );
                }
                Ok(col)
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(())
    }

    /// The next row, a row rejected as it was read, or the end.
    pub(super) fn next_row(
        &mut self,
        fields: &ModelSchema,
        model: &str,
    ) -> anyhow::Result<Option<Result<Row, Reject>>> {
        if self.done {
            return Ok(None);
        }
        let columns = self.columns.len();
        match &mut self.inner {
            Inner::Csv { reader, .. } => {
                let mut record = csv::StringRecord::new();
                match reader.read_record(&mut record) {
                    Ok(false) => {
                        self.done = true;
                        Ok(None)
                    }
                    Ok(true) => {
                        let start = record.position().map_or(0, csv::Position::byte);
                        let line = reader.get_mut().line_at(start);
                        let cells: Vec<String> = record.iter().map(str::to_string).collect();
                        if cells.len() != columns {
                            return Ok(Some(Err(Reject {
                                line,
                                error: format!(
                                    "line {line}: {} cells where the header has {} columns",
                                    cells.len(),
                                    columns
                                ),
                                original: Original::Csv(cells),
                            })));
                        }
                        let values = cells
                            .iter()
                            .enumerate()
                            .filter(|(_, c)| !c.is_empty())
                            .map(|(i, c)| (i, Value::String(c.clone())))
                            .collect();
                        Ok(Some(Ok(Row {
                            line,
                            original: Original::Csv(cells),
                            cells: values,
                        })))
                    }
                    Err(e) => bail!("the CSV file cannot be read past line {}: {e}", self.line),
                }
            }
            Inner::Jsonl { .. } => self.next_json_row(fields, model),
        }
    }

    fn next_json_row(
        &mut self,
        fields: &ModelSchema,
        model: &str,
    ) -> anyhow::Result<Option<Result<Row, Reject>>> {
        let Inner::Jsonl {
            reader,
            position,
            keys,
        } = &mut self.inner
        else {
            return Ok(None);
        };
        let columns = &mut self.columns;
        loop {
            let mut text = String::new();
            let n = reader.read_line(&mut text)?;
            if n == 0 {
                self.done = true;
                return Ok(None);
            }
            *position += n as u64;
            let line = self.line;
            self.line += 1;
            if text.trim().is_empty() {
                continue;
            }
            let value: Value = match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(e) => {
                    return Ok(Some(Err(Reject {
                        line,
                        error: format!("line {line}: not JSON: {e}"),
                        original: Original::Json(Value::String(text.trim_end().to_string())),
                    })));
                }
            };
            let Value::Object(map) = &value else {
                return Ok(Some(Err(Reject {
                    line,
                    error: format!("line {line}: a JSON object was expected"),
                    original: Original::Json(value),
                })));
            };
            let mut cells = Vec::with_capacity(map.len());
            let mut bad = None;
            for (k, v) in map {
                let i = match keys.iter().position(|x| x == k) {
                    Some(i) => i,
                    None => match column(k, fields, model) {
                        Ok(col) => {
                            keys.push(k.clone());
                            columns.push(col);
                            keys.len() - 1
                        }
                        Err(e) => {
                            bad.get_or_insert(format!("line {line}: {k:?}: {e}"));
                            continue;
                        }
                    },
                };
                if !v.is_null() {
                    cells.push((i, v.clone()));
                }
            }
            if let Some(error) = bad {
                return Ok(Some(Err(Reject {
                    line,
                    error,
                    original: Original::Json(value),
                })));
            }
            return Ok(Some(Ok(Row {
                line,
                original: Original::Json(value),
                cells,
            })));
        }
    }
}

/// Counts the lines of what the CSV reader reads, so that a record's line
/// is right whatever the line endings (the reader's own count is one short
/// after CRLF lines). Keeps only the newlines the reader has read ahead.
struct LineCounter {
    file: std::fs::File,
    read: u64,
    /// Offsets of newlines not yet passed by a record start.
    ahead: std::collections::VecDeque<u64>,
    passed: u64,
}

impl LineCounter {
    fn new(file: std::fs::File) -> Self {
        Self {
            file,
            read: 0,
            ahead: std::collections::VecDeque::new(),
            passed: 0,
        }
    }

    /// The 1-based line of a record starting at `offset` (offsets only
    /// grow; after a CRLF the reader puts a record at its LF).
    fn line_at(&mut self, offset: u64) -> u64 {
        while self.ahead.front().is_some_and(|n| *n <= offset) {
            self.ahead.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }
}

impl std::io::Read for LineCounter {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        for (i, b) in buf.iter().take(n).enumerate() {
            if *b == b'\n' {
                self.ahead.push_back(self.read + i as u64);
            }
        }
        self.read += n as u64;
        Ok(n)
    }
}
