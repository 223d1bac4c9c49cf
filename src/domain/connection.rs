//! Calendar connections: a host's account at Google, Microsoft or a CalDAV
//! server, the calendars in it, and which of them Kairos reads and writes.

use super::{ValidationError, check_line, check_text, invalid};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    Google,
    Microsoft,
    Caldav,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Google => "google",
            Provider::Microsoft => "microsoft",
            Provider::Caldav => "caldav",
        }
    }

    pub fn parse(text: &str) -> Option<Provider> {
        match text {
            "google" => Some(Provider::Google),
            "microsoft" => Some(Provider::Microsoft),
            "caldav" => Some(Provider::Caldav),
            _ => None,
        }
    }
}

/// Whether Kairos can trust what it holds of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionStatus {
    /// Syncing normally.
    Active,
    /// Recent syncs failed for a temporary reason (network, 5xx, rate
    /// limits); they are retried with backoff and the data synced so far
    /// stays in use.
    Retrying,
    /// The provider refused the credentials for good (revoked consent,
    /// `invalid_grant`, a changed password). The host must connect again;
    /// until then the host shows no slots from the stale data.
    NeedsReconnect,
}

impl ConnectionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionStatus::Active => "active",
            ConnectionStatus::Retrying => "retrying",
            ConnectionStatus::NeedsReconnect => "needs_reconnect",
        }
    }

    pub fn parse(text: &str) -> Option<ConnectionStatus> {
        match text {
            "active" => Some(ConnectionStatus::Active),
            "retrying" => Some(ConnectionStatus::Retrying),
            "needs_reconnect" => Some(ConnectionStatus::NeedsReconnect),
            _ => None,
        }
    }
}

/// Connecting a CalDAV account (iCloud, Fastmail, Nextcloud, Radicale…).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaldavConnectInput {
    pub user_id: String,
    /// The server (discovery follows `/.well-known/caldav`) or any URL on it.
    pub server_url: String,
    pub username: String,
    /// An app password; stored encrypted.
    pub password: String,
}

impl CaldavConnectInput {
    pub fn validate(&self) -> Result<url::Url, ValidationError> {
        check_line("username", &self.username, 320, true)?;
        check_text("password", &self.password, 1024, true)?;
        let Ok(url) = url::Url::parse(self.server_url.trim()) else {
            return invalid("server_url", "is not a URL");
        };
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return invalid("server_url", "must be an http(s) URL with a host");
        }
        if !url.username().is_empty() || url.password().is_some() {
            return invalid(
                "server_url",
                "must not carry credentials; use username and password",
            );
        }
        Ok(url)
    }
}

/// Starting an OAuth connection (Google or Microsoft).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OAuthStartInput {
    pub user_id: String,
    pub provider: Provider,
    /// Where the host's browser goes once the provider sent it back.
    pub return_to: Option<String>,
}

impl OAuthStartInput {
    /// Checks the input; returns `return_to` in its normalized form.
    pub fn validate(&self) -> Result<Option<url::Url>, ValidationError> {
        if self.provider == Provider::Caldav {
            return invalid(
                "provider",
                "CalDAV connects with a password: POST /api/v1/connections/caldav",
            );
        }
        match &self.return_to {
            None => Ok(None),
            Some(to) => match url::Url::parse(to.trim()) {
                Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => {
                    Ok(Some(url))
                }
                _ => invalid("return_to", "must be an http(s) URL"),
            },
        }
    }
}

/// One calendar of a connection.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConnectedCalendar {
    pub id: String,
    /// The provider's id (CalDAV: the collection URL).
    pub external_id: String,
    pub name: String,
    pub primary: bool,
    /// Its events make the host busy.
    pub check_conflicts: bool,
    /// New bookings are written here (one per host).
    pub destination: bool,
    pub last_synced_at: Option<DateTime<Utc>>,
    /// The push channel keeping it fresh, while one is open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub push: Option<PushState>,
}

/// An open push channel (Google) or subscription (Microsoft Graph).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PushState {
    pub id: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Connection {
    pub id: String,
    pub user_id: String,
    pub provider: Provider,
    /// The account: an email address or a CalDAV user name.
    pub account: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_url: Option<String>,
    pub status: ConnectionStatus,
    pub last_synced_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Failed syncs in a row.
    pub failures: u32,
    pub next_sync_at: DateTime<Utc>,
    /// Synced events held, over all calendars.
    pub event_count: u64,
    /// Reconnected after its credentials were refused, and not synced since:
    /// what it holds may be out of date, so the host offers no slots (unless
    /// an event type's `stale_calendar` is `use_last_sync`) until the sync
    /// that follows the reconnect ends.
    pub awaiting_sync: bool,
    pub calendars: Vec<ConnectedCalendar>,
    pub created_at: DateTime<Utc>,
}

/// Which calendars count for conflicts and which one receives bookings.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarChoice {
    /// Ids of the calendars whose events make the host busy.
    pub check_conflicts: Vec<String>,
    /// Id of the calendar new bookings are written to (none: not written).
    pub destination: Option<String>,
}

impl CalendarChoice {
    pub fn validate(&self, calendars: &[ConnectedCalendar]) -> Result<(), ValidationError> {
        let known = |id: &String| calendars.iter().any(|c| &c.id == id);
        for (i, id) in self.check_conflicts.iter().enumerate() {
            if !known(id) {
                return invalid(
                    format!("check_conflicts[{i}]"),
                    "is not a calendar of this connection",
                );
            }
        }
        if let Some(id) = &self.destination
            && !known(id)
        {
            return invalid("destination", "is not a calendar of this connection");
        }
        Ok(())
    }
}
