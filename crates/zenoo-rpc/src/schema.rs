//! What the client knows about a model's fields: their types and relation
//! targets, read with one `fields_get` per model and kept for the client's
//! lifetime. Queries use it to pick default fields for untyped reads and
//! to follow relation paths when prefetching.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Deserialize;

use crate::client::Client;
use crate::error::{Error, Result};

/// One field as `fields_get` describes it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct FieldInfo {
    #[serde(rename = "type")]
    pub(crate) ttype: String,
    #[serde(default, deserialize_with = "crate::value::false_as_none")]
    pub(crate) relation: Option<String>,
}

/// The fields of one model.
#[derive(Debug, Default)]
pub(crate) struct ModelSchema {
    pub(crate) fields: HashMap<String, FieldInfo>,
    /// The fields an untyped read returns by default, in `fields_get` order:
    /// everything but binary and html fields (read only when asked).
    pub(crate) default_fields: Vec<String>,
}

impl ModelSchema {
    /// The target model of the relation field `name`.
    pub(crate) fn relation(&self, model: &str, name: &str) -> Result<&str> {
        self.fields
            .get(name)
            .and_then(|f| f.relation.as_deref())
            .ok_or_else(|| {
                Error::invalid_query(format!(
                    "{model}.{name} is not a relation field, so it cannot be prefetched"
                ))
            })
    }
}

/// Per-client cache of model schemas.
#[derive(Debug, Default)]
pub(crate) struct SchemaCache {
    models: Mutex<HashMap<String, Arc<ModelSchema>>>,
}

impl SchemaCache {
    /// The schema of `model` if it has been read already.
    pub(crate) fn peek(&self, model: &str) -> Option<Arc<ModelSchema>> {
        self.models
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(model)
            .cloned()
    }
}

impl Client {
    /// The schema of `model`, read once per client.
    pub(crate) async fn schema(&self, model: &str) -> Result<Arc<ModelSchema>> {
        if let Some(s) = self.inner.schemas.peek(model) {
            return Ok(s);
        }
        let raw = self.fields_get(model, &[], &["type", "relation"]).await?;
        let mut schema = ModelSchema::default();
        for (name, v) in raw {
            let info: FieldInfo = serde_json::from_value(v)
                .map_err(|e| Error::decode(&format!("{model}.fields_get"), name.clone(), e))?;
            if info.ttype != "binary" && info.ttype != "html" {
                schema.default_fields.push(name.clone());
            }
            schema.fields.insert(name, info);
        }
        let schema = Arc::new(schema);
        if let Ok(mut m) = self.inner.schemas.models.lock() {
            m.insert(model.to_string(), schema.clone());
        }
        Ok(schema)
    }
}
