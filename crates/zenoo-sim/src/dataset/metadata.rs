//! Metadata models derived from the loaded ones: `ir.model`,
//! `ir.model.fields`, and an empty `ir.config_parameter`.

use serde_json::{Map, Value, json};

use super::fixture::model_from_fields;
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
    let mut t_model = Table::new(ir_model);
    let mut t_fields = Table::new(ir_fields);
    let mut fid = 1;
    for (mid, (model, description)) in models.iter().enumerate() {
        let mid = mid as i64 + 1;
        let mut rec = Map::new();
        rec.insert("name".into(), Value::from(description.clone()));
        rec.insert("model".into(), Value::from(model.clone()));
        rec.insert("display_name".into(), Value::from(description.clone()));
        t_model.insert(mid, rec);
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
    db.tables.insert("ir.model".into(), t_model);
    db.tables.insert("ir.model.fields".into(), t_fields);
    db.tables
        .entry("ir.config_parameter".into())
        .or_insert(t_params);
}
