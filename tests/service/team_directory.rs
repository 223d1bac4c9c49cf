//! Teams: admin CRUD, event types listed on a team's public page, and the
//! references between them.

use crate::helpers::{App, Backend, assert_problem, office_hours};
use crate::on_both;
use axum::http::{Method, StatusCode};
use serde_json::json;

async fn a_team_lists_its_public_event_types(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = app.host("ana", "UTC", office_hours()).await;
    let bo = app.host("bo", "UTC", office_hours()).await;
    let made = app
        .admin(
            Method::POST,
            "/api/v1/teams",
            Some(json!({ "slug": "sales", "name": "Sales <team>", "description": "We sell." })),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    let sales = made.json["id"].as_str().expect("id").to_string();
    let again = app
        .admin(
            Method::POST,
            "/api/v1/teams",
            Some(json!({ "slug": "sales", "name": "Other" })),
        )
        .await;
    assert_problem(&again, StatusCode::CONFLICT, Some("slug"));
    let unnamed = app
        .admin(
            Method::POST,
            "/api/v1/teams",
            Some(json!({ "slug": "ops", "name": " " })),
        )
        .await;
    assert_problem(&unnamed, StatusCode::UNPROCESSABLE_ENTITY, Some("name"));

    let hosts = json!([{ "user_id": ana }, { "user_id": bo }]);
    app.event_type(
        json!({ "owner_id": ana, "slug": "demo", "title": "Product demo", "kind": "round_robin",
            "duration_minutes": 30, "hosts": hosts, "team_id": sales }),
    )
    .await;
    app.event_type(
        json!({ "owner_id": bo, "slug": "pairing", "title": "Deal review", "kind": "collective",
        "duration_minutes": 60, "hosts": hosts, "team_id": sales }),
    )
    .await;
    app.event_type(
        json!({ "owner_id": ana, "slug": "secret", "title": "Hidden", "kind": "round_robin",
        "duration_minutes": 30, "hosts": hosts, "team_id": sales, "hidden": true }),
    )
    .await;
    app.event_type(json!({ "owner_id": ana, "slug": "solo", "title": "Ana alone", "kind": "one_on_one", "duration_minutes": 30 }))
        .await;
    // Within a team, slugs are unique (its page addresses them by slug).
    let clash = app
        .admin(
            Method::POST,
            "/api/v1/event-types",
            Some(json!({ "owner_id": bo, "slug": "demo", "title": "Again",
            "kind": "round_robin", "duration_minutes": 30, "hosts": hosts, "team_id": sales })),
        )
        .await;
    assert_problem(&clash, StatusCode::CONFLICT, Some("slug"));
    let nowhere = app
        .admin(Method::POST, "/api/v1/event-types", Some(json!({ "owner_id": bo, "slug": "x", "title": "X",
            "kind": "one_on_one", "duration_minutes": 30, "team_id": "0190f000-0000-7000-8000-000000000000" })))
        .await;
    assert_problem(&nowhere, StatusCode::UNPROCESSABLE_ENTITY, Some("team_id"));

    let page = app
        .public(Method::GET, "/api/v1/public/team/sales", None)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.json);
    assert_eq!(page.json["name"], "Sales <team>");
    assert_eq!(page.json["description"], "We sell.");
    let listed: Vec<(&str, &str)> = page.json["event_types"]
        .as_array()
        .expect("event types")
        .iter()
        .map(|e| {
            (
                e["slug"].as_str().expect("slug"),
                e["owner"].as_str().expect("owner"),
            )
        })
        .collect();
    assert_eq!(listed, [("pairing", "bo"), ("demo", "ana")]);
    assert_eq!(page.json["event_types"][1]["kind"], "round_robin");
    assert_eq!(page.json["event_types"][1]["duration_minutes"], 30);
    // A listed event type is booked through its owner's public API.
    let described = app
        .public(Method::GET, "/api/v1/public/ana/demo", None)
        .await;
    assert_eq!(described.status, StatusCode::OK);

    for missing in ["/api/v1/public/team/nobody", "/api/v1/public/team/NO%20PE"] {
        let answer = app.public(Method::GET, missing, None).await;
        assert_problem(&answer, StatusCode::NOT_FOUND, None);
    }

    // A team that still lists event types stays; moved away, it can go.
    let kept = app
        .admin(Method::DELETE, &format!("/api/v1/teams/{sales}"), None)
        .await;
    assert_eq!(kept.status, StatusCode::CONFLICT, "{}", kept.json);
    let renamed = app
        .admin(
            Method::PUT,
            &format!("/api/v1/teams/{sales}"),
            Some(json!({ "slug": "sales-eu", "name": "Sales EU" })),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.json);
    let listed = app.admin(Method::GET, "/api/v1/teams", None).await;
    assert_eq!(listed.json[0]["slug"], "sales-eu");
    let all = app.admin(Method::GET, "/api/v1/event-types", None).await;
    for event_type in all.json.as_array().expect("event types") {
        if event_type["team_id"] == json!(sales) {
            let mut body = event_type.clone();
            let id = body["id"].as_str().expect("id").to_string();
            let object = body.as_object_mut().expect("object");
            for key in ["id", "created_at", "updated_at", "team_id"] {
                object.remove(key);
            }
            let moved = app
                .admin(
                    Method::PUT,
                    &format!("/api/v1/event-types/{id}"),
                    Some(body),
                )
                .await;
            assert_eq!(moved.status, StatusCode::OK, "{}", moved.json);
        }
    }
    let gone = app
        .admin(Method::DELETE, &format!("/api/v1/teams/{sales}"), None)
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.json);
    let answer = app
        .public(Method::GET, "/api/v1/public/team/sales-eu", None)
        .await;
    assert_problem(&answer, StatusCode::NOT_FOUND, None);
}

on_both!(a_team_lists_its_public_event_types);
