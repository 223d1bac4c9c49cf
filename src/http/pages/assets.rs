//! The pages' stylesheet and script, compiled into the binary and served
//! under a URL that names their content's hash: cached for a year, and a
//! new build's pages ask for the new files.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

pub const CSS: &str = include_str!("assets/pages.css");
pub const JS: &str = include_str!("assets/pages.js");

/// The first 10 hex digits of the assets' hash.
static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut hash = Sha256::new();
    hash.update(CSS.as_bytes());
    hash.update(JS.as_bytes());
    hex::encode(hash.finalize())[..10].to_string()
});

static CSS_NAME: LazyLock<String> = LazyLock::new(|| format!("pages.{}.css", *VERSION));
static JS_NAME: LazyLock<String> = LazyLock::new(|| format!("pages.{}.js", *VERSION));

pub fn css_url() -> String {
    format!("/assets/{}", *CSS_NAME)
}

pub fn js_url() -> String {
    format!("/assets/{}", *JS_NAME)
}

/// GET /assets/{file}: only the current version's names (an old page asking
/// for last build's file gets a 404, not this build's file under a name
/// that caches would keep for a year).
pub async fn serve(Path(file): Path<String>) -> Response {
    let (body, kind) = if file == *CSS_NAME {
        (CSS, "text/css; charset=utf-8")
    } else if file == *JS_NAME {
        (JS, "text/javascript; charset=utf-8")
    } else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}
