//! Local stand-ins for Google Calendar and Microsoft Graph, answering like the
//! real APIs (shapes from their references, payloads under `fixtures/`), so
//! the production clients run unmodified against them. The OAuth part both
//! share lives here: an authorization endpoint that redirects back with a
//! code, and a token endpoint checking the client's authentication (basic
//! or in the form) and PKCE, issuing and refreshing tokens,
//! and answering `invalid_grant` once consent is revoked.

pub mod google;
pub mod microsoft;
pub mod twilio;

use axum::Json;
use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use serde::Deserialize;
use serde_json::json;
use sha2::Digest;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// A fixture file's JSON array: `fixtures/<provider>/<name>`.
pub fn fixture(provider: &str, name: &str) -> Vec<serde_json::Value> {
    let path = format!("{}/fixtures/{provider}/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("fixture");
    serde_json::from_str(&text).expect("fixture JSON")
}

/// Kairos's settings for a fake at `base` whose API lives under `api_path`.
pub fn provider_settings(
    base: &str,
    client_id: &str,
    api_path: &str,
) -> kairos::config::OAuthProvider {
    kairos::config::OAuthProvider {
        client_id: Some(client_id.to_string()),
        client_secret: Some(kairos::config::Secret::new(CLIENT_SECRET)),
        auth_url: format!("{base}/auth"),
        token_url: format!("{base}/token"),
        api_url: format!("{base}{api_path}"),
    }
}

/// Takes one from `throttle` if any is left: the caller answers rate limited.
pub fn throttled(throttle: &mut u32) -> bool {
    let limited = *throttle > 0;
    *throttle = throttle.saturating_sub(1);
    limited
}

/// Marks an answer as "try again in a second".
pub fn retry_later(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert("retry-after", axum::http::HeaderValue::from_static("1"));
    response
}

/// Serves `router` on a free loopback port; returns its base URL.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{address}")
}

#[derive(Default)]
pub struct OAuthState {
    /// Authorization code → PKCE challenge.
    codes: HashMap<String, String>,
    access: HashSet<String>,
    refresh: HashSet<String>,
    pub refreshes: u32,
    counter: u32,
    /// The client that asked for consent: only it may redeem codes and
    /// refresh tokens, with the shared secret.
    client_id: Option<String>,
}

/// The client secret every fake's settings carry.
pub const CLIENT_SECRET: &str = "test-secret";

pub type SharedOAuth = Arc<Mutex<OAuthState>>;

impl OAuthState {
    fn issue(&mut self, refresh: Option<String>) -> serde_json::Value {
        self.counter += 1;
        let access = format!("access-{}", self.counter);
        self.access.insert(access.clone());
        let refresh = refresh.unwrap_or_else(|| format!("refresh-{}", self.counter));
        self.refresh.insert(refresh.clone());
        json!({ "access_token": access, "token_type": "Bearer", "expires_in": 3599, "refresh_token": refresh })
    }

    /// Grants tokens as a completed consent would (for benchmarks that
    /// skip the browser): `(access token, refresh token)`.
    #[allow(dead_code, reason = "used by benches/sync.rs, not by the tests")]
    pub fn grant(&mut self) -> (String, String) {
        let answer = self.issue(None);
        let text = |key: &str| answer[key].as_str().unwrap_or_default().to_string();
        (text("access_token"), text("refresh_token"))
    }

    /// Whether a request carries a live access token.
    pub fn authorized(&self, headers: &HeaderMap) -> bool {
        headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|token| self.access.contains(token))
    }

    /// Every access token expires (the next call answers 401).
    pub fn expire_access(&mut self) {
        self.access.clear();
    }

    /// The user revokes consent: refreshing fails with `invalid_grant`.
    pub fn revoke(&mut self) {
        self.access.clear();
        self.refresh.clear();
    }
}

#[derive(Deserialize)]
pub struct AuthorizeQuery {
    client_id: String,
    redirect_uri: String,
    state: String,
    code_challenge: String,
    code_challenge_method: String,
}

