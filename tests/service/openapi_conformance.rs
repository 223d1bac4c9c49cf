//! Real answers against the OpenAPI document: every admin CRUD operation is
//! called, and its answer must validate against the schema the document
//! gives for that status (what an outside validator such as schemathesis
//! checks). The validator below is the subset of JSON Schema the document
//! uses, with `allOf` applying every part to the whole object.

use crate::helpers::{App, Backend, Response, office_hours};
use crate::on_both;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Why `value` does not fit `schema` (empty: it fits).
fn check(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .expect("local reference");
        let target = &doc["components"]["schemas"][name];
        assert!(!target.is_null(), "dangling reference {reference}");
        return check(doc, target, value, at, errors);
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        check(doc, part, value, at, errors);
    }
    for (keyword, exactly_one) in [("oneOf", true), ("anyOf", false)] {
        if let Some(parts) = schema[keyword].as_array() {
            let fitting = parts
                .iter()
                .filter(|part| {
                    let mut inner = Vec::new();
                    check(doc, part, value, at, &mut inner);
                    inner.is_empty()
                })
                .count();
            if fitting == 0 || (exactly_one && fitting > 1) {
                errors.push(format!("{at}: {fitting} of the {keyword} alternatives fit"));
            }
        }
    }
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let fits = types.iter().any(|t| match *t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            _ => false,
        });
        if !fits {
            errors.push(format!("{at}: {value} is not of type {types:?}"));
            return;
        }
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        errors.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if let Some(object) = value.as_object() {
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap_or_default();
            if !object.contains_key(name) {
                errors.push(format!("{at}: required field {name:?} is missing"));
            }
        }
        let properties = schema["properties"].as_object();
        for (name, field) in object {
            match properties.and_then(|p| p.get(name)) {
                Some(property) => check(doc, property, field, &format!("{at}.{name}"), errors),
                None if schema["additionalProperties"] == json!(false) => errors.push(format!(
                    "{at}: field {name:?} is outside `properties` and additionalProperties is false"
                )),
                None => {
                    if schema["additionalProperties"].is_object() {
                        check(
                            doc,
                            &schema["additionalProperties"],
                            field,
                            &format!("{at}.{name}"),
                            errors,
                        );
                    }
                }
            }
        }
    }
    if let (Some(items), Some(schema)) = (value.as_array(), schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            check(doc, schema, item, &format!("{at}[{i}]"), errors);
        }
    }
}

struct Conformance {
    doc: Value,
    checked: BTreeSet<(String, String)>,
}

impl Conformance {
    /// Checks an answer of `method template` against the documented schema of its status.
    fn answer(&mut self, method: &Method, template: &str, response: &Response) {
        let method_key = method.as_str().to_lowercase();
        let operation = &self.doc["paths"][template][&method_key];
        assert!(
            !operation.is_null(),
            "{method} {template} is not documented"
        );
        let status = response.status.as_str();
        let mut documented = &operation["responses"][status];
        if let Some(reference) = documented["$ref"].as_str() {
            let name = reference
                .strip_prefix("#/components/responses/")
                .expect("local response reference");
            documented = &self.doc["components"]["responses"][name];
        }
        assert!(
            !documented.is_null(),
            "{method} {template} answered {status}, which the document does not list: {}",
            response.json
        );
        self.checked.insert((method_key, template.to_string()));
        let content = &documented["content"];
        if response.json.is_null() {
            assert!(
                content.is_null(),
                "{method} {template} {status}: body documented but none sent"
            );
            return;
        }
        let media = if status.starts_with('2') {
            "application/json"
        } else {
            "application/problem+json"
        };
        let schema = &content[media]["schema"];
        assert!(
            !schema.is_null(),
            "{method} {template} {status}: no {media} schema"
        );
        let mut errors = Vec::new();
        check(&self.doc, schema, &response.json, "$", &mut errors);
        assert!(
            errors.is_empty(),
            "{method} {template} {status} does not fit its documented schema:\n{}\n{}",
            errors.join("\n"),
            response.json
        );
    }
}

