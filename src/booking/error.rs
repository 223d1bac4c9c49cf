//! What can go wrong in a use case, in terms the HTTP layer maps to statuses.

use crate::domain::ValidationError;
use crate::engine::Reason;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    #[error("{0}")]
    Invalid(#[from] ValidationError),
    /// What was missing ("booking", "event type", …).
    #[error("no such {0}")]
    NotFound(&'static str),
    /// The time cannot be booked (taken meanwhile, or never free); the reasons say why.
    #[error("that time is no longer available")]
    Unavailable(Vec<Reason>),
    /// The time was never bookable (past, notice, window, working hours): which rule says so.
    #[error("{0}")]
    NotBookable(String),
    /// The booking is over (cancelled, rejected, rescheduled): its links are gone.
    #[error("this booking is {0}")]
    Gone(String),
    /// A one-off link that can no longer be used.
    #[error("{}", .0.explain())]
    LinkGone(crate::domain::LinkState),
    /// The request conflicts with the booking's state (e.g. approving an accepted booking).
    #[error("{0}")]
    Conflict(String),
    /// The caller already keeps as many of something as one may (live slot
    /// holds); one of theirs frees in `retry_after` seconds.
    #[error("{message}")]
    TooMany { message: String, retry_after: u32 },
    #[error(transparent)]
    Store(StoreError),
    /// A bug, not the caller's fault (e.g. the engine panicked).
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for BookingError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(what) => BookingError::NotFound(what),
            StoreError::SlotTaken => BookingError::Unavailable(Vec::new()),
            StoreError::LinkGone(state) => BookingError::LinkGone(state),
            other => BookingError::Store(other),
        }
    }
}

/// A row that may be gone (deleted since the booking) as `None`.
pub(crate) fn present<T>(result: Result<T, StoreError>) -> Result<Option<T>, BookingError> {
    match result {
        Ok(found) => Ok(Some(found)),
        Err(StoreError::NotFound(_)) => Ok(None),
        Err(other) => Err(other.into()),
    }
}
