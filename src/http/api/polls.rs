//! Meeting polls over JSON: the host creates, follows and finalizes; each
//! participant votes through a personal token.

use crate::app::App;
use crate::booking::polls;
use crate::domain::{Ballot, Booking, Invited, OptionResult, Participant, Poll, PollInput, rank};
use crate::engine::Instant;
use crate::http::error::{ApiError, missing};
use crate::http::extract::{Admin, Body};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Invitation {
    pub name: String,
    pub email: String,
    /// The participant's personal page (vote and see results).
    pub url: String,
    pub token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PollCreated {
    pub poll: Poll,
    /// Where anyone can join (open polls).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_url: Option<String>,
    pub invitations: Vec<Invitation>,
}

#[utoipa::path(post, path = "/api/v1/polls", operation_id = "create_poll", tag = "polls", request_body = PollInput,
    responses((status = 201, description = "Created", body = PollCreated)))]
pub async fn create(
    State(state): State<App>,
    admin: Admin,
    Body(input): Body<PollInput>,
) -> Result<(StatusCode, Json<PollCreated>), ApiError> {
    let made = polls::create(
        state.store.as_ref(),
        &admin.organization_id,
        input,
        state.now(),
    )
    .await?;
    let base = state.public_url();
    Ok((
        StatusCode::CREATED,
        Json(PollCreated {
            open_url: made.open_token.map(|t| format!("{base}/polls/join/{t}")),
            invitations: made
                .invitations
                .into_iter()
                .map(|(person, token)| Invitation {
                    name: person.name,
                    email: person.email.to_string(),
                    url: format!("{base}/polls/{token}"),
                    token,
                })
                .collect(),
            poll: made.poll,
        }),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PollDetail {
    pub poll: Poll,
    pub participants: Vec<Participant>,
    /// Options ranked: most yes, then most if-need-be, then earliest.
    pub results: Vec<OptionResult>,
}

#[utoipa::path(get, path = "/api/v1/polls/{id}", tag = "polls", params(("id" = String, Path, description = "Its id")),
    responses((status = 200, description = "OK", body = PollDetail)))]
pub async fn detail(
    State(state): State<App>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<Json<PollDetail>, ApiError> {
    let poll = state
        .store
        .poll(&admin.organization_id, &id)
        .await
        .map_err(missing("poll"))?;
    let participants = state.store.poll_participants(&poll.id).await?;
    let results = rank(&poll.input.options, &participants, true);
    Ok(Json(PollDetail {
        poll,
        participants,
        results,
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Finalize {
    /// Index of the chosen option; default: the best ranked.
    pub option: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Finalized {
    pub poll: Poll,
    pub booking: Booking,
}

#[utoipa::path(post, path = "/api/v1/polls/{id}/finalize", tag = "polls", params(("id" = String, Path, description = "Its id")),
    request_body = Finalize,
    responses((status = 200, description = "Booked", body = Finalized),
        (status = 409, description = "Closed, or the host is not free then")))]
pub async fn finalize(
    State(state): State<App>,
    admin: Admin,
    Path(id): Path<String>,
    Body(body): Body<Finalize>,
) -> Result<Json<Finalized>, ApiError> {
    let now = Instant::from_utc(state.now());
    let (poll, booking) = polls::finalize(
        state.store.as_ref(),
        &admin.organization_id,
        &id,
        body.option,
        now,
    )
    .await
    .map_err(|e| match e {
        crate::booking::BookingError::NotFound(_) => ApiError::not_found("poll"),
        other => other.into(),
    })?;
    state.metrics.booking_created();
    Ok(Json(Finalized { poll, booking }))
}

#[utoipa::path(post, path = "/api/v1/polls/{id}/close", tag = "polls", params(("id" = String, Path, description = "Its id")),
    responses((status = 200, description = "Closed", body = Poll),
        (status = 409, description = "Already closed")))]
pub async fn close(
    State(state): State<App>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<Json<Poll>, ApiError> {
    let poll = state
        .store
        .poll(&admin.organization_id, &id)
        .await
        .map_err(missing("poll"))?;
    polls::close(state.store.as_ref(), &poll.id)
        .await
        .map_err(|e| match e {
            crate::store::StoreError::WrongStatus(_) => {
                ApiError::conflict(format!("the poll is {}", poll.status.as_str()))
            }
            other => other.into(),
        })?;
    Ok(Json(state.store.poll(&admin.organization_id, &id).await?))
}

/// What a participant sees.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantPage {
    pub poll: PublicPoll,
    pub me: Participant,
    /// Ranked results; voters' names only when the host made votes visible.
    pub results: Vec<OptionResult>,
}

/// The poll without its participants' personal details.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicPoll {
    pub title: String,
    pub description: String,
    pub duration_minutes: u32,
    pub timezone: String,
    pub options: Vec<chrono::DateTime<chrono::Utc>>,
    pub status: crate::domain::PollStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chosen_option: Option<usize>,
}

impl From<&Poll> for PublicPoll {
    fn from(poll: &Poll) -> Self {
        PublicPoll {
            title: poll.input.title.clone(),
            description: poll.input.description.clone(),
            duration_minutes: poll.input.duration_minutes,
            timezone: poll.input.timezone.to_string(),
            options: poll.input.options.clone(),
            status: poll.status,
            deadline: poll.input.deadline,
            chosen_option: poll.chosen_option,
        }
    }
}

pub(crate) fn page(view: polls::ParticipantView) -> ParticipantPage {
    ParticipantPage {
        poll: PublicPoll::from(&view.poll),
        me: view.me,
        results: view.results,
    }
}

pub(crate) fn token_ok(token: &str) -> Result<(), ApiError> {
    if crate::domain::looks_like_token(token) {
        Ok(())
    } else {
        Err(ApiError::not_found("poll"))
    }
}

pub(crate) fn participant_error(error: crate::booking::BookingError) -> ApiError {
    match error {
        crate::booking::BookingError::NotFound(_) => ApiError::not_found("poll"),
        crate::booking::BookingError::Gone(what) => {
            ApiError::gone(format!("this is {what}; votes can no longer change"))
        }
        other => other.into(),
    }
}

#[utoipa::path(get, path = "/api/v1/poll-votes/{token}", tag = "polls", params(("token" = String, Path, description = "The participant's token")),
    responses((status = 200, description = "OK", body = ParticipantPage)))]
