//! What a job is: a kind, a payload (the job itself, as JSON), a subject, a
//! dedupe key and a merge policy, and the handler that carries it out.

use super::Context;
use crate::domain::{Merge, NewEffect, Subject};
use crate::store::ClaimedEffect;
use async_trait::async_trait;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// A kind of effect. The implementing type is the payload: it is queued as
/// JSON in the change's transaction and read back when the job runs, so it
/// holds plain data (ids, not rows: the handler reads what it needs).
#[async_trait]
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The stored kind name; never reuse or rename one (rows carry it).
    const KIND: &'static str;
    /// Whether a waiting job of the same subject absorbs a newer one.
    const MERGE: Merge;

    /// What the job is about (merging, listing, the span).
    fn subject(&self) -> Option<Subject> {
        None
    }

    /// A key for jobs that must be queued once only, ever.
    fn dedupe_key(&self) -> Option<String> {
        None
    }

    /// Not before this instant (a reminder's time); `None`: at once.
    fn not_before(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        None
    }

    async fn run(&self, ctx: &JobContext<'_>) -> Result<(), JobError>;

    /// This job as an effect to queue.
    fn effect(&self) -> NewEffect {
        NewEffect {
            kind: Self::KIND,
            // A job is plain data (strings, numbers): serializing it cannot fail.
            payload: serde_json::to_string(self).expect("a job serializes to JSON"),
            subject: self.subject(),
            dedupe_key: self.dedupe_key(),
            merge: Self::MERGE,
            not_before: self.not_before(),
        }
    }
}

/// What a running job can reach.
pub struct JobContext<'a> {
    pub app: &'a Context,
    /// The row being carried out (id, attempt, organization).
    pub effect: &'a ClaimedEffect,
}

/// Why a job did not succeed, and what the queue should do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// It may succeed later: retried with backoff (not before `after` when
    /// the other side said so), failed after the last attempt.
    #[error("{reason}")]
    Retry {
        reason: String,
        after: Option<Duration>,
    },
    /// Retrying as is cannot help (the other side refused the request):
    /// failed now; it can be retried by hand.
    #[error("{0}")]
    GiveUp(String),
    /// The credentials were refused: failed until the owner reconnects
    /// (reconnecting requeues what it blocked).
    #[error("{0}")]
    NeedsReconnect(String),
}

/// The database failed under a job: worth another try.
pub(super) fn store_error(error: crate::store::StoreError) -> JobError {
    JobError::retry(format!("store: {error}"))
}

impl JobError {
    pub fn retry(reason: impl Into<String>) -> JobError {
        JobError::Retry {
            reason: reason.into(),
            after: None,
        }
    }
}
