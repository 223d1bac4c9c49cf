//! Test scaffolding: fresh databases, an in-process app, requests, data builders.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use chrono::{DateTime, Utc};
use kairos::app::App as Context;
use kairos::domain::Booking;
use kairos::domain::{hash_secret, random_token};
use kairos::http::router;
use kairos::secrets::KeyRing;
use kairos::store::{Decision, NewBooking, SharedStore, Snapshot, Store, StoreError, connect};

use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs an async test body once per backend: `on_both!(name)` expects
/// `async fn name(backend: Backend)` in the same module.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                use $crate::helpers::Backend;
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn sqlite() {
                    super::$name(Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    super::$name(Backend::Postgres).await
                }
            }
        )*
    };
}

/// A URL for a fresh database of `backend`, or `None` when PostgreSQL is not configured.
pub async fn fresh_database(backend: Backend) -> Option<String> {
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join("kairos-tests");
            std::fs::create_dir_all(&dir).expect("temp dir");
            let path = dir.join(format!("{}.db", random_token(16)));
            Some(format!("sqlite://{}", path.display()))
        }
        Backend::Postgres => {
            let Ok(admin_url) = std::env::var("KAIROS_TEST_POSTGRES_URL") else {
                eprintln!("KAIROS_TEST_POSTGRES_URL is not set: skipping the PostgreSQL run");
                return None;
            };
            let name = format!("kairos_test_{}", random_token(12));
            let admin = sqlx::PgPool::connect(&admin_url)
                .await
                .expect("connect to PostgreSQL");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&admin)
                .await
                .expect("create test database");
            admin.close().await;
            Some(with_database(&admin_url, &name))
        }
    }
}

/// `admin_url` pointing at database `name` instead.
fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (admin_url, String::new()),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    format!("{base}/{name}{query}")
}

pub async fn fresh_store(backend: Backend) -> Option<SharedStore> {
    let url = fresh_database(backend).await?;
    let store = connect(&url).await.expect("open store");
    store.migrate().await.expect("migrate");
    Some(store)
}

/// A booking through the store's transaction steps, composed as the use
/// cases compose them: cancel the booking it `replaces`, read the snapshot,
/// ask `decide`, insert, queue its effects and commit (a refusal rolls back).
pub async fn book_with(
    store: &dyn Store,
    new: &NewBooking,
    decide: &(dyn Fn(&Snapshot) -> Result<Decision, StoreError> + Send + Sync),
) -> Result<Booking, StoreError> {
    let mut tx = store.begin_booking(&new.candidate_hosts).await?;
    if let Some(old_uid) = &new.replaces {
        tx.cancel_for_reschedule(old_uid, &new.actor).await?;
    }
    let snapshot = tx.snapshot(&new.candidate_hosts, new.window).await?;
    let decision = decide(&snapshot)?;
    let booking = tx.insert(new, decision).await?;
    tx.enqueue(&new.organization_id, &new.effects).await?;
    tx.commit().await?;
    Ok(booking)
}

/// The fixed "now" of API tests: bookings in June 2026 are in the future.
pub fn test_now() -> DateTime<Utc> {
    "2026-05-25T00:00:00Z".parse().expect("instant")
}

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
}

pub struct App {
    pub router: Router,
    pub store: SharedStore,
    pub key: String,
    pub now: Arc<Mutex<DateTime<Utc>>>,
    /// Calendar sync, to run its workers' steps from tests.
    pub context: Context,
}

impl App {
    pub async fn new(backend: Backend) -> Option<App> {
        Self::with_state(backend, |state| state).await
    }

    /// An app whose state `configure` adjusts (provider endpoints, keys).
    pub async fn with_state(
        backend: Backend,
        configure: impl FnOnce(Context) -> Context,
    ) -> Option<App> {
        let store = fresh_store(backend).await?;
        let org = store
            .create_organization("Test org")
            .await
            .expect("organization");
        let key = format!("kairos_{}", random_token(32));
        store
            .create_api_key(&org.id, "tests", &hash_secret(&key))
            .await
            .expect("api key");
        let now = Arc::new(Mutex::new(test_now()));
        let clock_now = now.clone();
        let keys = KeyRing::parse(&format!("t1:{}", KeyRing::generate_key())).expect("keys");
        // The tests' CalDAV server (Radicale) listens on loopback.
        let providers = kairos::config::ProviderSettings {
            caldav_allow_private_networks: true,
            ..Default::default()
        };
        let state = Context::new(store.clone(), "http://kairos.test")
            .with_clock(Arc::new(move || *clock_now.lock().expect("clock")))
            .with_keys(Some(keys))
            .with_providers(providers);
        let state = configure(state);
        Some(App {
            context: state.clone(),
            router: router(state),
            store,
            key,
            now,
        })
    }

