//! Debugging aids for admins: the spec's scenario in, exactly what
//! `kairos slots` prints out.

use crate::app::App;
use crate::engine::{self, instant::parse_rfc3339};
use crate::http::error::ApiError;
use crate::http::extract::{Admin, Query, RawBody};
use crate::scenario::{explanation_json, parse_scenario, slots_json, strict_slots};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;

fn scenario(body: &[u8]) -> Result<engine::Query, ApiError> {
    let text =
        std::str::from_utf8(body).map_err(|_| ApiError::bad_request("the body is not UTF-8"))?;
    if let Err(error) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        return Err(ApiError::bad_request(format!("malformed JSON: {error}")));
    }
    parse_scenario(text).map_err(|e| ApiError::invalid(e.field.clone(), e.to_string()))
}

#[utoipa::path(post, path = "/api/v1/availability/slots", tag = "admin", operation_id = "scenario_slots",
    request_body(content = Object, description = "A scenario (shared/spec/availability.md)"),
    responses((status = 200, description = "OK", body = Object), (status = 400, description = "Malformed request")))]
pub async fn slots(
    _admin: Admin,
    State(_state): State<App>,
    RawBody(body): RawBody,
) -> Result<Json<serde_json::Value>, ApiError> {
    let body = body.to_vec();
    off_the_workers(move || {
        let query = scenario(&body)?;
        let slots =
            strict_slots(&query).map_err(|e| ApiError::invalid(e.field.clone(), e.to_string()))?;
        Ok(slots_json(&query, &slots))
    })
    .await
    .map(Json)
}

/// Runs a scenario's computation on the blocking pool: it is CPU work of up
/// to seconds for hostile input (bounded by the engine's budgets), and the
/// async workers must stay free to answer everyone else.
async fn off_the_workers(
    work: impl FnOnce() -> Result<serde_json::Value, ApiError> + Send + 'static,
) -> Result<serde_json::Value, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::internal(format!("scenario computation failed: {e}")))?
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExplainParams {
    /// The start time to explain (RFC 3339).
    pub start: String,
}

#[utoipa::path(post, path = "/api/v1/availability/explain", tag = "admin", operation_id = "scenario_explain", params(ExplainParams),
    request_body(content = Object, description = "A scenario (shared/spec/availability.md)"),
    responses((status = 200, description = "OK", body = Object), (status = 400, description = "Malformed request")))]
pub async fn explain(
    _admin: Admin,
    State(_state): State<App>,
    Query(params): Query<ExplainParams>,
    RawBody(body): RawBody,
) -> Result<Json<serde_json::Value>, ApiError> {
    let start = parse_rfc3339(&params.start)
        .ok_or_else(|| ApiError::invalid("start", "is not an RFC 3339 instant with an offset"))?;
    let body = body.to_vec();
    off_the_workers(move || {
        let query = scenario(&body)?;
        Ok(explanation_json(&query, &engine::explain(&query, start)))
    })
    .await
    .map(Json)
}
