//! The OpenAPI document, assembled from the route table and the handlers'
//! annotations.

use super::error::Problem;
use serde_json::{Map, Value, json};
use std::sync::LazyLock;
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

/// What the document says besides its operations, which come from the
/// route table (`http::routes`).
#[derive(OpenApi)]
#[openapi(
    info(title = "Kairos API", description = "Scheduling with exact availability."),
    modifiers(&ApiKeyAuth),
    // The body of every problem answer (see `problem_bodies`).
    components(schemas(Problem)),
    tags(
        (name = "admin", description = "Needs an API key: Authorization: Bearer <key>"),
        (name = "public", description = "Booking pages: no key"),
        (name = "manage", description = "An invitee's own booking, with the token from its manage link"),
        (name = "polls", description = "Meeting polls: the host (API key) and participants (personal tokens)"),
        (name = "calendars", description = "Hosts' calendar connections (Google, Microsoft, CalDAV): needs an API key"),
        (name = "workflows", description = "Messages sent when something happens to a booking (emails, text messages, surveys) and what each sent: needs an API key"),
    )
)]
struct ApiDoc;

/// The OpenAPI document as served: the route table's operations, with
/// corrections utoipa's annotations cannot express (see
/// [`own_response_schemas`], [`problem_bodies`] and
/// [`document_common_problems`]).
pub fn document() -> Value {
    static DOCUMENT: LazyLock<Value> = LazyLock::new(build);
    DOCUMENT.clone()
}

fn build() -> Value {
    let routes = super::routes::table();
    let mut openapi = ApiDoc::openapi();
    openapi.paths = routes.paths;
    openapi
        .components
        .get_or_insert_with(Default::default)
        .schemas
        .extend(routes.schemas);
    let mut document = serde_json::to_value(openapi).unwrap_or_else(|error| {
        tracing::error!(%error, "cannot serialize the OpenAPI document");
        Value::Null
    });
    own_response_schemas(&mut document);
    problem_bodies(&mut document);
    document_common_problems(&mut document);
    document
}

/// Every failure answers a problem document (`http::error`), so an
/// annotation gives a 4xx or 5xx answer its status and description only;
/// the body is declared here, once.
fn problem_bodies(document: &mut Value) {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let operations = paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut());
    for operation in operations {
        let Some(responses) = operation
            .get_mut("responses")
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        for (status, response) in responses.iter_mut() {
            let failure = status.starts_with('4') || status.starts_with('5');
            if let Some(response) = response.as_object_mut()
                && failure
                && !response.contains_key("content")
                && !response.contains_key("$ref")
            {
                response.insert("content".to_string(), problem_content());
            }
        }
    }
}

fn problem_content() -> Value {
    json!({ "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } })
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
                "content": problem_content(),
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

/// `GET /api/v1/openapi.json`.
pub async fn serve() -> axum::Json<Value> {
    axum::Json(document())
}
