//! The HTTP routes: liveness, readiness and Odoo's webhook.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use zenoo_rpc::Client;
use zenoo_sync::{Store, SyncService, Webhook, WebhookError};

use crate::problem::Problem;

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
    /// Readiness fails when the oldest waiting job is older than this.
    pub max_lag_seconds: f64,
}

/// The routes, with `body_bytes` as the largest body any of them reads.
pub fn router(app: App, body_bytes: usize) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/hooks/odoo/{token}", post(odoo_webhook))
        .layer(DefaultBodyLimit::max(body_bytes))
        .with_state(app)
}

/// Liveness: the process answers.
async fn healthz() -> &'static str {
    "ok\n"
}

/// One component's state, for `/readyz`.
#[derive(Debug, Serialize)]
struct Component {
    ok: bool,
    detail: String,
}

#[derive(Debug, Serialize)]
struct Readiness {
    ready: bool,
    store: Component,
    odoo: Component,
    outbox: Component,
}

/// Readiness: the store and Odoo answer, and the outbox keeps up; 503 with
/// the failing component's detail otherwise.
async fn readyz(State(app): State<App>) -> Response {
    let (store, outbox) = match app.sync.status().await {
        Ok(s) => (
            Component {
                ok: true,
                detail: format!("{} jobs waiting", s.backlog),
            },
            Component {
                ok: s.lag_seconds <= app.max_lag_seconds,
                detail: format!(
                    "oldest waiting job {:.0} s old (limit {:.0} s)",
                    s.lag_seconds, app.max_lag_seconds
                ),
            },
        ),
        Err(e) => (
            Component {
                ok: false,
                detail: e.to_string(),
            },
            Component {
                ok: false,
                detail: "unknown: the store does not answer".into(),
            },
        ),
    };
    // A call that needs the sync's own credentials: they still work.
    let me = serde_json::json!([["id", "=", app.client.uid()]]);
    let odoo = match app.client.search_count("res.users", me).await {
        Ok(_) => Component {
            ok: true,
            detail: format!(
                "Odoo {} answers as user {}",
                app.client.server_version().server_version,
                app.client.uid()
            ),
        },
        Err(e) => Component {
            ok: false,
            detail: e.to_string(),
        },
    };
    let ready = store.ok && odoo.ok && outbox.ok;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        axum::Json(Readiness {
            ready,
            store,
            odoo,
            outbox,
        }),
    )
        .into_response()
}

/// Odoo's "Send Webhook Notification": only makes the next poll sooner.
async fn odoo_webhook(State(app): State<App>, Path(token): Path<String>, body: Bytes) -> Response {
    match app.webhook.accept(&token, &body) {
        Ok(_) => StatusCode::ACCEPTED.into_response(),
        Err(WebhookError::BadToken) => Problem::new(
            StatusCode::NOT_FOUND,
            "unknown-webhook",
            "No such webhook",
            "the webhook URL's token is not this installation's",
        )
        .into_response(),
        Err(e) => Problem::new(
            StatusCode::BAD_REQUEST,
            "bad-webhook-payload",
            "Not an Odoo automation payload",
            e.to_string(),
        )
        .into_response(),
    }
}
