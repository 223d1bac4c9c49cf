//! One letter about a booking to one person, written when it is sent (so a
//! reminder shows the meeting as it is then) and sent through the
//! configured mailer. A letter no longer true (a reminder of a booking
//! cancelled since) is dropped; a refused message fails (visible, retryable by hand); anything
//! else is retried with backoff. Its key is its Message-ID, so a resend
//! after a crash is the same message to the receiver.

use super::job::{Job, JobContext, JobError, store_error};
use crate::booking::{ManageView, details, issue_link};
use crate::domain::{Booking, BookingStatus, Invitations, LinkPurpose, Merge, Subject, User};
use crate::i18n::Lang;
use crate::mail::MailError;
use crate::notify::{Letter, Links, Parts, Reader, Recipient, compose};
use crate::store::StoreError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BookingMail {
    /// The booking's uid.
    pub booking: String,
    pub letter: Letter,
    pub to: Recipient,
    /// The booking a reschedule replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A reminder's distance to the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes_before: Option<u32>,
    /// A reminder's instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<DateTime<Utc>>,
}

impl BookingMail {
    fn key(&self) -> String {
        let letter = match self.minutes_before {
            Some(m) => format!("{}-{m}", self.letter.as_str()),
            None => self.letter.as_str().to_string(),
        };
        format!("mail-{}-{letter}-{}", self.booking, self.to.key())
    }
}

impl From<MailError> for JobError {
    fn from(error: MailError) -> JobError {
        match error {
            MailError::Temporary(reason) => JobError::retry(reason),
            MailError::Refused(reason) => JobError::GiveUp(reason),
        }
    }
}

/// A row that may be gone (deleted since) as `None`.
pub(super) fn present<T>(result: Result<T, StoreError>) -> Result<Option<T>, JobError> {
    match result {
        Ok(found) => Ok(Some(found)),
        Err(StoreError::NotFound(_)) => Ok(None),
        Err(other) => Err(store_error(other)),
    }
}

pub(super) fn lang_of(tag: Option<&str>) -> Lang {
    tag.and_then(Lang::parse).unwrap_or(Lang::En)
}

/// The reader of a letter, if they are still part of the booking.
pub(super) fn reader(to: &Recipient, booking: &Booking, hosts: &[User]) -> Option<Reader> {
    let zone = |name: &str| name.parse::<chrono_tz::Tz>().unwrap_or(chrono_tz::UTC);
    let invitee = &booking.invitee;
    match to {
        Recipient::Invitee => Some(Reader {
            name: invitee.name.clone(),
            email: invitee.email.as_str().to_string(),
            zone: zone(invitee.timezone.as_str()),
            lang: lang_of(invitee.language.as_deref()),
            is_host: false,
        }),
        Recipient::Attendee(email) => {
            let attendee = booking
                .attendees
                .iter()
                .find(|a| a.email.as_str().eq_ignore_ascii_case(email))?;
            // Attendees read in the invitee's zone and language (a poll's
            // participants share the poll's).
            Some(Reader {
                name: attendee.name.clone(),
                email: attendee.email.as_str().to_string(),
                zone: zone(invitee.timezone.as_str()),
                lang: lang_of(invitee.language.as_deref()),
                is_host: false,
            })
        }
        Recipient::Host(id) => {
            let host = hosts.iter().find(|h| &h.id == id)?;
            Some(Reader {
                name: host.input.name.clone(),
                email: host.input.email.as_str().to_string(),
                zone: zone(host.input.timezone.as_str()),
                lang: lang_of(host.input.language.as_deref()),
                is_host: true,
            })
        }
    }
}

/// Whether `organizer`'s bookings land in a calendar whose provider mails
/// the attendees (Google, Microsoft; a CalDAV server does not).
async fn calendar_invites(
    store: &dyn crate::store::Store,
    organization_id: &str,
    organizer: Option<&User>,
) -> Result<bool, JobError> {
    let Some(organizer) = organizer else {
        return Ok(false);
    };
    let Some((connection_id, _)) = store
        .destination(&organizer.id)
        .await
        .map_err(store_error)?
    else {
        return Ok(false);
    };
    let connection = present(store.connection(organization_id, &connection_id).await)?;
    Ok(connection.is_some_and(|c| {
        matches!(
            c.provider,
            crate::domain::Provider::Google | crate::domain::Provider::Microsoft
        )
    }))
}

