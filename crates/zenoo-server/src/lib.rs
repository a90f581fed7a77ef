//! `zenoo-server`: the purchase-order sync of [`zenoo_sync`] as an HTTP
//! service. This is its foundation: the configuration, read from a TOML
//! file, the environment and secret files, and checked at start.

pub mod app;
pub mod config;
pub mod problem;
pub mod serve;

pub use config::{Config, ConfigError};
pub use serve::{Running, start};
