//! OAuth 2 for Google and Microsoft through the `oauth2` crate: the
//! authorization code flow with PKCE and offline access, and access tokens
//! that refresh themselves before they expire (or when the API says 401).

use super::api::{Credentials, SyncError};
use crate::app::App;
use crate::config::OAuthProvider;
use crate::domain::{Connection, Provider};
use chrono::{DateTime, Duration, Utc};
use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    TokenResponse, TokenUrl,
};

type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// Refresh this long before the provider's expiry.
const REFRESH_MARGIN_SECONDS: i64 = 120;

/// The path providers send the host's browser back to.
pub const CALLBACK_PATH: &str = "/oauth/callback";

pub struct OAuthClient {
    client: Client,
    http: reqwest::Client,
    provider: Provider,
}

/// Where to send the host, and what to remember until they come back.
pub struct Authorization {
    pub url: url::Url,
    pub state: String,
    pub verifier: String,
}

fn settings(app: &App, provider: Provider) -> Result<&OAuthProvider, SyncError> {
    match provider {
        Provider::Google => Ok(&app.providers().google),
        Provider::Microsoft => Ok(&app.providers().microsoft),
        Provider::Caldav => Err(SyncError::Setup("CalDAV does not use OAuth".to_string())),
    }
}

impl OAuthClient {
    pub fn new(app: &App, provider: Provider) -> Result<Self, SyncError> {
        let settings = settings(app, provider)?;
        let setup = |what: &str| {
            SyncError::Setup(format!(
                "{}: {what} (set KAIROS_{}_CLIENT_ID and KAIROS_{}_CLIENT_SECRET)",
                provider.as_str(),
                provider.as_str().to_uppercase(),
                provider.as_str().to_uppercase()
            ))
        };
        let client_id = settings
            .client_id
            .clone()
            .ok_or_else(|| setup("no OAuth client is configured"))?;
        let bad_url = |e: url::ParseError| setup(&format!("bad endpoint URL: {e}"));
        let mut client = BasicClient::new(ClientId::new(client_id))
            .set_auth_uri(AuthUrl::new(settings.auth_url.clone()).map_err(bad_url)?)
            .set_token_uri(TokenUrl::new(settings.token_url.clone()).map_err(bad_url)?)
            .set_redirect_uri(
                RedirectUrl::new(format!(
                    "{}{CALLBACK_PATH}",
                    app.public_url().trim_end_matches('/')
                ))
                .map_err(bad_url)?,
            );
        if let Some(secret) = &settings.client_secret {
            client = client.set_client_secret(ClientSecret::new(secret.expose().to_string()));
        }
        // The token endpoint must not be followed through redirects (RFC 6749 §10).
        let http = crate::app::http_client()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SyncError::from_http(&e))?;
        Ok(OAuthClient {
            client,
            http,
            provider,
        })
    }

    fn scopes(&self) -> &'static [&'static str] {
        match self.provider {
            // The narrowest that do the job: write events, list calendars.
            Provider::Google => &[
                "https://www.googleapis.com/auth/calendar.events",
                "https://www.googleapis.com/auth/calendar.calendarlist.readonly",
            ],
            _ => &["offline_access", "User.Read", "Calendars.ReadWrite"],
        }
    }

    pub fn authorize(&self) -> Authorization {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = self
            .client
            .authorize_url(CsrfToken::new_random)
            .set_pkce_challenge(challenge);
        for scope in self.scopes() {
            request = request.add_scope(Scope::new((*scope).to_string()));
        }
        if self.provider == Provider::Google {
            // A refresh token, every time (Google sends one only on consent).
            request = request
                .add_extra_param("access_type", "offline")
                .add_extra_param("prompt", "consent");
        }
        let (url, state) = request.url();
        Authorization {
            url,
            state: state.secret().clone(),
            verifier: verifier.secret().clone(),
        }
    }

    pub async fn exchange(
        &self,
        code: &str,
        verifier: &str,
        now: DateTime<Utc>,
    ) -> Result<Credentials, SyncError> {
        let token = self
            .client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        Ok(credentials(&token, None, now))
    }

    pub async fn refresh(
        &self,
        refresh_token: &str,
        now: DateTime<Utc>,
    ) -> Result<Credentials, SyncError> {
        let token = self
            .client
            .exchange_refresh_token(&RefreshToken::new(refresh_token.to_string()))
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        Ok(credentials(&token, Some(refresh_token), now))
    }
}

fn credentials(
    token: &oauth2::basic::BasicTokenResponse,
    previous_refresh: Option<&str>,
    now: DateTime<Utc>,
) -> Credentials {
    let lifetime = token
        .expires_in()
        .and_then(|d| Duration::from_std(d).ok())
        .unwrap_or_else(|| Duration::hours(1));
    Credentials::OAuth {
        access_token: token.access_token().secret().clone(),
        // Providers may rotate the refresh token or keep the old one valid.
        refresh_token: token
            .refresh_token()
            .map(|t| t.secret().clone())
            .or_else(|| previous_refresh.map(str::to_string)),
        expires_at: now + lifetime,
    }
}

