//! Changing a booking: the invitee with their manage token (cancel,
//! reschedule), an admin with an API key (approve, reject, no-show, completed).

use super::book::{Booked, Keep, check_bookable, check_start, decide, kept_by_hold, new_booking};
use super::hosts::pool_request;
use super::inputs::AvailabilityInputs;
use super::transaction;
use super::{BookingError, StoreRef, own_hold, present};
use crate::domain::{
    Booking, BookingRequest, BookingStatus, EventType, LinkPurpose, User, hash_secret, random_token,
};
use crate::engine::Instant;
use crate::store::{StatusUpdate, StoreError, StoredBooking};
use chrono::{DateTime, Utc};

/// The booking behind a manage link, if the token is its own: the one the
/// booking answered with, or one an email carried.
async fn by_token(
    store: StoreRef<'_>,
    uid: &str,
    token: &str,
) -> Result<StoredBooking, BookingError> {
    let stored = by_uid(store, uid).await?;
    // Compare hashes, not secrets: equal-length hex, and no early exit on the secret.
    let given = hash_secret(token);
    let same = given.len() == stored.manage_token_hash.len()
        && given
            .bytes()
            .zip(stored.manage_token_hash.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same && store.booking_link(uid, &given).await? != Some(LinkPurpose::Manage) {
        // Don't tell a guesser the booking exists.
        return Err(BookingError::NotFound("booking"));
    }
    Ok(stored)
}

/// A new manage link's token for the booking, for an email (each email its
/// own; the booking keeps only the hash).
pub async fn issue_link(
    store: StoreRef<'_>,
    uid: &str,
    purpose: LinkPurpose,
    now: DateTime<Utc>,
) -> Result<String, BookingError> {
    let token = random_token(32);
    store
        .add_booking_link(uid, purpose, &hash_secret(&token), now)
        .await?;
    Ok(token)
}

/// The booking of a link's uid (checked before any query).
async fn by_uid(store: StoreRef<'_>, uid: &str) -> Result<StoredBooking, BookingError> {
    if !crate::domain::looks_like_token(uid) {
        return Err(BookingError::NotFound("booking"));
    }
    Ok(store.booking(uid).await?)
}

fn still_active(booking: &Booking) -> Result<(), BookingError> {
    if booking.status.holds_time() {
        Ok(())
    } else {
        Err(BookingError::Gone(
            booking.status.as_str().replace('_', " "),
        ))
    }
}

/// What a manage link shows: the booking and what it is a booking of.
#[derive(Debug, Clone)]
pub struct ManageView {
    pub booking: Booking,
    /// Absent only if the event type is gone.
    pub event_type: Option<EventType>,
    /// The booking's hosts that still exist, in the booking's order.
    pub hosts: Vec<User>,
}

pub async fn view(store: StoreRef<'_>, uid: &str, token: &str) -> Result<ManageView, BookingError> {
    details(store, by_token(store, uid, token).await?).await
}

/// The booking behind a host's approve-or-decline link (from their email).
pub async fn approval_view(
    store: StoreRef<'_>,
    uid: &str,
    token: &str,
) -> Result<ManageView, BookingError> {
    details(store, by_approval_link(store, uid, token).await?).await
}

/// A host approves or declines a request through their email's link;
/// `note` (a refusal's reason) goes to the invitee.
pub async fn decide_request(
    store: StoreRef<'_>,
    uid: &str,
    token: &str,
    approve: bool,
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<Booking, BookingError> {
    let stored = by_approval_link(store, uid, token).await?;
    let action = if approve {
        AdminAction::Approve
    } else {
        AdminAction::Reject
    };
    let actor = "host (email link)";
    change_status(
        store,
        &stored.organization_id,
        uid,
        action,
        actor,
        note,
        now,
    )
    .await
}

async fn by_approval_link(
    store: StoreRef<'_>,
    uid: &str,
    token: &str,
) -> Result<StoredBooking, BookingError> {
    let stored = by_uid(store, uid).await?;
    match store.booking_link(uid, &hash_secret(token)).await? {
        Some(LinkPurpose::Approve) => Ok(stored),
        _ => Err(BookingError::NotFound("booking")),
    }
}

/// A booking with its event type and hosts (those still there).
pub async fn details(
    store: StoreRef<'_>,
    stored: StoredBooking,
) -> Result<ManageView, BookingError> {
    let org = &stored.organization_id;
    let event_type = present(store.event_type(org, &stored.booking.event_type_id).await)?;
    let mut hosts = Vec::new();
    for id in &stored.booking.hosts {
        if let Some(user) = present(store.user(org, id).await)? {
            hosts.push(user);
        }
    }
    Ok(ManageView {
        booking: stored.booking,
        event_type,
        hosts,
    })
}

pub async fn cancel(
    store: StoreRef<'_>,
    uid: &str,
    token: &str,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<Booking, BookingError> {
    let stored = by_token(store, uid, token).await?;
    still_active(&stored.booking)?;
    if stored.booking.start <= now {
        return Err(BookingError::Conflict(
            "the meeting has already started".to_string(),
        ));
    }
    let update = StatusUpdate {
        to: BookingStatus::Cancelled,
        actor: "invitee".to_string(),
        note: None,
        cancel_reason: reason,
        effects: super::effects::status_changed(uid, BookingStatus::Cancelled, None),
    };
    store
        .change_status(
            uid,
            &[BookingStatus::Pending, BookingStatus::Accepted],
            &update,
        )
        .await
        .map_err(gone_if_changed)
}

/// Moves the booking to `start`: the new booking and the cancellation of the
/// old one happen in one transaction, linked both ways. `hold` is the
/// invitee's hold on the new time, used up as a booking uses it.
pub async fn reschedule(
    store: StoreRef<'_>,
    uid: &str,
    token: &str,
    start: DateTime<Utc>,
    hold: Option<&str>,
    now: Instant,
) -> Result<Booked, BookingError> {
    let stored = by_token(store, uid, token).await?;
    still_active(&stored.booking)?;
    let old = &stored.booking;
    if old.start <= now.to_utc() {
        return Err(BookingError::Conflict(
            "the meeting has already started".to_string(),
        ));
    }
    let event_type = store
        .event_type(&stored.organization_id, &old.event_type_id)
        .await?;
    let owner = store
        .user(&stored.organization_id, &event_type.input.owner_id)
        .await?;
    let inputs = AvailabilityInputs::load(store, event_type, owner).await?;
    let start = Instant::from_utc(start);
    check_start(&inputs, start)?;
    check_bookable(store, &inputs, now, start).await?;
    let held = own_hold::find(store, hold).await?;
    let request = BookingRequest {
        start: start.to_utc(),
        invitee: old.invitee.clone(),
        answers: old.answers.clone(),
        utm: old.utm.clone(),
        hold: None,
        embed_url: old.embed_url.clone(),
    };
    let token = random_token(32);
    let new = new_booking(
        &inputs,
        &request,
        start,
        &token,
        None,
        Some(uid.to_string()),
    );
    let pool = pool_request(&inputs, now, start);
    let mut tx = store
        .begin_booking(&new.candidate_hosts)
        .await
        .map_err(gone_if_changed)?;
    tx.cancel_for_reschedule(uid, &new.actor)
        .await
        .map_err(gone_if_changed)?;
    if let Some(hold) = &held {
        tx.consume_hold(&hold.id).await?;
    }
    let snapshot = transaction::snapshot(&mut *tx, &new, pool.as_ref())
        .await
        .map_err(gone_if_changed)?;
    // The booking's own hosts first (when the event type keeps them), then
    // those the invitee's hold set aside.
    let keep: Vec<Keep> = inputs
        .event_type
        .input
        .assignment
        .keep_host_on_reschedule
        .then(|| Keep {
            hosts: &old.hosts,
            reason: "kept on reschedule: still free at the new time".to_string(),
        })
        .into_iter()
        .chain(kept_by_hold(&inputs, held.as_ref(), start))
        .collect();
    let decision = decide(&inputs, now, start, &snapshot, &keep)?;
    let booking = transaction::finish(tx, &new, decision)
        .await
        .map_err(gone_if_changed)?;
    Ok(Booked {
        booking,
        manage_token: Some(token),
        replayed: false,
    })
}

fn gone_if_changed(error: StoreError) -> BookingError {
    match error {
        StoreError::WrongStatus(status) => BookingError::Gone(status),
        other => other.into(),
    }
}

/// Admin actions on a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminAction {
    Approve,
    Reject,
    /// The host or an admin cancels (before the meeting).
    Cancel,
    NoShow,
    Complete,
}

pub async fn change_status(
    store: StoreRef<'_>,
    organization_id: &str,
    uid: &str,
    action: AdminAction,
    actor: &str,
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<Booking, BookingError> {
    if !crate::domain::looks_like_token(uid) {
        return Err(BookingError::NotFound("booking"));
    }
    let stored = store.booking(uid).await?;
    if stored.organization_id != organization_id {
        return Err(BookingError::NotFound("booking"));
    }
    use BookingStatus::{Accepted, Cancelled, Completed, NoShow, Pending, Rejected};
    let (from, to): (&[BookingStatus], BookingStatus) = match action {
        AdminAction::Approve => (&[Pending], Accepted),
        AdminAction::Reject => (&[Pending], Rejected),
        AdminAction::Cancel => (&[Pending, Accepted], Cancelled),
        AdminAction::NoShow => (&[Accepted], NoShow),
        AdminAction::Complete => (&[Accepted], Completed),
    };
    let started = stored.booking.start <= now;
    match action {
        AdminAction::NoShow | AdminAction::Complete if !started => {
            return Err(BookingError::Conflict(
                "the meeting has not started yet".to_string(),
            ));
        }
        AdminAction::Approve | AdminAction::Cancel if started => {
            return Err(BookingError::Conflict(
                "the meeting time has passed".to_string(),
            ));
        }
        _ => {}
    }
    let expected = from
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" or ");
    let update = StatusUpdate {
        to,
        actor: actor.to_string(),
        cancel_reason: if action == AdminAction::Cancel {
            note.clone()
        } else {
            None
        },
        effects: super::effects::status_changed(uid, to, note.as_deref()),
        note,
    };
    store
        .change_status(uid, from, &update)
        .await
        .map_err(|e| match e {
            StoreError::WrongStatus(status) => {
                BookingError::Conflict(format!("the booking is {status}, not {expected}"))
            }
            other => other.into(),
        })
}
