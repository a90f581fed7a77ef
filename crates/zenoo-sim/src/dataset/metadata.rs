//! Metadata models derived from the loaded ones: `ir.model`,
//! `ir.model.fields`, and an empty `ir.config_parameter`.

use serde_json::{Map, Value, json};

use super::model_from_fields;
use crate::orm::{Database, Table};

fn fields(spec: &[(&str, &str, &str, Option<&str>)]) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, ttype, label, relation) in spec {
        let mut a = json!({"type": ttype, "string": label, "store": true, "readonly": false, "required": false, "searchable": true, "sortable": true});
        if let Some(r) = relation {
            a["relation"] = Value::from(*r);
        }
        out.insert((*name).to_string(), a);
    }
    out
}

/// Adds `ir.model`, `ir.model.fields` and `ir.config_parameter`.
pub fn add_metadata_models(db: &mut Database) {
    let mut models: Vec<(String, String)> = db
        .tables
        .values()
        .map(|t| (t.def.name.clone(), t.def.description.clone()))
        .collect();
    models.sort();
    let ir_model = model_from_fields(
        "ir.model",
        "Models",
        "model",
        "name",
        &fields(&[
            ("name", "char", "Model Description", None),
            ("model", "char", "Model", None),
            ("order", "char", "Order", None),
            ("info", "text", "Information", None),
            ("state", "selection", "Type", None),
            ("transient", "boolean", "Transient Model", None),
            ("abstract", "boolean", "Abstract Model", None),
            ("display_name", "char", "Display Name", None),
        ]),
    );
    let mut mf = fields(&[
        ("name", "char", "Field Name", None),
        ("model", "char", "Model Name", None),
        ("model_id", "many2one", "Model", Some("ir.model")),
        ("field_description", "char", "Field Label", None),
        ("ttype", "char", "Field Type", None),
        ("relation", "char", "Related Model", None),
        ("relation_field", "char", "Relation Field", None),
        ("required", "boolean", "Required", None),
        ("readonly", "boolean", "Readonly", None),
        ("store", "boolean", "Stored", None),
        ("display_name", "char", "Display Name", None),
    ]);
    if let Some(a) = mf.get_mut("model_id").and_then(Value::as_object_mut) {
        a.insert("required".into(), Value::Bool(true));
    }
    let ir_fields = model_from_fields(
        "ir.model.fields",
        "Fields",
        "name",
        "field_description",
        &mf,
    );
    // A fixture's own `ir.model` (its `rules/` folder) keeps its ids, which
    // the access rights and record rules refer to; models it lacks are added.
    let mut t_model = db
        .tables
        .remove("ir.model")
        .unwrap_or_else(|| Table::new(ir_model));
    let mut ids: std::collections::HashMap<String, i64> = t_model
        .records
        .iter()
        .filter_map(|(id, r)| Some((r.get("model")?.as_str()?.to_string(), *id)))
        .collect();
    let mut t_fields = Table::new(ir_fields);
    let mut fid = 1;
    for (model, description) in &models {
        let mid = match ids.get(model) {
            Some(id) => *id,
            None => {
                let mid = t_model.next_id;
                let mut rec = Map::new();
                rec.insert("name".into(), Value::from(description.clone()));
                rec.insert("model".into(), Value::from(model.clone()));
                rec.insert("display_name".into(), Value::from(description.clone()));
                let order = db.tables.get(model).map(|t| t.def.order.clone());
                rec.insert(
                    "order".into(),
                    order.map_or(Value::Bool(false), Value::from),
                );
                rec.insert("state".into(), Value::from("base"));
                rec.insert("transient".into(), Value::Bool(false));
                rec.insert("abstract".into(), Value::Bool(false));
                t_model.insert(mid, rec);
                ids.insert(model.clone(), mid);
                mid
            }
        };
        if let Some(table) = db.tables.get(model) {
            for f in &table.def.fields {
                let mut r = Map::new();
                r.insert("name".into(), Value::from(f.name.clone()));
                r.insert("model".into(), Value::from(model.clone()));
                r.insert("model_id".into(), Value::from(mid));
                r.insert(
                    "field_description".into(),
                    Value::from(f.string().to_string()),
                );
                r.insert(
                    "display_name".into(),
                    Value::from(format!("{} ({})", f.string(), model)),
                );
                r.insert(
                    "ttype".into(),
                    f.attrs.get("type").cloned().unwrap_or(Value::Bool(false)),
                );
                r.insert(
                    "relation".into(),
                    f.relation().map(Value::from).unwrap_or(Value::Bool(false)),
                );
                r.insert(
                    "relation_field".into(),
                    f.relation_field()
                        .map(Value::from)
                        .unwrap_or(Value::Bool(false)),
                );
                r.insert("required".into(), Value::Bool(f.required()));
                r.insert("readonly".into(), Value::Bool(f.readonly()));
                r.insert("store".into(), Value::Bool(f.store()));
                t_fields.insert(fid, r);
                fid += 1;
            }
        }
    }
    let params = model_from_fields(
        "ir.config_parameter",
        "System Parameter",
        "key",
        "key",
        &fields(&[
            ("key", "char", "Key", None),
            ("value", "text", "Value", None),
        ]),
    );
    let mut t_params = Table::new(params);
    let mut p = Map::new();
    p.insert("key".into(), Value::from("base.login_cooldown_after"));
    p.insert("value".into(), Value::from("5"));
    t_params.insert(1, p);
    db.tables.insert("ir.model.data".into(), external_ids(db));
    db.tables.insert("ir.model".into(), t_model);
    db.tables.insert("ir.model.fields".into(), t_fields);
    db.tables
        .entry("ir.config_parameter".into())
        .or_insert(t_params);
}

