//! Extractors: JSON bodies with field-naming errors, query strings likewise,
//! and the admin's API key (checked by a layer over the admin routes).

use super::error::ApiError;
use crate::app::App;
use crate::domain::hash_secret;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use serde::de::DeserializeOwned;

/// A JSON body. Malformed JSON is a 400; JSON that does not fit the type is a
/// 422 naming the field (`invitee.email`), unlike axum's `Json`.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let RawBody(bytes) = RawBody::from_request(request, state).await?;
        parse_json(&bytes).map(Body)
    }
}

/// The body's bytes, with a problem+json answer when they cannot be read
/// (over the size limit: 413), unlike axum's plain-text rejection.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        Bytes::from_request(request, state)
            .await
            .map(RawBody)
            .map_err(body_rejection)
    }
}

pub(crate) fn body_rejection(error: axum::extract::rejection::BytesRejection) -> ApiError {
    let status = error.status();
    if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(status, "the request body is larger than the 2 MB limit")
    } else {
        ApiError::new(
            status,
            format!("the request body could not be read: {}", error.body_text()),
        )
    }
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if let Err(error) = serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
        return Err(ApiError::bad_request(format!("malformed JSON: {error}")));
    }
    // Every request body of this API is an object; serde would also take a
    // struct as a list of its fields in order, which only confuses.
    let found = match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => None,
        Some(b'[') => Some("a list"),
        Some(b'"') => Some("a string"),
        Some(b't' | b'f') => Some("true or false"),
        Some(b'n') => Some("null"),
        _ => Some("a number"),
    };
    if let Some(found) = found {
        return Err(ApiError::invalid(
            "",
            format!("must be an object, not {found}"),
        ));
    }
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(deserializer).map_err(field_error)
}

/// A query string, with the same field-naming errors (422).
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(Query)
            .map_err(field_error)
    }
}

/// The caller of an admin endpoint: an API key of one organization.
#[derive(Debug, Clone)]
pub struct Admin {
    pub organization_id: String,
    pub key_id: String,
}

impl Admin {
    pub fn actor(&self) -> String {
        format!("admin:{}", self.key_id)
    }
}

/// Handlers of the admin routes take the caller from here. It only reads
/// what [`require_api_key`] left in the request: the key is checked by the
/// admin group's layer, not by each handler, so a handler cannot forget it.
impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        // Absent only if a handler taking `Admin` was registered outside the
        // admin group: refuse rather than serve it unauthenticated.
        parts.extensions.get::<Admin>().cloned().ok_or_else(|| {
            ApiError::internal("an admin handler is registered outside the admin routes")
        })
    }
}

/// Middleware of the admin routes: a known, unrevoked API key, or 401.
/// The caller is left in the request's extensions for [`Admin`].
pub async fn require_api_key(
    State(state): State<App>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let admin = authenticate(request.headers(), &state).await?;
    request.extensions_mut().insert(admin);
    Ok(next.run(request).await)
}

async fn authenticate(headers: &HeaderMap, state: &App) -> Result<Admin, ApiError> {
    let header = headers
        .get(AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("send an API key: Authorization: Bearer <key>"))?;
    let key = header
        .to_str()
        .ok()
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| ApiError::unauthorized("the Authorization header must be `Bearer <key>`"))?;
    let owner = state
        .store
        .api_key(&hash_secret(key))
        .await?
        .ok_or_else(|| ApiError::unauthorized("unknown API key"))?;
    if owner.revoked {
        return Err(ApiError::unauthorized("this API key was revoked"));
    }
    // Last use to the minute: one write a minute per key, not one per request.
    let now = state.now();
    let now = chrono::DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now);
    let since = now - chrono::Duration::seconds(LAST_USED_RESOLUTION_SECONDS);
    if owner.last_used_at.is_none_or(|at| at < since)
        && let Err(error) = state.store.touch_api_key(&owner.key_id, now, since).await
    {
        tracing::warn!(%error, "cannot record an API key's last use");
    }
    Ok(Admin {
        organization_id: owner.organization_id,
        key_id: owner.key_id,
    })
}

/// How stale an API key's `last_used_at` may be.
pub const LAST_USED_RESOLUTION_SECONDS: i64 = 60;

/// serde_json ends messages with " at line L column C"; with the field named,
/// the position only depends on how the client laid out its JSON.
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) if message[at..].contains(" column ") => message[..at].to_string(),
        _ => message.to_string(),
    }
}

/// A form body (`application/x-www-form-urlencoded`) into `T`, naming the field at fault.
pub fn parse_form<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(bytes));
    serde_path_to_error::deserialize(deserializer).map_err(field_error)
}

