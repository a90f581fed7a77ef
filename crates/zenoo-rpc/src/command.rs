//! x2many commands: how one2many and many2many fields are written.

use serde::ser::{Serialize, SerializeTuple, Serializer};
use serde_json::Value;

/// One change to a one2many or many2many field, serialised as Odoo's
/// `(code, id, values)` triple.
///
/// ```
/// use serde_json::json;
/// use zenoo_rpc::Command;
///
/// let lines = vec![
///     Command::create(json!({"product_id": 7, "product_qty": 2})),
///     Command::update(12, json!({"product_qty": 5})),
///     Command::delete(13),
///     Command::unlink(14),
///     Command::link(15),
///     Command::clear(),
///     Command::set([1, 2]),
/// ];
/// assert_eq!(
///     serde_json::to_value(&lines).unwrap(),
///     json!([[0, 0, {"product_id": 7, "product_qty": 2}], [1, 12, {"product_qty": 5}],
///            [2, 13, 0], [3, 14, 0], [4, 15, 0], [5, 0, 0], [6, 0, [1, 2]]])
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `(0, 0, values)`: create a new related record.
    Create(Value),
    /// `(1, id, values)`: write `values` on the related record `id`.
    Update(i64, Value),
    /// `(2, id, 0)`: remove the related record `id` and delete it.
    Delete(i64),
    /// `(3, id, 0)`: remove the relation to `id`, keep the record.
    Unlink(i64),
    /// `(4, id, 0)`: add a relation to the existing record `id`.
    Link(i64),
    /// `(5, 0, 0)`: remove every relation.
    Clear,
    /// `(6, 0, ids)`: replace the relations by `ids`.
    Set(Vec<i64>),
}

impl Command {
    /// Creates a related record with `values` (a JSON object).
    pub fn create(values: impl Into<Value>) -> Self {
        Command::Create(values.into())
    }

    /// Writes `values` on the related record `id`.
    pub fn update(id: i64, values: impl Into<Value>) -> Self {
        Command::Update(id, values.into())
    }

    /// Removes and deletes the related record `id`.
    pub fn delete(id: i64) -> Self {
        Command::Delete(id)
    }

    /// Removes the relation to `id` without deleting the record.
    pub fn unlink(id: i64) -> Self {
        Command::Unlink(id)
    }

    /// Adds a relation to `id`.
    pub fn link(id: i64) -> Self {
        Command::Link(id)
    }

    /// Removes every relation.
    pub fn clear() -> Self {
        Command::Clear
    }

    /// Replaces the relations by `ids`.
    pub fn set(ids: impl IntoIterator<Item = i64>) -> Self {
        Command::Set(ids.into_iter().collect())
    }
}

impl Serialize for Command {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(3)?;
        match self {
            Command::Create(v) => {
                t.serialize_element(&0)?;
                t.serialize_element(&0)?;
                t.serialize_element(v)?;
            }
            Command::Update(id, v) => {
                t.serialize_element(&1)?;
                t.serialize_element(id)?;
                t.serialize_element(v)?;
            }
            Command::Delete(id) | Command::Unlink(id) | Command::Link(id) => {
                let code = match self {
                    Command::Delete(_) => 2,
                    Command::Unlink(_) => 3,
                    _ => 4,
                };
                t.serialize_element(&code)?;
                t.serialize_element(id)?;
                t.serialize_element(&0)?;
            }
            Command::Clear => {
                t.serialize_element(&5)?;
                t.serialize_element(&0)?;
                t.serialize_element(&0)?;
            }
            Command::Set(ids) => {
                t.serialize_element(&6)?;
                t.serialize_element(&0)?;
                t.serialize_element(ids)?;
            }
        }
        t.end()
    }
}
