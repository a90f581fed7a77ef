//! Two-way sync of an application's purchase orders with Odoo's
//! `purchase.order`.
//!
//! The application keeps its orders in its own store ([`Store`]: SQLite
//! by default, PostgreSQL when several instances share the work). Every
//! change to an order writes, in the same database transaction, a job to
//! the store's outbox; workers claim jobs with a lease, one order at a
//! time, and send them to Odoo.
//!
//! The outbox is a table of the store, not a job-queue crate: a job must
//! be written in the application's own transaction, which `apalis` cannot
//! join and `underway` only can on PostgreSQL. Claiming is one `UPDATE …
//! RETURNING` on both databases (with `FOR UPDATE SKIP LOCKED` on
//! PostgreSQL, so that workers never wait for each other); SQLite has one
//! writer at a time anyway.
//!
//! What is here: the
//! store and its migrations, orders with their lines, the outbox with
//! leases and per-order order, the mapping of suppliers, products and
//! currencies, and the worker that pushes orders to Odoo (created once,
//! changes as x2many commands from the last synced snapshot, failures
//! classed transient / permanent / business).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod conflict;
mod error;
mod event;
mod mapping;
mod merge;
mod odoo;
mod order;
mod poll;
mod push;
mod service;
mod store;

pub use conflict::{OpenConflict, Part, Policies, Policy, Take};
pub use error::{Error, ErrorClass, JobError, Result};
pub use event::{Direction, Events, SyncEvent};
pub use mapping::{Mapping, MappingRules};
pub use merge::Collision;
pub use order::{AppLine, AppOrder, NewOrder, OrderStatus};
pub use poll::{PollReport, Poller};
pub use push::{PushReport, Worker};
pub use service::{Payload, Round, Status, SyncService, Webhook, WebhookError};
pub use store::{
    AuditEntry, Backend, ClaimedJob, Deletion, JobKind, OrderSummary, Origin, Resync, Store,
};

/// The crate README's example, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;
