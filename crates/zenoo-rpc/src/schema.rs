//! What Odoo says about a model's fields, read with one `fields_get` per
//! model and kept for the client's lifetime ([`Client::schema`]).
//!
//! One home for the metadata every part needs: queries pick the default
//! fields of untyped reads and follow relation paths when prefetching; a
//! [unit of work](crate::unit) finds the fields it can restore and the
//! lines a record owns; the CLI's import and codegen read types,
//! relations, labels and selections from it.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> zenoo_rpc::Result<()> {
//! # let sim = zenoo_sim::Sim::builder().start().await.expect("sim");
//! use zenoo_rpc::Client;
//! use zenoo_rpc::schema::FieldType;
//!
//! let client = Client::builder(&sim.url()).database("demo").password("admin", "admin").build().await?;
//! let partner = client.schema("res.partner").await?;
//! let parent = partner.field("parent_id").expect("a field of res.partner");
//! assert_eq!(parent.field_type, FieldType::Many2one);
//! assert_eq!(parent.relation.as_deref(), Some("res.partner"));
//! let children = partner.field("child_ids").expect("a field of res.partner");
//! assert_eq!(children.inverse.as_deref(), Some("parent_id"));
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// The attributes [`Client::schema`] asks `fields_get` for.
pub const ATTRIBUTES: &[&str] = &[
    "type",
    "string",
    "help",
    "relation",
    "relation_field",
    "store",
    "readonly",
    "required",
    "selection",
];

/// A field's type, as `fields_get` names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldType {
    /// `boolean`
    Boolean,
    /// `integer`
    Integer,
    /// `float`
    Float,
    /// `monetary`
    Monetary,
    /// `char`
    Char,
    /// `text`
    Text,
    /// `html`
    Html,
    /// `date`
    Date,
    /// `datetime`
    Datetime,
    /// `binary`
    Binary,
    /// `selection`
    Selection,
    /// `many2one`
    Many2one,
    /// `one2many`
    One2many,
    /// `many2many`
    Many2many,
    /// `reference` (`"model,id"`)
    Reference,
    /// `many2one_reference` (an id whose model another field names)
    Many2oneReference,
    /// `json`
    Json,
    /// `properties`
    Properties,
    /// `properties_definition`
    PropertiesDefinition,
    /// A type this version of Zenoo does not know, by its name.
    Other(String),
}

impl FieldType {
    const NAMED: [(&'static str, FieldType); 19] = [
        ("boolean", Self::Boolean),
        ("integer", Self::Integer),
        ("float", Self::Float),
        ("monetary", Self::Monetary),
        ("char", Self::Char),
        ("text", Self::Text),
        ("html", Self::Html),
        ("date", Self::Date),
        ("datetime", Self::Datetime),
        ("binary", Self::Binary),
        ("selection", Self::Selection),
        ("many2one", Self::Many2one),
        ("one2many", Self::One2many),
        ("many2many", Self::Many2many),
        ("reference", Self::Reference),
        ("many2one_reference", Self::Many2oneReference),
        ("json", Self::Json),
        ("properties", Self::Properties),
        ("properties_definition", Self::PropertiesDefinition),
    ];

    /// The type Odoo names `name`.
    pub fn parse(name: &str) -> Self {
        Self::NAMED
            .iter()
            .find(|(n, _)| *n == name)
            .map_or_else(|| Self::Other(name.to_string()), |(_, t)| t.clone())
    }

    /// Odoo's name of the type (`many2one`, ...).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Other(name) => name,
            known => Self::NAMED
                .iter()
                .find(|(_, t)| t == known)
                .map_or("", |(n, _)| n),
        }
    }

    /// `one2many` or `many2many`.
    pub fn is_x2many(&self) -> bool {
        matches!(self, Self::One2many | Self::Many2many)
    }
}

impl std::fmt::Display for FieldType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One field of a model.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FieldInfo {
    /// The field's technical name.
    pub name: String,
    /// Its type.
    pub field_type: FieldType,
    /// Its label (`string`).
    pub label: String,
    /// Its help text, if any.
    pub help: Option<String>,
    /// The comodel of a relation field.
    pub relation: Option<String>,
    /// The inverse many2one of a one2many (`relation_field`).
    pub inverse: Option<String>,
    /// Whether it is stored (a computed field without storage is not).
    pub stored: bool,
    /// Whether the user interface treats it as read-only.
    pub readonly: bool,
    /// Whether a record needs a value.
    pub required: bool,
    /// The choices of a selection field: (value, label), in Odoo's order.
    pub selection: Vec<(String, String)>,
}

