//! # zenoo-rpc
//!
//! A correct, typed, fast async client for Odoo's external API: JSON-RPC,
//! XML-RPC, the web session API and Odoo 19's JSON-2, behind one [`Client`].
//! Results decode straight into your types; Odoo's exceptions become
//! an [`ErrorKind::Odoo`] error with a [`OdooErrorKind`]; context is layered
//! (client default ← user context ← per call).
//!
//! Describe a model once, with the derive; read it through a typed query:
//!
//! ```
//! use zenoo_rpc::{Client, Many2one, Model};
//!
//! #[derive(Model, Debug)]
//! #[odoo(model = "res.partner")]
//! struct Partner {
//!     id: i64,
//!     name: String,
//!     email: Option<String>,             // Odoo's `false` is None
//!     is_company: bool,
//!     parent_id: Option<Many2one<Partner>>,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> zenoo_rpc::Result<()> {
//! # let sim = zenoo_sim::Sim::builder().start().await.expect("sim");
//! # let url = sim.url();
//! let client = Client::builder(&url).database("demo").password("admin", "admin").build().await?;
//! let companies = client
//!     .model::<Partner>()
//!     .filter(Partner::is_company().eq(true))
//!     .order_by("name")
//!     .limit(5)
//!     .all()
//!     .await?;
//! assert!(companies.iter().all(|p| p.is_company));
//! # Ok(()) }
//! ```
//!
//! Untyped calls are there too, for what no struct describes:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> zenoo_rpc::Result<()> {
//! # let sim = zenoo_sim::Sim::builder().start().await.expect("sim");
//! # let url = sim.url();
//! use serde_json::json;
//! use zenoo_rpc::{Client, Context, SearchOptions};
//!
//! let client = Client::builder(&url).database("demo").password("admin", "admin").build().await?;
//! let n = client.search_count("res.partner", json!([["is_company", "=", true]])).await?;
//! let archived = client
//!     .search("res.partner", json!([]), SearchOptions::new().context(Context::new().active_test(false)))
//!     .await?;
//! assert!(archived.len() as u64 > n);
//! # Ok(()) }
//! ```
//!
//! The guide is the Zenoo book (`docs/` in the repository).
//!
//! The map:
//! - [`Client`] and [`ClientBuilder`]: one logged-in connection; the builder
//!   picks the protocol ([`ProtocolKind`]) and assembles the layer stack.
//! - [`Records`] (`client.model::<M>()`): creates and query starters;
//!   [`Query`]: reads, counts, streams, grouped reads, `update`, `delete`.
//! - [`Model`] and `#[derive(Model)]`, [`Domain`] and [`Q`], the value types
//!   in [`value`], [`Command`] for x2many writes.
//! - [`Call`] → the layer stack ([`BoxService`], [`ClientBuilder::layer`])
//!   → the protocol → [`Response`], decoded into your type.
//! - [`db::DbService`] for databases, [`blocking::Client`] for synchronous code.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod batch;
pub mod blocking;
mod builder;
pub mod cache;
mod call;
mod client;
mod codec;
mod command;
mod context;
pub mod db;
pub mod domain;
mod error;
mod external_id;
pub mod method;
mod model;
mod protocol;
mod query;
mod record;
mod records;
mod relations;
mod response;
pub mod schema;
pub mod suggest;
mod transport;
pub mod unit;
pub mod value;
mod version;

pub use batch::{Batch, BatchReport, ChunkFailure, Progress};
#[doc(inline)]
pub use builder::{
    ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_SIZE, DEFAULT_TIMEOUT,
};
pub use cache::{CacheConfig, CacheStats, Eviction};
#[doc(inline)]
pub use call::Call;
pub use client::{Client, Load, SearchOptions, ServerStatus};
pub use command::Command;
pub use context::Context;
pub use domain::q::{LOOKUPS, Q, escape_like};
#[doc(inline)]
pub use domain::{Domain, Leaf, Operand, Operator};
#[doc(inline)]
pub use error::{Error, ErrorKind, OdooError, OdooErrorKind, Result};
pub use external_id::IdempotencyKey;
pub use model::{Field, FieldSet, Model, NoFields, Record, Relation};
pub use protocol::ProtocolKind;
#[doc(inline)]
pub use query::{GroupBy, Query};
pub use record::DynamicRecord;
#[doc(inline)]
pub use records::Records;
pub use relations::{Prefetched, Related};
pub use response::Response;
#[doc(inline)]
pub use transport::balance::Balance;
pub use transport::breaker::{BreakerPolicy, CircuitState};
pub use transport::request_id::with_request_id;
pub use transport::retry::RetryPolicy;
pub use transport::stack::BoxService;
pub use transport::{balance, breaker, retry};
pub use unit::{RollbackReport, Savepoint, UnitOfWork};
pub use value::{Binary, Date, Datetime, Decimal, Many2one, Monetary, Reference, X2many};
pub use version::ServerVersion;
pub use zenoo_derive::{Model, Selection};

#[doc(hidden)]
pub mod __private {
    //! What the derives' generated code refers to; not a public API.
    pub use serde;

    pub mod fuzz {
        //! Entry points for the fuzz targets in `fuzz/`.

        use std::sync::Arc;

        fn reply(body: &[u8], media_type: &str) -> crate::transport::http::HttpReply {
            crate::transport::http::HttpReply {
                status: 200,
                media_type: media_type.into(),
                headers: Default::default(),
                body: bytes::Bytes::copy_from_slice(body),
                url: Arc::from("http://fuzz"),
            }
        }

        /// Decodes `body` as an XML-RPC reply into a JSON value.
        pub fn xmlrpc_reply(body: &[u8]) {
            if let Ok(r) = crate::protocol::xmlrpc_decode(reply(body, "text/xml"), "fuzz".into()) {
                let _ = r.decode::<serde_json::Value>();
            }
        }

        /// Decodes `body` as a JSON-RPC reply into a JSON value.
        pub fn jsonrpc_reply(body: &[u8]) {
            if let Ok(r) =
                crate::protocol::jsonrpc_decode(reply(body, "application/json"), "fuzz".into())
            {
                let _ = r.decode::<serde_json::Value>();
            }
        }
    }

    /// The error of a selection enum's `FromStr`.
    pub fn invalid_selection(
        value: &str,
        type_name: &'static str,
        expected: &'static str,
    ) -> crate::value::InvalidSelection {
        crate::value::InvalidSelection::new(value, type_name, expected)
    }
}

/// The examples of the READMEs and of the book (`docs/`), compiled and run
/// as doctests. (Only with `cfg(doctest)`: the packaged crate holds its own
/// README alone.)
#[cfg(doctest)]
mod book {
    #[doc = include_str!("../README.md")]
    struct CrateReadmeChapter;
    #[doc = include_str!("../../../README.md")]
    struct ReadmeChapter;
    #[doc = include_str!("../../../docs/src/client/quick-start.md")]
    struct QuickStartChapter;
    #[doc = include_str!("../../../docs/src/client/models.md")]
    struct ModelsChapter;
    #[doc = include_str!("../../../docs/src/client/layers.md")]
    struct LayersChapter;
    #[doc = include_str!("../../../docs/src/client/unit-of-work.md")]
    struct UnitOfWorkChapter;
    #[doc = include_str!("../../../docs/src/client/errors.md")]
    struct ErrorsChapter;
    #[doc = include_str!("../../../docs/src/simulator.md")]
    struct SimulatorChapter;
    #[doc = include_str!("../../zenoo-derive/README.md")]
    struct DeriveReadmeChapter;
}
