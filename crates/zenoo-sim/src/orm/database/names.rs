//! Display names: `name_search`, `name_create`, and the user context
//! `context_get` answers.

use serde_json::{Map, Value, json};

use crate::error::OdooResult;
use crate::orm::database::{Database, Env};

impl Database {
    /// `res.users.context_get()` for `uid`.
    pub fn context_of(&self, uid: i64) -> Value {
        let partner = self.value("res.users", uid, "partner_id").as_i64();
        let lang = partner
            .map(|p| self.value("res.partner", p, "lang"))
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| "en_US".into());
        let tz = partner
            .map(|p| self.value("res.partner", p, "tz"))
            .unwrap_or(Value::Bool(false));
        json!({"lang": lang, "tz": tz, "uid": uid})
    }

    /// `name_search`.
    pub fn name_search(
        &self,
        model: &str,
        name: &str,
        domain: &Value,
        operator: &str,
        limit: Option<usize>,
        env: &Env,
    ) -> OdooResult<Value> {
        let def = self.def(model)?;
        let mut full = Vec::new();
        if !name.is_empty() || !matches!(operator, "ilike" | "like" | "=ilike" | "=like") {
            let fields = def.rec_names_search();
            for _ in 1..fields.len() {
                full.push(Value::from("|"));
            }
            for f in fields {
                full.push(json!([f, operator, name]));
            }
        }
        if let Value::Array(items) = domain
            && !items.is_empty()
        {
            if !full.is_empty() {
                full.insert(0, Value::from("&"));
            }
            full.extend(items.iter().cloned());
        }
        let mut ids = Vec::new();
        if model == "res.country" && name.chars().count() == 2 {
            // Countries match their ISO code first.
            let mut by_code = vec![json!(["code", "=ilike", name])];
            if let Value::Array(items) = domain {
                by_code.extend(items.iter().cloned());
            }
            ids = self.search(model, &Value::Array(by_code), 0, limit, None, env)?;
        }
        for id in self.search(
            model,
            &Value::Array(full),
            0,
            limit.map(|l| l + ids.len()),
            None,
            env,
        )? {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        if let Some(l) = limit {
            ids.truncate(l);
        }
        Ok(Value::from(
            ids.iter()
                .map(|i| json!([i, self.display_name(model, *i)]))
                .collect::<Vec<_>>(),
        ))
    }

    /// `name_create`.
    pub fn name_create(&mut self, model: &str, name: &str, env: &Env) -> OdooResult<(i64, String)> {
        let def = self.def(model)?;
        let rec_name = def.rec_name.clone();
        let mut vals = Map::new();
        if model == "res.partner" {
            let (n, email) = split_email(name);
            vals.insert("name".into(), Value::from(n));
            if let Some(e) = email {
                vals.insert("email".into(), Value::from(e));
            }
        } else {
            vals.insert(rec_name, Value::from(name));
        }
        let id = self.create_one(model, &vals, env)?;
        Ok((id, self.display_name(model, id)))
    }
}
fn split_email(text: &str) -> (String, Option<String>) {
    if let (Some(start), Some(end)) = (text.rfind('<'), text.rfind('>'))
        && start < end
    {
        let email = text[start + 1..end].trim().to_string();
        let name = text[..start].trim().trim_matches('"').to_string();
        return (
            if name.is_empty() { email.clone() } else { name },
            Some(email),
        );
    }
    if text.contains('@') && !text.contains(' ') {
        return (text.to_string(), Some(text.to_string()));
    }
    (text.to_string(), None)
}
