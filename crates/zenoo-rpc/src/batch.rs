//! Batches: creates, writes and unlinks over any number of records, in
//! chunks, a few chunks at a time, with results in input order.
//!
//! A chunk is one call (`create` takes a list of values, `write` and
//! `unlink` a list of ids), so it succeeds or fails whole: Odoo runs each
//! call in one transaction. A failed chunk is reported with the input
//! indexes it covers and its error; the chunks that succeeded are kept and
//! reported too. Retries of a chunk follow the client's
//! [`RetryPolicy`](crate::RetryPolicy), under which creates are not
//! repeated once sent.
//!
//! A chunk Odoo refused with an exception (a constraint, a missing
//! record) was rolled back whole: none of it exists. With
//! [`Batch::isolate_refused`] such a chunk is split in halves and sent
//! again until the refused records stand alone, so that every record Odoo
//! accepts is done and each failure names one record. A chunk whose
//! outcome is unknown (the connection broke after it was sent) is never
//! sent again.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> zenoo_rpc::Result<()> {
//! # let sim = zenoo_sim::Sim::builder().start().await.expect("sim");
//! use serde_json::json;
//! use zenoo_rpc::Client;
//!
//! let client = Client::builder(&sim.url()).database("demo").password("admin", "admin").build().await?;
//! let vals: Vec<_> = (0..250).map(|i| json!({"name": format!("Imported {i}")})).collect();
//! let report = client.batch().chunk_size(100).concurrency(2).create_many("res.partner", &vals).await;
//! assert!(report.is_complete());
//! assert_eq!(report.ids().len(), 250);
//! # Ok(()) }
//! ```

use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::StreamExt;
use serde::Serialize;
use serde_json::{Value, json};

use crate::call::Call;
use crate::client::Client;
use crate::error::{Error, Result};

/// Records done so far and in all, for a progress callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Records whose chunk has finished (succeeded or failed).
    pub done: usize,
    /// Records in the batch.
    pub total: usize,
}

type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// Settings of a batch: [`Client::batch`].
#[derive(Clone)]
#[must_use]
pub struct Batch {
    client: Client,
    chunk: usize,
    concurrency: usize,
    isolate_refused: bool,
    progress: Option<ProgressFn>,
}

impl std::fmt::Debug for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("chunk", &self.chunk)
            .field("concurrency", &self.concurrency)
            .field("isolate_refused", &self.isolate_refused)
            .finish_non_exhaustive()
    }
}

/// A chunk that failed: the input indexes it covers and why.
#[derive(Debug)]
pub struct ChunkFailure {
    /// The input indexes of the chunk's records.
    pub indexes: Range<usize>,
    /// The chunk's error.
    pub error: Error,
}

/// What a batch did, in input order.
#[derive(Debug)]
pub struct BatchReport<T> {
    /// For each input index, its result when its chunk succeeded.
    pub results: Vec<Option<T>>,
    /// The chunks that failed, in input order.
    pub failures: Vec<ChunkFailure>,
}

impl<T> BatchReport<T> {
    /// Whether every chunk succeeded.
    pub fn is_complete(&self) -> bool {
        self.failures.is_empty()
    }

    /// The results of the chunks that succeeded, in input order (failed
    /// records left out).
    pub fn succeeded(&self) -> impl Iterator<Item = (usize, &T)> {
        self.results
            .iter()
            .enumerate()
            .filter_map(|(i, r)| Some((i, r.as_ref()?)))
    }

    /// Every result, or the first chunk's error.
    ///
    /// # Errors
    /// The error of the first failed chunk.
    pub fn into_result(self) -> Result<Vec<T>> {
        if let Some(f) = self.failures.into_iter().next() {
            return Err(f.error);
        }
        Ok(self.results.into_iter().flatten().collect())
    }
}

impl<T> BatchReport<T> {
    /// Puts the results of the chunk `range` in their places.
    fn place(&mut self, range: Range<usize>, items: Vec<T>) {
        for (slot, item) in self
            .results
            .get_mut(range)
            .unwrap_or_default()
            .iter_mut()
            .zip(items)
        {
            *slot = Some(item);
        }
    }
}

/// Whether a failed chunk can be split and sent again: Odoo refused it
/// (so rolled it back), and it has more than one record.
fn splittable(range: &Range<usize>, error: &Error) -> bool {
    range.len() > 1 && error.odoo().is_some() && !error.outcome_unknown()
}

impl BatchReport<i64> {
    /// The ids created, in input order (those of failed chunks left out).
    pub fn ids(&self) -> Vec<i64> {
        self.results.iter().flatten().copied().collect()
    }
}

impl Batch {
    pub(crate) fn new(client: Client) -> Self {
        Self {
            client,
            chunk: 100,
            concurrency: 2,
            isolate_refused: false,
            progress: None,
        }
    }

    /// Records per call (default 100).
    pub fn chunk_size(mut self, n: usize) -> Self {
        self.chunk = n.max(1);
        self
    }

    /// Chunks in flight at once (default 2).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Splits a chunk Odoo refused (and so rolled back) in halves and
    /// sends them again, until the refused records stand alone (default
    /// off). A batch of `n` records with `k` refused ones then costs about
    /// `k · log2(chunk)` more calls; each remaining failure covers one
    /// record, or a chunk whose outcome is unknown (never sent again).
    pub fn isolate_refused(mut self, on: bool) -> Self {
        self.isolate_refused = on;
        self
    }

