//! The calendar write: make each host's destination calendar match the
//! booking as it is when the job runs (create, move or remove its event;
//! `sync::writer`). Merged per booking, so "confirmed then cancelled" before
//! the worker ran is one write that removes nothing it never made.

use super::job::{Job, JobContext, JobError};
use crate::domain::{Merge, Subject};
use crate::sync::api::SyncError;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CalendarWrite {
    /// The booking's uid.
    pub booking: String,
}

impl CalendarWrite {
    pub fn of(booking_uid: &str) -> CalendarWrite {
        CalendarWrite {
            booking: booking_uid.to_string(),
        }
    }
}

#[async_trait]
impl Job for CalendarWrite {
    const KIND: &'static str = "calendar_write";
    const MERGE: Merge = Merge::LatestState;

    fn subject(&self) -> Option<Subject> {
        Some(Subject::Booking(self.booking.clone()))
    }

    async fn run(&self, ctx: &JobContext<'_>) -> Result<(), JobError> {
        crate::sync::writer::write_booking(ctx.app, &self.booking)
            .await
            .map_err(JobError::from)
    }
}

impl From<SyncError> for JobError {
    fn from(error: SyncError) -> JobError {
        let reason = error.to_string();
        match error {
            SyncError::RateLimited { retry_after } => JobError::Retry {
                reason,
                after: retry_after,
            },
            SyncError::Unauthorized(_) => JobError::NeedsReconnect(reason),
            other if other.is_retryable() => JobError::retry(reason),
            _ => JobError::GiveUp(reason),
        }
    }
}
