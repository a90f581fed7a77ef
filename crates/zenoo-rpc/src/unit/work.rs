//! The unit of work itself: its steps as they are made, savepoints,
//! commit and rollback.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::call::Call;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::external_id::{IdempotencyKey, create_keyed, vals_of};
use crate::response::Response;

use super::journal::{Entry, Journal, find_lost, finish_journal};
use super::report::RollbackReport;
use super::undo::compensate;
use super::{CallSpec, Lines, ModelFields, Step, highest_id, linked, model_fields, snapshot};

/// A point to roll back to: [`UnitOfWork::savepoint`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Savepoint(usize);

/// Several writes undone together on failure: see the [module docs](crate::unit).
#[must_use = "a unit of work is rolled back when dropped without commit"]
pub struct UnitOfWork {
    client: Client,
    steps: Vec<Step>,
    journal: Option<Journal>,
    fields: HashMap<String, Arc<ModelFields>>,
    finished: bool,
}

impl std::fmt::Debug for UnitOfWork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnitOfWork")
            .field("steps", &self.steps.len())
            .field("journal", &self.journal.as_ref().map(|j| &j.path))
            .finish()
    }
}

impl UnitOfWork {
    /// Journals every step to `path` (created; it must not exist), so that
    /// [`recover`](Self::recover) can roll the unit back after a crash.
    ///
    /// # Errors
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) when the file cannot be created.
    pub fn with_journal(mut self, path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| Error::file(&path, "create the journal", e))?;
        self.journal = Some(Journal { path, file });
        Ok(self)
    }

    /// The steps recorded so far.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// Whether nothing was recorded yet.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    fn journal(&mut self, entry: &Entry) -> Result<()> {
        match &mut self.journal {
            Some(j) => j.write(entry),
            None => Ok(()),
        }
    }

    async fn meta(&mut self, model: &str) -> Result<Arc<ModelFields>> {
        if let Some(m) = self.fields.get(model) {
            return Ok(m.clone());
        }
        let m = model_fields(&self.client, model).await?;
        self.fields.insert(model.to_string(), m.clone());
        Ok(m)
    }

    /// Creates one record; its id.
    ///
    /// # Errors
    /// The create's error (nothing is recorded), or the journal's.
    pub async fn create(&mut self, model: &str, vals: impl Serialize) -> Result<i64> {
        let vals = vals_of(model, vals)?;
        self.create_inner(model, vals, None).await
    }

    /// Creates one record unless the record `key` names exists (see
    /// [`Client::create_idempotent`]); its id. An adopted record was not
    /// made by this unit: a rollback leaves it.
    ///
    /// # Errors
    /// As [`Client::create_idempotent`].
    pub async fn create_idempotent(
        &mut self,
        model: &str,
        key: &IdempotencyKey,
        vals: impl Serialize,
    ) -> Result<i64> {
        let vals = vals_of(model, vals)?;
        self.create_inner(model, vals, Some(key.clone())).await
    }

    async fn create_inner(
        &mut self,
        model: &str,
        vals: Map<String, Value>,
        key: Option<IdempotencyKey>,
    ) -> Result<i64> {
        let meta = self.meta(model).await?;
        let n = self.steps.len();
        self.journal(&Entry::Intent {
            n,
            step: Step::Created {
                model: model.to_string(),
                left: Vec::new(),
                key: key.clone(),
            },
        })?;
        let made = match &key {
            Some(k) => create_keyed(&self.client, model, k, vals).await,
            None => {
                // Without a key, a create whose answer is lost is found
                // again as this user's record above the highest id seen
                // before, holding the values sent.
                let highest = highest_id(&self.client, model).await?;
                match self.client.create(model, &vals).await {
                    Ok(id) => Ok((id, false)),
                    Err(e) if e.outcome_unknown() => {
                        match find_lost(&self.client, model, highest, &vals, &meta).await? {
                            Some(id) => {
                                self.record_created(n, model, id, None, &meta).await?;
                                return Err(e);
                            }
                            None => Err(e),
                        }
                    }
                    Err(e) => Err(e),
                }
            }
        };
        let (id, adopted) = match made {
            Ok(x) => x,
            Err(e) => {
                // A keyed create whose outcome is unknown stays in flight
                // in the journal: `recover` looks the key up.
                if key.is_none() || !e.outcome_unknown() {
                    self.journal(&Entry::Failed { n })?;
                }
                return Err(e);
            }
        };
        if adopted {
            let step = Step::Created {
                model: model.to_string(),
                left: Vec::new(),
                key,
            };
            self.journal(&Entry::Done {
                n,
                step: step.clone(),
            })?;
            self.steps.push(step);
            return Ok(id);
        }
        self.record_created(n, model, id, key, &meta).await?;
        Ok(id)
    }

    /// Records that step `n` made `id`.
    async fn record_created(
        &mut self,
        n: usize,
        model: &str,
        id: i64,
        key: Option<IdempotencyKey>,
        meta: &ModelFields,
    ) -> Result<()> {
        let left = snapshot(&self.client, model, &[id], &meta.restorable()).await?;
        let step = Step::Created {
            model: model.to_string(),
            left,
            key,
        };
        self.journal(&Entry::Done {
            n,
            step: step.clone(),
        })?;
        self.steps.push(step);
        Ok(())
    }

    /// Writes `vals` on `ids` (x2many commands included).
    ///
    /// # Errors
    /// The write's error. A write refused by Odoo changed nothing and is not
    /// recorded; one whose outcome is unknown is recorded as it is found
    /// afterwards, so that a rollback undoes whatever it did.
    pub async fn write(&mut self, model: &str, ids: &[i64], vals: impl Serialize) -> Result<()> {
        let vals = vals_of(model, vals)?;
        let meta = self.meta(model).await?;
        let mut fields = meta.restorable();
        let one2many: Vec<(String, String, String)> = meta
            .children()
            .into_iter()
            .filter(|(f, _, _)| vals.contains_key(f))
            .collect();
        fields.extend(one2many.iter().map(|(f, _, _)| f.clone()));
        let before = snapshot(&self.client, model, ids, &fields).await?;
        let mut lines = Vec::new();
        for (field, comodel, inverse) in &one2many {
            let line_ids = linked(&before, field);
            let cm = self.meta(comodel).await?;
            lines.push(Lines {
                model: comodel.clone(),
                inverse: inverse.clone(),
                before: snapshot(&self.client, comodel, &line_ids, &cm.restorable()).await?,
                after: Vec::new(),
            });
        }
        let n = self.steps.len();
        self.journal(&Entry::Intent {
            n,
            step: Step::Written {
                model: model.to_string(),
                before: before.clone(),
                after: Vec::new(),
                lines: lines.clone(),
            },
        })?;
        let sent = self.client.write(model, ids, &vals).await.map(|_| ());
        if let Err(e) = &sent
            && !e.outcome_unknown()
        {
            self.journal(&Entry::Failed { n })?;
            return sent;
        }
        let after = snapshot(&self.client, model, ids, &fields).await?;
        for (l, (field, comodel, _)) in lines.iter_mut().zip(&one2many) {
            let now = linked(&after, field);
            let cm = self.meta(comodel).await?;
            l.after = snapshot(&self.client, comodel, &now, &cm.restorable()).await?;
        }
        let step = Step::Written {
            model: model.to_string(),
            before,
            after,
            lines,
        };
        self.journal(&Entry::Done {
            n,
            step: step.clone(),
        })?;
        self.steps.push(step);
        sent
    }

    /// Deletes `ids` (their one2many children go with them, as Odoo does).
    ///
    /// # Errors
    /// The unlink's error; as for [`write`](Self::write), an unknown outcome
    /// is recorded as found.
    pub async fn unlink(&mut self, model: &str, ids: &[i64]) -> Result<()> {
        let meta = self.meta(model).await?;
        let mut fields = meta.restorable();
        fields.extend(meta.children().into_iter().map(|(f, _, _)| f));
        let mut before = snapshot(&self.client, model, ids, &fields).await?;
        let mut children = Vec::new();
        for (field, comodel, inverse) in meta.children() {
            let line_ids = linked(&before, &field);
            if line_ids.is_empty() {
                continue;
            }
            let cm = self.meta(&comodel).await?;
            children.push(Lines {
                model: comodel.clone(),
                inverse,
                before: snapshot(&self.client, &comodel, &line_ids, &cm.restorable()).await?,
                after: Vec::new(),
            });
        }
        for rec in &mut before {
            for (field, _, _) in meta.children() {
                rec.remove(&field);
            }
        }
        let n = self.steps.len();
        let step = Step::Deleted {
            model: model.to_string(),
            before,
            children,
        };
        let client = self.client.clone();
        self.journaled(n, step, async move {
            client.unlink(model, ids).await.map(|_| ())
        })
        .await
    }

    /// Runs step `n`, whose undoing `step` already knows before it is sent:
    /// journaled as intended, then as done (or failed, when it provably
    /// changed nothing).
    async fn journaled<T>(
        &mut self,
        n: usize,
        step: Step,
        send: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        self.journal(&Entry::Intent {
            n,
            step: step.clone(),
        })?;
        let sent = send.await;
        if let Err(e) = &sent
            && !e.outcome_unknown()
        {
            self.journal(&Entry::Failed { n })?;
            return sent;
        }
        self.journal(&Entry::Done {
            n,
            step: step.clone(),
        })?;
        self.steps.push(step);
        sent
    }

    /// Sends any other call (a workflow button, a custom method) as a step
    /// of the unit; `undo` is the call that reverses it (`action_cancel`
    /// after `action_confirm`), sent on rollback. Without one, a rollback
    /// reports the step as not undone.
    ///
    /// # Errors
    /// The call's error (a refused call is not recorded).
    pub async fn call(&mut self, call: Call, undo: Option<Call>) -> Result<Response> {
        let n = self.steps.len();
        let step = Step::Called {
            label: call.label().to_string(),
            undo: undo.as_ref().map(CallSpec::of),
        };
        let client = self.client.clone();
        self.journaled(n, step, async move { client.send(call).await })
            .await
    }

    /// The point reached: [`rollback_to`](Self::rollback_to) undoes what
    /// comes after it.
    pub fn savepoint(&self) -> Savepoint {
        Savepoint(self.steps.len())
    }

    /// Undoes the steps made since `point`, newest first; the unit goes on.
    pub async fn rollback_to(&mut self, point: Savepoint) -> RollbackReport {
        let undone: Vec<Step> = self.steps.drain(point.0.min(self.steps.len())..).collect();
        let report = compensate(&self.client, undone).await;
        let _ = self.journal(&Entry::RolledBack { n: point.0 });
        report
    }

    /// Undoes every step, newest first.
    pub async fn rollback(mut self) -> RollbackReport {
        self.finished = true;
        let steps = std::mem::take(&mut self.steps);
        let report = compensate(&self.client, steps).await;
        if let Some(j) = self.journal.take() {
            finish_journal(j, report.is_complete());
        }
        report
    }

    /// Keeps every step: the unit is over, its journal removed.
    ///
    /// # Errors
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) when the journal cannot be
    /// marked committed.
    pub fn commit(mut self) -> Result<()> {
        self.finished = true;
        self.journal(&Entry::Committed)?;
        if let Some(j) = self.journal.take() {
            finish_journal(j, true);
        }
        Ok(())
    }
}

impl Drop for UnitOfWork {
    fn drop(&mut self) {
        if self.finished || self.steps.is_empty() {
            return;
        }
        let steps = std::mem::take(&mut self.steps);
        let client = self.client.clone();
        let journal = self.journal.take();
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    let report = compensate(&client, steps).await;
                    if let Some(j) = journal {
                        finish_journal(j, report.is_complete());
                    }
                    tracing::warn!(target: "zenoo_rpc::unit", %report, "a unit of work was dropped without commit: rolled back");
                });
            }
            Err(_) => tracing::warn!(
                target: "zenoo_rpc::unit",
                steps = steps.len(),
                "a unit of work was dropped without commit outside a Tokio runtime: nothing was undone"
            ),
        }
    }
}

impl UnitOfWork {
    /// An empty unit on `client`.
    pub(crate) fn new(client: Client) -> Self {
        Self {
            client,
            steps: Vec::new(),
            journal: None,
            fields: HashMap::new(),
            finished: false,
        }
    }
}
