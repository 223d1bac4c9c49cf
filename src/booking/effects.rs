//! What a booking change causes outside Kairos, decided here and queued in
//! the change's own transaction (the outbox, `crate::effects`): a new
//! effect of a booking change is one line in one of these functions.

use crate::domain::{BookingStatus, Invited, NewEffect};
use crate::effects::{CalendarWrite, Job as _, Notify, PollMail, PollNotify, WorkflowFanout};
use crate::notify::{Change, PollLetter};

/// A booking was made; `replaces` is the booking it reschedules.
pub(crate) fn booked(uid: &str, replaces: Option<&str>) -> Vec<NewEffect> {
    // The new booking's write moves the replaced booking's events; the
    // replaced booking's own write removes any its successor did not take.
    let mut effects = vec![CalendarWrite::of(uid).effect()];
    let change = match replaces {
        Some(old) => {
            effects.push(CalendarWrite::of(old).effect());
            Change::Rescheduled {
                from: old.to_string(),
            }
        }
        None => Change::Booked,
    };
    effects.push(Notify::new(uid, change.clone()).effect());
    effects.push(WorkflowFanout::new(uid, change).effect());
    effects
}

/// A booking's status changed to `to` (approved, rejected, cancelled, …);
/// `note` is what the person who changed it said.
pub(crate) fn status_changed(uid: &str, to: BookingStatus, note: Option<&str>) -> Vec<NewEffect> {
    let mut effects = vec![CalendarWrite::of(uid).effect()];
    let change = match to {
        BookingStatus::Cancelled => Some(Change::Cancelled),
        BookingStatus::Accepted => Some(Change::Approved),
        BookingStatus::Rejected => Some(Change::Rejected {
            reason: note.map(str::to_string),
        }),
        BookingStatus::NoShow => Some(Change::MarkedNoShow),
        BookingStatus::Completed => Some(Change::MarkedCompleted),
        BookingStatus::Pending => None,
    };
    if let Some(change) = change {
        if !matches!(change, Change::MarkedNoShow | Change::MarkedCompleted) {
            effects.push(Notify::new(uid, change.clone()).effect());
        }
        effects.push(WorkflowFanout::new(uid, change).effect());
    }
    effects
}

/// A poll was created: each invited participant gets an invitation (those
/// who join through the open link are on the page already).
pub(crate) fn poll_created(poll_id: &str, invited: &[Invited]) -> Vec<NewEffect> {
    invited
        .iter()
        .map(|person| {
            PollMail::new(poll_id, PollLetter::Invitation, person.email.as_str()).effect()
        })
        .collect()
}

/// A poll was finalized (a time chosen and booked): every participant hears
/// the outcome; the booking's own letters carry the invitation.
pub(crate) fn poll_finalized(poll_id: &str) -> NewEffect {
    PollNotify::new(poll_id, PollLetter::Chosen).effect()
}

/// A poll closed without a time: every participant hears so.
pub(crate) fn poll_closed(poll_id: &str) -> NewEffect {
    PollNotify::new(poll_id, PollLetter::Closed).effect()
}
