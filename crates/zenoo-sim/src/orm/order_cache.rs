//! Every record of a model sorted by an order specification, kept until the
//! next write, so `search` with a limit walks the order and stops early
//! instead of sorting all matches on every call.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// (model, order specification) -> (generation, sorted ids).
type Sorted = HashMap<(String, String), (u64, Arc<Vec<i64>>)>;

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

    /// The cached order of `model` by `spec`, if still valid.
    pub fn get(&self, model: &str, spec: &str) -> Option<Arc<Vec<i64>>> {
        let generation = self.generation.load(Ordering::Relaxed);
        let map = self.sorted.lock().ok()?;
        match map.get(&(model.to_string(), spec.to_string())) {
            Some((g, ids)) if *g == generation => Some(ids.clone()),
            _ => None,
        }
    }

    /// Stores an order computed at the current generation.
    pub fn put(&self, model: &str, spec: &str, ids: Arc<Vec<i64>>) {
        let generation = self.generation.load(Ordering::Relaxed);
        if let Ok(mut map) = self.sorted.lock() {
            map.retain(|_, (g, _)| *g == generation);
            map.insert((model.to_string(), spec.to_string()), (generation, ids));
        }
    }
}
