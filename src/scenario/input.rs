//! Scenario JSON → [`Query`], validating every rule of the spec.

use super::json;
use super::raw::{RawEventType, RawHost, RawScenario};
use crate::engine::instant::Rfc3339Reader;
use crate::engine::limits::{MAX_HOST_CANDIDATES, host_candidates};
use crate::engine::{
    Booking, BookingStatus, Calendar, EventType, Host, Instant, Interval, Kind, LocalTime, Query,
    Schedule, TimeRange, Zone, ical, zones,
};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashSet};
use std::fmt;

/// A bad scenario: which field, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// A path such as `hosts[0].schedule.timezone`; empty for the whole document.
    pub field: String,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for ScenarioError {}

fn fail<T>(field: impl Into<String>, message: impl Into<String>) -> Result<T, ScenarioError> {
    Err(ScenarioError {
        field: field.into(),
        message: message.into(),
    })
}

/// The longest range the spec allows.
const MAX_RANGE_DAYS: i64 = 366;
/// The largest scenario document read.
pub const MAX_SCENARIO_BYTES: usize = 16 * 1024 * 1024;
/// Upper bound for minute fields the spec leaves open, so arithmetic never overflows.
const MAX_MINUTES: i64 = 366 * 24 * 60;

/// Reads and validates a scenario document.
pub fn parse_scenario(text: &str) -> Result<Query, ScenarioError> {
    if text.len() > MAX_SCENARIO_BYTES {
        return fail(
            "",
            format!(
                "the scenario is {} bytes, over the limit of {MAX_SCENARIO_BYTES} bytes",
                text.len()
            ),
        );
    }
    // The fast reader gives up on anything unusual; serde then reads the
    // document, tracking where it is so that an error names the field.
    let (raw, prepared) = match read_and_prepare(text) {
        Some((raw, prepared)) => {
            // Debug builds (the tests and the fuzzer) hold the fast reader to
            // serde's answer on every document they read.
            debug_assert!(
                serde_json::from_str::<RawScenario>(text).is_ok_and(|serde| serde == raw),
                "the fast reader disagrees with serde on {text}"
            );
            (raw, Some(prepared))
        }
        None => (read_with_serde(text)?, None),
    };
    build(raw, prepared)
}

/// Above this size the hosts are prepared on a second thread while the
/// document is still being read.
const PIPELINE_FROM_BYTES: usize = 64 * 1024;

/// The fast reader's document, with each host prepared (see [`prepare`]);
/// `None` when serde must read the document. In a big document each host
/// read is queued, and a second thread prepares hosts from the queue while
/// this one reads on, then helps empty it: reading and preparing overlap.
fn read_and_prepare(text: &str) -> Option<(RawScenario<'_>, Vec<Result<Prepared, ScenarioError>>)> {
    if text.len() < PIPELINE_FROM_BYTES {
        let raw = json::read(text)?;
        let prepared = raw
            .hosts
            .iter()
            .enumerate()
            .map(|(i, host)| prepare(i, host))
            .collect();
        return Some((raw, prepared));
    }
    let (queue, queued) = std::sync::mpsc::channel::<(usize, RawHost)>();
    let queued = std::sync::Mutex::new(queued);
    // Takes hosts from the queue until it is closed and empty.
    let work = || {
        let mut done = Vec::new();
        loop {
            // The lock is held while waiting, so one thread waits at a time.
            let next = match queued.lock() {
                Ok(receiver) => receiver.recv(),
                Err(_) => break,
            };
            let Ok((i, host)) = next else { break };
            let prepared = prepare(i, &host);
            done.push((i, host, prepared));
        }
        done
    };
    let (raw, mut done) = std::thread::scope(|scope| {
        let helper = scope.spawn(work);
        let mut count = 0;
        let raw = json::read_streaming(text, |host| {
            // The receiver lives until both threads are done.
            let _ = queue.send((count, host));
            count += 1;
        });
        drop(queue);
        let mut done = work();
        // A panic cannot happen here (preparing returns errors), but if it
        // did, the hosts it held are gone: serde then reads the document.
        done.extend(helper.join().ok()?);
        Some((raw?, done))
    })?;
    done.sort_unstable_by_key(|(i, _, _)| *i);
    let mut raw = raw;
    let mut prepared = Vec::with_capacity(done.len());
    for (_, host, ready) in done {
        raw.hosts.push(host);
        prepared.push(ready);
    }
    Some((raw, prepared))
}

