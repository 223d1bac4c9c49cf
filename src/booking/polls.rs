//! Meeting polls: propose times, collect votes, book the chosen one.

use super::availability::slots_for;
use super::book::new_booking;
use super::inputs::AvailabilityInputs;
use super::links::picked_time_free;
use super::{BookingError, StoreRef};
use crate::domain::{
    Attendee, Booking, BookingRequest, EventTypeInput, Invited, Invitee, Kind, OptionResult,
    Participant, Poll, PollInput, PollStatus, Slug, Vote, hash_secret, new_id, random_token, rank,
};
use crate::engine::{Instant, Interval};
use crate::store::{Decision, NewPoll, Snapshot, StoreError};
use chrono::{DateTime, Utc};

/// How far ahead suggestions look for the host's free times.
const SUGGEST_DAYS: i64 = 60;

pub struct PollCreated {
    pub poll: Poll,
    /// The open link's token, for an open poll (shown only now).
    pub open_token: Option<String>,
    /// Each invited participant's personal token (shown only now).
    pub invitations: Vec<(Invited, String)>,
}

fn invalid(field: &str, message: impl Into<String>) -> BookingError {
    crate::domain::ValidationError::new(field, message).into()
}

/// The hidden event type a poll books through: the host's, one on one, no notice.
fn event_type_for(input: &PollInput) -> Result<EventTypeInput, BookingError> {
    let slug = Slug::parse(format!("poll-{}", random_token(12))).map_err(BookingError::Internal)?;
    let mut event_type = EventTypeInput {
        owner_id: input.host_id.clone(),
        slug,
        title: input.title.clone(),
        description: input.description.clone(),
        kind: Kind::OneOnOne,
        duration_minutes: input.duration_minutes,
        slot_interval_minutes: Some(15.min(input.duration_minutes)),
        buffer_before_minutes: 0,
        buffer_after_minutes: 0,
        min_notice_minutes: 0,
        max_days_ahead: None,
        daily_limit: None,
        seats: None,
        required_hosts: None,
        timezone: Some(input.timezone.clone()),
        schedule_id: None,
        location: input.location.clone(),
        questions: Vec::new(),
        requires_approval: false,
        assignment: Default::default(),
        hidden: true,
        stale_calendar: Default::default(),
        team_id: None,
        // No public page: nobody holds its times.
        hold_minutes: 0,
        reminder_minutes: Vec::new(),
        invitations: Default::default(),
        hosts: Vec::new(),
        redirect_url: None,
    };
    event_type.validate()?;
    Ok(event_type)
}

