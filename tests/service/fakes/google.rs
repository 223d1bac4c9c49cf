//! A Google Calendar API v3 stand-in: calendarList and events.list with
//! `pageToken`/`nextPageToken` (two items a page), `syncToken`/`nextSyncToken`
//! (deletions as `status: cancelled`), 410 on an expired sync token, 429 and
//! 403 `rateLimitExceeded` with `Retry-After`, 401 on an expired access
//! token, events insert (409 on a taken id) / update / delete (410 when
//! already deleted), and `events.watch` channels that notify on change.

use super::{SharedOAuth, oauth_routes};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Items per page unless `World::page_size` says otherwise (small, to exercise paging).
const PAGE: usize = 2;

#[derive(Clone)]
pub struct Channel {
    pub id: String,
    pub token: String,
    pub address: String,
    pub resource_id: String,
    pub calendar: String,
}

#[derive(Default)]
pub struct World {
    /// Items per page (0: [`PAGE`]).
    pub page_size: usize,
    pub calendars: Vec<Value>,
    /// Per calendar: events with the sequence number of their last change.
    pub events: HashMap<String, Vec<(u64, Value)>>,
    seq: u64,
    /// Sync tokens below this are expired (410).
    pub oldest_token: u64,
    /// The next this many API calls are rate limited…
    pub throttle: u32,
    /// …from this request on (counting every API call), or at once.
    pub throttle_from: Option<u32>,
    /// Every API call answers 503 while set.
    pub outage: bool,
    /// Calls answered 401 (expired or unknown access token).
    pub unauthorized: u32,
    pub channels: Vec<Channel>,
    pub stopped: Vec<String>,
    pub requests: u32,
    /// Each write's `sendUpdates` (`all`: Google mails the attendees), as
    /// `(method, value)`.
    pub send_updates: Vec<(&'static str, String)>,
    /// Every request body Kairos sent, with the discovery document's schema
    /// it must follow (`Event`, `Channel`).
    pub received: Vec<(&'static str, Value)>,
}

#[derive(Clone)]
pub struct GoogleFake {
    pub base: String,
    pub world: Arc<Mutex<World>>,
    pub oauth: SharedOAuth,
}

fn error(status: StatusCode, reason: &str, message: &str) -> Response {
    let body = json!({ "error": { "code": status.as_u16(), "message": message,
        "errors": [{ "domain": "global", "reason": reason, "message": message }] } });
    (status, Json(body)).into_response()
}

type Shared = (Arc<Mutex<World>>, SharedOAuth);

/// Auth and throttling, shared by every API route.
fn gate(state: &Shared, headers: &HeaderMap) -> Option<Response> {
    if !state.1.lock().expect("oauth").authorized(headers) {
        state.0.lock().expect("world").unauthorized += 1;
        return Some(error(
            StatusCode::UNAUTHORIZED,
            "authError",
            "Invalid Credentials",
        ));
    }
    let mut world = state.0.lock().expect("world");
    world.requests += 1;
    if world.outage {
        return Some(error(
            StatusCode::SERVICE_UNAVAILABLE,
            "backendError",
            "Backend Error",
        ));
    }
    let throttling = world
        .throttle_from
        .is_none_or(|from| world.requests >= from);
    if throttling && super::throttled(&mut world.throttle) {
        // Google uses both forms; alternate between them.
        let status = if world.throttle.is_multiple_of(2) {
            StatusCode::TOO_MANY_REQUESTS
        } else {
            StatusCode::FORBIDDEN
        };
        return Some(super::retry_later(error(
            status,
            "rateLimitExceeded",
            "Rate Limit Exceeded",
        )));
    }
    None
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(rename = "pageToken")]
    page_token: Option<String>,
    #[serde(rename = "syncToken")]
    sync_token: Option<String>,
}

async fn calendar_list(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    if let Some(refused) = gate(&state, &headers) {
        return refused;
    }
    let world = state.0.lock().expect("world");
    let start: usize = q.page_token.and_then(|p| p.parse().ok()).unwrap_or(0);
    let items: Vec<Value> = world
        .calendars
        .iter()
        .skip(start)
        .take(PAGE)
        .cloned()
        .collect();
    let mut body = json!({ "kind": "calendar#calendarList", "items": items });
    if start + PAGE < world.calendars.len() {
        body["nextPageToken"] = json!((start + PAGE).to_string());
    }
    Json(body).into_response()
}

async fn primary(State(state): State<Shared>, headers: HeaderMap) -> Response {
    if let Some(refused) = gate(&state, &headers) {
        return refused;
    }
    Json(json!({ "kind": "calendar#calendar", "id": "ana@example.com", "summary": "ana@example.com", "timeZone": "Europe/Berlin" })).into_response()
}

async fn list_events(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(calendar): Path<String>,
    Query(q): Query<ListQuery>,
) -> Response {
    if let Some(refused) = gate(&state, &headers) {
        return refused;
    }
    let world = state.0.lock().expect("world");
    let since = match &q.sync_token {
        Some(token) => {
            let Some(seq) = token
                .strip_prefix("sync-")
                .and_then(|s| s.parse::<u64>().ok())
            else {
                return error(StatusCode::BAD_REQUEST, "invalid", "Invalid sync token");
            };
            if seq < world.oldest_token {
                return error(
                    StatusCode::GONE,
                    "fullSyncRequired",
                    "Sync token is no longer valid, a full sync is required.",
                );
            }
            Some(seq)
        }
        None => None,
    };
    let events = world.events.get(&calendar).cloned().unwrap_or_default();
    let matching: Vec<Value> = events
        .into_iter()
        .filter(|(seq, event)| match since {
            Some(since) => *seq > since,
            // A full list leaves out deleted events but keeps cancelled
            // instances of series (as Google does without showDeleted).
            None => event["status"] != "cancelled" || event.get("recurringEventId").is_some(),
        })
        .map(|(_, e)| e)
        .collect();
    let start: usize = q
        .page_token
        .as_deref()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let page = if world.page_size > 0 {
        world.page_size
    } else {
        PAGE
    };
    let items: Vec<Value> = matching.iter().skip(start).take(page).cloned().collect();
    let mut body = json!({ "kind": "calendar#events", "items": items });
    if start + page < matching.len() {
        body["nextPageToken"] = json!((start + page).to_string());
    } else {
        body["nextSyncToken"] = json!(format!("sync-{}", world.seq));
    }
    Json(body).into_response()
}

async fn insert_event(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(calendar): Path<String>,
    Query(q): Query<WriteQuery>,
    Json(mut event): Json<Value>,
) -> Response {
    if let Some(refused) = gate(&state, &headers) {
        return refused;
    }
    record_write(&state, "POST", &q, Some(&event));
    let fake = GoogleFake::from_shared(&state);
    let id = event["id"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| kairos::domain::random_token(20));
    // Google keeps a deleted event (as `cancelled`): its id is taken for good.
    if fake.find(&calendar, &id).is_some() {
        return error(
            StatusCode::CONFLICT,
            "duplicate",
            "The requested identifier already exists.",
        );
    }
    event["id"] = json!(id);
    event["status"] = json!("confirmed");
    meet(&mut event, None);
    fake.store(&calendar, event.clone());
    Json(event).into_response()
}

#[derive(Deserialize, Default)]
struct WriteQuery {
    #[serde(rename = "sendUpdates")]
    send_updates: Option<String>,
}

/// Records a write's `sendUpdates` (`(absent)` when the request gave none)
/// and its body, if any (checked against the discovery document).
fn record_write(state: &Shared, method: &'static str, q: &WriteQuery, body: Option<&Value>) {
    let mut world = state.0.lock().expect("world");
    let updates = q.send_updates.clone();
    world
        .send_updates
        .push((method, updates.unwrap_or_else(|| "(absent)".to_string())));
    if let Some(body) = body {
        world.received.push(("Event", body.clone()));
    }
}

/// A conference as Google makes one: a `createRequest` with a new
/// `requestId` makes a new Meet link; without one, the old link stays
/// (`kept`) or, on a full replace, goes.
fn meet(event: &mut Value, kept: Option<&Value>) {
    let request = event["conferenceData"]["createRequest"]["requestId"]
        .as_str()
        .map(str::to_string);
    match (request, kept) {
        (Some(request), Some(old))
            if old["conferenceData"]["createRequest"]["requestId"] == request.as_str() =>
        {
            event["hangoutLink"] = old["hangoutLink"].clone();
        }
        (Some(request), _) => {
            let code = kairos::domain::hash_secret(&request);
            event["hangoutLink"] = json!(format!("https://meet.google.com/{}", &code[..10]));
        }
        (None, Some(old)) => {
            event["hangoutLink"] = old["hangoutLink"].clone();
            event["conferenceData"] = old["conferenceData"].clone();
        }
        (None, None) => {}
    }
}

async fn update_event(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path((calendar, id)): Path<(String, String)>,
    Query(q): Query<WriteQuery>,
    Json(mut event): Json<Value>,
) -> Response {
    if let Some(refused) = gate(&state, &headers) {
        return refused;
    }
    record_write(&state, "PUT", &q, Some(&event));
    let fake = GoogleFake::from_shared(&state);
    match fake.find(&calendar, &id) {
        Some(old) if old["status"] != "cancelled" => {
            // A full replace: what the body leaves out is gone (a conference
            // too); a new createRequest makes a new Meet link.
            event["id"] = json!(id);
            event["status"] = json!("confirmed");
            meet(&mut event, None);
            if let Some(request) = event["conferenceData"]["createRequest"].as_object()
                && old["conferenceData"]["createRequest"].as_object() == Some(request)
            {
                event["hangoutLink"] = old["hangoutLink"].clone();
            }
            fake.store(&calendar, event.clone());
            Json(event).into_response()
        }
        _ => error(StatusCode::NOT_FOUND, "notFound", "Not Found"),
    }
}

/// PATCH: the fields sent replace theirs, the others stay (the conference
/// among them, unless `conferenceData` is sent).
async fn patch_event(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path((calendar, id)): Path<(String, String)>,
    Query(q): Query<WriteQuery>,
    Json(changes): Json<Value>,
) -> Response {
    if let Some(refused) = gate(&state, &headers) {
        return refused;
    }
    record_write(&state, "PATCH", &q, Some(&changes));
    let fake = GoogleFake::from_shared(&state);
    // A cancelled (deleted) event can be patched, and restored by
    // `"status": "confirmed"`.
    match fake.find(&calendar, &id) {
        Some(old) => {
            let mut event = old.clone();
            for (key, value) in changes.as_object().into_iter().flatten() {
                event[key] = value.clone();
            }
            if changes.get("conferenceData").is_some() {
                meet(&mut event, Some(&old));
            }
            fake.store(&calendar, event.clone());
            Json(event).into_response()
        }
        None => error(StatusCode::NOT_FOUND, "notFound", "Not Found"),
    }
}

async fn delete_event(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path((calendar, id)): Path<(String, String)>,
    Query(q): Query<WriteQuery>,
) -> Response {
    if let Some(refused) = gate(&state, &headers) {
        return refused;
    }
    record_write(&state, "DELETE", &q, None);
    let fake = GoogleFake::from_shared(&state);
    match fake.find(&calendar, &id) {
        Some(old) if old["status"] != "cancelled" => {
            fake.remove(&calendar, &id);
            StatusCode::NO_CONTENT.into_response()
        }
        Some(_) => error(StatusCode::GONE, "deleted", "Resource has been deleted"),
        None => error(StatusCode::NOT_FOUND, "notFound", "Not Found"),
    }
}

async fn watch(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(calendar): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = gate(&state, &headers) {
        return refused;
    }
    state
        .0
        .lock()
        .expect("world")
        .received
        .push(("Channel", body.clone()));
    let channel = Channel {
        id: body["id"].as_str().unwrap_or_default().to_string(),
        token: body["token"].as_str().unwrap_or_default().to_string(),
        address: body["address"].as_str().unwrap_or_default().to_string(),
        resource_id: format!("res-{}", kairos::domain::random_token(8)),
        calendar,
    };
    let expiration = (chrono::Utc::now() + chrono::Duration::days(7)).timestamp_millis();
    let answer = json!({ "kind": "api#channel", "id": channel.id, "resourceId": channel.resource_id,
        "resourceUri": "https://www.googleapis.com/calendar/v3/calendars/x/events", "token": channel.token,
        "expiration": expiration.to_string() });
    state.0.lock().expect("world").channels.push(channel);
    Json(answer).into_response()
}

async fn stop(
    State(state): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = gate(&state, &headers) {
        return refused;
    }
    let id = body["id"].as_str().unwrap_or_default().to_string();
    let mut world = state.0.lock().expect("world");
    world.channels.retain(|c| c.id != id);
    world.stopped.push(id);
    StatusCode::NO_CONTENT.into_response()
}

impl GoogleFake {
    pub async fn start() -> GoogleFake {
        let world = Arc::new(Mutex::new(World::default()));
        let oauth = SharedOAuth::default();
        {
            let mut w = world.lock().expect("world");
            w.calendars = super::fixture("google", "calendar_list.json");
        }
        let api = axum::Router::new()
            .route("/users/me/calendarList", get(calendar_list))
            .route("/calendars/primary", get(primary))
            .route(
                "/calendars/{calendar}/events",
                get(list_events).post(insert_event),
            )
            .route("/calendars/{calendar}/events/watch", post(watch))
            .route(
                "/calendars/{calendar}/events/{id}",
                put(update_event).patch(patch_event).delete(delete_event),
            )
            .route("/channels/stop", post(stop))
            .with_state((world.clone(), oauth.clone()));
        let router = oauth_routes(oauth.clone()).nest("/calendar/v3", api);
        let base = super::serve(router).await;
        let fake = GoogleFake { base, world, oauth };
        for event in super::fixture("google", "events_primary.json") {
            fake.store("ana@example.com", event);
        }
        fake
    }