/// `work` over `items`, in order; on two threads when there are enough items
/// to be worth one (big teams: thousands of busy entries and events).
fn in_two<T: Sync, R: Send>(items: &[T], work: impl Fn(usize, &T) -> R + Sync) -> Vec<R> {
    const PARALLEL_FROM: usize = 8;
    if items.len() < PARALLEL_FROM {
        return items.iter().enumerate().map(|(i, t)| work(i, t)).collect();
    }
    let (first, second) = items.split_at(items.len() / 2);
    let offset = first.len();
    let run = |part: &[T], offset: usize| -> Vec<R> {
        part.iter()
            .enumerate()
            .map(|(i, t)| work(offset + i, t))
            .collect()
    };
    let (mut done, rest) = std::thread::scope(|scope| {
        let rest = scope.spawn(|| run(second, offset));
        (run(first, 0), rest.join())
    });
    // A panic cannot happen here (the readers return errors), but if one
    // did, the answer would still be whole: redo that half on this thread.
    done.extend(rest.unwrap_or_else(|_| run(second, offset)));
    done
}

/// The reference reader, naming the field at fault when the document does
/// not deserialize.
fn read_with_serde(text: &str) -> Result<RawScenario<'_>, ScenarioError> {
    let deserializer = &mut serde_json::Deserializer::from_str(text);
    let raw: RawScenario = serde_path_to_error::deserialize(&mut *deserializer).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        ScenarioError {
            field: if field == "." || field == "?" {
                String::new()
            } else {
                field
            },
            message: inner.to_string(),
        }
    })?;
    deserializer.end().map_err(|e| ScenarioError {
        field: String::new(),
        message: e.to_string(),
    })?;
    Ok(raw)
}

fn instant(field: &str, text: &str) -> Result<Instant, ScenarioError> {
    instant_at(&mut Rfc3339Reader::default(), text, || field.to_string())
}

/// [`instant`] for the many busy entries and bookings: the field's path is
/// only spelled out when there is an error to name it in.
fn instant_at(
    reader: &mut Rfc3339Reader,
    text: &str,
    field: impl FnOnce() -> String,
) -> Result<Instant, ScenarioError> {
    match reader.read(text) {
        Some(at) => Ok(at),
        None => fail(
            field(),
            format!(
                "{text:?} is not an RFC 3339 instant with an offset (e.g. 2026-03-02T14:00:00Z)"
            ),
        ),
    }
}

fn zone(field: &str, name: &str) -> Result<Zone, ScenarioError> {
    match zones::iana(name) {
        Some(tz) => Ok(Zone::Iana(tz)),
        None => fail(
            field,
            format!("unknown time zone {name:?} (expected an IANA name such as Europe/Berlin)"),
        ),
    }
}

fn minutes(
    field: &str,
    value: Option<i64>,
    default: i64,
    min: i64,
    max: i64,
) -> Result<u32, ScenarioError> {
    let value = value.unwrap_or(default);
    if value < min || value > max {
        return fail(field, format!("{value} is out of range {min}..={max}"));
    }
    u32::try_from(value).or_else(|_| fail(field, format!("{value} is out of range")))
}

