//! Edge cases a careful review found: changed event types, idempotency keys
//! reused for other requests, control characters, bounded calendar feeds,
//! schedules in use, late reschedules, admin cancellation, paging.

use crate::helpers::{
    App, Backend, assert_problem, booking, office_hours, send, slot_starts as starts,
};
use crate::on_both;
use axum::http::{Method, StatusCode};
use serde_json::json;

const SLOTS: &str = "/api/v1/public/ana/call/slots?start=2026-06-01T00:00:00Z&end=2026-06-02T00:00:00Z&timezone=UTC";

/// A booking made before its event type got shorter still blocks its real time.
async fn shortened_event_type(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = app.host("ana", "UTC", office_hours()).await;
    let body = json!({ "owner_id": ana, "slug": "call", "title": "Call", "kind": "one_on_one", "duration_minutes": 60, "slot_interval_minutes": 30 });
    let id = app.event_type(body.clone()).await;
    let made = app
        .book_public("ana/call", "2026-06-01T10:00:00Z", "a@example.com")
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    let mut shorter = body;
    shorter["duration_minutes"] = json!(30);
    let updated = app
        .admin(
            Method::PUT,
            &format!("/api/v1/event-types/{id}"),
            Some(shorter),
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.json);
    let slots = starts(&app.public(Method::GET, SLOTS, None).await.json);
    assert!(
        !slots.contains(&"2026-06-01T10:30:00Z".to_string()),
        "10:00–11:00 is still booked"
    );
    assert!(slots.contains(&"2026-06-01T11:00:00Z".to_string()));
    let late = app
        .book_public("ana/call", "2026-06-01T10:30:00Z", "b@example.com")
        .await;
    assert_problem(&late, StatusCode::CONFLICT, Some("start"));
}

