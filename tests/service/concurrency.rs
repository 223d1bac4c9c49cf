//! Double booking is impossible: many simultaneous requests for one slot give
//! exactly one booking (or exactly `seats` for a group), the rest clean 409s.

use crate::helpers::{App, Backend, booking, office_hours};
use crate::on_both;
use axum::http::{Method, StatusCode};
use serde_json::json;

const ATTEMPTS: usize = 64;

async fn race(app: &App, url: &str, start: &str) -> (usize, usize, Vec<String>) {
    let mut tasks = Vec::new();
    for i in 0..ATTEMPTS {
        let router = app.router.clone();
        let body = booking(start, &format!("racer{i}@example.com")).to_string();
        let url = url.to_string();
        tasks.push(tokio::spawn(async move {
            crate::helpers::send(&router, Method::POST, &url, Some(body), &[]).await
        }));
    }
    let (mut won, mut lost, mut other) = (0, 0, Vec::new());
    for task in tasks {
        let response = task.await.expect("task");
        match response.status {
            StatusCode::CREATED => won += 1,
            StatusCode::CONFLICT => {
                assert_eq!(response.json["detail"], "that time is no longer available");
                lost += 1;
            }
            status => other.push(format!("{status}: {}", response.json)),
        }
    }
    (won, lost, other)
}

async fn one_slot_one_winner(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = app.host("ana", "UTC", office_hours()).await;
    app.event_type(json!({ "owner_id": ana, "slug": "intro", "title": "Intro", "kind": "one_on_one", "duration_minutes": 30 }))
        .await;
    let (won, lost, other) = race(
        &app,
        "/api/v1/public/ana/intro/bookings",
        "2026-06-01T10:00:00Z",
    )
    .await;
    assert!(other.is_empty(), "unexpected answers: {other:?}");
    assert_eq!((won, lost), (1, ATTEMPTS - 1));
    let held = app
        .admin(Method::GET, "/api/v1/bookings?status=accepted", None)
        .await;
    assert_eq!(held.json.as_array().map(Vec::len), Some(1));
}

async fn seats_never_overfill(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = app.host("ana", "UTC", office_hours()).await;
    app.event_type(json!({ "owner_id": ana, "slug": "class", "title": "Class", "kind": "group", "duration_minutes": 60, "seats": 5 }))
        .await;
    let (won, lost, other) = race(
        &app,
        "/api/v1/public/ana/class/bookings",
        "2026-06-01T10:00:00Z",
    )
    .await;
    assert!(other.is_empty(), "unexpected answers: {other:?}");
    assert_eq!((won, lost), (5, ATTEMPTS - 5));
    let slots = app
        .public(Method::GET, "/api/v1/public/ana/class/slots?start=2026-06-01T10:00:00Z&end=2026-06-01T11:00:00Z&timezone=UTC", None)
        .await;
    assert_eq!(
        slots.json["days"],
        json!([]),
        "the full class shows no slot"
    );
}

/// Two event types of one host race for overlapping times: still one winner.
async fn across_event_types(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = app.host("ana", "UTC", office_hours()).await;
    app.event_type(json!({ "owner_id": ana, "slug": "short", "title": "Short", "kind": "one_on_one", "duration_minutes": 30 }))
        .await;
    app.event_type(json!({ "owner_id": ana, "slug": "long", "title": "Long", "kind": "one_on_one", "duration_minutes": 60 }))
        .await;
    let mut tasks = Vec::new();
    for i in 0..32 {
        let router = app.router.clone();
        let (url, start) = if i % 2 == 0 {
            ("/api/v1/public/ana/short/bookings", "2026-06-01T10:30:00Z")
        } else {
            ("/api/v1/public/ana/long/bookings", "2026-06-01T10:00:00Z")
        };
        let body = booking(start, &format!("r{i}@example.com")).to_string();
        tasks.push(tokio::spawn(async move {
            crate::helpers::send(&router, Method::POST, url, Some(body), &[]).await
        }));
    }
    let mut won = 0;
    for task in tasks {
        let response = task.await.expect("task");
        assert!(
            matches!(response.status, StatusCode::CREATED | StatusCode::CONFLICT),
            "{}",
            response.json
        );
        won += usize::from(response.status == StatusCode::CREATED);
    }
    assert_eq!(won, 1);
}

on_both!(
    one_slot_one_winner,
    seats_never_overfill,
    across_event_types
);
