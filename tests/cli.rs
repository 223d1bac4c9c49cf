//! `kairos slots` as a user runs it: output, explanations, and clear errors
//! (exit status 2, message naming the field) for every kind of bad scenario.

use serde_json::{Value, json};
use std::process::{Command, Output};

fn kairos(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kairos"))
        .args(args)
        .output()
        .expect("kairos runs")
}

fn example(name: &str) -> String {
    format!(
        "{}/fixtures/spec/examples/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn scenario() -> Value {
    json!({
        "now": "2026-06-01T00:00:00Z",
        "range": { "start": "2026-06-01T00:00:00Z", "end": "2026-06-02T00:00:00Z" },
        "event_type": { "kind": "one_on_one", "duration_minutes": 60 },
        "hosts": [{
            "id": "ana",
            "schedule": { "timezone": "UTC", "weekly": { "mon": [["09:00", "12:00"]] }, "overrides": [] },
            "busy": [], "events": [], "bookings": []
        }]
    })
}

/// Writes `text` to a scratch file and runs `kairos slots` on it.
fn run_text(text: &str, extra: &[&str]) -> Output {
    let dir = std::env::temp_dir().join(format!("kairos-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{:x}.json", fxhash(text)));
    std::fs::write(&path, text).expect("write scenario");
    let path = path.to_string_lossy().to_string();
    let mut args = vec!["slots", "--scenario", path.as_str()];
    args.extend_from_slice(extra);
    kairos(&args)
}

fn fxhash(text: &str) -> u64 {
    text.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    })
}

fn assert_rejected(text: &str, field: &str) {
    let output = run_text(text, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(2),
        "exit status for {field}; stderr: {stderr}"
    );
    assert!(stderr.contains(field), "error names {field:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "no panic: {stderr}");
    assert!(output.stdout.is_empty(), "nothing on stdout");
}

/// `value` with the field at `pointer` set (added if missing), as text.
fn with(mut value: Value, pointer: &str, new: Value) -> String {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer has a key");
    let parent = value.pointer_mut(parent).expect("parent exists");
    match parent {
        Value::Array(items) => items[key.parse::<usize>().expect("index")] = new,
        other => {
            other[key] = new;
        }
    }
    value.to_string()
}

#[test]
fn prints_the_slots_of_an_example() {
    let output = kairos(&["slots", "--scenario", &example("01-weekday-hours")]);
    assert!(output.status.success());
    let got: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(example("01-weekday-hours.expected")).expect("expected file"),
    )
    .expect("JSON");
    assert_eq!(got, expected);
}

