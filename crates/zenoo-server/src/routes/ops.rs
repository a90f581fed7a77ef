//! What operators and Odoo call: liveness, readiness (details for admins
//! only) and Odoo's automation webhook.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use zenoo_sync::WebhookError;

use crate::extract::Path;
use crate::principal::{Principal, Scope};
use crate::problem::Problem;
use crate::state::App;

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process answers", body = String)))]
pub(crate) async fn healthz() -> &'static str {
    "ok\n"
}

/// One component's state, for `/readyz`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Component {
    ok: bool,
    /// What was found (only for a caller with the `admin` scope).
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

/// Every component's state.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Readiness {
    ready: bool,
    store: Component,
    odoo: Component,
    outbox: Component,
}

/// Readiness: the store and Odoo answer, and the outbox keeps up; 503
/// otherwise. Each component's detail (the Odoo version and user, the
/// backlog, the error) goes only to a caller with the `admin` scope.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Readiness),
        (status = 503, description = "A component fails", body = Readiness),
    ))]
pub(crate) async fn readyz(
    State(app): State<App>,
    caller: Option<axum::Extension<Principal>>,
) -> Response {
    let details = caller.is_some_and(|axum::Extension(p)| p.has(Scope::Admin));
    let component = |ok: bool, detail: String| Component {
        ok,
        detail: details.then_some(detail),
    };
    let (store, outbox) = match app.sync.status().await {
        Ok(s) => (
            component(true, format!("{} jobs waiting", s.backlog)),
            component(
                s.lag_seconds <= app.settings.max_lag_seconds,
                format!(
                    "oldest waiting job {:.0} s old (limit {:.0} s)",
                    s.lag_seconds, app.settings.max_lag_seconds
                ),
            ),
        ),
        Err(e) => (
            // The error and its causes, e.g. "the sync store failed: …".
            component(false, format!("{:#}", anyhow::Error::new(e))),
            component(false, "unknown: the store does not answer".into()),
        ),
    };
    // A call that needs the sync's own credentials: they still work.
    let me = serde_json::json!([["id", "=", app.client.uid()]]);
    let odoo = match app.client.search_count("res.users", me).await {
        Ok(_) => component(
            true,
            format!(
                "Odoo {} answers as user {}",
                app.client.server_version().server_version,
                app.client.uid()
            ),
        ),
        Err(e) => component(false, e.to_string()),
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
#[utoipa::path(post, path = "/hooks/odoo/{token}", tag = "operations",
    params(("token" = String, Path, description = "The installation's webhook token")),
    request_body(content = String, description = "Odoo's payload: {\"_model\", \"_id\", \"_action\"}", content_type = "application/json"),
    responses(
        (status = 202, description = "The next poll comes sooner"),
        (status = 400, description = "Not an Odoo payload", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown token", body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn odoo_webhook(
    State(app): State<App>,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
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
