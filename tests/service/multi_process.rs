//! Several stateless Kairos processes over one PostgreSQL database: a booking
//! made through one is seen by the others' slot answers (their caches learn
//! of it through LISTEN/NOTIFY).

use crate::helpers::{Backend, booking, fresh_database, send, test_now};
use axum::http::{Method, StatusCode};
use kairos::app::App as Context;
use kairos::domain::{hash_secret, random_token};
use kairos::http::router;
use kairos::store::connect;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

async fn process(url: &str) -> axum::Router {
    let store = connect(url).await.expect("store");
    store.migrate().await.expect("migrate");
    let state = Context::new(store, "http://kairos.test").with_clock(Arc::new(test_now));
    state.watch_changes().await.expect("listen");
    router(state)
}

fn starts(answer: &Value) -> usize {
    answer["days"].as_array().map_or(0, |days| {
        days.iter()
            .map(|d| d["slots"].as_array().map_or(0, Vec::len))
            .sum()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn processes_share_one_database() {
    let Some(url) = fresh_database(Backend::Postgres).await else {
        return;
    };
    let first = process(&url).await;
    let second = process(&url).await;
    // Set up through the first process.
    let store = connect(&url).await.expect("store");
    let org = store.create_organization("Org").await.expect("org");
    let key = format!("k{}", random_token(20));
    store
        .create_api_key(&org.id, "k", &hash_secret(&key))
        .await
        .expect("key");
    let bearer = format!("Bearer {key}");
    let auth = [("authorization", bearer.as_str())];
    let user = send(
        &first,
        Method::POST,
        "/api/v1/users",
        Some(
            json!({ "slug": "ana", "name": "Ana", "email": "ana@example.com", "timezone": "UTC" })
                .to_string(),
        ),
        &auth,
    )
    .await;
    let ana = user.json["id"].as_str().expect("id").to_string();
    let day = json!([["09:00", "12:00"]]);
    send(&first, Method::POST, "/api/v1/schedules", Some(json!({ "user_id": ana, "name": "H", "timezone": "UTC", "weekly": { "mon": day }, "is_default": true }).to_string()), &auth).await;
    send(&first, Method::POST, "/api/v1/event-types", Some(json!({ "owner_id": ana, "slug": "call", "title": "Call", "kind": "one_on_one", "duration_minutes": 60 }).to_string()), &auth).await;
    let url_slots = "/api/v1/public/ana/call/slots?start=2026-06-01T00:00:00Z&end=2026-06-02T00:00:00Z&timezone=UTC";
    // The second process computes (and caches) three slots.
    let mut seen = 0;
    for _ in 0..50 {
        seen = starts(&send(&second, Method::GET, url_slots, None, &[]).await.json);
        if seen == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen, 3);
    // Book through the first process.
    let made = send(
        &first,
        Method::POST,
        "/api/v1/public/ana/call/bookings",
        Some(booking("2026-06-01T10:00:00Z", "p@example.com").to_string()),
        &[],
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json);
    // The second process's answer follows within moments.
    let mut after = 3;
    for _ in 0..100 {
        after = starts(&send(&second, Method::GET, url_slots, None, &[]).await.json);
        if after == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(after, 2, "the booking made elsewhere shows");
    // And it cannot be booked twice through the second process.
    let again = send(
        &second,
        Method::POST,
        "/api/v1/public/ana/call/bookings",
        Some(booking("2026-06-01T10:00:00Z", "q@example.com").to_string()),
        &[],
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}