/// A deserialization error as a 422 naming the field in plain words. serde
/// reports a missing field at its parent (path `.` or `invitee`) and names
/// the field only in its message; its messages also name Rust types
/// ("expected struct BookingRequest"), which mean nothing to a client.
fn field_error<E: std::fmt::Display>(error: serde_path_to_error::Error<E>) -> ApiError {
    let path = error.path().to_string();
    let message = without_position(&error.into_inner().to_string());
    let join = |name: &str| {
        if path == "." || path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    if let Some(name) = backticked(&message, "missing field ") {
        return ApiError::invalid(join(name), "is required");
    }
    let field = if path == "." {
        String::new()
    } else {
        path.clone()
    };
    ApiError::invalid(field, plain_message(&message))
}

/// The name in "missing field `start`".
fn backticked<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    message
        .strip_prefix(prefix)?
        .strip_prefix('`')?
        .split_once('`')
        .map(|(name, _)| name)
}

/// serde's messages with Rust's words for what was expected replaced by JSON's.
pub(crate) fn plain_message(message: &str) -> String {
    // "invalid type: string \"x\", expected struct Invitee" → "must be an object, not the string \"x\""
    if let Some((found, expected)) = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
        .and_then(|rest| rest.split_once(", expected "))
    {
        return without_rust_paths(&format!(
            "must be {}, not {}",
            plain_expectation(expected),
            plain_found(found)
        ));
    }
    let Some(at) = message.find("expected ") else {
        return without_rust_paths(message);
    };
    let (head, expected) = message.split_at(at + "expected ".len());
    let plain = plain_expectation(expected);
    without_rust_paths(&format!("{head}{plain}"))
}

/// serde's description of what it found ("integer `5`", "map") in JSON's words.
fn plain_found(found: &str) -> String {
    let quoted = |prefix: &str| {
        found
            .strip_prefix(prefix)
            .map(|rest| rest.trim_matches('`').to_string())
    };
    match found {
        "map" => "an object".to_string(),
        "sequence" => "a list".to_string(),
        "unit value" | "null" => "null".to_string(),
        _ => {
            if let Some(number) = quoted("integer ").or_else(|| quoted("floating point ")) {
                format!("the number {number}")
            } else if let Some(value) = quoted("boolean ") {
                value
            } else if found.starts_with("string ") {
                format!("the {found}")
            } else {
                found.to_string()
            }
        }
    }
}

fn plain_expectation(expected: &str) -> String {
    if let Some(size) = expected
        .strip_prefix("a tuple of size ")
        .or_else(|| expected.strip_prefix("tuple of size "))
    {
        return format!("a list of {size} items");
    }
    let word = |prefix: &str| expected.starts_with(prefix);
    let described = if word("struct ") || word("struct variant ") || word("a map") || word("map") {
        "an object"
    } else if word("internally tagged enum") || word("adjacently tagged enum") {
        "an object with a `kind`"
    } else if word("enum ") || word("variant identifier") {
        "one of the allowed values"
    } else if word("tuple struct ") || word("unit struct ") || word("newtype struct ") {
        "a value of another shape"
    } else if word("a sequence") || word("sequence") {
        "a list"
    } else if ["u8", "u16", "u32", "u64", "usize"].contains(&expected) {
        "a whole number, zero or more"
    } else if ["i8", "i16", "i32", "i64", "isize"].contains(&expected) {
        "a whole number"
    } else if expected == "f32" || expected == "f64" {
        "a number"
    } else if word("a borrowed string") || word("a string") || word("string") {
        "a string"
    } else if word("a boolean") || word("bool") {
        "true or false"
    } else {
        return expected.to_string();
    };
    described.to_string()
}

