//! Engine benchmarks on generated inputs (results in docs/PERFORMANCE.md).
//!
//! Inputs are built once per benchmark; the measured part is what the service
//! does per slots request: expand recurring events over the window, build each
//! host's timeline and sweep the candidates. Parsing iCalendar text is not
//! measured here (the service parses at sync time, not per request).

use kairos::engine::{
    Booking, BookingStatus, Calendar, EventType, Host, Instant, Interval, Kind, LocalTime, Query,
    Schedule, TimeRange, Zone, find_slots, ical::parse_calendar, instant::parse_rfc3339,
};

#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

const ZONES: [&str; 5] = [
    "America/New_York",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/Los_Angeles",
];

fn at(text: &str) -> Instant {
    parse_rfc3339(text).expect("valid instant")
}

/// A small deterministic generator (no dependency, same inputs every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

fn working_hours(zone: &str) -> Schedule {
    let mut schedule = Schedule::new(Zone::Iana(zone.parse().expect("zone")));
    let range = |a: &str, b: &str| TimeRange {
        start: LocalTime::parse(a).expect("time"),
        end: LocalTime::parse(b).expect("time"),
    };
    for day in 0..5 {
        schedule.weekly[day] = vec![range("08:00", "12:00"), range("13:00", "18:00")];
    }
    schedule
}

/// `events` busy items for one host over `days` from `start`; `recurring` of
/// them are weekly iCalendar series that began months before the window.
fn host(
    id: usize,
    zone: &str,
    start: Instant,
    days: i64,
    events: usize,
    recurring: usize,
    rng: &mut Lcg,
) -> Host {
    let span = days * 86_400;
    let busy = (0..events - recurring)
        .map(|_| {
            let s = start.plus_seconds((rng.next(span as u64 / 900) * 900) as i64);
            Interval::new(s, s.plus_minutes(15 + 15 * rng.next(8) as i64))
        })
        .collect();
    let mut ics = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//kairos//bench//EN\r\n");
    for n in 0..recurring {
        let day = 1 + rng.next(28);
        let hour = 8 + rng.next(10);
        let byday = ["MO", "TU", "WE", "TH", "FR"][rng.next(5) as usize];
        ics.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:series-{id}-{n}\r\nDTSTAMP:20260101T000000Z\r\n\
             DTSTART;TZID={zone}:202602{day:02}T{hour:02}0000\r\nDURATION:PT45M\r\n\
             RRULE:FREQ=WEEKLY;BYDAY={byday}\r\nEND:VEVENT\r\n"
        ));
    }
    ics.push_str("END:VCALENDAR\r\n");
    let calendar: Calendar = parse_calendar(&ics).expect("generated iCalendar parses");
    let bookings = (0..10)
        .map(|_| Booking {
            start: start.plus_seconds((rng.next(span as u64 / 1800) * 1800) as i64),
            status: BookingStatus::Accepted,
        })
        .collect();
    Host {
        id: format!("host-{id:03}"),
        schedule: working_hours(zone),
        busy,
        calendars: vec![calendar],
        bookings,
    }
}

fn query(
    kind: Kind,
    host_count: usize,
    days: i64,
    events: usize,
    recurring: usize,
    interval: u32,
) -> Query {
    let start = at("2026-06-01T00:00:00Z");
    let mut rng = Lcg(42);
    let hosts: Vec<Host> = (0..host_count)
        .map(|i| {
            host(
                i,
                ZONES[i % ZONES.len()],
                start,
                days,
                events,
                recurring,
                &mut rng,
            )
        })
        .collect();
    Query {
        now: at("2026-05-31T12:00:00Z"),
        range: Interval::new(start, start.plus_seconds(days * 86_400)),
        event_type: EventType {
            kind,
            zone: Zone::Iana(chrono_tz::Europe::London),
            duration_minutes: 30,
            slot_interval_minutes: interval,
            buffer_before_minutes: 5,
            buffer_after_minutes: 10,
            min_notice_minutes: 60,
            max_days_ahead: None,
            daily_limit: Some(6),
            seats: 1,
            required_hosts: match kind {
                Kind::RoundRobin => 1,
                _ => host_count,
            },
        },
        hosts,
    }
}

/// Target: under 200 µs.
#[divan::bench]
fn one_host_30_days_200_events(bencher: divan::Bencher) {
    let q = query(Kind::OneOnOne, 1, 30, 200, 20, 15);
    bencher.bench(|| find_slots(divan::black_box(&q)));
}

/// Target: under 5 ms and 50 MB allocated.
#[divan::bench]
fn round_robin_50_hosts_30_days_500_events(bencher: divan::Bencher) {
    let q = query(Kind::RoundRobin, 50, 30, 500, 50, 15);
    bencher.bench(|| find_slots(divan::black_box(&q)));
}

#[divan::bench]
fn collective_10_hosts_60_days(bencher: divan::Bencher) {
    let q = query(Kind::Collective, 10, 60, 500, 50, 15);
    bencher.bench(|| find_slots(divan::black_box(&q)));
}

/// Scaling in hosts: round robin, 30 days, 500 events (50 recurring) per host.
#[divan::bench(args = [1, 10, 50, 200])]
fn scaling_hosts(bencher: divan::Bencher, hosts: usize) {
    let q = query(Kind::RoundRobin, hosts, 30, 500, 50, 15);
    bencher.bench(|| find_slots(divan::black_box(&q)));
}

/// Scaling in events: one host, 30 days, 10% of the events recurring.
#[divan::bench(args = [100, 1_000, 10_000])]
fn scaling_events(bencher: divan::Bencher, events: usize) {
    let q = query(Kind::OneOnOne, 1, 30, events, events / 10, 15);
    bencher.bench(|| find_slots(divan::black_box(&q)));
}
