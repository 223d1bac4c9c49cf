//! The durable outbox: rows written in a change's transaction ([`enqueue`]),
//! taken by workers under a lease, retried with backoff, visible through the
//! API. On PostgreSQL several workers share it (`SKIP_LOCKED`). The store
//! keeps jobs as kind + JSON payload and never looks inside: which effects a
//! change causes is its use case's decision, how one runs its handler's.

use super::Dialect as _;
use super::{Backend, Conn, Db, Result, SKIP_LOCKED, StoreError, sql};
use crate::domain::{Effect, EffectStatus, Merge, NewEffect, Subject, new_id};
use crate::store::{ClaimedEffect, EffectFilter, EffectOutcome, EffectStore};
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
struct EffectRow {
    id: String,
    kind: String,
    booking_uid: Option<String>,
    status: String,
    attempts: i64,
    run_at: DateTime<Utc>,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const EFFECT_COLUMNS: &str = "e.id, e.kind, b.uid AS booking_uid, e.status, \
     CAST(e.attempts AS BIGINT) AS attempts, e.run_at, e.last_error, e.created_at, e.updated_at";

/// Effects with their booking's uid (none for effects without a subject).
const EFFECTS_WITH_UID: &str = "effects e LEFT JOIN bookings b ON b.id = e.booking_id";

/// The calendar-write kind (`effects::CalendarWrite::KIND`): reconnecting a
/// calendar requeues its writes, a decision about that kind alone.
const CALENDAR_WRITE: &str = "calendar_write";

impl EffectRow {
    fn into_effect(self) -> Result<Effect> {
        Ok(Effect {
            status: EffectStatus::parse(&self.status)
                .ok_or_else(|| StoreError::Corrupt(format!("effects.status {:?}", self.status)))?,
            kind: self.kind,
            id: self.id,
            booking_uid: self.booking_uid,
            attempts: u32::try_from(self.attempts).unwrap_or(u32::MAX),
            run_at: self.run_at,
            last_error: self.last_error,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// The row id of an effect's subject, which must be the organization's.
async fn subject_id(
    conn: &mut Conn,
    organization_id: &str,
    subject: &Subject,
    written: &[(String, String)],
) -> Result<String> {
    match subject {
        Subject::Booking(uid) => {
            if let Some((_, id)) = written.iter().find(|(known, _)| known == uid) {
                return Ok(id.clone());
            }
            let row: Option<(String,)> =
                sqlx::query_as("SELECT id FROM bookings WHERE uid = $1 AND organization_id = $2")
                    .bind(uid)
                    .bind(organization_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            Ok(row.ok_or(StoreError::NotFound("booking"))?.0)
        }
    }
}

/// Queues an effect inside a change's transaction. With
/// [`Merge::LatestState`], a waiting effect of the same subject and kind
/// (not running) takes the new payload and due time instead: the worker
/// makes the outside world match the subject as it is when the effect runs,
/// so one is enough. An effect whose dedupe key was queued before is dropped.
pub(super) async fn enqueue(
    conn: &mut Conn,
    organization_id: &str,
    effect: &NewEffect,
    at: DateTime<Utc>,
    written: &[(String, String)],
) -> Result<()> {
    let booking_id = match &effect.subject {
        Some(subject) => Some(subject_id(conn, organization_id, subject, written).await?),
        None => None,
    };
    let due = effect.not_before.unwrap_or(at);
    let merge = match (&booking_id, effect.merge) {
        (Some(_), Merge::LatestState) => Merge::LatestState,
        _ => Merge::Never,
    };
    if merge == Merge::LatestState {
        let merged = sqlx::query(
            "UPDATE effects SET run_at = $5, updated_at = $1, payload = $2 \
             WHERE booking_id = $3 AND kind = $4 AND merge_policy = 'latest_state' \
             AND status = 'pending' AND (lease_until IS NULL OR lease_until < $1)",
        )
        .bind(at)
        .bind(&effect.payload)
        .bind(&booking_id)
        .bind(effect.kind)
        .bind(due)
        .execute(&mut *conn)
        .await?;
        if merged.rows_affected() > 0 {
            return Ok(());
        }
    }
    // Only a dedupe key can conflict; without one, a plain insert spares
    // PostgreSQL the speculative insertion of ON CONFLICT.
    let insert = "INSERT INTO effects (id, organization_id, kind, booking_id, payload, \
         dedupe_key, merge_policy, status, attempts, run_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $9, $8, $8)";
    let deduplicated =
        format!("{insert} ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING");
    sqlx::query(sql(match effect.dedupe_key {
        Some(_) => deduplicated,
        None => insert.to_string(),
    }))
    .bind(new_id())
    .bind(organization_id)
    .bind(effect.kind)
    .bind(&booking_id)
    .bind(&effect.payload)
    .bind(&effect.dedupe_key)
    .bind(merge.as_str())
    .bind(at)
    .bind(due)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Makes the calendar writes of a connection's host due again (after a
/// reconnect), inside a write transaction; how many.
pub(super) async fn requeue_writes(
    conn: &mut Conn,
    connection_id: &str,
    now: DateTime<Utc>,
) -> Result<u64> {
    // The bookings of the connection's host, and those with an event in one
    // of its calendars (a host since replaced).
    let of_connection = |alias: &str| {
        format!(
            "{alias}.kind = '{CALENDAR_WRITE}' AND {alias}.booking_id IN (\
             SELECT bh.booking_id FROM booking_hosts bh \
             JOIN calendar_connections c ON c.user_id = bh.user_id WHERE c.id = $2 \
             UNION SELECT b.id FROM bookings b \
             JOIN booking_events e ON e.booking_uid = b.uid WHERE e.connection_id = $2)"
        )
    };
    let due = sqlx::query(sql(format!(
        "UPDATE effects SET run_at = $1, updated_at = $1 WHERE status = 'pending' \
         AND (lease_until IS NULL OR lease_until < $1) AND {}",
        of_connection("effects")
    )))
    .bind(now)
    .bind(connection_id)
    .execute(&mut *conn)
    .await?;
    // One effect per booking reconciles everything: the newest failed one,
    // where none is waiting.
    let revived = sqlx::query(sql(format!(
        "UPDATE effects SET status = 'pending', run_at = $1, attempts = 0, updated_at = $1 \
         WHERE status = 'failed' AND {} AND NOT EXISTS (SELECT 1 FROM effects o \
         WHERE o.booking_id = effects.booking_id AND o.kind = effects.kind \
         AND o.id <> effects.id AND (o.status = 'pending' OR (o.status = 'failed' \
         AND (o.created_at > effects.created_at \
         OR (o.created_at = effects.created_at AND o.id > effects.id)))))",
        of_connection("effects")
    )))
    .bind(now)
    .bind(connection_id)
    .execute(&mut *conn)
    .await?;
    // A write running right now may still use the old credentials and fail
    // after this: a new one waits behind it.
    let running: Vec<(String, String, String)> = sqlx::query_as(sql(format!(
        "SELECT r.organization_id, r.booking_id, r.payload FROM effects r \
         WHERE r.status = 'pending' \
         AND r.lease_until >= $1 AND {} AND NOT EXISTS (SELECT 1 FROM effects o \
         WHERE o.booking_id = r.booking_id AND o.kind = r.kind AND o.id <> r.id \
         AND o.status = 'pending')",
        of_connection("r")
    )))
    .bind(now)
    .bind(connection_id)
    .fetch_all(&mut *conn)
    .await?;
    for (organization_id, booking_id, payload) in &running {
        sqlx::query(
            "INSERT INTO effects (id, organization_id, kind, booking_id, payload, \
             merge_policy, status, attempts, run_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'latest_state', 'pending', 0, $6, $6, $6)",
        )
        .bind(new_id())
        .bind(organization_id)
        .bind(CALENDAR_WRITE)
        .bind(booking_id)
        .bind(payload)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(due.rows_affected() + revived.rows_affected() + running.len() as u64)
}

#[async_trait::async_trait]
impl EffectStore for Backend {
    async fn enqueue_effects(&self, organization_id: &str, effects: &[NewEffect]) -> Result<()> {
        let mut tx = self.begin_write(&[]).await?;
        let at = super::now();
        for effect in effects {
            enqueue(&mut tx, organization_id, effect, at, &[]).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn claim_effects(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ClaimedEffect>> {
        // Merged effects of one subject and kind never run at once.
        let rows: Vec<(String, String, String, String, Option<String>, i64)> =
            sqlx::query_as(sql(format!(
                "UPDATE effects SET lease_until = $2, attempts = attempts + 1, updated_at = $1 \
                 WHERE id IN (SELECT e.id FROM effects e WHERE e.status = 'pending' \
                 AND e.run_at <= $1 AND (e.lease_until IS NULL OR e.lease_until < $1) \
                 AND NOT (e.merge_policy = 'latest_state' AND EXISTS (SELECT 1 FROM effects o \
                 WHERE o.booking_id = e.booking_id AND o.kind = e.kind \
                 AND o.merge_policy = 'latest_state' AND o.id <> e.id \
                 AND o.status = 'pending' AND o.lease_until >= $1)) \
                 ORDER BY e.run_at LIMIT $3 {SKIP_LOCKED}) \
                 RETURNING id, kind, payload, organization_id, booking_id, \
                 CAST(attempts AS BIGINT)"
            )))
            .bind(now)
            .bind(lease_until)
            .bind(i64::from(limit))
            .fetch_all(self.pool())
            .await?;
        // The subjects' uids in one query, not one per effect.
        let ids: Vec<String> = rows.iter().filter_map(|r| r.4.clone()).collect();
        let mut uids = std::collections::HashMap::new();
        for chunk in ids.chunks(super::BATCH) {
            let mut query =
                sqlx::QueryBuilder::<Db>::new("SELECT id, uid FROM bookings WHERE id IN ");
            super::push_list(&mut query, chunk);
            let found: Vec<(String, String)> =
                query.build_query_as().fetch_all(self.pool()).await?;
            uids.extend(found);
        }
        let mut claimed = Vec::with_capacity(rows.len());
        for (id, kind, payload, organization_id, booking_id, attempts) in rows {
            let booking_uid = booking_id.and_then(|b| uids.get(&b).cloned());
            claimed.push(ClaimedEffect {
                id,
                kind,
                payload,
                organization_id,
                booking_uid,
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            });
        }
        Ok(claimed)
    }

    async fn finish_effects(
        &self,
        outcomes: &[(String, EffectOutcome)],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        for (id, outcome) in outcomes {
            let (status, run_at, error) = match outcome {
                EffectOutcome::Done => ("done", now, None),
                EffectOutcome::Retry { at, error } => ("pending", *at, Some(error.as_str())),
                EffectOutcome::Failed { error } => ("failed", now, Some(error.as_str())),
            };
            // A merged retry is dropped in favour of a newer waiting effect of
            // the same subject and kind: that one reconciles everything, and two
            // of them must never run at once.
            sqlx::query(
                "UPDATE effects SET status = CASE WHEN $1 = 'pending' \
                 AND effects.merge_policy = 'latest_state' AND EXISTS (SELECT 1 \
                 FROM effects o WHERE o.booking_id = effects.booking_id AND o.kind = effects.kind \
                 AND o.merge_policy = 'latest_state' AND o.id <> effects.id \
                 AND o.status = 'pending') THEN 'done' ELSE $1 END, \
                 run_at = $2, last_error = $3, lease_until = NULL, updated_at = $4 WHERE id = $5",
            )
            .bind(status)
            .bind(run_at)
            .bind(error)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn release_effect(&self, id: &str, lease_until: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "UPDATE effects SET lease_until = NULL, \
             attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, \
             run_at = $1, updated_at = $1 WHERE id = $2 AND status = 'pending' \
             AND lease_until = $3",
        )
        .bind(Utc::now())
        .bind(id)
        .bind(lease_until)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn effects(&self, organization_id: &str, filter: &EffectFilter) -> Result<Vec<Effect>> {
        let mut query = sqlx::QueryBuilder::<Db>::new(format!(
            "SELECT {EFFECT_COLUMNS} FROM {EFFECTS_WITH_UID} WHERE e.organization_id = "
        ));
        query.push_bind(organization_id.to_string());
        if let Some(status) = filter.status {
            query.push(" AND e.status = ").push_bind(status.as_str());
        }
        if let Some(uid) = &filter.booking {
            query.push(" AND b.uid = ").push_bind(uid.clone());
        }
        if let Some(kind) = &filter.kind {
            query.push(" AND e.kind = ").push_bind(kind.clone());
        }
        query
            .push(" ORDER BY e.created_at DESC, e.id DESC LIMIT ")
            .push_bind(i64::from(filter.limit.unwrap_or(100).min(1000)));
        let rows: Vec<EffectRow> = query.build_query_as().fetch_all(self.pool()).await?;
        rows.into_iter().map(EffectRow::into_effect).collect()
    }

    async fn effect_counts(&self) -> Result<Vec<(String, String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT kind, status, COUNT(*) FROM effects \
             GROUP BY kind, status ORDER BY kind, status",
        )
        .fetch_all(self.pool())
        .await?)
    }

    async fn retry_effect(
        &self,
        organization_id: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Effect> {
        let done = sqlx::query(
            "UPDATE effects SET status = 'pending', run_at = $1, attempts = 0, updated_at = $1 \
             WHERE id = $2 AND organization_id = $3 AND status = 'failed'",
        )
        .bind(now)
        .bind(id)
        .bind(organization_id)
        .execute(self.pool())
        .await?;
        let row: Option<EffectRow> = sqlx::query_as(sql(format!(
            "SELECT {EFFECT_COLUMNS} FROM {EFFECTS_WITH_UID} \
             WHERE e.id = $1 AND e.organization_id = $2"
        )))
        .bind(id)
        .bind(organization_id)
        .fetch_optional(self.pool())
        .await?;
        let effect = row.ok_or(StoreError::NotFound("effect"))?.into_effect()?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!(
                "only a failed effect can be retried; this one is {}",
                effect.status.as_str()
            )));
        }
        Ok(effect)
    }
}
