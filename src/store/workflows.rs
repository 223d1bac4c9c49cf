//! The interface of workflows, their runs (what each step did for each
//! booking), survey links and feedback. Implemented for both databases in
//! `sql/workflows.rs`.

use super::Result;
use crate::domain::{
    Feedback, FeedbackInput, NewRun, RunStatus, Workflow, WorkflowInput, WorkflowRun,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
pub trait WorkflowStore: Send + Sync {
    async fn insert_workflow(
        &self,
        organization_id: &str,
        input: &WorkflowInput,
    ) -> Result<Workflow>;
    async fn workflows(&self, organization_id: &str) -> Result<Vec<Workflow>>;
    async fn workflow(&self, organization_id: &str, id: &str) -> Result<Workflow>;
    async fn update_workflow(
        &self,
        organization_id: &str,
        id: &str,
        input: &WorkflowInput,
    ) -> Result<Workflow>;
    async fn delete_workflow(&self, organization_id: &str, id: &str) -> Result<()>;
    /// Records runs of a booking's workflow steps; a run already recorded
    /// (same id) is left as it is.
    async fn record_runs(
        &self,
        organization_id: &str,
        booking_uid: &str,
        runs: &[NewRun],
    ) -> Result<()>;
    /// Ends every run of a booking still scheduled (the booking was
    /// cancelled, or moved); returns how many.
    async fn end_scheduled_runs(
        &self,
        booking_uid: &str,
        status: RunStatus,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<u64>;
    /// A run and its organization.
    async fn workflow_run(&self, id: &str) -> Result<(String, WorkflowRun)>;
    /// Records what a run did (`Scheduled` keeps it waiting, with a note).
    async fn finish_run(
        &self,
        id: &str,
        status: RunStatus,
        detail: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// A booking's runs, in the order they are due.
    async fn workflow_runs(
        &self,
        organization_id: &str,
        booking_uid: &str,
    ) -> Result<Vec<WorkflowRun>>;
    /// Whether the booking is a meeting poll's outcome.
    async fn is_poll_booking(&self, booking_uid: &str) -> Result<bool>;
    async fn add_survey_link(
        &self,
        booking_uid: &str,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// The booking a survey link's token opens.
    async fn survey_booking(&self, token_hash: &str) -> Result<String>;
    async fn save_feedback(
        &self,
        booking_uid: &str,
        input: &FeedbackInput,
        at: DateTime<Utc>,
    ) -> Result<Feedback>;
    async fn feedback(&self, organization_id: &str, booking_uid: &str) -> Result<Feedback>;
}