    /// Called after each chunk with the records done so far.
    pub fn progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// One chunk's call and its per-record results.
    async fn send<T>(
        &self,
        range: Range<usize>,
        call: &impl Fn(Range<usize>) -> Result<Call>,
        split: &impl Fn(Range<usize>, Value) -> Result<Vec<T>>,
    ) -> Result<Vec<T>> {
        let v = self.client.call::<Value>(call(range.clone())?).await?;
        split(range, v)
    }

    /// Runs one call per chunk of `total` records, `call(range)` making
    /// it, `split(range, value)` turning its result into per-record ones.
    async fn run<T>(
        &self,
        total: usize,
        call: impl Fn(Range<usize>) -> Result<Call>,
        split: impl Fn(Range<usize>, Value) -> Result<Vec<T>>,
    ) -> BatchReport<T> {
        let ranges: Vec<Range<usize>> = (0..total)
            .step_by(self.chunk)
            .map(|s| s..s.saturating_add(self.chunk).min(total))
            .collect();
        let done = AtomicUsize::new(0);
        let outcomes: Vec<(Range<usize>, Result<Vec<T>>)> = futures_util::stream::iter(ranges)
            .map(|range| {
                let (call, split, done) = (&call, &split, &done);
                async move {
                    let result = self.send(range.clone(), call, split).await;
                    let n = done.fetch_add(range.len(), Ordering::Relaxed) + range.len();
                    if let Some(p) = &self.progress {
                        p(Progress { done: n, total });
                    }
                    (range, result)
                }
            })
            .buffered(self.concurrency)
            .collect()
            .await;
        let mut report = BatchReport {
            results: (0..total).map(|_| None).collect(),
            failures: Vec::new(),
        };
        // Refused chunks still to split, last first.
        let mut refused = Vec::new();
        for (range, outcome) in outcomes {
            match outcome {
                Ok(items) => report.place(range, items),
                Err(error) if self.isolate_refused && splittable(&range, &error) => {
                    refused.push(ChunkFailure {
                        indexes: range,
                        error,
                    });
                }
                Err(error) => report.failures.push(ChunkFailure {
                    indexes: range,
                    error,
                }),
            }
        }
        refused.reverse();
        while let Some(failed) = refused.pop() {
            let range = failed.indexes;
            let mid = range.start + range.len() / 2;
            // The second half is pushed first, so the first is sent first.
            let mut halves = Vec::with_capacity(2);
            for half in [range.start..mid, mid..range.end] {
                match self.send(half.clone(), &call, &split).await {
                    Ok(items) => report.place(half, items),
                    Err(error) if splittable(&half, &error) => halves.push(ChunkFailure {
                        indexes: half,
                        error,
                    }),
                    Err(error) => report.failures.push(ChunkFailure {
                        indexes: half,
                        error,
                    }),
                }
            }
            refused.extend(halves.into_iter().rev());
        }
        report.failures.sort_by_key(|f| f.indexes.start);
        report
    }

    /// Creates one record per value: one `create` call per chunk, ids in
    /// input order.
    pub async fn create_many<V: Serialize>(&self, model: &str, vals: &[V]) -> BatchReport<i64> {
        self.run(
            vals.len(),
            |r| {
                let label = format!("{model}.create");
                let chunk = vals.get(r).unwrap_or_default();
                let list = serde_json::to_value(chunk).map_err(|e| Error::encode(&label, e))?;
                Ok(Call::new(model, "create").arg(list))
            },
            |r, v| {
                let ids: Vec<i64> = crate::response::decode_value(v, &format!("{model}.create"))?;
                if ids.len() != r.len() {
                    return Err(Error::invalid_query(format!(
                        "{model}.create returned {} ids for {} records (input indexes {}..{})",
                        ids.len(),
                        r.len(),
                        r.start,
                        r.end
                    )));
                }
                Ok(ids)
            },
        )
        .await
    }

    /// Writes `vals` on every id: one `write` call per chunk of ids.
    pub async fn write_many(
        &self,
        model: &str,
        ids: &[i64],
        vals: impl Serialize,
    ) -> BatchReport<bool> {
        let label = format!("{model}.write");
        let vals = serde_json::to_value(vals).map_err(|e| Error::encode(&label, e));
        self.run(
            ids.len(),
            |r| {
                let vals = vals.as_ref().map_err(|e| Error::encode(&label, e))?;
                Ok(Call::new(model, "write")
                    .arg(json!(ids.get(r).unwrap_or_default()))
                    .arg(vals.clone()))
            },
            |r, v| Ok(vec![v.as_bool().unwrap_or(false); r.len()]),
        )
        .await
    }

    /// Deletes the ids: one `unlink` call per chunk.
    pub async fn unlink_many(&self, model: &str, ids: &[i64]) -> BatchReport<bool> {
        self.run(
            ids.len(),
            |r| Ok(Call::new(model, "unlink").arg(json!(ids.get(r).unwrap_or_default()))),
            |r, v| Ok(vec![v.as_bool().unwrap_or(false); r.len()]),
        )
        .await
    }
}
