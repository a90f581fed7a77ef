//! `zenoo-server`: the purchase-order sync of [`zenoo_sync`] as an HTTP
//! service for an application and its operators.
//!
//! - a REST API ([`api`]) described at `/openapi.json` (generated from the
//!   types with `utoipa` and `utoipa-axum`), errors as RFC 9457 problems
//!   ([`problem`]);
//! - API keys with scopes ([`keys`]) and users' JWTs with revocable
//!   refresh and access tokens ([`tokens`], [`revocation`]);
//! - rate limits per IP, user and key with temporary bans ([`ratelimit`]),
//!   body and header limits and timeouts on every route, connections capped
//!   in all and per address ([`listen`]), WebSockets in all and per
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

pub mod actions;
pub mod api;
pub mod app;
pub mod audit;
pub mod config;
pub mod events;
pub mod keys;
pub mod listen;
pub mod metrics;
mod page;
pub mod principal;
pub mod problem;
pub mod ratelimit;
pub mod revocation;
pub mod serve;
pub mod slots;
pub mod subscribers;
pub mod tokens;
pub mod ws;

pub use config::{Config, ConfigError};
pub use serve::{Running, migrate, open_store, start};
