//! Running a bound public method: the methods that only read run on a
//! shared `&Database` (so reads proceed in parallel), the others on
//! `&mut Database`.

use serde_json::{Map, Value, json};

use super::read::FieldError;
use crate::error::{OdooException, OdooResult};
use crate::orm::bind::Bound;
use crate::orm::database::{Database, Env};
use crate::orm::method_table::{Operation, Signature};
use crate::orm::pyrepr::falsy;
use crate::version::OdooVersion;

impl Database {
    /// Runs a bound public method. `Ok(None)` means Python returned `None`.
    pub fn dispatch(
        &mut self,
        model: &str,
        sig: Signature,
        b: &Bound,
        env: &Env,
    ) -> OdooResult<Option<Value>> {
        if !sig.operation.changes_data() {
            return self.dispatch_read(model, sig, b, env);
        }
        // A copy reads its source first.
        if sig.name == "copy" {
            self.check_rules(model, "read", &b.ids, env)?;
        }
        if !sig.model_level && sig.operation != Operation::Create {
            // Odoo 19 reads a record before it changes it: a record the
            // read rules hide is refused for 'read' first (checked on a real
            // 19: write, copy and action_confirm on another salesman's
            // order all say 'read').
            if self.version >= crate::version::OdooVersion::V19
                && sig.operation != Operation::Unlink
            {
                self.check_rules(model, "read", &b.ids, env)?;
            }
            self.check_rules(model, sig.operation.as_str(), &b.ids, env)?;
        }
        self.check_conflicts(model, &b.ids, env)?;
        self.invalidate_orders(model, sig, b);
        self.begin();
        let result = self.dispatch_write(model, sig, b, env);
        self.end(result.is_ok());
        if result.is_ok() {
            self.stamp_writes(model, &b.ids, env);
            self.security_changed(model);
        }
        result
    }

    /// Drops the cached orders `sig` may change: for a write of plain fields
    /// (and what business rules recompute from them), the orders by those
    /// fields; for anything else (creates, deletes, x2many commands), all.
    fn invalidate_orders(&self, model: &str, sig: Signature, b: &Bound) {
        let mut fields: Vec<&str> = match sig.name {
            "write" => match b.named.get("vals") {
                Some(Value::Object(vals)) => vals.keys().map(String::as_str).collect(),
                _ => Vec::new(),
            },
            "action_archive" | "action_unarchive" => vec!["active"],
            name if name.starts_with("action_") || name.starts_with("button_") => vec!["state"],
            _ => return self.order_cache.invalidate(),
        };
        let x2many = self.def(model).map_or(true, |def| {
            fields
                .iter()
                .any(|f| def.field(f).is_none_or(|f| f.ttype.is_x2many()))
        });
        if x2many {
            return self.order_cache.invalidate();
        }
        let recomputes = fields
            .iter()
            .any(|f| super::business::RECOMPUTE_TRIGGERS.contains(f));
        let everywhere: &[&str] = if recomputes {
            super::business::DERIVED_FIELDS
        } else {
            &[]
        };
        fields.extend(["write_date", "write_uid"]);
        self.order_cache
            .invalidate_fields(model, &fields, everywhere);
    }

