//! Candidate start times: the local grid of the event type's zone.

use super::civil::Zone;
use super::instant::Instant;
use super::interval::Interval;
use chrono::{Days, NaiveDate};

/// A candidate start and its local date in the event type's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub start: Instant,
    pub date: NaiveDate,
}

const MINUTES_PER_DAY: u32 = 1440;

/// Every local date touching `range` contributes `00:00 + k·interval` below
/// `24:00`, converted with the compatible rule; duplicates (two grid times
/// landing on one instant after a gap) are dropped; only starts inside `range`
/// are kept. Sorted by start.
pub fn candidates(zone: &Zone, interval_minutes: u32, range: Interval) -> Vec<Candidate> {
    let step = interval_minutes.max(1);
    let mut out = Vec::new();
    if range.is_empty() {
        return out;
    }
    let first = zone
        .local_date(range.start)
        .pred_opt()
        .unwrap_or(NaiveDate::MIN);
    let last = zone
        .local_date(range.end)
        .succ_opt()
        .unwrap_or(NaiveDate::MAX);
    let mut date = first;
    while date <= last {
        let day = zone.day(date);
        let mut minute = 0;
        while minute < MINUTES_PER_DAY {
            let start = day.at_minute(minute);
            if range.start <= start && start < range.end {
                out.push(Candidate {
                    start,
                    date: day.date_of(start),
                });
            }
            minute += step;
        }
        match date.checked_add_days(Days::new(1)) {
            Some(next) => date = next,
            None => break,
        }
    }
    // Already in order except around DST gaps; sorting a nearly sorted list is cheap.
    out.sort_by_key(|c| c.start);
    out.dedup_by_key(|c| c.start);
    out
}
