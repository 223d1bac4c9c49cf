//! The types the rest of the service trusts: validated on construction, so a
//! value of type `Slug` or `Email` is known good wherever it travels.
//!
//! They double as the API's JSON shapes (serde + OpenAPI schemas); each
//! validation error names the field it is about.

mod api_key;
mod booking;
mod branding;
mod connection;
mod effect;
mod embedding;
mod event_type;
mod feedback;
mod link;
mod poll;
mod schedule;
mod team;
mod user;
mod values;
mod workflow;

pub use api_key::*;
pub use booking::*;
pub use branding::*;
pub use connection::*;
pub use effect::*;
pub use embedding::*;
pub use event_type::*;
pub use feedback::*;
pub use link::*;
pub use poll::*;
pub use schedule::*;
pub use team::*;
pub use user::*;
pub use values::*;
pub use workflow::*;

/// A rule broken by input: which field, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    pub field: String,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        ValidationError {
            field: field.into(),
            message: message.into(),
        }
    }
}

pub(crate) fn invalid<T>(
    field: impl Into<String>,
    message: impl Into<String>,
) -> Result<T, ValidationError> {
    Err(ValidationError::new(field, message))
}
