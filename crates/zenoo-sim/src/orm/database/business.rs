//! The business rules of a few models that clients observe: partner names
//! and addresses, order names, line prices and order amounts.

use serde_json::{Map, Value};

use crate::error::{OdooException, OdooResult};
use crate::orm::database::{Database, Env};

const ADDRESS_FIELDS: &[&str] = &["street", "street2", "city", "zip", "state_id", "country_id"];

/// The fields whose write makes the business rules here recompute others
/// (a superset: names, parents, addresses, quantities and prices).
pub(crate) const RECOMPUTE_TRIGGERS: &[&str] = &[
    "name",
    "parent_id",
    "is_company",
    "type",
    "street",
    "street2",
    "city",
    "zip",
    "state_id",
    "country_id",
    "order_id",
    "product_id",
    "product_uom_qty",
    "product_qty",
    "price_unit",
    "discount",
    "tax_id",
    "taxes_id",
    "display_type",
];

/// Every stored field the business rules here recompute after a write (of
/// the record or of others: a partner's contacts, an order's lines), so a
/// cached order by one of them is dropped when a trigger is written.
pub(crate) const DERIVED_FIELDS: &[&str] = &[
    "complete_name",
    "display_name",
    "commercial_partner_id",
    "street",
    "street2",
    "city",
    "zip",
    "state_id",
    "country_id",
    "price_subtotal",
    "price_tax",
    "price_total",
    "amount_untaxed",
    "amount_tax",
    "amount_total",
    "name",
];

