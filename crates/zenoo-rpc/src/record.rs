//! `DynamicRecord`: a record of any model, for untyped use.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::model::Record;

/// A record read without a Rust type: field name → Odoo's JSON value.
///
/// ```
/// use serde_json::json;
/// use zenoo_rpc::{DynamicRecord, Many2one};
///
/// let r: DynamicRecord = serde_json::from_value(json!({"id": 7, "name": "Acme", "parent_id": false, "country_id": [21, "Belgium"]})).unwrap();
/// assert_eq!(r.id(), 7);
/// assert_eq!(r.get_as::<String>("name").unwrap().as_deref(), Some("Acme"));
/// assert_eq!(r.get_as::<Many2one>("parent_id").unwrap(), None);
/// assert_eq!(r.get_as::<Many2one>("country_id").unwrap().map(|c| c.id), Some(21));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DynamicRecord {
    fields: Map<String, Value>,
}

impl DynamicRecord {
    /// The record's id (0 when the server sent none).
    pub fn id(&self) -> i64 {
        self.fields.get("id").and_then(Value::as_i64).unwrap_or(0)
    }

    /// A field's raw value.
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.fields.get(field)
    }

    /// A field decoded as `T`; `None` when it is absent or Odoo's `false`
    /// (for boolean fields read `get_as::<bool>`, which keeps `false`).
    pub fn get_as<T: DeserializeOwned + 'static>(&self, field: &str) -> Result<Option<T>> {
        let Some(v) = self.fields.get(field) else {
            return Ok(None);
        };
        let is_bool = std::any::TypeId::of::<T>() == std::any::TypeId::of::<bool>();
        if (v.is_null() || v == &Value::Bool(false)) && !is_bool {
            return Ok(None);
        }
        serde_json::from_value(v.clone())
            .map(Some)
            .map_err(|e| Error::decode(field, field.to_string(), e).with_record(self.id()))
    }

    /// Field names and values.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.fields
    }

    /// Field names and values, owned.
    pub fn into_map(self) -> Map<String, Value> {
        self.fields
    }
}

impl From<Map<String, Value>> for DynamicRecord {
    fn from(fields: Map<String, Value>) -> Self {
        Self { fields }
    }
}

impl Record for DynamicRecord {
    fn record_id(&self) -> i64 {
        self.id()
    }
}
