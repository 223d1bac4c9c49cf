//! What a client is told when it is refused: email addresses parsed as
//! addresses, every rejection naming its field in plain words, the rule that
//! makes a time unbookable (and `explain` for admins), and idempotent replays
//! that answer like the first request.

use crate::helpers::{App, Backend, assert_problem, booking, office_hours, send};
use crate::on_both;
use axum::http::{Method, StatusCode};
use kairos::domain::hash_secret;
use serde_json::json;

async fn setup(backend: Backend) -> Option<(App, String, String)> {
    let app = App::new(backend).await?;
    let ana = app.host("ana", "Europe/Berlin", office_hours()).await;
    let intro = app
        .event_type(json!({
            "owner_id": ana, "slug": "intro", "title": "Intro", "kind": "one_on_one",
            "duration_minutes": 60, "min_notice_minutes": 240, "max_days_ahead": 60
        }))
        .await;
    Some((app, ana, intro))
}

const BOOK: &str = "/api/v1/public/ana/intro/bookings";

/// No Rust in what a client reads.
fn assert_plain(response: &crate::helpers::Response) {
    let detail = response.json["detail"].as_str().unwrap_or_default();
    for rust in [
        "struct ",
        "::",
        "enum ",
        "BookingRequest",
        "NewBooking",
        "Invitee",
    ] {
        assert!(!detail.contains(rust), "{rust:?} in {}", response.json);
    }
}

async fn emails_are_addresses(backend: Backend) {
    let Some((app, _, _)) = setup(backend).await else {
        return;
    };
    for bad in [
        "pat@@example.com",
        "pat@example..com",
        "a,b@example.com",
        "Pat <pat@example.com>",
        "pat@-example.com",
    ] {
        let refused = app
            .public(
                Method::POST,
                BOOK,
                Some(booking("2026-06-01T09:00:00Z", bad)),
            )
            .await;
        assert_problem(
            &refused,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("invitee.email"),
        );
        let user = app
            .admin(
                Method::POST,
                "/api/v1/users",
                Some(json!({ "slug": "bo", "name": "Bo", "email": bad, "timezone": "UTC" })),
            )
            .await;
        assert_problem(&user, StatusCode::UNPROCESSABLE_ENTITY, Some("email"));
    }
    // An internationalized domain is an address.
    let made = app
        .public(
            Method::POST,
            BOOK,
            Some(booking("2026-06-01T09:00:00Z", "jörg@münchen.de")),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
}

async fn rejections_name_their_field(backend: Backend) {
    let Some((app, _, _)) = setup(backend).await else {
        return;
    };
    let without = |path: &[&str]| {
        let mut body = booking("2026-06-01T09:00:00Z", "pat@example.com");
        match path {
            [field] => {
                body.as_object_mut().expect("object").remove(*field);
            }
            [parent, field] => {
                body[*parent]
                    .as_object_mut()
                    .expect("object")
                    .remove(*field);
            }
            _ => unreachable!(),
        }
        body
    };
    for (body, field) in [
        (without(&["start"]), "start"),
        (without(&["invitee"]), "invitee"),
        (without(&["invitee", "email"]), "invitee.email"),
        (without(&["invitee", "timezone"]), "invitee.timezone"),
    ] {
        let refused = app.public(Method::POST, BOOK, Some(body)).await;
        assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY, Some(field));
        assert_eq!(refused.json["detail"], "is required", "{}", refused.json);
    }
    // Wrong shapes are said in JSON's words, not Rust's.
    for (body, field) in [
        (json!([1, 2]), ""),
        (json!("a string"), ""),
        (
            json!({ "start": "2026-06-01T09:00:00Z", "invitee": "Pat" }),
            "invitee",
        ),
        (
            json!({ "start": 5, "invitee": { "name": "P", "email": "p@example.com", "timezone": "UTC" } }),
            "start",
        ),
    ] {
        let refused = app.public(Method::POST, BOOK, Some(body)).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        if !field.is_empty() {
            assert_eq!(refused.json["field"], field, "{}", refused.json);
        }
        assert_plain(&refused);
    }
    let refused = app.public(Method::POST, BOOK, Some(json!([1, 2]))).await;
    assert_eq!(
        refused.json["detail"], "must be an object, not a list",
        "{}",
        refused.json
    );
    // Nested: a location without its address, an event type without a kind.
    let ana = app.host("cy", "UTC", office_hours()).await;
    let refused = app
        .admin(
            Method::POST,
            "/api/v1/event-types",
            Some(
                json!({ "owner_id": ana, "slug": "x", "title": "X", "kind": "one_on_one",
                "duration_minutes": 30, "location": { "kind": "in_person" } }),
            ),
        )
        .await;
    assert_problem(
        &refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("location.address"),
    );
    assert_plain(&refused);
    let refused = app
        .admin(
            Method::POST,
            "/api/v1/event-types",
            Some(json!({ "owner_id": ana, "slug": "x", "title": "X", "duration_minutes": 30 })),
        )
        .await;
    assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY, Some("kind"));
    // Query strings: a missing parameter is named, not ".".
    for (query, field) in [
        ("end=2026-06-02T00:00:00Z&timezone=UTC", "start"),
        ("start=2026-06-01T00:00:00Z&timezone=UTC", "end"),
        (
            "start=2026-06-01T00:00:00Z&end=2026-06-02T00:00:00Z",
            "timezone",
        ),
    ] {
        let refused = app
            .public(
                Method::GET,
                &format!("/api/v1/public/ana/intro/slots?{query}"),
                None,
            )
            .await;
        assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY, Some(field));
        assert_eq!(refused.json["detail"], "is required");
    }
    // A method an endpoint does not take.
    let patched = app
        .admin(Method::PATCH, "/api/v1/users", Some(json!({})))
        .await;
    assert_problem(&patched, StatusCode::METHOD_NOT_ALLOWED, None);
    // Too large: problem+json on every endpoint that reads a body, and a page
    // for the poll forms.
    let huge = format!("{{\"x\":\"{}\"}}", "a".repeat(3 << 20));
    let bearer = format!("Bearer {}", app.key);
    for uri in [BOOK, "/api/v1/availability/slots"] {
        let refused = send(
            &app.router,
            Method::POST,
            uri,
            Some(huge.clone()),
            &[("authorization", &bearer)],
        )
        .await;
        assert_problem(&refused, StatusCode::PAYLOAD_TOO_LARGE, None);
        assert!(
            refused.json["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("2 MB"),
            "{}",
            refused.json
        );
    }
}