impl Database {
    /// Model-specific defaults and checks before a record is inserted.
    pub(crate) fn before_create(
        &mut self,
        model: &str,
        rec: &mut Map<String, Value>,
        vals: &Map<String, Value>,
        _env: &Env,
    ) -> OdooResult<()> {
        match model {
            "res.partner" => {
                let name_missing =
                    !matches!(rec.get("name"), Some(Value::String(s)) if !s.is_empty());
                let contact =
                    rec.get("type").and_then(Value::as_str).unwrap_or("contact") == "contact";
                if name_missing && contact {
                    return Err(OdooException::validation(
                        "The operation cannot be completed: Contacts require a name",
                    ));
                }
            }
            "sale.order" | "purchase.order" => {
                let prefix = if model == "sale.order" { "S" } else { "P" };
                if !matches!(rec.get("name"), Some(Value::String(s)) if s != "New" && !s.is_empty())
                {
                    let next = self.next_sequence(model, prefix);
                    rec.insert("name".into(), Value::from(format!("{prefix}{next:05}")));
                }
            }
            "sale.order.line" | "purchase.order.line" => {
                if let Some(pid) = rec.get("product_id").and_then(Value::as_i64) {
                    let price_field = if model == "sale.order.line" {
                        "lst_price"
                    } else {
                        "standard_price"
                    };
                    if !vals.contains_key("price_unit") {
                        let mut price = self.value("product.product", pid, price_field);
                        if price.as_f64().unwrap_or(0.0) == 0.0 && price_field == "lst_price" {
                            price = self.value("product.product", pid, "list_price");
                        }
                        rec.insert(
                            "price_unit".into(),
                            Value::from(price.as_f64().unwrap_or(0.0)),
                        );
                    }
                    if !matches!(rec.get("name"), Some(Value::String(_))) {
                        let mut name = self.display_name("product.product", pid);
                        let desc_field = if model == "sale.order.line" {
                            "description_sale"
                        } else {
                            "description_purchase"
                        };
                        if let Value::String(d) = self.value("product.product", pid, desc_field)
                            && !d.is_empty()
                        {
                            name = format!("{name}\n{d}");
                        }
                        rec.insert("name".into(), Value::from(name));
                    }
                    // `product_uom` until Odoo 18, `product_uom_id` since 19.
                    for uom_field in ["product_uom", "product_uom_id"] {
                        if self.def(model)?.field(uom_field).is_some()
                            && !rec.get(uom_field).is_some_and(Value::is_i64)
                        {
                            let uom = self.value("product.product", pid, "uom_id");
                            rec.insert(uom_field.into(), uom);
                        }
                    }
                }
                for qty in ["product_uom_qty", "product_qty"] {
                    if let Some(Value::Number(n)) = rec.get(qty).cloned() {
                        rec.insert(qty.into(), Value::from(n.as_f64().unwrap_or(0.0)));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn next_sequence(&self, model: &str, prefix: &str) -> i64 {
        self.tables
            .get(model)
            .map(|t| {
                t.records
                    .values()
                    .filter_map(|r| r.get_str("name"))
                    .filter_map(|n| n.strip_prefix(prefix).and_then(|d| d.parse::<i64>().ok()))
                    .max()
                    .unwrap_or(0)
                    + 1
            })
            .unwrap_or(1)
    }

    /// Recomputes stored computed fields of a record after it changed.
    pub(crate) fn after_write(&mut self, model: &str, id: i64, _env: &Env) -> OdooResult<()> {
        match model {
            "res.partner" => self.recompute_partner(id),
            "sale.order.line" | "purchase.order.line" => {
                self.recompute_line(model, id);
                if let Some(order) = self.value(model, id, "order_id").as_i64() {
                    let parent = if model == "sale.order.line" {
                        "sale.order"
                    } else {
                        "purchase.order"
                    };
                    self.recompute_order(parent, order);
                }
            }
            "sale.order" | "purchase.order" => self.recompute_order(model, id),
            _ if self.is_hierarchy(model) => self.recompute_hierarchy(model, id),
            _ => {
                let def = self.def(model)?;
                let rec_name = def.rec_name.clone();
                if def.field("display_name").is_some() {
                    let name = self.value(model, id, &rec_name);
                    if let Some(r) = self.record_mut(model, id) {
                        r.insert("display_name".into(), name);
                    }
                }
            }
        }
        Ok(())
    }

    /// A model whose records nest by their own `parent_id` and show their
    /// path in `complete_name` (product categories, partner tags, ...).
    fn is_hierarchy(&self, model: &str) -> bool {
        self.def(model).is_ok_and(|d| {
            d.field("complete_name").is_some()
                && d.field("parent_id")
                    .is_some_and(|f| f.relation() == Some(model))
        })
    }

    /// `complete_name` ("All / Saleable") of a record and of every record
    /// below it, and the display name that shows it.
    fn recompute_hierarchy(&mut self, model: &str, id: i64) {
        let mut todo = vec![id];
        let limit = self.tables.get(model).map_or(0, |t| t.records.len());
        let mut done = 0;
        while let Some(id) = todo.pop() {
            done += 1;
            if done > limit {
                break;
            }
            let name = self
                .value(model, id, "name")
                .as_str()
                .unwrap_or("")
                .to_string();
            let complete = match self.value(model, id, "parent_id").as_i64() {
                Some(p) => match self.value(model, p, "complete_name").as_str() {
                    Some(parent) if !parent.is_empty() => format!("{parent} / {name}"),
                    _ => name,
                },
                None => name,
            };
            if let Some(r) = self.record_mut(model, id) {
                r.insert("complete_name".into(), Value::from(complete.clone()));
                r.insert("display_name".into(), Value::from(complete));
            }
            if let Some(t) = self.tables.get(model) {
                todo.extend(
                    t.records
                        .iter()
                        .filter(|(_, r)| r.get_i64("parent_id") == Some(id))
                        .map(|(i, _)| *i),
                );
            }
        }
    }

    fn recompute_partner(&mut self, id: i64) {
        let name = self
            .value("res.partner", id, "name")
            .as_str()
            .unwrap_or("")
            .to_string();
        let parent = self.value("res.partner", id, "parent_id").as_i64();
        let is_company = self
            .value("res.partner", id, "is_company")
            .as_bool()
            .unwrap_or(false);
        let kind = self
            .value("res.partner", id, "type")
            .as_str()
            .unwrap_or("contact")
            .to_string();
        let mut updates: Vec<(&str, Value)> = Vec::new();
        let complete = match parent {
            Some(p) if !is_company => {
                let pname = self
                    .value("res.partner", p, "name")
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                if kind == "contact" {
                    for f in ADDRESS_FIELDS {
                        updates.push((f, self.value("res.partner", p, f)));
                    }
                }
                if name.is_empty() {
                    pname
                } else {
                    format!("{pname}, {name}")
                }
            }
            _ => name.clone(),
        };
        let commercial = match parent {
            Some(p) if !is_company => self
                .value("res.partner", p, "commercial_partner_id")
                .as_i64()
                .unwrap_or(p),
            _ => id,
        };
        updates.push(("complete_name", Value::from(complete.clone())));
        updates.push(("display_name", Value::from(complete)));
        updates.push(("commercial_partner_id", Value::from(commercial)));
        if let Some(r) = self.record_mut("res.partner", id) {
            for (k, v) in updates {
                r.insert(k.into(), v);
            }
        }
        let children: Vec<i64> = self
            .tables
            .get("res.partner")
            .and_then(|t| {
                let parent = t.position("parent_id")?;
                Some(
                    t.records
                        .iter()
                        .filter(|(_, r)| r.at(parent).and_then(|v| v.as_i64()) == Some(id))
                        .map(|(i, _)| *i)
                        .collect(),
                )
            })
            .unwrap_or_default();
        for c in children {
            if c != id {
                self.recompute_partner(c);
            }
        }
    }

    fn tax_rate(&self, line_model: &str, id: i64) -> f64 {
        let field = if line_model == "sale.order.line" {
            "tax_id"
        } else {
            "taxes_id"
        };
        let taxes = self.value(line_model, id, field);
        taxes
            .as_array()
            .map(|ids| {
                ids.iter()
                    .filter_map(Value::as_i64)
                    .map(|t| {
                        if self.value("account.tax", t, "amount_type").as_str() == Some("percent") {
                            self.value("account.tax", t, "amount")
                                .as_f64()
                                .unwrap_or(0.0)
                                / 100.0
                        } else {
                            0.0
                        }
                    })
                    .sum()
            })
            .unwrap_or(0.0)
    }

    fn recompute_line(&mut self, model: &str, id: i64) {
        let qty_field = if model == "sale.order.line" {
            "product_uom_qty"
        } else {
            "product_qty"
        };
        let qty = self.value(model, id, qty_field).as_f64().unwrap_or(0.0);
        let price = self.value(model, id, "price_unit").as_f64().unwrap_or(0.0);
        let discount = self.value(model, id, "discount").as_f64().unwrap_or(0.0);
        let subtotal = round2(qty * price * (1.0 - discount / 100.0));
        let tax = round2(subtotal * self.tax_rate(model, id));
        if let Some(r) = self.record_mut(model, id) {
            r.insert("price_subtotal".into(), Value::from(subtotal));
            r.insert("price_tax".into(), Value::from(tax));
            r.insert("price_total".into(), Value::from(round2(subtotal + tax)));
        }
    }

    fn recompute_order(&mut self, model: &str, id: i64) {
        let lines = self.value(model, id, "order_line");
        let line_model = if model == "sale.order" {
            "sale.order.line"
        } else {
            "purchase.order.line"
        };
        let (mut untaxed, mut tax) = (0.0, 0.0);
        for l in lines
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_i64)
        {
            untaxed += self
                .value(line_model, l, "price_subtotal")
                .as_f64()
                .unwrap_or(0.0);
            tax += self
                .value(line_model, l, "price_tax")
                .as_f64()
                .unwrap_or(0.0);
        }
        let name = self.value(model, id, "name");
        if let Some(r) = self.record_mut(model, id) {
            r.insert("amount_untaxed".into(), Value::from(round2(untaxed)));
            r.insert("amount_tax".into(), Value::from(round2(tax)));
            r.insert("amount_total".into(), Value::from(round2(untaxed + tax)));
            r.insert("display_name".into(), name);
        }
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}
