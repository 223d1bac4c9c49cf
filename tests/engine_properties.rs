//! Property tests of the availability engine against a naive reference.
//!
//! The reference in the middle of this file is written straight from
//! `shared/spec/availability.md` and is deliberately slow and literal: it
//! enumerates every local date, converts every wall-clock time with chrono-tz
//! itself (compatible rule), and checks every candidate against every
//! availability window, busy interval and booking. It shares no code with
//! `src/engine`; the engine only ever sees the scenario as JSON text through
//! `parse_scenario`, so the input path is under test too.
//!
//! Generators keep the value space small (a handful of zones, dates around DST
//! transitions, quarter-hour schedules) so that slots are usually non-empty
//! and the interesting edges (gaps, folds, `24:00`, touching intervals,
//! zero-length busy time) come up often.

use chrono::{
    DateTime, Datelike, Days, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime,
    NaiveTime, Offset, SecondsFormat, TimeZone,
};
use chrono_tz::Tz;
use kairos::engine::{Instant, Kind, Query, explain, find_slots, grid};
use kairos::scenario::{parse_scenario, slots_json};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

const MINUTE: i64 = 60;
const DAY: i64 = 86_400;

// ---------------------------------------------------------------------------
// The scenario model: what the generators produce, rendered to JSON for the
// engine and read directly by the reference. All instants are Unix seconds.
// ---------------------------------------------------------------------------

const ZONES: [&str; 5] = [
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "UTC",
];

/// Dates the ranges are placed around: DST transitions of the zones above
/// (New York spring/fall, Lord Howe spring/fall, London spring/fall) and two
/// ordinary dates.
const ANCHORS: [&str; 8] = [
    "2026-03-08",
    "2026-11-01",
    "2026-10-04",
    "2026-04-05",
    "2026-03-29",
    "2026-10-25",
    "2026-06-15",
    "2026-01-05",
];

/// Host ids, shuffled per scenario so input order differs from id order.
const IDS: [&str; 4] = ["ana", "bo", "cyd", "dee"];

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Accepted,
    Pending,
    Cancelled,
}

impl Status {
    fn name(self) -> &'static str {
        match self {
            Status::Accepted => "accepted",
            Status::Pending => "pending",
            Status::Cancelled => "cancelled",
        }
    }
}

/// The query range and `now`, fixed before the hosts are generated so busy
/// time, bookings and overrides can be placed where they matter.
#[derive(Debug, Clone, Copy)]
struct Frame {
    anchor: NaiveDate,
    start: i64,
    end: i64,
    now: i64,
}

#[derive(Debug, Clone)]
struct Busy {
    start: i64,
    end: i64,
    /// Render as a one-`VEVENT` iCalendar text instead of a `busy` entry.
    as_event: bool,
}

#[derive(Debug, Clone)]
struct HostSpec {
    id: String,
    zone: &'static str,
    /// Minutes after local midnight, `[start, end)`; end may be 1440 (`24:00`).
    weekly: [Vec<(u32, u32)>; 7],
    overrides: BTreeMap<NaiveDate, Vec<(u32, u32)>>,
    busy: Vec<Busy>,
    bookings: Vec<(i64, Status)>,
}

/// `None` fields are left out of the JSON so the spec's defaults apply.
#[derive(Debug, Clone)]
struct EventTypeSpec {
    kind: Kind,
    timezone: Option<&'static str>,
    duration: i64,
    interval: Option<i64>,
    buffer_before: Option<i64>,
    buffer_after: Option<i64>,
    min_notice: Option<i64>,
    max_days_ahead: Option<u64>,
    daily_limit: Option<usize>,
    seats: Option<usize>,
    required_hosts: Option<usize>,
}

#[derive(Debug, Clone)]
struct Scenario {
    frame: Frame,
    et: EventTypeSpec,
    hosts: Vec<HostSpec>,
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::OneOnOne => "one_on_one",
        Kind::Group => "group",
        Kind::Collective => "collective",
        Kind::RoundRobin => "round_robin",
    }
}

fn tz(name: &str) -> Tz {
    name.parse().expect("test zones are IANA names")
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test dates are valid")
}

fn utc(at: i64) -> DateTime<chrono::Utc> {
    DateTime::from_timestamp(at, 0).expect("test instants are in chrono's range")
}

