//! The slot search: which candidate starts an invitee may book.
//!
//! For each host the inputs become sorted lists (available, busy, booking
//! starts) and the candidates are swept once in time order, so the work is
//! linear in hosts × (events + candidates), never candidates × events.

use super::civil::ZoneDays;
use super::grid::{Candidate, candidates};
use super::instant::Instant;
use super::interval::{Interval, Sweep, merge};
use super::limits::{Budget, Unreadable};
use super::query::{BookingStatus, Kind, Query};
use chrono::{Days, NaiveDate};

/// A bookable start: the free hosts (indices into `Query::hosts`, ordered by
/// host id) and, for `group`, the seats left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub start: Instant,
    pub hosts: Vec<usize>,
    pub seats_left: Option<u32>,
}

/// One host's inputs as sorted lists over the query's window.
pub(crate) struct Timeline {
    pub available: Vec<Interval>,
    /// Merged busy time from `busy` and calendar events.
    pub busy: Vec<Interval>,
    /// Accepted booking starts with how many bookings start there, sorted.
    pub bookings: Vec<(Instant, u32)>,
    /// Accepted bookings per local date of the event type's zone, sorted.
    pub per_date: Vec<(NaiveDate, u32)>,
}

impl Timeline {
    /// The timeline of host `index`; calendar series over `budget` are
    /// counted busy over their span and noted in `unreadable`.
    pub(crate) fn build(
        query: &Query,
        index: usize,
        budget: &mut Budget,
        unreadable: &mut Vec<Unreadable>,
    ) -> Self {
        let host = &query.hosts[index];
        let et = &query.event_type;
        let window = query.busy_window();
        // Room for the calendars' occurrences too, so the list grows once.
        let mut busy: Vec<Interval> = Vec::with_capacity(host.busy.len() + 256);
        busy.extend(host.busy.iter().filter(|b| b.overlaps(&window)).copied());
        let mut occurrences = Vec::new();
        let zone = &host.schedule.zone;
        // Events' local times fall within a day or two of the window.
        let (first, last) = (zone.local_date(window.start), zone.local_date(window.end));
        let mut days = ZoneDays::new(
            zone,
            first.checked_sub_days(Days::new(3)).unwrap_or(first),
            last.checked_add_days(Days::new(3)).unwrap_or(last),
        );
        let available = host.schedule.available_with(
            Interval::new(
                query.range.start,
                query.range.end.plus_seconds(et.duration_seconds()),
            ),
            &mut days,
        );
        for calendar in &host.calendars {
            occurrences.clear();
            for (uid, limit) in
                calendar.busy_with(&mut days, zone, window, &mut occurrences, budget)
            {
                unreadable.push(Unreadable {
                    host: index,
                    uid,
                    limit,
                });
            }
            busy.extend(occurrences.iter().map(|o| o.interval));
        }
        let mut starts: Vec<Instant> = host
            .bookings
            .iter()
            .filter(|b| b.status == BookingStatus::Accepted)
            .map(|b| b.start)
            .collect();
        starts.sort_unstable();
        let mut bookings: Vec<(Instant, u32)> = Vec::new();
        let mut per_date: Vec<(NaiveDate, u32)> = Vec::new();
        for start in starts {
            match bookings.last_mut() {
                Some((at, count)) if *at == start => *count += 1,
                _ => bookings.push((start, 1)),
            }
            if et.daily_limit.is_some() {
                per_date.push((et.zone.local_date(start), 1));
            }
        }
        per_date.sort_unstable();
        per_date.dedup_by(|next, kept| {
            if next.0 == kept.0 {
                kept.1 += next.1;
                true
            } else {
                false
            }
        });
        Timeline {
            available,
            busy: merge(busy),
            bookings,
            per_date,
        }
    }

    pub(crate) fn bookings_on(&self, date: NaiveDate) -> u32 {
        self.per_date
            .binary_search_by_key(&date, |(d, _)| *d)
            .map_or(0, |i| self.per_date[i].1)
    }

    pub(crate) fn bookings_at(&self, start: Instant) -> u32 {
        self.bookings
            .binary_search_by_key(&start, |(s, _)| *s)
            .map_or(0, |i| self.bookings[i].1)
    }

    /// Which candidates this host is free at (spec: "When a host is free").
    fn free_at(&self, query: &Query, candidates: &[Candidate]) -> Vec<bool> {
        let et = &query.event_type;
        let group = et.kind == Kind::Group;
        let duration = et.duration_seconds();
        // A booking K blocks [s, e) when B overlaps K's meeting or [s, e)
        // overlaps K's buffered meeting; together that is [s, e) overlapping
        // K's meeting widened by the larger buffer on both sides.
        let widen = et.before_seconds().max(et.after_seconds());
        let mut available = Sweep::new(&self.available);
        let mut busy = Sweep::new(&self.busy);
        let mut next_booking = 0usize;
        candidates
            .iter()
            .map(|candidate| {
                let s = candidate.start;
                if !available.contains(et.meeting(s)) || busy.overlaps(et.buffered(s)) {
                    return false;
                }
                // Bookings that could conflict start in (s - duration - widen, s + duration + widen).
                let low = s.plus_seconds(-duration - widen);
                let high = s.plus_seconds(duration + widen);
                while self
                    .bookings
                    .get(next_booking)
                    .is_some_and(|(k, _)| *k <= low)
                {
                    next_booking += 1;
                }
                let conflict = self.bookings[next_booking..]
                    .iter()
                    .take_while(|(k, _)| *k < high)
                    .any(|(k, _)| !(group && *k == s));
                if conflict {
                    return false;
                }
                match et.daily_limit {
                    Some(limit) => self.bookings_on(candidate.date) < limit,
                    None => true,
                }
            })
            .collect()
    }
}

