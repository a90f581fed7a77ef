//! Compensations: each step undone in reverse order, checked field by
//! field against what the unit left.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::client::Client;

use crate::schema::FieldType;

use super::report::{Reason, RollbackReport, Uncompensated};
use super::{CallSpec, Lines, ModelFields, Rec, Step, id_of, model_fields, snapshot};

/// Runs the compensations of `steps`, newest first.
pub(super) async fn compensate(client: &Client, steps: Vec<Step>) -> RollbackReport {
    let mut report = RollbackReport {
        steps: steps.len(),
        ..RollbackReport::default()
    };
    let mut metas: HashMap<String, Arc<ModelFields>> = HashMap::new();
    let mut refreshed = HashMap::new();
    for step in steps.into_iter().rev() {
        let mut undo = Undo {
            client,
            report: &mut report,
            metas: &mut metas,
            refreshed: &mut refreshed,
        };
        undo.step(step).await;
    }
    report
}

/// One rollback in progress.
pub(super) struct Undo<'a> {
    client: &'a Client,
    report: &'a mut RollbackReport,
    metas: &'a mut HashMap<String, Arc<ModelFields>>,
    /// Records the rollback's own inverse calls changed, as they left
    /// them: what later checks expect instead of what the step left.
    refreshed: &'a mut HashMap<(String, i64), Rec>,
}

