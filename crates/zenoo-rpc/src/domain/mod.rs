//! Odoo's domain language as a value: leaves for every operator, the
//! combinators `&`, `|` and `!` (Rust's `&`, `|` and `!` on [`Domain`]),
//! the constants TRUE and FALSE, simplification, serde to and from Odoo's
//! prefix JSON, and a readable text syntax.
//!
//! ```
//! use zenoo_rpc::{Domain, Operator};
//!
//! let d = Domain::leaf("is_company", Operator::Eq, true)
//!     & (Domain::leaf("name", Operator::ILike, "azure") | Domain::leaf("email", Operator::EqLike, "%@example.com"))
//!     & !Domain::leaf("country_id.code", Operator::In, vec!["US", "CA"]);
//! assert_eq!(
//!     serde_json::to_string(&d).unwrap(),
//!     r#"["&","&",["is_company","=",true],"|",["name","ilike","azure"],["email","=like","%@example.com"],"!",["country_id.code","in",["US","CA"]]]"#
//! );
//! let text = "is_company = true and (name ilike 'azure' or email =like '%@example.com') \
//!             and not country_id.code in ('US', 'CA')";
//! assert_eq!(text.parse::<Domain>().unwrap(), d);
//! assert_eq!(d.to_string(), text);
//! ```

mod parse;
pub(crate) mod q;

use std::fmt;
use std::ops::{BitAnd, BitOr, Not};

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use parse::{MAX_NESTING, ParseError};

/// A comparison operator of a domain leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operator {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=?`: true when the value is unset, `=` otherwise.
    EqIfSet,
    /// `like`: contains, case-sensitive (`%` and `_` in the value are wildcards).
    Like,
    /// `not like`
    NotLike,
    /// `ilike`: contains, case-insensitive.
    ILike,
    /// `not ilike`
    NotILike,
    /// `=like`: an SQL `LIKE` pattern, case-sensitive.
    EqLike,
    /// `=ilike`: an SQL `ILIKE` pattern.
    EqILike,
    /// `in`
    In,
    /// `not in`
    NotIn,
    /// `child_of`: the record or any of its descendants.
    ChildOf,
    /// `parent_of`: the record or any of its ancestors.
    ParentOf,
    /// `any`: some related record matches the sub-domain.
    Any,
    /// `not any`: no related record matches the sub-domain.
    NotAny,
}

impl Operator {
    /// All operators, in the order of Odoo's documentation.
    pub const ALL: [Operator; 19] = [
        Operator::Eq,
        Operator::Ne,
        Operator::Lt,
        Operator::Le,
        Operator::Gt,
        Operator::Ge,
        Operator::EqIfSet,
        Operator::Like,
        Operator::NotLike,
        Operator::ILike,
        Operator::NotILike,
        Operator::EqLike,
        Operator::EqILike,
        Operator::In,
        Operator::NotIn,
        Operator::ChildOf,
        Operator::ParentOf,
        Operator::Any,
        Operator::NotAny,
    ];

    /// The operator as Odoo spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Eq => "=",
            Operator::Ne => "!=",
            Operator::Lt => "<",
            Operator::Le => "<=",
            Operator::Gt => ">",
            Operator::Ge => ">=",
            Operator::EqIfSet => "=?",
            Operator::Like => "like",
            Operator::NotLike => "not like",
            Operator::ILike => "ilike",
            Operator::NotILike => "not ilike",
            Operator::EqLike => "=like",
            Operator::EqILike => "=ilike",
            Operator::In => "in",
            Operator::NotIn => "not in",
            Operator::ChildOf => "child_of",
            Operator::ParentOf => "parent_of",
            Operator::Any => "any",
            Operator::NotAny => "not any",
        }
    }

    /// The operator Odoo spells `s` (case-insensitive, as Odoo lowercases it).
    pub fn parse(s: &str) -> Option<Operator> {
        let lower = s.to_ascii_lowercase();
        // `<>` and `==` are legacy spellings Odoo still accepts.
        match lower.as_str() {
            "<>" => return Some(Operator::Ne),
            "==" => return Some(Operator::Eq),
            _ => {}
        }
        Operator::ALL.into_iter().find(|op| op.as_str() == lower)
    }

    /// Whether the operator takes a sub-domain (`any`, `not any`).
    pub fn takes_domain(self) -> bool {
        matches!(self, Operator::Any | Operator::NotAny)
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The right-hand side of a leaf.
///
/// Dates and datetimes travel as Odoo's strings (`2024-05-01`,
/// `2024-05-01 13:00:00`, UTC); `None` travels as Odoo's `false`.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// Odoo's `false` for "no value".
    None,
    /// A boolean.
    Bool(bool),
    /// An integer (ids, quantities).
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// A date.
    Date(chrono::NaiveDate),
    /// A datetime in UTC.
    Datetime(chrono::DateTime<chrono::Utc>),
    /// A list, for `in`, `not in`, `child_of` and `parent_of`.
    List(Vec<Operand>),
    /// A sub-domain, for `any` and `not any`.
    Domain(Box<Domain>),
}

