//! The REST API: the application's purchase orders (creating or changing
//! one queues its sync), each order's sync state, forced syncs, conflicts
//! and their resolution, failed jobs and their replay, and user tokens.
//! Every error is an RFC 9457 problem.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use zenoo_sync::{
    AppOrder, AuditEntry, Deletion, NewOrder, OrderStatus, OrderSummary, Resync, Status, Take,
};

use crate::app::{App, Caller};
use crate::principal::Scope;
use crate::problem::Problem;

/// A JSON body whose rejections are problems.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(Problem))]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Path parameters whose rejections are problems.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(Problem))]
pub struct Path<T>(pub T);

/// Query parameters whose rejections are problems.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Problem))]
pub struct Query<T>(pub T);

impl From<JsonRejection> for Problem {
    fn from(r: JsonRejection) -> Self {
        let status = r.status();
        let slug = if status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
            "unsupported-media-type"
        } else {
            "invalid-body"
        };
        Problem::new(
            status,
            slug,
            "The body is not what this route takes",
            r.body_text(),
        )
    }
}

impl From<PathRejection> for Problem {
    fn from(r: PathRejection) -> Self {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid-path",
            "The path is not what this route takes",
            r.body_text(),
        )
    }
}

impl From<QueryRejection> for Problem {
    fn from(r: QueryRejection) -> Self {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid-query",
            "The query is not what this route takes",
            r.body_text(),
        )
    }
}

/// A sync error as a problem: the order's own mistakes are 422, the rest
/// 503 (logged; the detail says no more than that).
pub(crate) fn sync_problem(e: zenoo_sync::Error) -> Problem {
    match e {
        zenoo_sync::Error::InvalidOrder(why) => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-order",
            "The order is not valid",
            why,
        ),
        zenoo_sync::Error::Odoo(e) => {
            tracing::warn!(error = %e, "Odoo failed under a request");
            Problem::new(
                StatusCode::BAD_GATEWAY,
                "odoo-unavailable",
                "Odoo failed",
                e.to_string(),
            )
        }
        other => {
            tracing::error!(error = %other, "the store failed under a request");
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "store-unavailable",
                "The store does not answer",
                "try again later",
            )
        }
    }
}

fn not_found(uuid: Uuid) -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "order-not-found",
        "No such order",
        format!("no order {uuid}"),
    )
}

/// The routes of this module.
pub(crate) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_orders, create_order))
        .routes(routes!(get_order, update_order, delete_order))
        .routes(routes!(order_sync, force_sync))
        .routes(routes!(sync_status))
        .routes(routes!(list_conflicts))
        .routes(routes!(resolve_conflict))
        .routes(routes!(failed_jobs))
        .routes(routes!(retry_failed))
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(crate::actions::list_actions))
        .routes(routes!(crate::actions::run_action))
}

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
async fn list_orders(
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
        .map_err(sync_problem)?;
    Ok(Json(orders))
}

fn check_supplier(caller: &Caller, order: &NewOrder) -> Result<(), Problem> {
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
    match app.store.order(uuid).await.map_err(sync_problem)? {
        Some(o) if caller.0.may_see(&o.supplier_ref) => Ok(o),
        _ => Err(not_found(uuid)),
    }
}

/// Records a new order; its sync to Odoo is queued in the same transaction.
#[utoipa::path(post, path = "/orders", tag = "orders", request_body = NewOrder,
    responses(
        (status = 201, body = AppOrder, headers(("location" = String))),
    ),
    security(("bearer" = []), ("api_key" = [])))]
