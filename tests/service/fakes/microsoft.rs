//! A Microsoft Graph v1.0 stand-in: `/me`, `/me/calendars`, calendarView
//! delta with `@odata.nextLink` (two items a page), `@odata.deltaLink`,
//! `@removed` entries, an expired delta link refused as Graph documents it
//! (410 `SyncStateNotFound`, or another 40X `syncStateNotFound` /
//! `resyncRequired`), `transactionId` kept from creation,
//! 429 with `Retry-After`, 401 on expired access tokens, events created with
//! `transactionId` (a repeated one returns the first event), PATCH, DELETE,
//! and subscriptions (documented resources only) with the validation
//! handshake and notifications.

use super::{SharedOAuth, oauth_routes};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Items per page unless `World::page_size` says otherwise (small, to exercise paging).
const PAGE: usize = 2;

#[derive(Clone)]
pub struct Subscription {
    pub id: String,
    pub client_state: String,
    pub url: String,
    /// Where lifecycle notifications go, if the subscriber gave one.
    pub lifecycle_url: Option<String>,
    pub resource: String,
}

#[derive(Default)]
pub struct World {
    /// Items per page (0: [`PAGE`]).
    pub page_size: usize,
    pub calendars: Vec<Value>,
    /// Per calendar: events with the sequence number of their last change;
    /// deleted ones stay as `None` for delta.
    pub events: HashMap<String, Vec<(u64, String, Option<Value>)>>,
    seq: u64,
    pub oldest_token: u64,
    pub throttle: u32,
    /// Leave `transactionId` out of delta answers (Graph need not echo it).
    pub hide_transaction_ids: bool,
    pub subscriptions: Vec<Subscription>,
    /// How an expired delta link is refused: Graph documents "a 40X-series
    /// error with error codes such as `syncStateNotFound`", in several
    /// shapes (`None`: 410 `SyncStateNotFound`).
    pub expired_with: Option<(StatusCode, &'static str)>,
    /// Every request body Kairos sent, with the v1.0 entity it must follow
    /// (`event`, `subscription`).
    pub received: Vec<(&'static str, Value)>,
    base: String,
}

#[derive(Clone)]
pub struct GraphFake {
    pub base: String,
    pub world: Arc<Mutex<World>>,
    pub oauth: SharedOAuth,
}

type Shared = (Arc<Mutex<World>>, SharedOAuth);

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({ "error": { "code": code, "message": message } })),
    )
        .into_response()
}

fn gate(state: &Shared, headers: &HeaderMap) -> Option<Response> {
    if !state.1.lock().expect("oauth").authorized(headers) {
        return Some(error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Access token has expired or is not yet valid.",
        ));
    }
    let mut world = state.0.lock().expect("world");
    if super::throttled(&mut world.throttle) {
        let busy = error(
            StatusCode::TOO_MANY_REQUESTS,
            "ApplicationThrottled",
            "Too many requests",
        );
        return Some(super::retry_later(busy));
    }
    None
}

async fn me(State(state): State<Shared>, headers: HeaderMap) -> Response {
    if let Some(refused) = gate(&state, &headers) {
        return refused;
    }
    Json(json!({ "id": "u1", "displayName": "Ana", "mail": "ana@contoso.example", "userPrincipalName": "ana@contoso.example" })).into_response()
}

async fn calendars(State(state): State<Shared>, headers: HeaderMap) -> Response {
    if let Some(refused) = gate(&state, &headers) {
        return refused;
    }
    let world = state.0.lock().expect("world");
    Json(json!({ "value": world.calendars })).into_response()
}

/// One calendar (its `$select` is ignored: every property comes back).
async fn calendar(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(calendar): Path<String>,
) -> Response {
    if let Some(refused) = gate(&state, &headers) {
        return refused;
    }
    let world = state.0.lock().expect("world");
    match world
        .calendars
        .iter()
        .find(|c| c["id"] == calendar.as_str())
    {
        Some(found) => Json(found.clone()).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        ),
    }
}

#[derive(Deserialize)]
struct DeltaQuery {
    #[serde(rename = "$skiptoken")]
    skip: Option<String>,
    #[serde(rename = "$deltatoken")]
    delta: Option<String>,
    #[serde(rename = "startDateTime")]
    start: Option<String>,
}

