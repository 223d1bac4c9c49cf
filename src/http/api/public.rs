//! Public endpoints an invitee's page calls: no key, addressed by slugs.

use crate::app::App;
use crate::booking::{self, AvailabilityInputs, SlotsAnswer};
use crate::domain::{Booking, BookingRequest, Kind, PublicLocation, Question, TimeZoneName};
use crate::engine::{Instant, Interval};
use crate::http::error::{ApiError, missing};
use crate::http::extract::{Body, Query};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

/// The longest range one slots request may ask for.
const MAX_SLOT_DAYS: i64 = 93;

/// The event type behind a public link with its hosts' schedules; cached
/// until any data changes.
pub(crate) async fn inputs(
    state: &App,
    user: &str,
    event: &str,
) -> Result<Arc<AvailabilityInputs>, ApiError> {
    // Slugs are checked before the database sees them: junk is a plain 404.
    if crate::domain::Slug::parse(user).is_err() || crate::domain::Slug::parse(event).is_err() {
        return Err(ApiError::not_found("event type"));
    }
    let key = format!("{user}/{event}");
    let now = Instant::from_utc(state.now());
    if let Some(inputs) = state.caches.inputs.get(&key, now) {
        return Ok(inputs);
    }
    let version = state.caches.inputs.version();
    let (event_type, owner) = state
        .store
        .event_type_by_slugs(user, event)
        .await
        .map_err(missing("event type"))?;
    let inputs = Arc::new(AvailabilityInputs::load(state.store.as_ref(), event_type, owner).await?);
    state.caches.inputs.put(key, version, None, inputs.clone());
    Ok(inputs)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicHost {
    pub name: String,
    pub slug: String,
    pub timezone: String,
}

/// What a booking page shows before the invitee picks a time.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicEventType {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub kind: Kind,
    pub duration_minutes: u32,
    /// Zone of the start-time grid.
    pub timezone: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seats: Option<u32>,
    /// The kind of place; the video link or phone number only comes with a booking.
    pub location: PublicLocation,
    pub questions: Vec<Question>,
    pub requires_approval: bool,
    pub owner: PublicHost,
}

#[utoipa::path(get, path = "/api/v1/public/{user}/{event}", params(("user" = String, Path, description = "The host's slug"), ("event" = String, Path, description = "The event type's slug")), tag = "public",
    responses((status = 200, description = "OK", body = PublicEventType)))]
pub async fn event_type(
    State(state): State<App>,
    Path((user, event)): Path<(String, String)>,
) -> Result<Json<PublicEventType>, ApiError> {
    let inputs = inputs(&state, &user, &event).await?;
    Ok(Json(describe(&inputs)))
}

/// What a booking page shows about an event type.
pub(crate) fn describe(inputs: &AvailabilityInputs) -> PublicEventType {
    let zone = inputs.zone().name().to_string();
    let (event_type, owner) = (&inputs.event_type, &inputs.owner);
    let input = &event_type.input;
    PublicEventType {
        id: event_type.id.clone(),
        slug: input.slug.to_string(),
        title: input.title.clone(),
        description: input.description.clone(),
        kind: input.kind,
        duration_minutes: input.duration_minutes,
        timezone: zone,
        seats: input.seats,
        location: input.location.public(),
        questions: input.questions.clone(),
        requires_approval: input.requires_approval,
        owner: PublicHost {
            name: owner.input.name.clone(),
            slug: owner.input.slug.to_string(),
            timezone: owner.input.timezone.to_string(),
        },
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SlotsParams {
    /// First instant of the range (RFC 3339).
    pub start: DateTime<Utc>,
    /// End of the range, exclusive; at most 93 days after `start`.
    pub end: DateTime<Utc>,
    /// The invitee's zone: slots carry their local time there and are grouped by its dates.
    #[param(value_type = String)]
    pub timezone: TimeZoneName,
}

impl SlotsParams {
    /// The range rules every slots request shares.
    pub(crate) fn check(&self) -> Result<(), ApiError> {
        if self.end < self.start {
            return Err(ApiError::invalid("end", "is before start"));
        }
        if self.end - self.start > chrono::Duration::days(MAX_SLOT_DAYS) {
            return Err(ApiError::invalid(
                "end",
                format!("ranges are limited to {MAX_SLOT_DAYS} days"),
            ));
        }
        Ok(())
    }
}

#[utoipa::path(get, path = "/api/v1/public/{user}/{event}/slots", operation_id = "slots", tag = "public", params(("user" = String, Path, description = "The host's slug"), ("event" = String, Path, description = "The event type's slug"), SlotsParams),
    responses((status = 200, description = "OK", body = SlotsAnswer)))]
