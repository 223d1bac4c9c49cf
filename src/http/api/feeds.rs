//! A host's private calendar feed (`webcal://`): an admin issues or rotates
//! its address, or turns it off; the address itself serves the bookings as
//! iCalendar to whoever holds it.

use crate::app::App;
use crate::booking::feed;
use crate::http::error::ApiError;
use crate::http::extract::Admin;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// A feed's address, shown once (only a hash is kept).
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarFeed {
    /// `https://…/api/v1/feeds/{token}/bookings.ics`, for calendar apps that
    /// take an address.
    pub url: String,
    /// The same as `webcal://`: a click subscribes in Apple Calendar and
    /// Outlook.
    pub webcal_url: String,
}

#[utoipa::path(post, path = "/api/v1/users/{id}/calendar-feed", tag = "admin", operation_id = "issue_calendar_feed",
    params(("id" = String, Path, description = "The host's id")),
    responses((status = 201, description = "A new address for the host's bookings; any earlier one stops working", body = CalendarFeed)))]
pub async fn issue(
    State(state): State<App>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<CalendarFeed>), ApiError> {
    let token = feed::issue_feed(state.store.as_ref(), &admin.organization_id, &id).await?;
    let url = format!(
        "{}/api/v1/feeds/{token}/bookings.ics",
        state.public_url().trim_end_matches('/')
    );
    let webcal_url = match url.split_once("://") {
        Some((_, rest)) => format!("webcal://{rest}"),
        None => url.clone(),
    };
    Ok((StatusCode::CREATED, Json(CalendarFeed { url, webcal_url })))
}

#[utoipa::path(delete, path = "/api/v1/users/{id}/calendar-feed", tag = "admin", operation_id = "revoke_calendar_feed",
    params(("id" = String, Path, description = "The host's id")),
    responses((status = 204, description = "The feed is off: its address answers 404")))]
pub async fn revoke(
    State(state): State<App>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    feed::revoke_feed(state.store.as_ref(), &admin.organization_id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/feeds/{token}/bookings.ics", tag = "public", operation_id = "calendar_feed",
    params(("token" = String, Path, description = "The feed's token")),
    responses((status = 200, description = "The host's bookings from 90 days back, as iCalendar (`METHOD:PUBLISH`)", content_type = "text/calendar", body = String)))]
pub async fn bookings(State(state): State<App>, Path(token): Path<String>) -> Response {
    match feed::feed(state.store.as_ref(), &token, state.now()).await {
        Ok(text) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                // Personal data behind a secret address: no shared caches.
                (header::CACHE_CONTROL, "private, max-age=300"),
                (header::REFERRER_POLICY, "no-referrer"),
            ],
            text,
        )
            .into_response(),
        Err(error) => ApiError::from(error).into_response(),
    }
}