fn rfc3339(at: i64) -> String {
    utc(at).to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn hhmm(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

impl Scenario {
    fn to_json(&self) -> Value {
        let et = &self.et;
        let mut event_type = Map::new();
        event_type.insert("kind".into(), kind_name(et.kind).into());
        event_type.insert("duration_minutes".into(), et.duration.into());
        let optional: [(&str, Option<Value>); 9] = [
            ("timezone", et.timezone.map(Value::from)),
            ("slot_interval_minutes", et.interval.map(Value::from)),
            ("buffer_before_minutes", et.buffer_before.map(Value::from)),
            ("buffer_after_minutes", et.buffer_after.map(Value::from)),
            ("min_notice_minutes", et.min_notice.map(Value::from)),
            ("max_days_ahead", et.max_days_ahead.map(Value::from)),
            ("daily_limit", et.daily_limit.map(Value::from)),
            ("seats", et.seats.map(Value::from)),
            ("required_hosts", et.required_hosts.map(Value::from)),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                event_type.insert(key.into(), value);
            }
        }
        // The spec writes "no limit" as `null`; absent must mean the same, so
        // one field is spelled out and the other left away.
        if et.max_days_ahead.is_none() {
            event_type.insert("max_days_ahead".into(), Value::Null);
        }
        json!({
            "now": rfc3339(self.frame.now),
            "range": { "start": rfc3339(self.frame.start), "end": rfc3339(self.frame.end) },
            "event_type": event_type,
            "hosts": self.hosts.iter().map(HostSpec::to_json).collect::<Vec<_>>(),
        })
    }

    fn text(&self) -> String {
        serde_json::to_string_pretty(&self.to_json()).expect("JSON values serialize")
    }
}

impl HostSpec {
    fn to_json(&self) -> Value {
        let ranges = |list: &[(u32, u32)]| -> Value {
            list.iter()
                .map(|&(s, e)| json!([hhmm(s), hhmm(e)]))
                .collect()
        };
        let mut weekly = Map::new();
        for (name, list) in WEEKDAYS.iter().zip(&self.weekly) {
            // Leave out some empty days, keep others as `[]`: both mean unavailable.
            if !list.is_empty() || name.starts_with('s') {
                weekly.insert((*name).into(), ranges(list));
            }
        }
        let overrides: Vec<Value> = self
            .overrides
            .iter()
            .map(|(d, list)| json!({ "date": d.to_string(), "intervals": ranges(list) }))
            .collect();
        // Alternate `Z` and a non-UTC offset so the parser's offset handling is exercised.
        let kathmandu = FixedOffset::east_opt(5 * 3600 + 45 * 60).expect("valid offset");
        let instant = |i: usize, at: i64| {
            if i.is_multiple_of(2) {
                rfc3339(at)
            } else {
                utc(at)
                    .with_timezone(&kathmandu)
                    .to_rfc3339_opts(SecondsFormat::Secs, false)
            }
        };
        let busy: Vec<Value> = self
            .busy
            .iter()
            .enumerate()
            .filter(|(_, b)| !b.as_event)
            .map(|(i, b)| json!({ "start": instant(i, b.start), "end": instant(i + 1, b.end) }))
            .collect();
        let events: Vec<Value> = self
            .busy
            .iter()
            .enumerate()
            .filter(|(_, b)| b.as_event)
            .map(|(i, b)| Value::from(vevent(&format!("{}-{i}", self.id), b)))
            .collect();
        let bookings: Vec<Value> = self
            .bookings
            .iter()
            .enumerate()
            .map(|(i, &(start, status))| {
                json!({ "start": instant(i, start), "hosts": [self.id], "status": status.name() })
            })
            .collect();
        json!({
            "id": self.id,
            "schedule": { "timezone": self.zone, "weekly": weekly, "overrides": overrides },
            "busy": busy,
            "events": events,
            "bookings": bookings,
        })
    }
}

/// One UTC `VEVENT`; zero-length busy time is written without `DTEND` (the
/// spec: "neither: zero length for a date-time").
fn vevent(uid: &str, busy: &Busy) -> String {
    let stamp = |at: i64| utc(at).format("%Y%m%dT%H%M%SZ").to_string();
    let end = if busy.end > busy.start {
        format!("DTEND:{}\r\n", stamp(busy.end))
    } else {
        String::new()
    };
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//kairos//properties//EN\r\n\
         BEGIN:VEVENT\r\nUID:{uid}@test\r\nDTSTAMP:20260101T000000Z\r\n\
         DTSTART:{}\r\n{end}END:VEVENT\r\nEND:VCALENDAR\r\n",
        stamp(busy.start)
    )
}

// ---------------------------------------------------------------------------
// The naive reference, one spec paragraph at a time.
// ---------------------------------------------------------------------------

