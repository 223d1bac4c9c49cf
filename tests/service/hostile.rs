//! One request must never take Kairos down: hostile scenarios and calendar
//! text through the real accept loop while `/healthz` keeps answering, slow
//! clients dropped, connections capped, and hostile busy time already in the
//! database counted busy instead of failing every slots request.

use crate::helpers::{App, Backend, office_hours, slot_starts};
use axum::http::{Method, StatusCode};
use kairos::http::server::{Limits, serve};
use kairos::store::BusyBlockInput;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The app served over real TCP with `limits`; returns its address.
async fn served(app: &App, limits: Limits) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let router = app.router.clone();
    tokio::spawn(serve(listener, router, limits, std::future::pending()));
    addr
}

fn scenario(events: &[String], hosts: usize, days: i64) -> Value {
    let host = |i: usize| {
        json!({
            "id": format!("h{i}"),
            "schedule": { "timezone": "UTC", "weekly": { "mon": [["09:00", "17:00"]] } },
            "events": events
        })
    };
    json!({
        "now": "2026-06-01T00:00:00Z",
        "range": { "start": "2026-06-01T00:00:00Z",
                   "end": (chrono::DateTime::parse_from_rfc3339("2026-06-01T00:00:00Z").expect("instant") + chrono::Duration::days(days)).to_rfc3339() },
        "event_type": { "kind": if hosts == 1 { "one_on_one" } else { "round_robin" }, "duration_minutes": 15 },
        "hosts": (0..hosts).map(host).collect::<Vec<_>>()
    })
}

fn vevent(lines: &str) -> String {
    format!("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:h\r\n{lines}END:VEVENT\r\nEND:VCALENDAR\r\n")
}

