//! The notification fan-out: a booking change becomes one letter per person
//! (`booking_mail`), plus the reminders of a booking that stands. Each
//! letter has its own outbox key, so a fan-out that runs again (a crash
//! before it was recorded) queues nothing twice, and each letter is retried
//! on its own.

use super::booking_mail::BookingMail;
use super::job::{Job, JobContext, JobError, store_error};
use crate::domain::{BookingStatus, Merge, NewEffect, Subject};
use crate::notify::{Change, Letter, Recipient, plan, reminders};
use crate::store::StoreError;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notify {
    /// The booking's uid.
    pub booking: String,
    #[serde(flatten)]
    pub change: Change,
}

impl Notify {
    pub fn new(booking_uid: &str, change: Change) -> Notify {
        Notify {
            booking: booking_uid.to_string(),
            change,
        }
    }
}

#[async_trait]
impl Job for Notify {
    const KIND: &'static str = "notify";
    const MERGE: Merge = Merge::Never;

    fn subject(&self) -> Option<Subject> {
        Some(Subject::Booking(self.booking.clone()))
    }

    async fn run(&self, ctx: &JobContext<'_>) -> Result<(), JobError> {
        let store = &ctx.app.store;
        let stored = match store.booking(&self.booking).await {
            Ok(stored) => stored,
            // Deleted with its organization: nobody left to tell.
            Err(StoreError::NotFound(_)) => return Ok(()),
            Err(error) => return Err(store_error(error)),
        };
        let booking = &stored.booking;
        let (previous, reason) = match &self.change {
            Change::Rescheduled { from } => (Some(from.clone()), None),
            Change::Rejected { reason } => (None, reason.clone()),
            Change::Cancelled => (None, booking.cancel_reason.clone()),
            Change::Booked | Change::Approved | Change::MarkedNoShow | Change::MarkedCompleted => {
                (None, None)
            }
        };
        let mut effects: Vec<NewEffect> = plan(&self.change, booking)
            .into_iter()
            .map(|(letter, to)| {
                BookingMail {
                    booking: booking.uid.clone(),
                    letter,
                    to,
                    previous: previous.clone(),
                    reason: reason.clone(),
                    minutes_before: None,
                    due: None,
                }
                .effect()
            })
            .collect();
        let stands = matches!(
            self.change,
            Change::Booked | Change::Rescheduled { .. } | Change::Approved
        ) && booking.status == BookingStatus::Accepted;
        if stands {
            let minutes = match store
                .event_type(&stored.organization_id, &booking.event_type_id)
                .await
            {
                Ok(event_type) => event_type.input.reminder_minutes,
                Err(StoreError::NotFound(_)) => Vec::new(),
                Err(error) => return Err(store_error(error)),
            };
            let people = std::iter::once(Recipient::Invitee)
                .chain(
                    booking
                        .attendees
                        .iter()
                        .map(|a| Recipient::Attendee(a.email.as_str().to_string())),
                )
                .chain(booking.hosts.iter().cloned().map(Recipient::Host));
            let people: Vec<Recipient> = people.collect();
            for (before, due) in reminders(booking, &minutes, ctx.app.now()) {
                effects.extend(people.iter().map(|to| {
                    BookingMail {
                        booking: booking.uid.clone(),
                        letter: Letter::Reminder,
                        to: to.clone(),
                        previous: None,
                        reason: None,
                        minutes_before: Some(before),
                        due: Some(due),
                    }
                    .effect()
                }));
            }
        }
        store
            .enqueue_effects(&stored.organization_id, &effects)
            .await
            .map_err(store_error)?;
        ctx.app.signals.effects.notify_one();
        Ok(())
    }
}