/// Spec "Time": a local date-time to an instant with the compatible rule.
fn instant_of(zone: Tz, local: NaiveDateTime) -> i64 {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(at) => at.timestamp(),
        // A fold: the earlier instant.
        LocalResult::Ambiguous(a, b) => a.timestamp().min(b.timestamp()),
        // A gap: move the wall clock forward by the gap's length, which is the
        // offset after the gap minus the offset before it. Walk minute by
        // minute to the nearest existing wall-clock times on either side.
        LocalResult::None => {
            let offset_near = |step: Duration| {
                let mut probe = local;
                loop {
                    probe += step;
                    if let Some(at) = zone.from_local_datetime(&probe).earliest() {
                        return i64::from(at.offset().fix().local_minus_utc());
                    }
                }
            };
            let gap = offset_near(Duration::minutes(1)) - offset_near(Duration::minutes(-1));
            let moved = local + Duration::seconds(gap);
            zone.from_local_datetime(&moved)
                .single()
                .expect("the moved time is past the gap")
                .timestamp()
        }
    }
}

fn local_date(zone: Tz, at: i64) -> NaiveDate {
    utc(at).with_timezone(&zone).date_naive()
}

/// `minutes` after local midnight of `date` (1440 is the next midnight).
fn local_instant(zone: Tz, date: NaiveDate, minutes: u32) -> i64 {
    instant_of(
        zone,
        date.and_time(NaiveTime::MIN) + Duration::minutes(i64::from(minutes)),
    )
}

/// Two half-open intervals overlap iff they share an instant, so touching
/// intervals do not overlap and an empty interval overlaps nothing.
fn overlaps(a: (i64, i64), b: (i64, i64)) -> bool {
    a.0.max(b.0) < a.1.min(b.1)
}

/// Unites intervals; touching ones merge. Intervals that hold no time (a
/// range like `02:15-03:00` on a spring-forward day becomes
/// `[03:15, 03:00)`) are dropped first.
fn merge(mut list: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    list.retain(|(s, e)| s < e);
    list.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::new();
    for (s, e) in list {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

fn dates(first: NaiveDate, last: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    first.iter_days().take_while(move |d| *d <= last)
}

/// Spec "Availability of a host", over every local date touching `window`
/// with a day of margin either side so windows crossing midnight merge.
fn availability(host: &HostSpec, window: (i64, i64)) -> Vec<(i64, i64)> {
    let zone = tz(host.zone);
    let first = local_date(zone, window.0) - Days::new(1);
    let last = local_date(zone, window.1) + Days::new(1);
    let mut list = Vec::new();
    for d in dates(first, last) {
        let rules = host
            .overrides
            .get(&d)
            .unwrap_or(&host.weekly[d.weekday().num_days_from_monday() as usize]);
        for &(s, e) in rules {
            list.push((local_instant(zone, d, s), local_instant(zone, d, e)));
        }
    }
    merge(list)
}

/// Spec "Candidate start times".
fn candidates(zone: Tz, interval: i64, range: (i64, i64)) -> BTreeSet<i64> {
    let mut out = BTreeSet::new();
    let first = local_date(zone, range.0) - Days::new(1);
    let last = local_date(zone, range.1) + Days::new(1);
    for d in dates(first, last) {
        let day = (local_instant(zone, d, 0), local_instant(zone, d, 1440));
        if !overlaps(day, range) {
            continue;
        }
        let mut minute = 0;
        while minute < 1440 {
            let s = local_instant(zone, d, u32::try_from(minute).expect("below 1440"));
            if range.0 <= s && s < range.1 {
                out.insert(s);
            }
            minute += interval;
        }
    }
    out
}

/// A slot as both sides report it: start, free host ids, seats left.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SlotView {
    start: i64,
    hosts: Vec<String>,
    seats_left: Option<u32>,
}

struct Reference<'a> {
    s: &'a Scenario,
    zone: Tz,
    duration: i64,
    before: i64,
    after: i64,
    available: Vec<Vec<(i64, i64)>>,
}

impl<'a> Reference<'a> {
    fn new(s: &'a Scenario) -> Self {
        let et = &s.et;
        let duration = et.duration * MINUTE;
        // Every meeting of a candidate lies in [range.start, range.end + duration).
        let window = (s.frame.start, s.frame.end + duration);
        Reference {
            s,
            zone: tz(et.timezone.unwrap_or(s.hosts[0].zone)),
            duration,
            before: et.buffer_before.unwrap_or(0) * MINUTE,
            after: et.buffer_after.unwrap_or(0) * MINUTE,
            available: s.hosts.iter().map(|h| availability(h, window)).collect(),
        }
    }