fn token_error<RE: std::error::Error + 'static>(
    error: RequestTokenError<RE, oauth2::basic::BasicErrorResponse>,
) -> SyncError {
    match error {
        RequestTokenError::ServerResponse(response) => {
            let detail = format!(
                "{}{}",
                response.error().as_ref(),
                response
                    .error_description()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            );
            match response.error() {
                // Revoked consent, an expired or reused grant: the host must reconnect.
                BasicErrorResponseType::InvalidGrant => SyncError::Unauthorized(detail),
                // Microsoft's "the user must sign in (or consent) again".
                BasicErrorResponseType::Extension(code)
                    if matches!(
                        code.as_str(),
                        "interaction_required" | "consent_required" | "login_required"
                    ) =>
                {
                    SyncError::Unauthorized(detail)
                }
                // Kairos's own client is refused: a configuration fault, which
                // must not send every host to reconnect.
                BasicErrorResponseType::InvalidClient
                | BasicErrorResponseType::UnauthorizedClient => SyncError::Setup(format!(
                    "the OAuth client is refused ({detail}); check the client id and secret"
                )),
                _ => SyncError::Permanent(format!("token endpoint: {detail}")),
            }
        }
        RequestTokenError::Request(e) => SyncError::Temporary(format!("token endpoint: {e}")),
        // An answer that is not a token response is usually an outage page.
        RequestTokenError::Parse(e, _) => SyncError::Temporary(format!("token endpoint: {e}")),
        RequestTokenError::Other(e) => SyncError::Temporary(format!("token endpoint: {e}")),
    }
}

/// A connection's access token, refreshed when due and stored sealed again.
pub struct TokenSource {
    app: App,
    connection: Connection,
    credentials: tokio::sync::Mutex<Credentials>,
}

impl TokenSource {
    pub fn new(app: App, connection: Connection, credentials: Credentials) -> Self {
        TokenSource {
            app,
            connection,
            credentials: tokio::sync::Mutex::new(credentials),
        }
    }

    /// A token valid for a while yet.
    pub async fn access_token(&self) -> Result<String, SyncError> {
        let mut credentials = self.credentials.lock().await;
        if let Credentials::OAuth {
            access_token,
            expires_at,
            ..
        } = &*credentials
            && *expires_at > self.app.now() + Duration::seconds(REFRESH_MARGIN_SECONDS)
        {
            return Ok(access_token.clone());
        }
        self.refresh_locked(&mut credentials).await
    }

    /// A new token, whatever the old one's expiry (the API answered 401).
    pub async fn refresh(&self) -> Result<String, SyncError> {
        let mut credentials = self.credentials.lock().await;
        self.refresh_locked(&mut credentials).await
    }

    /// What the store holds now, if another worker refreshed meanwhile.
    async fn stored(&self) -> Option<Credentials> {
        if self.connection.id.is_empty() {
            return None;
        }
        let access = self
            .app
            .store
            .connection_access(&self.connection.id)
            .await
            .ok()?;
        super::vault::open(&self.app, &access).ok()
    }

    async fn refresh_locked(&self, credentials: &mut Credentials) -> Result<String, SyncError> {
        // Workers (sync, effects, push) hold their own copies: one that
        // refreshed first may have rotated the refresh token. Take its token
        // when it is fresh, and refresh from the newest refresh token.
        if let Some(stored @ Credentials::OAuth { .. }) = self.stored().await {
            let fresh = matches!(&stored, Credentials::OAuth { access_token, expires_at, .. }
                if *expires_at > self.app.now() + Duration::seconds(REFRESH_MARGIN_SECONDS)
                    && !matches!(&*credentials, Credentials::OAuth { access_token: mine, .. } if mine == access_token));
            *credentials = stored;
            if fresh && let Credentials::OAuth { access_token, .. } = &*credentials {
                return Ok(access_token.clone());
            }
        }
        let Credentials::OAuth {
            refresh_token: Some(refresh_token),
            ..
        } = &*credentials
        else {
            return Err(SyncError::Unauthorized(
                "the access token expired and there is no refresh token".to_string(),
            ));
        };
        let client = OAuthClient::new(&self.app, self.connection.provider)?;
        let fresh = client.refresh(refresh_token, self.app.now()).await?;
        let sealed = super::vault::seal(
            &self.app,
            &fresh,
            &super::vault::connection_context(&self.connection),
        )?;
        self.app
            .store
            .set_credentials(&self.connection.id, &sealed)
            .await
            .map_err(|e| SyncError::Temporary(format!("storing refreshed credentials: {e}")))?;
        *credentials = fresh;
        match &*credentials {
            Credentials::OAuth { access_token, .. } => Ok(access_token.clone()),
            Credentials::Password { .. } => Err(SyncError::Permanent("not OAuth".to_string())),
        }
    }
}
