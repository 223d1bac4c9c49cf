//! Snapshots of the API's JSON: the OpenAPI document, representative answers
//! and problem documents. SQLite only: the answers must not depend on the
//! backend, and one backend keeps one set of `.snap` files.
//!
//! Random values are redacted by name: an id the test knows becomes `[ana]`,
//! `[intro]`, `[booking]`...; an id it does not know fails the test rather than
//! slipping into a snapshot. Timestamps become `[timestamp]` once they parse.

use crate::helpers::{App, Backend, Response, assert_problem, booking, office_hours, send};
use axum::http::{Method, StatusCode};
use chrono::{DateTime, Utc};
use insta::internals::Content;
use serde_json::{Value, json};
use std::sync::Arc;

/// Fields holding ids, uids or secrets, redacted through the known names.
const ID_FIELDS: &[&str] = &[
    ".id",
    ".organization_id",
    ".owner_id",
    ".user_id",
    ".schedule_id",
    ".event_type_id",
    ".uid",
    ".hosts[]",
    ".hosts[].user_id",
    ".rescheduled_from",
    ".rescheduled_to",
    ".manage_token",
    ".cancelled_by",
    ".history[].actor",
];

/// Fields holding wall-clock timestamps.
const TIME_FIELDS: &[&str] = &[".created_at", ".updated_at", ".history[].at"];

/// Random values met so far, each with the name it is shown as.
#[derive(Default)]
struct Known(Vec<(String, String)>);

impl Known {
    fn add(&mut self, name: &str, value: &Value) -> String {
        let value = value
            .as_str()
            .unwrap_or_else(|| panic!("{name}: not a string: {value}"))
            .to_string();
        assert!(!value.is_empty(), "{name} is empty");
        self.0.push((value.clone(), format!("[{name}]")));
        value
    }

    /// `text` with every known value replaced by its name.
    fn substitute(pairs: &[(String, String)], text: &str) -> String {
        pairs.iter().fold(text.to_string(), |text, (value, name)| {
            text.replace(value.as_str(), name)
        })
    }
}

/// Whether `text` holds something like an id or a token: a word of eight or
/// more characters mixing letters and digits (`invitee` is fine, a UUID is not).
fn looks_random(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| {
            word.len() >= 8
                && word.chars().any(|c| c.is_ascii_digit())
                && word.chars().any(|c| c.is_ascii_alphabetic())
        })
}

/// Snapshots `response.json` as `name`, with ids, secrets and timestamps redacted.
fn snapshot(name: &str, description: &str, response: &Response, known: &Known) {
    let pairs = Arc::new(known.0.clone());
    let mut settings = insta::Settings::clone_current();
    settings.set_description(description);
    for selector in ID_FIELDS {
        let pairs = pairs.clone();
        settings.add_redaction(
            selector,
            insta::dynamic_redaction(move |value: Content, path| {
                let Some(text) = value.as_str() else {
                    return value;
                };
                let named = Known::substitute(&pairs, text);
                assert!(!looks_random(&named), "{path}: {text} holds an unknown id");
                Content::String(named)
            }),
        );
    }
    let pairs = pairs.clone();
    settings.add_redaction(
        ".manage_url",
        insta::dynamic_redaction(move |value: Content, _| {
            let text = value.as_str().expect("manage_url is a string");
            Content::String(Known::substitute(&pairs, text))
        }),
    );
    for selector in TIME_FIELDS {
        settings.add_redaction(
            selector,
            insta::dynamic_redaction(|value: Content, path| {
                let text = value.as_str().unwrap_or_default();
                assert!(
                    text.parse::<DateTime<Utc>>().is_ok(),
                    "{path}: {text} is not a timestamp"
                );
                "[timestamp]"
            }),
        );
    }
    settings.bind(|| insta::assert_json_snapshot!(name, response.json));
}

#[tokio::test]
async fn openapi_document() {
    let Some(app) = App::new(Backend::Sqlite).await else {
        return;
    };
    let document = app.public(Method::GET, "/api/v1/openapi.json", None).await;
    assert_eq!(document.status, StatusCode::OK, "{}", document.json);
    assert_eq!(document.json["info"]["title"], "Kairos API");
    // Deterministic: the same document on every request and every build of it.
    let again = app.public(Method::GET, "/api/v1/openapi.json", None).await;
    assert_eq!(
        serde_json::to_string(&document.json).expect("json"),
        serde_json::to_string(&again.json).expect("json")
    );
    assert_eq!(
        serde_json::to_string(&document.json).expect("json"),
        serde_json::to_string(&kairos::http::openapi::document()).expect("json")
    );
    // The package version is part of `info`; keep the snapshot about the API.
    let mut settings = insta::Settings::clone_current();
    settings.set_description("GET /api/v1/openapi.json: 200");
    settings.bind(|| {
        insta::assert_json_snapshot!("openapi", document.json, { ".info.version" => "[version]" })
    });
}

