//! Embedding: an organization's allowed origins (admin API), the public
//! API's CORS per the organization owning the user in the path, the
//! `frame-ancestors` policy pages send, and the embed/widget scripts the
//! binary serves.

use crate::helpers::{App, Backend, assert_problem, booking, office_hours};
use crate::on_both;
use axum::http::{Method, StatusCode};
use kairos::domain::{hash_secret, random_token};
use serde_json::{Value, json};

/// Ana (of the test organization) with her intro.
async fn ana_intro(app: &App) {
    let ana = app.host("ana", "Europe/Berlin", office_hours()).await;
    app.event_type(json!({
        "owner_id": ana, "slug": "intro", "title": "Intro", "kind": "one_on_one",
        "duration_minutes": 30
    }))
    .await;
}

async fn test_org_id(app: &App) -> String {
    app.store.organizations().await.expect("organizations")[0]
        .id
        .clone()
}

fn header<'a>(response: &'a crate::helpers::Response, name: &str) -> Option<&'a str> {
    response.headers.get(name).and_then(|v| v.to_str().ok())
}

async fn settings_are_read_normalized_and_replaced(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let uri = "/api/v1/organization/embedding";
    let read = app.admin(Method::GET, uri, None).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.json);
    assert_eq!(
        read.json,
        json!({ "allowed_origins": null }),
        "any site by default"
    );

    let put = app
        .admin(
            Method::PUT,
            uri,
            Some(json!({ "allowed_origins": ["HTTPS://Shop.Example/", "https://shop.example:443", "http://localhost:3000", "https://*.example.com"] })),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.json);
    let expected = json!({ "allowed_origins": ["https://shop.example", "http://localhost:3000", "https://*.example.com"] });
    assert_eq!(put.json, expected);
    assert_eq!(app.admin(Method::GET, uri, None).await.json, expected);

    // Bad input names the field, and leaves the settings as they were.
    let bad = app
        .admin(
            Method::PUT,
            uri,
            Some(json!({ "allowed_origins": ["https://ok.example", "https://shop.example/booking"] })),
        )
        .await;
    assert_problem(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("allowed_origins[1]"),
    );
    let bad = app
        .admin(Method::PUT, uri, Some(json!({ "origins": [] })))
        .await;
    assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, None);
    let bad = app
        .admin(Method::PUT, uri, Some(json!({ "allowed_origins": "*" })))
        .await;
    assert_problem(
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("allowed_origins"),
    );
    assert_eq!(app.admin(Method::GET, uri, None).await.json, expected);

    // An empty list: no other site; `{}` (or null) is any site again.
    let none = app
        .admin(Method::PUT, uri, Some(json!({ "allowed_origins": [] })))
        .await;
    assert_eq!(none.json, json!({ "allowed_origins": [] }));
    let any = app.admin(Method::PUT, uri, Some(json!({}))).await;
    assert_eq!(any.json, json!({ "allowed_origins": null }));

    // Each organization has its own settings.
    let other = app.store.create_organization("Other").await.expect("org");
    let other_key = format!("kairos_{}", random_token(32));
    app.store
        .create_api_key(&other.id, "other", &hash_secret(&other_key))
        .await
        .expect("key");
    let bearer = format!("Bearer {other_key}");
    let body = json!({ "allowed_origins": ["https://other.example"] });
    let set = app
        .send(Method::PUT, uri, Some(&body), &[("authorization", &bearer)])
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.json);
    assert_eq!(
        app.admin(Method::GET, uri, None).await.json,
        json!({ "allowed_origins": null })
    );
}

on_both!(settings_are_read_normalized_and_replaced);

async fn preflight(app: &App, uri: &str, origin: &str, method: &str) -> crate::helpers::Response {
    app.send(
        Method::OPTIONS,
        uri,
        None,
        &[
            ("origin", origin),
            ("access-control-request-method", method),
            (
                "access-control-request-headers",
                "content-type,idempotency-key",
            ),
        ],
    )
    .await
}

