//! A unit of work: several calls that are undone together when one fails.
//!
//! Odoo commits every call on its own; nothing spans two calls. A
//! [`UnitOfWork`] records every write made through it, with what it
//! changed, and on [`rollback`](UnitOfWork::rollback) runs compensations
//! in reverse order: it deletes what it created, writes back the values it
//! overwrote and creates again what it deleted. It is **compensation, not
//! atomicity**, and it says so in its [`RollbackReport`]:
//!
//! - **No isolation.** Other clients see every step as soon as it is made,
//!   and may act on it before the rollback.
//! - **Optimistic checks.** Before undoing a record, the unit reads it: if
//!   one of the fields the unit changed no longer holds what the unit left
//!   there, someone else changed it since, and the unit leaves it alone and
//!   reports a [`Reason::Conflict`] (a field already back at its value from
//!   before the step is simply left). Checks are per field, not by
//!   `write_date`: Odoo stamps `write_date` in whole seconds, and the unit's
//!   own later steps change it too (a new order line rewrites its order's
//!   stored totals). A change another client made to other fields of the
//!   record is kept.
//! - **Re-created records are new records.** Deleted records come back with
//!   new ids (the report maps old ids to new ones), new values for
//!   read-only fields (sequence numbers such as `S00042`, creation dates,
//!   computed fields) and their one2many children; what other records held
//!   of them and Odoo emptied on deletion stays empty. A model whose
//!   records Odoo refuses to create from their stored values (posted
//!   accounting entries, done stock moves) is reported, not compensated.
//! - **Other methods.** A workflow button or any other method is undone
//!   only by the inverse call given with it ([`UnitOfWork::call`]); without
//!   one the report says it could not be undone. What the inverse leaves in
//!   the records it names (a cancelled order where the unit made a draft)
//!   is the rollback's own doing, and does not count as a conflict.
//!
//! When one server-side method does all the work (a custom method, or
//! Odoo's own such as `sale.order.action_confirm`, which creates the
//! pickings with it), call that instead: it runs in Odoo's single real
//! transaction, and is atomic where a unit of work can only compensate.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> zenoo_rpc::Result<()> {
//! # let sim = zenoo_sim::Sim::builder().start().await.expect("sim");
//! use serde_json::json;
//! use zenoo_rpc::Client;
//!
//! let client = Client::builder(&sim.url()).database("demo").password("admin", "admin").build().await?;
//! let mut unit = client.unit_of_work();
//! let id = unit.create("res.partner", json!({"name": "Unit"})).await?;
//! unit.write("res.partner", &[id], json!({"city": "Ghent"})).await?;
//! let report = unit.rollback().await;
//! assert!(report.is_complete());
//! assert!(client.read::<serde_json::Value>("res.partner", &[id], &["name"], Default::default()).await?.is_empty());
//! # Ok(()) }
//! ```
//!
//! # Dropping a unit
//! Rust has no asynchronous drop. A unit dropped without
//! [`commit`](UnitOfWork::commit) or [`rollback`](UnitOfWork::rollback)
//! spawns its rollback on the current Tokio runtime and logs the report
//! (`zenoo_rpc::unit`, a warning); without a runtime it logs that nothing
//! was undone. Call `rollback` to get the report.
//!
//! # Durability
//! With [`UnitOfWork::with_journal`], each step is written to a file (and
//! synced) before its call is sent, with the values it is about to change,
//! and again when it is done. After a crash, [`UnitOfWork::recover`]
//! rolls the unit back from the file. A create that was in flight when the
//! process died is found again only if it carried an
//! [`IdempotencyKey`]; otherwise the report says its outcome is unknown.

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::call::Call;
use crate::client::{Client, Load, SearchOptions};
use crate::error::{Error, Result};
use crate::response::Response;

/// Fields every model has that a unit never writes back.
const MAGIC: &[&str] = &[
    "id",
    "display_name",
    "create_uid",
    "create_date",
    "write_uid",
    "write_date",
    "__last_update",
];

/// Comodels of one2many fields a unit never snapshots or makes again.
const BOOKKEEPING: &[&str] = &["mail.", "rating.", "bus.", "website.visitor"];

