//! Rate limits, authentication and the audit of every authenticated
//! request.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use secrecy::SecretString;

use crate::extract::RequestId;
use crate::extract::bearer;
use crate::middleware::observe::{method_label, route_of};
use crate::problem::Problem;
use crate::problem::unauthenticated;
use crate::ratelimit::{Class, Verdict};
use crate::state::App;

/// Rate limits, authentication and the audit of every authenticated
/// request.
pub(crate) async fn guard(State(app): State<App>, mut request: Request, next: Next) -> Response {
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
