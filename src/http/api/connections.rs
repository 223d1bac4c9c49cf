//! Calendar connections (admin API), the OAuth callback, provider push
//! notifications, and the effects queue.

use crate::app::App;
use crate::domain::{CaldavConnectInput, CalendarChoice, Connection, Effect, OAuthStartInput};
use crate::http::error::{ApiError, missing};
use crate::http::extract::{Admin, Body, Query};
use crate::store::EffectFilter;
use crate::sync::api::SyncError;
use crate::sync::connect::{self, ConnectError};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

impl From<ConnectError> for ApiError {
    fn from(error: ConnectError) -> Self {
        match error {
            ConnectError::Invalid(e) => e.into(),
            ConnectError::NotFound(what) => ApiError::not_found(what),
            ConnectError::Store(e) => e.into(),
            ConnectError::Conflict(message) => ApiError::conflict(message),
            ConnectError::Provider { field, error } => {
                let detail = error.to_string();
                let api = match error {
                    SyncError::Setup(_) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, detail),
                    SyncError::Unauthorized(_)
                    | SyncError::Permanent(_)
                    | SyncError::TokenExpired => ApiError::invalid(field, detail),
                    SyncError::SyncTokenInvalid
                    | SyncError::RateLimited { .. }
                    | SyncError::Temporary(_) => ApiError::new(
                        StatusCode::BAD_GATEWAY,
                        format!("the calendar provider: {detail}"),
                    ),
                };
                if field.is_empty() {
                    api
                } else {
                    api.with_field(field)
                }
            }
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ConnectionFilter {
    /// Only this host's connections.
    pub user_id: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/connections", operation_id = "list_connections", tag = "calendars", params(ConnectionFilter),
    responses((status = 200, description = "OK", body = Vec<Connection>)))]
pub async fn list(
    State(state): State<App>,
    admin: Admin,
    Query(filter): Query<ConnectionFilter>,
) -> Result<Json<Vec<Connection>>, ApiError> {
    Ok(Json(
        state
            .store
            .connections(&admin.organization_id, filter.user_id.as_deref())
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/connections/caldav", tag = "calendars", request_body = CaldavConnectInput,
    responses((status = 201, description = "Connected; the first sync follows at once", body = Connection),
        (status = 422, description = "Invalid field, or the server refused the credentials"),
        (status = 502, description = "The server could not be reached"),
        (status = 503, description = "KAIROS_SECRET_KEYS is not set")))]
pub async fn connect_caldav(
    State(state): State<App>,
    admin: Admin,
    Body(input): Body<CaldavConnectInput>,
) -> Result<(StatusCode, Json<Connection>), ApiError> {
    let connection = connect::connect_caldav(&state, &admin.organization_id, &input).await?;
    Ok((StatusCode::CREATED, Json(connection)))
}

/// Where to send the host to grant access.
#[derive(Debug, Serialize, ToSchema)]
pub struct OAuthStarted {
    pub authorization_url: String,
}

#[utoipa::path(post, path = "/api/v1/connections/oauth", tag = "calendars", request_body = OAuthStartInput,
    responses((status = 201, description = "Send the host's browser to authorization_url", body = OAuthStarted),
        (status = 503, description = "The provider's OAuth client or KAIROS_SECRET_KEYS is not configured")))]
pub async fn start_oauth(
    State(state): State<App>,
    admin: Admin,
    Body(input): Body<OAuthStartInput>,
) -> Result<(StatusCode, Json<OAuthStarted>), ApiError> {
    let url = connect::start_oauth(&state, &admin.organization_id, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(OAuthStarted {
            authorization_url: url.to_string(),
        }),
    ))
}

#[utoipa::path(get, path = "/api/v1/connections/{id}", tag = "calendars", params(("id" = String, Path)),
    responses((status = 200, description = "OK", body = Connection)))]
pub async fn get(
    State(state): State<App>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<Json<Connection>, ApiError> {
    Ok(Json(
        connect::connection(&state, &admin.organization_id, &id).await?,
    ))
}

#[utoipa::path(put, path = "/api/v1/connections/{id}/calendars", tag = "calendars", params(("id" = String, Path)),
    request_body = CalendarChoice,
    responses((status = 200, description = "Chosen", body = Connection)))]
pub async fn choose(
    State(state): State<App>,
    admin: Admin,
    Path(id): Path<String>,
    Body(choice): Body<CalendarChoice>,
) -> Result<Json<Connection>, ApiError> {
    Ok(Json(
        connect::choose_calendars(&state, &admin.organization_id, &id, &choice).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/connections/{id}/sync", tag = "calendars", params(("id" = String, Path)),
    responses((status = 202, description = "A sync follows within seconds", body = Connection),
        (status = 409, description = "The connection needs reconnecting first: no sync runs until then")))]
pub async fn sync_now(
    State(state): State<App>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Connection>), ApiError> {
    let connection = connect::sync_now(&state, &admin.organization_id, &id).await?;
    Ok((StatusCode::ACCEPTED, Json(connection)))
}

#[utoipa::path(delete, path = "/api/v1/connections/{id}", tag = "calendars", params(("id" = String, Path)),
    responses((status = 204, description = "Disconnected; its synced busy time is gone")))]