/// Drops module paths (`kairos::domain::Kind` → `Kind`) a message may carry.
fn without_rust_paths(message: &str) -> String {
    message
        .split(' ')
        .map(|word| match word.rfind("::") {
            Some(at) => {
                let lead = word.len()
                    - word
                        .trim_start_matches(|c: char| !c.is_alphanumeric())
                        .len();
                format!("{}{}", &word[..lead], &word[at + 2..])
            }
            None => word.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::{Admin, plain_message};
    use axum::extract::FromRequestParts;

    /// A handler taking `Admin` outside the admin group fails closed.
    #[tokio::test]
    async fn admin_is_only_what_the_layer_left() {
        let (mut parts, ()) = axum::http::Request::new(()).into_parts();
        let refused = Admin::from_request_parts(&mut parts, &()).await;
        assert_eq!(
            refused.map(|a| a.key_id).map_err(|e| e.status()),
            Err(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
        );
        let admin = Admin {
            organization_id: "org".to_string(),
            key_id: "key".to_string(),
        };
        parts.extensions.insert(admin);
        let found = Admin::from_request_parts(&mut parts, &()).await;
        assert_eq!(found.map(|a| a.actor()).ok(), Some("admin:key".to_string()));
    }

    #[test]
    fn messages_speak_json_not_rust() {
        for (serde, plain) in [
            (
                "invalid type: map, expected a string",
                "must be a string, not an object",
            ),
            (
                "invalid type: string \"x\", expected struct Invitee",
                "must be an object, not the string \"x\"",
            ),
            (
                "invalid type: sequence, expected struct BookingRequest",
                "must be an object, not a list",
            ),
            (
                "invalid value: integer `-1`, expected u32",
                "must be a whole number, zero or more, not the number -1",
            ),
            (
                "invalid type: boolean `true`, expected i32",
                "must be a whole number, not true",
            ),
            (
                "invalid length 1, expected a tuple of size 2",
                "invalid length 1, expected a list of 2 items",
            ),
            (
                "invalid type: null, expected internally tagged enum Location",
                "must be an object with a `kind`, not null",
            ),
            (
                "unknown variant `weird`, expected one of `one_on_one`, `group`",
                "unknown variant `weird`, expected one of `one_on_one`, `group`",
            ),
            (
                "no variant of `kairos::domain::Kind` fits",
                "no variant of `Kind` fits",
            ),
        ] {
            assert_eq!(plain_message(serde), plain, "{serde}");
        }
    }
}

/// The visitor's address, for caps on what one visitor may take (slot
/// holds): the connection's peer, or when the peer is a trusted proxy
/// (`trusted_proxies`), the nearest address in `X-Forwarded-For` that is
/// not one. `None` for requests without a connection (in-process callers).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<std::net::IpAddr>);

impl FromRequestParts<App> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &App,
    ) -> Result<Self, std::convert::Infallible> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip());
        Ok(ClientIp(peer.map(|peer| {
            client_ip(peer, &parts.headers, &state.settings.holds.trusted_proxies)
        })))
    }
}

/// Who is asking, seen from a connection with `peer`. Each proxy appends
/// the address it received from, so the list is read right to left while
/// the addresses are trusted proxies; the first other one is the visitor.
/// From an untrusted peer the header is ignored: anyone can write it.
pub fn client_ip(
    peer: std::net::IpAddr,
    headers: &HeaderMap,
    trusted: &[crate::config::ProxyNet],
) -> std::net::IpAddr {
    let is_trusted = |ip: std::net::IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let listed: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    let mut client = peer;
    for entry in listed.iter().rev() {
        let entry = entry.trim();
        let parsed = entry
            .parse::<std::net::IpAddr>()
            .ok()
            .or_else(|| entry.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()));
        // Garbage in the list: the last address we could trust to be
        // reported correctly stands.
        let Some(ip) = parsed else {
            break;
        };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod client_ip_tests {
    use super::*;
    use crate::config::ProxyNet;

    fn ip(text: &str) -> std::net::IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let trusted = [ProxyNet::parse("10.0.0.0/8").expect("net")];
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "6.6.6.6, 203.0.113.7, 10.0.0.2".parse().expect("h"),
        );
        // From the proxy: the nearest address that is not a proxy.
        assert_eq!(
            client_ip(ip("10.0.0.1"), &headers, &trusted),
            ip("203.0.113.7")
        );
        // From anyone else: the header is theirs to invent.
        assert_eq!(
            client_ip(ip("198.51.100.1"), &headers, &trusted),
            ip("198.51.100.1")
        );
        assert_eq!(client_ip(ip("10.0.0.1"), &headers, &[]), ip("10.0.0.1"));
        // No header, or junk: the proxy's own report is the best we know.
        assert_eq!(
            client_ip(ip("10.0.0.1"), &HeaderMap::new(), &trusted),
            ip("10.0.0.1")
        );
        headers.insert("x-forwarded-for", "nonsense".parse().expect("h"));
        assert_eq!(
            client_ip(ip("10.0.0.1"), &headers, &trusted),
            ip("10.0.0.1")
        );
        headers.insert("x-forwarded-for", "[2001:db8::1]:443".parse().expect("h"));
        assert_eq!(
            client_ip(ip("10.0.0.1"), &headers, &trusted),
            ip("2001:db8::1")
        );
    }
}
