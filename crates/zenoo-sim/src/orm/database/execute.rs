//! `execute_kw`: the checks Odoo runs before a model method, then dispatch.

use serde_json::{Map, Value};

use crate::error::{OdooException, OdooResult};
use crate::orm::bind::{Bound, bind};
use crate::orm::database::{Database, Env};
use crate::orm::method_table::{Signature, is_private, lookup};

/// Languages installed in every simulated database.
pub const LANGS: &[&str] = &["en_US", "fr_FR"];

impl Database {
    /// Validates a call's context: language and allowed companies.
    pub fn check_context(&self, env: &Env) -> OdooResult<()> {
        if let Some(Value::String(lang)) = env.context.get("lang")
            && !LANGS.contains(&lang.as_str())
        {
            return Err(OdooException::user(format!(
                "Invalid language code: {lang}"
            )));
        }
        if let Some(Value::Array(companies)) = env.context.get("allowed_company_ids") {
            let allowed = self.user_companies(env.uid);
            if companies
                .iter()
                .any(|c| !c.as_i64().is_some_and(|c| allowed.contains(&c)))
            {
                return Err(OdooException::access(
                    "Access to unauthorized or invalid companies.",
                ));
            }
        }
        Ok(())
    }

    /// Checks that a public method exists and the user may call it.
    pub fn resolve(&self, model: &str, method: &str, env: &Env) -> OdooResult<Signature> {
        self.table(model)?;
        // Odoo 18 looks the method up before it checks that it is public:
        // a private name it does not have "does not exist" (checked on a
        // real 18: `_search` is private, `_read` does not exist); 19 refuses
        // every private name first.
        if self.version == crate::version::OdooVersion::V18
            && method.starts_with('_')
            && lookup(model, method, self.version).is_none()
            && !BASE_MODEL_PRIVATES.contains(&method)
        {
            return Err(OdooException::attribute_error(format!(
                "The method '{model}.{method}' does not exist"
            )));
        }
        if is_private(method, self.version) {
            return Err(OdooException::access(format!(
                "Private methods (such as '{model}.{method}') cannot be called remotely."
            )));
        }
        let sig = lookup(model, method, self.version).ok_or_else(|| {
            OdooException::attribute_error(format!("The method '{model}.{method}' does not exist"))
        })?;
        if !sig.access_exempt {
            self.check_model_access(model, sig.operation.as_str(), env)?;
        }
        Ok(sig)
    }

    /// `execute_kw(model, method, args, kwargs)`; `Ok(None)` is Python's `None`.
    pub fn execute_kw(
        &mut self,
        uid: i64,
        model: &str,
        method: &str,
        args: &[Value],
        kwargs: &Map<String, Value>,
    ) -> OdooResult<Option<Value>> {
        self.execute_at(None, uid, model, method, args, kwargs)
    }

    /// `execute_kw` in a transaction that began at `snapshot` (see
    /// [`crate::orm::snapshot`]): a write to a record another request committed
    /// since fails when the serialization switch is on.
    pub fn execute_at(
        &mut self,
        snapshot: Option<u64>,
        uid: i64,
        model: &str,
        method: &str,
        args: &[Value],
        kwargs: &Map<String, Value>,
    ) -> OdooResult<Option<Value>> {
        let (sig, bound, mut env) = self.prepare(uid, model, method, args, kwargs)?;
        env.snapshot = snapshot;
        self.dispatch(model, sig, &bound, &env)
    }

    /// `execute_kw` of a method that changes nothing (on a shared borrow,
    /// so such calls run in parallel).
    ///
    /// # Errors
    /// Odoo's error for the call; a `RuntimeError` when the method changes
    /// data (see [`crate::orm::changes_data`]).
    pub fn execute_read(
        &self,
        uid: i64,
        model: &str,
        method: &str,
        args: &[Value],
        kwargs: &Map<String, Value>,
    ) -> OdooResult<Option<Value>> {
        let (sig, bound, env) = self.prepare(uid, model, method, args, kwargs)?;
        self.dispatch_read(model, sig, &bound, &env)
    }

    fn prepare(
        &self,
        uid: i64,
        model: &str,
        method: &str,
        args: &[Value],
        kwargs: &Map<String, Value>,
    ) -> OdooResult<(Signature, Bound, Env)> {
        let context = match kwargs.get("context") {
            Some(Value::Object(c)) => c.clone(),
            _ => Map::new(),
        };
        let env = Env::new(uid, context);
        let sig = self.resolve(model, method, &env)?;
        self.check_context(&env)?;
        let bound = bind(sig, args, kwargs)?;
        Ok((sig, bound, env))
    }

    /// Runs an already bound call (JSON-2).
    pub fn execute_bound(
        &mut self,
        env: &Env,
        model: &str,
        sig: Signature,
        bound: &Bound,
    ) -> OdooResult<Option<Value>> {
        self.check_context(env)?;
        self.dispatch(model, sig, bound, env)
    }

    /// Runs an already bound call of a method that changes nothing.
    pub fn execute_bound_read(
        &self,
        env: &Env,
        model: &str,
        sig: Signature,
        bound: &Bound,
    ) -> OdooResult<Option<Value>> {
        self.check_context(env)?;
        self.dispatch_read(model, sig, bound, env)
    }
}

/// Private methods every Odoo 18 model has (a sample of `BaseModel`'s,
/// those a client is likely to try): calling one is an `AccessError`,
/// calling a private name outside it an `AttributeError`.
const BASE_MODEL_PRIVATES: &[&str] = &[
    "_search",
    "_read_group",
    "_where_calc",
    "_create",
    "_write",
    "_read_format",
    "_fetch_field",
    "_flush_search",
    "_check_company",
    "_compute_display_name",
    "_search_display_name",
    "_order_to_sql",
    "_field_to_sql",
    "_valid_field_parameter",
    "_add_field",
    "_auto_init",
    "_export_rows",
    "_load_records",
    "_convert_records",
    "_validate_fields",
    "_check_recursion",
    "_has_cycle",
];
