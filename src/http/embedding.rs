//! Which sites may use an organization's booking pages and public API from a
//! browser (`domain::EmbeddingSettings`, default any): the public group's
//! CORS, and the `Content-Security-Policy: frame-ancestors` header the
//! booking pages send (`frame_policy`, or `frame_ancestors` for one page).
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

/// Whose page a public API path is about.
#[derive(Debug, PartialEq, Eq)]
enum Owner<'a> {
    /// `/api/v1/public/{user}/…`
    User(&'a str),
    /// `/api/v1/public/team/{team}` (the team listing)
    Team(&'a str),
}

/// The settings of the organization owning the path's user or team; `None`
/// when there is no such owner (the request will answer 404 on its own).
async fn for_owner(
    state: &App,
    owner: &Owner<'_>,
) -> Result<Option<Arc<EmbeddingSettings>>, ApiError> {
    let (kind, slug) = match owner {
        Owner::User(slug) => ("user", *slug),
        Owner::Team(slug) => ("team", *slug),
    };
    if crate::domain::Slug::parse(slug).is_err() {
        return Ok(None);
    }
    let key = format!("{kind}:{slug}");
    let now = Instant::from_utc(state.now());
    if let Some(found) = state.caches.embedding.get(&key, now) {
        return Ok(found);
    }
    let version = state.caches.embedding.version();
    let organization = match owner {
        Owner::User(slug) => state
            .store
            .user_by_slug(slug)
            .await
            .map(|u| u.organization_id),
        Owner::Team(slug) => state
            .store
            .team_page(slug)
            .await
            .map(|(team, _)| team.organization_id),
    };
    let found = match organization {
        Ok(organization_id) => Some(Arc::new(state.store.embedding(&organization_id).await?)),
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

/// The owner of a booking page (`/{user}`, `/{user}/{event}[/book]`,
/// `/team/{team}[/…]`); other pages (polls, bookings, links) have none here.
fn page_owner(path: &str) -> Option<Owner<'_>> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["team", team, ..] => Some(Owner::Team(team)),
        ["polls" | "booking" | "links" | "assets", ..] => None,
        [user] | [user, _] | [user, _, "book"] => Some(Owner::User(user)),
        _ => None,
    }
}

/// The pages' layer: a booking page of an organization that limits where
/// it may be embedded says so (`Content-Security-Policy: frame-ancestors`,
/// a header of its own, so it adds to any other policy). When the settings
/// cannot be read, only Kairos itself may frame the page.
pub async fn frame_policy(State(state): State<App>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let mut response = next.run(request).await;
    let html = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let Some(owner) = page_owner(&path).filter(|_| html) else {
        return response;
    };
    let policy = match for_owner(&state, &owner).await {
        Ok(Some(settings)) => settings.frame_ancestors(),
        Ok(None) => None,
        Err(_) => Some("frame-ancestors 'self'".to_string()),
    };
    if let Some(value) = policy.and_then(|p| HeaderValue::from_str(&p).ok()) {
        response
            .headers_mut()
            .append(CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// The owner named by a public API path. The team listing's static
/// `team` segment wins over a user slug, as in the router.
fn owner_in_path(path: &str) -> Option<Owner<'_>> {
    let rest = path.strip_prefix("/api/v1/public/")?;
    let segments: Vec<&str> = rest.split('/').collect();
    match segments.as_slice() {
        ["team", team] => Some(Owner::Team(team)),
        [user, _, ..] => Some(Owner::User(user)),
        _ => None,
    }
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
    let settings = match owner_in_path(request.uri().path()) {
        Some(owner) => match for_owner(&state, &owner).await {
            Ok(settings) => settings,
            Err(error) => return error.into_response(),
        },
        // Paths without an owner (a hold's release) carry their own secret.
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
    fn the_owner_is_the_user_or_the_team_after_public() {
        use super::{Owner, owner_in_path};
        assert_eq!(
            owner_in_path("/api/v1/public/ana/intro"),
            Some(Owner::User("ana"))
        );
        assert_eq!(
            owner_in_path("/api/v1/public/ana/intro/slots"),
            Some(Owner::User("ana"))
        );
        assert_eq!(
            owner_in_path("/api/v1/public/team/acme"),
            Some(Owner::Team("acme"))
        );
        assert_eq!(
            owner_in_path("/api/v1/public/team/intro/bookings"),
            Some(Owner::User("team"))
        );
        assert_eq!(owner_in_path("/api/v1/public/ana"), None);
        use super::page_owner;
        assert_eq!(page_owner("/ana"), Some(Owner::User("ana")));
        assert_eq!(page_owner("/ana/intro/book"), Some(Owner::User("ana")));
        assert_eq!(page_owner("/team/sales/intro"), Some(Owner::Team("sales")));
        assert_eq!(page_owner("/polls/abc"), None);
        assert_eq!(page_owner("/booking/abc"), None);
        assert_eq!(page_owner("/ana/intro/other"), None);
        assert_eq!(owner_in_path("/api/v1/users/x"), None);
    }
}
