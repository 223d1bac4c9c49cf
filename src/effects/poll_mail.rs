//! One letter about a meeting poll to one participant, written when it is
//! sent: the invitation to vote (with a link of its own to their voting
//! page, issued now and kept only as a hash: no secret waits in the
//! outbox), the chosen time, or the poll closed without one. A letter no
//! longer true (an invitation to a poll closed since) is dropped. Its key
//! is its Message-ID, so a resend after a crash is the same message.

use super::job::{Job, JobContext, JobError, store_error};
use crate::domain::{PollStatus, hash_secret, random_token};
use crate::notify::{PollLetter, PollParts, compose_poll};
use crate::store::StoreError;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PollMail {
    /// The poll's id.
    pub poll: String,
    pub letter: PollLetter,
    /// The participant, by email (unique in a poll).
    pub to: String,
}

impl PollMail {
    pub fn new(poll_id: &str, letter: PollLetter, email: &str) -> PollMail {
        PollMail {
            poll: poll_id.to_string(),
            letter,
            to: email.to_ascii_lowercase(),
        }
    }

    fn key(&self) -> String {
        format!(
            "mail-poll-{}-{}-{}",
            self.poll,
            self.letter.as_str(),
            self.to.to_ascii_lowercase()
        )
    }
}

/// A row that may be gone (deleted since) as `None`.
fn present<T>(result: Result<T, StoreError>) -> Result<Option<T>, JobError> {
    match result {
        Ok(found) => Ok(Some(found)),
        Err(StoreError::NotFound(_)) => Ok(None),
        Err(other) => Err(store_error(other)),
    }
}

#[async_trait]
impl Job for PollMail {
    const KIND: &'static str = "poll_mail";
    const MERGE: crate::domain::Merge = crate::domain::Merge::Never;

    fn dedupe_key(&self) -> Option<String> {
        Some(self.key())
    }

    async fn run(&self, ctx: &JobContext<'_>) -> Result<(), JobError> {
        let app = ctx.app;
        let store = &app.store;
        let organization = &ctx.effect.organization_id;
        let Some(poll) = present(store.poll(organization, &self.poll).await)? else {
            return Ok(());
        };
        let now = app.now();
        let still_true = match self.letter {
            PollLetter::Invitation => poll.accepts_votes(now),
            PollLetter::Chosen => poll.status == PollStatus::Finalized,
            PollLetter::Closed => poll.status == PollStatus::Closed,
        };
        if !still_true {
            tracing::info!(
                status = poll.status.as_str(),
                letter = self.letter.as_str(),
                "poll letter dropped: the poll has changed since"
            );
            return Ok(());
        }
        let participants = store
            .poll_participants(&poll.id)
            .await
            .map_err(store_error)?;
        let Some(me) = participants
            .iter()
            .find(|p| p.email.as_str().eq_ignore_ascii_case(&self.to))
        else {
            return Ok(());
        };
        let Some(host) = present(store.user(organization, &poll.input.host_id).await)? else {
            return Ok(());
        };
        let base = app.public_url().trim_end_matches('/').to_string();
        let link = match self.letter {
            PollLetter::Invitation => {
                let token = random_token(32);
                store
                    .add_poll_link(&poll.id, me.email.as_str(), &hash_secret(&token), now)
                    .await
                    .map_err(store_error)?;
                Some(format!("{base}/polls/{token}"))
            }
            _ => None,
        };
        let (mut chosen, mut coming) = (None, false);
        if self.letter == PollLetter::Chosen
            && let Some(uid) = &poll.booking_uid
            && let Some(stored) = present(store.booking(uid).await)?
        {
            let booking = stored.booking;
            chosen = Some((booking.start, booking.end));
            coming = booking.status.holds_time()
                && (booking
                    .invitee
                    .email
                    .as_str()
                    .eq_ignore_ascii_case(&self.to)
                    || booking
                        .attendees
                        .iter()
                        .any(|a| a.email.as_str().eq_ignore_ascii_case(&self.to)));
        }
        if self.letter == PollLetter::Chosen && chosen.is_none() {
            // The booking is gone (deleted with its host): nothing to announce.
            return Ok(());
        }
        let id = self.key();
        let mail = compose_poll(&PollParts {
            letter: self.letter,
            id: &id,
            poll: &poll,
            host: &host,
            name: &me.name,
            email: me.email.as_str(),
            link: link.as_deref(),
            chosen,
            coming,
        });
        app.mailer.send(&mail).await?;
        Ok(())
    }
}
