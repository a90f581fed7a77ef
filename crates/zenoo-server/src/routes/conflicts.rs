//! Conflicts: the parts both sides changed, with both versions, and their
//! resolution.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use zenoo_sync::{AppOrder, OrderStatus, Take};

use crate::extract::{Caller, Json, Path};
use crate::principal::Scope;
use crate::problem::Problem;
use crate::routes::orders::visible_order;
use crate::state::App;

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
pub(crate) async fn list_conflicts(
    State(app): State<App>,
    caller: Caller,
) -> Result<Json<Vec<Conflict>>, Problem> {
    caller.require(Scope::OrdersRead)?;
    let mut out = Vec::new();
    for c in app.store.conflicts().await.map_err(Problem::from)? {
        let order = c.order;
        let Some(supplier_ref) = app.store.supplier_of(order).await.map_err(Problem::from)? else {
            continue;
        };
        if caller.0.may_see(&supplier_ref) {
            out.push(Conflict {
                order,
                supplier_ref,
                part: c.part.as_str().to_string(),
                app: c.app,
                odoo: c.odoo,
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
pub(crate) async fn resolve_conflict(
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
        .map_err(Problem::from)?;
    Ok(Json(visible_order(&app, &caller, uuid).await?))
}
