//! `read_group` and `formatted_read_group`.

use std::cmp::Ordering;

use serde_json::{Map, Value, json};

use super::order::cmp_values;
use crate::error::{OdooException, OdooResult};
use crate::orm::bind::Bound;
use crate::orm::calendar::{period, period_bound};
use crate::orm::database::{Database, Env};
use crate::orm::model::FieldType;

/// One group-by key: a field and an optional date granularity.
#[derive(Debug, Clone)]
struct GroupBy {
    spec: String,
    field: String,
    ttype: FieldType,
    granularity: Option<String>,
}

/// A group's value: what the row shows, what `__domain` filters on, and
/// how groups sort.
#[derive(Debug, Clone)]
struct GroupValue {
    shown: Value,
    domain: Vec<Value>,
    range: Option<(String, String)>,
    sort: Value,
}

impl Database {
    fn parse_groupby(&self, model: &str, specs: &[String]) -> OdooResult<Vec<GroupBy>> {
        let def = self.def(model)?;
        specs
            .iter()
            .map(|spec| {
                let (field, gran) = match spec.split_once(':') {
                    Some((f, g)) => (f.to_string(), Some(g.to_string())),
                    None => (spec.clone(), None),
                };
                let f = def.field(&field).ok_or_else(|| {
                    OdooException::value_error(format!(
                        "Invalid field '{field}' on model '{model}'"
                    ))
                })?;
                let granularity = match f.ttype {
                    FieldType::Date | FieldType::Datetime => {
                        Some(gran.unwrap_or_else(|| "month".into()))
                    }
                    _ => None,
                };
                Ok(GroupBy {
                    spec: spec.clone(),
                    field,
                    ttype: f.ttype,
                    granularity,
                })
            })
            .collect()
    }

    fn group_value(&self, model: &str, id: i64, gb: &GroupBy) -> GroupValue {
        let raw = self.value(model, id, &gb.field);
        let empty =
            matches!(raw, Value::Bool(false) | Value::Null) && gb.ttype != FieldType::Boolean;
        if empty {
            return GroupValue {
                shown: Value::Bool(false),
                domain: vec![json!([gb.field, "=", false])],
                range: None,
                sort: Value::Null,
            };
        }
        match (gb.ttype, &gb.granularity) {
            (FieldType::Date | FieldType::Datetime, Some(g)) => {
                let datetime = gb.ttype == FieldType::Datetime;
                let text = raw.as_str().unwrap_or("");
                match period(text, g) {
                    Some((start, end, label)) => {
                        let (from, to) =
                            (period_bound(start, datetime), period_bound(end, datetime));
                        GroupValue {
                            shown: Value::from(label),
                            domain: vec![
                                Value::from("&"),
                                json!([gb.field, ">=", from]),
                                json!([gb.field, "<", to]),
                            ],
                            range: Some((from.clone(), to)),
                            sort: Value::from(from),
                        }
                    }
                    None => GroupValue {
                        shown: Value::Bool(false),
                        domain: vec![json!([gb.field, "=", false])],
                        range: None,
                        sort: Value::Null,
                    },
                }
            }
            (FieldType::Many2one, _) => {
                let rid = raw.as_i64().unwrap_or(0);
                let comodel = self
                    .def(model)
                    .ok()
                    .and_then(|d| d.field(&gb.field))
                    .and_then(|f| f.relation())
                    .unwrap_or("");
                GroupValue {
                    shown: json!([rid, self.display_name(comodel, rid)]),
                    domain: vec![json!([gb.field, "=", rid])],
                    range: None,
                    sort: raw,
                }
            }
            _ => GroupValue {
                shown: raw.clone(),
                domain: vec![json!([gb.field, "=", raw])],
                range: None,
                sort: raw,
            },
        }
    }

