//! The in-memory ORM: models, records, domains and the model methods.

mod access;
mod bind;
mod business;
mod calendar;
mod database;
mod dispatch;
mod domain;
#[cfg(test)]
mod domain_props;
mod domain_syntax;
mod execute;
mod group;
mod journal;
mod leaf_values;
mod method_table;
mod model;
mod names;
mod order;
mod order_cache;
mod pyrepr;
mod read;
mod record;
mod rule_eval;
mod security;
mod text;
mod transaction;
mod translate;
mod web_read;
mod workflow;
mod write;

pub use bind::{Bound, ids_of};
pub use database::{Database, Env, Table};
pub use method_table::{changes_data, is_private, lookup, public_methods};
pub use model::{Field, ModelDef};
pub use transaction::snapshot;
pub use translate::load_translations;
