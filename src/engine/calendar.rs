//! Calendar events as busy time: the parsed form of `VEVENT`s and their
//! expansion into busy intervals over a window.

use super::civil::{Zone, ZoneDays};
use super::instant::Instant;
use super::interval::Interval;
use super::limits::{Budget, Exceeded, SERIES_STEPS};
use super::recurrence::{Recurrence, Until};
use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use std::collections::HashSet;
use std::sync::Arc;

/// A `DTSTART`/`DTEND`/`RDATE`/`EXDATE`/`RECURRENCE-ID` value.
#[derive(Debug, Clone)]
pub enum EventTime {
    /// `VALUE=DATE`: a whole day in the host's schedule zone.
    Date(NaiveDate),
    /// No `Z` and no `TZID`: read in the host's schedule zone.
    Floating(NaiveDateTime),
    /// `…Z` (zone UTC) or `TZID=…`.
    Zoned(NaiveDateTime, Zone),
}

impl EventTime {
    fn zone<'a>(&'a self, host: &'a Zone) -> &'a Zone {
        match self {
            EventTime::Zoned(_, zone) => zone,
            EventTime::Date(_) | EventTime::Floating(_) => host,
        }
    }

    pub(crate) fn local(&self) -> NaiveDateTime {
        match self {
            EventTime::Date(date) => date.and_time(NaiveTime::MIN),
            EventTime::Floating(local) | EventTime::Zoned(local, _) => *local,
        }
    }

    pub fn instant(&self, host: &Zone) -> Instant {
        self.zone(host).instant(self.local())
    }

    pub fn is_date(&self) -> bool {
        matches!(self, EventTime::Date(_))
    }
}

/// How long each occurrence lasts.
#[derive(Debug, Clone)]
pub enum Length {
    /// `DURATION` of whole days (nominal: local days) plus exact seconds.
    Nominal { days: u32, seconds: i64 },
    /// `DTEND`: every occurrence lasts exactly as long as the first (RFC 5545).
    Until(EventTime),
}

/// One `RDATE` value. A `PERIOD` (`start/end` or `start/duration`) gives
/// that instance its own length instead of the series' (RFC 5545 3.8.5.2).
#[derive(Debug, Clone)]
pub struct RDate {
    pub start: EventTime,
    /// `Until` is the period's end; `None` for a plain date or date-time.
    pub length: Option<Length>,
}

/// One `VEVENT`.
#[derive(Debug, Clone)]
pub struct EventComponent {
    pub start: EventTime,
    pub length: Length,
    pub rule: Option<Recurrence>,
    pub rdates: Vec<RDate>,
    pub exdates: Vec<EventTime>,
    pub recurrence_id: Option<EventTime>,
    /// False for `STATUS:CANCELLED` or `TRANSP:TRANSPARENT`.
    pub busy: bool,
}

/// The `VEVENT`s sharing one `UID`: the series and its overriding instances.
#[derive(Debug, Clone)]
pub struct Series {
    pub uid: Arc<str>,
    pub masters: Vec<EventComponent>,
    pub overrides: Vec<EventComponent>,
}

/// The events of one iCalendar text.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    pub series: Vec<Series>,
    /// Busy time only inside these bounds (a synced feed covers a known span).
    pub bounds: Option<Interval>,
}

/// Which event a busy interval came from: `(series index, occurrence start)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub series: usize,
    pub interval: Interval,
}

/// Starts a series skips: EXDATEs and the originals of overridden instances.
#[derive(Default)]
struct Excluded {
    instants: HashSet<i64>,
    /// All-day EXDATEs of a timed series: every start on those local dates.
    dates: HashSet<NaiveDate>,
}

/// Longest nominal day count we stretch the local search window by.
const DAY: i64 = 86_400;

impl EventComponent {
    /// The end of an occurrence; `period` is an `RDATE` period's own length.
    fn end_of(
        &self,
        period: Option<&Length>,
        start: Instant,
        start_local: NaiveDateTime,
        zone: &Zone,
        exact: i64,
        host: &Zone,
    ) -> Instant {
        match period.unwrap_or(&self.length) {
            Length::Nominal { days, seconds } => {
                let local = start_local
                    .checked_add_days(Days::new(u64::from(*days)))
                    .unwrap_or(start_local);
                let base = if *days == 0 {
                    start
                } else {
                    zone.instant(local)
                };
                base.plus_seconds(*seconds)
            }
            // A period's own end.
            Length::Until(end) if period.is_some() => end.instant(host),
            Length::Until(_) => start.plus_seconds(exact),
        }
    }

