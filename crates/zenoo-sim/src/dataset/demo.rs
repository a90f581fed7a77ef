//! The built-in `demo` dataset, written for Zenoo (its own names and
//! values): data in `demo/<model>.json`, in the format of fixture exports
//! (see [`load_dir`](super::load_dir)), embedded in the crate; `--scale N`
//! synthetic records are added by [`super::synthetic`].
//!
//! The files hold the Odoo 18 names; Odoo 19 renamed two fields, renamed
//! here when the database is built.

use serde_json::Value;

use super::fixture::{FixtureFile, insert_file};
use super::metadata::add_metadata_models;
use crate::orm::Database;
use crate::version::OdooVersion;

/// The models of the demo, each with its file.
const FILES: [(&str, &str); 12] = [
    ("res.currency", include_str!("demo/res.currency.json")),
    ("res.country", include_str!("demo/res.country.json")),
    ("res.company", include_str!("demo/res.company.json")),
    (
        "res.partner.category",
        include_str!("demo/res.partner.category.json"),
    ),
    ("res.partner", include_str!("demo/res.partner.json")),
    ("res.users", include_str!("demo/res.users.json")),
    ("uom.uom", include_str!("demo/uom.uom.json")),
    ("product.product", include_str!("demo/product.product.json")),
    ("sale.order", include_str!("demo/sale.order.json")),
    ("sale.order.line", include_str!("demo/sale.order.line.json")),
    ("purchase.order", include_str!("demo/purchase.order.json")),
    (
        "purchase.order.line",
        include_str!("demo/purchase.order.line.json"),
    ),
];

/// Fields Odoo 19 renamed: (model, name before 19, name from 19).
const RENAMED_IN_19: [(&str, &str, &str); 2] = [
    ("res.users", "groups_id", "group_ids"),
    ("purchase.order.line", "product_uom", "product_uom_id"),
];

/// Builds the demo database, with `scale` synthetic partners, products
/// and orders.
pub fn demo(name: &str, version: OdooVersion, scale: usize) -> Database {
    let mut db = Database::new(name, version);
    for (model, text) in FILES {
        let mut file: FixtureFile = match serde_json::from_str(text) {
            Ok(f) => f,
            // The files are part of the crate and checked by its tests.
            Err(e) => {
                tracing::error!("zenoo-sim: the demo's {model}.json does not load: {e}");
                continue;
            }
        };
        if version >= OdooVersion::V19 {
            for (_, from, to) in RENAMED_IN_19.iter().filter(|(m, _, _)| *m == model) {
                file.rename_field(from, to);
            }
        }
        insert_file(&mut db, file);
    }
    super::synthetic::add(&mut db, scale);
    stamp_demo_records(&mut db);
    super::security::add_security_models(&mut db, version);
    add_metadata_models(&mut db);
    super::security::fill_security(&mut db);
    db
}

/// Gives every demo record the magic values Odoo's data loading leaves:
/// created and last written by the superuser when the data was loaded (or
/// when the order was placed, for orders).
fn stamp_demo_records(db: &mut Database) {
    const LOADED: &str = "2026-09-28 07:00:00";
    for table in db.tables.values_mut() {
        if table.position("write_date").is_none() {
            continue;
        }
        for rec in table.records.values_mut() {
            let when = rec
                .get("date_order")
                .filter(|v| v.is_string())
                .map(std::borrow::Cow::into_owned)
                .unwrap_or_else(|| Value::from(LOADED));
            for (k, v) in [
                ("create_uid", Value::from(1)),
                ("write_uid", Value::from(1)),
                ("create_date", when.clone()),
                ("write_date", when),
            ] {
                if rec
                    .get(k)
                    .is_none_or(|v| v.is_null() || *v == Value::Bool(false))
                {
                    rec.insert(k.to_string(), v);
                }
            }
        }
    }
}

/// A nearly empty database: the company, its partner and an admin user.
pub fn empty(name: &str, version: OdooVersion, admin_login: &str) -> Database {
    let mut db = demo(name, version, 0);
    for (model, keep) in [
        ("res.partner", &[1i64, 2][..]),
        ("sale.order", &[][..]),
        ("sale.order.line", &[][..]),
        ("purchase.order", &[][..]),
        ("purchase.order.line", &[][..]),
        ("res.users", &[2][..]),
        ("res.partner.category", &[][..]),
    ] {
        if let Some(t) = db.tables.get_mut(model) {
            t.records.retain(|id, _| keep.contains(id));
        }
    }
    if let Some(r) = db
        .tables
        .get_mut("res.users")
        .and_then(|t| t.records.get_mut(&2))
    {
        r.insert("login".into(), Value::from(admin_login));
    }
    db
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every embedded file loads, and each holds the model it is named for.
    #[test]
    fn every_demo_file_loads() {
        for (model, text) in FILES {
            let file: FixtureFile = serde_json::from_str(text).expect(model);
            assert_eq!(file.model, model);
            assert!(!file.records.is_empty(), "{model}");
        }
        for version in [OdooVersion::V18, OdooVersion::V19] {
            let db = demo("demo", version, 3);
            for (model, _) in FILES {
                assert!(db.tables.contains_key(model), "{model}");
            }
            let users = &db.tables["res.users"];
            let groups = if version >= OdooVersion::V19 {
                "group_ids"
            } else {
                "groups_id"
            };
            assert!(users.def.field(groups).is_some(), "{version:?}");
            let admin = &users.records[&2];
            assert!(
                admin
                    .get(groups)
                    .is_some_and(|g| g.as_array().is_some_and(|a| !a.is_empty()))
            );
        }
    }
}
