//! What the page tests share: fetching a page or posting a form through the
//! router, and reading the answer as HTML.

use crate::helpers::{App, Response, send};
use axum::http::Method;
use serde_json::Value;

pub const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

/// GET `uri` with extra `headers`: the answer and its body as text.
pub async fn get(app: &App, uri: &str, headers: &[(&str, &str)]) -> (Response, String) {
    let response = app.send(Method::GET, uri, None, headers).await;
    let html = text(&response);
    (response, html)
}

/// POST a urlencoded `form` to `uri`: the answer and its body as text.
pub async fn post_form(app: &App, uri: &str, form: &str) -> (Response, String) {
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

/// The body as text (the helpers keep a non-JSON body as a JSON string).
pub fn text(response: &Response) -> String {
    match &response.json {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Where a redirect points.
pub fn location(response: &Response) -> String {
    response
        .headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_string()
}

pub fn content_type(response: &Response) -> String {
    response
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}