    /// Exact length of the first occurrence when `DTEND` gives it.
    fn exact_length(&self, host: &Zone) -> i64 {
        match &self.length {
            Length::Until(end) => {
                (end.instant(host).seconds() - self.start.instant(host).seconds()).max(0)
            }
            Length::Nominal { days, seconds } => i64::from(*days) * DAY + seconds,
        }
    }

    /// Appends this component's occurrences that overlap `window`, skipping
    /// starts in `excluded` (EXDATEs and overridden instances).
    fn occurrences(
        &self,
        host: &Zone,
        window: Interval,
        excluded: &Excluded,
        out: &mut Vec<Interval>,
        budget: &mut Budget,
        days: &mut ZoneDays,
    ) -> Result<(), Exceeded> {
        let zone = self.start.zone(host).clone();
        let exact = self.exact_length(host);
        let first_local = self.start.local();
        let push = |local: NaiveDateTime,
                    start: Instant,
                    period: Option<&Length>,
                    out: &mut Vec<Interval>| {
            if excluded.instants.contains(&start.seconds())
                || excluded.dates.contains(&local.date())
            {
                return;
            }
            let end = self.end_of(period, start, local, &zone, exact, host);
            let interval = Interval::new(start, end.max(start));
            // A zero-length event overlaps nothing, so it is dropped here.
            if interval.overlaps(&window) {
                out.push(interval);
            }
        };
        // DTSTART's own occurrence is converted only when it may reach the
        // window: a series that started months before it does not, and the
        // conversion costs more than the rest of its expansion. Bound: local
        // time is within 99 hours of UTC (VTIMEZONE offsets), a gap moves it
        // by at most a day, and the occurrence lasts at most `exact` plus an
        // offset change.
        let reaches = Instant::from_naive_utc(first_local).plus_seconds(exact + 10 * DAY);
        let first = (reaches > window.start).then(|| days.instant(&zone, first_local));
        if let Some(first) = first {
            push(first_local, first, None, out);
        }
        if let Some(rule) = &self.rule {
            // Search local time generously: offsets are within ±1 day, and an
            // occurrence starting before the window may still reach into it.
            let lo = shift(days.local(&zone, window.start), -(exact + 2 * DAY));
            let hi = shift(days.local(&zone, window.end), 2 * DAY);
            let until = rule.until().map(|until| match until {
                Until::Utc(utc) => zone.local(Instant::from_naive_utc(utc)),
                Until::Local(local) => local,
                Until::Date(date) => shift(date.and_time(NaiveTime::MIN), DAY - 1),
            });
            let mut locals = Vec::new();
            rule.occurrences(lo, hi, until, &mut locals, budget)?;
            for local in locals {
                if local != first_local {
                    push(local, days.instant(&zone, local), None, out);
                }
            }
        }
        for rdate in &self.rdates {
            let start = rdate.start.instant(host);
            if start != first.unwrap_or_else(|| days.instant(&zone, first_local)) {
                // Local time in the series' zone, where nominal days are counted.
                push(zone.local(start), start, rdate.length.as_ref(), out);
            }
        }
        Ok(())
    }
}

/// `at` moved by `seconds`, stopping at the ends of the calendar instead of
/// overflowing (inputs are bounded, this is the last line of defence).
fn shift(at: NaiveDateTime, seconds: i64) -> NaiveDateTime {
    let moved = TimeDelta::try_seconds(seconds).and_then(|delta| at.checked_add_signed(delta));
    moved.unwrap_or(if seconds < 0 {
        NaiveDateTime::MIN
    } else {
        NaiveDateTime::MAX
    })
}

