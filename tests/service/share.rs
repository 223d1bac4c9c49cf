//! What hosts paste into email: the signature button and suggested times.

use crate::helpers::{App, Backend, assert_problem, office_hours};
use crate::on_both;
use axum::http::{Method, StatusCode};
use serde_json::json;

async fn setup(backend: Backend) -> Option<(App, String, String)> {
    let app = App::new(backend).await?;
    let ana = app.host("ana", "UTC", office_hours()).await;
    let call = app.event_type(json!({ "owner_id": ana, "slug": "call", "title": "Call <&>", "kind": "one_on_one", "duration_minutes": 60 })).await;
    Some((app, ana, call))
}

async fn signature_links_the_page(backend: Backend) {
    let Some((app, ana, call)) = setup(backend).await else {
        return;
    };
    let page = app
        .admin(Method::GET, &format!("/api/v1/users/{ana}/signature"), None)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.json);
    let url = page.json["url"].as_str().expect("url");
    assert!(url.ends_with("/ana"), "{url}");
    let html = page.json["html"].as_str().expect("html");
    assert!(html.contains(&format!("href=\"{url}\"")), "{html}");
    assert!(html.contains(">Book time with me</a>"));
    // Mail clients drop style sheets and scripts: inline styles only.
    for banned in ["<style", "<script", "class="] {
        assert!(!html.contains(banned), "{banned} in {html}");
    }
    assert_eq!(
        page.json["text"].as_str(),
        Some(format!("Book time with me: {url}").as_str())
    );

    let one = app
        .admin(
            Method::GET,
            &format!("/api/v1/users/{ana}/signature?event_type={call}&label=Talk%20%3Cnow%3E"),
            None,
        )
        .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.json);
    assert!(
        one.json["url"]
            .as_str()
            .expect("url")
            .ends_with("/ana/call")
    );
    assert!(
        one.json["html"]
            .as_str()
            .expect("html")
            .contains(">Talk &lt;now&gt;</a>")
    );

    // Another host's event type, a label on two lines, an unknown host.
    let bo = app.host("bo", "UTC", office_hours()).await;
    let refused = app
        .admin(
            Method::GET,
            &format!("/api/v1/users/{bo}/signature?event_type={call}"),
            None,
        )
        .await;
    assert_problem(
        &refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("event_type"),
    );
    let refused = app
        .admin(
            Method::GET,
            &format!("/api/v1/users/{ana}/signature?label=a%0Ab"),
            None,
        )
        .await;
    assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY, Some("label"));
    let missing = app
        .admin(
            Method::GET,
            "/api/v1/users/0190f000-0000-7000-8000-000000000000/signature",
            None,
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

async fn suggested_times_are_spread_and_link_the_form(backend: Backend) {
    let Some((app, ana, call)) = setup(backend).await else {
        return;
    };
    // Monday 25 May 2026, 00:00 UTC; Ana is free 09:00–17:00 UTC, busy at 09:00.
    app.admin(Method::POST, "/api/v1/busy-blocks", Some(json!({ "user_id": ana, "start": "2026-05-25T09:00:00Z", "end": "2026-05-25T10:00:00Z" })))
        .await;
    let answer = app
        .admin(
            Method::GET,
            &format!("/api/v1/event-types/{call}/suggested-times?timezone=Europe/Paris&name=Pat%20Doe&email=pat@example.com"),
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    let starts: Vec<&str> = answer.json["times"]
        .as_array()
        .expect("times")
        .iter()
        .map(|t| t["start"].as_str().expect("start"))
        .collect();
    // Two a day, apart: 10:00 (09:00 is busy) and 13:00 of seven free hours, then Tuesday.
    assert_eq!(
        starts,
        [
            "2026-05-25T10:00:00Z",
            "2026-05-25T13:00:00Z",
            "2026-05-26T09:00:00Z"
        ]
    );
    let first = &answer.json["times"][0];
    assert_eq!(first["label"], "Mon 25 May, 12:00");
    assert_eq!(first["end"], "2026-05-25T11:00:00Z");
    let url = first["url"].as_str().expect("url");
    assert!(
        url.ends_with(
            "/ana/call/book?start=2026-05-25T10%3A00%3A00Z&timezone=Europe%2FParis\
             &expires=2026-05-28T00%3A00%3A00Z&name=Pat+Doe&email=pat%40example.com"
        ),
        "{url}"
    );
    assert_eq!(answer.json["expires_at"], "2026-05-28T00:00:00Z");
    let html = answer.json["html"].as_str().expect("html");
    assert!(
        html.contains("Call &lt;&amp;&gt; with ANA (60 minutes)"),
        "{html}"
    );
    assert!(html.contains(&url.replace('&', "&amp;")));
    assert!(html.contains("Times in Europe/Paris."));
    let text = answer.json["text"].as_str().expect("text");
    assert!(
        text.contains(&format!("- Mon 25 May, 12:00: {url}")),
        "{text}"
    );

    let twelve = app
        .admin(
            Method::GET,
            &format!("/api/v1/event-types/{call}/suggested-times?timezone=America/New_York&count=1&hour12=true"),
            None,
        )
        .await;
    assert_eq!(twelve.json["times"][0]["label"], "Mon 25 May, 6:00 am");

    // Nothing free within the horizon: the block says so.
    for day in 25..=31 {
        app.admin(Method::POST, "/api/v1/busy-blocks", Some(json!({ "user_id": ana, "start": format!("2026-05-{day}T00:00:00Z"), "end": format!("2026-05-{day}T23:59:00Z") })))
            .await;
    }
    let none = app
        .admin(
            Method::GET,
            &format!("/api/v1/event-types/{call}/suggested-times?timezone=UTC&days=7"),
            None,
        )
        .await;
    assert_eq!(none.json["times"], json!([]));
    assert!(
        none.json["html"]
            .as_str()
            .expect("html")
            .contains("No free times in the next 7 days.")
    );

    for (query, field) in [
        ("timezone=UTC&count=0", "count"),
        ("timezone=UTC&count=21", "count"),
        ("timezone=UTC&days=94", "days"),
        ("timezone=UTC&valid_hours=0", "valid_hours"),
        ("timezone=UTC&email=pat@@example.com", "email"),
        ("timezone=Mars/Base", "timezone"),
    ] {
        let refused = app
            .admin(
                Method::GET,
                &format!("/api/v1/event-types/{call}/suggested-times?{query}"),
                None,
            )
            .await;
        assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY, Some(field));
    }
}

on_both!(
    signature_links_the_page,
    suggested_times_are_spread_and_link_the_form
);