#[async_trait]
impl Job for BookingMail {
    const KIND: &'static str = "booking_mail";
    const MERGE: Merge = Merge::Never;

    fn subject(&self) -> Option<Subject> {
        Some(Subject::Booking(self.booking.clone()))
    }

    fn dedupe_key(&self) -> Option<String> {
        Some(self.key())
    }

    fn not_before(&self) -> Option<DateTime<Utc>> {
        self.due
    }

    async fn run(&self, ctx: &JobContext<'_>) -> Result<(), JobError> {
        let app = ctx.app;
        let store = &app.store;
        let Some(stored) = present(store.booking(&self.booking).await)? else {
            return Ok(());
        };
        if !self.letter.still_true(stored.booking.status) {
            let status = stored.booking.status.as_str();
            tracing::info!(
                status,
                letter = self.letter.as_str(),
                "letter dropped: the booking has changed since"
            );
            return Ok(());
        }
        let org = stored.organization_id.clone();
        let ical = stored.ical.clone();
        let ManageView {
            booking,
            event_type,
            hosts,
        } = details(store.as_ref(), stored)
            .await
            .map_err(|e| JobError::retry(e.to_string()))?;
        let booking = &booking;
        let Some(reader) = reader(&self.to, booking, &hosts) else {
            return Ok(());
        };
        let previous = match &self.previous {
            Some(uid) => present(store.booking(uid).await)?.map(|s| s.booking),
            None => None,
        };
        let base = app.public_url().trim_end_matches('/').to_string();
        let now = app.now();
        let mut links = Links::default();
        let standing = booking.status.holds_time();
        if !reader.is_host && standing {
            let token = issue_link(store.as_ref(), &booking.uid, LinkPurpose::Manage, now)
                .await
                .map_err(|e| JobError::retry(e.to_string()))?;
            links.manage = Some(format!("{base}/booking/{}?token={token}", booking.uid));
        }
        if self.letter == Letter::ApprovalNeeded && booking.status == BookingStatus::Pending {
            let token = issue_link(store.as_ref(), &booking.uid, LinkPurpose::Approve, now)
                .await
                .map_err(|e| JobError::retry(e.to_string()))?;
            links.approve = Some(format!(
                "{base}/booking/{}/approval?token={token}",
                booking.uid
            ));
        }
        if !reader.is_host
            && !standing
            && let Some(event_type) = &event_type
            && let Some(owner) = present(store.user(&org, &event_type.input.owner_id).await)?
        {
            links.book_again = Some(format!(
                "{base}/{}/{}",
                owner.input.slug, event_type.input.slug
            ));
        }
        // A host whose calendar Kairos writes already has the meeting there;
        // guests are invited by the organizer's calendar instead when the
        // event type says so and that calendar can (Google, Microsoft).
        let invite = match &self.to {
            Recipient::Host(id) => store.destination(id).await.map_err(store_error)?.is_none(),
            _ => {
                let by_calendar = event_type
                    .as_ref()
                    .is_some_and(|e| e.input.invitations == Invitations::Calendar);
                !(by_calendar && calendar_invites(store.as_ref(), &org, hosts.first()).await?)
            }
        };
        let id = self.key();
        let mail = compose(&Parts {
            letter: self.letter,
            id: &id,
            booking,
            event_type: event_type.as_ref(),
            hosts: &hosts,
            reader: &reader,
            previous: previous.as_ref(),
            reason: self.reason.as_deref(),
            cancelled_by_host: booking
                .cancelled_by
                .as_deref()
                .is_some_and(|by| by != "invitee"),
            minutes_before: self.minutes_before,
            links,
            ical_uid: &format!("{}@kairos", ical.uid),
            ical_sequence: ical.sequence,
            invite,
            now,
        });
        app.mailer.send(&mail).await?;
        Ok(())
    }
}
