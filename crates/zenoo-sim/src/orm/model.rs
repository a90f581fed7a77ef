//! Model and field definitions: what `fields_get` describes.

use rustc_hash::FxHashMap;

use serde_json::{Map, Value};

/// An Odoo field type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// `char`
    Char,
    /// `text`
    Text,
    /// `html`
    Html,
    /// `integer`
    Integer,
    /// `float`
    Float,
    /// `monetary`
    Monetary,
    /// `boolean`
    Boolean,
    /// `date`
    Date,
    /// `datetime`
    Datetime,
    /// `selection`
    Selection,
    /// `many2one`
    Many2one,
    /// `one2many`
    One2many,
    /// `many2many`
    Many2many,
    /// `binary`
    Binary,
    /// `reference`
    Reference,
    /// `json` / `properties` and other types kept as raw values.
    Other,
}

impl FieldType {
    /// Parses Odoo's type name.
    pub fn parse(name: &str) -> Self {
        match name {
            "char" => Self::Char,
            "text" => Self::Text,
            "html" => Self::Html,
            "integer" => Self::Integer,
            "float" => Self::Float,
            "monetary" => Self::Monetary,
            "boolean" => Self::Boolean,
            "date" => Self::Date,
            "datetime" => Self::Datetime,
            "selection" => Self::Selection,
            "many2one" | "many2one_reference" => Self::Many2one,
            "one2many" => Self::One2many,
            "many2many" => Self::Many2many,
            "binary" | "image" => Self::Binary,
            "reference" => Self::Reference,
            _ => Self::Other,
        }
    }

    /// True for one2many and many2many.
    pub fn is_x2many(self) -> bool {
        matches!(self, Self::One2many | Self::Many2many)
    }

    /// True for char, text and html.
    pub fn is_text(self) -> bool {
        matches!(self, Self::Char | Self::Text | Self::Html)
    }

    /// True for integer, float and monetary.
    pub fn is_number(self) -> bool {
        matches!(self, Self::Integer | Self::Float | Self::Monetary)
    }

    /// The value `read` returns for an empty field.
    pub fn empty(self) -> Value {
        match self {
            Self::Integer => Value::from(0),
            Self::Float | Self::Monetary => Value::from(0.0),
            Self::One2many | Self::Many2many => Value::Array(Vec::new()),
            _ => Value::Bool(false),
        }
    }
}

/// One field of a model, with its `fields_get` attributes.
#[derive(Debug, Clone)]
pub struct Field {
    /// Technical name.
    pub name: String,
    /// Type.
    pub ttype: FieldType,
    /// All attributes as `fields_get` returns them (including `type`).
    pub attrs: Map<String, Value>,
    /// `store`, read once (it is checked on every search).
    stored: bool,
}

impl Field {
    /// A field from its `fields_get` attributes.
    pub fn new(name: &str, attrs: Map<String, Value>) -> Self {
        let ttype = FieldType::parse(attrs.get("type").and_then(Value::as_str).unwrap_or("char"));
        let stored = attrs.get("store").and_then(Value::as_bool).unwrap_or(true);
        Self {
            name: name.to_string(),
            ttype,
            attrs,
            stored,
        }
    }

    /// The comodel of a relational field.
    pub fn relation(&self) -> Option<&str> {
        self.attrs.get("relation").and_then(Value::as_str)
    }
    /// The inverse many2one of a one2many.
    pub fn relation_field(&self) -> Option<&str> {
        self.attrs.get("relation_field").and_then(Value::as_str)
    }
    /// Whether the field is stored.
    pub fn store(&self) -> bool {
        self.stored
    }
    /// Whether the field is required.
    pub fn required(&self) -> bool {
        self.attrs
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
    /// Whether the field is read-only.
    pub fn readonly(&self) -> bool {
        self.attrs
            .get("readonly")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
    /// The label.
    pub fn string(&self) -> &str {
        self.attrs
            .get("string")
            .and_then(Value::as_str)
            .unwrap_or(&self.name)
    }
    /// The aggregator (`sum`, `avg`, ...), if any.
    pub fn aggregator(&self) -> Option<&str> {
        self.attrs
            .get("aggregator")
            .or_else(|| self.attrs.get("group_operator"))
            .and_then(Value::as_str)
    }
    /// Keys of a selection field.
    pub fn selection_keys(&self) -> Vec<&str> {
        self.attrs
            .get("selection")
            .and_then(Value::as_array)
            .map(|opts| {
                opts.iter()
                    .filter_map(|o| o.as_array().and_then(|p| p.first()).and_then(Value::as_str))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A model: its name, default order, `_rec_name` and fields.
#[derive(Debug, Clone)]
pub struct ModelDef {
    /// Technical name (`res.partner`).
    pub name: String,
    /// Human label (`Contact`).
    pub description: String,
    /// `_order`.
    pub order: String,
    /// `_rec_name`.
    pub rec_name: String,
    /// Fields in definition order.
    pub fields: Vec<Field>,
    index: FxHashMap<String, usize>,
}

impl ModelDef {
    /// A model from its parts; `fields` keeps its order.
    pub fn new(
        name: &str,
        description: &str,
        order: &str,
        rec_name: &str,
        fields: Vec<Field>,
    ) -> Self {
        let index = fields
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.clone(), i))
            .collect();
        Self {
            name: name.to_string(),
            description: description.to_string(),
            order: order.to_string(),
            rec_name: rec_name.to_string(),
            fields,
            index,
        }
    }

    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.index.get(name).map(|&i| &self.fields[i])
    }

    /// Whether the model has an `active` field.
    pub fn has_active(&self) -> bool {
        self.index.contains_key("active")
    }

    /// The many2one that delegates fields to a parent model (`_inherits`).
    pub fn inherits(&self) -> Option<(&'static str, &'static str)> {
        match self.name.as_str() {
            "product.product" => Some(("product_tmpl_id", "product.template")),
            "res.users" => Some(("partner_id", "res.partner")),
            _ => None,
        }
    }

    /// The fields `name_search` and a name comparison on a many2one search.
    pub fn rec_names_search(&self) -> Vec<&str> {
        let wanted: &[&str] = match self.name.as_str() {
            "res.partner" => &["complete_name", "email", "ref", "vat", "company_registry"],
            "product.product" => &["default_code", "name"],
            "product.template" => &["default_code", "name"],
            "res.country" => &["name"],
            "res.country.state" => &["name", "code"],
            "res.users" => &["name", "login"],
            "res.currency" => &["name", "full_name"],
            _ => &[],
        };
        let found: Vec<&str> = wanted
            .iter()
            .copied()
            .filter(|f| self.index.contains_key(*f))
            .collect();
        if found.is_empty() {
            vec![self.rec_name.as_str()]
        } else {
            found
        }
    }
}
