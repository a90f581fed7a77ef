//! Odoo exceptions as the simulator raises them.

use serde_json::{Value, json};

/// An exception raised by the simulated Odoo, with the Python class name
/// Odoo reports in `data.name` and the exception's arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct OdooException {
    /// Fully qualified Python class name, e.g. `odoo.exceptions.UserError`.
    pub name: String,
    /// The exception's arguments, as Odoo's `data.arguments`.
    pub arguments: Vec<Value>,
    /// The text of `data.message` (the string arguments joined by newlines).
    pub message: String,
}

/// Result of a simulated Odoo operation.
pub type OdooResult<T> = Result<T, OdooException>;

impl OdooException {
    /// An exception with one string argument.
    pub fn new(name: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            name: name.to_string(),
            arguments: vec![Value::String(message.clone())],
            message,
        }
    }

    /// `odoo.exceptions.UserError`.
    pub fn user(message: impl Into<String>) -> Self {
        Self::new("odoo.exceptions.UserError", message)
    }

    /// `odoo.exceptions.ValidationError`.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new("odoo.exceptions.ValidationError", message)
    }

    /// `odoo.exceptions.AccessError`.
    pub fn access(message: impl Into<String>) -> Self {
        Self::new("odoo.exceptions.AccessError", message)
    }

    /// `odoo.exceptions.AccessDenied` with Odoo's fixed message.
    pub fn access_denied() -> Self {
        Self::new("odoo.exceptions.AccessDenied", "Access Denied")
    }

    /// `odoo.exceptions.MissingError` for records of `model` as seen by `uid`.
    pub fn missing(model: &str, ids: &[i64], uid: i64) -> Self {
        let list: Vec<String> = ids.iter().map(|i| format!("{i},")).collect();
        let ids = if ids.len() == 1 {
            list.join("")
        } else {
            ids.iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        Self::new(
            "odoo.exceptions.MissingError",
            format!(
                "Record does not exist or has been deleted.\n(Record: {model}({ids}), User: {uid})"
            ),
        )
    }

    /// `builtins.ValueError`.
    pub fn value_error(message: impl Into<String>) -> Self {
        Self::new("builtins.ValueError", message)
    }

    /// `builtins.TypeError`.
    pub fn type_error(message: impl Into<String>) -> Self {
        Self::new("builtins.TypeError", message)
    }

    /// `builtins.AttributeError`.
    pub fn attribute_error(message: impl Into<String>) -> Self {
        Self::new("builtins.AttributeError", message)
    }

    /// `builtins.KeyError` (its message is the key).
    pub fn key_error(key: &str) -> Self {
        Self::new("builtins.KeyError", key)
    }

    /// The last line of a Python traceback for this exception.
    pub fn traceback(&self) -> String {
        let short = self.name.rsplit('.').next().unwrap_or(&self.name);
        let module = if self.name.starts_with("builtins.") {
            short.to_string()
        } else {
            self.name.clone()
        };
        format!(
            "Traceback (most recent call last):\n  File \"zenoo_sim\", line 1, in <simulated>\n{module}: {}\n",
            self.message
        )
    }

    /// The `data` member of Odoo's JSON-RPC error envelope.
    pub fn data(&self) -> Value {
        json!({
            "name": self.name,
            "debug": self.traceback(),
            "message": self.message,
            "arguments": self.arguments,
            "context": {},
        })
    }

    /// True for `odoo.exceptions.UserError` and its subclasses.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self.name.as_str(),
            "odoo.exceptions.UserError"
                | "odoo.exceptions.ValidationError"
                | "odoo.exceptions.MissingError"
                | "odoo.exceptions.RedirectWarning"
                | "odoo.exceptions.AccessError"
                | "odoo.exceptions.AccessDenied"
        )
    }
}
