//! Half-open intervals `[start, end)` of instants and sorted, merged lists of them.

use super::instant::Instant;

/// `[start, end)`. Intervals that only touch do not overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    pub start: Instant,
    pub end: Instant,
}

impl Interval {
    pub const fn new(start: Instant, end: Instant) -> Self {
        Interval { start, end }
    }

    /// Do the two share an instant? Touching intervals do not, and an empty
    /// interval (zero-length busy time) overlaps nothing, as in the slot sweep.
    pub fn overlaps(&self, other: &Interval) -> bool {
        self.start.max(other.start) < self.end.min(other.end)
    }

    pub fn contains(&self, other: &Interval) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

/// Sorts and unites intervals; touching intervals merge too (availability
/// `22:00–24:00` and `00:00–02:00` form one window). Empty intervals vanish.
pub fn merge(mut intervals: Vec<Interval>) -> Vec<Interval> {
    intervals.retain(|i| !i.is_empty());
    // By start alone: among equal starts the merged end is the largest
    // whatever their order, and one key compares faster than two.
    intervals.sort_unstable_by_key(|i| i.start);
    // United in place: `kept` intervals at the front are the answer so far.
    let mut kept: usize = 0;
    for next in 0..intervals.len() {
        let interval = intervals[next];
        match kept.checked_sub(1).map(|last| &mut intervals[last]) {
            Some(last) if interval.start <= last.end => {
                if interval.end > last.end {
                    last.end = interval.end;
                }
            }
            _ => {
                intervals[kept] = interval;
                kept += 1;
            }
        }
    }
    intervals.truncate(kept);
    intervals
}

/// Answers questions about a sorted, merged interval list for queries whose
/// start never decreases, in amortised O(1): the slot search walks candidates
/// in time order, so each list is swept once instead of searched per candidate.
pub struct Sweep<'a> {
    intervals: &'a [Interval],
    next: usize,
}

impl<'a> Sweep<'a> {
    /// `intervals` must be sorted and merged (see [`merge`]).
    pub fn new(intervals: &'a [Interval]) -> Self {
        Sweep { intervals, next: 0 }
    }

    /// Skips the intervals that end at or before `from`; queries must come with
    /// non-decreasing `from`.
    fn advance(&mut self, from: Instant) -> Option<&'a Interval> {
        while let Some(interval) = self.intervals.get(self.next) {
            if interval.end > from {
                return Some(interval);
            }
            self.next += 1;
        }
        None
    }

    /// Does `query` overlap any interval? `query.start` must not decrease between calls.
    pub fn overlaps(&mut self, query: Interval) -> bool {
        match self.advance(query.start) {
            Some(interval) => interval.start < query.end && !query.is_empty(),
            None => false,
        }
    }

    /// Does one interval contain all of `query`? `query.start` must not decrease.
    pub fn contains(&mut self, query: Interval) -> bool {
        // In a merged list the only candidate is the first interval ending after the start.
        match self.advance(query.start) {
            Some(interval) => interval.contains(&query),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(a: i64, b: i64) -> Interval {
        Interval::new(Instant(a), Instant(b))
    }

    #[test]
    fn merge_unites_overlapping_and_touching() {
        let merged = merge(vec![iv(5, 7), iv(0, 2), iv(2, 3), iv(6, 9), iv(4, 4)]);
        assert_eq!(merged, vec![iv(0, 3), iv(5, 9)]);
    }

    #[test]
    fn empty_intervals_overlap_nothing() {
        assert!(iv(0, 10).overlaps(&iv(5, 6)));
        assert!(!iv(0, 10).overlaps(&iv(10, 20)), "touching");
        assert!(!iv(0, 10).overlaps(&iv(5, 5)));
        assert!(!iv(5, 5).overlaps(&iv(0, 10)));
    }

    #[test]
    fn sweep_answers_in_order() {
        let list = merge(vec![iv(0, 10), iv(20, 30)]);
        let mut sweep = Sweep::new(&list);
        assert!(sweep.contains(iv(0, 10)));
        assert!(!sweep.contains(iv(5, 15)));
        assert!(!sweep.contains(iv(10, 12)));
        assert!(sweep.contains(iv(20, 25)));
        let mut sweep = Sweep::new(&list);
        assert!(!sweep.overlaps(iv(10, 20)), "touching is not overlapping");
        assert!(sweep.overlaps(iv(15, 21)));
        assert!(!sweep.overlaps(iv(30, 40)));
    }
}
