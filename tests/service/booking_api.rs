//! The public booking flow through HTTP: event type page, slots, booking,
//! idempotency, manage links (view, cancel, reschedule), and their errors.

use crate::helpers::{App, Backend, assert_problem, booking, office_hours};
use crate::on_both;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

async fn setup(backend: Backend) -> Option<(App, String, String)> {
    let app = App::new(backend).await?;
    let ana = app.host("ana", "Europe/Berlin", office_hours()).await;
    let intro = app
        .event_type(json!({
            "owner_id": ana, "slug": "intro", "title": "Intro call", "kind": "one_on_one",
            "duration_minutes": 30, "buffer_after_minutes": 15,
            "location": { "kind": "video", "url": "https://meet.example.com/ana-intro" },
            "questions": [
                { "id": "company", "label": "Company", "kind": "text", "required": true },
                { "id": "size", "label": "Team size", "kind": "select", "options": ["1-10", "11-50"] },
                { "id": "phone", "label": "Phone", "kind": "phone" },
                { "id": "terms", "label": "I agree", "kind": "checkbox", "required": true }
            ]
        }))
        .await;
    Some((app, ana, intro))
}

fn answers() -> Value {
    json!({ "company": "Initech", "terms": true })
}

fn request(start: &str) -> Value {
    let mut body = booking(start, "pat@example.com");
    body["answers"] = answers();
    body
}

fn slot_starts(answer: &Value) -> Vec<String> {
    answer["days"]
        .as_array()
        .expect("days")
        .iter()
        .flat_map(|d| d["slots"].as_array().expect("slots").iter())
        .map(|s| s["start"].as_str().expect("start").to_string())
        .collect()
}

const SLOTS: &str = "/api/v1/public/ana/intro/slots?start=2026-06-01T00:00:00Z&end=2026-06-02T00:00:00Z&timezone=America/New_York";

