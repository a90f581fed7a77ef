//! The application's purchase orders: listing, creating (which queues the
//! sync in the same transaction), reading, changing, deleting, each
//! order's sync state, forced syncs, and the sync's status as the caller
//! may see it.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use zenoo_sync::{
    AppOrder, AuditEntry, Deletion, NewOrder, OrderStatus, OrderSummary, Resync, Status,
};

use crate::extract::{Caller, Json, Path, Query};
use crate::principal::Scope;
use crate::problem::Problem;
use crate::state::App;

/// Which orders to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    /// Only orders with this sync status.
    pub status: Option<OrderStatus>,
    /// At most this many (default 100, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// Skip this many.
    #[param(minimum = 0, maximum = 2147483647)]
    pub offset: Option<u32>,
}

/// The application's orders with their sync state, oldest first (those of
/// the caller's suppliers).
#[utoipa::path(get, path = "/orders", tag = "orders", params(OrderQuery),
    responses(
        (status = 200, body = Vec<OrderSummary>),
    ),
    security(("bearer" = []), ("api_key" = [])))]
pub(crate) async fn list_orders(
    State(app): State<App>,
    caller: Caller,
    Query(q): Query<OrderQuery>,
) -> Result<Json<Vec<OrderSummary>>, Problem> {
    caller.require(Scope::OrdersRead)?;
    let limit = q.limit.unwrap_or(100);
    let offset = q.offset.unwrap_or(0);
    if !(1..=1000).contains(&limit) || offset > i32::MAX as u32 {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid-query",
            "The query is not what this route takes",
            format!(
                "limit must be 1 to 1000 (is {limit}) and offset at most 2147483647 (is {offset})"
            ),
        ));
    }
    let orders = app
        .store
        .list_orders_page(
            q.status,
            caller.0.suppliers.as_deref(),
            limit,
            u64::from(offset),
        )
        .await
        .map_err(Problem::from)?;
    Ok(Json(orders))
}

pub(crate) fn check_supplier(caller: &Caller, order: &NewOrder) -> Result<(), Problem> {
    if caller.0.may_see(&order.supplier_ref) {
        Ok(())
    } else {
        Err(Problem::forbidden(
            "the caller may not handle this supplier's orders",
        ))
    }
}

/// The order `uuid` if the caller may see it.
pub(crate) async fn visible_order(
    app: &App,
    caller: &Caller,
    uuid: Uuid,
) -> Result<AppOrder, Problem> {
    match app.store.order(uuid).await.map_err(Problem::from)? {
        Some(o) if caller.0.may_see(&o.supplier_ref) => Ok(o),
        _ => Err(Problem::order_not_found(uuid)),
    }
}

/// Records a new order; its sync to Odoo is queued in the same transaction.
#[utoipa::path(post, path = "/orders", tag = "orders", request_body = NewOrder,
    responses(
        (status = 201, body = AppOrder, headers(("location" = String))),
    ),
    security(("bearer" = []), ("api_key" = [])))]
pub(crate) async fn create_order(
    State(app): State<App>,
    caller: Caller,
    Json(order): Json<NewOrder>,
) -> Result<Response, Problem> {
    caller.require(Scope::OrdersWrite)?;
    check_supplier(&caller, &order)?;
    let uuid = app.store.add_order(&order).await.map_err(Problem::from)?;
    let created = visible_order(&app, &caller, uuid).await?;
    let mut r = (StatusCode::CREATED, Json(created)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/orders/{uuid}")) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

/// One order with its lines and sync state.
#[utoipa::path(get, path = "/orders/{uuid}", tag = "orders",
    params(("uuid" = Uuid, Path, description = "The order's id")),
    responses(
        (status = 200, body = AppOrder),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = [])))]
pub(crate) async fn get_order(
    State(app): State<App>,
    caller: Caller,
    Path(uuid): Path<Uuid>,
) -> Result<Json<AppOrder>, Problem> {
    caller.require(Scope::OrdersRead)?;
    Ok(Json(visible_order(&app, &caller, uuid).await?))
}

/// Replaces the order's supplier, currency and lines; the change's sync is
/// queued in the same transaction.
#[utoipa::path(put, path = "/orders/{uuid}", tag = "orders", request_body = NewOrder,
    params(("uuid" = Uuid, Path, description = "The order's id")),
    responses(
        (status = 200, body = AppOrder),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = [])))]
pub(crate) async fn update_order(
    State(app): State<App>,
    caller: Caller,
    Path(uuid): Path<Uuid>,
    Json(order): Json<NewOrder>,
) -> Result<Json<AppOrder>, Problem> {
    caller.require(Scope::OrdersWrite)?;
    visible_order(&app, &caller, uuid).await?;
    check_supplier(&caller, &order)?;
    if !app
        .store
        .update_order(uuid, &order)
        .await
        .map_err(Problem::from)?
    {
        return Err(Problem::order_not_found(uuid));
    }
    Ok(Json(visible_order(&app, &caller, uuid).await?))
}