/// How a create finds the record an earlier, lost attempt made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum IdempotencyKey {
    /// A field whose value only this record has (`ref`, `client_order_ref`,
    /// a UUID field): sent with the create itself, so a record made by a
    /// lost attempt always carries it. The safe choice.
    Field {
        /// The field, e.g. `ref`.
        field: String,
        /// Its value.
        value: String,
    },
    /// An external id (`module.name`, in `ir.model.data`), written by a
    /// second call after the create: a create whose answer was lost before
    /// that second call leaves a record the key does not find. Combine it
    /// with a field ([`IdempotencyKey::with_external_id`]) for exactly-once.
    ExternalId {
        /// The module part, e.g. `zenoo_sync`.
        module: String,
        /// The name part, e.g. `po_2f0c…`.
        name: String,
    },
    /// A field key, plus an external id made (or repaired) once the record
    /// is known.
    Both {
        /// The field.
        field: String,
        /// Its value.
        value: String,
        /// The external id's module.
        module: String,
        /// The external id's name.
        name: String,
    },
}

impl IdempotencyKey {
    /// A key in `field`.
    pub fn field(field: impl Into<String>, value: impl Into<String>) -> Self {
        Self::Field {
            field: field.into(),
            value: value.into(),
        }
    }

    /// An external id, `module.name`.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when `xml_id` has no `.`.
    pub fn external_id(xml_id: &str) -> Result<Self> {
        let (module, name) = split_xml_id(xml_id)?;
        Ok(Self::ExternalId { module, name })
    }

    /// This field key plus the external id `xml_id`.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when `xml_id` has no
    /// `.`, or when this key is not a field key.
    pub fn with_external_id(self, xml_id: &str) -> Result<Self> {
        let (module, name) = split_xml_id(xml_id)?;
        match self {
            Self::Field { field, value } => Ok(Self::Both {
                field,
                value,
                module,
                name,
            }),
            _ => Err(Error::config(
                "idempotency key",
                "with_external_id adds an external id to a field key",
            )),
        }
    }

    fn field_part(&self) -> Option<(&str, &str)> {
        match self {
            Self::Field { field, value } | Self::Both { field, value, .. } => {
                Some((field.as_str(), value.as_str()))
            }
            Self::ExternalId { .. } => None,
        }
    }

    fn xml_part(&self) -> Option<(&str, &str)> {
        match self {
            Self::ExternalId { module, name } | Self::Both { module, name, .. } => {
                Some((module.as_str(), name.as_str()))
            }
            Self::Field { .. } => None,
        }
    }
}

fn split_xml_id(xml_id: &str) -> Result<(String, String)> {
    match xml_id.split_once('.') {
        Some((m, n)) if !m.is_empty() && !n.is_empty() => Ok((m.to_string(), n.to_string())),
        _ => Err(Error::config(
            "idempotency key",
            format!("{xml_id:?} is not an external id (module.name)"),
        )),
    }
}

impl Client {
    /// A [unit of work](crate::unit) on this client.
    pub fn unit_of_work(&self) -> UnitOfWork {
        UnitOfWork {
            client: self.clone(),
            steps: Vec::new(),
            journal: None,
            fields: HashMap::new(),
            finished: false,
        }
    }

    /// Creates a record of `model` unless the record `key` names exists,
    /// and returns its id either way: a create that is retried after its
    /// answer was lost does not make a second record. See
    /// [`IdempotencyKey`] for what each kind of key guarantees.
    ///
    /// # Errors
    /// The create's error; [`ErrorKind::MultipleRecords`](crate::ErrorKind::MultipleRecords)
    /// when several records hold the key.
    pub async fn create_idempotent(
        &self,
        model: &str,
        key: &IdempotencyKey,
        vals: impl Serialize,
    ) -> Result<i64> {
        let vals = vals_of(model, vals)?;
        Ok(create_keyed(self, model, key, vals).await?.0)
    }
}

/// The record `key` names, if it exists.
async fn find_keyed(client: &Client, model: &str, key: &IdempotencyKey) -> Result<Option<i64>> {
    if let Some((field, value)) = key.field_part() {
        let domain = json!([[field, "=", value]]);
        let ids = client
            .search(
                model,
                &domain,
                SearchOptions::new()
                    .limit(2)
                    .context(crate::Context::new().active_test(false)),
            )
            .await?;
        return match ids.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            _ => Err(Error::multiple_records(model, domain.to_string())),
        };
    }
    if let Some((module, name)) = key.xml_part() {
        let rows: Vec<Map<String, Value>> = client
            .search_read(
                "ir.model.data",
                json!([
                    ["module", "=", module],
                    ["name", "=", name],
                    ["model", "=", model]
                ]),
                &["res_id"],
                SearchOptions::new().limit(1),
            )
            .await?;
        let id = rows
            .first()
            .and_then(|r| r.get("res_id"))
            .and_then(Value::as_i64);
        if let Some(id) = id {
            return Ok(existing(client, model, &[id]).await?.first().copied());
        }
    }
    Ok(None)
}

