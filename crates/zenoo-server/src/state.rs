//! What the routes share: the service's state and the settings they read.

use std::sync::Arc;
use std::time::Duration;

use zenoo_rpc::Client;
use zenoo_sync::{Store, SyncService, Webhook};

use crate::actions::Actions;
use crate::audit::RequestAudit;
use crate::events::EventHub;
use crate::keys::ApiKeys;
use crate::ratelimit::Limits;
use crate::tokens::Tokens;

/// Settings the routes read.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Readiness fails when the oldest waiting job is older than this.
    pub max_lag_seconds: f64,
    /// Seconds between WebSocket pings.
    pub heartbeat_seconds: u64,
    /// Events a WebSocket client may have waiting.
    pub ws_queue: usize,
    /// How long its queue may stay full.
    pub ws_grace: Duration,
    /// The largest request body.
    pub body_bytes: usize,
    /// How long a request may take.
    pub request_timeout: Duration,
    /// Whether the demo's routes are mounted (`zenoo-server --sim`).
    pub demo: bool,
}

/// What the routes share.
#[derive(Clone)]
pub struct App {
    /// The running sync.
    pub sync: Arc<SyncService>,
    /// Its store.
    pub store: Store,
    /// Its Odoo client.
    pub client: Client,
    /// Odoo's webhook, checking the installation's token.
    pub webhook: Webhook,
    /// API keys.
    pub keys: ApiKeys,
    /// User tokens.
    pub tokens: Tokens,
    /// Rate limits.
    pub limits: Arc<Limits>,
    /// Events for the WebSocket and the subscribers.
    pub hub: EventHub,
    /// The declarative actions.
    pub actions: Arc<Actions>,
    /// Who asked for what.
    pub audit: RequestAudit,
    /// The WebSockets open.
    pub sockets: crate::slots::Sockets,
    /// Settings.
    pub settings: Settings,
}
