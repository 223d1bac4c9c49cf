//! The booking transaction, composed of the aggregates' steps: it opens with
//! the backend's write discipline (SQLite `BEGIN IMMEDIATE`; PostgreSQL
//! advisory locks on the candidate hosts), takes a fresh snapshot, asks the
//! use case's decision, inserts, queues the effects the use case named and commits.
//! Returning early drops the transaction, which rolls it back.

use super::Dialect as _;
use super::{Backend, Result, bookings, effects, links, now, polls, snapshot};
use crate::domain::{Booking, new_id};
use crate::store::{Decide, Decision, NewBooking, group_slot_key};

pub(super) async fn book(store: &Backend, new: &NewBooking, decide: Decide<'_>) -> Result<Booking> {
    let mut tx = store.begin_write(&new.candidate_hosts).await?;
    let id = new_id();
    let uid = new.uid.clone();
    let at = now();
    let replaced = match &new.replaces {
        Some(old_uid) => {
            Some(bookings::cancel_for_reschedule(&mut tx, old_uid, &new.actor, at).await?)
        }
        None => None,
    };
    if let Some(link) = &new.consumes_link {
        links::consume(&mut tx, link, &uid, at).await?;
    }
    if let Some((poll, option)) = &new.finalizes_poll {
        polls::finalize(&mut tx, poll, *option, &uid, at).await?;
    }
    let (from, to) = new.window;
    let mut snapshot = snapshot::load(&mut tx, &new.candidate_hosts, from, to).await?;
    if let Some(request) = &new.pool {
        snapshot.pool = Some(snapshot::pool_history(&mut tx, request).await?);
    }
    if let Some((poll, _)) = &new.finalizes_poll {
        // Read after the poll was locked: votes can no longer change.
        snapshot.poll_participants = polls::participants(&mut tx, poll).await?;
    }
    let Decision {
        hosts,
        reason,
        party,
    } = decide(&snapshot)?;
    let (invitee, attendees) =
        party.unwrap_or_else(|| (new.invitee.clone(), new.attendees.clone()));
    let row = bookings::Insert {
        id: &id,
        uid: &uid,
        new,
        invitee: &invitee,
        attendees: &attendees,
        reason: &reason,
        at,
    };
    bookings::insert(&mut tx, &row).await?;
    let slot_key = if new.shared_slot {
        group_slot_key(&new.event_type_id, new.start)
    } else {
        id.clone()
    };
    bookings::insert_hosts(&mut tx, &id, &hosts, new, &slot_key).await?;
    if let Some(old_id) = &replaced {
        bookings::link_successor(&mut tx, old_id, &uid).await?;
    }
    bookings::write_history(&mut tx, &id, None, new.status, &new.actor, None).await?;
    for effect in &new.effects {
        effects::enqueue(&mut tx, &new.organization_id, effect, at).await?;
    }
    tx.commit().await?;
    // Everything the row holds is at hand: no need to read it back.
    let mut hosts = hosts;
    hosts.sort();
    Ok(Booking {
        uid,
        event_type_id: new.event_type_id.clone(),
        hosts,
        start: new.start,
        end: new.end,
        status: new.status,
        invitee,
        answers: new.answers.clone(),
        utm: new.utm.clone(),
        cancel_reason: None,
        cancelled_by: None,
        rescheduled_from: new.replaces.clone(),
        rescheduled_to: None,
        attendees,
        assignment_reason: reason,
        calendar_event_changed: Vec::new(),
        created_at: at,
        updated_at: at,
    })
}
