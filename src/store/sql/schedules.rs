//! Weekly schedules (rules and date overrides stored as JSON text).

use super::{Pool, Result, StoreError, from_json, in_use, json, now, parsed, sql, touched};
use crate::domain::{Schedule, ScheduleInput, TimeZoneName, new_id};
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
struct ScheduleRow {
    id: String,
    user_id: String,
    name: String,
    timezone: String,
    weekly: String,
    overrides: String,
    is_default: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const SCHEDULE_COLUMNS: &str =
    "id, user_id, name, timezone, weekly, overrides, is_default, created_at, updated_at";

impl ScheduleRow {
    fn into_schedule(self) -> Result<Schedule> {
        Ok(Schedule {
            id: self.id,
            input: ScheduleInput {
                user_id: self.user_id,
                name: self.name,
                timezone: parsed("schedules.timezone", TimeZoneName::parse(self.timezone))?,
                weekly: from_json("schedules.weekly", &self.weekly)?,
                overrides: from_json("schedules.overrides", &self.overrides)?,
                is_default: self.is_default,
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

pub(super) async fn insert(
    pool: &Pool,
    organization_id: &str,
    input: &ScheduleInput,
) -> Result<Schedule> {
    super::users::check_one(pool, organization_id, "user_id", &input.user_id).await?;
    let at = now();
    let mut tx = pool.begin().await?;
    if input.is_default {
        sqlx::query("UPDATE schedules SET is_default = FALSE WHERE user_id = $1")
            .bind(&input.user_id)
            .execute(&mut *tx)
            .await?;
    }
    let row: ScheduleRow = sqlx::query_as(sql(format!(
        "INSERT INTO schedules (id, organization_id, user_id, name, timezone, weekly, overrides, \
         is_default, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         RETURNING {SCHEDULE_COLUMNS}"
    )))
    .bind(new_id())
    .bind(organization_id)
    .bind(&input.user_id)
    .bind(&input.name)
    .bind(input.timezone.as_str())
    .bind(json(&input.weekly)?)
    .bind(json(&input.overrides)?)
    .bind(input.is_default)
    .bind(at)
    .bind(at)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    row.into_schedule()
}

pub(super) async fn update(
    pool: &Pool,
    organization_id: &str,
    id: &str,
    input: &ScheduleInput,
) -> Result<Schedule> {
    super::users::check_one(pool, organization_id, "user_id", &input.user_id).await?;
    let mut tx = pool.begin().await?;
    if input.is_default {
        sqlx::query("UPDATE schedules SET is_default = FALSE WHERE user_id = $1 AND id <> $2")
            .bind(&input.user_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    let row: Option<ScheduleRow> = sqlx::query_as(sql(format!(
        "UPDATE schedules SET user_id = $1, name = $2, timezone = $3, weekly = $4, overrides = $5, \
         is_default = $6, updated_at = $7 WHERE id = $8 AND organization_id = $9 \
         RETURNING {SCHEDULE_COLUMNS}"
    )))
    .bind(&input.user_id)
    .bind(&input.name)
    .bind(input.timezone.as_str())
    .bind(json(&input.weekly)?)
    .bind(json(&input.overrides)?)
    .bind(input.is_default)
    .bind(now())
    .bind(id)
    .bind(organization_id)
    .fetch_optional(&mut *tx)
    .await?;
    let row = row.ok_or(StoreError::NotFound("schedule"))?;
    tx.commit().await?;
    row.into_schedule()
}

pub(super) async fn list(pool: &Pool, organization_id: &str) -> Result<Vec<Schedule>> {
    let rows: Vec<ScheduleRow> = sqlx::query_as(sql(format!(
        "SELECT {SCHEDULE_COLUMNS} FROM schedules WHERE organization_id = $1 \
         ORDER BY created_at, id"
    )))
    .bind(organization_id)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(ScheduleRow::into_schedule).collect()
}

pub(super) async fn get(pool: &Pool, organization_id: &str, id: &str) -> Result<Schedule> {
    let row: Option<ScheduleRow> = sqlx::query_as(sql(format!(
        "SELECT {SCHEDULE_COLUMNS} FROM schedules WHERE id = $1 AND organization_id = $2"
    )))
    .bind(id)
    .bind(organization_id)
    .fetch_optional(pool)
    .await?;
    row.ok_or(StoreError::NotFound("schedule"))?.into_schedule()
}

/// The host's default schedule (or their oldest one).
pub(super) async fn default_of(pool: &Pool, user_id: &str) -> Result<Option<Schedule>> {
    let row: Option<ScheduleRow> = sqlx::query_as(sql(format!(
        "SELECT {SCHEDULE_COLUMNS} FROM schedules WHERE user_id = $1 \
         ORDER BY is_default DESC, created_at, id LIMIT 1"
    )))
    .bind(user_id)
    .fetch_optional(pool)
    .await?;
    row.map(ScheduleRow::into_schedule).transpose()
}

pub(super) async fn delete(pool: &Pool, organization_id: &str, id: &str) -> Result<()> {
    let done = sqlx::query("DELETE FROM schedules WHERE id = $1 AND organization_id = $2")
        .bind(id)
        .bind(organization_id)
        .execute(pool)
        .await
        .map_err(in_use(
            "event types use this schedule; pick another for them first",
        ))?;
    touched(done, "schedule")
}