impl Series {
    /// Busy intervals of this series overlapping `window`; `days` converts
    /// local times (see [`ZoneDays`]).
    pub fn busy(
        &self,
        host: &Zone,
        window: Interval,
        out: &mut Vec<Interval>,
        budget: &mut Budget,
        days: &mut ZoneDays,
    ) -> Result<(), Exceeded> {
        let mut excluded = Excluded::default();
        let mut exclude = |time: &EventTime, series_is_date: bool| match time {
            EventTime::Date(date) if !series_is_date => {
                excluded.dates.insert(*date);
            }
            _ => {
                excluded.instants.insert(time.instant(host).seconds());
            }
        };
        for master in &self.masters {
            for exdate in &master.exdates {
                exclude(exdate, master.start.is_date());
            }
        }
        for instance in &self.overrides {
            if let Some(id) = &instance.recurrence_id {
                exclude(id, self.masters.first().is_some_and(|m| m.start.is_date()));
            }
        }
        for master in self.masters.iter().filter(|m| m.busy) {
            master.occurrences(host, window, &excluded, out, budget, days)?;
        }
        let none = Excluded::default();
        for instance in self.overrides.iter().filter(|i| i.busy) {
            let single = EventComponent {
                rule: None,
                rdates: Vec::new(),
                ..instance.clone()
            };
            single.occurrences(host, window, &none, out, budget, days)?;
        }
        Ok(())
    }

    /// An interval holding every busy instant of this series in any host
    /// zone; see [`Calendar::span`].
    pub fn span(&self) -> Option<Interval> {
        self.span_following(true)
    }

    /// A span found without expanding anything (a `COUNT` rule counts as
    /// endless): the fallback for a series already over its budget.
    fn rough_span(&self) -> Option<Interval> {
        self.span_following(false)
    }

    fn span_following(&self, follow_count: bool) -> Option<Interval> {
        let mut span: Option<Interval> = None;
        for event in self.masters.iter().chain(&self.overrides) {
            let start = Instant::from_naive_utc(event.start.local()).plus_seconds(-2 * DAY);
            let end = match event.last_local_start(follow_count) {
                Some(last) => Instant::from_naive_utc(last).plus_seconds(event.longest() + DAY),
                None => FOREVER,
            };
            let end = end.min(FOREVER).max(start);
            // An overriding instance also stands for the time it replaces:
            // the row must be found when only its original time is queried.
            let (start, end) = match &event.recurrence_id {
                Some(id) => {
                    let original = Instant::from_naive_utc(id.local());
                    (
                        start.min(original.plus_seconds(-2 * DAY)),
                        end.max(original.plus_seconds(event.longest() + DAY)),
                    )
                }
                None => (start, end),
            };
            span = Some(match span {
                Some(known) => Interval::new(known.start.min(start), known.end.max(end)),
                None => Interval::new(start, end),
            });
        }
        span
    }
}

impl Calendar {
    /// Busy occurrences of every event overlapping `window`, tagged with their
    /// series. A series that goes over `budget` is counted busy over its whole
    /// span (within the window) and returned, so a caller can refuse it or
    /// report it; its time is never silently free.
    pub fn busy(
        &self,
        host: &Zone,
        window: Interval,
        out: &mut Vec<Occurrence>,
        budget: &mut Budget,
    ) -> Vec<(Arc<str>, Exceeded)> {
        self.busy_with(&mut ZoneDays::none(), host, window, out, budget)
    }

    /// [`Calendar::busy`] converting local times through `days`, which a
    /// caller expanding many events of one host keeps across calendars.
    pub fn busy_with(
        &self,
        days: &mut ZoneDays,
        host: &Zone,
        window: Interval,
        out: &mut Vec<Occurrence>,
        budget: &mut Budget,
    ) -> Vec<(Arc<str>, Exceeded)> {
        let mut intervals = Vec::new();
        let mut unreadable = Vec::new();
        for (index, series) in self.series.iter().enumerate() {
            intervals.clear();
            if let Err(why) =
                budget.series(|budget| series.busy(host, window, &mut intervals, budget, days))
            {
                intervals.clear();
                let span = series.rough_span().unwrap_or(window);
                intervals.push(Interval::new(
                    span.start.max(window.start),
                    span.end.min(window.end),
                ));
                unreadable.push((series.uid.clone(), why));
            }
            out.extend(intervals.iter().filter_map(|&interval| {
                let interval = match self.bounds {
                    Some(bounds) => Interval::new(
                        interval.start.max(bounds.start),
                        interval.end.min(bounds.end),
                    ),
                    None => interval,
                };
                (!interval.is_empty()).then_some(Occurrence {
                    series: index,
                    interval,
                })
            }));
        }
        unreadable
    }
}

