//! Running Kairos for real: API keys an operator manages (name, last use,
//! revocation), a database that goes away (503 with Retry-After, not 500),
//! database errors in plain words, shutdown giving back the work in flight,
//! and the admin's status changes taking `reason` like the invitee's cancel.

use crate::fakes::google::GoogleFake;
use crate::helpers::{App, Backend, assert_problem, fresh_database, office_hours};
use crate::on_both;
use crate::sync_support::{book, connect, host, served_app, sync};
use axum::http::{Method, StatusCode};
use kairos::workers::Shutdown;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

async fn with_key(
    app: &App,
    key: &str,
    method: Method,
    uri: &str,
    body: Option<Value>,
) -> crate::helpers::Response {
    let bearer = format!("Bearer {key}");
    app.send(method, uri, body.as_ref(), &[("authorization", &bearer)])
        .await
}

async fn api_keys(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    // The key the tests were given is listed, never its secret.
    let listed = app.admin(Method::GET, "/api/v1/api-keys", None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.json);
    assert_eq!(
        listed.json.as_array().map(Vec::len),
        Some(1),
        "{}",
        listed.json
    );
    assert_eq!(listed.json[0]["name"], "tests");
    assert!(
        !listed.json.to_string().contains(&app.key),
        "no secrets in listings"
    );

    // A new key: its secret once, a prefix to recognise it, no use yet.
    let made = app
        .admin(
            Method::POST,
            "/api/v1/api-keys",
            Some(json!({ "name": " CRM sync " })),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    let secret = made.json["key"].as_str().expect("key").to_string();
    let id = made.json["id"].as_str().expect("id").to_string();
    assert_eq!(made.json["name"], "CRM sync");
    assert!(secret.starts_with(made.json["prefix"].as_str().expect("prefix")));
    assert_eq!(made.json["last_used_at"], Value::Null);
    assert_eq!(made.json["revoked_at"], Value::Null);
    let later = app.admin(Method::GET, "/api/v1/api-keys", None).await;
    assert!(!later.json.to_string().contains(&secret), "shown only once");

    // Last use: recorded on use, at most once a minute.
    let last_used = async |app: &App| {
        let listed = app.admin(Method::GET, "/api/v1/api-keys", None).await;
        listed
            .json
            .as_array()
            .expect("keys")
            .iter()
            .find(|k| k["id"] == id.as_str())
            .expect("listed")["last_used_at"]
            .clone()
    };
    let used = with_key(&app, &secret, Method::GET, "/api/v1/users", None).await;
    assert_eq!(used.status, StatusCode::OK, "{}", used.json);
    assert_eq!(last_used(&app).await, "2026-05-25T00:00:00Z");
    app.set_now("2026-05-25T00:00:50Z");
    with_key(&app, &secret, Method::GET, "/api/v1/users", None).await;
    assert_eq!(
        last_used(&app).await,
        "2026-05-25T00:00:00Z",
        "not one write per request"
    );
    app.set_now("2026-05-25T00:01:01Z");
    with_key(&app, &secret, Method::GET, "/api/v1/users", None).await;
    assert_eq!(last_used(&app).await, "2026-05-25T00:01:01Z");

    // Bad names are named.
    for body in [json!({ "name": "  " }), json!({ "name": "a\u{0}b" })] {
        let refused = app
            .admin(Method::POST, "/api/v1/api-keys", Some(body))
            .await;
        assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY, Some("name"));
    }

    // Another organization can neither see nor revoke it.
    let other = app.store.create_organization("Other").await.expect("org");
    let other_key = kairos::domain::NewApiKey::generate();
    app.store
        .insert_api_key(&other.id, "theirs", &other_key)
        .await
        .expect("key");
    let theirs = with_key(
        &app,
        &other_key.secret,
        Method::GET,
        "/api/v1/api-keys",
        None,
    )
    .await;
    assert_eq!(
        theirs.json.as_array().map(Vec::len),
        Some(1),
        "{}",
        theirs.json
    );
    let refused = with_key(
        &app,
        &other_key.secret,
        Method::DELETE,
        &format!("/api/v1/api-keys/{id}"),
        None,
    )
    .await;
    assert_problem(&refused, StatusCode::NOT_FOUND, None);

    // Revoked: listed with the time, and the key answers 401 everywhere.
    let revoked = app
        .admin(Method::DELETE, &format!("/api/v1/api-keys/{id}"), None)
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.json);
    let at = revoked.json["revoked_at"].clone();
    assert!(at.is_string(), "{}", revoked.json);
    for uri in ["/api/v1/users", "/api/v1/bookings", "/api/v1/api-keys"] {
        let refused = with_key(&app, &secret, Method::GET, uri, None).await;
        assert_problem(&refused, StatusCode::UNAUTHORIZED, None);
        assert!(
            refused.json["detail"]
                .as_str()
                .is_some_and(|d| d.contains("revoked")),
            "{}",
            refused.json
        );
    }
    app.set_now("2026-05-26T00:00:00Z");
    let again = app
        .admin(Method::DELETE, &format!("/api/v1/api-keys/{id}"), None)
        .await;
    assert_eq!(again.json["revoked_at"], at, "the first revocation counts");
    let missing = app
        .admin(Method::DELETE, "/api/v1/api-keys/no-such-key", None)
        .await;
    assert_problem(&missing, StatusCode::NOT_FOUND, None);
    // The other keys still work.
    assert_eq!(
        app.admin(Method::GET, "/api/v1/users", None).await.status,
        StatusCode::OK
    );
}

