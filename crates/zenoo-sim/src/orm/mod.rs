//! The in-memory ORM: models, records, domains and the model methods.

mod access;
mod bind;
mod business;
mod calendar;
mod database;
mod dispatch;
mod domain;
mod execute;
mod group;
mod journal;
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

pub use bind::{Bound, bind, ids_of};
pub use database::{Database, Env, Table};
pub use domain::Filter;
pub use execute::LANGS;
pub use method_table::{
    METHODS, Method, Operation, Param, Signature, changes_data, is_private, lookup, public_methods,
};
pub use model::{Field, FieldType, ModelDef};
pub use read::Load;
pub use record::{Layout, Record};
pub use transaction::snapshot;
pub use translate::load_translations;
pub use write::now_string;
