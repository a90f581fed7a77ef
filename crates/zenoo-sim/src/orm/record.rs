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

/// The stored values of one record, `read(load=None)` style.
#[derive(Debug, Clone)]
pub struct Record {
    layout: Arc<Layout>,
    values: Vec<Option<Value>>,
    /// Keys outside the model's fields (kept, never lost).
    extra: Vec<(String, Value)>,
}

impl Record {
    /// An empty record.
    pub fn new(layout: Arc<Layout>) -> Self {
        let n = layout.names.len();
        Self {
            layout,
            values: vec![None; n],
            extra: Vec::new(),
        }
    }

    /// A record from a JSON object.
    pub fn from_map(layout: Arc<Layout>, map: Map<String, Value>) -> Self {
        let mut rec = Self::new(layout);
        for (k, v) in map {
            rec.insert(k, v);
        }
        rec
    }

    /// The value of a key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self.layout.position(key) {
            Some(i) => self.values[i].as_ref(),
            None => self.extra.iter().find(|(k, _)| k == key).map(|(_, v)| v),
        }
    }

    /// The value at a known position.
    pub fn at(&self, position: usize) -> Option<&Value> {
        self.values.get(position).and_then(Option::as_ref)
    }

    /// The value of a key, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        match self.layout.position(key) {
            Some(i) => self.values[i].as_mut(),
            None => self
                .extra
                .iter_mut()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v),
        }
    }

    /// Whether the key has a value.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets a value; returns the previous one.
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        match self.layout.position(&key) {
            Some(i) => self.values[i].replace(value),
            None => match self.extra.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => Some(std::mem::replace(v, value)),
                None => {
                    self.extra.push((key, value));
                    None
                }
            },
        }
    }

    /// Removes a value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        match self.layout.position(key) {
            Some(i) => self.values[i].take(),
            None => {
                let pos = self.extra.iter().position(|(k, _)| k == key)?;
                Some(self.extra.remove(pos).1)
            }
        }
    }

    /// The record as a JSON object (fields in model order, then extra keys).
    pub fn to_map(&self) -> Map<String, Value> {
        let mut m = Map::new();
        for (name, v) in self.layout.names.iter().zip(&self.values) {
            if let Some(v) = v {
                m.insert(name.clone(), v.clone());
            }
        }
        for (k, v) in &self.extra {
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
}
