//! Emails about bookings, received by a real SMTP server and read back by
//! independent readers (Python's email package, the `icalendar` package):
//! who gets what, in whose language and zone, with an invitation that
//! updates in place (one UID, a growing SEQUENCE, REQUEST then CANCEL);
//! approval by the host's link; reminders at their instant across a change
//! to summer time; refusals failed and retryable, an unreachable server
//! retried; nothing lost when the process that booked never sent.

use crate::helpers::{App, Backend, booking, office_hours};
use crate::on_both;
use crate::smtp::SmtpSink;
use axum::http::{Method, StatusCode};
use kairos::config::{MailSettings, Secret};
use kairos::effects::drain;
use kairos::store::EffectFilter;
use serde_json::{Value, json};

/// An app whose email goes to `sink`.
pub(crate) async fn app_sending_to(backend: Backend, sink: &SmtpSink) -> Option<App> {
    let settings = MailSettings {
        smtp_url: Some(Secret::new(sink.url())),
        from: "Kairos <bookings@kairos.test>".to_string(),
        ..MailSettings::default()
    };
    App::with_state(backend, move |state| {
        state.with_mail(&settings).expect("mail settings")
    })
    .await
}

/// Ana (Berlin, writes German, working `weekly`) with "Intro" (30 minutes,
/// a video link, a question), plus `extra` fields; returns the event type id.
pub(crate) async fn ana_intro(app: &App, weekly: Value, extra: Value) -> String {
    let user = app
        .admin(
            Method::POST,
            "/api/v1/users",
            Some(
                json!({ "slug": "ana", "name": "ANA", "email": "ana@example.com",
                "timezone": "Europe/Berlin", "language": "de" }),
            ),
        )
        .await;
    assert_eq!(user.status, StatusCode::CREATED, "{}", user.json);
    assert_eq!(user.json["language"], "de");
    let ana = user.json["id"].as_str().expect("id").to_string();
    let schedule = app
        .admin(
            Method::POST,
            "/api/v1/schedules",
            Some(
                json!({ "user_id": ana, "name": "Hours", "timezone": "Europe/Berlin",
                "weekly": weekly, "is_default": true }),
            ),
        )
        .await;
    assert_eq!(schedule.status, StatusCode::CREATED, "{}", schedule.json);
    let mut body = json!({
        "owner_id": ana, "slug": "intro", "title": "Intro", "kind": "one_on_one",
        "duration_minutes": 30,
        "location": { "kind": "video", "url": "https://meet.example.com/ana" },
        "questions": [{ "id": "company", "label": "Company", "kind": "text", "required": false }],
    });
    for (k, v) in extra.as_object().expect("object") {
        body[k] = v.clone();
    }
    app.event_type(body).await
}

/// Books Ana's intro with `body`, then runs the queue (its emails go out).
pub(crate) async fn book_intro(app: &App, body: Value) -> crate::helpers::Response {
    let booked = app
        .public(
            Method::POST,
            "/api/v1/public/ana/intro/bookings",
            Some(body),
        )
        .await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.json);
    drain(&app.context).await.expect("drain");
    booked
}

fn invitation(mail: &Value) -> &Value {
    let inline = mail["invitations"]
        .as_array()
        .expect("invitations")
        .iter()
        .find(|i| i["attachment"] == false)
        .unwrap_or_else(|| panic!("no inline invitation in {mail}"));
    &inline["events"][0]
}

fn method(mail: &Value) -> String {
    let methods: Vec<&Value> = mail["invitations"]
        .as_array()
        .expect("invitations")
        .iter()
        .flat_map(|i| [&i["method"], &i["method_param"]])
        .collect();
    let first = methods[0].as_str().expect("method").to_string();
    assert!(
        methods.iter().all(|m| m.as_str() == Some(first.as_str())),
        "METHOD and the content type's method agree, inline and attached: {methods:?}"
    );
    first
}

/// The messages to `address`.
pub(crate) fn to<'a>(messages: &'a [Value], address: &str) -> Vec<&'a Value> {
    messages
        .iter()
        .filter(|m| m["to"].as_str().is_some_and(|t| t.contains(address)))
        .collect()
}

