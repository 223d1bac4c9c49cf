//! What a booking change causes outside Kairos, decided here and queued in
//! the change's own transaction (the outbox, `crate::effects`): a new
//! effect of a booking change is one line in one of these functions.

use crate::domain::NewEffect;
use crate::effects::{CalendarWrite, Job as _};

/// A booking was made; `replaces` is the booking it reschedules.
pub(crate) fn booked(uid: &str, replaces: Option<&str>) -> Vec<NewEffect> {
    // The new booking's write moves the replaced booking's events; the
    // replaced booking's own write removes any its successor did not take.
    let mut effects = vec![CalendarWrite::of(uid).effect()];
    if let Some(old) = replaces {
        effects.push(CalendarWrite::of(old).effect());
    }
    effects
}

/// A booking's status changed (approved, rejected, cancelled, …).
pub(crate) fn status_changed(uid: &str) -> Vec<NewEffect> {
    vec![CalendarWrite::of(uid).effect()]
}
