//! `ORDER BY` specifications and sorting.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde_json::Value;

use crate::error::{OdooException, OdooResult};
use crate::orm::database::{Database, Env};
use crate::orm::model::FieldType;

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

/// A key's field and, for a many2one, the ranks of its comodel's records.
type KeyField<'a> = (&'a crate::orm::model::Field, Option<HashMap<i64, usize>>);

/// A precomputed sort key of one field of one record.
#[derive(Debug, Clone, PartialEq)]
enum SortKey<'a> {
    /// The record id itself.
    Id,
    Null,
    Value(std::borrow::Cow<'a, Value>),
    Rank(usize),
}

impl Database {
    /// Sorts ids of `model` by an order specification.
    pub fn sort_ids(&self, model: &str, ids: &mut [i64], spec: &str) -> OdooResult<()> {
        self.sort_ids_top(model, ids, spec, None)
    }

    /// Sorts ids; with `top`, only the first `top` positions need to be in
    /// order (a partial selection, for `limit`).
    pub fn sort_ids_top(
        &self,
        model: &str,
        ids: &mut [i64],
        spec: &str,
        top: Option<usize>,
    ) -> OdooResult<()> {
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
        self.sort_by_keys(model, ids, &keys, top, 0);
        Ok(())
    }

    /// Ranks of every record of `model` in its default order.
    fn ranks(&self, model: &str, depth: usize) -> HashMap<i64, usize> {
        let Some(table) = self.tables.get(model) else {
            return HashMap::new();
        };
        let keys = parse(&table.def.order).unwrap_or_default();
        let mut ids: Vec<i64> = table.records.keys().copied().collect();
        self.sort_by_keys(model, &mut ids, &keys, None, depth + 1);
        ids.into_iter()
            .enumerate()
            .map(|(rank, id)| (id, rank))
            .collect()
    }