pub(crate) fn link_in(text: &str, prefix: &str) -> String {
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("{prefix} in {text}"));
    text[start..]
        .split_whitespace()
        .next()
        .expect("link")
        .to_string()
}

on_both!(
    a_booking_its_move_and_its_cancellation_reach_both_sides,
    a_host_approves_or_declines_by_the_emails_link,
    reminders_come_at_their_instant_across_summer_time,
    refusals_fail_visibly_and_an_unreachable_server_is_retried,
    what_a_process_committed_another_sends,
);

async fn a_booking_its_move_and_its_cancellation_reach_both_sides(backend: Backend) {
    let Some(sink) = SmtpSink::start().await else {
        return;
    };
    let Some(app) = app_sending_to(backend, &sink).await else {
        return;
    };
    ana_intro(&app, office_hours(), json!({})).await;
    let mut body = booking("2026-06-02T13:00:00Z", "pat@example.com");
    body["answers"] = json!({ "company": "Acme, Inc." });
    book_intro(&app, body).await;
    let messages = sink.messages();
    assert_eq!(messages.len(), 2, "{messages:#?}");

    // The invitee: English (no language given), New York time, the invitation.
    let pat = to(&messages, "pat@example.com")[0];
    assert_eq!(pat["language"], "en");
    assert!(
        pat["subject"]
            .as_str()
            .expect("subject")
            .starts_with("Confirmed: Intro with ANA"),
        "{pat}"
    );
    assert!(
        pat["from"]
            .as_str()
            .expect("from")
            .contains("ANA via Kairos"),
        "{pat}"
    );
    assert!(
        pat["from"]
            .as_str()
            .expect("from")
            .contains("bookings@kairos.test")
    );
    assert!(
        pat["reply_to"]
            .as_str()
            .expect("reply to")
            .contains("ana@example.com")
    );
    let structure: Vec<&str> = pat["structure"]
        .as_array()
        .expect("parts")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        structure,
        [
            "multipart/mixed",
            "multipart/alternative",
            "text/plain",
            "text/html",
            "text/calendar",
            "text/calendar"
        ],
        "text, HTML and the invitation inline, and the invitation attached"
    );
    let text = pat["text"].as_str().expect("text");
    assert!(
        text.contains("Tuesday, June 2, 2026, 9:00 am – 9:30 am (America/New_York)"),
        "{text}"
    );
    assert!(text.contains("https://meet.example.com/ana"), "{text}");
    assert!(pat["html"].as_str().expect("html").contains("9:00 am"));
    assert_eq!(method(pat), "REQUEST");
    let event = invitation(pat);
    let uid = event["uid"].as_str().expect("uid").to_string();
    assert_eq!(event["sequence"], 0);
    assert_eq!(event["status"], "CONFIRMED");
    assert_eq!(event["start"], "2026-06-02T13:00:00+00:00");
    assert_eq!(event["organizer"]["email"], "ana@example.com");
    assert_eq!(event["organizer"]["cn"], "ANA");
    let attendees = event["attendees"].as_array().expect("attendees");
    assert_eq!(attendees.len(), 1);
    assert_eq!(attendees[0]["email"], "pat@example.com");
    assert_eq!(attendees[0]["partstat"], "NEEDS-ACTION");
    assert_eq!(attendees[0]["rsvp"], "TRUE");

    // The host: German, Berlin time, the answers; no calendar connected, so
    // the invitation comes along.
    let ana = to(&messages, "ana@example.com")[0];
    assert_eq!(ana["language"], "de");
    assert!(
        ana["subject"]
            .as_str()
            .expect("subject")
            .starts_with("Neue Buchung: Intro mit Pat Doe"),
        "{ana}"
    );
    let text = ana["text"].as_str().expect("text");
    assert!(
        text.contains("Dienstag, 2. Juni 2026, 15:00 – 15:30 (Europe/Berlin)"),
        "{text}"
    );
    assert!(text.contains("Company: Acme, Inc."), "{text}");
    assert!(
        ana["reply_to"]
            .as_str()
            .expect("reply to")
            .contains("pat@example.com")
    );
    assert_eq!(invitation(ana)["uid"], uid.as_str());

    // The invitee's manage link works, and moves the booking.
    let manage = link_in(
        pat["text"].as_str().expect("text"),
        "http://kairos.test/booking/",
    );
    let path_and_query = manage.trim_start_matches("http://kairos.test");
    let page = app.public(Method::GET, path_and_query, None).await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "the emailed manage link opens the booking"
    );
    let (booking_uid, token) = {
        let rest = path_and_query.trim_start_matches("/booking/");
        let (uid, query) = rest.split_once("?token=").expect("token");
        (uid.to_string(), query.to_string())
    };
    let moved = app
        .public(
            Method::POST,
            &format!("/api/v1/manage/{booking_uid}/reschedule?token={token}"),
            Some(json!({ "start": "2026-06-03T13:00:00Z" })),
        )
        .await;
    assert_eq!(moved.status, StatusCode::CREATED, "{}", moved.json);
    drain(&app.context).await.expect("drain");
    let messages = sink.messages();
    assert_eq!(messages.len(), 4);
    for address in ["pat@example.com", "ana@example.com"] {
        let mail = to(&messages, address)[1];
        assert_eq!(method(mail), "REQUEST");
        let event = invitation(mail);
        assert_eq!(event["uid"], uid.as_str(), "a move keeps the UID");
        assert_eq!(event["sequence"], 1, "and raises the sequence");
        assert_eq!(event["start"], "2026-06-03T13:00:00+00:00");
    }
    let moved_mail = to(&messages, "pat@example.com")[1];
    assert!(
        moved_mail["subject"]
            .as_str()
            .expect("s")
            .starts_with("Rescheduled: Intro")
    );
    assert!(
        moved_mail["text"]
            .as_str()
            .expect("t")
            .contains("Tue 2 Jun 2026, 9:00 am"),
        "the old time"
    );

    // The host cancels with a reason: CANCEL, same UID, higher sequence.
    let new_uid = moved.json["uid"].as_str().expect("uid");
    let cancelled = app
        .admin(
            Method::POST,
            &format!("/api/v1/bookings/{new_uid}/cancel"),
            Some(json!({ "note": "Travelling that week" })),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.json);
    drain(&app.context).await.expect("drain");
    let messages = sink.messages();
    assert_eq!(messages.len(), 6);
    let pat = to(&messages, "pat@example.com")[2];
    assert_eq!(method(pat), "CANCEL");
    let event = invitation(pat);
    assert_eq!(event["uid"], uid.as_str());
    assert_eq!(event["sequence"], 2);
    assert_eq!(event["status"], "CANCELLED");
    assert_eq!(event["attendees"][0]["email"], "pat@example.com");
    let text = pat["text"].as_str().expect("text");
    assert!(text.contains("Travelling that week"), "{text}");
    assert!(
        text.contains("http://kairos.test/ana/intro"),
        "book another time: {text}"
    );
    assert!(
        !text.contains("/booking/"),
        "no manage link for a cancelled booking"
    );
    // Each message once: outbox keys are Message-IDs.
    let ids: std::collections::BTreeSet<&str> = messages
        .iter()
        .filter_map(|m| m["message_id"].as_str())
        .collect();
    assert_eq!(ids.len(), 6);
    assert!(drain(&app.context).await.expect("drain").is_empty());
}