/// Makes sure the external id of `key` (if any) points at `id`.
async fn ensure_xml_id(client: &Client, model: &str, key: &IdempotencyKey, id: i64) -> Result<()> {
    let Some((module, name)) = key.xml_part() else {
        return Ok(());
    };
    let rows: Vec<Map<String, Value>> = client
        .search_read(
            "ir.model.data",
            json!([["module", "=", module], ["name", "=", name]]),
            &["res_id", "model"],
            SearchOptions::new().limit(1),
        )
        .await?;
    match rows.first() {
        Some(r) if r.get("res_id").and_then(Value::as_i64) == Some(id) => Ok(()),
        Some(r) => {
            let xid = r.get("id").and_then(Value::as_i64).unwrap_or_default();
            client
                .write(
                    "ir.model.data",
                    &[xid],
                    json!({"res_id": id, "model": model}),
                )
                .await
                .map(|_| ())
        }
        None => client
            .create(
                "ir.model.data",
                json!({"module": module, "name": name, "model": model, "res_id": id, "noupdate": true}),
            )
            .await
            .map(|_| ()),
    }
}

/// Creates with `key`; the id and whether it was adopted (made earlier).
async fn create_keyed(
    client: &Client,
    model: &str,
    key: &IdempotencyKey,
    mut vals: Map<String, Value>,
) -> Result<(i64, bool)> {
    if let Some(id) = find_keyed(client, model, key).await? {
        ensure_xml_id(client, model, key, id).await?;
        return Ok((id, true));
    }
    if let Some((field, value)) = key.field_part() {
        vals.insert(field.to_string(), Value::String(value.to_string()));
    }
    let id = match client.create(model, &vals).await {
        Ok(id) => id,
        Err(e) if e.outcome_unknown() || e.is_retryable() => {
            // The answer was lost: the record may exist. A field key finds
            // it; otherwise try once more only when it provably does not.
            match find_keyed(client, model, key).await? {
                Some(id) => {
                    ensure_xml_id(client, model, key, id).await?;
                    return Ok((id, true));
                }
                None if key.field_part().is_some() => client.create(model, &vals).await?,
                None => return Err(e),
            }
        }
        Err(e) => return Err(e),
    };
    ensure_xml_id(client, model, key, id).await?;
    Ok((id, false))
}

fn vals_of(model: &str, vals: impl Serialize) -> Result<Map<String, Value>> {
    let label = format!("{model}.create");
    match serde_json::to_value(vals).map_err(|e| Error::encode(&label, e))? {
        Value::Object(m) => Ok(m),
        other => Err(Error::encode(
            &label,
            format!("values must be a JSON object, not {other}"),
        )),
    }
}

/// One field as a unit needs it.
#[derive(Debug, Clone)]
struct FieldMeta {
    ttype: String,
    relation: Option<String>,
    inverse: Option<String>,
    store: bool,
    readonly: bool,
}

/// The fields of one model.
#[derive(Debug)]
struct ModelFields {
    fields: HashMap<String, FieldMeta>,
}

impl ModelFields {
    /// Stored fields a create or write can set again: what a snapshot holds.
    fn restorable(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .fields
            .iter()
            .filter(|(name, f)| {
                f.store && !f.readonly && f.ttype != "one2many" && !MAGIC.contains(&name.as_str())
            })
            .map(|(n, _)| n.clone())
            .collect();
        v.sort_unstable();
        v
    }

    /// The one2many fields whose lines are the record's own data:
    /// (field, comodel, inverse many2one). Odoo's chatter and its kin
    /// (messages, followers, activities, ratings) are left out: Odoo writes
    /// its own for a record made again.
    fn children(&self) -> Vec<(String, String, String)> {
        let mut v: Vec<_> = self
            .fields
            .iter()
            .filter(|(_, f)| f.ttype == "one2many")
            .filter(|(_, f)| {
                !f.relation
                    .as_deref()
                    .is_some_and(|m| BOOKKEEPING.iter().any(|p| m.starts_with(p)))
            })
            .filter_map(|(n, f)| Some((n.clone(), f.relation.clone()?, f.inverse.clone()?)))
            .collect();
        v.sort_unstable();
        v
    }

