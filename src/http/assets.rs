//! The scripts other sites include: `embed/` at `/embed/*` and `widgets/` at
//! `/widgets/*`, compiled into the binary (building Kairos needs no Node).
//!
//! They are loaded from customers' pages under stable URLs, so they are
//! cached briefly and revalidated by `ETag` (a 304 costs nothing); a URL
//! carrying `?v=<etag>` is that exact content, cached for a year. Module
//! scripts loaded from another site are fetched in CORS mode, hence
//! `Access-Control-Allow-Origin: *` (they hold nothing secret).

use crate::app::App;
use axum::Router;
use axum::extract::RawQuery;
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const SHORT: &str = "public, max-age=300";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// One file served at `path`.
pub struct Asset {
    pub path: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

macro_rules! asset {
    ($path:literal, $file:literal) => {
        Asset {
            path: $path,
            content_type: JAVASCRIPT,
            body: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $file)),
        }
    };
}

/// Every file served, with its URL.
pub static ASSETS: &[Asset] = &[
    asset!("/embed/embed.js", "embed/embed.js"),
    asset!("/embed/frame.js", "embed/frame.js"),
    asset!("/widgets/kairos-booking.js", "widgets/kairos-booking.js"),
    asset!("/widgets/api.js", "widgets/api.js"),
    asset!("/widgets/time.js", "widgets/time.js"),
    asset!("/widgets/form.js", "widgets/form.js"),
    asset!("/widgets/styles.js", "widgets/styles.js"),
];

/// Each asset's entity tag: the first 16 hex digits of its SHA-256, quoted.
static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| {
            let digest = Sha256::digest(asset.body);
            let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
            format!("\"{hex}\"")
        })
        .collect()
});

/// The version an asset's URL may carry (`?v=`), for pages that link it
/// with a long cache: the entity tag without quotes.
pub fn version(path: &str) -> Option<&'static str> {
    let index = ASSETS.iter().position(|a| a.path == path)?;
    Some(ETAGS[index].trim_matches('"'))
}

pub fn routes() -> Router<App> {
    ASSETS
        .iter()
        .enumerate()
        .fold(Router::new(), |router, (index, asset)| {
            router.route(
                asset.path,
                get(move |headers: HeaderMap, query: RawQuery| serve(index, headers, query)),
            )
        })
}

async fn serve(index: usize, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let asset = &ASSETS[index];
    let etag = ETAGS[index].as_str();
    let versioned = query.as_deref().is_some_and(|q| {
        q.split('&')
            .any(|pair| pair.strip_prefix("v=") == Some(etag.trim_matches('"')))
    });
    let cache = if versioned { IMMUTABLE } else { SHORT };
    let common = [
        (CACHE_CONTROL, HeaderValue::from_static(cache)),
        (
            ETAG,
            HeaderValue::from_str(etag).unwrap_or(HeaderValue::from_static("\"0\"")),
        ),
        (ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")),
        (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (
            HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("cross-origin"),
        ),
    ];
    let fresh = headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|tag| tag.trim() == "*" || tag.trim().trim_start_matches("W/") == etag)
        });
    if fresh {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (
        common,
        [(CONTENT_TYPE, HeaderValue::from_static(asset.content_type))],
        asset.body,
    )
        .into_response()
}