async fn public_api_answers_only_allowed_origins(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    ana_intro(&app).await;
    let page = "/api/v1/public/ana/intro";
    let slots = "/api/v1/public/ana/intro/slots?start=2026-06-01T00:00:00Z&end=2026-06-02T00:00:00Z&timezone=Europe/Berlin";
    let shop = "https://shop.example";
    let evil = "https://evil.example";

    // Default: any site, answered with `*`.
    let answer = app.send(Method::GET, page, None, &[("origin", evil)]).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    assert_eq!(header(&answer, "access-control-allow-origin"), Some("*"));

    let put = app
        .admin(
            Method::PUT,
            "/api/v1/organization/embedding",
            Some(json!({ "allowed_origins": [shop, "https://*.partner.example"] })),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.json);

    // An allowed site: its origin named back, the answer varying by origin.
    for origin in [shop, "https://www.partner.example"] {
        for uri in [page, slots] {
            let answer = app
                .send(Method::GET, uri, None, &[("origin", origin)])
                .await;
            assert_eq!(answer.status, StatusCode::OK, "{uri}: {}", answer.json);
            assert_eq!(header(&answer, "access-control-allow-origin"), Some(origin));
            assert!(
                answer.headers.get_all("vary").iter().any(|v| v
                    .to_str()
                    .is_ok_and(|v| v.to_ascii_lowercase().contains("origin"))),
                "{uri}: Vary"
            );
        }
        let answer = preflight(&app, "/api/v1/public/ana/intro/bookings", origin, "POST").await;
        assert!(answer.status.is_success(), "{}", answer.status);
        assert_eq!(header(&answer, "access-control-allow-origin"), Some(origin));
        let methods = header(&answer, "access-control-allow-methods").unwrap_or_default();
        assert!(
            methods.contains("POST") && methods.contains("DELETE"),
            "{methods}"
        );
        assert!(
            header(&answer, "access-control-allow-headers")
                .unwrap_or_default()
                .contains("idempotency-key")
        );
        assert!(
            answer
                .headers
                .get("access-control-allow-credentials")
                .is_none()
        );
    }

    // Any other site: refused before any handler, with no CORS headers.
    for origin in [
        evil,
        "http://shop.example",
        "https://partner.example",
        "null",
    ] {
        let answer = app
            .send(Method::GET, page, None, &[("origin", origin)])
            .await;
        assert_problem(&answer, StatusCode::FORBIDDEN, None);
        assert!(answer.headers.get("access-control-allow-origin").is_none());
        let answer = preflight(&app, "/api/v1/public/ana/intro/bookings", origin, "POST").await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{origin}");
        assert!(answer.headers.get("access-control-allow-origin").is_none());
    }
    let refused = app
        .send(
            Method::POST,
            "/api/v1/public/ana/intro/bookings",
            Some(&booking("2026-06-01T09:00:00+02:00", "pat@example.com")),
            &[("origin", evil)],
        )
        .await;
    assert_problem(&refused, StatusCode::FORBIDDEN, None);
    let bookings = app.admin(Method::GET, "/api/v1/bookings", None).await;
    assert_eq!(
        bookings.json.as_array().map(Vec::len),
        Some(0),
        "{}",
        bookings.json
    );

    // Kairos's own pages (same site) and clients without Origin still book.
    let own = app
        .send(
            Method::POST,
            "/api/v1/public/ana/intro/bookings",
            Some(&booking("2026-06-01T09:00:00+02:00", "pat@example.com")),
            &[("origin", "http://kairos.test")],
        )
        .await;
    assert_eq!(own.status, StatusCode::CREATED, "{}", own.json);
    let direct = app
        .book_public("ana/intro", "2026-06-01T10:00:00+02:00", "sam@example.com")
        .await;
    assert_eq!(direct.status, StatusCode::CREATED, "{}", direct.json);

    // An unknown user answers 404 as before (nothing to protect).
    let missing = app
        .send(
            Method::GET,
            "/api/v1/public/nobody/intro",
            None,
            &[("origin", evil)],
        )
        .await;
    assert_problem(&missing, StatusCode::NOT_FOUND, None);
    assert_eq!(header(&missing, "access-control-allow-origin"), Some("*"));

    // Opened to any site again: the change is seen at once (cached settings dropped).
    let any = app
        .admin(
            Method::PUT,
            "/api/v1/organization/embedding",
            Some(json!({ "allowed_origins": null })),
        )
        .await;
    assert_eq!(any.status, StatusCode::OK);
    let answer = app.send(Method::GET, page, None, &[("origin", evil)]).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    assert_eq!(header(&answer, "access-control-allow-origin"), Some("*"));
}

on_both!(public_api_answers_only_allowed_origins);