async fn a_host_approves_or_declines_by_the_emails_link(backend: Backend) {
    let Some(sink) = SmtpSink::start().await else {
        return;
    };
    let Some(app) = app_sending_to(backend, &sink).await else {
        return;
    };
    ana_intro(&app, office_hours(), json!({ "requires_approval": true })).await;
    for (start, email) in [
        ("2026-06-02T13:00:00Z", "pat@example.com"),
        ("2026-06-03T13:00:00Z", "kim@example.com"),
    ] {
        let booked = app.book_public("ana/intro", start, email).await;
        assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.json);
    }
    drain(&app.context).await.expect("drain");
    let messages = sink.messages();
    assert_eq!(messages.len(), 4);
    let pat = to(&messages, "pat@example.com")[0];
    assert!(
        pat["subject"]
            .as_str()
            .expect("s")
            .starts_with("Requested: Intro"),
        "{pat}"
    );
    assert!(
        pat["invitations"].as_array().expect("i").is_empty(),
        "no invitation before approval"
    );
    let asks: Vec<&Value> = to(&messages, "ana@example.com");
    assert_eq!(asks.len(), 2);
    let approval_links: Vec<String> = asks
        .iter()
        .map(|m| {
            assert!(
                m["subject"]
                    .as_str()
                    .expect("s")
                    .starts_with("Freigabe nötig: Intro"),
                "{m}"
            );
            link_in(
                m["text"].as_str().expect("text"),
                "http://kairos.test/booking/",
            )
            .trim_start_matches("http://kairos.test")
            .to_string()
        })
        .collect();
    let (pat_link, kim_link) = if asks[0]["text"]
        .as_str()
        .expect("t")
        .contains("pat@example.com")
    {
        (&approval_links[0], &approval_links[1])
    } else {
        (&approval_links[1], &approval_links[0])
    };
    assert!(pat_link.contains("/approval?token="), "{pat_link}");
    let page = app.public(Method::GET, pat_link, None).await;
    assert_eq!(page.status, StatusCode::OK);
    // A made-up token opens nothing.
    let (path, _) = pat_link.split_once("?token=").expect("token");
    let guessed = app
        .public(Method::GET, &format!("{path}?token=guess"), None)
        .await;
    assert_eq!(guessed.status, StatusCode::NOT_FOUND);

    let approve = app
        .send(
            Method::POST,
            pat_link,
            None,
            &[("content-type", "application/x-www-form-urlencoded")],
        )
        .await;
    assert_eq!(
        approve.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a decision is needed"
    );
    let (decided, _) = crate::page_support::post_form(&app, pat_link, "decision=approve").await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER);
    let (declined, _) = crate::page_support::post_form(
        &app,
        kim_link,
        "decision=decline&reason=Fully+booked+that+week",
    )
    .await;
    assert_eq!(declined.status, StatusCode::SEE_OTHER);
    drain(&app.context).await.expect("drain");
    let messages = sink.messages();
    let pat = to(&messages, "pat@example.com");
    assert_eq!(pat.len(), 2);
    assert!(
        pat[1]["subject"]
            .as_str()
            .expect("s")
            .starts_with("Confirmed: Intro")
    );
    assert!(
        pat[1]["text"]
            .as_str()
            .expect("t")
            .contains("has confirmed your request")
    );
    assert_eq!(method(pat[1]), "REQUEST");
    let kim = to(&messages, "kim@example.com");
    assert_eq!(kim.len(), 2);
    assert!(
        kim[1]["subject"]
            .as_str()
            .expect("s")
            .starts_with("Declined: Intro")
    );
    assert!(
        kim[1]["text"]
            .as_str()
            .expect("t")
            .contains("Fully booked that week")
    );
    assert!(kim[1]["invitations"].as_array().expect("i").is_empty());
    // The link decided once: a second decision finds it decided.
    let (again, _) = crate::page_support::post_form(&app, kim_link, "decision=approve").await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

