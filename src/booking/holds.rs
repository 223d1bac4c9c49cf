//! Slot holds: an invitee who chose a time keeps it for a few minutes (the
//! event type's `hold_minutes`) while filling in the form. Taking a hold is a
//! booking transaction that inserts a hold instead of a booking: the same
//! host locks, the same decision (round robin picks the host the hold then
//! blocks), the same 409 when the time is gone. Until it expires, the hold
//! blocks its hosts' time for everyone but its invitee (`inputs.rs`); their
//! booking uses it up (`book.rs`); they can also let it go.

use super::book::{check_bookable, check_start, decide, kept_by_hold};
use super::hosts::pool_request;
use super::inputs::{AvailabilityInputs, to_utc};
use super::{BookingError, StoreRef, own_hold};
use crate::domain::{Kind, hash_secret, looks_like_token, new_id, random_token};
use crate::engine::{Instant, Interval};
use crate::store::{NewHold, group_slot_key};
use chrono::{DateTime, Utc};

/// A hold just taken, with its secret (shown once: it releases the hold and
/// lets its invitee book the time).
#[derive(Debug, Clone)]
pub struct Held {
    pub token: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Holds `start` of the event type for `hold_minutes` from `now`.
/// `replaces` is the token of the invitee's current hold, if any: it does
/// not stand in the way and is let go in the same transaction, so choosing
/// another time moves the hold, and choosing the same time again renews it
/// (round robin keeps its host while free).
pub async fn hold(
    store: StoreRef<'_>,
    inputs: &AvailabilityInputs,
    start: Instant,
    replaces: Option<&str>,
    now: Instant,
) -> Result<Held, BookingError> {
    let minutes = inputs.event_type.input.hold_minutes;
    if minutes == 0 {
        return Err(BookingError::Conflict(
            "this event type does not hold times (its hold_minutes is 0): book the time directly"
                .to_string(),
        ));
    }
    check_start(inputs, start)?;
    check_bookable(store, inputs, now, start).await?;
    let previous = own_hold::find(store, replaces).await?;
    let event_type = &inputs.event_type;
    let id = new_id();
    let token = random_token(32);
    let end = start.plus_minutes(i64::from(event_type.input.duration_minutes));
    let expires_at = now.plus_minutes(i64::from(minutes));
    let mut new = NewHold {
        slot_key: match event_type.input.kind {
            Kind::Group => group_slot_key(&event_type.id, to_utc(start)),
            _ => id.clone(),
        },
        id,
        token_hash: hash_secret(&token),
        organization_id: inputs.owner.organization_id.clone(),
        event_type_id: event_type.id.clone(),
        start: to_utc(start),
        end: to_utc(end),
        assignment_reason: None,
        expires_at: to_utc(expires_at),
        created_at: to_utc(now),
    };
    let hosts = inputs.host_ids();
    let window = inputs.window(Interval::new(start, start.plus_seconds(1)));
    let pool = pool_request(inputs, now, start);
    let mut tx = store.begin_booking(&hosts).await?;
    // Let go before the snapshot is read (and kept if this one is refused).
    if let Some(previous) = &previous {
        tx.consume_hold(&previous.id).await?;
    }
    let mut snapshot = tx.snapshot(&hosts, window).await?;
    if let Some(request) = &pool {
        snapshot.pool = Some(tx.pool_history(request).await?);
    }
    let keep = kept_by_hold(inputs, previous.as_ref(), start);
    let decision = decide(inputs, now, start, &snapshot, keep.as_slice())?;
    new.assignment_reason = decision.reason;
    tx.insert_hold(&new, &decision.hosts).await?;
    tx.commit().await?;
    Ok(Held {
        token,
        start: new.start,
        end: new.end,
        expires_at: new.expires_at,
    })
}

/// Lets a live hold go; `NotFound("hold")` when it is unknown or expired.
pub async fn release(store: StoreRef<'_>, token: &str, now: Instant) -> Result<(), BookingError> {
    // Junk is a plain 404 before any query, like other tokens in paths.
    if !looks_like_token(token) {
        return Err(BookingError::NotFound("hold"));
    }
    Ok(store.release_hold(&hash_secret(token), to_utc(now)).await?)
}

/// The hold a slots request names (`hold=`), if it is known: its id, left
/// out of that visitor's answer.
pub async fn own_hold_id(
    store: StoreRef<'_>,
    token: Option<&str>,
) -> Result<Option<String>, BookingError> {
    Ok(own_hold::find(store, token).await?.map(|h| h.id))
}
