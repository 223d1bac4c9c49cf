//! Admin endpoints (API key of one organization): users, schedules, event
//! types, busy blocks, bookings.

use crate::booking::{self, AdminAction};
use crate::domain::{
    Booking, EventType, EventTypeInput, Schedule, ScheduleInput, StatusChange, User, UserInput,
};
use crate::engine::ical::parse_calendar;
use crate::http::AppState;
use crate::http::error::{ApiError, Problem};
use crate::http::extract::{Admin, Body, Query};
use crate::store::{BookingFilter, BusyBlock, BusyBlockInput};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

type Created<T> = Result<(StatusCode, Json<T>), ApiError>;
type Answer<T> = Result<Json<T>, ApiError>;

fn not_found(what: &'static str) -> impl Fn(crate::store::StoreError) -> ApiError {
    move |e| match e {
        crate::store::StoreError::NotFound => ApiError::not_found(what),
        other => other.into(),
    }
}

#[utoipa::path(post, path = "/api/v1/users", tag = "admin", request_body = UserInput,
    responses((status = 201, description = "Created", body = User), (status = 409, description = "Conflict", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn create_user(
    State(state): State<AppState>,
    admin: Admin,
    Body(input): Body<UserInput>,
) -> Created<User> {
    input.validate()?;
    let user = state
        .store
        .insert_user(&admin.organization_id, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

#[utoipa::path(get, path = "/api/v1/users", tag = "admin", responses((status = 200, description = "OK", body = Vec<User>)), security(("api_key" = [])))]
pub async fn list_users(State(state): State<AppState>, admin: Admin) -> Answer<Vec<User>> {
    Ok(Json(state.store.users(&admin.organization_id).await?))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", params(("id" = String, Path, description = "Its id")), tag = "admin",
    responses((status = 200, description = "OK", body = User), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json")), security(("api_key" = [])))]
pub async fn get_user(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> Answer<User> {
    Ok(Json(
        state
            .store
            .user(&admin.organization_id, &id)
            .await
            .map_err(not_found("user"))?,
    ))
}

#[utoipa::path(put, path = "/api/v1/users/{id}", params(("id" = String, Path, description = "Its id")), tag = "admin", request_body = UserInput,
    responses((status = 200, description = "OK", body = User), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn update_user(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    Body(input): Body<UserInput>,
) -> Answer<User> {
    input.validate()?;
    let user = state
        .store
        .update_user(&admin.organization_id, &id, &input)
        .await
        .map_err(not_found("user"))?;
    Ok(Json(user))
}

#[utoipa::path(delete, path = "/api/v1/users/{id}", params(("id" = String, Path, description = "Its id")), tag = "admin",
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"), (status = 409, description = "Conflict", body = Problem, content_type = "application/problem+json")), security(("api_key" = [])))]
pub async fn delete_user(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .delete_user(&admin.organization_id, &id)
        .await
        .map_err(not_found("user"))?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/schedules", tag = "admin", request_body = ScheduleInput,
    responses((status = 201, description = "Created", body = Schedule), (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json")), security(("api_key" = [])))]
pub async fn create_schedule(
    State(state): State<AppState>,
    admin: Admin,
    Body(input): Body<ScheduleInput>,
) -> Created<Schedule> {
    input.validate()?;
    let schedule = state
        .store
        .insert_schedule(&admin.organization_id, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(schedule)))
}

#[utoipa::path(get, path = "/api/v1/schedules", tag = "admin", responses((status = 200, description = "OK", body = Vec<Schedule>)), security(("api_key" = [])))]
pub async fn list_schedules(State(state): State<AppState>, admin: Admin) -> Answer<Vec<Schedule>> {
    Ok(Json(state.store.schedules(&admin.organization_id).await?))
}

#[utoipa::path(get, path = "/api/v1/schedules/{id}", params(("id" = String, Path, description = "Its id")), tag = "admin",
    responses((status = 200, description = "OK", body = Schedule), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json")), security(("api_key" = [])))]
pub async fn get_schedule(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> Answer<Schedule> {
    Ok(Json(
        state
            .store
            .schedule(&admin.organization_id, &id)
            .await
            .map_err(not_found("schedule"))?,
    ))
}

#[utoipa::path(put, path = "/api/v1/schedules/{id}", params(("id" = String, Path, description = "Its id")), tag = "admin", request_body = ScheduleInput,
    responses((status = 200, description = "OK", body = Schedule), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn update_schedule(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    Body(input): Body<ScheduleInput>,
) -> Answer<Schedule> {
    input.validate()?;
    let schedule = state
        .store
        .update_schedule(&admin.organization_id, &id, &input)
        .await
        .map_err(not_found("schedule"))?;
    Ok(Json(schedule))
}

#[utoipa::path(delete, path = "/api/v1/schedules/{id}", params(("id" = String, Path, description = "Its id")), tag = "admin",
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json")), security(("api_key" = [])))]
pub async fn delete_schedule(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .delete_schedule(&admin.organization_id, &id)
        .await
        .map_err(not_found("schedule"))?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/event-types", tag = "admin", request_body = EventTypeInput,
    responses((status = 201, description = "Created", body = EventType), (status = 409, description = "Conflict", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn create_event_type(
    State(state): State<AppState>,
    admin: Admin,
    Body(mut input): Body<EventTypeInput>,
) -> Created<EventType> {
    input.validate()?;
    let event_type = state
        .store
        .insert_event_type(&admin.organization_id, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(event_type)))
}

#[utoipa::path(get, path = "/api/v1/event-types", tag = "admin", responses((status = 200, description = "OK", body = Vec<EventType>)), security(("api_key" = [])))]
pub async fn list_event_types(
    State(state): State<AppState>,
    admin: Admin,
) -> Answer<Vec<EventType>> {
    Ok(Json(state.store.event_types(&admin.organization_id).await?))
}

#[utoipa::path(get, path = "/api/v1/event-types/{id}", params(("id" = String, Path, description = "Its id")), tag = "admin",
    responses((status = 200, description = "OK", body = EventType), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json")), security(("api_key" = [])))]
pub async fn get_event_type(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> Answer<EventType> {
    Ok(Json(
        state
            .store
            .event_type(&admin.organization_id, &id)
            .await
            .map_err(not_found("event type"))?,
    ))
}

#[utoipa::path(put, path = "/api/v1/event-types/{id}", params(("id" = String, Path, description = "Its id")), tag = "admin", request_body = EventTypeInput,
    responses((status = 200, description = "OK", body = EventType), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn update_event_type(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    Body(mut input): Body<EventTypeInput>,
) -> Answer<EventType> {
    input.validate()?;
    let event_type = state
        .store
        .update_event_type(&admin.organization_id, &id, &input)
        .await
        .map_err(not_found("event type"))?;
    Ok(Json(event_type))
}

#[utoipa::path(delete, path = "/api/v1/event-types/{id}", params(("id" = String, Path, description = "Its id")), tag = "admin",
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"), (status = 409, description = "Conflict", body = Problem, content_type = "application/problem+json")), security(("api_key" = [])))]
pub async fn delete_event_type(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .delete_event_type(&admin.organization_id, &id)
        .await
        .map_err(not_found("event type"))?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/busy-blocks", tag = "admin", request_body = BusyBlockInput,
    responses((status = 201, description = "Created", body = BusyBlock), (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json")), security(("api_key" = [])))]
pub async fn create_busy_block(
    State(state): State<AppState>,
    admin: Admin,
    Body(input): Body<BusyBlockInput>,
) -> Created<BusyBlock> {
    if input.end < input.start {
        return Err(ApiError::invalid("end", "is before start"));
    }
    crate::domain::check_text("source", &input.source, 200, true)?;
    if let Some(external) = &input.external_id {
        crate::domain::check_text("external_id", external, 1_000, true)?;
    }
    if let Some(text) = &input.ical {
        parse_calendar(text).map_err(|e| ApiError::invalid("ical", e.to_string()))?;
    }
    let block = state
        .store
        .insert_busy_block(&admin.organization_id, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(block)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BusyFilter {
    /// Only this host's blocks.
    pub user_id: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/busy-blocks", tag = "admin", params(BusyFilter),
    responses((status = 200, description = "OK", body = Vec<BusyBlock>)), security(("api_key" = [])))]
pub async fn list_busy_blocks(
    State(state): State<AppState>,
    admin: Admin,
    Query(filter): Query<BusyFilter>,
) -> Answer<Vec<BusyBlock>> {
    Ok(Json(
        state
            .store
            .list_busy_blocks(&admin.organization_id, filter.user_id.as_deref())
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/busy-blocks/{id}", tag = "admin", params(("id" = String, Path, description = "Its id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json")),
    security(("api_key" = [])))]
pub async fn delete_busy_block(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .delete_busy_block(&admin.organization_id, &id)
        .await
        .map_err(not_found("busy block"))?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/bookings", tag = "admin", params(BookingFilter),
    responses((status = 200, description = "OK", body = Vec<Booking>), (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json")), security(("api_key" = [])))]
pub async fn list_bookings(
    State(state): State<AppState>,
    admin: Admin,
    Query(filter): Query<BookingFilter>,
) -> Answer<Vec<Booking>> {
    Ok(Json(
        state
            .store
            .bookings(&admin.organization_id, &filter)
            .await?,
    ))
}

/// A booking with its status history.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookingDetail {
    #[serde(flatten)]
    pub booking: Booking,
    pub history: Vec<StatusChange>,
}

#[utoipa::path(get, path = "/api/v1/bookings/{uid}", params(("uid" = String, Path, description = "The booking's public id")), tag = "admin",
    responses((status = 200, description = "OK", body = BookingDetail), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json")), security(("api_key" = [])))]
pub async fn get_booking(
    State(state): State<AppState>,
    admin: Admin,
    Path(uid): Path<String>,
) -> Answer<BookingDetail> {
    if !crate::domain::is_booking_uid(&uid) {
        return Err(ApiError::not_found("booking"));
    }
    let stored = state
        .store
        .booking(&uid)
        .await
        .map_err(not_found("booking"))?;
    if stored.organization_id != admin.organization_id {
        return Err(ApiError::not_found("booking"));
    }
    let history = state.store.history(&uid).await?;
    Ok(Json(BookingDetail {
        booking: stored.booking,
        history,
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusNote {
    /// Why (kept in the booking's history).
    pub note: Option<String>,
}

async fn act(
    state: AppState,
    admin: Admin,
    uid: String,
    body: StatusNote,
    action: AdminAction,
) -> Answer<Booking> {
    let booking = booking::change_status(
        state.store.as_ref(),
        &admin.organization_id,
        &uid,
        action,
        &admin.actor(),
        body.note,
        (state.clock)(),
    )
    .await?;
    Ok(Json(booking))
}

#[utoipa::path(post, path = "/api/v1/bookings/{uid}/approve", params(("uid" = String, Path, description = "The booking's public id")), tag = "admin", request_body = StatusNote,
    responses((status = 200, description = "OK", body = Booking), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"), (status = 409, description = "Conflict", body = Problem, content_type = "application/problem+json")), security(("api_key" = [])))]
pub async fn approve(
    State(state): State<AppState>,
    admin: Admin,
    Path(uid): Path<String>,
    Body(body): Body<StatusNote>,
) -> Answer<Booking> {
    act(state, admin, uid, body, AdminAction::Approve).await
}

#[utoipa::path(post, path = "/api/v1/bookings/{uid}/cancel", tag = "admin", params(("uid" = String, Path, description = "The booking's public id")), request_body = StatusNote,
    responses((status = 200, description = "OK", body = Booking), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"), (status = 409, description = "Conflict", body = Problem, content_type = "application/problem+json")), security(("api_key" = [])))]
pub async fn cancel(
    State(state): State<AppState>,
    admin: Admin,
    Path(uid): Path<String>,
    Body(body): Body<StatusNote>,
) -> Answer<Booking> {
    act(state, admin, uid, body, AdminAction::Cancel).await
}

#[utoipa::path(post, path = "/api/v1/bookings/{uid}/reject", params(("uid" = String, Path, description = "The booking's public id")), tag = "admin", request_body = StatusNote,
    responses((status = 200, description = "OK", body = Booking), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"), (status = 409, description = "Conflict", body = Problem, content_type = "application/problem+json")), security(("api_key" = [])))]
pub async fn reject(
    State(state): State<AppState>,
    admin: Admin,
    Path(uid): Path<String>,
    Body(body): Body<StatusNote>,
) -> Answer<Booking> {
    act(state, admin, uid, body, AdminAction::Reject).await
}

#[utoipa::path(post, path = "/api/v1/bookings/{uid}/no-show", params(("uid" = String, Path, description = "The booking's public id")), tag = "admin", request_body = StatusNote,
    responses((status = 200, description = "OK", body = Booking), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"), (status = 409, description = "Conflict", body = Problem, content_type = "application/problem+json")), security(("api_key" = [])))]
pub async fn no_show(
    State(state): State<AppState>,
    admin: Admin,
    Path(uid): Path<String>,
    Body(body): Body<StatusNote>,
) -> Answer<Booking> {
    act(state, admin, uid, body, AdminAction::NoShow).await
}

#[utoipa::path(post, path = "/api/v1/bookings/{uid}/complete", params(("uid" = String, Path, description = "The booking's public id")), tag = "admin", request_body = StatusNote,
    responses((status = 200, description = "OK", body = Booking), (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"), (status = 409, description = "Conflict", body = Problem, content_type = "application/problem+json")), security(("api_key" = [])))]
pub async fn complete(
    State(state): State<AppState>,
    admin: Admin,
    Path(uid): Path<String>,
    Body(body): Body<StatusNote>,
) -> Answer<Booking> {
    act(state, admin, uid, body, AdminAction::Complete).await
}