async fn reminders_come_at_their_instant_across_summer_time(backend: Backend) {
    let Some(sink) = SmtpSink::start().await else {
        return;
    };
    let Some(app) = app_sending_to(backend, &sink).await else {
        return;
    };
    // Summer time starts in Berlin on 2027-03-28 at 02:00. The meeting is
    // that Sunday at 10:00 CEST (08:00Z); a day before is 24 hours before.
    let sunday = json!({ "sun": [["09:00", "12:00"]] });
    ana_intro(&app, sunday, json!({ "reminder_minutes": [60, 1440] })).await;
    app.set_now("2027-03-20T12:00:00Z");
    let mut body = booking("2027-03-28T08:00:00Z", "pat@example.com");
    body["invitee"]["timezone"] = json!("Europe/Berlin");
    body["invitee"]["language"] = json!("de-DE");
    let booked = book_intro(&app, body).await;
    assert_eq!(sink.received().len(), 2, "the confirmations only");
    let reminders = |app: &App| {
        let store = app.store.clone();
        async move {
            let effects = store
                .effects(&organization_of(&store).await, &EffectFilter::default())
                .await
                .expect("effects");
            effects
                .into_iter()
                .filter(|e| e.kind == "booking_mail" && e.status.as_str() == "pending")
                .collect::<Vec<_>>()
        }
    };
    let waiting = reminders(&app).await;
    assert_eq!(
        waiting.len(),
        4,
        "two reminders each for Pat and Ana: {waiting:#?}"
    );
    let due: std::collections::BTreeSet<String> =
        waiting.iter().map(|e| e.run_at.to_rfc3339()).collect();
    assert_eq!(
        due.into_iter().collect::<Vec<_>>(),
        ["2027-03-27T08:00:00+00:00", "2027-03-28T07:00:00+00:00"]
    );
    app.set_now("2027-03-27T07:59:59Z");
    drain(&app.context).await.expect("drain");
    assert_eq!(sink.received().len(), 2, "not a second early");
    app.set_now("2027-03-27T08:00:00Z");
    drain(&app.context).await.expect("drain");
    let messages = sink.messages();
    assert_eq!(messages.len(), 4);
    let pat = to(&messages, "pat@example.com")[1];
    assert_eq!(pat["language"], "de", "de-DE is written in German");
    assert!(
        pat["subject"]
            .as_str()
            .expect("s")
            .starts_with("Erinnerung: Intro mit ANA"),
        "{pat}"
    );
    let text = pat["text"].as_str().expect("text");
    assert!(text.contains("beginnt in 1 Tag"), "{text}");
    assert!(
        text.contains("Sonntag, 28. März 2027, 10:00 – 10:30 (Europe/Berlin)"),
        "{text}"
    );
    assert!(text.contains("/booking/"), "a manage link: {text}");
    assert!(
        pat["invitations"].as_array().expect("i").is_empty(),
        "a reminder re-invites nobody"
    );
    // Cancelled before the hour-before reminder: it never goes.
    let uid = booked.json["uid"].as_str().expect("uid");
    let cancelled = app
        .admin(
            Method::POST,
            &format!("/api/v1/bookings/{uid}/cancel"),
            Some(json!({})),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.json);
    app.set_now("2027-03-28T07:00:00Z");
    drain(&app.context).await.expect("drain");
    let subjects: Vec<String> = sink
        .messages()
        .iter()
        .map(|m| m["subject"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(subjects.len(), 6, "{subjects:?}");
    assert!(
        subjects[4..]
            .iter()
            .all(|s| s.starts_with("Cancelled") || s.starts_with("Abgesagt")),
        "{subjects:?}"
    );
}

async fn organization_of(store: &kairos::store::SharedStore) -> String {
    store.organizations().await.expect("organizations")[0]
        .id
        .clone()
}

async fn refusals_fail_visibly_and_an_unreachable_server_is_retried(backend: Backend) {
    let Some(mut sink) = SmtpSink::start().await else {
        return;
    };
    let Some(app) = app_sending_to(backend, &sink).await else {
        return;
    };
    ana_intro(&app, office_hours(), json!({})).await;
    let booked = app
        .book_public("ana/intro", "2026-06-02T13:00:00Z", "refuse@example.com")
        .await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.json);
    drain(&app.context).await.expect("drain");
    assert_eq!(sink.received().len(), 1, "the host's message went");
    let failed = app
        .admin(Method::GET, "/api/v1/effects?status=failed", None)
        .await;
    let failed = failed.json.as_array().expect("effects").clone();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["kind"], "booking_mail");
    assert!(
        failed[0]["last_error"]
            .as_str()
            .expect("error")
            .contains("550"),
        "{}",
        failed[0]
    );
    let id = failed[0]["id"].as_str().expect("id");
    let retried = app
        .admin(Method::POST, &format!("/api/v1/effects/{id}/retry"), None)
        .await;
    assert_eq!(retried.status, StatusCode::OK, "{}", retried.json);
    assert_eq!(retried.json["status"], "pending");
    drain(&app.context).await.expect("drain");
    let again = app
        .admin(Method::GET, "/api/v1/effects?status=failed", None)
        .await;
    assert_eq!(again.json[0]["id"], id, "refused again: failed again");
    assert_eq!(again.json[0]["attempts"], 1);

    // The server goes away: the messages wait, and go once it is back.
    sink.stop();
    let second = app
        .book_public("ana/intro", "2026-06-03T13:00:00Z", "pat@example.com")
        .await;
    assert_eq!(second.status, StatusCode::CREATED);
    drain(&app.context).await.expect("drain");
    let pending = app
        .admin(Method::GET, "/api/v1/effects?status=pending", None)
        .await;
    let waiting: Vec<&Value> = pending
        .json
        .as_array()
        .expect("effects")
        .iter()
        .filter(|e| e["kind"] == "booking_mail")
        .collect();
    assert_eq!(waiting.len(), 2, "{}", pending.json);
    assert!(waiting.iter().all(|e| {
        e["attempts"] == 1
            && e["last_error"]
                .as_str()
                .is_some_and(|s| s.contains("refused"))
    }));
    sink.restart().await;
    // Backoff is real time: the retries are made due as a later run would find them.
    for effect in &waiting {
        let id = effect["id"].as_str().expect("id");
        kairos_retry_now(&app, id).await;
    }
    drain(&app.context).await.expect("drain");
    let received = sink.messages();
    assert_eq!(
        to(&received, "pat@example.com").len(),
        1,
        "sent once the server is back"
    );
}