async fn create_order(
    State(app): State<App>,
    caller: Caller,
    Json(order): Json<NewOrder>,
) -> Result<Response, Problem> {
    caller.require(Scope::OrdersWrite)?;
    check_supplier(&caller, &order)?;
    let uuid = app.store.add_order(&order).await.map_err(sync_problem)?;
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
async fn get_order(
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
async fn update_order(
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
        .map_err(sync_problem)?
    {
        return Err(not_found(uuid));
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
async fn delete_order(
    State(app): State<App>,
    caller: Caller,
    Path(uuid): Path<Uuid>,
) -> Result<StatusCode, Problem> {
    caller.require(Scope::OrdersWrite)?;
    visible_order(&app, &caller, uuid).await?;
    match app.store.delete_order(uuid).await.map_err(sync_problem)? {
        Deletion::Deleted => Ok(StatusCode::NO_CONTENT),
        Deletion::InOdoo => Err(Problem::new(
            StatusCode::CONFLICT,
            "order-in-odoo",
            "Odoo has this order",
            "an order Odoo has (or is receiving) is cancelled in Odoo, not deleted",
        )),
        _ => Err(not_found(uuid)),
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
async fn order_sync(
    State(app): State<App>,
    caller: Caller,
    Path(uuid): Path<Uuid>,
) -> Result<Json<OrderSync>, Problem> {
    caller.require(Scope::OrdersRead)?;
    let order = visible_order(&app, &caller, uuid).await?;
    let history = app.store.audit(uuid).await.map_err(sync_problem)?;
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
async fn force_sync(
    State(app): State<App>,
    caller: Caller,
    Path(uuid): Path<Uuid>,
) -> Result<(StatusCode, Json<Queued>), Problem> {
    caller.require(Scope::OrdersWrite)?;
    visible_order(&app, &caller, uuid).await?;
    match app.store.resync(uuid).await.map_err(sync_problem)? {
        Resync::Queued => Ok((StatusCode::ACCEPTED, Json(Queued { queued: 1 }))),
        Resync::InConflict => Err(Problem::new(
            StatusCode::CONFLICT,
            "order-in-conflict",
            "The order waits for a conflict to be resolved",
            "resolve its conflict first (POST /conflicts/{uuid}/resolve)",
        )),
        _ => Err(not_found(uuid)),
    }
}

/// Backlog, lag, failures and conflicts: of the whole sync, or for a
/// caller limited to some suppliers, of their orders only.
#[utoipa::path(get, path = "/status", tag = "orders",
    responses(
        (status = 200, body = Status),
    ),
    security(("bearer" = []), ("api_key" = [])))]
async fn sync_status(State(app): State<App>, caller: Caller) -> Result<Json<Status>, Problem> {
    caller.require(Scope::OrdersRead)?;
    let status = app.sync.status_of(caller.0.suppliers.as_deref()).await;
    Ok(Json(status.map_err(sync_problem)?))
}

/// One open conflict: both versions of a part both sides changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Conflict {
    /// The order.
    pub order: Uuid,
    /// Its supplier.
    pub supplier_ref: String,
    /// The part (`supplier`, `lines`).
    pub part: String,
    /// The application's version.
    pub app: serde_json::Value,
    /// Odoo's version.
    pub odoo: serde_json::Value,
}

/// The open conflicts (of the caller's suppliers).
#[utoipa::path(get, path = "/conflicts", tag = "conflicts",
    responses(
        (status = 200, body = Vec<Conflict>),
    ),
    security(("bearer" = []), ("api_key" = [])))]
async fn list_conflicts(
    State(app): State<App>,
    caller: Caller,
) -> Result<Json<Vec<Conflict>>, Problem> {
    caller.require(Scope::OrdersRead)?;
    let mut out = Vec::new();
    for (order, part, app_side, odoo_side) in app.store.conflicts().await.map_err(sync_problem)? {
        let Some(supplier_ref) = app.store.supplier_of(order).await.map_err(sync_problem)? else {
            continue;
        };
        if caller.0.may_see(&supplier_ref) {
            out.push(Conflict {
                order,
                supplier_ref,
                part,
                app: app_side,
                odoo: odoo_side,
            });
        }
    }
    Ok(Json(out))
}

/// Which side a resolution takes.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Resolution {
    /// `app` or `odoo`: the side every colliding field goes to.
    pub take: Take,
}

/// Settles the order's conflicts: Odoo's order is read again and merged,
/// every collision going to the chosen side.
#[utoipa::path(post, path = "/conflicts/{uuid}/resolve", tag = "conflicts", request_body = Resolution,
    params(("uuid" = Uuid, Path, description = "The order's id")),
    responses(
        (status = 200, body = AppOrder),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 502, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = [])))]
async fn resolve_conflict(
    State(app): State<App>,
    caller: Caller,
    Path(uuid): Path<Uuid>,
    Json(resolution): Json<Resolution>,
) -> Result<Json<AppOrder>, Problem> {
    caller.require(Scope::ConflictsResolve)?;
    let order = visible_order(&app, &caller, uuid).await?;
    if order.status != OrderStatus::Conflict {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "no-conflict",
            "The order has no open conflict",
            format!("order {uuid} is {:?}", order.status),
        ));
    }
    app.sync
        .poller()
        .resolve(uuid, resolution.take)
        .await
        .map_err(sync_problem)?;
    Ok(Json(visible_order(&app, &caller, uuid).await?))
}

