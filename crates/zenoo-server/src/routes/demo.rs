//! The demo's own routes, mounted only by `zenoo-server --sim`
//! ([`crate::start_demo`]): they let a visitor play the Odoo user's part
//! against the embedded simulator. Never part of a real service, and not
//! in the OpenAPI document.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;
use zenoo_sync::NewOrder;

use crate::extract::Caller;
use crate::principal::Scope;
use crate::problem::Problem;
use crate::routes::orders::visible_order;
use crate::state::App;

/// What the page needs to know of the demo.
#[derive(Debug, Serialize)]
struct DemoInfo {
    demo: bool,
}

/// What an Odoo-side edit did on both sides.
#[derive(Debug, Serialize)]
struct Edited {
    order: Uuid,
    odoo_quantity: f64,
    app_quantity: f64,
}

/// The demo's routes.
pub(crate) fn routes() -> axum::Router<App> {
    axum::Router::new()
        .route("/demo", get(info))
        .route("/demo/orders/{uuid}/odoo-edit", post(odoo_edit))
}

async fn info(caller: Caller) -> Result<Json<DemoInfo>, Problem> {
    caller.require(Scope::OrdersRead)?;
    Ok(Json(DemoInfo { demo: true }))
}

fn unavailable(detail: impl std::fmt::Display) -> Problem {
    Problem::new(
        StatusCode::CONFLICT,
        "demo-edit-unavailable",
        "The order cannot be edited in Odoo now",
        detail.to_string(),
    )
}

/// Plays an Odoo user who changes the first line's quantity of a synced
/// order, while the application changes it too: the next sync finds the
/// same field changed on both sides, a conflict to resolve by hand.
async fn odoo_edit(
    State(app): State<App>,
    caller: Caller,
    Path(uuid): Path<Uuid>,
) -> Result<(StatusCode, Json<Edited>), Problem> {
    caller.require(Scope::OrdersWrite)?;
    let order = visible_order(&app, &caller, uuid).await?;
    let odoo_id = order
        .odoo_id
        .ok_or_else(|| unavailable("the order is not in Odoo yet"))?;
    let Some(first) = order.lines.first() else {
        return Err(unavailable("the order has no line"));
    };
    let lines = app
        .client
        .search(
            "purchase.order.line",
            json!([["order_id", "=", odoo_id]]),
            zenoo_rpc::SearchOptions::new().order("id").limit(1),
        )
        .await
        .map_err(unavailable)?;
    let Some(line) = lines.first().copied() else {
        return Err(unavailable("Odoo's order has no line"));
    };
    let odoo_quantity = first.quantity + 1.0;
    let app_quantity = first.quantity + 2.0;
    app.client
        .write(
            "purchase.order.line",
            &[line],
            json!({ "product_qty": odoo_quantity }),
        )
        .await
        .map_err(unavailable)?;
    let mut lines = order.lines.clone();
    if let Some(l) = lines.first_mut() {
        l.quantity = app_quantity;
    }
    let changed = NewOrder {
        supplier_ref: order.supplier_ref.clone(),
        currency: order.currency.clone(),
        lines,
    };
    app.store
        .update_order(uuid, &changed)
        .await
        .map_err(Problem::from)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Edited {
            order: uuid,
            odoo_quantity,
            app_quantity,
        }),
    ))
}
