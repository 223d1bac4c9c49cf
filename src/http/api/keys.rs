//! The organization's API keys: list, create (the secret shown once), revoke.

use crate::app::App;
use crate::domain::{ApiKey, ApiKeyInput, NewApiKey};
use crate::http::error::{ApiError, missing};
use crate::http::extract::{Admin, Body};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

#[utoipa::path(get, path = "/api/v1/api-keys", tag = "admin", operation_id = "list_api_keys",
    responses((status = 200, description = "The organization's keys, revoked ones included", body = Vec<ApiKey>)))]
pub async fn list(State(state): State<App>, admin: Admin) -> Result<Json<Vec<ApiKey>>, ApiError> {
    Ok(Json(
        state.store.api_keys(Some(&admin.organization_id)).await?,
    ))
}

/// A new key: the only answer that shows its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyCreated {
    #[serde(flatten)]
    pub api_key: ApiKey,
    /// The secret, for `Authorization: Bearer <key>`. Shown only now: Kairos keeps its hash.
    pub key: String,
}

#[utoipa::path(post, path = "/api/v1/api-keys", tag = "admin", operation_id = "create_api_key", request_body = ApiKeyInput,
    responses((status = 201, description = "Created", body = ApiKeyCreated)))]
pub async fn create(
    State(state): State<App>,
    admin: Admin,
    Body(input): Body<ApiKeyInput>,
) -> Result<(StatusCode, Json<ApiKeyCreated>), ApiError> {
    input.validate()?;
    let key = NewApiKey::generate();
    let api_key = state
        .store
        .insert_api_key(&admin.organization_id, input.name.trim(), &key)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ApiKeyCreated {
            api_key,
            key: key.secret,
        }),
    ))
}

#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "admin", operation_id = "revoke_api_key", params(("id" = String, Path, description = "The key's id")),
    responses((status = 200, description = "Revoked: the key answers 401 from now on", body = ApiKey)))]
pub async fn revoke(
    State(state): State<App>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<Json<ApiKey>, ApiError> {
    Ok(Json(
        state
            .store
            .revoke_api_key(Some(&admin.organization_id), &id)
            .await
            .map_err(missing("API key"))?,
    ))
}
