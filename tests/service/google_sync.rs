//! Google Calendar end to end against the local fake: OAuth with PKCE
//! through the callback, calendars and events read with paging, series with
//! their exceptions expanded by the engine, a refresh after an expired access
//! token, rate limits waited out, a push notification leading to a sync, a
//! full resync after 410 converging to the same busy set, bookings written
//! with a Meet request and a stable id, and revoked consent surfacing as
//! needs_reconnect.

use crate::fakes::google::GoogleFake;
use crate::helpers::{App, Backend};
use crate::on_both;
use crate::smtp::SmtpSink;
use crate::sync_support::{
    book, cancel, connect, connection, effects, eventually, free, host, reschedule, resync,
    served_app, served_app_with, sync,
};
use axum::http::{Method, StatusCode};
use kairos::config::{MailSettings, Secret};
use serde_json::json;

const PRIMARY: &str = "ana@example.com";

async fn google_end_to_end(backend: Backend) {
    let fake = GoogleFake::start().await;
    let settings = fake.settings();
    let Some((app, _base)) = served_app(backend, |p| p.google = settings).await else {
        return;
    };
    let ana = host(&app).await;
    let id = connect(&app, &ana, "google").await;
    let made = connection(&app, &id).await;
    assert_eq!(made["provider"], "google");
    assert_eq!(made["account"], PRIMARY);
    let calendars = made["calendars"].as_array().expect("calendars");
    assert_eq!(calendars.len(), 3, "three calendars over two pages: {made}");
    assert_eq!(calendars[0]["external_id"], PRIMARY);
    assert_eq!(calendars[0]["check_conflicts"], true);
    assert_eq!(calendars[0]["destination"], true);
    assert!(calendars[1..].iter().all(|c| c["check_conflicts"] == false));

    sync(&app).await;
    let synced = connection(&app, &id).await;
    assert_eq!(synced["status"], "active", "{synced}");
    // Master, moved and cancelled instances, lunch, all-day; not the free or declined.
    assert_eq!(synced["event_count"], 5, "{synced}");
    let slots = free(&app).await;
    let has = |t: &str| slots.contains(&t.to_string());
    assert!(!has("2026-06-01T07:00:00Z"), "stand-up");
    assert!(
        !has("2026-06-01T10:00:00Z") && !has("2026-06-01T10:30:00Z"),
        "lunch"
    );
    assert!(has("2026-06-01T13:00:00Z"), "free time does not block");
    assert!(
        has("2026-06-01T14:00:00Z"),
        "a declined invitation does not block"
    );
    assert!(has("2026-06-02T07:00:00Z"), "EXDATE");
    assert!(
        has("2026-06-03T07:00:00Z") && !has("2026-06-03T12:00:00Z"),
        "moved instance"
    );
    assert!(has("2026-06-04T07:00:00Z"), "cancelled instance");
    assert!(
        !slots.iter().any(|s| s.starts_with("2026-06-05")),
        "all-day offsite"
    );

    // An expired access token is refreshed, and the sync goes on.
    fake.oauth.lock().expect("oauth").expire_access();
    resync(&app, &id).await;
    assert_eq!(fake.oauth.lock().expect("oauth").refreshes, 1);
    assert_eq!(connection(&app, &id).await["status"], "active");
    // A token about to expire is refreshed before use, without a 401 first.
    let requests = fake.world.lock().expect("world").requests;
    app.set_now("2026-05-25T00:59:00Z");
    resync(&app, &id).await;
    assert_eq!(fake.oauth.lock().expect("oauth").refreshes, 2);
    let unauthorized = fake.world.lock().expect("world").unauthorized;
    assert_eq!(unauthorized, 1, "only the expiry above was answered 401");
    assert!(fake.world.lock().expect("world").requests > requests);
    app.set_now("2026-05-25T00:00:00Z");

    // Rate limits (429 and 403 rateLimitExceeded) are waited out.
    fake.world.lock().expect("world").throttle = 2;
    resync(&app, &id).await;
    assert_eq!(connection(&app, &id).await["status"], "active");

    // Push: a channel per checked calendar; a change notifies Kairos, which syncs.
    assert_eq!(
        kairos::sync::push::renew_due(&app.context)
            .await
            .expect("push"),
        1
    );
    assert!(connection(&app, &id).await["calendars"][0]["push"]["id"].is_string());
    fake.store(PRIMARY, json!({ "kind": "calendar#event", "id": "dentist", "status": "confirmed",
        "start": { "dateTime": "2026-06-02T09:00:00+02:00" }, "end": { "dateTime": "2026-06-02T10:00:00+02:00" } }));
    assert_eq!(fake.notify(PRIMARY).await, vec![204]);
    sync(&app).await;
    assert!(
        !free(&app)
            .await
            .contains(&"2026-06-02T07:00:00Z".to_string()),
        "the dentist blocks"
    );
    let forged = reqwest::Client::new()
        .post(format!("{}/push/google", app.context.public_url()))
        .header("X-Goog-Channel-ID", "nope")
        .header("X-Goog-Channel-Token", "nope")
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status().as_u16(), 401);

    // An expired sync token: a full resync converges to the same busy set.
    let before = (
        free(&app).await,
        connection(&app, &id).await["event_count"].clone(),
    );
    fake.expire_sync_tokens();
    {
        // …even when a page in the middle is rate limited: that page is asked
        // again and the listing goes on (calendar list: 2 pages, then the 410,
        // then the events' pages; the second of those is refused once).
        let mut world = fake.world.lock().expect("world");
        world.throttle_from = Some(world.requests + 5);
        world.throttle = 1;
    }
    resync(&app, &id).await;
    assert_eq!(
        fake.world.lock().expect("world").throttle,
        0,
        "the throttle was hit"
    );
    let after = (
        free(&app).await,
        connection(&app, &id).await["event_count"].clone(),
    );
    assert_eq!(before, after);
    fake.remove(PRIMARY, "dentist");
    resync(&app, &id).await;
    assert!(
        free(&app)
            .await
            .contains(&"2026-06-02T07:00:00Z".to_string()),
        "deleted upstream"
    );

    // A booking becomes an event with a Meet request and Kairos's own id.
    let (uid, token) = book(&app, "2026-06-01T08:00:00Z", "pat@example.com").await;
    effects(&app).await;
    let event_id = kairos::sync::google::event_id(&uid);
    let written = fake.find(PRIMARY, &event_id).expect("written");
    assert_eq!(written["start"]["dateTime"], "2026-06-01T08:00:00+00:00");
    assert_eq!(
        written["conferenceData"]["createRequest"]["conferenceSolutionKey"]["type"],
        "hangoutsMeet"
    );
    assert_eq!(written["attendees"][0]["email"], "ana@example.com");
    assert_eq!(written["attendees"][0]["responseStatus"], "accepted");
    assert_eq!(written["attendees"][1]["email"], "pat@example.com");
    // A retried write (the record lost in a crash) makes no second event.
    app.store
        .delete_booking_event(&uid, &ana)
        .await
        .expect("forget");
    kairos::sync::writer::write_booking(&app.context, &uid)
        .await
        .expect("again");
    let ours = fake
        .live(PRIMARY)
        .into_iter()
        .filter(|e| e["id"].as_str().is_some_and(|i| i.starts_with("kairos")))
        .count();
    assert_eq!(ours, 1);
    // Deleted in Google by the host, the event stays there as `cancelled`
    // and its id cannot be taken again: writing the booking restores it.
    let mut deleted = fake.find(PRIMARY, &event_id).expect("written");
    deleted["status"] = json!("cancelled");
    fake.store(PRIMARY, deleted);
    app.store
        .delete_booking_event(&uid, &ana)
        .await
        .expect("forget");
    kairos::sync::writer::write_booking(&app.context, &uid)
        .await
        .expect("restored");
    assert_eq!(
        fake.find(PRIMARY, &event_id).expect("event")["status"],
        "confirmed"
    );
    // Synced back, our own event is not counted as busy time twice.
    resync(&app, &id).await;
    assert_eq!(connection(&app, &id).await["event_count"], 5);
    // An event claiming to be some other Kairos's booking is busy time like any.
    fake.store(PRIMARY, json!({ "kind": "calendar#event", "id": "foreign", "status": "confirmed",
        "start": { "dateTime": "2026-06-04T09:00:00Z" }, "end": { "dateTime": "2026-06-04T10:00:00Z" },
        "extendedProperties": { "private": { "kairosBooking": "not-a-booking-here" } } }));
    resync(&app, &id).await;
    assert_eq!(connection(&app, &id).await["event_count"], 6);
    assert!(
        !free(&app)
            .await
            .contains(&"2026-06-04T09:00:00Z".to_string())
    );
    cancel(&app, &uid, &token).await;
    assert_eq!(
        fake.find(PRIMARY, &event_id).expect("tombstone")["status"],
        "cancelled"
    );

    // Consent revoked: the refresh fails for good.
    fake.oauth.lock().expect("oauth").revoke();
    resync(&app, &id).await;
    let broken = connection(&app, &id).await;
    assert_eq!(broken["status"], "needs_reconnect", "{broken}");
    assert!(
        broken["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("invalid_grant")),
        "{broken}"
    );
    assert!(free(&app).await.is_empty());

    // Consenting again restores the same connection, trusted again once the
    // sync that follows has ended; disconnecting stops its channel.
    assert_eq!(connect(&app, &ana, "google").await, id);
    assert_eq!(connection(&app, &id).await["status"], "active");
    assert!(free(&app).await.is_empty(), "not before the sync");
    sync(&app).await;
    assert!(!free(&app).await.is_empty());
    let gone = app
        .admin(Method::DELETE, &format!("/api/v1/connections/{id}"), None)
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    let world = fake.world.lock().expect("world");
    assert!(world.channels.is_empty(), "the channel was stopped");
    assert_eq!(world.stopped.len(), 1);
}