    fn accepted(host: &HostSpec) -> impl Iterator<Item = i64> + '_ {
        host.bookings
            .iter()
            .filter(|(_, status)| *status == Status::Accepted)
            .map(|(start, _)| *start)
    }

    /// Spec "When a host is free at a candidate `s`", conditions 1 to 4.
    fn free(&self, index: usize, s: i64) -> bool {
        let host = &self.s.hosts[index];
        let et = &self.s.et;
        let meeting = (s, s + self.duration);
        let buffered = (s - self.before, s + self.duration + self.after);
        // 1. The meeting lies inside one merged availability interval.
        if !self.available[index]
            .iter()
            .any(|w| w.0 <= meeting.0 && meeting.1 <= w.1)
        {
            return false;
        }
        // 2. The buffered meeting overlaps no busy interval (busy and events alike).
        if host
            .busy
            .iter()
            .any(|b| overlaps(buffered, (b.start, b.end)))
        {
            return false;
        }
        // 3. Accepted bookings, both directions of buffer.
        for k in Self::accepted(host) {
            if et.kind == Kind::Group && k == s {
                continue;
            }
            let other = (k, k + self.duration);
            let other_buffered = (k - self.before, k + self.duration + self.after);
            if overlaps(buffered, other) || overlaps(meeting, other_buffered) {
                return false;
            }
        }
        // 4. Daily limit on the local date of `s` in the event type's zone.
        if let Some(limit) = et.daily_limit {
            let day = local_date(self.zone, s);
            let count = Self::accepted(host)
                .filter(|&k| local_date(self.zone, k) == day)
                .count();
            if count >= limit {
                return false;
            }
        }
        true
    }

    /// Spec "When a candidate is a slot" and "Output".
    fn slots(&self) -> Vec<SlotView> {
        let s = self.s;
        let et = &s.et;
        let earliest = s.frame.now + et.min_notice.unwrap_or(0) * MINUTE;
        let last_date = et
            .max_days_ahead
            .map(|days| local_date(self.zone, s.frame.now) + Days::new(days));
        let mut by_id: Vec<usize> = (0..s.hosts.len()).collect();
        by_id.sort_by(|&a, &b| s.hosts[a].id.cmp(&s.hosts[b].id));
        let interval = et.interval.unwrap_or(et.duration);
        let mut out = Vec::new();
        for start in candidates(self.zone, interval, (s.frame.start, s.frame.end)) {
            if start < earliest || last_date.is_some_and(|last| local_date(self.zone, start) > last)
            {
                continue;
            }
            let free: Vec<String> = by_id
                .iter()
                .filter(|&&i| self.free(i, start))
                .map(|&i| s.hosts[i].id.clone())
                .collect();
            let mut seats_left = None;
            let is_slot = match et.kind {
                Kind::OneOnOne => free.len() == 1,
                Kind::Group => {
                    let seats = et.seats.unwrap_or(1);
                    let taken = Self::accepted(&s.hosts[0]).filter(|&k| k == start).count();
                    seats_left = seats
                        .checked_sub(taken)
                        .map(|n| u32::try_from(n).expect("small"));
                    free.len() == 1 && taken < seats
                }
                Kind::Collective => free.len() >= et.required_hosts.unwrap_or(s.hosts.len()),
                Kind::RoundRobin => !free.is_empty(),
            };
            if is_slot {
                out.push(SlotView {
                    start,
                    hosts: free,
                    seats_left,
                });
            }
        }
        out
    }
}

fn reference(s: &Scenario) -> Vec<SlotView> {
    Reference::new(s).slots()
}

// ---------------------------------------------------------------------------
// The engine, through the real input path.
// ---------------------------------------------------------------------------

fn parse(s: &Scenario) -> Query {
    let text = s.text();
    parse_scenario(&text).unwrap_or_else(|e| panic!("generated scenario rejected: {e}\n{text}"))
}

fn engine(s: &Scenario) -> (Query, Vec<SlotView>) {
    let query = parse(s);
    let slots = find_slots(&query)
        .iter()
        .map(|slot| SlotView {
            start: slot.start.seconds(),
            hosts: slot
                .hosts
                .iter()
                .map(|&i| query.hosts[i].id.clone())
                .collect(),
            seats_left: slot.seats_left,
        })
        .collect();
    (query, slots)
}