/// Validates the document; `prepared` holds its hosts' [`prepare`]d parts
/// when the reader made them already.
fn build(
    raw: RawScenario,
    prepared: Option<Vec<Result<Prepared, ScenarioError>>>,
) -> Result<Query, ScenarioError> {
    let now = instant("now", &raw.now)?;
    let start = instant("range.start", &raw.range.start)?;
    let end = instant("range.end", &raw.range.end)?;
    if end < start {
        return fail("range.end", "is before range.start");
    }
    if end.seconds() - start.seconds() > MAX_RANGE_DAYS * 86_400 {
        return fail("range", format!("is longer than {MAX_RANGE_DAYS} days"));
    }
    if raw.hosts.is_empty() {
        return fail("hosts", "needs at least one host");
    }
    let mut seen = HashSet::new();
    for (i, host) in raw.hosts.iter().enumerate() {
        if host.id.trim().is_empty() {
            return fail(format!("hosts[{i}].id"), "must not be empty");
        }
        if !seen.insert(host.id.as_str()) {
            return fail(
                format!("hosts[{i}].id"),
                format!("duplicate host id {:?}", host.id),
            );
        }
    }
    let event_type = event_type(&raw.event_type, &raw.hosts)?;
    let pairs = host_candidates(
        Interval::new(start, end),
        event_type.slot_interval_minutes,
        raw.hosts.len(),
    );
    if pairs > MAX_HOST_CANDIDATES {
        return fail(
            "range",
            format!(
                "{} hosts × the candidate starts of this range make {pairs} pairs to check, \
                 over the limit of {MAX_HOST_CANDIDATES}: shorten the range, widen \
                 slot_interval_minutes or use fewer hosts",
                raw.hosts.len()
            ),
        );
    }
    let prepared = match prepared {
        Some(prepared) => prepared,
        None => in_two(&raw.hosts, prepare),
    };
    // The first error in host order is the one reported.
    let hosts = raw
        .hosts
        .iter()
        .zip(prepared)
        .enumerate()
        .map(|(i, (raw, prepared))| host(i, raw, prepared?, &seen))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Query {
        now,
        range: Interval::new(start, end),
        event_type,
        hosts,
    })
}

fn event_type(raw: &RawEventType, hosts: &[RawHost]) -> Result<EventType, ScenarioError> {
    let kind = match raw.kind.as_str() {
        "one_on_one" => Kind::OneOnOne,
        "group" => Kind::Group,
        "collective" => Kind::Collective,
        "round_robin" => Kind::RoundRobin,
        other => {
            return fail(
                "event_type.kind",
                format!(
                    "unknown kind {other:?} (expected one_on_one, group, collective or round_robin)"
                ),
            );
        }
    };
    if matches!(kind, Kind::OneOnOne | Kind::Group) && hosts.len() != 1 {
        return fail(
            "hosts",
            format!(
                "a {} event type takes exactly one host, not {}",
                raw.kind,
                hosts.len()
            ),
        );
    }
    let zone = match &raw.timezone {
        Some(name) => zone("event_type.timezone", name)?,
        // The first host's zone; validated again with the host.
        None => match hosts.first() {
            Some(first) => zone("hosts[0].schedule.timezone", &first.schedule.timezone)?,
            None => Zone::UTC,
        },
    };
    let duration = minutes(
        "event_type.duration_minutes",
        Some(raw.duration_minutes),
        0,
        1,
        1440,
    )?;
    let interval = minutes(
        "event_type.slot_interval_minutes",
        raw.slot_interval_minutes,
        i64::from(duration),
        1,
        1440,
    )?;
    let seats = match (kind, raw.seats) {
        (Kind::Group, seats) => minutes("event_type.seats", seats, 1, 1, 100_000)?,
        (_, None | Some(1)) => 1,
        (_, Some(_)) => return fail("event_type.seats", "applies only to group event types"),
    };
    let required_hosts = match (kind, raw.required_hosts) {
        (Kind::Collective, Some(n)) => {
            if n < 1 || n > hosts.len() as i64 {
                return fail(
                    "event_type.required_hosts",
                    format!(
                        "{n} is out of range 1..={} (the number of hosts)",
                        hosts.len()
                    ),
                );
            }
            n as usize
        }
        (Kind::Collective, None) => hosts.len(),
        (_, None) => hosts.len(),
        (_, Some(_)) => {
            return fail(
                "event_type.required_hosts",
                "applies only to collective event types",
            );
        }
    };
    Ok(EventType {
        kind,
        zone,
        duration_minutes: duration,
        slot_interval_minutes: interval,
        buffer_before_minutes: minutes(
            "event_type.buffer_before_minutes",
            raw.buffer_before_minutes,
            0,
            0,
            MAX_MINUTES,
        )?,
        buffer_after_minutes: minutes(
            "event_type.buffer_after_minutes",
            raw.buffer_after_minutes,
            0,
            0,
            MAX_MINUTES,
        )?,
        min_notice_minutes: minutes(
            "event_type.min_notice_minutes",
            raw.min_notice_minutes,
            0,
            0,
            100 * MAX_MINUTES,
        )?,
        max_days_ahead: match raw.max_days_ahead {
            Some(days) => Some(minutes(
                "event_type.max_days_ahead",
                Some(days),
                0,
                0,
                100_000,
            )?),
            None => None,
        },
        daily_limit: match raw.daily_limit {
            Some(limit) => Some(minutes(
                "event_type.daily_limit",
                Some(limit),
                0,
                0,
                100_000,
            )?),
            None => None,
        },
        seats,
        required_hosts,
    })
}