/// An Idempotency-Key replays only the request it was first used with.
async fn idempotency_key_reuse(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = app.host("ana", "UTC", office_hours()).await;
    app.event_type(json!({ "owner_id": ana, "slug": "call", "title": "Call", "kind": "one_on_one", "duration_minutes": 30 })).await;
    let url = "/api/v1/public/ana/call/bookings";
    let first = booking("2026-06-01T10:00:00Z", "a@example.com");
    let made = app
        .send(Method::POST, url, Some(&first), &[("idempotency-key", "k")])
        .await;
    assert_eq!(made.status, StatusCode::CREATED);
    let other = booking("2026-06-01T11:00:00Z", "mallory@example.com");
    let reused = app
        .send(Method::POST, url, Some(&other), &[("idempotency-key", "k")])
        .await;
    assert_problem(
        &reused,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("Idempotency-Key"),
    );
    assert!(
        reused.json.get("invitee").is_none(),
        "nothing of the first booking leaks"
    );
    // Concurrent retries of one request: one booking, every answer carries it.
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let router = app.router.clone();
        let body = booking("2026-06-01T13:00:00Z", "retry@example.com").to_string();
        tasks.push(tokio::spawn(async move {
            send(
                &router,
                Method::POST,
                url,
                Some(body),
                &[("idempotency-key", "retry")],
            )
            .await
        }));
    }
    let mut uids = std::collections::HashSet::new();
    for task in tasks {
        let response = task.await.expect("task");
        assert!(
            matches!(response.status, StatusCode::CREATED | StatusCode::OK),
            "{}",
            response.json
        );
        uids.insert(
            response.json["uid"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
    }
    assert_eq!(uids.len(), 1, "every retry answers with the one booking");
}

/// Control characters and junk in URLs are 4xx on both databases, never 500.
async fn hostile_input(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = app.host("ana", "UTC", office_hours()).await;
    app.event_type(json!({ "owner_id": ana, "slug": "call", "title": "Call", "kind": "one_on_one", "duration_minutes": 30 })).await;
    let mut body = booking("2026-06-01T10:00:00Z", "a@example.com");
    body["invitee"]["name"] = json!("Pat\u{0}Doe");
    let nul = app
        .public(Method::POST, "/api/v1/public/ana/call/bookings", Some(body))
        .await;
    assert_problem(&nul, StatusCode::UNPROCESSABLE_ENTITY, Some("invitee.name"));
    let mut body = booking("2026-06-01T10:00:00Z", "a@example.com");
    body["utm"] = json!({ "source": "x\u{0}" });
    let nul = app
        .public(Method::POST, "/api/v1/public/ana/call/bookings", Some(body))
        .await;
    assert_problem(&nul, StatusCode::UNPROCESSABLE_ENTITY, Some("utm.source"));
    for uri in [
        "/api/v1/manage/%00?token=x",
        "/api/v1/public/%00/call",
        "/api/v1/public/ana/%00/slots?start=2026-06-01T00:00:00Z&end=2026-06-02T00:00:00Z&timezone=UTC",
    ] {
        let response = app.public(Method::GET, uri, None).await;
        assert_problem(&response, StatusCode::NOT_FOUND, None);
    }
    let response = app.admin(Method::GET, "/api/v1/bookings/%00", None).await;
    assert_problem(&response, StatusCode::NOT_FOUND, None);
    let user = app
        .admin(Method::POST, "/api/v1/users", Some(json!({ "slug": "bo", "name": "B\u{7}", "email": "b@example.com", "timezone": "UTC" })))
        .await;
    assert_problem(&user, StatusCode::UNPROCESSABLE_ENTITY, Some("name"));
    // A body over the limit is 413.
    let huge = format!(
        "{{\"start\":\"2026-06-01T10:00:00Z\",\"pad\":\"{}\"}}",
        "x".repeat(3 << 20)
    );
    let response = send(
        &app.router,
        Method::POST,
        "/api/v1/public/ana/call/bookings",
        Some(huge),
        &[],
    )
    .await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
}

/// A recurring feed bounded to January blocks nothing in February.
async fn bounded_feeds(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = app.host("ana", "UTC", office_hours()).await;
    app.event_type(json!({ "owner_id": ana, "slug": "call", "title": "Call", "kind": "one_on_one", "duration_minutes": 60 })).await;
    let block = app
        .admin(Method::POST, "/api/v1/busy-blocks", Some(json!({
            "user_id": ana, "start": "2026-05-01T00:00:00Z", "end": "2026-06-01T10:30:00Z", "source": "feed",
            "ical": "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:daily\r\nDTSTART:20260504T100000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        })))
        .await;
    assert_eq!(block.status, StatusCode::CREATED, "{}", block.json);
    // On June 1 the feed covers 10:00–10:30 only; June 2's occurrence is outside its bounds.
    let slots = starts(&app.public(Method::GET, "/api/v1/public/ana/call/slots?start=2026-06-01T00:00:00Z&end=2026-06-03T00:00:00Z&timezone=UTC", None).await.json);
    assert!(!slots.contains(&"2026-06-01T10:00:00Z".to_string()));
    assert!(slots.contains(&"2026-06-01T11:00:00Z".to_string()));
    assert!(slots.contains(&"2026-06-02T10:00:00Z".to_string()));
    // Listed and deleted through the API.
    let listed = app
        .admin(
            Method::GET,
            &format!("/api/v1/busy-blocks?user_id={ana}"),
            None,
        )
        .await;
    assert_eq!(listed.json.as_array().map(Vec::len), Some(1));
    let id = listed.json[0]["id"].as_str().expect("id").to_string();
    let deleted = app
        .admin(Method::DELETE, &format!("/api/v1/busy-blocks/{id}"), None)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let slots = starts(&app.public(Method::GET, SLOTS, None).await.json);
    assert!(
        slots.contains(&"2026-06-01T10:00:00Z".to_string()),
        "the deletion shows at once"
    );
    let again = app
        .admin(Method::DELETE, &format!("/api/v1/busy-blocks/{id}"), None)
        .await;
    assert_problem(&again, StatusCode::NOT_FOUND, None);
}

/// A schedule an event type uses cannot be deleted, and must be a host's.
async fn schedules_in_use(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = app.host("ana", "UTC", office_hours()).await;
    let ben = app.host("ben", "UTC", office_hours()).await;
    let schedules = app.admin(Method::GET, "/api/v1/schedules", None).await;
    let of = |user: &str| {
        schedules
            .json
            .as_array()
            .expect("list")
            .iter()
            .find(|s| s["user_id"] == user)
            .expect("schedule")["id"]
            .as_str()
            .expect("id")
            .to_string()
    };
    let (anas, bens) = (of(&ana), of(&ben));
    let foreign = app
        .admin(Method::POST, "/api/v1/event-types", Some(json!({ "owner_id": ana, "slug": "x", "title": "X", "kind": "one_on_one", "duration_minutes": 30, "schedule_id": bens })))
        .await;
    assert_problem(
        &foreign,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("schedule_id"),
    );
    app.event_type(json!({ "owner_id": ana, "slug": "call", "title": "Call", "kind": "one_on_one", "duration_minutes": 30, "schedule_id": anas })).await;
    let refused = app
        .admin(Method::DELETE, &format!("/api/v1/schedules/{anas}"), None)
        .await;
    assert_problem(&refused, StatusCode::CONFLICT, None);
    let page = app
        .public(Method::GET, "/api/v1/public/ana/call", None)
        .await;
    assert_eq!(page.status, StatusCode::OK);
}

/// Hosts and admins cancel; nobody moves or cancels a meeting once it began.
async fn cancellation_rules(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = app.host("ana", "UTC", office_hours()).await;
    app.event_type(json!({ "owner_id": ana, "slug": "call", "title": "Call", "kind": "one_on_one", "duration_minutes": 30 })).await;
    let url = "/api/v1/public/ana/call/bookings";
    let a = app
        .public(
            Method::POST,
            url,
            Some(booking("2026-06-01T10:00:00Z", "a@example.com")),
        )
        .await;
    let b = app
        .public(
            Method::POST,
            url,
            Some(booking("2026-06-01T11:00:00Z", "b@example.com")),
        )
        .await;
    let (a_uid, a_token) = (
        a.json["uid"].as_str().expect("uid"),
        a.json["manage_token"].as_str().expect("token"),
    );
    let b_uid = b.json["uid"].as_str().expect("uid");
    let cancelled = app
        .admin(
            Method::POST,
            &format!("/api/v1/bookings/{b_uid}/cancel"),
            Some(json!({ "note": "host is ill" })),
        )
        .await;
    assert_eq!(cancelled.json["status"], "cancelled", "{}", cancelled.json);
    assert_eq!(cancelled.json["cancel_reason"], "host is ill");
    assert!(
        cancelled.json["cancelled_by"]
            .as_str()
            .unwrap_or_default()
            .starts_with("admin:")
    );
    let twice = app
        .admin(
            Method::POST,
            &format!("/api/v1/bookings/{b_uid}/cancel"),
            Some(json!({})),
        )
        .await;
    assert_problem(&twice, StatusCode::CONFLICT, None);
    app.set_now("2026-06-01T10:05:00Z");
    let late = app
        .public(
            Method::POST,
            &format!("/api/v1/manage/{a_uid}/reschedule?token={a_token}"),
            Some(json!({ "start": "2026-06-02T10:00:00Z" })),
        )
        .await;
    assert_problem(&late, StatusCode::CONFLICT, None);
    let late = app
        .admin(
            Method::POST,
            &format!("/api/v1/bookings/{a_uid}/cancel"),
            Some(json!({})),
        )
        .await;
    assert_problem(&late, StatusCode::CONFLICT, None);
}

/// Booking lists page.
async fn paging(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = app.host("ana", "UTC", office_hours()).await;
    app.event_type(json!({ "owner_id": ana, "slug": "call", "title": "Call", "kind": "one_on_one", "duration_minutes": 60 })).await;
    for hour in 9..14 {
        let made = app
            .public(
                Method::POST,
                "/api/v1/public/ana/call/bookings",
                Some(booking(
                    &format!("2026-06-01T{hour}:00:00Z"),
                    "p@example.com",
                )),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    }
    let page = app
        .admin(Method::GET, "/api/v1/bookings?limit=2&offset=1", None)
        .await;
    let got: Vec<&str> = page
        .json
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|b| b["start"].as_str())
        .collect();
    assert_eq!(got, ["2026-06-01T10:00:00Z", "2026-06-01T11:00:00Z"]);
}

on_both!(
    shortened_event_type,
    idempotency_key_reuse,
    hostile_input,
    bounded_feeds,
    schedules_in_use,
    cancellation_rules,
    paging
);
