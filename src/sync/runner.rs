//! One sync of one connection, and the loop that runs whichever are due.
//!
//! A sync lists the account's calendars, then follows each checked one from
//! its stored token (a full read the first time, or after the provider said
//! the token expired). Each calendar's result is stored in one transaction,
//! so a failure half-way keeps what the others brought. How it ended decides
//! the connection's status: active; retrying with backoff (nothing is
//! dropped); or needs_reconnect when the provider refused the credentials.

use super::api::SyncError;
use super::clients;
use super::rest::backoff;
use crate::app::App;
use crate::effects::{Job as _, ReconnectMail};
use crate::store::SyncOutcome;
use crate::workers::{Shutdown, finish_or_abandon};
use chrono::Duration as Span;
use std::time::Duration;

/// How long a worker holds a connection it is syncing.
const LEASE: Span = Span::minutes(10);
/// With push working, a safety poll this often.
const PUSH_SAFETY_POLL: Span = Span::hours(6);
/// Longest wait between failed attempts.
const LONGEST_BACKOFF: Duration = Duration::from_secs(3600);

/// What a sync brought.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub calendars: usize,
    pub upserts: usize,
    pub removed: usize,
    /// Calendars read in full (first sync, or an expired token).
    pub full: usize,
}

/// Syncs one connection now.
pub async fn sync_connection(app: &App, id: &str) -> Result<SyncReport, SyncError> {
    let store_error = |e: crate::store::StoreError| SyncError::Temporary(format!("store: {e}"));
    let access = app.store.connection_access(id).await.map_err(store_error)?;
    let open = clients::open(app, &access).await?;
    let api = open.api();
    let calendars = api.calendars().await?;
    app.store
        .save_calendars(id, &calendars)
        .await
        .map_err(store_error)?;
    let access = app.store.connection_access(id).await.map_err(store_error)?;
    let written = app
        .store
        .written_events(&access.connection.user_id)
        .await
        .map_err(store_error)?;
    let mut report = SyncReport::default();
    let mut failure: Option<SyncError> = None;
    for (calendar_id, token) in &access.sync_tokens {
        let Some(calendar) = access
            .connection
            .calendars
            .iter()
            .find(|c| &c.id == calendar_id)
        else {
            continue;
        };
        let delta = match api.changes(&calendar.external_id, token.as_deref()).await {
            Err(SyncError::SyncTokenInvalid) if token.is_some() => {
                tracing::info!(connection = id, calendar = %calendar.name, "sync token expired: full resync");
                api.changes(&calendar.external_id, None).await
            }
            other => other,
        };
        // One failing calendar (a shared one gone 403) does not stop the others;
        // the connection reports the gravest failure once all were tried.
        let delta = match delta {
            Ok(delta) => delta,
            Err(error) => {
                let error = SyncError::prefixed(error, &calendar.name);
                tracing::warn!(connection = id, %error, "calendar sync failed");
                failure = Some(match failure {
                    Some(known) => SyncError::graver(known, error),
                    None => error,
                });
                continue;
            }
        };
        let mut delta = delta;
        let host_changes =
            own_events(app, &access.connection.user_id, &written, &mut delta).await?;
        let applied = app
            .store
            .apply_delta(calendar_id, &delta, app.now())
            .await
            .map_err(store_error)?;
        if applied {
            for change in &host_changes {
                app.store
                    .record_host_change(
                        &change.booking_uid,
                        &change.user_id,
                        &change.event_id,
                        change.span,
                    )
                    .await
                    .map_err(store_error)?;
            }
            report.calendars += 1;
            report.upserts += delta.upserts.len();
            report.removed += delta.removed.len();
            report.full += usize::from(delta.full);
            if delta.full || !delta.upserts.is_empty() || !delta.removed.is_empty() {
                app.changed();
            }
        }
    }
    match failure {
        Some(error) => Err(error),
        None => Ok(report),
    }
}