pub async fn mine(
    State(state): State<App>,
    Path(token): Path<String>,
) -> Result<Json<ParticipantPage>, ApiError> {
    token_ok(&token)?;
    Ok(Json(page(
        polls::as_participant(state.store.as_ref(), &token)
            .await
            .map_err(participant_error)?,
    )))
}

#[utoipa::path(put, path = "/api/v1/poll-votes/{token}", tag = "polls", params(("token" = String, Path, description = "The participant's token")),
    request_body = Ballot,
    responses((status = 200, description = "Saved", body = ParticipantPage),
        (status = 410, description = "The poll is closed")))]
pub async fn vote(
    State(state): State<App>,
    Path(token): Path<String>,
    Body(ballot): Body<Ballot>,
) -> Result<Json<ParticipantPage>, ApiError> {
    token_ok(&token)?;
    let view = polls::vote(state.store.as_ref(), &token, &ballot, state.now())
        .await
        .map_err(participant_error)?;
    Ok(Json(page(view)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Joined {
    pub token: String,
    pub url: String,
}

#[utoipa::path(post, path = "/api/v1/poll-join/{token}", tag = "polls", params(("token" = String, Path, description = "The poll's open-link token")),
    request_body = Invited,
    responses((status = 201, description = "Joined", body = Joined),
        (status = 410, description = "The poll is closed")))]
pub async fn join(
    State(state): State<App>,
    Path(token): Path<String>,
    Body(person): Body<Invited>,
) -> Result<(StatusCode, Json<Joined>), ApiError> {
    token_ok(&token)?;
    let mine = polls::join(state.store.as_ref(), &token, &person, state.now())
        .await
        .map_err(participant_error)?;
    let url = format!("{}/polls/{mine}", state.public_url());
    Ok((StatusCode::CREATED, Json(Joined { token: mine, url })))
}
