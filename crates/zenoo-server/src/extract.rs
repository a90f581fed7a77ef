//! What handlers take from a request: the authenticated [`Caller`], the
//! request's id, and JSON bodies, paths and queries whose rejections are
//! RFC 9457 problems; and the bearer token a request carries.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::principal::{Principal, Scope};
use crate::problem::Problem;
use crate::problem::unauthenticated;

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

/// The request's id (from `X-Request-Id`, or made up).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

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

/// The bearer token of `request`: the `Authorization` header, or on the
/// WebSocket route the `access_token` query parameter.
pub(crate) fn bearer(request: &Request) -> Option<String> {
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
