//! The HTTP exchange Google and Graph clients share: a bearer token that
//! refreshes on 401, and retries of what a retry can fix (429 and Google's
//! 403 `rateLimitExceeded` after `Retry-After`, 5xx and timeouts with
//! exponential backoff and jitter). A page that failed is asked for again,
//! so paging resumes where it stopped.

use super::api::{SyncError, retry_after};
use super::oauth::TokenSource;
use rand::Rng;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// Attempts per request, the first included.
const ATTEMPTS: u32 = 4;
/// Longest wait between attempts, whatever `Retry-After` asks.
const LONGEST_WAIT: Duration = Duration::from_secs(30);

pub struct RestClient {
    http: reqwest::Client,
    pub base: String,
    tokens: Arc<TokenSource>,
}

/// An answer the retry loop did not absorb.
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub text: String,
}

impl Answer {
    /// The usual error for a status no API-specific rule claimed.
    pub fn error(&self) -> SyncError {
        SyncError::from_status(self.status.as_u16(), None, &self.text)
    }

    /// The outcome of removing something: gone already (404, 410) is removed.
    pub fn removed(&self) -> Result<(), SyncError> {
        match self.status {
            s if s.is_success() || s == StatusCode::NOT_FOUND || s == StatusCode::GONE => Ok(()),
            _ => Err(self.error()),
        }
    }
}

/// Google says "rate limited" with 403 and a reason, not only with 429.
fn rate_limited(status: StatusCode, text: &str) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || (status == StatusCode::FORBIDDEN
            && (text.contains("rateLimitExceeded") || text.contains("userRateLimitExceeded")))
}

/// Exponential backoff with full jitter: up to `base · 2^attempt`.
pub fn backoff(base: Duration, attempt: u32, cap: Duration) -> Duration {
    let ceiling = base.saturating_mul(1 << attempt.min(16)).min(cap);
    let millis = u64::try_from(ceiling.as_millis())
        .unwrap_or(u64::MAX)
        .max(1);
    Duration::from_millis(rand::rng().random_range(millis / 2..=millis))
}

impl RestClient {
    pub fn new(http: reqwest::Client, base: &str, tokens: Arc<TokenSource>) -> Self {
        RestClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            tokens,
        }
    }

    /// `path` relative to the API base, or an absolute URL (next links).
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        }
    }

    /// Sends a request, refreshing the token once on 401 and retrying
    /// what can be retried; returns the first answer that is neither.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Result<Answer, SyncError> {
        let url = self.url(path);
        let mut token = self.tokens.access_token().await?;
        let mut refreshed = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = self.http.request(method.clone(), &url).bearer_auth(&token);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let (status, wait, text) = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    let wait = retry_after(response.headers());
                    let text = response.text().await.unwrap_or_default();
                    (status, wait, text)
                }
                Err(error) if attempt < ATTEMPTS => {
                    tracing::debug!(%error, %url, "retrying after a network error");
                    tokio::time::sleep(backoff(Duration::from_millis(250), attempt, LONGEST_WAIT))
                        .await;
                    continue;
                }
                Err(error) => return Err(SyncError::from_http(&error)),
            };
            if status == StatusCode::UNAUTHORIZED {
                if refreshed {
                    return Err(SyncError::Unauthorized(
                        "the API refused a freshly refreshed token".to_string(),
                    ));
                }
                token = self.tokens.refresh().await?;
                refreshed = true;
                continue;
            }
            let limited = rate_limited(status, &text);
            if limited || status.is_server_error() {
                // A provider asking for a longer pause than a request may
                // sleep gets it from the runner (or the outbox), not early.
                let long = wait.is_some_and(|w| w > LONGEST_WAIT);
                if attempt >= ATTEMPTS || long {
                    return Err(if limited || long {
                        SyncError::RateLimited { retry_after: wait }
                    } else {
                        SyncError::Temporary(format!("HTTP {status} from {url}"))
                    });
                }
                let pause = match wait {
                    Some(wait) => wait.min(LONGEST_WAIT),
                    None => backoff(Duration::from_millis(250), attempt, LONGEST_WAIT),
                };
                tracing::debug!(%status, %url, ?pause, "retrying");
                tokio::time::sleep(pause).await;
                continue;
            }
            let body = serde_json::from_str(&text).unwrap_or(Value::Null);
            return Ok(Answer { status, body, text });
        }
    }

    /// A request whose answer must be a success; its JSON body.
    pub async fn json(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Result<Value, SyncError> {
        let answer = self.send(method, path, body, headers).await?;
        if answer.status.is_success() {
            Ok(answer.body)
        } else {
            Err(answer.error())
        }
    }
}

/// Percent-encodes one path segment (calendar ids hold `@` and `#`).
pub fn segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}