    fn sort_by_keys(
        &self,
        model: &str,
        ids: &mut [i64],
        keys: &[Key],
        top: Option<usize>,
        depth: usize,
    ) {
        let Some(table) = self.tables.get(model) else {
            return;
        };
        // Each record's keys are computed once (borrowed where stored), not
        // in every comparison.
        let fields: Vec<Option<KeyField<'_>>> = keys
            .iter()
            .map(|k| {
                let field = table.def.field(&k.field).filter(|_| k.field != "id")?;
                let ranks = match (field.ttype, field.relation()) {
                    (FieldType::Many2one, Some(comodel)) if depth < 3 => {
                        Some(self.ranks(comodel, depth))
                    }
                    _ => None,
                };
                Some((field, ranks))
            })
            .collect();
        let mut rows: Vec<(i64, Vec<SortKey<'_>>)> = Vec::with_capacity(ids.len());
        for &id in ids.iter() {
            let Some(rec) = table.records.get(&id) else {
                rows.push((id, vec![SortKey::Null; keys.len()]));
                continue;
            };
            let row = fields
                .iter()
                .map(|f| {
                    let Some((field, ranks)) = f else {
                        return SortKey::Id;
                    };
                    let v = self.value_in(table, id, rec, &field.name);
                    match field.ttype {
                        FieldType::Boolean
                        | FieldType::Integer
                        | FieldType::Float
                        | FieldType::Monetary => SortKey::Value(v),
                        _ if matches!(v.as_ref(), Value::Bool(false) | Value::Null)
                            || v.as_str() == Some("") =>
                        {
                            SortKey::Null
                        }
                        FieldType::Many2one => match (ranks, v.as_i64()) {
                            (Some(r), Some(rid)) => {
                                SortKey::Rank(r.get(&rid).copied().unwrap_or(usize::MAX))
                            }
                            _ => SortKey::Value(v),
                        },
                        _ => SortKey::Value(v),
                    }
                })
                .collect();
            rows.push((id, row));
        }
        let cmp =
            |(a, ka): &(i64, Vec<SortKey<'_>>), (b, kb): &(i64, Vec<SortKey<'_>>)| -> Ordering {
                for ((k, x), y) in keys.iter().zip(ka).zip(kb) {
                    let ord = match (x, y) {
                        (SortKey::Id, SortKey::Id) => a.cmp(b),
                        (SortKey::Null, SortKey::Null) => Ordering::Equal,
                        (SortKey::Null, _) => {
                            return if k.nulls_first {
                                Ordering::Less
                            } else {
                                Ordering::Greater
                            };
                        }
                        (_, SortKey::Null) => {
                            return if k.nulls_first {
                                Ordering::Greater
                            } else {
                                Ordering::Less
                            };
                        }
                        (SortKey::Rank(x), SortKey::Rank(y)) => x.cmp(y),
                        (SortKey::Value(x), SortKey::Value(y)) => cmp_values(x, y),
                        _ => Ordering::Equal,
                    };
                    let ord = if k.desc { ord.reverse() } else { ord };
                    if ord != Ordering::Equal {
                        return ord;
                    }
                }
                a.cmp(b)
            };
        match top {
            Some(n) if n < rows.len() / 2 && n > 0 => {
                rows.select_nth_unstable_by(n, cmp);
                rows[..n].sort_by(cmp);
            }
            _ => rows.sort_by(cmp),
        }
        for (slot, (id, _)) in ids.iter_mut().zip(rows) {
            *slot = id;
        }
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
        // An order by a relation, or by a field that is not a stored column,
        // follows values the write of another record or model may change.
        let relational = crate::orm::order_cache::spec_fields(&spec).iter().any(|f| {
            table
                .def
                .field(f)
                .is_none_or(|f| f.ttype == crate::orm::model::FieldType::Many2one || !f.store())
        });
        let sorted = self.order_cache.get_or_sort(model, &spec, relational, || {
            let mut all: Vec<i64> = table.records.keys().copied().collect();
            self.sort_ids(model, &mut all, &spec)?;
            Ok(all)
        })?;
        // Walk the order and stop once offset + limit records matched. In id
        // order, an `id >`/`id >=` condition every match must meet (keyset
        // paging) lets the walk start at that id instead of the first one.
        let start = match id_lower_bound(domain) {
            Some(bound) if is_id_order(&spec) => sorted.partition_point(|&id| id < bound),
            _ => 0,
        };
        let wanted = limit.map(|l| offset.saturating_add(l));
        let mut ids = Vec::new();
        for &id in sorted[start..].iter() {
            if wanted.is_some_and(|w| ids.len() >= w) {
                break;
            }
            if let Some(rec) = table.records.get(&id)
                && self.eval_in(table, id, rec, &filter)
            {
                ids.push(id);
            }
        }
        let ids = ids.into_iter().skip(offset);
        Ok(match limit {
            Some(l) => ids.take(l).collect(),
            None => ids.collect(),
        })
    }
}

/// Whether an order spec is ascending by id alone.
fn is_id_order(spec: &str) -> bool {
    let spec = spec.trim().to_ascii_lowercase();
    spec == "id" || spec == "id asc"
}

/// The smallest id a record can have to match `domain`, from `id >` and
/// `id >=` leaves that every match must satisfy (reached from the root
/// through AND only).
fn id_lower_bound(domain: &Value) -> Option<i64> {
    let items = domain.as_array()?;
    // Prefix notation read in one pass: each open operator is a frame of
    // (operands still to come, whether it is reached through AND only).
    let mut frames: Vec<(u8, bool)> = Vec::new();
    let mut conjuncts = Vec::new();
    for item in items {
        let and_only = frames.last().is_none_or(|f| f.1);
        match item {
            Value::String(op) if op == "&" || op == "|" => frames.push((2, and_only && op == "&")),
            Value::String(op) if op == "!" => frames.push((1, false)),
            leaf => {
                if and_only {
                    conjuncts.push(leaf);
                }
                // A finished operand may finish the operators above it.
                while let Some(top) = frames.last_mut() {
                    top.0 -= 1;
                    if top.0 > 0 {
                        break;
                    }
                    frames.pop();
                }
            }
        }
    }
    conjuncts
        .into_iter()
        .filter_map(|leaf| match leaf.as_array()?.as_slice() {
            [Value::String(f), Value::String(op), Value::Number(n)] if f == "id" => {
                let n = n.as_i64()?;
                match op.as_str() {
                    ">" => n.checked_add(1),
                    ">=" => Some(n),
                    _ => None,
                }
            }
            _ => None,
        })
        .max()
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

#[cfg(test)]
mod tests {
    use super::id_lower_bound;
    use serde_json::json;

    #[test]
    fn only_conjunctions_bound_the_walk() {
        assert_eq!(id_lower_bound(&json!([["id", ">", 10]])), Some(11));
        assert_eq!(
            id_lower_bound(&json!(["&", ["a", "=", 1], ["id", ">=", 5]])),
            Some(5)
        );
        assert_eq!(
            id_lower_bound(&json!([["a", "=", 1], ["id", ">", 3], ["id", ">", 7]])),
            Some(8)
        );
        assert_eq!(
            id_lower_bound(&json!(["|", ["a", "=", 1], ["id", ">", 3]])),
            None
        );
        assert_eq!(id_lower_bound(&json!(["!", ["id", ">", 3]])), None);
        assert_eq!(
            id_lower_bound(&json!([
                "&",
                "|",
                ["a", "=", 1],
                ["b", "=", 2],
                ["id", ">", 3]
            ])),
            Some(4)
        );
    }
}