/// The host's next free times for a poll: after the deadline (or two hours
/// from now), not overlapping each other, at most two a day so they spread.
async fn suggest(
    store: StoreRef<'_>,
    input: &PollInput,
    definition: &EventTypeInput,
    host: crate::domain::User,
    now: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>, BookingError> {
    let wanted = input.suggest.unwrap_or(0) as usize;
    // Not stored: only the availability inputs are needed.
    let draft = crate::domain::EventType {
        id: format!("draft-{}", random_token(8)),
        input: definition.clone(),
        created_at: now,
        updated_at: now,
    };
    let inputs = AvailabilityInputs::load(store, draft, host).await?;
    let earliest = Instant::from_utc(
        input
            .deadline
            .unwrap_or(now)
            .max(now + chrono::Duration::hours(2)),
    );
    let range = Interval::new(earliest, earliest.plus_seconds(SUGGEST_DAYS * 86_400));
    let (answer, _) = slots_for(
        store,
        &inputs,
        Instant::from_utc(now),
        range,
        &input.timezone,
        None,
    )
    .await?;
    let length = chrono::Duration::minutes(i64::from(input.duration_minutes));
    let mut picked: Vec<DateTime<Utc>> = Vec::new();
    for day in &answer.days {
        let mut today = 0;
        for slot in &day.slots {
            if picked.len() == wanted || today == 2 {
                break;
            }
            if picked
                .last()
                .is_none_or(|last| slot.start >= *last + length)
            {
                picked.push(slot.start);
                today += 1;
            }
        }
    }
    if picked.len() < crate::domain::MIN_OPTIONS {
        return Err(invalid(
            "suggest",
            format!(
                "the host has fewer than {} free times in the next {SUGGEST_DAYS} days",
                crate::domain::MIN_OPTIONS
            ),
        ));
    }
    Ok(picked)
}

pub async fn create(
    store: StoreRef<'_>,
    organization_id: &str,
    mut input: PollInput,
    now: DateTime<Utc>,
) -> Result<PollCreated, BookingError> {
    input.validate(now)?;
    let host = store
        .user(organization_id, &input.host_id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) => invalid("host_id", "no such user"),
            other => other.into(),
        })?;
    let definition = event_type_for(&input)?;
    if input.options.is_empty() {
        input.options = suggest(store, &input, &definition, host, now).await?;
    }
    let event_type = store
        .insert_event_type(organization_id, &definition)
        .await?;
    let open_token = input.open.then(|| random_token(32));
    let invitations: Vec<(Invited, String)> = input
        .participants
        .iter()
        .map(|p| (p.clone(), random_token(32)))
        .collect();
    let id = new_id();
    let new = NewPoll {
        effects: super::effects::poll_created(&id, &input.participants),
        id,
        event_type_id: event_type.id.clone(),
        open_token_hash: open_token.as_deref().map(hash_secret),
        invited: invitations
            .iter()
            .map(|(p, t)| (p.clone(), hash_secret(t)))
            .collect(),
        input,
    };
    let poll = match store.insert_poll(organization_id, &new).await {
        Ok(poll) => poll,
        Err(error) => {
            // Leave no orphan hidden event type behind.
            if let Err(cleanup) = store
                .delete_event_type(organization_id, &event_type.id)
                .await
            {
                tracing::error!(event_type = %event_type.id, error = %cleanup, "cannot remove the hidden event type of a poll that was not created");
            }
            return Err(error.into());
        }
    };
    Ok(PollCreated {
        poll,
        open_token,
        invitations,
    })
}

/// A participant's view: the poll, themselves, and (if visible) the others.
pub struct ParticipantView {
    pub poll: Poll,
    pub me: Participant,
    pub results: Vec<OptionResult>,
    /// Everyone's row, in the order they were added; empty when the host
    /// keeps votes private.
    pub participants: Vec<Participant>,
    pub organization_id: String,
}

/// Hidden votes hide the tallies too: only the host sees results.
fn visible(poll: &Poll, participants: Vec<Participant>) -> (Vec<OptionResult>, Vec<Participant>) {
    if poll.input.votes_visible {
        (rank(&poll.input.options, &participants, true), participants)
    } else {
        (Vec::new(), Vec::new())
    }
}

pub async fn as_participant(
    store: StoreRef<'_>,
    token: &str,
) -> Result<ParticipantView, BookingError> {
    let (me, poll, _, organization_id) = store.participant_by_token(&hash_secret(token)).await?;
    let participants = store.poll_participants(&poll.id).await?;
    let (results, participants) = visible(&poll, participants);
    Ok(ParticipantView {
        poll,
        me,
        results,
        participants,
        organization_id,
    })
}

/// What the open link shows before someone joins: the poll and (if
/// visible) everyone's votes.
pub struct VisitorView {
    pub poll: Poll,
    pub results: Vec<OptionResult>,
    pub participants: Vec<Participant>,
    pub organization_id: String,
}

pub async fn as_visitor(
    store: StoreRef<'_>,
    open_token: &str,
) -> Result<VisitorView, BookingError> {
    let (poll, _, organization_id) = store.poll_by_open_token(&hash_secret(open_token)).await?;
    let participants = store.poll_participants(&poll.id).await?;
    let (results, participants) = visible(&poll, participants);
    Ok(VisitorView {
        poll,
        results,
        participants,
        organization_id,
    })
}

