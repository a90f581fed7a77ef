//! A safe evaluator for the `domain_force` of Odoo's record rules: the
//! Python subset the base rules use — lists and tuples of literals, and the
//! names Odoo's `ir.rule._eval_context` provides: `user` (with attribute
//! chains such as `user.commercial_partner_id.id` or `user.company_ids.ids`),
//! `company_ids` and `company_id`. Anything else is an error, never code.

use serde_json::Value;

use super::model::{FieldType, ModelDef};
use crate::error::{OdooException, OdooResult};

/// What a rule's names read: model definitions and record values (the
/// database implements it).
pub trait Records {
    /// The definition of `model`.
    ///
    /// # Errors
    /// Odoo's error for an unknown model.
    fn def(&self, model: &str) -> OdooResult<&ModelDef>;
    /// The stored value of `field` of record `id` of `model` (`false`
    /// when absent).
    fn value(&self, model: &str, id: i64, field: &str) -> Value;
}

/// How deeply lists and tuples may nest.
const MAX_DEPTH: usize = 32;

/// What a name or attribute evaluates to.
#[derive(Debug, Clone)]
enum Obj {
    Value(Value),
    /// One record (or none: `False`).
    Record(String, Option<i64>),
    /// A recordset's ids.
    Records(Vec<i64>),
}

impl Obj {
    fn into_value(self) -> Value {
        match self {
            Self::Value(v) => v,
            Self::Record(_, id) => id.map_or(Value::Bool(false), Value::from),
            Self::Records(ids) => Value::from(ids),
        }
    }
}

/// The names a rule domain may use.
pub struct RuleContext<'a> {
    /// The database the names are read from.
    pub db: &'a dyn Records,
    /// The user the rule is evaluated for.
    pub uid: i64,
    /// The companies of the call (`allowed_company_ids`, or the user's).
    pub company_ids: Vec<i64>,
}

/// Evaluates `text` to a JSON domain.
///
/// # Errors
/// A `ValueError` naming what the evaluator does not support.
pub fn eval_domain(text: &str, cx: &RuleContext<'_>) -> OdooResult<Value> {
    let mut p = Parser {
        src: text.as_bytes(),
        at: 0,
        cx,
    };
    let v = p.expr(0)?;
    p.skip_ws();
    if p.at != p.src.len() {
        return Err(p.error("trailing characters"));
    }
    Ok(v.into_value())
}

struct Parser<'a, 'c> {
    src: &'a [u8],
    at: usize,
    cx: &'c RuleContext<'c>,
}

impl Parser<'_, '_> {
    fn error(&self, what: &str) -> OdooException {
        OdooException::value_error(format!(
            "zenoo-sim cannot evaluate this record rule domain ({what} at {}): {}",
            self.at,
            String::from_utf8_lossy(self.src)
        ))
    }

    fn skip_ws(&mut self) {
        while self.src.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.src.get(self.at).copied()
    }

    fn expr(&mut self, depth: usize) -> OdooResult<Obj> {
        if depth > MAX_DEPTH {
            return Err(self.error("nesting too deep"));
        }
        match self.peek() {
            Some(b'[') => self.sequence(b']', depth),
            Some(b'(') => self.sequence(b')', depth),
            Some(q @ (b'\'' | b'"')) => self.string(q),
            Some(c) if c == b'-' || c.is_ascii_digit() => self.number(),
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => self.name(),
            _ => Err(self.error("unexpected character")),
        }
    }