/// The first start where two slot lists disagree, readably, or `None`.
fn difference(expected: &[SlotView], got: &[SlotView]) -> Option<String> {
    let index = |list: &[SlotView]| -> BTreeMap<i64, SlotView> {
        list.iter().map(|slot| (slot.start, slot.clone())).collect()
    };
    let (e, g) = (index(expected), index(got));
    let starts: BTreeSet<i64> = e.keys().chain(g.keys()).copied().collect();
    if expected != got && e == g {
        // Same starts and contents, so the lists differ in order or duplicates.
        return Some(format!(
            "same slots but a different list (order or duplicates): {} expected, {} got",
            expected.len(),
            got.len()
        ));
    }
    starts
        .into_iter()
        .find(|start| e.get(start) != g.get(start))
        .map(|start| {
            format!(
                "first difference at {}: expected {:?}, got {:?} ({} expected slots, {} got)",
                rfc3339(start),
                e.get(&start),
                g.get(&start),
                expected.len(),
                got.len()
            )
        })
}

// ---------------------------------------------------------------------------
// Generators.
// ---------------------------------------------------------------------------

fn any_kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        Just(Kind::OneOnOne),
        Just(Kind::Group),
        Just(Kind::Collective),
        Just(Kind::RoundRobin),
    ]
}

/// A range of 1 to `max_days` days starting up to two days before an anchor
/// date, sometimes at an odd minute, and `now` around the range start.
fn frame(max_days: i64) -> impl Strategy<Value = Frame> {
    (
        0..ANCHORS.len(),
        -48i64..=8,
        prop_oneof![3 => Just(0i64), 1 => 0i64..60],
        1..=max_days,
        prop_oneof![2 => Just(0i64), 1 => 0i64..1440],
        -4000i64..=1500,
    )
        .prop_map(|(anchor, hours, minutes, days, extra, now)| {
            let anchor = date(ANCHORS[anchor]);
            let start =
                anchor.and_time(NaiveTime::MIN).and_utc().timestamp() + hours * 3600 + minutes * 60;
            Frame {
                anchor,
                start,
                end: start + days * DAY + extra * MINUTE,
                now: start + now * MINUTE,
            }
        })
}

/// A local `[start, end)` on the quarter-hour grid; whole days and `24:00`
/// ends come up often.
fn time_range() -> impl Strategy<Value = (u32, u32)> {
    prop_oneof![
        1 => Just((0, 1440)),
        8 => (0u32..96, 1u32..=48).prop_map(|(q, len)| (q * 15, (q + len).min(96) * 15)),
    ]
}

fn day_rules() -> impl Strategy<Value = Vec<(u32, u32)>> {
    prop::collection::vec(time_range(), 0..=3)
}

/// Busy time near the range: any minute, zero to five hours long (zero-length
/// intervals included on purpose).
fn busy(frame: Frame) -> impl Strategy<Value = Busy> {
    let span = (frame.end - frame.start) / MINUTE + 480;
    (
        0..span,
        prop_oneof![1 => Just(0i64), 6 => 1i64..=300],
        prop::bool::weighted(0.25),
    )
        .prop_map(move |(offset, length, as_event)| {
            let start = frame.start + (offset - 240) * MINUTE;
            Busy {
                start,
                end: start + length * MINUTE,
                as_event,
            }
        })
}

fn host(frame: Frame, id: &'static str) -> impl Strategy<Value = HostSpec> {
    let quarters = (frame.end - frame.start) / (15 * MINUTE) + 32;
    // Booking starts on the UTC quarter-hour grid (which is every zone's
    // quarter-hour grid here), some on one shared "hot" start so `group`
    // seats and same-start bookings matter.
    let base = frame.start - frame.start.rem_euclid(15 * MINUTE) - 4 * 3600;
    let booking = (
        prop::bool::weighted(0.4),
        0..quarters,
        prop_oneof![
            3 => Just(Status::Accepted),
            1 => Just(Status::Pending),
            1 => Just(Status::Cancelled),
        ],
    );
    (
        select(&ZONES[..]),
        proptest::array::uniform7(day_rules()),
        prop::collection::vec(
            (-2i64..=11, prop::collection::vec(time_range(), 0..=2)),
            0..=3,
        ),
        prop::collection::vec(busy(frame), 0..=4),
        0..quarters,
        prop::collection::vec(booking, 0..=4),
    )
        .prop_map(move |(zone, weekly, overrides, busy, hot, bookings)| {
            let overrides = overrides
                .into_iter()
                .map(|(day, list)| {
                    let d = if day < 0 {
                        frame.anchor - Days::new(day.unsigned_abs())
                    } else {
                        frame.anchor + Days::new(day.unsigned_abs())
                    };
                    (d, list)
                })
                .collect();
            let bookings = bookings
                .into_iter()
                .map(|(at_hot, q, status)| {
                    let q = if at_hot { hot } else { q };
                    (base + q * 15 * MINUTE, status)
                })
                .collect();
            HostSpec {
                id: id.to_string(),
                zone,
                weekly,
                overrides,
                busy,
                bookings,
            }
        })
}

