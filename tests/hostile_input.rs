//! Hostile iCalendar text and scenarios, as outside testers sent them: each
//! one crashed, hung or silently freed time before. Through the engine (what
//! synced data meets: counted busy, never free) and through `kairos slots`
//! (a scenario: exit 2 naming the limit).

use kairos::engine::ical::parse_calendar;
use kairos::engine::limits::{Budget, Exceeded};
use kairos::engine::{Instant, Interval, Zone, search};
use kairos::scenario::parse_scenario;
use serde_json::{Value, json};
use std::process::{Command, Output};

fn vevent(lines: &[&str]) -> String {
    let mut text =
        String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:hostile\r\n");
    for line in lines {
        text.push_str(line);
        text.push_str("\r\n");
    }
    text.push_str("END:VEVENT\r\nEND:VCALENDAR\r\n");
    text
}

fn nested(depth: usize) -> String {
    let mut text = String::from("BEGIN:VCALENDAR\r\n");
    text.push_str(&"BEGIN:VEVENT\r\n".repeat(depth));
    text.push_str(&"END:VEVENT\r\n".repeat(depth));
    text.push_str("END:VCALENDAR\r\n");
    text
}

/// A one-day scenario for one host, busy with `events`.
fn scenario(events: &[String]) -> Value {
    json!({
        "now": "2026-06-01T00:00:00Z",
        "range": { "start": "2026-06-01T00:00:00Z", "end": "2026-06-02T00:00:00Z" },
        "event_type": { "kind": "one_on_one", "duration_minutes": 60 },
        "hosts": [{
            "id": "ana",
            "schedule": { "timezone": "UTC", "weekly": { "mon": [["09:00", "12:00"]] } },
            "events": events
        }]
    })
}

fn kairos_slots(scenario: &str) -> Output {
    let dir = std::env::temp_dir().join(format!("kairos-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{}.json", scenario.len()));
    std::fs::write(&path, scenario).expect("write scenario");
    Command::new(env!("CARGO_BIN_EXE_kairos"))
        .args(["slots", "--scenario"])
        .arg(&path)
        .output()
        .expect("kairos runs")
}

fn assert_exit_2(scenario: &str, says: &str) {
    let output = kairos_slots(scenario);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains(says), "{says:?} in {stderr}");
}

const JUNE: Interval = Interval::new(Instant(1_780_272_000), Instant(1_780_272_000 + 86_400));

#[test]
fn deep_nesting_is_refused_before_the_parser_recurses() {
    for depth in [3_000, 50_000] {
        let error = parse_calendar(&nested(depth)).expect_err("too deep");
        assert!(error.message.contains("nested deeper"), "{error}");
        assert_eq!(error.line, 9, "the line of the ninth BEGIN: {error}");
    }
    let text = scenario(&[nested(50_000)]).to_string();
    assert_exit_2(&text, "nested deeper than 8 levels");
}

#[test]
fn huge_durations_are_refused_not_wrapped() {
    for duration in [
        "PT9999999999999999S",
        "P4294967295D",
        "PT9223372036854775807S",
    ] {
        let text = vevent(&[
            "DTSTART:20260601T100000Z",
            &format!("DURATION:{duration}"),
            "RRULE:FREQ=DAILY",
        ]);
        let error = parse_calendar(&text).expect_err(duration);
        assert!(error.message.contains("DURATION"), "{error}");
        assert_exit_2(&scenario(&[text]).to_string(), "at most 36525 days");
    }
    // An end a million years away is refused the same way.
    let far = vevent(&["DTSTART:20260601T100000Z", "DTEND:99991231T100000Z"]);
    assert!(parse_calendar(&far).is_err());
}

#[test]
fn a_zero_interval_is_refused_on_both_paths() {
    for rule in [
        "FREQ=DAILY;INTERVAL=0",
        "FREQ=MONTHLY;INTERVAL=0;BYDAY=1MO",
        "FREQ=WEEKLY;INTERVAL=-1",
    ] {
        let text = vevent(&[
            "DTSTART:20260601T100000Z",
            "DURATION:PT1H",
            &format!("RRULE:{rule}"),
        ]);
        let error = parse_calendar(&text).expect_err(rule);
        assert!(error.message.contains("INTERVAL"), "{rule}: {error}");
    }
}

/// Busy time of `text` over `window` with a fresh query budget, and the
/// series that went over it.
fn busy(text: &str, window: Interval) -> (Vec<Interval>, Vec<Exceeded>) {
    let calendar = parse_calendar(text).expect("parses");
    let mut out = Vec::new();
    let unreadable = calendar.busy(&Zone::UTC, window, &mut out, &mut Budget::for_query());
    (
        out.into_iter().map(|o| o.interval).collect(),
        unreadable.into_iter().map(|(_, why)| why).collect(),
    )
}

