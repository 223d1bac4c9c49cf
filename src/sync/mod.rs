//! Calendar providers: connecting hosts' calendars, syncing their busy time
//! into the store, and writing bookings back.
//!
//! - [`api`]: the one interface every provider implements ([`api::CalendarApi`]),
//!   and the errors that decide retry, resync or reconnect.
//! - [`caldav`], [`google`], [`microsoft`]: the provider clients.
//! - [`events`]: provider events as busy rows, and bookings as events.
//! - [`connect`]: connecting, choosing calendars, disconnecting (use cases).
//! - [`runner`]: one sync of one connection; [`writer`]: the calendar-write effect.
//! - [`network`]: the guard that keeps CalDAV URLs off private networks.
//! - [`oauth`]: authorization code with PKCE, token refresh; [`rest`]: the
//!   retrying, refreshing HTTP exchange of the OAuth providers.
//! - [`push`]: Google watch channels and Graph subscriptions.

pub mod api;
pub mod caldav;
pub mod connect;
pub mod events;
pub mod google;
pub mod microsoft;
pub mod network;
pub mod oauth;
pub mod push;
pub mod rest;
pub mod runner;
pub mod writer;

use crate::config::ProviderSettings;
use crate::secrets::KeyRing;
use crate::store::SharedStore;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How long connecting to a provider may take: an address that swallows
/// packets fails here rather than after the whole request's limit.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a whole call to a provider may take: one that accepts the
/// connection and never answers must not hold a worker or a request.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Every outbound HTTP client starts here, with both limits (reqwest's
/// default client has none).
pub fn http_client() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
}

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Everything sync needs, shared by the HTTP handlers and the workers.
#[derive(Clone)]
pub struct SyncService {
    pub store: SharedStore,
    /// Seals credentials; without keys, calendars cannot be connected.
    pub keys: Option<Arc<KeyRing>>,
    pub providers: Arc<ProviderSettings>,
    /// For calls to providers, with [`http_client`]'s limits; if it could
    /// not be built, why (each call then fails as a setup error).
    pub http: Result<reqwest::Client, String>,
    pub clock: Clock,
    /// Where providers send push notifications (this server's public URL).
    pub public_url: String,
    /// Called after synced data changed (drops cached slots).
    pub on_change: Arc<dyn Fn() + Send + Sync>,
    /// Wakes the sync worker (a push arrived, a calendar was connected).
    pub wake: Arc<Notify>,
    /// Wakes the effects worker (a booking committed).
    pub wake_effects: Arc<Notify>,
}

impl SyncService {
    pub fn new(store: SharedStore, public_url: impl Into<String>) -> Self {
        SyncService {
            store,
            keys: None,
            providers: Arc::new(ProviderSettings::default()),
            http: http_client().build().map_err(|error| {
                tracing::error!(%error, "cannot build the HTTP client: calendar providers are out of reach");
                error.to_string()
            }),
            clock: Arc::new(Utc::now),
            public_url: public_url.into(),
            on_change: Arc::new(|| {}),
            wake: Arc::new(Notify::new()),
            wake_effects: Arc::new(Notify::new()),
        }
    }

    pub(crate) fn http(&self) -> Result<&reqwest::Client, api::SyncError> {
        self.http.as_ref().map_err(|error| {
            api::SyncError::Setup(format!("the HTTP client cannot start: {error}"))
        })
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    pub(crate) fn keys(&self) -> Result<&KeyRing, api::SyncError> {
        self.keys.as_deref().ok_or_else(|| {
            api::SyncError::Setup(
                "calendar connections need KAIROS_SECRET_KEYS (create one with `kairos keygen`)"
                    .to_string(),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    /// reqwest's ready-made clients have no timeouts: every client in the
    /// service comes from [`super::http_client`], the only builder here.
    #[test]
    fn every_http_client_has_timeouts() {
        let forbidden = [
            format!("Client::{}()", "new"),
            format!("Client::{}()", "default"),
            format!("reqwest::{}(", "get"),
            format!("{}::builder()", "Client"),
        ];
        let mut found = Vec::new();
        let mut folders = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).expect("src is readable") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    folders.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("source is text");
                for pattern in &forbidden {
                    found.extend(
                        text.match_indices(pattern.as_str())
                            .map(|_| format!("{}: {pattern}", path.display())),
                    );
                }
            }
        }
        // The one allowed builder: `http_client` itself.
        let allowed = format!(
            "{}/src/sync/mod.rs: Client::builder()",
            env!("CARGO_MANIFEST_DIR")
        );
        found.retain(|hit| *hit != allowed);
        assert!(found.is_empty(), "{found:#?}");
    }
}
