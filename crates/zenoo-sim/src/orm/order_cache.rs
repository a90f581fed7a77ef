//! Every record of a model sorted by an order specification, kept until a
//! write could change that order, so `search` with a limit walks the order
//! and stops early instead of sorting all matches on every call.
//!
//! Reads run in parallel: after a write, the first read of an order sorts
//! and the others wait for its result instead of sorting too. Writes run
//! alone (under the exclusive lock) and drop the orders they may change: a
//! write of fields an order does not sort by keeps it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::OdooResult;

/// One order, computed once.
type Slot = Arc<Mutex<Option<Arc<Vec<i64>>>>>;

/// What an order depends on.
#[derive(Debug)]
struct Entry {
    slot: Slot,
    /// The fields it sorts by.
    fields: Vec<String>,
    /// Whether it sorts by a relation (so by another model's values).
    relational: bool,
}

/// Cached sorted id lists per (model, order specification).
#[derive(Debug, Default)]
pub struct OrderCache {
    sorted: Mutex<HashMap<(String, String), Entry>>,
}

impl Clone for OrderCache {
    /// A copy of a database starts with an empty cache.
    fn clone(&self) -> Self {
        Self::default()
    }
}

/// The field names of an order specification (`name desc, id`).
pub fn spec_fields(spec: &str) -> Vec<String> {
    spec.split(',')
        .filter_map(|part| part.split_whitespace().next())
        .map(|f| f.trim_matches('"').to_string())
        .collect()
}

impl OrderCache {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Entry>> {
        self.sorted.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Drops every cached order.
    pub fn invalidate(&self) {
        self.map().clear();
    }

    /// Drops the orders a write of `fields` on `model` may change: those of
    /// `model` that sort by one of them, those of any model that sort by one
    /// of `everywhere` (fields recomputed on other records and models), and
    /// those that sort by a relation (their order follows other models).
    pub fn invalidate_fields(&self, model: &str, fields: &[&str], everywhere: &[&str]) {
        self.map().retain(|(m, _), e| {
            let sorts_by = |names: &[&str]| e.fields.iter().any(|f| names.contains(&f.as_str()));
            !(e.relational || sorts_by(everywhere) || (m == model && sorts_by(fields)))
        });
    }

    /// The order of `model` by `spec`: cached, or computed by `sort` (by
    /// one caller; concurrent callers wait for it). `relational` says
    /// whether the order follows values of other models.
    pub fn get_or_sort(
        &self,
        model: &str,
        spec: &str,
        relational: bool,
        sort: impl FnOnce() -> OdooResult<Vec<i64>>,
    ) -> OdooResult<Arc<Vec<i64>>> {
        let slot = {
            let mut map = self.map();
            map.entry((model.to_string(), spec.to_string()))
                .or_insert_with(|| Entry {
                    slot: Slot::default(),
                    fields: spec_fields(spec),
                    relational,
                })
                .slot
                .clone()
        };
        let mut cell = slot.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(ids) = cell.as_ref() {
            return Ok(ids.clone());
        }
        let ids = Arc::new(sort()?);
        *cell = Some(ids.clone());
        Ok(ids)
    }
}
