//! The view of an Odoo order that both directions share: what the poll
//! reads of an order ([`OdooView`]), what the last push left in Odoo
//! ([`Snapshot`]), and what a comparison takes from Odoo into the
//! application ([`OdooChange`]).

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::conflict::{Decided, Take};
use crate::order::AppLine;

/// What the last push left in Odoo: the order's lines as sent, with the
/// Odoo line ids, so that the next push sends only the difference.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Snapshot {
    pub(crate) supplier_ref: String,
    pub(crate) currency: String,
    pub(crate) lines: Vec<(i64, AppLine)>,
    /// The supplier's partner id in Odoo.
    #[serde(default)]
    pub(crate) partner_id: i64,
    /// Odoo's state of the order (`draft`, `purchase`, `cancel`, ...).
    #[serde(default)]
    pub(crate) state: Option<String>,
}

/// Odoo's version of one order.
#[derive(Debug, Clone)]
pub(crate) struct OdooView {
    pub(crate) partner_id: i64,
    pub(crate) state: Option<String>,
    pub(crate) write_date: Option<String>,
    pub(crate) lines: Vec<(i64, AppLine)>,
}

impl OdooView {
    /// A digest of what the sync reads of the order (not its
    /// `write_date`: an edit that changes nothing it reads is nothing).
    pub(crate) fn hash(&self) -> String {
        use sha2::Digest;
        let text = json!([self.partner_id, self.state, self.lines]).to_string();
        let digest = sha2::Sha256::digest(text.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// What a comparison takes from Odoo into the application.
pub(crate) struct OdooChange<'a> {
    /// The supplier, when Odoo's is taken.
    pub supplier_ref: Option<&'a str>,
    /// The lines, when they change in the application.
    pub lines: Option<&'a [AppLine]>,
    /// Odoo's state.
    pub state: Option<&'a str>,
    /// What Odoo holds now: the base of the next push and comparison.
    pub snapshot: &'a Snapshot,
    /// Odoo's `write_date`.
    pub write_date: Option<&'a str>,
    /// The application's version (or a merge) must go to Odoo again.
    pub push_again: bool,
    /// Conflicts decided on the way, for the record.
    pub decided: &'a [Decided],
    /// The comparison resolves the order's open conflicts for this side.
    pub settles: Option<Take>,
}

/// FNV-1a, 64 bits: a stable hash of a snapshot's text.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
