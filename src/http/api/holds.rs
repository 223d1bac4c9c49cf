//! Slot holds on public booking pages: take one when the invitee chooses a
//! time, release it when they choose another or leave.

use super::public::inputs;
use crate::app::App;
use crate::booking;
use crate::booking::holds::HoldClient;
use crate::engine::Instant;
use crate::http::error::ApiError;
use crate::http::extract::{Body, ClientIp};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The time an invitee chose.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldRequest {
    /// One of the event type's slots (RFC 3339).
    pub start: DateTime<Utc>,
    /// The token of the invitee's current hold, if they have one: it is let
    /// go in the same step (choosing another time moves the hold; choosing
    /// the same time again renews it), and never stands in the way.
    pub hold: Option<String>,
}

/// A hold: the time is the invitee's until `expires_at`.
#[derive(Debug, Serialize, ToSchema)]
pub struct HoldCreated {
    /// The hold's secret, shown only here: send it as `hold` when booking
    /// (the booking uses the hold up) and as `hold=` when asking for slots
    /// (the held time stays in this invitee's answer); `DELETE
    /// /api/v1/public/holds/{hold}` lets it go.
    pub hold: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// After this instant the hold counts for nothing: the time books
    /// normally if it is still free.
    pub expires_at: DateTime<Utc>,
}

#[utoipa::path(post, path = "/api/v1/public/{user}/{event}/holds", operation_id = "hold", tag = "public", request_body = HoldRequest,
    params(("user" = String, Path, description = "The host's slug"), ("event" = String, Path, description = "The event type's slug")),
    description = "Holds a time for the invitee who chose it, for the event type's `hold_minutes`: other invitees no longer see it (for round robin, the host chosen now is held and the others stay bookable), and booking it with the hold's token uses the hold up. A group event's hold takes one seat. One visitor keeps a limited number of live holds at once (429 beyond it).",
    responses((status = 201, description = "Held", body = HoldCreated),
        (status = 409, description = "The time is not free (booked or held by someone else; `field` is `start`), or the event type does not hold times (`hold_minutes` 0; no `field`)"),
        (status = 429, description = "This visitor (IP address) already keeps as many live holds as one may, on this event type (`max_holds_per_event_type`, default 3) or overall (`max_holds_per_client`, default 20); `Retry-After` says when their earliest hold expires. Booking pages then open the form without a hold.",
            headers(("Retry-After" = u32, description = "Seconds until the visitor's earliest live hold (of this event type, or overall) expires")))))]
pub async fn create(
    State(state): State<App>,
    Path((user, event)): Path<(String, String)>,
    ClientIp(ip): ClientIp,
    Body(request): Body<HoldRequest>,
) -> Result<Response, ApiError> {
    let inputs = inputs(&state, &user, &event).await?;
    let now = Instant::from_utc(state.now());
    let start = Instant::from_utc(request.start);
    let limits = &state.settings.holds;
    let client = ip.map(|ip| {
        HoldClient::for_ip(
            ip,
            state.keys.as_deref(),
            limits.per_event_type,
            limits.per_client,
        )
    });
    let held = booking::holds::hold(
        state.store.as_ref(),
        &inputs,
        start,
        request.hold.as_deref(),
        client.as_ref(),
        now,
    )
    .await?;
    let created = HoldCreated {
        hold: held.token,
        start: held.start,
        end: held.end,
        expires_at: held.expires_at,
    };
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

#[utoipa::path(delete, path = "/api/v1/public/holds/{hold}", operation_id = "release_hold", tag = "public",
    params(("hold" = String, Path, description = "The hold's token")),
    responses((status = 204, description = "Released: the time is free for others again"),
        (status = 404, description = "No such hold, or it has expired")))]
pub async fn release(
    State(state): State<App>,
    Path(hold): Path<String>,
) -> Result<StatusCode, ApiError> {
    let now = Instant::from_utc(state.now());
    booking::holds::release(state.store.as_ref(), &hold, now).await?;
    Ok(StatusCode::NO_CONTENT)
}