pub async fn authorize(oauth: SharedOAuth, query: AuthorizeQuery) -> Response {
    if query.code_challenge_method != "S256" {
        return (StatusCode::BAD_REQUEST, "PKCE S256 required").into_response();
    }
    oauth.lock().expect("oauth").client_id = Some(query.client_id.clone());
    let code = format!("code-{}", kairos::domain::random_token(12));
    oauth
        .lock()
        .expect("oauth")
        .codes
        .insert(code.clone(), query.code_challenge);
    let separator = if query.redirect_uri.contains('?') {
        '&'
    } else {
        '?'
    };
    Redirect::to(&format!(
        "{}{separator}code={code}&state={}",
        query.redirect_uri, query.state
    ))
    .into_response()
}

#[derive(Deserialize)]
pub struct TokenForm {
    grant_type: String,
    client_id: Option<String>,
    client_secret: Option<String>,
    code: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
}

fn invalid_grant(description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": "invalid_grant", "error_description": description })),
    )
        .into_response()
}

/// The client's credentials, from HTTP Basic authentication
/// (`client_secret_basic`) or the form (`client_secret_post`).
fn client(headers: &HeaderMap, form: &TokenForm) -> Option<(String, String)> {
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|pair| {
            let (id, secret) = pair.split_once(':')?;
            let decode = |t: &str| {
                form_urlencoded::parse(format!("x={t}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
            };
            Some((decode(id)?, decode(secret)?))
        });
    basic.or_else(|| Some((form.client_id.clone()?, form.client_secret.clone()?)))
}

pub async fn token(oauth: SharedOAuth, headers: HeaderMap, form: TokenForm) -> Response {
    let mut state = oauth.lock().expect("oauth");
    let authenticated = client(&headers, &form).is_some_and(|(id, secret)| {
        secret == CLIENT_SECRET && state.client_id.as_deref().is_none_or(|known| known == id)
    });
    if !authenticated {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "invalid_client", "error_description": "Client authentication failed." })),
        )
            .into_response();
    }
    match form.grant_type.as_str() {
        "authorization_code" => {
            let Some(challenge) = form.code.and_then(|c| state.codes.remove(&c)) else {
                return invalid_grant("unknown or used code");
            };
            let verifier = form.code_verifier.unwrap_or_default();
            let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(sha2::Sha256::digest(verifier.as_bytes()));
            if computed != challenge {
                return invalid_grant("PKCE verification failed");
            }
            Json(state.issue(None)).into_response()
        }
        "refresh_token" => {
            let Some(refresh) = form.refresh_token.filter(|r| state.refresh.contains(r)) else {
                return invalid_grant("Token has been expired or revoked.");
            };
            state.refreshes += 1;
            let mut answer = state.issue(Some(refresh));
            // Like Google: a refresh answer carries no new refresh token.
            answer.as_object_mut().map(|o| o.remove("refresh_token"));
            Json(answer).into_response()
        }
        _ => (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "unsupported_grant_type" })),
        )
            .into_response(),
    }
}

/// The OAuth routes of a fake, at `/auth` and `/token`.
pub fn oauth_routes(oauth: SharedOAuth) -> axum::Router {
    let for_auth = oauth.clone();
    axum::Router::new()
        .route(
            "/auth",
            axum::routing::get(move |Query(q): Query<AuthorizeQuery>| {
                let oauth = for_auth.clone();
                async move { authorize(oauth, q).await }
            }),
        )
        .route(
            "/token",
            axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
                let oauth = oauth.clone();
                async move {
                    match serde_urlencoded::from_bytes::<TokenForm>(&body) {
                        Ok(form) => token(oauth, headers, form).await,
                        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
                    }
                }
            }),
        )
}

/// Completes an OAuth connection as a host's browser would: open the
/// authorization URL, follow the provider's redirect to Kairos's callback.
/// Returns the callback's answer.
pub async fn consent(authorization_url: &str) -> reqwest::Response {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let at_provider = http.get(authorization_url).send().await.expect("authorize");
    assert!(
        at_provider.status().is_redirection(),
        "{}",
        at_provider.status()
    );
    let back = at_provider
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_string();
    http.get(back).send().await.expect("callback")
}
