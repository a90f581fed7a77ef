//! The view of an Odoo order that both directions share: what the poll
//! reads of an order ([`OdooView`]), what the last push left in Odoo
//! ([`Snapshot`]), and what a comparison takes from Odoo into the
//! application ([`OdooChange`]).

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use zenoo_rpc::{Client, Load, SearchOptions};

use crate::error::Result;
use crate::mapping::MappingRules;

use crate::conflict::{Decided, Take};
use crate::order::AppLine;

/// What the last push left in Odoo: the order's lines as sent, with the
/// Odoo line ids, so that the next push sends only the difference.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Snapshot {
    pub(crate) supplier_ref: String,
    pub(crate) currency: String,
    pub(crate) lines: Vec<(i64, AppLine)>,
    /// The supplier's partner id in Odoo.
    #[serde(default)]
    pub(crate) partner_id: i64,
    /// Odoo's state of the order (`draft`, `purchase`, `cancel`, ...).
    #[serde(default)]
    pub(crate) state: Option<String>,
}

/// Odoo's version of one order.
#[derive(Debug, Clone)]
pub(crate) struct OdooView {
    pub(crate) partner_id: i64,
    pub(crate) state: Option<String>,
    pub(crate) write_date: Option<String>,
    pub(crate) lines: Vec<(i64, AppLine)>,
}

