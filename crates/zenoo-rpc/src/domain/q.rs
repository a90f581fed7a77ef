//! Django-style lookups (`name__icontains`, `partner_id__country_id__code`)
//! and one-call leaf constructors, all producing [`Domain`]s.

use crate::domain::{Domain, Operand, Operator};

/// Lookups that build [`Domain`]s.
///
/// `Q::new().field("name__icontains", "az")` reads like Django: the part
/// after the last `__` is the lookup when it is one of `exact iexact
/// contains icontains startswith istartswith endswith iendswith gt gte lt lte
/// ne in not_in isnull child_of parent_of any not_any`; the other `__`
/// separators become Odoo's dotted path. Text lookups (`contains`,
/// `startswith`, `iexact`, ...) are sent as `=like`/`=ilike` patterns with
/// `%`, `_` and `\` in the value escaped, so they mean exactly what they say.
///
/// ```
/// use zenoo_rpc::{Domain, Q};
///
/// let d: Domain = Q::new()
///     .field("partner_id__country_id__code", "BE")
///     .field("name__istartswith", "100%_")
///     .field("email__isnull", false)
///     .into();
/// assert_eq!(
///     serde_json::to_value(&d).unwrap(),
///     serde_json::json!(["&", "&",
///         ["partner_id.country_id.code", "=", "BE"],
///         ["name", "=ilike", "100\\%\\_%"],
///         ["email", "!=", false]])
/// );
/// assert_eq!(Q::ilike("name", "azure"), Domain::leaf("name", zenoo_rpc::Operator::ILike, "azure"));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Q {
    domain: Domain,
}

