//! The spec's examples through the real service: each scenario becomes users,
//! schedules, busy blocks, bookings and an event type in the database, and the
//! public slots endpoint must offer exactly the expected start times (and seats).

use crate::helpers::book_with;
use crate::helpers::{App, Backend};
use crate::on_both;
use axum::http::{Method, StatusCode};
use kairos::domain::{BookingStatus, Invitee, Utm, hash_secret, new_booking_uid};
use kairos::store::{Decision, NewBooking};
use serde_json::{Value, json};

fn examples() -> Vec<(String, Value, Value)> {
    let dir = format!("{}/fixtures/spec/examples", env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("examples").flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(stem) = name
            .strip_suffix(".json")
            .filter(|s| !s.ends_with(".expected"))
        else {
            continue;
        };
        let read = |path: String| -> Value {
            serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
        };
        found.push((
            stem.to_string(),
            read(format!("{dir}/{name}")),
            read(format!("{dir}/{stem}.expected.json")),
        ));
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

async fn load(app: &App, scenario: &Value) -> (String, Vec<(String, String)>, String) {
    let mut ids = Vec::new();
    let mut organization = String::new();
    for host in scenario["hosts"].as_array().expect("hosts") {
        let slug = host["id"].as_str().expect("id");
        let zone = host["schedule"]["timezone"].as_str().expect("zone");
        let user = app
            .admin(Method::POST, "/api/v1/users", Some(json!({ "slug": slug, "name": slug, "email": format!("{slug}@example.com"), "timezone": zone })))
            .await;
        assert_eq!(user.status, StatusCode::CREATED, "{}", user.json);
        let id = user.json["id"].as_str().expect("id").to_string();
        organization = user.json["organization_id"]
            .as_str()
            .expect("organization")
            .to_string();
        let schedule = app
            .admin(
                Method::POST,
                "/api/v1/schedules",
                Some(json!({
                    "user_id": id, "name": "Hours", "timezone": zone, "is_default": true,
                    "weekly": host["schedule"]["weekly"].clone(),
                    "overrides": host["schedule"].get("overrides").cloned().unwrap_or(json!([])),
                })),
            )
            .await;
        assert_eq!(schedule.status, StatusCode::CREATED, "{}", schedule.json);
        for busy in host
            .get("busy")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let made = app
                .admin(
                    Method::POST,
                    "/api/v1/busy-blocks",
                    Some(json!({ "user_id": id, "start": busy["start"], "end": busy["end"] })),
                )
                .await;
            assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
        }
        for ical in host
            .get("events")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let made = app
                .admin(Method::POST, "/api/v1/busy-blocks", Some(json!({
                    "user_id": id, "start": "2000-01-01T00:00:00Z", "end": "2100-01-01T00:00:00Z", "source": "ical", "ical": ical
                })))
                .await;
            assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
        }
        ids.push((slug.to_string(), id));
    }
    let spec = &scenario["event_type"];
    let mut body = json!({
        "owner_id": ids[0].1, "slug": "example", "title": "Example",
        "hosts": ids.iter().map(|(_, id)| json!({ "user_id": id })).collect::<Vec<_>>(),
    });
    for key in [
        "kind",
        "duration_minutes",
        "slot_interval_minutes",
        "buffer_before_minutes",
        "buffer_after_minutes",
        "min_notice_minutes",
        "max_days_ahead",
        "daily_limit",
        "seats",
        "required_hosts",
        "timezone",
    ] {
        if let Some(value) = spec.get(key) {
            body[key] = value.clone();
        }
    }
    if spec["kind"] == "group" && spec.get("seats").is_none() {
        body["seats"] = json!(1);
    }
    let event_type = app.event_type(body).await;
    (event_type, ids, organization)
}

/// Existing bookings go straight into the store: they are the scenario's
/// history, not requests to check. Only accepted ones count in the spec.
async fn insert_bookings(
    app: &App,
    scenario: &Value,
    event_type: &str,
    ids: &[(String, String)],
    organization: &str,
) {
    let duration = scenario["event_type"]["duration_minutes"]
        .as_i64()
        .expect("duration");
    for (host, (_, user)) in scenario["hosts"].as_array().expect("hosts").iter().zip(ids) {
        for booking in host
            .get("bookings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if booking["status"] != "accepted" {
                continue;
            }
            let start: chrono::DateTime<chrono::Utc> = booking["start"]
                .as_str()
                .expect("start")
                .parse()
                .expect("instant");
            let new = NewBooking {
                uid: new_booking_uid(),
                organization_id: organization.to_string(),
                event_type_id: event_type.to_string(),
                candidate_hosts: vec![user.clone()],
                window: (start, start),
                start,
                end: start + chrono::Duration::minutes(duration),
                status: BookingStatus::Accepted,
                invitee: serde_json::from_value::<Invitee>(
                    json!({ "name": "X", "email": "x@example.com", "timezone": "UTC" }),
                )
                .expect("invitee"),
                answers: Default::default(),
                utm: Utm::default(),
                embed_url: None,
                manage_token_hash: hash_secret("t"),
                idempotency_key: None,
                manage_token_sealed: None,
                request_hash: None,
                shared_slot: scenario["event_type"]["kind"] == "group",
                replaces: None,
                attendees: Vec::new(),
                actor: "fixture".to_string(),
                effects: Vec::new(),
            };
            let decision = Decision {
                hosts: vec![user.clone()],
                reason: None,
                party: None,
            };
            book_with(&*app.store, &new, &|_| Ok(decision.clone()))
                .await
                .expect("fixture booking");
        }
    }
}

async fn spec_examples_through_the_service(backend: Backend) {
    for (name, scenario, expected) in examples() {
        let Some(app) = App::new(backend).await else {
            return;
        };
        app.set_now(scenario["now"].as_str().expect("now"));
        let (event_type, ids, organization) = load(&app, &scenario).await;
        insert_bookings(&app, &scenario, &event_type, &ids, &organization).await;
        let url = format!(
            "/api/v1/public/{}/example/slots?start={}&end={}&timezone=UTC",
            ids[0].0,
            scenario["range"]["start"].as_str().expect("start"),
            scenario["range"]["end"].as_str().expect("end"),
        );
        let answer = app.public(Method::GET, &url, None).await;
        assert_eq!(answer.status, StatusCode::OK, "{name}: {}", answer.json);
        let got: Vec<(String, Option<i64>)> = answer.json["days"]
            .as_array()
            .expect("days")
            .iter()
            .flat_map(|d| d["slots"].as_array().cloned().unwrap_or_default())
            .map(|s| {
                (
                    s["start"].as_str().unwrap_or_default().to_string(),
                    s["seats_left"].as_i64(),
                )
            })
            .collect();
        let want: Vec<(String, Option<i64>)> = expected["slots"]
            .as_array()
            .expect("slots")
            .iter()
            .map(|s| {
                (
                    s["start"].as_str().unwrap_or_default().to_string(),
                    s["seats_left"].as_i64(),
                )
            })
            .collect();
        assert_eq!(got, want, "{name}");
    }
}

on_both!(spec_examples_through_the_service);