/// Each host's timeline, in `order`. A big team's are built on two threads
/// (each with half the query's budget, so the answer does not depend on how
/// the work was split), since expanding their calendars is most of the work.
fn timelines(query: &Query, order: &[usize], unreadable: &mut Vec<Unreadable>) -> Vec<Timeline> {
    const PARALLEL_FROM: usize = 8;
    let build = |hosts: &[usize], budget: &mut Budget| {
        let mut noted = Vec::new();
        let built: Vec<Timeline> = hosts
            .iter()
            .map(|&i| Timeline::build(query, i, budget, &mut noted))
            .collect();
        (built, noted)
    };
    if order.len() < PARALLEL_FROM {
        let (built, noted) = build(order, &mut Budget::for_query());
        unreadable.extend(noted);
        return built;
    }
    let (first, second) = order.split_at(order.len() / 2);
    let (mut a, b) = std::thread::scope(|scope| {
        let b = scope.spawn(|| build(second, &mut Budget::for_query().halved()));
        let a = build(first, &mut Budget::for_query().halved());
        (a, b.join())
    });
    let b = b.unwrap_or_else(|_| {
        // A thread cannot panic here (the engine does not), but if it did the
        // answer must still be whole: build the rest on this thread.
        build(second, &mut Budget::for_query().halved())
    });
    a.0.extend(b.0);
    unreadable.extend(a.1);
    unreadable.extend(b.1);
    a.0
}

/// Candidates that pass the checks shared by every host: range, notice, window.
pub(crate) fn open_candidates(query: &Query) -> Vec<Candidate> {
    let et = &query.event_type;
    let earliest = query.earliest_start();
    let last_date = query.last_date();
    let mut list = candidates(&et.zone, et.slot_interval_minutes, query.range);
    list.retain(|c| c.start >= earliest && last_date.is_none_or(|last| c.date <= last));
    list
}

/// The answer to a query, and the calendar series that were too costly to
/// expand (each counted busy over its whole span).
#[derive(Debug, Clone)]
pub struct Search {
    pub slots: Vec<Slot>,
    pub unreadable: Vec<Unreadable>,
    /// Time spent building the hosts' timelines (expanding recurring events
    /// and merging busy time); the rest of the search is the sweep.
    pub expand_time: std::time::Duration,
}

/// The slots of `query`, sorted by start (spec: "When a candidate is a slot").
pub fn find_slots(query: &Query) -> Vec<Slot> {
    search(query).slots
}

/// [`find_slots`], also saying which series went over the expansion budget.
pub fn search(query: &Query) -> Search {
    let mut search = Search {
        slots: Vec::new(),
        unreadable: Vec::new(),
        expand_time: std::time::Duration::ZERO,
    };
    search.slots = search_slots(query, &mut search);
    search
}

fn search_slots(query: &Query, search: &mut Search) -> Vec<Slot> {
    let et = &query.event_type;
    let list = open_candidates(query);
    if list.is_empty() || query.hosts.is_empty() {
        return Vec::new();
    }
    let order = query.hosts_by_id();
    let began = std::time::Instant::now();
    let timelines = timelines(query, &order, &mut search.unreadable);
    search.expand_time = began.elapsed();
    let free: Vec<Vec<bool>> = timelines.iter().map(|t| t.free_at(query, &list)).collect();
    let needed = match et.kind {
        Kind::OneOnOne | Kind::Group => query.hosts.len(),
        Kind::Collective => et.required_hosts.max(1),
        Kind::RoundRobin => 1,
    };
    let mut slots = Vec::new();
    let mut hosts = Vec::with_capacity(order.len());
    for (c, candidate) in list.iter().enumerate() {
        hosts.clear();
        hosts.extend(
            order
                .iter()
                .zip(&free)
                .filter(|(_, f)| f[c])
                .map(|(&i, _)| i),
        );
        if hosts.len() < needed {
            continue;
        }
        let seats_left = if et.kind == Kind::Group {
            let taken = timelines[0].bookings_at(candidate.start);
            match et.seats.checked_sub(taken) {
                Some(left) if left > 0 => Some(left),
                _ => continue,
            }
        } else {
            None
        };
        slots.push(Slot {
            start: candidate.start,
            hosts: hosts.clone(),
            seats_left,
        });
    }
    slots
}
