//! The journal that makes a unit durable: each step written (and synced)
//! before its call is sent, and the recovery of a unit a crashed process
//! left behind.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::client::{Client, SearchOptions};
use crate::error::{Error, Result};
use crate::external_id::find_keyed;

use super::report::{Reason, RollbackReport, Uncompensated};
use super::undo::{compensate, same};
use super::work::UnitOfWork;
use super::{ModelFields, Step, id_of, model_fields, snapshot};

/// One line of the journal file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Entry {
    /// About to send step `n`; `step` is what will need undoing if it
    /// happens (with the values before it).
    Intent { n: usize, step: Step },
    /// Step `n` happened, as recorded.
    Done { n: usize, step: Step },
    /// Step `n` failed without being applied.
    Failed { n: usize },
    /// Steps from `n` on were rolled back.
    RolledBack { n: usize },
    /// The unit was committed: nothing to recover.
    Committed,
}

pub(super) struct Journal {
    pub(super) path: PathBuf,
    pub(super) file: std::fs::File,
}

impl Journal {
    pub(super) fn write(&mut self, entry: &Entry) -> Result<()> {
        let mut line = serde_json::to_vec(entry)
            .map_err(|e| Error::journal(&self.path, format!("cannot encode an entry: {e}")))?;
        line.push(b'\n');
        self.file
            .write_all(&line)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| Error::file(&self.path, "write", e))
    }
}

/// Removes a finished unit's journal (kept when the rollback was partial,
/// for `recover` to try again).
pub(super) fn finish_journal(j: Journal, complete: bool) {
    let Journal { path, file } = j;
    drop(file);
    if complete && let Err(e) = std::fs::remove_file(&path) {
        tracing::warn!(target: "zenoo_rpc::unit", path = %path.display(), error = %e, "the journal could not be removed");
    }
}

/// A step that was in flight when the process died, as it turned out:
/// `None` when what it made cannot be found.
pub(super) async fn settle(client: &Client, step: Step) -> Result<Option<Step>> {
    Ok(Some(match step {
        Step::Created {
            model,
            key: Some(key),
            ..
        } => match find_keyed(client, &model, &key).await? {
            Some(id) => {
                let meta = model_fields(client, &model).await?;
                Step::Created {
                    left: snapshot(client, &model, &[id], &meta.restorable()).await?,
                    model,
                    key: Some(key),
                }
            }
            // Not found: it was never made.
            None => Step::Created {
                model,
                left: Vec::new(),
                key: Some(key),
            },
        },
        Step::Created { key: None, .. } => return Ok(None),
        // The write may or may not have happened: what is there now is
        // what the unit left.
        Step::Written {
            model,
            before,
            lines,
            ..
        } => {
            let ids: Vec<i64> = before
                .iter()
                .filter_map(|r| r.get("id")?.as_i64())
                .collect();
            let fields: Vec<String> = before
                .first()
                .map(|r| r.keys().filter(|k| *k != "id").cloned().collect())
                .unwrap_or_default();
            let after = snapshot(client, &model, &ids, &fields).await?;
            let mut settled = Vec::new();
            for mut l in lines {
                let parents: BTreeSet<i64> = ids.iter().copied().collect();
                let now: Vec<i64> = client
                    .search(
                        &l.model,
                        json!([[l.inverse.as_str(), "in", parents.iter().collect::<Vec<_>>()]]),
                        SearchOptions::new(),
                    )
                    .await?;
                let fields: Vec<String> = model_fields(client, &l.model).await?.restorable();
                l.after = snapshot(client, &l.model, &now, &fields).await?;
                settled.push(l);
            }
            Step::Written {
                model,
                before,
                after,
                lines: settled,
            }
        }
        other => other,
    }))
}

