//! The interface of the durable outbox: rows written in a change's
//! transaction (or on their own, [`EffectStore::enqueue_effects`]), taken by workers under a lease, retried with backoff,
//! visible through the API. Implemented for both databases in `sql/effects.rs`.

use super::{ClaimedEffect, EffectFilter, EffectOutcome, Result};
use crate::domain::{Effect, NewEffect};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
pub trait EffectStore: Send + Sync {
    /// Queues effects outside any other change (those a booking change causes
    /// travel with it, in its transaction), all or none.
    async fn enqueue_effects(&self, organization_id: &str, effects: &[NewEffect]) -> Result<()>;
    /// Takes up to `limit` due effects, leased until `lease_until`. An effect
    /// merged by subject (`Merge::LatestState`) is not taken while another of the
    /// same subject and kind is running.
    async fn claim_effects(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ClaimedEffect>>;
    /// Records the outcomes of effects carried out, in one transaction (a
    /// worker's step records its whole batch with one commit).
    async fn finish_effects(
        &self,
        outcomes: &[(String, EffectOutcome)],
        now: DateTime<Utc>,
    ) -> Result<()>;
    async fn finish_effect(
        &self,
        id: &str,
        outcome: &EffectOutcome,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.finish_effects(&[(id.to_string(), outcome.clone())], now)
            .await
    }
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
