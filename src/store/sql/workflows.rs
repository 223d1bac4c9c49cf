//! Workflows (their definition stored as JSON text), the runs of their
//! steps per booking, survey links (hashed) and feedback.

use super::Dialect as _;
use super::{Backend, Result, StoreError, from_json, json, now, sql, touched};
use crate::domain::{
    Action, Feedback, FeedbackInput, NewRun, RunStatus, Trigger, Workflow, WorkflowInput,
    WorkflowRun, new_id,
};
use crate::store::WorkflowStore;
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
struct WorkflowRow {
    id: String,
    body: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const WORKFLOW_COLUMNS: &str = "id, body, created_at, updated_at";

impl WorkflowRow {
    fn into_workflow(self) -> Result<Workflow> {
        Ok(Workflow {
            id: self.id,
            input: from_json("workflows.body", &self.body)?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct RunRow {
    id: String,
    organization_id: String,
    booking_uid: String,
    workflow_id: String,
    workflow_name: String,
    on_trigger: String,
    step: i64,
    step_action: String,
    recipient: String,
    due_at: DateTime<Utc>,
    status: String,
    detail: Option<String>,
    finished_at: Option<DateTime<Utc>>,
}

const RUN_COLUMNS: &str = "r.id, r.organization_id, b.uid AS booking_uid, r.workflow_id, \
     r.workflow_name, r.on_trigger, CAST(r.step AS BIGINT) AS step, r.step_action, r.recipient, \
     r.due_at, r.status, r.detail, r.finished_at";

fn parse_enum<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|_| StoreError::Corrupt(format!("{what} {text:?}")))
}

impl RunRow {
    fn into_run(self) -> Result<(String, WorkflowRun)> {
        let trigger: Trigger = parse_enum("workflow_runs.on_trigger", &self.on_trigger)?;
        let action: Action = parse_enum("workflow_runs.step_action", &self.step_action)?;
        let status = RunStatus::parse(&self.status).ok_or_else(|| {
            StoreError::Corrupt(format!("workflow_runs.status {:?}", self.status))
        })?;
        Ok((
            self.organization_id,
            WorkflowRun {
                id: self.id,
                booking_uid: self.booking_uid,
                workflow_id: self.workflow_id,
                workflow_name: self.workflow_name,
                trigger,
                step: u32::try_from(self.step).unwrap_or_default(),
                action,
                recipient: self.recipient,
                due_at: self.due_at,
                status,
                detail: self.detail,
                finished_at: self.finished_at,
            },
        ))
    }
}

impl Backend {
    /// The workflow's event type must be one of the organization's.
    async fn check_event_type(&self, organization_id: &str, input: &WorkflowInput) -> Result<()> {
        let Some(id) = &input.event_type_id else {
            return Ok(());
        };
        let found: Option<(String,)> =
            sqlx::query_as("SELECT id FROM event_types WHERE id = $1 AND organization_id = $2")
                .bind(id)
                .bind(organization_id)
                .fetch_optional(self.pool())
                .await?;
        match found {
            Some(_) => Ok(()),
            None => Err(StoreError::Refused {
                field: "event_type_id".to_string(),
                message: format!("no such event type {id:?}"),
            }),
        }
    }
}

#[async_trait::async_trait]
impl WorkflowStore for Backend {
    async fn insert_workflow(
        &self,
        organization_id: &str,
        input: &WorkflowInput,
    ) -> Result<Workflow> {
        self.check_event_type(organization_id, input).await?;
        let at = now();
        let row: WorkflowRow = sqlx::query_as(sql(format!(
            "INSERT INTO workflows (id, organization_id, event_type_id, body, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING {WORKFLOW_COLUMNS}"
        )))
        .bind(new_id())
        .bind(organization_id)
        .bind(&input.event_type_id)
        .bind(json(input)?)
        .bind(at)
        .fetch_one(self.pool())
        .await?;
        row.into_workflow()
    }

    async fn workflows(&self, organization_id: &str) -> Result<Vec<Workflow>> {
        let rows: Vec<WorkflowRow> = sqlx::query_as(sql(format!(
            "SELECT {WORKFLOW_COLUMNS} FROM workflows WHERE organization_id = $1 \
             ORDER BY created_at, id"
        )))
        .bind(organization_id)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(WorkflowRow::into_workflow).collect()
    }

    async fn workflow(&self, organization_id: &str, id: &str) -> Result<Workflow> {
        let row: Option<WorkflowRow> = sqlx::query_as(sql(format!(
            "SELECT {WORKFLOW_COLUMNS} FROM workflows WHERE id = $1 AND organization_id = $2"
        )))
        .bind(id)
        .bind(organization_id)
        .fetch_optional(self.pool())
        .await?;
        row.ok_or(StoreError::NotFound("workflow"))?.into_workflow()
    }

    async fn update_workflow(
        &self,
        organization_id: &str,
        id: &str,
        input: &WorkflowInput,
    ) -> Result<Workflow> {
        self.check_event_type(organization_id, input).await?;
        let row: Option<WorkflowRow> = sqlx::query_as(sql(format!(
            "UPDATE workflows SET event_type_id = $1, body = $2, updated_at = $3 \
             WHERE id = $4 AND organization_id = $5 RETURNING {WORKFLOW_COLUMNS}"
        )))
        .bind(&input.event_type_id)
        .bind(json(input)?)
        .bind(now())
        .bind(id)
        .bind(organization_id)
        .fetch_optional(self.pool())
        .await?;
        row.ok_or(StoreError::NotFound("workflow"))?.into_workflow()
    }

    async fn delete_workflow(&self, organization_id: &str, id: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM workflows WHERE id = $1 AND organization_id = $2")
            .bind(id)
            .bind(organization_id)
            .execute(self.pool())
            .await?;
        touched(done, "workflow")
    }

    async fn record_runs(
        &self,
        organization_id: &str,
        booking_uid: &str,
        runs: &[NewRun],
    ) -> Result<()> {
        let at = now();
        let mut tx = self.pool().begin().await?;
        for run in runs {
            sqlx::query(
                "INSERT INTO workflow_runs (id, organization_id, booking_id, workflow_id, \
                 workflow_name, on_trigger, step, step_action, recipient, due_at, status, detail, \
                 finished_at, created_at) \
                 SELECT $1, $2, id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 \
                 FROM bookings WHERE uid = $14 \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(&run.id)
            .bind(organization_id)
            .bind(&run.workflow_id)
            .bind(&run.workflow_name)
            .bind(run.trigger.as_str())
            .bind(i64::from(run.step))
            .bind(run.action.as_str())
            .bind(&run.recipient)
            .bind(run.due_at)
            .bind(run.status.as_str())
            .bind(&run.detail)
            .bind((run.status != RunStatus::Scheduled).then_some(at))
            .bind(at)
            .bind(booking_uid)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn end_scheduled_runs(
        &self,
        booking_uid: &str,
        status: RunStatus,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE workflow_runs SET status = $1, detail = $2, finished_at = $3 \
             WHERE status = 'scheduled' \
             AND booking_id = (SELECT id FROM bookings WHERE uid = $4)",
        )
        .bind(status.as_str())
        .bind(detail)
        .bind(at)
        .bind(booking_uid)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }

    async fn workflow_run(&self, id: &str) -> Result<(String, WorkflowRun)> {
        let row: Option<RunRow> = sqlx::query_as(sql(format!(
            "SELECT {RUN_COLUMNS} FROM workflow_runs r JOIN bookings b ON b.id = r.booking_id \
             WHERE r.id = $1"
        )))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.ok_or(StoreError::NotFound("workflow run"))?.into_run()
    }

    async fn finish_run(
        &self,
        id: &str,
        status: RunStatus,
        detail: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE workflow_runs SET status = $1, detail = $2, finished_at = $3 WHERE id = $4",
        )
        .bind(status.as_str())
        .bind(detail)
        .bind((status != RunStatus::Scheduled).then_some(at))
        .bind(id)
        .execute(self.pool())
        .await?;
        touched(done, "workflow run")
    }

    async fn workflow_runs(
        &self,
        organization_id: &str,
        booking_uid: &str,
    ) -> Result<Vec<WorkflowRun>> {
        let rows: Vec<RunRow> = sqlx::query_as(sql(format!(
            "SELECT {RUN_COLUMNS} FROM workflow_runs r JOIN bookings b ON b.id = r.booking_id \
             WHERE b.uid = $1 AND b.organization_id = $2 \
             ORDER BY r.due_at, r.workflow_name, r.step, r.recipient"
        )))
        .bind(booking_uid)
        .bind(organization_id)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|row| row.into_run().map(|(_, run)| run))
            .collect()
    }

    async fn is_poll_booking(&self, booking_uid: &str) -> Result<bool> {
        let found: Option<(String,)> =
            sqlx::query_as("SELECT id FROM polls WHERE booking_uid = $1")
                .bind(booking_uid)
                .fetch_optional(self.pool())
                .await?;
        Ok(found.is_some())
    }

    async fn add_survey_link(
        &self,
        booking_uid: &str,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let done = sqlx::query(
            "INSERT INTO survey_links (token_hash, booking_id, created_at) \
             SELECT $1, id, $2 FROM bookings WHERE uid = $3",
        )
        .bind(token_hash)
        .bind(at)
        .bind(booking_uid)
        .execute(self.pool())
        .await?;
        touched(done, "booking")
    }

    async fn survey_booking(&self, token_hash: &str) -> Result<String> {
        let found: Option<(String,)> = sqlx::query_as(
            "SELECT b.uid FROM survey_links s JOIN bookings b ON b.id = s.booking_id \
             WHERE s.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await?;
        found
            .map(|(uid,)| uid)
            .ok_or(StoreError::NotFound("survey"))
    }

    async fn save_feedback(
        &self,
        booking_uid: &str,
        input: &FeedbackInput,
        at: DateTime<Utc>,
    ) -> Result<Feedback> {
        let done = sqlx::query(
            "INSERT INTO booking_feedback (booking_id, score, comment, submitted_at) \
             SELECT id, $1, $2, $3 FROM bookings WHERE uid = $4 \
             ON CONFLICT (booking_id) DO UPDATE SET score = excluded.score, \
             comment = excluded.comment, submitted_at = excluded.submitted_at",
        )
        .bind(i64::from(input.score))
        .bind(&input.comment)
        .bind(at)
        .bind(booking_uid)
        .execute(self.pool())
        .await?;
        touched(done, "booking")?;
        Ok(Feedback {
            booking_uid: booking_uid.to_string(),
            score: input.score,
            comment: input.comment.clone(),
            submitted_at: at,
        })
    }

    async fn feedback(&self, organization_id: &str, booking_uid: &str) -> Result<Feedback> {
        let found: Option<(i64, Option<String>, DateTime<Utc>)> = sqlx::query_as(
            "SELECT CAST(f.score AS BIGINT), f.comment, f.submitted_at FROM booking_feedback f \
             JOIN bookings b ON b.id = f.booking_id \
             WHERE b.uid = $1 AND b.organization_id = $2",
        )
        .bind(booking_uid)
        .bind(organization_id)
        .fetch_optional(self.pool())
        .await?;
        let (score, comment, submitted_at) = found.ok_or(StoreError::NotFound("feedback"))?;
        Ok(Feedback {
            booking_uid: booking_uid.to_string(),
            score: u8::try_from(score).unwrap_or_default(),
            comment,
            submitted_at,
        })
    }
}