fn closed(poll: &Poll) -> BookingError {
    BookingError::Gone(match poll.status {
        PollStatus::Finalized => "a finalized poll: the meeting is booked".to_string(),
        _ => "a closed poll".to_string(),
    })
}

pub async fn vote(
    store: StoreRef<'_>,
    token: &str,
    ballot: &crate::domain::Ballot,
    now: DateTime<Utc>,
) -> Result<ParticipantView, BookingError> {
    let (me, poll, _, _) = store.participant_by_token(&hash_secret(token)).await?;
    if !poll.accepts_votes(now) {
        return Err(closed(&poll));
    }
    ballot.validate(poll.input.options.len())?;
    let votes: Vec<Option<Vote>> = ballot.votes.iter().copied().map(Some).collect();
    store
        .save_ballot(&me.id, &votes, ballot.comment.as_deref())
        .await
        .map_err(|e| match e {
            StoreError::WrongStatus(_) => closed(&poll),
            other => other.into(),
        })?;
    as_participant(store, token).await
}

/// Someone joins an open poll; returns their personal token.
pub async fn join(
    store: StoreRef<'_>,
    open_token: &str,
    person: &Invited,
    now: DateTime<Utc>,
) -> Result<String, BookingError> {
    crate::domain::check_line("name", &person.name, 200, true)?;
    let (poll, _, _) = store.poll_by_open_token(&hash_secret(open_token)).await?;
    if !poll.accepts_votes(now) {
        return Err(closed(&poll));
    }
    let token = random_token(32);
    store
        .join_poll(
            &poll.id,
            person,
            &hash_secret(&token),
            poll.input.options.len(),
        )
        .await
        .map_err(|e| match e {
            StoreError::Duplicate { .. } => {
                invalid("email", "is already in this poll: use your personal link")
            }
            other => other.into(),
        })?;
    Ok(token)
}

/// Books `option` (default: the best ranked that the host can still meet)
/// for the host and everyone who did not vote no on it, and finalizes the
/// poll, in one transaction. A poll closed at its deadline can still be
/// finalized; a finalized one cannot.
pub async fn finalize(
    store: StoreRef<'_>,
    organization_id: &str,
    poll_id: &str,
    option: Option<usize>,
    now: Instant,
) -> Result<(Poll, Booking), BookingError> {
    let poll = store.poll(organization_id, poll_id).await?;
    if poll.status == PollStatus::Finalized {
        return Err(BookingError::Conflict(
            "the poll is already finalized".to_string(),
        ));
    }
    let candidates: Vec<usize> = match option {
        Some(i) if i < poll.input.options.len() => vec![i],
        Some(_) => {
            return Err(invalid(
                "option",
                format!("must be below {}", poll.input.options.len()),
            ));
        }
        None => {
            let participants = store.poll_participants(&poll.id).await?;
            rank(&poll.input.options, &participants, false)
                .iter()
                .map(|r| r.index)
                .collect()
        }
    };
    let event_type = store
        .event_type(organization_id, &poll.event_type_id)
        .await?;
    let host = store.user(organization_id, &poll.input.host_id).await?;
    let inputs = AvailabilityInputs::load(store, event_type, host).await?;
    let mut last = BookingError::Conflict("the poll has no options".to_string());
    for option in candidates {
        match book_option(store, &inputs, &poll, option, now).await {
            Ok(booking) => return Ok((store.poll(organization_id, poll_id).await?, booking)),
            // The host is busy then, or nobody can come: try the next best.
            Err(error @ (BookingError::Unavailable(_) | BookingError::Conflict(_))) => last = error,
            Err(error) => return Err(error),
        }
    }
    Err(last)
}