fn time_ranges(field: &str, raw: &[(String, String)]) -> Result<Vec<TimeRange>, ScenarioError> {
    raw.iter()
        .enumerate()
        .map(|(i, (start, end))| {
            let parse = |j: usize, text: &str| match LocalTime::parse(text) {
                Some(t) => Ok(t),
                None => fail(
                    format!("{field}[{i}][{j}]"),
                    format!("{text:?} is not a local time HH:MM (00:00 to 24:00)"),
                ),
            };
            let (start, end) = (parse(0, start)?, parse(1, end)?);
            if start == LocalTime::END_OF_DAY {
                return fail(
                    format!("{field}[{i}][0]"),
                    "24:00 is allowed only as an end",
                );
            }
            if end <= start {
                return fail(format!("{field}[{i}][1]"), "end is not after start");
            }
            Ok(TimeRange { start, end })
        })
        .collect()
}

/// The costly part of a host, which needs nothing from the others: its
/// schedule, busy time and calendars (everything but its bookings, whose
/// host ids are checked against the whole team).
struct Prepared {
    schedule: Schedule,
    busy: Vec<Interval>,
    calendars: Vec<Calendar>,
}

fn prepare(i: usize, raw: &RawHost) -> Result<Prepared, ScenarioError> {
    let at = |rest: &str| format!("hosts[{i}].{rest}");
    let mut schedule = Schedule::new(zone(&at("schedule.timezone"), &raw.schedule.timezone)?);
    let weekly = &raw.schedule.weekly;
    for (day, (name, ranges)) in [
        ("mon", &weekly.mon),
        ("tue", &weekly.tue),
        ("wed", &weekly.wed),
        ("thu", &weekly.thu),
        ("fri", &weekly.fri),
        ("sat", &weekly.sat),
        ("sun", &weekly.sun),
    ]
    .into_iter()
    .enumerate()
    {
        if let Some(ranges) = ranges {
            schedule.weekly[day] = time_ranges(&at(&format!("schedule.weekly.{name}")), ranges)?;
        }
    }
    let mut overrides = BTreeMap::new();
    for (j, o) in raw.schedule.overrides.iter().enumerate() {
        let field = at(&format!("schedule.overrides[{j}]"));
        let Ok(date) = NaiveDate::parse_from_str(&o.date, "%Y-%m-%d") else {
            return fail(
                format!("{field}.date"),
                format!("{:?} is not a date YYYY-MM-DD", o.date),
            );
        };
        let ranges = time_ranges(&format!("{field}.intervals"), &o.intervals)?;
        if overrides.insert(date, ranges).is_some() {
            return fail(
                format!("{field}.date"),
                format!("{date} has more than one override"),
            );
        }
    }
    schedule.overrides = overrides;
    let mut reader = Rfc3339Reader::default();
    let busy = raw
        .busy
        .iter()
        .enumerate()
        .map(|(j, b)| {
            let start = instant_at(&mut reader, &b.start, || at(&format!("busy[{j}].start")))?;
            let end = instant_at(&mut reader, &b.end, || at(&format!("busy[{j}].end")))?;
            if end < start {
                return fail(at(&format!("busy[{j}].end")), "is before start");
            }
            Ok(Interval::new(start, end))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let calendars = raw
        .events
        .iter()
        .enumerate()
        .map(|(j, text)| {
            ical::parse_calendar(text).or_else(|e| fail(at(&format!("events[{j}]")), e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Prepared {
        schedule,
        busy,
        calendars,
    })
}

/// Host `i` from its prepared part; errors in its bookings come after any
/// in the rest of it, as the document lists them.
fn host(
    i: usize,
    raw: &RawHost,
    prepared: Prepared,
    ids: &HashSet<&str>,
) -> Result<Host, ScenarioError> {
    let at = |rest: &str| format!("hosts[{i}].{rest}");
    let mut reader = Rfc3339Reader::default();
    let bookings = raw
        .bookings
        .iter()
        .enumerate()
        .map(|(j, b)| {
            let field = || at(&format!("bookings[{j}]"));
            let start = instant_at(&mut reader, &b.start, || format!("{}.start", field()))?;
            let status = match b.status.as_str() {
                "accepted" => BookingStatus::Accepted,
                "pending" => BookingStatus::Pending,
                "cancelled" => BookingStatus::Cancelled,
                other => {
                    return fail(
                        format!("{}.status", field()),
                        format!(
                            "unknown status {other:?} (expected accepted, pending or cancelled)"
                        ),
                    );
                }
            };
            for (k, id) in b.hosts.iter().enumerate() {
                if !ids.contains(id.as_str()) {
                    return fail(
                        format!("{}.hosts[{k}]", field()),
                        format!("unknown host {id:?}"),
                    );
                }
            }
            Ok(Booking { start, status })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Host {
        id: raw.id.clone(),
        schedule: prepared.schedule,
        busy: prepared.busy,
        calendars: prepared.calendars,
        bookings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A team big enough for hosts to be prepared while the document is
    /// read; `edit` changes the text of host `i`.
    fn big_team(edit: impl Fn(usize, String) -> String) -> String {
        let hosts: Vec<String> = (0..40)
            .map(|i| {
                let busy: Vec<String> = (0..60)
                    .map(|k| {
                        format!(
                            r#"{{"start": "2026-06-{:02}T{:02}:00:00Z", "end": "2026-06-{:02}T{:02}:30:00Z"}}"#,
                            1 + k % 28,
                            k % 24,
                            1 + k % 28,
                            k % 24
                        )
                    })
                    .collect();
                let host = format!(
                    r#"{{"id": "host-{i:02}", "schedule": {{"timezone": "Europe/Berlin",
                        "weekly": {{"mon": [["09:00", "17:00"]]}}}},
                      "busy": [{}],
                      "events": ["BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:s-{i}\r\nDTSTART;TZID=Europe/Berlin:20260601T100000\r\nDURATION:PT1H\r\nRRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"],
                      "bookings": [{{"start": "2026-06-02T09:00:00Z", "hosts": ["host-00"], "status": "accepted"}}]}}"#,
                    busy.join(", ")
                );
                edit(i, host)
            })
            .collect();
        let text = format!(
            r#"{{"now": "2026-05-31T12:00:00Z",
                "range": {{"start": "2026-06-01T00:00:00Z", "end": "2026-06-15T00:00:00Z"}},
                "event_type": {{"kind": "round_robin", "duration_minutes": 30}},
                "hosts": [{}]}}"#,
            hosts.join(",\n")
        );
        assert!(text.len() > PIPELINE_FROM_BYTES);
        text
    }

    /// The answer of the reference path: serde, hosts prepared afterwards.
    fn by_serde(text: &str) -> Result<Query, ScenarioError> {
        build(read_with_serde(text)?, None)
    }

    #[test]
    fn a_big_team_reads_as_serde_reads_it() {
        let text = big_team(|_, host| host);
        assert!(read_and_prepare(&text).is_some(), "the fast reader took it");
        let fast = parse_scenario(&text).expect("valid");
        let serde = by_serde(&text).expect("valid");
        assert_eq!(format!("{fast:?}"), format!("{serde:?}"));
    }

    #[test]
    fn a_big_team_reports_the_first_error_in_document_order() {
        // Host 7's booking names an unknown host; host 30's busy time is
        // broken. Host 7 comes first, although its error is found last.
        let text = big_team(|i, host| match i {
            7 => host.replace(r#""hosts": ["host-00"]"#, r#""hosts": ["nobody"]"#),
            30 => host.replacen("2026-06-01T00:00:00Z", "2026-06-01T25:00:00Z", 1),
            _ => host,
        });
        let error = parse_scenario(&text).expect_err("two errors");
        assert_eq!(error.field, "hosts[7].bookings[0].hosts[0]");
        assert_eq!(Err(error), by_serde(&text).map(|_| ()));
        // A document the fast reader gives up on at its very end is read
        // by serde, which names what is wrong.
        let text = big_team(|_, host| host) + " x";
        let error = parse_scenario(&text).expect_err("trailing text");
        assert!(error.message.contains("trailing characters"), "{error}");
    }
}
