//! Declarative actions: named operations defined in a YAML file, each
//! with a JSON Schema for its parameters (checked before it runs), the
//! scope it needs, and what it runs:
//!
//! | `run`           | needs        | does                                            |
//! |-----------------|--------------|-------------------------------------------------|
//! | `sync.order`    | `order`      | forces a sync of the order                      |
//! | `sync.supplier` | `supplier`   | forces a sync of every order of the supplier    |
//! | `odoo.confirm`  | `order`      | `button_confirm` on the order in Odoo           |
//! | `odoo.cancel`   | `order`      | `button_cancel` on the order in Odoo            |
//!
//! ```yaml
//! confirm_order:
//!   description: Confirm the purchase order in Odoo
//!   scope: orders:write
//!   run: odoo.confirm
//!   params:
//!     type: object
//!     required: [order]
//!     properties:
//!       order: {type: string, format: uuid}
//!     additionalProperties: false
//! ```
//!
//! A file that does not parse, an unknown `run` or scope, a schema that is
//! not one, or a schema that does not require what the action needs, is
//! refused at start with the file's line and the reason.

use std::collections::BTreeMap;
use std::path::Path as FsPath;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::principal::Scope;

/// What an action runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Operation {
    /// Force a sync of one order.
    #[serde(rename = "sync.order")]
    SyncOrder,
    /// Force a sync of every order of one supplier.
    #[serde(rename = "sync.supplier")]
    SyncSupplier,
    /// Confirm the order in Odoo.
    #[serde(rename = "odoo.confirm")]
    OdooConfirm,
    /// Cancel the order in Odoo.
    #[serde(rename = "odoo.cancel")]
    OdooCancel,
}

impl Operation {
    /// The parameter the operation works on.
    fn needs(self) -> &'static str {
        match self {
            Self::SyncSupplier => "supplier",
            _ => "order",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Definition {
    #[serde(default)]
    description: String,
    scope: Scope,
    run: Operation,
    params: Value,
}

/// One action, as `GET /actions` lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActionInfo {
    /// Its name (`POST /actions/<name>`).
    pub name: String,
    /// What it does, for people.
    pub description: String,
    /// The scope it needs.
    pub scope: Scope,
    /// What it runs.
    pub run: Operation,
    /// The JSON Schema of its parameters.
    pub params: Value,
}

pub(crate) struct Action {
    pub(crate) info: ActionInfo,
    pub(crate) validator: jsonschema::Validator,
}

/// The actions of one file.
#[derive(Default)]
pub struct Actions {
    pub(crate) by_name: BTreeMap<String, Action>,
}

impl std::fmt::Debug for Actions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.by_name.keys()).finish()
    }
}

/// What is wrong with an actions file, and where.
#[derive(Debug, thiserror::Error)]
#[error("{file}, line {line}: {reason}")]
pub struct ActionsError {
    /// The file.
    pub file: String,
    /// The line (from 1).
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

impl Actions {
    /// Reads and checks the file at `path`.
    ///
    /// # Errors
    /// An [`ActionsError`] with the line and the reason.
    pub fn load(path: &FsPath) -> Result<Self, ActionsError> {
        let text = std::fs::read_to_string(path).map_err(|e| ActionsError {
            file: path.display().to_string(),
            line: 0,
            reason: e.to_string(),
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Checks the YAML `text` (named `file` in errors).
    ///
    /// # Errors
    /// An [`ActionsError`] with the line and the reason.
    pub fn parse(text: &str, file: &str) -> Result<Self, ActionsError> {
        let err = |line: usize, reason: String| ActionsError {
            file: file.to_string(),
            line,
            reason,
        };
        let defs: BTreeMap<String, Definition> = serde_norway::from_str(text).map_err(|e| {
            let line = e.location().map_or(0, |l| l.line());
            err(line, e.to_string())
        })?;
        let mut by_name = BTreeMap::new();
        for (name, def) in defs {
            // The line of the action's name, for what serde cannot place.
            let line = text
                .lines()
                .position(|l| {
                    l.strip_prefix(name.as_str())
                        .is_some_and(|rest| rest.trim_start().starts_with(':'))
                })
                .map_or(0, |i| i + 1);
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Err(err(
                    line,
                    format!("action name {name:?}: use letters, digits, _ and - only"),
                ));
            }
            let validator = jsonschema::validator_for(&def.params).map_err(|e| {
                err(
                    line,
                    format!("action `{name}`: params is not a JSON Schema: {e}"),
                )
            })?;
            let needs = def.run.needs();
            let required = def
                .params
                .get("required")
                .and_then(Value::as_array)
                .is_some_and(|r| r.iter().any(|v| v == needs));
            if !required {
                return Err(err(
                    line,
                    format!(
                        "action `{name}`: {:?} works on `{needs}`: params must list it in `required`",
                        def.run
                    ),
                ));
            }
            by_name.insert(
                name.clone(),
                Action {
                    info: ActionInfo {
                        name,
                        description: def.description,
                        scope: def.scope,
                        run: def.run,
                        params: def.params,
                    },
                    validator,
                },
            );
        }
        Ok(Self { by_name })
    }

    /// Every action, by name.
    pub fn list(&self) -> Vec<ActionInfo> {
        self.by_name.values().map(|a| a.info.clone()).collect()
    }
}
