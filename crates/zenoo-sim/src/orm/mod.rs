//! The in-memory ORM: models, records, domains and the model methods.

mod access;
mod business;
mod database;
mod domain;
mod execute;
mod group;
mod methods;
mod model;
mod order;
mod order_cache;
mod pyrepr;
mod read;
mod record;
mod text;
mod translate;
mod web_read;
mod write;

pub use database::{Database, Env, Table};
pub use domain::Filter;
pub use execute::LANGS;
pub use methods::{Bound, Param, Signature, ids_of, is_private, public_methods, signature};
pub use model::{Field, FieldType, ModelDef};
pub use read::Load;
pub use record::{Layout, Record};
pub use write::now_string;
