//! The routes, one module per resource; each uses the state, the
//! extractors and the problems, and nothing below imports a route.

pub(crate) mod actions;
pub(crate) mod auth;
pub(crate) mod conflicts;
pub(crate) mod demo;
pub(crate) mod jobs;
pub(crate) mod ops;
pub(crate) mod orders;
pub(crate) mod page;
pub mod ws;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::App;

/// The REST API's routes (the WebSocket, the page and the operators' routes are
/// added by [`crate::router`]).
pub(crate) fn api() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(orders::list_orders, orders::create_order))
        .routes(routes!(
            orders::get_order,
            orders::update_order,
            orders::delete_order
        ))
        .routes(routes!(orders::order_sync, orders::force_sync))
        .routes(routes!(orders::sync_status))
        .routes(routes!(conflicts::list_conflicts))
        .routes(routes!(conflicts::resolve_conflict))
        .routes(routes!(jobs::failed_jobs))
        .routes(routes!(jobs::retry_failed))
        .routes(routes!(auth::login))
        .routes(routes!(auth::refresh))
        .routes(routes!(auth::logout))
        .routes(routes!(actions::list_actions))
        .routes(routes!(actions::run_action))
}
