//! The application context: what HTTP handlers, the background workers,
//! calendar sync and effects all reach, built once per process.
//!
//! One type, so the clock a test sets, the keys that seal credentials and
//! the signals that wake workers cannot differ between the parts that use
//! them. Cloning is cheap (every field is shared).

use crate::config::{HoldLimits, MailSettings, ProviderSettings, SmsSettings};
use crate::http::{cache::Caches, metrics::Metrics};
use crate::mail::Mailer;
use crate::secrets::KeyRing;
use crate::sms::SmsSender;
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

/// "Now", replaceable in tests.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Settings read once at start.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// This server's public base: manage links, OAuth callbacks, push
    /// notification addresses.
    pub public_url: String,
    pub providers: ProviderSettings,
    /// Caps on the slot holds one visitor keeps.
    pub holds: HoldLimits,
}

/// What wakes the background workers before their next tick.
#[derive(Clone, Default)]
pub struct Signals {
    /// The sync worker (a push arrived, a calendar was connected).
    pub sync: Arc<Notify>,
    /// The effects worker (a booking committed).
    pub effects: Arc<Notify>,
    /// The push worker (a subscription was dropped by its provider).
    pub push: Arc<Notify>,
}

/// The application context (see the module's documentation).
#[derive(Clone)]
pub struct App {
    pub store: SharedStore,
    pub clock: Clock,
    /// Seals credentials; without keys, calendars cannot be connected.
    pub keys: Option<Arc<KeyRing>>,
    /// For calls to providers, with [`http_client`]'s limits; if it could
    /// not be built, why (each call then fails as a setup error).
    pub http: Result<reqwest::Client, Arc<str>>,
    pub settings: Arc<Settings>,
    pub signals: Signals,
    /// Cached slot answers: dropped whenever data they derive from changes.
    pub caches: Arc<Caches>,
    pub metrics: Arc<Metrics>,
    /// Where email goes (SMTP, or a folder of `.eml` files).
    pub mailer: Arc<Mailer>,
    /// Where text messages go (a Twilio-compatible API, if configured).
    pub sms: Arc<SmsSender>,
}

impl App {
    pub fn new(store: SharedStore, public_url: impl Into<String>) -> Self {
        App {
            store,
            clock: Arc::new(Utc::now),
            keys: None,
            http: http_client().build().map_err(|error| {
                tracing::error!(%error, "cannot build the HTTP client: calendar providers are out of reach");
                error.to_string().into()
            }),
            settings: Arc::new(Settings {
                public_url: public_url.into(),
                providers: ProviderSettings::default(),
                holds: HoldLimits::default(),
            }),
            signals: Signals::default(),
            caches: Arc::new(Caches::default()),
            metrics: Arc::new(Metrics::default()),
            mailer: Arc::new(default_mailer()),
            sms: Arc::new(SmsSender::default()),
        }
    }

    /// Sends email as `settings` say (a bad setting names itself).
    pub fn with_mail(mut self, settings: &MailSettings) -> Result<Self, String> {
        self.mailer = Arc::new(Mailer::new(settings)?);
        Ok(self)
    }

    /// Sends text messages as `settings` say.
    pub fn with_sms(mut self, settings: &SmsSettings) -> Self {
        self.sms = Arc::new(SmsSender::new(settings));
        self
    }

    /// Replaces "now" everywhere (tests).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The keys that seal calendar credentials.
    pub fn with_keys(mut self, keys: Option<KeyRing>) -> Self {
        self.keys = keys.map(Arc::new);
        self
    }

    pub fn with_providers(mut self, providers: ProviderSettings) -> Self {
        Arc::make_mut(&mut self.settings).providers = providers;
        self
    }

    pub fn with_hold_limits(mut self, holds: HoldLimits) -> Self {
        Arc::make_mut(&mut self.settings).holds = holds;
        self
    }

    pub fn with_public_url(mut self, public_url: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.settings).public_url = public_url.into();
        self
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    pub fn public_url(&self) -> &str {
        &self.settings.public_url
    }

    pub fn providers(&self) -> &ProviderSettings {
        &self.settings.providers
    }

    /// Data that slots derive from changed outside a request (a sync, a
    /// poll closing): cached answers are dropped.
    pub fn changed(&self) {
        self.caches.invalidate();
    }

    /// Subscribes the slots cache to changes made by other processes.
    pub async fn watch_changes(&self) -> Result<(), crate::store::StoreError> {
        let cache = self.caches.clone();
        self.store
            .watch_changes(Arc::new(move |change| cache.on_change(change)))
            .await
            .map(|_| ())
    }
}

/// Without mail settings (tests, benchmarks, embedding Kairos as a
/// library), messages go to a folder under the system's temporary
/// directory: somewhere to look, never nowhere.
fn default_mailer() -> Mailer {
    let settings = MailSettings {
        folder: std::env::temp_dir().join("kairos-mail"),
        ..MailSettings::default()
    };
    Mailer::new(&settings)
        .unwrap_or_else(|error| unreachable!("the default sender parses: {error}"))
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
            "{}/src/app.rs: Client::builder()",
            env!("CARGO_MANIFEST_DIR")
        );
        found.retain(|hit| *hit != allowed);
        assert!(found.is_empty(), "{found:#?}");
    }
}
