//! The workflows a booking change sets off: records one run per step and
//! recipient (the booking's run log) and queues each as a `workflow_step`
//! due at its instant. A cancellation ends the booking's steps still
//! waiting; a reschedule marks the old booking's as moved, and the new
//! booking schedules its own at its new time. Run ids follow from what
//! they are, so a fan-out that runs twice records and queues nothing twice.

use super::job::{Job, JobContext, JobError, store_error};
use super::workflow_step::WorkflowStep;
use crate::domain::{Merge, NewEffect, RunStatus, Subject, User};
use crate::notify::Change;
use crate::store::StoreError;
use crate::workflows::{fired, runs};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkflowFanout {
    /// The booking's uid.
    pub booking: String,
    #[serde(flatten)]
    pub change: Change,
}

impl WorkflowFanout {
    pub fn new(booking_uid: &str, change: Change) -> WorkflowFanout {
        WorkflowFanout {
            booking: booking_uid.to_string(),
            change,
        }
    }
}

#[async_trait]
impl Job for WorkflowFanout {
    const KIND: &'static str = "workflow_fanout";
    const MERGE: Merge = Merge::Never;

    fn subject(&self) -> Option<Subject> {
        Some(Subject::Booking(self.booking.clone()))
    }

    async fn run(&self, ctx: &JobContext<'_>) -> Result<(), JobError> {
        let app = ctx.app;
        let store = &app.store;
        let now = app.now();
        let stored = match store.booking(&self.booking).await {
            Ok(stored) => stored,
            Err(StoreError::NotFound(_)) => return Ok(()),
            Err(error) => return Err(store_error(error)),
        };
        let booking = &stored.booking;
        let org = &stored.organization_id;
        let ended = match &self.change {
            Change::Cancelled => Some((
                booking.uid.clone(),
                RunStatus::Cancelled,
                "the booking was cancelled".to_string(),
            )),
            Change::Rejected { .. } => Some((
                booking.uid.clone(),
                RunStatus::Cancelled,
                "the request was declined".to_string(),
            )),
            Change::Rescheduled { from } => Some((
                from.clone(),
                RunStatus::Moved,
                format!("rescheduled: runs for booking {}", booking.uid),
            )),
            _ => None,
        };
        if let Some((uid, status, detail)) = ended {
            store
                .end_scheduled_runs(&uid, status, &detail, now)
                .await
                .map_err(store_error)?;
        }
        let workflows = store.workflows(org).await.map_err(store_error)?;
        if workflows.is_empty() {
            return Ok(());
        }
        let from_poll = matches!(self.change, Change::Booked)
            && store
                .is_poll_booking(&booking.uid)
                .await
                .map_err(store_error)?;
        let triggers = fired(&self.change, booking, from_poll);
        let stands = matches!(
            self.change,
            Change::Booked | Change::Rescheduled { .. } | Change::Approved
        ) && booking.status == crate::domain::BookingStatus::Accepted;
        let mut hosts: Vec<User> = Vec::new();
        for id in &booking.hosts {
            match store.user(org, id).await {
                Ok(user) => hosts.push(user),
                Err(StoreError::NotFound(_)) => {}
                Err(error) => return Err(store_error(error)),
            }
        }
        let planned = runs(&workflows, &triggers, stands, booking, &hosts, now);
        if planned.is_empty() {
            return Ok(());
        }
        let new_runs: Vec<_> = planned.iter().map(|p| p.run.clone()).collect();
        store
            .record_runs(org, &booking.uid, &new_runs)
            .await
            .map_err(store_error)?;
        let effects: Vec<NewEffect> = planned
            .into_iter()
            .filter(|p| p.run.status == RunStatus::Scheduled)
            .map(|p| {
                WorkflowStep {
                    run: p.run.id,
                    booking: booking.uid.clone(),
                    audience: p.audience,
                    due: p.run.due_at,
                }
                .effect()
            })
            .collect();
        store
            .enqueue_effects(org, &effects)
            .await
            .map_err(store_error)?;
        app.signals.effects.notify_one();
        Ok(())
    }
}
