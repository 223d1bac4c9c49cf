//! Event types (their definition stored as JSON text) and their host pools.

use super::{
    Conn, Pool, Result, StoreError, from_json, in_use, json, now, sql, touched, unique_as,
};
use crate::domain::{EventType, EventTypeInput, User, new_id};
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
struct EventTypeRow {
    id: String,
    body: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const EVENT_TYPE_COLUMNS: &str = "id, body, created_at, updated_at";

impl EventTypeRow {
    fn into_event_type(self) -> Result<EventType> {
        let input: EventTypeInput = from_json("event_types.body", &self.body)?;
        Ok(EventType {
            id: self.id,
            input,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

pub(super) async fn insert(
    pool: &Pool,
    organization_id: &str,
    input: &EventTypeInput,
) -> Result<EventType> {
    check_refs(pool, organization_id, input).await?;
    let at = now();
    let id = new_id();
    let mut tx = pool.begin().await?;
    let row: EventTypeRow = sqlx::query_as(sql(format!(
        "INSERT INTO event_types (id, organization_id, owner_id, slug, body, created_at, \
         updated_at, schedule_id, team_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         RETURNING {EVENT_TYPE_COLUMNS}"
    )))
    .bind(&id)
    .bind(organization_id)
    .bind(&input.owner_id)
    .bind(input.slug.as_str())
    .bind(json(input)?)
    .bind(at)
    .bind(at)
    .bind(&input.schedule_id)
    .bind(&input.team_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(unique_as("slug"))?;
    write_hosts(&mut tx, &id, input).await?;
    tx.commit().await?;
    row.into_event_type()
}

pub(super) async fn update(
    pool: &Pool,
    organization_id: &str,
    id: &str,
    input: &EventTypeInput,
) -> Result<EventType> {
    check_refs(pool, organization_id, input).await?;
    let mut tx = pool.begin().await?;
    let row: Option<EventTypeRow> = sqlx::query_as(sql(format!(
        "UPDATE event_types SET owner_id = $1, slug = $2, body = $3, updated_at = $4, \
         schedule_id = $7, team_id = $8 WHERE id = $5 AND organization_id = $6 \
         RETURNING {EVENT_TYPE_COLUMNS}"
    )))
    .bind(&input.owner_id)
    .bind(input.slug.as_str())
    .bind(json(input)?)
    .bind(now())
    .bind(id)
    .bind(organization_id)
    .bind(&input.schedule_id)
    .bind(&input.team_id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(unique_as("slug"))?;
    let row = row.ok_or(StoreError::NotFound("event type"))?;
    write_hosts(&mut tx, id, input).await?;
    tx.commit().await?;
    row.into_event_type()
}

pub(super) async fn list(pool: &Pool, organization_id: &str) -> Result<Vec<EventType>> {
    let rows: Vec<EventTypeRow> = sqlx::query_as(sql(format!(
        "SELECT {EVENT_TYPE_COLUMNS} FROM event_types WHERE organization_id = $1 \
         ORDER BY created_at, id"
    )))
    .bind(organization_id)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(EventTypeRow::into_event_type)
        .collect()
}

pub(super) async fn get(pool: &Pool, organization_id: &str, id: &str) -> Result<EventType> {
    let row: Option<EventTypeRow> = sqlx::query_as(sql(format!(
        "SELECT {EVENT_TYPE_COLUMNS} FROM event_types WHERE id = $1 AND organization_id = $2"
    )))
    .bind(id)
    .bind(organization_id)
    .fetch_optional(pool)
    .await?;
    row.ok_or(StoreError::NotFound("event type"))?
        .into_event_type()
}

/// A public event type by its owner's slug and its own; hidden ones (a
/// poll's) are not found.
pub(super) async fn by_slugs(
    pool: &Pool,
    user_slug: &str,
    event_slug: &str,
) -> Result<(EventType, User)> {
    let owner = super::users::by_slug(pool, user_slug).await?;
    let row: Option<EventTypeRow> = sqlx::query_as(sql(format!(
        "SELECT {EVENT_TYPE_COLUMNS} FROM event_types WHERE owner_id = $1 AND slug = $2"
    )))
    .bind(&owner.id)
    .bind(event_slug)
    .fetch_optional(pool)
    .await?;
    let event_type = row
        .ok_or(StoreError::NotFound("event type"))?
        .into_event_type()?;
    if event_type.input.hidden {
        return Err(StoreError::NotFound("event type"));
    }
    Ok((event_type, owner))
}

pub(super) async fn delete(pool: &Pool, organization_id: &str, id: &str) -> Result<()> {
    let done = sqlx::query("DELETE FROM event_types WHERE id = $1 AND organization_id = $2")
        .bind(id)
        .bind(organization_id)
        .execute(pool)
        .await
        .map_err(in_use(
            "the event type has bookings; keep it (or change its slug) instead",
        ))?;
    touched(done, "event type")
}

/// When each host joined the event type's pool.
pub(super) async fn pool_joined(
    pool: &Pool,
    event_type_id: &str,
) -> Result<Vec<(String, DateTime<Utc>)>> {
    let rows: Vec<(String, Option<DateTime<Utc>>)> = sqlx::query_as(
        "SELECT user_id, joined_at FROM event_type_hosts WHERE event_type_id = $1 ORDER BY user_id",
    )
    .bind(event_type_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(user, at)| (user, at.unwrap_or_default()))
        .collect())
}

async fn write_hosts(conn: &mut Conn, id: &str, input: &EventTypeInput) -> Result<()> {
    // Hosts who stay keep the moment they joined (fair share counts from it).
    let joined: Vec<(String, Option<DateTime<Utc>>)> =
        sqlx::query_as("SELECT user_id, joined_at FROM event_type_hosts WHERE event_type_id = $1")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    sqlx::query("DELETE FROM event_type_hosts WHERE event_type_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let at = now();
    for (i, host) in input.hosts.iter().enumerate() {
        let since = joined
            .iter()
            .find(|(user, _)| *user == host.user_id)
            .and_then(|(_, when)| *when)
            .unwrap_or(at);
        sqlx::query(
            "INSERT INTO event_type_hosts (event_type_id, user_id, priority, weight, joined_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(&host.user_id)
        .bind(host.priority)
        .bind(host.weight)
        .bind(since)
        .execute(&mut *conn)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::Duplicate {
                field: format!("hosts[{i}].user_id"),
            },
            _ => StoreError::Database(e),
        })?;
    }
    Ok(())
}

/// The owner, hosts and schedule an event type names must be of its organization.
async fn check_refs(pool: &Pool, organization_id: &str, input: &EventTypeInput) -> Result<()> {
    let mut refs = vec![("owner_id".to_string(), input.owner_id.as_str())];
    for (i, host) in input.hosts.iter().enumerate() {
        refs.push((format!("hosts[{i}].user_id"), host.user_id.as_str()));
    }
    super::users::check(pool, organization_id, &refs).await?;
    if let Some(team) = &input.team_id {
        check_team(pool, organization_id, team).await?;
    }
    let Some(schedule) = &input.schedule_id else {
        return Ok(());
    };
    let owner: Option<(String,)> =
        sqlx::query_as("SELECT user_id FROM schedules WHERE id = $1 AND organization_id = $2")
            .bind(schedule)
            .bind(organization_id)
            .fetch_optional(pool)
            .await?;
    let refused = |message: String| StoreError::Refused {
        field: "schedule_id".to_string(),
        message,
    };
    match owner {
        None => Err(refused(format!("no such schedule {schedule:?}"))),
        Some((user,)) if !input.hosts.iter().any(|h| h.user_id == user) => Err(refused(
            "the schedule belongs to none of the hosts".to_string(),
        )),
        Some(_) => Ok(()),
    }
}

/// The team an event type names must be of its organization (read here,
/// not in `teams.rs`, which lists event types).
async fn check_team(pool: &Pool, organization_id: &str, id: &str) -> Result<()> {
    let found: Option<(String,)> =
        sqlx::query_as("SELECT id FROM teams WHERE id = $1 AND organization_id = $2")
            .bind(id)
            .bind(organization_id)
            .fetch_optional(pool)
            .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(StoreError::Refused {
            field: "team_id".to_string(),
            message: format!("no such team {id:?}"),
        }),
    }
}
