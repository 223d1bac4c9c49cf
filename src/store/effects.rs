//! The durable effects queue: rows written in a booking's transaction
//! (`sql.rs`, `enqueue_effect`), taken by workers under a lease, retried with
//! backoff, visible through the API. On PostgreSQL several workers share it
//! (`FOR UPDATE SKIP LOCKED`).

use super::{ClaimedEffect, EffectFilter, EffectOutcome, Result, StoreError};
use crate::domain::{Effect, EffectKind, EffectStatus};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
pub trait EffectStore: Send + Sync {
    /// Takes up to `limit` due effects, leased until `lease_until`. An effect
    /// is not taken while another of the same booking and kind is running.
    async fn claim_effects(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ClaimedEffect>>;
    async fn finish_effect(
        &self,
        id: &str,
        outcome: &EffectOutcome,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Gives back an effect claimed until `lease_until` that was not carried
    /// out (shutdown): due again now, the interrupted attempt not counted.
    async fn release_effect(&self, id: &str, lease_until: DateTime<Utc>) -> Result<()>;
    async fn effects(&self, organization_id: &str, filter: &EffectFilter) -> Result<Vec<Effect>>;
    /// How many effects there are of each kind and status (for /metrics).
    async fn effect_counts(&self) -> Result<Vec<(String, String, i64)>>;
    /// Puts a failed effect back in the queue, due now.
    async fn retry_effect(
        &self,
        organization_id: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Effect>;
}

#[derive(sqlx::FromRow)]
pub(super) struct EffectRow {
    id: String,
    kind: String,
    booking_uid: String,
    status: String,
    attempts: i64,
    run_at: DateTime<Utc>,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

pub(super) const EFFECT_COLUMNS: &str = "e.id, e.kind, b.uid AS booking_uid, e.status, \
     CAST(e.attempts AS BIGINT) AS attempts, e.run_at, e.last_error, e.created_at, e.updated_at";

pub(super) fn kind(text: &str) -> Result<EffectKind> {
    EffectKind::parse(text).ok_or_else(|| StoreError::Corrupt(format!("effects.kind {text:?}")))
}

impl EffectRow {
    pub(super) fn into_effect(self) -> Result<Effect> {
        Ok(Effect {
            kind: kind(&self.kind)?,
            status: EffectStatus::parse(&self.status)
                .ok_or_else(|| StoreError::Corrupt(format!("effects.status {:?}", self.status)))?,
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

/// Implements [`EffectStore`] for `$store` over `$db`; `$lock` as in
/// `calendar_store!`.
macro_rules! effect_store {
    ($store:ident, $db:ty, $lock:literal) => {
        #[async_trait::async_trait]
        impl $crate::store::effects::EffectStore for $store {
            async fn claim_effects(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: u32) -> Result<Vec<ClaimedEffect>> {
                let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(concat!(
                    "UPDATE effects SET lease_until = $2, attempts = attempts + 1, updated_at = $1 WHERE id IN (\
                     SELECT e.id FROM effects e WHERE e.status = 'pending' AND e.run_at <= $1 \
                     AND (e.lease_until IS NULL OR e.lease_until < $1) \
                     AND NOT EXISTS (SELECT 1 FROM effects o WHERE o.booking_id = e.booking_id AND o.kind = e.kind \
                     AND o.id <> e.id AND o.status = 'pending' AND o.lease_until >= $1) \
                     ORDER BY e.run_at LIMIT $3 ",
                    $lock,
                    ") RETURNING id, kind, organization_id, booking_id, CAST(attempts AS BIGINT)"
                ))
                .bind(now)
                .bind(lease_until)
                .bind(i64::from(limit))
                .fetch_all(self.pool())
                .await?;
                let mut claimed = Vec::with_capacity(rows.len());
                for (id, kind, organization_id, booking_id, attempts) in rows {
                    let (booking_uid,): (String,) = sqlx::query_as("SELECT uid FROM bookings WHERE id = $1")
                        .bind(&booking_id)
                        .fetch_one(self.pool())
                        .await?;
                    claimed.push(ClaimedEffect {
                        id,
                        kind: $crate::store::effects::kind(&kind)?,
                        organization_id,
                        booking_id,
                        booking_uid,
                        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                    });
                }
                Ok(claimed)
            }

            async fn finish_effect(&self, id: &str, outcome: &EffectOutcome, now: DateTime<Utc>) -> Result<()> {
                let (status, run_at, error) = match outcome {
                    EffectOutcome::Done => ("done", now, None),
                    EffectOutcome::Retry { at, error } => ("pending", *at, Some(error.as_str())),
                    EffectOutcome::Failed { error } => ("failed", now, Some(error.as_str())),
                };
                // A retry is dropped in favour of a newer waiting effect of the same
                // booking and kind: that one reconciles everything, and two of them
                // must never run at once.
                sqlx::query(
                    "UPDATE effects SET status = CASE WHEN $1 = 'pending' AND EXISTS (SELECT 1 FROM effects o \
                     WHERE o.booking_id = effects.booking_id AND o.kind = effects.kind AND o.id <> effects.id \
                     AND o.status = 'pending') THEN 'done' ELSE $1 END, \
                     run_at = $2, last_error = $3, lease_until = NULL, updated_at = $4 WHERE id = $5",
                )
                .bind(status)
                .bind(run_at)
                .bind(error)
                .bind(now)
                .bind(id)
                .execute(self.pool())
                .await?;
                Ok(())
            }

            async fn release_effect(&self, id: &str, lease_until: DateTime<Utc>) -> Result<()> {
                sqlx::query(
                    "UPDATE effects SET lease_until = NULL, attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, \
                     run_at = $1, updated_at = $1 WHERE id = $2 AND status = 'pending' AND lease_until = $3",
                )
                .bind(Utc::now())
                .bind(id)
                .bind(lease_until)
                .execute(self.pool())
                .await?;
                Ok(())
            }

            async fn effects(&self, organization_id: &str, filter: &EffectFilter) -> Result<Vec<Effect>> {
                let mut query = QueryBuilder::<$db>::new(format!(
                    "SELECT {} FROM effects e JOIN bookings b ON b.id = e.booking_id WHERE e.organization_id = ",
                    $crate::store::effects::EFFECT_COLUMNS
                ));
                query.push_bind(organization_id.to_string());
                if let Some(status) = filter.status {
                    query.push(" AND e.status = ").push_bind(status.as_str());
                }
                if let Some(uid) = &filter.booking {
                    query.push(" AND b.uid = ").push_bind(uid.clone());
                }
                query.push(" ORDER BY e.created_at DESC, e.id DESC LIMIT ")
                    .push_bind(i64::from(filter.limit.unwrap_or(100).min(1000)));
                let rows: Vec<$crate::store::effects::EffectRow> = query.build_query_as().fetch_all(self.pool()).await?;
                rows.into_iter().map($crate::store::effects::EffectRow::into_effect).collect()
            }

            async fn effect_counts(&self) -> Result<Vec<(String, String, i64)>> {
                Ok(sqlx::query_as("SELECT kind, status, COUNT(*) FROM effects GROUP BY kind, status ORDER BY kind, status")
                    .fetch_all(self.pool())
                    .await?)
            }

            async fn retry_effect(&self, organization_id: &str, id: &str, now: DateTime<Utc>) -> Result<Effect> {
                let done = sqlx::query(
                    "UPDATE effects SET status = 'pending', run_at = $1, attempts = 0, updated_at = $1 \
                     WHERE id = $2 AND organization_id = $3 AND status = 'failed'",
                )
                .bind(now)
                .bind(id)
                .bind(organization_id)
                .execute(self.pool())
                .await?;
                let row: Option<$crate::store::effects::EffectRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM effects e JOIN bookings b ON b.id = e.booking_id WHERE e.id = $1 AND e.organization_id = $2",
                    $crate::store::effects::EFFECT_COLUMNS
                )))
                .bind(id)
                .bind(organization_id)
                .fetch_optional(self.pool())
                .await?;
                let effect = row.ok_or(StoreError::NotFound)?.into_effect()?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict(format!(
                        "only a failed effect can be retried; this one is {}",
                        effect.status.as_str()
                    )));
                }
                Ok(effect)
            }
        }
    };
}

pub(crate) use effect_store;
