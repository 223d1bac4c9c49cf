//! Connecting calendars (use cases): CalDAV with an app password, Google and
//! Microsoft through OAuth; choosing calendars; syncing on request;
//! disconnecting (push channels stopped, synced busy time dropped).

use super::api::{Credentials, SyncError};
use super::caldav::CaldavApi;
use super::clients;
use super::google::GoogleApi;
use super::microsoft::GraphApi;
use super::oauth::{OAuthClient, TokenSource};
use super::rest::RestClient;
use super::vault::{self, seal_context};
use crate::app::App;
use crate::domain::{
    CaldavConnectInput, CalendarChoice, Connection, ConnectionStatus, OAuthStartInput, Provider,
    ValidationError, hash_secret,
};
use crate::store::{NewConnection, OAuthState, StoreError};
use chrono::Duration;
use std::sync::Arc;

/// How long the host has to come back from the provider's consent page.
const OAUTH_STATE_LIFETIME: Duration = Duration::minutes(30);

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error("no such {0}")]
    NotFound(&'static str),
    /// The provider refused or failed; `field` names the input it is about.
    #[error("{error}")]
    Provider {
        field: &'static str,
        error: SyncError,
    },
    /// The request cannot be carried out in the connection's state.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn provider(field: &'static str) -> impl Fn(SyncError) -> ConnectError {
    move |error| ConnectError::Provider { field, error }
}

fn seal(app: &App, credentials: &Credentials, context: &str) -> Result<String, ConnectError> {
    vault::seal(app, credentials, context).map_err(provider(""))
}

async fn check_user(app: &App, organization_id: &str, user_id: &str) -> Result<(), ConnectError> {
    match app.store.user(organization_id, user_id).await {
        Ok(_) => Ok(()),
        Err(StoreError::NotFound(_)) => Err(ValidationError::new("user_id", "no such user").into()),
        Err(e) => Err(e.into()),
    }
}

/// Connects a CalDAV account after checking the server accepts it.
pub async fn connect_caldav(
    app: &App,
    organization_id: &str,
    input: &CaldavConnectInput,
) -> Result<Connection, ConnectError> {
    let server = input.validate()?;
    vault::keys(app).map_err(provider(""))?;
    check_user(app, organization_id, &input.user_id).await?;
    let allow_private = app.providers().caldav_allow_private_networks;
    if !allow_private {
        super::network::check_public(&server)
            .await
            .map_err(|e| ValidationError::new("server_url", e))?;
    }
    let api = CaldavApi::new(
        server.clone(),
        input.username.trim(),
        &input.password,
        Vec::new(),
        allow_private,
    )
    .map_err(|e| provider("server_url")(e.into()))?;
    let calendars =
        super::api::CalendarApi::calendars(&api)
            .await
            .map_err(|error| match error {
                SyncError::Unauthorized(_) => ConnectError::Provider {
                    field: "password",
                    error,
                },
                error => ConnectError::Provider {
                    field: "server_url",
                    error,
                },
            })?;
    let account = input.username.trim().to_string();
    let context = seal_context(&input.user_id, Provider::Caldav, server.as_str(), &account);
    let credentials = Credentials::Password {
        password: input.password.clone(),
    };
    let new = NewConnection {
        organization_id: organization_id.to_string(),
        user_id: input.user_id.clone(),
        provider: Provider::Caldav,
        account,
        server_url: server.to_string(),
        credentials: seal(app, &credentials, &context)?,
    };
    finish_connect(app, &new, &calendars).await
}

async fn finish_connect(
    app: &App,
    new: &NewConnection,
    calendars: &[crate::store::RemoteCalendar],
) -> Result<Connection, ConnectError> {
    let id = app.store.upsert_connection(new, app.now()).await?;
    app.store.save_calendars(&id, calendars).await?;
    // A reconnect changes the host's slots: none from the old data
    // (`awaiting_sync`) until the sync that follows at once has ended.
    app.changed();
    app.signals.sync.notify_one();
    // Writes that failed (or wait in backoff) while the credentials were
    // refused run again now: a cancelled meeting leaves the host's calendar,
    // a booking made meanwhile reaches it. The effects queue runs on the
    // wall clock.
    let requeued = app.store.requeue_writes(&id, chrono::Utc::now()).await?;
    if requeued > 0 {
        tracing::info!(connection = %id, requeued, "calendar writes queued again after a connect");
        app.signals.effects.notify_one();
    }
    Ok(app.store.connection(&new.organization_id, &id).await?)
}

