//! Admin endpoints: authentication, organization isolation, CRUD and its
//! errors, booking filters, the scenario endpoints.

use crate::helpers::{App, Backend, assert_problem, booking, office_hours};
use crate::on_both;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

async fn authentication(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let none = app.public(Method::GET, "/api/v1/users", None).await;
    assert_problem(&none, StatusCode::UNAUTHORIZED, None);
    let wrong = app
        .send(
            Method::GET,
            "/api/v1/users",
            None,
            &[("authorization", "Bearer nope")],
        )
        .await;
    assert_problem(&wrong, StatusCode::UNAUTHORIZED, None);
    let basic = app
        .send(
            Method::GET,
            "/api/v1/users",
            None,
            &[("authorization", "Basic abc")],
        )
        .await;
    assert_problem(&basic, StatusCode::UNAUTHORIZED, None);
    let ok = app.admin(Method::GET, "/api/v1/users", None).await;
    assert_eq!(ok.status, StatusCode::OK);
}

async fn organizations_are_isolated(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = app.host("ana", "UTC", office_hours()).await;
    let intro = app
        .event_type(json!({ "owner_id": ana, "slug": "intro", "title": "Intro", "kind": "one_on_one", "duration_minutes": 30 }))
        .await;
    let made = app
        .book_public("ana/intro", "2026-06-01T10:00:00Z", "p@example.com")
        .await;
    let uid = made.json["uid"].as_str().expect("uid").to_string();
    // A second organization with its own key.
    let other = app.store.create_organization("Other").await.expect("org");
    let key = "other-key-0123456789";
    app.store
        .create_api_key(&other.id, "k", &kairos::domain::hash_secret(key))
        .await
        .expect("key");
    let bearer = format!("Bearer {key}");
    let auth = [("authorization", bearer.as_str())];
    for uri in [
        format!("/api/v1/users/{ana}"),
        format!("/api/v1/event-types/{intro}"),
        format!("/api/v1/bookings/{uid}"),
    ] {
        let response = app.send(Method::GET, &uri, None, &auth).await;
        assert_problem(&response, StatusCode::NOT_FOUND, None);
    }
    for uri in [
        "/api/v1/users",
        "/api/v1/event-types",
        "/api/v1/schedules",
        "/api/v1/bookings",
    ] {
        let response = app.send(Method::GET, uri, None, &auth).await;
        assert_eq!(response.json, json!([]), "{uri}");
    }
    let approve = app
        .send(
            Method::POST,
            &format!("/api/v1/bookings/{uid}/approve"),
            Some(&json!({})),
            &auth,
        )
        .await;
    assert_problem(&approve, StatusCode::NOT_FOUND, None);
    // Nor can it attach the first organization's user to its event type.
    let steal = app
        .send(
            Method::POST,
            "/api/v1/event-types",
            Some(&json!({ "owner_id": ana, "slug": "x", "title": "X", "kind": "one_on_one", "duration_minutes": 30 })),
            &auth,
        )
        .await;
    assert_problem(&steal, StatusCode::UNPROCESSABLE_ENTITY, Some("owner_id"));
}

