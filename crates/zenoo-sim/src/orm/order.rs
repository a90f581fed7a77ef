//! `ORDER BY` specifications and sorting.

use std::cmp::Ordering;

use serde_json::Value;

use super::database::{Database, Env};
use super::model::FieldType;
use crate::error::{OdooException, OdooResult};

/// One key of an order specification.
#[derive(Debug, Clone)]
struct Key {
    field: String,
    desc: bool,
    nulls_first: bool,
}

fn invalid(spec: &str) -> OdooException {
    OdooException::user(format!(
        "Invalid \"order\" specified ({spec}). A valid \"order\" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)"
    ))
}

fn parse(spec: &str) -> OdooResult<Vec<Key>> {
    let mut keys = Vec::new();
    for part in spec.split(',') {
        let words: Vec<&str> = part.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        let field = words[0];
        if !field
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            return Err(invalid(spec));
        }
        let rest: Vec<String> = words[1..].iter().map(|w| w.to_lowercase()).collect();
        let (desc, rest) = match rest.first().map(String::as_str) {
            Some("asc") => (false, &rest[1..]),
            Some("desc") => (true, &rest[1..]),
            _ => (false, &rest[..]),
        };
        let nulls_first = match rest {
            [] => desc,
            [n, f] if n == "nulls" && f == "first" => true,
            [n, l] if n == "nulls" && l == "last" => false,
            _ => return Err(invalid(spec)),
        };
        keys.push(Key {
            field: field.to_string(),
            desc,
            nulls_first,
        });
    }
    Ok(keys)
}

impl Database {
    /// Sorts ids of `model` by an order specification.
    pub fn sort_ids(&self, model: &str, ids: &mut [i64], spec: &str) -> OdooResult<()> {
        let keys = parse(spec)?;
        let def = self.def(model)?;
        for k in &keys {
            if k.field != "id" && def.field(&k.field).is_none() {
                return Err(OdooException::value_error(format!(
                    "Invalid field '{}' on model '{}'",
                    k.field, model
                )));
            }
        }
        ids.sort_by(|a, b| self.cmp_records(model, *a, *b, &keys, 0));
        Ok(())
    }

    fn cmp_records(&self, model: &str, a: i64, b: i64, keys: &[Key], depth: usize) -> Ordering {
        for k in keys {
            let ord = self.cmp_field(model, a, b, k, depth);
            if ord != Ordering::Equal {
                return ord;
            }
        }
        if depth == 0 {
            a.cmp(&b)
        } else {
            Ordering::Equal
        }
    }

    fn cmp_field(&self, model: &str, a: i64, b: i64, k: &Key, depth: usize) -> Ordering {
        if k.field == "id" {
            let o = a.cmp(&b);
            return if k.desc { o.reverse() } else { o };
        }
        let Some(field) = self.tables.get(model).and_then(|t| t.def.field(&k.field)) else {
            return Ordering::Equal;
        };
        let va = self.value(model, a, &k.field);
        let vb = self.value(model, b, &k.field);
        let ttype = field.ttype;
        let null = |v: &Value| match ttype {
            FieldType::Boolean | FieldType::Integer | FieldType::Float | FieldType::Monetary => {
                false
            }
            _ => matches!(v, Value::Bool(false) | Value::Null) || v.as_str() == Some(""),
        };
        match (null(&va), null(&vb)) {
            (true, true) => return Ordering::Equal,
            (true, false) => {
                return if k.nulls_first {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
            }
            (false, true) => {
                return if k.nulls_first {
                    Ordering::Greater
                } else {
                    Ordering::Less
                };
            }
            _ => {}
        }
        let ord = if ttype == FieldType::Many2one && depth < 3 {
            match (va.as_i64(), vb.as_i64(), field.relation()) {
                (Some(x), Some(y), Some(comodel)) if x != y => {
                    let order = self
                        .tables
                        .get(comodel)
                        .map(|t| t.def.order.clone())
                        .unwrap_or_default();
                    let sub = parse(&order).unwrap_or_default();
                    let o = self.cmp_records(comodel, x, y, &sub, depth + 1);
                    if o == Ordering::Equal { x.cmp(&y) } else { o }
                }
                _ => Ordering::Equal,
            }
        } else {
            cmp_values(&va, &vb)
        };
        if k.desc { ord.reverse() } else { ord }
    }

    /// `search`: ids matching `domain` in `order`, after `offset`, at most `limit`.
    pub fn search(
        &self,
        model: &str,
        domain: &Value,
        offset: usize,
        limit: Option<usize>,
        order: Option<&str>,
        env: &Env,
    ) -> OdooResult<Vec<i64>> {
        let filter = self.compile_with_active(model, domain, env)?;
        let table = self.table(model)?;
        let spec = order
            .filter(|o| !o.trim().is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| table.def.order.clone());
        let mut ids: Vec<i64> = table
            .records
            .keys()
            .copied()
            .filter(|id| self.eval(model, *id, &filter))
            .collect();
        self.sort_ids(model, &mut ids, &spec)?;
        let ids = ids.into_iter().skip(offset);
        Ok(match limit {
            Some(l) => ids.take(l).collect(),
            None => ids.collect(),
        })
    }
}

/// Orders two non-null stored values (strings bytewise, as collation C).
pub fn cmp_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .unwrap_or(0.0)
            .partial_cmp(&y.as_f64().unwrap_or(0.0))
            .unwrap_or(Ordering::Equal),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::String(x), Value::String(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Bool(x), Value::Number(_)) => {
            if *x {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (Value::Number(_), Value::Bool(y)) => {
            if *y {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        }
        _ => Ordering::Equal,
    }
}
