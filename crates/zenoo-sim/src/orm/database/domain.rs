//! Domains, evaluated the way Odoo's ORM does (PROTOCOL.md §5).

use std::borrow::Cow;
use std::collections::HashSet;

use serde_json::Value;

use crate::error::{OdooException, OdooResult};
use crate::orm::database::{Database, Env, Record, Table};
use crate::orm::domain_syntax::{
    Filter, Node, OPERATORS, Slot, max_depth, merge, parse, syntax_error, too_deep,
};
use crate::orm::leaf_values::{compare, negative_to_positive};
use crate::orm::model::{Field, FieldType};
use crate::orm::pyrepr::{falsy, repr_tuple};

impl Database {
    /// Compiles a domain for `model`; relational sub-conditions are searched
    /// eagerly, so evaluating the result per record is cheap.
    pub fn compile(&self, model: &str, domain: &Value, env: &Env) -> OdooResult<Filter> {
        let nodes = parse(domain)?;
        // Evaluate prefix notation from the end with a stack; missing
        // operators at top level mean AND. Each entry keeps its tree's
        // depth, so a domain that would nest deeper than the evaluation can
        // recurse is refused before it is built.
        let limit = max_depth(self.version);
        let mut stack: Vec<(Filter, usize)> = Vec::new();
        for node in nodes.iter().rev() {
            let entry = match node {
                Node::Leaf(leaf) => (self.compile_leaf(model, leaf, env)?, 0),
                Node::Op('!') => {
                    let (a, depth) = stack.pop().ok_or_else(|| syntax_error(domain))?;
                    // `!!x` is `x`: a run of negations stays one level deep.
                    match a {
                        Filter::Not(inner) => (*inner, depth),
                        a => (Filter::Not(Box::new(a)), depth),
                    }
                }
                Node::Op(op) => {
                    let and = *op == '&';
                    let (a, da) = stack.pop().ok_or_else(|| syntax_error(domain))?;
                    let (b, db) = stack.pop().ok_or_else(|| syntax_error(domain))?;
                    // Chains of one operator flatten into one node, so a
                    // generated domain of thousands of leaves stays shallow.
                    let under = |f: &Filter, d: usize| match f {
                        Filter::And(_) if and => d,
                        Filter::Or(_) if !and => d,
                        _ => d + 1,
                    };
                    let depth = under(&a, da).max(under(&b, db));
                    (merge(a, b, and), depth)
                }
            };
            if entry.1 > limit {
                return Err(too_deep());
            }
            stack.push(entry);
        }
        stack.reverse();
        Ok(match stack.len() {
            0 => Filter::True,
            1 => stack.pop().map_or(Filter::True, |(f, _)| f),
            _ => Filter::And(stack.into_iter().map(|(f, _)| f).collect()),
        })
    }

