//! Emails about meeting polls and about calendars needing reconnecting,
//! received by a real SMTP server and read back by Python's email package:
//! each invited participant's invitation with a link of its own (the admin's
//! token still works), the outcome when a poll is finalized or closes
//! without a time, and one "reconnect" email per failure episode whose link
//! reconnects the calendar (CalDAV: a form; Google: on to the provider).

use crate::fakes::consent;
use crate::fakes::google::GoogleFake;
use crate::helpers::{App, Backend, office_hours};
use crate::on_both;
use crate::page_support::{post_form, text};
use crate::radicale::radicale_with_passwords;
use crate::smtp::SmtpSink;
use crate::sync_support::{connect, connection, host, resync, sync};
use axum::http::{Method, StatusCode};
use kairos::config::{MailSettings, ProviderSettings, Secret};
use kairos::effects::drain;
use serde_json::{Value, json};

fn mail_settings(sink: &SmtpSink) -> MailSettings {
    MailSettings {
        smtp_url: Some(Secret::new(sink.url())),
        from: "Kairos <bookings@kairos.test>".to_string(),
        ..MailSettings::default()
    }
}

/// An app whose email goes to `sink`.
async fn app_sending_to(backend: Backend, sink: &SmtpSink) -> Option<App> {
    let settings = mail_settings(sink);
    App::with_state(backend, move |state| {
        state.with_mail(&settings).expect("mail settings")
    })
    .await
}

/// The messages to `address`.
fn to<'a>(messages: &'a [Value], address: &str) -> Vec<&'a Value> {
    messages
        .iter()
        .filter(|m| m["to"].as_str().is_some_and(|t| t.contains(address)))
        .collect()
}

fn subject(mail: &Value) -> &str {
    mail["subject"].as_str().expect("subject")
}

fn body(mail: &Value) -> &str {
    mail["text"].as_str().expect("text")
}

/// The path (and query) of the first link in `text` starting with `prefix`.
fn link_in(text: &str, prefix: &str) -> String {
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("{prefix} in {text}"));
    let link = text[start..].split_whitespace().next().expect("link");
    let after_host = link.find("://").map_or(0, |i| i + 3);
    let path = link[after_host..]
        .find('/')
        .map_or("", |i| &link[after_host + i..]);
    path.to_string()
}

fn options() -> Value {
    json!([
        "2026-06-01T09:00:00Z",
        "2026-06-01T12:00:00Z",
        "2026-06-02T09:00:00Z"
    ])
}

