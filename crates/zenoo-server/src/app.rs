//! The service's state and its routes: the REST API of [`crate::api`], the
//! WebSocket, the web page, health, metrics and Odoo's webhook, under one
//! stack of layers (request id and tracing, metrics, timeout, body limit,
//! rate limits, authentication, audit).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{
    ConnectInfo, DefaultBodyLimit, FromRequestParts, MatchedPath, Path, Request, State,
};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use secrecy::SecretString;
use serde::Serialize;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use zenoo_rpc::Client;
use zenoo_sync::{Store, SyncService, Webhook, WebhookError};

use crate::actions::Actions;
use crate::audit::RequestAudit;
use crate::events::EventHub;
use crate::keys::ApiKeys;
use crate::principal::{Principal, Scope};
use crate::problem::Problem;
use crate::ratelimit::{Class, Limits, Verdict};
use crate::tokens::Tokens;

/// Settings the routes read.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Readiness fails when the oldest waiting job is older than this.
    pub max_lag_seconds: f64,
    /// Seconds between WebSocket pings.
    pub heartbeat_seconds: u64,
    /// Events a WebSocket client may have waiting.
    pub ws_queue: usize,
    /// How long its queue may stay full.
    pub ws_grace: Duration,
    /// The largest request body.
    pub body_bytes: usize,
    /// How long a request may take.
    pub request_timeout: Duration,
}

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
    /// API keys.
    pub keys: ApiKeys,
    /// User tokens.
    pub tokens: Tokens,
    /// Rate limits.
    pub limits: Arc<Limits>,
    /// Events for the WebSocket and the subscribers.
    pub hub: EventHub,
    /// The declarative actions.
    pub actions: Arc<Actions>,
    /// Who asked for what.
    pub audit: RequestAudit,
    /// The WebSockets open.
    pub sockets: crate::ws::Sockets,
    /// Settings.
    pub settings: Settings,
}

/// The authenticated caller of a route; 401 when there is none.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

impl Caller {
    /// 403 unless the caller holds `scope`.
    ///
    /// # Errors
    /// The 403 problem, naming the scope.
    pub fn require(&self, scope: Scope) -> Result<(), Problem> {
        if self.0.has(scope) {
            Ok(())
        } else {
            Err(Problem::forbidden(format!("this needs the {scope} scope")))
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .map(Caller)
            .ok_or_else(|| unauthenticated("send an API key or a token as Authorization: Bearer …"))
    }
}

/// A 401 with `WWW-Authenticate`.
pub(crate) fn unauthenticated(detail: &str) -> Response {
    let mut r = Problem::new(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "Not authenticated",
        detail,
    )
    .into_response();
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"zenoo-server\""),
    );
    r
}

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
        .merge(crate::api::routes())
        .routes(utoipa_axum::routes!(crate::ws::ws))
        .routes(utoipa_axum::routes!(healthz))
        .routes(utoipa_axum::routes!(readyz))
        .routes(utoipa_axum::routes!(odoo_webhook))
        .split_for_parts();
    // After the routes are in: it reads every operation.
    let mut openapi = openapi;
    utoipa::Modify::modify(&Security, &mut openapi);
    let doc = Arc::new(openapi.clone());
    let settings = app.settings.clone();
    let router = api
        .route(
            "/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .route("/metrics", get(crate::metrics::render))
        .merge(crate::page::routes())
        .fallback(|| async {
            Problem::new(
                StatusCode::NOT_FOUND,
                "not-found",
                "Not found",
                "no such route",
            )
        })
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .layer(DefaultBodyLimit::max(settings.body_bytes))
        .layer(middleware::from_fn_with_state(settings, observe))
        .with_state(app);
    (router, openapi)
}

/// The method as a metric label: one of HTTP's methods, or `_OTHER` (as
/// OpenTelemetry's HTTP conventions say), so that invented methods cannot
/// grow the metrics without bound.
pub(crate) fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::CONNECT => "CONNECT",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::PATCH => "PATCH",
        _ => "_OTHER",
    }
}

/// The route a request matched, as a template (`/orders/{uuid}`), never
/// the path as sent: what the metrics, spans and audit know it by.
pub(crate) fn route_of(request: &Request) -> &str {
    request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
}

/// The route label of a request no route took.
pub(crate) const UNMATCHED: &str = "(unmatched)";

/// The body length a request announces, when it is over `limit`.
fn announced_over(request: &Request, limit: usize) -> Option<u64> {
    let length: u64 = request
        .headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    (length > u64::try_from(limit).unwrap_or(u64::MAX)).then_some(length)
}