#[test]
fn runaway_recurrences_count_busy_over_their_span() {
    // Every second since 1970: 1.8 billion steps before; now a jump to the
    // window, and a window that holds 86,400 occurrences is over the budget.
    let secondly = vevent(&[
        "DTSTART:19700101T000000Z",
        "DURATION:PT1S",
        "RRULE:FREQ=SECONDLY",
    ]);
    let (intervals, unreadable) = busy(&secondly, JUNE);
    assert_eq!(unreadable, vec![Exceeded::SeriesSteps]);
    assert_eq!(
        intervals,
        vec![JUNE],
        "busy over the whole window, never free"
    );
    // With COUNT nothing can be skipped: the budget stops the walk.
    let counted = vevent(&[
        "DTSTART:19700101T000000Z",
        "DURATION:PT1S",
        "RRULE:FREQ=SECONDLY;COUNT=4000000000",
    ]);
    let (intervals, unreadable) = busy(&counted, JUNE);
    assert_eq!(unreadable, vec![Exceeded::SeriesSteps]);
    assert_eq!(intervals, vec![JUNE]);
    // A rule that matches too rarely for the recurrence library to find.
    let rare = vevent(&[
        "DTSTART:20260101T000000Z",
        "DURATION:PT1M",
        "RRULE:FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30",
    ]);
    let (intervals, unreadable) = busy(&rare, JUNE);
    assert_eq!(unreadable, vec![Exceeded::Pathological]);
    assert_eq!(intervals, vec![JUNE]);
    // A sane sub-daily rule from long ago is expanded exactly.
    let hourly = vevent(&[
        "DTSTART:19700101T000000Z",
        "DURATION:PT10M",
        "RRULE:FREQ=HOURLY;INTERVAL=6",
    ]);
    let (intervals, unreadable) = busy(&hourly, JUNE);
    assert!(unreadable.is_empty());
    let starts: Vec<String> = intervals.iter().map(|i| i.start.rfc3339()).collect();
    assert_eq!(
        starts,
        [
            "2026-06-01T00:00:00Z",
            "2026-06-01T06:00:00Z",
            "2026-06-01T12:00:00Z",
            "2026-06-01T18:00:00Z"
        ]
    );
}

#[test]
fn the_query_budget_bounds_many_costly_series() {
    // 100 series, each within its own share: together over the query's.
    let mut text = String::from("BEGIN:VCALENDAR\r\n");
    for n in 0..100 {
        text.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:s{n}\r\nDTSTART:20260101T000000Z\r\nDURATION:PT1S\r\nRRULE:FREQ=MINUTELY;COUNT=19000\r\nEND:VEVENT\r\n"
        ));
    }
    text.push_str("END:VCALENDAR\r\n");
    let january = Interval::new(Instant(1_768_003_200), Instant(1_768_003_200 + 86_400));
    let (intervals, unreadable) = busy(&text, january);
    assert!(unreadable.contains(&Exceeded::QuerySteps), "{unreadable:?}");
    assert!(intervals.contains(&january), "the rest counts busy");
}

#[test]
fn a_vtimezone_with_a_minutely_rule_is_refused() {
    let text = "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:Hostile\r\nBEGIN:STANDARD\r\n\
        DTSTART:16010101T000000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\nRRULE:FREQ=MINUTELY\r\n\
        END:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART;TZID=Hostile:20260601T100000\r\n\
        DURATION:PT1H\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let error = parse_calendar(text).expect_err("too many transitions");
    assert!(error.message.contains("more than 10000 times"), "{error}");
}

#[test]
fn synced_runaway_events_leave_the_host_without_slots_and_say_so() {
    let secondly = vevent(&[
        "DTSTART:19700101T000000Z",
        "DURATION:PT1S",
        "RRULE:FREQ=SECONDLY",
    ]);
    let query = parse_scenario(&scenario(std::slice::from_ref(&secondly)).to_string())
        .expect("valid scenario");
    let found = search(&query);
    assert!(found.slots.is_empty(), "{:?}", found.slots);
    assert_eq!(found.unreadable.len(), 1);
    assert_eq!(&*found.unreadable[0].uid, "hostile");
    // As a scenario, the same input is refused with the limit named.
    assert_exit_2(&scenario(&[secondly]).to_string(), "hosts[0].events");
}

#[test]
fn answers_are_bounded_before_any_work() {
    // 2,000 hosts over a year on a 15-minute grid: 70 million pairs.
    let host = |i: usize| json!({ "id": format!("h{i}"), "schedule": { "timezone": "UTC", "weekly": { "mon": [["09:00", "17:00"]] } } });
    let text = json!({
        "now": "2026-01-01T00:00:00Z",
        "range": { "start": "2026-01-01T00:00:00Z", "end": "2027-01-01T00:00:00Z" },
        "event_type": { "kind": "round_robin", "duration_minutes": 15 },
        "hosts": (0..2_000).map(host).collect::<Vec<_>>()
    })
    .to_string();
    let error = parse_scenario(&text).expect_err("too much work");
    assert_eq!(error.field, "range");
    assert!(
        error.message.contains("over the limit of 2000000"),
        "{error}"
    );
    assert_exit_2(&text, "over the limit of 2000000");
}

#[test]
fn oversized_scenarios_are_refused_unread() {
    let mut text = scenario(&[]).to_string();
    text.push_str(&" ".repeat(17 * 1024 * 1024));
    assert_exit_2(&text, "larger than the limit");
}