    fn sequence(&mut self, close: u8, depth: usize) -> OdooResult<Obj> {
        self.at += 1;
        let mut items = Vec::new();
        loop {
            if self.peek() == Some(close) {
                self.at += 1;
                break;
            }
            items.push(self.expr(depth + 1)?.into_value());
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(c) if c == close => {}
                _ => return Err(self.error("expected ',' or a closing bracket")),
            }
        }
        Ok(Obj::Value(Value::Array(items)))
    }

    fn string(&mut self, quote: u8) -> OdooResult<Obj> {
        self.at += 1;
        let mut out = Vec::new();
        while let Some(&c) = self.src.get(self.at) {
            self.at += 1;
            match c {
                b'\\' => {
                    let Some(&e) = self.src.get(self.at) else {
                        break;
                    };
                    self.at += 1;
                    out.push(match e {
                        b'n' => b'\n',
                        b't' => b'\t',
                        other => other,
                    });
                }
                c if c == quote => {
                    return Ok(Obj::Value(Value::from(
                        String::from_utf8_lossy(&out).into_owned(),
                    )));
                }
                c => out.push(c),
            }
        }
        Err(self.error("unterminated string"))
    }

    fn number(&mut self) -> OdooResult<Obj> {
        let start = self.at;
        self.at += 1;
        while self
            .src
            .get(self.at)
            .is_some_and(|c| c.is_ascii_digit() || *c == b'.')
        {
            self.at += 1;
        }
        let text = std::str::from_utf8(&self.src[start..self.at]).unwrap_or("");
        if let Ok(i) = text.parse::<i64>() {
            return Ok(Obj::Value(Value::from(i)));
        }
        text.parse::<f64>()
            .map(|f| Obj::Value(Value::from(f)))
            .map_err(|_| self.error("bad number"))
    }

    fn ident(&mut self) -> &str {
        let start = self.at;
        while self
            .src
            .get(self.at)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            self.at += 1;
        }
        std::str::from_utf8(&self.src[start..self.at]).unwrap_or("")
    }

    fn name(&mut self) -> OdooResult<Obj> {
        self.skip_ws();
        let name = self.ident().to_string();
        let mut obj = match name.as_str() {
            "True" => Obj::Value(Value::Bool(true)),
            "False" => Obj::Value(Value::Bool(false)),
            "None" => Obj::Value(Value::Null),
            "user" => Obj::Record("res.users".into(), Some(self.cx.uid)),
            "company_ids" => Obj::Value(Value::from(self.cx.company_ids.clone())),
            "company_id" => Obj::Value(
                self.cx
                    .company_ids
                    .first()
                    .map_or(Value::Bool(false), |c| Value::from(*c)),
            ),
            _ => return Err(self.error("unknown name")),
        };
        while self.src.get(self.at) == Some(&b'.') {
            self.at += 1;
            let attr = self.ident().to_string();
            obj = self.attribute(obj, &attr)?;
        }
        Ok(obj)
    }

    fn attribute(&self, obj: Obj, attr: &str) -> OdooResult<Obj> {
        let db = self.cx.db;
        match (obj, attr) {
            (Obj::Record(_, id), "id") => {
                Ok(Obj::Value(id.map_or(Value::Bool(false), Value::from)))
            }
            (Obj::Record(_, id), "ids") => {
                Ok(Obj::Value(Value::from(id.into_iter().collect::<Vec<_>>())))
            }
            (Obj::Records(ids), "ids") => Ok(Obj::Value(Value::from(ids))),
            (Obj::Record(model, Some(id)), field) => {
                let def = db.def(&model)?;
                let f = def
                    .field(field)
                    .ok_or_else(|| self.error("unknown field"))?;
                let v = db.value(&model, id, field);
                let comodel = f.relation().map(str::to_string);
                Ok(match (f.ttype, comodel) {
                    (FieldType::Many2one, Some(c)) => {
                        let id = match &v {
                            Value::Array(a) => a.first().and_then(Value::as_i64),
                            v => v.as_i64(),
                        };
                        Obj::Record(c, id)
                    }
                    (t, Some(_)) if t.is_x2many() => Obj::Records(
                        v.as_array()
                            .map(|a| a.iter().filter_map(Value::as_i64).collect())
                            .unwrap_or_default(),
                    ),
                    _ => Obj::Value(v),
                })
            }
            (Obj::Record(model, None), _) => Ok(Obj::Record(model, None)),
            _ => Err(self.error("unsupported attribute")),
        }
    }
}
