//! Bounds on what one input may cost.
//!
//! iCalendar text arrives from hosts' calendar servers and scenario files
//! from anyone with the CLI or an admin key, so every count, size and
//! recurrence expansion is bounded here, in one place. A bound exceeded is an
//! error naming it (strict callers: scenarios, the admin API) or, for synced
//! data, the event counted busy over its whole span: never silently free.
//!
//! Recurrence work is counted in *steps* (one generated or skipped-over
//! occurrence) rather than time, so the same input gets the same answer on
//! every machine; a wall-clock deadline is only a backstop for work the
//! `rrule` crate does between two occurrences.

use std::sync::Arc;

/// Deepest `BEGIN` nesting accepted (VCALENDAR › VEVENT › VALARM is 3).
pub const MAX_NESTING: usize = 8;
/// Largest iCalendar text accepted, in bytes.
pub const MAX_ICAL_BYTES: usize = 4 * 1024 * 1024;
/// Most components (of any kind) in one iCalendar text.
pub const MAX_COMPONENTS: usize = 20_000;
/// Most `RDATE`/`EXDATE` values in one event.
pub const MAX_DATE_LIST: usize = 10_000;
/// Longest event or `DURATION` accepted: 100 years.
pub const MAX_EVENT_DAYS: i64 = 36_525;
/// Most offset changes one `VTIMEZONE` may define (a yearly pair from 1601
/// to the year 2200 is about 1,200).
pub const MAX_TRANSITIONS: usize = 10_000;
/// Recurrence steps one series may take in one query.
pub const SERIES_STEPS: u64 = 20_000;
/// Recurrence steps one query may take over all its series.
pub const QUERY_STEPS: u64 = 500_000;
/// Most (host, candidate start) pairs one query may examine.
pub const MAX_HOST_CANDIDATES: u64 = 2_000_000;
/// Backstop for one query's recurrence work, in milliseconds.
pub const QUERY_DEADLINE_MS: u64 = 10_000;

/// An upper bound of the (host, candidate start) pairs a query over `range`
/// with this grid examines: every grid point, plus one more per local day
/// (each day's grid restarts at midnight) and per transition.
pub fn host_candidates(range: super::Interval, slot_interval_minutes: u32, hosts: usize) -> u64 {
    let seconds = u64::try_from(range.end.seconds() - range.start.seconds()).unwrap_or(0);
    let step = u64::from(slot_interval_minutes.max(1)) * 60;
    let per_host = seconds / step + 2 * (seconds / 86_400 + 2);
    per_host.saturating_mul(hosts as u64)
}

/// A series whose expansion went over a bound; it was counted busy over its
/// whole span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// Index of the host in `Query::hosts`.
    pub host: usize,
    pub uid: Arc<str>,
    pub limit: Exceeded,
}

/// Which bound an expansion went over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exceeded {
    /// More than [`SERIES_STEPS`] for one series.
    SeriesSteps,
    /// More than [`QUERY_STEPS`] for the whole query.
    QuerySteps,
    /// The recurrence library gave up between two occurrences.
    Pathological,
    /// The query ran past [`QUERY_DEADLINE_MS`].
    Deadline,
}

impl Exceeded {
    pub fn describe(self) -> String {
        match self {
            Exceeded::SeriesSteps => {
                format!("its recurrence needs more than {SERIES_STEPS} steps in this range")
            }
            Exceeded::QuerySteps => format!(
                "the query's recurring events need more than {QUERY_STEPS} steps in this range"
            ),
            Exceeded::Pathological => {
                "its recurrence rule matches too rarely to expand (no occurrence within 100,000 periods)"
                    .to_string()
            }
            Exceeded::Deadline => {
                format!("expanding recurring events took longer than {QUERY_DEADLINE_MS} ms")
            }
        }
    }
}

/// Recurrence steps left, counted down as expansion proceeds.
#[derive(Debug, Clone)]
pub struct Budget {
    left: u64,
    /// Why the budget ran out, once it has.
    exhausted: Option<Exceeded>,
    deadline: Option<std::time::Instant>,
    /// Series run so far, to read the clock before every 16th.
    series_run: u32,
}