/// Host in Berlin, invitee in New York: user, schedule, event type, booking
/// page, slots, booking, cancel, history, and the conflicts on the way.
#[tokio::test]
async fn booking_story() {
    let Some(app) = App::new(Backend::Sqlite).await else {
        return;
    };
    let mut known = Known::default();

    let user = app
        .admin(
            Method::POST,
            "/api/v1/users",
            Some(json!({ "slug": "ana", "name": "Ana Silva", "email": "ana@example.com", "timezone": "Europe/Berlin" })),
        )
        .await;
    assert_eq!(user.status, StatusCode::CREATED, "{}", user.json);
    let ana = known.add("ana", &user.json["id"]);
    known.add("org", &user.json["organization_id"]);
    snapshot("user_created", "POST /api/v1/users: 201", &user, &known);

    let schedule = app
        .admin(
            Method::POST,
            "/api/v1/schedules",
            Some(json!({
                "user_id": ana, "name": "Office hours", "timezone": "Europe/Berlin",
                "weekly": office_hours(), "is_default": true,
                "overrides": [{ "date": "2026-06-05", "intervals": [["10:00", "12:00"]] }]
            })),
        )
        .await;
    assert_eq!(schedule.status, StatusCode::CREATED, "{}", schedule.json);
    known.add("schedule", &schedule.json["id"]);
    snapshot(
        "schedule_created",
        "POST /api/v1/schedules: 201",
        &schedule,
        &known,
    );

    let event_type = app
        .admin(
            Method::POST,
            "/api/v1/event-types",
            Some(json!({
                "owner_id": ana, "slug": "intro", "title": "Intro call",
                "description": "Thirty minutes to get to know each other.",
                "kind": "one_on_one", "duration_minutes": 30, "buffer_after_minutes": 15,
                "location": { "kind": "video", "url": "https://meet.example.com/ana" },
                "questions": [
                    { "id": "company", "label": "Company", "kind": "text", "required": true },
                    { "id": "size", "label": "Team size", "kind": "select", "options": ["1-10", "11-50"] },
                    { "id": "terms", "label": "I agree", "kind": "checkbox", "required": true }
                ]
            })),
        )
        .await;
    assert_eq!(
        event_type.status,
        StatusCode::CREATED,
        "{}",
        event_type.json
    );
    known.add("intro", &event_type.json["id"]);
    snapshot(
        "event_type_created",
        "POST /api/v1/event-types: 201",
        &event_type,
        &known,
    );

    let page = app
        .public(Method::GET, "/api/v1/public/ana/intro", None)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.json);
    snapshot(
        "public_event_type",
        "GET /api/v1/public/ana/intro: 200",
        &page,
        &known,
    );

    // Monday 2026-06-01 in New York (EDT, UTC-4): Berlin's 09:00–17:00 (CEST)
    // is 03:00–11:00 there.
    let slots = app
        .public(
            Method::GET,
            "/api/v1/public/ana/intro/slots?start=2026-06-01T04:00:00Z&end=2026-06-02T04:00:00Z&timezone=America/New_York",
            None,
        )
        .await;
    assert_eq!(slots.status, StatusCode::OK, "{}", slots.json);
    snapshot(
        "public_slots_new_york",
        "GET /api/v1/public/ana/intro/slots for 2026-06-01 in America/New_York: 200",
        &slots,
        &known,
    );

    let mut request = booking("2026-06-01T09:00:00Z", "pat@example.com");
    request["answers"] = json!({ "company": "Initech", "size": "11-50", "terms": true });
    request["utm"] = json!({ "source": "newsletter" });
    let made = app
        .public(
            Method::POST,
            "/api/v1/public/ana/intro/bookings",
            Some(request.clone()),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    let uid = known.add("booking", &made.json["uid"]);
    let token = known.add("token", &made.json["manage_token"]);
    snapshot(
        "booking_created",
        "POST /api/v1/public/ana/intro/bookings: 201",
        &made,
        &known,
    );

    let taken = app
        .public(
            Method::POST,
            "/api/v1/public/ana/intro/bookings",
            Some(request),
        )
        .await;
    assert_problem(&taken, StatusCode::CONFLICT, Some("start"));
    snapshot(
        "problem_409_slot_taken",
        "POST /api/v1/public/ana/intro/bookings at a booked time: 409",
        &taken,
        &known,
    );

    let cancelled = app
        .public(
            Method::POST,
            &format!("/api/v1/manage/{uid}/cancel?token={token}"),
            Some(json!({ "reason": "Something came up" })),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.json);

    let detail = app
        .admin(Method::GET, &format!("/api/v1/bookings/{uid}"), None)
        .await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.json);
    snapshot(
        "booking_detail_cancelled",
        "GET /api/v1/bookings/{uid} after the invitee cancelled: 200",
        &detail,
        &known,
    );

    let gone = app
        .public(
            Method::POST,
            &format!("/api/v1/manage/{uid}/cancel?token={token}"),
            Some(json!({})),
        )
        .await;
    assert_problem(&gone, StatusCode::GONE, None);
    snapshot(
        "problem_410_gone",
        "POST /api/v1/manage/{uid}/cancel on a cancelled booking: 410",
        &gone,
        &known,
    );
}