/// `ir.model.data`: the external ids Odoo's `base` module gives records
/// every database has (main company, admin and root users, countries,
/// currencies), found in the loaded data by their stable keys.
fn external_ids(db: &Database) -> Table {
    let def = model_from_fields(
        "ir.model.data",
        "Model Data",
        "module, model, name",
        "name",
        &fields(&[
            ("name", "char", "External Identifier", None),
            ("module", "char", "Module", None),
            ("model", "char", "Model Name", None),
            ("res_id", "integer", "Record ID", None),
            ("complete_name", "char", "Complete ID", None),
            ("noupdate", "boolean", "Non Updatable", None),
        ]),
    );
    let mut entries: Vec<(String, &str, i64)> = Vec::new();
    let find = |model: &str, field: &str, value: &str| -> Option<i64> {
        db.tables
            .get(model)?
            .records
            .iter()
            .find(|(_, r)| r.get_str(field) == Some(value))
            .map(|(id, _)| *id)
    };
    if db.exists("res.company", 1) {
        entries.push(("main_company".into(), "res.company", 1));
        if let Some(p) = db.value("res.company", 1, "partner_id").as_i64() {
            entries.push(("main_partner".into(), "res.partner", p));
        }
    }
    for (login, xmlid, partner_xmlid) in [
        ("admin", "user_admin", "partner_admin"),
        ("__system__", "user_root", "partner_root"),
        ("public", "public_user", "public_partner"),
    ] {
        if let Some(uid) = find("res.users", "login", login) {
            entries.push((xmlid.into(), "res.users", uid));
            if let Some(p) = db.value("res.users", uid, "partner_id").as_i64() {
                entries.push((partner_xmlid.into(), "res.partner", p));
            }
        }
    }
    if let Some(t) = db.tables.get("res.country") {
        for (id, r) in &t.records {
            if let Some(code) = r.get_str("code") {
                entries.push((code.to_lowercase(), "res.country", *id));
            }
        }
    }
    if let Some(t) = db.tables.get("res.currency") {
        for (id, r) in &t.records {
            if let Some(name) = r.get_str("name") {
                entries.push((name.to_string(), "res.currency", *id));
            }
        }
    }
    let mut table = Table::new(def);
    for (i, (name, model, res_id)) in entries.into_iter().enumerate() {
        table.insert(
            i as i64 + 1,
            json!({"name": name, "module": "base", "model": model, "res_id": res_id, "complete_name": format!("base.{name}"),
                   "noupdate": false, "display_name": format!("base.{name}")})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        );
    }
    table
}