/// The record a create whose answer was lost made: this user's, above
/// `highest`, holding the plain values of `vals`. `None` when there is
/// none, or more than one (then nothing is assumed).
pub(super) async fn find_lost(
    client: &Client,
    model: &str,
    highest: i64,
    vals: &Map<String, Value>,
    meta: &ModelFields,
) -> Result<Option<i64>> {
    let ids = client
        .search(
            model,
            json!([["id", ">", highest], ["create_uid", "=", client.uid()]]),
            SearchOptions::new()
                .order("id")
                .context(crate::context::Context::new().active_test(false)),
        )
        .await?;
    let plain: Vec<String> = vals
        .iter()
        .filter(|(k, v)| {
            meta.field(k)
                .is_some_and(|f| f.stored && !f.field_type.is_x2many())
                && !v.is_array()
                && !v.is_object()
        })
        .map(|(k, _)| k.clone())
        .collect();
    let rows = snapshot(client, model, &ids, &plain).await?;
    let mut matching = rows.iter().filter(|r| {
        plain
            .iter()
            .all(|f| same(&vals[f], r.get(f).unwrap_or(&Value::Null)))
    });
    match (matching.next(), matching.next()) {
        (Some(r), None) => Ok(id_of(r)),
        _ => Ok(None),
    }
}

impl UnitOfWork {
    /// Rolls back the unit a crashed process left in the journal at
    /// `path`, and removes the journal when the rollback is complete. A
    /// committed unit's journal is only removed.
    ///
    /// # Errors
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) when the journal cannot be
    /// read or is not one.
    pub async fn recover(client: &Client, path: impl AsRef<Path>) -> Result<RollbackReport> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::file(path, "read", e))?;
        let mut steps: Vec<Option<Step>> = Vec::new();
        let mut in_flight: Vec<Option<Step>> = Vec::new();
        let mut committed = false;
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let entry: Entry = match serde_json::from_str(line) {
                Ok(e) => e,
                // A torn last line: the process died while writing it, so
                // its call was never sent.
                Err(_) if i + 1 == text.lines().count() => break,
                Err(e) => return Err(Error::journal(path, format!("line {}: {e}", i + 1))),
            };
            let slot = |v: &mut Vec<Option<Step>>, n: usize| {
                if v.len() <= n {
                    v.resize_with(n.saturating_add(1).min(1 << 20), || None);
                }
            };
            match entry {
                Entry::Intent { n, step } => {
                    slot(&mut in_flight, n);
                    if let Some(s) = in_flight.get_mut(n) {
                        *s = Some(step);
                    }
                }
                Entry::Done { n, step } => {
                    slot(&mut steps, n);
                    if let Some(s) = steps.get_mut(n) {
                        *s = Some(step);
                    }
                    if let Some(s) = in_flight.get_mut(n) {
                        *s = None;
                    }
                }
                Entry::Failed { n } => {
                    if let Some(s) = in_flight.get_mut(n) {
                        *s = None;
                    }
                }
                Entry::RolledBack { n } => {
                    steps.truncate(n);
                    in_flight.truncate(n);
                }
                Entry::Committed => committed = true,
            }
        }
        if committed {
            std::fs::remove_file(path).map_err(|e| Error::file(path, "remove", e))?;
            return Ok(RollbackReport::default());
        }
        let mut all: Vec<Step> = steps.into_iter().flatten().collect();
        let mut report = RollbackReport::default();
        for step in in_flight.into_iter().flatten() {
            let model = match &step {
                Step::Created { model, .. }
                | Step::Written { model, .. }
                | Step::Deleted { model, .. } => model.clone(),
                Step::Called { label, .. } => label.clone(),
            };
            match settle(client, step).await? {
                Some(s) => all.push(s),
                None => report.uncompensated.push(Uncompensated {
                    model,
                    id: None,
                    reason: Reason::OutcomeUnknown,
                }),
            }
        }
        let mut done = compensate(client, all).await;
        done.uncompensated.append(&mut report.uncompensated);
        if done.is_complete() {
            std::fs::remove_file(path).map_err(|e| Error::file(path, "remove", e))?;
        }
        Ok(done)
    }
}
