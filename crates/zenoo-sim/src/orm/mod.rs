//! The in-memory ORM: models, records, domains and the model methods.
//!
//! [`Database`] and everything it does live in `database/`, one file per
//! kind of work (reading, writing, grouping, access rights, workflows, the
//! journal, ...); the files beside it are the values it works with: model
//! definitions (`model`), records (`record`), domains' syntax and leaf
//! values, bound parameters, the method table, Python reprs, dates and
//! text rules.

mod bind;
mod calendar;
mod database;
#[cfg(test)]
mod domain_props;
mod domain_syntax;
mod leaf_values;
mod method_table;
mod model;
mod order_cache;
mod pyrepr;
mod record;
mod rule_eval;
mod text;

pub use bind::{Bound, ids_of};
pub use database::transaction::snapshot;
pub use database::translate::load_translations;
pub use database::{Database, Env, Table};
pub use method_table::{changes_data, is_private, lookup, public_methods};
pub use model::{Field, ModelDef};