/// The end of time for series that never end (within what databases store).
pub const FOREVER: Instant = Instant(221_845_392_000); // 9000-01-01T00:00:00Z

/// How far a `COUNT` rule is followed to find its last occurrence; one still
/// going after that counts as endless.
const COUNT_HORIZON_DAYS: u64 = 366 * 30;

impl EventComponent {
    /// The latest local start of this component, or `None` when endless.
    /// `follow_count`: walk a `COUNT` rule to its end (bounded); without it,
    /// such a rule counts as endless, which costs nothing.
    fn last_local_start(&self, follow_count: bool) -> Option<NaiveDateTime> {
        let first = self.start.local();
        let mut last = first;
        if let Some(rule) = &self.rule {
            if let Some(until) = rule.until() {
                let until = match until {
                    // At most a day from local time, whatever the zone.
                    Until::Utc(utc) => shift(utc, DAY),
                    Until::Local(local) => local,
                    Until::Date(date) => shift(date.and_time(NaiveTime::MIN), DAY),
                };
                last = last.max(until);
            } else if rule.count().is_some() && follow_count {
                let horizon = first.checked_add_days(Days::new(COUNT_HORIZON_DAYS))?;
                let mut locals = Vec::new();
                // A count too costly to follow is taken as endless: the span
                // only has to be wide enough.
                rule.occurrences(
                    first,
                    horizon,
                    None,
                    &mut locals,
                    &mut Budget::new(SERIES_STEPS),
                )
                .ok()?;
                let count = rule.count().map_or(0, |c| c as usize);
                if locals.len() + 1 < count {
                    return None;
                }
                last = last.max(locals.last().copied().unwrap_or(first));
            } else {
                return None;
            }
        }
        for rdate in &self.rdates {
            last = last.max(rdate.start.local());
        }
        Some(last)
    }

    /// An upper bound of how long any occurrence lasts.
    fn longest(&self) -> i64 {
        let length = |length: &Length, start: &EventTime| match length {
            Length::Until(end) => (end.local() - start.local()).num_seconds().max(0) + 2 * DAY,
            Length::Nominal { days, seconds } => i64::from(*days) * DAY + seconds + DAY,
        };
        let mut longest = length(&self.length, &self.start);
        for rdate in &self.rdates {
            if let Some(own) = &rdate.length {
                longest = longest.max(length(own, &rdate.start));
            }
        }
        longest
    }
}

impl Calendar {
    /// The first series too costly to expand over `window`, for callers that
    /// refuse such input up front instead of counting it busy.
    pub fn first_unreadable(&self, window: Interval) -> Option<(Arc<str>, Exceeded)> {
        let mut out = Vec::new();
        self.busy(&Zone::UTC, window, &mut out, &mut Budget::for_query())
            .into_iter()
            .next()
    }

    /// Joins calendars whose events belong together (the rows of one synced
    /// recurring series: its master and its exceptions), series by `UID`.
    pub fn merge(parts: impl IntoIterator<Item = Calendar>) -> Calendar {
        let mut merged = Calendar::default();
        for part in parts {
            for series in part.series {
                match merged.series.iter_mut().find(|s| s.uid == series.uid) {
                    Some(known) => {
                        known.masters.extend(series.masters);
                        known.overrides.extend(series.overrides);
                    }
                    None => merged.series.push(series),
                }
            }
        }
        merged
    }

    /// An interval holding every busy instant of these events in any host
    /// zone (floating and all-day times are read in the host's zone, at most
    /// a day from UTC), for storing and finding synced rows by time.
    pub fn span(&self) -> Option<Interval> {
        self.series
            .iter()
            .filter_map(Series::span)
            .reduce(|a, b| Interval::new(a.start.min(b.start), a.end.max(b.end)))
    }
}