    fn cmp_group(&self, model: &str, gb: &GroupBy, a: &GroupValue, b: &GroupValue) -> Ordering {
        match (&a.sort, &b.sort) {
            (Value::Null, Value::Null) => Ordering::Equal,
            (Value::Null, _) => Ordering::Greater,
            (_, Value::Null) => Ordering::Less,
            (x, y) if gb.ttype == FieldType::Many2one => {
                let comodel = self
                    .def(model)
                    .ok()
                    .and_then(|d| d.field(&gb.field))
                    .and_then(|f| f.relation())
                    .unwrap_or("");
                let mut ids = [x.as_i64().unwrap_or(0), y.as_i64().unwrap_or(0)];
                let order = self
                    .tables
                    .get(comodel)
                    .map(|t| t.def.order.clone())
                    .unwrap_or_else(|| "id".into());
                if ids[0] == ids[1] {
                    return Ordering::Equal;
                }
                let first = ids[0];
                if self.sort_ids(comodel, &mut ids, &order).is_err() {
                    return Ordering::Equal;
                }
                if ids[0] == first {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (x, y) => cmp_values(x, y),
        }
    }

    /// Groups the matching ids by `groupby`, sorted by group values.
    fn grouped(
        &self,
        model: &str,
        domain: &Value,
        gbs: &[GroupBy],
        env: &Env,
    ) -> OdooResult<Vec<(Vec<GroupValue>, Vec<i64>)>> {
        let ids = self.search(model, domain, 0, None, Some("id"), env)?;
        let mut groups: Vec<(Vec<GroupValue>, Vec<i64>)> = Vec::new();
        for id in ids {
            let key: Vec<GroupValue> = gbs.iter().map(|g| self.group_value(model, id, g)).collect();
            match groups
                .iter_mut()
                .find(|(k, _)| k.iter().zip(&key).all(|(a, b)| a.shown == b.shown))
            {
                Some((_, members)) => members.push(id),
                None => groups.push((key, vec![id])),
            }
        }
        groups.sort_by(|(a, _), (b, _)| {
            for (i, g) in gbs.iter().enumerate() {
                let o = self.cmp_group(model, g, &a[i], &b[i]);
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
        Ok(groups)
    }

    fn aggregate(&self, model: &str, ids: &[i64], field: &str, func: &str) -> Value {
        let values: Vec<Value> = ids.iter().map(|i| self.value(model, *i, field)).collect();
        let nums: Vec<f64> = values.iter().filter_map(Value::as_f64).collect();
        let integer = self
            .def(model)
            .ok()
            .and_then(|d| d.field(field))
            .is_some_and(|f| f.ttype == FieldType::Integer);
        let num = |v: f64| {
            if integer && v.fract() == 0.0 {
                Value::from(v as i64)
            } else {
                Value::from(v)
            }
        };
        match func {
            "sum" => num(nums.iter().sum()),
            "avg" => {
                if nums.is_empty() {
                    Value::Null
                } else {
                    Value::from(nums.iter().sum::<f64>() / nums.len() as f64)
                }
            }
            "max" => nums
                .iter()
                .copied()
                .reduce(f64::max)
                .map(num)
                .unwrap_or(Value::Null),
            "min" => nums
                .iter()
                .copied()
                .reduce(f64::min)
                .map(num)
                .unwrap_or(Value::Null),
            "count" => Value::from(
                values
                    .iter()
                    .filter(|v| !matches!(v, Value::Bool(false) | Value::Null))
                    .count(),
            ),
            "count_distinct" => {
                let mut seen: Vec<&Value> = Vec::new();
                for v in values
                    .iter()
                    .filter(|v| !matches!(v, Value::Bool(false) | Value::Null))
                {
                    if !seen.contains(&v) {
                        seen.push(v);
                    }
                }
                Value::from(seen.len())
            }
            "array_agg" => Value::from(values),
            "bool_and" => Value::Bool(values.iter().all(|v| v.as_bool().unwrap_or(false))),
            "bool_or" => Value::Bool(values.iter().any(|v| v.as_bool().unwrap_or(false))),
            _ => Value::Null,
        }
    }

    /// `read_group(domain, fields, groupby, offset, limit, orderby, lazy)`.
    pub fn read_group(&self, model: &str, b: &Bound, env: &Env) -> OdooResult<Value> {
        let domain = b
            .named
            .get("domain")
            .cloned()
            .unwrap_or(Value::Array(vec![]));
        let specs = string_list(b.named.get("groupby"));
        let lazy = !matches!(b.named.get("lazy"), Some(Value::Bool(false)));
        let all = self.parse_groupby(model, &specs)?;
        let gbs: Vec<GroupBy> = if lazy {
            all.iter().take(1).cloned().collect()
        } else {
            all.clone()
        };
        let def = self.def(model)?;
        let mut aggs: Vec<(String, String, String)> = Vec::new();
        for spec in string_list(b.named.get("fields")) {
            let (name, func) = match spec.split_once(':') {
                Some((n, f)) => (n.to_string(), Some(f.to_string())),
                None => (spec.clone(), None),
            };
            // The count every group carries anyway (`__count`, as Odoo 18
            // takes it in the field list).
            if name == "__count" || gbs.iter().any(|g| g.field == name) {
                continue;
            }
            let f = def.field(&name).ok_or_else(|| {
                OdooException::value_error(format!("Invalid field '{name}' on model '{model}'"))
            })?;
            let func = match func.or_else(|| f.aggregator().map(str::to_string)) {
                Some(func) => func,
                None => continue,
            };
            aggs.push((name.clone(), name, func));
        }
        let mut groups = self.grouped(model, &domain, &gbs, env)?;
        if let Some(orderby) = b
            .named
            .get("orderby")
            .and_then(Value::as_str)
            .filter(|o| !o.trim().is_empty())
        {
            // Order by aggregates or group keys, in the given order.
            let keys: Vec<(String, bool)> = orderby
                .split(',')
                .filter_map(|p| {
                    let mut w = p.split_whitespace();
                    let f = w.next()?.to_string();
                    let desc = w.next().is_some_and(|d| d.eq_ignore_ascii_case("desc"));
                    Some((f, desc))
                })
                .collect();
            groups.sort_by(|(ka, ia), (kb, ib)| {
                for (f, desc) in &keys {
                    let o = if let Some(pos) =
                        gbs.iter().position(|g| &g.field == f || &g.spec == f)
                    {
                        self.cmp_group(model, &gbs[pos], &ka[pos], &kb[pos])
                    } else if let Some((_, field, func)) = aggs.iter().find(|(n, _, _)| n == f) {
                        cmp_values(
                            &self.aggregate(model, ia, field, func),
                            &self.aggregate(model, ib, field, func),
                        )
                    } else if f == "__count" {
                        ia.len().cmp(&ib.len())
                    } else {
                        Ordering::Equal
                    };
                    let o = if *desc { o.reverse() } else { o };
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                Ordering::Equal
            });
        }
        let offset = b.window("offset")?.unwrap_or(0);
        let limit = b.window("limit")?;
        let user_domain = normalize(&domain);
        let mut rows = Vec::new();
        for (key, ids) in groups
            .into_iter()
            .skip(offset)
            .take(limit.unwrap_or(usize::MAX))
        {
            let mut row = Map::new();
            let mut ranges = Map::new();
            let mut leaves: Vec<Vec<Value>> = Vec::new();
            for (g, v) in gbs.iter().zip(&key) {
                row.insert(g.spec.clone(), v.shown.clone());
                leaves.push(v.domain.clone());
                if let Some((from, to)) = &v.range {
                    ranges.insert(g.spec.clone(), json!({"from": from, "to": to}));
                }
            }
            if lazy && !gbs.is_empty() {
                row.insert(format!("{}_count", gbs[0].field), Value::from(ids.len()));
            } else {
                row.insert("__count".into(), Value::from(ids.len()));
            }
            for (name, field, func) in &aggs {
                row.insert(name.clone(), self.aggregate(model, &ids, field, func));
            }
            let mut parts: Vec<Vec<Value>> = Vec::new();
            if !user_domain.is_empty() {
                parts.push(user_domain.clone());
            }
            parts.extend(leaves);
            row.insert("__domain".into(), Value::Array(and_all(parts)));
            if lazy && all.len() > 1 {
                let rest: Vec<Value> = all[1..]
                    .iter()
                    .map(|g| Value::from(g.spec.clone()))
                    .collect();
                row.insert("__context".into(), json!({"group_by": rest}));
            }
            if !ranges.is_empty() {
                row.insert("__range".into(), Value::Object(ranges));
            }
            rows.push(Value::Object(row));
        }
        Ok(Value::Array(rows))
    }

    /// `formatted_read_group(domain, groupby, aggregates, having, offset, limit, order)` (19).
    pub fn formatted_read_group(&self, model: &str, b: &Bound, env: &Env) -> OdooResult<Value> {
        let domain = b
            .named
            .get("domain")
            .cloned()
            .unwrap_or(Value::Array(vec![]));
        let gbs = self.parse_groupby(model, &string_list(b.named.get("groupby")))?;
        let aggregates = string_list(b.named.get("aggregates"));
        let groups = self.grouped(model, &domain, &gbs, env)?;
        let offset = b.window("offset")?.unwrap_or(0);
        let limit = b.window("limit")?;
        let mut rows = Vec::new();
        for (key, ids) in groups
            .into_iter()
            .skip(offset)
            .take(limit.unwrap_or(usize::MAX))
        {
            let mut row = Map::new();
            let mut leaves = Vec::new();
            for (g, v) in gbs.iter().zip(&key) {
                let shown = match (&v.range, g.granularity.is_some()) {
                    (Some((from, _)), true) => json!([from, v.shown]),
                    _ => v.shown.clone(),
                };
                row.insert(g.spec.clone(), shown);
                leaves.push(v.domain.clone());
            }
            row.insert("__extra_domain".into(), Value::Array(and_all(leaves)));
            for a in &aggregates {
                if a == "__count" {
                    row.insert("__count".into(), Value::from(ids.len()));
                } else if let Some((f, func)) = a.split_once(':') {
                    row.insert(a.clone(), self.aggregate(model, &ids, f, func));
                }
            }
            rows.push(Value::Object(row));
        }
        Ok(Value::Array(rows))
    }
}

fn string_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// Adds the implicit `&` operators of a domain.
fn normalize(domain: &Value) -> Vec<Value> {
    let items = domain.as_array().cloned().unwrap_or_default();
    if items.is_empty() {
        return items;
    }
    let mut expected = 1i64;
    let mut out = Vec::new();
    for item in items {
        if expected == 0 {
            out.insert(0, Value::from("&"));
            expected = 1;
        }
        match item.as_str() {
            Some("&") | Some("|") => expected += 1,
            Some("!") => {}
            _ => expected -= 1,
        }
        out.push(item);
    }
    out
}

/// Odoo's `expression.AND` over normalized domains.
fn and_all(parts: Vec<Vec<Value>>) -> Vec<Value> {
    let parts: Vec<Vec<Value>> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    let mut out: Vec<Value> = Vec::new();
    for _ in 1..parts.len() {
        out.push(Value::from("&"));
    }
    for p in parts {
        out.extend(p);
    }
    out
}
