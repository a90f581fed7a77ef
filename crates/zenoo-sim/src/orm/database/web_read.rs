//! `web_search_read` and `web_read` with a field specification (17+).

use serde_json::{Map, Value, json};

use crate::error::{OdooException, OdooResult};
use crate::orm::bind::Bound;
use crate::orm::bind::Load;
use crate::orm::database::{Database, Env};
use crate::orm::model::FieldType;

impl Database {
    /// `web_read(ids, specification)`.
    #[allow(clippy::only_used_in_recursion)]
    pub fn web_read(
        &self,
        model: &str,
        ids: &[i64],
        spec: &Map<String, Value>,
        env: &Env,
    ) -> OdooResult<Vec<Value>> {
        let def = self.def(model)?;
        for name in spec.keys() {
            if name != "id" && def.field(name).is_none() {
                return Err(OdooException::value_error(format!(
                    "Invalid field '{name}' on model '{model}'"
                )));
            }
        }
        let mut out = Vec::new();
        for &id in ids.iter().filter(|i| self.exists(model, **i)) {
            let mut row = Map::new();
            row.insert("id".into(), Value::from(id));
            for (name, sub) in spec {
                if name == "id" {
                    continue;
                }
                let Some(f) = def.field(name) else { continue };
                let sub_fields = sub.get("fields").and_then(Value::as_object);
                let value = match (f.ttype, sub_fields, f.relation()) {
                    (FieldType::Many2one, Some(fields), Some(comodel)) => {
                        match self.value(model, id, name).as_i64() {
                            Some(rid) => self
                                .web_read(comodel, &[rid], fields, env)?
                                .into_iter()
                                .next()
                                .unwrap_or(json!({"id": rid})),
                            None => Value::Bool(false),
                        }
                    }
                    (FieldType::Many2one, None, _) => self.format_value(model, id, name, Load::Raw),
                    (FieldType::One2many | FieldType::Many2many, Some(fields), Some(comodel)) => {
                        let rids: Vec<i64> = self
                            .value(model, id, name)
                            .as_array()
                            .map(|a| a.iter().filter_map(Value::as_i64).collect())
                            .unwrap_or_default();
                        Value::from(self.web_read(comodel, &rids, fields, env)?)
                    }
                    _ => self.format_value(model, id, name, Load::Classic),
                };
                row.insert(name.clone(), value);
            }
            out.push(Value::Object(row));
        }
        Ok(out)
    }

    /// `web_search_read(domain, specification, offset, limit, order, count_limit)`.
    pub fn web_search_read(&self, model: &str, b: &Bound, env: &Env) -> OdooResult<Value> {
        let domain = b
            .named
            .get("domain")
            .cloned()
            .unwrap_or(Value::Array(vec![]));
        let spec = b
            .named
            .get("specification")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let offset = b.window("offset")?.unwrap_or(0);
        let limit = b.window("limit")?;
        let order = b.named.get("order").and_then(Value::as_str);
        let ids = self.search(model, &domain, offset, limit, order, env)?;
        let length = if limit.is_some_and(|l| ids.len() >= l) || offset > 0 {
            let total = self.search_set(model, &domain, env)?.len();
            match b.named.get("count_limit").and_then(Value::as_u64) {
                Some(c) => total.min(c as usize),
                None => total,
            }
        } else {
            ids.len().saturating_add(offset)
        };
        let records = self.web_read(model, &ids, &spec, env)?;
        Ok(json!({"length": length, "records": records}))
    }
}