impl Operand {
    /// Odoo's JSON form.
    pub fn to_json(&self) -> Value {
        match self {
            Operand::None => Value::Bool(false),
            Operand::Bool(b) => Value::Bool(*b),
            Operand::Int(i) => Value::from(*i),
            Operand::Float(f) => Value::from(*f),
            Operand::Str(s) => Value::String(s.clone()),
            Operand::Date(d) => Value::String(d.format("%Y-%m-%d").to_string()),
            Operand::Datetime(d) => Value::String(d.format("%Y-%m-%d %H:%M:%S").to_string()),
            Operand::List(items) => Value::Array(items.iter().map(Operand::to_json).collect()),
            Operand::Domain(d) => d.to_json(),
        }
    }

    /// Whether the value is Odoo-falsy (`false`, `None`, `0`, `""`, `[]`).
    pub fn is_falsy(&self) -> bool {
        match self {
            Operand::None | Operand::Bool(false) | Operand::Int(0) => true,
            Operand::Float(f) => *f == 0.0,
            Operand::Str(s) => s.is_empty(),
            Operand::List(l) => l.is_empty(),
            _ => false,
        }
    }

    fn from_json(v: Value, op: Operator, depth: usize) -> Result<Operand, String> {
        Ok(match v {
            Value::Null => Operand::None,
            Value::Bool(b) => Operand::Bool(b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Operand::Int(i),
                None => Operand::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => Operand::Str(s),
            Value::Array(items) if op.takes_domain() => {
                Operand::Domain(Box::new(Domain::from_items(items, depth + 1)?))
            }
            Value::Array(items) => Operand::List(
                items
                    .into_iter()
                    .map(|x| Operand::from_json(x, Operator::In, depth))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(_) => return Err("a leaf value cannot be an object".into()),
        })
    }
}

macro_rules! operand_from {
    ($($t:ty => $v:ident $(as $as:ty)?),* $(,)?) => {$(
        impl From<$t> for Operand {
            fn from(x: $t) -> Self { Operand::$v(x $(as $as)?.into()) }
        }
    )*};
}
operand_from!(
    bool => Bool, i64 => Int, i32 => Int, u32 => Int, i16 => Int, u16 => Int, u8 => Int,
    f64 => Float, f32 => Float, String => Str, &str => Str, &String => Str,
    chrono::NaiveDate => Date, chrono::DateTime<chrono::Utc> => Datetime,
);

impl<T: Into<Operand>> From<Option<T>> for Operand {
    fn from(x: Option<T>) -> Self {
        x.map_or(Operand::None, Into::into)
    }
}

impl<T: Into<Operand>> From<Vec<T>> for Operand {
    fn from(x: Vec<T>) -> Self {
        Operand::List(x.into_iter().map(Into::into).collect())
    }
}

impl<T: Into<Operand> + Clone> From<&[T]> for Operand {
    fn from(x: &[T]) -> Self {
        Operand::List(x.iter().cloned().map(Into::into).collect())
    }
}

impl<T: Into<Operand>, const N: usize> From<[T; N]> for Operand {
    fn from(x: [T; N]) -> Self {
        Operand::List(x.into_iter().map(Into::into).collect())
    }
}

impl From<Domain> for Operand {
    fn from(d: Domain) -> Self {
        Operand::Domain(Box::new(d))
    }
}

/// One condition: `field operator value`. The field may be a dotted path
/// through relations (`partner_id.country_id.code`).
#[derive(Debug, Clone, PartialEq)]
pub struct Leaf {
    /// Field name or dotted path.
    pub field: String,
    /// The operator.
    pub operator: Operator,
    /// The value.
    pub value: Operand,
}

/// A JSON domain that is not one: which item is wrong, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidDomain(String);

impl InvalidDomain {
    /// What is wrong, starting with the item (`item 2: "~" is not a domain operator`).
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for InvalidDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidDomain {}

/// A search domain: a tree of leaves under AND, OR and NOT, or a constant.
///
/// Build it with [`Domain::leaf`], the [`Q`](crate::Q) lookups or a derived
/// model's field handles, and combine with `&`, `|` and `!`; combining
/// flattens and simplifies (`TRUE & d` is `d`, `!!d` is `d`). It serializes
/// to Odoo's prefix notation with the right number of operators, and
/// deserializes from it (with Odoo's implicit AND). Text form: see
/// [`FromStr`](std::str::FromStr) and [`Display`](fmt::Display).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Domain {
    /// Matches every record (`[]`, or Odoo's `(1, '=', 1)` inside a tree).
    #[default]
    True,
    /// Matches no record (Odoo's `(0, '=', 1)`).
    False,
    /// One condition.
    Leaf(Leaf),
    /// All of these (two or more).
    And(Vec<Domain>),
    /// Any of these (two or more).
    Or(Vec<Domain>),
    /// Not this.
    Not(Box<Domain>),
}

impl Domain {
    /// A leaf `field operator value`.
    pub fn leaf(field: impl Into<String>, operator: Operator, value: impl Into<Operand>) -> Self {
        Domain::Leaf(Leaf {
            field: field.into(),
            operator,
            value: value.into(),
        })
    }

    /// AND of all `parts` (TRUE when empty), simplified.
    pub fn all(parts: impl IntoIterator<Item = Domain>) -> Self {
        Self::combine(parts, true)
    }

    /// OR of all `parts` (FALSE when empty), simplified.
    pub fn any(parts: impl IntoIterator<Item = Domain>) -> Self {
        Self::combine(parts, false)
    }

    fn combine(parts: impl IntoIterator<Item = Domain>, and: bool) -> Self {
        let (unit, zero) = if and {
            (Domain::True, Domain::False)
        } else {
            (Domain::False, Domain::True)
        };
        let mut out = Vec::new();
        for part in parts {
            match part {
                p if p == unit => {}
                p if p == zero => return zero,
                Domain::And(items) if and => out.extend(items),
                Domain::Or(items) if !and => out.extend(items),
                p => out.push(p),
            }
        }
        match out.len() {
            0 => unit,
            1 => out.pop().unwrap_or(unit),
            _ if and => Domain::And(out),
            _ => Domain::Or(out),
        }
    }

    /// The negation, simplified (`!TRUE` is FALSE, `!!d` is `d`).
    #[must_use]
    pub fn negate(self) -> Self {
        match self {
            Domain::True => Domain::False,
            Domain::False => Domain::True,
            Domain::Not(inner) => *inner,
            d => Domain::Not(Box::new(d)),
        }
    }

    /// The same domain rebuilt through the simplifying constructors, so
    /// that trees built by hand (or parsed) are flattened and free of
    /// redundant constants.
    #[must_use]
    pub fn simplified(self) -> Self {
        match self {
            Domain::And(items) => Domain::all(items.into_iter().map(Domain::simplified)),
            Domain::Or(items) => Domain::any(items.into_iter().map(Domain::simplified)),
            Domain::Not(inner) => inner.simplified().negate(),
            Domain::Leaf(mut leaf) => {
                if let Operand::Domain(sub) = leaf.value {
                    leaf.value = Operand::Domain(Box::new(sub.simplified()));
                }
                Domain::Leaf(leaf)
            }
            d => d,
        }
    }

    /// Whether this is the TRUE constant.
    pub fn is_true(&self) -> bool {
        matches!(self, Domain::True)
    }

    /// The leaves, depth first (sub-domains of `any` not included).
    pub fn leaves(&self) -> Vec<&Leaf> {
        let mut out = Vec::new();
        self.collect_leaves(&mut out);
        out
    }

    fn collect_leaves<'a>(&'a self, out: &mut Vec<&'a Leaf>) {
        match self {
            Domain::Leaf(l) => out.push(l),
            Domain::And(items) | Domain::Or(items) => {
                items.iter().for_each(|d| d.collect_leaves(out));
            }
            Domain::Not(inner) => inner.collect_leaves(out),
            Domain::True | Domain::False => {}
        }
    }

    /// Odoo's prefix JSON form (`[]` for TRUE).
    pub fn to_json(&self) -> Value {
        let mut items = Vec::new();
        match self {
            Domain::True => {}
            d => d.push_prefix(&mut items),
        }
        Value::Array(items)
    }

    fn push_prefix(&self, out: &mut Vec<Value>) {
        match self {
            Domain::True => out.push(serde_json::json!([1, "=", 1])),
            Domain::False => out.push(serde_json::json!([0, "=", 1])),
            Domain::Leaf(l) => out.push(Value::Array(vec![
                Value::String(l.field.clone()),
                Value::String(l.operator.as_str().into()),
                l.value.to_json(),
            ])),
            Domain::And(items) | Domain::Or(items) => {
                let op = if matches!(self, Domain::And(_)) {
                    "&"
                } else {
                    "|"
                };
                for _ in 1..items.len() {
                    out.push(Value::String(op.into()));
                }
                items.iter().for_each(|d| d.push_prefix(out));
            }
            Domain::Not(inner) => {
                out.push(Value::String("!".into()));
                inner.push_prefix(out);
            }
        }
    }

    /// Reads Odoo's prefix JSON form (a list of `"&"`, `"|"`, `"!"` and
    /// `[field, operator, value]` leaves, with an implicit AND at the top).
    ///
    /// # Errors
    /// [`InvalidDomain`] saying which item is wrong and why.
    pub fn from_json(v: Value) -> Result<Domain, InvalidDomain> {
        match v {
            Value::Array(items) => Domain::from_items(items, 0).map_err(InvalidDomain),
            other => Err(InvalidDomain(format!(
                "a domain is a list, not {}",
                crate::error::cut(&other.to_string())
            ))),
        }
    }

    fn from_items(items: Vec<Value>, depth: usize) -> Result<Domain, String> {
        if depth > parse::MAX_NESTING {
            return Err(format!(
                "`any` sub-domains nest deeper than {} levels",
                parse::MAX_NESTING
            ));
        }
        // Read right to left with a stack, as Odoo's normalisation does.
        let mut stack: Vec<Domain> = Vec::new();
        let count = items.len();
        for (rev, item) in items.into_iter().rev().enumerate() {
            let at = count - 1 - rev;
            let d = match item {
                Value::String(s) => {
                    let arity = match s.as_str() {
                        "&" | "|" => 2,
                        "!" => 1,
                        other => {
                            return Err(format!(
                                "item {at}: {other:?} is not an operator (&, | or !)"
                            ));
                        }
                    };
                    if stack.len() < arity {
                        return Err(format!(
                            "item {at}: {s:?} needs {arity} operand(s) after it"
                        ));
                    }
                    let first = stack.pop().unwrap_or_default();
                    match s.as_str() {
                        "!" => first.negate(),
                        op => {
                            let second = stack.pop().unwrap_or_default();
                            if op == "&" {
                                Domain::all([first, second])
                            } else {
                                Domain::any([first, second])
                            }
                        }
                    }
                }
                Value::Array(leaf) => {
                    Self::leaf_from_json(leaf, depth).map_err(|e| format!("item {at}: {e}"))?
                }
                other => {
                    return Err(format!(
                        "item {at}: {other} is neither an operator nor a leaf"
                    ));
                }
            };
            stack.push(d);
        }
        stack.reverse();
        Ok(Domain::all(stack))
    }

    fn leaf_from_json(leaf: Vec<Value>, depth: usize) -> Result<Domain, String> {
        let [field, op, value]: [Value; 3] = leaf
            .try_into()
            .map_err(|l: Vec<Value>| format!("a leaf has 3 items, not {}", l.len()))?;
        let Value::String(op) = op else {
            return Err(format!("the operator {op} is not a string"));
        };
        let operator =
            Operator::parse(&op).ok_or_else(|| format!("{op:?} is not a domain operator"))?;
        match (&field, operator, &value) {
            (Value::Number(a), Operator::Eq, Value::Number(b)) if b.as_i64() == Some(1) => {
                return match a.as_i64() {
                    Some(1) => Ok(Domain::True),
                    Some(0) => Ok(Domain::False),
                    _ => Err(format!("{a} is not a field name")),
                };
            }
            _ => {}
        }
        let Value::String(field) = field else {
            return Err(format!("the field {field} is not a string"));
        };
        Ok(Domain::Leaf(Leaf {
            field,
            operator,
            value: Operand::from_json(value, operator, depth)?,
        }))
    }
}

impl BitAnd for Domain {
    type Output = Domain;
    fn bitand(self, rhs: Domain) -> Domain {
        Domain::all([self, rhs])
    }
}

impl BitOr for Domain {
    type Output = Domain;
    fn bitor(self, rhs: Domain) -> Domain {
        Domain::any([self, rhs])
    }
}

impl Not for Domain {
    type Output = Domain;
    fn not(self) -> Domain {
        self.negate()
    }
}

impl Serialize for Domain {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Domains are small; building the JSON form keeps one code path.
        let Value::Array(items) = self.to_json() else {
            return serializer.serialize_seq(Some(0))?.end();
        };
        let mut seq = serializer.serialize_seq(Some(items.len()))?;
        for item in &items {
            seq.serialize_element(item)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Domain {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DomainVisitor;
        impl<'de> Visitor<'de> for DomainVisitor {
            type Value = Domain;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an Odoo domain (a list in prefix notation)")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Domain, A::Error> {
                let mut items = Vec::new();
                while let Some(v) = seq.next_element::<Value>()? {
                    items.push(v);
                }
                Domain::from_items(items, 0).map_err(de::Error::custom)
            }
        }
        deserializer.deserialize_seq(DomainVisitor)
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        parse::write_text(self, f)
    }
}

impl std::str::FromStr for Domain {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        parse::parse(s)
    }
}

