//! The effects worker: carries out what a booking's transaction queued
//! (`effects` table), retried with backoff, given up after
//! [`MAX_ATTEMPTS`] or at once when retrying cannot help; failures stay
//! visible (status, attempts, last error) and can be retried through the API.

use crate::app::App;
use crate::domain::EffectKind;
use crate::store::{ClaimedEffect, EffectOutcome, StoreError};
use crate::sync::api::SyncError;
use crate::sync::rest::backoff;
use crate::workers::{Shutdown, finish_or_abandon};
use chrono::{Duration as Span, Utc};
use std::collections::HashSet;
use std::time::Duration;

/// Attempts before an effect is marked failed.
pub const MAX_ATTEMPTS: u32 = 10;
/// How long a worker holds an effect it is carrying out.
const LEASE: Span = Span::minutes(5);
const LONGEST_BACKOFF: Duration = Duration::from_secs(3600);

async fn carry_out(app: &App, effect: &ClaimedEffect) -> Result<(), SyncError> {
    match effect.kind {
        EffectKind::CalendarWrite => {
            crate::sync::writer::write_booking(app, &effect.booking_uid).await
        }
    }
}

/// What to record after an attempt.
pub fn outcome(
    result: Result<(), SyncError>,
    attempts: u32,
    now: chrono::DateTime<chrono::Utc>,
) -> EffectOutcome {
    match result {
        Ok(()) => EffectOutcome::Done,
        Err(error) if error.is_retryable() && attempts < MAX_ATTEMPTS => {
            let mut wait = backoff(Duration::from_secs(15), attempts, LONGEST_BACKOFF);
            if let SyncError::RateLimited {
                retry_after: Some(after),
            } = &error
            {
                wait = wait.max(*after);
            }
            EffectOutcome::Retry {
                at: now + Span::from_std(wait).unwrap_or(Span::hours(1)),
                error: error.to_string(),
            }
        }
        Err(error) => EffectOutcome::Failed {
            error: error.to_string(),
        },
    }
}

/// Carries out due effects (up to `limit`). Returns how many ran.
///
/// The queue runs on the wall clock, not the app's clock: effects are
/// stamped by the database's transaction time, and leases and backoff are
/// about real seconds.
pub async fn run_due(app: &App, limit: u32) -> Result<usize, StoreError> {
    run_due_until(app, limit, &Shutdown::never()).await
}

/// [`run_due`] that stops taking effects at `shutdown`, and gives back the
/// ones still running at its deadline (lease released, the attempt not
/// counted) so they run again at once, here after a restart or in another
/// process, instead of after [`LEASE`].
pub async fn run_due_until(
    app: &App,
    limit: u32,
    shutdown: &Shutdown,
) -> Result<usize, StoreError> {
    if shutdown.requested() {
        return Ok(0);
    }
    let now = Utc::now();
    // Whole milliseconds: the lease is compared again on release, and
    // databases keep less than nanoseconds.
    let lease_until = chrono::DateTime::from_timestamp_millis((now + LEASE).timestamp_millis())
        .unwrap_or(now + LEASE);
    let claimed = app.store.claim_effects(now, lease_until, limit).await?;
    let count = claimed.len();
    let mut tasks = tokio::task::JoinSet::new();
    let mut running = HashSet::new();
    for effect in claimed {
        running.insert(effect.id.clone());
        let app = app.clone();
        tasks.spawn(async move {
            let result = carry_out(&app, &effect).await;
            if let Err(error) = &result {
                tracing::warn!(effect = %effect.id, booking = %effect.booking_uid, attempt = effect.attempts, %error, "effect failed");
            }
            let outcome = outcome(result, effect.attempts, Utc::now());
            if let Err(error) = app.store.finish_effect(&effect.id, &outcome, Utc::now()).await {
                // The lease runs out and another attempt follows: nothing is lost.
                tracing::error!(effect = %effect.id, %error, "cannot record an effect's outcome");
            }
            effect.id
        });
    }
    for id in finish_or_abandon(tasks, running, shutdown).await {
        match app.store.release_effect(&id, lease_until).await {
            Ok(()) => tracing::info!(effect = %id, "shutting down: effect given back"),
            Err(error) => {
                tracing::warn!(effect = %id, %error, "cannot give back an effect; its lease will expire")
            }
        }
    }
    Ok(count)
}