/// Starts an OAuth connection: the URL to send the host to.
pub async fn start_oauth(
    app: &App,
    organization_id: &str,
    input: &OAuthStartInput,
) -> Result<url::Url, ConnectError> {
    let return_to = input.validate()?;
    vault::keys(app).map_err(provider(""))?;
    check_user(app, organization_id, &input.user_id).await?;
    let client = OAuthClient::new(app, input.provider).map_err(provider("provider"))?;
    let authorization = client.authorize();
    let state_hash = hash_secret(&authorization.state);
    let verifier = vault::keys(app)
        .map_err(provider(""))?
        .seal(
            &authorization.verifier,
            &format!("oauth-state/{state_hash}"),
        )
        .map_err(|e| provider("")(SyncError::Setup(e.to_string())))?;
    let state = OAuthState {
        organization_id: organization_id.to_string(),
        user_id: input.user_id.clone(),
        provider: input.provider,
        verifier,
        // Normalized: what the callback redirects to is a valid header value.
        return_to: return_to.map(|u| u.to_string()),
        expires_at: app.now() + OAUTH_STATE_LIFETIME,
    };
    app.store.insert_oauth_state(&state_hash, &state).await?;
    Ok(authorization.url)
}

/// Where the provider sent the host back: exchanges the code, finds the
/// account, stores the connection. Returns it with where to send the host.
pub async fn finish_oauth(
    app: &App,
    state: &str,
    code: &str,
) -> Result<(Connection, Option<String>), ConnectError> {
    let state_hash = hash_secret(state);
    let pending = app
        .store
        .take_oauth_state(&state_hash, app.now())
        .await?
        .ok_or_else(|| {
            ValidationError::new("state", "unknown or expired; start connecting again")
        })?;
    let verifier = vault::keys(app)
        .map_err(provider(""))?
        .open(&pending.verifier, &format!("oauth-state/{state_hash}"))
        .map_err(|e| provider("state")(SyncError::Setup(e.to_string())))?;
    let client = OAuthClient::new(app, pending.provider).map_err(provider("provider"))?;
    let credentials = client
        .exchange(code, &verifier, app.now())
        .await
        .map_err(provider("code"))?;
    // Not stored yet: the token is fresh, so nothing refreshes it meanwhile.
    let probe = Connection {
        id: String::new(),
        user_id: pending.user_id.clone(),
        provider: pending.provider,
        account: String::new(),
        server_url: None,
        status: crate::domain::ConnectionStatus::Active,
        last_synced_at: None,
        last_error: None,
        failures: 0,
        next_sync_at: app.now(),
        event_count: 0,
        awaiting_sync: false,
        calendars: Vec::new(),
        created_at: app.now(),
    };
    let tokens = Arc::new(TokenSource::new(app.clone(), probe, credentials.clone()));
    let (account, calendars) = match pending.provider {
        Provider::Google => {
            let api = GoogleApi::new(RestClient::new(
                clients::http(app).map_err(provider("code"))?.clone(),
                &app.providers().google.api_url,
                tokens,
            ));
            let account = api.account().await.map_err(provider("code"))?;
            (
                account,
                super::api::CalendarApi::calendars(&api)
                    .await
                    .map_err(provider("code"))?,
            )
        }
        _ => {
            let api = GraphApi::new(
                RestClient::new(
                    clients::http(app).map_err(provider("code"))?.clone(),
                    &app.providers().microsoft.api_url,
                    tokens,
                ),
                app.now(),
            );
            let account = api.account().await.map_err(provider("code"))?;
            (
                account,
                super::api::CalendarApi::calendars(&api)
                    .await
                    .map_err(provider("code"))?,
            )
        }
    };
    let context = seal_context(&pending.user_id, pending.provider, "", &account);
    let new = NewConnection {
        organization_id: pending.organization_id.clone(),
        user_id: pending.user_id.clone(),
        provider: pending.provider,
        account,
        server_url: String::new(),
        credentials: seal(app, &credentials, &context)?,
    };
    let connection = finish_connect(app, &new, &calendars).await?;
    Ok((connection, pending.return_to))
}

