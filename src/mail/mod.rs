//! Email: a message (plain text, HTML and, for meetings, an iCalendar
//! invitation) and the transport that delivers it: an SMTP server, or a
//! folder of `.eml` files when none is configured. What a message says is
//! `crate::notify`'s; when it goes, the outbox's (`crate::effects`).

mod invitation;
mod mailer;
mod message;
pub mod snippets;

pub use invitation::{Meeting, Method, Participant, Response, feed, ics};
pub use mailer::Mailer;
pub use message::{Attachment, MailError, Outgoing, recipient};
