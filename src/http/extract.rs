//! Extractors: JSON bodies with field-naming errors, query strings likewise,
//! and the admin's API key.

use super::AppState;
use super::error::ApiError;
use crate::domain::hash_secret;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A JSON body. Malformed JSON is a 400; JSON that does not fit the type is a
/// 422 naming the field (`invitee.email`), unlike axum's `Json`.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e| ApiError::new(e.status(), e.body_text()))?;
        parse_json(&bytes).map(Body)
    }
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if let Err(error) = serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
        return Err(ApiError::bad_request(format!("malformed JSON: {error}")));
    }
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let field = error.path().to_string();
        ApiError::invalid(
            if field == "." { String::new() } else { field },
            without_position(&error.into_inner().to_string()),
        )
    })
}

/// A query string, with the same field-naming errors (422).
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(Query)
            .map_err(|error| {
                let field = error.path().to_string();
                ApiError::invalid(field, error.into_inner().to_string())
            })
    }
}

/// The caller of an admin endpoint: an API key of one organization.
#[derive(Debug, Clone)]
pub struct Admin {
    pub organization_id: String,
    pub key_id: String,
}

impl Admin {
    pub fn actor(&self) -> String {
        format!("admin:{}", self.key_id)
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts.headers.get(AUTHORIZATION).ok_or_else(|| {
            ApiError::unauthorized("send an API key: Authorization: Bearer <key>")
        })?;
        let key = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| {
                ApiError::unauthorized("the Authorization header must be `Bearer <key>`")
            })?;
        let owner = state
            .store
            .api_key(&hash_secret(key))
            .await?
            .ok_or_else(|| ApiError::unauthorized("unknown API key"))?;
        if owner.revoked {
            return Err(ApiError::unauthorized("this API key was revoked"));
        }
        // Last use to the minute: one write a minute per key, not one per request.
        let now = (state.clock)();
        let now = chrono::DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now);
        let since = now - chrono::Duration::seconds(LAST_USED_RESOLUTION_SECONDS);
        if owner.last_used_at.is_none_or(|at| at < since)
            && let Err(error) = state.store.touch_api_key(&owner.key_id, now, since).await
        {
            tracing::warn!(%error, "cannot record an API key's last use");
        }
        Ok(Admin {
            organization_id: owner.organization_id,
            key_id: owner.key_id,
        })
    }
}

/// How stale an API key's `last_used_at` may be.
pub const LAST_USED_RESOLUTION_SECONDS: i64 = 60;

/// serde_json ends messages with " at line L column C"; with the field named,
/// the position only depends on how the client laid out its JSON.
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) if message[at..].contains(" column ") => message[..at].to_string(),
        _ => message.to_string(),
    }
}

/// A form body (`application/x-www-form-urlencoded`) into `T`, naming the field at fault.
pub fn parse_form<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(bytes));
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let field = error.path().to_string();
        ApiError::invalid(field, error.into_inner().to_string())
    })
}
