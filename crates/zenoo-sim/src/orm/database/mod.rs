//! One database: its models and their records, and the model methods it
//! runs: each file below is one kind of work on a [`Database`] (`read`,
//! `write`, `group`, `domain`, `access`, `security`, `workflow`, ...).

pub(crate) mod access;
pub(crate) mod business;
pub(crate) mod dispatch;
pub(crate) mod domain;
pub(crate) mod execute;
pub(crate) mod group;
pub(crate) mod journal;
pub(crate) mod names;
pub(crate) mod order;
pub(crate) mod read;
pub(crate) mod security;
pub(crate) mod transaction;
pub(crate) mod translate;
pub(crate) mod web_read;
pub(crate) mod workflow;
pub(crate) mod write;

use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::model::{FieldType, ModelDef};
use crate::error::{OdooException, OdooResult};
use crate::version::OdooVersion;

use super::record::Layout;
pub use super::record::Record;

/// The records of one model.
#[derive(Debug, Clone)]
pub struct Table {
    /// The model definition.
    pub def: ModelDef,
    /// Records by id.
    pub records: BTreeMap<i64, Record>,
    /// Next id `create` hands out.
    pub next_id: i64,
    /// Field positions shared by the records.
    layout: Arc<Layout>,
}

impl Table {
    /// An empty table for `def`.
    pub fn new(def: ModelDef) -> Self {
        let layout = Arc::new(Layout::new(def.fields.iter().map(|f| f.name.clone())));
        Self {
            def,
            records: BTreeMap::new(),
            next_id: 1,
            layout,
        }
    }

    /// A field's position in this table's records.
    pub fn position(&self, field: &str) -> Option<usize> {
        self.layout.position(field)
    }

    /// Inserts a record with a known id.
    pub fn insert(&mut self, id: i64, map: Map<String, Value>) {
        let mut rec = Record::from_map(self.layout.clone(), map);
        rec.insert("id".into(), Value::from(id));
        self.records.insert(id, rec);
        if id >= self.next_id {
            self.next_id = id.saturating_add(1);
        }
    }
}

/// The environment a call runs in: user and context.
#[derive(Debug, Clone)]
pub struct Env {
    /// The calling user's id.
    pub uid: i64,
    /// The call's context (`kwargs.context`).
    pub context: Map<String, Value>,
    /// The commit clock when the request arrived (see [`super::snapshot`]),
    /// when concurrent writes to one record must fail as under PostgreSQL.
    pub snapshot: Option<u64>,
}

impl Env {
    /// An environment for `uid` with `context`.
    pub fn new(uid: i64, context: Map<String, Value>) -> Self {
        Self {
            uid,
            context,
            snapshot: None,
        }
    }

    /// `active_test` from the context (default true).
    pub fn active_test(&self) -> bool {
        !matches!(self.context.get("active_test"), Some(Value::Bool(false)))
    }

    /// A copy with `active_test` set.
    pub fn with_active_test(&self, on: bool) -> Self {
        let mut e = self.clone();
        e.context.insert("active_test".into(), Value::Bool(on));
        e
    }
}

/// One simulated database.
#[derive(Debug, Clone)]
pub struct Database {
    /// Database name.
    pub name: String,
    /// Odoo version it behaves as.
    pub version: OdooVersion,
    /// Tables by model name.
    pub tables: FxHashMap<String, Table>,
    /// Sorted ids per (model, order), until the next write.
    pub(crate) order_cache: super::order_cache::OrderCache,
    /// Commit stamps for the serialization-failure switch.
    pub(crate) commits: self::transaction::Commits,
    /// Values of translatable fields per language, from data.
    pub translations: self::translate::Translations,
    /// The undo log of the call in progress.
    pub(crate) journal: self::journal::Journal,
    /// Seconds by which `write_date`/`create_date` lag the clock, as when
    /// Odoo's transaction began that long before it committed.
    pub(crate) stamp_lag: i64,
    /// Access rights and record rules read from the database's records.
    pub(crate) security: std::sync::OnceLock<Option<Arc<self::security::Security>>>,
    /// The usual value of a required field, as the data first showed it.
    pub(crate) usual: UsualValues,
}

/// The most common value of each required field without a default, found
/// once per (model, field) by a scan of the records: a create then costs no
/// scan of its table.
#[derive(Debug, Default)]
pub(crate) struct UsualValues(std::sync::Mutex<FxHashMap<(String, String), Option<Value>>>);

impl Clone for UsualValues {
    fn clone(&self) -> Self {
        let map = self.0.lock().map(|m| m.clone()).unwrap_or_default();
        Self(std::sync::Mutex::new(map))
    }
}

impl UsualValues {
    /// The value for (`model`, `field`), computed by `scan` the first time.
    pub(crate) fn get(
        &self,
        model: &str,
        field: &str,
        scan: impl FnOnce() -> Option<Value>,
    ) -> Option<Value> {
        let key = (model.to_string(), field.to_string());
        if let Ok(m) = self.0.lock()
            && let Some(v) = m.get(&key)
        {
            return v.clone();
        }
        let v = scan();
        if let Ok(mut m) = self.0.lock() {
            m.insert(key, v.clone());
        }
        v
    }
}

