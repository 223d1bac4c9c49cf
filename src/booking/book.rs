//! Booking a time: validate, then check and insert in one store transaction.

use super::hosts::{chooses_hosts, pool_hosts, pool_request};
use super::inputs::{AvailabilityInputs, to_utc};
use super::{BookingError, StoreRef, own_hold, transaction};
use crate::domain::{
    Booking, BookingRequest, BookingStatus, Kind, ValidationError, hash_secret, new_booking_uid,
    random_token,
};
use crate::engine::assignment;
use crate::engine::{self, Instant, Interval};
use crate::secrets::{open_for_client, seal_for_client};
use crate::store::{Decision, NewBooking, Snapshot, StoreError, StoredHold};

/// A booking and, when it was just made, the secret of its manage link (shown once).
#[derive(Debug, Clone)]
pub struct Booked {
    pub booking: Booking,
    pub manage_token: Option<String>,
    /// True when an `Idempotency-Key` matched an earlier booking.
    pub replayed: bool,
}

/// Is `start` on the event type's grid? (Off-grid is a bad request, not a taken slot.)
fn on_grid(inputs: &AvailabilityInputs, start: Instant) -> bool {
    let et = inputs.engine_event_type();
    let around = Interval::new(
        start.plus_seconds(-2 * 86_400),
        start.plus_seconds(2 * 86_400),
    );
    engine::grid::candidates(&et.zone, et.slot_interval_minutes, around)
        .iter()
        .any(|c| c.start == start)
}

/// Hosts a booking keeps when they are still free (and under their caps)
/// at its start, instead of choosing again: the hosts of the booking a
/// reschedule replaces, or those the invitee's hold set aside.
pub(crate) struct Keep<'a> {
    pub hosts: &'a [String],
    /// Why they were kept, stored on the booking.
    pub reason: String,
}

