//! A record's stored values, laid out by field position.
//!
//! Records of one model share a [`Layout`] (field name -> position), so a
//! record is one contiguous vector instead of a map with a heap-allocated
//! key per value: a full scan touches one allocation per record.

use rustc_hash::FxHashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

/// Field positions of a model's records.
#[derive(Debug, Default)]
pub struct Layout {
    index: FxHashMap<String, usize>,
    names: Vec<String>,
}

impl Layout {
    /// A layout with `names` in order.
    pub fn new(names: impl IntoIterator<Item = String>) -> Self {
        let names: Vec<String> = names.into_iter().collect();
        let index = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect();
        Self { index, names }
    }

    /// The position of a field.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }
}

/// Marks a field without a value in [`Record::slots`].
const ABSENT: u16 = u16::MAX;
/// A field holding `null`, `false` or `true`: no stored value needed.
const NULL: u16 = u16::MAX - 1;
const FALSE: u16 = u16::MAX - 2;
const TRUE: u16 = u16::MAX - 3;
/// Indexes into `values` stay below the codes.
const MAX_INDEX: u16 = u16::MAX - 4;

static NULL_VALUE: Value = Value::Null;
static FALSE_VALUE: Value = Value::Bool(false);
static TRUE_VALUE: Value = Value::Bool(true);

/// The code of a value that needs no storage.
fn code_of(v: &Value) -> Option<u16> {
    match v {
        Value::Null => Some(NULL),
        Value::Bool(false) => Some(FALSE),
        Value::Bool(true) => Some(TRUE),
        _ => None,
    }
}

/// The stored values of one record, `read(load=None)` style.
///
/// Compact: a `serde_json::Value` is 72 bytes and most of a record's fields
/// are empty (`false`), unset or flags, so a record keeps one `u16` per
/// field (an index into its own values, or a code for absent, `null`,
/// `false` and `true`) and stores only the other values.
#[derive(Debug, Clone)]
pub struct Record {
    layout: Arc<Layout>,
    /// Per field position: an index into `values`, or one of the codes.
    slots: Box<[u16]>,
    values: Vec<Value>,
    /// Keys outside the model's fields (kept, never lost); rare, so boxed:
    /// 8 bytes on every record instead of a `Vec`'s 24.
    #[allow(clippy::box_collection)]
    extra: Option<Box<Vec<(String, Value)>>>,
}

impl Record {
    /// An empty record.
    pub fn new(layout: Arc<Layout>) -> Self {
        let n = layout.names.len();
        Self {
            layout,
            slots: vec![ABSENT; n].into_boxed_slice(),
            values: Vec::new(),
            extra: None,
        }
    }

    /// A record from a JSON object.
    pub fn from_map(layout: Arc<Layout>, map: Map<String, Value>) -> Self {
        let mut rec = Self::new(layout);
        let stored = map.values().filter(|v| code_of(v).is_none()).count();
        rec.values.reserve_exact(stored);
        for (k, v) in map {
            rec.insert(k, v);
        }
        rec
    }

    fn extra(&self) -> &[(String, Value)] {
        self.extra.as_deref().map_or(&[], Vec::as_slice)
    }

