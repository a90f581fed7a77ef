//! How application values become Odoo ids, by rules that say which Odoo
//! field holds each reference ([`MappingRules`]; by default suppliers by
//! `ref` then by exact name, products by `default_code`, currencies by ISO
//! code, units of measure by name). Each answer is cached for the worker's
//! life; a miss is a business error on the order, not a crash. Taxes,
//! totals and the order's name are Odoo's, read back, never sent.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use zenoo_rpc::{Client, SearchOptions};

use crate::error::JobError;

/// Which Odoo field each application reference is looked up by (and read
/// back from). Declarative: it deserialises from configuration, every
/// field optional.
///
/// ```
/// let rules: zenoo_sync::MappingRules =
///     serde_json::from_str(r#"{"product_by": "barcode"}"#).unwrap();
/// assert_eq!(rules.product_by, "barcode");
/// assert_eq!(rules.supplier_by, ["ref", "name"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MappingRules {
    /// Fields of `res.partner` tried in turn for a supplier reference.
    pub supplier_by: Vec<String>,
    /// The field of `product.product` holding a product reference.
    pub product_by: String,
    /// The field of `res.currency` holding a currency code.
    pub currency_by: String,
    /// The field of `uom.uom` holding a unit of measure's name.
    pub uom_by: String,
}

impl Default for MappingRules {
    fn default() -> Self {
        Self {
            supplier_by: vec!["ref".into(), "name".into()],
            product_by: "default_code".into(),
            currency_by: "name".into(),
            uom_by: "name".into(),
        }
    }
}

/// The field of `purchase.order.line` holding its unit of measure:
/// `product_uom` until Odoo 18, `product_uom_id` since 19.
pub(crate) fn line_uom_field(client: &Client) -> &'static str {
    if client.server_version().major() >= 19 {
        "product_uom_id"
    } else {
        "product_uom"
    }
}

/// Looks application references up in Odoo, with a cache.
#[derive(Debug)]
pub struct Mapping {
    client: Client,
    rules: MappingRules,
    cache: Mutex<HashMap<(&'static str, String), i64>>,
    company_currency: tokio::sync::OnceCell<String>,
}

impl Mapping {
    /// A mapping over `client`'s database, by the default rules.
    pub fn new(client: Client) -> Self {
        Self::with_rules(client, MappingRules::default())
    }

    /// A mapping over `client`'s database, by `rules`.
    pub fn with_rules(client: Client, rules: MappingRules) -> Self {
        Self {
            client,
            rules,
            cache: Mutex::new(HashMap::new()),
            company_currency: tokio::sync::OnceCell::new(),
        }
    }

    /// The rules it maps by.
    pub fn rules(&self) -> &MappingRules {
        &self.rules
    }

    fn cached(&self, kind: &'static str, key: &str) -> Option<i64> {
        self.cache
            .lock()
            .ok()
            .and_then(|c| c.get(&(kind, key.to_string())).copied())
    }

    fn keep(&self, kind: &'static str, key: &str, id: i64) {
        if let Ok(mut c) = self.cache.lock() {
            c.insert((kind, key.to_string()), id);
        }
    }

    /// The one record of `model` matching `domain`: `None` when there is
    /// none, a business error when there are several.
    async fn one(&self, model: &str, domain: Value, what: &str) -> Result<Option<i64>, JobError> {
        let ids = self
            .client
            .search(model, &domain, SearchOptions::new().limit(2))
            .await
            .map_err(JobError::from)?;
        match ids.as_slice() {
            [] => Ok(None),
            [id] => Ok(Some(*id)),
            _ => Err(JobError::business(format!(
                "{what} matches several records in Odoo"
            ))),
        }
    }