/// What the host made of an event Kairos wrote (to record on the booking).
struct HostChange {
    booking_uid: String,
    user_id: String,
    event_id: String,
    /// The event's busy span where it differs from the booking's time.
    span: Option<super::events::Span>,
}

/// Events Kairos wrote for this host's bookings are not busy time of their
/// own where they match the booking: it already holds that time (counting it
/// again would eat group seats and buffers). What the host changed in their
/// calendar is theirs, though: a meeting moved to 12:00 or made longer there
/// makes 12:00, or the extra time, busy. Ours are those whose id Kairos
/// recorded when writing them (`written`: event id, booking uid), and those
/// naming a booking of this store that holds this host (a write whose
/// record is not in yet). Returns the changes to record for recorded ones.
async fn own_events(
    app: &App,
    user_id: &str,
    written: &[(String, String)],
    delta: &mut crate::store::CalendarDelta,
) -> Result<Vec<HostChange>, SyncError> {
    let mut dropped = Vec::new();
    let mut changes = Vec::new();
    for event in &mut delta.upserts {
        // CalDAV ids are resource names; the synced id is their full href.
        let recorded = written.iter().find(|(id, _)| {
            event.external_id == *id
                || event
                    .external_id
                    .strip_suffix(id.as_str())
                    .is_some_and(|head| head.ends_with('/'))
        });
        let Some(uid) = recorded
            .map(|(_, uid)| uid.clone())
            .or_else(|| event.written_for.clone())
        else {
            continue;
        };
        let booking = match app.store.booking(&uid).await {
            Ok(stored) => stored.booking,
            Err(crate::store::StoreError::NotFound(_)) if recorded.is_none() => continue,
            Err(crate::store::StoreError::NotFound(_)) => {
                dropped.push(event.external_id.clone());
                continue;
            }
            Err(e) => return Err(SyncError::Temporary(format!("store: {e}"))),
        };
        let holds_host = booking.hosts.iter().any(|h| h == user_id);
        if recorded.is_none() && !holds_host {
            // Another deployment's event, or a forged claim: busy like any.
            continue;
        }
        // A booking that no longer holds time (cancelled) has its event
        // removed by its write; until then it is not counted.
        if !(holds_host && booking.status.holds_time()) {
            dropped.push(event.external_id.clone());
            continue;
        }
        let held = (booking.start, booking.end);
        let (outside, span) = super::events::outside_booking(event, Some(held));
        if let Some((id, _)) = recorded {
            changes.push(HostChange {
                booking_uid: uid.clone(),
                user_id: user_id.to_string(),
                event_id: id.clone(),
                span: span.filter(|s| *s != held),
            });
        }
        match outside {
            Some(row) => *event = row,
            None => dropped.push(event.external_id.clone()),
        }
    }
    delta.upserts.retain(|e| !dropped.contains(&e.external_id));
    delta.removed.extend(dropped);
    Ok(changes)
}

/// The next attempt after `failures` failures in a row.
pub fn retry_delay(error: &SyncError, failures: u32) -> Duration {
    let wait = backoff(Duration::from_secs(30), failures, LONGEST_BACKOFF);
    match error {
        SyncError::RateLimited {
            retry_after: Some(after),
        } => wait.max(*after),
        _ => wait,
    }
}

