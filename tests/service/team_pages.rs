//! Team pages (`/team/{team}`, `/team/{team}/{event}`), one-off link pages
//! (`/links/{token}`) and suggested-time links, on both databases: what each
//! page shows (escaped), its branding, its 404/410 pages, and bookings made
//! through them landing exactly as through the owner's page.

use crate::helpers::{App, Backend, Response, assert_problem, office_hours, send};
use crate::on_both;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

/// ana and bo (UTC, weekdays 9–17) in the team "sales" (branded), which
/// lists a round robin (owned by ana), a collective (owned by bo) and a
/// hidden one; returns the app and the team's id.
async fn setup(backend: Backend) -> Option<(App, String)> {
    let app = App::new(backend).await?;
    let ana = app.host("ana", "UTC", office_hours()).await;
    let bo = app.host("bo", "UTC", office_hours()).await;
    let made = app
        .admin(
            Method::POST,
            "/api/v1/teams",
            Some(json!({
                "slug": "sales", "name": "Sales <b>EU</b>", "description": "We sell & \"help\".",
                "logo_url": "https://cdn.example.com/logo.png?a=1&b=\"2\"",
                "brand_color": "#ffd400", "brand_color_dark": "#123456"
            })),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    let sales = made.json["id"].as_str().expect("id").to_string();
    let hosts = json!([{ "user_id": ana }, { "user_id": bo }]);
    app.event_type(json!({
        "owner_id": ana, "slug": "demo", "title": "Demo <script>x</script>", "kind": "round_robin",
        "duration_minutes": 30, "hosts": hosts, "team_id": sales,
        "description": "See it & ask", "location": { "kind": "video", "url": "https://meet.example.com/d" },
        "questions": [{ "id": "company", "label": "Company", "kind": "text", "required": true }]
    }))
    .await;
    app.event_type(json!({
        "owner_id": bo, "slug": "review", "title": "Deal review", "kind": "collective",
        "duration_minutes": 60, "hosts": hosts, "team_id": sales,
        "location": { "kind": "in_person", "address": "Main St 1" }
    }))
    .await;
    app.event_type(json!({
        "owner_id": ana, "slug": "secret", "title": "Hidden one", "kind": "round_robin",
        "duration_minutes": 30, "hosts": hosts, "team_id": sales, "hidden": true
    }))
    .await;
    Some((app, sales))
}

async fn get(app: &App, uri: &str, headers: &[(&str, &str)]) -> (Response, String) {
    let response = app.send(Method::GET, uri, None, headers).await;
    let html = text(&response);
    (response, html)
}

async fn post_form(app: &App, uri: &str, form: &str) -> (Response, String) {
    let response = send(
        &app.router,
        Method::POST,
        uri,
        Some(form.to_string()),
        &[FORM],
    )
    .await;
    let html = text(&response);
    (response, html)
}

fn text(response: &Response) -> String {
    match &response.json {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn location(response: &Response) -> String {
    response
        .headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_string()
}

fn is_html(response: &Response) -> bool {
    response
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"))
}

async fn team_branding_is_validated(backend: Backend) {
    let Some((app, sales)) = setup(backend).await else {
        return;
    };
    let shown = app
        .admin(Method::GET, &format!("/api/v1/teams/{sales}"), None)
        .await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.json["brand_color"], "#ffd400");
    assert_eq!(shown.json["brand_color_dark"], "#123456");
    assert_eq!(
        shown.json["logo_url"],
        "https://cdn.example.com/logo.png?a=1&b=\"2\""
    );
    // The same rules as a host's branding, each naming its field.
    for (body, field) in [
        (
            json!({ "logo_url": "http://cdn.example.com/l.png" }),
            "logo_url",
        ),
        (json!({ "logo_url": "javascript:alert(1)" }), "logo_url"),
        (json!({ "logo_url": "https://" }), "logo_url"),
        (json!({ "brand_color": "red" }), "brand_color"),
        (json!({ "brand_color": "#12345g" }), "brand_color"),
        (
            json!({ "brand_color_dark": "#1234567" }),
            "brand_color_dark",
        ),
        (
            json!({ "brand_color_dark": "#123456;background:url(x)" }),
            "brand_color_dark",
        ),
    ] {
        let mut team = json!({ "slug": "ops", "name": "Ops" });
        for (k, v) in body.as_object().expect("object") {
            team[k] = v.clone();
        }
        let refused = app
            .admin(Method::POST, "/api/v1/teams", Some(team.clone()))
            .await;
        assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY, Some(field));
        team["slug"] = json!("sales");
        let refused = app
            .admin(Method::PUT, &format!("/api/v1/teams/{sales}"), Some(team))
            .await;
        assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY, Some(field));
    }
    // Cleared by leaving them out; the public listing carries what is set.
    let plain = app
        .admin(
            Method::PUT,
            &format!("/api/v1/teams/{sales}"),
            Some(json!({ "slug": "sales", "name": "Sales", "brand_color": "#0B57D0" })),
        )
        .await;
    assert_eq!(plain.status, StatusCode::OK, "{}", plain.json);
    assert!(plain.json.get("logo_url").is_none(), "{}", plain.json);
    let public = app
        .public(Method::GET, "/api/v1/public/team/sales", None)
        .await;
    assert_eq!(public.json["brand_color"], "#0B57D0");
    assert!(public.json.get("brand_color_dark").is_none());
    // A host's branding still follows the same rules.
    let host = app
        .admin(
            Method::POST,
            "/api/v1/users",
            Some(
                json!({ "slug": "cy", "name": "Cy", "email": "cy@example.com", "timezone": "UTC",
                "avatar_url": "http://cdn.example.com/cy.png" }),
            ),
        )
        .await;
    assert_problem(&host, StatusCode::UNPROCESSABLE_ENTITY, Some("avatar_url"));
}

on_both!(team_branding_is_validated);
