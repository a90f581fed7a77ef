//! How application values become Odoo ids: suppliers by `ref` then by
//! exact name, products by `default_code`, currencies by ISO code. Each
//! answer is cached for the worker's life; a miss is a business error on
//! the order, not a crash.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{Value, json};
use zenoo_rpc::{Client, SearchOptions};

use crate::push::JobError;

/// Looks application references up in Odoo, with a cache.
#[derive(Debug)]
pub struct Mapping {
    client: Client,
    cache: Mutex<HashMap<(&'static str, String), i64>>,
}

impl Mapping {
    /// A mapping over `client`'s database.
    pub fn new(client: Client) -> Self {
        Self {
            client,
            cache: Mutex::new(HashMap::new()),
        }
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

    /// The supplier's partner id.
    ///
    /// # Errors
    /// A business error when no partner (or several) has the reference.
    pub async fn supplier(&self, reference: &str) -> Result<i64, JobError> {
        if let Some(id) = self.cached("supplier", reference) {
            return Ok(id);
        }
        let what = format!("supplier {reference:?}");
        let id = match self
            .one("res.partner", json!([["ref", "=", reference]]), &what)
            .await?
        {
            Some(id) => id,
            None => self
                .one("res.partner", json!([["name", "=", reference]]), &what)
                .await?
                .ok_or_else(|| {
                    JobError::business(format!(
                        "unknown {what}: no partner has it as reference or name"
                    ))
                })?,
        };
        self.keep("supplier", reference, id);
        Ok(id)
    }

    /// The product's id.
    ///
    /// # Errors
    /// A business error when no product has the code.
    pub async fn product(&self, code: &str) -> Result<i64, JobError> {
        if let Some(id) = self.cached("product", code) {
            return Ok(id);
        }
        let what = format!("product {code:?}");
        let id = self
            .one(
                "product.product",
                json!([["default_code", "=", code]]),
                &what,
            )
            .await?
            .ok_or_else(|| {
                JobError::business(format!(
                    "unknown {what}: no product has it as internal reference"
                ))
            })?;
        self.keep("product", code, id);
        Ok(id)
    }

    /// The currency's id.
    ///
    /// # Errors
    /// A business error for a currency Odoo does not have.
    pub async fn currency(&self, code: &str) -> Result<i64, JobError> {
        if let Some(id) = self.cached("currency", code) {
            return Ok(id);
        }
        let what = format!("currency {code:?}");
        let id = self
            .one("res.currency", json!([["name", "=", code]]), &what)
            .await?
            .ok_or_else(|| JobError::business(format!("unknown {what}")))?;
        self.keep("currency", code, id);
        Ok(id)
    }
}
