//! A simple access model: internal users may do everything except change
//! users (admins only); portal users may only read a few models.

use serde_json::Value;

use crate::error::{OdooException, OdooResult};
use crate::orm::database::{Database, Env};

impl Database {
    /// Whether the user is a portal/public user (`share`).
    pub fn is_share(&self, uid: i64) -> bool {
        self.value("res.users", uid, "share")
            .as_bool()
            .unwrap_or(false)
    }

    /// Whether the user is an administrator.
    pub fn is_admin(&self, uid: i64) -> bool {
        uid == 1 || uid == 2
    }

    /// Whether `env.uid` may perform `operation` on `model`.
    pub fn allowed(&self, model: &str, operation: &str, env: &Env) -> bool {
        if let Some(allowed) = self.allowed_by_data(model, operation, env.uid) {
            return allowed;
        }
        if self.is_admin(env.uid) {
            return true;
        }
        if self.is_share(env.uid) {
            return operation == "read"
                && matches!(
                    model,
                    "res.partner"
                        | "res.country"
                        | "res.country.state"
                        | "res.currency"
                        | "res.company"
                        | "res.users"
                        | "product.product"
                        | "product.template"
                        | "uom.uom"
                );
        }
        match model {
            "res.users" | "ir.config_parameter" | "ir.model" | "ir.model.fields" => {
                operation == "read" && model != "ir.config_parameter"
            }
            _ => true,
        }
    }

    /// Fails with Odoo's AccessError when the user may not do `operation`
    /// on `model` at all. Odoo 19 checks the right to read a model before
    /// the right to change its records: a write or unlink on a model the
    /// user cannot read is refused "to access" (checked on a real 19).
    pub fn check_model_access(&self, model: &str, operation: &str, env: &Env) -> OdooResult<()> {
        if self.version >= crate::OdooVersion::V19
            && matches!(operation, "write" | "unlink")
            && !self.allowed(model, "read", env)
        {
            return Err(self.access_error(model, "read"));
        }
        if !self.allowed(model, operation, env) {
            return Err(self.access_error(model, operation));
        }
        Ok(())
    }

    /// Odoo's AccessError for a refused operation.
    pub fn access_error(&self, model: &str, operation: &str) -> OdooException {
        let verb = match operation {
            "read" => "access",
            "write" => "modify",
            "create" => "create",
            "unlink" => "delete",
            other => other,
        };
        let description = self
            .tables
            .get(model)
            .map(|t| t.def.description.clone())
            .unwrap_or_else(|| model.to_string());
        if let Some(groups) = self.groups_allowed(model, operation) {
            let info = if groups.is_empty() {
                "No group currently allows this operation.".to_string()
            } else {
                let list: Vec<String> = groups.iter().map(|g| format!("\t- {g}")).collect();
                format!(
                    "This operation is allowed for the following groups:\n{}",
                    list.join("\n")
                )
            };
            return OdooException::access(format!(
                "You are not allowed to {verb} '{description}' ({model}) records.\n\n{info}\n\nContact your administrator to request access if necessary."
            ));
        }
        let groups: &[&str] = match (model, operation) {
            ("res.partner", _) => &[
                "Contact/Creation",
                "Inventory/Administrator",
                "Purchase/Administrator",
                "Sales/Administrator",
            ],
            ("ir.config_parameter", _) => {
                if self.version >= crate::OdooVersion::V19 {
                    &["Role / Administrator"]
                } else {
                    &["Administration/Settings"]
                }
            }
            ("res.users", _) => &["Administration/Access Rights"],
            ("sale.order", _) | ("sale.order.line", _) => &["Sales/User: Own Documents Only"],
            ("purchase.order", _) | ("purchase.order.line", _) => &["Purchase/User"],
            _ => &["Administration/Settings"],
        };
        let list: Vec<String> = groups.iter().map(|g| format!("\t- {g}")).collect();
        OdooException::access(format!(
            "You are not allowed to {verb} '{description}' ({model}) records.\n\nThis operation is allowed for the following groups:\n{}\n\nContact your administrator to request access if necessary.",
            list.join("\n")
        ))
    }

    /// `res.users.has_group(group_ext_id)` for `uid`.
    pub fn has_group(&self, uid: i64, group: &str) -> bool {
        let share = self.is_share(uid);
        match group {
            "base.group_system" | "base.group_erp_manager" => self.is_admin(uid),
            "base.group_user" => !share,
            "base.group_portal" => share && uid != 4,
            _ => false,
        }
    }

    /// Companies the user may select, current first.
    pub fn user_companies(&self, uid: i64) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .value("res.users", uid, "company_ids")
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        if let Some(c) = self.value("res.users", uid, "company_id").as_i64() {
            ids.retain(|i| *i != c);
            ids.insert(0, c);
        }
        if ids.is_empty() {
            ids.push(1);
        }
        ids
    }
}