    /// The value of a key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self.layout.position(key) {
            Some(i) => self.at(i),
            None => self.extra().iter().find(|(k, _)| k == key).map(|(_, v)| v),
        }
    }

    /// The value at a known position.
    pub fn at(&self, position: usize) -> Option<&Value> {
        match *self.slots.get(position)? {
            ABSENT => None,
            NULL => Some(&NULL_VALUE),
            FALSE => Some(&FALSE_VALUE),
            TRUE => Some(&TRUE_VALUE),
            index => self.values.get(usize::from(index)),
        }
    }

    /// The value of a key, mutably (a `null` or flag is given storage).
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        let Some(i) = self.layout.position(key) else {
            return self
                .extra
                .as_deref_mut()?
                .iter_mut()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v);
        };
        let slot = *self.slots.get(i)?;
        let constant = match slot {
            ABSENT => return None,
            NULL => Value::Null,
            FALSE => Value::Bool(false),
            TRUE => Value::Bool(true),
            index => return self.values.get_mut(usize::from(index)),
        };
        let index = self.push(constant)?;
        self.slots[i] = index;
        self.values.get_mut(usize::from(index))
    }

    /// Whether the key has a value.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The index the next stored value gets, or `None` past [`MAX_INDEX`].
    fn next_index(&self) -> Option<u16> {
        u16::try_from(self.values.len())
            .ok()
            .filter(|i| *i <= MAX_INDEX)
    }

    /// Stores `value`; its index, or `None` past [`MAX_INDEX`].
    fn push(&mut self, value: Value) -> Option<u16> {
        let index = self.next_index()?;
        // Grow by little: a Value is 72 bytes and records are many;
        // doubling would waste a third of them.
        if self.values.len() == self.values.capacity() {
            self.values.reserve_exact(2);
        }
        self.values.push(value);
        Some(index)
    }

    /// Takes the stored value at `index` out, keeping the others' slots.
    fn take_stored(&mut self, index: u16) -> Option<Value> {
        let last = self.values.len().checked_sub(1)?;
        let at = usize::from(index);
        if at > last {
            return None;
        }
        let value = self.values.swap_remove(at);
        // The last value moved into the hole: point its field there.
        if at != last
            && let Some(moved) = self
                .slots
                .iter_mut()
                .find(|s| **s <= MAX_INDEX && usize::from(**s) == last)
        {
            *moved = index;
        }
        Some(value)
    }

    /// Sets a value; returns the previous one.
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        let Some(i) = self.layout.position(&key).filter(|i| *i < self.slots.len()) else {
            return self.insert_extra(key, value);
        };
        let previous = self.take_at(i);
        if let Some(code) = code_of(&value) {
            self.slots[i] = code;
        } else if self.next_index().is_some() {
            self.slots[i] = self.push(value).unwrap_or(ABSENT);
        } else {
            // More values than a u16 indexes: kept among the extra keys,
            // never lost.
            self.insert_extra(key, value);
        }
        previous
    }

    /// Empties the field at position `i`; what it held.
    fn take_at(&mut self, i: usize) -> Option<Value> {
        let slot = std::mem::replace(self.slots.get_mut(i)?, ABSENT);
        match slot {
            ABSENT => None,
            NULL => Some(Value::Null),
            FALSE => Some(Value::Bool(false)),
            TRUE => Some(Value::Bool(true)),
            index => self.take_stored(index),
        }
    }

    fn insert_extra(&mut self, key: String, value: Value) -> Option<Value> {
        let extra = self.extra.get_or_insert_with(Default::default);
        match extra.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => Some(std::mem::replace(v, value)),
            None => {
                extra.push((key, value));
                None
            }
        }
    }

    /// Removes a value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        match self.layout.position(key) {
            Some(i) if i < self.slots.len() && self.slots[i] != ABSENT => self.take_at(i),
            _ => self.remove_extra(key),
        }
    }

    fn remove_extra(&mut self, key: &str) -> Option<Value> {
        let extra = self.extra.as_deref_mut()?;
        let pos = extra.iter().position(|(k, _)| k == key)?;
        Some(extra.remove(pos).1)
    }

    /// The record as a JSON object (fields in model order, then extra keys).
    pub fn to_map(&self) -> Map<String, Value> {
        let mut m = Map::new();
        for (i, name) in self.layout.names.iter().enumerate() {
            if let Some(v) = self.at(i) {
                m.insert(name.clone(), v.clone());
            }
        }
        for (k, v) in self.extra() {
            m.insert(k.clone(), v.clone());
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_known_and_unknown_keys() {
        let layout = Arc::new(Layout::new(["id".to_string(), "name".to_string()]));
        let mut r = Record::new(layout);
        assert_eq!(r.insert("name".into(), Value::from("a")), None);
        assert_eq!(
            r.insert("name".into(), Value::from("b")),
            Some(Value::from("a"))
        );
        r.insert("other".into(), Value::from(1));
        assert_eq!(r.get("name"), Some(&Value::from("b")));
        assert_eq!(r.get("other"), Some(&Value::from(1)));
        assert!(!r.contains_key("id"));
        assert_eq!(r.remove("other"), Some(Value::from(1)));
        assert_eq!(r.to_map().len(), 1);
    }

    #[test]
    fn removing_a_value_keeps_the_others_in_place() {
        let names = ["a", "b", "c", "d"].map(String::from);
        let layout = Arc::new(Layout::new(names));
        let mut r = Record::new(layout);
        for (k, v) in [("c", 3), ("a", 1), ("d", 4), ("b", 2)] {
            r.insert(k.into(), Value::from(v));
        }
        assert_eq!(r.remove("a"), Some(Value::from(1)));
        assert_eq!(r.remove("a"), None);
        assert_eq!(
            (r.get("b"), r.get("c"), r.get("d")),
            (
                Some(&Value::from(2)),
                Some(&Value::from(3)),
                Some(&Value::from(4))
            )
        );
        r.insert("a".into(), Value::from(10));
        if let Some(v) = r.get_mut("d") {
            *v = Value::from(40);
        }
        let m = r.to_map();
        let keys: Vec<&String> = m.keys().collect();
        assert_eq!(keys, ["a", "b", "c", "d"], "model order");
        assert_eq!(m["a"], 10);
        assert_eq!(m["d"], 40);
        assert_eq!(r.at(2), Some(&Value::from(3)));
    }

    #[test]
    fn flags_and_nulls_need_no_storage_and_stay_writable() {
        let names = ["a", "b", "c"].map(String::from);
        let mut r = Record::new(Arc::new(Layout::new(names)));
        r.insert("a".into(), Value::Bool(false));
        r.insert("b".into(), Value::Null);
        r.insert("c".into(), Value::from("text"));
        assert_eq!(r.values.len(), 1, "only the text is stored");
        assert_eq!(r.get("a"), Some(&Value::Bool(false)));
        assert_eq!(r.get("b"), Some(&Value::Null));
        if let Some(v) = r.get_mut("a") {
            *v = Value::from(7);
        }
        assert_eq!(r.get("a"), Some(&Value::from(7)));
        assert_eq!(
            r.insert("c".into(), Value::Bool(true)),
            Some(Value::from("text"))
        );
        assert_eq!(r.get("c"), Some(&Value::Bool(true)));
        assert_eq!(
            r.get("a"),
            Some(&Value::from(7)),
            "a moved value keeps its field"
        );
        assert_eq!(r.remove("b"), Some(Value::Null));
        assert_eq!(r.get("b"), None);
        assert_eq!(
            r.to_map(),
            serde_json::json!({"a": 7, "c": true})
                .as_object()
                .cloned()
                .unwrap_or_default()
        );
    }
}
