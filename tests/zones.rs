//! Slot computation around DST transitions and in odd zones, written as
//! scenarios (the spec's JSON → `parse_scenario` → `find_slots`).
//!
//! Every expected start is derived by hand from the spec: candidates are the
//! local times `00:00 + k·interval` of each date in the event type's zone,
//! turned into instants with the compatible rule (a time in a gap moves
//! forward by the gap, a time in a fold takes the earlier instant), with
//! duplicates dropped; availability is `[instant(date, start),
//! instant(date, end))` with `24:00` the next local midnight, merged when
//! touching. The tz data the derivations rely on (tzdata 2025b, as bundled
//! with chrono-tz 0.10) is checked first, in `tz_data_behind_the_derivations`.

use chrono::{DateTime, Duration, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use kairos::engine::find_slots;
use kairos::scenario::parse_scenario;
use serde_json::{Value, json};

// ------------------------------------------------------------------ helpers

fn slot_starts(scenario: &Value) -> Vec<String> {
    let query = parse_scenario(&scenario.to_string())
        .unwrap_or_else(|e| panic!("scenario rejected: {e}\n{scenario:#}"));
    find_slots(&query)
        .iter()
        .map(|slot| slot.start.rfc3339())
        .collect()
}

/// A one-host `one_on_one` scenario. `event_type` is merged over `{kind}`.
fn scenario(now: &str, range: (&str, &str), event_type: Value, schedule: Value) -> Value {
    let mut et = json!({ "kind": "one_on_one" });
    if let (Some(target), Some(extra)) = (et.as_object_mut(), event_type.as_object()) {
        for (key, value) in extra {
            target.insert(key.clone(), value.clone());
        }
    }
    json!({
        "now": now,
        "range": { "start": range.0, "end": range.1 },
        "event_type": et,
        "hosts": [ { "id": "host", "schedule": schedule } ]
    })
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn parse(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|_| panic!("test input {text:?} is RFC 3339"))
        .with_timezone(&Utc)
}

/// Instants from `first` to `last` (both included), `minutes` apart.
fn every(first: &str, last: &str, minutes: i64) -> Vec<String> {
    let (mut at, last) = (parse(first), parse(last));
    let mut out = Vec::new();
    while at <= last {
        out.push(at.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        at += Duration::minutes(minutes);
    }
    out
}

fn without(mut list: Vec<String>, drop: &[&str]) -> Vec<String> {
    list.retain(|s| !drop.contains(&s.as_str()));
    list
}

/// Offset east of UTC in minutes at `at`, straight from chrono-tz.
fn offset_minutes(tz: Tz, at: &str) -> i32 {
    tz.offset_from_utc_datetime(&parse(at).naive_utc())
        .fix()
        .local_minus_utc()
        / 60
}

#[test]
fn tz_data_behind_the_derivations() {
    use chrono_tz::{America, Asia, Australia, Europe, Pacific};
    // (zone, instant, offset in minutes): the second before and the instant of
    // each transition used below.
    let cases: &[(Tz, &str, i32)] = &[
        // New York: 02:00 EST -> 03:00 EDT; 02:00 EDT -> 01:00 EST.
        (America::New_York, "2026-03-08T06:59:59Z", -300),
        (America::New_York, "2026-03-08T07:00:00Z", -240),
        (America::New_York, "2026-11-01T05:59:59Z", -240),
        (America::New_York, "2026-11-01T06:00:00Z", -300),
        // London: 01:00 GMT -> 02:00 BST; 02:00 BST -> 01:00 GMT.
        (Europe::London, "2026-03-29T00:59:59Z", 0),
        (Europe::London, "2026-03-29T01:00:00Z", 60),
        (Europe::London, "2026-10-25T00:59:59Z", 60),
        (Europe::London, "2026-10-25T01:00:00Z", 0),
        // Lord Howe: 2026-04-05 02:00 (+11) -> 01:30 (+10:30);
        // 2026-10-04 02:00 (+10:30) -> 02:30 (+11).
        (Australia::Lord_Howe, "2026-04-04T14:59:59Z", 660),
        (Australia::Lord_Howe, "2026-04-04T15:00:00Z", 630),
        (Australia::Lord_Howe, "2026-10-03T15:29:59Z", 630),
        (Australia::Lord_Howe, "2026-10-03T15:30:00Z", 660),
        // Santiago: 2026-04-05 00:00 (-03) -> 04-04 23:00 (-04);
        // 2026-09-06 00:00 (-04) -> 01:00 (-03).
        (America::Santiago, "2026-04-05T02:59:59Z", -180),
        (America::Santiago, "2026-04-05T03:00:00Z", -240),
        (America::Santiago, "2026-09-06T03:59:59Z", -240),
        (America::Santiago, "2026-09-06T04:00:00Z", -180),
        // Havana: 2026-03-08 00:00 (-05) -> 01:00 (-04);
        // 2026-11-01 01:00 (-04) -> 00:00 (-05).
        (America::Havana, "2026-03-08T04:59:59Z", -300),
        (America::Havana, "2026-03-08T05:00:00Z", -240),
        (America::Havana, "2026-11-01T04:59:59Z", -240),
        (America::Havana, "2026-11-01T05:00:00Z", -300),
        // Apia: 2011-12-29 23:59:59 (-10) -> 2011-12-31 00:00 (+14).
        (Pacific::Apia, "2011-12-30T09:59:59Z", -600),
        (Pacific::Apia, "2011-12-30T10:00:00Z", 840),
        // Kathmandu: +05:45 all year.
        (Asia::Kathmandu, "2026-01-05T00:00:00Z", 345),
        (Asia::Kathmandu, "2026-07-05T00:00:00Z", 345),
        // Chatham: +13:45 in January; 2026-04-05 03:45 (+13:45) -> 02:45 (+12:45);
        // 2026-09-27 02:45 (+12:45) -> 03:45 (+13:45).
        (Pacific::Chatham, "2026-01-05T00:00:00Z", 825),
        (Pacific::Chatham, "2026-04-04T13:59:59Z", 825),
        (Pacific::Chatham, "2026-04-04T14:00:00Z", 765),
        (Pacific::Chatham, "2026-09-26T13:59:59Z", 765),
        (Pacific::Chatham, "2026-09-26T14:00:00Z", 825),
    ];
    for (tz, at, minutes) in cases {
        assert_eq!(offset_minutes(*tz, at), *minutes, "{tz} at {at}");
    }
}

/// A schedule with only Sunday rules.
fn sundays(zone: &str, ranges: Value) -> Value {
    json!({ "timezone": zone, "weekly": { "sun": ranges } })
}

// ---------------------------------------------------------- America/New_York

#[test]
fn new_york_spring_forward() {
    let ny = "America/New_York";
    let now = "2026-03-01T00:00:00Z";
    // Sunday 2026-03-08 runs from 05:00Z (00:00 EST) to 04:00Z on the 9th
    // (00:00 EDT): 23 hours. Hourly grid: 01:00 EST = 06:00Z, 02:00 is in the
    // gap and moves to 03:00 EDT = 07:00Z, which 03:00 itself also gives
    // (duplicate dropped); then hourly up to 23:00 EDT = 03:00Z.
    let day = ("2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z");
    let whole_day = sundays(ny, json!([["00:00", "24:00"]]));
    assert_eq!(
        slot_starts(&scenario(
            now,
            day,
            json!({ "duration_minutes": 60 }),
            whole_day.clone()
        )),
        every("2026-03-08T05:00:00Z", "2026-03-09T03:00:00Z", 60)
    );
    // A daily busy event at 02:30 New York: on the 8th 02:30 does not exist and
    // is read with the offset before the gap (EST): 07:30Z. The 30-minute grid
    // is every half hour from 05:00Z to 03:30Z (02:00/02:30 land on 07:00Z/07:30Z
    // and duplicate 03:00/03:30), minus the busy 07:30Z.
    let mut busy = scenario(
        now,
        day,
        json!({ "duration_minutes": 30 }),
        whole_day.clone(),
    );
    busy["hosts"][0]["events"] = json!([concat!(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:nightly@kairos.test\r\n",
        "DTSTART;TZID=America/New_York:20260307T023000\r\nDURATION:PT30M\r\n",
        "RRULE:FREQ=DAILY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )]);
    assert_eq!(
        slot_starts(&busy),
        without(
            every("2026-03-08T05:00:00Z", "2026-03-09T03:30:00Z", 30),
            &["2026-03-08T07:30:00Z"]
        )
    );
    let half_hours = |ranges: Value| {
        slot_starts(&scenario(
            now,
            day,
            json!({ "duration_minutes": 30 }),
            sundays(ny, ranges),
        ))
    };
    // 01:30-03:30: 01:30 EST = 06:30Z to 03:30 EDT = 07:30Z, one real hour.
    assert_eq!(
        half_hours(json!([["01:30", "03:30"]])),
        strings(&["2026-03-08T06:30:00Z", "2026-03-08T07:00:00Z"])
    );
    // 02:30-03:30: 02:30 moves to 03:30 EDT, the same instant as the end: empty.
    assert_eq!(
        half_hours(json!([["02:30", "03:30"]])),
        Vec::<String>::new()
    );
    // 02:30-04:00: 07:30Z to 08:00Z.
    assert_eq!(
        half_hours(json!([["02:30", "04:00"]])),
        strings(&["2026-03-08T07:30:00Z"])
    );
}

#[test]
fn new_york_fall_back() {
    let ny = "America/New_York";
    let now = "2026-10-25T00:00:00Z";
    // Sunday 2026-11-01 runs from 04:00Z (00:00 EDT) to 05:00Z on the 2nd
    // (00:00 EST): 25 hours; 01:00-02:00 happens twice (05:00Z EDT, 06:00Z EST).
    let day = ("2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z");
    let run = |event_type: Value, ranges: Value| {
        slot_starts(&scenario(now, day, event_type, sundays(ny, ranges)))
    };
    // 00:00-04:00 is 04:00Z to 09:00Z (five real hours). The New York grid
    // reads 01:00 and 01:30 as the earlier (EDT) instants, so 06:00Z and
    // 06:30Z are not candidates.
    assert_eq!(
        run(
            json!({ "duration_minutes": 30 }),
            json!([["00:00", "04:00"]])
        ),
        strings(&[
            "2026-11-01T04:00:00Z",
            "2026-11-01T04:30:00Z",
            "2026-11-01T05:00:00Z",
            "2026-11-01T05:30:00Z",
            "2026-11-01T07:00:00Z",
            "2026-11-01T07:30:00Z",
            "2026-11-01T08:00:00Z",
            "2026-11-01T08:30:00Z",
        ])
    );
    // An hour-long meeting from 05:30Z lasts until 06:30Z: inside the window.
    assert_eq!(
        run(
            json!({ "duration_minutes": 60, "slot_interval_minutes": 30 }),
            json!([["00:00", "04:00"]])
        ),
        strings(&[
            "2026-11-01T04:00:00Z",
            "2026-11-01T04:30:00Z",
            "2026-11-01T05:00:00Z",
            "2026-11-01T05:30:00Z",
            "2026-11-01T07:00:00Z",
            "2026-11-01T07:30:00Z",
            "2026-11-01T08:00:00Z",
        ])
    );
    // A UTC grid over the same window has every half hour.
    assert_eq!(
        run(
            json!({ "duration_minutes": 30, "timezone": "UTC" }),
            json!([["00:00", "04:00"]])
        ),
        every("2026-11-01T04:00:00Z", "2026-11-01T08:30:00Z", 30)
    );
    // 01:30-03:00 starts at the earlier 01:30 (05:30Z) and ends at 03:00 EST
    // (08:00Z): two and a half real hours.
    assert_eq!(
        run(
            json!({ "duration_minutes": 30 }),
            json!([["01:30", "03:00"]])
        ),
        strings(&[
            "2026-11-01T05:30:00Z",
            "2026-11-01T07:00:00Z",
            "2026-11-01T07:30:00Z"
        ])
    );
    assert_eq!(
        run(
            json!({ "duration_minutes": 30, "timezone": "UTC" }),
            json!([["01:30", "03:00"]])
        ),
        every("2026-11-01T05:30:00Z", "2026-11-01T07:30:00Z", 30)
    );
    // Hourly over the whole 25-hour day: 04:00Z, 05:00Z (01:00 EDT), then
    // 02:00 EST = 07:00Z hourly to 23:00 EST = 04:00Z; 06:00Z is not on the grid.
    assert_eq!(
        run(
            json!({ "duration_minutes": 60 }),
            json!([["00:00", "24:00"]])
        ),
        without(
            every("2026-11-01T04:00:00Z", "2026-11-02T04:00:00Z", 60),
            &["2026-11-01T06:00:00Z"]
        )
    );
}

// ------------------------------------------------------------- Europe/London

#[test]
fn london_transitions() {
    let london = "Europe/London";
    // 2026-03-29: 01:00 GMT jumps to 02:00 BST at 01:00Z. 00:00-03:00 is
    // 00:00Z to 02:00Z; the 30-minute grid gives 00:00Z, 00:30Z, then 01:00
    // and 01:30 (in the gap) move to 01:00Z and 01:30Z, duplicated by 02:00
    // and 02:30 BST.
    let spring = ("2026-03-29T00:00:00Z", "2026-03-29T23:00:00Z");
    let now = "2026-03-20T00:00:00Z";
    let run = |range, event_type: Value, ranges: Value| {
        slot_starts(&scenario(now, range, event_type, sundays(london, ranges)))
    };
    assert_eq!(
        run(
            spring,
            json!({ "duration_minutes": 30 }),
            json!([["00:00", "03:00"]])
        ),
        every("2026-03-29T00:00:00Z", "2026-03-29T01:30:00Z", 30)
    );
    // 01:00-02:00 does not exist: both ends are 01:00Z, no availability.
    assert_eq!(
        run(
            spring,
            json!({ "duration_minutes": 30 }),
            json!([["01:00", "02:00"]])
        ),
        Vec::<String>::new()
    );
    // 2026-10-25: 02:00 BST falls back to 01:00 GMT at 01:00Z. 01:00-02:00 is
    // from the earlier 01:00 (00:00Z, BST) to 02:00 GMT (02:00Z): two hours.
    // The London hourly grid has 01:00 -> 00:00Z and 02:00 -> 02:00Z only.
    let autumn = ("2026-10-24T23:00:00Z", "2026-10-26T00:00:00Z");
    let now = "2026-10-20T00:00:00Z";
    let run = |event_type: Value| {
        slot_starts(&scenario(
            now,
            autumn,
            event_type,
            sundays(london, json!([["01:00", "02:00"]])),
        ))
    };
    assert_eq!(
        run(json!({ "duration_minutes": 60 })),
        strings(&["2026-10-25T00:00:00Z"])
    );
    assert_eq!(
        run(json!({ "duration_minutes": 60, "timezone": "UTC" })),
        strings(&["2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z"])
    );
    assert_eq!(
        run(json!({ "duration_minutes": 30 })),
        strings(&["2026-10-25T00:00:00Z", "2026-10-25T00:30:00Z"])
    );
    assert_eq!(
        run(json!({ "duration_minutes": 30, "timezone": "UTC" })),
        every("2026-10-25T00:00:00Z", "2026-10-25T01:30:00Z", 30)
    );
}

// -------------------------------------------------------- Australia/Lord_Howe

#[test]
fn lord_howe_half_hour_dst() {
    let zone = "Australia/Lord_Howe";
    // 2026-04-05: 02:00 (+11) falls back to 01:30 (+10:30) at 15:00Z (Apr 4);
    // 01:30-02:00 happens twice (14:30Z and 15:00Z). 01:00-03:00 is 01:00
    // (+11) = 14:00Z to 03:00 (+10:30) = 16:30Z. The local 30-minute grid:
    // 01:00 = 14:00Z, 01:30 = 14:30Z (earlier), 02:00 = 15:30Z, 02:30 = 16:00Z;
    // 15:00Z is not on it.
    let april = ("2026-04-04T13:00:00Z", "2026-04-05T13:30:00Z");
    let now = "2026-04-01T00:00:00Z";
    let run = |range, event_type: Value| {
        slot_starts(&scenario(
            now,
            range,
            event_type,
            sundays(zone, json!([["01:00", "03:00"]])),
        ))
    };
    assert_eq!(
        run(april, json!({ "duration_minutes": 30 })),
        strings(&[
            "2026-04-04T14:00:00Z",
            "2026-04-04T14:30:00Z",
            "2026-04-04T15:30:00Z",
            "2026-04-04T16:00:00Z"
        ])
    );
    assert_eq!(
        run(
            april,
            json!({ "duration_minutes": 60, "slot_interval_minutes": 30 })
        ),
        strings(&[
            "2026-04-04T14:00:00Z",
            "2026-04-04T14:30:00Z",
            "2026-04-04T15:30:00Z"
        ])
    );
    assert_eq!(
        run(april, json!({ "duration_minutes": 30, "timezone": "UTC" })),
        every("2026-04-04T14:00:00Z", "2026-04-04T16:00:00Z", 30)
    );
    // 2026-10-04: 02:00 (+10:30) springs to 02:30 (+11) at 15:30Z (Oct 3).
    // 01:00-03:00 is 01:00 (+10:30) = 14:30Z to 03:00 (+11) = 16:00Z. On a
    // 15-minute grid 02:00 and 02:15 move forward by the 30-minute gap to
    // 15:30Z and 15:45Z, which 02:30 and 02:45 duplicate.
    let october = ("2026-10-03T13:30:00Z", "2026-10-04T13:00:00Z");
    assert_eq!(
        run(october, json!({ "duration_minutes": 30 })),
        every("2026-10-03T14:30:00Z", "2026-10-03T15:30:00Z", 30)
    );
    assert_eq!(
        run(october, json!({ "duration_minutes": 15 })),
        every("2026-10-03T14:30:00Z", "2026-10-03T15:45:00Z", 15)
    );
}

// ---------------------------------------- America/Santiago, America/Havana

#[test]
fn santiago_midnight_transitions() {
    let zone = "America/Santiago";
    // 2026-09-06 (Sunday): 00:00 (-04) springs to 01:00 (-03) at 04:00Z, so
    // the day has no midnight. Sunday 00:00-02:00 is 00:00 -> 01:00 (-03) =
    // 04:00Z to 02:00 (-03) = 05:00Z; the grid's 00:00/00:30 land on
    // 04:00Z/04:30Z and 01:00/01:30 duplicate them.
    let now = "2026-09-01T00:00:00Z";
    let range = ("2026-09-05T00:00:00Z", "2026-09-07T12:00:00Z");
    assert_eq!(
        slot_starts(&scenario(
            now,
            range,
            json!({ "duration_minutes": 30 }),
            sundays(zone, json!([["00:00", "02:00"]])),
        )),
        strings(&["2026-09-06T04:00:00Z", "2026-09-06T04:30:00Z"])
    );
    // Saturday 22:00-24:00 (02:00Z to the missing midnight = 04:00Z) merges
    // with that Sunday window: one hour meetings every half hour from 02:00Z
    // to 04:00Z (ends 05:00Z); 03:30Z crosses the missing midnight.
    assert_eq!(
        slot_starts(&scenario(
            now,
            range,
            json!({ "duration_minutes": 60, "slot_interval_minutes": 30 }),
            json!({ "timezone": zone, "weekly": {
                "sat": [["22:00", "24:00"]], "sun": [["00:00", "02:00"]] } }),
        )),
        every("2026-09-06T02:00:00Z", "2026-09-06T04:00:00Z", 30)
    );
    // Hourly grid over the whole 23-hour Sunday: 00:00 and 01:00 both give
    // 04:00Z, then hourly to 23:00 (-03) = 02:00Z on the 7th.
    assert_eq!(
        slot_starts(&scenario(
            now,
            range,
            json!({ "duration_minutes": 60 }),
            sundays(zone, json!([["00:00", "24:00"]])),
        )),
        every("2026-09-06T04:00:00Z", "2026-09-07T02:00:00Z", 60)
    );
    // 2026-04-05: 00:00 (-03) falls back to Saturday 23:00 (-04) at 03:00Z;
    // Saturday 23:00-24:00 happens twice. Saturday 22:00-24:00 is 22:00 (-03)
    // = 01:00Z to Sunday 00:00 (-04) = 04:00Z: three real hours. The local
    // grid reads 23:00/23:30 as 02:00Z/02:30Z (earlier), so 03:00Z and 03:30Z
    // are not on it; a UTC grid has them.
    let now = "2026-04-01T00:00:00Z";
    let range = ("2026-04-04T00:00:00Z", "2026-04-06T00:00:00Z");
    let saturday_late = json!({ "timezone": zone, "weekly": { "sat": [["22:00", "24:00"]] } });
    assert_eq!(
        slot_starts(&scenario(
            now,
            range,
            json!({ "duration_minutes": 60, "slot_interval_minutes": 30 }),
            saturday_late.clone(),
        )),
        every("2026-04-05T01:00:00Z", "2026-04-05T02:30:00Z", 30)
    );
    assert_eq!(
        slot_starts(&scenario(
            now,
            range,
            json!({ "duration_minutes": 60, "slot_interval_minutes": 30, "timezone": "UTC" }),
            saturday_late,
        )),
        every("2026-04-05T01:00:00Z", "2026-04-05T03:00:00Z", 30)
    );
}

#[test]
fn havana_midnight_transitions() {
    let zone = "America/Havana";
    // 2026-03-08 (Sunday): 00:00 (-05) springs to 01:00 (-04) at 05:00Z.
    // Sunday 00:00-02:00 is 05:00Z to 06:00Z; grid 00:00/00:30 -> 05:00Z/05:30Z.
    let now = "2026-03-01T00:00:00Z";
    let range = ("2026-03-07T05:00:00Z", "2026-03-09T04:00:00Z");
    let run = |event_type: Value, schedule: Value| {
        slot_starts(&scenario(now, range, event_type, schedule))
    };
    assert_eq!(
        run(
            json!({ "duration_minutes": 30 }),
            sundays(zone, json!([["00:00", "02:00"]]))
        ),
        strings(&["2026-03-08T05:00:00Z", "2026-03-08T05:30:00Z"])
    );
    // An override with only the missing hour 00:00-01:00: both ends are
    // 05:00Z, so the date has no availability at all.
    assert_eq!(
        run(
            json!({ "duration_minutes": 30 }),
            json!({ "timezone": zone,
                "weekly": { "sun": [["00:00", "02:00"]] },
                "overrides": [ { "date": "2026-03-08", "intervals": [["00:00", "01:00"]] } ] })
        ),
        Vec::<String>::new()
    );
    // Hourly grid over Saturday and Sunday, available all day: Saturday
    // 00:00-23:00 (-05) = 05:00Z..04:00Z, Sunday 00:00 and 01:00 both 05:00Z,
    // 02:00..23:00 (-04) = 06:00Z..03:00Z. Saturday's 24:00 is the missing
    // midnight, 05:00Z, so the days merge: 47 hourly slots without a hole.
    assert_eq!(
        run(
            json!({ "duration_minutes": 60 }),
            json!({ "timezone": zone, "weekly": {
                "sat": [["00:00", "24:00"]], "sun": [["00:00", "24:00"]] } })
        ),
        every("2026-03-07T05:00:00Z", "2026-03-09T03:00:00Z", 60)
    );
    // 2026-11-01 (Sunday): 01:00 (-04) falls back to 00:00 (-05) at 05:00Z;
    // 00:00-01:00 happens twice. Sunday 00:00-02:00 is the earlier 00:00
    // (04:00Z) to 02:00 (-05) = 07:00Z. The Havana grid: 00:00 = 04:00Z,
    // 00:30 = 04:30Z, 01:00 = 06:00Z, 01:30 = 06:30Z.
    let now = "2026-10-25T00:00:00Z";
    let range = ("2026-10-31T00:00:00Z", "2026-11-02T12:00:00Z");
    let fold = sundays(zone, json!([["00:00", "02:00"]]));
    assert_eq!(
        slot_starts(&scenario(
            now,
            range,
            json!({ "duration_minutes": 30 }),
            fold.clone()
        )),
        strings(&[
            "2026-11-01T04:00:00Z",
            "2026-11-01T04:30:00Z",
            "2026-11-01T06:00:00Z",
            "2026-11-01T06:30:00Z"
        ])
    );
    assert_eq!(
        slot_starts(&scenario(
            now,
            range,
            json!({ "duration_minutes": 30, "timezone": "UTC" }),
            fold
        )),
        every("2026-11-01T04:00:00Z", "2026-11-01T06:30:00Z", 30)
    );
}

// ------------------------------------------------------------- Pacific/Apia

#[test]
fn apia_skipped_day() {
    let zone = "Pacific/Apia";
    // Thursday 2011-12-29 23:59:59 (-10) was followed by Saturday 2011-12-31
    // 00:00 (+14) at 10:00Z; Friday the 30th does not exist. Compatible rule:
    // a time on the 30th moves forward by the 24-hour gap, onto the 31st.
    // Now and the range start are Thursday 00:00 local; the range ends at
    // Sunday 00:00.
    let now = "2011-12-29T10:00:00Z";
    let range = ("2011-12-29T10:00:00Z", "2012-01-01T10:00:00Z");
    let working = json!({ "timezone": zone, "weekly": {
        "thu": [["09:00", "17:00"]], "fri": [["09:00", "17:00"]], "sat": [["09:00", "17:00"]] } });
    // Thursday 09:00-17:00 (-10) = 19:00Z to 03:00Z; Friday's rule lands on
    // Saturday 09:00-17:00 (+14) = Dec 30 19:00Z to Dec 31 03:00Z, exactly
    // Saturday's own window.
    let thursday = every("2011-12-29T19:00:00Z", "2011-12-30T02:00:00Z", 60);
    let saturday = every("2011-12-30T19:00:00Z", "2011-12-31T02:00:00Z", 60);
    let run = |event_type: Value, schedule: &Value| {
        slot_starts(&scenario(now, range, event_type, schedule.clone()))
    };
    assert_eq!(
        run(json!({ "duration_minutes": 60 }), &working),
        [thursday.clone(), saturday.clone()].concat()
    );
    // max_days_ahead counts local dates: from Thursday the 29th, 1 day allows
    // up to the 30th, which has no instants, so Saturday is out; 2 days allow it.
    assert_eq!(
        run(
            json!({ "duration_minutes": 60, "max_days_ahead": 0 }),
            &working
        ),
        thursday
    );
    assert_eq!(
        run(
            json!({ "duration_minutes": 60, "max_days_ahead": 1 }),
            &working
        ),
        thursday
    );
    assert_eq!(
        run(
            json!({ "duration_minutes": 60, "max_days_ahead": 2 }),
            &working
        ),
        [thursday.clone(), saturday.clone()].concat()
    );
    // The grid over the three dates, available around the clock: Thursday's
    // 24 hours (10:00Z..09:00Z) and Saturday's 24 hours (10:00Z..09:00Z next
    // day); Friday's grid times all duplicate Saturday's.
    let always = json!({ "timezone": zone, "weekly": {
        "thu": [["00:00", "24:00"]], "fri": [["00:00", "24:00"]], "sat": [["00:00", "24:00"]] } });
    assert_eq!(
        run(json!({ "duration_minutes": 60 }), &always),
        every("2011-12-29T10:00:00Z", "2011-12-31T09:00:00Z", 60)
    );
    // Read literally, the spec turns Friday's rule on the missing date into
    // instants on Saturday: a Friday-only schedule is available on Saturday
    // the 31st, unless an override removes the (missing) date.
    let friday_only = json!({ "timezone": zone, "weekly": { "fri": [["09:00", "17:00"]] } });
    assert_eq!(
        run(json!({ "duration_minutes": 60 }), &friday_only),
        saturday
    );
    let friday_overridden = json!({ "timezone": zone,
        "weekly": { "fri": [["09:00", "17:00"]] },
        "overrides": [ { "date": "2011-12-30", "intervals": [] } ] });
    assert_eq!(
        run(json!({ "duration_minutes": 60 }), &friday_overridden),
        Vec::<String>::new()
    );
}

// ---------------------------------------- Asia/Kathmandu, Pacific/Chatham

#[test]
fn grid_zone_differs_from_schedule_zone() {
    let monday =
        |zone: &str| json!({ "timezone": zone, "weekly": { "mon": [["09:00", "12:00"]] } });
    // Host in Berlin, Monday 2026-01-05 09:00-12:00 CET = 08:00Z-11:00Z. The
    // Kathmandu grid (+05:45) puts half hours at :15 and :45 UTC.
    assert_eq!(
        slot_starts(&scenario(
            "2026-01-01T00:00:00Z",
            ("2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z"),
            json!({ "duration_minutes": 30, "timezone": "Asia/Kathmandu" }),
            monday("Europe/Berlin"),
        )),
        every("2026-01-05T08:15:00Z", "2026-01-05T10:15:00Z", 30)
    );
    // Host in Kathmandu, 09:00-12:00 = 03:15Z-06:15Z; a UTC grid.
    assert_eq!(
        slot_starts(&scenario(
            "2026-01-01T00:00:00Z",
            ("2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z"),
            json!({ "duration_minutes": 30, "timezone": "UTC" }),
            monday("Asia/Kathmandu"),
        )),
        every("2026-01-05T03:30:00Z", "2026-01-05T05:30:00Z", 30)
    );
    // Host in Chatham (+13:45 in January): Monday 09:00-12:00 is Sunday
    // 19:15Z-22:15Z; the Kathmandu grid hits :15/:45, so the window fills.
    assert_eq!(
        slot_starts(&scenario(
            "2026-01-01T00:00:00Z",
            ("2026-01-04T00:00:00Z", "2026-01-05T00:00:00Z"),
            json!({ "duration_minutes": 30, "timezone": "Asia/Kathmandu" }),
            monday("Pacific/Chatham"),
        )),
        every("2026-01-04T19:15:00Z", "2026-01-04T21:45:00Z", 30)
    );
    // Host in Kathmandu (03:15Z-06:15Z), hourly Chatham grid: Chatham hours
    // are at :15 UTC too, so three hour-long meetings fit exactly.
    assert_eq!(
        slot_starts(&scenario(
            "2026-01-01T00:00:00Z",
            ("2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z"),
            json!({ "duration_minutes": 60, "timezone": "Pacific/Chatham" }),
            monday("Asia/Kathmandu"),
        )),
        every("2026-01-05T03:15:00Z", "2026-01-05T05:15:00Z", 60)
    );
}

#[test]
fn midnight_merging_in_odd_offsets() {
    let late_and_early = |zone: &str| {
        json!({ "timezone": zone, "weekly": {
            "mon": [["22:00", "24:00"]], "tue": [["00:00", "02:00"]] } })
    };
    let two_hours = json!({ "duration_minutes": 120, "slot_interval_minutes": 60 });
    // Kathmandu: Monday 22:00 = 16:15Z to Tuesday 02:00 = 20:15Z, one merged
    // window; two-hour meetings at 22:00, 23:00 (across midnight) and 00:00.
    let now = "2026-01-01T00:00:00Z";
    let range = ("2026-01-05T00:00:00Z", "2026-01-07T00:00:00Z");
    assert_eq!(
        slot_starts(&scenario(
            now,
            range,
            two_hours.clone(),
            late_and_early("Asia/Kathmandu")
        )),
        strings(&[
            "2026-01-05T16:15:00Z",
            "2026-01-05T17:15:00Z",
            "2026-01-05T18:15:00Z"
        ])
    );
    // Without Tuesday's rule only 22:00-24:00 is left: one meeting fits exactly.
    let mut monday_only = late_and_early("Asia/Kathmandu");
    monday_only["overrides"] = json!([{ "date": "2026-01-06", "intervals": [] }]);
    assert_eq!(
        slot_starts(&scenario(now, range, two_hours.clone(), monday_only)),
        strings(&["2026-01-05T16:15:00Z"])
    );
    // The same merged window on a UTC grid: 17:00Z and 18:00Z.
    assert_eq!(
        slot_starts(&scenario(
            now,
            range,
            json!({ "duration_minutes": 120, "slot_interval_minutes": 60, "timezone": "UTC" }),
            late_and_early("Asia/Kathmandu")
        )),
        strings(&["2026-01-05T17:00:00Z", "2026-01-05T18:00:00Z"])
    );
    // Chatham in January (+13:45): Monday 22:00 = Monday 08:15Z to Tuesday
    // 02:00 = 12:15Z.
    assert_eq!(
        slot_starts(&scenario(
            now,
            ("2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z"),
            two_hours,
            late_and_early("Pacific/Chatham")
        )),
        strings(&[
            "2026-01-05T08:15:00Z",
            "2026-01-05T09:15:00Z",
            "2026-01-05T10:15:00Z"
        ])
    );
}

#[test]
fn chatham_spring_forward() {
    // 2026-09-27 (Sunday): 02:45 (+12:45) springs to 03:45 (+13:45) at 14:00Z
    // on the 26th. 02:00-04:00 is 02:00 (+12:45) = 13:15Z to 04:00 (+13:45) =
    // 14:15Z, one real hour. Grid: 02:00 = 13:15Z, 02:30 = 13:45Z, 03:00 is in
    // the gap and moves to 04:00 (+13:45) = 14:15Z.
    assert_eq!(
        slot_starts(&scenario(
            "2026-09-20T00:00:00Z",
            ("2026-09-26T00:00:00Z", "2026-09-27T12:00:00Z"),
            json!({ "duration_minutes": 30 }),
            sundays("Pacific/Chatham", json!([["02:00", "04:00"]])),
        )),
        strings(&["2026-09-26T13:15:00Z", "2026-09-26T13:45:00Z"])
    );
}