impl OdooView {
    /// A digest of what the sync reads of the order (not its
    /// `write_date`: an edit that changes nothing it reads is nothing).
    pub(crate) fn hash(&self) -> String {
        use sha2::Digest;
        let text = json!([self.partner_id, self.state, self.lines]).to_string();
        let digest = sha2::Sha256::digest(text.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// What a comparison takes from Odoo into the application.
pub(crate) struct OdooChange<'a> {
    /// The supplier, when Odoo's is taken.
    pub supplier_ref: Option<&'a str>,
    /// The lines, when they change in the application.
    pub lines: Option<&'a [AppLine]>,
    /// Odoo's state.
    pub state: Option<&'a str>,
    /// What Odoo holds now: the base of the next push and comparison.
    pub snapshot: &'a Snapshot,
    /// Odoo's `write_date`.
    pub write_date: Option<&'a str>,
    /// The application's version (or a merge) must go to Odoo again.
    pub push_again: bool,
    /// Conflicts decided on the way, for the record.
    pub decided: &'a [Decided],
    /// The comparison resolves the order's open conflicts for this side.
    pub settles: Option<Take>,
}

/// FNV-1a, 64 bits: a stable hash of a snapshot's text.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Reads Odoo's orders as the sync sees them (the poll's and the push's
/// one reader), with the application references of products, units and
/// suppliers it has read, each once.
#[derive(Debug)]
pub(crate) struct OdooReader {
    pub(crate) client: Client,
    rules: MappingRules,
    /// Application references of Odoo records read so far, by (model, id).
    references: Mutex<HashMap<(&'static str, i64), String>>,
}

impl OdooReader {
    /// A reader through `client`, finding references by `rules`.
    pub(crate) fn new(client: Client, rules: MappingRules) -> Self {
        Self {
            client,
            rules,
            references: Mutex::new(HashMap::new()),
        }
    }

    /// The application references (`field`) of `model`'s records `ids`,
    /// each read once.
    async fn references(
        &self,
        model: &'static str,
        field: &str,
        ids: &[i64],
    ) -> Result<HashMap<i64, String>> {
        // A panic elsewhere cannot leave the map half-written (each insert
        // is whole), so a poisoned lock is read through.
        let lock = || {
            self.references
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        let missing: Vec<i64> = {
            let known = lock();
            let mut m: Vec<i64> = ids
                .iter()
                .copied()
                .filter(|id| !known.contains_key(&(model, *id)))
                .collect();
            m.sort_unstable();
            m.dedup();
            m
        };
        if !missing.is_empty() {
            let rows: Vec<Map<String, Value>> = self
                .client
                .read(model, &missing, &[field], Load::Raw)
                .await?;
            let mut known = lock();
            for r in rows {
                if let (Some(id), Some(v)) = (
                    r.get("id").and_then(Value::as_i64),
                    r.get(field).and_then(Value::as_str),
                ) {
                    known.insert((model, id), v.to_string());
                }
            }
        }
        let known = lock();
        Ok(ids
            .iter()
            .filter_map(|id| Some((*id, known.get(&(model, *id))?.clone())))
            .collect())
    }

    /// Odoo's version of the orders `ids`, in two calls (the orders, then
    /// all their lines); a deleted order is absent.
    pub(crate) async fn views(&self, ids: &[i64]) -> Result<HashMap<i64, OdooView>> {
        let uom_field = crate::mapping::line_uom_field(&self.client);
        let rows: Vec<Map<String, Value>> = self
            .client
            .read(
                "purchase.order",
                ids,
                &["partner_id", "state", "write_date"],
                Load::Raw,
            )
            .await?;
        let lines: Vec<Map<String, Value>> = self
            .client
            .search_read(
                "purchase.order.line",
                json!([["order_id", "in", ids]]),
                &[
                    "order_id",
                    "product_id",
                    "product_qty",
                    "price_unit",
                    "date_planned",
                    uom_field,
                ],
                SearchOptions::new().order("id"),
            )
            .await?;
        let many2one = |r: &Map<String, Value>, f: &str| {
            r.get(f).and_then(|p| p.get(0)).and_then(Value::as_i64)
        };
        let products: Vec<i64> = lines
            .iter()
            .filter_map(|l| many2one(l, "product_id"))
            .collect();
        let codes = self
            .references("product.product", &self.rules.product_by, &products)
            .await?;
        let uoms: Vec<i64> = lines
            .iter()
            .filter_map(|l| many2one(l, uom_field))
            .collect();
        let uom_names = self
            .references("uom.uom", &self.rules.uom_by, &uoms)
            .await?;
        let mut views: HashMap<i64, OdooView> = rows
            .iter()
            .filter_map(|po| {
                let id = po.get("id")?.as_i64()?;
                Some((
                    id,
                    OdooView {
                        partner_id: many2one(po, "partner_id")
                            .or_else(|| po.get("partner_id").and_then(Value::as_i64))
                            .unwrap_or(0),
                        state: po.get("state").and_then(Value::as_str).map(str::to_string),
                        write_date: po
                            .get("write_date")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                        lines: Vec::new(),
                    },
                ))
            })
            .collect();
        for l in &lines {
            let (Some(id), Some(order)) =
                (l.get("id").and_then(Value::as_i64), many2one(l, "order_id"))
            else {
                continue;
            };
            let Some(view) = views.get_mut(&order) else {
                continue;
            };
            view.lines.push((
                id,
                AppLine {
                    product_code: many2one(l, "product_id")
                        .and_then(|p| codes.get(&p).cloned())
                        .unwrap_or_default(),
                    quantity: l.get("product_qty").and_then(Value::as_f64).unwrap_or(0.0),
                    price_unit: l.get("price_unit").and_then(Value::as_f64).unwrap_or(0.0),
                    date_planned: l
                        .get("date_planned")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    uom: many2one(l, uom_field).and_then(|u| uom_names.get(&u).cloned()),
                },
            ));
        }
        Ok(views)
    }

    /// The partner's supplier reference: the first of the rules' fields
    /// it has.
    pub(crate) async fn supplier_ref(&self, partner: i64) -> Result<String> {
        let fields: Vec<&str> = self.rules.supplier_by.iter().map(String::as_str).collect();
        let rows: Vec<Map<String, Value>> = self
            .client
            .read("res.partner", &[partner], &fields, Load::Raw)
            .await?;
        let r = rows.first();
        Ok(fields
            .iter()
            .find_map(|f| {
                r.and_then(|r| r.get(*f))
                    .and_then(Value::as_str)
                    .filter(|v| !v.is_empty())
            })
            .unwrap_or_default()
            .to_string())
    }
}
