//! The built-in dataset's groups, access rights and record rules: the
//! subset of what a real Odoo 18 with `sale` and `purchase` holds for the
//! models the dataset has (`../shared/odoo/fixtures/*/rules/`), as records
//! of `res.groups`, `ir.model.access` and `ir.rule`, so the same code
//! evaluates them as a fixture's.
//!
//! Deviations, because the dataset has no mail followers and no line
//! salesman: the portal rules on orders follow the order's customer (as
//! Odoo 19's sale rule does), and the own-documents rule on sale lines
//! follows the order's salesperson. Partners have no `partner_share`, so
//! the company rule on partners leaves out its "partners of internal users"
//! branch (one company: no difference); order lines have no `company_id`,
//! so they have no multi-company rule of their own.

use serde_json::{Map, Value, json};

use super::model_from_fields;
use crate::orm::{Database, Table};
use crate::version::OdooVersion;

/// (id, category, name, implied groups).
const GROUPS: &[(i64, &str, &str, &[i64])] = &[
    (1, "User types", "Internal User", &[]),
    (2, "Administration", "Access Rights", &[1]),
    (3, "Administration", "Settings", &[2]),
    (4, "User types", "Portal", &[]),
    (5, "User types", "Public", &[]),
    (6, "Extra Rights", "Contact Creation", &[]),
    (7, "Extra Rights", "Technical Features", &[]),
    (8, "Sales", "User: Own Documents Only", &[1]),
    (9, "Sales", "User: All Documents", &[8]),
    (10, "Sales", "Administrator", &[9]),
    (11, "Purchase", "User", &[1]),
    (12, "Purchase", "Administrator", &[11]),
    (13, "Extra Rights", "Product Creation", &[]),
];

const INTERNAL: i64 = 1;
const ACCESS_RIGHTS: i64 = 2;
const SETTINGS: i64 = 3;
const PORTAL: i64 = 4;
const PUBLIC: i64 = 5;
const CONTACT_CREATION: i64 = 6;
const SALES_OWN: i64 = 8;
const SALES_ALL: i64 = 9;
const SALES_ADMIN: i64 = 10;
const PURCHASE_USER: i64 = 11;
const PURCHASE_ADMIN: i64 = 12;
const PRODUCT_CREATION: i64 = 13;

/// The groups of the dataset's users (uid -> groups; implied ones follow).
pub const USER_GROUPS: &[(i64, &[i64])] = &[
    (
        2,
        &[
            SETTINGS,
            CONTACT_CREATION,
            7,
            SALES_ADMIN,
            PURCHASE_ADMIN,
            PRODUCT_CREATION,
        ],
    ),
    (
        6,
        &[INTERNAL, CONTACT_CREATION, 7, SALES_OWN, PURCHASE_USER],
    ),
    (7, &[PORTAL]),
];

/// (model, group or everyone, "rwcu" with '.' for no).
const RIGHTS: &[(&str, i64, &str)] = &[
    ("res.partner", CONTACT_CREATION, "rwcu"),
    ("res.partner", SALES_ADMIN, "rwc."),
    ("res.partner", PURCHASE_ADMIN, "rwc."),
    ("res.partner", INTERNAL, "r..."),
    ("res.partner", PORTAL, "r..."),
    ("res.partner", PUBLIC, "r..."),
    ("res.partner.category", CONTACT_CREATION, "rwcu"),
    ("res.partner.category", INTERNAL, "r..."),
    ("res.users", ACCESS_RIGHTS, "rwcu"),
    ("res.users", INTERNAL, "r..."),
    ("res.users", PORTAL, "r..."),
    ("res.users", PUBLIC, "r..."),
    ("res.company", ACCESS_RIGHTS, "rwcu"),
    ("res.company", INTERNAL, "r..."),
    ("res.company", PORTAL, "r..."),
    ("res.company", PUBLIC, "r..."),
    ("res.country", SETTINGS, "rwcu"),
    ("res.country", INTERNAL, "r..."),
    ("res.country", PORTAL, "r..."),
    ("res.country", PUBLIC, "r..."),
    ("res.currency", SETTINGS, "rwcu"),
    ("res.currency", INTERNAL, "r..."),
    ("res.currency", PORTAL, "r..."),
    ("res.currency", PUBLIC, "r..."),
    ("uom.uom", SETTINGS, "rwcu"),
    ("uom.uom", SALES_ADMIN, "rwcu"),
    ("uom.uom", PURCHASE_ADMIN, "rwcu"),
    ("uom.uom", INTERNAL, "r..."),
    ("product.product", PRODUCT_CREATION, "rwcu"),
    ("product.product", SALES_ADMIN, "rwcu"),
    ("product.product", PURCHASE_ADMIN, "rwcu"),
    ("product.product", INTERNAL, "r..."),
    ("sale.order", SALES_OWN, "rwc."),
    ("sale.order", SALES_ADMIN, "rwcu"),
    ("sale.order", PORTAL, "r..."),
    ("sale.order.line", SALES_OWN, "rwcu"),
    ("sale.order.line", PORTAL, "r..."),
    ("purchase.order", PURCHASE_USER, "rwcu"),
    ("purchase.order", PURCHASE_ADMIN, "rwcu"),
    ("purchase.order", PORTAL, "r..."),
    ("purchase.order.line", PURCHASE_USER, "rwcu"),
    ("purchase.order.line", PURCHASE_ADMIN, "rwcu"),
    ("purchase.order.line", PORTAL, "r..."),
    ("ir.model", INTERNAL, "r..."),
    ("ir.model.fields", INTERNAL, "r..."),
    ("ir.model.data", SETTINGS, "rwcu"),
    ("ir.model.data", INTERNAL, "r..."),
    ("ir.config_parameter", SETTINGS, "rwcu"),
    ("res.groups", ACCESS_RIGHTS, "rwcu"),
    ("res.groups", INTERNAL, "r..."),
    ("ir.model.access", ACCESS_RIGHTS, "rwcu"),
    ("ir.rule", ACCESS_RIGHTS, "rwcu"),
];

