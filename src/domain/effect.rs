//! Effects: what must happen after a change commits (a calendar write now;
//! emails, CRM logs and webhooks later), kept in a durable outbox. The jobs
//! themselves and their handlers live in `crate::effects`; these are the
//! rows the store keeps.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
    /// The job's kind (`calendar_write`, …): one of the registered handlers.
    pub kind: String,
    /// The booking it follows (its uid), if it follows one.
    pub booking_uid: Option<String>,
    pub status: EffectStatus,
    pub attempts: u32,
    /// When it runs next (pending) or last ran.
    pub run_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// How a new effect meets one of its kind already waiting for the same subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    /// One waiting effect per subject and kind: a newer one takes its place
    /// (payload, due time), never two run at once, and a retry gives way to
    /// a newer waiting one. For jobs that make the outside world match the
    /// subject as it is when they run (a calendar write). Without a subject
    /// this is [`Merge::Never`].
    LatestState,
    /// Every effect runs on its own: events ("confirmed", then "cancelled"),
    /// where each must be seen.
    Never,
}

impl Merge {
    pub fn as_str(self) -> &'static str {
        match self {
            Merge::LatestState => "latest_state",
            Merge::Never => "never",
        }
    }
}

/// What an effect is about, for merging and listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A booking, by uid.
    Booking(String),
}

/// An effect to queue, as a change's use case decides it; written in the
/// change's own transaction.
#[derive(Debug, Clone)]
pub struct NewEffect {
    pub kind: &'static str,
    /// The job as JSON.
    pub payload: String,
    pub subject: Option<Subject>,
    /// Queued at most once per key, ever: a second effect with the same key
    /// is dropped (what must happen exactly once: a charge, a deal).
    pub dedupe_key: Option<String>,
    pub merge: Merge,
    /// Not run before this instant (a reminder); `None`: at once.
    pub not_before: Option<DateTime<Utc>>,
}
