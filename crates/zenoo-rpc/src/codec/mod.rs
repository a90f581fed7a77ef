//! The XML-RPC value codec, both directions: [`xml_encode`] writes JSON
//! values into a request body, [`xml`] decodes a `<value>` straight into
//! the caller's type over the scanner of [`xml_scan`].

pub(crate) mod xml;
pub(crate) mod xml_encode;
pub(crate) mod xml_scan;

use serde_json::Value;

use crate::error::Error;

/// Adds the id of the innermost record on `path` (`[3].partner_id`) in `v`.
pub(crate) fn with_record_at(err: Error, v: &Value, path: &str) -> Error {
    let mut at = v;
    let mut id = None;
    for part in path.split(['.', '[']).filter(|p| !p.is_empty()) {
        if let Some(rid) = at.get("id").and_then(Value::as_i64) {
            id = Some(rid);
        }
        let next = match part.strip_suffix(']') {
            Some(i) => i.parse::<usize>().ok().and_then(|i| at.get(i)),
            None => at.get(part),
        };
        match next {
            Some(n) => at = n,
            None => break,
        }
    }
    if let Some(rid) = at.get("id").and_then(Value::as_i64) {
        id = Some(rid);
    }
    match id {
        Some(id) => err.with_record(id),
        None => err,
    }
}
