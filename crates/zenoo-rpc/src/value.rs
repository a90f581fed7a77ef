//! Rust types for Odoo's field values, decoding Odoo's wire forms directly:
//! [`Many2one`], [`X2many`], [`Date`], [`Datetime`], [`Binary`],
//! [`Reference`], [`Decimal`]/[`Monetary`], and [`false_as_none`] for
//! Odoo's `false` in an empty field.

use std::fmt;
use std::marker::PhantomData;

use base64::Engine as _;
use serde::de::value::{
    BoolDeserializer, BorrowedStrDeserializer, F64Deserializer, I64Deserializer,
    MapAccessDeserializer, SeqAccessDeserializer, StrDeserializer, StringDeserializer,
    U64Deserializer,
};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

pub use rust_decimal::Decimal;

/// Any JSON value (arguments and results of untyped method calls).
pub type Json = serde_json::Value;

/// A JSON object (keyword arguments).
pub type JsonMap = serde_json::Map<String, Json>;

/// A date field (`YYYY-MM-DD` on the wire).
pub type Date = chrono::NaiveDate;

/// A monetary field, decoded exactly as Odoo printed it.
pub type Monetary = Decimal;

/// The target model of an untyped relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Untyped {}

/// A many2one value: the target's id and display name.
///
/// Decodes Odoo's `[id, "name"]` (classic `read`), a bare id (`load=None`)
/// and `{"id": .., "display_name": ..}` (`web_read`). An empty many2one is
/// Odoo's `false`: use `Option<Many2one>`. `M` names the target model when
/// known, which lets [`Many2one::fetch`] return it typed.
pub struct Many2one<M = Untyped> {
    /// The target record's id.
    pub id: i64,
    /// Its display name, when the server sent one.
    pub name: Option<String>,
    _model: PhantomData<fn() -> M>,
}

impl<M> Many2one<M> {
    /// A many2one pointing at `id`.
    pub fn new(id: i64, name: Option<String>) -> Self {
        Self {
            id,
            name,
            _model: PhantomData,
        }
    }

    /// The display name, or `""` when the server sent none.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or("")
    }
}

impl<M> Clone for Many2one<M> {
    fn clone(&self) -> Self {
        Self::new(self.id, self.name.clone())
    }
}

impl<M> PartialEq for Many2one<M> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.name == other.name
    }
}

impl<M> fmt::Debug for Many2one<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(n) => write!(f, "Many2one({}, {n:?})", self.id),
            None => write!(f, "Many2one({})", self.id),
        }
    }
}

impl<M> Serialize for Many2one<M> {
    /// A many2one is written as its id.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.id)
    }
}

impl<'de, M> Deserialize<'de> for Many2one<M> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<M>(PhantomData<fn() -> M>);
        impl<'de, M> Visitor<'de> for V<M> {
            type Value = Many2one<M>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a many2one ([id, name], an id or {id, display_name}); an empty one is false: use Option<Many2one>")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Many2one::new(v, None))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                i64::try_from(v)
                    .map(|id| Many2one::new(id, None))
                    .map_err(|_| E::custom("id out of range"))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let id: i64 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let name: Option<String> = seq.next_element::<NameOrFalse>()?.and_then(|n| n.0);
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(Many2one::new(id, name))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let (mut id, mut name) = (None, None);
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "id" => id = Some(map.next_value::<i64>()?),
                        "display_name" => name = map.next_value::<NameOrFalse>()?.0,
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                let id = id.ok_or_else(|| de::Error::missing_field("id"))?;
                Ok(Many2one::new(id, name))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A display name that may be `false` (a record without a name).
struct NameOrFalse(Option<String>);

impl<'de> Deserialize<'de> for NameOrFalse {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        false_as_none(d).map(NameOrFalse)
    }
}