async fn public_booking_flow(backend: Backend) {
    let Some((app, ana, _)) = setup(backend).await else {
        return;
    };

    let page = app
        .public(Method::GET, "/api/v1/public/ana/intro", None)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.json["title"], "Intro call");
    assert_eq!(page.json["timezone"], "Europe/Berlin");
    assert_eq!(page.json["questions"].as_array().map(Vec::len), Some(4));
    // The meeting link is for invitees, not for anyone who opens the page.
    assert_eq!(
        page.json["location"],
        json!({ "kind": "video", "label": "Video call (the link comes with the booking)" })
    );
    assert!(!page.json.to_string().contains("meet.example.com"));

    // Berlin 09:00–17:00 on Monday 2026-06-01 = 07:00–15:00Z; 30 minutes + 15 after.
    let slots = app.public(Method::GET, SLOTS, None).await;
    assert_eq!(slots.status, StatusCode::OK, "{}", slots.json);
    let starts = slot_starts(&slots.json);
    assert_eq!(
        starts.first().map(String::as_str),
        Some("2026-06-01T07:00:00Z")
    );
    assert_eq!(
        starts.last().map(String::as_str),
        Some("2026-06-01T14:30:00Z")
    );
    assert_eq!(starts.len(), 16);
    // Grouped by the invitee's local date, with local times.
    let first = &slots.json["days"][0];
    assert_eq!(first["date"], "2026-06-01");
    assert_eq!(first["slots"][0]["local_time"], "03:00");
    assert_eq!(first["slots"][0]["local"], "2026-06-01T03:00:00-04:00");

    // Book 09:00Z.
    let made = app
        .send(
            Method::POST,
            "/api/v1/public/ana/intro/bookings",
            Some(&request("2026-06-01T09:00:00Z")),
            &[("idempotency-key", "abc")],
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    assert_eq!(made.json["status"], "accepted");
    assert_eq!(made.json["hosts"], json!([ana]));
    assert_eq!(made.json["end"], "2026-06-01T09:30:00Z");
    let uid = made.json["uid"].as_str().expect("uid").to_string();
    let token = made.json["manage_token"]
        .as_str()
        .expect("token")
        .to_string();
    assert!(
        made.json["manage_url"]
            .as_str()
            .expect("url")
            .ends_with(&format!("/api/v1/manage/{uid}?token={token}"))
    );

    // The retried POST returns the same booking, without a second one, and
    // with the manage link: a client whose first answer was lost can still
    // manage its booking.
    let again = app
        .send(
            Method::POST,
            "/api/v1/public/ana/intro/bookings",
            Some(&request("2026-06-01T09:00:00Z")),
            &[("idempotency-key", "abc")],
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.json);
    assert_eq!(again.json["uid"], uid.as_str());
    assert_eq!(again.json["manage_token"], token.as_str(), "{}", again.json);
    assert_eq!(again.json["manage_url"], made.json["manage_url"]);
    assert_eq!(
        again
            .headers
            .get("idempotent-replayed")
            .map(|v| v.to_str().ok()),
        Some(Some("true"))
    );

    // The slot and its buffer are gone: 09:00 (meeting) and 08:30 ... 09:30 (buffer after 15).
    let starts = slot_starts(&app.public(Method::GET, SLOTS, None).await.json);
    assert!(!starts.contains(&"2026-06-01T09:00:00Z".to_string()));
    assert!(
        !starts.contains(&"2026-06-01T09:30:00Z".to_string()),
        "the 15-minute buffer after blocks 09:30"
    );
    assert!(starts.contains(&"2026-06-01T10:00:00Z".to_string()));
    assert_eq!(starts.len(), 13);

    // The same time again: 409.
    let taken = app
        .public(
            Method::POST,
            "/api/v1/public/ana/intro/bookings",
            Some(request("2026-06-01T09:00:00Z")),
        )
        .await;
    assert_problem(&taken, StatusCode::CONFLICT, Some("start"));

    // Manage: view, reschedule, cancel.
    let view = app
        .public(
            Method::GET,
            &format!("/api/v1/manage/{uid}?token={token}"),
            None,
        )
        .await;
    assert_eq!(view.status, StatusCode::OK);
    assert_eq!(view.json["uid"], uid.as_str());
    // The invitee sees what they booked: title, host, and where.
    assert_eq!(view.json["meeting"]["title"], "Intro call", "{}", view.json);
    assert_eq!(view.json["meeting"]["duration_minutes"], 30);
    assert_eq!(view.json["meeting"]["hosts"][0]["name"], "ANA");
    assert_eq!(view.json["meeting"]["hosts"][0]["id"], ana.as_str());
    assert_eq!(view.json["meeting"]["location"]["kind"], "video");
    assert_eq!(
        view.json["meeting"]["location"]["url"],
        "https://meet.example.com/ana-intro"
    );
    let wrong = app
        .public(
            Method::GET,
            &format!("/api/v1/manage/{uid}?token=guess"),
            None,
        )
        .await;
    assert_problem(&wrong, StatusCode::NOT_FOUND, None);
    let no_token = app
        .public(Method::GET, &format!("/api/v1/manage/{uid}"), None)
        .await;
    assert_problem(&no_token, StatusCode::UNPROCESSABLE_ENTITY, Some("token"));

    let moved = app
        .public(
            Method::POST,
            &format!("/api/v1/manage/{uid}/reschedule?token={token}"),
            Some(json!({ "start": "2026-06-01T12:00:00Z" })),
        )
        .await;
    assert_eq!(moved.status, StatusCode::CREATED, "{}", moved.json);
    assert_eq!(moved.json["rescheduled_from"], uid.as_str());
    let new_uid = moved.json["uid"].as_str().expect("uid").to_string();
    let new_token = moved.json["manage_token"]
        .as_str()
        .expect("token")
        .to_string();
    let old = app
        .public(
            Method::GET,
            &format!("/api/v1/manage/{uid}?token={token}"),
            None,
        )
        .await;
    assert_eq!(old.json["status"], "cancelled");
    assert_eq!(old.json["rescheduled_to"], new_uid.as_str());
    // The old link is gone for changes.
    let gone = app
        .public(
            Method::POST,
            &format!("/api/v1/manage/{uid}/cancel?token={token}"),
            Some(json!({})),
        )
        .await;
    assert_problem(&gone, StatusCode::GONE, None);
    let gone = app
        .public(
            Method::POST,
            &format!("/api/v1/manage/{uid}/reschedule?token={token}"),
            Some(json!({ "start": "2026-06-01T13:00:00Z" })),
        )
        .await;
    assert_problem(&gone, StatusCode::GONE, None);
    // 09:00 is free again; 12:00 is not.
    let starts = slot_starts(&app.public(Method::GET, SLOTS, None).await.json);
    assert!(starts.contains(&"2026-06-01T09:00:00Z".to_string()));
    assert!(!starts.contains(&"2026-06-01T12:00:00Z".to_string()));

    let cancelled = app
        .public(
            Method::POST,
            &format!("/api/v1/manage/{new_uid}/cancel?token={new_token}"),
            Some(json!({ "reason": "Found another time" })),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.json);
    assert_eq!(cancelled.json["status"], "cancelled");
    assert_eq!(cancelled.json["cancel_reason"], "Found another time");
    let starts = slot_starts(&app.public(Method::GET, SLOTS, None).await.json);
    assert_eq!(starts.len(), 16, "every slot is back");

    // The admin sees the history.
    let detail = app
        .admin(Method::GET, &format!("/api/v1/bookings/{new_uid}"), None)
        .await;
    assert_eq!(detail.status, StatusCode::OK);
    let changes: Vec<&str> = detail.json["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["to"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(changes, ["accepted", "cancelled"]);
}

async fn booking_errors(backend: Backend) {
    let Some((app, _, _)) = setup(backend).await else {
        return;
    };
    let url = "/api/v1/public/ana/intro/bookings";
    // Malformed JSON: 400.
    let bad = app.send(Method::POST, url, None, &[]).await;
    assert_problem(&bad, StatusCode::BAD_REQUEST, None);
    let raw = crate::helpers::send(
        &app.router,
        Method::POST,
        url,
        Some("{\"start\":".into()),
        &[],
    )
    .await;
    assert_problem(&raw, StatusCode::BAD_REQUEST, None);
    // Field errors: 422 naming the field.
    let cases: Vec<(Value, &str)> = vec![
        (
            {
                let mut b = request("2026-06-01T09:00:00Z");
                b["invitee"]["email"] = json!("pat@");
                b
            },
            "invitee.email",
        ),
        (
            {
                let mut b = request("2026-06-01T09:00:00Z");
                b["invitee"]["timezone"] = json!("Mars/Base");
                b
            },
            "invitee.timezone",
        ),
        (
            {
                let mut b = request("2026-06-01T09:00:00Z");
                b["invitee"]["name"] = json!(" ");
                b
            },
            "invitee.name",
        ),
        (
            {
                let mut b = request("2026-06-01T09:00:00Z");
                b["start"] = json!("tomorrow");
                b
            },
            "start",
        ),
        (
            {
                let mut b = request("2026-06-01T09:00:00Z");
                b["colour"] = json!("red");
                b
            },
            "colour",
        ),
        (request("2026-06-01T09:10:00Z"), "start"),
        (
            {
                let mut b = request("2026-06-01T09:00:00Z");
                b["answers"] = json!({ "terms": true });
                b
            },
            "answers.company",
        ),
        (
            {
                let mut b = request("2026-06-01T09:00:00Z");
                b["answers"]["terms"] = json!(false);
                b
            },
            "answers.terms",
        ),
        (
            {
                let mut b = request("2026-06-01T09:00:00Z");
                b["answers"]["size"] = json!("500+");
                b
            },
            "answers.size",
        ),
        (
            {
                let mut b = request("2026-06-01T09:00:00Z");
                b["answers"]["phone"] = json!("call me");
                b
            },
            "answers.phone",
        ),
        (
            {
                let mut b = request("2026-06-01T09:00:00Z");
                b["answers"]["shoe_size"] = json!(42);
                b
            },
            "answers.shoe_size",
        ),
    ];
    for (body, field) in cases {
        let response = app.public(Method::POST, url, Some(body)).await;
        assert_problem(&response, StatusCode::UNPROCESSABLE_ENTITY, Some(field));
    }
    // Never bookable: 422 on `start`, saying which rule refuses it (not
    // "no longer available", which is for times someone else just took).
    for (start, says) in [
        (
            "2026-06-01T05:00:00Z",
            "2026-06-01T05:00:00Z is outside ANA's working hours",
        ),
        (
            "2026-05-01T09:00:00Z",
            "2026-05-01T09:00:00Z is in the past",
        ),
        (
            "2026-06-06T09:00:00Z",
            "2026-06-06T09:00:00Z is outside ANA's working hours",
        ),
    ] {
        let response = app.public(Method::POST, url, Some(request(start))).await;
        assert_problem(&response, StatusCode::UNPROCESSABLE_ENTITY, Some("start"));
        assert_eq!(response.json["detail"], says, "{}", response.json);
    }
    // Unknown user or event type: 404.
    let missing = app
        .public(
            Method::POST,
            "/api/v1/public/nobody/intro/bookings",
            Some(request("2026-06-01T09:00:00Z")),
        )
        .await;
    assert_problem(&missing, StatusCode::NOT_FOUND, None);
    let missing = app
        .public(Method::GET, "/api/v1/public/ana/nothing", None)
        .await;
    assert_problem(&missing, StatusCode::NOT_FOUND, None);
    // Slots query errors.
    let slots = app.public(Method::GET, "/api/v1/public/ana/intro/slots?start=2026-06-01T00:00:00Z&end=2026-05-01T00:00:00Z&timezone=UTC", None).await;
    assert_problem(&slots, StatusCode::UNPROCESSABLE_ENTITY, Some("end"));
    let slots = app.public(Method::GET, "/api/v1/public/ana/intro/slots?start=2026-06-01T00:00:00Z&end=2027-06-01T00:00:00Z&timezone=UTC", None).await;
    assert_problem(&slots, StatusCode::UNPROCESSABLE_ENTITY, Some("end"));
    let slots = app.public(Method::GET, "/api/v1/public/ana/intro/slots?start=2026-06-01T00:00:00Z&end=2026-06-02T00:00:00Z&timezone=Nowhere", None).await;
    assert_problem(&slots, StatusCode::UNPROCESSABLE_ENTITY, Some("timezone"));
    let slots = app
        .public(
            Method::GET,
            "/api/v1/public/ana/intro/slots?start=soon&end=2026-06-02T00:00:00Z&timezone=UTC",
            None,
        )
        .await;
    assert_problem(&slots, StatusCode::UNPROCESSABLE_ENTITY, Some("start"));
    // Cancelling after the start: 409.
    let made = app
        .public(Method::POST, url, Some(request("2026-06-01T09:00:00Z")))
        .await;
    let (uid, token) = (
        made.json["uid"].as_str().expect("uid"),
        made.json["manage_token"].as_str().expect("token"),
    );
    app.set_now("2026-06-01T09:05:00Z");
    let late = app
        .public(
            Method::POST,
            &format!("/api/v1/manage/{uid}/cancel?token={token}"),
            Some(json!({})),
        )
        .await;
    assert_problem(&late, StatusCode::CONFLICT, None);
    // Unknown endpoint.
    let nothing = app.public(Method::GET, "/api/v1/nothing-here", None).await;
    assert_problem(&nothing, StatusCode::NOT_FOUND, None);
}

/// A booking of one event type blocks the host for every other.
async fn bookings_block_other_event_types(backend: Backend) {
    let Some((app, ana, _)) = setup(backend).await else {
        return;
    };
    app.event_type(json!({ "owner_id": ana, "slug": "deep-dive", "title": "Deep dive", "kind": "one_on_one", "duration_minutes": 90, "slot_interval_minutes": 30 }))
        .await;
    let made = app
        .book_public("ana/deep-dive", "2026-06-01T10:30:00Z", "a@example.com")
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    let starts = slot_starts(&app.public(Method::GET, SLOTS, None).await.json);
    for blocked in [
        "2026-06-01T10:30:00Z",
        "2026-06-01T11:00:00Z",
        "2026-06-01T11:30:00Z",
    ] {
        assert!(
            !starts.contains(&blocked.to_string()),
            "{blocked} is inside the deep dive"
        );
    }
    // 10:00–10:30 ends as the deep dive starts, but its 15-minute buffer after
    // runs into it; 09:30 is clear; 12:00 starts as the deep dive ends.
    assert!(!starts.contains(&"2026-06-01T10:00:00Z".to_string()));
    assert!(starts.contains(&"2026-06-01T09:30:00Z".to_string()));
    assert!(starts.contains(&"2026-06-01T12:00:00Z".to_string()));
    // Busy blocks from calendars block too, recurring ones through the engine.
    let block = app
        .admin(Method::POST, "/api/v1/busy-blocks", Some(json!({
            "user_id": ana, "start": "2026-05-01T00:00:00Z", "end": "2027-01-01T00:00:00Z", "source": "test",
            "ical": "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:standup\r\nDTSTART;TZID=Europe/Berlin:20260504T090000\r\nDURATION:PT30M\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        })))
        .await;
    assert_eq!(block.status, StatusCode::CREATED, "{}", block.json);
    let starts = slot_starts(&app.public(Method::GET, SLOTS, None).await.json);
    assert!(
        !starts.contains(&"2026-06-01T07:00:00Z".to_string()),
        "the 09:00 Berlin stand-up blocks 07:00Z"
    );
    let bad = app
        .admin(Method::POST, "/api/v1/busy-blocks", Some(json!({
            "user_id": ana, "start": "2026-05-01T00:00:00Z", "end": "2027-01-01T00:00:00Z", "ical": "BEGIN:VCALENDAR\r\nnonsense\r\nEND:VCALENDAR\r\n"
        })))
        .await;
    assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, Some("ical"));
}

/// Approval flow: pending bookings hold the time until rejected.
async fn approval_flow(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = app.host("ana", "UTC", office_hours()).await;
    app.event_type(json!({ "owner_id": ana, "slug": "vip", "title": "VIP", "kind": "one_on_one", "duration_minutes": 60, "requires_approval": true }))
        .await;
    let url = "/api/v1/public/ana/vip/bookings";
    let made = app
        .public(
            Method::POST,
            url,
            Some(booking("2026-06-01T10:00:00Z", "a@example.com")),
        )
        .await;
    assert_eq!(made.json["status"], "pending", "{}", made.json);
    let uid = made.json["uid"].as_str().expect("uid").to_string();
    let again = app
        .public(
            Method::POST,
            url,
            Some(booking("2026-06-01T10:00:00Z", "b@example.com")),
        )
        .await;
    assert_problem(&again, StatusCode::CONFLICT, Some("start"));
    let listed = app
        .admin(Method::GET, "/api/v1/bookings?status=pending", None)
        .await;
    assert_eq!(
        listed.json.as_array().map(Vec::len),
        Some(1),
        "{}",
        listed.json
    );
    let approved = app
        .admin(
            Method::POST,
            &format!("/api/v1/bookings/{uid}/approve"),
            Some(json!({ "note": "ok" })),
        )
        .await;
    assert_eq!(approved.json["status"], "accepted", "{}", approved.json);
    let twice = app
        .admin(
            Method::POST,
            &format!("/api/v1/bookings/{uid}/approve"),
            Some(json!({})),
        )
        .await;
    assert_problem(&twice, StatusCode::CONFLICT, None);
    let early = app
        .admin(
            Method::POST,
            &format!("/api/v1/bookings/{uid}/no-show"),
            Some(json!({})),
        )
        .await;
    assert_problem(&early, StatusCode::CONFLICT, None);
    app.set_now("2026-06-01T11:30:00Z");
    let done = app
        .admin(
            Method::POST,
            &format!("/api/v1/bookings/{uid}/complete"),
            Some(json!({})),
        )
        .await;
    assert_eq!(done.json["status"], "completed", "{}", done.json);

    app.set_now("2026-05-25T00:00:00Z");
    let other = app
        .public(
            Method::POST,
            url,
            Some(booking("2026-06-02T10:00:00Z", "c@example.com")),
        )
        .await;
    let other_uid = other.json["uid"].as_str().expect("uid").to_string();
    let rejected = app
        .admin(
            Method::POST,
            &format!("/api/v1/bookings/{other_uid}/reject"),
            Some(json!({})),
        )
        .await;
    assert_eq!(rejected.json["status"], "rejected");
    // Rejected frees the time.
    let retry = app
        .public(
            Method::POST,
            url,
            Some(booking("2026-06-02T10:00:00Z", "d@example.com")),
        )
        .await;
    assert_eq!(retry.status, StatusCode::CREATED, "{}", retry.json);
}

on_both!(
    public_booking_flow,
    booking_errors,
    bookings_block_other_event_types,
    approval_flow
);

/// Cached slot answers never outlive what they were computed from: data
/// changes (through any endpoint) and the passing of time both show.
async fn cached_slots_stay_exact(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = app.host("ana", "UTC", office_hours()).await;
    app.event_type(
        json!({ "owner_id": ana, "slug": "call", "title": "Call", "kind": "one_on_one",
        "duration_minutes": 60, "min_notice_minutes": 120, "max_days_ahead": 1 }),
    )
    .await;
    let url = "/api/v1/public/ana/call/slots?start=2026-06-01T00:00:00Z&end=2026-06-03T00:00:00Z&timezone=UTC";
    app.set_now("2026-06-01T06:00:00Z");
    let before = slot_starts(&app.public(Method::GET, url, None).await.json);
    assert_eq!(
        before.first().map(String::as_str),
        Some("2026-06-01T09:00:00Z")
    );
    assert_eq!(before.len(), 16, "today and tomorrow (max_days_ahead 1)");
    // Still 07:00: 09:00 is exactly two hours away and still bookable.
    app.set_now("2026-06-01T07:00:00Z");
    assert_eq!(
        slot_starts(&app.public(Method::GET, url, None).await.json),
        before
    );
    // A minute later it is not.
    app.set_now("2026-06-01T07:01:00Z");
    let after = slot_starts(&app.public(Method::GET, url, None).await.json);
    assert_eq!(
        after.first().map(String::as_str),
        Some("2026-06-01T10:00:00Z")
    );
    // A busy block added by an admin shows at once.
    let block = app
        .admin(Method::POST, "/api/v1/busy-blocks", Some(json!({ "user_id": ana, "start": "2026-06-01T12:00:00Z", "end": "2026-06-01T13:00:00Z" })))
        .await;
    assert_eq!(block.status, StatusCode::CREATED, "{}", block.json);
    let blocked = slot_starts(&app.public(Method::GET, url, None).await.json);
    assert!(!blocked.contains(&"2026-06-01T12:00:00Z".to_string()));
    assert_eq!(blocked.len(), after.len() - 1);
    // The booking window admits a new day at midnight.
    app.set_now("2026-06-02T00:00:00Z");
    let next_day = slot_starts(&app.public(Method::GET, url, None).await.json);
    assert_eq!(
        next_day.len(),
        8,
        "2026-06-02 only: the range ends before 06-03"
    );
}

on_both!(cached_slots_stay_exact);