/// Makes a waiting effect due now (what the passing of its backoff does).
async fn kairos_retry_now(app: &App, id: &str) {
    app.store
        .finish_effect(
            id,
            &kairos::store::EffectOutcome::Retry {
                at: chrono::Utc::now(),
                error: "test: due now".to_string(),
            },
            chrono::Utc::now(),
        )
        .await
        .expect("due now");
}

async fn what_a_process_committed_another_sends(backend: Backend) {
    let Some(sink) = SmtpSink::start().await else {
        return;
    };
    let Some(app) = app_sending_to(backend, &sink).await else {
        return;
    };
    ana_intro(&app, office_hours(), json!({})).await;
    let booked = app
        .book_public("ana/intro", "2026-06-02T13:00:00Z", "pat@example.com")
        .await;
    assert_eq!(booked.status, StatusCode::CREATED);
    // The process that booked stops before its worker ran; another one,
    // over the same database, finds the messages waiting.
    let settings = MailSettings {
        smtp_url: Some(Secret::new(sink.url())),
        ..MailSettings::default()
    };
    let other = kairos::app::App::new(app.store.clone(), "http://kairos.test")
        .with_mail(&settings)
        .expect("mail");
    drain(&other).await.expect("drain");
    assert_eq!(sink.received().len(), 2);
    drain(&app.context).await.expect("drain");
    assert_eq!(sink.received().len(), 2, "and nobody sends them again");
}

