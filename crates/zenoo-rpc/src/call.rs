//! One call of a model method, as every protocol encodes it.

use serde_json::{Map, Value};

/// A model method call: `model.method(*args, **kwargs)`.
///
/// The context lives in `kwargs["context"]`, never spread into `kwargs`.
#[derive(Debug, Clone)]
pub struct Call {
    /// Model, e.g. `res.partner`.
    pub model: String,
    /// Method, e.g. `search_read`.
    pub method: String,
    /// Positional arguments (for record methods the first is the ids).
    pub args: Vec<Value>,
    /// Keyword arguments, including `context`.
    pub kwargs: Map<String, Value>,
}

impl Call {
    /// A call with no arguments yet.
    pub fn new(model: impl Into<String>, method: impl Into<String>) -> Self {
        Self {
            model: model.into(),
            method: method.into(),
            args: Vec::new(),
            kwargs: Map::new(),
        }
    }

    /// `model.method`, for error messages.
    pub fn label(&self) -> String {
        format!("{}.{}", self.model, self.method)
    }

    /// Whether repeating the call cannot change data (reads and metadata).
    pub fn is_idempotent(&self) -> bool {
        matches!(
            self.method.as_str(),
            "search"
                | "search_count"
                | "search_read"
                | "read"
                | "name_search"
                | "fields_get"
                | "default_get"
                | "read_group"
                | "formatted_read_group"
                | "web_search_read"
                | "web_read"
                | "check_access_rights"
                | "has_access"
                | "exists"
                | "context_get"
        )
    }
}