async fn unbookable_times_say_why(backend: Backend) {
    let Some((app, ana, intro)) = setup(backend).await else {
        return;
    };
    // Now is Monday 2026-05-25T00:00Z (02:00 in Berlin).
    for (start, says) in [
        (
            "2026-05-24T09:00:00Z",
            "2026-05-24T09:00:00Z is in the past",
        ),
        (
            "2026-05-25T03:00:00Z",
            "2026-05-25T03:00:00Z is inside the 4-hour minimum notice (the earliest start now is 2026-05-25T04:00:00Z)",
        ),
        (
            "2026-12-08T10:00:00Z",
            "2026-12-08T10:00:00Z is beyond the 60-day booking window (the last bookable day is 2026-07-24)",
        ),
        (
            "2026-06-02T03:00:00Z",
            "2026-06-02T03:00:00Z is outside ANA's working hours",
        ),
    ] {
        let refused = app
            .public(Method::POST, BOOK, Some(booking(start, "pat@example.com")))
            .await;
        assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY, Some("start"));
        assert_eq!(refused.json["detail"], says, "{}", refused.json);
    }
    // Taken by someone else meanwhile: that, and only that, is 409.
    let first = app
        .public(
            Method::POST,
            BOOK,
            Some(booking("2026-06-02T09:00:00Z", "a@example.com")),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.json);
    let second = app
        .public(
            Method::POST,
            BOOK,
            Some(booking("2026-06-02T09:00:00Z", "b@example.com")),
        )
        .await;
    assert_problem(&second, StatusCode::CONFLICT, Some("start"));
    assert_eq!(second.json["detail"], "that time is no longer available");
    // Rescheduling follows the same rules.
    let (uid, token) = (
        first.json["uid"].as_str().expect("uid"),
        first.json["manage_token"].as_str().expect("token"),
    );
    let moved = app
        .public(
            Method::POST,
            &format!("/api/v1/manage/{uid}/reschedule?token={token}"),
            Some(json!({ "start": "2026-06-02T20:00:00Z" })),
        )
        .await;
    assert_problem(&moved, StatusCode::UNPROCESSABLE_ENTITY, Some("start"));
    assert_eq!(
        moved.json["detail"],
        "2026-06-02T20:00:00Z is outside ANA's working hours"
    );

    // Admins ask why a time is not offered, from the stored data.
    let explain = |start: &str| {
        format!(
            "/api/v1/event-types/{intro}/explain?start={}",
            start.replace('+', "%2B")
        )
    };
    let why = app
        .admin(Method::GET, &explain("2026-06-02T09:00:00Z"), None)
        .await;
    assert_eq!(why.status, StatusCode::OK, "{}", why.json);
    assert_eq!(why.json["slot"], false);
    assert_eq!(why.json["hosts"][0]["id"], ana.as_str());
    let reasons: Vec<&str> = why.json["hosts"][0]["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter_map(|r| r["type"].as_str())
        .collect();
    assert!(reasons.contains(&"booking"), "{}", why.json);
    let night = app
        .admin(Method::GET, &explain("2026-06-02T03:00:00Z"), None)
        .await;
    assert!(
        night.json["hosts"][0]["reasons"]
            .as_array()
            .expect("reasons")
            .iter()
            .any(|r| r["type"] == "outside_availability"),
        "{}",
        night.json
    );
    let free = app
        .admin(Method::GET, &explain("2026-06-02T10:00:00Z"), None)
        .await;
    assert_eq!(free.json["slot"], true, "{}", free.json);
    let missing = app
        .admin(
            Method::GET,
            "/api/v1/event-types/nope/explain?start=2026-06-02T10:00:00Z",
            None,
        )
        .await;
    assert_problem(&missing, StatusCode::NOT_FOUND, None);
    let unnamed = app
        .admin(
            Method::GET,
            &format!("/api/v1/event-types/{intro}/explain"),
            None,
        )
        .await;
    assert_problem(&unnamed, StatusCode::UNPROCESSABLE_ENTITY, Some("start"));
    let anonymous = app
        .public(Method::GET, &explain("2026-06-02T10:00:00Z"), None)
        .await;
    assert_problem(&anonymous, StatusCode::UNAUTHORIZED, None);
}

