//! Opening a connection's provider client: its credentials from the vault,
//! the provider's endpoint from the settings, the shared HTTP client. Sync,
//! writes, push and disconnecting all start here.

use super::api::{CalendarApi, Credentials, SyncError};
use super::caldav::CaldavApi;
use super::google::GoogleApi;
use super::microsoft::GraphApi;
use super::oauth::TokenSource;
use super::rest::RestClient;
use super::vault;
use crate::app::App;
use crate::domain::Provider;
use crate::store::ConnectionAccess;
use std::sync::Arc;

/// A connection's provider client, ready to use.
pub enum OpenApi {
    Caldav(CaldavApi),
    Google(GoogleApi),
    Microsoft(GraphApi),
}

impl OpenApi {
    pub fn api(&self) -> &dyn CalendarApi {
        match self {
            OpenApi::Caldav(api) => api,
            OpenApi::Google(api) => api,
            OpenApi::Microsoft(api) => api,
        }
    }
}

/// Opens the provider API of a connection.
pub async fn open(app: &App, access: &ConnectionAccess) -> Result<OpenApi, SyncError> {
    let connection = &access.connection;
    let credentials = vault::open(app, access)?;
    match (connection.provider, credentials) {
        (Provider::Caldav, Credentials::Password { password }) => {
            let server = connection
                .server_url
                .as_deref()
                .ok_or_else(|| SyncError::Setup("CalDAV connection without server".to_string()))?;
            let server = url::Url::parse(server).map_err(|e| SyncError::Setup(e.to_string()))?;
            let emails = self_emails(app, access).await;
            let allow_private = app.providers().caldav_allow_private_networks;
            let api = CaldavApi::new(
                server,
                &connection.account,
                &password,
                emails,
                allow_private,
            )
            .map_err(SyncError::from)?;
            Ok(OpenApi::Caldav(api))
        }
        (
            provider @ (Provider::Google | Provider::Microsoft),
            credentials @ Credentials::OAuth { .. },
        ) => {
            let tokens = Arc::new(TokenSource::new(
                app.clone(),
                connection.clone(),
                credentials,
            ));
            let base = match provider {
                Provider::Google => &app.providers().google.api_url,
                _ => &app.providers().microsoft.api_url,
            };
            let rest = RestClient::new(http(app)?.clone(), base, tokens);
            Ok(match provider {
                Provider::Google => OpenApi::Google(GoogleApi::new(rest)),
                _ => OpenApi::Microsoft(GraphApi::new(rest, app.now())),
            })
        }
        _ => Err(SyncError::Setup(
            "credentials do not match the provider".to_string(),
        )),
    }
}

/// The shared HTTP client, or why it could not be built.
pub fn http(app: &App) -> Result<&reqwest::Client, SyncError> {
    app.http
        .as_ref()
        .map_err(|error| SyncError::Setup(format!("the HTTP client cannot start: {error}")))
}

/// Opens the API of the connection `id` (for push and writes), with what
/// the store holds about it.
pub async fn open_by_id(app: &App, id: &str) -> Result<(OpenApi, ConnectionAccess), SyncError> {
    let access = app
        .store
        .connection_access(id)
        .await
        .map_err(|e| SyncError::Temporary(format!("store: {e}")))?;
    Ok((open(app, &access).await?, access))
}

/// The host's addresses: the account and the Kairos user's email.
async fn self_emails(app: &App, access: &ConnectionAccess) -> Vec<String> {
    let connection = &access.connection;
    let mut emails = vec![connection.account.clone()];
    if let Ok(user) = app
        .store
        .user(&access.organization_id, &connection.user_id)
        .await
    {
        emails.push(user.input.email.as_str().to_string());
    }
    emails
}