    /// Runs a method that changes nothing.
    ///
    /// # Errors
    /// Odoo's error for the call, or a `RuntimeError` when `sig` is a method
    /// that changes data (those go through [`dispatch`](Self::dispatch)).
    pub fn dispatch_read(
        &self,
        model: &str,
        sig: Signature,
        b: &Bound,
        env: &Env,
    ) -> OdooResult<Option<Value>> {
        let v19 = self.version >= OdooVersion::V19;
        let empty = Value::Array(Vec::new());
        let result = match sig.name {
            "search" => {
                let domain = b.get("domain").unwrap_or(&empty);
                Value::from(self.search(
                    model,
                    domain,
                    b.window("offset")?.unwrap_or(0),
                    b.window("limit")?,
                    b.get("order").and_then(Value::as_str),
                    env,
                )?)
            }
            "search_count" => {
                let domain = b.get("domain").unwrap_or(&empty);
                let n = self.search_set(model, domain, env)?.len();
                Value::from(b.window("limit")?.map_or(n, |l| n.min(l)))
            }
            "search_read" => {
                let domain = b.get("domain").unwrap_or(&empty);
                let fields = b.strings("fields");
                let fields =
                    self.read_fields(model, fields.as_deref(), self.field_error_style())?;
                let ids = self.search(
                    model,
                    domain,
                    b.window("offset")?.unwrap_or(0),
                    b.window("limit")?,
                    b.get("order").and_then(Value::as_str),
                    env,
                )?;
                Value::from(self.read(model, &ids, &fields, b.load(), env)?)
            }
            "read" => {
                self.check_rules(model, "read", &b.ids, env)?;
                let fields = b.strings("fields");
                let fields =
                    self.read_fields(model, fields.as_deref(), self.field_error_style())?;
                Value::from(self.read(model, &b.ids, &fields, b.load(), env)?)
            }
            "name_search" => {
                let domain = b
                    .get(if v19 { "domain" } else { "args" })
                    .cloned()
                    .unwrap_or(empty.clone());
                let limit =
                    b.window("limit")?
                        .or(if b.named.get("limit").is_some_and(Value::is_null) {
                            None
                        } else {
                            Some(100)
                        });
                self.name_search(
                    model,
                    b.text("name", ""),
                    &domain,
                    b.text("operator", "ilike"),
                    limit,
                    env,
                )?
            }
            "fields_get" => self.fields_get(
                model,
                b.strings("allfields").as_deref(),
                b.strings("attributes").as_deref(),
                env.context.get("lang").and_then(Value::as_str),
            )?,
            "default_get" => {
                let fields = b
                    .strings(if v19 { "fields" } else { "fields_list" })
                    .unwrap_or_default();
                Value::Object(self.defaults(model, &fields, env)?)
            }
            "read_group" => self.read_group(model, b, env)?,
            "formatted_read_group" => self.formatted_read_group(model, b, env)?,
            "web_search_read" => self.web_search_read(model, b, env)?,
            "web_read" => {
                self.check_rules(model, "read", &b.ids, env)?;
                let spec = b
                    .get("specification")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                Value::from(self.web_read(model, &b.ids, &spec, env)?)
            }
            "check_access_rights" => {
                let op = b.text("operation", "read");
                let allowed = self.allowed(model, op, env);
                let raise = !b.named.get("raise_exception").is_some_and(falsy);
                if raise {
                    if !allowed {
                        return Err(self.access_error(model, op));
                    }
                    return Ok(if self.version >= OdooVersion::V18 {
                        None
                    } else {
                        Some(Value::Bool(true))
                    });
                }
                Value::Bool(allowed)
            }
            "has_access" => Value::Bool(self.allowed(model, b.text("operation", "read"), env)),
            "check_access" => {
                let op = b.text("operation", "read");
                if !self.allowed(model, op, env) {
                    return Err(self.access_error(model, op));
                }
                return Ok(None);
            }
            "exists" => Value::from(
                b.ids
                    .iter()
                    .copied()
                    .filter(|i| self.exists(model, *i))
                    .collect::<Vec<_>>(),
            ),
            "name_get" => Value::from(
                b.ids
                    .iter()
                    .filter(|i| self.exists(model, **i))
                    .map(|i| json!([i, self.display_name(model, *i)]))
                    .collect::<Vec<_>>(),
            ),
            "context_get" => self.context_of(env.uid),
            "get_available_models" => self.available_models(env),
            "has_group" => {
                let uid = b.ids.first().copied().unwrap_or(env.uid);
                Value::Bool(self.has_group(uid, b.text("group_ext_id", "")))
            }
            other => {
                return Err(OdooException::new(
                    "builtins.RuntimeError",
                    format!("zenoo-sim: '{model}.{other}' changes data and needs the write path"),
                ));
            }
        };
        Ok(Some(result))
    }

