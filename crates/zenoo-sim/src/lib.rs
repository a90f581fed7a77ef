//! # zenoo-sim
//!
//! An Odoo-compatible server you can start inside a test. It serves Odoo's
//! external API — JSON-RPC (`/jsonrpc`), XML-RPC (`/xmlrpc/2/*`), the web
//! session API (`/web/session/*`, `/web/dataset/call_kw`) and, as Odoo 19,
//! JSON-2 (`/json/2/<model>/<method>`) — from an in-memory ORM that
//! evaluates domains, orders, reads and writes the way Odoo does.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use zenoo_sim::Sim;
//!
//! let sim = Sim::builder().start().await?;      // built-in demo dataset, db "demo"
//! println!("Odoo at {} (admin/admin)", sim.url());
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod auth;
mod builder;
pub mod dataset;
mod error;
mod fault;
mod handle;
pub mod live;
pub(crate) mod orm;
mod server;
pub mod shared_data;
pub mod skip;
mod version;

pub use builder::{Limits, Sim, SimBuilder, SimUser, StartError};
pub use dataset::Dataset;
pub use error::{OdooException, OdooResult};
pub use fault::{Fault, FaultPlan};
pub use handle::SimHandle;
pub use server::LoggedRequest;
pub use version::OdooVersion;

/// The crate README's example, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;