/// Three Kairos processes (each its own connections, its own background
/// loops) over one PostgreSQL database: every confirmation and every
/// reminder reaches the SMTP server once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_processes_send_each_message_once() {
    use crate::helpers::{fresh_database, send, test_now};
    use kairos::app::App as Context;
    use kairos::domain::{hash_secret, random_token};
    use std::sync::{Arc, Mutex};

    let Some(url) = fresh_database(Backend::Postgres).await else {
        return;
    };
    let Some(sink) = SmtpSink::start().await else {
        return;
    };
    let now = Arc::new(Mutex::new(test_now()));
    let settings = MailSettings {
        smtp_url: Some(Secret::new(sink.url())),
        ..MailSettings::default()
    };
    let mut processes = Vec::new();
    for _ in 0..3 {
        let store = kairos::store::connect(&url).await.expect("store");
        store.migrate().await.expect("migrate");
        let clock = now.clone();
        let context = Context::new(store, "http://kairos.test")
            .with_clock(Arc::new(move || *clock.lock().expect("clock")))
            .with_mail(&settings)
            .expect("mail");
        processes.push(context);
    }
    let store = processes[0].store.clone();
    let org = store.create_organization("Org").await.expect("org");
    let key = format!("k{}", random_token(20));
    store
        .create_api_key(&org.id, "k", &hash_secret(&key))
        .await
        .expect("key");
    let bearer = format!("Bearer {key}");
    let auth = [("authorization", bearer.as_str())];
    let router = kairos::http::router(processes[0].clone());
    let call = |method: Method, uri: &'static str, body: Value| {
        let router = router.clone();
        async move { send(&router, method, uri, Some(body.to_string()), &auth).await }
    };
    let user = call(
        Method::POST,
        "/api/v1/users",
        json!({ "slug": "ana", "name": "Ana", "email": "ana@example.com", "timezone": "UTC" }),
    )
    .await;
    let ana = user.json["id"].as_str().expect("id").to_string();
    let schedule = call(
        Method::POST,
        "/api/v1/schedules",
        json!({ "user_id": ana, "name": "H", "timezone": "UTC", "weekly": office_hours(), "is_default": true }),
    )
    .await;
    assert_eq!(schedule.status, StatusCode::CREATED, "{}", schedule.json);
    let created = call(
        Method::POST,
        "/api/v1/event-types",
        json!({ "owner_id": ana, "slug": "intro", "title": "Intro", "kind": "one_on_one",
            "duration_minutes": 30, "reminder_minutes": [60] }),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    const BOOKINGS: usize = 12;
    for i in 0..BOOKINGS {
        let start = format!("2026-06-0{}T{}:00:00Z", 1 + i / 6, 9 + i % 6);
        let body = booking(&start, &format!("guest{i}@example.com")).to_string();
        let booked = send(
            &router,
            Method::POST,
            "/api/v1/public/ana/intro/bookings",
            Some(body),
            &[],
        )
        .await;
        assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.json);
    }
    let workers: Vec<_> = processes
        .iter()
        .map(|p| kairos::workers::spawn(p.clone()))
        .collect();
    let wait_for = |count: usize| {
        let sink = &sink;
        async move {
            for _ in 0..600 {
                if sink.received().len() >= count {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            panic!("{} of {count} messages arrived", sink.received().len());
        }
    };
    wait_for(2 * BOOKINGS).await;
    // Every reminder falls due; the three processes race for them.
    *now.lock().expect("clock") = "2026-06-30T00:00:00Z".parse().expect("instant");
    for process in &processes {
        process.signals.effects.notify_one();
    }
    wait_for(4 * BOOKINGS).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    for worker in workers {
        worker.shutdown(std::time::Duration::from_secs(5)).await;
    }
    let messages = sink.messages();
    let ids: std::collections::BTreeSet<&str> = messages
        .iter()
        .filter_map(|m| m["message_id"].as_str())
        .collect();
    assert_eq!(messages.len(), 4 * BOOKINGS, "each message once");
    assert_eq!(ids.len(), 4 * BOOKINGS);
    let reminders = messages
        .iter()
        .filter(|m| {
            m["subject"]
                .as_str()
                .is_some_and(|s| s.starts_with("Reminder"))
        })
        .count();
    assert_eq!(reminders, 2 * BOOKINGS);
}

/// Credentials given apart from the URL sign in; wrong ones are a refusal
/// the effect shows (not retried forever).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn smtp_credentials_sign_in() {
    let Some(sink) = SmtpSink::with_auth("mailer:s3cret").await else {
        return;
    };
    for (password, delivered) in [("s3cret", true), ("wrong", false)] {
        let settings = MailSettings {
            smtp_url: Some(Secret::new(sink.url())),
            smtp_user: Some("mailer".to_string()),
            smtp_password: Some(Secret::new(password)),
            ..MailSettings::default()
        };
        let Some(app) = App::with_state(Backend::Sqlite, move |state| {
            state.with_mail(&settings).expect("mail settings")
        })
        .await
        else {
            return;
        };
        let before = sink.received().len();
        ana_intro(&app, office_hours(), json!({})).await;
        let booked = app
            .book_public("ana/intro", "2026-06-02T13:00:00Z", "pat@example.com")
            .await;
        assert_eq!(booked.status, StatusCode::CREATED);
        drain(&app.context).await.expect("drain");
        let failed = app
            .admin(
                Method::GET,
                "/api/v1/effects?status=failed&kind=booking_mail",
                None,
            )
            .await;
        if delivered {
            assert_eq!(sink.received().len(), before + 2);
            assert_eq!(
                failed.json.as_array().map(Vec::len),
                Some(0),
                "{}",
                failed.json
            );
        } else {
            assert_eq!(sink.received().len(), before);
            let failed = failed.json.as_array().expect("list");
            assert_eq!(failed.len(), 2, "{failed:?}");
            assert!(
                failed
                    .iter()
                    .all(|e| e["last_error"].as_str().is_some_and(|s| s.contains("535"))),
                "{failed:?}"
            );
        }
    }
}

