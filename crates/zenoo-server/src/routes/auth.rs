//! User tokens: login, refresh (once), logout (which revokes the refresh
//! family and the access tokens it gave out).

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::extract::Json;
use crate::problem::Problem;
use crate::state::App;

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

/// Logs in with a password: an access token and a refresh token.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = Login,
    responses(
        (status = 200, body = crate::tokens::TokenPair),
        (status = 501, body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn login(
    State(app): State<App>,
    Json(login): Json<Login>,
) -> Result<Json<crate::tokens::TokenPair>, Problem> {
    if !app.tokens.issues() {
        return Err(Problem::from(crate::tokens::TokenError::NotConfigured));
    }
    app.tokens
        .login(&login.username, &login.password)
        .await
        .map(Json)
        .map_err(Problem::from)
}

/// Exchanges a refresh token (once) for a new pair.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body = Refresh,
    responses(
        (status = 200, body = crate::tokens::TokenPair),
        (status = 501, body = Problem, content_type = "application/problem+json"),
    ))]
pub(crate) async fn refresh(
    State(app): State<App>,
    Json(r): Json<Refresh>,
) -> Result<Json<crate::tokens::TokenPair>, Problem> {
    app.tokens
        .refresh(&r.refresh_token)
        .await
        .map(Json)
        .map_err(Problem::from)
}

/// Revokes a refresh token and every token refreshed from the same login,
/// with the access tokens they gave out (and the access token sent as
/// `Authorization: Bearer`, if any): each is refused from then on.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", request_body = Refresh,
    responses(
        (status = 204, description = "Revoked (or unknown: nothing to do)"),
    ))]
pub(crate) async fn logout(
    State(app): State<App>,
    caller: Option<axum::Extension<crate::principal::Principal>>,
    Json(r): Json<Refresh>,
) -> Result<StatusCode, Problem> {
    app.tokens
        .revoke(&r.refresh_token)
        .await
        .map_err(Problem::from)?;
    if let Some(axum::Extension(p)) = caller {
        app.tokens.revoke_access(&p).await.map_err(Problem::from)?;
    }
    Ok(StatusCode::NO_CONTENT)
}
