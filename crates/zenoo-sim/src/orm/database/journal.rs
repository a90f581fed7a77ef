//! Odoo runs each call in one PostgreSQL transaction: when the call fails,
//! nothing it did remains (a `create` of 500 records whose 2nd is refused
//! creates none). The journal keeps, for the call in progress, what every
//! record it touched was before the call, and puts them back on failure.
//! Id sequences are not rolled back, as PostgreSQL's are not.

use rustc_hash::FxHashMap;
use serde_json::{Map, Value};

use crate::orm::database::Database;
use crate::orm::record::Record;

/// The undo log of the call in progress.
#[derive(Debug, Clone, Default)]
pub struct Journal {
    /// (model, id) → the record before the call (`None`: it did not exist).
    saved: FxHashMap<(String, i64), Option<Record>>,
    /// Whether a call is in progress.
    active: bool,
}

impl Database {
    /// Starts a call whose changes are taken back if it fails (calls do
    /// not nest: the server runs one at a time per database, and a call
    /// that panicked leaves nothing for the next one).
    pub(crate) fn begin(&mut self) {
        self.journal.saved.clear();
        self.journal.active = true;
    }

    /// Ends the call started by [`begin`](Self::begin): keeps its changes
    /// when `ok`, otherwise puts every touched record back.
    pub(crate) fn end(&mut self, ok: bool) {
        self.journal.active = false;
        let saved = std::mem::take(&mut self.journal.saved);
        if ok || saved.is_empty() {
            return;
        }
        for ((model, id), before) in saved {
            let Some(table) = self.tables.get_mut(&model) else {
                continue;
            };
            match before {
                Some(rec) => {
                    table.records.insert(id, rec);
                }
                None => {
                    table.records.remove(&id);
                }
            }
        }
        self.order_cache.invalidate();
    }

    /// Remembers what `model`/`id` is now, once per call.
    fn save(&mut self, model: &str, id: i64) {
        if !self.journal.active {
            return;
        }
        let key = (model.to_string(), id);
        if self.journal.saved.contains_key(&key) {
            return;
        }
        let before = self
            .tables
            .get(model)
            .and_then(|t| t.records.get(&id))
            .cloned();
        self.journal.saved.insert(key, before);
    }

    /// A record to change in place.
    pub(crate) fn record_mut(&mut self, model: &str, id: i64) -> Option<&mut Record> {
        if !self.tables.get(model)?.records.contains_key(&id) {
            return None;
        }
        self.save(model, id);
        self.tables.get_mut(model)?.records.get_mut(&id)
    }

    /// Deletes a record.
    pub(crate) fn remove_record(&mut self, model: &str, id: i64) {
        if self
            .tables
            .get(model)
            .is_some_and(|t| t.records.contains_key(&id))
        {
            self.save(model, id);
            if let Some(t) = self.tables.get_mut(model) {
                t.records.remove(&id);
            }
        }
    }

    /// Adds a record with a known id.
    pub(crate) fn insert_record(&mut self, model: &str, id: i64, map: Map<String, Value>) {
        self.save(model, id);
        if let Some(t) = self.tables.get_mut(model) {
            t.insert(id, map);
        }
    }
}