async fn delta(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(calendar): Path<String>,
    Query(q): Query<DeltaQuery>,
) -> Response {
    if let Some(refused) = gate(&state, &headers) {
        return refused;
    }
    let world = state.0.lock().expect("world");
    // The skip token carries "<since>:<offset>"; the delta token "<since>".
    let (since, offset) = match (&q.skip, &q.delta) {
        (Some(skip), _) => {
            let (since, offset) = skip.split_once(':').unwrap_or(("0", "0"));
            (
                since.parse::<u64>().ok().filter(|s| *s > 0),
                offset.parse().unwrap_or(0),
            )
        }
        (None, Some(token)) => {
            let since = token.parse::<u64>().unwrap_or(0);
            if since < world.oldest_token {
                let (status, code) = world
                    .expired_with
                    .unwrap_or((StatusCode::GONE, "SyncStateNotFound"));
                return error(status, code, "The sync state generation is not found.");
            }
            (Some(since), 0)
        }
        (None, None) => {
            if q.start.is_none() {
                return error(
                    StatusCode::BAD_REQUEST,
                    "ErrorInvalidParameter",
                    "startDateTime is required",
                );
            }
            (None, 0)
        }
    };
    let rows = world.events.get(&calendar).cloned().unwrap_or_default();
    let matching: Vec<Value> = rows
        .into_iter()
        .filter(|(seq, _, event)| match since {
            Some(since) => *seq > since,
            None => event.is_some(),
        })
        .map(|(_, id, event)| {
            event.unwrap_or_else(|| json!({ "id": id, "@removed": { "reason": "deleted" } }))
        })
        .collect();
    let page = if world.page_size > 0 {
        world.page_size
    } else {
        PAGE
    };
    let mut items: Vec<Value> = matching.iter().skip(offset).take(page).cloned().collect();
    if world.hide_transaction_ids {
        for item in &mut items {
            item.as_object_mut().map(|o| o.remove("transactionId"));
        }
    }
    let path = format!(
        "{}/v1.0/me/calendars/{calendar}/calendarView/delta",
        world.base
    );
    let mut body = json!({ "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(event)", "value": items });
    if offset + page < matching.len() {
        body["@odata.nextLink"] = json!(format!(
            "{path}?$skiptoken={}:{}",
            since.unwrap_or(0),
            offset + page
        ));
    } else {
        body["@odata.deltaLink"] = json!(format!("{path}?$deltatoken={}", world.seq));
    }
    Json(body).into_response()
}

async fn create_event(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(calendar): Path<String>,
    Json(mut event): Json<Value>,
) -> Response {
    if let Some(refused) = gate(&state, &headers) {
        return refused;
    }
    state
        .0
        .lock()
        .expect("world")
        .received
        .push(("event", event.clone()));
    let fake = GraphFake::from_shared(&state);
    // A create repeated with the same transactionId returns the first event.
    if let Some(transaction) = event["transactionId"].as_str()
        && let Some(existing) = fake
            .live(&calendar)
            .into_iter()
            .find(|e| e["transactionId"] == transaction)
    {
        return (StatusCode::CREATED, Json(existing)).into_response();
    }
    if let Some(provider) = event["onlineMeetingProvider"].as_str() {
        let world = state.0.lock().expect("world");
        let allowed = world
            .calendars
            .iter()
            .find(|c| c["id"] == calendar.as_str())
            .is_some_and(|c| {
                c["allowedOnlineMeetingProviders"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|p| p == provider))
            });
        if !allowed {
            return error(
                StatusCode::BAD_REQUEST,
                "ErrorInvalidRequest",
                &format!(
                    "The online meeting provider '{provider}' is not allowed for this calendar."
                ),
            );
        }
    }
    let id = format!("AAMkEv-{}", kairos::domain::random_token(16));
    event["id"] = json!(id);
    if event["isOnlineMeeting"] == true {
        event["onlineMeeting"] =
            json!({ "joinUrl": format!("https://teams.microsoft.com/l/meetup-join/{id}") });
    }
    fake.store(&calendar, &id, Some(event.clone()));
    (StatusCode::CREATED, Json(event)).into_response()
}