/// Deletes an order Odoo has not got yet; one Odoo has is cancelled there
/// instead (409).
#[utoipa::path(delete, path = "/orders/{uuid}", tag = "orders",
    params(("uuid" = Uuid, Path, description = "The order's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = [])))]
pub(crate) async fn delete_order(
    State(app): State<App>,
    caller: Caller,
    Path(uuid): Path<Uuid>,
) -> Result<StatusCode, Problem> {
    caller.require(Scope::OrdersWrite)?;
    visible_order(&app, &caller, uuid).await?;
    match app.store.delete_order(uuid).await.map_err(Problem::from)? {
        Deletion::Deleted => Ok(StatusCode::NO_CONTENT),
        Deletion::InOdoo => Err(Problem::new(
            StatusCode::CONFLICT,
            "order-in-odoo",
            "Odoo has this order",
            "an order Odoo has (or is receiving) is cancelled in Odoo, not deleted",
        )),
        _ => Err(Problem::order_not_found(uuid)),
    }
}

/// Where an order stands with Odoo, and its history.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderSync {
    /// The order.
    pub uuid: Uuid,
    /// Where it stands.
    pub status: OrderStatus,
    /// Its `purchase.order` id, once Odoo has it.
    pub odoo_id: Option<i64>,
    /// The last error, when a job failed.
    pub last_error: Option<String>,
    /// Every change on either side, oldest first.
    pub history: Vec<AuditEntry>,
}

/// The order's sync state and audit history.
#[utoipa::path(get, path = "/orders/{uuid}/sync", tag = "orders",
    params(("uuid" = Uuid, Path, description = "The order's id")),
    responses(
        (status = 200, body = OrderSync),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = [])))]
pub(crate) async fn order_sync(
    State(app): State<App>,
    caller: Caller,
    Path(uuid): Path<Uuid>,
) -> Result<Json<OrderSync>, Problem> {
    caller.require(Scope::OrdersRead)?;
    let order = visible_order(&app, &caller, uuid).await?;
    let history = app.store.audit(uuid).await.map_err(Problem::from)?;
    Ok(Json(OrderSync {
        uuid,
        status: order.status,
        odoo_id: order.odoo_id,
        last_error: order.last_error,
        history,
    }))
}

/// What a forced sync did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Queued {
    /// How many orders were queued.
    pub queued: u64,
}

/// Forces a sync of the order: a push due now, which reads Odoo's order
/// and compares three ways.
#[utoipa::path(post, path = "/orders/{uuid}/sync", tag = "orders",
    params(("uuid" = Uuid, Path, description = "The order's id")),
    responses(
        (status = 202, body = Queued),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = [])))]
pub(crate) async fn force_sync(
    State(app): State<App>,
    caller: Caller,
    Path(uuid): Path<Uuid>,
) -> Result<(StatusCode, Json<Queued>), Problem> {
    caller.require(Scope::OrdersWrite)?;
    visible_order(&app, &caller, uuid).await?;
    match app.store.resync(uuid).await.map_err(Problem::from)? {
        Resync::Queued => Ok((StatusCode::ACCEPTED, Json(Queued { queued: 1 }))),
        Resync::InConflict => Err(Problem::new(
            StatusCode::CONFLICT,
            "order-in-conflict",
            "The order waits for a conflict to be resolved",
            "resolve its conflict first (POST /conflicts/{uuid}/resolve)",
        )),
        _ => Err(Problem::order_not_found(uuid)),
    }
}

/// Backlog, lag, failures and conflicts: of the whole sync, or for a
/// caller limited to some suppliers, of their orders only.
#[utoipa::path(get, path = "/status", tag = "orders",
    responses(
        (status = 200, body = Status),
    ),
    security(("bearer" = []), ("api_key" = [])))]
pub(crate) async fn sync_status(
    State(app): State<App>,
    caller: Caller,
) -> Result<Json<Status>, Problem> {
    caller.require(Scope::OrdersRead)?;
    let status = app.sync.status_of(caller.0.suppliers.as_deref()).await;
    Ok(Json(status.map_err(Problem::from)?))
}

/// Forces a sync of every order with `status` (all when `None`) of
/// `suppliers` (all when `None`), a page of 1000 at a time; how many were
/// queued (those in conflict are not).
pub(crate) async fn resync_each(
    app: &App,
    status: Option<OrderStatus>,
    suppliers: Option<&[String]>,
) -> Result<u64, Problem> {
    let mut queued = 0;
    let mut offset = 0;
    loop {
        let page = app
            .store
            .list_orders_page(status, suppliers, 1000, offset)
            .await
            .map_err(Problem::from)?;
        for o in &page {
            if app.store.resync(o.uuid).await.map_err(Problem::from)? == Resync::Queued {
                queued += 1;
            }
        }
        if page.len() < 1000 {
            return Ok(queued);
        }
        offset += 1000;
    }
}
