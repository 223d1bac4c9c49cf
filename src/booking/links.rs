//! One-off links: made by a host for one invitee, used once.

use super::availability::{DaySlots, SlotsAnswer, by_local_date, slots_for};
use super::book::{Booked, check_start, decide, new_booking, request_fingerprint, with_key};
use super::inputs::AvailabilityInputs;
use super::{BookingError, StoreRef};
use crate::domain::{
    BookingRequest, Kind, Link, LinkInput, LinkState, TimeZoneName, ValidationError, hash_secret,
    random_token,
};
use crate::engine::{self, Instant, Interval, Reason};
use crate::store::{Decision, Snapshot, StoreError};
use chrono::{DateTime, Utc};

/// Is a hand-picked time still free? Working hours, the grid, notice and the
/// booking window do not apply (the host chose it); bookings and busy time do.
pub(crate) fn picked_time_free(
    inputs: &AvailabilityInputs,
    snapshot: &Snapshot,
    now: Instant,
    start: Instant,
) -> bool {
    if start <= now {
        return false;
    }
    let query = inputs.query(now, Interval::new(start, start.plus_seconds(1)), snapshot);
    let explanation = engine::explain(&query, start);
    explanation.hosts.iter().all(|host| {
        !host.reasons.iter().any(|r| {
            matches!(
                r,
                Reason::Busy { .. } | Reason::Event { .. } | Reason::Booking { .. }
            )
        })
    })
}

fn window_around(
    inputs: &AvailabilityInputs,
    times: &[DateTime<Utc>],
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let first = Instant::from_utc(*times.first()?);
    let last = Instant::from_utc(*times.last()?);
    let (from, _) = inputs.window(Interval::new(first, first));
    let (_, to) = inputs.window(Interval::new(last, last));
    Some((from, to))
}

/// Creates a link; returns it with its token (shown only now).
pub async fn create(
    store: StoreRef<'_>,
    organization_id: &str,
    mut input: LinkInput,
    now: DateTime<Utc>,
) -> Result<(Link, String), BookingError> {
    input.validate(now)?;
    let event_type = store
        .event_type(organization_id, &input.event_type_id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) => {
                ValidationError::new("event_type_id", "no such event type").into()
            }
            other => BookingError::from(other),
        })?;
    if event_type.input.hidden {
        return Err(ValidationError::new("event_type_id", "is a meeting poll's event type").into());
    }
    if !input.times.is_empty() {
        if event_type.input.kind != Kind::OneOnOne {
            return Err(ValidationError::new(
                "times",
                "hand-picked times need a one-on-one event type",
            )
            .into());
        }
        let owner = store
            .user(organization_id, &event_type.input.owner_id)
            .await?;
        let inputs = AvailabilityInputs::load(store, event_type, owner).await?;
        if let Some((from, to)) = window_around(&inputs, &input.times) {
            let snapshot = store.snapshot(&inputs.host_ids(), from, to).await?;
            let now = Instant::from_utc(now);
            for (i, time) in input.times.iter().enumerate() {
                if !picked_time_free(&inputs, &snapshot, now, Instant::from_utc(*time)) {
                    return Err(ValidationError::new(
                        format!("times[{i}]"),
                        "the host has a booking or busy time then",
                    )
                    .into());
                }
            }
        }
    }
    let token = random_token(32);
    let link = store
        .insert_link(organization_id, &input, &hash_secret(&token))
        .await?;
    Ok((link, token))
}

/// A link that can still be used, with what booking through it needs.
pub struct OpenLink {
    pub link: Link,
    pub inputs: AvailabilityInputs,
}

pub async fn open(
    store: StoreRef<'_>,
    token: &str,
    now: DateTime<Utc>,
) -> Result<OpenLink, BookingError> {
    let open = load(store, token).await?;
    match open.link.state_at(now) {
        LinkState::Active => Ok(open),
        dead => Err(BookingError::LinkGone(dead)),
    }
}

/// A link whatever its state, with what booking through it needs: `book`
/// refuses a dead one, unless the request is a retry of the booking that
/// used it up.
pub async fn load(store: StoreRef<'_>, token: &str) -> Result<OpenLink, BookingError> {
    let (link, organization_id) = store.link_by_token(&hash_secret(token)).await?;
    let event_type = store
        .event_type(&organization_id, &link.input.event_type_id)
        .await?;
    let owner = store
        .user(&organization_id, &event_type.input.owner_id)
        .await?;
    let inputs = AvailabilityInputs::load(store, event_type, owner).await?;
    Ok(OpenLink { link, inputs })
}