#[test]
fn explains_a_start_time() {
    let output = kairos(&[
        "slots",
        "--scenario",
        &example("05-buffers"),
        "--explain",
        "2026-06-01T09:45:00Z",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let got: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(got["start"], "2026-06-01T09:45:00Z");
    assert_eq!(got["slot"], false);
    let host = &got["hosts"][0];
    assert_eq!(host["id"], "ana");
    assert_eq!(host["free"], false);
    // 09:45–10:15 overlaps the 10:00–10:30 busy block with the meeting itself.
    assert_eq!(
        host["reasons"],
        json!([{ "type": "busy", "index": 0, "start": "2026-06-01T10:00:00Z",
                 "end": "2026-06-01T10:30:00Z", "via": "meeting" }])
    );

    let output = kairos(&[
        "slots",
        "--scenario",
        &example("05-buffers"),
        "--explain",
        "2026-06-01T11:30:00Z",
    ]);
    let got: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    // 11:30–12:00 touches the 12:00 booking; only its 15-minute buffers collide.
    assert_eq!(got["hosts"][0]["reasons"][0]["type"], "booking");
    assert_eq!(got["hosts"][0]["reasons"][0]["via"], "buffer_after");

    let output = kairos(&[
        "slots",
        "--scenario",
        &example("05-buffers"),
        "--explain",
        "2026-06-01T09:00:00Z",
    ]);
    let got: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(got["slot"], true);
    assert_eq!(got["hosts"][0]["reasons"], json!([]));
}

#[test]
fn explains_events_notice_window_and_limits() {
    let output = kairos(&[
        "slots",
        "--scenario",
        &example("10-recurring-busy"),
        "--explain",
        "2026-06-01T15:00:00Z",
    ]);
    let got: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let reasons = &got["hosts"][0]["reasons"];
    assert!(
        reasons
            .as_array()
            .expect("list")
            .iter()
            .any(|r| r["type"] == "event" && r["uid"] == "standup"),
        "{reasons}"
    );

    let output = kairos(&[
        "slots",
        "--scenario",
        &example("06-notice-and-window"),
        "--explain",
        "2026-06-01T11:00:00Z",
    ]);
    let got: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(got["hosts"][0]["reasons"][0]["type"], "min_notice");
    assert_eq!(
        got["hosts"][0]["reasons"][0]["earliest"],
        "2026-06-01T12:10:00Z"
    );

    let output = kairos(&[
        "slots",
        "--scenario",
        &example("06-notice-and-window"),
        "--explain",
        "2026-06-04T10:00:00Z",
    ]);
    let got: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(
        got["hosts"][0]["reasons"][0],
        json!({ "type": "booking_window", "last_date": "2026-06-03" })
    );

    let output = kairos(&[
        "slots",
        "--scenario",
        &example("12-daily-limit"),
        "--explain",
        "2026-06-01T10:00:00Z",
    ]);
    let got: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(got["slot"], true, "ben is free");
    assert_eq!(
        got["hosts"][0]["reasons"][0],
        json!({ "type": "daily_limit", "date": "2026-06-01", "bookings": 1, "limit": 1 })
    );

    let output = kairos(&[
        "slots",
        "--scenario",
        &example("09-group-seats"),
        "--explain",
        "2026-06-01T10:00:00Z",
    ]);
    let got: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(got["slot"], false);
    assert_eq!(
        got["reasons"],
        json!([{ "type": "seats_full", "seats": 3 }])
    );

    let output = kairos(&[
        "slots",
        "--scenario",
        &example("13-two-of-three"),
        "--explain",
        "2026-06-01T09:00:00Z",
    ]);
    let got: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(
        got["reasons"],
        json!([{ "type": "not_enough_hosts", "free": 1, "required": 2 }])
    );

    let output = kairos(&[
        "slots",
        "--scenario",
        &example("01-weekday-hours"),
        "--explain",
        "2026-06-01T09:10:00+00:00",
    ]);
    let got: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(got["start"], "2026-06-01T09:10:00Z");
    assert_eq!(got["hosts"][0]["reasons"][0]["type"], "not_on_grid");
}

#[test]
fn rejects_every_kind_of_bad_scenario() {
    let base = scenario();
    assert_rejected("{ not json", "line 1");
    assert_rejected(
        &with(base.clone(), "/event_type/kind", json!("one_to_many")),
        "event_type.kind",
    );
    assert_rejected(
        &with(
            base.clone(),
            "/hosts/0/schedule/timezone",
            json!("Mars/Olympus"),
        ),
        "hosts[0].schedule.timezone",
    );
    assert_rejected(
        &with(base.clone(), "/event_type/timezone", json!("Nowhere")),
        "event_type.timezone",
    );
    assert_rejected(
        &with(base.clone(), "/range/end", json!("2026-05-01T00:00:00Z")),
        "range.end",
    );
    assert_rejected(
        &with(base.clone(), "/range/end", json!("2027-06-03T00:00:00Z")),
        "range",
    );
    assert_rejected(&with(base.clone(), "/now", json!("yesterday")), "now");
    assert_rejected(
        &with(base.clone(), "/range/start", json!("2026-06-01T00:00:00")),
        "range.start",
    );
    assert_rejected(
        &with(base.clone(), "/event_type/duration_minutes", json!(0)),
        "event_type.duration_minutes",
    );
    assert_rejected(
        &with(base.clone(), "/event_type/duration_minutes", json!(1441)),
        "event_type.duration_minutes",
    );
    assert_rejected(
        &with(base.clone(), "/event_type/duration_minutes", json!("60")),
        "event_type.duration_minutes",
    );
    assert_rejected(
        &with(
            base.clone(),
            "/event_type",
            json!({ "kind": "one_on_one", "duration_minutes": 30, "slot_interval_minutes": 0 }),
        ),
        "event_type.slot_interval_minutes",
    );
    assert_rejected(
        &with(
            base.clone(),
            "/event_type",
            json!({ "kind": "one_on_one", "duration_minutes": 30, "colour": "red" }),
        ),
        "colour",
    );
    assert_rejected(
        &with(
            base.clone(),
            "/hosts/0/schedule/weekly",
            json!({ "monday": [["09:00", "10:00"]] }),
        ),
        "hosts[0].schedule.weekly",
    );
    assert_rejected(
        &with(
            base.clone(),
            "/hosts/0/schedule/weekly",
            json!({ "mon": [["10:00", "09:00"]] }),
        ),
        "hosts[0].schedule.weekly.mon[0][1]",
    );
    assert_rejected(
        &with(
            base.clone(),
            "/hosts/0/schedule/weekly",
            json!({ "mon": [["9am", "10:00"]] }),
        ),
        "hosts[0].schedule.weekly.mon[0][0]",
    );
    assert_rejected(
        &with(
            base.clone(),
            "/hosts/0/schedule/overrides",
            json!([{ "date": "2026-02-30", "intervals": [] }]),
        ),
        "hosts[0].schedule.overrides[0].date",
    );
    assert_rejected(
        &with(
            base.clone(),
            "/hosts/0/busy",
            json!([{ "start": "2026-06-01T10:00:00Z", "end": "2026-06-01T09:00:00Z" }]),
        ),
        "hosts[0].busy[0].end",
    );
    assert_rejected(
        &with(
            base.clone(),
            "/hosts/0/bookings",
            json!([{ "start": "2026-06-01T10:00:00Z", "hosts": ["ana"], "status": "maybe" }]),
        ),
        "hosts[0].bookings[0].status",
    );
    assert_rejected(
        &with(
            base.clone(),
            "/hosts/0/events",
            json!([
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260601T100000Z\r\nthis is not ical\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            ]),
        ),
        "hosts[0].events[0]: line 5",
    );
    assert_rejected(
        &with(
            base.clone(),
            "/hosts/0/events",
            json!([
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART;TZID=Nowhere/Town:20260601T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            ]),
        ),
        "hosts[0].events[0]: line 4",
    );
    // A one_on_one with two hosts; required_hosts out of bounds; seats on a non-group.
    let mut two = base.clone();
    let second = {
        let mut h = two["hosts"][0].clone();
        h["id"] = json!("ben");
        h
    };
    two["hosts"].as_array_mut().expect("hosts").push(second);
    assert_rejected(&two.to_string(), "hosts");
    assert_rejected(
        &with(
            two.clone(),
            "/event_type",
            json!({ "kind": "collective", "duration_minutes": 30, "required_hosts": 3 }),
        ),
        "event_type.required_hosts",
    );
    assert_rejected(
        &with(
            two.clone(),
            "/event_type",
            json!({ "kind": "collective", "duration_minutes": 30, "required_hosts": 0 }),
        ),
        "event_type.required_hosts",
    );
    assert_rejected(
        &with(
            base.clone(),
            "/event_type",
            json!({ "kind": "one_on_one", "duration_minutes": 30, "seats": 4 }),
        ),
        "event_type.seats",
    );
    assert_rejected(
        &with(two.clone(), "/hosts/1/id", json!("ana")),
        "hosts[1].id",
    );
    assert_rejected(&with(base.clone(), "/hosts", json!([])), "hosts");
}

#[test]
fn bad_arguments_are_errors_not_panics() {
    let output = kairos(&["slots", "--scenario", "/nonexistent/scenario.json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/scenario.json"));
    let output = run_text(&scenario().to_string(), &["--explain", "tomorrow"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--explain"));
}

#[test]
fn slots_help_points_to_the_shipped_spec() {
    let output = kairos(&["slots", "--help"]);
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("docs/availability-spec.md"), "{help}");
    let spec = format!("{}/docs/availability-spec.md", env!("CARGO_MANIFEST_DIR"));
    assert!(std::path::Path::new(&spec).is_file(), "{spec} is shipped");
}

/// `kairos` in a scratch folder with the database URL set.
fn with_database(url: &str, args: &[&str]) -> (Output, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "kairos-cli-db-{}-{}",
        std::process::id(),
        fxhash(url)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_kairos"))
        .args(args)
        .current_dir(&dir)
        .env("KAIROS_DATABASE_URL", url)
        .output()
        .expect("kairos runs");
    (output, dir)
}

#[test]
fn unknown_database_schemes_are_refused() {
    for (url, said) in [
        ("mysql://root:hunter2@db.example/kairos", "\"mysql\""),
        ("kairos.db", "no scheme"),
    ] {
        let (output, dir) = with_database(url, &["migrate"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("KAIROS_DATABASE_URL") && stderr.contains(said),
            "names the setting and the scheme: {stderr}"
        );
        assert!(
            !stderr.contains("hunter2"),
            "no password in errors: {stderr}"
        );
        let left: Vec<_> = std::fs::read_dir(&dir).expect("dir").collect();
        assert!(left.is_empty(), "no SQLite file made of it: {left:?}");
    }
}

/// PostgreSQL reports where in its own source an error was raised; that is
/// no business of a Kairos user.
#[test]
fn database_errors_read_cleanly() {
    let Ok(admin) = std::env::var("KAIROS_TEST_POSTGRES_URL") else {
        eprintln!("KAIROS_TEST_POSTGRES_URL is not set: skipped");
        return;
    };
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(base, _)| base);
    let url = format!("{base}/kairos_no_such_database_{}", std::process::id());
    let (output, _) = with_database(&url, &["migrate"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(!stderr.contains(" at line "), "{stderr}");
    assert!(!stderr.contains("error returned from database"), "{stderr}");
}