    fn is_many2many(&self, field: &str) -> bool {
        self.fields
            .get(field)
            .is_some_and(|f| f.ttype == "many2many")
    }
}

/// A record as a snapshot holds it: `id` and field values (many2one as a
/// bare id).
type Rec = Map<String, Value>;

/// The lines of one one2many field of one record, before and after a step.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Lines {
    model: String,
    inverse: String,
    before: Vec<Rec>,
    after: Vec<Rec>,
}

/// What a step did, with what is needed to undo it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Step {
    /// Records made, and what the unit left in them.
    Created {
        model: String,
        left: Vec<Rec>,
        key: Option<IdempotencyKey>,
    },
    /// Records written: before and after, and the lines of their one2many
    /// fields the write touched.
    Written {
        model: String,
        before: Vec<Rec>,
        after: Vec<Rec>,
        lines: Vec<Lines>,
    },
    /// Records deleted, with their one2many children.
    Deleted {
        model: String,
        before: Vec<Rec>,
        children: Vec<Lines>,
    },
    /// Another method, with the call that undoes it if the caller gave one.
    Called {
        label: String,
        undo: Option<CallSpec>,
    },
}

/// A call as the journal keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CallSpec {
    model: String,
    method: String,
    args: Vec<Value>,
    kwargs: Map<String, Value>,
}

impl CallSpec {
    fn of(call: &Call) -> Self {
        let mut kwargs = call.keywords().clone();
        if !call.effective_context().is_empty() {
            kwargs.insert(
                "context".into(),
                Value::Object(call.effective_context().as_map().clone()),
            );
        }
        Self {
            model: call.model().to_string(),
            method: call.method().to_string(),
            args: call.positional().to_vec(),
            kwargs,
        }
    }

    fn call(&self) -> Call {
        let mut c = Call::new(self.model.as_str(), self.method.as_str()).args(self.args.clone());
        for (k, v) in &self.kwargs {
            c = c.kwarg(k.clone(), v.clone());
        }
        c
    }
}

/// A point to roll back to: [`UnitOfWork::savepoint`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Savepoint(usize);

/// Why a record was not put back.
#[derive(Debug)]
#[non_exhaustive]
pub enum Reason {
    /// Someone else changed it since the unit did: left as they made it.
    Conflict {
        /// The field that differs.
        field: String,
        /// What the unit left there.
        expected: Value,
        /// What is there now.
        found: Value,
    },
    /// Odoo refused the compensating call.
    Refused(Error),
    /// A method the unit cannot undo, called without an inverse.
    NotCompensable,
    /// A call whose outcome is unknown (the process died while it was in
    /// flight, and nothing identifies what it made).
    OutcomeUnknown,
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Conflict {
                field,
                expected,
                found,
            } => write!(
                f,
                "changed by someone else since: {field} is {found}, the unit left {expected}"
            ),
            Self::Refused(e) => write!(f, "Odoo refused to undo it: {e}"),
            Self::NotCompensable => {
                f.write_str("a method the unit cannot undo, called without an inverse")
            }
            Self::OutcomeUnknown => {
                f.write_str("its outcome is unknown: nothing identifies what it made")
            }
        }
    }
}

/// A record (or call) the rollback could not put back.
#[derive(Debug)]
#[non_exhaustive]
pub struct Uncompensated {
    /// The model, or `model.method` for a call.
    pub model: String,
    /// The record, when there is one.
    pub id: Option<i64>,
    /// Why.
    pub reason: Reason,
}

/// What a rollback did.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct RollbackReport {
    /// Steps undone.
    pub steps: usize,
    /// What could not be undone; empty when the rollback is complete.
    pub uncompensated: Vec<Uncompensated>,
    /// Deleted records made again: (model, old id, new id).
    pub recreated: Vec<(String, i64, i64)>,
}

impl RollbackReport {
    /// Whether everything was undone.
    pub fn is_complete(&self) -> bool {
        self.uncompensated.is_empty()
    }

    /// The new id of a deleted record that was made again.
    pub fn new_id(&self, model: &str, old: i64) -> Option<i64> {
        self.recreated
            .iter()
            .find(|(m, o, _)| m == model && *o == old)
            .map(|(_, _, n)| *n)
    }
}

