//! Workflows end to end: templates checked when saved (an unknown variable
//! is a 422 naming the step's field) and previewed; emails received by a
//! real SMTP server, text messages by a stand-in shaped after Twilio's
//! Messages API; steps at their instant, moved by a reschedule, dropped by a
//! cancellation, each booking's run log saying what ran; the survey page
//! and the answer it stores; phone numbers checked as E.164.

use crate::fakes::twilio::{self, TwilioFake};
use crate::helpers::{App, Backend, assert_problem, booking, office_hours};
use crate::notifications::{ana_intro, book_intro, link_in, to};
use crate::on_both;
use crate::page_support::{get, post_form};
use crate::smtp::SmtpSink;
use crate::sync_support::reschedule;
use axum::http::{Method, StatusCode};
use kairos::config::{MailSettings, Secret};
use kairos::effects::drain;
use serde_json::{Value, json};

/// An app whose email goes to `sink` and text messages to `sms`.
async fn app_with(backend: Backend, sink: &SmtpSink, sms: &TwilioFake) -> Option<App> {
    let mail = MailSettings {
        smtp_url: Some(Secret::new(sink.url())),
        from: "Kairos <bookings@kairos.test>".to_string(),
        ..MailSettings::default()
    };
    let sms = sms.settings();
    App::with_state(backend, move |state| {
        state
            .with_mail(&mail)
            .expect("mail settings")
            .with_sms(&sms)
    })
    .await
}

/// Ana's intro in an app sending to an SMTP sink and a Twilio stand-in,
/// its clock after the wall clock (the queue's "now" is the later of the
/// two, so steps are due by the app's clock).
async fn ana_with_senders(backend: Backend) -> Option<(SmtpSink, TwilioFake, App)> {
    let sink = SmtpSink::start().await?;
    let sms = TwilioFake::start().await;
    let app = app_with(backend, &sink, &sms).await?;
    app.set_now("2027-03-01T00:00:00Z");
    ana_intro(&app, office_hours(), json!({})).await;
    Some((sink, sms, app))
}

async fn workflow(app: &App, body: Value) -> crate::helpers::Response {
    app.admin(Method::POST, "/api/v1/workflows", Some(body))
        .await
}

async fn runs(app: &App, uid: &str) -> Vec<Value> {
    let runs = app
        .admin(
            Method::GET,
            &format!("/api/v1/bookings/{uid}/workflow-runs"),
            None,
        )
        .await;
    assert_eq!(runs.status, StatusCode::OK, "{}", runs.json);
    runs.json.as_array().expect("runs").clone()
}

fn status_of(runs: &[Value], action: &str) -> Vec<String> {
    runs.iter()
        .filter(|r| r["action"] == action)
        .map(|r| r["status"].as_str().expect("status").to_string())
        .collect()
}

on_both!(
    templates_are_checked_when_saved_and_previewed,
    a_booking_sets_off_its_workflows_by_email_and_text,
    a_reschedule_moves_waiting_steps_and_a_cancel_drops_them,
    the_survey_after_the_meeting_stores_its_answer,
    text_message_failures_are_visible,
    text_messages_not_configured_say_so,
);

