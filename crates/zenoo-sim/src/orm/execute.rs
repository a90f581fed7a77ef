//! `execute_kw`: the checks Odoo runs before a model method, then dispatch.

use serde_json::{Map, Value};

use super::database::{Database, Env};
use super::methods::{Bound, bind, is_private, signature};
use crate::error::{OdooException, OdooResult};

/// Languages installed in every simulated database.
pub const LANGS: &[&str] = &["en_US", "fr_FR"];

impl Database {
    /// Validates a call's context: language and allowed companies.
    pub fn check_context(&self, env: &Env) -> OdooResult<()> {
        if let Some(Value::String(lang)) = env.context.get("lang") {
            if !LANGS.contains(&lang.as_str()) {
                return Err(OdooException::user(format!(
                    "Invalid language code: {lang}"
                )));
            }
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
    pub fn resolve(
        &self,
        model: &str,
        method: &str,
        env: &Env,
    ) -> OdooResult<super::methods::Signature> {
        self.table(model)?;
        if is_private(method, self.version) {
            return Err(OdooException::access(format!(
                "Private methods (such as '{model}.{method}') cannot be called remotely."
            )));
        }
        let sig = signature(model, method, self.version).ok_or_else(|| {
            OdooException::attribute_error(format!("The method '{model}.{method}' does not exist"))
        })?;
        let op = Self::operation_of(method);
        if !self.allowed(model, op, env)
            && !matches!(
                method,
                "has_access" | "check_access_rights" | "fields_get" | "context_get"
            )
        {
            return Err(self.access_error(model, op));
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
        let mut kwargs = kwargs.clone();
        let context = match kwargs.remove("context") {
            Some(Value::Object(c)) => c,
            _ => Map::new(),
        };
        let env = Env::new(uid, context);
        let sig = self.resolve(model, method, &env)?;
        self.check_context(&env)?;
        let bound = bind(&sig, args, &kwargs)?;
        self.dispatch(model, &sig, &bound, &env)
    }

    /// Runs an already bound call (JSON-2).
    pub fn execute_bound(
        &mut self,
        env: &Env,
        model: &str,
        sig: &super::methods::Signature,
        bound: &Bound,
    ) -> OdooResult<Option<Value>> {
        self.check_context(env)?;
        self.dispatch(model, sig, bound, env)
    }
}