impl std::fmt::Display for RollbackReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let steps = if self.steps == 1 { "step" } else { "steps" };
        if self.is_complete() {
            write!(f, "rolled back: {} {steps} undone", self.steps)?;
        } else {
            write!(
                f,
                "partly rolled back: {} {steps}, {} not undone",
                self.steps,
                self.uncompensated.len()
            )?;
        }
        for (m, o, n) in &self.recreated {
            write!(f, "\n  {m} {o} was made again as {n}")?;
        }
        for u in &self.uncompensated {
            match u.id {
                Some(id) => write!(f, "\n  {} {id}: {}", u.model, u.reason)?,
                None => write!(f, "\n  {}: {}", u.model, u.reason)?,
            }
        }
        Ok(())
    }
}

/// One line of the journal file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Entry {
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

struct Journal {
    path: PathBuf,
    file: std::fs::File,
}

impl Journal {
    fn write(&mut self, entry: &Entry) -> Result<()> {
        let mut line = serde_json::to_vec(entry)
            .map_err(|e| Error::journal(&self.path, format!("cannot encode an entry: {e}")))?;
        line.push(b'\n');
        self.file
            .write_all(&line)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| Error::file(&self.path, "write", e))
    }
}

/// Several writes undone together on failure: see the [module docs](self).
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
        let m = Arc::new(model_fields(&self.client, model).await?);
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
            label: call.label(),
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

/// Removes a finished unit's journal (kept when the rollback was partial,
/// for `recover` to try again).
fn finish_journal(j: Journal, complete: bool) {
    let Journal { path, file } = j;
    drop(file);
    if complete && let Err(e) = std::fs::remove_file(&path) {
        tracing::warn!(target: "zenoo_rpc::unit", path = %path.display(), error = %e, "the journal could not be removed");
    }
}