async fn templates_are_checked_when_saved_and_previewed(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    app.set_now("2027-03-01T00:00:00Z");
    let intro = ana_intro(&app, office_hours(), json!({})).await;
    let step = |body: &str| {
        json!({ "name": "Thanks", "event_type_id": intro, "trigger": "booked",
                "steps": [{ "action": "email_invitee", "subject": "Hi {{ invitee.first_name }}",
                            "body": body }] })
    };
    let unknown = workflow(&app, step("Your {{ event.colour }} meeting")).await;
    assert_problem(
        &unknown,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("steps[0].body"),
    );
    assert!(
        unknown.json["detail"]
            .as_str()
            .expect("detail")
            .contains("event.colour"),
        "{}",
        unknown.json
    );
    // An answer the event type does not ask for is unknown too.
    let answer = workflow(&app, step("{{ answers.budget }}")).await;
    assert_problem(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("steps[0].body"),
    );
    let syntax = workflow(&app, step("{% if invitee.name %}open")).await;
    assert_problem(
        &syntax,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("steps[0].body"),
    );
    let amplifying = workflow(&app, step("{% set x = invitee.name %}{{ x }}")).await;
    assert_problem(
        &amplifying,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("steps[0].body"),
    );
    let no_subject = workflow(
        &app,
        json!({ "name": "x", "trigger": "booked",
                "steps": [{ "action": "email_hosts", "body": "b" }] }),
    )
    .await;
    assert_problem(
        &no_subject,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("steps[0].subject"),
    );
    let offset = workflow(
        &app,
        json!({ "name": "x", "trigger": "booked", "offset_minutes": 10,
                "steps": [{ "action": "sms_invitee", "body": "b" }] }),
    )
    .await;
    assert_problem(
        &offset,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("offset_minutes"),
    );
    let other = workflow(
        &app,
        json!({ "name": "x", "trigger": "booked", "event_type_id": "nope",
                "steps": [{ "action": "sms_invitee", "body": "b" }] }),
    )
    .await;
    assert_problem(
        &other,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("event_type_id"),
    );

    let good = step(
        "Hello {{ invitee.name }}: {{ event.title }} on {{ event.date }} at {{ event.time }} \
         ({{ event.timezone }}), company {{ answers.company | default('?') }}.\n\n\
         {% for h in hosts %}{{ h.name }}{% endfor %}",
    );
    let saved = workflow(&app, good.clone()).await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.json);
    let id = saved.json["id"].as_str().expect("id").to_string();
    assert_eq!(saved.json["active"], true);
    let listed = app.admin(Method::GET, "/api/v1/workflows", None).await;
    assert_eq!(listed.json.as_array().expect("list").len(), 1);
    let mut paused = good.clone();
    paused["active"] = json!(false);
    let put = app
        .admin(
            Method::PUT,
            &format!("/api/v1/workflows/{id}"),
            Some(paused),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.json);
    assert_eq!(put.json["active"], false);

    // Preview with sample data, then with a real booking in German.
    let preview = app
        .admin(
            Method::POST,
            "/api/v1/workflows/preview",
            Some(json!({ "workflow": good })),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.json);
    let text = preview.json[0]["text"].as_str().expect("text");
    assert!(
        text.starts_with("Hello Pat Doe: Intro on Monday, March 8, 2027"),
        "{text}"
    );
    assert!(
        preview.json[0]["html"]
            .as_str()
            .expect("html")
            .contains("<p ")
    );
    let booked = app
        .public(
            Method::POST,
            "/api/v1/public/ana/intro/bookings",
            Some(json!({ "start": "2027-03-09T13:00:00Z",
                "invitee": { "name": "Kim Lee", "email": "kim@example.com",
                             "timezone": "Europe/Berlin", "language": "de" },
                "answers": { "company": "Acme" } })),
        )
        .await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.json);
    let uid = booked.json["uid"].as_str().expect("uid");
    let preview = app
        .admin(
            Method::POST,
            "/api/v1/workflows/preview",
            Some(json!({ "workflow": step("{{ invitee.first_name }}, {{ event.date }} {{ event.time }}, {{ answers.company }}, {{ host.name }}"),
                         "booking_uid": uid })),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.json);
    assert_eq!(
        preview.json[0]["text"],
        "Kim, Dienstag, 9. März 2027 14:00, Acme, ANA"
    );
    assert_eq!(preview.json[0]["subject"], "Hi Kim");
    let deleted = app
        .admin(Method::DELETE, &format!("/api/v1/workflows/{id}"), None)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let gone = app
        .admin(Method::GET, &format!("/api/v1/workflows/{id}"), None)
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