/// The decision taken inside the booking transaction, between its snapshot
/// and its insert: is `start` still a slot given what is committed, and who
/// hosts it (`keep`: whom to keep if they can, the first that can be kept).
pub(crate) fn decide(
    inputs: &AvailabilityInputs,
    now: Instant,
    start: Instant,
    snapshot: &Snapshot,
    keep: &[Keep<'_>],
) -> Result<Decision, BookingError> {
    let query = inputs.query(now, Interval::new(start, start.plus_seconds(1)), snapshot);
    let explanation = engine::explain(&query, start);
    if !explanation.slot {
        return Err(BookingError::Unavailable(Vec::new()));
    }
    let free: Vec<String> = explanation
        .hosts
        .iter()
        .filter(|h| h.free)
        .map(|h| query.hosts[h.host].id.clone())
        .collect();
    if !chooses_hosts(inputs) {
        return Ok(Decision {
            hosts: free,
            reason: None,
            party: None,
        });
    }
    let count = match inputs.event_type.input.kind {
        Kind::Collective => query.event_type.required_hosts,
        _ => 1,
    };
    let assignment = &inputs.event_type.input.assignment;
    let pool = pool_hosts(inputs, snapshot.pool.as_ref());
    let rules = assignment.engine(inputs.zone());
    // Kept hosts must be free and still under their caps at the new time.
    let keepable = keep.iter().find(|k| {
        k.hosts.len() == count
            && k.hosts.iter().all(|h| {
                free.contains(h)
                    && pool
                        .iter()
                        .find(|p| &p.id == h)
                        .is_some_and(|p| assignment::under_caps(p, rules.caps, start))
            })
    });
    if let Some(keep) = keepable {
        return Ok(Decision {
            hosts: keep.hosts.to_vec(),
            reason: Some(keep.reason.clone()),
            party: None,
        });
    }
    let free_in_pool: Vec<usize> = (0..pool.len())
        .filter(|&i| free.contains(&pool[i].id))
        .collect();
    // Every free host at its cap: the time is not available after all.
    let choice = assignment::choose(&rules, &pool, &free_in_pool, count, now, start)
        .ok_or(BookingError::Unavailable(Vec::new()))?;
    Ok(Decision {
        hosts: choice.hosts.iter().map(|&i| pool[i].id.clone()).collect(),
        reason: Some(choice.reason),
        party: None,
    })
}

pub(crate) fn check_start(inputs: &AvailabilityInputs, start: Instant) -> Result<(), BookingError> {
    if !on_grid(inputs, start) {
        return Err(
            ValidationError::new("start", "is not one of this event type's start times").into(),
        );
    }
    Ok(())
}

/// Refuses a start that was never bookable, whatever anyone else booked:
/// in the past, inside the minimum notice, beyond the booking window, or
/// outside the hosts' working hours. The engine's explanation against empty
/// calendars gives exactly those rules; a start refused only once bookings
/// and busy time count (inside the transaction) was taken meanwhile.
pub(crate) async fn check_bookable(
    store: StoreRef<'_>,
    inputs: &AvailabilityInputs,
    now: Instant,
    start: Instant,
) -> Result<(), BookingError> {
    let query = inputs.query(
        now,
        Interval::new(start, start.plus_seconds(1)),
        &Snapshot::default(),
    );
    let explanation = engine::explain(&query, start);
    if explanation.slot {
        return Ok(());
    }
    let at = start.rfc3339();
    let input = &inputs.event_type.input;
    // Rules of the event type are the same for every host.
    let common = explanation
        .hosts
        .first()
        .map_or(&[][..], |h| &h.reasons[..]);
    if start < now {
        return Err(BookingError::NotBookable(format!("{at} is in the past")));
    }
    for reason in common {
        match reason {
            engine::Reason::MinNotice { earliest } => {
                return Err(BookingError::NotBookable(format!(
                    "{at} is inside the {} minimum notice (the earliest start now is {})",
                    span(input.min_notice_minutes),
                    earliest.rfc3339()
                )));
            }
            engine::Reason::BookingWindow { last_date } => {
                return Err(BookingError::NotBookable(format!(
                    "{at} is beyond the {}-day booking window (the last bookable day is {last_date})",
                    input.max_days_ahead.unwrap_or_default()
                )));
            }
            _ => {}
        }
    }
    let outside: Vec<&str> = explanation
        .hosts
        .iter()
        .filter(|h| {
            h.reasons
                .iter()
                .any(|r| matches!(r, engine::Reason::OutsideAvailability { .. }))
        })
        .map(|h| query.hosts[h.host].id.as_str())
        .collect();
    if outside.is_empty() {
        // Refused for a reason other than the rules above (none today): say so plainly.
        return Err(BookingError::NotBookable(format!(
            "{at} is not one of this event type's available times"
        )));
    }
    let mut names = Vec::new();
    for id in outside {
        let name = match store.user(&inputs.owner.organization_id, id).await {
            Ok(user) => user.input.name,
            Err(StoreError::NotFound(_)) => id.to_string(),
            Err(other) => return Err(other.into()),
        };
        names.push(name);
    }
    let whose = match names.as_slice() {
        [one] => format!("{one}'s working hours"),
        [init @ .., last] => format!("the working hours of {} and {last}", init.join(", ")),
        [] => "working hours".to_string(),
    };
    Err(BookingError::NotBookable(format!(
        "{at} is outside {whose}"
    )))
}

/// "4-hour", "30-minute", "2-day": a minimum notice as people say it.
fn span(minutes: u32) -> String {
    if minutes > 0 && minutes.is_multiple_of(1440) {
        format!("{}-day", minutes / 1440)
    } else if minutes > 0 && minutes.is_multiple_of(60) {
        format!("{}-hour", minutes / 60)
    } else {
        format!("{minutes}-minute")
    }
}

/// Books `request` on the event type, or returns the booking an earlier
/// request with the same idempotency key made.
pub async fn book(
    store: StoreRef<'_>,
    inputs: &AvailabilityInputs,
    request: &BookingRequest,
    idempotency_key: Option<&str>,
    now: Instant,
) -> Result<Booked, BookingError> {
    let event_type = &inputs.event_type;
    request.validate(&event_type.input.questions)?;
    let fingerprint = idempotency_key.map(|_| request_fingerprint(request));
    if let Some(replay) = replay(
        store,
        &event_type.id,
        idempotency_key,
        fingerprint.as_deref(),
    )
    .await?
    {
        return Ok(replay);
    }
    let start = Instant::from_utc(request.start);
    check_start(inputs, start)?;
    check_bookable(store, inputs, now, start).await?;
    let held = own_hold::find(store, request.hold.as_deref()).await?;
    let token = random_token(32);
    let mut new = new_booking(inputs, request, start, &token, None, None);
    with_key(&mut new, idempotency_key, fingerprint.clone(), &token)?;
    let pool = pool_request(inputs, now, start);
    let booked = async {
        let mut tx = store.begin_booking(&new.candidate_hosts).await?;
        // The invitee's own hold is used up first, so the snapshot below
        // does not see it: its time is theirs. (Rolled back if they lose.)
        if let Some(hold) = &held {
            tx.consume_hold(&hold.id).await?;
        }
        let snapshot = transaction::snapshot(&mut *tx, &new, pool.as_ref()).await?;
        let keep = kept_by_hold(inputs, held.as_ref(), start);
        let decision = decide(inputs, now, start, &snapshot, keep.as_slice())?;
        Ok::<_, BookingError>(transaction::finish(tx, &new, decision).await?)
    };
    match booked.await {
        Ok(booking) => Ok(Booked {
            booking,
            manage_token: Some(token),
            replayed: false,
        }),
        // A retry raced the first request: whichever lost (on the key, or on the
        // slot the winner just took) answers with the winner's booking.
        Err(BookingError::Store(StoreError::Duplicate { .. }) | BookingError::Unavailable(_))
            if idempotency_key.is_some() =>
        {
            match replay(
                store,
                &event_type.id,
                idempotency_key,
                fingerprint.as_deref(),
            )
            .await?
            {
                Some(replay) => Ok(replay),
                None => Err(BookingError::Unavailable(Vec::new())),
            }
        }
        Err(error) => Err(error),
    }
}

/// The hosts a hold on this very time set aside (round robin's choice when
/// the invitee chose the time): the booking keeps them while they are free.
pub(crate) fn kept_by_hold<'a>(
    inputs: &AvailabilityInputs,
    hold: Option<&'a StoredHold>,
    start: Instant,
) -> Option<Keep<'a>> {
    let hold = hold.filter(|h| {
        h.event_type_id == inputs.event_type.id && h.start == start.to_utc() && !h.hosts.is_empty()
    })?;
    Some(Keep {
        hosts: &hold.hosts,
        reason: hold
            .assignment_reason
            .clone()
            .unwrap_or_else(|| "held for the invitee when they chose the time".to_string()),
    })
}

