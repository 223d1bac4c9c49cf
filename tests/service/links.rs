//! One-off links: hand-picked times outside working hours, single-use links,
//! expiry and revocation (410 with words a person understands), races.

use crate::helpers::{App, Backend, assert_problem, booking, office_hours, send};
use crate::on_both;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

async fn setup(backend: Backend) -> Option<(App, String, String)> {
    let app = App::new(backend).await?;
    let ana = app.host("ana", "UTC", office_hours()).await;
    let call = app.event_type(json!({ "owner_id": ana, "slug": "call", "title": "Call", "kind": "one_on_one", "duration_minutes": 60 })).await;
    Some((app, ana, call))
}

fn times(answer: &Value) -> Vec<String> {
    answer["days"]
        .as_array()
        .map(|days| {
            days.iter()
                .flat_map(|d| d["slots"].as_array().cloned().unwrap_or_default())
                .filter_map(|s| s["start"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

const RANGE: &str = "start=2026-06-01T00:00:00Z&end=2026-06-03T00:00:00Z&timezone=Europe/Paris";

async fn hand_picked_times(backend: Backend) {
    let Some((app, ana, call)) = setup(backend).await else {
        return;
    };
    let busy = app
        .admin(Method::POST, "/api/v1/busy-blocks", Some(json!({ "user_id": ana, "start": "2026-06-01T21:00:00Z", "end": "2026-06-01T22:00:00Z" })))
        .await;
    assert_eq!(busy.status, StatusCode::CREATED);
    // Never on top of busy time.
    let refused = app
        .admin(Method::POST, "/api/v1/links", Some(json!({ "event_type_id": call, "times": ["2026-06-01T19:00:00Z", "2026-06-01T21:30:00Z"] })))
        .await;
    assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY, Some("times[1]"));
    let refused = app
        .admin(
            Method::POST,
            "/api/v1/links",
            Some(json!({ "event_type_id": call, "times": ["2026-05-01T19:00:00Z"] })),
        )
        .await;
    assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY, Some("times[0]"));
    // Outside working hours is fine: the host chose it.
    let made = app
        .admin(Method::POST, "/api/v1/links", Some(json!({ "event_type_id": call, "times": ["2026-06-01T19:00:00Z", "2026-06-01T07:00:00Z"] })))
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    let token = made.json["token"].as_str().expect("token").to_string();
    assert_eq!(made.json["state"], "active");
    assert_eq!(
        made.json["url"].as_str().expect("url"),
        format!("http://kairos.test/links/{token}"),
        "the link's page"
    );
    let shown = app
        .public(Method::GET, &format!("/api/v1/links/{token}"), None)
        .await;
    assert_eq!(
        shown.json["times"],
        json!(["2026-06-01T07:00:00Z", "2026-06-01T19:00:00Z"])
    );
    assert_eq!(shown.json["event_type"]["title"], "Call");
    let offered = times(
        &app.public(
            Method::GET,
            &format!("/api/v1/links/{token}/slots?{RANGE}"),
            None,
        )
        .await
        .json,
    );
    assert_eq!(offered, ["2026-06-01T07:00:00Z", "2026-06-01T19:00:00Z"]);
    // Someone books 07:00 through the public page meanwhile? It is outside hours,
    // so only the link offers it; a busy block arriving later removes it.
    app.admin(Method::POST, "/api/v1/busy-blocks", Some(json!({ "user_id": ana, "start": "2026-06-01T07:30:00Z", "end": "2026-06-01T08:00:00Z" })))
        .await;
    let offered = times(
        &app.public(
            Method::GET,
            &format!("/api/v1/links/{token}/slots?{RANGE}"),
            None,
        )
        .await
        .json,
    );
    assert_eq!(offered, ["2026-06-01T19:00:00Z"]);
    let taken = app
        .public(
            Method::POST,
            &format!("/api/v1/links/{token}/bookings"),
            Some(booking("2026-06-01T07:00:00Z", "a@example.com")),
        )
        .await;
    assert_problem(&taken, StatusCode::CONFLICT, Some("start"));
    let other = app
        .public(
            Method::POST,
            &format!("/api/v1/links/{token}/bookings"),
            Some(booking("2026-06-01T20:00:00Z", "a@example.com")),
        )
        .await;
    assert_problem(&other, StatusCode::UNPROCESSABLE_ENTITY, Some("start"));
    let booked = app
        .public(
            Method::POST,
            &format!("/api/v1/links/{token}/bookings"),
            Some(booking("2026-06-01T19:00:00Z", "a@example.com")),
        )
        .await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.json);
    assert_eq!(booked.json["hosts"], json!([ana]));
    // Used up: 410, in words.
    for response in [
        app.public(Method::GET, &format!("/api/v1/links/{token}"), None)
            .await,
        app.public(
            Method::POST,
            &format!("/api/v1/links/{token}/bookings"),
            Some(booking("2026-06-01T19:00:00Z", "b@example.com")),
        )
        .await,
    ] {
        assert_problem(&response, StatusCode::GONE, None);
        assert!(
            response.json["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("already been used"),
            "{}",
            response.json
        );
    }
    let listed = app.admin(Method::GET, "/api/v1/links", None).await;
    assert_eq!(listed.json[0]["state"], "used");
}

async fn single_use_links_race(backend: Backend) {
    let Some((app, _, call)) = setup(backend).await else {
        return;
    };
    let made = app
        .admin(
            Method::POST,
            "/api/v1/links",
            Some(json!({ "event_type_id": call })),
        )
        .await;
    let token = made.json["token"].as_str().expect("token").to_string();
    let offered = times(
        &app.public(
            Method::GET,
            &format!("/api/v1/links/{token}/slots?{RANGE}"),
            None,
        )
        .await
        .json,
    );
    assert_eq!(offered.len(), 16, "the event type's normal slots");
    let mut tasks = Vec::new();
    for i in 0..64 {
        let router = app.router.clone();
        let url = format!("/api/v1/links/{token}/bookings");
        let body = booking(&offered[i % offered.len()], &format!("r{i}@example.com")).to_string();
        tasks.push(tokio::spawn(async move {
            send(&router, Method::POST, &url, Some(body), &[]).await
        }));
    }
    let mut created = 0;
    for task in tasks {
        let response = task.await.expect("task");
        match response.status {
            StatusCode::CREATED => created += 1,
            StatusCode::GONE | StatusCode::CONFLICT => {}
            other => panic!("{other}: {}", response.json),
        }
    }
    assert_eq!(created, 1, "a single-use link books once");
    let bookings = app.admin(Method::GET, "/api/v1/bookings", None).await;
    assert_eq!(bookings.json.as_array().map(Vec::len), Some(1));
}

async fn expiry_and_revocation(backend: Backend) {
    let Some((app, _, call)) = setup(backend).await else {
        return;
    };
    let expiring = app
        .admin(
            Method::POST,
            "/api/v1/links",
            Some(json!({ "event_type_id": call, "expires_at": "2026-05-30T00:00:00Z" })),
        )
        .await;
    let token = expiring.json["token"].as_str().expect("token").to_string();
    assert_eq!(
        app.public(Method::GET, &format!("/api/v1/links/{token}"), None)
            .await
            .status,
        StatusCode::OK
    );
    app.set_now("2026-05-30T00:00:01Z");
    let expired = app
        .public(
            Method::GET,
            &format!("/api/v1/links/{token}/slots?{RANGE}"),
            None,
        )
        .await;
    assert_problem(&expired, StatusCode::GONE, None);
    assert!(
        expired.json["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("expired")
    );
    let revocable = app
        .admin(
            Method::POST,
            "/api/v1/links",
            Some(json!({ "event_type_id": call })),
        )
        .await;
    let (id, token) = (
        revocable.json["id"].as_str().expect("id"),
        revocable.json["token"].as_str().expect("token"),
    );
    let revoked = app
        .admin(Method::DELETE, &format!("/api/v1/links/{id}"), None)
        .await;
    assert_eq!(revoked.json["state"], "revoked", "{}", revoked.json);
    let gone = app
        .public(
            Method::POST,
            &format!("/api/v1/links/{token}/bookings"),
            Some(booking("2026-06-01T10:00:00Z", "a@example.com")),
        )
        .await;
    assert_problem(&gone, StatusCode::GONE, None);
    assert!(
        gone.json["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("withdrawn")
    );
    let unknown = app
        .public(Method::GET, "/api/v1/links/nosuchtoken", None)
        .await;
    assert_problem(&unknown, StatusCode::NOT_FOUND, None);
    let bad = app
        .admin(
            Method::POST,
            "/api/v1/links",
            Some(json!({ "event_type_id": "ghost" })),
        )
        .await;
    assert_problem(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("event_type_id"),
    );
}

on_both!(
    hand_picked_times,
    single_use_links_race,
    expiry_and_revocation
);

/// Links to a round robin follow its strategy; a used link stays "used" when
/// revoked; a poll's hidden event type takes no links.
async fn links_and_teams(backend: Backend) {
    let Some((app, ana, _)) = setup(backend).await else {
        return;
    };
    let ben = app.host("ben", "UTC", office_hours()).await;
    let rr = app
        .event_type(json!({ "owner_id": ana, "slug": "rr", "title": "RR", "kind": "round_robin", "duration_minutes": 60,
            "hosts": [{ "user_id": ana }, { "user_id": ben }] }))
        .await;
    let mut hosts = Vec::new();
    let mut last = (String::new(), String::new());
    for hour in [10, 11] {
        let made = app
            .admin(
                Method::POST,
                "/api/v1/links",
                Some(json!({ "event_type_id": rr })),
            )
            .await;
        let (id, token) = (
            made.json["id"].as_str().expect("id").to_string(),
            made.json["token"].as_str().expect("token").to_string(),
        );
        let booked = app
            .public(
                Method::POST,
                &format!("/api/v1/links/{token}/bookings"),
                Some(booking(
                    &format!("2026-06-01T{hour}:00:00Z"),
                    "p@example.com",
                )),
            )
            .await;
        assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.json);
        hosts.push(booked.json["hosts"][0].as_str().expect("host").to_string());
        last = (id, token);
    }
    assert_ne!(
        hosts[0], hosts[1],
        "least recently booked rotates through links too"
    );
    let revoked = app
        .admin(Method::DELETE, &format!("/api/v1/links/{}", last.0), None)
        .await;
    assert_eq!(revoked.json["state"], "used");
    let poll = app
        .admin(
            Method::POST,
            "/api/v1/polls",
            Some(
                json!({ "host_id": ana, "title": "P", "duration_minutes": 30, "timezone": "UTC",
            "options": ["2026-06-01T09:00:00Z", "2026-06-01T10:00:00Z"], "open": true }),
            ),
        )
        .await;
    let hidden = poll.json["poll"]["event_type_id"].as_str().expect("id");
    let refused = app
        .admin(
            Method::POST,
            "/api/v1/links",
            Some(json!({ "event_type_id": hidden })),
        )
        .await;
    assert_problem(
        &refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("event_type_id"),
    );
}

on_both!(links_and_teams);
