//! One-off links: admins make and revoke them; invitees open and book them.

use super::public::{PublicEventType, SlotsParams, created, describe};
use crate::app::App;
use crate::booking::links;
use crate::booking::{AvailabilityInputs, SlotsAnswer};
use crate::domain::{BookingRequest, Link, LinkInput};
use crate::engine::{Instant, Interval};
use crate::http::error::{ApiError, missing};
use crate::http::extract::{Admin, Body, Query};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// A new link with its token and URL (shown only here).
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkCreated {
    #[serde(flatten)]
    pub link: Link,
    pub token: String,
    /// The page to send the invitee: the link's times (or its event type's
    /// calendar) and the booking form.
    pub url: String,
}

#[utoipa::path(post, path = "/api/v1/links", operation_id = "create_link", tag = "admin", request_body = LinkInput,
    responses((status = 201, description = "Created", body = LinkCreated)))]
pub async fn create(
    State(state): State<App>,
    admin: Admin,
    Body(input): Body<LinkInput>,
) -> Result<(StatusCode, Json<LinkCreated>), ApiError> {
    let (link, token) = links::create(
        state.store.as_ref(),
        &admin.organization_id,
        input,
        state.now(),
    )
    .await?;
    // The page an invitee opens (its JSON is at /api/v1/links/{token}).
    let url = format!("{}/links/{token}", state.public_url());
    Ok((StatusCode::CREATED, Json(LinkCreated { link, token, url })))
}

#[utoipa::path(get, path = "/api/v1/links", operation_id = "list_links", tag = "admin",
    responses((status = 200, description = "OK", body = Vec<Link>)))]
pub async fn list(State(state): State<App>, admin: Admin) -> Result<Json<Vec<Link>>, ApiError> {
    Ok(Json(state.store.links(&admin.organization_id).await?))
}

#[utoipa::path(delete, path = "/api/v1/links/{link}", tag = "admin", params(("link" = String, Path, description = "The link's id")),
    responses((status = 200, description = "Revoked", body = Link)))]
pub async fn revoke(
    State(state): State<App>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<Json<Link>, ApiError> {
    let link = state
        .store
        .revoke_link(&admin.organization_id, &id)
        .await
        .map_err(missing("link"))?;
    Ok(Json(link))
}

/// What an invitee sees when opening a link.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicLink {
    pub event_type: PublicEventType,
    /// The hand-picked times (empty: the event type's normal slots).
    pub times: Vec<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}

async fn open(state: &App, token: &str) -> Result<links::OpenLink, ApiError> {
    if !crate::domain::looks_like_token(token) {
        return Err(ApiError::not_found("link"));
    }
    links::open(state.store.as_ref(), token, state.now())
        .await
        .map_err(|e| match e {
            crate::booking::BookingError::NotFound(_) => ApiError::not_found("link"),
            other => other.into(),
        })
}

#[utoipa::path(get, path = "/api/v1/links/{link}", tag = "public", params(("link" = String, Path, description = "The link's token")),
    responses((status = 200, description = "OK", body = PublicLink),
        (status = 410, description = "Used, expired or revoked")))]
pub async fn show(
    State(state): State<App>,
    Path(token): Path<String>,
) -> Result<Json<PublicLink>, ApiError> {
    let open = open(&state, &token).await?;
    let inputs: &AvailabilityInputs = &open.inputs;
    Ok(Json(PublicLink {
        event_type: describe(inputs),
        times: open.link.input.times.clone(),
        expires_at: open.link.input.expires_at,
    }))
}

#[utoipa::path(get, path = "/api/v1/links/{link}/slots", operation_id = "link_slots", tag = "public", params(("link" = String, Path, description = "The link's token"), SlotsParams),
    responses((status = 200, description = "OK", body = SlotsAnswer),
        (status = 410, description = "Used, expired or revoked")))]
pub async fn slots(
    State(state): State<App>,
    Path(token): Path<String>,
    Query(params): Query<SlotsParams>,
) -> Result<Json<SlotsAnswer>, ApiError> {
    params.check()?;
    let open = open(&state, &token).await?;
    let range = Interval::new(
        Instant::from_utc(params.start),
        Instant::from_utc(params.end),
    );
    let now = Instant::from_utc(state.now());
    let own_hold =
        crate::booking::holds::own_hold_id(state.store.as_ref(), params.hold.as_deref()).await?;
    Ok(Json(
        links::slots(
            state.store.as_ref(),
            &open,
            now,
            range,
            &params.timezone,
            own_hold.as_deref(),
        )
        .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/links/{link}/bookings", operation_id = "book_from_link", tag = "public", params(("link" = String, Path, description = "The link's token")),
    request_body = BookingRequest,
    responses((status = 201, description = "Created", body = super::public::BookingCreated),
        (status = 409, description = "Conflict"),
        (status = 410, description = "Used, expired or revoked")))]
pub async fn book(
    State(state): State<App>,
    Path(token): Path<String>,
    Body(request): Body<BookingRequest>,
) -> Result<Response, ApiError> {
    let open = open(&state, &token).await?;
    let now = Instant::from_utc(state.now());
    let booked = links::book(state.store.as_ref(), &open, &request, None, now).await?;
    Ok(created(&state, booked))
}