/// A step that was in flight when the process died, as it turned out:
/// `None` when what it made cannot be found.
async fn settle(client: &Client, step: Step) -> Result<Option<Step>> {
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

async fn model_fields(client: &Client, model: &str) -> Result<ModelFields> {
    let raw = client
        .fields_get(
            model,
            &[],
            &["type", "relation", "relation_field", "store", "readonly"],
        )
        .await?;
    let fields = raw
        .into_iter()
        .map(|(name, v)| {
            let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
            let meta = FieldMeta {
                ttype: s("type").unwrap_or_default(),
                relation: s("relation"),
                inverse: s("relation_field"),
                store: v.get("store").and_then(Value::as_bool).unwrap_or(true),
                readonly: v.get("readonly").and_then(Value::as_bool).unwrap_or(false),
            };
            (name, meta)
        })
        .collect();
    Ok(ModelFields { fields })
}

/// Which of `ids` exist (archived ones included). A search, not a read:
/// Odoo answers a `read` of `id` alone for missing records too.
async fn existing(client: &Client, model: &str, ids: &[i64]) -> Result<Vec<i64>> {
    client
        .search(
            model,
            json!([["id", "in", ids]]),
            SearchOptions::new().context(crate::Context::new().active_test(false)),
        )
        .await
}

/// The highest id of `model` now (archived records included).
async fn highest_id(client: &Client, model: &str) -> Result<i64> {
    let ids = client
        .search(
            model,
            json!([]),
            SearchOptions::new()
                .limit(1)
                .order("id desc")
                .context(crate::Context::new().active_test(false)),
        )
        .await?;
    Ok(ids.first().copied().unwrap_or(0))
}

/// The record a create whose answer was lost made: this user's, above
/// `highest`, holding the plain values of `vals`. `None` when there is
/// none, or more than one (then nothing is assumed).
async fn find_lost(
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
                .context(crate::Context::new().active_test(false)),
        )
        .await?;
    let plain: Vec<String> = vals
        .iter()
        .filter(|(k, v)| {
            meta.fields
                .get(*k)
                .is_some_and(|f| f.store && !f.ttype.ends_with("2many"))
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

/// `fields` of `ids` (many2one as bare ids), in the order of `ids`; records
/// that do not exist are left out.
async fn snapshot(
    client: &Client,
    model: &str,
    ids: &[i64],
    fields: &[String],
) -> Result<Vec<Rec>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
    let mut rows: Vec<Rec> = client.read(model, ids, &refs, Load::Raw).await?;
    rows.sort_by_key(|r| {
        ids.iter()
            .position(|i| Some(*i) == r.get("id").and_then(Value::as_i64))
    });
    Ok(rows)
}

/// The ids in the x2many `field` of `rows`.
fn linked(rows: &[Rec], field: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = rows
        .iter()
        .filter_map(|r| r.get(field)?.as_array().cloned())
        .flatten()
        .filter_map(|v| v.as_i64())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn id_of(r: &Rec) -> Option<i64> {
    r.get("id").and_then(Value::as_i64)
}

/// Runs the compensations of `steps`, newest first.
async fn compensate(client: &Client, steps: Vec<Step>) -> RollbackReport {
    let mut report = RollbackReport {
        steps: steps.len(),
        ..RollbackReport::default()
    };
    let mut metas: HashMap<String, Arc<ModelFields>> = HashMap::new();
    let mut refreshed = HashMap::new();
    for step in steps.into_iter().rev() {
        let mut undo = Undo {
            client,
            report: &mut report,
            metas: &mut metas,
            refreshed: &mut refreshed,
        };
        undo.step(step).await;
    }
    report
}

/// One rollback in progress.
struct Undo<'a> {
    client: &'a Client,
    report: &'a mut RollbackReport,
    metas: &'a mut HashMap<String, Arc<ModelFields>>,
    /// Records the rollback's own inverse calls changed, as they left
    /// them: what later checks expect instead of what the step left.
    refreshed: &'a mut HashMap<(String, i64), Rec>,
}

impl Undo<'_> {
    fn fail(&mut self, model: &str, id: Option<i64>, reason: Reason) {
        tracing::warn!(target: "zenoo_rpc::unit", model, id, %reason, "not undone");
        self.report.uncompensated.push(Uncompensated {
            model: model.to_string(),
            id,
            reason,
        });
    }

    async fn meta(&mut self, model: &str) -> Option<Arc<ModelFields>> {
        if let Some(m) = self.metas.get(model) {
            return Some(m.clone());
        }
        match model_fields(self.client, model).await {
            Ok(m) => {
                let m = Arc::new(m);
                self.metas.insert(model.to_string(), m.clone());
                Some(m)
            }
            Err(e) => {
                self.fail(model, None, Reason::Refused(e));
                None
            }
        }
    }

    async fn step(&mut self, step: Step) {
        match step {
            Step::Created { model, left, .. } => {
                for rec in left {
                    self.delete_if_unchanged(&model, &rec).await;
                }
            }
            Step::Written {
                model,
                before,
                after,
                lines,
            } => {
                // Lines first, then their parents: a parent put back can
                // rewrite its lines (Odoo copies a company's address to
                // its contacts), which must not pass for someone else's edit.
                for l in lines {
                    self.restore_lines(l).await;
                }
                for (b, a) in before.iter().zip(&after) {
                    self.restore(&model, b, a).await;
                }
            }
            Step::Deleted {
                model,
                before,
                children,
            } => {
                for rec in &before {
                    let Some(old) = id_of(rec) else { continue };
                    let now = self.map_id(&model, old);
                    if self.exists(&model, now).await {
                        continue; // the unlink did not happen, or it is back
                    }
                    let Some(new) = self.recreate(&model, rec, None).await else {
                        continue;
                    };
                    for set in &children {
                        for child in set
                            .before
                            .iter()
                            .filter(|c| c.get(&set.inverse).and_then(Value::as_i64) == Some(old))
                        {
                            let Some(cid) = id_of(child) else { continue };
                            let cid = self.map_id(&set.model, cid);
                            if self.exists(&set.model, cid).await {
                                // It outlived its parent (Odoo emptied its
                                // link): link it to the parent made again.
                                self.relink(&set.model, cid, &set.inverse, new).await;
                            } else {
                                self.recreate(&set.model, child, Some((&set.inverse, new)))
                                    .await;
                            }
                        }
                    }
                }
            }
            Step::Called { label, undo } => match undo {
                Some(spec) => {
                    if let Err(e) = self.client.send(spec.call()).await {
                        self.fail(&label, None, Reason::Refused(e));
                        return;
                    }
                    self.refresh(&spec).await;
                }
                None => self.fail(&label, None, Reason::NotCompensable),
            },
        }
    }

    /// Reads back the records an inverse call acted on (its first
    /// argument, when that is a list of ids): the state it leaves them in
    /// is the rollback's own doing, not someone else's.
    async fn refresh(&mut self, spec: &CallSpec) {
        let Some(ids) = spec.args.first().and_then(Value::as_array) else {
            return;
        };
        let ids: Vec<i64> = ids.iter().filter_map(Value::as_i64).collect();
        let Some(meta) = self.meta(&spec.model).await else {
            return;
        };
        if let Ok(rows) = snapshot(self.client, &spec.model, &ids, &meta.restorable()).await {
            for r in rows {
                if let Some(id) = id_of(&r) {
                    self.refreshed.insert((spec.model.clone(), id), r);
                }
            }
        }
    }

    /// What the unit left in `rec`, with what its own inverse calls did
    /// since laid over it.
    fn expected(&self, model: &str, rec: &Rec) -> Rec {
        let mut out = rec.clone();
        if let Some(r) = id_of(rec).and_then(|id| self.refreshed.get(&(model.to_string(), id))) {
            for (k, v) in r {
                if let Some(slot) = out.get_mut(k) {
                    *slot = v.clone();
                }
            }
        }
        out
    }

    /// Points `field` of `id` at `parent` when the deletion emptied it.
    async fn relink(&mut self, model: &str, id: i64, field: &str, parent: i64) {
        let Some(now) = self.current(model, id, &[field.to_string()]).await else {
            return;
        };
        if !same(now.get(field).unwrap_or(&Value::Null), &Value::Bool(false)) {
            return; // linked elsewhere since: someone else's doing
        }
        if let Err(e) = self
            .client
            .write(model, &[id], &json!({ field: parent }))
            .await
        {
            self.fail(model, Some(id), Reason::Refused(e));
        }
    }

    /// Where a record is now: a deleted record this rollback made again
    /// has a new id.
    fn map_id(&self, model: &str, id: i64) -> i64 {
        let mut at = id;
        // Bounded: each hop is an entry of the report.
        for _ in 0..=self.report.recreated.len() {
            match self.report.new_id(model, at) {
                Some(n) if n != at => at = n,
                _ => break,
            }
        }
        at
    }

    /// `rec` with its id and relations pointing where the records are now.
    async fn translate(&mut self, model: &str, rec: &Rec) -> Rec {
        if self.report.recreated.is_empty() {
            return rec.clone();
        }
        let meta = self.meta(model).await;
        let mut out = rec.clone();
        for (k, v) in out.iter_mut() {
            let target = if k == "id" {
                Some(model.to_string())
            } else {
                meta.as_ref()
                    .and_then(|m| m.fields.get(k))
                    .filter(|f| matches!(f.ttype.as_str(), "many2one" | "many2many"))
                    .and_then(|f| f.relation.clone())
            };
            let Some(target) = target else { continue };
            match v {
                Value::Number(n) => {
                    if let Some(id) = n.as_i64() {
                        *v = json!(self.map_id(&target, id));
                    }
                }
                Value::Array(items) => {
                    for item in items.iter_mut() {
                        if let Some(id) = item.as_i64() {
                            *item = json!(self.map_id(&target, id));
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    async fn exists(&mut self, model: &str, id: i64) -> bool {
        // When the check fails, assume it exists: nothing is made twice.
        existing(self.client, model, &[id])
            .await
            .map_or(true, |v| !v.is_empty())
    }

    /// The first field of `fields` where `now` differs from what the unit
    /// left (`left`).
    fn differs(fields: &[&String], left: &Rec, now: &Rec) -> Option<Reason> {
        fields.iter().find_map(|f| {
            let (l, n) = (left.get(*f)?, now.get(*f).unwrap_or(&Value::Null));
            (!same(l, n)).then(|| Reason::Conflict {
                field: (*f).clone(),
                expected: l.clone(),
                found: n.clone(),
            })
        })
    }

    async fn current(&mut self, model: &str, id: i64, fields: &[String]) -> Option<Rec> {
        match snapshot(self.client, model, &[id], fields).await {
            Ok(mut rows) => rows.pop(),
            Err(e) => {
                self.fail(model, Some(id), Reason::Refused(e));
                None
            }
        }
    }

    /// Deletes a record the unit made, unless someone changed it since.
    async fn delete_if_unchanged(&mut self, model: &str, left: &Rec) {
        let left = self.translate(model, left).await;
        let left = &self.expected(model, &left);
        let Some(id) = id_of(left) else { return };
        let fields: Vec<String> = left.keys().filter(|k| *k != "id").cloned().collect();
        let Some(now) = self.current(model, id, &fields).await else {
            return; // already gone
        };
        let refs: Vec<&String> = fields.iter().collect();
        if let Some(conflict) = Self::differs(&refs, left, &now) {
            self.fail(model, Some(id), conflict);
            return;
        }
        if let Err(e) = self.client.unlink(model, &[id]).await {
            self.fail(model, Some(id), Reason::Refused(e));
        }
    }

    /// Writes back the fields a step changed on one record, unless someone
    /// changed them since.
    async fn restore(&mut self, model: &str, before: &Rec, after: &Rec) {
        let before = &self.translate(model, before).await;
        let after = self.translate(model, after).await;
        let after = &self.expected(model, &after);
        let Some(id) = id_of(before) else { return };
        let Some(meta) = self.meta(model).await else {
            return;
        };
        let changed: Vec<&String> = before
            .keys()
            .filter(|k| *k != "id")
            .filter(|k| meta.fields.get(*k).is_some_and(|f| f.ttype != "one2many"))
            .filter(|k| !same(&before[*k], after.get(*k).unwrap_or(&Value::Null)))
            .collect();
        if changed.is_empty() {
            return;
        }
        let owned: Vec<String> = changed.iter().map(|s| (*s).clone()).collect();
        let Some(now) = self.current(model, id, &owned).await else {
            return;
        };
        // A field already back to its value before the step (put back by
        // another compensation's side effects) needs nothing.
        let changed: Vec<&String> = changed
            .into_iter()
            .filter(|f| !same(&before[*f], now.get(*f).unwrap_or(&Value::Null)))
            .collect();
        if let Some(conflict) = Self::differs(&changed, after, &now) {
            self.fail(model, Some(id), conflict);
            return;
        }
        if changed.is_empty() {
            return;
        }
        let vals: Map<String, Value> = changed
            .iter()
            .map(|f| ((*f).clone(), writable(&meta, f, &before[*f])))
            .collect();
        if let Err(e) = self.client.write(model, &[id], &vals).await {
            self.fail(model, Some(id), Reason::Refused(e));
        }
    }

    /// Puts the lines of a one2many back as they were before a write.
    async fn restore_lines(&mut self, l: Lines) {
        let before: std::collections::BTreeMap<i64, &Rec> = l
            .before
            .iter()
            .filter_map(|r| Some((id_of(r)?, r)))
            .collect();
        let after: std::collections::BTreeMap<i64, &Rec> = l
            .after
            .iter()
            .filter_map(|r| Some((id_of(r)?, r)))
            .collect();
        for (id, rec) in &after {
            match before.get(id) {
                None => self.delete_if_unchanged(&l.model, rec).await,
                Some(b) => self.restore(&l.model, b, rec).await,
            }
        }
        for (id, rec) in &before {
            let now = self.map_id(&l.model, *id);
            if !after.contains_key(id) && !self.exists(&l.model, now).await {
                self.recreate(&l.model, rec, None).await;
            }
        }
    }

    /// Creates a deleted record again from its snapshot; its new id.
    async fn recreate(
        &mut self,
        model: &str,
        rec: &Rec,
        parent: Option<(&str, i64)>,
    ) -> Option<i64> {
        let old = id_of(rec)?;
        let rec = &self.translate(model, rec).await;
        let meta = self.meta(model).await?;
        let mut vals: Map<String, Value> = rec
            .iter()
            .filter(|(k, _)| *k != "id")
            .map(|(k, v)| (k.clone(), writable(&meta, k, v)))
            .collect();
        if let Some((field, id)) = parent {
            vals.insert(field.to_string(), json!(id));
        }
        match self.client.create(model, &vals).await {
            Ok(new) => {
                self.report.recreated.push((model.to_string(), old, new));
                Some(new)
            }
            Err(e) => {
                self.fail(model, Some(old), Reason::Refused(e));
                None
            }
        }
    }
}

/// A snapshot value as a write takes it: many2many ids as a replace
/// command.
fn writable(meta: &ModelFields, field: &str, v: &Value) -> Value {
    if meta.is_many2many(field)
        && let Some(ids) = v.as_array()
    {
        return json!([[6, 0, ids]]);
    }
    v.clone()
}

/// Equal as Odoo values: numbers by value, x2many lists as sets, `false`
/// and empty the same.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => (x - y).abs() < 1e-9,
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => {
            let set = |v: &Vec<Value>| v.iter().map(Value::to_string).collect::<BTreeSet<_>>();
            set(x) == set(y)
        }
        (Value::Bool(false) | Value::Null, Value::Bool(false) | Value::Null) => true,
        _ => a == b,
    }
}
