//! `read`, `fields_get` and the formatting of values for the wire.

use serde_json::{Map, Value};

use crate::error::{OdooException, OdooResult};
use crate::orm::bind::Load;
use crate::orm::database::{Database, Env, Record, Table};
use crate::orm::model::{Field, FieldType};

impl Database {
    /// Field names to read: the requested ones, checked, or every field.
    pub fn read_fields(
        &self,
        model: &str,
        fields: Option<&[String]>,
        message_style: FieldError,
    ) -> OdooResult<Vec<String>> {
        let def = self.def(model)?;
        match fields {
            Some(list) if !list.is_empty() => {
                for f in list {
                    if f != "id" && def.field(f).is_none() {
                        return Err(match message_style {
                            FieldError::OnModel => OdooException::value_error(format!(
                                "Invalid field '{f}' on model '{model}'"
                            )),
                            FieldError::On => OdooException::value_error(format!(
                                "Invalid field '{f}' on '{model}'"
                            )),
                        });
                    }
                }
                Ok(list.iter().filter(|f| *f != "id").cloned().collect())
            }
            // Every field `fields_get` lists, computed and binary ones
            // included, as Odoo's `read` without a field list.
            _ => Ok(def
                .fields
                .iter()
                .filter(|f| f.name != "id")
                .map(|f| f.name.clone())
                .collect()),
        }
    }

    /// `read`: existing ids in the given order, `id` first.
    pub fn read(
        &self,
        model: &str,
        ids: &[i64],
        fields: &[String],
        load: Load,
        env: &Env,
    ) -> OdooResult<Vec<Value>> {
        let translating = env
            .context
            .get("lang")
            .and_then(Value::as_str)
            .is_some_and(|l| self.translations.contains_key(l));
        let table = self.table(model)?;
        let mut out = Vec::with_capacity(ids.len());
        let mut seen = rustc_hash::FxHashSet::default();
        // Each requested field resolved once: its definition and position.
        let cols: Vec<Option<(&Field, Option<usize>)>> = fields
            .iter()
            .map(|name| table.def.field(name).map(|f| (f, table.position(name))))
            .collect();
        // Odoo drops a missing record when reading one of its fields fails;
        // `id` alone needs no read, so missing ids come back as they were.
        // (`read_fields` has taken `id` out of the list: nothing is left.)
        let only_id = fields.iter().all(|f| f == "id");
        for &id in ids {
            let Some(rec) = table.records.get(&id) else {
                if only_id && seen.insert(id) {
                    out.push(serde_json::json!({"id": id}));
                }
                continue;
            };
            if !seen.insert(id) {
                continue;
            }
            let mut row = Map::with_capacity(fields.len() + 1);
            row.insert("id".into(), Value::from(id));
            for (name, col) in fields.iter().zip(&cols) {
                let v = match col {
                    // A stored value at its position: format it in place.
                    Some((f, Some(pos))) if f.ttype != FieldType::One2many && name != "id" => {
                        match rec.at(*pos) {
                            Some(raw) => self.format_raw(f, &raw, load),
                            None => self.format_in(table, id, rec, name, load),
                        }
                    }
                    Some(_) => self.format_in(table, id, rec, name, load),
                    None => Value::Bool(false),
                };
                row.insert(name.clone(), v);
            }
            if translating {
                self.translate_row(model, id, &cols, &mut row, env);
            }
            out.push(Value::Object(row));
        }
        Ok(out)
    }

    /// Puts the call language's values into a read row: translated fields,
    /// and the display names of the many2one values and of the record.
    fn translate_row(
        &self,
        model: &str,
        id: i64,
        cols: &[Option<(&Field, Option<usize>)>],
        row: &mut Map<String, Value>,
        env: &Env,
    ) {
        let own = self.translated(env, model, id);
        for col in cols.iter().flatten() {
            let (f, _) = col;
            if let Some(v) = own.and_then(|t| t.get(&f.name)) {
                row.insert(f.name.clone(), v.clone());
            } else if f.name == "display_name" {
                row.insert(
                    f.name.clone(),
                    Value::from(self.display_name_in(env, model, id)),
                );
            } else if let (FieldType::Many2one, Some(comodel)) = (f.ttype, f.relation())
                && let Some(Value::Array(pair)) = row.get_mut(&f.name)
                && let Some(rid) = pair.first().and_then(Value::as_i64)
                && let Some(slot) = pair.get_mut(1)
            {
                *slot = Value::from(self.display_name_in(env, comodel, rid));
            }
        }
    }