    fn from_shared(state: &Shared) -> GoogleFake {
        GoogleFake {
            base: String::new(),
            world: state.0.clone(),
            oauth: state.1.clone(),
        }
    }

    pub fn settings(&self) -> kairos::config::OAuthProvider {
        super::provider_settings(
            &self.base,
            "kairos-test.apps.googleusercontent.com",
            "/calendar/v3",
        )
    }

    pub fn find(&self, calendar: &str, id: &str) -> Option<Value> {
        let world = self.world.lock().expect("world");
        world
            .events
            .get(calendar)?
            .iter()
            .find(|(_, e)| e["id"] == id)
            .map(|(_, e)| e.clone())
    }

    /// Adds or replaces an event (as the host would in Google Calendar).
    pub fn store(&self, calendar: &str, event: Value) {
        let mut world = self.world.lock().expect("world");
        world.seq += 1;
        let seq = world.seq;
        let list = world.events.entry(calendar.to_string()).or_default();
        list.retain(|(_, e)| e["id"] != event["id"]);
        list.push((seq, event));
    }

    /// Deletes an event: it stays as a cancelled tombstone for sync tokens.
    pub fn remove(&self, calendar: &str, id: &str) {
        let tombstone = json!({ "kind": "calendar#event", "id": id, "status": "cancelled" });
        self.store(calendar, tombstone);
    }

