//! `zenoo-server`: the purchase-order sync of [`zenoo_sync`] as an HTTP
//! service for an application and its operators.
//!
//! - a REST API (`routes`) described at `/openapi.json` (generated from the
//!   types with `utoipa` and `utoipa-axum`), errors as RFC 9457 problems
//!   ([`problem`]);
//! - API keys with scopes ([`keys`]) and users' JWTs with revocable
//!   refresh and access tokens ([`tokens`], [`revocation`]);
//! - rate limits per IP, user and key with temporary bans (`ratelimit`),
//!   body and header limits and timeouts on every route, connections capped
//!   in all and per address (`listen`), WebSockets in all and per
//!   principal ([`ws`]);
//! - `/healthz`, `/readyz`, `/metrics` ([`metrics`]), a request id in every
//!   log line and answer;
//! - live events over a WebSocket ([`ws`]), fanned out across instances
//!   through PostgreSQL ([`events`]), and signed outgoing webhooks
//!   ([`subscribers`]);
//! - declarative actions from a YAML file ([`actions`]);
//! - a web page at `/`, served from the binary.
//!
//! [`start`] runs it all from a [`Config`].
//!
//! The source reads top down: `state`, `extract` and [`problem`] are what
//! handlers share; `middleware` (observe, then guard) wraps every route;
//! `routes` has one module per resource; `router` puts them under the
//! layers with the OpenAPI document; `serve` starts it all. Imports run one
//! way, down: nothing below imports a route.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod actions;
pub(crate) mod audit;
pub mod config;
pub mod events;
pub(crate) mod extract;
pub mod keys;
pub(crate) mod listen;
pub mod metrics;
pub(crate) mod middleware;
pub mod principal;
pub mod problem;
pub(crate) mod ratelimit;
pub mod revocation;
pub(crate) mod router;
pub(crate) mod routes;
mod serve;
pub(crate) mod slots;
pub(crate) mod state;
pub mod subscribers;
pub mod tables;
pub mod tokens;

pub use config::{Config, ConfigError};
pub use routes::ws;
pub use serve::{Running, open_store, start, start_demo};
pub use tables::Tables;
