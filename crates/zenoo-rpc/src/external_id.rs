//! External ids and idempotent creates: an [`IdempotencyKey`] names the
//! record a create makes (an external id, a unique field, or both), so a
//! create retried after its answer was lost finds the record instead of
//! making a second one.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::client::{Client, SearchOptions};
use crate::error::{Error, Result};

/// How a create finds the record an earlier, lost attempt made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum IdempotencyKey {
    /// A field whose value only this record has (`ref`, `client_order_ref`,
    /// a UUID field): sent with the create itself, so a record made by a
    /// lost attempt always carries it. The safe choice.
    Field {
        /// The field, e.g. `ref`.
        field: String,
        /// Its value.
        value: String,
    },
    /// An external id (`module.name`, in `ir.model.data`), written by a
    /// second call after the create: a create whose answer was lost before
    /// that second call leaves a record the key does not find. Combine it
    /// with a field ([`IdempotencyKey::with_external_id`]) for exactly-once.
    ExternalId {
        /// The module part, e.g. `zenoo_sync`.
        module: String,
        /// The name part, e.g. `po_2f0c…`.
        name: String,
    },
    /// A field key, plus an external id made (or repaired) once the record
    /// is known.
    Both {
        /// The field.
        field: String,
        /// Its value.
        value: String,
        /// The external id's module.
        module: String,
        /// The external id's name.
        name: String,
    },
}

impl IdempotencyKey {
    /// A key in `field`.
    pub fn field(field: impl Into<String>, value: impl Into<String>) -> Self {
        Self::Field {
            field: field.into(),
            value: value.into(),
        }
    }

    /// An external id, `module.name`.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when `xml_id` has no `.`.
    pub fn external_id(xml_id: &str) -> Result<Self> {
        let (module, name) = split_xml_id(xml_id)?;
        Ok(Self::ExternalId { module, name })
    }

    /// This field key plus the external id `xml_id`.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when `xml_id` has no
    /// `.`, or when this key is not a field key.
    pub fn with_external_id(self, xml_id: &str) -> Result<Self> {
        let (module, name) = split_xml_id(xml_id)?;
        match self {
            Self::Field { field, value } => Ok(Self::Both {
                field,
                value,
                module,
                name,
            }),
            _ => Err(Error::config(
                "idempotency key",
                "with_external_id adds an external id to a field key",
            )),
        }
    }

    fn field_part(&self) -> Option<(&str, &str)> {
        match self {
            Self::Field { field, value } | Self::Both { field, value, .. } => {
                Some((field.as_str(), value.as_str()))
            }
            Self::ExternalId { .. } => None,
        }
    }

    fn xml_part(&self) -> Option<(&str, &str)> {
        match self {
            Self::ExternalId { module, name } | Self::Both { module, name, .. } => {
                Some((module.as_str(), name.as_str()))
            }
            Self::Field { .. } => None,
        }
    }
}

pub(crate) fn split_xml_id(xml_id: &str) -> Result<(String, String)> {
    match xml_id.split_once('.') {
        Some((m, n)) if !m.is_empty() && !n.is_empty() => Ok((m.to_string(), n.to_string())),
        _ => Err(Error::config(
            "idempotency key",
            format!("{xml_id:?} is not an external id (module.name)"),
        )),
    }
}

/// The record `key` names, if it exists.
pub(crate) async fn find_keyed(
    client: &Client,
    model: &str,
    key: &IdempotencyKey,
) -> Result<Option<i64>> {
    if let Some((field, value)) = key.field_part() {
        let domain = json!([[field, "=", value]]);
        let ids = client
            .search(
                model,
                &domain,
                SearchOptions::new()
                    .limit(2)
                    .context(crate::context::Context::new().active_test(false)),
            )
            .await?;
        return match ids.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            _ => Err(Error::multiple_records(model, domain.to_string())),
        };
    }
    if let Some((module, name)) = key.xml_part() {
        let rows: Vec<Map<String, Value>> = client
            .search_read(
                "ir.model.data",
                json!([
                    ["module", "=", module],
                    ["name", "=", name],
                    ["model", "=", model]
                ]),
                &["res_id"],
                SearchOptions::new().limit(1),
            )
            .await?;
        let id = rows
            .first()
            .and_then(|r| r.get("res_id"))
            .and_then(Value::as_i64);
        if let Some(id) = id {
            return Ok(client.existing(model, &[id]).await?.first().copied());
        }
    }
    Ok(None)
}

/// Makes sure the external id of `key` (if any) points at `id`.
pub(crate) async fn ensure_xml_id(
    client: &Client,
    model: &str,
    key: &IdempotencyKey,
    id: i64,
) -> Result<()> {
    let Some((module, name)) = key.xml_part() else {
        return Ok(());
    };
    let rows: Vec<Map<String, Value>> = client
        .search_read(
            "ir.model.data",
            json!([["module", "=", module], ["name", "=", name]]),
            &["res_id", "model"],
            SearchOptions::new().limit(1),
        )
        .await?;
    match rows.first() {
        Some(r) if r.get("res_id").and_then(Value::as_i64) == Some(id) => Ok(()),
        Some(r) => {
            let xid = r.get("id").and_then(Value::as_i64).unwrap_or_default();
            client
                .write(
                    "ir.model.data",
                    &[xid],
                    json!({"res_id": id, "model": model}),
                )
                .await
                .map(|_| ())
        }
        None => client
            .create(
                "ir.model.data",
                json!({"module": module, "name": name, "model": model, "res_id": id, "noupdate": true}),
            )
            .await
            .map(|_| ()),
    }
}

/// Creates with `key`; the id and whether it was adopted (made earlier).
pub(crate) async fn create_keyed(
    client: &Client,
    model: &str,
    key: &IdempotencyKey,
    mut vals: Map<String, Value>,
) -> Result<(i64, bool)> {
    if let Some(id) = find_keyed(client, model, key).await? {
        ensure_xml_id(client, model, key, id).await?;
        return Ok((id, true));
    }
    if let Some((field, value)) = key.field_part() {
        vals.insert(field.to_string(), Value::String(value.to_string()));
    }
    let id = match client.create(model, &vals).await {
        Ok(id) => id,
        Err(e) if e.outcome_unknown() || e.is_retryable() => {
            // The answer was lost: the record may exist. A field key finds
            // it; otherwise try once more only when it provably does not.
            match find_keyed(client, model, key).await? {
                Some(id) => {
                    ensure_xml_id(client, model, key, id).await?;
                    return Ok((id, true));
                }
                None if key.field_part().is_some() => client.create(model, &vals).await?,
                None => return Err(e),
            }
        }
        Err(e) => return Err(e),
    };
    ensure_xml_id(client, model, key, id).await?;
    Ok((id, false))
}

pub(crate) fn vals_of(model: &str, vals: impl Serialize) -> Result<Map<String, Value>> {
    let label = format!("{model}.create");
    match serde_json::to_value(vals).map_err(|e| Error::encode(&label, e))? {
        Value::Object(m) => Ok(m),
        other => Err(Error::encode(
            &label,
            format!("values must be a JSON object, not {other}"),
        )),
    }
}

/// [`Client::create_idempotent`]: the create unless `key`'s record exists.
pub(crate) async fn create_idempotent(
    client: &Client,
    model: &str,
    key: &IdempotencyKey,
    vals: impl Serialize,
) -> Result<i64> {
    let vals = vals_of(model, vals)?;
    Ok(create_keyed(client, model, key, vals).await?.0)
}
