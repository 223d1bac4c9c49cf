//! Weekly availability rules and date overrides, in the host's zone.

use super::civil::{Zone, ZoneDays};
use super::interval::{Interval, merge};
use chrono::{Datelike, Days, NaiveDate, NaiveTime, TimeDelta};
use std::collections::BTreeMap;

/// A wall-clock time of day in minutes, `00:00` to `24:00` inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LocalTime(u16);

impl LocalTime {
    pub const MIDNIGHT: LocalTime = LocalTime(0);
    pub const END_OF_DAY: LocalTime = LocalTime(1440);

    pub fn from_minutes(minutes: u16) -> Option<Self> {
        (minutes <= 1440).then_some(LocalTime(minutes))
    }

    /// `HH:MM`, two digits each; `24:00` is the only time past `23:59`.
    pub fn parse(text: &str) -> Option<Self> {
        let (h, m) = text.split_once(':')?;
        if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        if m > 59 || h > 24 || (h == 24 && m != 0) {
            return None;
        }
        Some(LocalTime(h * 60 + m))
    }

    pub fn minutes(self) -> u32 {
        u32::from(self.0)
    }
}

/// `[start, end)` in local time on one date; `end` may be `24:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub start: LocalTime,
    pub end: LocalTime,
}

/// When a host can meet: weekly rules plus per-date overrides, in `zone`.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub zone: Zone,
    /// Indexed by days from Monday.
    pub weekly: [Vec<TimeRange>; 7],
    /// A date present here replaces that date's weekly rules (empty = unavailable).
    pub overrides: BTreeMap<NaiveDate, Vec<TimeRange>>,
}

impl Schedule {
    pub fn new(zone: Zone) -> Self {
        Schedule {
            zone,
            weekly: Default::default(),
            overrides: BTreeMap::new(),
        }
    }

    /// The ranges that apply on `date`.
    pub fn ranges_on(&self, date: NaiveDate) -> &[TimeRange] {
        match self.overrides.get(&date) {
            Some(ranges) => ranges,
            None => &self.weekly[date.weekday().num_days_from_monday() as usize],
        }
    }

    /// Available time covering `window`, merged across midnights. Dates one
    /// beyond each end are included so windows that touch the edges merge as
    /// they would in an unbounded computation.
    pub fn available(&self, window: Interval) -> Vec<Interval> {
        self.available_with(window, &mut ZoneDays::none())
    }

    /// [`Schedule::available`] converting local times through `days`, a
    /// cache of this schedule's zone the caller shares with other work.
    pub fn available_with(&self, window: Interval, days: &mut ZoneDays) -> Vec<Interval> {
        let first = self
            .zone
            .local_date(window.start)
            .pred_opt()
            .unwrap_or(NaiveDate::MIN);
        let last = self
            .zone
            .local_date(window.end)
            .succ_opt()
            .unwrap_or(NaiveDate::MAX);
        let mut intervals = Vec::new();
        let mut date = first;
        while date <= last {
            let midnight = date.and_time(NaiveTime::MIN);
            // `24:00` is the next midnight, which the cache converts alike.
            let mut at = |time: LocalTime| {
                let local = midnight + TimeDelta::minutes(i64::from(time.minutes()));
                days.instant(&self.zone, local)
            };
            for range in self.ranges_on(date) {
                intervals.push(Interval::new(at(range.start), at(range.end)));
            }
            match date.checked_add_days(Days::new(1)) {
                Some(next) => date = next,
                None => break,
            }
        }
        merge(intervals)
    }

    /// Is `[start, end)` inside one merged available interval?
    pub fn fits(&self, meeting: Interval) -> bool {
        self.available(meeting)
            .iter()
            .any(|window| window.contains(&meeting))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_parse() {
        assert_eq!(LocalTime::parse("09:30").map(LocalTime::minutes), Some(570));
        assert_eq!(
            LocalTime::parse("24:00").map(LocalTime::minutes),
            Some(1440)
        );
        for bad in ["24:01", "9:30", "09:60", "25:00", "0930", "ab:cd", ""] {
            assert_eq!(LocalTime::parse(bad), None, "{bad}");
        }
    }
}