impl From<Leaf> for Domain {
    fn from(l: Leaf) -> Self {
        Domain::Leaf(l)
    }
}

impl From<ParseError> for crate::error::Error {
    fn from(e: ParseError) -> Self {
        Self::invalid_query_caused_by(e)
    }
}

impl From<InvalidDomain> for crate::error::Error {
    fn from(e: InvalidDomain) -> Self {
        Self::invalid_query_caused_by(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prefix_arity_is_right() {
        let a = || Domain::leaf("a", Operator::Eq, 1);
        let b = || Domain::leaf("b", Operator::Eq, 2);
        let c = || Domain::leaf("c", Operator::Eq, 3);
        assert_eq!(
            (a() & b() & c()).to_json(),
            json!(["&", "&", ["a", "=", 1], ["b", "=", 2], ["c", "=", 3]])
        );
        assert_eq!(
            (a() | (b() & !c())).to_json(),
            json!(["|", ["a", "=", 1], "&", ["b", "=", 2], "!", ["c", "=", 3]])
        );
        assert_eq!(Domain::True.to_json(), json!([]));
        assert_eq!(Domain::False.to_json(), json!([[0, "=", 1]]));
    }

    #[test]
    fn constants_simplify() {
        let a = Domain::leaf("a", Operator::Eq, 1);
        assert_eq!(Domain::True & a.clone(), a);
        assert_eq!(Domain::False & a.clone(), Domain::False);
        assert_eq!(Domain::True | a.clone(), Domain::True);
        assert_eq!(Domain::False | a.clone(), a);
        assert_eq!(!!a.clone(), a);
        assert_eq!(!Domain::True, Domain::False);
    }

    #[test]
    fn implicit_and_and_errors() {
        let d = Domain::from_json(json!([["a", "=", 1], "|", ["b", "=", 2], ["c", "=", 3]]))
            .expect("valid");
        assert_eq!(
            d.to_json(),
            json!(["&", ["a", "=", 1], "|", ["b", "=", 2], ["c", "=", 3]])
        );
        let err = Domain::from_json(json!(["|", ["a", "=", 1]])).expect_err("arity");
        assert!(err.message().contains("item 0"), "{err}");
        let err = Domain::from_json(json!([["a", "~", 1]])).expect_err("op");
        assert!(
            err.message().contains("\"~\" is not a domain operator"),
            "{err}"
        );
        assert_eq!(
            Domain::from_json(json!([[1, "=", 1]])).expect("true leaf"),
            Domain::True
        );
    }
}
