//! Every record of a model sorted by an order specification, kept until the
//! next write, so `search` with a limit walks the order and stops early
//! instead of sorting all matches on every call.
//!
//! Reads run in parallel: after a write, the first read of an order sorts
//! and the others wait for its result instead of sorting too.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::OdooResult;

/// One order, computed once per generation.
type Slot = Arc<Mutex<Option<Arc<Vec<i64>>>>>;

/// (model, order specification) -> (generation, slot).
type Sorted = HashMap<(String, String), (u64, Slot)>;

/// Cached sorted id lists, invalidated by a write generation.
#[derive(Debug, Default)]
pub struct OrderCache {
    generation: AtomicU64,
    sorted: Mutex<Sorted>,
}

impl Clone for OrderCache {
    /// A copy of a database starts with an empty cache.
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl OrderCache {
    /// Records that data changed: every cached order is stale.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::Relaxed);
    }

    /// The order of `model` by `spec`: cached, or computed by `sort` (by
    /// one caller; concurrent callers wait for it).
    pub fn get_or_sort(
        &self,
        model: &str,
        spec: &str,
        sort: impl FnOnce() -> OdooResult<Vec<i64>>,
    ) -> OdooResult<Arc<Vec<i64>>> {
        let generation = self.generation.load(Ordering::Relaxed);
        let slot = {
            let mut map = self.sorted.lock().unwrap_or_else(PoisonError::into_inner);
            let key = (model.to_string(), spec.to_string());
            match map.get(&key) {
                Some((g, slot)) if *g == generation => slot.clone(),
                _ => {
                    map.retain(|_, (g, _)| *g == generation);
                    let slot = Slot::default();
                    map.insert(key, (generation, slot.clone()));
                    slot
                }
            }
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
