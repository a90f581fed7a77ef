//! A record's stored values, laid out by field position.
//!
//! Records of one model share a [`Layout`] (field name -> position), so a
//! record is one contiguous vector instead of a map with a heap-allocated
//! key per value: a full scan touches one allocation per record.

use rustc_hash::FxHashMap;
use std::borrow::Cow;
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
/// Indexes into `cells` stay below the codes.
const MAX_INDEX: u16 = u16::MAX - 4;

/// The code of a value that needs no storage.
fn code_of(v: &Value) -> Option<u16> {
    match v {
        Value::Null => Some(NULL),
        Value::Bool(false) => Some(FALSE),
        Value::Bool(true) => Some(TRUE),
        _ => None,
    }
}

/// One stored value, typed: 24 bytes where a `serde_json::Value` takes 72.
#[derive(Debug, Clone)]
enum Cell {
    Int(i64),
    Float(f64),
    Str(Box<str>),
    /// Anything else (lists of ids, objects, big numbers), or a value
    /// handed out mutably.
    Json(Box<Value>),
}

impl Cell {
    fn from_value(v: Value) -> Self {
        match v {
            Value::String(s) => Cell::Str(s.into_boxed_str()),
            Value::Number(n) if n.is_i64() => match n.as_i64() {
                Some(i) => Cell::Int(i),
                None => Cell::Json(Box::new(Value::Number(n))),
            },
            Value::Number(n) if n.is_f64() => match n.as_f64() {
                Some(f) => Cell::Float(f),
                None => Cell::Json(Box::new(Value::Number(n))),
            },
            other => Cell::Json(Box::new(other)),
        }
    }

    fn to_value(&self) -> Cow<'_, Value> {
        match self {
            Cell::Int(i) => Cow::Owned(Value::from(*i)),
            Cell::Float(f) => {
                Cow::Owned(serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number))
            }
            Cell::Str(s) => Cow::Owned(Value::String(s.to_string())),
            Cell::Json(v) => Cow::Borrowed(v),
        }
    }

    fn into_value(self) -> Value {
        match self {
            Cell::Json(v) => *v,
            Cell::Str(s) => Value::String(s.into_string()),
            other => other.to_value().into_owned(),
        }
    }
}

