//! Push: Google `events.watch` channels, one per checked calendar, and one
//! Graph subscription per connection (on `/me/events`, held by its first
//! checked calendar: see `push_due`), opened and renewed before they expire; notifications
//! checked against the channel's secret and turned into a sync within
//! seconds. Connections without working push are polled (see `runner`).

use super::api::SyncError;
use super::clients::{self, OpenApi};
use crate::app::App;
use crate::domain::random_token;
use crate::store::PushChannel;
use chrono::Duration;

/// Channels are renewed when they would expire within this.
const RENEW_AHEAD: Duration = Duration::hours(12);

pub const GOOGLE_PATH: &str = "/push/google";
pub const MICROSOFT_PATH: &str = "/push/microsoft";
/// Where Graph posts a subscription's lifecycle: removed, needing
/// reauthorization, or notifications missed.
pub const MICROSOFT_LIFECYCLE_PATH: &str = "/push/microsoft/lifecycle";

pub async fn stop(api: &OpenApi, channel: &PushChannel) -> Result<(), SyncError> {
    match api {
        OpenApi::Google(google) => google.stop(channel).await,
        OpenApi::Microsoft(graph) => graph.unsubscribe(channel).await,
        OpenApi::Caldav(_) => Ok(()),
    }
}

/// Whether providers can deliver notifications to `base`: HTTPS, or a
/// loopback address (local stand-ins of the providers, tests).
fn push_reachable(base: &str) -> bool {
    let Ok(url) = url::Url::parse(base) else {
        return false;
    };
    let loopback = match url.host() {
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    url.scheme() == "https" || loopback
}

/// Opens a channel for each checked calendar that lacks one or whose
/// channel expires soon, then stops the old one. Returns how many opened.
pub async fn renew_due(app: &App) -> Result<usize, SyncError> {
    let due = app
        .store
        .push_due(app.now() + RENEW_AHEAD)
        .await
        .map_err(|e| SyncError::Temporary(format!("store: {e}")))?;
    let base = app.public_url().trim_end_matches('/').to_string();
    if !push_reachable(&base) {
        // Google and Microsoft deliver only to HTTPS: polling it is.
        return Ok(0);
    }
    let mut opened = 0;
    for (connection_id, calendar_id) in due {
        let result = async {
            let (api, access) = clients::open_by_id(app, &connection_id).await?;
            let Some(calendar) = access
                .connection
                .calendars
                .iter()
                .find(|c| c.id == calendar_id)
            else {
                return Ok(());
            };
            let old = access
                .channels
                .iter()
                .find(|(id, _)| *id == calendar_id)
                .map(|(_, channel)| channel.clone());
            let secret = random_token(32);
            let channel = match &api {
                OpenApi::Google(google) => {
                    let id = crate::domain::new_id();
                    google
                        .watch(
                            &calendar.external_id,
                            &format!("{base}{GOOGLE_PATH}"),
                            &id,
                            &secret,
                        )
                        .await?
                }
                OpenApi::Microsoft(graph) => {
                    graph
                        .subscribe(
                            &format!("{base}{MICROSOFT_PATH}"),
                            &format!("{base}{MICROSOFT_LIFECYCLE_PATH}"),
                            &secret,
                        )
                        .await?
                }
                OpenApi::Caldav(_) => return Ok(()),
            };
            app.store
                .set_push(&calendar_id, Some(&channel))
                .await
                .map_err(|e| SyncError::Temporary(format!("store: {e}")))?;
            if let Some(old) = old
                && let Err(error) = stop(&api, &old).await
            {
                tracing::debug!(%error, "could not stop a replaced push channel");
            }
            Ok::<(), SyncError>(())
        }
        .await;
        match result {
            Ok(()) => opened += 1,
            // Polling carries on; the next round tries again.
            Err(error) => {
                tracing::warn!(connection = %connection_id, %error, "cannot open a push channel")
            }
        }
    }
    Ok(opened)
}

/// A Graph lifecycle notification for subscription `push_id`: true when it
/// is genuine. A subscription removed or needing reauthorization is
/// forgotten (the push worker opens a new one) and, like missed
/// notifications, the connection syncs now: changes may have gone unheard.
pub async fn lifecycle(
    app: &App,
    push_id: &str,
    token: &str,
    event: &str,
) -> Result<bool, SyncError> {
    let store = |e: crate::store::StoreError| SyncError::Temporary(format!("store: {e}"));
    if !notified(app, push_id, token).await? {
        return Ok(false);
    }
    if matches!(event, "subscriptionRemoved" | "reauthorizationRequired") {
        app.store.forget_push(push_id).await.map_err(store)?;
        app.signals.push.notify_one();
    }
    tracing::info!(event, "Graph subscription lifecycle");
    Ok(true)
}

/// A notification for channel `push_id` carrying `token`: true when it is
/// genuine (the connection is then synced as soon as the worker wakes).
pub async fn notified(app: &App, push_id: &str, token: &str) -> Result<bool, SyncError> {
    let target = app
        .store
        .push_target(push_id)
        .await
        .map_err(|e| SyncError::Temporary(format!("store: {e}")))?;
    let Some((connection_id, expected)) = target else {
        return Ok(false);
    };
    // Compared as hashes: equal-length, so timing says nothing of the secret.
    if crate::domain::hash_secret(token) != crate::domain::hash_secret(&expected) {
        return Ok(false);
    }
    app.store
        .request_sync(&connection_id, app.now())
        .await
        .map_err(|e| SyncError::Temporary(format!("store: {e}")))?;
    app.signals.sync.notify_one();
    Ok(true)
}

#[cfg(test)]
mod tests {
    #[test]
    fn push_needs_https_or_a_local_stand_in() {
        assert!(super::push_reachable("https://book.acme.example"));
        assert!(super::push_reachable("http://127.0.0.1:8080"));
        assert!(super::push_reachable("http://localhost:8080"));
        assert!(!super::push_reachable("http://book.acme.example"));
        assert!(!super::push_reachable("http://10.0.0.5:8080"));
    }
}