    /// One field of one record as `read` returns it.
    pub fn format_value(&self, model: &str, id: i64, field: &str, load: Load) -> Value {
        let Some((table, rec)) = self
            .tables
            .get(model)
            .and_then(|t| Some((t, t.records.get(&id)?)))
        else {
            return Value::Bool(false);
        };
        self.format_in(table, id, rec, field, load)
    }

    /// [`Database::format_value`] for a record already at hand.
    fn format_in(&self, table: &Table, id: i64, rec: &Record, field: &str, load: Load) -> Value {
        let Some(f) = table.def.field(field) else {
            return Value::Bool(false);
        };
        let raw = self.value_in(table, id, rec, field);
        self.format_raw(f, &raw, load)
    }

    /// A field's stored (or computed) value as `read` returns it.
    fn format_raw(&self, f: &Field, raw: &Value, load: Load) -> Value {
        match f.ttype {
            FieldType::Many2one => match (raw.as_i64(), load, f.relation()) {
                (Some(rid), Load::Classic, Some(comodel)) => Value::Array(vec![
                    Value::from(rid),
                    Value::from(self.display_name(comodel, rid)),
                ]),
                (Some(rid), _, _) => Value::from(rid),
                _ => Value::Bool(false),
            },
            FieldType::Float | FieldType::Monetary => match raw {
                Value::Number(n) => Value::from(n.as_f64().unwrap_or(0.0)),
                _ => Value::from(0.0),
            },
            FieldType::Integer => match raw {
                Value::Number(n) => n
                    .as_i64()
                    .map(Value::from)
                    .unwrap_or(Value::Number(n.clone())),
                _ => Value::from(0),
            },
            FieldType::Char | FieldType::Text | FieldType::Html | FieldType::Selection => match raw
            {
                Value::String(s) if s.is_empty() => Value::Bool(false),
                Value::Null => Value::Bool(false),
                v => v.clone(),
            },
            FieldType::Many2many => {
                let mut ids: Vec<i64> = raw
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_i64).collect())
                    .unwrap_or_default();
                if let Some(comodel) = f.relation().filter(|c| self.tables.contains_key(*c)) {
                    let order = self
                        .tables
                        .get(comodel)
                        .map(|t| t.def.order.clone())
                        .unwrap_or_default();
                    let _ = self.sort_ids(comodel, &mut ids, &order);
                }
                Value::from(ids)
            }
            _ => match raw {
                Value::Null => f.ttype.empty(),
                v => v.clone(),
            },
        }
    }

    /// `fields_get(allfields, attributes)`.
    pub fn fields_get(
        &self,
        model: &str,
        allfields: Option<&[String]>,
        attributes: Option<&[String]>,
        lang: Option<&str>,
    ) -> OdooResult<Value> {
        let french = lang == Some("fr_FR");
        let def = self.def(model)?;
        let mut out = Map::new();
        for f in &def.fields {
            if let Some(names) = allfields.filter(|a| !a.is_empty())
                && !names.contains(&f.name)
            {
                continue;
            }
            let mut all_attrs = f.attrs.clone();
            if f.ttype == FieldType::Monetary
                && !all_attrs.contains_key("currency_field")
                && def.field("currency_id").is_some()
            {
                all_attrs.insert("currency_field".into(), Value::from("currency_id"));
            }
            if french {
                translate_attrs(&mut all_attrs);
            }
            let attrs: Map<String, Value> = match attributes.filter(|a| !a.is_empty()) {
                Some(wanted) => all_attrs
                    .iter()
                    .filter(|(k, _)| wanted.contains(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                None => all_attrs,
            };
            out.insert(f.name.clone(), Value::Object(attrs));
        }
        Ok(Value::Object(out))
    }
}

/// Wording of the unknown-field error of `read` (18 vs 19).
#[derive(Debug, Clone, Copy)]
pub enum FieldError {
    /// `Invalid field 'x' on model 'm'`
    OnModel,
    /// `Invalid field 'x' on 'm'` (19)
    On,
}

/// Translates `string` and selection labels to French where the glossary knows them.
fn translate_attrs(attrs: &mut Map<String, Value>) {
    if let Some(Value::String(s)) = attrs.get_mut("string")
        && let Some(fr) = super::translate::french(s)
    {
        *s = fr.to_string();
    }
    if let Some(Value::Array(options)) = attrs.get_mut("selection") {
        for option in options {
            if let Some(Value::String(label)) = option.as_array_mut().and_then(|o| o.get_mut(1))
                && let Some(fr) = super::translate::french(label)
            {
                *label = fr.to_string();
            }
        }
    }
}
