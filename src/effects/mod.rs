//! The outbox worker: effects are typed jobs ([`Job`]: a kind, a JSON
//! payload, a subject, a dedupe key, a merge policy) that a change's use case
//! queues in the change's own transaction; workers claim due rows under a
//! lease, run each with its kind's handler ([`registry`]) inside a tracing
//! span, and record done, a retry with backoff (the handler's [`JobError`]
//! says whether and when), or failed after [`MAX_ATTEMPTS`] or at once when
//! retrying cannot help. Failures stay visible (status, attempts, last error)
//! and can be retried through the API.

mod booking_mail;
mod calendar_write;
mod job;
mod notify;
mod poll_mail;
mod poll_notify;
mod reconnect_mail;
mod registry;
mod workflow_fanout;
mod workflow_step;

pub use booking_mail::BookingMail;
pub use calendar_write::CalendarWrite;
pub use job::{Job, JobContext, JobError};
pub use notify::Notify;
pub use poll_mail::PollMail;
pub use poll_notify::PollNotify;
pub use reconnect_mail::{ReconnectMail, VALID_DAYS as RECONNECT_LINK_DAYS};
pub use registry::{Registry, registry, standard};
pub use workflow_fanout::WorkflowFanout;
pub use workflow_step::WorkflowStep;

use crate::store::{ClaimedEffect, EffectOutcome, StoreError};
use crate::sync::rest::backoff;
use crate::workers::{Shutdown, finish_or_abandon};
use chrono::{Duration as Span, Utc};
use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tracing::Instrument as _;

/// What jobs run with: the application context (store, clock, key ring, providers).
pub type Context = crate::app::App;

/// Attempts before an effect is marked failed.
pub const MAX_ATTEMPTS: u32 = 10;
/// How long a worker holds an effect it is carrying out.
const LEASE: Span = Span::minutes(5);
const LONGEST_BACKOFF: Duration = Duration::from_secs(3600);
/// [`drain`] stops after this many rounds (jobs that keep queueing jobs).
const DRAIN_ROUNDS: usize = 100;

/// What to record after an attempt.
pub fn outcome(
    result: Result<(), JobError>,
    attempts: u32,
    now: chrono::DateTime<chrono::Utc>,
) -> EffectOutcome {
    match result {
        Ok(()) => EffectOutcome::Done,
        Err(JobError::Retry { reason, after }) if attempts < MAX_ATTEMPTS => {
            let mut wait = backoff(Duration::from_secs(15), attempts, LONGEST_BACKOFF);
            if let Some(after) = after {
                wait = wait.max(after);
            }
            EffectOutcome::Retry {
                at: now + Span::from_std(wait).unwrap_or(Span::hours(1)),
                error: reason,
            }
        }
        Err(error) => EffectOutcome::Failed {
            error: error.to_string(),
        },
    }
}

/// One effect a step carried out, and how it ended.
#[derive(Debug, Clone)]
pub struct Ran {
    pub id: String,
    pub kind: String,
    /// The booking it followed (uid), if any.
    pub booking_uid: Option<String>,
    pub outcome: EffectOutcome,
}

/// How many effects the background loop takes at a time (run
/// concurrently: SMTP connections from the pool, provider calls).
pub const STEP_LIMIT: u32 = 64;

/// Carries out due effects (up to `limit`). Returns how many ran.
///
/// The queue runs on the wall clock (leases and backoff are about real
/// seconds), or on the app's clock where that is ahead: a test that moves
/// the clock to a reminder's instant sees it fall due.
pub async fn run_due(ctx: &Context, limit: u32) -> Result<usize, StoreError> {
    run_due_until(ctx, limit, &Shutdown::never()).await
}

/// [`run_due`] that stops taking effects at `shutdown`, and gives back the
/// ones still running at its deadline (lease released, the attempt not
/// counted) so they run again at once, here after a restart or in another
/// process, instead of after [`LEASE`].
pub async fn run_due_until(
    ctx: &Context,
    limit: u32,
    shutdown: &Shutdown,
) -> Result<usize, StoreError> {
    Ok(step(ctx, registry(), limit, shutdown).await?.claimed)
}

/// Runs due effects until none is left (retries wait for their time), and
/// returns what ran, in order of completion per round: for tests, which
/// assert that the queue drained and what it did.
pub async fn drain(ctx: &Context) -> Result<Vec<Ran>, StoreError> {
    drain_with(ctx, registry()).await
}

/// [`drain`] with other handlers (tests' own kinds).
pub async fn drain_with(ctx: &Context, registry: &Registry) -> Result<Vec<Ran>, StoreError> {
    let mut all = Vec::new();
    for _ in 0..DRAIN_ROUNDS {
        let step = step(ctx, registry, 64, &Shutdown::never()).await?;
        if step.claimed == 0 {
            break;
        }
        all.extend(step.ran);
    }
    Ok(all)
}

