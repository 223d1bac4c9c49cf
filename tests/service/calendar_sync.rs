//! Calendar sync end to end against a real CalDAV server (Radicale): connect
//! through the API, events in the server block slots after a sync (recurring
//! series with EXDATE and an override; declined invitations do not), a
//! booking is written to the destination calendar, moved on reschedule and
//! removed on cancel; refused credentials surface as needs_reconnect and
//! hide the host's slots; choosing calendars and disconnecting drop busy time.

use crate::helpers::{App, Backend, assert_problem, slot_starts};
use crate::on_both;
use crate::radicale::radicale_with_passwords;
use crate::sync_support::{SLOTS, book, connection, effects, free as starts, host, resync, sync};
use axum::http::{Method, StatusCode};
use kairos::sync::caldav::CaldavClient;
use serde_json::json;

const STANDUP: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:standup\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Europe/Berlin:20260601T090000\r\nDURATION:PT30M\r\nRRULE:FREQ=DAILY;COUNT=5\r\nEXDATE;TZID=Europe/Berlin:20260602T090000\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:standup\r\nDTSTAMP:20260101T000000Z\r\nRECURRENCE-ID;TZID=Europe/Berlin:20260603T090000\r\nDTSTART;TZID=Europe/Berlin:20260603T140000\r\nDURATION:PT30M\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