async fn a_booking_sets_off_its_workflows_by_email_and_text(backend: Backend) {
    let Some(sink) = SmtpSink::start().await else {
        return;
    };
    let sms = TwilioFake::start().await;
    let Some(app) = app_with(backend, &sink, &sms).await else {
        return;
    };
    // After the wall clock: the queue's "now" is the later of the two.
    app.set_now("2027-03-01T00:00:00Z");
    let intro = ana_intro(&app, office_hours(), json!({})).await;
    let made = workflow(
        &app,
        json!({ "name": "Welcome", "event_type_id": intro, "trigger": "booked",
            "steps": [
                { "action": "email_address", "to": "sales@example.com",
                  "subject": "New lead: {{ invitee.name }}",
                  "body": "{{ invitee.name }} ({{ answers.company }}) booked {{ event.title }} for {{ event.start }}.\nSee https://crm.example.com/leads" },
                { "action": "sms_invitee", "body": "Hi {{ invitee.first_name }}, see you {{ event.date }} at {{ event.time }}." }
            ] }),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    let reminder = workflow(
        &app,
        json!({ "name": "Heads-up", "trigger": "before_start", "offset_minutes": 60,
            "steps": [{ "action": "sms_hosts", "body": "{{ invitee.name }} in an hour" },
                      { "action": "email_invitee", "subject": "Soon: {{ event.title }}",
                        "body": "Starts {{ event.time }}. Manage: {{ manage_url }}" }] }),
    )
    .await;
    assert_eq!(reminder.status, StatusCode::CREATED, "{}", reminder.json);

    // The booking form asks for a mobile number now, and checks it.
    let form = "/ana/intro/book?start=2027-03-09T13:00:00Z";
    let (page, html) = get(&app, form, &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        html.contains("name=\"invitee.phone\" type=\"tel\"") || html.contains("type=\"tel\""),
        "{html}"
    );
    let (refused, html) = post_form(
        &app,
        "/ana/intro/book",
        "start=2027-03-09T13%3A00%3A00Z&invitee.name=Pat&invitee.email=pat%40example.com&invitee.phone=0151+1234",
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("such as +14155552671"), "{html}");
    // A phone that is not E.164 is refused, naming the field.
    let mut body = booking("2027-03-09T13:00:00Z", "pat@example.com");
    body["invitee"]["phone"] = json!("0151 1234567");
    let refused = app
        .public(
            Method::POST,
            "/api/v1/public/ana/intro/bookings",
            Some(body.clone()),
        )
        .await;
    assert_problem(
        &refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("invitee.phone"),
    );

    body["invitee"]["phone"] = json!("+14155552671");
    body["answers"] = json!({ "company": "Acme" });
    let booked = book_intro(&app, body).await;
    let uid = booked.json["uid"].as_str().expect("uid").to_string();
    drain(&app.context).await.expect("drain");

    let messages = sink.messages();
    let lead = to(&messages, "sales@example.com");
    assert_eq!(lead.len(), 1, "{messages:#?}");
    assert_eq!(lead[0]["subject"], "New lead: Pat Doe");
    let text = lead[0]["text"].as_str().expect("text");
    // A fixed address reads in the organizer's zone and language.
    assert!(
        text.starts_with("Pat Doe (Acme) booked Intro for Dienstag, 9. März 2027, 14:00."),
        "{text}"
    );
    let html = lead[0]["html"].as_str().expect("html");
    assert!(
        html.contains("<a href=\"https://crm.example.com/leads\""),
        "{html}"
    );
    let sent = sms.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["To"], "+14155552671");
    assert_eq!(sent[0]["From"], twilio::FROM);
    assert_eq!(
        sent[0]["Body"],
        "Hi Pat, see you Tuesday, March 9, 2027 at 8:00 am."
    );

    let log = runs(&app, &uid).await;
    assert_eq!(status_of(&log, "email_address"), ["sent"]);
    assert_eq!(status_of(&log, "sms_invitee"), ["sent"]);
    let sms_run = log
        .iter()
        .find(|r| r["action"] == "sms_invitee")
        .expect("run");
    assert!(
        sms_run["detail"].as_str().expect("detail").contains("SM"),
        "{sms_run}"
    );
    // Ana has no phone: her text is skipped, saying why; the reminder waits.
    assert_eq!(status_of(&log, "sms_hosts"), ["skipped"]);
    assert_eq!(status_of(&log, "email_invitee"), ["scheduled"]);
    let waiting = log
        .iter()
        .find(|r| r["action"] == "email_invitee")
        .expect("run");
    assert_eq!(waiting["due_at"], "2027-03-09T12:00:00Z");

    // Not before its instant; then once, with a working manage link.
    app.set_now("2027-03-09T11:59:59Z");
    drain(&app.context).await.expect("drain");
    assert!(to(&sink.messages(), "pat@example.com").iter().all(|m| {
        !m["subject"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Soon")
    }));
    app.set_now("2027-03-09T12:00:00Z");
    drain(&app.context).await.expect("drain");
    let messages = sink.messages();
    let soon: Vec<_> = to(&messages, "pat@example.com")
        .into_iter()
        .filter(|m| m["subject"] == "Soon: Intro")
        .collect();
    assert_eq!(soon.len(), 1);
    let manage = link_in(
        soon[0]["text"].as_str().expect("text"),
        "http://kairos.test/booking/",
    );
    let page = app
        .public(
            Method::GET,
            manage.trim_start_matches("http://kairos.test"),
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        status_of(&runs(&app, &uid).await, "email_invitee"),
        ["sent"]
    );
}

async fn a_reschedule_moves_waiting_steps_and_a_cancel_drops_them(backend: Backend) {
    let Some((sink, sms, app)) = ana_with_senders(backend).await else {
        return;
    };
    let made = workflow(
        &app,
        json!({ "name": "Reminder", "trigger": "before_start", "offset_minutes": 1440,
            "steps": [{ "action": "sms_invitee", "body": "Tomorrow {{ event.time }}: {{ event.title }}" }] }),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    let cancelled = workflow(
        &app,
        json!({ "name": "Sorry", "trigger": "cancelled",
            "steps": [{ "action": "email_hosts", "subject": "Cancelled: {{ invitee.name }}",
                        "body": "Reason: {{ booking.cancel_reason }}" }] }),
    )
    .await;
    assert_eq!(cancelled.status, StatusCode::CREATED, "{}", cancelled.json);
    let mut body = booking("2027-03-10T13:00:00Z", "pat@example.com");
    body["invitee"]["phone"] = json!("+14155552671");
    let booked = book_intro(&app, body).await;
    drain(&app.context).await.expect("drain");
    let uid = booked.json["uid"].as_str().expect("uid").to_string();
    let token = booked.json["manage_token"]
        .as_str()
        .expect("token")
        .to_string();
    let log = runs(&app, &uid).await;
    assert_eq!(status_of(&log, "sms_invitee"), ["scheduled"]);
    assert_eq!(log[0]["due_at"], "2027-03-09T13:00:00Z");

    let (new_uid, new_token) = reschedule(&app, &uid, &token, "2027-03-11T14:00:00Z").await;
    let old = runs(&app, &uid).await;
    assert_eq!(status_of(&old, "sms_invitee"), ["moved"]);
    assert!(
        old[0]["detail"]
            .as_str()
            .expect("detail")
            .contains(&new_uid)
    );
    let new = runs(&app, &new_uid).await;
    assert_eq!(status_of(&new, "sms_invitee"), ["scheduled"]);
    assert_eq!(new[0]["due_at"], "2027-03-10T14:00:00Z");

    // The old time passes: nothing is sent for it.
    app.set_now("2027-03-09T13:00:00Z");
    drain(&app.context).await.expect("drain");
    assert!(sms.sent().is_empty(), "{:?}", sms.sent());

    let cancel = app
        .public(
            Method::POST,
            &format!("/api/v1/manage/{new_uid}/cancel?token={new_token}"),
            Some(json!({ "reason": "Something came up" })),
        )
        .await;
    assert!(cancel.status.is_success(), "{}", cancel.json);
    drain(&app.context).await.expect("drain");
    let log = runs(&app, &new_uid).await;
    assert_eq!(status_of(&log, "sms_invitee"), ["cancelled"]);
    assert_eq!(status_of(&log, "email_hosts"), ["sent"]);
    app.set_now("2027-03-10T14:00:00Z");
    drain(&app.context).await.expect("drain");
    assert!(
        sms.sent().is_empty(),
        "a cancelled booking's reminder never goes"
    );
    let messages = sink.messages();
    let ana = to(&messages, "ana@example.com");
    let sorry: Vec<_> = ana
        .iter()
        .filter(|m| m["subject"] == "Cancelled: Pat Doe")
        .collect();
    assert_eq!(sorry.len(), 1);
    assert!(
        sorry[0]["text"]
            .as_str()
            .expect("text")
            .contains("Reason: Something came up")
    );
}

async fn the_survey_after_the_meeting_stores_its_answer(backend: Backend) {
    let Some((sink, _sms, app)) = ana_with_senders(backend).await else {
        return;
    };
    let made = workflow(
        &app,
        json!({ "name": "Feedback", "trigger": "after_end", "offset_minutes": 30,
            "steps": [{ "action": "survey", "subject": "How was {{ event.title }}?",
                        "body": "Thanks for meeting {{ host.name }}. Tell us: {{ survey_url }}" }] }),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    // survey_url is only known in a survey step.
    let elsewhere = workflow(
        &app,
        json!({ "name": "x", "trigger": "booked",
            "steps": [{ "action": "email_invitee", "subject": "s", "body": "{{ survey_url }}" }] }),
    )
    .await;
    assert_problem(
        &elsewhere,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("steps[0].body"),
    );

    let booked = book_intro(&app, booking("2027-03-09T13:00:00Z", "pat@example.com")).await;
    let uid = booked.json["uid"].as_str().expect("uid").to_string();
    let none = app
        .admin(
            Method::GET,
            &format!("/api/v1/bookings/{uid}/feedback"),
            None,
        )
        .await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    app.set_now("2027-03-09T13:40:00Z");
    let done = app
        .admin(
            Method::POST,
            &format!("/api/v1/bookings/{uid}/complete"),
            Some(json!({})),
        )
        .await;
    assert!(done.status.is_success(), "{}", done.json);
    app.set_now("2027-03-09T14:00:00Z");
    drain(&app.context).await.expect("drain");
    let messages = sink.messages();
    let survey: Vec<_> = to(&messages, "pat@example.com")
        .into_iter()
        .filter(|m| m["subject"] == "How was Intro?")
        .collect();
    assert_eq!(survey.len(), 1, "{messages:#?}");
    let link = link_in(
        survey[0]["text"].as_str().expect("text"),
        "http://kairos.test/survey/",
    );
    assert!(survey[0]["html"].as_str().expect("html").contains(&link));
    let path = link.trim_start_matches("http://kairos.test");

    let (page, html) = get(&app, path, &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("private, no-store")
    );
    assert!(
        html.contains("How likely are you to recommend ANA"),
        "{html}"
    );
    assert_eq!(html.matches("type=\"radio\" name=\"score\"").count(), 11);
    let (missing, html) = post_form(&app, path, "comment=hm").await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Choose a number from 0 to 10"), "{html}");
    let (too_high, _) = post_form(&app, path, "score=11").await;
    assert_eq!(too_high.status, StatusCode::UNPROCESSABLE_ENTITY);
    let (sent, _) = post_form(&app, path, "score=9&comment=Very+helpful").await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let feedback = app
        .admin(
            Method::GET,
            &format!("/api/v1/bookings/{uid}/feedback"),
            None,
        )
        .await;
    assert_eq!(feedback.status, StatusCode::OK, "{}", feedback.json);
    assert_eq!(feedback.json["score"], 9);
    assert_eq!(feedback.json["comment"], "Very helpful");
    // Answering again replaces it; the page shows the answer given.
    let (again, _) = post_form(&app, path, "score=10").await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let (_, html) = get(&app, &format!("{path}?thanks=1"), &[]).await;
    assert!(html.contains("value=\"10\" required checked"), "{html}");
    assert!(html.contains("your answer is saved"), "{html}");
    let (wrong, _) = get(&app, "/survey/NotAToken0000000000000000000000", &[]).await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert_eq!(status_of(&runs(&app, &uid).await, "survey"), ["sent"]);
}

async fn text_message_failures_are_visible(backend: Backend) {
    let Some((_sink, sms, app)) = ana_with_senders(backend).await else {
        return;
    };
    let made = workflow(
        &app,
        json!({ "name": "Text", "trigger": "booked",
            "steps": [{ "action": "sms_invitee", "body": "Booked: {{ event.title }}" }] }),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    // Throttled first: retried, then sent.
    sms.throttle(1);
    let mut body = booking("2027-03-09T13:00:00Z", "pat@example.com");
    body["invitee"]["phone"] = json!("+14155552671");
    let booked = book_intro(&app, body).await;
    drain(&app.context).await.expect("drain");
    let uid = booked.json["uid"].as_str().expect("uid").to_string();
    app.set_now("2027-03-01T01:00:00Z");
    drain(&app.context).await.expect("drain");
    // Retried after the 429, and sent once.
    assert_eq!(status_of(&runs(&app, &uid).await, "sms_invitee"), ["sent"]);
    assert_eq!(sms.sent().len(), 1);

    // A number the provider refuses: failed, with its reason, at once.
    sms.refuse("+14155550000");
    let mut body = booking("2027-03-10T13:00:00Z", "kim@example.com");
    body["invitee"]["phone"] = json!("+14155550000");
    let booked = book_intro(&app, body).await;
    let uid = booked.json["uid"].as_str().expect("uid").to_string();
    let log = runs(&app, &uid).await;
    assert_eq!(status_of(&log, "sms_invitee"), ["failed"]);
    assert!(
        log[0]["detail"].as_str().expect("detail").contains("21211"),
        "{log:?}"
    );
    assert_eq!(sms.sent().len(), 1);
}

/// Without an SMS account, a text step fails at once and says which
/// settings are missing (never silently nowhere).
async fn text_messages_not_configured_say_so(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    app.set_now("2027-03-01T00:00:00Z");
    ana_intro(&app, office_hours(), json!({})).await;
    let made = workflow(
        &app,
        json!({ "name": "Text", "trigger": "booked",
            "steps": [{ "action": "sms_invitee", "body": "Booked: {{ event.title }}" }] }),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    let mut body = booking("2027-03-09T13:00:00Z", "pat@example.com");
    body["invitee"]["phone"] = json!("+14155552671");
    let booked = book_intro(&app, body).await;
    let uid = booked.json["uid"].as_str().expect("uid").to_string();
    let log = runs(&app, &uid).await;
    assert_eq!(status_of(&log, "sms_invitee"), ["failed"], "{log:?}");
    let detail = log[0]["detail"].as_str().expect("detail");
    assert!(detail.contains("KAIROS_SMS_ACCOUNT_SID"), "{detail}");
    let failed = app
        .admin(
            Method::GET,
            "/api/v1/effects?kind=workflow_step&status=failed",
            None,
        )
        .await;
    assert_eq!(
        failed.json.as_array().map(Vec::len),
        Some(1),
        "{}",
        failed.json
    );
}