/// Escapes `%`, `_` and `\` so that a value matches itself in a `=like` pattern.
pub fn escape_like(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    for c in value.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn text_of(value: Operand) -> String {
    match value {
        Operand::Str(s) => s,
        Operand::None => String::new(),
        other => match other.to_json() {
            serde_json::Value::String(s) => s,
            v => v.to_string(),
        },
    }
}

/// The lookup suffixes [`Q::field`] understands.
pub const LOOKUPS: [&str; 20] = [
    "exact",
    "iexact",
    "contains",
    "icontains",
    "startswith",
    "istartswith",
    "endswith",
    "iendswith",
    "gt",
    "gte",
    "lt",
    "lte",
    "ne",
    "in",
    "not_in",
    "isnull",
    "child_of",
    "parent_of",
    "any",
    "not_any",
];

/// The leaf for `path` with Django `lookup` and `value`.
pub(crate) fn lookup_leaf(path: &str, lookup: &str, value: Operand) -> Domain {
    let like = |op: Operator, pattern: String| Domain::leaf(path, op, pattern);
    match lookup {
        "iexact" => like(Operator::EqILike, escape_like(&text_of(value))),
        "contains" => like(
            Operator::EqLike,
            format!("%{}%", escape_like(&text_of(value))),
        ),
        "icontains" => like(
            Operator::EqILike,
            format!("%{}%", escape_like(&text_of(value))),
        ),
        "startswith" => like(
            Operator::EqLike,
            format!("{}%", escape_like(&text_of(value))),
        ),
        "istartswith" => like(
            Operator::EqILike,
            format!("{}%", escape_like(&text_of(value))),
        ),
        "endswith" => like(
            Operator::EqLike,
            format!("%{}", escape_like(&text_of(value))),
        ),
        "iendswith" => like(
            Operator::EqILike,
            format!("%{}", escape_like(&text_of(value))),
        ),
        "gt" => Domain::leaf(path, Operator::Gt, value),
        "gte" => Domain::leaf(path, Operator::Ge, value),
        "lt" => Domain::leaf(path, Operator::Lt, value),
        "lte" => Domain::leaf(path, Operator::Le, value),
        "ne" => Domain::leaf(path, Operator::Ne, value),
        "in" => Domain::leaf(path, Operator::In, as_list(value)),
        "not_in" => Domain::leaf(path, Operator::NotIn, as_list(value)),
        "isnull" => {
            let op = if value.is_falsy() {
                Operator::Ne
            } else {
                Operator::Eq
            };
            Domain::leaf(path, op, false)
        }
        "child_of" => Domain::leaf(path, Operator::ChildOf, value),
        "parent_of" => Domain::leaf(path, Operator::ParentOf, value),
        "any" => Domain::leaf(path, Operator::Any, value),
        "not_any" => Domain::leaf(path, Operator::NotAny, value),
        _ => Domain::leaf(path, Operator::Eq, value),
    }
}

fn as_list(value: Operand) -> Operand {
    match value {
        Operand::List(_) => value,
        other => Operand::List(vec![other]),
    }
}

impl Q {
    /// An empty lookup set (TRUE).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (AND) a Django-style lookup such as `"name__icontains"`.
    #[must_use]
    pub fn field(mut self, lookup: &str, value: impl Into<Operand>) -> Self {
        let (path, op) = match lookup.rsplit_once("__") {
            Some((path, op)) if LOOKUPS.contains(&op) => (path, op),
            _ => (lookup, "exact"),
        };
        let path = path.replace("__", ".");
        let leaf = lookup_leaf(&path, op, value.into());
        self.domain = std::mem::take(&mut self.domain) & leaf;
        self
    }

    /// The domain built so far.
    pub fn into_domain(self) -> Domain {
        self.domain
    }

    /// `field = value`.
    pub fn eq(field: &str, value: impl Into<Operand>) -> Domain {
        Domain::leaf(field, Operator::Eq, value)
    }

    /// `field != value`.
    pub fn ne(field: &str, value: impl Into<Operand>) -> Domain {
        Domain::leaf(field, Operator::Ne, value)
    }

    /// `field ilike value` (contains, case-insensitive; `%`/`_` are wildcards).
    pub fn ilike(field: &str, value: impl Into<Operand>) -> Domain {
        Domain::leaf(field, Operator::ILike, value)
    }

    /// `field like value` (contains, case-sensitive; `%`/`_` are wildcards).
    pub fn like(field: &str, value: impl Into<Operand>) -> Domain {
        Domain::leaf(field, Operator::Like, value)
    }

    /// `field in values`.
    pub fn is_in(field: &str, values: impl Into<Operand>) -> Domain {
        Domain::leaf(field, Operator::In, as_list(values.into()))
    }

    /// `field not in values`.
    pub fn not_in(field: &str, values: impl Into<Operand>) -> Domain {
        Domain::leaf(field, Operator::NotIn, as_list(values.into()))
    }

    /// `field > value`.
    pub fn gt(field: &str, value: impl Into<Operand>) -> Domain {
        Domain::leaf(field, Operator::Gt, value)
    }

    /// `field >= value`.
    pub fn gte(field: &str, value: impl Into<Operand>) -> Domain {
        Domain::leaf(field, Operator::Ge, value)
    }

    /// `field < value`.
    pub fn lt(field: &str, value: impl Into<Operand>) -> Domain {
        Domain::leaf(field, Operator::Lt, value)
    }

    /// `field <= value`.
    pub fn lte(field: &str, value: impl Into<Operand>) -> Domain {
        Domain::leaf(field, Operator::Le, value)
    }

    /// The field is set (`!= false`).
    pub fn is_set(field: &str) -> Domain {
        Domain::leaf(field, Operator::Ne, false)
    }

    /// The field is not set (`= false`).
    pub fn is_unset(field: &str) -> Domain {
        Domain::leaf(field, Operator::Eq, false)
    }

    /// Some related record matches `domain`.
    pub fn any(field: &str, domain: Domain) -> Domain {
        Domain::leaf(field, Operator::Any, domain)
    }

    /// No related record matches `domain`.
    pub fn not_any(field: &str, domain: Domain) -> Domain {
        Domain::leaf(field, Operator::NotAny, domain)
    }
}

impl From<Q> for Domain {
    fn from(q: Q) -> Self {
        q.domain
    }
}

impl std::ops::BitAnd<Domain> for Q {
    type Output = Domain;
    fn bitand(self, rhs: Domain) -> Domain {
        self.domain & rhs
    }
}

impl std::ops::BitOr<Domain> for Q {
    type Output = Domain;
    fn bitor(self, rhs: Domain) -> Domain {
        self.domain | rhs
    }
}

impl std::ops::Not for Q {
    type Output = Domain;
    fn not(self) -> Domain {
        !self.domain
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_lookup() {
        let cases = [
            ("name", json!("a%"), json!(["name", "=", "a%"])),
            ("name__exact", json!(null), json!(["name", "=", false])),
            (
                "name__iexact",
                json!("a_b"),
                json!(["name", "=ilike", "a\\_b"]),
            ),
            (
                "name__contains",
                json!("5%"),
                json!(["name", "=like", "%5\\%%"]),
            ),
            (
                "name__icontains",
                json!("x"),
                json!(["name", "=ilike", "%x%"]),
            ),
            (
                "name__startswith",
                json!("a\\"),
                json!(["name", "=like", "a\\\\%"]),
            ),
            (
                "name__istartswith",
                json!("a"),
                json!(["name", "=ilike", "a%"]),
            ),
            (
                "name__endswith",
                json!("_"),
                json!(["name", "=like", "%\\_"]),
            ),
            (
                "name__iendswith",
                json!("z"),
                json!(["name", "=ilike", "%z"]),
            ),
            ("n__gt", json!(1), json!(["n", ">", 1])),
            ("n__gte", json!(1), json!(["n", ">=", 1])),
            ("n__lt", json!(1), json!(["n", "<", 1])),
            ("n__lte", json!(1), json!(["n", "<=", 1])),
            ("n__ne", json!(1), json!(["n", "!=", 1])),
            ("n__in", json!([1, 2]), json!(["n", "in", [1, 2]])),
            ("n__not_in", json!(3), json!(["n", "not in", [3]])),
            ("email__isnull", json!(true), json!(["email", "=", false])),
            ("email__isnull", json!(false), json!(["email", "!=", false])),
            (
                "parent_id__child_of",
                json!(1),
                json!(["parent_id", "child_of", 1]),
            ),
            (
                "parent_id__parent_of",
                json!(1),
                json!(["parent_id", "parent_of", 1]),
            ),
            ("a__b__c", json!("x"), json!(["a.b.c", "=", "x"])),
            (
                "partner_id__name__icontains",
                json!("x"),
                json!(["partner_id.name", "=ilike", "%x%"]),
            ),
        ];
        for (lookup, value, want) in cases {
            let operand = match value {
                serde_json::Value::Array(_) => Domain::from_json(json!([["x", "in", value]]))
                    .ok()
                    .and_then(|d| d.leaves().first().map(|l| l.value.clone()))
                    .unwrap_or(Operand::None),
                serde_json::Value::Null => Operand::None,
                serde_json::Value::Bool(b) => Operand::Bool(b),
                serde_json::Value::Number(n) => Operand::Int(n.as_i64().unwrap_or_default()),
                serde_json::Value::String(s) => Operand::Str(s),
                serde_json::Value::Object(_) => Operand::None,
            };
            let d: Domain = Q::new().field(lookup, operand).into();
            assert_eq!(d.to_json(), json!([want]), "{lookup}");
        }
        let any: Domain = Q::new()
            .field("child_ids__any", Q::eq("is_company", true))
            .into();
        assert_eq!(
            any.to_json(),
            json!([["child_ids", "any", [["is_company", "=", true]]]])
        );
        let not_any: Domain = Q::new().field("child_ids__not_any", Domain::True).into();
        assert_eq!(not_any.to_json(), json!([["child_ids", "not any", []]]));
    }
}
