//! Database dumps and restores: Odoo's zip layout (`dump.sql` here as
//! the ORM's own JSON, `manifest.json`, `filestore/`), read and written.

use base64::Engine;
use serde_json::{Map, Value, json};

use super::SimState;
use crate::builder::{SimUser, register_users};
use crate::error::{OdooException, OdooResult};

/// The zip entry that holds the simulator's records.
const DUMP_ENTRY: &str = "zenoo-sim.json";

/// The largest records document a restored zip may hold.
const DUMP_ENTRY_MAX: u64 = 1 << 30;

/// The records document of a dump's zip.
fn read_zip_entry(bytes: &[u8]) -> Option<Value> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let entry = archive.by_name(DUMP_ENTRY).ok()?;
    if entry.size() > DUMP_ENTRY_MAX {
        return None;
    }
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(entry, DUMP_ENTRY_MAX), &mut text).ok()?;
    serde_json::from_slice(&text).ok()
}

impl SimState {
    /// `db.create_database`: an empty or demo database with an admin user.
    pub fn create_database(
        &mut self,
        name: &str,
        demo: bool,
        login: &str,
        password: &str,
    ) -> OdooResult<()> {
        if self.dbs.contains_key(name) {
            return Err(OdooException::new(
                "builtins.Exception",
                format!("Database {name} already exists"),
            ));
        }
        let db = if demo {
            crate::dataset::demo(name, self.version, 0)
        } else {
            crate::dataset::empty(name, self.version, login)
        };
        register_users(
            &mut self.auth,
            name,
            &db,
            &[SimUser {
                login: login.into(),
                password: password.into(),
                api_key: None,
            }],
        );
        self.dbs.insert(name.to_string(), db);
        Ok(())
    }

    /// `db.dump`: the database's zip as base64 text.
    pub fn dump(&self, name: &str) -> OdooResult<String> {
        Ok(base64::engine::general_purpose::STANDARD.encode(self.dump_bytes(name)?))
    }

    /// The database as a zip, as `/web/database/backup` sends it: like
    /// Odoo's, a `manifest.json` and a `dump.sql` at the top (here the SQL
    /// only points at the data), and the records in `zenoo-sim.json`.
    pub fn dump_bytes(&self, name: &str) -> OdooResult<Vec<u8>> {
        let document = self.dump_json(name)?;
        let failed = |e: &dyn std::fmt::Display| {
            OdooException::new("builtins.Exception", format!("cannot write the dump: {e}"))
        };
        let manifest = json!({
            "odoo_dump": "1",
            "db_name": name,
            "version": format!("{}", self.version),
            "major_version": format!("{}", self.version),
            "pg_version": "15.0",
            "modules": {"base": format!("{}.1.3", self.version)},
        });
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        // Stored, not deflated: a test server spends its time serving, and
        // a client cannot tell (Odoo's own dumps are deflated zips).
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(true);
        for (file, bytes) in [
            (
                "dump.sql",
                b"-- zenoo-sim: the records are in zenoo-sim.json\n".to_vec(),
            ),
            (
                "manifest.json",
                serde_json::to_vec_pretty(&manifest).map_err(|e| failed(&e))?,
            ),
            (
                DUMP_ENTRY,
                serde_json::to_vec(&document).map_err(|e| failed(&e))?,
            ),
        ] {
            zip.start_file(file, options).map_err(|e| failed(&e))?;
            std::io::Write::write_all(&mut zip, &bytes).map_err(|e| failed(&e))?;
        }
        Ok(zip.finish().map_err(|e| failed(&e))?.into_inner())
    }

    /// The database as one JSON document (models with their fields and
    /// records): what a dump's zip holds, and what `--state` keeps.
    pub fn dump_json(&self, name: &str) -> OdooResult<Value> {
        let db = self
            .dbs
            .get(name)
            .ok_or_else(|| crate::server::unknown_db(name))?;
        let mut models = Vec::new();
        let mut names: Vec<&String> = db.tables.keys().collect();
        names.sort();
        for n in names {
            let t = &db.tables[n];
            let fields: Map<String, Value> = t
                .def
                .fields
                .iter()
                .filter(|f| f.name != "id")
                .map(|f| (f.name.clone(), Value::Object(f.attrs.clone())))
                .collect();
            let records: Vec<Value> = t
                .records
                .values()
                .map(|r| Value::Object(r.to_map()))
                .collect();
            models.push(json!({"model": n, "order": t.def.order, "rec_name": t.def.rec_name, "description": t.def.description, "fields": fields, "records": records}));
        }
        // Translated values go with the records (the same layout as a
        // fixture's `i18n/<lang>.json`).
        let translations = serde_json::to_value(&db.translations).unwrap_or_default();
        Ok(json!({"zenoo_sim_dump": 1, "models": models, "translations": translations}))
    }

    /// `db.restore`: a database from `dump` output.
    pub fn restore(&mut self, name: &str, data: &str) -> OdooResult<()> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map_err(|_| not_a_dump())?;
        self.restore_bytes(name, &bytes)
    }

    /// A database from `dump_bytes` output (`/web/database/restore`).
    pub fn restore_bytes(&mut self, name: &str, bytes: &[u8]) -> OdooResult<()> {
        if self.dbs.contains_key(name) {
            return Err(OdooException::new(
                "builtins.Exception",
                format!("Database {name} already exists"),
            ));
        }
        let bad = not_a_dump;
        let dump: Value = if bytes.starts_with(b"PK") {
            read_zip_entry(bytes).ok_or_else(bad)?
        } else {
            serde_json::from_slice(bytes).map_err(|_| bad())?
        };
        let mut db = crate::orm::Database::new(name, self.version);
        for m in dump
            .get("models")
            .and_then(Value::as_array)
            .ok_or_else(bad)?
        {
            let model = m.get("model").and_then(Value::as_str).ok_or_else(bad)?;
            let fields = m
                .get("fields")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let def = crate::dataset::model_from_fields(
                model,
                m.get("description")
                    .and_then(Value::as_str)
                    .unwrap_or(model),
                m.get("order").and_then(Value::as_str).unwrap_or("id"),
                m.get("rec_name").and_then(Value::as_str).unwrap_or("name"),
                &fields,
            );
            let mut table = crate::orm::Table::new(def);
            for r in m
                .get("records")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let (Some(id), Some(obj)) = (r.get("id").and_then(Value::as_i64), r.as_object())
                {
                    table.insert(id, obj.clone());
                }
            }
            db.tables.insert(model.to_string(), table);
        }
        if let Some(translations) = dump.get("translations") {
            crate::orm::load_translations(translations, &mut db.translations);
        }
        register_users(&mut self.auth, name, &db, &[]);
        self.dbs.insert(name.to_string(), db);
        Ok(())
    }
}

fn not_a_dump() -> OdooException {
    OdooException::new(
        "builtins.Exception",
        "Couldn't restore database: not a zenoo-sim dump",
    )
}