const PORTAL_CUSTOMER: &str = "[('partner_id', 'child_of', [user.commercial_partner_id.id])]";
const PORTAL_LINE: &str = "[('order_id.partner_id', 'child_of', [user.commercial_partner_id.id])]";
const MULTI_COMPANY: &str = "[('company_id', 'in', company_ids)]";

/// (model, name, groups, domain_force, "rwcu").
const RULES: &[(&str, &str, &[i64], &str, &str)] = &[
    (
        "res.partner",
        "res.partner company",
        &[],
        "['|', ('company_id', 'parent_of', company_ids), ('company_id', '=', False)]",
        "rwcu",
    ),
    (
        "res.partner",
        "res_partner: portal/public: read access on my commercial partner",
        &[PORTAL, PUBLIC],
        "[('id', 'child_of', user.commercial_partner_id.id)]",
        "r...",
    ),
    (
        "res.users",
        "user rule",
        &[],
        "['|', ('share', '=', False), ('company_ids', 'in', company_ids)]",
        "rwcu",
    ),
    (
        "sale.order",
        "Sales Order multi-company",
        &[],
        MULTI_COMPANY,
        "rwcu",
    ),
    (
        "sale.order",
        "Portal Personal Quotations/Sales Orders",
        &[PORTAL],
        PORTAL_CUSTOMER,
        "rw.u",
    ),
    (
        "sale.order",
        "Personal Orders",
        &[SALES_OWN],
        "['|',('user_id','=',user.id),('user_id','=',False)]",
        "rwcu",
    ),
    (
        "sale.order",
        "All Orders",
        &[SALES_ALL],
        "[(1,'=',1)]",
        "rwcu",
    ),
    (
        "sale.order.line",
        "Portal Sales Orders Line",
        &[PORTAL],
        PORTAL_LINE,
        "rwcu",
    ),
    (
        "sale.order.line",
        "Personal Order Lines",
        &[SALES_OWN],
        "['|',('order_id.user_id','=',user.id),('order_id.user_id','=',False)]",
        "rwcu",
    ),
    (
        "sale.order.line",
        "All Orders Lines",
        &[SALES_ALL],
        "[(1,'=',1)]",
        "rwcu",
    ),
    (
        "purchase.order",
        "Purchase Order multi-company",
        &[],
        MULTI_COMPANY,
        "rwcu",
    ),
    (
        "purchase.order",
        "Portal Purchase Orders",
        &[PORTAL],
        PORTAL_CUSTOMER,
        "rw.u",
    ),
    (
        "purchase.order.line",
        "Portal Purchase Order Lines",
        &[PORTAL],
        PORTAL_LINE,
        "rwcu",
    ),
];

fn table(model: &str, description: &str, fields: &[(&str, &str, Option<&str>)]) -> Table {
    let mut map = Map::new();
    for (name, ttype, relation) in fields {
        let mut a = json!({"type": ttype, "string": name, "store": true, "readonly": false, "required": false, "searchable": true, "sortable": true});
        if let Some(r) = relation {
            a["relation"] = Value::from(*r);
        }
        map.insert((*name).to_string(), a);
    }
    Table::new(model_from_fields(model, description, "id", "name", &map))
}