async fn crud(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    // Users.
    let created = app
        .admin(Method::POST, "/api/v1/users", Some(json!({ "slug": "ana", "name": "Ana", "email": "ana@example.com", "timezone": "Asia/Kathmandu" })))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    let ana = created.json["id"].as_str().expect("id").to_string();
    let dup = app
        .admin(Method::POST, "/api/v1/users", Some(json!({ "slug": "ana", "name": "Ana 2", "email": "a2@example.com", "timezone": "UTC" })))
        .await;
    assert_problem(&dup, StatusCode::CONFLICT, Some("slug"));
    for (body, field) in [
        (
            json!({ "slug": "Ana!", "name": "A", "email": "a@example.com", "timezone": "UTC" }),
            "slug",
        ),
        (
            json!({ "slug": "bo", "name": "B", "email": "nope", "timezone": "UTC" }),
            "email",
        ),
        (
            json!({ "slug": "bo", "name": "B", "email": "b@example.com", "timezone": "Nowhere" }),
            "timezone",
        ),
        (
            json!({ "slug": "bo", "name": "", "email": "b@example.com", "timezone": "UTC" }),
            "name",
        ),
        (
            json!({ "slug": "bo", "name": "B", "email": "b@example.com" }),
            "timezone",
        ),
        (
            json!({ "slug": "bo", "name": "B", "email": "b@example.com", "timezone": "UTC", "age": 3 }),
            "age",
        ),
    ] {
        let response = app.admin(Method::POST, "/api/v1/users", Some(body)).await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            response.json
        );
        assert_eq!(response.json["field"], field, "{}", response.json);
    }
    let updated = app
        .admin(Method::PUT, &format!("/api/v1/users/{ana}"), Some(json!({ "slug": "ana", "name": "Ana Silva", "email": "ana@example.com", "timezone": "Asia/Kathmandu" })))
        .await;
    assert_eq!(updated.json["name"], "Ana Silva");
    let missing = app.admin(Method::GET, "/api/v1/users/nope", None).await;
    assert_problem(&missing, StatusCode::NOT_FOUND, None);

    // Schedules.
    let schedule = app
        .admin(
            Method::POST,
            "/api/v1/schedules",
            Some(json!({
                "user_id": ana, "name": "Hours", "timezone": "Asia/Kathmandu",
                "weekly": { "mon": [["09:00", "12:00"], ["13:00", "24:00"]] },
                "overrides": [{ "date": "2026-06-08", "intervals": [] }], "is_default": true
            })),
        )
        .await;
    assert_eq!(schedule.status, StatusCode::CREATED, "{}", schedule.json);
    assert_eq!(
        schedule.json["weekly"]["mon"],
        json!([["09:00", "12:00"], ["13:00", "24:00"]])
    );
    let schedule_id = schedule.json["id"].as_str().expect("id").to_string();
    for (body, field) in [
        (
            json!({ "user_id": ana, "name": "H", "timezone": "UTC", "weekly": { "mon": [["12:00", "09:00"]] } }),
            "weekly.mon[0]",
        ),
        (
            json!({ "user_id": ana, "name": "H", "timezone": "UTC", "weekly": { "monday": [] } }),
            "weekly.monday",
        ),
        (
            json!({ "user_id": ana, "name": "H", "timezone": "UTC", "overrides": [{ "date": "2026-02-30", "intervals": [] }] }),
            "overrides[0].date",
        ),
        (
            json!({ "user_id": ana, "name": "H", "timezone": "UTC", "overrides": [{ "date": "2026-06-01", "intervals": [] }, { "date": "2026-06-01", "intervals": [] }] }),
            "overrides[1].date",
        ),
        (
            json!({ "user_id": "ghost", "name": "H", "timezone": "UTC" }),
            "user_id",
        ),
    ] {
        let response = app
            .admin(Method::POST, "/api/v1/schedules", Some(body))
            .await;
        assert_problem(&response, StatusCode::UNPROCESSABLE_ENTITY, Some(field));
    }

    // Event types.
    let base = json!({ "owner_id": ana, "slug": "intro", "title": "Intro", "kind": "one_on_one", "duration_minutes": 30, "schedule_id": schedule_id });
    let intro = app
        .admin(Method::POST, "/api/v1/event-types", Some(base.clone()))
        .await;
    assert_eq!(intro.status, StatusCode::CREATED, "{}", intro.json);
    assert_eq!(
        intro.json["hosts"],
        json!([{ "user_id": ana, "priority": 0, "weight": 100 }]),
        "the owner hosts by default"
    );
    let intro_id = intro.json["id"].as_str().expect("id").to_string();
    let dup = app
        .admin(Method::POST, "/api/v1/event-types", Some(base.clone()))
        .await;
    assert_problem(&dup, StatusCode::CONFLICT, Some("slug"));
    let with = |changes: Value| {
        let mut body = base.clone();
        for (k, v) in changes.as_object().expect("object") {
            body[k] = v.clone();
        }
        body["slug"] = json!("other");
        body
    };
    for (body, field) in [
        (with(json!({ "duration_minutes": 0 })), "duration_minutes"),
        (with(json!({ "duration_minutes": -5 })), "duration_minutes"),
        (with(json!({ "kind": "sometimes" })), "kind"),
        (with(json!({ "kind": "group" })), "seats"),
        (with(json!({ "seats": 3 })), "seats"),
        (with(json!({ "required_hosts": 1 })), "required_hosts"),
        (
            with(json!({ "kind": "collective", "required_hosts": 2 })),
            "required_hosts",
        ),
        (
            with(json!({ "slot_interval_minutes": 2000 })),
            "slot_interval_minutes",
        ),
        (with(json!({ "title": "" })), "title"),
        (
            with(json!({ "location": { "kind": "video", "url": "ftp://x" } })),
            "location.url",
        ),
        (
            with(json!({ "location": { "kind": "in_person" } })),
            "location",
        ),
        (
            with(json!({ "questions": [{ "id": "q", "label": "Q", "kind": "select" }] })),
            "questions[0].options",
        ),
        (
            with(
                json!({ "questions": [{ "id": "q", "label": "Q", "kind": "text" }, { "id": "q", "label": "R", "kind": "text" }] }),
            ),
            "questions[1].id",
        ),
        (
            with(json!({ "hosts": [{ "user_id": ana }, { "user_id": ana }] })),
            "hosts",
        ),
        (
            with(json!({ "kind": "round_robin", "hosts": [{ "user_id": "ghost" }] })),
            "hosts[0].user_id",
        ),
        (with(json!({ "schedule_id": "ghost" })), "schedule_id"),
        (with(json!({ "timezone": "Nowhere" })), "timezone"),
    ] {
        let response = app
            .admin(Method::POST, "/api/v1/event-types", Some(body.clone()))
            .await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            response.json
        );
        let named = response.json["field"].as_str().unwrap_or_default();
        assert!(
            named.starts_with(field),
            "{body}: expected {field}, got {}",
            response.json
        );
    }
    let updated = app
        .admin(
            Method::PUT,
            &format!("/api/v1/event-types/{intro_id}"),
            Some(with(json!({ "slug": "intro", "title": "Intro call" }))),
        )
        .await;
    assert_eq!(updated.json["title"], "Intro call", "{}", updated.json);
    assert_eq!(
        app.admin(Method::GET, "/api/v1/event-types", None)
            .await
            .json
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    // Deleting: an event type with bookings stays; one without goes.
    let made = app
        .book_public("ana/other", "2026-06-01T04:15:00Z", "p@example.com")
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    let refused = app
        .admin(
            Method::DELETE,
            &format!("/api/v1/event-types/{intro_id}"),
            None,
        )
        .await;
    assert_problem(&refused, StatusCode::CONFLICT, None);
    let refused = app
        .admin(Method::DELETE, &format!("/api/v1/users/{ana}"), None)
        .await;
    assert_problem(&refused, StatusCode::CONFLICT, None);
    // The schedule is in use by the event type; a spare one can go.
    let in_use = app
        .admin(
            Method::DELETE,
            &format!("/api/v1/schedules/{schedule_id}"),
            None,
        )
        .await;
    assert_problem(&in_use, StatusCode::CONFLICT, None);
    let spare = app
        .admin(
            Method::POST,
            "/api/v1/schedules",
            Some(json!({ "user_id": ana, "name": "Spare", "timezone": "UTC" })),
        )
        .await;
    let spare_id = spare.json["id"].as_str().expect("id").to_string();
    let deleted = app
        .admin(
            Method::DELETE,
            &format!("/api/v1/schedules/{spare_id}"),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let again = app
        .admin(
            Method::DELETE,
            &format!("/api/v1/schedules/{spare_id}"),
            None,
        )
        .await;
    assert_problem(&again, StatusCode::NOT_FOUND, None);
}

async fn booking_filters(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = app.host("ana", "UTC", office_hours()).await;
    let ben = app.host("ben", "UTC", office_hours()).await;
    let a = app.event_type(json!({ "owner_id": ana, "slug": "a", "title": "A", "kind": "one_on_one", "duration_minutes": 30 })).await;
    app.event_type(json!({ "owner_id": ben, "slug": "b", "title": "B", "kind": "one_on_one", "duration_minutes": 30 })).await;
    for (path, start) in [
        ("ana/a", "2026-06-01T09:00:00Z"),
        ("ana/a", "2026-06-02T09:00:00Z"),
        ("ben/b", "2026-06-01T09:00:00Z"),
    ] {
        let made = app
            .public(
                Method::POST,
                &format!("/api/v1/public/{path}/bookings"),
                Some(booking(start, "p@example.com")),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    }
    let count = |json: &Value| json.as_array().map_or(0, Vec::len);
    assert_eq!(
        count(&app.admin(Method::GET, "/api/v1/bookings", None).await.json),
        3
    );
    assert_eq!(
        count(
            &app.admin(Method::GET, &format!("/api/v1/bookings?host={ben}"), None)
                .await
                .json
        ),
        1
    );
    assert_eq!(
        count(
            &app.admin(
                Method::GET,
                &format!("/api/v1/bookings?event_type={a}"),
                None
            )
            .await
            .json
        ),
        2
    );
    assert_eq!(
        count(
            &app.admin(
                Method::GET,
                "/api/v1/bookings?from=2026-06-02T00:00:00Z",
                None
            )
            .await
            .json
        ),
        1
    );
    assert_eq!(
        count(
            &app.admin(
                Method::GET,
                "/api/v1/bookings?to=2026-06-02T00:00:00Z&status=accepted",
                None
            )
            .await
            .json
        ),
        2
    );
    let bad = app
        .admin(Method::GET, "/api/v1/bookings?status=maybe", None)
        .await;
    assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, Some("status"));
    let bad = app
        .admin(Method::GET, "/api/v1/bookings?from=yesterday", None)
        .await;
    assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, Some("from"));
}

