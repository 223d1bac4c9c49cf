//! Meeting polls: create (hand-picked or suggested times), vote by personal
//! link or open link, results, finalize into a booking, deadlines, pages.

use crate::helpers::{App, Backend, assert_problem, office_hours, send};
use crate::on_both;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

async fn setup(backend: Backend) -> Option<(App, String)> {
    let app = App::new(backend).await?;
    let ana = app.host("ana", "Europe/Berlin", office_hours()).await;
    Some((app, ana))
}

fn options() -> Value {
    json!([
        "2026-06-01T09:00:00Z",
        "2026-06-01T12:00:00Z",
        "2026-06-02T09:00:00Z"
    ])
}

async fn vote(app: &App, token: &str, votes: &[&str]) -> crate::helpers::Response {
    app.public(
        Method::PUT,
        &format!("/api/v1/poll-votes/{token}"),
        Some(json!({ "votes": votes })),
    )
    .await
}

async fn poll_lifecycle(backend: Backend) {
    let Some((app, ana)) = setup(backend).await else {
        return;
    };
    let created = app
        .admin(Method::POST, "/api/v1/polls", Some(json!({
            "host_id": ana, "title": "Quarterly review", "duration_minutes": 60, "timezone": "Europe/Berlin",
            "options": options(), "open": true, "votes_visible": true,
            "participants": [{ "name": "Bo", "email": "bo@example.com" }, { "name": "Cy <script>", "email": "cy@example.com" }]
        })))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    let poll_id = created.json["poll"]["id"].as_str().expect("id").to_string();
    let bo = created.json["invitations"][0]["token"]
        .as_str()
        .expect("token")
        .to_string();
    let cy = created.json["invitations"][1]["token"]
        .as_str()
        .expect("token")
        .to_string();
    let open_url = created.json["open_url"]
        .as_str()
        .expect("open url")
        .to_string();
    let open_token = open_url.rsplit('/').next().expect("token").to_string();
    assert_eq!(created.json["poll"]["status"], "open");
    // The hidden event type the poll books through is not a public page.
    let event_types = app.admin(Method::GET, "/api/v1/event-types", None).await;
    let hidden = event_types
        .json
        .as_array()
        .expect("list")
        .iter()
        .find(|e| e["hidden"] == true)
        .expect("hidden event type")
        .clone();
    let public = app
        .public(
            Method::GET,
            &format!(
                "/api/v1/public/ana/{}",
                hidden["slug"].as_str().expect("slug")
            ),
            None,
        )
        .await;
    assert_problem(&public, StatusCode::NOT_FOUND, None);

    // Votes, changeable until close; wrong shapes are 422.
    assert_eq!(
        vote(&app, &bo, &["yes", "if_need_be", "no"]).await.status,
        StatusCode::OK
    );
    assert_eq!(
        vote(&app, &bo, &["yes", "yes", "no"]).await.status,
        StatusCode::OK
    );
    assert_problem(
        &vote(&app, &bo, &["yes"]).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("votes"),
    );
    let bad = app
        .public(
            Method::PUT,
            &format!("/api/v1/poll-votes/{bo}"),
            Some(json!({ "votes": ["yes", "maybe", "no"] })),
        )
        .await;
    assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, Some("votes[1]"));
    assert_eq!(
        vote(&app, &cy, &["no", "yes", "if_need_be"]).await.status,
        StatusCode::OK
    );
    // Someone joins through the open link and votes.
    let joined = app
        .public(
            Method::POST,
            &format!("/api/v1/poll-join/{open_token}"),
            Some(json!({ "name": "Di", "email": "di@example.com" })),
        )
        .await;
    assert_eq!(joined.status, StatusCode::CREATED, "{}", joined.json);
    let di = joined.json["token"].as_str().expect("token").to_string();
    let again = app
        .public(
            Method::POST,
            &format!("/api/v1/poll-join/{open_token}"),
            Some(json!({ "name": "Di", "email": "bo@example.com" })),
        )
        .await;
    assert_problem(&again, StatusCode::UNPROCESSABLE_ENTITY, Some("email"));
    assert_eq!(
        vote(&app, &di, &["if_need_be", "yes", "no"]).await.status,
        StatusCode::OK
    );

    // Results: 12:00 has three yes; the participant sees them ranked, with names.
    let mine = app
        .public(Method::GET, &format!("/api/v1/poll-votes/{di}"), None)
        .await;
    assert_eq!(mine.json["results"][0]["start"], "2026-06-01T12:00:00Z");
    assert_eq!(mine.json["results"][0]["yes"], 3);
    assert_eq!(
        mine.json["results"][1]["start"], "2026-06-01T09:00:00Z",
        "one yes and one if need be"
    );
    assert_eq!(
        mine.json["results"][0]["yes_voters"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    assert!(
        mine.json["poll"].get("participants").is_none(),
        "no one's email leaks to participants"
    );

    // The host finalizes the best option: one booking for everyone who did not vote no.
    let done = app
        .admin(
            Method::POST,
            &format!("/api/v1/polls/{poll_id}/finalize"),
            Some(json!({})),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.json);
    assert_eq!(done.json["poll"]["status"], "finalized");
    assert_eq!(done.json["poll"]["chosen_option"], 1);
    let booking = &done.json["booking"];
    assert_eq!(booking["start"], "2026-06-01T12:00:00Z");
    assert_eq!(booking["status"], "accepted");
    assert_eq!(booking["hosts"], json!([ana]));
    let mut people: Vec<String> = vec![
        booking["invitee"]["email"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    ];
    people.extend(
        booking["attendees"]
            .as_array()
            .expect("attendees")
            .iter()
            .filter_map(|a| a["email"].as_str().map(str::to_string)),
    );
    people.sort();
    assert_eq!(
        people,
        ["bo@example.com", "cy@example.com", "di@example.com"]
    );
    // The poll is closed to votes and to a second finalize.
    assert_problem(
        &vote(&app, &bo, &["no", "no", "no"]).await,
        StatusCode::GONE,
        None,
    );
    let twice = app
        .admin(
            Method::POST,
            &format!("/api/v1/polls/{poll_id}/finalize"),
            Some(json!({ "option": 0 })),
        )
        .await;
    assert_problem(&twice, StatusCode::CONFLICT, None);
    // The booking blocks the host: an event type of hers no longer offers 12:00 (14:00 Berlin).
    app.event_type(json!({ "owner_id": ana, "slug": "call", "title": "Call", "kind": "one_on_one", "duration_minutes": 60 })).await;
    let slots = app
        .public(Method::GET, "/api/v1/public/ana/call/slots?start=2026-06-01T00:00:00Z&end=2026-06-02T00:00:00Z&timezone=UTC", None)
        .await;
    let starts: Vec<&str> = slots.json["days"][0]["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .filter_map(|s| s["start"].as_str())
        .collect();
    assert!(!starts.contains(&"2026-06-01T12:00:00Z"), "{starts:?}");
    let detail = app
        .admin(Method::GET, &format!("/api/v1/polls/{poll_id}"), None)
        .await;
    assert_eq!(
        detail.json["participants"].as_array().map(Vec::len),
        Some(3)
    );
}

async fn suggestions_and_deadlines(backend: Backend) {
    let Some((app, ana)) = setup(backend).await else {
        return;
    };
    // Suggested times are the host's next free ones after the deadline (Berlin office
    // hours), not overlapping, at most two a day.
    let suggested = app
        .admin(Method::POST, "/api/v1/polls", Some(json!({
            "host_id": ana, "title": "Sync", "duration_minutes": 30, "timezone": "Europe/Berlin", "suggest": 3,
            "participants": [{ "name": "Bo", "email": "bo@example.com" }],
            "deadline": "2026-05-25T05:00:00Z", "finalize_at_deadline": true
        })))
        .await;
    assert_eq!(suggested.status, StatusCode::CREATED, "{}", suggested.json);
    assert_eq!(
        suggested.json["poll"]["options"],
        json!([
            "2026-05-25T07:00:00Z",
            "2026-05-25T07:30:00Z",
            "2026-05-26T07:00:00Z"
        ])
    );
    for (body, field) in [
        (
            json!({ "host_id": ana, "title": "X", "duration_minutes": 30, "timezone": "UTC", "options": ["2026-06-01T09:00:00Z"], "open": true }),
            "options",
        ),
        (
            json!({ "host_id": ana, "title": "X", "duration_minutes": 30, "timezone": "UTC", "options": options() }),
            "participants",
        ),
        (
            json!({ "host_id": ana, "title": "X", "duration_minutes": 30, "timezone": "UTC", "options": options(), "open": true, "deadline": "2020-01-01T00:00:00Z" }),
            "deadline",
        ),
        (
            json!({ "host_id": "ghost", "title": "X", "duration_minutes": 30, "timezone": "UTC", "options": options(), "open": true }),
            "host_id",
        ),
        (
            json!({ "host_id": ana, "title": "X", "duration_minutes": 30, "timezone": "Nowhere", "options": options(), "open": true }),
            "timezone",
        ),
    ] {
        let response = app.admin(Method::POST, "/api/v1/polls", Some(body)).await;
        assert_problem(&response, StatusCode::UNPROCESSABLE_ENTITY, Some(field));
    }
    // After the deadline votes are refused, and the sweep books the best option.
    let token = suggested.json["invitations"][0]["token"]
        .as_str()
        .expect("token")
        .to_string();
    assert_eq!(
        vote(&app, &token, &["no", "yes", "yes"]).await.status,
        StatusCode::OK
    );
    app.set_now("2026-05-25T05:00:01Z");
    assert_problem(
        &vote(&app, &token, &["yes", "yes", "yes"]).await,
        StatusCode::GONE,
        None,
    );
    let handled = kairos::booking::polls::close_due(
        app.store.as_ref(),
        "2026-05-25T05:00:01Z".parse().expect("instant"),
    )
    .await
    .expect("sweep");
    assert_eq!(handled, 1);
    let id = suggested.json["poll"]["id"].as_str().expect("id");
    let detail = app
        .admin(Method::GET, &format!("/api/v1/polls/{id}"), None)
        .await;
    assert_eq!(
        detail.json["poll"]["status"], "finalized",
        "{}",
        detail.json
    );
    assert_eq!(
        detail.json["poll"]["chosen_option"], 1,
        "earliest of the two with a yes"
    );
}

async fn poll_pages(backend: Backend) {
    let Some((app, ana)) = setup(backend).await else {
        return;
    };
    let created = app
        .admin(Method::POST, "/api/v1/polls", Some(json!({
            "host_id": ana, "title": "Plan <b>bold</b>", "duration_minutes": 60, "timezone": "Europe/Berlin",
            "options": options(), "open": true, "participants": [{ "name": "Eve <img src=x>", "email": "eve@example.com" }]
        })))
        .await;
    let token = created.json["invitations"][0]["token"]
        .as_str()
        .expect("token")
        .to_string();
    let page = app
        .public(
            Method::GET,
            &format!("/polls/{token}?timezone=America/New_York"),
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.json.as_str().expect("html").to_string();
    assert!(
        html.contains("Plan &lt;b&gt;bold&lt;/b&gt;"),
        "escaped title"
    );
    assert!(html.contains("Eve &lt;img src=x&gt;"), "escaped name");
    assert!(!html.contains("<img src=x>"));
    assert!(
        html.contains("Mon 1 Jun 2026, 5:00 am–6:00 am (America/New_York)"),
        "09:00Z in New York, zone named: {html}"
    );
    assert!(html.contains("name=\"viewport\""), "usable on a phone");
    // Voting through the form, then the page shows the votes.
    let form = "vote_0=yes&vote_1=no&vote_2=if_need_be&comment=See+you";
    let posted = send(
        &app.router,
        Method::POST,
        &format!("/polls/{token}"),
        Some(form.to_string()),
        &[("content-type", "application/x-www-form-urlencoded")],
    )
    .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER);
    let page = app
        .public(Method::GET, &format!("/polls/{token}"), None)
        .await;
    let html = page.json.as_str().expect("html").to_string();
    assert!(html.contains("value=\"yes\" required checked"), "{html}");
    assert!(html.contains("See you"));
    let incomplete = send(
        &app.router,
        Method::POST,
        &format!("/polls/{token}"),
        Some("vote_0=yes".to_string()),
        &[],
    )
    .await;
    // Pages answer errors as pages, in words, with the form and what was
    // entered still there.
    assert_eq!(incomplete.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = incomplete.json.as_str().unwrap_or_default();
    assert!(html.contains("choose yes, if need be or no"), "{html}");
    assert!(html.contains("<form method=\"post\""), "{html}");
    let kept = send(
        &app.router,
        Method::POST,
        &format!("/polls/{token}?timezone=UTC"),
        Some("vote_0=no&vote_2=yes&comment=Maybe+%3Cb%3E".to_string()),
        &[],
    )
    .await;
    assert_eq!(kept.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = kept.json.as_str().unwrap_or_default();
    assert!(
        html.contains("name=\"vote_0\" value=\"no\" required checked"),
        "{html}"
    );
    assert!(
        html.contains("name=\"vote_2\" value=\"yes\" required checked"),
        "{html}"
    );
    assert!(html.contains("Maybe &lt;b&gt;</textarea>"), "{html}");
    // The error sits with the option it is about.
    let option = html
        .find("Mon 1 Jun 2026, 12:00 pm–1:00 pm (UTC)")
        .expect("option 1");
    let error = html.find("choose yes, if need be or no").expect("error");
    let next = html
        .find("Tue 2 Jun 2026, 9:00 am–10:00 am (UTC)")
        .expect("option 2");
    assert!(option < error && error < next, "{html}");
    // An unknown zone is said so, and the poll's zone is used instead.
    let unknown_zone = app
        .public(
            Method::GET,
            &format!("/polls/{token}?timezone=Mars/Base"),
            None,
        )
        .await;
    assert_eq!(unknown_zone.status, StatusCode::OK);
    let html = unknown_zone.json.as_str().unwrap_or_default();
    assert!(html.contains("“Mars/Base” is not a time zone"), "{html}");
    assert!(
        html.contains("Mon 1 Jun 2026, 11:00 am–12:00 pm (Europe/Berlin)"),
        "{html}"
    );
    // The open link's page and form.
    let open_token = created.json["open_url"]
        .as_str()
        .expect("url")
        .rsplit('/')
        .next()
        .expect("token")
        .to_string();
    let join = app
        .public(Method::GET, &format!("/polls/join/{open_token}"), None)
        .await;
    assert!(
        join.json
            .as_str()
            .unwrap_or_default()
            .contains("Join the poll")
    );
    let joined = send(
        &app.router,
        Method::POST,
        &format!("/polls/join/{open_token}"),
        Some("name=Fay&email=fay%40example.com".to_string()),
        &[],
    )
    .await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER);
    // A refused join comes back as the form, error beside the field, values kept.
    for (form, field_error) in [
        (
            "name=Gil&email=gil%40%40example.com",
            "is not an email address",
        ),
        ("name=+&email=gil%40example.com", "must not be empty"),
        ("name=Gil", "is required"),
        (
            "name=Fay+Again&email=fay%40example.com",
            "is already in this poll",
        ),
    ] {
        let refused = send(
            &app.router,
            Method::POST,
            &format!("/polls/join/{open_token}"),
            Some(form.to_string()),
            &[],
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{form}");
        assert_eq!(
            refused
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("text/html; charset=utf-8")
        );
        let html = refused.json.as_str().unwrap_or_default();
        assert!(html.contains(field_error), "{form}: {html}");
        assert!(html.contains("<form method=\"post\""), "{html}");
        if form.starts_with("name=Gil&") {
            assert!(html.contains("value=\"Gil\""), "{html}");
            assert!(html.contains("value=\"gil@@example.com\""), "{html}");
        }
    }
    // Too large a form, or a repeated parameter: still pages.
    let huge = send(
        &app.router,
        Method::POST,
        &format!("/polls/join/{open_token}"),
        Some(format!("name={}", "a".repeat(3 << 20))),
        &[],
    )
    .await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        huge.json.as_str().unwrap_or_default().contains("2 MB"),
        "{}",
        huge.json
    );
    let repeated = app
        .public(
            Method::GET,
            &format!("/polls/{token}?timezone=UTC&timezone=Asia/Tokyo"),
            None,
        )
        .await;
    assert_eq!(repeated.status, StatusCode::OK);
    assert!(
        repeated
            .json
            .as_str()
            .unwrap_or_default()
            .contains("(Asia/Tokyo)")
    );
    let unknown = app.public(Method::GET, "/polls/nosuchtoken", None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

on_both!(poll_lifecycle, suggestions_and_deadlines, poll_pages);

/// A poll closed by its deadline can still be finalized by the host; emails
/// differing only in capitals are one participant.
async fn closed_polls_finalize(backend: Backend) {
    let Some((app, ana)) = setup(backend).await else {
        return;
    };
    let created = app
        .admin(Method::POST, "/api/v1/polls", Some(json!({
            "host_id": ana, "title": "Offsite", "duration_minutes": 60, "timezone": "UTC", "open": true,
            "options": options(), "deadline": "2026-05-28T00:00:00Z",
            "participants": [{ "name": "Bo", "email": "bo@example.com" }]
        })))
        .await;
    let id = created.json["poll"]["id"].as_str().expect("id").to_string();
    let open_token = created.json["open_url"]
        .as_str()
        .expect("url")
        .rsplit('/')
        .next()
        .expect("token")
        .to_string();
    let twin = app
        .public(
            Method::POST,
            &format!("/api/v1/poll-join/{open_token}"),
            Some(json!({ "name": "Bo", "email": "BO@example.com" })),
        )
        .await;
    assert_problem(&twin, StatusCode::UNPROCESSABLE_ENTITY, Some("email"));
    let bo = created.json["invitations"][0]["token"]
        .as_str()
        .expect("token")
        .to_string();
    assert_eq!(
        vote(&app, &bo, &["no", "no", "yes"]).await.status,
        StatusCode::OK
    );
    let swept = kairos::booking::polls::close_due(
        app.store.as_ref(),
        "2026-05-28T00:00:01Z".parse().expect("instant"),
    )
    .await
    .expect("sweep");
    assert_eq!(swept, 1);
    let closed = app
        .admin(Method::GET, &format!("/api/v1/polls/{id}"), None)
        .await;
    assert_eq!(closed.json["poll"]["status"], "closed");
    let done = app
        .admin(
            Method::POST,
            &format!("/api/v1/polls/{id}/finalize"),
            Some(json!({})),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.json);
    assert_eq!(done.json["booking"]["start"], "2026-06-02T09:00:00Z");
    assert_eq!(done.json["booking"]["invitee"]["email"], "bo@example.com");
}

on_both!(closed_polls_finalize);

/// With hidden votes, participants see only their own choices.
async fn private_results(backend: Backend) {
    let Some((app, ana)) = setup(backend).await else {
        return;
    };
    let created = app
        .admin(Method::POST, "/api/v1/polls", Some(json!({
            "host_id": ana, "title": "Private", "duration_minutes": 30, "timezone": "UTC", "options": options(),
            "votes_visible": false, "participants": [{ "name": "Bo", "email": "bo@example.com" }, { "name": "Cy", "email": "cy@example.com" }]
        })))
        .await;
    let bo = created.json["invitations"][0]["token"]
        .as_str()
        .expect("token")
        .to_string();
    let cy = created.json["invitations"][1]["token"]
        .as_str()
        .expect("token")
        .to_string();
    assert_eq!(
        vote(&app, &cy, &["yes", "no", "no"]).await.status,
        StatusCode::OK
    );
    let mine = vote(&app, &bo, &["no", "yes", "yes"]).await;
    assert_eq!(mine.json["results"], json!([]), "{}", mine.json);
    assert_eq!(mine.json["me"]["votes"], json!(["no", "yes", "yes"]));
    let page = app
        .public(Method::GET, &format!("/polls/{bo}?timezone=UTC"), None)
        .await;
    let html = page.json.as_str().unwrap_or_default().to_string();
    assert!(html.contains("keeps the results of this poll private"));
    assert!(!html.contains("Cy"), "no other participant shows");
    let id = created.json["poll"]["id"].as_str().expect("id");
    let host = app
        .admin(Method::GET, &format!("/api/v1/polls/{id}"), None)
        .await;
    assert_eq!(
        host.json["results"][0]["yes"], 1,
        "the host sees everything"
    );
}

on_both!(private_results);
