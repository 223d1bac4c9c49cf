//! Effects: what must happen after a booking commits (a calendar write now;
//! emails, CRM logs and webhooks later), kept in a durable queue.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EffectKind {
    /// Make each host's destination calendar match the booking: create, move
    /// or remove its event.
    CalendarWrite,
}

impl EffectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EffectKind::CalendarWrite => "calendar_write",
        }
    }

    pub fn parse(text: &str) -> Option<EffectKind> {
        match text {
            "calendar_write" => Some(EffectKind::CalendarWrite),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EffectStatus {
    /// Waiting for its `run_at`, or being carried out.
    Pending,
    Done,
    /// Gave up after the last attempt; can be retried through the API.
    Failed,
}

impl EffectStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EffectStatus::Pending => "pending",
            EffectStatus::Done => "done",
            EffectStatus::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<EffectStatus> {
        match text {
            "pending" => Some(EffectStatus::Pending),
            "done" => Some(EffectStatus::Done),
            "failed" => Some(EffectStatus::Failed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Effect {
    pub id: String,
    pub kind: EffectKind,
    /// The booking it follows (its uid).
    pub booking_uid: String,
    pub status: EffectStatus,
    pub attempts: u32,
    /// When it runs next (pending) or last ran.
    pub run_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