    fn compile_leaf(&self, model: &str, leaf: &[Value], env: &Env) -> OdooResult<Filter> {
        let (path, op, value) = (&leaf[0], &leaf[1], &leaf[2]);
        let invalid_leaf =
            || OdooException::value_error(format!("Invalid leaf {}", repr_tuple(leaf)));
        let op = match op.as_str() {
            Some("<>") => "!=",
            Some(o) => o,
            None => return Err(invalid_leaf()),
        };
        let op = op.to_lowercase();
        if !OPERATORS.contains(&op.as_str()) {
            return Err(invalid_leaf());
        }
        if let Some(n) = path.as_i64() {
            // TRUE_LEAF (1, '=', 1) and FALSE_LEAF (0, '=', 1)
            return Ok(if n == 1 { Filter::True } else { Filter::False });
        }
        let Some(path) = path.as_str() else {
            return Err(invalid_leaf());
        };
        let (fname, rest) = match path.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (path, None),
        };
        let def = self.def(model)?;
        let field = def.field(fname).ok_or_else(|| {
            OdooException::value_error(format!(
                "Invalid field {model}.{fname} in leaf {}",
                repr_tuple(leaf)
            ))
        })?;
        if let Some(rest) = rest {
            // Walk the path to its last model, then search back up: a loop,
            // so a path of any length cannot exhaust the stack. The errors
            // are the ones the sub-domain of each step would raise.
            let leaf_of =
                |p: &str| repr_tuple(&[Value::from(p), Value::from(op.clone()), value.clone()]);
            let mut steps: Vec<(String, String, bool)> = Vec::new();
            let (mut cur, mut name, mut fld, mut full, mut remaining) =
                (model.to_string(), fname, field, path, rest);
            loop {
                let comodel = fld.relation().ok_or_else(|| {
                    OdooException::value_error(format!(
                        "Invalid field {cur}.{full} in leaf {}",
                        leaf_of(full)
                    ))
                })?;
                steps.push((
                    cur.clone(),
                    name.to_string(),
                    fld.ttype == FieldType::Many2one,
                ));
                let Some((next, tail)) = remaining.split_once('.') else {
                    cur = comodel.to_string();
                    break;
                };
                let def = self.def(comodel)?;
                fld = def.field(next).ok_or_else(|| {
                    OdooException::value_error(format!(
                        "Invalid field {comodel}.{next} in leaf {}",
                        leaf_of(remaining)
                    ))
                })?;
                (cur, name, full, remaining) = (comodel.to_string(), next, remaining, tail);
            }
            let step_env = |m2o: bool| {
                if m2o {
                    env.with_active_test(false)
                } else {
                    env.clone()
                }
            };
            let last_m2o = steps.last().is_some_and(|s| s.2);
            let sub = Value::Array(vec![Value::Array(vec![
                Value::from(remaining),
                Value::from(op.clone()),
                value.clone(),
            ])]);
            let mut ids = self.search_set(&cur, &sub, &step_env(last_m2o))?;
            for i in (1..steps.len()).rev() {
                let (m, f, _) = &steps[i];
                let filter = self.with_rules(
                    m,
                    Filter::RelIn(f.clone(), ids, None),
                    false,
                    &step_env(steps[i - 1].2),
                )?;
                ids = self.matching(m, &filter)?;
            }
            return Ok(Filter::RelIn(fname.to_string(), ids, None));
        }
        self.compile_field_leaf(model, field, &op, value, env)
    }

    fn compile_field_leaf(
        &self,
        model: &str,
        field: &Field,
        op: &str,
        value: &Value,
        env: &Env,
    ) -> OdooResult<Filter> {
        let fname = field.name.clone();
        if op == "=?" {
            return if falsy(value) {
                Ok(Filter::True)
            } else {
                self.compile_field_leaf(model, field, "=", value, env)
            };
        }
        if let Some(positive) = negative_to_positive(op) {
            let pos = self.compile_field_leaf(model, field, positive, value, env)?;
            return Ok(Filter::Not(Box::new(pos)));
        }
        let is_id = fname == "id";
        let relational = field.ttype == FieldType::Many2one || field.ttype.is_x2many() || is_id;
        let comodel = if is_id { Some(model) } else { field.relation() };
        match op {
            "any" => {
                let comodel = comodel.ok_or_else(|| {
                    OdooException::value_error(format!(
                        "Invalid field {model}.{fname} for operator any"
                    ))
                })?;
                let sub_env = if field.ttype == FieldType::Many2one {
                    env.with_active_test(false)
                } else {
                    env.clone()
                };
                let ids = self.search_set(comodel, value, &sub_env)?;
                return Ok(if is_id {
                    Filter::IdIn(ids)
                } else {
                    Filter::RelIn(fname, ids, None)
                });
            }
            "child_of" | "parent_of" => {
                let comodel = comodel.unwrap_or(model);
                let roots = self.to_ids(comodel, value, env)?;
                let ids = if op == "child_of" {
                    self.descendants(comodel, &roots)
                } else {
                    self.ancestors(comodel, &roots)
                };
                return Ok(if is_id {
                    Filter::IdIn(ids)
                } else {
                    Filter::RelIn(fname, ids, None)
                });
            }
            _ => {}
        }
        if relational && comodel.is_some() {
            let comodel = comodel.unwrap_or(model);
            let values: Vec<Value> = match value {
                Value::Array(items) => items.clone(),
                v => vec![v.clone()],
            };
            let has_strings = values.iter().any(Value::is_string);
            let wants_null = match op {
                "=" | "in" => values
                    .iter()
                    .any(|v| matches!(v, Value::Bool(false) | Value::Null)),
                _ => false,
            };
            let like = matches!(op, "like" | "ilike" | "=like" | "=ilike");
            if like && !has_strings && falsy(value) {
                return Ok(Filter::True);
            }
            let mut ids: HashSet<i64> = HashSet::new();
            if has_strings || like {
                let name_op = if op == "in" { "=" } else { op };
                for v in values.iter().filter(|v| v.is_string()) {
                    ids.extend(self.name_matches(comodel, name_op, v)?);
                }
            } else if matches!(op, "=" | "in") {
                ids.extend(values.iter().filter_map(Value::as_i64));
            } else {
                // <, >, ... on ids
                if is_id || field.ttype == FieldType::Many2one {
                    return Ok(Filter::Cmp {
                        field: fname,
                        ttype: FieldType::Integer,
                        op: op.into(),
                        value: value.clone(),
                        slot: None,
                    });
                }
                return Ok(Filter::False);
            }
            let base = if is_id {
                Filter::IdIn(ids)
            } else {
                Filter::RelIn(fname.clone(), ids, None)
            };
            return Ok(if wants_null && !is_id {
                Filter::Or(vec![base, Filter::RelEmpty(fname, None)])
            } else {
                base
            });
        }
        let ttype = field.ttype;
        let leaf = Filter::Cmp {
            field: fname.clone(),
            ttype,
            op: op.into(),
            value: value.clone(),
            slot: None,
        };
        Ok(self.in_language(model, &fname, ttype, op, value, env, leaf))
    }

    /// `leaf` as Odoo evaluates it in the context's language: a record
    /// with a translation of the field is compared on the translation, one
    /// without on the stored value (PostgreSQL's
    /// `COALESCE(name->>'fr_FR', name->>'en_US')`).
    #[allow(clippy::too_many_arguments)]
    fn in_language(
        &self,
        model: &str,
        field: &str,
        ttype: FieldType,
        op: &str,
        value: &Value,
        env: &Env,
        leaf: Filter,
    ) -> Filter {
        let Some(by_id) = env
            .context
            .get("lang")
            .and_then(Value::as_str)
            .and_then(|lang| self.translations.get(lang))
            .and_then(|models| models.get(model))
        else {
            return leaf;
        };
        let mut translated = HashSet::new();
        let mut matching = HashSet::new();
        for (id, fields) in by_id {
            if let Some(local) = fields.get(field) {
                translated.insert(*id);
                if compare(ttype, local, op, value) {
                    matching.insert(*id);
                }
            }
        }
        if translated.is_empty() {
            return leaf;
        }
        Filter::Or(vec![
            Filter::And(vec![Filter::Not(Box::new(Filter::IdIn(translated))), leaf]),
            Filter::IdIn(matching),
        ])
    }

    /// Ids of `model` whose display name matches `op value`.
    fn name_matches(&self, model: &str, op: &str, value: &Value) -> OdooResult<HashSet<i64>> {
        let def = self.def(model)?;
        let leaves: Vec<Value> = def
            .rec_names_search()
            .iter()
            .map(|f| Value::Array(vec![Value::from(*f), Value::from(op), value.clone()]))
            .collect();
        let mut domain = Vec::new();
        for _ in 1..leaves.len() {
            domain.push(Value::from("|"));
        }
        domain.extend(leaves);
        self.search_set(
            model,
            &Value::Array(domain),
            &Env::new(1, Default::default()).with_active_test(false),
        )
    }

    /// Ids from a `child_of`/`parent_of` operand: ids or names.
    fn to_ids(&self, model: &str, value: &Value, _env: &Env) -> OdooResult<Vec<i64>> {
        let items: Vec<Value> = match value {
            Value::Array(a) => a.clone(),
            v => vec![v.clone()],
        };
        let mut out = Vec::new();
        for v in items {
            if let Some(i) = v.as_i64() {
                out.push(i);
            } else if v.is_string() {
                out.extend(self.name_matches(model, "ilike", &v)?);
            }
        }
        Ok(out)
    }

    fn descendants(&self, model: &str, roots: &[i64]) -> HashSet<i64> {
        let mut result: HashSet<i64> = roots
            .iter()
            .copied()
            .filter(|i| self.exists(model, *i))
            .collect();
        let Some(table) = self.tables.get(model) else {
            return result;
        };
        if table.def.field("parent_id").is_none() {
            return result;
        }
        loop {
            let before = result.len();
            for (id, rec) in &table.records {
                if let Some(p) = rec.get_i64("parent_id")
                    && result.contains(&p)
                {
                    result.insert(*id);
                }
            }
            if result.len() == before {
                return result;
            }
        }
    }

    fn ancestors(&self, model: &str, roots: &[i64]) -> HashSet<i64> {
        let mut result = HashSet::new();
        for &r in roots {
            let mut cur = Some(r);
            while let Some(id) = cur {
                if !self.exists(model, id) || !result.insert(id) {
                    break;
                }
                cur = self.value(model, id, "parent_id").as_i64();
            }
        }
        result
    }

    /// Search as a set (no order), with the implicit `active` filter.
    pub fn search_set(&self, model: &str, domain: &Value, env: &Env) -> OdooResult<HashSet<i64>> {
        let filter = self.compile_with_active(model, domain, env)?;
        self.matching(model, &filter)
    }

    /// The ids of `model`'s records that match `filter`.
    fn matching(&self, model: &str, filter: &Filter) -> OdooResult<HashSet<i64>> {
        let table = self.table(model)?;
        Ok(table
            .records
            .iter()
            .filter(|(id, rec)| self.eval_in(table, **id, rec, filter))
            .map(|(id, _)| *id)
            .collect())
    }

    /// Compiles a domain and adds `active = True` when the model has an
    /// `active` field, `active_test` is on and the domain does not name it.
    pub fn compile_with_active(
        &self,
        model: &str,
        domain: &Value,
        env: &Env,
    ) -> OdooResult<Filter> {
        let filter = self.compile(model, domain, env)?;
        self.with_rules(model, filter, mentions_active(domain), env)
    }

    /// `filter` with the record rules and the implicit `active` filter of
    /// `model` (unless the domain named `active`).
    fn with_rules(
        &self,
        model: &str,
        mut filter: Filter,
        names_active: bool,
        env: &Env,
    ) -> OdooResult<Filter> {
        let def = self.def(model)?;
        if let Some(rules) = self.rule_filter(model, "read", env)? {
            filter = Filter::And(vec![filter, rules]);
        } else {
            filter = self.builtin_rules(model, filter, env)?;
        }
        if def.has_active() && env.active_test() && !names_active {
            let mut filter = Filter::And(vec![
                filter,
                Filter::Cmp {
                    field: "active".into(),
                    ttype: FieldType::Boolean,
                    op: "=".into(),
                    value: Value::Bool(true),
                    slot: None,
                },
            ]);
            bind(&mut filter, self.table(model)?);
            return Ok(filter);
        }
        bind(&mut filter, self.table(model)?);
        Ok(filter)
    }

    /// The record rules of a dataset without rules of its own: records of
    /// the allowed companies (or none), partners of internal users across
    /// companies, a portal user's own partner.
    fn builtin_rules(&self, model: &str, mut filter: Filter, env: &Env) -> OdooResult<Filter> {
        let def = self.def(model)?;
        let multi_company = model != "res.company"
            && def
                .field("company_id")
                .is_some_and(|f| f.ttype == FieldType::Many2one && f.store());
        if multi_company {
            // Record rule: records of the allowed companies, or of none.
            let allowed: HashSet<i64> = match env.context.get("allowed_company_ids") {
                Some(Value::Array(ids)) => ids.iter().filter_map(Value::as_i64).collect(),
                _ => self.user_companies(env.uid).into_iter().collect(),
            };
            let mut visible = vec![
                Filter::RelIn("company_id".into(), allowed, None),
                Filter::RelEmpty("company_id".into(), None),
            ];
            if model == "res.partner" {
                // Partners of internal users are visible across companies.
                visible.push(Filter::Cmp {
                    field: "partner_share".into(),
                    ttype: FieldType::Boolean,
                    op: "=".into(),
                    value: Value::Bool(false),
                    slot: None,
                });
            }
            filter = Filter::And(vec![filter, Filter::Or(visible)]);
        }
        if model == "res.partner" && self.is_share(env.uid) && env.uid != 1 {
            // Portal users see their own partner.
            let own: HashSet<i64> = self
                .value("res.users", env.uid, "partner_id")
                .as_i64()
                .into_iter()
                .collect();
            filter = Filter::And(vec![filter, Filter::IdIn(own)]);
        }
        Ok(filter)
    }

    /// A field's value, straight from its slot when it has one.
    fn slot_value<'a>(
        &'a self,
        table: &'a Table,
        id: i64,
        rec: &'a Record,
        field: &str,
        slot: Slot,
    ) -> Cow<'a, Value> {
        match slot.and_then(|p| rec.at(p)) {
            Some(v) => v,
            None => self.value_in(table, id, rec, field),
        }
    }

    /// Whether record `id` of `model` matches `filter`.
    pub fn eval(&self, model: &str, id: i64, filter: &Filter) -> bool {
        match self
            .tables
            .get(model)
            .and_then(|t| t.records.get(&id).map(|r| (t, r)))
        {
            Some((table, rec)) => self.eval_in(table, id, rec, filter),
            None => false,
        }
    }

    /// [`Database::eval`] for a record already at hand.
    ///
    /// Recurses once per level of `&`/`|` nesting, which [`Database::compile`]
    /// bounds; each level is one small frame (plain loops, the leaves in
    /// their own function), so the deepest domain Odoo takes fits a 256 KiB
    /// stack.
    pub fn eval_in(&self, table: &Table, id: i64, rec: &Record, filter: &Filter) -> bool {
        match filter {
            Filter::And(fs) => {
                for f in fs {
                    if !self.eval_in(table, id, rec, f) {
                        return false;
                    }
                }
                true
            }
            Filter::Or(fs) => {
                for f in fs {
                    if self.eval_in(table, id, rec, f) {
                        return true;
                    }
                }
                false
            }
            Filter::Not(f) => !self.eval_in(table, id, rec, f),
            leaf => self.eval_leaf(table, id, rec, leaf),
        }
    }

    /// A condition without sub-conditions.
    #[inline(never)]
    fn eval_leaf(&self, table: &Table, id: i64, rec: &Record, filter: &Filter) -> bool {
        match filter {
            Filter::True | Filter::And(_) => true,
            Filter::False | Filter::Or(_) | Filter::Not(_) => false,
            Filter::IdIn(ids) => ids.contains(&id),
            Filter::RelIn(field, ids, slot) => {
                match self.slot_value(table, id, rec, field, *slot).as_ref() {
                    Value::Number(n) => n.as_i64().is_some_and(|i| ids.contains(&i)),
                    Value::Array(items) => items
                        .iter()
                        .filter_map(Value::as_i64)
                        .any(|i| ids.contains(&i)),
                    _ => false,
                }
            }
            Filter::RelEmpty(field, slot) => {
                match self.slot_value(table, id, rec, field, *slot).as_ref() {
                    Value::Array(items) => items.is_empty(),
                    Value::Number(_) => false,
                    _ => true,
                }
            }
            Filter::Cmp {
                field,
                ttype,
                op,
                value,
                slot,
            } => {
                let stored = self.slot_value(table, id, rec, field, *slot);
                if matches!(field.as_str(), "create_date" | "write_date") {
                    // The database keeps microseconds that `read` does not show.
                    if let Value::String(s) = stored.as_ref()
                        && s.len() == 19
                    {
                        return compare(*ttype, &Value::String(format!("{s}.5")), op, value);
                    }
                }
                compare(*ttype, &stored, op, value)
            }
        }
    }
}