async fn admin_answers_fit_the_document(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let mut c = Conformance {
        doc: app
            .public(Method::GET, "/api/v1/openapi.json", None)
            .await
            .json,
        checked: BTreeSet::new(),
    };
    let id = |r: &Response| r.json["id"].as_str().expect("id").to_string();

    // Users.
    let body = json!({ "slug": "ana", "name": "Ana", "email": "ana@example.com", "timezone": "Europe/Berlin" });
    let user = app
        .admin(Method::POST, "/api/v1/users", Some(body.clone()))
        .await;
    c.answer(&Method::POST, "/api/v1/users", &user);
    let ana = id(&user);
    let item = format!("/api/v1/users/{ana}");
    c.answer(
        &Method::GET,
        "/api/v1/users",
        &app.admin(Method::GET, "/api/v1/users", None).await,
    );
    c.answer(
        &Method::GET,
        "/api/v1/users/{id}",
        &app.admin(Method::GET, &item, None).await,
    );
    c.answer(
        &Method::PUT,
        "/api/v1/users/{id}",
        &app.admin(Method::PUT, &item, Some(body.clone())).await,
    );
    let duplicate = app.admin(Method::POST, "/api/v1/users", Some(body)).await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    c.answer(&Method::POST, "/api/v1/users", &duplicate);
    let missing = app.admin(Method::GET, "/api/v1/users/nope", None).await;
    c.answer(&Method::GET, "/api/v1/users/{id}", &missing);
    let bo = app
        .admin(
            Method::POST,
            "/api/v1/users",
            Some(
                json!({ "slug": "bo", "name": "Bo", "email": "bo@example.com", "timezone": "UTC" }),
            ),
        )
        .await;
    c.answer(
        &Method::DELETE,
        "/api/v1/users/{id}",
        &app.admin(Method::DELETE, &format!("/api/v1/users/{}", id(&bo)), None)
            .await,
    );

    // Schedules.
    let body = json!({ "user_id": ana, "name": "Hours", "timezone": "Europe/Berlin", "weekly": office_hours(), "is_default": true,
        "overrides": [{ "date": "2026-06-03", "intervals": [["10:00", "12:00"]] }] });
    let schedule = app
        .admin(Method::POST, "/api/v1/schedules", Some(body.clone()))
        .await;
    c.answer(&Method::POST, "/api/v1/schedules", &schedule);
    let item = format!("/api/v1/schedules/{}", id(&schedule));
    c.answer(
        &Method::GET,
        "/api/v1/schedules",
        &app.admin(Method::GET, "/api/v1/schedules", None).await,
    );
    c.answer(
        &Method::GET,
        "/api/v1/schedules/{id}",
        &app.admin(Method::GET, &item, None).await,
    );
    c.answer(
        &Method::PUT,
        "/api/v1/schedules/{id}",
        &app.admin(Method::PUT, &item, Some(body)).await,
    );

    // Event types, with every optional part filled in.
    let body = json!({
        "owner_id": ana, "slug": "intro", "title": "Intro", "kind": "one_on_one", "duration_minutes": 30,
        "slot_interval_minutes": 15, "min_notice_minutes": 60, "max_days_ahead": 30, "daily_limit": 4,
        "timezone": "Europe/Berlin", "location": { "kind": "video", "url": "https://meet.example.com/x" },
        "questions": [{ "id": "size", "label": "Size", "kind": "select", "options": ["S", "M"] }],
        "requires_approval": true
    });
    let event_type = app
        .admin(Method::POST, "/api/v1/event-types", Some(body.clone()))
        .await;
    c.answer(&Method::POST, "/api/v1/event-types", &event_type);
    let event_type_id = id(&event_type);
    let item = format!("/api/v1/event-types/{event_type_id}");
    c.answer(
        &Method::GET,
        "/api/v1/event-types",
        &app.admin(Method::GET, "/api/v1/event-types", None).await,
    );
    c.answer(
        &Method::GET,
        "/api/v1/event-types/{id}",
        &app.admin(Method::GET, &item, None).await,
    );
    c.answer(
        &Method::PUT,
        "/api/v1/event-types/{id}",
        &app.admin(Method::PUT, &item, Some(body)).await,
    );
    let invalid = app
        .admin(Method::PUT, &item, Some(json!({ "owner_id": ana, "slug": "intro", "title": "", "kind": "one_on_one", "duration_minutes": 30 })))
        .await;
    c.answer(&Method::PUT, "/api/v1/event-types/{id}", &invalid);
    c.answer(
        &Method::GET,
        "/api/v1/event-types/{id}/explain",
        &app.admin(
            Method::GET,
            &format!("{item}/explain?start=2026-06-01T08:00:00Z"),
            None,
        )
        .await,
    );

    c.answer(
        &Method::GET,
        "/api/v1/event-types/{id}/suggested-times",
        &app.admin(
            Method::GET,
            &format!("{item}/suggested-times?timezone=UTC"),
            None,
        )
        .await,
    );
    c.answer(
        &Method::GET,
        "/api/v1/event-types/{id}/suggested-times",
        &app.admin(
            Method::GET,
            &format!("{item}/suggested-times?timezone=UTC&count=0"),
            None,
        )
        .await,
    );
    c.answer(
        &Method::GET,
        "/api/v1/users/{id}/signature",
        &app.admin(Method::GET, &format!("/api/v1/users/{ana}/signature"), None)
            .await,
    );

    let team = app
        .admin(
            Method::POST,
            "/api/v1/teams",
            Some(json!({ "slug": "sales", "name": "Sales" })),
        )
        .await;
    c.answer(&Method::POST, "/api/v1/teams", &team);
    c.answer(
        &Method::GET,
        "/api/v1/teams",
        &app.admin(Method::GET, "/api/v1/teams", None).await,
    );
    c.answer(
        &Method::GET,
        "/api/v1/public/team/{team}",
        &app.public(Method::GET, "/api/v1/public/team/sales", None)
            .await,
    );
    // Slot holds: taken, refused, released, gone.
    let holds = "/api/v1/public/{user}/{event}/holds";
    let body = json!({ "start": "2026-06-01T08:00:00Z" });
    let hold = app
        .public(
            Method::POST,
            "/api/v1/public/ana/intro/holds",
            Some(body.clone()),
        )
        .await;
    assert_eq!(hold.status, StatusCode::CREATED, "{}", hold.json);
    c.answer(&Method::POST, holds, &hold);
    let taken = app
        .public(Method::POST, "/api/v1/public/ana/intro/holds", Some(body))
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.json);
    c.answer(&Method::POST, holds, &taken);
    let off_grid = app
        .public(
            Method::POST,
            "/api/v1/public/ana/intro/holds",
            Some(json!({ "start": "2026-06-01T08:05:00Z" })),
        )
        .await;
    c.answer(&Method::POST, holds, &off_grid);
    let release = format!(
        "/api/v1/public/holds/{}",
        hold.json["hold"].as_str().expect("hold")
    );
    for status in [StatusCode::NO_CONTENT, StatusCode::NOT_FOUND] {
        let released = app.public(Method::DELETE, &release, None).await;
        assert_eq!(released.status, status, "{}", released.json);
        c.answer(&Method::DELETE, "/api/v1/public/holds/{hold}", &released);
    }

    // Busy blocks, a duplicate among them.
    let body = json!({ "user_id": ana, "start": "2026-06-01T10:00:00Z", "end": "2026-06-01T11:00:00Z",
        "source": "import", "external_id": "evt-1" });
    let block = app
        .admin(Method::POST, "/api/v1/busy-blocks", Some(body.clone()))
        .await;
    c.answer(&Method::POST, "/api/v1/busy-blocks", &block);
    let again = app
        .admin(Method::POST, "/api/v1/busy-blocks", Some(body))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.json);
    c.answer(&Method::POST, "/api/v1/busy-blocks", &again);
    c.answer(
        &Method::GET,
        "/api/v1/busy-blocks",
        &app.admin(Method::GET, "/api/v1/busy-blocks", None).await,
    );
    c.answer(
        &Method::DELETE,
        "/api/v1/busy-blocks/{id}",
        &app.admin(
            Method::DELETE,
            &format!("/api/v1/busy-blocks/{}", id(&block)),
            None,
        )
        .await,
    );

    // Links.
    let link = app
        .admin(
            Method::POST,
            "/api/v1/links",
            Some(json!({ "event_type_id": event_type_id, "times": ["2026-06-01T19:00:00Z"] })),
        )
        .await;
    c.answer(&Method::POST, "/api/v1/links", &link);
    c.answer(
        &Method::GET,
        "/api/v1/links",
        &app.admin(Method::GET, "/api/v1/links", None).await,
    );
    c.answer(
        &Method::DELETE,
        "/api/v1/links/{link}",
        &app.admin(
            Method::DELETE,
            &format!("/api/v1/links/{}", id(&link)),
            None,
        )
        .await,
    );

    // Deleting: the event type (204, or 409 while its link holds it), then the schedule.
    let deleted = app.admin(Method::DELETE, &item, None).await;
    assert!(
        matches!(
            deleted.status,
            StatusCode::NO_CONTENT | StatusCode::CONFLICT
        ),
        "{}",
        deleted.json
    );
    c.answer(&Method::DELETE, "/api/v1/event-types/{id}", &deleted);
    let deleted = app
        .admin(
            Method::DELETE,
            &format!("/api/v1/schedules/{}", id(&schedule)),
            None,
        )
        .await;
    c.answer(&Method::DELETE, "/api/v1/schedules/{id}", &deleted);

    // Without a key: the 401 every admin operation documents.
    for (method, uri, template) in [
        (Method::GET, "/api/v1/users".to_string(), "/api/v1/users"),
        (
            Method::POST,
            "/api/v1/busy-blocks".to_string(),
            "/api/v1/busy-blocks",
        ),
        (
            Method::GET,
            format!("/api/v1/event-types/{event_type_id}"),
            "/api/v1/event-types/{id}",
        ),
    ] {
        let anonymous = app.send(method.clone(), &uri, Some(&json!({})), &[]).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
        c.answer(&method, template, &anonymous);
    }

    // Walk the document: every operation on these resources was called.
    let crud = [
        "/api/v1/users",
        "/api/v1/schedules",
        "/api/v1/event-types",
        "/api/v1/busy-blocks",
    ];
    let mut missed = Vec::new();
    for (template, item) in c.doc["paths"].as_object().expect("paths") {
        let resource = crud.iter().any(|prefix| {
            template == prefix
                || template
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest == "/{id}")
        });
        for (method, operation) in item.as_object().into_iter().flatten() {
            let secured = operation["security"]
                .as_array()
                .is_some_and(|s| !s.is_empty());
            if secured && operation["responses"]["401"].is_null() {
                missed.push(format!("{method} {template}: 401 undocumented"));
            }
            if resource && !c.checked.contains(&(method.clone(), template.clone())) {
                missed.push(format!("{method} {template}: not called"));
            }
        }
    }
    assert!(missed.is_empty(), "{missed:#?}");
}

on_both!(admin_answers_fit_the_document);