/// With its connections closed the store cannot answer: every request
/// that needs it is a 503 problem with Retry-After, like /readyz.
async fn database_away_is_503(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = app.host("ana", "Europe/Berlin", office_hours()).await;
    app.event_type(json!({ "owner_id": ana, "slug": "intro", "title": "Intro", "kind": "one_on_one", "duration_minutes": 30 }))
        .await;
    app.store.close().await;
    assert_unavailable(&app).await;
}

async fn assert_unavailable(app: &App) {
    let ready = app.public(Method::GET, "/readyz", None).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(ready.headers.contains_key("retry-after"));
    for response in [
        app.admin(Method::GET, "/api/v1/users", None).await,
        app.public(
            Method::GET,
            "/api/v1/public/ana/intro/slots?start=2026-06-01T00:00:00Z&end=2026-06-02T00:00:00Z&timezone=UTC",
            None,
        )
        .await,
        app.book_public("ana/intro", "2026-06-01T09:00:00Z", "p@example.com").await,
    ] {
        assert_problem(&response, StatusCode::SERVICE_UNAVAILABLE, None);
        assert_eq!(
            response.headers.get("retry-after").and_then(|v| v.to_str().ok()),
            Some("5"),
            "{}",
            response.json
        );
    }
}

/// PostgreSQL going away for real: the store reaches it through a proxy
/// that is then cut, so new connections are refused and old ones are dead.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_unreachable_is_503() {
    let Some(url) = fresh_database(Backend::Postgres).await else {
        return;
    };
    let mut url = url::Url::parse(&url).expect("url");
    let target = format!(
        "{}:{}",
        url.host_str().unwrap_or("127.0.0.1"),
        url.port().unwrap_or(5432)
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let proxy_port = listener.local_addr().expect("address").port();
    let proxy = tokio::spawn(async move {
        let mut pipes = tokio::task::JoinSet::new();
        while let Ok((mut inbound, _)) = listener.accept().await {
            let target = target.clone();
            pipes.spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    url.set_host(Some("127.0.0.1")).expect("host");
    url.set_port(Some(proxy_port)).expect("port");
    let store = kairos::store::connect(url.as_str()).await.expect("store");
    store.migrate().await.expect("migrate");
    let org = store.create_organization("Org").await.expect("org");
    let key = kairos::domain::NewApiKey::generate();
    store.insert_api_key(&org.id, "k", &key).await.expect("key");
    let state = kairos::app::App::new(store.clone(), "http://kairos.test");
    let app = App {
        context: state.clone(),
        router: kairos::http::router(state),
        store,
        key: key.secret,
        now: Arc::new(std::sync::Mutex::new(crate::helpers::test_now())),
    };
    assert_eq!(
        app.admin(Method::GET, "/api/v1/users", None).await.status,
        StatusCode::OK
    );
    // Cut: the listener and every piped connection go.
    proxy.abort();
    let _ = proxy.await;
    assert_unavailable(&app).await;
}

/// Database errors read as the database's message and code: no sqlx
/// wrapper, no PostgreSQL server source position ("at line 948").
async fn database_errors_read_cleanly(backend: Backend) {
    let Some(url) = fresh_database(backend).await else {
        return;
    };
    let error = match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&format!("{url}?mode=rwc"))
                .await
                .expect("pool");
            sqlx::query("SELECT * FROM no_such_table")
                .execute(&pool)
                .await
                .expect_err("fails")
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&url).await.expect("pool");
            sqlx::query("SELECT * FROM no_such_table")
                .execute(&pool)
                .await
                .expect_err("fails")
        }
    };
    if backend == Backend::Postgres {
        // What sqlx's own message carries, and users used to see.
        assert!(error.to_string().contains(" at line "), "{error}");
    }
    let text = kairos::store::StoreError::from(error).to_string();
    assert!(text.contains("no_such_table"), "{text}");
    assert!(text.starts_with("database: "), "{text}");
    assert!(!text.contains(" at line "), "{text}");
    assert!(!text.contains("error returned from database"), "{text}");
}