async fn patch_event(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(changes): Json<Value>,
) -> Response {
    if let Some(refused) = gate(&state, &headers) {
        return refused;
    }
    state
        .0
        .lock()
        .expect("world")
        .received
        .push(("event", changes.clone()));
    let fake = GraphFake::from_shared(&state);
    let Some((calendar, mut event)) = fake.locate(&id) else {
        return error(
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        );
    };
    // Graph keeps the transactionId an event was created with.
    if let Some(changed) = changes.get("transactionId")
        && *changed != event["transactionId"]
    {
        return error(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidRequest",
            "The property 'transactionId' cannot be changed after the event is created.",
        );
    }
    for (key, value) in changes.as_object().into_iter().flatten() {
        event[key] = value.clone();
    }
    fake.store(&calendar, &id, Some(event.clone()));
    Json(event).into_response()
}

async fn delete_event(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(refused) = gate(&state, &headers) {
        return refused;
    }
    let fake = GraphFake::from_shared(&state);
    match fake.locate(&id) {
        Some((calendar, _)) => {
            fake.store(&calendar, &id, None);
            StatusCode::NO_CONTENT.into_response()
        }
        None => error(
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        ),
    }
}

async fn subscribe(
    State(state): State<Shared>,
    headers: HeaderMap,
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
        .push(("subscription", body.clone()));
    // The documented resources for events: the user's events, not a
    // calendar's.
    let resource = body["resource"].as_str().unwrap_or_default();
    let documented = ["/me/events", "me/events"].contains(&resource)
        || resource
            .trim_start_matches('/')
            .strip_prefix("users/")
            .and_then(|rest| rest.strip_suffix("/events"))
            .is_some_and(|user| !user.is_empty() && !user.contains('/'));
    if !documented {
        return error(
            StatusCode::BAD_REQUEST,
            "ExtensionError",
            &format!("Operation: Create; Exception: [Resource '{resource}' is not supported.]"),
        );
    }
    let url = body["notificationUrl"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let lifecycle_url = body["lifecycleNotificationUrl"]
        .as_str()
        .map(str::to_string);
    // The validation handshake, on each URL: Graph posts a token and expects
    // it echoed as text.
    let mut valid = true;
    for address in std::iter::once(&url).chain(lifecycle_url.as_ref()) {
        valid &= handshake(address).await;
    }
    if !valid {
        return error(
            StatusCode::BAD_REQUEST,
            "ValidationError",
            "Subscription validation request failed.",
        );
    }
    let subscription = Subscription {
        id: format!("sub-{}", kairos::domain::random_token(10)),
        client_state: body["clientState"].as_str().unwrap_or_default().to_string(),
        url,
        lifecycle_url,
        resource: body["resource"].as_str().unwrap_or_default().to_string(),
    };
    let answer = json!({ "id": subscription.id, "resource": subscription.resource, "changeType": body["changeType"],
        "expirationDateTime": body["expirationDateTime"], "clientState": subscription.client_state });
    state
        .0
        .lock()
        .expect("world")
        .subscriptions
        .push(subscription);
    (StatusCode::CREATED, Json(answer)).into_response()
}

/// Graph's validation request to a notification URL: the token must come
/// back as `text/plain`.
async fn handshake(url: &str) -> bool {
    let token = kairos::domain::random_token(16);
    let echoed = reqwest::Client::new()
        .post(format!("{url}?validationToken={token}"))
        .send()
        .await;
    match echoed {
        Ok(response) => {
            let text_plain = response
                .headers()
                .get("content-type")
                .is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/plain"));
            response.status().is_success()
                && text_plain
                && response.text().await.ok().as_deref() == Some(token.as_str())
        }
        Err(_) => false,
    }
}

async fn unsubscribe(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(refused) = gate(&state, &headers) {
        return refused;
    }
    state
        .0
        .lock()
        .expect("world")
        .subscriptions
        .retain(|s| s.id != id);
    StatusCode::NO_CONTENT.into_response()
}

impl GraphFake {
    pub async fn start() -> GraphFake {
        let world = Arc::new(Mutex::new(World::default()));
        let oauth = SharedOAuth::default();
        world.lock().expect("world").calendars = super::fixture("microsoft", "calendars.json");
        let api = axum::Router::new()
            .route("/me", get(me))
            .route("/me/calendars", get(calendars))
            .route("/me/calendars/{calendar}", get(calendar))
            .route("/me/calendars/{calendar}/calendarView/delta", get(delta))
            .route("/me/calendars/{calendar}/events", post(create_event))
            .route("/me/events/{id}", delete(delete_event).patch(patch_event))
            .route("/subscriptions", post(subscribe))
            .route("/subscriptions/{id}", delete(unsubscribe))
            .with_state((world.clone(), oauth.clone()));
        let router = oauth_routes(oauth.clone()).nest("/v1.0", api);
        let base = super::serve(router).await;
        world.lock().expect("world").base = base.clone();
        let fake = GraphFake { base, world, oauth };
        for event in super::fixture("microsoft", "events_default.json") {
            let id = event["id"].as_str().expect("id").to_string();
            fake.store("AAMkCal-default", &id, Some(event));
        }
        fake
    }

    fn from_shared(state: &Shared) -> GraphFake {
        GraphFake {
            base: String::new(),
            world: state.0.clone(),
            oauth: state.1.clone(),
        }
    }

    pub fn settings(&self) -> kairos::config::OAuthProvider {
        super::provider_settings(&self.base, "kairos-test-app", "/v1.0")
    }

    /// Adds, replaces (`Some`) or deletes (`None`) an event.
    pub fn store(&self, calendar: &str, id: &str, event: Option<Value>) {
        let mut world = self.world.lock().expect("world");
        world.seq += 1;
        let seq = world.seq;
        let list = world.events.entry(calendar.to_string()).or_default();
        list.retain(|(_, known, _)| known != id);
        list.push((seq, id.to_string(), event));
    }

    fn locate(&self, id: &str) -> Option<(String, Value)> {
        let world = self.world.lock().expect("world");
        world.events.iter().find_map(|(calendar, list)| {
            list.iter()
                .find(|(_, known, event)| known == id && event.is_some())
                .and_then(|(_, _, event)| event.clone().map(|e| (calendar.clone(), e)))
        })
    }

    pub fn live(&self, calendar: &str) -> Vec<Value> {
        let world = self.world.lock().expect("world");
        world
            .events
            .get(calendar)
            .map(|list| list.iter().filter_map(|(_, _, e)| e.clone()).collect())
            .unwrap_or_default()
    }

    pub fn expire_delta_links(&self) {
        let mut world = self.world.lock().expect("world");
        world.oldest_token = world.seq + 1;
    }

    /// Posts a lifecycle notification (`subscriptionRemoved`,
    /// `reauthorizationRequired`, `missed`) for every subscription to its
    /// lifecycle URL, as Graph does; a removed subscription is gone here too.
    pub async fn lifecycle(&self, event: &str) -> Vec<u16> {
        let subscriptions = self.world.lock().expect("world").subscriptions.clone();
        let http = reqwest::Client::new();
        let mut statuses = Vec::new();
        for s in subscriptions {
            let Some(url) = &s.lifecycle_url else {
                continue;
            };
            let body = json!({ "value": [{ "subscriptionId": s.id, "clientState": s.client_state,
                "lifecycleEvent": event, "subscriptionExpirationDateTime": "2026-05-27T00:00:00Z",
                "tenantId": "t1" }] });
            let status = http
                .post(url)
                .json(&body)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0);
            statuses.push(status);
            if event == "subscriptionRemoved" {
                self.world
                    .lock()
                    .expect("world")
                    .subscriptions
                    .retain(|x| x.id != s.id);
            }
        }
        statuses
    }

    /// Posts a change notification to every subscription, as Graph does.
    pub async fn notify(&self, client_state: Option<&str>) -> Vec<u16> {
        let subscriptions = self.world.lock().expect("world").subscriptions.clone();
        let http = reqwest::Client::new();
        let mut statuses = Vec::new();
        for s in subscriptions {
            let body = json!({ "value": [{ "subscriptionId": s.id, "clientState": client_state.unwrap_or(&s.client_state),
                "changeType": "updated", "resource": s.resource, "tenantId": "t1" }] });
            let status = http
                .post(&s.url)
                .json(&body)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0);
            statuses.push(status);
        }
        statuses
    }
}
