//! Microsoft Graph end to end against the local fake: OAuth, calendarView
//! delta with paging and `@removed`, Windows time zones, a subscription made
//! through the validation handshake and notifications leading to a sync, a
//! full resync after 410, bookings written with `transactionId` (a retried
//! create makes no second event) and a Teams meeting, revoked consent.

use crate::fakes::microsoft::GraphFake;
use crate::helpers::Backend;
use crate::on_both;
use crate::sync_support::{
    book, connect, connection, effects, free, host, resync, served_app, sync,
};
use axum::http::{Method, StatusCode};
use serde_json::json;

const DEFAULT: &str = "AAMkCal-default";

async fn microsoft_end_to_end(backend: Backend) {
    let fake = GraphFake::start().await;
    let settings = fake.settings();
    let Some((app, _base)) = served_app(backend, |p| p.microsoft = settings).await else {
        return;
    };
    let ana = host(&app).await;
    let id = connect(&app, &ana, "microsoft").await;
    let made = connection(&app, &id).await;
    assert_eq!(made["provider"], "microsoft");
    assert_eq!(made["account"], "ana@contoso.example");
    assert_eq!(made["calendars"][0]["external_id"], DEFAULT, "{made}");
    assert_eq!(made["calendars"][0]["destination"], true);

    fake.world.lock().expect("world").throttle = 1;
    sync(&app).await;
    let synced = connection(&app, &id).await;
    assert_eq!(synced["status"], "active", "{synced}");
    assert_eq!(
        synced["event_count"], 4,
        "not the free, declined or cancelled ones: {synced}"
    );
    let slots = free(&app).await;
    let has = |t: &str| slots.contains(&t.to_string());
    assert!(!has("2026-06-01T07:00:00Z"), "stand-up occurrence");
    assert!(!has("2026-06-01T10:00:00Z"), "lunch");
    assert!(
        has("2026-06-01T13:00:00Z") && has("2026-06-01T14:00:00Z"),
        "free and declined"
    );
    assert!(has("2026-06-02T08:00:00Z"), "cancelled");
    assert!(
        !has("2026-06-02T09:00:00Z"),
        "02:00 Pacific Standard Time is 09:00 UTC in June"
    );
    assert!(!has("2026-06-03T12:00:00Z"), "moved occurrence");

    // Expired access token: refreshed.
    fake.oauth.lock().expect("oauth").expire_access();
    resync(&app, &id).await;
    assert_eq!(fake.oauth.lock().expect("oauth").refreshes, 1);

    // Both calendars checked: one subscription on the documented `/me/events`
    // serves them (made through the validation handshake); notifications sync.
    let calendars = connection(&app, &id).await["calendars"].clone();
    let ids: Vec<&str> = calendars
        .as_array()
        .expect("calendars")
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    let chosen = app
        .admin(
            Method::PUT,
            &format!("/api/v1/connections/{id}/calendars"),
            Some(json!({ "check_conflicts": ids, "destination": ids[0] })),
        )
        .await;
    assert_eq!(chosen.status, StatusCode::OK, "{}", chosen.json);
    sync(&app).await;
    assert_eq!(
        kairos::sync::push::renew_due(&app.context)
            .await
            .expect("push"),
        1,
        "one subscription for the connection"
    );
    // Nothing more is due while it lives.
    assert_eq!(
        kairos::sync::push::renew_due(&app.context)
            .await
            .expect("push"),
        0
    );
    {
        let world = fake.world.lock().expect("world");
        assert_eq!(world.subscriptions.len(), 1, "one subscription, shared");
        assert_eq!(world.subscriptions[0].resource, "/me/events");
    }
    fake.store(DEFAULT, "AAMkEv-dentist", Some(json!({ "id": "AAMkEv-dentist", "type": "singleInstance", "showAs": "busy",
        "start": { "dateTime": "2026-06-02T07:00:00.0000000", "timeZone": "UTC" }, "end": { "dateTime": "2026-06-02T08:00:00.0000000", "timeZone": "UTC" } })));
    fake.store(DEFAULT, "AAMkEv-lunch", None);
    assert_eq!(fake.notify(None).await, vec![202]);
    sync(&app).await;
    // A forged notification is answered 202 (Graph would resend it for
    // hours otherwise) and dropped: nothing becomes due.
    assert_eq!(fake.notify(Some("forged")).await, vec![202]);
    assert_eq!(
        kairos::sync::runner::run_due(&app.context, 10)
            .await
            .expect("run"),
        0
    );
    let slots = free(&app).await;
    assert!(
        !slots.contains(&"2026-06-02T07:00:00Z".to_string()),
        "the new event blocks"
    );
    assert!(
        slots.contains(&"2026-06-01T10:00:00Z".to_string()),
        "@removed frees lunch"
    );

    // Outlook drops the subscription and says so: Kairos forgets it, syncs
    // at once (changes may have gone unheard), and opens a new one.
    let first = fake.world.lock().expect("world").subscriptions[0]
        .id
        .clone();
    assert_eq!(fake.lifecycle("subscriptionRemoved").await, vec![202]);
    let after = connection(&app, &id).await;
    assert!(
        after["calendars"]
            .as_array()
            .expect("calendars")
            .iter()
            .all(|c| c["push"].is_null()),
        "{after}"
    );
    sync(&app).await;
    assert_eq!(
        kairos::sync::push::renew_due(&app.context)
            .await
            .expect("push"),
        1
    );
    {
        let world = fake.world.lock().expect("world");
        assert_eq!(world.subscriptions.len(), 1);
        assert_ne!(world.subscriptions[0].id, first, "a new subscription");
        assert!(world.subscriptions[0].lifecycle_url.is_some());
    }
    // Missed notifications: a sync follows.
    assert_eq!(fake.lifecycle("missed").await, vec![202]);
    sync(&app).await;

    // An expired delta link: a full resync converges to the same busy set.
    let before = (
        free(&app).await,
        connection(&app, &id).await["event_count"].clone(),
    );
    for shape in [
        None,
        Some((StatusCode::BAD_REQUEST, "syncStateNotFound")),
        Some((StatusCode::BAD_REQUEST, "resyncRequired")),
        Some((StatusCode::NOT_FOUND, "SyncStateInvalid")),
    ] {
        fake.world.lock().expect("world").expired_with = shape;
        fake.expire_delta_links();
        resync(&app, &id).await;
        let after = connection(&app, &id).await;
        assert_eq!(after["status"], "active", "{shape:?}: {after}");
        assert_eq!(
            before,
            (free(&app).await, after["event_count"].clone()),
            "{shape:?}"
        );
    }

    // A booking: one event, with Teams, even when the create is retried.
    let (uid, token) = book(&app, "2026-06-01T08:00:00Z", "pat@example.com").await;
    effects(&app).await;
    app.store
        .delete_booking_event(&uid, &ana)
        .await
        .expect("forget");
    kairos::sync::writer::write_booking(&app.context, &uid)
        .await
        .expect("again");
    let ours: Vec<_> = fake
        .live(DEFAULT)
        .into_iter()
        .filter(|e| e["transactionId"] == kairos::sync::microsoft::transaction_id(&uid).as_str())
        .collect();
    assert_eq!(ours.len(), 1, "{ours:?}");
    assert_eq!(ours[0]["isOnlineMeeting"], true);
    assert_eq!(ours[0]["onlineMeetingProvider"], "teamsForBusiness");
    // Kairos's own email invites the invitee: an attendee here would get a
    // second invitation from Outlook.
    assert_eq!(ours[0]["attendees"], json!([]), "{}", ours[0]);
    assert!(ours[0].get("transactionId").is_some());
    assert_eq!(ours[0]["start"]["dateTime"], "2026-06-01T08:00:00");
    // Synced back without its transactionId, our event is still known by its id.
    fake.world.lock().expect("world").hide_transaction_ids = true;
    resync(&app, &id).await;
    assert_eq!(connection(&app, &id).await["event_count"], 4);
    // Moved by a reschedule, then removed by a cancellation.
    let moved = app
        .public(
            Method::POST,
            &format!("/api/v1/manage/{uid}/reschedule?token={token}"),
            Some(json!({ "start": "2026-06-01T09:00:00Z" })),
        )
        .await;
    assert_eq!(moved.status, StatusCode::CREATED, "{}", moved.json);
    effects(&app).await;
    let event = fake
        .live(DEFAULT)
        .into_iter()
        .find(|e| e["id"] == ours[0]["id"])
        .expect("same event");
    assert_eq!(event["start"]["dateTime"], "2026-06-01T09:00:00");
    let new_uid = moved.json["uid"].as_str().expect("uid");
    let new_token = moved.json["manage_token"].as_str().expect("token");
    app.public(
        Method::POST,
        &format!("/api/v1/manage/{new_uid}/cancel?token={new_token}"),
        Some(json!({})),
    )
    .await;
    effects(&app).await;
    assert!(fake.live(DEFAULT).iter().all(|e| e["id"] != ours[0]["id"]));

    // Revoked consent: needs_reconnect, no slots; consent again; disconnect unsubscribes.
    fake.oauth.lock().expect("oauth").revoke();
    resync(&app, &id).await;
    assert_eq!(connection(&app, &id).await["status"], "needs_reconnect");
    assert!(free(&app).await.is_empty());
    assert_eq!(connect(&app, &ana, "microsoft").await, id);
    let gone = app
        .admin(Method::DELETE, &format!("/api/v1/connections/{id}"), None)
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    assert!(fake.world.lock().expect("world").subscriptions.is_empty());
}