/// Syncs one connection claimed until `lease_until` and records how it went.
/// Nothing is returned: the outcome (a failure's message and next attempt
/// included) is stored on the connection and logged here, where it is known.
async fn run_one(app: &App, id: &str, lease_until: chrono::DateTime<chrono::Utc>) {
    let result = sync_connection(app, id).await;
    let now = app.now();
    let connection = app
        .store
        .connection_access(id)
        .await
        .ok()
        .map(|a| a.connection);
    let outcome = match &result {
        Ok(report) => {
            tracing::debug!(connection = id, ?report, "calendar sync done");
            // Push counts only while every checked calendar has a live channel.
            let pushed = connection.as_ref().is_some_and(|c| {
                let mut checked = c.calendars.iter().filter(|c| c.check_conflicts).peekable();
                checked.peek().is_some()
                    && checked.all(|c| c.push.as_ref().is_some_and(|p| p.expires_at > now))
            });
            let every = if pushed {
                PUSH_SAFETY_POLL
            } else {
                Span::seconds(i64::try_from(app.providers().sync_interval_seconds).unwrap_or(300))
            };
            SyncOutcome::Synced {
                at: now,
                next_at: now + every,
            }
        }
        Err(error) => {
            let failures = connection.as_ref().map_or(0, |c| c.failures);
            let delay = retry_delay(error, failures);
            tracing::warn!(connection = id, %error, ?delay, "calendar sync failed");
            let needs_reconnect = matches!(error, SyncError::Unauthorized(_));
            SyncOutcome::Failed {
                error: error.to_string(),
                next_at: now + Span::from_std(delay).unwrap_or(Span::hours(1)),
                needs_reconnect,
            }
        }
    };
    // Credentials refused: the host hears once per episode (no sync runs
    // again until they reconnect, so one such outcome is recorded per
    // episode), queued with the outcome only if it is recorded.
    let effects = match &outcome {
        SyncOutcome::Failed {
            needs_reconnect: true,
            ..
        } => vec![ReconnectMail::new(id).effect()],
        _ => Vec::new(),
    };
    if let Err(error) = app
        .store
        .finish_sync_with(id, lease_until, &outcome, &effects)
        .await
    {
        tracing::error!(connection = id, %error, "cannot record the sync outcome");
    } else if !effects.is_empty() {
        app.signals.effects.notify_one();
    }
    // Whether the host's data counts as stale may have changed with this
    // outcome (see `Snapshot::stale_hosts`): cached slots must go, even when
    // the sync itself brought nothing new.
    let never_synced = connection
        .as_ref()
        .is_some_and(|c| c.last_synced_at.is_none());
    let staleness_changes = match &outcome {
        SyncOutcome::Synced { .. } => {
            never_synced || connection.as_ref().is_some_and(|c| c.awaiting_sync)
        }
        SyncOutcome::Failed {
            needs_reconnect, ..
        } => *needs_reconnect || never_synced,
    };
    if staleness_changes {
        app.changed();
    }
}

/// Syncs every connection that is due (up to `limit`, a few at a time).
/// Returns how many ran.
pub async fn run_due(app: &App, limit: u32) -> Result<usize, crate::store::StoreError> {
    run_due_until(app, limit, &Shutdown::never()).await
}

/// [`run_due`] that stops taking connections at `shutdown` and gives back
/// the syncs still running at its deadline (due again at once, not after
/// [`LEASE`]).
pub async fn run_due_until(
    app: &App,
    limit: u32,
    shutdown: &Shutdown,
) -> Result<usize, crate::store::StoreError> {
    if shutdown.requested() {
        return Ok(0);
    }
    let now = app.now();
    // Whole milliseconds: the value is compared again when the sync ends,
    // and databases keep less than nanoseconds.
    let lease_until = chrono::DateTime::from_timestamp_millis((now + LEASE).timestamp_millis())
        .unwrap_or(now + LEASE);
    let due = app
        .store
        .claim_due_connections(now, lease_until, limit)
        .await?;
    let count = due.len();
    let mut tasks = tokio::task::JoinSet::new();
    let running = due.iter().cloned().collect();
    for id in due {
        let app = app.clone();
        tasks.spawn(async move {
            run_one(&app, &id, lease_until).await;
            id
        });
    }
    for id in finish_or_abandon(tasks, running, shutdown).await {
        if let Err(error) = app
            .store
            .release_connection(&id, lease_until, app.now())
            .await
        {
            tracing::warn!(connection = %id, %error, "cannot give back a sync; its lease will expire");
        }
    }
    Ok(count)
}
