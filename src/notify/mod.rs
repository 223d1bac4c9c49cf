//! Who hears about a booking change, and what each message says. Pure:
//! [`plan`] turns a change into letters (one message to one person),
//! [`compose`] writes a letter in its reader's language and time zone. The
//! outbox jobs that load what they need and send are in `crate::effects`
//! (`notify.rs` fans a change out, `booking_mail.rs` sends one letter).

mod compose;
mod plan;

pub use compose::{
    Links, MeetingView, Parts, Reader, compose, duration_words, frame, meeting, place,
};
pub use plan::{Change, Letter, Recipient, plan, reminders};
