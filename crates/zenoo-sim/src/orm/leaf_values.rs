//! How a domain leaf compares values, as Odoo's SQL does: NULL rules,
//! negative operators as the complement of their positive, text and dates.

use serde_json::Value;

use super::model::FieldType;
use super::pyrepr::falsy;
use super::text::like_match;

pub(super) fn negative_to_positive(op: &str) -> Option<&'static str> {
    Some(match op {
        "!=" => "=",
        "not in" => "in",
        "not like" => "like",
        "not ilike" => "ilike",
        "not =like" => "=like",
        "not =ilike" => "=ilike",
        "not any" => "any",
        _ => return None,
    })
}

pub(super) fn is_null(ttype: FieldType, v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => ttype != FieldType::Boolean,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

pub(super) fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(true) => Some("True".into()),
        _ => None,
    }
}

/// A scalar comparison with Odoo's NULL rules for positive operators.
pub(super) fn compare(ttype: FieldType, stored: &Value, op: &str, value: &Value) -> bool {
    let null = is_null(ttype, stored);
    match op {
        "=" | "in" => {
            let values: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                v => vec![v],
            };
            values.iter().any(|v| eq(ttype, stored, null, v))
        }
        "like" | "ilike" | "=like" | "=ilike" => {
            let Some(pattern) = as_text(value) else {
                return true;
            };
            if pattern.is_empty() && !op.starts_with('=') {
                return true;
            }
            if null {
                return false;
            }
            let Some(text) = as_text(stored) else {
                return false;
            };
            let pattern = if op.starts_with('=') {
                pattern
            } else {
                format!("%{pattern}%")
            };
            like_match(&text, &pattern, op.ends_with("ilike"))
        }
        "<" | "<=" | ">" | ">=" => {
            if null || matches!(value, Value::Bool(false) | Value::Null) {
                return false;
            }
            let ord = match (stored, value) {
                (Value::Number(a), Value::Number(b)) => a.as_f64().partial_cmp(&b.as_f64()),
                (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
                (Value::String(a), Value::String(b)) => {
                    let b = widen_date(ttype, b, op);
                    Some(a.as_bytes().cmp(b.as_bytes()))
                }
                _ => None,
            };
            let Some(ord) = ord else { return false };
            match op {
                "<" => ord.is_lt(),
                "<=" => ord.is_le(),
                ">" => ord.is_gt(),
                _ => ord.is_ge(),
            }
        }
        _ => false,
    }
}

pub(super) fn widen_date(ttype: FieldType, v: &str, op: &str) -> String {
    if ttype == FieldType::Datetime && v.len() == 10 {
        let time = if matches!(op, ">" | "<=") {
            " 23:59:59"
        } else {
            " 00:00:00"
        };
        format!("{v}{time}")
    } else {
        v.to_string()
    }
}

pub(super) fn eq(ttype: FieldType, stored: &Value, null: bool, v: &Value) -> bool {
    if ttype == FieldType::Boolean {
        let want = !falsy(v);
        let have = stored.as_bool().unwrap_or(false);
        return want == have;
    }
    if is_null(ttype, v) {
        return null;
    }
    if null {
        return false;
    }
    match (stored, v) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::String(a), Value::String(b)) => a == &widen_date(ttype, b, "="),
        (Value::Number(a), Value::String(b)) => b.parse::<f64>().ok() == a.as_f64(),
        (a, b) => a == b,
    }
}