/// Keeps an idempotency key on a new booking (hashed), with the request's
/// fingerprint and the manage token sealed under the key, so a retry with
/// the same key and request is answered with this booking.
pub(crate) fn with_key(
    new: &mut NewBooking,
    key: Option<&str>,
    fingerprint: Option<String>,
    token: &str,
) -> Result<(), BookingError> {
    let Some(key) = key else { return Ok(()) };
    new.idempotency_key = Some(stored_key(key));
    new.request_hash = fingerprint;
    new.manage_token_sealed = Some(
        seal_for_client(key, token, &replay_context(&new.event_type_id))
            .map_err(|e| BookingError::Internal(format!("sealing the manage token: {e}")))?,
    );
    Ok(())
}

/// What identifies a booking request, for `Idempotency-Key` replays.
pub(crate) fn request_fingerprint(request: &BookingRequest) -> String {
    hash_secret(&serde_json::to_string(request).unwrap_or_default())
}

/// How an `Idempotency-Key` is stored: hashed, since the key itself opens
/// the sealed manage token. (The sealing key is derived under another label.)
fn stored_key(key: &str) -> String {
    hash_secret(&format!("kairos idempotency key\0{key}"))
}

fn replay_context(event_type_id: &str) -> String {
    format!("booking-replay:{event_type_id}")
}

/// The booking an earlier request with this key made, if any; the key must
/// come with the same request, or a guessed key would reveal someone's booking.
/// The replay carries the manage token the first answer had, opened with the key.
pub(crate) async fn replay(
    store: StoreRef<'_>,
    event_type_id: &str,
    key: Option<&str>,
    fingerprint: Option<&str>,
) -> Result<Option<Booked>, BookingError> {
    let Some(key) = key else { return Ok(None) };
    let mut found = store
        .booking_by_idempotency_key(event_type_id, &stored_key(key))
        .await?;
    if found.is_none() {
        // Bookings made before keys were stored hashed (they have no sealed token).
        found = store.booking_by_idempotency_key(event_type_id, key).await?;
    }
    match found {
        None => Ok(None),
        Some(keyed) if keyed.request_hash.as_deref() == fingerprint => {
            let manage_token = keyed
                .manage_token_sealed
                .as_deref()
                .map(|sealed| open_for_client(key, sealed, &replay_context(event_type_id)))
                .transpose()
                .map_err(|e| BookingError::Internal(format!("opening the manage token: {e}")))?;
            Ok(Some(Booked {
                booking: keyed.booking,
                manage_token,
                replayed: true,
            }))
        }
        Some(_) => Err(ValidationError::new(
            "Idempotency-Key",
            "was already used for a different booking request",
        )
        .into()),
    }
}

pub(crate) fn new_booking(
    inputs: &AvailabilityInputs,
    request: &BookingRequest,
    start: Instant,
    token: &str,
    idempotency_key: Option<String>,
    replaces: Option<String>,
) -> NewBooking {
    let event_type = &inputs.event_type;
    let end = start.plus_minutes(i64::from(event_type.input.duration_minutes));
    let range = Interval::new(start, start.plus_seconds(1));
    let uid = new_booking_uid();
    NewBooking {
        effects: super::effects::booked(&uid, replaces.as_deref()),
        uid,
        organization_id: inputs.owner.organization_id.clone(),
        event_type_id: event_type.id.clone(),
        candidate_hosts: inputs.host_ids(),
        window: inputs.window(range),
        start: to_utc(start),
        end: to_utc(end),
        status: if event_type.input.requires_approval {
            BookingStatus::Pending
        } else {
            BookingStatus::Accepted
        },
        invitee: request.invitee.clone(),
        answers: request.answers.clone(),
        utm: request.utm.clone(),
        embed_url: request.embed_url.clone(),
        manage_token_hash: hash_secret(token),
        idempotency_key,
        request_hash: None,
        manage_token_sealed: None,
        shared_slot: event_type.input.kind == Kind::Group,
        replaces,
        attendees: Vec::new(),
        actor: "invitee".to_string(),
    }
}
