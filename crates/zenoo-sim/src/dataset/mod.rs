//! Datasets a simulator can serve: the built-in demo or fixture directories.

mod demo;
mod fixture;
mod metadata;
mod security;
mod synthetic;

pub use demo::{demo, empty};
pub use fixture::{DatasetError, load_dir};

use std::path::PathBuf;

use serde_json::{Map, Value};

use crate::orm::{Field, ModelDef};

/// Where a simulator's first database comes from.
#[derive(Debug, Clone, Default)]
pub enum Dataset {
    /// The built-in demo dataset.
    #[default]
    Demo,
    /// A directory of `<model>.json` fixture files.
    Dir(PathBuf),
}

/// Builds a model definition from `fields_get`-style attributes.
pub fn model_from_fields(
    name: &str,
    description: &str,
    order: &str,
    rec_name: &str,
    fields: &Map<String, Value>,
) -> ModelDef {
    let mut list = Vec::with_capacity(fields.len() + 1);
    if !fields.contains_key("id") {
        let mut attrs = Map::new();
        attrs.insert("type".into(), Value::from("integer"));
        attrs.insert("string".into(), Value::from("ID"));
        attrs.insert("readonly".into(), Value::Bool(true));
        attrs.insert("store".into(), Value::Bool(true));
        list.push(Field::new("id", attrs));
    }
    for (fname, attrs) in fields {
        list.push(Field::new(
            fname,
            attrs.as_object().cloned().unwrap_or_default(),
        ));
    }
    ModelDef::new(name, description, order, rec_name, list)
}
