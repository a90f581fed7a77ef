//! What a pass reads: the records changed since a cursor, minus an
//! overlap window, page by page.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Map, Value, json};
use zenoo_rpc::SearchOptions;

use super::Poller;
use crate::error::Result;
use crate::store::cursors::EPOCH;

/// Odoo's `write_date` format.
pub(crate) const STAMP: &str = "%Y-%m-%d %H:%M:%S";

impl Poller {
    /// The ids (`field`: the record's own, or its order's) of `model`'s
    /// records written since `cursor` minus the overlap, into `ids`; the
    /// newest (write_date, id) seen. The overlap (at least a second) also
    /// re-reads the cursor's own second, whose rows tie in whole seconds.
    pub(crate) async fn changed(
        &self,
        model: &str,
        cursor: &(String, i64),
        extra: Value,
        field: &str,
        ids: &mut BTreeSet<i64>,
    ) -> Result<(String, i64)> {
        let since = back(&cursor.0, self.overlap);
        let mut max = cursor.clone();
        // Paged by id under a fixed `write_date >= since`: Odoo keeps
        // microseconds but answers whole seconds, so `write_date = <a value
        // it answered>` matches nothing and cannot page a keyset; ids can.
        let mut last_id = 0i64;
        loop {
            let mut domain = vec![
                json!(["write_date", ">=", since]),
                json!(["id", ">", last_id]),
            ];
            domain.extend(extra.as_array().cloned().unwrap_or_default());
            let fields: Vec<&str> = if field == "id" {
                vec!["write_date"]
            } else {
                vec!["write_date", field]
            };
            let rows: Vec<Map<String, Value>> = self
                .comparer
                .reader
                .client
                .search_read(
                    model,
                    Value::Array(domain),
                    &fields,
                    SearchOptions::new().order("id asc").limit(self.page),
                )
                .await?;
            let n = rows.len();
            for r in &rows {
                let id = r.get("id").and_then(Value::as_i64).unwrap_or(0);
                let wd = r
                    .get("write_date")
                    .and_then(Value::as_str)
                    .unwrap_or(EPOCH)
                    .to_string();
                let target = if field == "id" {
                    Some(id)
                } else {
                    r.get(field).and_then(|v| v.get(0)).and_then(Value::as_i64)
                };
                if let Some(t) = target {
                    ids.insert(t);
                }
                if (wd.as_str(), id) > (max.0.as_str(), max.1) {
                    max = (wd, id);
                }
                last_id = last_id.max(id);
            }
            if u64::try_from(n).unwrap_or(0) < self.page {
                return Ok(max);
            }
        }
    }
}

/// `stamp` minus `d`, in Odoo's format (the epoch for what does not parse).
fn back(stamp: &str, d: Duration) -> String {
    chrono::NaiveDateTime::parse_from_str(stamp, STAMP)
        .ok()
        .and_then(|t| t.checked_sub_signed(chrono::TimeDelta::from_std(d).ok()?))
        .map_or_else(|| EPOCH.to_string(), |t| t.format(STAMP).to_string())
}
