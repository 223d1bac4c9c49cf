//! Admin endpoints (API key of one organization): users, schedules, event
//! types, busy blocks, bookings.

use crate::app::App;
use crate::booking::{self, AdminAction};
use crate::domain::{
    Booking, EventType, EventTypeInput, Schedule, ScheduleInput, StatusChange, Team, TeamInput,
    User, UserInput,
};
use crate::engine::ical::parse_calendar;
use crate::http::error::{ApiError, missing};
use crate::http::extract::{Admin, Body, Query};
use crate::store::{BookingFilter, BusyBlock, BusyBlockInput};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

type Created<T> = Result<(StatusCode, Json<T>), ApiError>;
type Answer<T> = Result<Json<T>, ApiError>;

/// An event type of the caller's organization and its owner, as the
/// per-event-type admin endpoints (fairness, explain, suggestions) need them.
pub(crate) async fn event_type_and_owner(
    state: &App,
    admin: &Admin,
    id: &str,
) -> Result<(EventType, User), ApiError> {
    let event_type = state
        .store
        .event_type(&admin.organization_id, id)
        .await
        .map_err(missing("event type"))?;
    let owner = state
        .store
        .user(&admin.organization_id, &event_type.input.owner_id)
        .await?;
    Ok((event_type, owner))
}

/// Inputs of the CRUD resources check themselves the same way.
trait Check {
    fn check(&mut self) -> Result<(), crate::domain::ValidationError>;
}

impl Check for UserInput {
    fn check(&mut self) -> Result<(), crate::domain::ValidationError> {
        self.validate()
    }
}

impl Check for ScheduleInput {
    fn check(&mut self) -> Result<(), crate::domain::ValidationError> {
        self.validate().map(|_| ())
    }
}

impl Check for TeamInput {
    fn check(&mut self) -> Result<(), crate::domain::ValidationError> {
        self.validate()
    }
}

impl Check for EventTypeInput {
    fn check(&mut self) -> Result<(), crate::domain::ValidationError> {
        self.validate()
    }
}

/// Create, list, get, replace and delete handlers for one resource of an
/// organization, with their OpenAPI annotations: users, schedules and event
/// types differ only in types, paths and store methods.
macro_rules! crud {
    (
        what: $what:tt, collection: $collection:tt, item: $item:tt, input: $input:ty, output: $output:ty,
        $create:ident => $insert:ident, $list:ident => $all:ident, $get:ident => $one:ident,
        $update:ident => $replace:ident, $delete:ident => $remove:ident $(,)?
    ) => {
        #[utoipa::path(post, path = $collection, tag = "admin", request_body = $input,
            responses((status = 201, description = "Created", body = $output),
                (status = 409, description = "Conflict")))]
        pub async fn $create(State(state): State<App>, admin: Admin, Body(mut input): Body<$input>) -> Created<$output> {
            input.check()?;
            let created = state.store.$insert(&admin.organization_id, &input).await?;
            Ok((StatusCode::CREATED, Json(created)))
        }

        #[utoipa::path(get, path = $collection, tag = "admin",
            responses((status = 200, description = "OK", body = Vec<$output>)))]
        pub async fn $list(State(state): State<App>, admin: Admin) -> Answer<Vec<$output>> {
            Ok(Json(state.store.$all(&admin.organization_id).await?))
        }

        #[utoipa::path(get, path = $item, tag = "admin", params(("id" = String, Path, description = "Its id")),
            responses((status = 200, description = "OK", body = $output)))]
        pub async fn $get(State(state): State<App>, admin: Admin, Path(id): Path<String>) -> Answer<$output> {
            Ok(Json(state.store.$one(&admin.organization_id, &id).await.map_err(missing($what))?))
        }

        #[utoipa::path(put, path = $item, tag = "admin", params(("id" = String, Path, description = "Its id")), request_body = $input,
            responses((status = 200, description = "OK", body = $output),
                (status = 409, description = "Conflict")))]
        pub async fn $update(
            State(state): State<App>,
            admin: Admin,
            Path(id): Path<String>,
            Body(mut input): Body<$input>,
        ) -> Answer<$output> {
            input.check()?;
            let updated = state.store.$replace(&admin.organization_id, &id, &input).await.map_err(missing($what))?;
            Ok(Json(updated))
        }

        #[utoipa::path(delete, path = $item, tag = "admin", params(("id" = String, Path, description = "Its id")),
            responses((status = 204, description = "Deleted"),
                (status = 409, description = "Still in use")))]
        pub async fn $delete(State(state): State<App>, admin: Admin, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
            state.store.$remove(&admin.organization_id, &id).await.map_err(missing($what))?;
            Ok(StatusCode::NO_CONTENT)
        }
    };
}

crud!(
    what: "user", collection: "/api/v1/users", item: "/api/v1/users/{id}", input: UserInput, output: User,
    create_user => insert_user, list_users => users, get_user => user,
    update_user => update_user, delete_user => delete_user,
);

