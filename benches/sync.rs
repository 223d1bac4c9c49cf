//! Calendar sync speed: an initial sync of 5,000 events (300 of them
//! recurring series) from the Google fake and from a real Radicale, then an
//! incremental sync of 10 changes; and the slots endpoint for a host with
//! those 10,000 synced events against a host with no calendars (the endpoint
//! reads only the local store, so only the engine's own cost may differ).
//! SQLite always, PostgreSQL when `KAIROS_TEST_POSTGRES_URL` is set.
//!
//! `cargo bench --bench sync` (needs `pip install radicale`; results in
//! docs/PERFORMANCE.md).

mod common;
#[path = "../tests/service/fakes/mod.rs"]
#[allow(dead_code)]
mod fakes;
#[path = "../tests/service/radicale.rs"]
#[allow(dead_code)]
mod radicale;

use chrono::{Duration, Utc};
use kairos::app::App as Context;
use kairos::domain::{Provider, hash_secret, random_token};
use kairos::http::router;
use kairos::secrets::KeyRing;
use kairos::store::{NewConnection, SharedStore, connect};

use kairos::sync::api::Credentials;
use kairos::sync::runner::sync_connection;
use kairos::sync::vault::seal_context;
use serde_json::json;
use std::time::Instant;
use tower::ServiceExt;

const EVENTS: usize = 5_000;
const RECURRING: usize = 300;
const CALENDAR: &str = "ana@example.com";

fn main() {
    common::run_on_each_backend(|backend, url| async move { run(backend, &url).await });
}

/// The `i`th generated event: a weekly series for the first [`RECURRING`]
/// (half bounded by COUNT, half by UNTIL), single hour-long events spread
/// over a year for the rest. As iCalendar (CalDAV) and as Google JSON.
fn event(i: usize) -> (String, serde_json::Value) {
    let start = Utc::now()
        .date_naive()
        .and_hms_opt(9, 0, 0)
        .expect("time")
        .and_utc()
        + Duration::hours(((i * 7) % (365 * 24)) as i64);
    let end = start + Duration::minutes(45);
    let stamp = |t: chrono::DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    let rule = if i >= RECURRING {
        None
    } else if i.is_multiple_of(2) {
        Some("RRULE:FREQ=WEEKLY;COUNT=40".to_string())
    } else {
        Some(format!(
            "RRULE:FREQ=WEEKLY;UNTIL={}",
            stamp(start + Duration::days(180))
        ))
    };
    let ical = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\nUID:ev{i}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{}\r\nDTEND:{}\r\n{}SUMMARY:Event {i}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        stamp(start),
        stamp(end),
        rule.as_ref()
            .map(|r| format!("{r}\r\n"))
            .unwrap_or_default()
    );
    let mut google = json!({ "kind": "calendar#event", "id": format!("ev{i}"), "status": "confirmed",
        "summary": format!("Event {i}"),
        "start": { "dateTime": start.to_rfc3339(), "timeZone": "UTC" },
        "end": { "dateTime": end.to_rfc3339(), "timeZone": "UTC" } });
    if let Some(rule) = rule {
        google["recurrence"] = json!([rule]);
    }
    (ical, google)
}

struct Timing {
    initial: std::time::Duration,
    initial_rows: usize,
    incremental: std::time::Duration,
    changes: usize,
}

async fn time_syncs(service: &Context, id: &str, change: impl AsyncFnOnce()) -> Timing {
    let started = Instant::now();
    let first = sync_connection(service, id).await.expect("initial sync");
    let initial = started.elapsed();
    change().await;
    let started = Instant::now();
    let next = sync_connection(service, id)
        .await
        .expect("incremental sync");
    Timing {
        initial,
        initial_rows: first.upserts,
        incremental: started.elapsed(),
        changes: next.upserts + next.removed,
    }
}

fn seal(
    service: &Context,
    user: &str,
    provider: Provider,
    server: &str,
    account: &str,
    credentials: &Credentials,
) -> String {
    let text = serde_json::to_string(credentials).expect("json");
    service
        .keys
        .as_ref()
        .expect("keys")
        .seal(&text, &seal_context(user, provider, server, account))
        .expect("seal")
}