pub async fn slots(
    State(state): State<App>,
    Path((user, event)): Path<(String, String)>,
    Query(params): Query<SlotsParams>,
) -> Result<Response, ApiError> {
    params.check()?;
    let now = Instant::from_utc(state.now());
    let key = format!(
        "{user}/{event}?{}&{}&{}",
        params.start.timestamp(),
        params.end.timestamp(),
        params.timezone
    );
    if let Some(body) = state.caches.slots.get(&key, now) {
        return Ok(json_response(body));
    }
    // Read the version before the data, so a change in between is never cached as current.
    let version = state.caches.slots.version();
    let inputs = inputs(&state, &user, &event).await?;
    let range = Interval::new(
        Instant::from_utc(params.start),
        Instant::from_utc(params.end),
    );
    let (answer, valid_until) =
        booking::slots_for(state.store.as_ref(), &inputs, now, range, &params.timezone).await?;
    let body = Bytes::from(serde_json::to_vec(&answer).map_err(ApiError::internal)?);
    state
        .caches
        .slots
        .put(key, version, valid_until, body.clone());
    Ok(json_response(body))
}

fn json_response(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A new booking, with the secret of its manage link (shown only here).
#[derive(Debug, Serialize, ToSchema)]
pub struct BookingCreated {
    #[serde(flatten)]
    pub booking: Booking,
    /// Send it as `?token=` to the manage endpoints. An `Idempotency-Key`
    /// replay carries it too (absent only for bookings made before replays did).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manage_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manage_url: Option<String>,
}

pub(crate) fn created(state: &App, booked: booking::Booked) -> Response {
    let manage_url = booked.manage_token.as_ref().map(|token| {
        format!(
            "{}/api/v1/manage/{}?token={token}",
            state.public_url(),
            booked.booking.uid
        )
    });
    if !booked.replayed {
        state.metrics.booking_created();
    }
    let status = if booked.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let mut response = (
        status,
        Json(BookingCreated {
            booking: booked.booking,
            manage_token: booked.manage_token,
            manage_url,
        }),
    )
        .into_response();
    if booked.replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

#[utoipa::path(post, path = "/api/v1/public/{user}/{event}/bookings", operation_id = "book", tag = "public", request_body = BookingRequest,
    params(("user" = String, Path, description = "The host's slug"), ("event" = String, Path, description = "The event type's slug"), ("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the same booking")),
    responses((status = 201, description = "Created", body = BookingCreated), (status = 200, description = "Replayed by Idempotency-Key", body = BookingCreated), (status = 409, description = "Conflict")))]
pub async fn book(
    State(state): State<App>,
    Path((user, event)): Path<(String, String)>,
    headers: HeaderMap,
    Body(request): Body<BookingRequest>,
) -> Result<Response, ApiError> {
    let key = match headers.get("idempotency-key") {
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .filter(|k| !k.is_empty() && k.len() <= 200)
                .ok_or_else(|| {
                    ApiError::invalid("Idempotency-Key", "must be 1 to 200 visible characters")
                })?
                .to_string(),
        ),
        None => None,
    };
    let inputs = inputs(&state, &user, &event).await?;
    let now = Instant::from_utc(state.now());
    let booked =
        booking::book(state.store.as_ref(), &inputs, &request, key.as_deref(), now).await?;
    Ok(created(&state, booked))
}
