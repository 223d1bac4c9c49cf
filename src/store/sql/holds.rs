//! Slot holds: a visitor's few minutes on a chosen time. Created inside a
//! booking transaction (the same host locks and check as a booking), read
//! into snapshots, consumed by the booking that uses them, released by the
//! visitor, and swept once expired. Whether a hold still counts is decided
//! against the caller's clock, never by the sweep.

use super::Dialect as _;
use super::{Conn, Db, Pool, Result, StoreError, push_list};
use crate::store::{NewHold, StoredHold};
use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;

/// Inserts a hold on `hosts`, inside the booking transaction that decided
/// them. Expired holds of these hosts over its time go first: on PostgreSQL
/// the exclusion constraint cannot know they expired, and would refuse the
/// new one. (Only those: the fewer rows this locks, the less it can wait on
/// the sweep.)
pub(super) async fn insert(conn: &mut Conn, hold: &NewHold, hosts: &[String]) -> Result<()> {
    if !hosts.is_empty() {
        let mut query = QueryBuilder::<Db>::new("DELETE FROM slot_holds WHERE expires_at <= ");
        query.push_bind(hold.created_at);
        query.push(" AND id IN (SELECT hold_id FROM slot_hold_hosts WHERE start_at < ");
        query.push_bind(hold.end);
        query.push(" AND end_at > ");
        query.push_bind(hold.start);
        query.push(" AND user_id IN ");
        push_list(&mut query, hosts);
        query.push(")");
        query.build().execute(&mut *conn).await?;
    }
    sqlx::query(
        "INSERT INTO slot_holds (id, token_hash, organization_id, event_type_id, start_at, \
         end_at, assignment_reason, expires_at, created_at, client_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&hold.id)
    .bind(&hold.token_hash)
    .bind(&hold.organization_id)
    .bind(&hold.event_type_id)
    .bind(hold.start)
    .bind(hold.end)
    .bind(&hold.assignment_reason)
    .bind(hold.expires_at)
    .bind(hold.created_at)
    .bind(&hold.client_key)
    .execute(&mut *conn)
    .await?;
    for host in hosts {
        sqlx::query(
            "INSERT INTO slot_hold_hosts (hold_id, user_id, start_at, end_at, slot_key, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&hold.id)
        .bind(host)
        .bind(hold.start)
        .bind(hold.end)
        .bind(&hold.slot_key)
        .bind(hold.expires_at)
        .execute(&mut *conn)
        .await
        .map_err(overlap)?;
    }
    Ok(())
}

/// A client's live holds at `now`: `(event type id, expires at)`.
pub(super) async fn of_client(
    conn: &mut Conn,
    client_key: &str,
    now: DateTime<Utc>,
) -> Result<Vec<(String, DateTime<Utc>)>> {
    Ok(sqlx::query_as(
        "SELECT event_type_id, expires_at FROM slot_holds \
         WHERE client_key = $1 AND expires_at > $2",
    )
    .bind(client_key)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?)
}

/// The database refusing two overlapping holds of a host (PostgreSQL's
/// `slot_hold_hosts_no_overlap`): the time is taken.
fn overlap(error: sqlx::Error) -> StoreError {
    if super::Backend::is_overlap(&error) {
        StoreError::SlotTaken
    } else {
        StoreError::Database(error)
    }
}

/// Deletes a hold (its booking consumed it); a hold already gone is fine.
pub(super) async fn delete(conn: &mut Conn, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM slot_holds WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct HoldRow {
    id: String,
    event_type_id: String,
    start_at: DateTime<Utc>,
    end_at: DateTime<Utc>,
    assignment_reason: Option<String>,
    expires_at: DateTime<Utc>,
}

/// A hold by the hash of its token, expired or not.
pub(super) async fn by_token(pool: &Pool, token_hash: &str) -> Result<Option<StoredHold>> {
    let row: Option<HoldRow> = sqlx::query_as(
        "SELECT id, event_type_id, start_at, end_at, assignment_reason, expires_at \
         FROM slot_holds WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let hosts: Vec<(String,)> =
        sqlx::query_as("SELECT user_id FROM slot_hold_hosts WHERE hold_id = $1 ORDER BY user_id")
            .bind(&row.id)
            .fetch_all(pool)
            .await?;
    Ok(Some(StoredHold {
        id: row.id,
        event_type_id: row.event_type_id,
        start: row.start_at,
        end: row.end_at,
        hosts: hosts.into_iter().map(|(h,)| h).collect(),
        assignment_reason: row.assignment_reason,
        expires_at: row.expires_at,
    }))
}

/// Releases a live hold by the hash of its token; `NotFound("hold")` when
/// there is none, or it had expired at `now` (then it is deleted all the same).
pub(super) async fn release(pool: &Pool, token_hash: &str, now: DateTime<Utc>) -> Result<()> {
    let expired: Option<(DateTime<Utc>,)> =
        sqlx::query_as("DELETE FROM slot_holds WHERE token_hash = $1 RETURNING expires_at")
            .bind(token_hash)
            .fetch_optional(pool)
            .await?;
    match expired {
        Some((expires_at,)) if expires_at > now => Ok(()),
        _ => Err(StoreError::NotFound("hold")),
    }
}

/// Deletes holds expired at `now`; how many.
pub(super) async fn sweep(pool: &Pool, now: DateTime<Utc>) -> Result<u64> {
    let done = sqlx::query("DELETE FROM slot_holds WHERE expires_at <= $1")
        .bind(now)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
