//! The built-in `demo` dataset, written for Zenoo (its own names and
//! values), and `--scale N` synthetic records for benchmarks.

use serde_json::{Map, Value, json};

use super::fixture::model_from_fields;
use super::metadata::add_metadata_models;
use crate::orm::{Database, Table};
use crate::version::OdooVersion;

/// (name, type, label, relation, extra attributes)
type FieldSpec<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, Value);

fn table(
    name: &str,
    description: &str,
    order: &str,
    rec_name: &str,
    specs: &[FieldSpec<'_>],
) -> Table {
    let mut fields = Map::new();
    for (fname, ttype, label, relation, extra) in specs {
        let mut a = json!({"type": ttype, "string": label, "store": true, "readonly": false, "required": false,
                           "searchable": true, "sortable": !matches!(*ttype, "one2many" | "many2many")});
        if let Some(r) = relation {
            a["relation"] = Value::from(*r);
        }
        if let Value::Object(extra) = extra {
            for (k, v) in extra {
                a[k] = v.clone();
            }
        }
        fields.insert((*fname).to_string(), a);
    }
    fields.insert("display_name".into(), json!({"type": "char", "string": "Display Name", "store": false, "readonly": true, "required": false, "searchable": true, "sortable": false}));
    // Odoo's magic fields, on every model with `_log_access`.
    for (fname, ttype, label) in [
        ("create_uid", "many2one", "Created by"),
        ("create_date", "datetime", "Created on"),
        ("write_uid", "many2one", "Last Updated by"),
        ("write_date", "datetime", "Last Updated on"),
    ] {
        if !fields.contains_key(fname) {
            let mut a = json!({"type": ttype, "string": label, "store": true, "readonly": true, "required": false, "searchable": true, "sortable": true});
            if ttype == "many2one" {
                a["relation"] = Value::from("res.users");
            }
            fields.insert(fname.to_string(), a);
        }
    }
    Table::new(model_from_fields(
        name,
        description,
        order,
        rec_name,
        &fields,
    ))
}

/// The one2many to the lines and the amounts computed from them, shared by
/// sale and purchase orders.
fn order_amounts(line_model: &'static str) -> [FieldSpec<'static>; 4] {
    let sum = || json!({"readonly": true, "aggregator": "sum"});
    [
        (
            "order_line",
            "one2many",
            "Order Lines",
            Some(line_model),
            json!({"relation_field": "order_id"}),
        ),
        ("amount_untaxed", "monetary", "Untaxed Amount", None, sum()),
        ("amount_tax", "monetary", "Taxes", None, sum()),
        ("amount_total", "monetary", "Total", None, sum()),
    ]
}

fn none() -> Value {
    Value::Null
}

fn rec(pairs: Value) -> Map<String, Value> {
    pairs.as_object().cloned().unwrap_or_default()
}

/// Builds the demo database.
pub fn demo(name: &str, version: OdooVersion, scale: usize) -> Database {
    let mut db = Database::new(name, version);
    let mut currency = table(
        "res.currency",
        "Currency",
        "active desc, name",
        "name",
        &[
            ("name", "char", "Currency", None, json!({"required": true})),
            ("symbol", "char", "Symbol", None, none()),
            ("active", "boolean", "Active", None, none()),
        ],
    );
    // Odoo ships most currencies inactive.
    for (id, n, s, active) in [
        (1, "USD", "$", true),
        (2, "EUR", "€", true),
        (3, "CHF", "CHF", true),
        (4, "GBP", "£", false),
    ] {
        currency.insert(
            id,
            rec(json!({"name": n, "symbol": s, "active": active, "display_name": n})),
        );
    }
    let mut country = table(
        "res.country",
        "Country",
        "name",
        "name",
        &[
            (
                "name",
                "char",
                "Country Name",
                None,
                json!({"required": true}),
            ),
            ("code", "char", "Country Code", None, none()),
            (
                "currency_id",
                "many2one",
                "Currency",
                Some("res.currency"),
                none(),
            ),
        ],
    );
    for (id, n, c, cur) in [
        (1, "Belgium", "BE", 2),
        (2, "Switzerland", "CH", 3),
        (3, "United States", "US", 1),
        (4, "Canada", "CA", 1),
    ] {
        country.insert(
            id,
            rec(json!({"name": n, "code": c, "currency_id": cur, "display_name": n})),
        );
    }
    let mut company = table(
        "res.company",
        "Companies",
        "sequence, name",
        "name",
        &[
            (
                "name",
                "char",
                "Company Name",
                None,
                json!({"required": true}),
            ),
            ("sequence", "integer", "Sequence", None, none()),
            (
                "currency_id",
                "many2one",
                "Currency",
                Some("res.currency"),
                none(),
            ),
            (
                "partner_id",
                "many2one",
                "Partner",
                Some("res.partner"),
                none(),
            ),
            (
                "parent_id",
                "many2one",
                "Parent Company",
                Some("res.company"),
                none(),
            ),
            (
                "child_ids",
                "one2many",
                "Branches",
                Some("res.company"),
                json!({"relation_field": "parent_id"}),
            ),
        ],
    );
    company.insert(1, rec(json!({"name": "Zenoo Lab", "sequence": 0, "currency_id": 1, "partner_id": 1, "parent_id": false, "display_name": "Zenoo Lab"})));
    let mut category = table(
        "res.partner.category",
        "Partner Tags",
        "name",
        "name",
        &[
            ("name", "char", "Tag Name", None, json!({"required": true})),
            ("color", "integer", "Color", None, none()),
            ("active", "boolean", "Active", None, none()),
        ],
    );
    for (id, n) in [(1, "Supplier"), (2, "Customer"), (3, "Prospect")] {
        category.insert(
            id,
            rec(json!({"name": n, "color": id, "active": true, "display_name": n})),
        );
    }
    let mut partner = table(
        "res.partner",
        "Contact",
        "complete_name ASC, id DESC",
        "name",
        &[
            ("name", "char", "Name", None, none()),
            (
                "complete_name",
                "char",
                "Complete Name",
                None,
                json!({"readonly": true}),
            ),
            ("email", "char", "Email", None, none()),
            ("phone", "char", "Phone", None, none()),
            ("is_company", "boolean", "Is a Company", None, none()),
            ("active", "boolean", "Active", None, none()),
            (
                "type",
                "selection",
                "Address Type",
                None,
                json!({"selection": [["contact", "Contact"], ["invoice", "Invoice Address"], ["delivery", "Delivery Address"], ["other", "Other Address"]]}),
            ),
            ("street", "char", "Street", None, none()),
            ("city", "char", "City", None, none()),
            ("zip", "char", "Zip", None, none()),
            (
                "country_id",
                "many2one",
                "Country",
                Some("res.country"),
                none(),
            ),
            (
                "parent_id",
                "many2one",
                "Related Company",
                Some("res.partner"),
                none(),
            ),
            (
                "child_ids",
                "one2many",
                "Contact",
                Some("res.partner"),
                json!({"relation_field": "parent_id"}),
            ),
            (
                "category_id",
                "many2many",
                "Tags",
                Some("res.partner.category"),
                none(),
            ),
            (
                "commercial_partner_id",
                "many2one",
                "Commercial Entity",
                Some("res.partner"),
                json!({"readonly": true}),
            ),
            (
                "lang",
                "selection",
                "Language",
                None,
                json!({"selection": [["en_US", "English (US)"], ["fr_FR", "French / Français"]]}),
            ),
            ("tz", "char", "Timezone", None, none()),
            ("ref", "char", "Reference", None, none()),
            ("vat", "char", "Tax ID", None, none()),
            (
                "credit_limit",
                "float",
                "Credit Limit",
                None,
                json!({"aggregator": "sum"}),
            ),
            ("comment", "html", "Notes", None, none()),
            (
                "user_ids",
                "one2many",
                "Users",
                Some("res.users"),
                json!({"relation_field": "partner_id"}),
            ),
            (
                "company_id",
                "many2one",
                "Company",
                Some("res.company"),
                none(),
            ),
            (
                "write_date",
                "datetime",
                "Last Updated on",
                None,
                json!({"readonly": true}),
            ),
            (
                "create_date",
                "datetime",
                "Created on",
                None,
                json!({"readonly": true}),
            ),
        ],
    );
    let companies = [
        (
            10,
            "Harbour Light Studio",
            "Lisbon Road 4",
            "Antwerp",
            1,
            "harbour.light@example.com",
        ),
        (
            11,
            "Quillfeather Books",
            "12 Elm Street",
            "Boston",
            3,
            "hello@quillfeather.example.com",
        ),
        (
            12,
            "Northwind Looms",
            "88 Mill Lane",
            "Toronto",
            4,
            "sales@northwind-looms.example.com",
        ),
        (
            13,
            "Alpenrose Dairy",
            "Dorfstrasse 3",
            "Bern",
            2,
            "info@alpenrose.example.com",
        ),
        (
            14,
            "Copperleaf Tools",
            "501 Forge Ave",
            "Pittsburgh",
            3,
            "orders@copperleaf.example.com",
        ),
    ];
    let mut p = |id: i64, v: Value| partner.insert(id, rec(v));
    p(
        1,
        json!({"name": "Zenoo Lab", "complete_name": "Zenoo Lab", "display_name": "Zenoo Lab", "is_company": true, "active": true, "type": "contact", "city": "Brussels", "country_id": 1, "commercial_partner_id": 1, "email": "lab@zenoo.example.com", "lang": "en_US", "tz": "Europe/Brussels"}),
    );
    p(
        2,
        json!({"name": "Ada Admin", "complete_name": "Zenoo Lab, Ada Admin", "display_name": "Zenoo Lab, Ada Admin", "parent_id": 1, "active": true, "type": "contact", "city": "Brussels", "country_id": 1, "commercial_partner_id": 1, "email": "admin@zenoo.example.com", "lang": "en_US", "tz": "Europe/Brussels"}),
    );
    p(
        3,
        json!({"name": "Dmitri Demo", "complete_name": "Dmitri Demo", "display_name": "Dmitri Demo", "active": true, "type": "contact", "city": "Ghent", "country_id": 1, "commercial_partner_id": 3, "email": "demo@zenoo.example.com", "lang": "en_US", "tz": "Europe/Brussels"}),
    );
    p(
        4,
        json!({"name": "Petra Portal", "complete_name": "Quillfeather Books, Petra Portal", "display_name": "Quillfeather Books, Petra Portal", "parent_id": 11, "active": true, "type": "contact", "city": "Boston", "country_id": 3, "commercial_partner_id": 11, "email": "petra@quillfeather.example.com", "lang": "en_US", "tz": "America/New_York"}),
    );
    for (id, name, street, city, country, email) in companies {
        p(
            id,
            json!({"name": name, "complete_name": name, "display_name": name, "is_company": true, "active": true, "type": "contact", "street": street, "city": city, "country_id": country, "commercial_partner_id": id, "email": email, "category_id": [2], "credit_limit": 5000.0 * (id - 9) as f64, "lang": "en_US"}),
        );
    }
    let contacts = [
        (20, "Lena Marsh", 10),
        (21, "Tomas Varga", 10),
        (22, "Iris Okafor", 11),
        (23, "Ben Holloway", 12),
        (24, "Mara Steiner", 13),
        (25, "Jonas Frei", 13),
        (26, "Olu Adeyemi", 14),
        (27, "Sofia Lind", 14),
    ];
    for (id, name, parent) in contacts {
        let cname = companies
            .iter()
            .find(|c| c.0 == parent)
            .map(|c| c.1)
            .unwrap_or("");
        let country = companies
            .iter()
            .find(|c| c.0 == parent)
            .map(|c| c.4)
            .unwrap_or(1);
        let full = format!("{cname}, {name}");
        let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
        p(
            id,
            json!({"name": name, "complete_name": full, "display_name": full, "parent_id": parent, "active": true, "type": "contact", "country_id": country, "commercial_partner_id": parent, "email": email, "lang": "en_US"}),
        );
    }
    p(
        30,
        json!({"name": "Old Supplier", "complete_name": "Old Supplier", "display_name": "Old Supplier", "is_company": true, "active": false, "type": "contact", "commercial_partner_id": 30, "category_id": [1]}),
    );
    let groups_field = if version >= OdooVersion::V19 {
        "group_ids"
    } else {
        "groups_id"
    };
    let mut users = table(
        "res.users",
        "User",
        "name, login",
        "name",
        &[
            ("login", "char", "Login", None, json!({"required": true})),
            (
                "partner_id",
                "many2one",
                "Related Partner",
                Some("res.partner"),
                json!({"required": true}),
            ),
            ("active", "boolean", "Active", None, none()),
            (
                "share",
                "boolean",
                "Share User",
                None,
                json!({"readonly": true}),
            ),
            (
                "company_id",
                "many2one",
                "Company",
                Some("res.company"),
                none(),
            ),
            (
                "company_ids",
                "many2many",
                "Companies",
                Some("res.company"),
                none(),
            ),
            (
                "commercial_partner_id",
                "many2one",
                "Commercial Entity",
                Some("res.partner"),
                none(),
            ),
            (
                groups_field,
                "many2many",
                "Groups",
                Some("res.groups"),
                none(),
            ),
            ("name", "char", "Name", None, json!({"store": false})),
        ],
    );
    for (id, login, pid, share, name) in [
        (2, "admin", 2, false, "Ada Admin"),
        (6, "demo", 3, false, "Dmitri Demo"),
        (7, "portal", 4, true, "Petra Portal"),
    ] {
        let groups = super::security::USER_GROUPS
            .iter()
            .find(|(u, _)| *u == id)
            .map_or(&[][..], |(_, g)| *g);
        let mut r = rec(
            json!({"login": login, "partner_id": pid, "commercial_partner_id": pid, "active": true, "share": share, "company_id": 1, "company_ids": [1], "display_name": name}),
        );
        r.insert(groups_field.into(), Value::from(groups.to_vec()));
        users.insert(id, r);
    }
    let mut uom = table(
        "uom.uom",
        "Product Unit of Measure",
        "name",
        "name",
        &[("name", "char", "Unit", None, json!({"required": true}))],
    );
    uom.insert(1, rec(json!({"name": "Units", "display_name": "Units"})));
    uom.insert(2, rec(json!({"name": "Hours", "display_name": "Hours"})));
    uom.insert(3, rec(json!({"name": "Dozens", "display_name": "Dozens"})));
    let mut product = table(
        "product.product",
        "Product Variant",
        "default_code, name, id",
        "name",
        &[
            ("name", "char", "Name", None, json!({"required": true})),
            ("default_code", "char", "Internal Reference", None, none()),
            ("list_price", "float", "Sales Price", None, none()),
            ("lst_price", "float", "Sales Price", None, none()),
            ("standard_price", "float", "Cost", None, none()),
            ("uom_id", "many2one", "Unit", Some("uom.uom"), none()),
            ("active", "boolean", "Active", None, none()),
            (
                "type",
                "selection",
                "Product Type",
                None,
                json!({"selection": [["consu", "Goods"], ["service", "Service"], ["combo", "Combo"]]}),
            ),
            (
                "description_sale",
                "text",
                "Sales Description",
                None,
                none(),
            ),
        ],
    );
    let products = [
        (1, "ZL-100", "Walnut Reading Lamp", 89.0, "consu"),
        (2, "ZL-200", "Linen Cushion", 24.5, "consu"),
        (3, "ZL-300", "Oak Bookshelf", 349.0, "consu"),
        (4, "ZL-400", "Ceramic Mug", 12.0, "consu"),
        (5, "ZS-001", "Installation Service", 60.0, "service"),
    ];
    for (id, code, name, price, kind) in products {
        let uom = if kind == "service" { 2 } else { 1 };
        product.insert(id, rec(json!({"name": name, "default_code": code, "list_price": price, "lst_price": price, "standard_price": price * 0.6, "uom_id": uom, "active": true, "type": kind, "display_name": format!("[{code}] {name}")})));
    }
    let mut order = table(
        "sale.order",
        "Sales Order",
        "date_order desc, id desc",
        "name",
        &[
            &[
                (
                    "name",
                    "char",
                    "Order Reference",
                    None,
                    json!({"readonly": true}),
                ),
                (
                    "partner_id",
                    "many2one",
                    "Customer",
                    Some("res.partner"),
                    json!({"required": true}),
                ),
                ("date_order", "datetime", "Order Date", None, none()),
                (
                    "state",
                    "selection",
                    "Status",
                    None,
                    json!({"selection": [["draft", "Quotation"], ["sent", "Quotation Sent"], ["sale", "Sales Order"], ["cancel", "Cancelled"]]}),
                ),
            ][..],
            &order_amounts("sale.order.line"),
            &[            (
                    "currency_id",
                    "many2one",
                    "Currency",
                    Some("res.currency"),
                    none(),
                ),
                (
                    "company_id",
                    "many2one",
                    "Company",
                    Some("res.company"),
                    none(),
                ),
                (
                    "user_id",
                    "many2one",
                    "Salesperson",
                    Some("res.users"),
                    none(),
                ),
                (
                    "client_order_ref",
                    "char",
                    "Customer Reference",
                    None,
                    none(),
                ),
            ],
        ]
        .concat(),
    );
    let mut line = table(
        "sale.order.line",
        "Sales Order Line",
        "order_id, sequence, id",
        "name",
        &[
            (
                "order_id",
                "many2one",
                "Order Reference",
                Some("sale.order"),
                json!({"required": true, "ondelete": "cascade"}),
            ),
            ("name", "text", "Description", None, none()),
            ("sequence", "integer", "Sequence", None, none()),
            (
                "product_id",
                "many2one",
                "Product",
                Some("product.product"),
                json!({"ondelete": "restrict"}),
            ),
            ("product_uom_qty", "float", "Quantity", None, none()),
            ("price_unit", "float", "Unit Price", None, none()),
            ("discount", "float", "Discount (%)", None, none()),
            (
                "price_subtotal",
                "monetary",
                "Subtotal",
                None,
                json!({"readonly": true, "aggregator": "sum"}),
            ),
            (
                "price_tax",
                "float",
                "Total Tax",
                None,
                json!({"readonly": true}),
            ),
            (
                "price_total",
                "monetary",
                "Total",
                None,
                json!({"readonly": true}),
            ),
        ],
    );
    let orders = [
        (1, 10, "2026-10-05 09:30:00", "sale"),
        (2, 11, "2026-10-19 14:00:00", "sale"),
        (3, 12, "2026-11-02 10:15:00", "draft"),
        (4, 14, "2026-11-12 16:45:00", "sent"),
        (5, 11, "2026-11-20 08:00:00", "draft"),
    ];
    let mut line_id = 1;
    for (id, partner_id, date, state) in orders {
        let mut total = 0.0;
        let mut lines = Vec::new();
        for (k, (pid, _, pname, price, _)) in products
            .iter()
            .enumerate()
            .filter(|(k, _)| (k + id as usize).is_multiple_of(2))
        {
            let qty = (k as f64) + 1.0;
            let sub = qty * price;
            total += sub;
            line.insert(line_id, rec(json!({"order_id": id, "name": pname, "sequence": 10, "product_id": pid, "product_uom_qty": qty, "price_unit": price, "discount": 0.0, "price_subtotal": sub, "price_tax": 0.0, "price_total": sub, "display_name": format!("S{id:05} - {pname}")})));
            lines.push(line_id);
            line_id += 1;
        }
        let name = format!("S{id:05}");
        order.insert(id, rec(json!({"name": name, "partner_id": partner_id, "date_order": date, "state": state, "amount_untaxed": total, "amount_tax": 0.0, "amount_total": total, "currency_id": 1, "company_id": 1, "user_id": 2, "display_name": name})));
    }
    for i in 0..scale as i64 {
        let id = 1000 + i;
        let name = format!("Scale Partner {i:07}");
        partner.insert(id, rec(json!({"name": name, "complete_name": name, "display_name": name, "active": true, "type": "contact", "is_company": i % 10 == 0, "email": format!("scale{i}@example.com"), "country_id": (i % 4) + 1, "commercial_partner_id": id, "credit_limit": (i % 100) as f64 * 10.0})));
        let pid = 1000 + i;
        let code = format!("SC-{i:07}");
        product.insert(pid, rec(json!({"name": format!("Scale Product {i}"), "default_code": code, "list_price": (i % 50) as f64 + 1.0, "lst_price": (i % 50) as f64 + 1.0, "uom_id": 1, "active": true, "type": "consu", "display_name": format!("[{code}] Scale Product {i}")})));
        let oname = format!("S{:05}", 1000 + i);
        order.insert(1000 + i, rec(json!({"name": oname, "partner_id": id, "date_order": "2026-11-01 12:00:00", "state": if i % 3 == 0 { "sale" } else { "draft" }, "amount_untaxed": 100.0, "amount_tax": 0.0, "amount_total": 100.0, "currency_id": 1, "company_id": 1, "user_id": 2, "display_name": oname})));
    }
    let (purchase, purchase_line) = purchases(&products, scale, version);
    for t in [
        currency,
        country,
        company,
        category,
        partner,
        users,
        uom,
        product,
        order,
        line,
        purchase,
        purchase_line,
    ] {
        db.tables.insert(t.def.name.clone(), t);
    }
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

/// Purchase orders (RFQs and confirmed orders) from the demo companies,
/// with lines priced at the products' cost and computed amounts.
fn purchases(
    products: &[(i64, &str, &str, f64, &str)],
    scale: usize,
    version: OdooVersion,
) -> (Table, Table) {
    let mut order = table(
        "purchase.order",
        "Purchase Order",
        "priority desc, id desc",
        "name",
        &[
            &[
                (
                    "name",
                    "char",
                    "Order Reference",
                    None,
                    json!({"readonly": true, "required": true}),
                ),
                (
                    "priority",
                    "selection",
                    "Priority",
                    None,
                    json!({"selection": [["0", "Normal"], ["1", "Urgent"]]}),
                ),
                (
                    "partner_id",
                    "many2one",
                    "Vendor",
                    Some("res.partner"),
                    json!({"required": true, "help": "You can find a vendor by its Name, TIN, Email or Internal Reference."}),
                ),
                ("partner_ref", "char", "Vendor Reference", None, none()),
                ("origin", "char", "Source Document", None, none()),
                (
                    "date_order",
                    "datetime",
                    "Order Deadline",
                    None,
                    json!({"required": true}),
                ),
                ("date_planned", "datetime", "Expected Arrival", None, none()),
                (
                    "state",
                    "selection",
                    "Status",
                    None,
                    json!({"readonly": true, "selection": [["draft", "RFQ"], ["sent", "RFQ Sent"], ["to approve", "To Approve"], ["purchase", "Purchase Order"], ["cancel", "Cancelled"]]}),
                ),
            ][..],
            &order_amounts("purchase.order.line"),
            &[            (
                    "currency_id",
                    "many2one",
                    "Currency",
                    Some("res.currency"),
                    json!({"required": true}),
                ),
                (
                    "company_id",
                    "many2one",
                    "Company",
                    Some("res.company"),
                    json!({"required": true}),
                ),
                ("user_id", "many2one", "Buyer", Some("res.users"), none()),
                ("notes", "html", "Terms and Conditions", None, none()),
            ],
        ]
        .concat(),
    );
    let mut line = table(
        "purchase.order.line",
        "Purchase Order Line",
        "order_id, sequence, id",
        "name",
        &[
            (
                "order_id",
                "many2one",
                "Order Reference",
                Some("purchase.order"),
                json!({"required": true, "ondelete": "cascade"}),
            ),
            (
                "name",
                "text",
                "Description",
                None,
                json!({"required": true}),
            ),
            ("sequence", "integer", "Sequence", None, none()),
            (
                "product_id",
                "many2one",
                "Product",
                Some("product.product"),
                json!({"ondelete": "restrict"}),
            ),
            (
                "product_qty",
                "float",
                "Quantity",
                None,
                json!({"required": true}),
            ),
            (
                "price_unit",
                "float",
                "Unit Price",
                None,
                json!({"required": true}),
            ),
            ("discount", "float", "Discount (%)", None, none()),
            ("date_planned", "datetime", "Expected Arrival", None, none()),
            (
                // Odoo 19 renamed it.
                if version >= OdooVersion::V19 {
                    "product_uom_id"
                } else {
                    "product_uom"
                },
                "many2one",
                "Unit of Measure",
                Some("uom.uom"),
                none(),
            ),
            (
                "price_subtotal",
                "monetary",
                "Subtotal",
                None,
                json!({"readonly": true, "aggregator": "sum"}),
            ),
            ("price_tax", "float", "Tax", None, json!({"readonly": true})),
            (
                "price_total",
                "monetary",
                "Total",
                None,
                json!({"readonly": true}),
            ),
        ],
    );
    let orders = [
        (1, 12, "2026-10-08 11:00:00", "purchase"),
        (2, 13, "2026-11-03 15:30:00", "draft"),
        (3, 12, "2026-11-16 09:00:00", "sent"),
    ];
    let mut line_id = 1;
    for (id, vendor, date, state) in orders {
        let (mut total, mut lines) = (0.0, Vec::new());
        for (k, (pid, _, pname, price, kind)) in products.iter().enumerate() {
            if *kind == "service" || (k as i64 + id) % 2 == 1 {
                continue;
            }
            let qty = 10.0 * (k as f64 + 1.0);
            let cost = (price * 0.6 * 100.0).round() / 100.0;
            let sub = (qty * cost * 100.0).round() / 100.0;
            total += sub;
            line.insert(line_id, rec(json!({"order_id": id, "name": pname, "sequence": 10, "product_id": pid, "product_qty": qty, "price_unit": cost, "discount": 0.0, "date_planned": date, "price_subtotal": sub, "price_tax": 0.0, "price_total": sub, "display_name": format!("P{id:05}: {pname}")})));
            lines.push(line_id);
            line_id += 1;
        }
        let name = format!("P{id:05}");
        let total = (total * 100.0_f64).round() / 100.0;
        order.insert(id, rec(json!({"name": name, "priority": "0", "partner_id": vendor, "date_order": date, "date_planned": date, "state": state, "amount_untaxed": total, "amount_tax": 0.0, "amount_total": total, "currency_id": 1, "company_id": 1, "user_id": 2, "display_name": name})));
    }
    // `--scale N`: N more orders from the synthetic suppliers (the scale
    // partners that are companies), two lines each on synthetic products.
    for i in 0..scale as i64 {
        let id = 1000 + i;
        let vendor = 1000 + (i / 10) * 10;
        let state = if i % 3 == 0 { "purchase" } else { "draft" };
        let mut total = 0.0;
        for k in 0..2 {
            let pid = 1000 + (i + k * 7) % (scale as i64);
            let qty = (k + 1) as f64 * 5.0;
            let cost = ((pid % 50) as f64 + 1.0) * 0.6;
            let sub = (qty * cost * 100.0).round() / 100.0;
            total += sub;
            let pname = format!("Scale Product {}", pid - 1000);
            line.insert(line_id, rec(json!({"order_id": id, "name": pname, "sequence": 10, "product_id": pid, "product_qty": qty, "price_unit": cost, "discount": 0.0, "date_planned": "2026-11-10 09:00:00", "price_subtotal": sub, "price_tax": 0.0, "price_total": sub, "display_name": format!("P{id:05}: {pname}")})));
            line_id += 1;
        }
        let name = format!("P{id:05}");
        let total = (total * 100.0_f64).round() / 100.0;
        order.insert(id, rec(json!({"name": name, "priority": "0", "partner_id": vendor, "date_order": "2026-11-01 12:00:00", "date_planned": "2026-11-10 09:00:00", "state": state, "amount_untaxed": total, "amount_tax": 0.0, "amount_total": total, "currency_id": 1, "company_id": 1, "user_id": 2, "display_name": name})));
    }
    (order, line)
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