/// Resolves the slots of stored, non-computed fields.
/// Resolves the field positions of `filter`'s conditions in `table`'s
/// records, so evaluation reads values by slot.
pub(crate) fn bind_filter(filter: &mut Filter, table: &Table) {
    bind(filter, table);
}

fn bind(filter: &mut Filter, table: &Table) {
    // An explicit stack: the tree may be as deep as compile allows.
    let mut todo: Vec<&mut Filter> = vec![filter];
    while let Some(f) = todo.pop() {
        match f {
            Filter::And(fs) | Filter::Or(fs) => todo.extend(fs.iter_mut()),
            Filter::Not(f) => todo.push(f),
            Filter::RelIn(field, _, slot) | Filter::RelEmpty(field, slot) => {
                *slot = slot_of(table, field)
            }
            Filter::Cmp { field, slot, .. } => *slot = slot_of(table, field),
            Filter::True | Filter::False | Filter::IdIn(_) => {}
        }
    }
}

/// Where a stored field sits in `table`'s records.
fn slot_of(table: &Table, field: &str) -> Slot {
    table
        .def
        .field(field)
        .filter(|f| f.ttype != FieldType::One2many)
        .and_then(|_| table.position(field))
}

fn mentions_active(domain: &Value) -> bool {
    domain.as_array().is_some_and(|items| {
        items
            .iter()
            .any(|i| i.as_array().and_then(|l| l.first()).and_then(Value::as_str) == Some("active"))
    })
}