    /// The supplier's partner id: the first of the rules' fields that
    /// matches.
    ///
    /// # Errors
    /// A business error when no partner (or several) has the reference.
    pub async fn supplier(&self, reference: &str) -> Result<i64, JobError> {
        if let Some(id) = self.cached("supplier", reference) {
            return Ok(id);
        }
        let what = format!("supplier {reference:?}");
        for field in &self.rules.supplier_by {
            if let Some(id) = self
                .one("res.partner", json!([[field, "=", reference]]), &what)
                .await?
            {
                self.keep("supplier", reference, id);
                return Ok(id);
            }
        }
        Err(JobError::business(format!(
            "unknown {what}: no partner has it as {}",
            self.rules.supplier_by.join(" or ")
        )))
    }

    /// The `model` record whose `field` is `value`, cached under `kind`:
    /// `None` when there is none.
    async fn lookup(
        &self,
        kind: &'static str,
        model: &str,
        field: &str,
        value: &str,
        what: &str,
    ) -> Result<Option<i64>, JobError> {
        if let Some(id) = self.cached(kind, value) {
            return Ok(Some(id));
        }
        let id = self.one(model, json!([[field, "=", value]]), what).await?;
        if let Some(id) = id {
            self.keep(kind, value, id);
        }
        Ok(id)
    }

    /// The product's id.
    ///
    /// # Errors
    /// A business error when no product has the code.
    pub async fn product(&self, code: &str) -> Result<i64, JobError> {
        let what = format!("product {code:?}");
        let field = &self.rules.product_by;
        self.lookup("product", "product.product", field, code, &what)
            .await?
            .ok_or_else(|| {
                JobError::business(format!("unknown {what}: no product has it as {field}"))
            })
    }

    /// The currency's id.
    ///
    /// # Errors
    /// A business error for a currency Odoo does not have.
    pub async fn currency(&self, code: &str) -> Result<i64, JobError> {
        let what = format!("currency {code:?}");
        let field = &self.rules.currency_by;
        if let Some(id) = self
            .lookup("currency", "res.currency", field, code, &what)
            .await?
        {
            return Ok(id);
        }
        // Odoo ships most currencies inactive, and searches skip them.
        let inactive = self
            .one(
                "res.currency",
                json!([[field, "=", code], ["active", "=", false]]),
                &what,
            )
            .await?;
        Err(JobError::business(match inactive {
            Some(_) => format!("{what} is not active in Odoo (activate it there first)"),
            None => format!("unknown {what}"),
        }))
    }

    /// The code of the currency of the user's company (by the rules'
    /// `currency_by` field): the currency an order without one is in. Read
    /// once, then kept.
    ///
    /// # Errors
    /// Odoo's error, or a business error when the company has no currency.
    pub async fn company_currency(&self) -> Result<String, JobError> {
        self.company_currency
            .get_or_try_init(|| async {
                let field = self.rules.currency_by.as_str();
                let company = self
                    .read_one("res.users", self.client.uid(), "company_id")
                    .await?
                    .as_i64()
                    .ok_or_else(|| JobError::business("the Odoo user has no company"))?;
                let currency = self
                    .read_one("res.company", company, "currency_id")
                    .await?
                    .as_i64()
                    .ok_or_else(|| JobError::business("the Odoo company has no currency"))?;
                self.read_one("res.currency", currency, field)
                    .await?
                    .as_str()
                    .map(str::to_string)
                    .ok_or_else(|| {
                        JobError::business(format!("the company's currency has no {field}"))
                    })
            })
            .await
            .cloned()
    }

    /// One field of one record, a many2one as its bare id (`Null` when the
    /// record is not there).
    async fn read_one(&self, model: &str, id: i64, field: &str) -> Result<Value, JobError> {
        let rows: Vec<Value> = self
            .client
            .read(model, &[id], &[field], zenoo_rpc::Load::Raw)
            .await
            .map_err(JobError::from)?;
        Ok(rows.first().map_or(Value::Null, |r| r[field].clone()))
    }

    /// The unit of measure's id.
    ///
    /// # Errors
    /// A business error for a unit Odoo does not have.
    pub async fn uom(&self, name: &str) -> Result<i64, JobError> {
        let what = format!("unit of measure {name:?}");
        self.lookup("uom", "uom.uom", &self.rules.uom_by, name, &what)
            .await?
            .ok_or_else(|| JobError::business(format!("unknown {what}")))
    }
}