impl Database {
    /// An empty database.
    pub fn new(name: &str, version: OdooVersion) -> Self {
        Self {
            name: name.to_string(),
            version,
            tables: FxHashMap::default(),
            order_cache: Default::default(),
            commits: Default::default(),
            journal: Default::default(),
            stamp_lag: 0,
            security: std::sync::OnceLock::new(),
            translations: Default::default(),
            usual: Default::default(),
        }
    }

    /// The table of `model`, or Odoo's unknown-model error.
    pub fn table(&self, model: &str) -> OdooResult<&Table> {
        self.tables
            .get(model)
            .ok_or_else(|| OdooException::user(format!("Object {model} doesn't exist")))
    }

    /// The model definition of `model`.
    pub fn def(&self, model: &str) -> OdooResult<&ModelDef> {
        self.table(model).map(|t| &t.def)
    }

    /// Whether a record exists.
    pub fn exists(&self, model: &str, id: i64) -> bool {
        self.tables
            .get(model)
            .is_some_and(|t| t.records.contains_key(&id))
    }

    /// Odoo's MissingError for the ids of `ids` that name no record.
    pub fn check_exist(&self, model: &str, ids: &[i64], env: &Env) -> OdooResult<()> {
        let missing: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|i| !self.exists(model, *i))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(OdooException::missing(model, &missing, env.uid))
        }
    }

    /// The raw stored value of `field` on a record, following `_inherits`
    /// delegation and computing one2many from their inverse.
    pub fn value(&self, model: &str, id: i64, field: &str) -> Value {
        let Some(table) = self.tables.get(model) else {
            return Value::Bool(false);
        };
        let Some(rec) = table.records.get(&id) else {
            return Value::Bool(false);
        };
        self.value_in(table, id, rec, field).into_owned()
    }

    /// Like [`Database::value`] for a record already at hand, borrowing the
    /// stored value when there is one (no copy on the search hot path).
    pub fn value_in<'a>(
        &'a self,
        table: &'a Table,
        id: i64,
        rec: &'a Record,
        field: &str,
    ) -> Cow<'a, Value> {
        if field == "id" {
            return Cow::Owned(Value::from(id));
        }
        let Some(f) = table.def.field(field) else {
            return Cow::Owned(Value::Bool(false));
        };
        let model = table.def.name.as_str();
        if f.ttype == FieldType::One2many
            && let Some(ids) = self.one2many_ids(model, id, field)
        {
            return Cow::Owned(Value::from(ids));
        }
        if let Some(v) = rec.get(field) {
            return v;
        }
        if field == "lst_price"
            && model == "product.product"
            && let Some(tmpl) = rec.get_i64("product_tmpl_id")
        {
            return Cow::Owned(self.value("product.template", tmpl, "list_price"));
        }
        if field == "display_name" {
            return Cow::Owned(Value::String(self.display_name(model, id)));
        }
        if !f.store()
            && let Some((link, parent)) = table.def.inherits()
            && let Some(pid) = rec.get_i64(link)
            && self
                .tables
                .get(parent)
                .is_some_and(|t| t.def.field(field).is_some())
        {
            return Cow::Owned(self.value(parent, pid, field));
        }
        Cow::Owned(f.ttype.empty())
    }

    /// Ids of a one2many computed from the comodel's inverse many2one, in the
    /// comodel's default order; `None` when the comodel is not loaded.
    pub fn one2many_ids(&self, model: &str, id: i64, field: &str) -> Option<Vec<i64>> {
        let f = self.tables.get(model)?.def.field(field)?;
        let comodel = f.relation()?;
        let inverse = f.relation_field()?;
        let table = self.tables.get(comodel)?;
        table.def.field(inverse)?;
        let active = table.def.has_active();
        let mut ids: Vec<i64> = table
            .records
            .iter()
            .filter(|(_, r)| r.get_i64(inverse) == Some(id))
            .filter(|(_, r)| !active || r.get_bool("active") != Some(false))
            .map(|(i, _)| *i)
            .collect();
        let order = table.def.order.clone();
        self.sort_ids(comodel, &mut ids, &order).ok()?;
        Some(ids)
    }

    /// The display name of a record (stored `display_name`, else `_rec_name`).
    pub fn display_name(&self, model: &str, id: i64) -> String {
        let Some(table) = self.tables.get(model) else {
            return format!("{model},{id}");
        };
        let Some(rec) = table.records.get(&id) else {
            return format!("{model},{id}");
        };
        if let Some(s) = rec.get_str("display_name") {
            return s.to_string();
        }
        match self.value(model, id, &table.def.rec_name) {
            Value::String(s) => s,
            _ => format!("{model},{id}"),
        }
    }

    /// All ids of a model.
    pub fn all_ids(&self, model: &str) -> OdooResult<Vec<i64>> {
        Ok(self.table(model)?.records.keys().copied().collect())
    }
}
