//! What the calendar-sync tests share: an app served on a real port (the
//! providers call it back), a host with an event type, connecting through
//! OAuth as a browser would, and running the workers' steps.

use crate::fakes::consent;
use crate::helpers::{App, Backend, slot_starts};
use axum::http::{Method, StatusCode};
use kairos::config::ProviderSettings;
use serde_json::{Value, json};

pub const SLOTS: &str = "/api/v1/public/ana/intro/slots?start=2026-06-01T00:00:00Z&end=2026-06-06T00:00:00Z&timezone=UTC";

/// An app served on a real port (providers call it back), using `fake`.
pub async fn served_app(
    backend: Backend,
    providers: impl FnOnce(&mut ProviderSettings),
) -> Option<(App, String)> {
    served_app_with(backend, providers, |state| state).await
}

/// [`served_app`], with more of the context set by `configure` (mail).
pub async fn served_app_with(
    backend: Backend,
    providers: impl FnOnce(&mut ProviderSettings),
    configure: impl FnOnce(kairos::app::App) -> kairos::app::App + Send + 'static,
) -> Option<(App, String)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let mut settings = ProviderSettings {
        caldav_allow_private_networks: true,
        ..Default::default()
    };
    providers(&mut settings);
    let public = base.clone();
    let app = App::with_state(backend, move |state| {
        configure(state.with_public_url(public).with_providers(settings))
    })
    .await?;
    let router = app.router.clone();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Some((app, base))
}

pub async fn sync(app: &App) {
    let ran = kairos::sync::runner::run_due(&app.context, 10)
        .await
        .expect("sync step");
    assert!(ran > 0, "a connection was due");
}

pub async fn connection(app: &App, id: &str) -> Value {
    app.admin(Method::GET, &format!("/api/v1/connections/{id}"), None)
        .await
        .json
}

pub async fn free(app: &App) -> Vec<String> {
    slot_starts(&app.public(Method::GET, SLOTS, None).await.json)
}

/// A host in Berlin (09–17 on weekdays) with a 30-minute event type whose
/// location asks the provider for a video meeting.
pub async fn host(app: &App) -> String {
    let day = json!([["09:00", "17:00"]]);
    let weekdays = json!({ "mon": day, "tue": day, "wed": day, "thu": day, "fri": day });
    let ana = app.host("ana", "Europe/Berlin", weekdays).await;
    app.event_type(
        json!({ "owner_id": ana, "slug": "intro", "title": "Intro", "kind": "one_on_one",
        "duration_minutes": 30, "location": { "kind": "provider_video" } }),
    )
    .await;
    ana
}

/// Connects through OAuth as the host's browser would; returns the connection id.
pub async fn connect(app: &App, ana: &str, provider: &str) -> String {
    let started = app
        .admin(
            Method::POST,
            "/api/v1/connections/oauth",
            Some(json!({ "user_id": ana, "provider": provider, "return_to": "https://app.example/settings?tab=calendars" })),
        )
        .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.json);
    let url = started.json["authorization_url"].as_str().expect("url");
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    let back = consent(url).await;
    assert_eq!(back.status().as_u16(), 303, "{:?}", back.text().await);
    let to = back.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    assert!(
        to.starts_with("https://app.example/settings?tab=calendars&connection="),
        "{to}"
    );
    let id = to.rsplit('=').next().expect("id").to_string();
    // The state is single-use.
    let replay = reqwest::get(format!(
        "{}/oauth/callback?code=x&state=used",
        app.context.public_url()
    ))
    .await
    .expect("callback");
    assert_eq!(replay.status().as_u16(), 422);
    id
}

/// Asks for a sync now and runs the sync worker's step.
pub async fn resync(app: &App, id: &str) {
    let asked = app
        .admin(
            Method::POST,
            &format!("/api/v1/connections/{id}/sync"),
            None,
        )
        .await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{}", asked.json);
    sync(app).await;
}

/// Runs the effects worker's step; how many effects ran.
/// Runs the due effects until none is left; how many calendar writes ran
/// (the emails a booking also causes are not these tests' business).
pub async fn effects(app: &App) -> usize {
    kairos::effects::drain(&app.context)
        .await
        .expect("effects")
        .iter()
        .filter(|ran| ran.kind == "calendar_write")
        .count()
}

/// Waits up to five seconds for `check` to hold.
pub async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..50 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("not within five seconds: {what}");
}

/// Books the intro call at `start` through the public API: `(uid, manage token)`.
pub async fn book(app: &App, start: &str, email: &str) -> (String, String) {
    let made = app.book_public("ana/intro", start, email).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    let text = |key: &str| made.json[key].as_str().expect(key).to_string();
    (text("uid"), text("manage_token"))
}

/// Cancels a booking by its manage token and runs the queue.
pub async fn cancel(app: &App, uid: &str, token: &str) {
    let cancelled = app
        .public(
            Method::POST,
            &format!("/api/v1/manage/{uid}/cancel?token={token}"),
            Some(json!({})),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.json);
    effects(app).await;
}

/// Moves a booking to `start` by its manage token and runs the queue;
/// returns the new booking's uid and manage token.
pub async fn reschedule(app: &App, uid: &str, token: &str, start: &str) -> (String, String) {
    let moved = app
        .public(
            Method::POST,
            &format!("/api/v1/manage/{uid}/reschedule?token={token}"),
            Some(json!({ "start": start })),
        )
        .await;
    assert_eq!(moved.status, StatusCode::CREATED, "{}", moved.json);
    effects(app).await;
    let text = |key: &str| moved.json[key].as_str().expect(key).to_string();
    (text("uid"), text("manage_token"))
}
