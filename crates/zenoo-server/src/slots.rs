//! Places held per key (an address's connections, a principal's
//! WebSockets): a table with an entry only while its key holds a place, so
//! it never has more entries than places are held.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// Places held per key, each key at most `cap`.
#[derive(Debug)]
pub struct Slots<K: Eq + Hash + Clone> {
    held: Arc<Mutex<HashMap<K, usize>>>,
    cap: usize,
}

impl<K: Eq + Hash + Clone> Clone for Slots<K> {
    fn clone(&self) -> Self {
        Self {
            held: self.held.clone(),
            cap: self.cap,
        }
    }
}

/// One place held by a key, given back when dropped.
#[derive(Debug)]
pub struct Slot<K: Eq + Hash + Clone> {
    held: Arc<Mutex<HashMap<K, usize>>>,
    key: K,
}

impl<K: Eq + Hash + Clone> Slots<K> {
    /// A table allowing each key `cap` places (at least one).
    pub fn new(cap: usize) -> Self {
        Self {
            held: Arc::default(),
            cap: cap.max(1),
        }
    }

    /// A place for `key`, or `None` when it holds `cap` already.
    pub fn take(&self, key: K) -> Option<Slot<K>> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let n = held.entry(key.clone()).or_insert(0);
        if *n >= self.cap {
            return None;
        }
        *n += 1;
        Some(Slot {
            held: self.held.clone(),
            key,
        })
    }

    /// How many places `key` holds.
    pub fn held(&self, key: &K) -> usize {
        let held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        held.get(key).copied().unwrap_or(0)
    }
}

impl<K: Eq + Hash + Clone> Drop for Slot<K> {
    fn drop(&mut self) {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = held.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                held.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Slots;

    #[test]
    fn a_key_holds_at_most_its_cap_and_entries_go_with_the_places() {
        let slots = Slots::new(2);
        let a1 = slots.take("a").expect("first");
        let a2 = slots.take("a").expect("second");
        assert!(slots.take("a").is_none(), "a third place over the cap");
        let b = slots.take("b").expect("another key is not affected");
        drop(a1);
        let a3 = slots.take("a").expect("a place came back");
        drop((a2, a3, b));
        assert_eq!(slots.held(&"a"), 0);
        assert!(
            slots.held.lock().expect("lock").is_empty(),
            "empty keys are removed"
        );
    }
}
