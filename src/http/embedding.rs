//! Which sites may use an organization's booking pages and public API from a
//! browser (`domain::EmbeddingSettings`, default any): the public group's
//! CORS, and the `Content-Security-Policy: frame-ancestors` header pages send.
//!
//! CORS is answered here rather than by `tower_http::cors`: the allowed
//! origins depend on the organization owning the user in the path, which a
//! static layer cannot know.

use crate::app::App;
use crate::domain::EmbeddingSettings;
use crate::engine::Instant;
use crate::http::error::ApiError;
use crate::store::StoreError;
use axum::extract::{Request, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_METHOD,
    CONTENT_SECURITY_POLICY, HOST, ORIGIN, VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// What a browser on another site may send to the public API.
const ALLOW_METHODS: &str = "GET, POST, DELETE";
const ALLOW_HEADERS: &str = "content-type, idempotency-key";
const EXPOSE_HEADERS: &str = "idempotent-replayed";
/// Browsers keep a preflight answer this long (seconds).
const MAX_AGE: &str = "3600";

/// The organization's settings, cached until any data changes.
pub async fn for_organization(
    state: &App,
    organization_id: &str,
) -> Result<Arc<EmbeddingSettings>, ApiError> {
    let key = format!("org:{organization_id}");
    let now = Instant::from_utc(state.now());
    if let Some(Some(settings)) = state.caches.embedding.get(&key, now) {
        return Ok(settings);
    }
    let version = state.caches.embedding.version();
    let settings = Arc::new(state.store.embedding(organization_id).await?);
    state
        .caches
        .embedding
        .put(key, version, None, Some(settings.clone()));
    Ok(settings)
}

/// The settings of the organization owning the user `slug`; `None` when
/// there is no such user (the request will answer 404 on its own).
async fn for_user(state: &App, slug: &str) -> Result<Option<Arc<EmbeddingSettings>>, ApiError> {
    if crate::domain::Slug::parse(slug).is_err() {
        return Ok(None);
    }
    let key = format!("user:{slug}");
    let now = Instant::from_utc(state.now());
    if let Some(found) = state.caches.embedding.get(&key, now) {
        return Ok(found);
    }
    let version = state.caches.embedding.version();
    let found = match state.store.user_by_slug(slug).await {
        Ok(user) => Some(Arc::new(
            state.store.embedding(&user.organization_id).await?,
        )),
        Err(StoreError::NotFound(_)) => None,
        Err(error) => return Err(error.into()),
    };
    state
        .caches
        .embedding
        .put(key, version, None, found.clone());
    Ok(found)
}

/// The headers a booking page of the organization sends so that only the
/// sites it allows can frame it: `Content-Security-Policy: frame-ancestors
/// 'self' …`, or none when any site may. Return it with the page
/// (`(headers, Html(body))`).
pub async fn frame_ancestors(state: &App, organization_id: &str) -> Result<HeaderMap, ApiError> {
    let settings = for_organization(state, organization_id).await?;
    let mut headers = HeaderMap::new();
    if let Some(policy) = settings.frame_ancestors() {
        headers.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&policy).map_err(ApiError::internal)?,
        );
    }
    Ok(headers)
}

/// The user slug of a public API path (`/api/v1/public/{user}/…`).
fn user_in_path(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/api/v1/public/")?;
    let (user, _) = rest.split_once('/')?;
    Some(user)
}

/// Whether `origin` is the site the request was sent to (Kairos's own pages
/// post with an `Origin` header too), by the public URL or the `Host` header.
fn same_site(state: &App, headers: &HeaderMap, origin: &str) -> bool {
    let public = state.public_url().trim_end_matches('/');
    if public.eq_ignore_ascii_case(origin) {
        return true;
    }
    let host = headers.get(HOST).and_then(|h| h.to_str().ok());
    host.is_some_and(|host| {
        origin
            .split_once("://")
            .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host))
    })
}

enum Verdict {
    /// Any site: `Access-Control-Allow-Origin: *`.
    Anyone,
    /// This origin, named back (the answer varies by `Origin`).
    This(HeaderValue),
    Refused,
}

/// The public group's CORS: preflights answered here, answers marked for
/// the browser, and requests from sites the organization does not allow
/// refused with a 403 before any handler runs (a refused site must not be
/// able to book through a form post either).
pub async fn cors(State(state): State<App>, request: Request, next: Next) -> Response {
    let Some(origin) = request.headers().get(ORIGIN).cloned() else {
        return next.run(request).await;
    };
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(ACCESS_CONTROL_REQUEST_METHOD);
    let settings = match user_in_path(request.uri().path()) {
        Some(user) => match for_user(&state, user).await {
            Ok(settings) => settings,
            Err(error) => return error.into_response(),
        },
        // Paths without a user (a hold's release) carry their own secret.
        None => None,
    };
    let origin_text = origin.to_str().unwrap_or_default();
    let verdict = match &settings {
        None => Verdict::Anyone,
        Some(settings) if settings.any_origin() => Verdict::Anyone,
        Some(settings)
            if settings.allows(origin_text)
                || same_site(&state, request.headers(), origin_text) =>
        {
            Verdict::This(origin.clone())
        }
        Some(_) => Verdict::Refused,
    };
    let allow_origin = match verdict {
        Verdict::Anyone => HeaderValue::from_static("*"),
        Verdict::This(origin) => origin,
        Verdict::Refused => {
            let mut response = ApiError::new(
                StatusCode::FORBIDDEN,
                format!(
                    "this organization does not allow booking from {}",
                    origin_text.escape_debug()
                ),
            )
            .into_response();
            response
                .headers_mut()
                .insert(VARY, HeaderValue::from_static("origin"));
            return response;
        }
    };
    let echoed = allow_origin != "*";
    let mut response = if preflight {
        let mut response = StatusCode::NO_CONTENT.into_response();
        let headers = response.headers_mut();
        headers.insert(
            ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(ALLOW_METHODS),
        );
        headers.insert(
            ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOW_HEADERS),
        );
        headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(MAX_AGE));
        response
    } else {
        let mut response = next.run(request).await;
        response.headers_mut().insert(
            ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSE_HEADERS),
        );
        response
    };
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
    if echoed {
        headers.append(VARY, HeaderValue::from_static("origin"));
    }
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_user_is_the_first_segment_after_public() {
        assert_eq!(super::user_in_path("/api/v1/public/ana/intro"), Some("ana"));
        assert_eq!(
            super::user_in_path("/api/v1/public/ana/intro/slots"),
            Some("ana")
        );
        assert_eq!(super::user_in_path("/api/v1/public/ana"), None);
        assert_eq!(super::user_in_path("/api/v1/users/x"), None);
    }
}
