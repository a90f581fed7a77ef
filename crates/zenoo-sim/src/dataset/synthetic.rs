//! `--scale N`: synthetic records for benchmarks, added to the demo: N
//! partners (every tenth a company), N products, N sales orders and N
//! purchase orders from the synthetic suppliers with two lines each.

use serde_json::{Map, Value, json};

use crate::orm::Database;

fn rec(pairs: Value) -> Map<String, Value> {
    match pairs {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Adds `scale` synthetic partners, products and orders to `db` (ids from
/// 1000; purchase lines after the demo's).
pub(super) fn add(db: &mut Database, scale: usize) {
    let Ok(scale) = i64::try_from(scale) else {
        return;
    };
    if scale == 0 {
        return;
    }
    let mut insert = |model: &str, id: i64, values: Value| {
        if let Some(t) = db.tables.get_mut(model) {
            t.insert(id, rec(values));
        }
    };
    for i in 0..scale {
        let id = 1000 + i;
        let name = format!("Scale Partner {i:07}");
        insert(
            "res.partner",
            id,
            json!({"name": name, "complete_name": name, "display_name": name, "active": true, "type": "contact", "is_company": i % 10 == 0, "email": format!("scale{i}@example.com"), "country_id": (i % 4) + 1, "commercial_partner_id": id, "credit_limit": (i % 100) as f64 * 10.0}),
        );
        let code = format!("SC-{i:07}");
        insert(
            "product.product",
            id,
            json!({"name": format!("Scale Product {i}"), "default_code": code, "list_price": (i % 50) as f64 + 1.0, "lst_price": (i % 50) as f64 + 1.0, "uom_id": 1, "active": true, "type": "consu", "display_name": format!("[{code}] Scale Product {i}")}),
        );
        let oname = format!("S{id:05}");
        insert(
            "sale.order",
            id,
            json!({"name": oname, "partner_id": id, "date_order": "2026-11-01 12:00:00", "state": if i % 3 == 0 { "sale" } else { "draft" }, "amount_untaxed": 100.0, "amount_tax": 0.0, "amount_total": 100.0, "currency_id": 1, "company_id": 1, "user_id": 2, "display_name": oname}),
        );
    }
    purchases(db, scale);
}

/// N purchase orders from the synthetic suppliers (the scale partners
/// that are companies), two lines each on synthetic products.
fn purchases(db: &mut Database, scale: i64) {
    let mut line_id = db
        .tables
        .get("purchase.order.line")
        .map_or(1, |t| t.next_id);
    let mut lines = Vec::new();
    let mut orders = Vec::new();
    for i in 0..scale {
        let id = 1000 + i;
        let vendor = 1000 + (i / 10) * 10;
        let state = if i % 3 == 0 { "purchase" } else { "draft" };
        let mut total = 0.0;
        for k in 0..2 {
            let pid = 1000 + (i + k * 7) % scale;
            let qty = (k + 1) as f64 * 5.0;
            let cost = ((pid % 50) as f64 + 1.0) * 0.6;
            let sub = (qty * cost * 100.0).round() / 100.0;
            total += sub;
            let pname = format!("Scale Product {}", pid - 1000);
            lines.push((line_id, json!({"order_id": id, "name": pname, "sequence": 10, "product_id": pid, "product_qty": qty, "price_unit": cost, "discount": 0.0, "date_planned": "2026-11-10 09:00:00", "price_subtotal": sub, "price_tax": 0.0, "price_total": sub, "display_name": format!("P{id:05}: {pname}")})));
            line_id += 1;
        }
        let name = format!("P{id:05}");
        let total = (total * 100.0_f64).round() / 100.0;
        orders.push((id, json!({"name": name, "priority": "0", "partner_id": vendor, "date_order": "2026-11-01 12:00:00", "date_planned": "2026-11-10 09:00:00", "state": state, "amount_untaxed": total, "amount_tax": 0.0, "amount_total": total, "currency_id": 1, "company_id": 1, "user_id": 2, "display_name": name})));
    }
    for (model, records) in [("purchase.order.line", lines), ("purchase.order", orders)] {
        if let Some(t) = db.tables.get_mut(model) {
            for (id, values) in records {
                t.insert(id, rec(values));
            }
        }
    }
}
