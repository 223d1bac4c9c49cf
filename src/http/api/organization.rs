//! The organization's own settings: where its booking pages may be embedded.

use crate::app::App;
use crate::domain::EmbeddingSettings;
use crate::http::error::{ApiError, missing};
use crate::http::extract::{Admin, Body};
use axum::Json;
use axum::extract::State;

#[utoipa::path(get, path = "/api/v1/organization/embedding", tag = "admin", operation_id = "get_embedding",
    responses((status = 200, description = "Where the organization's booking pages may be embedded and its public API called from a browser", body = EmbeddingSettings)))]
pub async fn get_embedding(
    State(state): State<App>,
    admin: Admin,
) -> Result<Json<EmbeddingSettings>, ApiError> {
    Ok(Json(
        state
            .store
            .embedding(&admin.organization_id)
            .await
            .map_err(missing("organization"))?,
    ))
}

#[utoipa::path(put, path = "/api/v1/organization/embedding", tag = "admin", operation_id = "update_embedding", request_body = EmbeddingSettings,
    responses((status = 200, description = "Replaced; origins as browsers send them", body = EmbeddingSettings)))]
pub async fn update_embedding(
    State(state): State<App>,
    admin: Admin,
    Body(input): Body<EmbeddingSettings>,
) -> Result<Json<EmbeddingSettings>, ApiError> {
    let settings = input.normalized()?;
    Ok(Json(
        state
            .store
            .set_embedding(&admin.organization_id, &settings)
            .await
            .map_err(missing("organization"))?,
    ))
}
