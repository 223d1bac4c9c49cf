//! Workflows (admin): create, list, read, replace, delete, preview; a
//! booking's run log and its survey answer.

use crate::app::App;
use crate::booking::surveys;
use crate::booking::workflows::{self, PreviewRequest, PreviewedStep};
use crate::domain::{Feedback, Workflow, WorkflowInput, WorkflowRun};
use crate::http::error::{ApiError, missing};
use crate::http::extract::{Admin, Body};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

type Answer<T> = Result<Json<T>, ApiError>;

#[utoipa::path(post, path = "/api/v1/workflows", tag = "workflows", operation_id = "create_workflow",
    request_body = WorkflowInput,
    responses((status = 201, description = "Created; its templates were checked (an unknown variable is a 422 naming the step's field)", body = Workflow)))]
pub async fn create(
    State(state): State<App>,
    admin: Admin,
    Body(input): Body<WorkflowInput>,
) -> Result<(StatusCode, Json<Workflow>), ApiError> {
    let created = workflows::create(state.store.as_ref(), &admin.organization_id, &input).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/workflows", tag = "workflows", operation_id = "list_workflows",
    responses((status = 200, description = "OK", body = Vec<Workflow>)))]
pub async fn list(State(state): State<App>, admin: Admin) -> Answer<Vec<Workflow>> {
    Ok(Json(state.store.workflows(&admin.organization_id).await?))
}

#[utoipa::path(get, path = "/api/v1/workflows/{id}", tag = "workflows", operation_id = "get_workflow",
    params(("id" = String, Path, description = "Its id")),
    responses((status = 200, description = "OK", body = Workflow)))]
pub async fn get(
    State(state): State<App>,
    admin: Admin,
    Path(id): Path<String>,
) -> Answer<Workflow> {
    let found = state.store.workflow(&admin.organization_id, &id).await;
    Ok(Json(found.map_err(missing("workflow"))?))
}

#[utoipa::path(put, path = "/api/v1/workflows/{id}", tag = "workflows", operation_id = "update_workflow",
    params(("id" = String, Path, description = "Its id")), request_body = WorkflowInput,
    responses((status = 200, description = "Replaced; steps already scheduled send what it says now", body = Workflow)))]
pub async fn update(
    State(state): State<App>,
    admin: Admin,
    Path(id): Path<String>,
    Body(input): Body<WorkflowInput>,
) -> Answer<Workflow> {
    let store = state.store.as_ref();
    Ok(Json(
        workflows::update(store, &admin.organization_id, &id, &input).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/workflows/{id}", tag = "workflows", operation_id = "delete_workflow",
    params(("id" = String, Path, description = "Its id")),
    responses((status = 204, description = "Deleted; its steps still waiting are skipped")))]
pub async fn delete(
    State(state): State<App>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let done = state
        .store
        .delete_workflow(&admin.organization_id, &id)
        .await;
    done.map_err(missing("workflow"))?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/workflows/preview", tag = "workflows", operation_id = "preview_workflow",
    request_body = PreviewRequest,
    responses((status = 200, description = "Each step's message as its recipient would get it", body = Vec<PreviewedStep>)))]
pub async fn preview(
    State(state): State<App>,
    admin: Admin,
    Body(request): Body<PreviewRequest>,
) -> Answer<Vec<PreviewedStep>> {
    let store = state.store.as_ref();
    Ok(Json(
        workflows::preview(store, &admin.organization_id, &request).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/bookings/{uid}/workflow-runs", tag = "workflows", operation_id = "workflow_runs",
    params(("uid" = String, Path, description = "The booking's public id")),
    responses((status = 200, description = "What each workflow step did (or will do) for the booking, in the order they are due", body = Vec<WorkflowRun>)))]
pub async fn runs(
    State(state): State<App>,
    admin: Admin,
    Path(uid): Path<String>,
) -> Answer<Vec<WorkflowRun>> {
    let store = state.store.as_ref();
    Ok(Json(
        workflows::runs(store, &admin.organization_id, &uid).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/bookings/{uid}/feedback", tag = "workflows", operation_id = "booking_feedback",
    params(("uid" = String, Path, description = "The booking's public id")),
    responses((status = 200, description = "The invitee's answer to the survey", body = Feedback),
        (status = 404, description = "No such booking, or no answer yet")))]
pub async fn feedback(
    State(state): State<App>,
    admin: Admin,
    Path(uid): Path<String>,
) -> Answer<Feedback> {
    let store = state.store.as_ref();
    Ok(Json(
        surveys::feedback(store, &admin.organization_id, &uid).await?,
    ))
}