async fn api(
    app: &axum::Router,
    key: &str,
    path: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let request = axum::http::Request::post(path)
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("response");
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    serde_json::from_slice(&bytes).expect("json")
}

/// A host with office hours every day and a 30-minute event type.
async fn host(app: &axum::Router, key: &str, slug: &str) -> String {
    let user = api(app, key, "/api/v1/users", json!({ "slug": slug, "name": slug, "email": format!("{slug}@example.com"), "timezone": "UTC" })).await;
    let id = user["id"].as_str().expect("id").to_string();
    let day = json!([["09:00", "17:00"]]);
    api(app, key, "/api/v1/schedules", json!({ "user_id": id, "name": "Hours", "timezone": "UTC", "is_default": true,
        "weekly": { "mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": day, "sun": day } })).await;
    api(app, key, "/api/v1/event-types", json!({ "owner_id": id, "slug": "call", "title": "Call", "kind": "one_on_one", "duration_minutes": 30 })).await;
    id
}

/// Median latency of the slots endpoint over a week, with the cache dropped
/// before each request (every answer computed from the store).
async fn slots_median(
    app: &axum::Router,
    state: &Context,
    slug: &str,
) -> (std::time::Duration, usize) {
    let from = Utc::now().date_naive() + chrono::Days::new(7);
    let to = from + chrono::Days::new(7);
    let uri = format!(
        "/api/v1/public/{slug}/call/slots?start={from}T00:00:00Z&end={to}T00:00:00Z&timezone=UTC"
    );
    let mut times = Vec::new();
    let mut count = 0;
    for _ in 0..100 {
        state.caches.invalidate();
        let request = axum::http::Request::get(&uri)
            .body(axum::body::Body::empty())
            .expect("request");
        let started = Instant::now();
        let response = app.clone().oneshot(request).await.expect("response");
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 22)
            .await
            .expect("body");
        times.push(started.elapsed());
        let answer: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        count = answer["days"].as_array().map_or(0, |d| {
            d.iter()
                .map(|d| d["slots"].as_array().map_or(0, Vec::len))
                .sum()
        });
    }
    times.sort();
    (times[times.len() / 2], count)
}

