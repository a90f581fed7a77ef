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

mod journal;
mod report;
mod undo;
mod work;

use crate::external_id::IdempotencyKey;
pub use crate::schema::FieldType;
pub use report::{Reason, RollbackReport, Uncompensated};
pub use work::{Savepoint, UnitOfWork};

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::call::Call;
use crate::client::{Client, Load, SearchOptions};
use crate::error::Result;

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

/// The fields of one model, as a unit reads them.
type ModelFields = crate::schema::ModelSchema;

/// What a unit needs of a model's fields.
impl ModelFields {
    /// Stored fields a create or write can set again: what a snapshot holds.
    fn restorable(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .fields()
            .iter()
            .filter(|f| {
                f.stored
                    && !f.readonly
                    && f.field_type != FieldType::One2many
                    && !MAGIC.contains(&f.name.as_str())
            })
            .map(|f| f.name.clone())
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
            .fields()
            .iter()
            .filter(|f| f.field_type == FieldType::One2many)
            .filter(|f| {
                !f.relation
                    .as_deref()
                    .is_some_and(|m| BOOKKEEPING.iter().any(|p| m.starts_with(p)))
            })
            .filter_map(|f| Some((f.name.clone(), f.relation.clone()?, f.inverse.clone()?)))
            .collect();
        v.sort_unstable();
        v
    }

    fn is_many2many(&self, field: &str) -> bool {
        self.field(field)
            .is_some_and(|f| f.field_type == FieldType::Many2many)
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

/// The fields of `model`, from the client's schema cache.
async fn model_fields(client: &Client, model: &str) -> Result<Arc<ModelFields>> {
    client.schema(model).await
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
                .context(crate::context::Context::new().active_test(false)),
        )
        .await?;
    Ok(ids.first().copied().unwrap_or(0))
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