fn perms(rwcu: &str) -> [(&'static str, Value); 4] {
    let b = rwcu.as_bytes();
    let on = |i: usize| Value::Bool(b.get(i).is_some_and(|c| *c != b'.'));
    [
        ("perm_read", on(0)),
        ("perm_write", on(1)),
        ("perm_create", on(2)),
        ("perm_unlink", on(3)),
    ]
}

/// Adds the `res.groups`, `ir.model.access` and `ir.rule` models (groups
/// filled in), so that `ir.model` lists them; [`fill_security`] adds the
/// rights and rules once `ir.model` exists.
pub fn add_security_models(db: &mut Database, version: OdooVersion) {
    let members = if version >= OdooVersion::V19 {
        "user_ids"
    } else {
        "users"
    };
    let mut groups = table(
        "res.groups",
        "Access Groups",
        &[
            ("name", "char", None),
            ("display_name", "char", None),
            ("implied_ids", "many2many", Some("res.groups")),
            (members, "many2many", Some("res.users")),
        ],
    );
    for (id, category, name, implied) in GROUPS {
        let users: Vec<i64> = USER_GROUPS
            .iter()
            .filter(|(_, gs)| gs.contains(id))
            .map(|(u, _)| *u)
            .collect();
        let mut rec = Map::new();
        rec.insert("name".into(), Value::from(*name));
        rec.insert(
            "display_name".into(),
            Value::from(format!("{category} / {name}")),
        );
        rec.insert("implied_ids".into(), Value::from(implied.to_vec()));
        rec.insert(members.into(), Value::from(users));
        groups.insert(*id, rec);
    }
    let perm_fields = [
        ("perm_read", "boolean", None),
        ("perm_write", "boolean", None),
        ("perm_create", "boolean", None),
        ("perm_unlink", "boolean", None),
    ];
    let access = table(
        "ir.model.access",
        "Model Access",
        &[
            &[
                ("name", "char", None),
                ("active", "boolean", None),
                ("model_id", "many2one", Some("ir.model")),
                ("group_id", "many2one", Some("res.groups")),
            ][..],
            &perm_fields,
        ]
        .concat(),
    );
    let rules = table(
        "ir.rule",
        "Record Rule",
        &[
            &[
                ("name", "char", None),
                ("active", "boolean", None),
                ("model_id", "many2one", Some("ir.model")),
                ("groups", "many2many", Some("res.groups")),
                ("domain_force", "text", None),
            ][..],
            &perm_fields,
        ]
        .concat(),
    );
    for t in [groups, access, rules] {
        db.tables.insert(t.def.name.clone(), t);
    }
}

/// Adds the access rights and record rules of the dataset's models (and
/// lists in `ir.model` those added after it was built).
pub fn fill_security(db: &mut Database) {
    let named: Vec<(String, String)> = RIGHTS
        .iter()
        .map(|(m, _, _)| *m)
        .chain(RULES.iter().map(|(m, ..)| *m))
        .filter_map(|m| Some((m.to_string(), db.tables.get(m)?.def.description.clone())))
        .collect();
    if let Some(ir_model) = db.tables.get_mut("ir.model") {
        for (model, description) in named {
            let listed = ir_model
                .records
                .values()
                .any(|r| r.get_str("model") == Some(model.as_str()));
            if !listed {
                let mut rec = Map::new();
                rec.insert("model".into(), Value::from(model));
                rec.insert("name".into(), Value::from(description.clone()));
                rec.insert("display_name".into(), Value::from(description));
                let id = ir_model.next_id;
                ir_model.insert(id, rec);
            }
        }
    }
    let model_ids: std::collections::HashMap<String, i64> = db
        .tables
        .get("ir.model")
        .map(|t| {
            t.records
                .iter()
                .filter_map(|(id, r)| Some((r.get("model")?.as_str()?.to_string(), *id)))
                .collect()
        })
        .unwrap_or_default();
    let mut rights = Vec::new();
    for (model, group, rwcu) in RIGHTS {
        let Some(model_id) = model_ids.get(*model) else {
            continue;
        };
        let mut rec = Map::new();
        rec.insert(
            "name".into(),
            Value::from(format!("access_{}", model.replace('.', "_"))),
        );
        rec.insert("active".into(), Value::Bool(true));
        rec.insert("model_id".into(), Value::from(*model_id));
        rec.insert("group_id".into(), Value::from(*group));
        for (k, v) in perms(rwcu) {
            rec.insert(k.into(), v);
        }
        rights.push(rec);
    }
    let mut rules = Vec::new();
    for (model, name, groups, domain, rwcu) in RULES {
        let Some(model_id) = model_ids.get(*model) else {
            continue;
        };
        let mut rec = Map::new();
        rec.insert("name".into(), Value::from(*name));
        rec.insert("active".into(), Value::Bool(true));
        rec.insert("model_id".into(), Value::from(*model_id));
        rec.insert("groups".into(), Value::from(groups.to_vec()));
        rec.insert("domain_force".into(), Value::from(*domain));
        for (k, v) in perms(rwcu) {
            rec.insert(k.into(), v);
        }
        rules.push(rec);
    }
    for (model, records) in [("ir.model.access", rights), ("ir.rule", rules)] {
        if let Some(t) = db.tables.get_mut(model) {
            for (n, rec) in records.into_iter().enumerate() {
                t.insert(n as i64 + 1, rec);
            }
        }
    }
}
