//! A poll's outcome fanned out: one `poll_mail` per participant, read when
//! the job runs (the participants as the poll ended). Queued once per poll
//! and outcome (its dedupe key), and each letter has its own key, so a
//! fan-out that runs again queues nothing twice.

use super::job::{Job, JobContext, JobError, store_error};
use super::poll_mail::PollMail;
use crate::domain::{Merge, NewEffect};
use crate::notify::PollLetter;
use crate::store::StoreError;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PollNotify {
    /// The poll's id.
    pub poll: String,
    pub letter: PollLetter,
}

impl PollNotify {
    pub fn new(poll_id: &str, letter: PollLetter) -> PollNotify {
        PollNotify {
            poll: poll_id.to_string(),
            letter,
        }
    }
}

#[async_trait]
impl Job for PollNotify {
    const KIND: &'static str = "poll_notify";
    const MERGE: Merge = Merge::Never;

    fn dedupe_key(&self) -> Option<String> {
        Some(format!("poll-{}-{}", self.poll, self.letter.as_str()))
    }

    async fn run(&self, ctx: &JobContext<'_>) -> Result<(), JobError> {
        let store = &ctx.app.store;
        let organization = &ctx.effect.organization_id;
        match store.poll(organization, &self.poll).await {
            Ok(_) => {}
            // Deleted with its organization: nobody left to tell.
            Err(StoreError::NotFound(_)) => return Ok(()),
            Err(error) => return Err(store_error(error)),
        }
        let participants = store
            .poll_participants(&self.poll)
            .await
            .map_err(store_error)?;
        let effects: Vec<NewEffect> = participants
            .iter()
            .map(|p| PollMail::new(&self.poll, self.letter, p.email.as_str()).effect())
            .collect();
        store
            .enqueue_effects(organization, &effects)
            .await
            .map_err(store_error)?;
        ctx.app.signals.effects.notify_one();
        Ok(())
    }
}
