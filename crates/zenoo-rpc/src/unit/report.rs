//! What a rollback did and did not undo, and why.

use serde_json::Value;

use crate::error::Error;

/// Why a record was not put back.
#[derive(Debug)]
#[non_exhaustive]
pub enum Reason {
    /// Someone else changed it since the unit did: left as they made it.
    Conflict {
        /// The field that differs.
        field: String,
        /// What the unit left there.
        expected: Value,
        /// What is there now.
        found: Value,
    },
    /// Odoo refused the compensating call.
    Refused(Error),
    /// A method the unit cannot undo, called without an inverse.
    NotCompensable,
    /// A call whose outcome is unknown (the process died while it was in
    /// flight, and nothing identifies what it made).
    OutcomeUnknown,
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Conflict {
                field,
                expected,
                found,
            } => write!(
                f,
                "changed by someone else since: {field} is {found}, the unit left {expected}"
            ),
            Self::Refused(e) => write!(f, "Odoo refused to undo it: {e}"),
            Self::NotCompensable => {
                f.write_str("a method the unit cannot undo, called without an inverse")
            }
            Self::OutcomeUnknown => {
                f.write_str("its outcome is unknown: nothing identifies what it made")
            }
        }
    }
}

/// A record (or call) the rollback could not put back.
#[derive(Debug)]
#[non_exhaustive]
pub struct Uncompensated {
    /// The model, or `model.method` for a call.
    pub model: String,
    /// The record, when there is one.
    pub id: Option<i64>,
    /// Why.
    pub reason: Reason,
}

/// What a rollback did.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct RollbackReport {
    /// Steps undone.
    pub steps: usize,
    /// What could not be undone; empty when the rollback is complete.
    pub uncompensated: Vec<Uncompensated>,
    /// Deleted records made again: (model, old id, new id).
    pub recreated: Vec<(String, i64, i64)>,
}

impl RollbackReport {
    /// Whether everything was undone.
    pub fn is_complete(&self) -> bool {
        self.uncompensated.is_empty()
    }

    /// The new id of a deleted record that was made again.
    pub fn new_id(&self, model: &str, old: i64) -> Option<i64> {
        self.recreated
            .iter()
            .find(|(m, o, _)| m == model && *o == old)
            .map(|(_, _, n)| *n)
    }
}

impl std::fmt::Display for RollbackReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let steps = if self.steps == 1 { "step" } else { "steps" };
        if self.is_complete() {
            write!(f, "rolled back: {} {steps} undone", self.steps)?;
        } else {
            write!(
                f,
                "partly rolled back: {} {steps}, {} not undone",
                self.steps,
                self.uncompensated.len()
            )?;
        }
        for (m, o, n) in &self.recreated {
            write!(f, "\n  {m} {o} was made again as {n}")?;
        }
        for u in &self.uncompensated {
            match u.id {
                Some(id) => write!(f, "\n  {} {id}: {}", u.model, u.reason)?,
                None => write!(f, "\n  {}: {}", u.model, u.reason)?,
            }
        }
        Ok(())
    }
}