async fn create_poll(app: &App, body: Value) -> Value {
    let created = app.admin(Method::POST, "/api/v1/polls", Some(body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    created.json
}

async fn vote(app: &App, token: &str, votes: &[&str]) {
    let voted = app
        .public(
            Method::PUT,
            &format!("/api/v1/poll-votes/{token}"),
            Some(json!({ "votes": votes })),
        )
        .await;
    assert_eq!(voted.status, StatusCode::OK, "{}", voted.json);
}

on_both!(
    poll_invitations_reach_each_invited_participant,
    poll_outcomes_reach_every_participant,
    a_refused_caldav_calendar_asks_its_host_to_reconnect_once_per_episode,
    a_refused_google_calendar_reconnects_through_the_provider,
);

async fn poll_invitations_reach_each_invited_participant(backend: Backend) {
    let Some(sink) = SmtpSink::start().await else {
        return;
    };
    let Some(app) = app_sending_to(backend, &sink).await else {
        return;
    };
    let ana = app.host("ana", "Europe/Berlin", office_hours()).await;
    let german = app
        .admin(
            Method::PUT,
            &format!("/api/v1/users/{ana}"),
            Some(
                json!({ "slug": "ana", "name": "ANA", "email": "ana@example.com",
                "timezone": "Europe/Berlin", "language": "de" }),
            ),
        )
        .await;
    assert_eq!(german.status, StatusCode::OK, "{}", german.json);
    let created = create_poll(
        &app,
        json!({
            "host_id": ana, "title": "Quarterly review", "duration_minutes": 60,
            "timezone": "Europe/Berlin", "options": options(), "open": true,
            "deadline": "2026-05-30T15:00:00Z",
            "participants": [{ "name": "Bo", "email": "Bo@Example.com" }, { "name": "Cy", "email": "cy@example.com" }]
        }),
    )
    .await;
    drain(&app.context).await.expect("drain");
    let messages = sink.messages();
    assert_eq!(messages.len(), 2, "{messages:#?}");
    for (name, address) in [("Bo", "bo@example.com"), ("Cy", "cy@example.com")] {
        let mails = to(&messages, address);
        assert_eq!(mails.len(), 1, "{address}: {messages:#?}");
        let mail = mails[0];
        // The host's language and the poll's zone (participants have neither).
        assert_eq!(mail["language"], "de");
        assert_eq!(
            subject(mail),
            "ANA lädt Sie ein, einen Termin für Quarterly review zu finden"
        );
        assert!(
            mail["from"]
                .as_str()
                .expect("from")
                .contains("ANA via Kairos"),
            "{mail}"
        );
        assert!(
            mail["reply_to"]
                .as_str()
                .expect("reply to")
                .contains("ana@example.com")
        );
        assert!(mail["to"].as_str().expect("to").contains(name));
        let text = body(mail);
        for option in [
            "Mo, 1. Juni 2026, 11:00 – 12:00",
            "Mo, 1. Juni 2026, 14:00 – 15:00",
            "Di, 2. Juni 2026, 11:00 – 12:00",
            "Europe/Berlin",
            "Samstag, 30. Mai 2026, 17:00",
        ] {
            assert!(text.contains(option), "{option} in {text}");
        }
        assert!(
            mail["html"]
                .as_str()
                .expect("html")
                .contains("Quarterly review"),
            "an HTML part too"
        );
        assert!(
            mail["invitations"].as_array().expect("i").is_empty(),
            "no calendar invitation before a time is chosen"
        );
        // The emailed link opens the participant's voting page.
        let link = link_in(text, "http://kairos.test/polls/");
        let page = app.public(Method::GET, &link, None).await;
        assert_eq!(page.status, StatusCode::OK, "{link}");
        assert!(text_of(&page).contains("Quarterly review"));
        assert_eq!(
            page.headers["cache-control"], "private, no-store",
            "the address is a secret"
        );
    }
    // The emailed token and the admin's are the same participant's.
    let bo_mail = to(&messages, "bo@example.com")[0];
    let emailed = link_in(body(bo_mail), "http://kairos.test/polls/")
        .trim_start_matches("/polls/")
        .to_string();
    let original = created["invitations"][0]["token"]
        .as_str()
        .expect("token")
        .to_string();
    assert_ne!(emailed, original, "each email carries a token of its own");
    vote(&app, &emailed, &["yes", "no", "if_need_be"]).await;
    let mine = app
        .public(Method::GET, &format!("/api/v1/poll-votes/{original}"), None)
        .await;
    assert_eq!(mine.status, StatusCode::OK, "the admin's token still works");
    assert_eq!(mine.json["me"]["votes"], json!(["yes", "no", "if_need_be"]));
    let page = app
        .public(Method::GET, &format!("/polls/{original}"), None)
        .await;
    assert_eq!(page.status, StatusCode::OK);

    // Joining through the open link sends nothing: they are on the page.
    let open_token = created["open_url"]
        .as_str()
        .expect("open url")
        .rsplit('/')
        .next()
        .expect("token")
        .to_string();
    let joined = app
        .public(
            Method::POST,
            &format!("/api/v1/poll-join/{open_token}"),
            Some(json!({ "name": "Di", "email": "di@example.com" })),
        )
        .await;
    assert_eq!(joined.status, StatusCode::CREATED, "{}", joined.json);
    drain(&app.context).await.expect("drain");
    assert_eq!(sink.messages().len(), 2, "nothing for Di, nothing twice");
    let sent = app
        .admin(Method::GET, "/api/v1/effects?kind=poll_mail", None)
        .await;
    assert_eq!(
        sent.json.as_array().expect("effects").len(),
        2,
        "{}",
        sent.json
    );
}

fn text_of(response: &crate::helpers::Response) -> String {
    text(response)
}

async fn poll_outcomes_reach_every_participant(backend: Backend) {
    let Some(sink) = SmtpSink::start().await else {
        return;
    };
    let Some(app) = app_sending_to(backend, &sink).await else {
        return;
    };
    let ana = app.host("ana", "Europe/Berlin", office_hours()).await;
    let people = json!([
        { "name": "Bo", "email": "bo@example.com" },
        { "name": "Cy", "email": "cy@example.com" },
        { "name": "Di", "email": "di@example.com" }
    ]);
    let finalized = create_poll(
        &app,
        json!({ "host_id": ana, "title": "Review", "duration_minutes": 60,
            "timezone": "Europe/Berlin", "options": options(), "participants": people }),
    )
    .await;
    let closed = create_poll(
        &app,
        json!({ "host_id": ana, "title": "Offsite", "duration_minutes": 60,
            "timezone": "Europe/Berlin", "options": options(),
            "participants": [{ "name": "Bo", "email": "bo@example.com" }] }),
    )
    .await;
    let swept = create_poll(
        &app,
        json!({ "host_id": ana, "title": "Retro", "duration_minutes": 60,
            "timezone": "Europe/Berlin", "options": options(),
            "deadline": "2026-05-28T00:00:00Z",
            "participants": [{ "name": "Cy", "email": "cy@example.com" }] }),
    )
    .await;
    drain(&app.context).await.expect("drain");
    let invitations = sink.messages().len();
    assert_eq!(invitations, 5, "one invitation per participant and poll");
    let token = |poll: &Value, i: usize| {
        poll["invitations"][i]["token"]
            .as_str()
            .expect("token")
            .to_string()
    };
    vote(&app, &token(&finalized, 0), &["yes", "yes", "no"]).await;
    vote(&app, &token(&finalized, 1), &["no", "yes", "yes"]).await;
    vote(&app, &token(&finalized, 2), &["yes", "no", "yes"]).await;

    // The host picks option 0 (Cy said no to it).
    let id = finalized["poll"]["id"].as_str().expect("id");
    let done = app
        .admin(
            Method::POST,
            &format!("/api/v1/polls/{id}/finalize"),
            Some(json!({ "option": 0 })),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.json);
    drain(&app.context).await.expect("drain");
    let messages = sink.messages();
    let new: Vec<&Value> = messages[invitations..].iter().collect();
    let chosen: Vec<&&Value> = new
        .iter()
        .filter(|m| subject(m).starts_with("Time chosen: Review"))
        .collect();
    assert_eq!(chosen.len(), 3, "every participant hears: {new:#?}");
    for mail in &chosen {
        let text = body(mail);
        assert!(
            text.contains("Monday, June 1, 2026, 11:00 am – 12:00 pm (Europe/Berlin)"),
            "{text}"
        );
        assert!(mail["invitations"].as_array().expect("i").is_empty());
        let coming = !mail["to"].as_str().expect("to").contains("cy@example.com");
        assert_eq!(
            text.contains("Your invitation comes in a separate email"),
            coming,
            "{text}"
        );
        assert_eq!(text.contains("you are not invited"), !coming, "{text}");
    }
    // The booking's own letters carry the invitation, to those coming only.
    let confirmations: Vec<&&Value> = new
        .iter()
        .filter(|m| subject(m).starts_with("Confirmed: Review"))
        .collect();
    assert_eq!(confirmations.len(), 2, "{new:#?}");
    assert!(
        confirmations
            .iter()
            .all(|m| !m["invitations"].as_array().expect("i").is_empty())
    );
    assert!(
        to(&messages, "cy@example.com")
            .iter()
            .all(|m| !subject(m).starts_with("Confirmed"))
    );

    // Closed by the host without a time.
    let before = sink.messages().len();
    let id = closed["poll"]["id"].as_str().expect("id");
    let shut = app
        .admin(Method::POST, &format!("/api/v1/polls/{id}/close"), None)
        .await;
    assert_eq!(shut.status, StatusCode::OK, "{}", shut.json);
    // Closed at its deadline.
    let handled = kairos::booking::polls::close_due(
        app.store.as_ref(),
        "2026-05-28T00:00:01Z".parse().expect("instant"),
    )
    .await
    .expect("sweep");
    assert_eq!(handled, 1);
    drain(&app.context).await.expect("drain");
    let messages = sink.messages();
    let new = &messages[before..];
    assert_eq!(new.len(), 2, "{new:#?}");
    for (title, address) in [("Offsite", "bo@example.com"), ("Retro", "cy@example.com")] {
        let mail = to(new, address)[0];
        assert_eq!(subject(mail), format!("Poll closed: {title}"));
        assert!(
            body(mail).contains("without choosing a time"),
            "{}",
            body(mail)
        );
    }
    // Each outcome once, however often the queue runs.
    assert!(drain(&app.context).await.expect("drain").is_empty());
    let ids: std::collections::BTreeSet<&str> = messages
        .iter()
        .filter_map(|m| m["message_id"].as_str())
        .collect();
    assert_eq!(ids.len(), messages.len(), "one Message-ID per message");
    let _ = swept;
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

/// The "reconnect" emails so far.
fn reconnect_mails(sink: &SmtpSink) -> Vec<Value> {
    sink.messages()
        .into_iter()
        .filter(|m| subject(m).starts_with("Reconnect your calendar"))
        .collect()
}

async fn a_refused_caldav_calendar_asks_its_host_to_reconnect_once_per_episode(backend: Backend) {
    let Some(server) = radicale_with_passwords().await else {
        return;
    };
    let Some(sink) = SmtpSink::start().await else {
        return;
    };
    let Some(app) = app_sending_to(backend, &sink).await else {
        return;
    };
    server.work_calendar("ana", "right").await;
    let ana = host(&app).await;
    let made = app
        .admin(
            Method::POST,
            "/api/v1/connections/caldav",
            Some(json!({ "user_id": ana, "server_url": server.url.as_str(),
                "username": "ana", "password": "right" })),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    let id = made.json["id"].as_str().expect("id").to_string();
    sync(&app).await;
    assert_eq!(connection(&app, &id).await["status"], "active");

    // The password changes at the server: one email, however often asked.
    password_changed(&app, &id).await;
    resync(&app, &id).await;
    assert_eq!(connection(&app, &id).await["status"], "needs_reconnect");
    drain(&app.context).await.expect("drain");
    kairos::sync::runner::run_due(&app.context, 10)
        .await
        .expect("sync step");
    drain(&app.context).await.expect("drain");
    let mails = reconnect_mails(&sink);
    assert_eq!(mails.len(), 1, "{mails:#?}");
    let mail = &mails[0];
    assert!(mail["to"].as_str().expect("to").contains("ana@example.com"));
    assert_eq!(subject(mail), "Reconnect your calendar: CalDAV (ana)");
    let text = body(mail);
    assert!(text.contains(server.url.as_str()), "which calendar: {text}");
    assert!(text.contains("booking pages offer no times"), "{text}");
    assert!(
        mail["html"]
            .as_str()
            .expect("html")
            .contains("Reconnect the calendar")
    );
    let link = link_in(text, "http://kairos.test/connections/reconnect/");

    // A wrong token is a page in words.
    let guessed = app
        .public(Method::GET, "/connections/reconnect/guessedtoken", None)
        .await;
    assert_eq!(guessed.status, StatusCode::NOT_FOUND);
    assert!(text_of(&guessed).contains("<h1>"));

    // The link shows the form; a wrong password is refused beside its field.
    let page = app.public(Method::GET, &link, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers["cache-control"], "private, no-store");
    assert_eq!(page.headers["referrer-policy"], "no-referrer");
    let html = text_of(&page);
    assert!(html.contains("name=\"password\""), "{html}");
    assert!(html.contains("value=\"ana\""), "{html}");
    let (refused, html) = post_form(&app, &link, "username=ana&password=wrong").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("aria-invalid=\"true\""), "{html}");
    assert_eq!(connection(&app, &id).await["status"], "needs_reconnect");
    let (done, html) = post_form(&app, &link, "username=ana&password=right").await;
    assert_eq!(done.status, StatusCode::OK, "{html}");
    assert!(html.contains("connected again"), "{html}");
    let again = connection(&app, &id).await;
    assert_eq!(again["status"], "active", "{again}");
    // Spent: the calendar is connected again.
    let spent = app.public(Method::GET, &link, None).await;
    assert_eq!(spent.status, StatusCode::GONE);
    assert!(text_of(&spent).contains("connected again"));

    // A new episode is a new email, whose link expires after a week.
    sync(&app).await;
    password_changed(&app, &id).await;
    resync(&app, &id).await;
    drain(&app.context).await.expect("drain");
    let mails = reconnect_mails(&sink);
    assert_eq!(mails.len(), 2, "{mails:#?}");
    assert_ne!(mails[0]["message_id"], mails[1]["message_id"]);
    let second = link_in(body(&mails[1]), "http://kairos.test/connections/reconnect/");
    assert_eq!(
        app.public(Method::GET, &second, None).await.status,
        StatusCode::OK
    );
    app.set_now("2026-06-02T00:00:00Z");
    let expired = app.public(Method::GET, &second, None).await;
    assert_eq!(expired.status, StatusCode::GONE);
    assert!(text_of(&expired).contains("expired"));
}

async fn a_refused_google_calendar_reconnects_through_the_provider(backend: Backend) {
    let Some(sink) = SmtpSink::start().await else {
        return;
    };
    let fake = GoogleFake::start().await;
    let google = fake.settings();
    let authorize = google.auth_url.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let mut providers = ProviderSettings {
        caldav_allow_private_networks: true,
        ..Default::default()
    };
    providers.google = google;
    let mail = mail_settings(&sink);
    let public = base.clone();
    let Some(app) = App::with_state(backend, move |state| {
        state
            .with_public_url(public)
            .with_providers(providers)
            .with_mail(&mail)
            .expect("mail settings")
    })
    .await
    else {
        return;
    };
    let router = app.router.clone();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let ana = host(&app).await;
    let id = connect(&app, &ana, "google").await;
    sync(&app).await;
    fake.oauth.lock().expect("oauth").revoke();
    resync(&app, &id).await;
    assert_eq!(connection(&app, &id).await["status"], "needs_reconnect");
    drain(&app.context).await.expect("drain");
    let mails = reconnect_mails(&sink);
    assert_eq!(mails.len(), 1, "{mails:#?}");
    assert_eq!(
        subject(&mails[0]),
        "Reconnect your calendar: Google Calendar (ana@example.com)"
    );
    let link = link_in(body(&mails[0]), &format!("{base}/connections/reconnect/"));

    // The link starts the provider's consent, for this host.
    let started = app.public(Method::GET, &link, None).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    let location = started.headers["location"]
        .to_str()
        .expect("location")
        .to_string();
    assert!(location.starts_with(&authorize), "{location}");
    let back = consent(&location).await;
    assert_eq!(back.status().as_u16(), 200, "{:?}", back.text().await);
    assert_eq!(connection(&app, &id).await["status"], "active");
    let spent = app.public(Method::GET, &link, None).await;
    assert_eq!(spent.status, StatusCode::GONE);
}