impl Budget {
    pub fn new(steps: u64) -> Self {
        Budget {
            left: steps,
            exhausted: None,
            deadline: None,
            series_run: 0,
        }
    }

    /// A query's budget: [`QUERY_STEPS`] and the deadline backstop.
    pub fn for_query() -> Self {
        Budget {
            deadline: std::time::Instant::now()
                .checked_add(std::time::Duration::from_millis(QUERY_DEADLINE_MS)),
            ..Budget::new(QUERY_STEPS)
        }
    }

    /// Half of this budget, for one of two threads sharing a query.
    pub fn halved(mut self) -> Self {
        self.left /= 2;
        self
    }

    /// Takes `n` steps; fails once the budget is spent.
    pub fn spend(&mut self, n: u64) -> Result<(), Exceeded> {
        if let Some(why) = self.exhausted {
            return Err(why);
        }
        if n > self.left {
            self.left = 0;
            return Err(*self.exhausted.insert(Exceeded::SeriesSteps));
        }
        self.left -= n;
        Ok(())
    }

    /// Checks the deadline.
    pub fn check_deadline(&mut self) -> Result<(), Exceeded> {
        if let Some(why) = self.exhausted {
            return Err(why);
        }
        match self.deadline {
            Some(deadline) if std::time::Instant::now() > deadline => {
                Err(*self.exhausted.insert(Exceeded::Deadline))
            }
            _ => Ok(()),
        }
    }

    /// Runs `expand` with at most [`SERIES_STEPS`] of this budget, charging
    /// what it used. A series that runs out of its own share is reported as
    /// such; one that runs out of the query's is reported as the query's.
    pub fn series<T>(
        &mut self,
        expand: impl FnOnce(&mut Budget) -> Result<T, Exceeded>,
    ) -> Result<T, Exceeded> {
        // Reading the clock costs more than expanding a typical series, so
        // it is read before every 16th series: a backstop need not be exact.
        self.series_run = self.series_run.wrapping_add(1);
        if self.series_run % 16 == 1 {
            self.check_deadline()?;
        } else if let Some(why) = self.exhausted {
            return Err(why);
        }
        let share = self.left.min(SERIES_STEPS);
        let query_limited = share < SERIES_STEPS;
        let mut child = Budget {
            left: share,
            exhausted: None,
            deadline: self.deadline,
            series_run: 0,
        };
        let result = expand(&mut child);
        self.left -= share - child.left;
        match result {
            Err(Exceeded::SeriesSteps) if query_limited => {
                self.exhausted = Some(Exceeded::QuerySteps);
                Err(Exceeded::QuerySteps)
            }
            Err(Exceeded::Deadline) => {
                self.exhausted = Some(Exceeded::Deadline);
                Err(Exceeded::Deadline)
            }
            other => other,
        }
    }

    pub fn left(&self) -> u64 {
        self.left
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_gets_its_share_and_the_query_keeps_count() {
        let mut query = Budget::new(SERIES_STEPS + 10);
        let used = query.series(|b| b.spend(SERIES_STEPS));
        assert_eq!(used, Ok(()));
        assert_eq!(query.left(), 10);
        // The next series may only use what is left of the query's budget.
        assert_eq!(query.series(|b| b.spend(11)), Err(Exceeded::QuerySteps));
        assert_eq!(query.series(|b| b.spend(1)), Err(Exceeded::QuerySteps));
    }

    #[test]
    fn one_greedy_series_does_not_spend_the_query() {
        let mut query = Budget::new(QUERY_STEPS);
        assert_eq!(
            query.series(|b| b.spend(SERIES_STEPS + 1)),
            Err(Exceeded::SeriesSteps)
        );
        assert_eq!(query.left(), QUERY_STEPS - SERIES_STEPS);
        assert_eq!(query.series(|b| b.spend(5)), Ok(()));
    }
}