fn event_type(
    kind: Kind,
    hosts: usize,
    explicit_zone: bool,
) -> impl Strategy<Value = EventTypeSpec> {
    let zone = if explicit_zone {
        select(&ZONES[..]).prop_map(Some).boxed()
    } else {
        prop::option::of(select(&ZONES[..])).boxed()
    };
    let minutes = |list: &'static [i64]| prop::option::of(select(list));
    (
        zone,
        select(&[15i64, 20, 30, 45, 60, 90, 120, 240][..]),
        minutes(&[10, 15, 20, 30, 45, 60, 90]),
        minutes(&[0, 5, 10, 15, 30, 60]),
        minutes(&[0, 5, 10, 15, 30, 60]),
        minutes(&[0, 30, 120, 1440, 3000]),
        prop::option::weighted(0.3, 0u64..=5),
        prop::option::weighted(0.3, 0usize..=3),
        prop::option::of(1usize..=3),
        prop::option::of(1..=hosts),
    )
        .prop_map(
            move |(
                timezone,
                duration,
                interval,
                buffer_before,
                buffer_after,
                min_notice,
                max_days_ahead,
                daily_limit,
                seats,
                required_hosts,
            )| EventTypeSpec {
                kind,
                timezone,
                duration,
                interval,
                buffer_before,
                buffer_after,
                min_notice,
                max_days_ahead,
                daily_limit,
                seats: seats.filter(|_| kind == Kind::Group),
                required_hosts: required_hosts.filter(|_| kind == Kind::Collective),
            },
        )
}

/// A whole scenario: `one_on_one` and `group` get exactly one host, the
/// others one to four.
fn scenario(
    kind: impl Strategy<Value = Kind>,
    max_days: i64,
    explicit_zone: bool,
) -> impl Strategy<Value = Scenario> {
    (
        kind,
        frame(max_days),
        Just(IDS.to_vec()).prop_shuffle(),
        1usize..=4,
    )
        .prop_flat_map(move |(kind, frame, ids, n)| {
            let n = if matches!(kind, Kind::OneOnOne | Kind::Group) {
                1
            } else {
                n
            };
            let hosts: Vec<_> = ids[..n].iter().map(|id| host(frame, id)).collect();
            (Just(frame), event_type(kind, n, explicit_zone), hosts)
        })
        .prop_map(|(frame, et, hosts)| Scenario { frame, et, hosts })
}

/// The scenario for one host alone as `one_on_one`, everything else equal.
fn one_on_one(s: &Scenario, index: usize) -> Scenario {
    let mut single = s.clone();
    single.hosts = vec![s.hosts[index].clone()];
    single.et.kind = Kind::OneOnOne;
    single.et.required_hosts = None;
    single.et.seats = None;
    single
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // Failures print the scenario JSON; no regression files in the tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------
// The reference itself, pinned to the spec's examples of the compatible rule.
// ---------------------------------------------------------------------------

#[test]
fn reference_conversion_follows_the_compatible_rule() {
    let at = |zone: &str, local: &str| {
        let local = NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M").expect("test input");
        rfc3339(instant_of(tz(zone), local))
    };
    // Gaps move forward by the gap: 1 hour in New York, 30 minutes on Lord Howe.
    assert_eq!(
        at("America/New_York", "2026-03-08T02:30"),
        "2026-03-08T07:30:00Z"
    );
    assert_eq!(
        at("Australia/Lord_Howe", "2026-10-04T02:15"),
        "2026-10-03T15:45:00Z"
    );
    // Folds take the earlier instant.
    assert_eq!(
        at("America/New_York", "2026-11-01T01:30"),
        "2026-11-01T05:30:00Z"
    );
    assert_eq!(
        at("Australia/Lord_Howe", "2026-04-05T01:45"),
        "2026-04-04T14:45:00Z"
    );
    assert_eq!(
        at("Europe/London", "2026-10-25T01:30"),
        "2026-10-25T00:30:00Z"
    );
}

/// Found by `explain_agrees_with_find_slots`: zero-length busy time (a `busy`
/// entry or a `VEVENT` without `DTEND`) holds no instant, so it overlaps
/// nothing. `find_slots` ignored it but `explain` reported it as a conflict.
#[test]
fn zero_length_busy_time_blocks_nothing() {
    let event = vevent(
        "point",
        &Busy {
            start: 1_772_961_600, // 2026-03-08T09:20:00Z
            end: 1_772_961_600,
            as_event: true,
        },
    );
    let text = json!({
        "now": "2026-03-01T00:00:00Z",
        "range": { "start": "2026-03-08T00:00:00Z", "end": "2026-03-09T00:00:00Z" },
        "event_type": { "kind": "one_on_one", "duration_minutes": 30 },
        "hosts": [{
            "id": "ana",
            "schedule": { "timezone": "UTC", "weekly": { "sun": [["09:00", "09:30"]] } },
            "busy": [{ "start": "2026-03-08T09:10:00Z", "end": "2026-03-08T09:10:00Z" }],
            "events": [event],
        }],
    })
    .to_string();
    let query = parse_scenario(&text).expect("valid scenario");
    let starts: Vec<String> = find_slots(&query)
        .iter()
        .map(|slot| slot.start.rfc3339())
        .collect();
    assert_eq!(starts, ["2026-03-08T09:00:00Z"]);
    let explanation = explain(&query, Instant::from_seconds(1_772_960_400));
    assert!(explanation.slot, "{explanation:?}");
}

// ---------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(500))]

    /// 1. The engine's slots are exactly the reference's, for every kind.
    #[test]
    fn same_slots_as_the_reference(s in scenario(any_kind(), 10, false)) {
        let expected = reference(&s);
        let (_, got) = engine(&s);
        let diff = difference(&expected, &got);
        prop_assert!(diff.is_none(), "{}\nscenario:\n{}", diff.unwrap_or_default(), s.text());
    }
}