on_both!(a_host_subscribes_to_their_bookings);

/// A host's private feed: their standing bookings as iCalendar, requests
/// tentative, cancelled ones gone; rotating the address turns the old one
/// off, and so does turning it off.
async fn a_host_subscribes_to_their_bookings(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    ana_intro(&app, office_hours(), json!({})).await;
    let users = app.admin(Method::GET, "/api/v1/users", None).await;
    let ana = users.json[0]["id"].as_str().expect("id").to_string();
    let mut uids = Vec::new();
    for (start, email) in [
        ("2026-06-02T13:00:00Z", "pat@example.com"),
        ("2026-06-03T13:00:00Z", "kim@example.com"),
    ] {
        let booked = app.book_public("ana/intro", start, email).await;
        assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.json);
        uids.push(booked.json["uid"].as_str().expect("uid").to_string());
    }
    let cancelled = app
        .admin(
            Method::POST,
            &format!("/api/v1/bookings/{}/cancel", uids[1]),
            Some(json!({})),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK);

    let issued = app
        .admin(
            Method::POST,
            &format!("/api/v1/users/{ana}/calendar-feed"),
            None,
        )
        .await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.json);
    let url = issued.json["url"].as_str().expect("url").to_string();
    assert!(url.starts_with("http://kairos.test/api/v1/feeds/") && url.ends_with("/bookings.ics"));
    assert_eq!(
        issued.json["webcal_url"].as_str().expect("webcal"),
        url.replace("http://", "webcal://")
    );
    let path = url.trim_start_matches("http://kairos.test").to_string();
    let feed = crate::helpers::send(&app.router, Method::GET, &path, None, &[]).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert_eq!(
        feed.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/calendar; charset=utf-8")
    );
    let text = crate::page_support::text(&feed).replace("\r\n ", "");
    assert!(text.contains("METHOD:PUBLISH\r\n"), "{text}");
    assert!(
        text.contains("X-WR-CALNAME:ANA: Buchungen (Kairos)"),
        "in Ana's language: {text}"
    );
    assert_eq!(
        text.matches("BEGIN:VEVENT").count(),
        1,
        "the cancelled one is gone"
    );
    assert!(text.contains(&format!("UID:{}@kairos", uids[0])));
    assert!(text.contains("SUMMARY:Intro mit Pat Doe"), "{text}");
    assert!(text.contains("DTSTART:20260602T130000Z"));

    // Rotating: the old address is gone, the new one works.
    let rotated = app
        .admin(
            Method::POST,
            &format!("/api/v1/users/{ana}/calendar-feed"),
            None,
        )
        .await;
    let new_path = rotated.json["url"]
        .as_str()
        .expect("url")
        .trim_start_matches("http://kairos.test")
        .to_string();
    assert_ne!(new_path, path);
    let old = crate::helpers::send(&app.router, Method::GET, &path, None, &[]).await;
    assert_eq!(old.status, StatusCode::NOT_FOUND);
    let new = crate::helpers::send(&app.router, Method::GET, &new_path, None, &[]).await;
    assert_eq!(new.status, StatusCode::OK);
    // Off: nothing answers; an unknown host is a 404 too.
    let off = app
        .admin(
            Method::DELETE,
            &format!("/api/v1/users/{ana}/calendar-feed"),
            None,
        )
        .await;
    assert_eq!(off.status, StatusCode::NO_CONTENT);
    let gone = crate::helpers::send(&app.router, Method::GET, &new_path, None, &[]).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let nobody = app
        .admin(Method::POST, "/api/v1/users/nobody/calendar-feed", None)
        .await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND);
}