/// A one2many or many2many value: the related ids, in Odoo's order.
///
/// Written as the `set` command (`[[6, 0, ids]]`); use
/// [`Command`](crate::Command) for finer changes.
pub struct X2many<M = Untyped> {
    /// The related ids.
    pub ids: Vec<i64>,
    _model: PhantomData<fn() -> M>,
}

impl<M> X2many<M> {
    /// A value holding `ids`.
    pub fn new(ids: Vec<i64>) -> Self {
        Self {
            ids,
            _model: PhantomData,
        }
    }
}

impl<M> Clone for X2many<M> {
    fn clone(&self) -> Self {
        Self::new(self.ids.clone())
    }
}

impl<M> PartialEq for X2many<M> {
    fn eq(&self, other: &Self) -> bool {
        self.ids == other.ids
    }
}

impl<M> fmt::Debug for X2many<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "X2many({:?})", self.ids)
    }
}

impl<M> Default for X2many<M> {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl<M> Serialize for X2many<M> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        [crate::command::Command::set(self.ids.iter().copied())].serialize(s)
    }
}

impl<'de, M> Deserialize<'de> for X2many<M> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// An id, or a `web_read` sub-record with an id.
        struct Id(i64);
        impl<'de> Deserialize<'de> for Id {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Many2one::<Untyped>::deserialize(d).map(|m| Id(m.id))
            }
        }
        let ids: Vec<Id> = Vec::deserialize(d)?;
        Ok(X2many::new(ids.into_iter().map(|i| i.0).collect()))
    }
}

/// A datetime field: UTC, `YYYY-MM-DD HH:MM:SS` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Datetime(pub chrono::DateTime<chrono::Utc>);

const DATETIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

impl Datetime {
    /// Parses Odoo's `YYYY-MM-DD HH:MM:SS` (fractions of a second allowed).
    pub fn parse(s: &str) -> Option<Self> {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
            .ok()
            .map(|n| Datetime(n.and_utc()))
    }
}

impl std::ops::Deref for Datetime {
    type Target = chrono::DateTime<chrono::Utc>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl fmt::Display for Datetime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format(DATETIME_FORMAT))
    }
}

impl Serialize for Datetime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Datetime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(d)?;
        Datetime::parse(&s).ok_or_else(|| {
            de::Error::custom(format!(
                "{s:?} is not an Odoo datetime (YYYY-MM-DD HH:MM:SS)"
            ))
        })
    }
}

impl From<Datetime> for crate::domain::Operand {
    fn from(d: Datetime) -> Self {
        crate::domain::Operand::Datetime(d.0)
    }
}

/// A text that is not one of a selection's values (the error of a
/// `#[derive(Selection)]` enum's `FromStr`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidSelection {
    value: String,
    type_name: &'static str,
    expected: &'static str,
}

impl InvalidSelection {
    pub(crate) fn new(value: &str, type_name: &'static str, expected: &'static str) -> Self {
        Self {
            value: crate::error::cut(value).into_owned(),
            type_name,
            expected,
        }
    }

    /// The text that was given.
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl fmt::Display for InvalidSelection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a value of {} (expected one of {})",
            self.value, self.type_name, self.expected
        )
    }
}

impl std::error::Error for InvalidSelection {}

/// A binary field, base64-decoded.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Binary(pub Vec<u8>);

impl fmt::Debug for Binary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Binary({} bytes)", self.0.len())
    }
}

impl Serialize for Binary {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Binary {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(s.trim().as_bytes())
            .map(Binary)
            .map_err(|e| de::Error::custom(format!("binary field is not base64: {e}")))
    }
}

/// A reference field: `"model,id"` on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// The target model.
    pub model: String,
    /// The target id.
    pub id: i64,
}

impl Serialize for Reference {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{},{}", self.model, self.id))
    }
}

impl<'de> Deserialize<'de> for Reference {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(d)?;
        s.split_once(',')
            .and_then(|(m, id)| {
                Some(Reference {
                    model: m.to_string(),
                    id: id.trim().parse().ok()?,
                })
            })
            .ok_or_else(|| de::Error::custom(format!("{s:?} is not a reference (model,id)")))
    }
}