/// The host makes the meeting Kairos wrote an hour long in Outlook: the
/// extra half hour is busy and the booking says so.
async fn microsoft_host_edits_count(backend: Backend) {
    let fake = GraphFake::start().await;
    let settings = fake.settings();
    let Some((app, _base)) = served_app(backend, |p| p.microsoft = settings).await else {
        return;
    };
    let ana = host(&app).await;
    let id = connect(&app, &ana, "microsoft").await;
    sync(&app).await;
    let count = connection(&app, &id).await["event_count"].clone();
    let (uid, _) = book(&app, "2026-06-04T08:00:00Z", "pat@example.com").await;
    effects(&app).await;
    let transaction = kairos::sync::microsoft::transaction_id(&uid);
    let written = fake
        .live(DEFAULT)
        .into_iter()
        .find(|e| e["transactionId"] == transaction.as_str())
        .expect("written");
    let event_id = written["id"].as_str().expect("id").to_string();
    resync(&app, &id).await;
    assert_eq!(
        connection(&app, &id).await["event_count"],
        count,
        "ours, as written"
    );
    let mut longer = written.clone();
    longer["end"] = json!({ "dateTime": "2026-06-04T09:00:00.0000000", "timeZone": "UTC" });
    fake.store(DEFAULT, &event_id, Some(longer));
    resync(&app, &id).await;
    let slots = free(&app).await;
    assert!(
        !slots.contains(&"2026-06-04T08:30:00Z".to_string()),
        "the extra half hour"
    );
    assert!(slots.contains(&"2026-06-04T09:00:00Z".to_string()));
    let booking = app
        .admin(Method::GET, &format!("/api/v1/bookings/{uid}"), None)
        .await
        .json;
    assert_eq!(
        booking["calendar_event_changed"],
        json!([{ "user_id": ana, "start": "2026-06-04T08:00:00Z", "end": "2026-06-04T09:00:00Z" }]),
        "{booking}"
    );

    // A personal account's calendar offers Skype, not Teams: the meeting is
    // asked of the provider it offers.
    {
        let mut world = fake.world.lock().expect("world");
        let default = world
            .calendars
            .iter_mut()
            .find(|c| c["id"] == DEFAULT)
            .expect("default calendar");
        default["allowedOnlineMeetingProviders"] = json!(["skypeForConsumer"]);
        default["defaultOnlineMeetingProvider"] = json!("skypeForConsumer");
    }
    let (other, _) = book(&app, "2026-06-05T08:00:00Z", "kim@example.com").await;
    effects(&app).await;
    let transaction = kairos::sync::microsoft::transaction_id(&other);
    let written = fake
        .live(DEFAULT)
        .into_iter()
        .find(|e| e["transactionId"] == transaction.as_str())
        .expect("written");
    assert_eq!(written["onlineMeetingProvider"], "skypeForConsumer");
}

on_both!(microsoft_end_to_end, microsoft_host_edits_count);