async fn book_option(
    store: StoreRef<'_>,
    inputs: &AvailabilityInputs,
    poll: &Poll,
    option: usize,
    now: Instant,
) -> Result<Booking, BookingError> {
    let start = poll.input.options[option];
    let at = Instant::from_utc(start);
    // The invitee and attendees are decided inside the transaction (below);
    // this placeholder only carries the fields every booking has.
    let placeholder = BookingRequest {
        start,
        invitee: Invitee {
            name: poll.input.title.clone(),
            email: inputs.owner.input.email.clone(),
            timezone: poll.input.timezone.clone(),
            language: None,
            phone: None,
        },
        answers: Default::default(),
        utm: Default::default(),
        hold: None,
        embed_url: None,
    };
    let mut new = new_booking(inputs, &placeholder, at, &random_token(32), None, None);
    new.actor = "host".to_string();
    let zone = poll.input.timezone.clone();
    let choose =
        |snapshot: &Snapshot, participants: &[Participant]| -> Result<Decision, BookingError> {
            if !picked_time_free(inputs, snapshot, now, at) {
                return Err(BookingError::Unavailable(Vec::new()));
            }
            // The votes as they stand now that the poll is locked: everyone who
            // did not vote no on this option comes.
            let coming: Vec<&Participant> = participants
                .iter()
                .filter(|p| p.votes.get(option).copied().flatten() != Some(Vote::No))
                .collect();
            let Some((first, rest)) = coming.split_first() else {
                return Err(BookingError::Conflict(
                    "option: every participant voted no on it".to_string(),
                ));
            };
            Ok(Decision {
                hosts: inputs.host_ids(),
                reason: Some(format!("meeting poll option {option}")),
                party: Some((
                    Invitee {
                        name: first.name.clone(),
                        email: first.email.clone(),
                        timezone: zone.clone(),
                        language: None,
                        phone: None,
                    },
                    rest.iter()
                        .map(|p| Attendee {
                            name: p.name.clone(),
                            email: p.email.clone(),
                        })
                        .collect(),
                )),
            })
        };
    let mut tx = store
        .begin_booking(&new.candidate_hosts)
        .await
        .map_err(finalize_error)?;
    let participants = tx
        .finalize_poll(&poll.id, option, &new.uid)
        .await
        .map_err(finalize_error)?;
    let snapshot = super::transaction::snapshot(&mut *tx, &new, None)
        .await
        .map_err(finalize_error)?;
    let decision = choose(&snapshot, &participants)?;
    new.effects.push(super::effects::poll_finalized(&poll.id));
    super::transaction::finish(tx, &new, decision)
        .await
        .map_err(finalize_error)
}

fn finalize_error(error: StoreError) -> BookingError {
    match error {
        StoreError::WrongStatus(_) => {
            BookingError::Conflict("the poll is already finalized".to_string())
        }
        refused @ StoreError::Refused { .. } => BookingError::Conflict(refused.to_string()),
        other => other.into(),
    }
}

/// Closes an open poll without a meeting; its participants hear so
/// (`WrongStatus` unless it was open).
pub async fn close(store: StoreRef<'_>, poll_id: &str) -> Result<(), StoreError> {
    store
        .close_poll(poll_id, &[super::effects::poll_closed(poll_id)])
        .await
}

/// Closes polls whose deadline passed; those that asked to be finalized at
/// the deadline book their best option that can still be met (or just close
/// when none can). Returns how many were handled; a database error on one
/// poll is logged and left for the next sweep.
pub async fn close_due(store: StoreRef<'_>, now: DateTime<Utc>) -> Result<usize, BookingError> {
    let mut handled = 0;
    for (poll, _, organization) in store.due_polls(now).await? {
        if poll.input.finalize_at_deadline {
            match finalize(store, &organization, &poll.id, None, Instant::from_utc(now)).await {
                Ok(_) => {
                    handled += 1;
                    continue;
                }
                Err(BookingError::Store(error)) => {
                    tracing::warn!(poll = %poll.id, %error, "finalizing a poll at its deadline failed; will retry");
                    continue;
                }
                // Nothing could be booked: close it like any other.
                Err(_) => {}
            }
        }
        match close(store, &poll.id).await {
            Ok(()) => handled += 1,
            Err(StoreError::WrongStatus(_)) => {}
            Err(error) => {
                tracing::warn!(poll = %poll.id, %error, "closing a poll at its deadline failed; will retry")
            }
        }
    }
    Ok(handled)
}