/// `fields_get`'s description of one field, as sent.
#[derive(Deserialize)]
struct Described {
    #[serde(rename = "type")]
    ttype: String,
    #[serde(default)]
    string: Option<String>,
    #[serde(default, deserialize_with = "crate::value::false_as_none")]
    help: Option<String>,
    #[serde(default, deserialize_with = "crate::value::false_as_none")]
    relation: Option<String>,
    #[serde(default, deserialize_with = "crate::value::false_as_none")]
    relation_field: Option<String>,
    #[serde(default = "yes")]
    store: bool,
    #[serde(default)]
    readonly: Option<Value>,
    #[serde(default)]
    required: Option<Value>,
    #[serde(default)]
    selection: Option<Value>,
}

fn yes() -> bool {
    true
}

/// A flag Odoo may send as a boolean or as a domain-like expression
/// (older versions' `states`); anything but `true` is read as no.
fn flag(v: Option<&Value>) -> bool {
    v.and_then(Value::as_bool).unwrap_or(false)
}

/// A selection's choices; a value that is not text (an integer key) as
/// its JSON text.
fn choices(v: Option<&Value>) -> Vec<(String, String)> {
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
    v.and_then(Value::as_array)
        .map(|options| {
            options
                .iter()
                .filter_map(|o| match o.as_array()?.as_slice() {
                    [value, label] => Some((text(value), text(label))),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The fields of one model, in `fields_get` order.
#[derive(Debug, Clone, Default)]
pub struct ModelSchema {
    model: String,
    fields: Vec<FieldInfo>,
    by_name: HashMap<String, usize>,
    /// What an untyped read returns by default: everything but binary and
    /// html fields (read only when asked).
    default_fields: Vec<String>,
}

impl ModelSchema {
    /// The schema `fields_get` of `model` describes (as it answers with
    /// [`ATTRIBUTES`]; missing attributes take Odoo's defaults).
    ///
    /// # Errors
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode) naming the field
    /// whose description is not one.
    pub fn from_fields_get(model: &str, described: Map<String, Value>) -> Result<Self> {
        let mut schema = Self {
            model: model.to_string(),
            fields: Vec::with_capacity(described.len()),
            ..Self::default()
        };
        for (name, v) in described {
            let d: Described = serde_json::from_value(v)
                .map_err(|e| Error::decode(&format!("{model}.fields_get"), name.clone(), e))?;
            let field_type = FieldType::parse(&d.ttype);
            if !matches!(field_type, FieldType::Binary | FieldType::Html) {
                schema.default_fields.push(name.clone());
            }
            schema.by_name.insert(name.clone(), schema.fields.len());
            schema.fields.push(FieldInfo {
                label: d.string.unwrap_or_else(|| name.clone()),
                name,
                field_type,
                help: d.help.filter(|h| !h.is_empty()),
                relation: d.relation,
                inverse: d.relation_field,
                stored: d.store,
                readonly: flag(d.readonly.as_ref()),
                required: flag(d.required.as_ref()),
                selection: choices(d.selection.as_ref()),
            });
        }
        Ok(schema)
    }

    /// The model's name.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The field `name`, if the model has it.
    pub fn field(&self, name: &str) -> Option<&FieldInfo> {
        self.fields.get(*self.by_name.get(name)?)
    }

    /// Every field, in `fields_get` order.
    pub fn fields(&self) -> &[FieldInfo] {
        &self.fields
    }

    /// The fields an untyped read returns by default, in `fields_get`
    /// order: all but binary and html fields.
    pub fn default_fields(&self) -> &[String] {
        &self.default_fields
    }

    /// The target model of the relation field `name`.
    pub(crate) fn relation(&self, name: &str) -> Result<&str> {
        self.field(name)
            .and_then(|f| f.relation.as_deref())
            .ok_or_else(|| {
                Error::invalid_query(format!(
                    "{}.{name} is not a relation field, so it cannot be prefetched",
                    self.model
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
    /// The schema of `model` if it has been read already. Each entry is
    /// inserted whole, so a poisoned lock is read through.
    pub(crate) fn peek(&self, model: &str) -> Option<Arc<ModelSchema>> {
        self.models
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(model)
            .cloned()
    }

    fn keep(&self, schema: Arc<ModelSchema>) {
        self.models
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(schema.model.clone(), schema);
    }
}

impl SchemaCache {
    /// The schema of `model`: kept, or described by `fields_get` (called
    /// with the model and [`ATTRIBUTES`]) and kept.
    pub(crate) async fn get<F>(
        &self,
        model: &str,
        fields_get: impl FnOnce(&'static [&'static str]) -> F,
    ) -> Result<Arc<ModelSchema>>
    where
        F: Future<Output = Result<Map<String, Value>>>,
    {
        if let Some(s) = self.peek(model) {
            return Ok(s);
        }
        let described = fields_get(ATTRIBUTES).await?;
        let schema = Arc::new(ModelSchema::from_fields_get(model, described)?);
        self.keep(schema.clone());
        Ok(schema)
    }
}
