//! Booking throughput over real HTTP: 32 concurrent clients booking distinct
//! slots (8 hosts, 4 clients each), on SQLite and on PostgreSQL when
//! `KAIROS_TEST_POSTGRES_URL` is set. Afterwards every host's bookings are
//! checked for overlaps: the number of double bookings must be zero.
//!
//! `cargo bench --bench booking_load` (results in docs/PERFORMANCE.md).

mod common;

use kairos::app::App as Context;
use kairos::http::router;
use kairos::store::{BookingFilter, connect};
use serde_json::json;
use std::time::Instant;

const HOSTS: usize = 8;
const CLIENTS: usize = 32;
const PER_CLIENT: usize = 125;

fn main() {
    common::run_on_each_backend(|backend, url| async move { run(backend, &url).await });
}

async fn run(backend: &str, url: &str) {
    let store = connect(url).await.expect("store");
    store.migrate().await.expect("migrate");
    let state = Context::new(store.clone(), "http://127.0.0.1");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router(state)).await });
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .expect("client");
    let organization = common::seed(&store, &base, &client, HOSTS, json!({})).await;

    // Client c books host c % HOSTS; clients sharing a host take interleaved slots.
    let first_day = chrono::Utc::now().date_naive() + chrono::Days::new(2);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (client, base) = (client.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            let host = c % HOSTS;
            let lane = c / HOSTS;
            let (mut ok, mut refused) = (0usize, 0usize);
            for k in 0..PER_CLIENT {
                let slot = k * (CLIENTS / HOSTS) + lane;
                let start = first_day.and_hms_opt(0, 0, 0).expect("midnight").and_utc()
                    + chrono::Duration::minutes(15 * slot as i64);
                let response = client
                    .post(format!("{base}/api/v1/public/host-{host}/call/bookings"))
                    .json(&json!({ "start": start, "invitee": { "name": "Load", "email": "load@example.com", "timezone": "UTC" } }))
                    .send()
                    .await
                    .expect("request");
                if response.status() == reqwest::StatusCode::CREATED {
                    ok += 1;
                } else {
                    refused += 1;
                }
            }
            (ok, refused)
        }));
    }
    let (mut ok, mut refused) = (0, 0);
    for task in tasks {
        let (a, b) = task.await.expect("client");
        ok += a;
        refused += b;
    }
    let elapsed = started.elapsed();

    // Zero double bookings: no two bookings of one host overlap.
    let bookings = store
        .bookings(&organization, &BookingFilter::default())
        .await
        .expect("bookings");
    let mut by_host: std::collections::HashMap<String, Vec<(i64, i64)>> = Default::default();
    for b in &bookings {
        for h in &b.hosts {
            by_host
                .entry(h.clone())
                .or_default()
                .push((b.start.timestamp(), b.end.timestamp()));
        }
    }
    let mut doubles = 0;
    for spans in by_host.values_mut() {
        spans.sort_unstable();
        doubles += spans.windows(2).filter(|w| w[1].0 < w[0].1).count();
    }
    println!(
        "{backend}: {ok} bookings ({refused} refused) by {CLIENTS} clients in {:.2} s = {:.0} bookings/s; double bookings: {doubles}",
        elapsed.as_secs_f64(),
        ok as f64 / elapsed.as_secs_f64()
    );
    assert_eq!(doubles, 0, "double bookings");
}