/// The debugging endpoints answer exactly what `kairos slots` prints.
async fn scenario_endpoints(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let dir = format!("{}/fixtures/spec/examples", env!("CARGO_MANIFEST_DIR"));
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("examples").flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(stem) = name
            .strip_suffix(".json")
            .filter(|s| !s.ends_with(".expected"))
        else {
            continue;
        };
        let scenario: Value =
            serde_json::from_str(&std::fs::read_to_string(entry.path()).expect("read"))
                .expect("json");
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(format!("{dir}/{stem}.expected.json")).expect("read"),
        )
        .expect("json");
        let got = app
            .admin(Method::POST, "/api/v1/availability/slots", Some(scenario))
            .await;
        assert_eq!(got.status, StatusCode::OK, "{stem}: {}", got.json);
        assert_eq!(got.json, expected, "{stem}");
        seen += 1;
    }
    assert!(seen >= 13);
    let scenario: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{dir}/05-buffers.json")).expect("read"),
    )
    .expect("json");
    let explained = app
        .admin(
            Method::POST,
            "/api/v1/availability/explain?start=2026-06-01T09:45:00Z",
            Some(scenario.clone()),
        )
        .await;
    assert_eq!(explained.json["slot"], false);
    assert_eq!(explained.json["hosts"][0]["reasons"][0]["type"], "busy");
    let mut broken = scenario.clone();
    broken["event_type"]["kind"] = json!("sometimes");
    let bad = app
        .admin(Method::POST, "/api/v1/availability/slots", Some(broken))
        .await;
    assert_problem(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("event_type.kind"),
    );
    let raw = app
        .send(
            Method::POST,
            "/api/v1/availability/slots",
            None,
            &[("authorization", &format!("Bearer {}", app.key))],
        )
        .await;
    assert_problem(&raw, StatusCode::BAD_REQUEST, None);
    let bad = app
        .admin(
            Method::POST,
            "/api/v1/availability/explain?start=noon",
            Some(scenario.clone()),
        )
        .await;
    assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, Some("start"));
    let anonymous = app
        .public(Method::POST, "/api/v1/availability/slots", Some(scenario))
        .await;
    assert_problem(&anonymous, StatusCode::UNAUTHORIZED, None);
}

async fn operations(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let health = app.public(Method::GET, "/healthz", None).await;
    assert_eq!(health.json["status"], "ok");
    let ready = app.public(Method::GET, "/readyz", None).await;
    assert_eq!(ready.json["status"], "ready");
    let request_id = app.public(Method::GET, "/healthz", None).await;
    assert!(request_id.headers.contains_key("x-request-id"));
    let openapi = app.public(Method::GET, "/api/v1/openapi.json", None).await;
    assert!(openapi.json["paths"]["/api/v1/public/{user}/{event}/bookings"]["post"].is_object());
    let metrics = app.public(Method::GET, "/metrics", None).await;
    let text = metrics.json.as_str().expect("text").to_string();
    assert!(
        text.contains(
            "kairos_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "kairos_http_request_duration_seconds_bucket{route=\"/readyz\",le=\"+Inf\"} 1"
        ),
        "{text}"
    );
    assert!(text.contains("kairos_bookings_created_total 0"), "{text}");
}

on_both!(
    authentication,
    organizations_are_isolated,
    crud,
    booking_filters,
    scenario_endpoints,
    operations
);
