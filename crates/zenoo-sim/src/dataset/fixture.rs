//! Loads directories in the format of Odoo fixture exports
//! (`<model>.json` with `model`, `order`, `rec_name`, `fields`, `records`).

use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::model_from_fields;
use crate::orm::{Database, Table};
use crate::version::OdooVersion;

/// Why a dataset could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// The directory or a file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file is not a valid fixture.
    #[error("{path} is not a valid fixture file: {source}")]
    Format {
        /// The path.
        path: String,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// The directory holds no fixture.
    #[error("{0} holds no <model>.json fixture files")]
    Empty(String),
}

/// One `<model>.json` file.
#[derive(Deserialize)]
pub(super) struct FixtureFile {
    pub(super) model: String,
    #[serde(default)]
    order: Option<String>,
    #[serde(default)]
    rec_name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    fields: Map<String, Value>,
    pub(super) records: Vec<Map<String, Value>>,
}

impl FixtureFile {
    /// Renames the field `from` to `to`, in place, in the model and in
    /// every record.
    pub(super) fn rename_field(&mut self, from: &str, to: &str) {
        if self.fields.contains_key(from) {
            self.fields = std::mem::take(&mut self.fields)
                .into_iter()
                .map(|(k, v)| {
                    if k == from {
                        (to.to_string(), v)
                    } else {
                        (k, v)
                    }
                })
                .collect();
        }
        for rec in &mut self.records {
            if let Some(v) = rec.remove(from) {
                rec.insert(to.to_string(), v);
            }
        }
    }
}

/// Human labels of the models the fixtures hold (fixtures carry none).
pub fn model_description(model: &str) -> String {
    match model {
        "res.partner" => "Contact",
        "res.users" => "User",
        "res.company" => "Companies",
        "res.country" => "Country",
        "res.country.state" => "Country state",
        "res.currency" => "Currency",
        "res.partner.category" => "Partner Tags",
        "product.product" => "Product Variant",
        "product.template" => "Product",
        "product.category" => "Product Category",
        "sale.order" => "Sales Order",
        "sale.order.line" => "Sales Order Line",
        "purchase.order" => "Purchase Order",
        "purchase.order.line" => "Purchase Order Line",
        "uom.uom" => "Product Unit of Measure",
        "uom.category" => "Product UoM Categories",
        "account.tax" => "Tax",
        "ir.config_parameter" => "System Parameter",
        "ir.model" => "Models",
        "ir.model.fields" => "Fields",
        other => other,
    }
    .to_string()
}

/// Loads every `<model>.json` of `dir`, and of its `rules/` folder (groups,
/// access rights, record rules, models), into a database called `name`.
pub fn load_dir(dir: &Path, name: &str, version: OdooVersion) -> Result<Database, DatasetError> {
    let mut db = Database::new(name, version);
    load_models(&mut db, dir)?;
    let rules = dir.join("rules");
    if rules.is_dir() {
        load_models(&mut db, &rules)?;
    }
    let i18n = dir.join("i18n");
    if i18n.is_dir() {
        load_i18n(&mut db, &i18n)?;
    }
    if db.tables.is_empty() {
        return Err(DatasetError::Empty(dir.display().to_string()));
    }
    super::metadata::add_metadata_models(&mut db);
    Ok(db)
}

/// Loads an `i18n/` folder: `res.lang.json` is a model file, each
/// `<lang>.json` the translated values of that language.
fn load_i18n(db: &mut Database, dir: &Path) -> Result<(), DatasetError> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|source| DatasetError::Io {
            path: dir.display().to_string(),
            source,
        })?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    entries.sort();
    for path in entries {
        let text = std::fs::read_to_string(&path).map_err(|source| DatasetError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let doc: Value = serde_json::from_str(&text).map_err(|source| DatasetError::Format {
            path: path.display().to_string(),
            source,
        })?;
        if doc.get("model").is_some() {
            let file: FixtureFile =
                serde_json::from_value(doc).map_err(|source| DatasetError::Format {
                    path: path.display().to_string(),
                    source,
                })?;
            insert_file(db, file);
        } else {
            crate::orm::load_translations(&doc, &mut db.translations);
        }
    }
    Ok(())
}

/// Loads the `<model>.json` files of `dir` into `db`; other files, and
/// folders other than `rules/` and `i18n/`, are reported and skipped.
fn load_models(db: &mut Database, dir: &Path) -> Result<(), DatasetError> {
    let io = |source| DatasetError::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            let known = path
                .file_name()
                .is_some_and(|n| n == "rules" || n == "i18n");
            if !known {
                tracing::warn!(
                    "zenoo-sim: skipping folder {} of the fixture",
                    path.display()
                );
            }
            continue;
        }
        if path.extension().is_none_or(|e| e != "json") {
            tracing::warn!(
                "zenoo-sim: skipping {}: not a <model>.json file",
                path.display()
            );
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|source| DatasetError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let file: FixtureFile =
            serde_json::from_str(&text).map_err(|source| DatasetError::Format {
                path: path.display().to_string(),
                source,
            })?;
        insert_file(db, file);
    }
    Ok(())
}

/// Adds a model file's model and records to `db`.
pub(super) fn insert_file(db: &mut Database, file: FixtureFile) {
    let description = file
        .description
        .clone()
        .unwrap_or_else(|| model_description(&file.model));
    let def = model_from_fields(
        &file.model,
        &description,
        file.order.as_deref().unwrap_or("id"),
        file.rec_name.as_deref().unwrap_or("name"),
        &file.fields,
    );
    let mut table = Table::new(def);
    for rec in file.records {
        let Some(id) = rec.get("id").and_then(Value::as_i64) else {
            continue;
        };
        table.insert(id, rec);
    }
    db.tables.insert(file.model.clone(), table);
}