pub async fn choose_calendars(
    app: &App,
    organization_id: &str,
    id: &str,
    choice: &CalendarChoice,
) -> Result<Connection, ConnectError> {
    let connection = connection(app, organization_id, id).await?;
    choice.validate(&connection.calendars)?;
    // Calendars no longer watched lose their push channels (best effort).
    let unwatched: Vec<&crate::domain::ConnectedCalendar> = connection
        .calendars
        .iter()
        .filter(|c| c.push.is_some() && !choice.check_conflicts.contains(&c.id))
        .collect();
    if !unwatched.is_empty() {
        match clients::open_by_id(app, id).await {
            Ok((api, access)) => {
                for calendar in unwatched {
                    if let Some((_, channel)) =
                        access.channels.iter().find(|(c, _)| *c == calendar.id)
                        && let Err(error) = super::push::stop(&api, channel).await
                    {
                        tracing::warn!(connection = id, %error, "could not stop a push channel");
                    }
                    app.store.set_push(&calendar.id, None).await?;
                }
            }
            Err(error) => tracing::warn!(connection = id, %error, "could not stop push channels"),
        }
    }
    let connection = app
        .store
        .choose_calendars(organization_id, id, choice, app.now())
        .await?;
    app.changed();
    app.signals.sync.notify_one();
    Ok(connection)
}

pub async fn connection(
    app: &App,
    organization_id: &str,
    id: &str,
) -> Result<Connection, ConnectError> {
    app.store
        .connection(organization_id, id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound(what) => ConnectError::NotFound(what),
            other => other.into(),
        })
}

/// Makes a connection due now (a host who just changed their calendar).
/// One whose credentials were refused is not synced until it is connected
/// again, so asking would promise a sync that never comes.
pub async fn sync_now(
    app: &App,
    organization_id: &str,
    id: &str,
) -> Result<Connection, ConnectError> {
    let known = connection(app, organization_id, id).await?;
    if known.status == ConnectionStatus::NeedsReconnect {
        return Err(ConnectError::Conflict(format!(
            "the {} account {:?} needs reconnecting (the provider refused its credentials); \
             connect it again and it syncs at once",
            known.provider.as_str(),
            known.account
        )));
    }
    app.store.request_sync(id, app.now()).await?;
    app.signals.sync.notify_one();
    connection(app, organization_id, id).await
}

/// Stops push channels (best effort: the provider may already be gone),
/// then removes the connection and everything synced through it.
pub async fn disconnect(app: &App, organization_id: &str, id: &str) -> Result<(), ConnectError> {
    connection(app, organization_id, id).await?;
    let access = app.store.connection_access(id).await?;
    if !access.channels.is_empty() {
        match clients::open(app, &access).await {
            Ok(api) => {
                for (_, channel) in &access.channels {
                    if let Err(error) = super::push::stop(&api, channel).await {
                        tracing::warn!(connection = id, %error, "could not stop a push channel");
                    }
                }
            }
            Err(error) => tracing::warn!(connection = id, %error, "could not stop push channels"),
        }
    }
    app.store.delete_connection(organization_id, id).await?;
    app.changed();
    Ok(())
}

/// What a reconnect link (the one in a "reconnect your calendar" email)
/// opens: the connection to reconnect and its organization, or why not.
pub enum ReconnectLink {
    Open {
        organization_id: String,
        connection: Box<Connection>,
    },
    /// The connection was connected again since the email.
    Used,
    Expired,
}

/// The reconnect link of `token`; `None` for a token that opens nothing.
pub async fn reconnect_link(app: &App, token: &str) -> Result<Option<ReconnectLink>, ConnectError> {
    if !crate::domain::looks_like_token(token) {
        return Ok(None);
    }
    let Some(link) = app.store.reconnect_link(&hash_secret(token)).await? else {
        return Ok(None);
    };
    if link.used_at.is_some() {
        return Ok(Some(ReconnectLink::Used));
    }
    if link.expires_at <= app.now() {
        return Ok(Some(ReconnectLink::Expired));
    }
    match app
        .store
        .connection(&link.organization_id, &link.connection_id)
        .await
    {
        Ok(connection) => Ok(Some(ReconnectLink::Open {
            organization_id: link.organization_id,
            connection: Box::new(connection),
        })),
        Err(StoreError::NotFound(_)) => Ok(None),
        Err(error) => Err(error.into()),
    }
}