/// The link's bookable times in `range`: its hand-picked times still free, or
/// the event type's slots.
pub async fn slots(
    store: StoreRef<'_>,
    open: &OpenLink,
    now: Instant,
    range: Interval,
    zone: &TimeZoneName,
    own_hold: Option<&str>,
) -> Result<SlotsAnswer, BookingError> {
    let times = &open.link.input.times;
    if times.is_empty() {
        return Ok(slots_for(store, &open.inputs, now, range, zone, own_hold)
            .await?
            .0);
    }
    let snapshot = match window_around(&open.inputs, times) {
        Some((from, to)) => store
            .snapshot(&open.inputs.host_ids(), from, to)
            .await?
            .without_hold(own_hold),
        None => Snapshot::default(),
    };
    let free = times
        .iter()
        .map(|t| Instant::from_utc(*t))
        .filter(|t| range.start <= *t && *t < range.end)
        .filter(|t| picked_time_free(&open.inputs, &snapshot, now, *t));
    let days: Vec<DaySlots> = by_local_date(free.map(|t| (t, None)), zone);
    Ok(SlotsAnswer {
        timezone: zone.to_string(),
        days,
    })
}

/// Books through the link and uses it up, in one transaction. With an
/// idempotency key, a retry of the request that used the link up (a double
/// submit) is answered with that booking instead of "used".
pub async fn book(
    store: StoreRef<'_>,
    open: &OpenLink,
    request: &BookingRequest,
    idempotency_key: Option<&str>,
    now: Instant,
) -> Result<Booked, BookingError> {
    let inputs = &open.inputs;
    request.validate(&inputs.event_type.input.questions)?;
    let fingerprint = idempotency_key.map(|_| request_fingerprint(request));
    let replay = || {
        super::book::replay(
            store,
            &inputs.event_type.id,
            idempotency_key,
            fingerprint.as_deref(),
        )
    };
    if let Some(replayed) = replay().await? {
        return Ok(replayed);
    }
    match open.link.state_at(now.to_utc()) {
        LinkState::Active => {}
        dead => return Err(BookingError::LinkGone(dead)),
    }
    let start = Instant::from_utc(request.start);
    let picked = !open.link.input.times.is_empty();
    if picked {
        if !open.link.input.times.contains(&request.start) {
            return Err(ValidationError::new("start", "is not one of this link's times").into());
        }
        if start <= now {
            return Err(BookingError::NotBookable(format!(
                "{} is in the past",
                start.rfc3339()
            )));
        }
    } else {
        check_start(inputs, start)?;
        super::book::check_bookable(store, inputs, now, start).await?;
    }
    let held = super::own_hold::find(store, request.hold.as_deref()).await?;
    let token = random_token(32);
    let mut new = new_booking(inputs, request, start, &token, None, None);
    with_key(&mut new, idempotency_key, fingerprint.clone(), &token)?;
    // Round robin through a link still follows its strategy and caps.
    let pool = match picked {
        true => None,
        false => super::hosts::pool_request(inputs, now, start),
    };
    let choose = |snapshot: &Snapshot| -> Result<Decision, BookingError> {
        if !picked {
            let keep = super::book::kept_by_hold(inputs, held.as_ref(), start);
            return decide(inputs, now, start, snapshot, keep.as_slice());
        }
        if !picked_time_free(inputs, snapshot, now, start) {
            return Err(BookingError::Unavailable(Vec::new()));
        }
        Ok(Decision {
            hosts: inputs.host_ids(),
            reason: Some("a hand-picked time of a one-off link".to_string()),
            party: None,
        })
    };
    let booked = async {
        let mut tx = store.begin_booking(&new.candidate_hosts).await?;
        tx.consume_link(&open.link.id, &new.uid).await?;
        // The invitee's own hold does not stand in their way: used up here.
        if let Some(hold) = &held {
            tx.consume_hold(&hold.id).await?;
        }
        let snapshot = super::transaction::snapshot(&mut *tx, &new, pool.as_ref()).await?;
        let decision = choose(&snapshot)?;
        Ok::<_, BookingError>(super::transaction::finish(tx, &new, decision).await?)
    };
    match booked.await {
        Ok(booking) => Ok(Booked {
            booking,
            manage_token: Some(token),
            replayed: false,
        }),
        // A retry raced the first request, which used the link up: its booking.
        Err(BookingError::LinkGone(LinkState::Used)) if idempotency_key.is_some() => {
            match replay().await? {
                Some(replayed) => Ok(replayed),
                None => Err(BookingError::LinkGone(LinkState::Used)),
            }
        }
        Err(error) => Err(error),
    }
}