/// Outages keep what was synced and are retried; effects that cannot succeed
/// fail visibly and can be retried; with the background workers running, a
/// push leads to a sync and a booking to its event within seconds.
async fn google_outages_and_workers(backend: Backend) {
    let fake = GoogleFake::start().await;
    let settings = fake.settings();
    let Some((app, _base)) = served_app(backend, |p| p.google = settings).await else {
        return;
    };
    let ana = host(&app).await;
    let id = connect(&app, &ana, "google").await;
    sync(&app).await;
    let synced = (
        free(&app).await,
        connection(&app, &id).await["event_count"].clone(),
    );

    // An outage: the sync fails, is retried later, and nothing synced is lost.
    fake.world.lock().expect("world").outage = true;
    resync(&app, &id).await;
    let during = connection(&app, &id).await;
    assert_eq!(during["status"], "retrying", "{during}");
    assert_eq!(during["failures"], 1);
    assert!(
        during["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("503")),
        "{during}"
    );
    let next: chrono::DateTime<chrono::Utc> = during["next_sync_at"]
        .as_str()
        .expect("next")
        .parse()
        .expect("instant");
    assert!(next > crate::helpers::test_now(), "backed off: {during}");
    assert_eq!(
        (free(&app).await, during["event_count"].clone()),
        synced,
        "data kept"
    );

    // A booking's write during the outage is retried later, visibly.
    let (uid, _) = book(&app, "2026-06-01T08:00:00Z", "pat@example.com").await;
    effects(&app).await;
    let effect = app
        .admin(
            Method::GET,
            &format!("/api/v1/effects?booking={uid}&kind=calendar_write"),
            None,
        )
        .await
        .json[0]
        .clone();
    assert_eq!(effect["status"], "pending", "{effect}");
    assert_eq!(effect["attempts"], 1);
    assert!(
        effect["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("503")),
        "{effect}"
    );
    let early = app
        .admin(
            Method::POST,
            &format!(
                "/api/v1/effects/{}/retry",
                effect["id"].as_str().expect("id")
            ),
            None,
        )
        .await;
    assert_eq!(
        early.status,
        StatusCode::CONFLICT,
        "only failed effects are retried by hand"
    );

    // Credentials refused for good: the effect fails at once and says why.
    fake.world.lock().expect("world").outage = false;
    fake.oauth.lock().expect("oauth").revoke();
    kairos::effects::run_due(&app.context, 10)
        .await
        .expect("nothing due yet");
    let effect_id = effect["id"].as_str().expect("id").to_string();
    due_now(&app, &effect_id).await;
    effects(&app).await;
    let failed = app
        .admin(
            Method::GET,
            &format!("/api/v1/effects?booking={uid}&kind=calendar_write"),
            None,
        )
        .await
        .json[0]
        .clone();
    assert_eq!(failed["status"], "failed", "{failed}");
    // The refused write asks for a sync at once, and the sync says so (and
    // emails the host), without waiting for the next poll.
    sync(&app).await;
    let broken = connection(&app, &id).await;
    assert_eq!(broken["status"], "needs_reconnect", "{broken}");
    let mails = app
        .admin(Method::GET, "/api/v1/effects?kind=reconnect_mail", None)
        .await;
    assert_eq!(
        mails.json.as_array().map(Vec::len),
        Some(1),
        "{}",
        mails.json
    );

    // Retried by hand while consent is still revoked: queued, and failed again.
    let retried = app
        .admin(
            Method::POST,
            &format!("/api/v1/effects/{effect_id}/retry"),
            None,
        )
        .await;
    assert_eq!(retried.status, StatusCode::OK, "{}", retried.json);
    assert_eq!(retried.json["status"], "pending");
    assert_eq!(effects(&app).await, 1);
    assert_eq!(write_status(&app, &uid).await, "failed");

    // Reconnecting runs the failed write again by itself: the event exists.
    assert_eq!(connect(&app, &ana, "google").await, id);
    assert_eq!(write_status(&app, &uid).await, "pending");
    assert_eq!(effects(&app).await, 1);
    assert_eq!(write_status(&app, &uid).await, "done");
    assert!(
        fake.find(PRIMARY, &kairos::sync::google::event_id(&uid))
            .is_some()
    );

    // With the workers running: push → sync, and booking → event, within seconds.
    sync(&app).await;
    assert_eq!(
        kairos::sync::push::renew_due(&app.context)
            .await
            .expect("push"),
        1
    );
    kairos::workers::spawn(app.context.clone());
    fake.store(PRIMARY, json!({ "kind": "calendar#event", "id": "late", "status": "confirmed",
        "start": { "dateTime": "2026-06-04T12:00:00Z" }, "end": { "dateTime": "2026-06-04T13:00:00Z" } }));
    assert_eq!(fake.notify(PRIMARY).await, vec![204]);
    eventually("the pushed event blocks", async || {
        !free(&app)
            .await
            .contains(&"2026-06-04T12:00:00Z".to_string())
    })
    .await;
    let second = app
        .book_public("ana/intro", "2026-06-04T08:00:00Z", "sam@example.com")
        .await;
    let second = second.json["uid"].as_str().expect("uid").to_string();
    eventually("the booking's event is written", async || {
        fake.find(PRIMARY, &kairos::sync::google::event_id(&second))
            .is_some()
    })
    .await;
}

/// The status of a booking's latest calendar write.
async fn write_status(app: &App, uid: &str) -> serde_json::Value {
    app.admin(
        Method::GET,
        &format!("/api/v1/effects?booking={uid}&kind=calendar_write"),
        None,
    )
    .await
    .json[0]["status"]
        .clone()
}

/// Makes a pending effect due now (its backoff would take minutes).
async fn due_now(app: &App, effect_id: &str) {
    app.store
        .finish_effect(
            effect_id,
            &kairos::store::EffectOutcome::Retry {
                at: chrono::Utc::now(),
                error: "test: due now".to_string(),
            },
            chrono::Utc::now(),
        )
        .await
        .expect("reschedule");
}

/// The host moves the meeting Kairos wrote from 10:00 to 16:00 (Berlin) in
/// Google Calendar: 16:00 stops being offered, a second invitee cannot book
/// it, and the booking says where its event went; moved back, all is as before.
async fn google_host_edits_count(backend: Backend) {
    let fake = GoogleFake::start().await;
    let settings = fake.settings();
    let Some((app, _base)) = served_app(backend, |p| p.google = settings).await else {
        return;
    };
    let ana = host(&app).await;
    let id = connect(&app, &ana, "google").await;
    sync(&app).await;
    let count = connection(&app, &id).await["event_count"].clone();
    let (uid, _) = book(&app, "2026-06-01T08:00:00Z", "pat@example.com").await;
    effects(&app).await;
    let event_id = kairos::sync::google::event_id(&uid);
    let written = fake.find(PRIMARY, &event_id).expect("written");
    let mut moved = written.clone();
    moved["start"] =
        json!({ "dateTime": "2026-06-01T16:00:00+02:00", "timeZone": "Europe/Berlin" });
    moved["end"] = json!({ "dateTime": "2026-06-01T16:30:00+02:00", "timeZone": "Europe/Berlin" });
    fake.store(PRIMARY, moved);
    resync(&app, &id).await;
    let slots = free(&app).await;
    assert!(
        !slots.contains(&"2026-06-01T14:00:00Z".to_string()),
        "16:00 Berlin"
    );
    assert!(
        !slots.contains(&"2026-06-01T08:00:00Z".to_string()),
        "the booking"
    );
    let second = app
        .book_public("ana/intro", "2026-06-01T14:00:00Z", "sam@example.com")
        .await;
    assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.json);
    let booking = app
        .admin(Method::GET, &format!("/api/v1/bookings/{uid}"), None)
        .await
        .json;
    assert_eq!(
        booking["calendar_event_changed"],
        json!([{ "user_id": ana, "start": "2026-06-01T14:00:00Z", "end": "2026-06-01T14:30:00Z" }]),
        "{booking}"
    );
    // Moved back as Kairos wrote it.
    fake.store(PRIMARY, written);
    resync(&app, &id).await;
    assert!(
        free(&app)
            .await
            .contains(&"2026-06-01T14:00:00Z".to_string())
    );
    let booking = app
        .admin(Method::GET, &format!("/api/v1/bookings/{uid}"), None)
        .await
        .json;
    assert!(booking.get("calendar_event_changed").is_none(), "{booking}");
    assert_eq!(connection(&app, &id).await["event_count"], count);
}

/// A rescheduled booking moves its event and keeps its Meet link: the
/// update patches the event without a new `createRequest` (which would make
/// a new conference), and leaves out what Kairos does not own.
async fn google_reschedule_keeps_the_meet_link(backend: Backend) {
    let fake = GoogleFake::start().await;
    let settings = fake.settings();
    let Some((app, _base)) = served_app(backend, |p| p.google = settings).await else {
        return;
    };
    let ana = host(&app).await;
    connect(&app, &ana, "google").await;
    sync(&app).await;
    let (uid, token) = book(&app, "2026-06-01T08:00:00Z", "pat@example.com").await;
    effects(&app).await;
    let event_id = kairos::sync::google::event_id(&uid);
    let link = fake.find(PRIMARY, &event_id).expect("written")["hangoutLink"].clone();
    assert!(link.is_string(), "a Meet link was made");
    reschedule(&app, &uid, &token, "2026-06-02T09:00:00Z").await;
    let event = fake.find(PRIMARY, &event_id).expect("moved, same event");
    assert_eq!(event["start"]["dateTime"], "2026-06-02T09:00:00+00:00");
    assert_eq!(event["hangoutLink"], link, "the same Meet link: {event}");
    let ours = fake
        .live(PRIMARY)
        .into_iter()
        .filter(|e| e["id"].as_str().is_some_and(|i| i.starts_with("kairos")))
        .count();
    assert_eq!(ours, 1);
}

/// One invitation per booking, from one place: by default Kairos's email
/// carries it and Google mails nobody (`sendUpdates=none`); with the event
/// type's `invitations: calendar`, Google invites and cancels
/// (`sendUpdates=all`) and Kairos's emails carry none.
async fn google_invitations_come_from_one_place(backend: Backend) {
    let Some(sink) = SmtpSink::start().await else {
        return;
    };
    let fake = GoogleFake::start().await;
    let settings = fake.settings();
    let mail = MailSettings {
        smtp_url: Some(Secret::new(sink.url())),
        from: "Kairos <bookings@kairos.test>".to_string(),
        ..MailSettings::default()
    };
    let Some((app, _base)) = served_app_with(
        backend,
        |p| p.google = settings,
        move |state| state.with_mail(&mail).expect("mail"),
    )
    .await
    else {
        return;
    };
    let ana = host(&app).await;
    connect(&app, &ana, "google").await;
    sync(&app).await;
    let invited = |to: &str| {
        let messages = sink.messages();
        let mine: Vec<serde_json::Value> = messages
            .into_iter()
            .filter(|m| m["to"].as_str().is_some_and(|t| t.contains(to)))
            .collect();
        assert!(!mine.is_empty(), "no email to {to}");
        mine.iter()
            .map(|m| !m["invitations"].as_array().is_none_or(Vec::is_empty))
            .collect::<Vec<bool>>()
    };

    book(&app, "2026-06-01T08:00:00Z", "pat@example.com").await;
    effects(&app).await;
    assert_eq!(
        fake.world.lock().expect("world").send_updates,
        vec![("POST", "none".to_string())]
    );
    assert_eq!(invited("pat@example.com"), [true], "Kairos's email invites");

    let types = app.admin(Method::GET, "/api/v1/event-types", None).await;
    let mut intro = types.json[0].clone();
    let id = intro["id"].as_str().expect("id").to_string();
    for key in ["id", "created_at", "updated_at"] {
        intro.as_object_mut().expect("object").remove(key);
    }
    intro["invitations"] = json!("calendar");
    let put = app
        .admin(
            Method::PUT,
            &format!("/api/v1/event-types/{id}"),
            Some(intro),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.json);
    let (uid, token) = book(&app, "2026-06-02T08:00:00Z", "kim@example.com").await;
    effects(&app).await;
    cancel(&app, &uid, &token).await;
    let updates = fake.world.lock().expect("world").send_updates.clone();
    assert_eq!(
        updates[1..],
        [("POST", "all".to_string()), ("DELETE", "all".to_string())],
        "{updates:?}"
    );
    assert_eq!(
        invited("kim@example.com"),
        [false, false],
        "confirmation and cancellation without an invitation"
    );
}

/// The provider refuses Kairos's own client (a wrong secret): a setup
/// fault named as such, and no connection; no host is sent to reconnect.
async fn google_refuses_a_wrong_client_secret(backend: Backend) {
    let fake = GoogleFake::start().await;
    let mut settings = fake.settings();
    settings.client_secret = Some(Secret::new("not-the-secret"));
    let Some((app, _base)) = served_app(backend, |p| p.google = settings).await else {
        return;
    };
    let ana = host(&app).await;
    let started = app
        .admin(
            Method::POST,
            "/api/v1/connections/oauth",
            Some(json!({ "user_id": ana, "provider": "google" })),
        )
        .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.json);
    let url = started.json["authorization_url"].as_str().expect("url");
    let back = crate::fakes::consent(url).await;
    assert_eq!(back.status().as_u16(), 503);
    let page = back.text().await.expect("page");
    assert!(page.contains("OAuth client is refused"), "{page}");
    let listed = app.admin(Method::GET, "/api/v1/connections", None).await;
    assert_eq!(
        listed.json.as_array().map(Vec::len),
        Some(0),
        "{}",
        listed.json
    );
}

on_both!(
    google_refuses_a_wrong_client_secret,
    google_end_to_end,
    google_outages_and_workers,
    google_host_edits_count,
    google_reschedule_keeps_the_meet_link,
    google_invitations_come_from_one_place
);
