//! What Kairos sends Google and Microsoft, and the fixtures the fakes serve,
//! checked against the providers' published schemas: Google's discovery
//! document of Calendar API v3 (`fixtures/google/discovery-calendar-v3.json`)
//! and the Graph v1.0 entities Kairos uses
//! (`fixtures/microsoft/graph-v1-properties.json`). A property the schema
//! does not know, or a value of another type, fails: the fakes accept what
//! the references accept, and no more.

use crate::fakes::{google::GoogleFake, microsoft::GraphFake};
use crate::helpers::Backend;
use crate::sync_support::{book, cancel, connect, effects, host, reschedule, served_app, sync};
use serde_json::{Value, json};

fn document(path: &str) -> Value {
    let path = format!("{}/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("schema")).expect("JSON")
}

/// `schema`, with a `$ref` followed into the document's schemas.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(name) => &doc["schemas"][name],
        None => schema,
    }
}

/// Every way `value` departs from `schema`, as `path: what`.
fn check(doc: &Value, schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    let mut fail = |what: String| errors.push(format!("{path}: {what}"));
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        fail(format!("{value} is not one of {allowed:?}"));
    }
    match schema["type"].as_str() {
        Some("string") if !value.is_string() => fail(format!("{value} is not a string")),
        Some("boolean") if !value.is_boolean() => fail(format!("{value} is not a boolean")),
        Some("integer" | "number") if !value.is_number() => {
            fail(format!("{value} is not a number"));
        }
        Some("array") => match value.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    check(doc, &schema["items"], item, &format!("{path}[{i}]"), errors);
                }
            }
            None => fail(format!("{value} is not an array")),
        },
        Some("object") | None => {
            let (properties, more) = (&schema["properties"], &schema["additionalProperties"]);
            if properties.is_null() && more.is_null() {
                return; // free-form
            }
            let Some(fields) = value.as_object() else {
                fail(format!("{value} is not an object"));
                return;
            };
            for (key, inner) in fields {
                let inner_path = format!("{path}.{key}");
                if let Some(known) = properties.get(key) {
                    check(doc, known, inner, &inner_path, errors);
                } else if !more.is_null() {
                    check(doc, more, inner, &inner_path, errors);
                } else {
                    errors.push(format!("{inner_path}: not a property of the schema"));
                }
            }
        }
        _ => {}
    }
}

fn conforms(doc: &Value, schema: &str, value: &Value, what: &str) -> Vec<String> {
    let mut errors = Vec::new();
    check(
        doc,
        &json!({ "$ref": schema }),
        value,
        &format!("{what} ({schema})"),
        &mut errors,
    );
    errors
}

#[test]
fn the_checker_refuses_what_the_schema_does_not_say() {
    let doc = document("google/discovery-calendar-v3.json");
    let good = json!({ "summary": "x", "start": { "dateTime": "2026-06-01T08:00:00Z" },
        "attendees": [{ "email": "a@example.com" }], "extendedProperties": { "private": { "k": "v" } } });
    assert!(conforms(&doc, "Event", &good, "good").is_empty());
    let bad = json!({ "summry": "x", "start": { "dateTime": 5 }, "attendees": {} });
    assert_eq!(conforms(&doc, "Event", &bad, "bad").len(), 3);
}

/// A booking made, moved to `to` and cancelled, and push opened, through `app`.
async fn book_move_cancel(app: &crate::helpers::App, to: &str) {
    kairos::sync::push::renew_due(&app.context)
        .await
        .expect("push");
    let (uid, token) = book(app, "2026-06-01T08:00:00Z", "pat@example.com").await;
    effects(app).await;
    let (uid, token) = reschedule(app, &uid, &token, to).await;
    cancel(app, &uid, &token).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn google_requests_and_fixtures_follow_the_discovery_document() {
    let doc = document("google/discovery-calendar-v3.json");
    let mut errors = Vec::new();
    for event in crate::fakes::fixture("google", "events_primary.json") {
        errors.extend(conforms(&doc, "Event", &event, "fixture event"));
    }
    for entry in crate::fakes::fixture("google", "calendar_list.json") {
        errors.extend(conforms(
            &doc,
            "CalendarListEntry",
            &entry,
            "fixture calendar",
        ));
    }

    let fake = GoogleFake::start().await;
    let settings = fake.settings();
    let Some((app, _base)) = served_app(Backend::Sqlite, |p| p.google = settings).await else {
        return;
    };
    let ana = host(&app).await;
    connect(&app, &ana, "google").await;
    sync(&app).await;
    book_move_cancel(&app, "2026-06-02T09:00:00Z").await;
    let received = fake.world.lock().expect("world").received.clone();
    let kinds: Vec<&str> = received.iter().map(|(schema, _)| *schema).collect();
    assert!(
        kinds.contains(&"Event") && kinds.contains(&"Channel"),
        "{kinds:?}"
    );
    for (schema, body) in &received {
        errors.extend(conforms(&doc, schema, body, "sent"));
    }
    assert!(errors.is_empty(), "{errors:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn graph_requests_and_fixtures_follow_the_v1_metadata() {
    let doc = document("microsoft/graph-v1-properties.json");
    let mut errors = Vec::new();
    for event in crate::fakes::fixture("microsoft", "events_default.json") {
        errors.extend(conforms(&doc, "event", &event, "fixture event"));
    }
    for calendar in crate::fakes::fixture("microsoft", "calendars.json") {
        errors.extend(conforms(&doc, "calendar", &calendar, "fixture calendar"));
    }

    let fake = GraphFake::start().await;
    let settings = fake.settings();
    let Some((app, _base)) = served_app(Backend::Sqlite, |p| p.microsoft = settings).await else {
        return;
    };
    let ana = host(&app).await;
    connect(&app, &ana, "microsoft").await;
    sync(&app).await;
    book_move_cancel(&app, "2026-06-01T14:00:00Z").await;
    let received = fake.world.lock().expect("world").received.clone();
    let kinds: Vec<&str> = received.iter().map(|(schema, _)| *schema).collect();
    assert!(
        kinds.contains(&"event") && kinds.contains(&"subscription"),
        "{kinds:?}"
    );
    for (schema, body) in &received {
        errors.extend(conforms(&doc, schema, body, "sent"));
    }
    assert!(errors.is_empty(), "{errors:#?}");
}