    /// Live (not cancelled) events of a calendar.
    pub fn live(&self, calendar: &str) -> Vec<Value> {
        let world = self.world.lock().expect("world");
        world
            .events
            .get(calendar)
            .map(|list| {
                list.iter()
                    .filter(|(_, e)| e["status"] != "cancelled")
                    .map(|(_, e)| e.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every sync token issued so far expires.
    pub fn expire_sync_tokens(&self) {
        let mut world = self.world.lock().expect("world");
        world.oldest_token = world.seq + 1;
    }

    /// Sends each channel on `calendar` a change notification, as Google does.
    pub async fn notify(&self, calendar: &str) -> Vec<u16> {
        let channels: Vec<Channel> = {
            let world = self.world.lock().expect("world");
            world
                .channels
                .iter()
                .filter(|c| c.calendar == calendar)
                .cloned()
                .collect()
        };
        let http = reqwest::Client::new();
        let mut statuses = Vec::new();
        for (n, channel) in channels.iter().enumerate() {
            let status = http
                .post(&channel.address)
                .header("X-Goog-Channel-ID", &channel.id)
                .header("X-Goog-Channel-Token", &channel.token)
                .header("X-Goog-Resource-ID", &channel.resource_id)
                .header("X-Goog-Resource-State", "exists")
                .header("X-Goog-Message-Number", (n + 2).to_string())
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0);
            statuses.push(status);
        }
        statuses
    }
}
