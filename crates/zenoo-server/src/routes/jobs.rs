//! Failed jobs and their replay.

use axum::extract::State;
use axum::http::StatusCode;
use zenoo_sync::{OrderStatus, OrderSummary};

use crate::extract::{Caller, Json};
use crate::principal::Scope;
use crate::problem::Problem;
use crate::routes::orders::{Queued, resync_each};
use crate::state::App;

/// Orders whose job failed for good, with the error.
#[utoipa::path(get, path = "/jobs/failed", tag = "jobs",
    responses(
        (status = 200, body = Vec<OrderSummary>),
    ),
    security(("bearer" = []), ("api_key" = [])))]
pub(crate) async fn failed_jobs(
    State(app): State<App>,
    caller: Caller,
) -> Result<Json<Vec<OrderSummary>>, Problem> {
    caller.require(Scope::OrdersRead)?;
    let failed = app
        .store
        .list_orders_page(
            Some(OrderStatus::Failed),
            caller.0.suppliers.as_deref(),
            1000,
            0,
        )
        .await
        .map_err(Problem::from)?;
    Ok(Json(failed))
}

/// Replays the failed jobs: every failed order is queued again, due now.
#[utoipa::path(post, path = "/jobs/failed/retry", tag = "jobs",
    responses(
        (status = 202, body = Queued),
    ),
    security(("bearer" = []), ("api_key" = [])))]
pub(crate) async fn retry_failed(
    State(app): State<App>,
    caller: Caller,
) -> Result<(StatusCode, Json<Queued>), Problem> {
    caller.require(Scope::OrdersWrite)?;
    let queued = if caller.0.suppliers.is_none() {
        app.store.retry_failed().await.map_err(Problem::from)?
    } else {
        // Only the caller's: one by one.
        resync_each(
            &app,
            Some(OrderStatus::Failed),
            caller.0.suppliers.as_deref(),
        )
        .await?
    };
    Ok((StatusCode::ACCEPTED, Json(Queued { queued })))
}
