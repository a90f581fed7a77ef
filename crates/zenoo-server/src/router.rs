//! The routes under one stack of layers (observe, body limit, guard), and
//! the OpenAPI document describing them, with what every operation may be
//! refused with.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware::{self};
use axum::routing::get;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::problem::Problem;
use crate::state::App;

#[derive(OpenApi)]
#[openapi(
    info(title = "zenoo-server", description = "Two-way purchase-order sync with Odoo, over HTTP."),
    components(schemas(crate::events::Envelope)),
    tags(
        (name = "orders", description = "The application's purchase orders and their sync state"),
        (name = "conflicts", description = "Changes made on both sides"),
        (name = "jobs", description = "Failed jobs"),
        (name = "auth", description = "User tokens"),
        (name = "actions", description = "Declarative actions"),
        (name = "events", description = "Live events"),
        (name = "operations", description = "Health and Odoo's webhook"),
    )
)]
struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        // What any route may answer, whatever it does: the rate limits,
        // the request timeout and the body limit.
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let problem = |what: &str| {
            ResponseBuilder::new()
                .description(what)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        // Every operation's refusals, from what it takes: authentication
        // and scopes, parameters, a body; and what any route may answer.
        let add = |op: &mut utoipa::openapi::path::Operation| {
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let has_body = op.request_body.is_some();
            let mut refusals = vec![
                (
                    "429",
                    "Rate limited or banned, or too many connections from this address; see Retry-After",
                ),
                (
                    "413",
                    "The body (or the length it announces) is over the limit",
                ),
                // hyper's own answer, before any route: no problem body.
                ("431", "The request line and headers are over the limit"),
                (
                    "503",
                    "The request took too long, or the store does not answer",
                ),
                // Unsecured routes too, when a key or token sent is bad.
                (
                    "401",
                    "Not authenticated, or a key or token that is not valid",
                ),
            ];
            if secured {
                refusals.push(("403", "A scope or supplier the caller lacks"));
            }
            if has_params || has_body {
                refusals.push(("400", "A malformed path, query or body"));
            }
            if has_body {
                refusals.push(("415", "The body is not JSON"));
                refusals.push(("422", "The body is not what the route takes"));
            }
            for (status, what) in refusals {
                let answer = if status == "431" {
                    ResponseBuilder::new().description(what).build()
                } else {
                    problem(what)
                };
                op.responses
                    .responses
                    .entry(status.into())
                    .or_insert_with(|| answer.into());
            }
        };
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                add(op);
            }
        }
    }
}

/// The routes, and the OpenAPI document describing them.
pub fn router(app: App) -> (Router, utoipa::openapi::OpenApi) {
    let (api, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::routes::api())
        .routes(utoipa_axum::routes!(crate::routes::ws::ws))
        .routes(utoipa_axum::routes!(crate::routes::ops::healthz))
        .routes(utoipa_axum::routes!(crate::routes::ops::readyz))
        .routes(utoipa_axum::routes!(crate::routes::ops::odoo_webhook))
        .split_for_parts();
    // After the routes are in: it reads every operation.
    let mut openapi = openapi;
    utoipa::Modify::modify(&Security, &mut openapi);
    let doc = Arc::new(openapi.clone());
    let settings = app.settings.clone();
    let api = if settings.demo {
        api.merge(crate::routes::demo::routes())
    } else {
        api
    };
    let router = api
        .route(
            "/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .route("/metrics", get(crate::metrics::render))
        .merge(crate::routes::page::routes())
        .fallback(|| async {
            Problem::new(
                StatusCode::NOT_FOUND,
                "not-found",
                "Not found",
                "no such route",
            )
        })
        .layer(middleware::from_fn_with_state(
            app.clone(),
            crate::middleware::guard::guard,
        ))
        .layer(DefaultBodyLimit::max(settings.body_bytes))
        .layer(middleware::from_fn_with_state(
            settings,
            crate::middleware::observe::observe,
        ))
        .with_state(app);
    (router, openapi)
}