    fn dispatch_write(
        &mut self,
        model: &str,
        sig: Signature,
        b: &Bound,
        env: &Env,
    ) -> OdooResult<Option<Value>> {
        let result = match sig.name {
            "create" => match b.named.get("vals_list") {
                Some(Value::Object(map)) => {
                    // RPC's call_kw answers the id for one dict (JSON-2,
                    // which returns the recordset's ids, wraps it again).
                    let id = self.create_one(model, map, env)?;
                    self.check_created(model, &[id], env)?;
                    Value::from(id)
                }
                Some(Value::Array(items)) => {
                    let mut ids = Vec::with_capacity(items.len());
                    for item in items {
                        let Value::Object(map) = item else {
                            return Err(vals_type_error(item));
                        };
                        ids.push(self.create_one(model, map, env)?);
                    }
                    self.check_created(model, &ids, env)?;
                    Value::from(ids)
                }
                other => return Err(vals_type_error(other.unwrap_or(&Value::Null))),
            },
            "write" => {
                let vals = match b.named.get("vals") {
                    Some(Value::Object(map)) => map,
                    other => return Err(vals_type_error(other.unwrap_or(&Value::Null))),
                };
                self.write(model, &b.ids, vals, env)?;
                Value::Bool(true)
            }
            "unlink" => {
                self.unlink(model, &b.ids, env)?;
                Value::Bool(true)
            }
            "copy" => {
                let default = b
                    .get("default")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                let mut new = Vec::new();
                for id in &b.ids {
                    new.push(self.copy(model, *id, &default, env)?);
                }
                if self.version >= OdooVersion::V18 {
                    Value::from(new)
                } else {
                    new.first()
                        .map(|i| Value::from(*i))
                        .unwrap_or(Value::Bool(false))
                }
            }
            "name_create" => {
                let (id, display) = self.name_create(model, b.text("name", ""), env)?;
                json!([id, display])
            }
            "action_archive" | "action_unarchive" => {
                let mut vals = Map::new();
                vals.insert("active".into(), Value::Bool(sig.name == "action_unarchive"));
                self.write(model, &b.ids, &vals, env)?;
                return Ok(None);
            }
            "action_confirm" | "button_confirm" | "action_cancel" | "button_cancel"
            | "action_draft" | "button_draft" => {
                self.run_button(model, sig.name, &b.ids, env)?;
                Value::Bool(true)
            }
            other => {
                return Err(OdooException::attribute_error(format!(
                    "The method '{model}.{other}' does not exist"
                )));
            }
        };
        Ok(Some(result))
    }

    /// The create rules hold for records just created, or they are taken
    /// back (Odoo's transaction rolls back) with the AccessError.
    fn check_created(&mut self, model: &str, ids: &[i64], env: &Env) -> OdooResult<()> {
        if let Err(e) = self.check_rules(model, "create", ids, env) {
            for id in ids {
                self.remove_record(model, *id);
            }
            return Err(e);
        }
        Ok(())
    }

    /// `ir.model.get_available_models()`: the models the user may read, as
    /// `{"display_name", "model"}`, by model name.
    fn available_models(&self, env: &Env) -> Value {
        let mut models: Vec<&String> = self
            .tables
            .keys()
            .filter(|m| self.allowed(m, "read", env))
            .collect();
        models.sort();
        Value::from(
            models
                .into_iter()
                .map(|m| {
                    let name = self
                        .tables
                        .get(m)
                        .map_or(m.as_str(), |t| t.def.description.as_str());
                    json!({"display_name": name, "model": m})
                })
                .collect::<Vec<_>>(),
        )
    }

    fn field_error_style(&self) -> FieldError {
        if self.version >= OdooVersion::V19 {
            FieldError::On
        } else {
            FieldError::OnModel
        }
    }
}

/// Odoo's error when `vals` is not a dict: `write` and `create` iterate it
/// as one (`for fname, value in vals.items()`).
fn vals_type_error(v: &Value) -> OdooException {
    let ty = match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    };
    OdooException::new(
        "builtins.AttributeError",
        format!("'{ty}' object has no attribute 'items'"),
    )
}
