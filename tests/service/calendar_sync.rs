//! Calendar sync end to end against a real CalDAV server (Radicale): connect
//! through the API, events in the server block slots after a sync (recurring
//! series with EXDATE and an override; declined invitations do not), a
//! booking is written to the destination calendar, moved on reschedule and
//! removed on cancel; refused credentials surface as needs_reconnect and
//! hide the host's slots; choosing calendars and disconnecting drop busy time.

use crate::helpers::{App, Backend, assert_problem, slot_starts};
use crate::on_both;
use crate::radicale::radicale_with_passwords;
use crate::sync_support::{
    SLOTS, book, cancel, connection, effects, free as starts, host, resync, sync,
};
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

/// The stored password no longer works (as if changed at the server).
async fn password_changed(app: &App, id: &str) {
    let access = app.store.connection_access(id).await.expect("access");
    let context = kairos::sync::vault::connection_context(&access.connection);
    let wrong = app
        .context
        .keys
        .as_ref()
        .expect("keys")
        .seal(r#"{"kind":"password","password":"old"}"#, &context)
        .expect("seal");
    app.store.set_credentials(id, &wrong).await.expect("set");
}

/// The text of our one event in the calendar, unfolded, lines ending in LF
/// (XML answers normalize line ends).
async fn own_text(client: &CaldavClient, calendar: &url::Url) -> String {
    let mut texts: Vec<String> = client
        .events(calendar)
        .await
        .expect("events")
        .into_iter()
        .filter(|r| r.ical.contains("X-KAIROS-BOOKING"))
        .map(|r| {
            r.ical
                .replace("\r\n", "\n")
                .replace("\n ", "")
                .replace("\n\t", "")
        })
        .collect();
    assert_eq!(texts.len(), 1, "{texts:?}");
    texts.remove(0)
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
        .admin(
            Method::GET,
            &format!("/api/v1/effects?booking={uid}&kind=calendar_write"),
            None,
        )
        .await;
    assert_eq!(queued.json[0]["kind"], "calendar_write", "{}", queued.json);
    assert_eq!(queued.json[0]["status"], "pending");
    assert_eq!(effects(&app).await, 1);
    let done = app
        .admin(
            Method::GET,
            &format!("/api/v1/effects?booking={uid}&kind=calendar_write"),
            None,
        )
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
    // The moved event keeps its UID (servers refuse a changed one) but names
    // the booking it stands for now.
    let moved_text = own_text(&client, &work).await;
    assert!(
        moved_text.contains(&format!("\nX-KAIROS-BOOKING:{new_uid}\n")),
        "{moved_text}"
    );
    assert!(moved_text.contains(&format!("\nUID:{uid}@kairos.booking\n")));
    // Running the effect again changes nothing (idempotent).
    let again = app.store.booking(&new_uid).await.expect("booking");
    assert_eq!(again.booking.status.as_str(), "accepted");
    kairos::sync::writer::write_booking(&app.context, &new_uid)
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
    password_changed(&app, &id).await;
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
    let reconnected = connection(&app, &id).await;
    assert_eq!(reconnected["status"], "active");
    // What the connection holds is from before the password failed: no slots
    // from it until a sync after the reconnect has ended. A sync that began
    // before the reconnect does not count, even if it ends well.
    assert_eq!(reconnected["awaiting_sync"], true, "{reconnected}");
    assert!(starts(&app).await.is_empty(), "no slots from the old data");
    let early = kairos::store::SyncOutcome::Synced {
        at: now,
        next_at: now,
    };
    app.store
        .finish_sync(&id, lease, &early)
        .await
        .expect("finish");
    assert_eq!(connection(&app, &id).await["awaiting_sync"], true);
    assert!(starts(&app).await.is_empty());
    sync(&app).await;
    let synced = connection(&app, &id).await;
    assert_eq!(synced["awaiting_sync"], false, "{synced}");
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
        .book_public("ana/pair", "2026-06-01T10:00:00Z", "pat@example.com")
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
    cancel(&app, uid, token).await;
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

/// Connects Ana's CalDAV account at `server_url`; returns the connection id.
async fn connect_caldav(app: &App, ana: &str, server_url: &str, password: &str) -> String {
    let made = app
        .admin(
            Method::POST,
            "/api/v1/connections/caldav",
            Some(json!({ "user_id": ana, "server_url": server_url, "username": "ana", "password": password })),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    made.json["id"].as_str().expect("id").to_string()
}

/// Writes that failed while the password was refused run again once the
/// host reconnects: the cancelled meeting leaves their calendar, and a
/// booking made meanwhile (through a `use_last_sync` event type) reaches it.
/// Meanwhile "sync now" says to reconnect instead of promising a sync.
async fn caldav_reconnect_reruns_writes(backend: Backend) {
    let Some(server) = radicale_with_passwords().await else {
        return;
    };
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = host(&app).await;
    app.event_type(
        json!({ "owner_id": ana, "slug": "lenient", "title": "Lenient", "kind": "one_on_one",
        "duration_minutes": 30, "stale_calendar": "use_last_sync" }),
    )
    .await;
    let (client, work) = server.work_calendar("ana", "right").await;
    let id = connect_caldav(&app, &ana, server.url.as_str(), "right").await;
    sync(&app).await;
    let (uid, token) = book(&app, "2026-06-01T08:00:00Z", "pat@example.com").await;
    assert_eq!(effects(&app).await, 1);
    assert_eq!(own_events(&client, &work).await.len(), 1);

    password_changed(&app, &id).await;
    resync(&app, &id).await;
    assert_eq!(connection(&app, &id).await["status"], "needs_reconnect");
    let asked = app
        .admin(
            Method::POST,
            &format!("/api/v1/connections/{id}/sync"),
            None,
        )
        .await;
    assert_problem(&asked, StatusCode::CONFLICT, None);
    assert!(
        asked.json["detail"]
            .as_str()
            .is_some_and(|d| d.contains("reconnect")),
        "{}",
        asked.json
    );

    // The meeting is cancelled and another booked; neither write gets through.
    let cancelled = app
        .public(
            Method::POST,
            &format!("/api/v1/manage/{uid}/cancel?token={token}"),
            Some(json!({})),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.json);
    let lenient = app
        .book_public("ana/lenient", "2026-06-02T08:00:00Z", "sam@example.com")
        .await;
    assert_eq!(lenient.status, StatusCode::CREATED, "{}", lenient.json);
    let second = lenient.json["uid"].as_str().expect("uid").to_string();
    assert_eq!(effects(&app).await, 2);
    let failed = app
        .admin(Method::GET, "/api/v1/effects?status=failed", None)
        .await;
    assert_eq!(
        failed.json.as_array().map(Vec::len),
        Some(2),
        "{}",
        failed.json
    );
    let own = own_events(&client, &work).await;
    assert_eq!(
        own.iter()
            .map(|(_, start)| start.as_str())
            .collect::<Vec<_>>(),
        ["DTSTART:20260601T080000Z"],
        "the cancelled meeting is still there"
    );

    // Reconnecting runs both again.
    connect_caldav(&app, &ana, server.url.as_str(), "right").await;
    assert_eq!(effects(&app).await, 2);
    let own = own_events(&client, &work).await;
    assert_eq!(
        own.iter()
            .map(|(_, start)| start.as_str())
            .collect::<Vec<_>>(),
        ["DTSTART:20260602T080000Z"],
        "the cancelled meeting left, the new one arrived"
    );
    for booking in [&uid, &second] {
        let listed = app
            .admin(
                Method::GET,
                &format!("/api/v1/effects?booking={booking}&kind=calendar_write"),
                None,
            )
            .await;
        assert_eq!(listed.json[0]["status"], "done", "{}", listed.json);
    }
    assert_eq!(effects(&app).await, 0, "nothing runs twice");

    // A write still running with the old password when the host reconnects
    // fails after the reconnect: another one follows it.
    password_changed(&app, &id).await;
    resync(&app, &id).await;
    let third = app
        .book_public("ana/lenient", "2026-06-03T08:00:00Z", "kim@example.com")
        .await;
    assert_eq!(third.status, StatusCode::CREATED, "{}", third.json);
    let now = chrono::Utc::now();
    let running = app
        .store
        .claim_effects(now, now + chrono::Duration::minutes(5), 10)
        .await
        .expect("claim");
    let running: Vec<_> = running
        .into_iter()
        .filter(|e| e.kind == "calendar_write")
        .collect();
    assert_eq!(running.len(), 1);
    connect_caldav(&app, &ana, server.url.as_str(), "right").await;
    let refused = kairos::store::EffectOutcome::Failed {
        error: "the server refused the credentials (HTTP 401)".to_string(),
    };
    app.store
        .finish_effect(&running[0].id, &refused, chrono::Utc::now())
        .await
        .expect("finish");
    assert_eq!(effects(&app).await, 1);
    let own = own_events(&client, &work).await;
    assert!(
        own.iter()
            .any(|(_, start)| start == "DTSTART:20260603T080000Z"),
        "{own:?}"
    );
}

/// The host moves the meeting Kairos wrote to 12:00 (Berlin) in their own
/// calendar: 12:00 is no longer offered and cannot be booked, the booking
/// says its event was changed and to when; stretched, the extra half hour is
/// busy; put back, all is as before. The event names its organizer (the
/// host, who attends) and lists answers under their questions' labels.
async fn caldav_host_changes_count(backend: Backend) {
    let Some(server) = crate::radicale::radicale().await else {
        return;
    };
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = host(&app).await;
    app.event_type(json!({ "owner_id": ana, "slug": "asks", "title": "Asks", "kind": "one_on_one",
        "duration_minutes": 30, "questions": [
            { "id": "topic", "label": "What shall we discuss?", "kind": "long_text" },
            { "id": "size", "label": "Team size", "kind": "select", "options": ["1-10", "11+"] } ] }))
        .await;
    let (client, work) = server.work_calendar("ana", "x").await;
    let id = connect_caldav(&app, &ana, server.url.as_str(), "x").await;
    sync(&app).await;
    let name = "Zoë \"Z\" Ünal, Ph.D.; Ångström-Łukasiewicz-Øresund-Þórsdóttir";
    let made = app
        .public(
            Method::POST,
            "/api/v1/public/ana/asks/bookings",
            Some(json!({ "start": "2026-06-01T08:00:00Z",
                "invitee": { "name": name, "email": "zoe@example.com", "timezone": "Europe/Berlin" },
                "answers": { "topic": "Budget; plans, and\r\nnext steps \\ more", "size": "11+" } })),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    let uid = made.json["uid"].as_str().expect("uid").to_string();
    assert_eq!(effects(&app).await, 1);
    let text = own_text(&client, &work).await;
    assert!(
        text.lines().any(|l| l.starts_with("ORGANIZER;CN=")
            && l.contains("ANA")
            && l.ends_with(":mailto:ana@example.com")),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.starts_with("ATTENDEE")
            && l.contains("PARTSTAT=ACCEPTED")
            && l.ends_with("mailto:ana@example.com")),
        "the host attends: {text}"
    );
    assert!(
        text.contains("What shall we discuss?: Budget\\; plans\\, and\\nnext steps \\\\ more\\n"),
        "{text}"
    );
    assert!(text.contains("Team size: 11+"), "{text}");
    assert!(!text.contains("topic:"), "{text}");
    assert!(
        text.contains("Ångström-Łukasiewicz-Øresund-Þórsdóttir"),
        "{text}"
    );
    // Synced back, the event is ours and matches: nothing changes.
    resync(&app, &id).await;
    assert_eq!(connection(&app, &id).await["event_count"], 0);
    assert!(
        booking_json(&app, &uid)
            .await
            .get("calendar_event_changed")
            .is_none()
    );

    // The host moves it from 10:00 to 12:00 Berlin.
    let resource = client
        .events(&work)
        .await
        .expect("events")
        .into_iter()
        .find(|r| r.ical.contains("X-KAIROS-BOOKING"))
        .expect("ours");
    let name_of = resource.href.rsplit('/').next().expect("name").to_string();
    let at = |start: &str, end: &str| {
        resource
            .ical
            .replace("DTSTART:20260601T080000Z", start)
            .replace("DTEND:20260601T083000Z", end)
    };
    client
        .put(
            &work,
            &name_of,
            &at(
                "DTSTART;TZID=Europe/Berlin:20260601T120000",
                "DTEND;TZID=Europe/Berlin:20260601T123000",
            ),
        )
        .await
        .expect("moved");
    resync(&app, &id).await;
    let free = starts(&app).await;
    assert!(
        !free.contains(&"2026-06-01T10:00:00Z".to_string()),
        "12:00 Berlin is busy"
    );
    assert!(
        !free.contains(&"2026-06-01T08:00:00Z".to_string()),
        "the booking still holds"
    );
    assert!(free.contains(&"2026-06-01T09:00:00Z".to_string()));
    let taken = app
        .book_public("ana/intro", "2026-06-01T10:00:00Z", "sam@example.com")
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.json);
    let changed = booking_json(&app, &uid).await;
    assert_eq!(
        changed["calendar_event_changed"],
        json!([{ "user_id": ana, "start": "2026-06-01T10:00:00Z", "end": "2026-06-01T10:30:00Z" }]),
        "{changed}"
    );
    // The invitee's manage link tells nothing of the host's calendar.
    let token = made.json["manage_token"].as_str().expect("token");
    let managed = app
        .public(
            Method::GET,
            &format!("/api/v1/manage/{uid}?token={token}"),
            None,
        )
        .await;
    assert_eq!(managed.status, StatusCode::OK, "{}", managed.json);
    assert!(managed.json.get("calendar_event_changed").is_none());

    // Stretched to an hour at its own time: the second half hour is busy.
    client
        .put(
            &work,
            &name_of,
            &at("DTSTART:20260601T080000Z", "DTEND:20260601T090000Z"),
        )
        .await
        .expect("longer");
    resync(&app, &id).await;
    let free = starts(&app).await;
    assert!(
        free.contains(&"2026-06-01T10:00:00Z".to_string()),
        "12:00 is free again"
    );
    assert!(
        !free.contains(&"2026-06-01T08:30:00Z".to_string()),
        "the extra half hour"
    );
    assert_eq!(
        booking_json(&app, &uid).await["calendar_event_changed"][0]["end"],
        "2026-06-01T09:00:00Z"
    );

    // Put back as Kairos wrote it: as before.
    client
        .put(&work, &name_of, &resource.ical)
        .await
        .expect("restored");
    resync(&app, &id).await;
    assert!(
        starts(&app)
            .await
            .contains(&"2026-06-01T08:30:00Z".to_string())
    );
    assert!(
        booking_json(&app, &uid)
            .await
            .get("calendar_event_changed")
            .is_none()
    );
    assert_eq!(connection(&app, &id).await["event_count"], 0);
}

async fn booking_json(app: &App, uid: &str) -> serde_json::Value {
    app.admin(Method::GET, &format!("/api/v1/bookings/{uid}"), None)
        .await
        .json
}

/// A server that answers sync-collection with 403 and the standard
/// `DAV:supported-report` precondition ("report not supported") is synced by
/// comparing ETags, like one answering 405: the password is fine. A 403
/// without a precondition still means refused credentials.
async fn caldav_report_not_supported_falls_back(backend: Backend) {
    let Some(server) = crate::radicale::radicale().await else {
        return;
    };
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = host(&app).await;
    let (client, work) = server.work_calendar("ana", "x").await;
    let lunch = single("lunch", "20260601T100000Z", "20260601T110000Z", "");
    client.put(&work, "lunch.ics", &lunch).await.expect("put");
    let mode = std::sync::Arc::new(std::sync::atomic::AtomicU8::new(REPORTS_FAIL));
    let proxy = no_sync_collection(server.url.clone(), mode.clone()).await;
    let set = |m: u8| mode.store(m, std::sync::atomic::Ordering::SeqCst);
    // The first sync fails for a while: nothing is known, no slots.
    let id = connect_caldav(&app, &ana, &proxy, "x").await;
    sync(&app).await;
    assert_eq!(connection(&app, &id).await["status"], "retrying");
    assert!(starts(&app).await.is_empty(), "never synced");
    // Connecting again does not make the host trusted before a sync has run.
    assert_eq!(connect_caldav(&app, &ana, &proxy, "x").await, id);
    assert_eq!(connection(&app, &id).await["awaiting_sync"], true);
    assert!(starts(&app).await.is_empty(), "still nothing known");
    set(PASS);
    sync(&app).await;
    let synced = connection(&app, &id).await;
    assert_eq!(synced["awaiting_sync"], false, "{synced}");
    assert_eq!(synced["status"], "active", "{synced}");
    assert_eq!(synced["event_count"], 1, "{synced}");
    let token = app
        .store
        .connection_access(&id)
        .await
        .expect("access")
        .sync_tokens;
    assert!(
        token[0]
            .1
            .as_deref()
            .is_some_and(|t| t.starts_with("etags:")),
        "{token:?}"
    );
    assert!(
        !starts(&app)
            .await
            .contains(&"2026-06-01T10:00:00Z".to_string())
    );
    // Changes arrive through the ETag comparison.
    let later = single("lunch", "20260601T140000Z", "20260601T150000Z", "");
    client.put(&work, "lunch.ics", &later).await.expect("put");
    resync(&app, &id).await;
    let free = starts(&app).await;
    assert!(free.contains(&"2026-06-01T10:00:00Z".to_string()));
    assert!(!free.contains(&"2026-06-01T14:00:00Z".to_string()));
    assert_eq!(connection(&app, &id).await["status"], "active");
    // A bare 403 is a refusal of the credentials.
    set(REFUSE_ALL);
    resync(&app, &id).await;
    assert_eq!(connection(&app, &id).await["status"], "needs_reconnect");
}

/// Modes of [`no_sync_collection`]: pass through; every REPORT answers 503;
/// everything answers a bare 403.
const PASS: u8 = 0;
const REPORTS_FAIL: u8 = 1;
const REFUSE_ALL: u8 = 2;

/// A CalDAV server in front of `upstream` that lacks sync-collection: it
/// answers that REPORT 403 with `DAV:supported-report`, and passes the rest
/// through, unless `mode` says otherwise.
async fn no_sync_collection(
    upstream: url::Url,
    mode: std::sync::Arc<std::sync::atomic::AtomicU8>,
) -> String {
    use axum::response::IntoResponse;
    let http = reqwest::Client::new();
    let proxy = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let (http, upstream, mode) = (http.clone(), upstream.clone(), mode.clone());
        async move {
            let mode = mode.load(std::sync::atomic::Ordering::SeqCst);
            if mode == REFUSE_ALL {
                return StatusCode::FORBIDDEN.into_response();
            }
            if mode == REPORTS_FAIL && request.method().as_str() == "REPORT" {
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
            let (parts, body) = request.into_parts();
            let body = axum::body::to_bytes(body, 10 << 20).await.expect("body");
            if parts.method.as_str() == "REPORT"
                && String::from_utf8_lossy(&body).contains("sync-collection")
            {
                let refusal = r#"<?xml version="1.0" encoding="utf-8"?><D:error xmlns:D="DAV:"><D:supported-report/></D:error>"#;
                return (
                    StatusCode::FORBIDDEN,
                    [("content-type", "application/xml; charset=utf-8")],
                    refusal,
                )
                    .into_response();
            }
            let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            let url = upstream.join(path).expect("url");
            let method = reqwest::Method::from_bytes(parts.method.as_str().as_bytes()).expect("method");
            let mut forwarded = http.request(method, url).body(body.to_vec());
            for name in ["authorization", "depth", "content-type"] {
                if let Some(value) = parts.headers.get(name) {
                    forwarded = forwarded.header(name, value.as_bytes());
                }
            }
            let answer = forwarded.send().await.expect("upstream");
            let status = StatusCode::from_u16(answer.status().as_u16()).expect("status");
            let bytes = answer.bytes().await.expect("upstream body");
            (status, [("content-type", "application/xml; charset=utf-8")], bytes.to_vec()).into_response()
        }
    });
    format!("{}/", crate::fakes::serve(proxy).await)
}

/// Single-line fields refuse line breaks and other control characters (they
/// would travel raw into calendar events), naming the field.
async fn names_are_single_lines(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    host(&app).await;
    for name in ["Pat\nX-EVIL:1", "Pat\r\nDoe", "Pat\tDoe", "Pat\u{1b}[31m"] {
        let made = app
            .public(
                Method::POST,
                "/api/v1/public/ana/intro/bookings",
                Some(json!({ "start": "2026-06-01T08:00:00Z",
                    "invitee": { "name": name, "email": "pat@example.com", "timezone": "UTC" } })),
            )
            .await;
        assert_problem(
            &made,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("invitee.name"),
        );
    }
    let user = app
        .admin(
            Method::POST,
            "/api/v1/users",
            Some(json!({ "slug": "bo", "name": "Bo\nBar", "email": "bo@example.com", "timezone": "UTC" })),
        )
        .await;
    assert_problem(&user, StatusCode::UNPROCESSABLE_ENTITY, Some("name"));
    let ok = app
        .public(
            Method::POST,
            "/api/v1/public/ana/intro/bookings",
            Some(json!({ "start": "2026-06-01T08:00:00Z",
                "invitee": { "name": "Zoë Ünal, Ph.D.", "email": "pat@example.com", "timezone": "UTC" } })),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.json);
}

on_both!(
    private_caldav_servers_refused,
    caldav_sync_end_to_end,
    connecting_needs_keys,
    collective_writes_every_host,
    caldav_reconnect_reruns_writes,
    caldav_host_changes_count,
    caldav_report_not_supported_falls_back,
    names_are_single_lines
);