/// A TCP server that accepts and never answers: a provider that hangs.
async fn black_hole() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(socket);
        }
    });
    (base, accepted)
}

/// At shutdown, a calendar write or a sync stuck on its provider is given
/// back when the grace period ends: due again at once, its attempt not
/// counted, instead of held until its lease runs out minutes later.
async fn shutdown_gives_back_work_in_flight(backend: Backend) {
    let fake = GoogleFake::start().await;
    let settings = fake.settings();
    let Some((app, _base)) = served_app(backend, |p| p.google = settings).await else {
        return;
    };
    let ana = host(&app).await;
    let connection = connect(&app, &ana, "google").await;
    sync(&app).await;
    let (uid, _) = book(&app, "2026-06-01T08:00:00Z", "pat@example.com").await;

    // The same service, but its Google API hangs.
    let (hole, accepted) = black_hole().await;
    let mut providers = app.context.providers().clone();
    providers.google.api_url = hole;
    let stalled = app.context.clone().with_providers(providers);

    let (trigger, shutdown) = Shutdown::new();
    let service = stalled.clone();
    let running =
        tokio::spawn(async move { kairos::effects::run_due_until(&service, 10, &shutdown).await });
    wait_until("the write reaches the provider", || {
        accepted.load(Ordering::SeqCst) > 0
    })
    .await;
    trigger.stop(Duration::from_millis(200));
    let ran = tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("the step ends soon after its grace")
        .expect("joined")
        .expect("step");
    assert_eq!(
        ran, 3,
        "the write, the booking's notification and its workflows"
    );
    // Once stopping, a step takes nothing new.
    let (trigger, stopped) = Shutdown::new();
    trigger.stop(Duration::ZERO);
    assert_eq!(
        kairos::effects::run_due_until(&app.context, 10, &stopped)
            .await
            .expect("step"),
        0
    );
    let now = chrono::Utc::now();
    let again = app
        .store
        .claim_effects(now, now + chrono::Duration::minutes(1), 10)
        .await
        .expect("claim");
    let again: Vec<_> = again
        .into_iter()
        .filter(|e| e.kind == "calendar_write")
        .collect();
    assert_eq!(again.len(), 1, "the write is due again at once");
    assert_eq!(again[0].booking_uid.as_deref(), Some(uid.as_str()));
    assert_eq!(
        again[0].attempts, 1,
        "the interrupted attempt is not counted"
    );

    // The same for a sync.
    let asked = app
        .admin(
            Method::POST,
            &format!("/api/v1/connections/{connection}/sync"),
            None,
        )
        .await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{}", asked.json);
    let before = accepted.load(Ordering::SeqCst);
    let (trigger, shutdown) = Shutdown::new();
    let service = stalled.clone();
    let running =
        tokio::spawn(
            async move { kairos::sync::runner::run_due_until(&service, 10, &shutdown).await },
        );
    wait_until("the sync reaches the provider", || {
        accepted.load(Ordering::SeqCst) > before
    })
    .await;
    trigger.stop(Duration::from_millis(200));
    let ran = tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("the step ends soon after its grace")
        .expect("joined")
        .expect("step");
    assert_eq!(ran, 1);
    let now = app.context.now();
    let due = app
        .store
        .claim_due_connections(now, now + chrono::Duration::minutes(1), 10)
        .await
        .expect("claim");
    assert_eq!(due, vec![connection], "the sync is due again at once");
}