/// What one step took, and what of it ran to an outcome (the rest was given
/// back at shutdown).
struct Step {
    claimed: usize,
    ran: Vec<Ran>,
}

/// One claim of up to `limit` effects, run concurrently.
async fn step(
    ctx: &Context,
    registry: &Registry,
    limit: u32,
    shutdown: &Shutdown,
) -> Result<Step, StoreError> {
    if shutdown.requested() {
        return Ok(Step {
            claimed: 0,
            ran: Vec::new(),
        });
    }
    // The wall clock, or the app's when a test has moved it ahead (a
    // reminder's instant); in production they are the same.
    let now = Utc::now().max(ctx.now());
    // Whole milliseconds: the lease is compared again on release, and
    // databases keep less than nanoseconds.
    let lease_until = chrono::DateTime::from_timestamp_millis((now + LEASE).timestamp_millis())
        .unwrap_or(now + LEASE);
    let claimed = ctx.store.claim_effects(now, lease_until, limit).await?;
    let count = claimed.len();
    let mut tasks = tokio::task::JoinSet::new();
    let mut running = HashSet::new();
    // `finish_or_abandon` answers keys; what ran is gathered here.
    let ran = Arc::new(Mutex::new(Vec::new()));
    for effect in claimed {
        running.insert(effect.id.clone());
        let ctx = ctx.clone();
        let registry = registry.clone();
        let ran = Arc::clone(&ran);
        let span = tracing::info_span!(
            "effect",
            kind = %effect.kind,
            id = %effect.id,
            subject = effect.booking_uid.as_deref().unwrap_or(""),
            attempt = effect.attempts,
        );
        let task = async move {
            let done = carry_out(&ctx, &registry, effect).await;
            let id = done.id.clone();
            ran.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(done);
            id
        };
        tasks.spawn(task.instrument(span));
    }
    for id in finish_or_abandon(tasks, running, shutdown).await {
        match ctx.store.release_effect(&id, lease_until).await {
            Ok(()) => tracing::info!(effect = %id, "shutting down: effect given back"),
            Err(error) => {
                tracing::warn!(effect = %id, %error, "cannot give back an effect; its lease will expire")
            }
        }
    }
    let ran = std::mem::take(&mut *ran.lock().unwrap_or_else(PoisonError::into_inner));
    // The batch's outcomes in one commit (a crash before it runs them again,
    // as a crash between a send and its record always could: messages carry
    // their key as Message-ID, calendar writes find their own events).
    let outcomes: Vec<(String, EffectOutcome)> = ran
        .iter()
        .map(|r| (r.id.clone(), r.outcome.clone()))
        .collect();
    if !outcomes.is_empty()
        && let Err(error) = ctx.store.finish_effects(&outcomes, Utc::now()).await
    {
        // The leases run out and other attempts follow: nothing is lost.
        tracing::error!(%error, "cannot record the effects' outcomes");
    }
    Ok(Step {
        claimed: count,
        ran,
    })
}

async fn carry_out(ctx: &Context, registry: &Registry, effect: ClaimedEffect) -> Ran {
    let result = registry
        .run(&JobContext {
            app: ctx,
            effect: &effect,
        })
        .await;
    if let Err(error) = &result {
        tracing::warn!(%error, "effect failed");
    }
    let outcome = outcome(result, effect.attempts, Utc::now());
    Ran {
        id: effect.id,
        kind: effect.kind,
        booking_uid: effect.booking_uid,
        outcome,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> chrono::DateTime<Utc> {
        text.parse().expect("instant")
    }

    #[test]
    fn retries_wait_at_least_as_long_as_asked_and_stop_at_the_last_attempt() {
        let now = at("2026-06-01T00:00:00Z");
        let asked = JobError::Retry {
            reason: "busy".to_string(),
            after: Some(Duration::from_secs(7200)),
        };
        match outcome(Err(asked.clone()), 1, now) {
            EffectOutcome::Retry { at, error } => {
                assert!(at >= now + Span::hours(2));
                assert_eq!(error, "busy");
            }
            other => panic!("{other:?}"),
        }
        match outcome(Err(JobError::retry("busy")), 1, now) {
            EffectOutcome::Retry { at, .. } => assert!(at > now && at < now + Span::hours(2)),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            outcome(Err(asked), MAX_ATTEMPTS, now),
            EffectOutcome::Failed { .. }
        ));
        for final_error in [
            JobError::GiveUp("refused".to_string()),
            JobError::NeedsReconnect("refused".to_string()),
        ] {
            assert!(matches!(
                outcome(Err(final_error), 1, now),
                EffectOutcome::Failed { error } if error == "refused"
            ));
        }
        assert!(matches!(outcome(Ok(()), 1, now), EffectOutcome::Done));
    }
}