/// Request id, tracing span, HTTP metrics, the request timeout, and a body
/// announced over the limit refused before a byte of it is read.
async fn observe(State(settings): State<Settings>, mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_string);
    let route = route_of(&request).to_string();
    let method = method_label(request.method());
    request.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "http",
        request_id = %id,
        method,
        route = %route,
        principal = tracing::field::Empty
    );
    let started = Instant::now();
    let upgrade = route == "/ws";
    let mut response = if let Some(length) = announced_over(&request, settings.body_bytes) {
        let mut r = Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            "The body is over the limit",
            format!(
                "the body announces {length} bytes; the limit is {} bytes",
                settings.body_bytes
            ),
        )
        .into_response();
        // The body is not read: the connection cannot carry another request.
        r.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        r
    } else {
        // The Odoo calls the request makes carry its id too.
        let fut = tracing::Instrument::instrument(
            zenoo_rpc::with_request_id(id.as_str(), next.run(request)),
            span.clone(),
        );
        if upgrade {
            fut.await
        } else {
            match tokio::time::timeout(settings.request_timeout, fut).await {
                Ok(r) => r,
                Err(_) => Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "timeout",
                    "The request took too long",
                    format!("no answer within {} s", settings.request_timeout.as_secs()),
                )
                .into_response(),
            }
        }
    };
    let status = response.status().as_u16().to_string();
    let elapsed = started.elapsed().as_secs_f64();
    metrics::counter!("zenoo_http_requests_total", "method" => method, "route" => route.clone(), "status" => status.clone()).increment(1);
    metrics::histogram!("zenoo_http_request_duration_seconds", "method" => method, "route" => route).record(elapsed);
    span.in_scope(
        || tracing::info!(status = %status, elapsed_ms = (elapsed * 1000.0) as u64, "request"),
    );
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}

/// The request's id (from `X-Request-Id`, or made up).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Rate limits, authentication and the audit of every authenticated
/// request.
async fn guard(State(app): State<App>, mut request: Request, next: Next) -> Response {
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string());
    let verdict = app.limits.check(Class::Ip, &ip);
    if let Some(refused) = verdict.refusal() {
        return refused;
    }
    let mut shown = verdict;
    let token = bearer(&request);
    let mut principal = None;
    if let Some(token) = token {
        let found = if token.starts_with(crate::keys::PREFIX) {
            match app.keys.authenticate(&SecretString::from(token)).await {
                Ok(p) => p,
                Err(e) => {
                    tracing::error!(error = %e, "the key store failed");
                    return Problem::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "store-unavailable",
                        "The store does not answer",
                        "try again later",
                    )
                    .into_response();
                }
            }
        } else {
            app.tokens.verify(&token).ok()
        };
        let Some(p) = found else {
            return unauthenticated(
                "the API key or token is not valid (unknown, revoked, expired, forged or for another audience)",
            );
        };
        let class = match p.kind {
            crate::principal::Kind::ApiKey => Class::Key,
            crate::principal::Kind::User => Class::User,
        };
        let verdict = app.limits.check(class, &p.subject);
        if let Some(refused) = verdict.refusal() {
            return refused;
        }
        shown = verdict;
        principal = Some(p);
    }
    let audit = principal.as_ref().map(|p| {
        (
            p.subject.clone(),
            method_label(request.method()).to_string(),
            route_of(&request).to_string(),
            request.extensions().get::<RequestId>().map(|r| r.0.clone()),
        )
    });
    if let Some(p) = principal {
        tracing::Span::current().record("principal", p.subject.as_str());
        request.extensions_mut().insert(p);
    }
    let mut response = next.run(request).await;
    if let Verdict::Allowed { .. } = shown {
        shown.headers(response.headers_mut());
    }
    if let Some((subject, method, path, id)) = audit {
        app.audit
            .record(subject, method, path, response.status().as_u16(), id)
            .await;
    }
    response
}

/// The bearer token of `request`: the `Authorization` header, or on the
/// WebSocket route the `access_token` query parameter.
fn bearer(request: &Request) -> Option<String> {
    if let Some(v) = request.headers().get(header::AUTHORIZATION) {
        let v = v.to_str().ok()?;
        let (scheme, token) = v.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_string());
    }
    if request.uri().path() == "/ws" {
        let query = request.uri().query()?;
        return url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "access_token")
            .map(|(_, v)| v.into_owned());
    }
    None
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process answers", body = String)))]
async fn healthz() -> &'static str {
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
async fn readyz(State(app): State<App>, caller: Option<axum::Extension<Principal>>) -> Response {
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
            component(false, e.to_string()),
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
