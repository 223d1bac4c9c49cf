//! What every calendar provider offers Kairos, and how its failures are told
//! apart: those that a retry fixes, those that need a full resync, and those
//! that need the host to reconnect.

use crate::store::{CalendarDelta, RemoteCalendar};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, thiserror::Error)]
pub enum SyncError {
    /// The provider refused the credentials for good: reconnect.
    #[error("the provider refused the credentials: {0}")]
    Unauthorized(String),
    /// An access token expired (refresh it and try again).
    #[error("the access token expired")]
    TokenExpired,
    /// The sync token or delta link is no longer valid: a full resync.
    #[error("the sync token is no longer valid")]
    SyncTokenInvalid,
    /// 429 or 403 `rateLimitExceeded`.
    #[error("rate limited by the provider")]
    RateLimited { retry_after: Option<Duration> },
    /// Network trouble, timeouts, 5xx: retried with backoff.
    #[error("{0}")]
    Temporary(String),
    /// Anything else the provider refused; retrying as is will not help.
    #[error("{0}")]
    Permanent(String),
    /// Kairos itself is not set up for this (missing keys or client ids).
    #[error("{0}")]
    Setup(String),
}

impl SyncError {
    /// Whether a later attempt may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            SyncError::RateLimited { .. } | SyncError::Temporary(_) | SyncError::TokenExpired
        )
    }

    /// The same error, saying which calendar it came from.
    pub fn prefixed(self, calendar: &str) -> SyncError {
        let tell = |text: String| format!("calendar {calendar:?}: {text}");
        match self {
            SyncError::Unauthorized(t) => SyncError::Unauthorized(tell(t)),
            SyncError::Temporary(t) => SyncError::Temporary(tell(t)),
            SyncError::Permanent(t) => SyncError::Permanent(tell(t)),
            SyncError::Setup(t) => SyncError::Setup(tell(t)),
            other => other,
        }
    }

    /// Of two failures, the one the connection's status must show: refused
    /// credentials above all, then what retrying may fix, then the rest.
    pub fn graver(a: SyncError, b: SyncError) -> SyncError {
        let rank = |e: &SyncError| match e {
            SyncError::Unauthorized(_) => 0,
            SyncError::Setup(_) => 1,
            e if e.is_retryable() => 2,
            _ => 3,
        };
        if rank(&b) < rank(&a) { b } else { a }
    }

    /// A failure of the HTTP exchange itself.
    pub fn from_http(error: &reqwest::Error) -> SyncError {
        SyncError::Temporary(format!("network: {error}"))
    }

    /// The usual reading of an HTTP status no API-specific rule claimed.
    pub fn from_status(status: u16, retry_after: Option<Duration>, body: &str) -> SyncError {
        let excerpt: String = body.chars().take(300).collect();
        match status {
            401 => SyncError::TokenExpired,
            429 => SyncError::RateLimited { retry_after },
            500..=599 => SyncError::Temporary(format!("HTTP {status}: {excerpt}")),
            _ => SyncError::Permanent(format!("HTTP {status}: {excerpt}")),
        }
    }
}

/// `Retry-After` in seconds (the form Google and Graph send).
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// A booking as the event written to a host's calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventBody {
    /// The booking's uid: a stable key for idempotent writes.
    pub booking_uid: String,
    pub title: String,
    pub description: String,
    pub location: Option<String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The host whose calendar it is, as `(name, email)`: the organizer,
    /// and an attendee who accepted.
    pub organizer: (String, String),
    /// The invitee and other attendees: `(name, email)`.
    pub attendees: Vec<(String, String)>,
    /// Ask the provider for a video meeting (Google Meet, Microsoft Teams).
    pub video: bool,
    /// The host's zone, for how the event shows in their calendar.
    pub timezone: String,
    /// The calendar invites the attendees itself (the event type's
    /// `invitations: calendar`); otherwise it must mail nobody, as Kairos's
    /// own emails carry the invitation.
    pub provider_invites: bool,
}

/// One provider account, ready to use.
#[async_trait]
pub trait CalendarApi: Send + Sync {
    /// The calendars of the account; the primary one marked.
    async fn calendars(&self) -> Result<Vec<RemoteCalendar>, SyncError>;
    /// What changed in `calendar` since `token` (`None`: everything, as a
    /// full delta). Pages are followed to the end before returning.
    async fn changes(
        &self,
        calendar: &str,
        token: Option<&str>,
    ) -> Result<CalendarDelta, SyncError>;
    /// Creates the booking's event, or updates it where `existing` names one.
    /// Retried writes do not create a second event. Returns the event's id.
    async fn put_event(
        &self,
        calendar: &str,
        event: &EventBody,
        existing: Option<&str>,
    ) -> Result<String, SyncError>;
    /// Removes an event; one already gone counts as removed.
    /// Removes an event; `notify`: the provider tells its attendees (when
    /// it sent them the invitation, the event type's `invitations:
    /// calendar`).
    async fn delete_event(
        &self,
        calendar: &str,
        event_id: &str,
        notify: bool,
    ) -> Result<(), SyncError>;
}

/// What a connection's sealed credentials hold.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Credentials {
    Password {
        password: String,
    },
    OAuth {
        access_token: String,
        refresh_token: Option<String>,
        expires_at: DateTime<Utc>,
    },
}