async fn other_organizations_keep_their_own_policy(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    ana_intro(&app).await;
    // Bo belongs to another organization, which allows only its own shop.
    let other = app.store.create_organization("Other").await.expect("org");
    let bo = app
        .store
        .insert_user(
            &other.id,
            &serde_json::from_value(
                json!({ "slug": "bo", "name": "Bo", "email": "bo@example.com", "timezone": "UTC" }),
            )
            .expect("user"),
        )
        .await
        .expect("bo");
    assert_eq!(bo.organization_id, other.id);
    let settings = kairos::domain::EmbeddingSettings {
        allowed_origins: Some(vec!["https://bo.example".into()]),
    };
    app.store
        .set_embedding(&other.id, &settings)
        .await
        .expect("settings");
    app.context.caches.invalidate();

    let ana = app
        .send(
            Method::GET,
            "/api/v1/public/ana/intro",
            None,
            &[("origin", "https://shop.example")],
        )
        .await;
    assert_eq!(header(&ana, "access-control-allow-origin"), Some("*"));
    let bo_page = app
        .send(
            Method::OPTIONS,
            "/api/v1/public/bo/intro/slots",
            None,
            &[
                ("origin", "https://shop.example"),
                ("access-control-request-method", "GET"),
            ],
        )
        .await;
    assert_eq!(bo_page.status, StatusCode::FORBIDDEN);
    let bo_page = app
        .send(
            Method::OPTIONS,
            "/api/v1/public/bo/intro/slots",
            None,
            &[
                ("origin", "https://bo.example"),
                ("access-control-request-method", "GET"),
            ],
        )
        .await;
    assert!(bo_page.status.is_success());
    assert_eq!(
        header(&bo_page, "access-control-allow-origin"),
        Some("https://bo.example")
    );
}

on_both!(other_organizations_keep_their_own_policy);

async fn pages_get_a_frame_ancestors_policy(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let org = test_org_id(&app).await;
    let policy = |headers: &axum::http::HeaderMap| {
        headers
            .get("content-security-policy")
            .map(|v| v.to_str().expect("ascii").to_string())
    };
    let headers = kairos::http::embedding::frame_ancestors(&app.context, &org)
        .await
        .expect("policy");
    assert_eq!(policy(&headers), None, "any site: no restriction");

    let put = app
        .admin(
            Method::PUT,
            "/api/v1/organization/embedding",
            Some(
                json!({ "allowed_origins": ["https://shop.example", "https://*.partner.example"] }),
            ),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.json);
    let headers = kairos::http::embedding::frame_ancestors(&app.context, &org)
        .await
        .expect("policy");
    assert_eq!(
        policy(&headers).as_deref(),
        Some("frame-ancestors 'self' https://shop.example https://*.partner.example")
    );

    app.admin(
        Method::PUT,
        "/api/v1/organization/embedding",
        Some(json!({ "allowed_origins": [] })),
    )
    .await;
    let headers = kairos::http::embedding::frame_ancestors(&app.context, &org)
        .await
        .expect("policy");
    assert_eq!(policy(&headers).as_deref(), Some("frame-ancestors 'self'"));

    let unknown = kairos::http::embedding::frame_ancestors(&app.context, "no-such-org").await;
    assert_eq!(
        unknown.expect_err("unknown organization").status(),
        StatusCode::NOT_FOUND
    );
}

on_both!(pages_get_a_frame_ancestors_policy);