crud!(
    what: "schedule", collection: "/api/v1/schedules", item: "/api/v1/schedules/{id}",
    input: ScheduleInput, output: Schedule,
    create_schedule => insert_schedule, list_schedules => schedules, get_schedule => schedule,
    update_schedule => update_schedule, delete_schedule => delete_schedule,
);

crud!(
    what: "event type", collection: "/api/v1/event-types", item: "/api/v1/event-types/{id}",
    input: EventTypeInput, output: EventType,
    create_event_type => insert_event_type, list_event_types => event_types, get_event_type => event_type,
    update_event_type => update_event_type, delete_event_type => delete_event_type,
);

crud!(
    what: "team", collection: "/api/v1/teams", item: "/api/v1/teams/{id}",
    input: TeamInput, output: Team,
    create_team => insert_team, list_teams => teams, get_team => team,
    update_team => update_team, delete_team => delete_team,
);

#[utoipa::path(post, path = "/api/v1/busy-blocks", tag = "admin", request_body = BusyBlockInput,
    responses((status = 201, description = "Created", body = BusyBlock),
        (status = 409, description = "The host already has a block with this source and external_id")))]
pub async fn create_busy_block(
    State(state): State<App>,
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
    if let Some(text) = input.ical.clone() {
        let (start, end) = (input.start, input.end);
        tokio::task::spawn_blocking(move || check_busy_ical(&text, start, end))
            .await
            .map_err(ApiError::internal)??;
    }
    let block = state
        .store
        .insert_busy_block(&admin.organization_id, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(block)))
}

/// A busy block's iCalendar must parse and expand within the engine's
/// budget over the block's bounds in the coming year (slots are asked for
/// within that), so a rule such as `FREQ=SECONDLY` is refused here rather
/// than counted busy over its whole span later.
fn check_busy_ical(
    text: &str,
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiError> {
    use crate::engine::{Instant, Interval};
    let calendar = parse_calendar(text).map_err(|e| ApiError::invalid("ical", e.to_string()))?;
    let now = chrono::Utc::now();
    let from = start.max(now - chrono::Duration::days(31));
    let to = end.min(now + chrono::Duration::days(400));
    if from < to {
        let window = Interval::new(Instant::from_utc(from), Instant::from_utc(to));
        if let Some((uid, limit)) = calendar.first_unreadable(window) {
            return Err(ApiError::invalid(
                "ical",
                format!("event {uid:?} cannot be expanded: {}", limit.describe()),
            ));
        }
    }
    Ok(())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// Start of the period (default: the start of this month in the event type's zone).
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    /// End of the period, exclusive (default: now).
    pub to: Option<chrono::DateTime<chrono::Utc>>,
}

#[utoipa::path(get, path = "/api/v1/event-types/{id}/fairness", tag = "admin",
    params(("id" = String, Path, description = "Its id"), Period),
    responses((status = 200, description = "OK", body = crate::booking::fairness::FairnessReport)))]
pub async fn fairness(
    State(state): State<App>,
    admin: Admin,
    Path(id): Path<String>,
    Query(period): Query<Period>,
) -> Answer<crate::booking::fairness::FairnessReport> {
    let (event_type, owner) = event_type_and_owner(&state, &admin, &id).await?;
    let zone = event_type
        .input
        .timezone
        .as_ref()
        .unwrap_or(&owner.input.timezone)
        .zone();
    let now = state.now();
    let from = period.from.unwrap_or_else(|| {
        let today = zone.local_date(crate::engine::Instant::from_utc(now));
        let first = chrono::Datelike::with_day(&today, 1).unwrap_or(today);
        zone.start_of_day(first).to_utc()
    });
    let to = period.to.unwrap_or(now + chrono::Duration::seconds(1));
    if to < from {
        return Err(ApiError::invalid("to", "is before from"));
    }
    Ok(Json(
        crate::booking::fairness::report(state.store.as_ref(), &event_type, from, to).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExplainAt {
    /// The start time to explain (RFC 3339).
    pub start: chrono::DateTime<chrono::Utc>,
}

#[utoipa::path(get, path = "/api/v1/event-types/{id}/explain", tag = "admin", operation_id = "explain_event_type",
    params(("id" = String, Path, description = "Its id"), ExplainAt),
    responses((status = 200, description = "Why the start is or is not offered: the engine's reasons per host (as POST /api/v1/availability/explain gives them for a scenario); host ids are user ids", body = Object)))]
pub async fn explain(
    State(state): State<App>,
    admin: Admin,
    Path(id): Path<String>,
    Query(at): Query<ExplainAt>,
) -> Answer<serde_json::Value> {
    let (event_type, owner) = event_type_and_owner(&state, &admin, &id).await?;
    let inputs =
        crate::booking::AvailabilityInputs::load(state.store.as_ref(), event_type, owner).await?;
    let now = crate::engine::Instant::from_utc(state.now());
    let (query, explanation) = crate::booking::explain_at(
        state.store.as_ref(),
        &inputs,
        now,
        crate::engine::Instant::from_utc(at.start),
    )
    .await?;
    Ok(Json(crate::scenario::explanation_json(
        &query,
        &explanation,
    )))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BusyFilter {
    /// Only this host's blocks.
    pub user_id: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/busy-blocks", tag = "admin", params(BusyFilter),
    responses((status = 200, description = "OK", body = Vec<BusyBlock>)))]
pub async fn list_busy_blocks(
    State(state): State<App>,
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
    responses((status = 204, description = "Deleted")))]
