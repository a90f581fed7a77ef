//! Binding a call's positional and keyword arguments to a method's
//! parameters, as Python does, with its `TypeError` messages.

use serde_json::{Map, Value};

use super::method_table::Signature;
use crate::error::{OdooException, OdooResult};

/// How many2one values are returned (`load` argument of `read`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Load {
    /// `_classic_read`: `[id, display_name]`.
    Classic,
    /// `None`: bare id.
    Raw,
}

/// Arguments bound to parameter names, plus the record ids.
#[derive(Debug, Default)]
pub struct Bound {
    /// Record ids (record methods only).
    pub ids: Vec<i64>,
    /// Named arguments.
    pub named: Map<String, Value>,
}

impl Bound {
    /// A named argument that is not `None`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.named.get(name).filter(|v| !v.is_null())
    }

    /// A list of names (`["a", "b"]`, or one name as a string).
    pub fn strings(&self, name: &str) -> Option<Vec<String>> {
        match self.get(name)? {
            Value::Array(items) => Some(
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect(),
            ),
            Value::String(s) => Some(vec![s.clone()]),
            _ => None,
        }
    }

    /// A `limit` or `offset` argument as Odoo hands it to PostgreSQL:
    /// Python's `if limit:` makes 0, `False` and `None` no clause at all; a
    /// negative number or a text that is not one is PostgreSQL's error for
    /// the clause; a number past any row count is past every row.
    ///
    /// # Errors
    /// PostgreSQL's error, as psycopg2 raises it.
    pub fn window(&self, name: &str) -> OdooResult<Option<usize>> {
        let clause = if name == "offset" { "OFFSET" } else { "LIMIT" };
        let negative = || {
            let kind = if clause == "OFFSET" {
                "psycopg2.errors.InvalidRowCountInResultOffsetClause"
            } else {
                "psycopg2.errors.InvalidRowCountInLimitClause"
            };
            OdooException::new(kind, format!("{clause} must not be negative"))
        };
        let n = match self.get(name) {
            None | Some(Value::Bool(false)) => return Ok(None),
            Some(Value::Number(n)) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => i,
                (None, Some(_), _) => return Ok(Some(usize::MAX)),
                // PostgreSQL rounds a numeric to the nearest bigint.
                (None, None, Some(f)) if f.is_finite() => {
                    if f < -0.5 {
                        return Err(negative());
                    }
                    let r = f.round();
                    if r >= 9.0e18 {
                        return Ok(Some(usize::MAX));
                    }
                    r as i64
                }
                _ => return Ok(None),
            },
            Some(Value::String(s)) if s.is_empty() => return Ok(None),
            Some(Value::String(s)) => match s.trim().parse::<i64>() {
                Ok(i) => i,
                Err(_) => {
                    return Err(OdooException::new(
                        "psycopg2.errors.InvalidTextRepresentation",
                        format!("invalid input syntax for type bigint: \"{s}\""),
                    ));
                }
            },
            Some(other) => {
                let ty = if other.is_array() {
                    "integer[]"
                } else {
                    "jsonb"
                };
                return Err(OdooException::new(
                    "psycopg2.errors.DatatypeMismatch",
                    format!("argument of {clause} must be type bigint, not type {ty}"),
                ));
            }
        };
        match n {
            0 => Ok(None),
            n if n < 0 => Err(negative()),
            n => Ok(Some(usize::try_from(n).unwrap_or(usize::MAX))),
        }
    }

    /// A text argument, or `default`.
    pub fn text<'a>(&'a self, name: &str, default: &'a str) -> &'a str {
        self.get(name).and_then(Value::as_str).unwrap_or(default)
    }

    /// `read`'s `load`: `"_classic_read"` (the default) or raw ids.
    pub fn load(&self) -> Load {
        match self.named.get("load") {
            Some(Value::Null) => Load::Raw,
            Some(Value::String(s)) if s != "_classic_read" => Load::Raw,
            _ => Load::Classic,
        }
    }
}

/// Binds positional and keyword arguments like Python does, with its
/// `TypeError` messages; a `context` keyword is the call's environment and
/// is left out.
pub fn bind(sig: Signature, args: &[Value], kwargs: &Map<String, Value>) -> OdooResult<Bound> {
    let fname = format!("{}.{}()", sig.class, sig.name);
    let mut bound = Bound::default();
    let mut positional = args;
    if !sig.model_level {
        match args.first() {
            Some(ids) => {
                bound.ids = ids_of(ids);
                positional = &args[1..];
            }
            None => {
                return Err(OdooException::type_error(format!(
                    "{fname} missing 1 required positional argument: 'self'"
                )));
            }
        }
    }
    let max = sig.params.len();
    if positional.len() > max {
        let min = sig.params.iter().filter(|p| p.required).count();
        let given = positional.len() + 1;
        let msg = if min == max {
            format!(
                "{fname} takes {} positional argument{} but {given} were given",
                max + 1,
                if max == 0 { "" } else { "s" }
            )
        } else {
            format!(
                "{fname} takes from {} to {} positional arguments but {given} were given",
                min + 1,
                max + 1
            )
        };
        return Err(OdooException::type_error(msg));
    }
    for (p, v) in sig.params.iter().zip(positional) {
        bound.named.insert(p.name.to_string(), v.clone());
    }
    // The context is the call's environment, not an argument.
    for (k, v) in kwargs.iter().filter(|(k, _)| *k != "context") {
        if sig.params.iter().any(|p| p.name == k) {
            if bound.named.contains_key(k) {
                return Err(OdooException::type_error(format!(
                    "{fname} got multiple values for argument '{k}'"
                )));
            }
        } else if !sig.var_kwargs {
            return Err(OdooException::type_error(format!(
                "{fname} got an unexpected keyword argument '{k}'"
            )));
        }
        bound.named.insert(k.clone(), v.clone());
    }
    let missing: Vec<&str> = sig
        .params
        .iter()
        .filter(|p| p.required && !bound.named.contains_key(p.name))
        .map(|p| p.name)
        .collect();
    if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(|m| format!("'{m}'")).collect();
        let list = match names.len() {
            1 => names[0].clone(),
            _ => format!(
                "{} and {}",
                names[..names.len() - 1].join(", "),
                names[names.len() - 1]
            ),
        };
        return Err(OdooException::type_error(format!(
            "{fname} missing {} required positional argument{}: {list}",
            missing.len(),
            if missing.len() == 1 { "" } else { "s" }
        )));
    }
    Ok(bound)
}

/// Ids from an `ids` argument (an id, a list of ids, or false).
pub fn ids_of(v: &Value) -> Vec<i64> {
    match v {
        Value::Number(n) => n.as_i64().into_iter().collect(),
        Value::Array(items) => items.iter().filter_map(Value::as_i64).collect(),
        _ => Vec::new(),
    }
}
