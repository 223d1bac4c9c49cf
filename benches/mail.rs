//! Email delivery: how fast the outbox hands booking emails to a local SMTP
//! server (aiosmtpd), and how late reminders arrive after their instant.
//!
//! 1. Throughput: 500 bookings over real HTTP (1,000 messages: the invitee's
//!    confirmation with its invitation, the host's notification), then the
//!    worker's own step (`effects::run_due`, `STEP_LIMIT` (64) at a time, as the background
//!    loop calls it) until the server has them all.
//! 2. Reminder lateness: three times, 20 hosts are booked at one time with a
//!    reminder a minute before; the app's clock is moved so that minute falls
//!    3 s from now, and the real background workers run. Lateness is the
//!    SMTP server's receipt (the saved file's time) minus the instant.
//!
//! SQLite always, PostgreSQL when `KAIROS_TEST_POSTGRES_URL` is set.
//! `cargo bench --bench mail` (needs `pip install aiosmtpd icalendar`;
//! results in docs/PERFORMANCE.md).

mod common;
#[path = "../tests/service/smtp.rs"]
#[allow(dead_code)]
mod smtp;

use chrono::{DateTime, Duration, Utc};
use kairos::app::App as Context;
use kairos::config::{MailSettings, Secret};
use kairos::http::router;
use kairos::store::connect;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Instant, SystemTime};

const HOSTS: usize = 20;
const BOOKINGS: usize = 500;
const ROUNDS: usize = 3;

fn main() {
    common::run_on_each_backend(|backend, url| async move { run(backend, &url).await });
}

async fn run(backend: &str, url: &str) {
    let sink = smtp::SmtpSink::start()
        .await
        .expect("aiosmtpd is needed: pip install aiosmtpd icalendar");
    let store = connect(url).await.expect("store");
    store.migrate().await.expect("migrate");
    // The app's clock runs `ahead` milliseconds before the wall clock.
    let ahead = Arc::new(AtomicI64::new(0));
    let offset = ahead.clone();
    let settings = MailSettings {
        smtp_url: Some(Secret::new(sink.url())),
        from: "Kairos <bench@kairos.test>".to_string(),
        ..MailSettings::default()
    };
    let app = Context::new(store.clone(), "http://127.0.0.1")
        .with_clock(Arc::new(move || {
            Utc::now() + Duration::milliseconds(offset.load(Ordering::Relaxed))
        }))
        .with_mail(&settings)
        .expect("mail settings");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let served = app.clone();
    tokio::spawn(async move { axum::serve(listener, router(served)).await });
    let client = reqwest::Client::builder().build().expect("client");
    common::seed(
        &store,
        &base,
        &client,
        HOSTS,
        json!({ "reminder_minutes": [1] }),
    )
    .await;

    // 1. Throughput. These bookings lie weeks after the reminder rounds
    // below, so moving the clock to those rounds makes none of theirs due.
    let first_day = Utc::now().date_naive() + chrono::Days::new(2);
    let midnight = first_day.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
    let later = midnight + Duration::days(30);
    let starts: Vec<(usize, DateTime<Utc>)> = (0..BOOKINGS)
        .map(|i| {
            (
                i % HOSTS,
                later + Duration::minutes(15 * (i / HOSTS) as i64),
            )
        })
        .collect();
    book_all(&client, &base, &starts).await;
    let started = Instant::now();
    loop {
        let ran = kairos::effects::run_due(&app, kairos::effects::STEP_LIMIT)
            .await
            .expect("run");
        if ran == 0 && sink.received().len() >= 2 * BOOKINGS {
            break;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let sent = sink.received().len();
    println!(
        "{backend}: {sent} messages to the SMTP server in {elapsed:.2} s = {:.0} messages/s",
        sent as f64 / elapsed
    );

    // 2. Reminder lateness, with the real background loops.
    let workers = kairos::workers::spawn(app.clone());
    let mut late_ms: Vec<f64> = Vec::new();
    for round in 0..ROUNDS {
        let at = midnight + Duration::days(3 + round as i64) + Duration::hours(10);
        let group: Vec<(usize, DateTime<Utc>)> = (0..HOSTS).map(|h| (h, at)).collect();
        let before = sink.received().len();
        book_all(&client, &base, &group).await;
        // The confirmations go first (the workers are running).
        wait_for(&sink, before + 2 * HOSTS).await;
        let before = sink.received();
        // The reminders are due a minute before `at`: 3 s from now.
        let due = at - Duration::minutes(1);
        let due_wall = SystemTime::now() + std::time::Duration::from_secs(3);
        let shift = (due - Utc::now()).num_milliseconds() - 3_000;
        ahead.store(shift, Ordering::Relaxed);
        app.signals.effects.notify_one();
        wait_for(&sink, before.len() + 2 * HOSTS).await;
        for file in sink.received().iter().filter(|f| !before.contains(f)) {
            let received = std::fs::metadata(file)
                .and_then(|m| m.modified())
                .expect("mtime");
            let late = match received.duration_since(due_wall) {
                Ok(after) => after.as_secs_f64() * 1000.0,
                Err(early) => -early.duration().as_secs_f64() * 1000.0,
            };
            late_ms.push(late);
        }
        ahead.store(0, Ordering::Relaxed);
    }
    workers.shutdown(std::time::Duration::from_secs(5)).await;
    late_ms.sort_by(f64::total_cmp);
    let pick = |q: f64| late_ms[((late_ms.len() - 1) as f64 * q).round() as usize];
    println!(
        "{backend}: {} reminders, lateness after their instant: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms, earliest {:.0} ms",
        late_ms.len(),
        pick(0.5),
        pick(0.99),
        late_ms[late_ms.len() - 1],
        late_ms[0]
    );
    assert!(late_ms[0] >= -50.0, "a reminder went early");
}

/// Books host `h` at each start, one request after another (the bookings
/// are not what is measured).
async fn book_all(client: &reqwest::Client, base: &str, starts: &[(usize, DateTime<Utc>)]) {
    for (host, start) in starts {
        let response = client
            .post(format!("{base}/api/v1/public/host-{host}/call/bookings"))
            .json(&json!({ "start": start, "invitee": { "name": "Bench", "email": "bench@example.com", "timezone": "UTC" } }))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), reqwest::StatusCode::CREATED);
    }
}

async fn wait_for(sink: &smtp::SmtpSink, count: usize) {
    let deadline = Instant::now() + std::time::Duration::from_secs(120);
    while sink.received().len() < count {
        assert!(Instant::now() < deadline, "the messages did not arrive");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
