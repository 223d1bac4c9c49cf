//! HTTP: axum router, state, middleware (request ids, tracing spans,
//! metrics), and serving with graceful shutdown.

pub mod api;
pub mod assets;
pub mod cache;
pub mod embedding;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod routes;
pub mod server;

use crate::app::App;
use api::{connections, ops};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderName, Method, Request};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use std::sync::Arc;
use std::time::Duration;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// Invalidates the caches when dropped, unless disarmed: a write request
/// invalidates even if it is cut short after its transaction committed.
struct InvalidateOnDrop {
    caches: Option<Arc<cache::Caches>>,
}

impl Drop for InvalidateOnDrop {
    fn drop(&mut self) {
        if let Some(caches) = self.caches.take() {
            caches.invalidate();
        }
    }
}

/// Middleware: a request that may have written anything invalidates cached
/// answers once it is done (the write has committed by then). A 4xx answer
/// wrote nothing, so it does not (otherwise anyone could wipe the cache).
async fn invalidate_on_write(
    State(state): State<App>,
    request: Request<axum::body::Body>,
    next: Next,
) -> Response {
    let writes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let mut guard = InvalidateOnDrop {
        caches: writes.then(|| state.caches.clone()),
    };
    let response = next.run(request).await;
    if response.status().is_client_error() {
        guard.caches = None;
    }
    drop(guard);
    if writes && response.status().is_success() {
        // A booking may have queued effects: carry them out now, not at the next tick.
        state.signals.effects.notify_one();
    }
    response
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn router(state: App) -> Router {
    let routes = routes::table();
    // Only after this fallback: a layer wraps a method router's fallback too,
    // so the public group's CORS layer also answers preflight (OPTIONS).
    // Unknown public endpoints answer their 404 with CORS too, so a widget
    // on another site can read it (and, say, book without holds on a server
    // that has none).
    let public = routes
        .public
        .nest(
            "/api/v1/public",
            Router::new().fallback(|| async { error::ApiError::not_found("endpoint") }),
        )
        .method_not_allowed_fallback(wrong_method)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            embedding::cors,
        ));
    let admin = routes
        .admin
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            extract::require_api_key,
        ));
    let api = routes
        .token
        .merge(admin)
        .route("/api/v1/openapi.json", get(openapi::serve))
        .method_not_allowed_fallback(wrong_method)
        .merge(public)
        .nest(
            "/api/v1",
            Router::new().fallback(|| async { error::ApiError::not_found("endpoint") }),
        );
    api
        .route(crate::sync::oauth::CALLBACK_PATH, get(connections::oauth_callback))
        .route(crate::sync::push::GOOGLE_PATH, post(connections::google_push))
        .route(crate::sync::push::MICROSOFT_PATH, post(connections::microsoft_push))
        .route(
            crate::sync::push::MICROSOFT_LIFECYCLE_PATH,
            post(connections::microsoft_lifecycle),
        )
        .merge(assets::routes())
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .merge(pages::router().layer(axum::middleware::from_fn_with_state(
            state.clone(),
            embedding::frame_policy,
        )))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(axum::middleware::from_fn_with_state(state.clone(), invalidate_on_write))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
            let id = request
                .headers()
                .get(REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            // The path only (manage links carry their secret in the query), with
            // token-like segments (links, polls) redacted.
            tracing::info_span!("request", method = %request.method(), path = %redacted(request.uri().path()), request_id = %id)
        })
        // One line per request (status, latency) inside the span that carries its id.
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}

/// axum answers a known path with an unknown method with an empty 405.
async fn wrong_method() -> error::ApiError {
    error::ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "this endpoint does not take that method",
    )
}

/// A path fit for logs: segments that look like secrets (24 or more letters
/// and digits, the shape of our tokens) become `…`.
fn redacted(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.len() >= 24 && segment.bytes().all(|b| b.is_ascii_alphanumeric()) {
                "…"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Serves until SIGTERM or ctrl-c, then lets in-flight requests finish.
pub async fn serve(listener: tokio::net::TcpListener, state: App) -> std::io::Result<()> {
    server::serve(
        listener,
        router(state),
        server::Limits::default(),
        shutdown_signal(),
    )
    .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            // Not a reason to stop serving at once (this future would end
            // now): keep running until SIGTERM.
            tracing::warn!(%error, "cannot listen for ctrl-c; stop with SIGTERM");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_stay_out_of_logs() {
        assert_eq!(
            super::redacted("/api/v1/links/y4w35pqpsiniw3ap8qyfdiz5zgcup6iw/slots"),
            "/api/v1/links/…/slots"
        );
        assert_eq!(
            super::redacted("/api/v1/users/01a22148-5849-717b-9616-dc71ac102efa"),
            "/api/v1/users/01a22148-5849-717b-9616-dc71ac102efa"
        );
    }
}