impl Undo<'_> {
    fn fail(&mut self, model: &str, id: Option<i64>, reason: Reason) {
        tracing::warn!(target: "zenoo_rpc::unit", model, id, %reason, "not undone");
        self.report.uncompensated.push(Uncompensated {
            model: model.to_string(),
            id,
            reason,
        });
    }

    async fn meta(&mut self, model: &str) -> Option<Arc<ModelFields>> {
        if let Some(m) = self.metas.get(model) {
            return Some(m.clone());
        }
        match model_fields(self.client, model).await {
            Ok(m) => {
                self.metas.insert(model.to_string(), m.clone());
                Some(m)
            }
            Err(e) => {
                self.fail(model, None, Reason::Refused(e));
                None
            }
        }
    }

    async fn step(&mut self, step: Step) {
        match step {
            Step::Created { model, left, .. } => {
                for rec in left {
                    self.delete_if_unchanged(&model, &rec).await;
                }
            }
            Step::Written {
                model,
                before,
                after,
                lines,
            } => {
                // Lines first, then their parents: a parent put back can
                // rewrite its lines (Odoo copies a company's address to
                // its contacts), which must not pass for someone else's edit.
                for l in lines {
                    self.restore_lines(l).await;
                }
                for (b, a) in before.iter().zip(&after) {
                    self.restore(&model, b, a).await;
                }
            }
            Step::Deleted {
                model,
                before,
                children,
            } => {
                for rec in &before {
                    let Some(old) = id_of(rec) else { continue };
                    let now = self.map_id(&model, old);
                    if self.exists(&model, now).await {
                        continue; // the unlink did not happen, or it is back
                    }
                    let Some(new) = self.recreate(&model, rec, None).await else {
                        continue;
                    };
                    for set in &children {
                        for child in set
                            .before
                            .iter()
                            .filter(|c| c.get(&set.inverse).and_then(Value::as_i64) == Some(old))
                        {
                            let Some(cid) = id_of(child) else { continue };
                            let cid = self.map_id(&set.model, cid);
                            if self.exists(&set.model, cid).await {
                                // It outlived its parent (Odoo emptied its
                                // link): link it to the parent made again.
                                self.relink(&set.model, cid, &set.inverse, new).await;
                            } else {
                                self.recreate(&set.model, child, Some((&set.inverse, new)))
                                    .await;
                            }
                        }
                    }
                }
            }
            Step::Called { label, undo } => match undo {
                Some(spec) => {
                    if let Err(e) = self.client.send(spec.call()).await {
                        self.fail(&label, None, Reason::Refused(e));
                        return;
                    }
                    self.refresh(&spec).await;
                }
                None => self.fail(&label, None, Reason::NotCompensable),
            },
        }
    }

    /// Reads back the records an inverse call acted on (its first
    /// argument, when that is a list of ids): the state it leaves them in
    /// is the rollback's own doing, not someone else's.
    async fn refresh(&mut self, spec: &CallSpec) {
        let Some(ids) = spec.args.first().and_then(Value::as_array) else {
            return;
        };
        let ids: Vec<i64> = ids.iter().filter_map(Value::as_i64).collect();
        let Some(meta) = self.meta(&spec.model).await else {
            return;
        };
        if let Ok(rows) = snapshot(self.client, &spec.model, &ids, &meta.restorable()).await {
            for r in rows {
                if let Some(id) = id_of(&r) {
                    self.refreshed.insert((spec.model.clone(), id), r);
                }
            }
        }
    }

    /// What the unit left in `rec`, with what its own inverse calls did
    /// since laid over it.
    fn expected(&self, model: &str, rec: &Rec) -> Rec {
        let mut out = rec.clone();
        if let Some(r) = id_of(rec).and_then(|id| self.refreshed.get(&(model.to_string(), id))) {
            for (k, v) in r {
                if let Some(slot) = out.get_mut(k) {
                    *slot = v.clone();
                }
            }
        }
        out
    }

    /// Points `field` of `id` at `parent` when the deletion emptied it.
    async fn relink(&mut self, model: &str, id: i64, field: &str, parent: i64) {
        let Some(now) = self.current(model, id, &[field.to_string()]).await else {
            return;
        };
        if !same(now.get(field).unwrap_or(&Value::Null), &Value::Bool(false)) {
            return; // linked elsewhere since: someone else's doing
        }
        if let Err(e) = self
            .client
            .write(model, &[id], &json!({ field: parent }))
            .await
        {
            self.fail(model, Some(id), Reason::Refused(e));
        }
    }

    /// Where a record is now: a deleted record this rollback made again
    /// has a new id.
    fn map_id(&self, model: &str, id: i64) -> i64 {
        let mut at = id;
        // Bounded: each hop is an entry of the report.
        for _ in 0..=self.report.recreated.len() {
            match self.report.new_id(model, at) {
                Some(n) if n != at => at = n,
                _ => break,
            }
        }
        at
    }

    /// `rec` with its id and relations pointing where the records are now.
    async fn translate(&mut self, model: &str, rec: &Rec) -> Rec {
        if self.report.recreated.is_empty() {
            return rec.clone();
        }
        let meta = self.meta(model).await;
        let mut out = rec.clone();
        for (k, v) in out.iter_mut() {
            let target = if k == "id" {
                Some(model.to_string())
            } else {
                meta.as_ref()
                    .and_then(|m| m.field(k))
                    .filter(|f| matches!(f.field_type, FieldType::Many2one | FieldType::Many2many))
                    .and_then(|f| f.relation.clone())
            };
            let Some(target) = target else { continue };
            match v {
                Value::Number(n) => {
                    if let Some(id) = n.as_i64() {
                        *v = json!(self.map_id(&target, id));
                    }
                }
                Value::Array(items) => {
                    for item in items.iter_mut() {
                        if let Some(id) = item.as_i64() {
                            *item = json!(self.map_id(&target, id));
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    async fn exists(&mut self, model: &str, id: i64) -> bool {
        // When the check fails, assume it exists: nothing is made twice.
        self.client
            .existing(model, &[id])
            .await
            .map_or(true, |v| !v.is_empty())
    }

    /// The first field of `fields` where `now` differs from what the unit
    /// left (`left`).
    fn differs(fields: &[&String], left: &Rec, now: &Rec) -> Option<Reason> {
        fields.iter().find_map(|f| {
            let (l, n) = (left.get(*f)?, now.get(*f).unwrap_or(&Value::Null));
            (!same(l, n)).then(|| Reason::Conflict {
                field: (*f).clone(),
                expected: l.clone(),
                found: n.clone(),
            })
        })
    }

    async fn current(&mut self, model: &str, id: i64, fields: &[String]) -> Option<Rec> {
        match snapshot(self.client, model, &[id], fields).await {
            Ok(mut rows) => rows.pop(),
            Err(e) => {
                self.fail(model, Some(id), Reason::Refused(e));
                None
            }
        }
    }

    /// Deletes a record the unit made, unless someone changed it since.
    async fn delete_if_unchanged(&mut self, model: &str, left: &Rec) {
        let left = self.translate(model, left).await;
        let left = &self.expected(model, &left);
        let Some(id) = id_of(left) else { return };
        let fields: Vec<String> = left.keys().filter(|k| *k != "id").cloned().collect();
        let Some(now) = self.current(model, id, &fields).await else {
            return; // already gone
        };
        let refs: Vec<&String> = fields.iter().collect();
        if let Some(conflict) = Self::differs(&refs, left, &now) {
            self.fail(model, Some(id), conflict);
            return;
        }
        if let Err(e) = self.client.unlink(model, &[id]).await {
            self.fail(model, Some(id), Reason::Refused(e));
        }
    }

    /// Writes back the fields a step changed on one record, unless someone
    /// changed them since.
    async fn restore(&mut self, model: &str, before: &Rec, after: &Rec) {
        let before = &self.translate(model, before).await;
        let after = self.translate(model, after).await;
        let after = &self.expected(model, &after);
        let Some(id) = id_of(before) else { return };
        let Some(meta) = self.meta(model).await else {
            return;
        };
        let changed: Vec<&String> = before
            .keys()
            .filter(|k| *k != "id")
            .filter(|k| {
                meta.field(k)
                    .is_some_and(|f| f.field_type != FieldType::One2many)
            })
            .filter(|k| !same(&before[*k], after.get(*k).unwrap_or(&Value::Null)))
            .collect();
        if changed.is_empty() {
            return;
        }
        let owned: Vec<String> = changed.iter().map(|s| (*s).clone()).collect();
        let Some(now) = self.current(model, id, &owned).await else {
            return;
        };
        // A field already back to its value before the step (put back by
        // another compensation's side effects) needs nothing.
        let changed: Vec<&String> = changed
            .into_iter()
            .filter(|f| !same(&before[*f], now.get(*f).unwrap_or(&Value::Null)))
            .collect();
        if let Some(conflict) = Self::differs(&changed, after, &now) {
            self.fail(model, Some(id), conflict);
            return;
        }
        if changed.is_empty() {
            return;
        }
        let vals: Map<String, Value> = changed
            .iter()
            .map(|f| ((*f).clone(), writable(&meta, f, &before[*f])))
            .collect();
        if let Err(e) = self.client.write(model, &[id], &vals).await {
            self.fail(model, Some(id), Reason::Refused(e));
        }
    }

    /// Puts the lines of a one2many back as they were before a write.
    async fn restore_lines(&mut self, l: Lines) {
        let before: std::collections::BTreeMap<i64, &Rec> = l
            .before
            .iter()
            .filter_map(|r| Some((id_of(r)?, r)))
            .collect();
        let after: std::collections::BTreeMap<i64, &Rec> = l
            .after
            .iter()
            .filter_map(|r| Some((id_of(r)?, r)))
            .collect();
        for (id, rec) in &after {
            match before.get(id) {
                None => self.delete_if_unchanged(&l.model, rec).await,
                Some(b) => self.restore(&l.model, b, rec).await,
            }
        }
        for (id, rec) in &before {
            let now = self.map_id(&l.model, *id);
            if !after.contains_key(id) && !self.exists(&l.model, now).await {
                self.recreate(&l.model, rec, None).await;
            }
        }
    }

    /// Creates a deleted record again from its snapshot; its new id.
    async fn recreate(
        &mut self,
        model: &str,
        rec: &Rec,
        parent: Option<(&str, i64)>,
    ) -> Option<i64> {
        let old = id_of(rec)?;
        let rec = &self.translate(model, rec).await;
        let meta = self.meta(model).await?;
        let mut vals: Map<String, Value> = rec
            .iter()
            .filter(|(k, _)| *k != "id")
            .map(|(k, v)| (k.clone(), writable(&meta, k, v)))
            .collect();
        if let Some((field, id)) = parent {
            vals.insert(field.to_string(), json!(id));
        }
        match self.client.create(model, &vals).await {
            Ok(new) => {
                self.report.recreated.push((model.to_string(), old, new));
                Some(new)
            }
            Err(e) => {
                self.fail(model, Some(old), Reason::Refused(e));
                None
            }
        }
    }
}

/// A snapshot value as a write takes it: many2many ids as a replace
/// command.
pub(super) fn writable(meta: &ModelFields, field: &str, v: &Value) -> Value {
    if meta.is_many2many(field)
        && let Some(ids) = v.as_array()
    {
        return json!([[6, 0, ids]]);
    }
    v.clone()
}

/// Equal as Odoo values: numbers by value, x2many lists as sets, `false`
/// and empty the same.
pub(super) fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => (x - y).abs() < 1e-9,
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => {
            let set = |v: &Vec<Value>| v.iter().map(Value::to_string).collect::<BTreeSet<_>>();
            set(x) == set(y)
        }
        (Value::Bool(false) | Value::Null, Value::Bool(false) | Value::Null) => true,
        _ => a == b,
    }
}