async fn replays_answer_like_the_first_time(backend: Backend) {
    let Some((app, _, intro)) = setup(backend).await else {
        return;
    };
    let request = booking("2026-06-03T09:00:00Z", "pat@example.com");
    let key = "7f1c9e0a-client-chosen-key";
    let first = app
        .send(
            Method::POST,
            BOOK,
            Some(&request),
            &[("idempotency-key", key)],
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.json);
    let token = first.json["manage_token"].as_str().expect("token");
    let replay = app
        .send(
            Method::POST,
            BOOK,
            Some(&request),
            &[("idempotency-key", key)],
        )
        .await;
    assert_eq!(replay.status, StatusCode::OK, "{}", replay.json);
    let mut expected = first.json.clone();
    let mut got = replay.json.clone();
    for answer in [&mut expected, &mut got] {
        answer.as_object_mut().expect("object").remove("updated_at");
    }
    assert_eq!(got, expected, "the replay is the first answer");
    // The replayed link works.
    let uid = replay.json["uid"].as_str().expect("uid");
    let view = app
        .public(
            Method::GET,
            &format!("/api/v1/manage/{uid}?token={token}"),
            None,
        )
        .await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.json);
    // Neither the manage token nor the key that opens it is stored in clear:
    // the key is found only by its hash, and the token is sealed.
    let in_clear = app
        .store
        .booking_by_idempotency_key(&intro, key)
        .await
        .expect("lookup");
    assert!(in_clear.is_none(), "the key is not stored in clear");
    let stored = app
        .store
        .booking_by_idempotency_key(
            &intro,
            &hash_secret(&format!("kairos idempotency key\0{key}")),
        )
        .await
        .expect("lookup")
        .expect("found by the key's hash");
    let sealed = stored.manage_token_sealed.expect("sealed token");
    assert!(!sealed.contains(token) && !sealed.contains(key), "{sealed}");
    // Another key for the same request is another booking attempt (the time is taken).
    let other = app
        .send(
            Method::POST,
            BOOK,
            Some(&request),
            &[("idempotency-key", "another-key")],
        )
        .await;
    assert_problem(&other, StatusCode::CONFLICT, Some("start"));
}

/// A hand-picked time of a one-off link that has passed says so.
async fn passed_link_times(backend: Backend) {
    let Some((app, _, intro)) = setup(backend).await else {
        return;
    };
    let made = app
        .admin(
            Method::POST,
            "/api/v1/links",
            Some(json!({ "event_type_id": intro, "times": ["2026-06-01T19:00:00Z"] })),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    let token = made.json["token"].as_str().expect("token");
    app.set_now("2026-06-02T00:00:00Z");
    let late = app
        .public(
            Method::POST,
            &format!("/api/v1/links/{token}/bookings"),
            Some(booking("2026-06-01T19:00:00Z", "pat@example.com")),
        )
        .await;
    assert_problem(&late, StatusCode::UNPROCESSABLE_ENTITY, Some("start"));
    assert_eq!(late.json["detail"], "2026-06-01T19:00:00Z is in the past");
}

on_both!(
    emails_are_addresses,
    rejections_name_their_field,
    unbookable_times_say_why,
    replays_answer_like_the_first_time,
    passed_link_times,
);
