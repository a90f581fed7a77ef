//! A domain's syntax: Odoo's prefix notation parsed into a tree of
//! filters, with its operators, nesting limit and errors.

use std::collections::HashSet;

use serde_json::Value;

use super::model::FieldType;
use super::pyrepr::repr;
use crate::error::{OdooException, OdooResult};

pub(super) const OPERATORS: &[&str] = &[
    "=",
    "!=",
    "<=",
    "<",
    ">",
    ">=",
    "=?",
    "=like",
    "=ilike",
    "like",
    "not like",
    "ilike",
    "not ilike",
    "in",
    "not in",
    "child_of",
    "parent_of",
    "any",
    "not any",
    "not =like",
    "not =ilike",
];

/// A compiled condition on the records of one model.
#[derive(Debug, Clone)]
pub enum Filter {
    /// Matches everything.
    True,
    /// Matches nothing.
    False,
    /// All must match.
    And(Vec<Filter>),
    /// One must match.
    Or(Vec<Filter>),
    /// Negation.
    Not(Box<Filter>),
    /// The record's id is in the set.
    IdIn(HashSet<i64>),
    /// A relational field points to at least one id of the set.
    RelIn(String, HashSet<i64>, Slot),
    /// A relational field is empty.
    RelEmpty(String, Slot),
    /// A scalar comparison.
    Cmp {
        /// Field name.
        field: String,
        /// Field type.
        ttype: FieldType,
        /// Positive operator.
        op: String,
        /// Operand.
        value: Value,
        /// Where the field sits in the records (filled in when compiled).
        slot: Slot,
    },
}

/// A field's position in its model's records, resolved once per search.
pub type Slot = Option<usize>;

pub(super) enum Node {
    Op(char),
    Leaf(Vec<Value>),
}

/// `a AND b` (`and`) or `a OR b`, merged into an existing node of the
/// same operator.
pub(super) fn merge(a: Filter, b: Filter, and: bool) -> Filter {
    let split = |f: Filter| match f {
        Filter::And(xs) if and => xs,
        Filter::Or(xs) if !and => xs,
        f => vec![f],
    };
    let mut items = split(a);
    items.extend(split(b));
    if and {
        Filter::And(items)
    } else {
        Filter::Or(items)
    }
}

/// How deeply `&` and `|` may nest in a domain before Odoo's Python
/// recursion limit ends the search (measured on real servers with chains of
/// alternating operators: 18 takes 481 levels, 19 takes 241; `!` does not
/// count, Odoo pushes it down to the leaves). The simulator's evaluation
/// recurses once per level, so this also bounds its stack.
pub(super) fn max_depth(version: crate::version::OdooVersion) -> usize {
    if version >= crate::version::OdooVersion::V19 {
        241
    } else {
        481
    }
}

/// Python's own answer when a structure nests past its recursion limit,
/// as Odoo gives it for such a domain.
pub(super) fn too_deep() -> OdooException {
    OdooException::new(
        "builtins.RecursionError",
        "maximum recursion depth exceeded",
    )
}

pub(super) fn syntax_error(domain: &Value) -> OdooException {
    OdooException::value_error(format!(
        "Domain {} is syntactically not correct.",
        repr(domain)
    ))
}

pub(super) fn parse(domain: &Value) -> OdooResult<Vec<Node>> {
    let items = match domain {
        Value::Array(items) => items,
        Value::Bool(false) | Value::Null => return Ok(Vec::new()),
        other => {
            return Err(OdooException::type_error(format!(
                "Domain() invalid argument type for domain: {}",
                repr(other)
            )));
        }
    };
    let mut nodes = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::String(s) if s == "&" || s == "|" || s == "!" => {
                nodes.push(Node::Op(s.chars().next().unwrap_or('&')))
            }
            Value::Array(leaf) => {
                if leaf.len() < 3 {
                    return Err(OdooException::value_error(format!(
                        "not enough values to unpack (expected 3, got {})",
                        leaf.len()
                    )));
                }
                if leaf.len() > 3 {
                    return Err(OdooException::value_error(
                        "too many values to unpack (expected 3)",
                    ));
                }
                nodes.push(Node::Leaf(leaf.clone()));
            }
            _ => return Err(syntax_error(domain)),
        }
    }
    Ok(nodes)
}