pub async fn disconnect(
    State(state): State<App>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    connect::disconnect(&state, &admin.organization_id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// The provider sends the host's browser here after the consent page.
pub async fn oauth_callback(
    State(state): State<App>,
    axum::extract::Query(callback): axum::extract::Query<Callback>,
) -> Response {
    let page = |status: StatusCode, title: &str, text: &str| {
        let body = format!(
            "<!doctype html><meta charset=utf-8><meta name=viewport content=\"width=device-width\">\
             <title>{0}</title><main style=\"font-family:system-ui;max-width:32rem;margin:3rem auto\">\
             <h1>{0}</h1><p>{1}</p></main>",
            crate::html::escape(title),
            crate::html::escape(text)
        );
        (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response()
    };
    if let Some(error) = callback.error {
        let why = callback.error_description.unwrap_or(error);
        return page(
            StatusCode::BAD_REQUEST,
            "Calendar not connected",
            &format!("The provider said: {why}"),
        );
    }
    let (Some(code), Some(oauth_state)) = (callback.code, callback.state) else {
        return page(
            StatusCode::BAD_REQUEST,
            "Calendar not connected",
            "The provider's answer lacks code or state.",
        );
    };
    match connect::finish_oauth(&state, &oauth_state, &code).await {
        Ok((connection, Some(to))) => {
            let separator = if to.contains('?') { '&' } else { '?' };
            Redirect::to(&format!("{to}{separator}connection={}", connection.id)).into_response()
        }
        Ok((connection, None)) => page(
            StatusCode::OK,
            "Calendar connected",
            &format!(
                "{} ({}) is connected; its busy times count from the first sync, in a few seconds.",
                connection.account,
                connection.provider.as_str()
            ),
        ),
        Err(error) => {
            let error = ApiError::from(error);
            page(error.status(), "Calendar not connected", error.detail())
        }
    }
}

/// Google push: the channel's id and token come as headers.
pub async fn google_push(State(state): State<App>, headers: HeaderMap) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let (channel, token) = (header("x-goog-channel-id"), header("x-goog-channel-token"));
    match crate::sync::push::notified(&state, channel, token).await {
        Ok(true) => StatusCode::NO_CONTENT,
        Ok(false) => StatusCode::UNAUTHORIZED,
        Err(error) => {
            tracing::warn!(%error, "push notification not recorded");
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct Validation {
    #[serde(rename = "validationToken")]
    validation_token: Option<String>,
}

/// Graph push: the validation handshake (echo the token as text) and
/// change notifications (each carrying its subscription's `clientState`).
pub async fn microsoft_push(
    State(state): State<App>,
    axum::extract::Query(validation): axum::extract::Query<Validation>,
    body: axum::body::Bytes,
) -> Response {
    graph_push(&state, validation, &body, false).await
}

/// Graph lifecycle notifications (a subscription removed, needing
/// reauthorization, or notifications missed), after the same handshake.
pub async fn microsoft_lifecycle(
    State(state): State<App>,
    axum::extract::Query(validation): axum::extract::Query<Validation>,
    body: axum::body::Bytes,
) -> Response {
    graph_push(&state, validation, &body, true).await
}

async fn graph_push(state: &App, validation: Validation, body: &[u8], lifecycle: bool) -> Response {
    if let Some(token) = validation.validation_token {
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain")],
            token,
        )
            .into_response();
    }
    let Ok(notifications) = serde_json::from_slice::<serde_json::Value>(body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let mut genuine = false;
    for item in notifications["value"].as_array().into_iter().flatten() {
        let field = |key: &str| item.get(key).and_then(|v| v.as_str()).unwrap_or("");
        let (id, client_state) = (field("subscriptionId"), field("clientState"));
        let outcome = if lifecycle {
            crate::sync::push::lifecycle(state, id, client_state, field("lifecycleEvent")).await
        } else {
            crate::sync::push::notified(state, id, client_state).await
        };
        match outcome {
            Ok(ok) => genuine |= ok,
            Err(error) => {
                tracing::warn!(%error, "push notification not recorded");
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
        }
    }
    // A notification that is not ours is dropped but still answered 202:
    // anything else makes Graph send it again for hours.
    if !genuine {
        tracing::info!("Graph notification with an unknown subscription or clientState dropped");
    }
    StatusCode::ACCEPTED.into_response()
}

#[utoipa::path(get, path = "/api/v1/effects", tag = "admin", params(EffectFilter),
    responses((status = 200, description = "Newest first", body = Vec<Effect>)))]
pub async fn effects(
    State(state): State<App>,
    admin: Admin,
    Query(filter): Query<EffectFilter>,
) -> Result<Json<Vec<Effect>>, ApiError> {
    Ok(Json(
        state.store.effects(&admin.organization_id, &filter).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/effects/{id}/retry", tag = "admin", params(("id" = String, Path)),
    responses((status = 200, description = "Queued again, due now", body = Effect),
        (status = 409, description = "Not failed")))]
pub async fn retry_effect(
    State(state): State<App>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<Json<Effect>, ApiError> {
    let effect = state
        .store
        .retry_effect(&admin.organization_id, &id, chrono::Utc::now())
        .await
        .map_err(missing("effect"))?;
    state.signals.effects.notify_one();
    Ok(Json(effect))
}
