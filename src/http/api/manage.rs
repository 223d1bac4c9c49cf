//! Managing one's own booking with the token from the manage link.

use super::public::created;
use crate::app::App;
use crate::booking;
use crate::domain::{Booking, Location};
use crate::engine::Instant;
use crate::http::error::ApiError;
use crate::http::extract::{Body, Query};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Token {
    /// The secret from the manage link.
    pub token: String,
}

/// One's own booking with what it is: the meeting's title, hosts and place.
#[derive(Debug, Serialize, ToSchema)]
pub struct ManagedBooking {
    #[serde(flatten)]
    pub booking: Booking,
    pub meeting: Meeting,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Meeting {
    pub title: String,
    pub description: String,
    pub duration_minutes: u32,
    /// With its link or number: the invitee booked.
    pub location: Location,
    pub hosts: Vec<MeetingHost>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingHost {
    pub id: String,
    pub name: String,
    pub timezone: String,
}

#[utoipa::path(get, path = "/api/v1/manage/{uid}", tag = "manage", params(("uid" = String, Path, description = "The booking's public id"), Token),
    responses((status = 200, description = "OK", body = ManagedBooking)))]
pub async fn view(
    State(state): State<App>,
    Path(uid): Path<String>,
    Query(token): Query<Token>,
) -> Result<Json<ManagedBooking>, ApiError> {
    let view = booking::view(state.store.as_ref(), &uid, &token.token).await?;
    let (title, description, location) = match view.event_type {
        Some(event_type) => (
            event_type.input.title,
            event_type.input.description,
            event_type.input.location,
        ),
        None => (String::new(), String::new(), Location::Unspecified),
    };
    let booking = view.booking.for_invitee();
    let meeting = Meeting {
        title,
        description,
        duration_minutes: u32::try_from((booking.end - booking.start).num_minutes()).unwrap_or(0),
        location,
        hosts: view
            .hosts
            .into_iter()
            .map(|user| MeetingHost {
                id: user.id,
                name: user.input.name,
                timezone: user.input.timezone.to_string(),
            })
            .collect(),
    };
    Ok(Json(ManagedBooking { booking, meeting }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/manage/{uid}/cancel", operation_id = "cancel_by_invitee", tag = "manage", params(("uid" = String, Path, description = "The booking's public id"), Token), request_body = CancelRequest,
    responses((status = 200, description = "OK", body = Booking), (status = 409, description = "Conflict"), (status = 410, description = "Gone")))]
pub async fn cancel(
    State(state): State<App>,
    Path(uid): Path<String>,
    Query(token): Query<Token>,
    Body(body): Body<CancelRequest>,
) -> Result<Json<Booking>, ApiError> {
    if let Some(reason) = &body.reason {
        crate::domain::check_text("reason", reason, 2_000, false)?;
    }
    let booking = booking::cancel(
        state.store.as_ref(),
        &uid,
        &token.token,
        body.reason,
        state.now(),
    )
    .await?;
    Ok(Json(booking.for_invitee()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleRequest {
    pub start: DateTime<Utc>,
    /// The token of the invitee's hold on the new time (`POST …/holds`):
    /// it does not stand in their way, and the new booking uses it up.
    pub hold: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/manage/{uid}/reschedule", tag = "manage", params(("uid" = String, Path, description = "The booking's public id"), Token), request_body = RescheduleRequest,
    responses((status = 201, description = "Created", body = super::public::BookingCreated), (status = 409, description = "Conflict"),
        (status = 410, description = "Gone")))]
pub async fn reschedule(
    State(state): State<App>,
    Path(uid): Path<String>,
    Query(token): Query<Token>,
    Body(body): Body<RescheduleRequest>,
) -> Result<Response, ApiError> {
    let now = Instant::from_utc(state.now());
    let booked = booking::reschedule(
        state.store.as_ref(),
        &uid,
        &token.token,
        body.start,
        body.hold.as_deref(),
        now,
    )
    .await?;
    Ok(created(&state, booked))
}
