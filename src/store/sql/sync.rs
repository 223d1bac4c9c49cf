//! Calendar sync's bookkeeping: claiming due connections under a lease,
//! storing what a sync found (under the host's lock), recording how it
//! ended, and push channels.

use super::Dialect as _;
use super::{BATCH, Backend, Db, Pool, Result, SKIP_LOCKED, push_list, sql};
use crate::domain::{NewEffect, new_id};
use crate::store::{CalendarDelta, PushChannel, SyncOutcome};
use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use std::collections::HashMap;

/// Where synced rows of a calendar keep their unique key.
fn calendar_source(calendar_id: &str) -> String {
    format!("calendar:{calendar_id}")
}

/// Takes up to `limit` connections due for sync, leased until `lease_until`.
pub(super) async fn claim_due(
    pool: &Pool,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<String>> {
    // While leased, next_sync_at holds the lease's end; a request during the
    // sync moves it before that, which finish_sync keeps.
    let rows: Vec<(String,)> = sqlx::query_as(sql(format!(
        "UPDATE calendar_connections SET lease_until = $2, next_sync_at = $2 WHERE id IN (\
         SELECT id FROM calendar_connections WHERE next_sync_at <= $1 \
         AND status <> 'needs_reconnect' AND (lease_until IS NULL OR lease_until < $1) \
         ORDER BY next_sync_at LIMIT $3 {SKIP_LOCKED}) RETURNING id"
    )))
    .bind(now)
    .bind(lease_until)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

pub(super) async fn release(
    pool: &Pool,
    id: &str,
    lease_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE calendar_connections SET lease_until = NULL, next_sync_at = $1 \
         WHERE id = $2 AND lease_until = $3",
    )
    .bind(now)
    .bind(id)
    .bind(lease_until)
    .execute(pool)
    .await?;
    Ok(())
}

/// Stores what a sync of one calendar found, in one transaction under the
/// host's lock; false when the calendar is no longer checked.
pub(super) async fn apply_delta(
    store: &Backend,
    calendar_id: &str,
    delta: &CalendarDelta,
    now: DateTime<Utc>,
) -> Result<bool> {
    let owner_of = "SELECT c.user_id FROM connection_calendars k \
         JOIN calendar_connections c ON c.id = k.connection_id \
         WHERE k.id = $1 AND k.check_conflicts";
    let owner: Option<(String,)> = sqlx::query_as(owner_of)
        .bind(calendar_id)
        .fetch_optional(store.pool())
        .await?;
    let Some((user_id,)) = owner else {
        return Ok(false);
    };
    // Under the host's lock, still checked? (A choice made meanwhile deleted
    // the calendar's rows; writing them back would resurrect them.)
    let mut tx = store.begin_write(std::slice::from_ref(&user_id)).await?;
    let still: Option<(String,)> = sqlx::query_as(owner_of)
        .bind(calendar_id)
        .fetch_optional(&mut *tx)
        .await?;
    if still.is_none() {
        return Ok(false);
    }
    let source = calendar_source(calendar_id);
    if delta.full {
        sqlx::query("DELETE FROM busy_blocks WHERE calendar_id = $1")
            .bind(calendar_id)
            .execute(&mut *tx)
            .await?;
    }
    // A removed series master takes its exceptions along.
    for chunk in delta.removed.chunks(BATCH) {
        for column in ["external_id", "series"] {
            let mut query = QueryBuilder::<Db>::new("DELETE FROM busy_blocks WHERE calendar_id = ");
            query.push_bind(calendar_id.to_string());
            query.push(format!(" AND {column} IN "));
            push_list(&mut query, chunk);
            query.build().execute(&mut *tx).await?;
        }
    }
    // The last word on each event wins; one statement may not touch a row twice.
    let mut latest = HashMap::new();
    for event in &delta.upserts {
        latest.insert(event.external_id.as_str(), event);
    }
    let events: Vec<_> = latest.into_values().collect();
    for chunk in events.chunks(BATCH) {
        let mut query = QueryBuilder::<Db>::new(
            "INSERT INTO busy_blocks \
             (id, user_id, start_at, end_at, source, external_id, ical, series, calendar_id) ",
        );
        query.push_values(chunk, |mut row, event| {
            row.push_bind(new_id())
                .push_bind(user_id.clone())
                .push_bind(event.start)
                .push_bind(event.end)
                .push_bind(source.clone())
                .push_bind(event.external_id.clone())
                .push_bind(event.ical.clone())
                .push_bind(event.series.clone())
                .push_bind(calendar_id.to_string());
        });
        query.push(
            " ON CONFLICT (user_id, source, external_id) DO UPDATE SET \
             start_at = excluded.start_at, end_at = excluded.end_at, ical = excluded.ical, \
             series = excluded.series",
        );
        query.build().execute(&mut *tx).await?;
    }
    sqlx::query(
        "UPDATE connection_calendars SET sync_token = $1, last_synced_at = $2 WHERE id = $3",
    )
    .bind(&delta.token)
    .bind(now)
    .bind(calendar_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Records how a sync ended, if it still holds its lease, and then queues
/// `queued` (what that outcome causes) in the same transaction.
pub(super) async fn finish(
    store: &Backend,
    id: &str,
    lease_until: DateTime<Utc>,
    outcome: &SyncOutcome,
    queued: &[NewEffect],
) -> Result<()> {
    // A request made during the sync (next_sync_at moved before the lease's
    // end) is kept.
    let keep_request = "CASE WHEN lease_until IS NOT NULL AND next_sync_at < lease_until \
         THEN next_sync_at ELSE $1 END";
    let mut tx = store.begin_write(&[]).await?;
    let recorded: Option<(String,)> = match outcome {
        SyncOutcome::Synced { at, next_at } => {
            sqlx::query_as(sql(format!(
                "UPDATE calendar_connections SET next_sync_at = {keep_request}, \
                 status = 'active', failures = 0, last_error = NULL, last_synced_at = $2, \
                 lease_until = NULL, awaiting_sync = FALSE, updated_at = $2 \
                 WHERE id = $3 AND lease_until = $4 RETURNING organization_id"
            )))
            .bind(next_at)
            .bind(at)
            .bind(id)
            .bind(lease_until)
            .fetch_optional(&mut *tx)
            .await?
        }
        SyncOutcome::Failed {
            error,
            next_at,
            needs_reconnect,
        } => {
            let status = if *needs_reconnect {
                "needs_reconnect"
            } else {
                "retrying"
            };
            sqlx::query_as(sql(format!(
                "UPDATE calendar_connections SET next_sync_at = {keep_request}, status = $2, \
                 failures = failures + 1, last_error = $3, lease_until = NULL \
                 WHERE id = $4 AND lease_until = $5 RETURNING organization_id"
            )))
            .bind(next_at)
            .bind(status)
            .bind(error)
            .bind(id)
            .bind(lease_until)
            .fetch_optional(&mut *tx)
            .await?
        }
    };
    if let Some((organization_id,)) = recorded {
        let at = super::now();
        for effect in queued {
            super::effects::enqueue(&mut tx, &organization_id, effect, at, &[]).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Makes a connection due at `at`, even while a sync of it is running.
pub(super) async fn request(pool: &Pool, id: &str, at: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "UPDATE calendar_connections SET next_sync_at = $1 WHERE id = $2 AND next_sync_at > $1",
    )
    .bind(at)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Records (or forgets) a calendar's push channel.
pub(super) async fn set_push(
    pool: &Pool,
    calendar_id: &str,
    channel: Option<&PushChannel>,
) -> Result<()> {
    sqlx::query(
        "UPDATE connection_calendars SET push_id = $1, push_resource = $2, push_token = $3, \
         push_expires_at = $4 WHERE id = $5",
    )
    .bind(channel.map(|c| c.id.clone()))
    .bind(channel.map(|c| c.resource.clone()))
    .bind(channel.map(|c| c.token.clone()))
    .bind(channel.map(|c| c.expires_at))
    .bind(calendar_id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Forgets a push channel by its id.
pub(super) async fn forget_push(pool: &Pool, push_id: &str) -> Result<()> {
    sqlx::query(
        "UPDATE connection_calendars SET push_id = NULL, push_resource = NULL, \
         push_token = NULL, push_expires_at = NULL WHERE push_id = $1",
    )
    .bind(push_id)
    .execute(pool)
    .await?;
    Ok(())
}

/// The connection a push channel belongs to, with the channel's token.
pub(super) async fn push_target(pool: &Pool, push_id: &str) -> Result<Option<(String, String)>> {
    let row: Option<(String, Option<String>)> = sqlx::query_as(
        "SELECT connection_id, push_token FROM connection_calendars WHERE push_id = $1",
    )
    .bind(push_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|(id, token)| token.map(|t| (id, t))))
}

/// Checked calendars of healthy OAuth connections whose channel is missing
/// or expires before `before`. Google watches each calendar; a Graph
/// subscription watches the account's events (`/me/events`), so a
/// Microsoft connection needs one, held by its first checked calendar, and
/// is due only while none of its calendars holds a live one.
pub(super) async fn push_due(pool: &Pool, before: DateTime<Utc>) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT c.id, k.id FROM connection_calendars k \
         JOIN calendar_connections c ON c.id = k.connection_id \
         WHERE c.status <> 'needs_reconnect' AND k.check_conflicts AND ( \
         (c.provider = 'google' AND (k.push_id IS NULL OR k.push_expires_at < $1)) \
         OR (c.provider = 'microsoft' \
             AND k.id = (SELECT MIN(f.id) FROM connection_calendars f \
                         WHERE f.connection_id = c.id AND f.check_conflicts) \
             AND NOT EXISTS (SELECT 1 FROM connection_calendars o \
                             WHERE o.connection_id = c.id AND o.check_conflicts \
                             AND o.push_id IS NOT NULL AND o.push_expires_at >= $1))) \
         ORDER BY c.id, k.id",
    )
    .bind(before)
    .fetch_all(pool)
    .await?)
}