async fn run(backend: &str, url: &str) {
    let store: SharedStore = connect(url).await.expect("store");
    store.migrate().await.expect("migrate");
    let org = store.create_organization("Bench").await.expect("org");
    let key = format!("kairos_{}", random_token(32));
    store
        .create_api_key(&org.id, "bench", &hash_secret(&key))
        .await
        .expect("key");
    let keys = KeyRing::parse(&format!("b1:{}", KeyRing::generate_key())).expect("keys");
    let google = fakes::google::GoogleFake::start().await;
    google.world.lock().expect("world").page_size = 250;
    let providers = kairos::config::ProviderSettings {
        google: google.settings(),
        // Radicale listens on loopback.
        caldav_allow_private_networks: true,
        ..Default::default()
    };
    let state = Context::new(store.clone(), "http://127.0.0.1")
        .with_keys(Some(keys))
        .with_providers(providers);
    let service = state.clone();
    let app = router(state.clone());
    let ana = host(&app, &key, "ana").await;
    host(&app, &key, "bo").await;

    // Google: 5,000 events in the primary calendar, read 250 a page.
    for i in 0..EVENTS {
        google.store(CALENDAR, event(i).1);
    }
    let (access, refresh) = google.oauth.lock().expect("oauth").grant();
    let credentials = Credentials::OAuth {
        access_token: access,
        refresh_token: Some(refresh),
        expires_at: Utc::now() + Duration::hours(1),
    };
    let id = store
        .upsert_connection(
            &NewConnection {
                organization_id: org.id.clone(),
                user_id: ana.clone(),
                provider: Provider::Google,
                account: CALENDAR.to_string(),
                server_url: String::new(),
                credentials: seal(&service, &ana, Provider::Google, "", CALENDAR, &credentials),
            },
            Utc::now(),
        )
        .await
        .expect("connection");
    let fake = google.clone();
    let g = time_syncs(&service, &id, async || {
        for i in 0..5 {
            fake.store(CALENDAR, event(EVENTS + i).1);
        }
        for i in 0..3 {
            let mut changed = event(RECURRING + i).1;
            changed["summary"] = json!("moved");
            fake.store(CALENDAR, changed);
        }
        fake.remove(CALENDAR, "ev4000");
        fake.remove(CALENDAR, "ev4001");
    })
    .await;

    // CalDAV: 5,000 resources in a real Radicale.
    let Some(server) = radicale::radicale().await else {
        println!("{backend}: Radicale is not installed (pip install radicale); CalDAV skipped");
        return;
    };
    let (client, work) = server.work_calendar("ana", "x").await;
    // Radicale takes PUTs one at a time and slowly; the resources are written
    // straight into its file storage instead (what 5,000 PUTs would leave).
    let filled = Instant::now();
    let folder = server.dir.join("data/collection-root/ana/work");
    for i in 0..EVENTS {
        std::fs::write(folder.join(format!("ev{i}.ics")), event(i).0).expect("write");
    }
    let fill = filled.elapsed();
    // Radicale's own first read of 5,000 files (it parses and caches each
    // item) is slow and not Kairos's; time it apart, then sync warm.
    let raw = Instant::now();
    // On a slow machine the first read outlasts the client's 30 s limit;
    // Radicale goes on parsing and caching, so asking again finishes it.
    let mut fetched = None;
    for _ in 0..20 {
        match client.sync(&work, None).await {
            Ok(delta) => {
                fetched = Some(delta.changed.len());
                break;
            }
            Err(error) => eprintln!("Radicale is still reading its files ({error}); asking again"),
        }
    }
    let fetched = fetched.expect("raw fetch");
    let raw = raw.elapsed();
    let password = Credentials::Password {
        password: "x".to_string(),
    };
    let id = store
        .upsert_connection(
            &NewConnection {
                organization_id: org.id.clone(),
                user_id: ana.clone(),
                provider: Provider::Caldav,
                account: "ana".to_string(),
                server_url: server.url.to_string(),
                credentials: seal(
                    &service,
                    &ana,
                    Provider::Caldav,
                    server.url.as_str(),
                    "ana",
                    &password,
                ),
            },
            Utc::now(),
        )
        .await
        .expect("connection");
    let c = time_syncs(&service, &id, async || {
        for i in 0..5 {
            client
                .put(
                    &work,
                    &format!("ev{}.ics", EVENTS + i),
                    &event(EVENTS + i).0,
                )
                .await
                .expect("put");
        }
        for i in 0..3 {
            let text = event(RECURRING + i).0.replace("SUMMARY:", "SUMMARY:moved ");
            client
                .put(&work, &format!("ev{}.ics", RECURRING + i), &text)
                .await
                .expect("put");
        }
        client.delete(&work, "ev4000.ics").await.expect("delete");
        client.delete(&work, "ev4001.ics").await.expect("delete");
    })
    .await;

    let (busy, busy_slots) = slots_median(&app, &state, "ana").await;
    let (bare, bare_slots) = slots_median(&app, &state, "bo").await;
    for (name, t) in [("google fake", &g), ("radicale", &c)] {
        println!(
            "{backend}: {name}: initial sync of {} rows in {:.2} s; incremental sync of {} changes in {:.0} ms",
            t.initial_rows,
            t.initial.as_secs_f64(),
            t.changes,
            t.incremental.as_secs_f64() * 1000.0
        );
    }
    println!(
        "{backend}: (writing {EVENTS} files into Radicale's storage took {:.1} s; Radicale's first answer to sync-collection + multiget of {fetched} items took {:.2} s; neither counted)",
        fill.as_secs_f64(),
        raw.as_secs_f64()
    );
    println!(
        "{backend}: slots over a week, uncached, median of 100: host with 2 connections and {} synced rows {:.2} ms ({busy_slots} slots); host with none {:.2} ms ({bare_slots} slots)",
        2 * EVENTS,
        busy.as_secs_f64() * 1000.0,
        bare.as_secs_f64() * 1000.0
    );
}