    pub fn set_now(&self, at: &str) {
        *self.now.lock().expect("clock") = at.parse().expect("instant");
    }

    pub async fn send(
        &self,
        method: Method,
        uri: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Response {
        send(
            &self.router,
            method,
            uri,
            body.map(|b| b.to_string()),
            headers,
        )
        .await
    }

    pub async fn public(&self, method: Method, uri: &str, body: Option<Value>) -> Response {
        self.send(method, uri, body.as_ref(), &[]).await
    }

    pub async fn admin(&self, method: Method, uri: &str, body: Option<Value>) -> Response {
        let bearer = format!("Bearer {}", self.key);
        self.send(method, uri, body.as_ref(), &[("authorization", &bearer)])
            .await
    }

    /// Books `start` for `email` on the public page `user/event` (the usual
    /// answers: a company).
    pub async fn book_public(&self, page: &str, start: &str, email: &str) -> Response {
        self.public(
            Method::POST,
            &format!("/api/v1/public/{page}/bookings"),
            Some(booking(start, email)),
        )
        .await
    }

    /// Creates a host with a default schedule; returns the user id.
    pub async fn host(&self, slug: &str, timezone: &str, weekly: Value) -> String {
        let user = self
            .admin(
                Method::POST,
                "/api/v1/users",
                Some(json!({ "slug": slug, "name": slug.to_uppercase(), "email": format!("{slug}@example.com"), "timezone": timezone })),
            )
            .await;
        assert_eq!(user.status, StatusCode::CREATED, "{}", user.json);
        let id = user.json["id"].as_str().expect("id").to_string();
        let schedule = self
            .admin(
                Method::POST,
                "/api/v1/schedules",
                Some(json!({ "user_id": id, "name": "Hours", "timezone": timezone, "weekly": weekly, "is_default": true })),
            )
            .await;
        assert_eq!(schedule.status, StatusCode::CREATED, "{}", schedule.json);
        id
    }

    /// Creates an event type from `body` (owner etc. included); returns its id.
    pub async fn event_type(&self, body: Value) -> String {
        let created = self
            .admin(Method::POST, "/api/v1/event-types", Some(body))
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
        created.json["id"].as_str().expect("id").to_string()
    }
}

pub async fn send(
    router: &Router,
    method: Method,
    uri: &str,
    body: Option<String>,
    headers: &[(&str, &str)],
) -> Response {
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let request = request
        .body(body.map_or_else(Body::empty, Body::from))
        .expect("request");
    let response = router.clone().oneshot(request).await.expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 10 << 20)
        .await
        .expect("body");
    let json = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).to_string()))
    };
    Response {
        status,
        headers,
        json,
    }
}

/// Weekdays 09:00–17:00.
pub fn office_hours() -> Value {
    let day = json!([["09:00", "17:00"]]);
    json!({ "mon": day, "tue": day, "wed": day, "thu": day, "fri": day })
}

/// A booking request body.
pub fn booking(start: &str, email: &str) -> Value {
    json!({
        "start": start,
        "invitee": { "name": "Pat Doe", "email": email, "timezone": "America/New_York" },
    })
}

/// Asserts a problem+json answer with `status` and, if given, the field it names.
pub fn assert_problem(response: &Response, status: StatusCode, field: Option<&str>) {
    assert_eq!(response.status, status, "{}", response.json);
    assert_eq!(
        response
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json"),
        "{}",
        response.json
    );
    assert_eq!(
        response.json["status"],
        status.as_u16(),
        "{}",
        response.json
    );
    if let Some(field) = field {
        assert_eq!(response.json["field"], field, "{}", response.json);
    }
}

/// The UTC starts of a slots answer, over all days.
pub fn slot_starts(answer: &Value) -> Vec<String> {
    answer["days"]
        .as_array()
        .map(|days| {
            days.iter()
                .flat_map(|d| d["slots"].as_array().cloned().unwrap_or_default())
                .filter_map(|s| s["start"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}