/// The stored values of one record, `read(load=None)` style.
///
/// Compact: a record keeps one `u16` per field (an index into its own
/// cells, or a code for absent, `null`, `false` and `true`) and stores the
/// other values typed (integers and floats inline, texts as boxed `str`):
/// a `serde_json::Value` would take 72 bytes each.
#[derive(Debug, Clone)]
pub struct Record {
    layout: Arc<Layout>,
    /// Per field position: an index into `cells`, or one of the codes.
    slots: Box<[u16]>,
    cells: Vec<Cell>,
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
            cells: Vec::new(),
            extra: None,
        }
    }

    /// A record from a JSON object.
    pub fn from_map(layout: Arc<Layout>, map: Map<String, Value>) -> Self {
        let mut rec = Self::new(layout);
        let stored = map.values().filter(|v| code_of(v).is_none()).count();
        rec.cells.reserve_exact(stored);
        for (k, v) in map {
            rec.insert(k, v);
        }
        rec
    }

    fn extra(&self) -> &[(String, Value)] {
        self.extra.as_deref().map_or(&[], Vec::as_slice)
    }

    /// The value of a key (borrowed where it is stored as JSON, made for
    /// typed values).
    pub fn get(&self, key: &str) -> Option<Cow<'_, Value>> {
        match self.layout.position(key) {
            Some(i) => self.at(i),
            None => self
                .extra()
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| Cow::Borrowed(v)),
        }
    }

    /// The value at a known position.
    pub fn at(&self, position: usize) -> Option<Cow<'_, Value>> {
        match *self.slots.get(position)? {
            ABSENT => None,
            NULL => Some(Cow::Owned(Value::Null)),
            FALSE => Some(Cow::Owned(Value::Bool(false))),
            TRUE => Some(Cow::Owned(Value::Bool(true))),
            index => self.cells.get(usize::from(index)).map(Cell::to_value),
        }
    }

    /// The text of a key, borrowed.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        match self.layout.position(key) {
            Some(i) => self.str_at(i),
            None => self
                .extra()
                .iter()
                .find(|(k, _)| k == key)
                .and_then(|(_, v)| v.as_str()),
        }
    }

    /// The integer of a key.
    pub fn get_i64(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(|v| v.as_i64())
    }

    /// The flag of a key (`None` when it is not a boolean).
    pub fn get_bool(&self, key: &str) -> Option<bool> {
        self.get(key).and_then(|v| v.as_bool())
    }

    /// The text at a known position, without making a `Value` (the
    /// search hot path).
    pub fn str_at(&self, position: usize) -> Option<&str> {
        match *self.slots.get(position)? {
            index if index <= MAX_INDEX => match self.cells.get(usize::from(index))? {
                Cell::Str(s) => Some(s),
                Cell::Json(v) => v.as_str(),
                _ => None,
            },
            _ => None,
        }
    }

    /// The value of a key, mutably (the value is kept as JSON from then on).
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
        let index = match slot {
            ABSENT => return None,
            NULL | FALSE | TRUE => {
                let constant = match slot {
                    NULL => Value::Null,
                    FALSE => Value::Bool(false),
                    _ => Value::Bool(true),
                };
                let index = self.push(Cell::Json(Box::new(constant)))?;
                self.slots[i] = index;
                index
            }
            index => index,
        };
        let cell = self.cells.get_mut(usize::from(index))?;
        if !matches!(cell, Cell::Json(_)) {
            let value = std::mem::replace(cell, Cell::Int(0)).into_value();
            *cell = Cell::Json(Box::new(value));
        }
        match cell {
            Cell::Json(v) => Some(v),
            _ => None,
        }
    }

    /// Whether the key has a value.
    pub fn contains_key(&self, key: &str) -> bool {
        match self.layout.position(key) {
            Some(i) => self.slots.get(i).is_some_and(|s| *s != ABSENT),
            None => self.extra().iter().any(|(k, _)| k == key),
        }
    }

    /// The index the next stored cell gets, or `None` past [`MAX_INDEX`].
    fn next_index(&self) -> Option<u16> {
        u16::try_from(self.cells.len())
            .ok()
            .filter(|i| *i <= MAX_INDEX)
    }

    /// Stores `cell`; its index, or `None` past [`MAX_INDEX`].
    fn push(&mut self, cell: Cell) -> Option<u16> {
        let index = self.next_index()?;
        // Grow by little: records are many; doubling would waste a third.
        if self.cells.len() == self.cells.capacity() {
            self.cells.reserve_exact(2);
        }
        self.cells.push(cell);
        Some(index)
    }

    /// Takes the stored cell at `index` out, keeping the others' slots.
    fn take_stored(&mut self, index: u16) -> Option<Value> {
        let last = self.cells.len().checked_sub(1)?;
        let at = usize::from(index);
        if at > last {
            return None;
        }
        let cell = self.cells.swap_remove(at);
        // The last cell moved into the hole: point its field there.
        if at != last
            && let Some(moved) = self
                .slots
                .iter_mut()
                .find(|s| **s <= MAX_INDEX && usize::from(**s) == last)
        {
            *moved = index;
        }
        Some(cell.into_value())
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
            self.slots[i] = self.push(Cell::from_value(value)).unwrap_or(ABSENT);
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
                m.insert(name.clone(), v.into_owned());
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
        assert_eq!(r.get("name").as_deref(), Some(&Value::from("b")));
        assert_eq!(r.get("other").as_deref(), Some(&Value::from(1)));
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
            (
                r.get("b").as_deref(),
                r.get("c").as_deref(),
                r.get("d").as_deref()
            ),
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
        assert_eq!(r.at(2).as_deref(), Some(&Value::from(3)));
    }

    #[test]
    fn flags_and_nulls_need_no_storage_and_stay_writable() {
        let names = ["a", "b", "c"].map(String::from);
        let mut r = Record::new(Arc::new(Layout::new(names)));
        r.insert("a".into(), Value::Bool(false));
        r.insert("b".into(), Value::Null);
        r.insert("c".into(), Value::from("text"));
        assert_eq!(r.cells.len(), 1, "only the text is stored");
        assert_eq!(r.get("a").as_deref(), Some(&Value::Bool(false)));
        assert_eq!(r.get("b").as_deref(), Some(&Value::Null));
        if let Some(v) = r.get_mut("a") {
            *v = Value::from(7);
        }
        assert_eq!(r.get("a").as_deref(), Some(&Value::from(7)));
        assert_eq!(
            r.insert("c".into(), Value::Bool(true)),
            Some(Value::from("text"))
        );
        assert_eq!(r.get("c").as_deref(), Some(&Value::Bool(true)));
        assert_eq!(
            r.get("a").as_deref(),
            Some(&Value::from(7)),
            "a moved value keeps its field"
        );
        assert_eq!(r.remove("b"), Some(Value::Null));
        assert_eq!(r.get("b").as_deref(), None);
        assert_eq!(
            r.to_map(),
            serde_json::json!({"a": 7, "c": true})
                .as_object()
                .cloned()
                .unwrap_or_default()
        );
    }
}
