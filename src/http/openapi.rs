//! The OpenAPI document, assembled from the handlers' annotations.

use super::api::{admin, availability, connections, keys, links, manage, polls, public};
use serde_json::{Map, Value, json};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct ApiKeyAuth;

impl Modify for ApiKeyAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Kairos API", description = "Scheduling with exact availability."),
    modifiers(&ApiKeyAuth),
    paths(
        admin::create_user, admin::list_users, admin::get_user, admin::update_user, admin::delete_user,
        admin::create_schedule, admin::list_schedules, admin::get_schedule, admin::update_schedule, admin::delete_schedule,
        admin::create_event_type, admin::list_event_types, admin::get_event_type, admin::update_event_type, admin::delete_event_type,
        admin::fairness, admin::explain, admin::create_busy_block, admin::list_busy_blocks, admin::delete_busy_block, admin::list_bookings, admin::get_booking,
        admin::approve, admin::reject, admin::cancel, admin::no_show, admin::complete,
        keys::list, keys::create, keys::revoke,
        availability::slots, availability::explain,
        public::event_type, public::slots, public::book,
        manage::view, manage::cancel, manage::reschedule,
        links::create, links::list, links::revoke, links::show, links::slots, links::book,
        polls::create, polls::detail, polls::finalize, polls::close, polls::mine, polls::vote, polls::join,
        connections::list, connections::connect_caldav, connections::start_oauth, connections::get,
        connections::choose, connections::sync_now, connections::disconnect,
        connections::effects, connections::retry_effect,
    ),
    tags(
        (name = "admin", description = "Needs an API key: Authorization: Bearer <key>"),
        (name = "public", description = "Booking pages: no key"),
        (name = "manage", description = "An invitee's own booking, with the token from its manage link"),
        (name = "polls", description = "Meeting polls: the host (API key) and participants (personal tokens)"),
        (name = "calendars", description = "Hosts' calendar connections (Google, Microsoft, CalDAV): needs an API key"),
    )
)]
struct ApiDoc;

/// The OpenAPI document as served, with two corrections utoipa's
/// annotations cannot express (see [`own_response_schemas`] and
/// [`document_common_problems`]).
pub fn document() -> Value {
    let mut document = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    own_response_schemas(&mut document);
    document_common_problems(&mut document);
    document
}

/// A stored resource is its input plus server fields (`#[serde(flatten)]`),
/// which utoipa writes as `allOf: [$ref Input, {id, …}]`. Inputs refuse
/// unknown fields (`additionalProperties: false`), and under `allOf` every
/// part applies to the whole object, so a validator would refuse every real
/// answer for its `id`. Each such schema becomes one object of its own: the
/// input's properties and the server's, required fields of both, and no
/// `additionalProperties: false`.
fn own_response_schemas(document: &mut Value) {
    let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let inputs: Map<String, Value> = schemas.clone();
    for schema in schemas.values_mut() {
        let Some(parts) = schema.get("allOf").and_then(Value::as_array) else {
            continue;
        };
        let resolved: Vec<&Value> = parts
            .iter()
            .map(|part| match part.get("$ref").and_then(Value::as_str) {
                Some(reference) => reference
                    .strip_prefix("#/components/schemas/")
                    .and_then(|name| inputs.get(name))
                    .unwrap_or(part),
                None => part,
            })
            .collect();
        let closed = |part: &&Value| part.get("additionalProperties") == Some(&Value::Bool(false));
        let plain = |part: &&Value| part.get("properties").is_some() && part.get("allOf").is_none();
        if !resolved.iter().any(closed) || !resolved.iter().all(plain) {
            continue;
        }
        let mut properties = Map::new();
        let mut required: Vec<Value> = Vec::new();
        for part in &resolved {
            if let Some(props) = part.get("properties").and_then(Value::as_object) {
                properties.extend(props.clone());
            }
            for name in part
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if !required.contains(name) {
                    required.push(name.clone());
                }
            }
        }
        let mut merged = Map::new();
        merged.insert("type".to_string(), json!("object"));
        if let Some(description) = schema.get("description") {
            merged.insert("description".to_string(), description.clone());
        }
        merged.insert("required".to_string(), Value::Array(required));
        merged.insert("properties".to_string(), Value::Object(properties));
        *schema = Value::Object(merged);
    }
}

/// Answers every operation of a kind can give, documented once here rather
/// than on each annotation: 401 where an API key is needed, 400 (malformed
/// JSON) and 422 where a body is read, 422 where query parameters are read,
/// 404 where the path names something (which may not exist).
/// Each refers to a shared response under `components/responses`.
fn document_common_problems(document: &mut Value) {
    let shared = [
        ("MalformedJson", "Malformed JSON"),
        ("Unauthorized", "No API key, or an unknown one"),
        ("InvalidField", "Invalid field"),
        ("NotFound", "Not found"),
    ];
    if let Some(components) = document
        .get_mut("components")
        .and_then(Value::as_object_mut)
    {
        let responses = components.entry("responses").or_insert_with(|| json!({}));
        for (name, description) in shared {
            responses[name] = json!({
                "description": description,
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
            });
        }
    }
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for operation in item.values_mut() {
            let secured = operation
                .get("security")
                .and_then(Value::as_array)
                .is_some_and(|s| s.iter().any(|r| r.get("api_key").is_some()));
            let has_body = operation.get("requestBody").is_some();
            let parameters_in = |place: &str| {
                operation
                    .get("parameters")
                    .and_then(Value::as_array)
                    .is_some_and(|p| p.iter().any(|p| p["in"] == place))
            };
            let (has_query, has_path) = (parameters_in("query"), parameters_in("path"));
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            let mut add = |status: &str, name: &str| {
                responses
                    .entry(status.to_string())
                    .or_insert_with(|| json!({ "$ref": format!("#/components/responses/{name}") }));
            };
            if has_body {
                add("400", "MalformedJson");
            }
            if secured {
                add("401", "Unauthorized");
            }
            if has_path {
                add("404", "NotFound");
            }
            if has_body || has_query {
                add("422", "InvalidField");
            }
            // Sorted by status, as the annotations list them.
            let mut sorted: Vec<(String, Value)> = std::mem::take(responses).into_iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            responses.extend(sorted);
        }
    }
}