fn single(uid: &str, start: &str, end: &str, extra: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// Our own events in the calendar: `(resource href, DTSTART line)`.
async fn own_events(client: &CaldavClient, calendar: &url::Url) -> Vec<(String, String)> {
    let mut own = Vec::new();
    for resource in client.events(calendar).await.expect("events") {
        if resource.ical.contains("X-KAIROS-BOOKING") {
            let start = resource
                .ical
                .lines()
                .find(|l| l.starts_with("DTSTART"))
                .unwrap_or_default()
                .trim()
                .to_string();
            own.push((resource.href, start));
        }
    }
    own
}

async fn caldav_sync_end_to_end(backend: Backend) {
    let Some(server) = radicale_with_passwords().await else {
        return;
    };
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = host(&app).await;
    let (client, work) = server.work_calendar("ana", "right").await;
    client
        .put(&work, "standup.ics", STANDUP)
        .await
        .expect("put");
    let lunch = single("lunch", "20260601T100000Z", "20260601T110000Z", "");
    client.put(&work, "lunch.ics", &lunch).await.expect("put");
    let declined = single(
        "party",
        "20260601T130000Z",
        "20260601T140000Z",
        "ATTENDEE;CN=Ana;PARTSTAT=DECLINED:mailto:ana@example.com\r\n",
    );
    client
        .put(&work, "party.ics", &declined)
        .await
        .expect("put");

    let connect = |password: &str| json!({ "user_id": ana, "server_url": server.url.as_str(), "username": "ana", "password": password });
    let refused = app
        .admin(
            Method::POST,
            "/api/v1/connections/caldav",
            Some(connect("wrong")),
        )
        .await;
    assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY, Some("password"));
    let bad_url = app
        .admin(
            Method::POST,
            "/api/v1/connections/caldav",
            Some(json!({ "user_id": ana, "server_url": "ftp://x", "username": "ana", "password": "p" })),
        )
        .await;
    assert_problem(
        &bad_url,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("server_url"),
    );
    let made = app
        .admin(
            Method::POST,
            "/api/v1/connections/caldav",
            Some(connect("right")),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    assert!(
        !made.json.to_string().contains("right"),
        "the password never comes back"
    );
    let id = made.json["id"].as_str().expect("id").to_string();
    let calendars = made.json["calendars"].as_array().expect("calendars");
    assert_eq!(calendars.len(), 1, "{}", made.json);
    assert_eq!(calendars[0]["name"], "Work");
    assert_eq!(calendars[0]["check_conflicts"], true);
    assert_eq!(calendars[0]["destination"], true);
    let calendar_id = calendars[0]["id"].as_str().expect("id").to_string();

    // Before the first sync nothing is known; the sync brings the events.
    assert!(
        starts(&app)
            .await
            .contains(&"2026-06-01T07:00:00Z".to_string())
    );
    sync(&app).await;
    let synced = connection(&app, &id).await;
    assert_eq!(synced["status"], "active", "{synced}");
    assert_eq!(
        synced["event_count"], 2,
        "the declined invitation is not held: {synced}"
    );
    assert!(synced["last_synced_at"].is_string());
    let free = starts(&app).await;
    let has = |t: &str| free.contains(&t.to_string());
    assert!(!has("2026-06-01T07:00:00Z"), "the stand-up (09:00 Berlin)");
    assert!(
        !has("2026-06-01T10:00:00Z") && !has("2026-06-01T10:30:00Z"),
        "lunch"
    );
    assert!(
        has("2026-06-01T13:00:00Z"),
        "declined invitations do not block"
    );
    assert!(has("2026-06-02T07:00:00Z"), "EXDATE frees the 2nd");
    assert!(has("2026-06-03T07:00:00Z"), "the 3rd's stand-up moved…");
    assert!(!has("2026-06-03T12:00:00Z"), "…to 14:00 Berlin");
    assert!(!has("2026-06-04T07:00:00Z"));

    // A booking is written to the destination calendar.
    let (uid, token) = book(&app, "2026-06-01T08:00:00Z", "pat@example.com").await;
    let queued = app
        .admin(Method::GET, &format!("/api/v1/effects?booking={uid}"), None)
        .await;
    assert_eq!(queued.json[0]["kind"], "calendar_write", "{}", queued.json);
    assert_eq!(queued.json[0]["status"], "pending");
    assert_eq!(effects(&app).await, 1);
    let done = app
        .admin(Method::GET, &format!("/api/v1/effects?booking={uid}"), None)
        .await;
    assert_eq!(done.json[0]["status"], "done", "{}", done.json);
    let own = own_events(&client, &work).await;
    assert_eq!(own.len(), 1, "{own:?}");
    assert_eq!(own[0].1, "DTSTART:20260601T080000Z");
    let href = own[0].0.clone();

    // Our own event is not counted again when it syncs back.
    resync(&app, &id).await;
    assert_eq!(connection(&app, &id).await["event_count"], 2);

    // A reschedule moves the same event; a cancellation removes it.
    let moved = app
        .public(
            Method::POST,
            &format!("/api/v1/manage/{uid}/reschedule?token={token}"),
            Some(json!({ "start": "2026-06-01T09:00:00Z" })),
        )
        .await;
    assert_eq!(moved.status, StatusCode::CREATED, "{}", moved.json);
    let new_uid = moved.json["uid"].as_str().expect("uid").to_string();
    let new_token = moved.json["manage_token"]
        .as_str()
        .expect("token")
        .to_string();
    effects(&app).await;
    let own = own_events(&client, &work).await;
    assert_eq!(
        own,
        vec![(href.clone(), "DTSTART:20260601T090000Z".to_string())]
    );
    // Running the effect again changes nothing (idempotent).
    let again = app.store.booking(&new_uid).await.expect("booking");
    assert_eq!(again.booking.status.as_str(), "accepted");
    kairos::sync::writer::write_booking(&app.sync, &new_uid)
        .await
        .expect("rewrite");
    assert_eq!(own_events(&client, &work).await.len(), 1);
    let cancelled = app
        .public(
            Method::POST,
            &format!("/api/v1/manage/{new_uid}/cancel?token={new_token}"),
            Some(json!({ "reason": "conflict" })),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.json);
    effects(&app).await;
    assert!(own_events(&client, &work).await.is_empty());

    // Incremental sync: lunch moves to the afternoon.
    let later = single("lunch", "20260601T140000Z", "20260601T150000Z", "");
    client.put(&work, "lunch.ics", &later).await.expect("put");
    resync(&app, &id).await;
    let free = starts(&app).await;
    assert!(
        free.contains(&"2026-06-01T10:00:00Z".to_string()),
        "lunch left 10:00"
    );
    assert!(
        !free.contains(&"2026-06-01T14:00:00Z".to_string()),
        "and took 14:00"
    );

    // The password is changed at the server: the connection needs reconnecting,
    // and the host offers nothing from stale data.
    let access = app.store.connection_access(&id).await.expect("access");
    let context = kairos::sync::oauth::connection_context(&access.connection);
    let wrong = app
        .sync
        .keys
        .as_ref()
        .expect("keys")
        .seal(r#"{"kind":"password","password":"old"}"#, &context)
        .expect("seal");
    app.store.set_credentials(&id, &wrong).await.expect("set");
    resync(&app, &id).await;
    let broken = connection(&app, &id).await;
    assert_eq!(broken["status"], "needs_reconnect", "{broken}");
    assert!(
        broken["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("credentials")),
        "{broken}"
    );
    assert!(starts(&app).await.is_empty(), "no slots from stale data");
    let metrics = app.public(Method::GET, "/metrics", None).await;
    let text = metrics.json.as_str().expect("text");
    assert!(
        text.contains("kairos_calendar_connections{status=\"needs_reconnect\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("kairos_effects{kind=\"calendar_write\",status=\"done\"}"),
        "{text}"
    );
    let lenient = app
        .event_type(json!({ "owner_id": ana, "slug": "lenient", "title": "Lenient", "kind": "one_on_one", "duration_minutes": 30, "stale_calendar": "use_last_sync" }))
        .await;
    assert!(!lenient.is_empty());
    let last_sync = app
        .public(Method::GET, &SLOTS.replace("/intro/", "/lenient/"), None)
        .await;
    assert!(
        !slot_starts(&last_sync.json).is_empty(),
        "{}",
        last_sync.json
    );
    // Reconnecting (same account) makes it whole again, even while a sync that
    // still used the old password is running: its late verdict is dropped.
    let again = app
        .admin(
            Method::POST,
            "/api/v1/connections/caldav",
            Some(connect("right")),
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.json);
    assert_eq!(again.json["id"], id.as_str(), "the same connection");
    assert_eq!(again.json["status"], "active");
    let now = crate::helpers::test_now();
    let lease = now + chrono::Duration::minutes(10);
    app.store.request_sync(&id, now).await.expect("due");
    let claimed = app
        .store
        .claim_due_connections(now, lease, 10)
        .await
        .expect("claim");
    assert_eq!(claimed, vec![id.clone()]);
    let again = app
        .admin(
            Method::POST,
            "/api/v1/connections/caldav",
            Some(connect("right")),
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.json);
    let late = kairos::store::SyncOutcome::Failed {
        error: "refused".to_string(),
        next_at: now,
        needs_reconnect: true,
    };
    app.store
        .finish_sync(&id, lease, &late)
        .await
        .expect("finish");
    assert_eq!(connection(&app, &id).await["status"], "active");
    assert!(!starts(&app).await.is_empty());

    // Unchecking the calendar drops its busy time; disconnecting drops the rest.
    let choice = app
        .admin(
            Method::PUT,
            &format!("/api/v1/connections/{id}/calendars"),
            Some(json!({ "check_conflicts": [], "destination": calendar_id })),
        )
        .await;
    assert_eq!(choice.status, StatusCode::OK, "{}", choice.json);
    assert_eq!(choice.json["event_count"], 0);
    assert!(
        starts(&app)
            .await
            .contains(&"2026-06-01T07:00:00Z".to_string())
    );
    let unknown = app
        .admin(
            Method::PUT,
            &format!("/api/v1/connections/{id}/calendars"),
            Some(json!({ "check_conflicts": ["nope"], "destination": null })),
        )
        .await;
    assert_problem(
        &unknown,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("check_conflicts[0]"),
    );
    let gone = app
        .admin(Method::DELETE, &format!("/api/v1/connections/{id}"), None)
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    let listed = app.admin(Method::GET, "/api/v1/connections", None).await;
    assert_eq!(listed.json, json!([]));
}

/// Without KAIROS_SECRET_KEYS nothing can be connected (credentials would be
/// stored in the clear); the API says why.
async fn connecting_needs_keys(backend: Backend) {
    let Some(app) = App::with_state(backend, |state| state.with_keys(None)).await else {
        return;
    };
    let ana = app.host("ana", "UTC", json!({})).await;
    let refused = app
        .admin(
            Method::POST,
            "/api/v1/connections/caldav",
            Some(json!({ "user_id": ana, "server_url": "http://127.0.0.1:1/", "username": "ana", "password": "p" })),
        )
        .await;
    assert_problem(&refused, StatusCode::SERVICE_UNAVAILABLE, None);
    assert!(
        refused.json["detail"]
            .as_str()
            .is_some_and(|d| d.contains("KAIROS_SECRET_KEYS"))
    );
    let oauth = app
        .admin(
            Method::POST,
            "/api/v1/connections/oauth",
            Some(json!({ "user_id": ana, "provider": "google" })),
        )
        .await;
    assert_problem(&oauth, StatusCode::SERVICE_UNAVAILABLE, None);
}

/// A collective booking is written to each host's own calendar, and a
/// cancellation removes it from each.
async fn collective_writes_every_host(backend: Backend) {
    let Some(server) = crate::radicale::radicale().await else {
        return;
    };
    let Some(app) = App::new(backend).await else {
        return;
    };
    let mut calendars = Vec::new();
    let mut hosts = Vec::new();
    for name in ["ana", "bo"] {
        let id = app.host(name, "UTC", crate::helpers::office_hours()).await;
        let (client, work) = server.work_calendar(name, "x").await;
        let made = app
            .admin(
                Method::POST,
                "/api/v1/connections/caldav",
                Some(json!({ "user_id": id, "server_url": server.url.as_str(), "username": name, "password": "x" })),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
        hosts.push(json!({ "user_id": id }));
        calendars.push((client, work));
    }
    app.event_type(json!({ "owner_id": hosts[0]["user_id"], "slug": "pair", "title": "Pair", "kind": "collective",
        "duration_minutes": 60, "hosts": hosts }))
        .await;
    let made = app
        .public(
            Method::POST,
            "/api/v1/public/ana/pair/bookings",
            Some(crate::helpers::booking(
                "2026-06-01T10:00:00Z",
                "pat@example.com",
            )),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    assert_eq!(effects(&app).await, 1);
    for (client, work) in &calendars {
        let own = own_events(client, work).await;
        assert_eq!(own.len(), 1, "each host's calendar: {own:?}");
        assert_eq!(own[0].1, "DTSTART:20260601T100000Z");
    }
    let uid = made.json["uid"].as_str().expect("uid");
    let token = made.json["manage_token"].as_str().expect("token");
    let cancelled = app
        .public(
            Method::POST,
            &format!("/api/v1/manage/{uid}/cancel?token={token}"),
            Some(json!({})),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.json);
    effects(&app).await;
    for (client, work) in &calendars {
        assert!(own_events(client, work).await.is_empty());
    }
}

/// By default a CalDAV server on a private or local network is refused
/// (Kairos must not be pointed at its own network), naming the setting.
async fn private_caldav_servers_refused(backend: Backend) {
    let Some(app) = App::with_state(backend, |state| {
        state.with_providers(kairos::config::ProviderSettings::default())
    })
    .await
    else {
        return;
    };
    let ana = app.host("ana", "UTC", json!({})).await;
    for url in [
        "http://127.0.0.1:5232/",
        "http://localhost/",
        "http://169.254.169.254/",
        "http://[fd00::1]/",
    ] {
        let refused = app
            .admin(
                Method::POST,
                "/api/v1/connections/caldav",
                Some(json!({ "user_id": ana, "server_url": url, "username": "ana", "password": "p" })),
            )
            .await;
        assert_problem(
            &refused,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("server_url"),
        );
        assert!(
            refused.json["detail"]
                .as_str()
                .is_some_and(|d| d.contains("KAIROS_CALDAV_ALLOW_PRIVATE_NETWORKS")),
            "{}",
            refused.json
        );
    }
}

on_both!(
    private_caldav_servers_refused,
    caldav_sync_end_to_end,
    connecting_needs_keys,
    collective_writes_every_host
);
