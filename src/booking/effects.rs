//! What a booking change causes outside Kairos, decided here and queued in
//! the change's own transaction (the outbox, `crate::effects`): a new
//! effect of a booking change is one line in one of these functions.

use crate::domain::{BookingStatus, NewEffect};
use crate::effects::{CalendarWrite, Job as _, Notify, WorkflowFanout};
use crate::notify::Change;

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
