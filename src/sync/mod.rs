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
use tokio::sync::Notify;

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Everything sync needs, shared by the HTTP handlers and the workers.
#[derive(Clone)]
pub struct SyncService {
    pub store: SharedStore,
    /// Seals credentials; without keys, calendars cannot be connected.
    pub keys: Option<Arc<KeyRing>>,
    pub providers: Arc<ProviderSettings>,
    pub http: reqwest::Client,
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
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .unwrap_or_default(),
            clock: Arc::new(Utc::now),
            public_url: public_url.into(),
            on_change: Arc::new(|| {}),
            wake: Arc::new(Notify::new()),
            wake_effects: Arc::new(Notify::new()),
        }
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