proptest! {
    #![proptest_config(config(300))]

    /// 2. Busy time only ever takes slots (and free hosts) away.
    #[test]
    fn more_busy_time_never_adds_slots(
        (s, host, extra) in scenario(any_kind(), 6, false).prop_flat_map(|s| {
            let n = s.hosts.len();
            let frame = s.frame;
            (Just(s), 0..n, busy(frame))
        })
    ) {
        let (_, before) = engine(&s);
        let mut busier = s.clone();
        busier.hosts[host].busy.push(extra);
        let (_, after) = engine(&busier);
        let before: BTreeMap<i64, Vec<String>> =
            before.into_iter().map(|slot| (slot.start, slot.hosts)).collect();
        for slot in &after {
            let hosts = before.get(&slot.start);
            prop_assert!(
                hosts.is_some_and(|hosts| slot.hosts.iter().all(|h| hosts.contains(h))),
                "{} appeared or gained hosts\nscenario after:\n{}",
                rfc3339(slot.start),
                busier.text()
            );
        }
    }

    /// 3. `collective` with every host required is the intersection of each
    ///    host's own `one_on_one` slots.
    #[test]
    fn collective_is_the_intersection_of_one_on_ones(
        (mut s, explicit_all) in (scenario(Just(Kind::Collective), 6, true), any::<bool>())
    ) {
        // All hosts required, either by default or explicitly.
        s.et.required_hosts = explicit_all.then_some(s.hosts.len());
        let (_, collective) = engine(&s);
        let mut ids: Vec<String> = s.hosts.iter().map(|h| h.id.clone()).collect();
        ids.sort();
        let mut common: Option<BTreeSet<i64>> = None;
        for i in 0..s.hosts.len() {
            let (_, own) = engine(&one_on_one(&s, i));
            let own: BTreeSet<i64> = own.iter().map(|slot| slot.start).collect();
            common = Some(match common {
                None => own,
                Some(common) => common.intersection(&own).copied().collect(),
            });
        }
        let expected: Vec<SlotView> = common
            .unwrap_or_default()
            .into_iter()
            .map(|start| SlotView { start, hosts: ids.clone(), seats_left: None })
            .collect();
        let diff = difference(&expected, &collective);
        prop_assert!(diff.is_none(), "{}\nscenario:\n{}", diff.unwrap_or_default(), s.text());
    }

    /// 4. `round_robin` is the union of each host's `one_on_one` slots, each
    ///    start listing the hosts whose own slots include it.
    #[test]
    fn round_robin_is_the_union_of_one_on_ones(s in scenario(Just(Kind::RoundRobin), 6, true)) {
        let (_, round_robin) = engine(&s);
        let mut union: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for i in 0..s.hosts.len() {
            let (_, own) = engine(&one_on_one(&s, i));
            for slot in own {
                union.entry(slot.start).or_default().push(s.hosts[i].id.clone());
            }
        }
        let expected: Vec<SlotView> = union
            .into_iter()
            .map(|(start, mut hosts)| {
                hosts.sort();
                SlotView { start, hosts, seats_left: None }
            })
            .collect();
        let diff = difference(&expected, &round_robin);
        prop_assert!(diff.is_none(), "{}\nscenario:\n{}", diff.unwrap_or_default(), s.text());
    }

    /// 5. Output shape: sorted, unique starts inside the range, hosts sorted
    ///    by id, and the JSON has exactly the spec's keys.
    #[test]
    fn output_is_sorted_unique_and_in_range(s in scenario(any_kind(), 6, false)) {
        let (query, slots) = engine(&s);
        for pair in slots.windows(2) {
            prop_assert!(pair[0].start < pair[1].start, "not strictly increasing at {}", rfc3339(pair[1].start));
        }
        for slot in &slots {
            prop_assert!(s.frame.start <= slot.start && slot.start < s.frame.end, "{} outside the range", rfc3339(slot.start));
            prop_assert!(!slot.hosts.is_empty());
            prop_assert!(slot.hosts.windows(2).all(|w| w[0] < w[1]), "hosts not sorted: {:?}", slot.hosts);
            prop_assert_eq!(slot.seats_left.is_some(), s.et.kind == Kind::Group);
            if matches!(s.et.kind, Kind::OneOnOne | Kind::Group) {
                prop_assert_eq!(slot.hosts.len(), 1);
            }
        }
        let raw = find_slots(&query);
        let doc = slots_json(&query, &raw);
        let list = doc["slots"].as_array().expect("slots is an array");
        prop_assert_eq!(doc.as_object().map(Map::len), Some(1));
        prop_assert_eq!(list.len(), slots.len());
        for (item, slot) in list.iter().zip(&slots) {
            let keys: BTreeSet<&str> = item.as_object().expect("slot is an object").keys().map(String::as_str).collect();
            let mut allowed = BTreeSet::from(["start", "hosts"]);
            if s.et.kind == Kind::Group {
                allowed.insert("seats_left");
            }
            prop_assert_eq!(keys, allowed);
            let start = rfc3339(slot.start);
            prop_assert_eq!(item["start"].as_str(), Some(start.as_str()));
            prop_assert_eq!(&item["hosts"], &json!(slot.hosts));
        }
    }
}