pub async fn delete_busy_block(
    State(state): State<App>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .delete_busy_block(&admin.organization_id, &id)
        .await
        .map_err(missing("busy block"))?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/bookings", tag = "admin", params(BookingFilter),
    responses((status = 200, description = "OK", body = Vec<Booking>)))]
pub async fn list_bookings(
    State(state): State<App>,
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
    responses((status = 200, description = "OK", body = BookingDetail)))]
pub async fn get_booking(
    State(state): State<App>,
    admin: Admin,
    Path(uid): Path<String>,
) -> Answer<BookingDetail> {
    if !crate::domain::looks_like_token(&uid) {
        return Err(ApiError::not_found("booking"));
    }
    let stored = state
        .store
        .booking(&uid)
        .await
        .map_err(missing("booking"))?;
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
    /// Why (kept in the booking's history), as the invitee's cancel takes it.
    pub reason: Option<String>,
    /// The former name of `reason`, still accepted.
    #[schema(deprecated)]
    pub note: Option<String>,
}

impl StatusNote {
    fn reason(self) -> Result<Option<String>, ApiError> {
        let reason = match (self.reason, self.note) {
            (Some(_), Some(_)) => {
                return Err(ApiError::invalid(
                    "note",
                    "send only reason (note is its former name)",
                ));
            }
            (Some(text), None) | (None, Some(text)) => Some(text),
            (None, None) => None,
        };
        if let Some(text) = &reason {
            crate::domain::check_text("reason", text, 2_000, false)?;
        }
        Ok(reason)
    }
}

async fn act(
    state: App,
    admin: Admin,
    uid: String,
    body: StatusNote,
    action: AdminAction,
) -> Answer<Booking> {
    let reason = body.reason()?;
    let booking = booking::change_status(
        state.store.as_ref(),
        &admin.organization_id,
        &uid,
        action,
        &admin.actor(),
        reason,
        state.now(),
    )
    .await?;
    Ok(Json(booking))
}

#[utoipa::path(post, path = "/api/v1/bookings/{uid}/approve", params(("uid" = String, Path, description = "The booking's public id")), tag = "admin", request_body = StatusNote,
    responses((status = 200, description = "OK", body = Booking), (status = 409, description = "Conflict")))]
pub async fn approve(
    State(state): State<App>,
    admin: Admin,
    Path(uid): Path<String>,
    Body(body): Body<StatusNote>,
) -> Answer<Booking> {
    act(state, admin, uid, body, AdminAction::Approve).await
}

#[utoipa::path(post, path = "/api/v1/bookings/{uid}/cancel", operation_id = "cancel_booking", tag = "admin", params(("uid" = String, Path, description = "The booking's public id")), request_body = StatusNote,
    responses((status = 200, description = "OK", body = Booking), (status = 409, description = "Conflict")))]
pub async fn cancel(
    State(state): State<App>,
    admin: Admin,
    Path(uid): Path<String>,
    Body(body): Body<StatusNote>,
) -> Answer<Booking> {
    act(state, admin, uid, body, AdminAction::Cancel).await
}

#[utoipa::path(post, path = "/api/v1/bookings/{uid}/reject", params(("uid" = String, Path, description = "The booking's public id")), tag = "admin", request_body = StatusNote,
    responses((status = 200, description = "OK", body = Booking), (status = 409, description = "Conflict")))]
pub async fn reject(
    State(state): State<App>,
    admin: Admin,
    Path(uid): Path<String>,
    Body(body): Body<StatusNote>,
) -> Answer<Booking> {
    act(state, admin, uid, body, AdminAction::Reject).await
}

#[utoipa::path(post, path = "/api/v1/bookings/{uid}/no-show", params(("uid" = String, Path, description = "The booking's public id")), tag = "admin", request_body = StatusNote,
    responses((status = 200, description = "OK", body = Booking), (status = 409, description = "Conflict")))]
pub async fn no_show(
    State(state): State<App>,
    admin: Admin,
    Path(uid): Path<String>,
    Body(body): Body<StatusNote>,
) -> Answer<Booking> {
    act(state, admin, uid, body, AdminAction::NoShow).await
}

#[utoipa::path(post, path = "/api/v1/bookings/{uid}/complete", params(("uid" = String, Path, description = "The booking's public id")), tag = "admin", request_body = StatusNote,
    responses((status = 200, description = "OK", body = Booking), (status = 409, description = "Conflict")))]
pub async fn complete(
    State(state): State<App>,
    admin: Admin,
    Path(uid): Path<String>,
    Body(body): Body<StatusNote>,
) -> Answer<Booking> {
    act(state, admin, uid, body, AdminAction::Complete).await
}
