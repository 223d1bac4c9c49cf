//! The route groups' guards, checked against the OpenAPI document: every
//! admin operation refuses a request without a valid key, and only the
//! public booking API answers browsers of other sites (CORS).

use crate::helpers::{App, Backend, assert_problem, office_hours};
use crate::on_both;
use axum::http::{Method, StatusCode};
use serde_json::json;

/// A path template with every `{parameter}` filled with something token-like.
fn filled(template: &str) -> String {
    template
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn admin_operations_need_a_key(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let document = kairos::http::openapi::document();
    let mut secured = 0;
    for (template, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("operations") {
            let keyed = operation["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("api_key").is_some()));
            let tags: Vec<&str> = operation["tags"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str())
                .collect();
            // Admin and calendar operations are the admin group's; the others
            // (public, manage, participants' polls) are not.
            let admin_tag = tags
                .iter()
                .any(|t| ["admin", "calendars", "workflows"].contains(t));
            assert!(
                keyed == admin_tag || tags.contains(&"polls"),
                "{method} {template}: tags {tags:?}, api_key security {keyed}"
            );
            if !keyed {
                continue;
            }
            secured += 1;
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let uri = filled(template);
            let body = matches!(method, Method::POST | Method::PUT).then(|| json!({}));
            for headers in [
                &[][..],
                &[("authorization", "Bearer kairos_nosuchkey")][..],
                &[("authorization", "Basic YTpi")][..],
            ] {
                let answer = app.send(method.clone(), &uri, body.as_ref(), headers).await;
                assert_problem(&answer, StatusCode::UNAUTHORIZED, None);
                assert!(
                    answer.headers.get("access-control-allow-origin").is_none(),
                    "{method} {uri}"
                );
            }
        }
    }
    assert!(secured > 40, "{secured} admin operations");
    // The valid key opens them (one of each kind of answer is enough here).
    let users = app.admin(Method::GET, "/api/v1/users", None).await;
    assert_eq!(users.status, StatusCode::OK, "{}", users.json);
}

on_both!(admin_operations_need_a_key);

async fn only_public_routes_answer_other_sites(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = app.host("ana", "Europe/Berlin", office_hours()).await;
    app.event_type(json!({
        "owner_id": ana, "slug": "intro", "title": "Intro", "kind": "one_on_one",
        "duration_minutes": 30
    }))
    .await;
    let origin = ("origin", "https://shop.example");
    let preflight = |method: &'static str| {
        [
            origin,
            ("access-control-request-method", method),
            (
                "access-control-request-headers",
                "content-type,idempotency-key",
            ),
        ]
    };

    // The booking API: preflight allowed, any origin, no credentials.
    for (uri, method) in [
        ("/api/v1/public/ana/intro", "GET"),
        ("/api/v1/public/ana/intro/slots", "GET"),
        ("/api/v1/public/ana/intro/bookings", "POST"),
        ("/api/v1/public/ana/intro/holds", "POST"),
        (
            "/api/v1/public/holds/a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6",
            "DELETE",
        ),
    ] {
        let answer = app
            .send(Method::OPTIONS, uri, None, &preflight(method))
            .await;
        assert!(answer.status.is_success(), "{uri}: {}", answer.status);
        let header = |name: &str| {
            answer
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_ascii_lowercase()
        };
        assert_eq!(header("access-control-allow-origin"), "*", "{uri}");
        assert!(header("access-control-allow-methods").contains(&method.to_ascii_lowercase()));
        assert!(header("access-control-allow-headers").contains("idempotency-key"));
        assert!(
            answer
                .headers
                .get("access-control-allow-credentials")
                .is_none()
        );
    }
    let page = app
        .send(Method::GET, "/api/v1/public/ana/intro", None, &[origin])
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.json);
    assert_eq!(page.headers["access-control-allow-origin"], "*");

    // Admin and token routes: no preflight, no CORS headers, key or not.
    for (uri, method) in [
        ("/api/v1/users", "POST"),
        ("/api/v1/users", "GET"),
        ("/api/v1/bookings", "GET"),
        ("/api/v1/links/a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6", "DELETE"),
        ("/api/v1/manage/a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6", "GET"),
    ] {
        let answer = app
            .send(Method::OPTIONS, uri, None, &preflight(method))
            .await;
        assert_problem(&answer, StatusCode::METHOD_NOT_ALLOWED, None);
        assert!(
            answer.headers.get("access-control-allow-origin").is_none(),
            "{uri}"
        );
    }
    let bearer = format!("Bearer {}", app.key);
    let users = app
        .send(
            Method::GET,
            "/api/v1/users",
            None,
            &[origin, ("authorization", &bearer)],
        )
        .await;
    assert_eq!(users.status, StatusCode::OK, "{}", users.json);
    assert!(users.headers.get("access-control-allow-origin").is_none());
}

on_both!(only_public_routes_answer_other_sites);