/// The hostile inputs the outside testers sent, as scenario bodies.
fn hostile_bodies() -> Vec<(&'static str, String)> {
    let mut deep = String::from("BEGIN:VCALENDAR\r\n");
    deep.push_str(&"BEGIN:VEVENT\r\n".repeat(3_000));
    deep.push_str(&"END:VEVENT\r\n".repeat(3_000));
    deep.push_str("END:VCALENDAR\r\n");
    let zone = "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:X\r\nBEGIN:STANDARD\r\nDTSTART:16010101T000000\r\n\
        TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\nRRULE:FREQ=MINUTELY\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n\
        BEGIN:VEVENT\r\nUID:x\r\nDTSTART;TZID=X:20260601T100000\r\nDURATION:PT1H\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    vec![
        ("deep nesting", scenario(&[deep], 1, 1).to_string()),
        (
            "secondly from 1970",
            scenario(
                &[vevent("DTSTART:19700101T000000Z\r\nDURATION:PT1S\r\nRRULE:FREQ=SECONDLY\r\n")],
                1,
                366,
            )
            .to_string(),
        ),
        (
            "huge duration",
            scenario(
                &[vevent("DTSTART:20260601T100000Z\r\nDURATION:PT9999999999999999S\r\nRRULE:FREQ=DAILY\r\n")],
                1,
                1,
            )
            .to_string(),
        ),
        ("minutely VTIMEZONE", scenario(&[zone.to_string()], 1, 1).to_string()),
        ("2,000 hosts for a year", scenario(&[], 2_000, 366).to_string()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_do_not_stop_the_server() {
    let Some(app) = App::new(Backend::Sqlite).await else {
        return;
    };
    let addr = served(&app, Limits::default()).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");
    let base = format!("http://{addr}");
    let mut attacks = Vec::new();
    for round in 0..3 {
        for (name, body) in hostile_bodies() {
            let (client, base, key) = (client.clone(), base.clone(), app.key.clone());
            attacks.push(tokio::spawn(async move {
                let answer = client
                    .post(format!("{base}/api/v1/availability/slots"))
                    .bearer_auth(key)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("answered");
                (
                    round,
                    name,
                    answer.status(),
                    answer.text().await.unwrap_or_default(),
                )
            }));
        }
    }
    // While they run, the server answers its health check within a second.
    let mut slowest = Duration::ZERO;
    while attacks.iter().any(|a| !a.is_finished()) {
        let began = Instant::now();
        let health = client
            .get(format!("{base}/healthz"))
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .expect("healthz answers");
        assert_eq!(health.status(), reqwest::StatusCode::OK);
        slowest = slowest.max(began.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(slowest < Duration::from_secs(1), "healthz took {slowest:?}");
    for attack in attacks {
        let (_, name, status, body) = attack.await.expect("attack task");
        assert_eq!(
            status,
            reqwest::StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {body}"
        );
        assert!(
            body.contains("limit")
                || body.contains("nested")
                || body.contains("at most")
                || body.contains("more than"),
            "{name} names its limit: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_are_dropped_and_connections_capped() {
    let Some(app) = App::new(Backend::Sqlite).await else {
        return;
    };
    let limits = Limits {
        header_read_timeout: Duration::from_millis(500),
        max_connections: 2,
        ..Limits::default()
    };
    let addr = served(&app, limits).await;
    // Two clients that start their headers and never finish them.
    let mut idle = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: kairos\r\n")
            .await
            .expect("partial headers");
        idle.push(stream);
    }
    // A third is served only once one of them is dropped.
    let began = Instant::now();
    let mut third = TcpStream::connect(addr).await.expect("connect");
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: kairos\r\nConnection: close\r\n\r\n")
        .await
        .expect("request");
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(10), third.read_to_string(&mut answer))
        .await
        .expect("served within the timeout")
        .expect("read");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        began.elapsed() >= Duration::from_millis(300),
        "waited for a slot: {:?}",
        began.elapsed()
    );
    // The slow ones were closed by the server.
    for mut stream in idle {
        let mut rest = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest))
            .await
            .expect("closed by the server");
        assert!(read.is_ok() || rest.is_empty(), "{read:?}");
        assert!(!String::from_utf8_lossy(&rest).contains("200 OK"));
    }
}

crate::on_both!(stored_hostile_busy_time_counts_busy);

async fn stored_hostile_busy_time_counts_busy(backend: Backend) {
    let Some(app) = App::new(backend).await else {
        return;
    };
    let ana = app.host("ana", "UTC", office_hours()).await;
    app.event_type(json!({ "owner_id": ana, "slug": "intro", "title": "Intro", "kind": "one_on_one", "duration_minutes": 30 }))
        .await;
    const SLOTS: &str = "/api/v1/public/ana/intro/slots?start=2026-06-01T00:00:00Z&end=2026-06-03T00:00:00Z&timezone=UTC";
    // (Another range than below: the slots cache does not see store writes
    // made behind the API's back.)
    let before = app
        .public(Method::GET, &SLOTS.replace("06-03", "06-04"), None)
        .await;
    assert_eq!(before.status, StatusCode::OK);
    assert!(!slot_starts(&before.json).is_empty());
    // The API refuses it…
    let secondly = vevent("DTSTART:19700101T000000Z\r\nDURATION:PT1S\r\nRRULE:FREQ=SECONDLY\r\n");
    let refused = app
        .admin(
            Method::POST,
            "/api/v1/busy-blocks",
            Some(json!({ "user_id": ana, "start": "1969-12-30T00:00:00Z", "end": "9000-01-01T00:00:00Z", "ical": secondly })),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.json
    );
    assert_eq!(refused.json["field"], "ical");
    // …but one that reached the database another way (synced, or stored
    // before) blocks its host's time instead of failing every request.
    let organization = app.store.organizations().await.expect("organizations")[0]
        .id
        .clone();
    app.store
        .insert_busy_block(
            &organization,
            &BusyBlockInput {
                user_id: ana,
                start: "1969-12-30T00:00:00Z".parse().expect("instant"),
                end: "9000-01-01T00:00:00Z".parse().expect("instant"),
                source: "google:primary".to_string(),
                external_id: Some("hostile".to_string()),
                ical: Some(secondly),
            },
        )
        .await
        .expect("stored");
    let after = app.public(Method::GET, SLOTS, None).await;
    assert_eq!(after.status, StatusCode::OK, "{}", after.json);
    assert!(slot_starts(&after.json).is_empty(), "{}", after.json);
}