/// Problem documents of the other kinds.
#[tokio::test]
async fn problems() {
    let Some(app) = App::new(Backend::Sqlite).await else {
        return;
    };
    let known = Known::default();
    let ana = app.host("ana", "Europe/Berlin", office_hours()).await;
    app.event_type(json!({ "owner_id": ana, "slug": "intro", "title": "Intro call", "kind": "one_on_one", "duration_minutes": 30 }))
        .await;
    let url = "/api/v1/public/ana/intro/bookings";

    let bad_email = booking("2026-06-01T09:00:00Z", "pat@");
    let invalid = app.public(Method::POST, url, Some(bad_email)).await;
    assert_problem(
        &invalid,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("invitee.email"),
    );
    snapshot(
        "problem_422_invitee_email",
        "POST /api/v1/public/ana/intro/bookings with invitee.email \"pat@\": 422",
        &invalid,
        &known,
    );

    let malformed = send(
        &app.router,
        Method::POST,
        url,
        Some("{\"start\":".into()),
        &[],
    )
    .await;
    assert_problem(&malformed, StatusCode::BAD_REQUEST, None);
    snapshot(
        "problem_400_malformed_json",
        "POST /api/v1/public/ana/intro/bookings with a truncated JSON body: 400",
        &malformed,
        &known,
    );

    let anonymous = app.public(Method::GET, "/api/v1/users", None).await;
    assert_problem(&anonymous, StatusCode::UNAUTHORIZED, None);
    snapshot(
        "problem_401_no_key",
        "GET /api/v1/users without Authorization: 401",
        &anonymous,
        &known,
    );
    let unknown_key = app
        .send(
            Method::GET,
            "/api/v1/users",
            None,
            &[("authorization", "Bearer kairos_not-a-key")],
        )
        .await;
    assert_problem(&unknown_key, StatusCode::UNAUTHORIZED, None);
    snapshot(
        "problem_401_unknown_key",
        "GET /api/v1/users with an unknown key: 401",
        &unknown_key,
        &known,
    );

    let missing = app
        .public(Method::GET, "/api/v1/public/ana/nothing", None)
        .await;
    assert_problem(&missing, StatusCode::NOT_FOUND, None);
    snapshot(
        "problem_404_event_type",
        "GET /api/v1/public/ana/nothing: 404",
        &missing,
        &known,
    );
}

/// Code generators and validators need every operation named once.
#[test]
fn operation_ids_are_unique() {
    let document = kairos::http::openapi::document();
    let mut seen = std::collections::BTreeMap::new();
    for (path, operations) in document["paths"].as_object().expect("paths") {
        for (method, operation) in operations.as_object().expect("operations") {
            let Some(id) = operation["operationId"].as_str() else {
                continue;
            };
            if let Some(other) = seen.insert(id.to_string(), format!("{method} {path}")) {
                panic!("operationId {id:?} names both {other} and {method} {path}");
            }
        }
    }
    assert!(seen.len() > 40, "{} operations", seen.len());
}
