//! Places held per key (an address's connections, a principal's
//! WebSockets): a table with an entry only while its key holds a place, so
//! it never has more entries than places are held; and the WebSockets'
//! places, in all and per principal ([`Sockets`]).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::principal::Principal;
use crate::problem::Problem;

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
    #[cfg(test)]
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

/// The WebSockets open, in all and per principal.
#[derive(Debug, Clone)]
pub struct Sockets {
    all: Arc<Semaphore>,
    per_principal: Slots<String>,
}

/// One open WebSocket's places, given back when it closes.
#[derive(Debug)]
pub(crate) struct SocketSlot {
    _all: OwnedSemaphorePermit,
    _own: Slot<String>,
}

impl Sockets {
    /// At most `max` sockets, `per_principal` of them for one principal.
    pub fn new(max: usize, per_principal: usize) -> Self {
        Self {
            all: Arc::new(Semaphore::new(max.max(1))),
            per_principal: Slots::new(per_principal),
        }
    }

    pub(crate) fn take(&self, principal: &Principal) -> Result<SocketSlot, Problem> {
        let own = self
            .per_principal
            .take(principal.subject.clone())
            .ok_or_else(|| {
                Problem::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too-many-websockets",
                    "Too many WebSockets",
                    "this key or user has as many WebSockets open as it may; close one first",
                )
            })?;
        let all = self.all.clone().try_acquire_owned().map_err(|_| {
            Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-websockets",
                "Too many WebSockets",
                "the server has as many WebSockets open as it may; retry later",
            )
        })?;
        Ok(SocketSlot {
            _all: all,
            _own: own,
        })
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
