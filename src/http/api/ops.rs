//! Operations: liveness, readiness, metrics.

use crate::app::App;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::json;

/// The process is up.
pub async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// The process can serve: its database answers.
pub async fn readyz(State(state): State<App>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "database": state.store.backend() })),
        )
            .into_response(),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(
                    header::RETRY_AFTER,
                    crate::http::error::RETRY_AFTER_SECONDS.to_string(),
                )],
                Json(json!({ "status": "unavailable", "database": state.store.backend() })),
            )
                .into_response()
        }
    }
}

pub async fn metrics(State(state): State<App>) -> impl IntoResponse {
    let mut text = state.metrics.render();
    text.push_str(&sync_gauges(&state).await);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}

/// Calendar connections and queued effects by status, read from the
/// database at scrape time (every process sees the same numbers), so an
/// alert can fire on `needs_reconnect` or `failed` instead of anyone
/// finding out from a double booking.
async fn sync_gauges(state: &App) -> String {
    use crate::domain::{ConnectionStatus, EffectStatus};
    use std::fmt::Write;
    let mut out = String::new();
    let connections = state.store.connection_counts().await;
    let effects = state.store.effect_counts().await;
    let (Ok(connections), Ok(effects)) = (connections, effects) else {
        tracing::warn!("cannot read sync gauges for /metrics");
        return out;
    };
    let _ = writeln!(
        out,
        "# HELP kairos_calendar_connections Calendar connections by status."
    );
    let _ = writeln!(out, "# TYPE kairos_calendar_connections gauge");
    for status in [
        ConnectionStatus::Active,
        ConnectionStatus::Retrying,
        ConnectionStatus::NeedsReconnect,
    ] {
        let count = connections
            .iter()
            .find(|(s, _)| s == status.as_str())
            .map_or(0, |(_, n)| *n);
        let _ = writeln!(
            out,
            "kairos_calendar_connections{{status=\"{}\"}} {count}",
            status.as_str()
        );
    }
    let _ = writeln!(
        out,
        "# HELP kairos_effects Effects (calendar writes…) by kind and status."
    );
    let _ = writeln!(out, "# TYPE kairos_effects gauge");
    for kind in crate::effects::registry().kinds() {
        for status in [
            EffectStatus::Pending,
            EffectStatus::Done,
            EffectStatus::Failed,
        ] {
            let count = effects
                .iter()
                .find(|(k, s, _)| k == kind && s == status.as_str())
                .map_or(0, |(_, _, n)| *n);
            let _ = writeln!(
                out,
                "kairos_effects{{kind=\"{kind}\",status=\"{}\"}} {count}",
                status.as_str()
            );
        }
    }
    out
}
