//! Errors as RFC 9457 `application/problem+json`, with a stable `type` per
//! error class.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The base of every problem `type`.
pub const TYPE_BASE: &str = "https://zenoo.dev/problems/";

/// One problem: what went wrong, for a client to act on.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the class of error (stable; `TYPE_BASE` + a slug).
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the class.
    pub title: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// What happened this time.
    pub detail: String,
}

impl Problem {
    /// A problem of class `slug`.
    pub fn new(
        status: StatusCode,
        slug: &str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            kind: format!("{TYPE_BASE}{slug}"),
            title,
            status: status.as_u16(),
            detail: detail.into(),
        }
    }
}

impl Problem {
    /// A 403: the caller lacks what `detail` says.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed", detail)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(&self)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

/// A sync error as a problem: the order's own mistakes are 422, Odoo's
/// failures 502, the rest 503 (logged; the detail says no more than that).
impl From<zenoo_sync::Error> for Problem {
    fn from(e: zenoo_sync::Error) -> Self {
        match e {
            zenoo_sync::Error::InvalidOrder(why) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-order",
                "The order is not valid",
                why,
            ),
            e @ zenoo_sync::Error::NoOpenConflict { .. } => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-order",
                "The order is not valid",
                e.to_string(),
            ),
            zenoo_sync::Error::Odoo(e) => {
                tracing::warn!(error = %e, "Odoo failed under a request");
                Self::new(
                    StatusCode::BAD_GATEWAY,
                    "odoo-unavailable",
                    "Odoo failed",
                    e.to_string(),
                )
            }
            other => {
                tracing::error!(
                    error = &other as &dyn std::error::Error,
                    "the store failed under a request"
                );
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "store-unavailable",
                    "The store does not answer",
                    "try again later",
                )
            }
        }
    }
}

/// A token error as a problem (401 for any token that is not good, 501
/// when the server issues none).
impl From<crate::tokens::TokenError> for Problem {
    fn from(e: crate::tokens::TokenError) -> Self {
        match e {
            crate::tokens::TokenError::Invalid(why) => Self::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Not authenticated",
                why,
            ),
            crate::tokens::TokenError::NotConfigured => Self::new(
                StatusCode::NOT_IMPLEMENTED,
                "tokens-not-configured",
                "This server does not issue tokens",
                "no JWT signing key is configured (auth.jwt_secret or auth.jwt_private_key)",
            ),
            crate::tokens::TokenError::Store(e) => Self::from(zenoo_sync::Error::Store(e)),
        }
    }
}

impl Problem {
    /// 404 for the order `uuid` (or one the caller may not see).
    pub fn order_not_found(uuid: uuid::Uuid) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "order-not-found",
            "No such order",
            format!("no order {uuid}"),
        )
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
