//! Who hears about a booking change, and what each message says. Pure:
//! [`plan`] turns a change into letters (one message to one person),
//! [`compose`] writes a letter in its reader's language and time zone. The
//! outbox jobs that load what they need and send are in `crate::effects`
//! (`notify.rs` fans a change out, `booking_mail.rs` sends one letter).
//! Beside the booking letters: a meeting poll's ([`compose_poll`]: the
//! invitation to vote, the chosen time, closed without one) and a host's
//! calendar needing reconnecting ([`compose_reconnect`]).

mod compose;
mod plan;
mod poll;
mod reconnect;

pub use compose::{
    Links, MeetingView, Parts, Reader, compose, duration_words, frame, meeting, place,
};
pub use plan::{Change, Letter, Recipient, plan, reminders};
pub use poll::{PollLetter, PollParts, compose_poll, host_lang};
pub use reconnect::{ReconnectParts, compose_reconnect, provider_name};
