//! Running the declarative actions of [`crate::actions`].

use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::actions::{ActionInfo, Operation};
use crate::extract::{Caller, Json, Path};
use crate::problem::Problem;
use crate::routes::orders::{resync_each, visible_order};
use crate::state::App;

/// The actions the caller may run.
#[utoipa::path(get, path = "/actions", tag = "actions",
    responses(
        (status = 200, body = Vec<ActionInfo>),
    ),
    security(("bearer" = []), ("api_key" = [])))]
pub(crate) async fn list_actions(State(app): State<App>, caller: Caller) -> Json<Vec<ActionInfo>> {
    Json(
        app.actions
            .list()
            .into_iter()
            .filter(|a| caller.0.has(a.scope))
            .collect(),
    )
}

/// What an action did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionResult {
    /// The action.
    pub action: String,
    /// What it touched and how.
    pub result: Value,
}

/// Runs the action `name` with the body as its parameters (checked against
/// its schema first).
#[utoipa::path(post, path = "/actions/{name}", tag = "actions",
    params(("name" = String, Path, description = "The action's name")),
    request_body(content = Object, description = "The action's parameters (its JSON Schema)"),
    responses(
        (status = 200, body = ActionResult),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 502, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = [])))]
pub(crate) async fn run_action(
    State(app): State<App>,
    caller: Caller,
    Path(name): Path<String>,
    Json(params): Json<Value>,
) -> Result<Json<ActionResult>, Problem> {
    let Some(action) = app.actions.by_name.get(&name) else {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "unknown-action",
            "No such action",
            format!("no action {name:?} (GET /actions lists them)"),
        ));
    };
    caller.require(action.info.scope)?;
    let errors: Vec<String> = action
        .validator
        .iter_errors(&params)
        .take(10)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    if !errors.is_empty() {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-parameters",
            "The parameters do not match the action's schema",
            errors.join("; "),
        ));
    }
    let text = |key: &str| params.get(key).and_then(Value::as_str).unwrap_or_default();
    let order = || {
        Uuid::parse_str(text("order")).map_err(|e| {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-parameters",
                "The parameters do not match the action's schema",
                format!("/order: not a uuid: {e}"),
            )
        })
    };
    let result = match action.info.run {
        Operation::SyncOrder => {
            let uuid = order()?;
            visible_order(&app, &caller, uuid).await?;
            let r = app.store.resync(uuid).await.map_err(Problem::from)?;
            json!({"order": uuid, "outcome": format!("{r:?}").to_lowercase()})
        }
        Operation::SyncSupplier => {
            let supplier = text("supplier").to_string();
            if !caller.0.may_see(&supplier) {
                return Err(Problem::forbidden(
                    "the caller may not handle this supplier's orders",
                ));
            }
            let queued = resync_each(&app, None, Some(std::slice::from_ref(&supplier))).await?;
            json!({"supplier": supplier, "queued": queued})
        }
        Operation::OdooConfirm | Operation::OdooCancel => {
            let uuid = order()?;
            let o = visible_order(&app, &caller, uuid).await?;
            let Some(odoo_id) = o.odoo_id else {
                return Err(Problem::new(
                    StatusCode::CONFLICT,
                    "order-not-in-odoo",
                    "Odoo does not have this order yet",
                    "wait for its first sync",
                ));
            };
            let method = if action.info.run == Operation::OdooConfirm {
                "button_confirm"
            } else {
                "button_cancel"
            };
            app.client
                .execute_kw::<Value>(
                    "purchase.order",
                    method,
                    vec![json!([odoo_id])],
                    serde_json::Map::new(),
                )
                .await
                .map_err(|e| Problem::from(zenoo_sync::Error::Odoo(e)))?;
            // The poll brings Odoo's new state back.
            app.webhook.wake();
            json!({"order": uuid, "odoo_id": odoo_id, "called": method})
        }
    };
    Ok(Json(ActionResult {
        action: name,
        result,
    }))
}