proptest! {
    #![proptest_config(config(250))]

    /// 6. `explain` agrees with `find_slots` at every candidate start (and on
    ///    the free hosts and seats of each slot), and says no off the grid.
    #[test]
    fn explain_agrees_with_find_slots(s in scenario(any_kind(), 4, false)) {
        let (query, slots) = engine(&s);
        let et = &query.event_type;
        let list = grid::candidates(&et.zone, et.slot_interval_minutes, query.range);
        // The engine's grid is the spec's grid, too.
        let grid: Vec<i64> = list.iter().map(|c| c.start.seconds()).collect();
        let interval = s.et.interval.unwrap_or(s.et.duration);
        let zone = tz(s.et.timezone.unwrap_or(s.hosts[0].zone));
        let expected: Vec<i64> = candidates(zone, interval, (s.frame.start, s.frame.end)).into_iter().collect();
        prop_assert_eq!(&grid, &expected, "candidate grid differs\nscenario:\n{}", s.text());
        let by_start: BTreeMap<i64, &SlotView> = slots.iter().map(|slot| (slot.start, slot)).collect();
        for candidate in &list {
            let start = candidate.start;
            let explanation = explain(&query, start);
            let slot = by_start.get(&start.seconds());
            prop_assert_eq!(
                explanation.slot,
                slot.is_some(),
                "explain and find_slots disagree at {}: {:?}\nscenario:\n{}",
                start,
                explanation,
                s.text()
            );
            if let Some(slot) = slot {
                let free: Vec<String> = explanation
                    .hosts
                    .iter()
                    .filter(|h| h.free)
                    .map(|h| query.hosts[h.host].id.clone())
                    .collect();
                prop_assert_eq!(&free, &slot.hosts, "free hosts differ at {}", start);
                prop_assert_eq!(explanation.seats_left, slot.seats_left, "seats differ at {}", start);
            }
        }
        // Off the grid: half a minute after a slot (every grid time is a whole
        // minute in these zones), and the range end (excluded by half-openness).
        let off_grid = slots
            .iter()
            .take(5)
            .map(|slot| slot.start + 30)
            .chain([s.frame.end]);
        for at in off_grid {
            prop_assert!(!explain(&query, Instant::from_seconds(at)).slot, "{} is a slot per explain", rfc3339(at));
        }
    }
}