#[tokio::test]
async fn embed_and_widget_scripts_are_served_with_validators() {
    let Some(app) = App::new(Backend::Sqlite).await else {
        return;
    };
    for asset in kairos::http::assets::ASSETS {
        let answer = app.send(Method::GET, asset.path, None, &[]).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", asset.path);
        assert_eq!(
            header(&answer, "content-type"),
            Some("text/javascript; charset=utf-8")
        );
        assert_eq!(header(&answer, "access-control-allow-origin"), Some("*"));
        assert_eq!(header(&answer, "x-content-type-options"), Some("nosniff"));
        assert_eq!(
            header(&answer, "cache-control"),
            Some("public, max-age=300")
        );
        let Value::String(body) = &answer.json else {
            panic!("{}: not text", asset.path);
        };
        assert_eq!(body.as_bytes(), asset.body, "{}", asset.path);
        assert!(body.len() > 500, "{}: a real script", asset.path);

        let etag = header(&answer, "etag").expect("etag").to_string();
        let again = app
            .send(Method::GET, asset.path, None, &[("if-none-match", &etag)])
            .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{}", asset.path);
        assert_eq!(again.json, Value::Null);

        let version = kairos::http::assets::version(asset.path).expect("version");
        assert_eq!(format!("\"{version}\""), etag);
        let pinned = app
            .send(
                Method::GET,
                &format!("{}?v={version}", asset.path),
                None,
                &[],
            )
            .await;
        assert_eq!(
            header(&pinned, "cache-control"),
            Some("public, max-age=31536000, immutable")
        );
        let stale = app
            .send(Method::GET, &format!("{}?v=0000", asset.path), None, &[])
            .await;
        assert_eq!(header(&stale, "cache-control"), Some("public, max-age=300"));
    }
    let missing = app.send(Method::GET, "/embed/nope.js", None, &[]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let head = app.send(Method::HEAD, "/embed/embed.js", None, &[]).await;
    assert_eq!(head.status, StatusCode::OK);
}

async fn unknown_public_endpoints_answer_other_sites_too(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    ana_intro(&app).await;
    // A widget asks for holds on a server without them: it must be able to
    // read the 404 (and book without), so the 404 carries CORS as well.
    let uri = "/api/v1/public/ana/intro/no-such-endpoint";
    let answer = preflight(&app, uri, "https://shop.example", "POST").await;
    assert!(answer.status.is_success(), "{}", answer.status);
    assert_eq!(header(&answer, "access-control-allow-origin"), Some("*"));
    let answer = app
        .send(
            Method::POST,
            uri,
            Some(&json!({})),
            &[("origin", "https://shop.example")],
        )
        .await;
    assert_problem(&answer, StatusCode::NOT_FOUND, None);
    assert_eq!(header(&answer, "access-control-allow-origin"), Some("*"));
    // Other unknown API paths stay without CORS.
    let answer = app
        .send(
            Method::GET,
            "/api/v1/no-such-endpoint",
            None,
            &[("origin", "https://shop.example")],
        )
        .await;
    assert_problem(&answer, StatusCode::NOT_FOUND, None);
    assert!(answer.headers.get("access-control-allow-origin").is_none());
}

on_both!(unknown_public_endpoints_answer_other_sites_too);

async fn a_team_listing_follows_its_organization(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let team = app
        .admin(
            Method::POST,
            "/api/v1/teams",
            Some(json!({ "slug": "sales", "name": "Sales" })),
        )
        .await;
    assert_eq!(team.status, StatusCode::CREATED, "{}", team.json);
    let uri = "/api/v1/public/team/sales";
    let open = app
        .send(
            Method::GET,
            uri,
            None,
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(open.status, StatusCode::OK, "{}", open.json);
    assert_eq!(header(&open, "access-control-allow-origin"), Some("*"));

    app.admin(
        Method::PUT,
        "/api/v1/organization/embedding",
        Some(json!({ "allowed_origins": ["https://shop.example"] })),
    )
    .await;
    let refused = app
        .send(
            Method::GET,
            uri,
            None,
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_problem(&refused, StatusCode::FORBIDDEN, None);
    let allowed = app
        .send(
            Method::GET,
            uri,
            None,
            &[("origin", "https://shop.example")],
        )
        .await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.json);
    assert_eq!(
        header(&allowed, "access-control-allow-origin"),
        Some("https://shop.example")
    );
}

on_both!(a_team_listing_follows_its_organization);

async fn booking_pages_say_where_they_may_be_framed(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    ana_intro(&app).await;
    let team = app
        .admin(
            Method::POST,
            "/api/v1/teams",
            Some(json!({ "slug": "sales", "name": "Sales" })),
        )
        .await;
    assert_eq!(team.status, StatusCode::CREATED, "{}", team.json);
    let pages = ["/ana", "/ana/intro", "/team/sales"];
    let policies = |answer: &crate::helpers::Response| -> Vec<String> {
        answer
            .headers
            .get_all("content-security-policy")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter(|v| v.contains("frame-ancestors"))
            .map(str::to_string)
            .collect()
    };
    // Any site by default: no restriction sent.
    for page in pages {
        let answer = app.send(Method::GET, page, None, &[]).await;
        assert_eq!(answer.status, StatusCode::OK, "{page}");
        assert!(
            policies(&answer).is_empty(),
            "{page}: {:?}",
            policies(&answer)
        );
    }
    app.admin(
        Method::PUT,
        "/api/v1/organization/embedding",
        Some(json!({ "allowed_origins": ["https://shop.example"] })),
    )
    .await;
    for page in pages {
        let answer = app.send(Method::GET, page, None, &[]).await;
        assert_eq!(answer.status, StatusCode::OK, "{page}");
        assert_eq!(
            policies(&answer),
            ["frame-ancestors 'self' https://shop.example"],
            "{page}"
        );
    }
    // The form page too; an unknown page and the JSON API are left alone.
    let form = app
        .send(
            Method::GET,
            "/ana/intro/book?start=2026-06-01T07:00:00Z",
            None,
            &[],
        )
        .await;
    assert_eq!(policies(&form).len(), 1, "{}", form.status);
    let unknown = app.send(Method::GET, "/nobody/intro", None, &[]).await;
    assert!(policies(&unknown).is_empty());
    let api = app
        .send(Method::GET, "/api/v1/public/ana/intro", None, &[])
        .await;
    assert!(policies(&api).is_empty());
}

on_both!(booking_pages_say_where_they_may_be_framed);