/// Orders whose job failed for good, with the error.
#[utoipa::path(get, path = "/jobs/failed", tag = "jobs",
    responses(
        (status = 200, body = Vec<OrderSummary>),
    ),
    security(("bearer" = []), ("api_key" = [])))]
async fn failed_jobs(
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
        .map_err(sync_problem)?;
    Ok(Json(failed))
}

/// Replays the failed jobs: every failed order is queued again, due now.
#[utoipa::path(post, path = "/jobs/failed/retry", tag = "jobs",
    responses(
        (status = 202, body = Queued),
    ),
    security(("bearer" = []), ("api_key" = [])))]
async fn retry_failed(
    State(app): State<App>,
    caller: Caller,
) -> Result<(StatusCode, Json<Queued>), Problem> {
    caller.require(Scope::OrdersWrite)?;
    let queued = if caller.0.suppliers.is_none() {
        app.store.retry_failed().await.map_err(sync_problem)?
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
            .map_err(sync_problem)?;
        for o in &page {
            if app.store.resync(o.uuid).await.map_err(sync_problem)? == Resync::Queued {
                queued += 1;
            }
        }
        if page.len() < 1000 {
            return Ok(queued);
        }
        offset += 1000;
    }
}

/// A user's name and password.
#[derive(Deserialize, ToSchema)]
pub struct Login {
    /// The user's name.
    pub username: String,
    /// The password.
    pub password: String,
}

/// A refresh token.
#[derive(Deserialize, ToSchema)]
pub struct Refresh {
    /// From the last login or refresh.
    pub refresh_token: String,
}

fn token_problem(e: crate::tokens::TokenError) -> Problem {
    match e {
        crate::tokens::TokenError::Invalid(why) => Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Not authenticated",
            why,
        ),
        crate::tokens::TokenError::NotConfigured => Problem::new(
            StatusCode::NOT_IMPLEMENTED,
            "tokens-not-configured",
            "This server does not issue tokens",
            "no JWT signing key is configured (auth.jwt_secret or auth.jwt_private_key)",
        ),
        crate::tokens::TokenError::Store(e) => sync_problem(zenoo_sync::Error::Store(e)),
    }
}

/// Logs in with a password: an access token and a refresh token.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = Login,
    responses(
        (status = 200, body = crate::tokens::TokenPair),
        (status = 501, body = Problem, content_type = "application/problem+json"),
    ))]
async fn login(
    State(app): State<App>,
    Json(login): Json<Login>,
) -> Result<Json<crate::tokens::TokenPair>, Problem> {
    if !app.tokens.issues() {
        return Err(token_problem(crate::tokens::TokenError::NotConfigured));
    }
    app.tokens
        .login(&login.username, &login.password)
        .await
        .map(Json)
        .map_err(token_problem)
}

/// Exchanges a refresh token (once) for a new pair.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body = Refresh,
    responses(
        (status = 200, body = crate::tokens::TokenPair),
        (status = 501, body = Problem, content_type = "application/problem+json"),
    ))]
async fn refresh(
    State(app): State<App>,
    Json(r): Json<Refresh>,
) -> Result<Json<crate::tokens::TokenPair>, Problem> {
    app.tokens
        .refresh(&r.refresh_token)
        .await
        .map(Json)
        .map_err(token_problem)
}

/// Revokes a refresh token and every token refreshed from the same login,
/// with the access tokens they gave out (and the access token sent as
/// `Authorization: Bearer`, if any): each is refused from then on.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", request_body = Refresh,
    responses(
        (status = 204, description = "Revoked (or unknown: nothing to do)"),
    ))]
async fn logout(
    State(app): State<App>,
    caller: Option<axum::Extension<crate::principal::Principal>>,
    Json(r): Json<Refresh>,
) -> Result<StatusCode, Problem> {
    app.tokens
        .revoke(&r.refresh_token)
        .await
        .map_err(token_problem)?;
    if let Some(axum::Extension(p)) = caller {
        app.tokens.revoke_access(&p).await.map_err(token_problem)?;
    }
    Ok(StatusCode::NO_CONTENT)
}