/// Decodes an optional field where Odoo sends `false` (or `null`) for
/// "empty": `#[serde(deserialize_with = "zenoo_rpc::value::false_as_none")]`.
/// Any other value is decoded as `T`. The derive applies it to every
/// `Option` field.
pub fn false_as_none<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct V<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a value or false")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            if v {
                T::deserialize(BoolDeserializer::<E>::new(v)).map(Some)
            } else {
                Ok(None)
            }
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            false_as_none(d)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            T::deserialize(I64Deserializer::<E>::new(v)).map(Some)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            T::deserialize(U64Deserializer::<E>::new(v)).map(Some)
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            T::deserialize(F64Deserializer::<E>::new(v)).map(Some)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            T::deserialize(StrDeserializer::<E>::new(v)).map(Some)
        }
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            T::deserialize(BorrowedStrDeserializer::<E>::new(v)).map(Some)
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            T::deserialize(StringDeserializer::<E>::new(v)).map(Some)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            T::deserialize(SeqAccessDeserializer::new(seq)).map(Some)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            T::deserialize(MapAccessDeserializer::new(map)).map(Some)
        }
    }
    d.deserialize_any(V(PhantomData))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Deserialize)]
    struct Row {
        #[serde(deserialize_with = "false_as_none")]
        email: Option<String>,
        #[serde(deserialize_with = "false_as_none")]
        parent: Option<Many2one>,
        #[serde(deserialize_with = "false_as_none")]
        when: Option<Datetime>,
        #[serde(deserialize_with = "false_as_none")]
        day: Option<Date>,
        #[serde(deserialize_with = "false_as_none")]
        amount: Option<Decimal>,
        #[serde(deserialize_with = "false_as_none")]
        file: Option<Binary>,
        tags: X2many,
        #[serde(deserialize_with = "false_as_none")]
        r: Option<Reference>,
    }

    #[test]
    fn odoo_values_decode() {
        let row: Row = serde_json::from_value(json!({
            "email": false, "parent": [7, "Acme"], "when": "2024-05-01 13:00:00",
            "day": "2024-05-01", "amount": 1234.56, "file": "aGVsbG8=", "tags": [1, 2],
            "r": "res.partner,3"
        }))
        .expect("decodes");
        assert_eq!(row.email, None);
        assert_eq!(
            row.parent.as_ref().map(|p| (p.id, p.display_name())),
            Some((7, "Acme"))
        );
        assert_eq!(
            row.when.map(|w| w.to_string()).as_deref(),
            Some("2024-05-01 13:00:00")
        );
        assert_eq!(
            row.day.map(|d| d.to_string()).as_deref(),
            Some("2024-05-01")
        );
        assert_eq!(
            row.amount.map(|a| a.to_string()).as_deref(),
            Some("1234.56")
        );
        assert_eq!(row.file.map(|b| b.0), Some(b"hello".to_vec()));
        assert_eq!(row.tags.ids, vec![1, 2]);
        assert_eq!(
            row.r,
            Some(Reference {
                model: "res.partner".into(),
                id: 3
            })
        );

        let empty: Row = serde_json::from_value(json!({
            "email": "a@b", "parent": false, "when": false, "day": false, "amount": false,
            "file": false, "tags": [], "r": false
        }))
        .expect("decodes");
        assert_eq!(empty.email.as_deref(), Some("a@b"));
        assert!(empty.parent.is_none() && empty.when.is_none() && empty.amount.is_none());
        let err = serde_json::from_value::<Many2one>(json!(false)).expect_err("false");
        assert!(err.to_string().contains("Option<Many2one>"), "{err}");
        let m: Many2one =
            serde_json::from_value(json!({"id": 3, "display_name": "X"})).expect("web_read form");
        assert_eq!(m.name.as_deref(), Some("X"));
    }
}
