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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn sync_errors_say_whether_to_retry() {
        let wait = Some(Duration::from_secs(90));
        assert_eq!(
            JobError::from(SyncError::RateLimited { retry_after: wait }),
            JobError::Retry {
                reason: "rate limited by the provider".to_string(),
                after: wait
            }
        );
        assert!(matches!(
            JobError::from(SyncError::Temporary("timeout".to_string())),
            JobError::Retry { after: None, .. }
        ));
        assert!(matches!(
            JobError::from(SyncError::Unauthorized("invalid_grant".to_string())),
            JobError::NeedsReconnect(_)
        ));
        assert!(matches!(
            JobError::from(SyncError::Permanent("400".to_string())),
            JobError::GiveUp(_)
        ));
    }

    #[test]
    fn a_write_is_about_its_booking_and_merges() {
        let effect = CalendarWrite::of("bk1").effect();
        assert_eq!(effect.kind, "calendar_write");
        assert_eq!(effect.subject, Some(Subject::Booking("bk1".to_string())));
        assert_eq!(effect.merge, Merge::LatestState);
        assert_eq!(
            effect.payload, r#"{"booking":"bk1"}"#,
            "the migration writes this shape"
        );
        assert_eq!(effect.dedupe_key, None);
    }
}