async fn wait_until(what: &str, check: impl Fn() -> bool) {
    for _ in 0..100 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("not within five seconds: {what}");
}

/// The admin's status changes take `reason`, as the invitee's cancel does;
/// `note`, their former name, still works.
async fn admin_cancel_takes_reason(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = app.host("ana", "Europe/Berlin", office_hours()).await;
    app.event_type(json!({ "owner_id": ana, "slug": "intro", "title": "Intro", "kind": "one_on_one", "duration_minutes": 30 }))
        .await;
    let mut uids = Vec::new();
    for (start, email) in [
        ("2026-06-01T08:00:00Z", "a@example.com"),
        ("2026-06-01T09:00:00Z", "b@example.com"),
        ("2026-06-01T10:00:00Z", "c@example.com"),
    ] {
        let made = app.book_public("ana/intro", start, email).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
        uids.push(made.json["uid"].as_str().expect("uid").to_string());
    }
    let cancel = |uid: &str| format!("/api/v1/bookings/{uid}/cancel");
    let both = app
        .admin(
            Method::POST,
            &cancel(&uids[0]),
            Some(json!({ "reason": "a", "note": "b" })),
        )
        .await;
    assert_problem(&both, StatusCode::UNPROCESSABLE_ENTITY, Some("note"));
    let bad = app
        .admin(
            Method::POST,
            &cancel(&uids[0]),
            Some(json!({ "reason": "a\u{0}" })),
        )
        .await;
    assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, Some("reason"));
    let by_reason = app
        .admin(
            Method::POST,
            &cancel(&uids[0]),
            Some(json!({ "reason": "Host is ill" })),
        )
        .await;
    assert_eq!(by_reason.status, StatusCode::OK, "{}", by_reason.json);
    assert_eq!(by_reason.json["cancel_reason"], "Host is ill");
    let by_note = app
        .admin(
            Method::POST,
            &cancel(&uids[1]),
            Some(json!({ "note": "Double booked" })),
        )
        .await;
    assert_eq!(by_note.status, StatusCode::OK, "{}", by_note.json);
    assert_eq!(by_note.json["cancel_reason"], "Double booked");
    let plain = app
        .admin(Method::POST, &cancel(&uids[2]), Some(json!({})))
        .await;
    assert_eq!(plain.status, StatusCode::OK, "{}", plain.json);
    let detail = app
        .admin(Method::GET, &format!("/api/v1/bookings/{}", uids[0]), None)
        .await;
    let history = detail.json["history"].as_array().expect("history");
    assert_eq!(
        history.last().expect("entry")["note"],
        "Host is ill",
        "{}",
        detail.json
    );
}

on_both!(
    api_keys,
    database_away_is_503,
    database_errors_read_cleanly,
    shutdown_gives_back_work_in_flight,
    admin_cancel_takes_reason,
);

/// The SQLite file and its WAL and shared-memory files hold personal data:
/// readable by their owner only.
#[cfg(unix)]
#[tokio::test]
async fn sqlite_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let Some(url) = fresh_database(Backend::Sqlite).await else {
        return;
    };
    let store = kairos::store::connect(&url).await.expect("store");
    store.migrate().await.expect("migrate");
    store.create_organization("Org").await.expect("write");
    let path = url.trim_start_matches("sqlite://").to_string();
    for file in [path.clone(), format!("{path}-wal"), format!("{path}-shm")] {
        let mode = std::fs::metadata(&file).expect(&file).permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{file} is {mode:o}");
    }
}
