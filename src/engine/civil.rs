//! Civil (wall-clock) time: turning a local date and time into an instant.
//!
//! Every local-to-instant conversion in Kairos goes through [`Zone::instant`],
//! which implements RFC 5545's *compatible* rule: a time in a DST gap moves
//! forward by the length of the gap; a time in a fold takes the earlier instant.
//! chrono answers `LocalResult::None` in a gap and leaves the rest to us, which
//! is where schedulers usually go wrong.

use super::instant::Instant;
pub use super::instant::Resolution;
use super::vtimezone::CustomZone;
use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Timelike};
use chrono_tz::Tz;
use std::sync::Arc;

/// A time zone: an IANA zone, or one defined by an iCalendar `VTIMEZONE` block
/// whose name is neither IANA nor Windows.
#[derive(Debug, Clone)]
pub enum Zone {
    Iana(Tz),
    Custom(Arc<CustomZone>),
}

/// The longest gap we expect: Pacific/Apia skipped a whole day (2011-12-30).
const MAX_GAP_STEPS: i64 = 50;
const GAP_STEP_MINUTES: i64 = 30;

impl Zone {
    pub const UTC: Zone = Zone::Iana(Tz::UTC);

    pub fn name(&self) -> &str {
        match self {
            Zone::Iana(tz) => tz.name(),
            Zone::Custom(zone) => zone.name(),
        }
    }

    /// Seconds east of UTC in force at `at`.
    pub fn offset_at(&self, at: Instant) -> i64 {
        match self {
            Zone::Iana(tz) => i64::from(
                tz.offset_from_utc_datetime(&at.naive_utc())
                    .fix()
                    .local_minus_utc(),
            ),
            Zone::Custom(zone) => zone.offset_at(at),
        }
    }

    /// The wall clock at `at`.
    pub fn local(&self, at: Instant) -> NaiveDateTime {
        at.plus_seconds(self.offset_at(at)).naive_utc()
    }

    pub fn local_date(&self, at: Instant) -> NaiveDate {
        self.local(at).date()
    }

    /// Where `local` falls on the time line, without choosing.
    pub fn resolve(&self, local: NaiveDateTime) -> Resolution {
        match self {
            Zone::Iana(tz) => match tz.from_local_datetime(&local) {
                chrono::LocalResult::Single(dt) => Resolution::Single(Instant(dt.timestamp())),
                chrono::LocalResult::Ambiguous(a, b) => {
                    let (a, b) = (Instant(a.timestamp()), Instant(b.timestamp()));
                    Resolution::Fold(a.min(b), a.max(b))
                }
                chrono::LocalResult::None => Resolution::Gap,
            },
            Zone::Custom(zone) => zone.resolve(local),
        }
    }

    /// The compatible rule: gap → forward by the gap, fold → earlier.
    pub fn instant(&self, local: NaiveDateTime) -> Instant {
        match self.resolve(local) {
            Resolution::Single(at) | Resolution::Fold(at, _) => at,
            Resolution::Gap => self.instant_in_gap(local),
        }
    }

    /// A local time in a gap is read with the offset in force just before the
    /// gap, which moves it forward by exactly the gap's length. We find that
    /// offset by stepping back until the wall clock exists again.
    fn instant_in_gap(&self, local: NaiveDateTime) -> Instant {
        let as_utc = Instant::from_naive_utc(local);
        for step in 1..=MAX_GAP_STEPS {
            let earlier = local - chrono::Duration::minutes(step * GAP_STEP_MINUTES);
            let before = match self.resolve(earlier) {
                Resolution::Single(at) => at,
                // A fold right before a gap: the later reading is the one adjacent to it.
                Resolution::Fold(_, later) => later,
                Resolution::Gap => continue,
            };
            return as_utc.plus_seconds(-self.offset_at(before));
        }
        // No zone has a gap this long; read the time as UTC rather than fail.
        as_utc
    }

    /// The instant of local midnight starting `date` (compatible rule).
    pub fn start_of_day(&self, date: NaiveDate) -> Instant {
        self.instant(date.and_time(NaiveTime::MIN))
    }

    /// A converter for one local date that is exact and, on the common day
    /// without a transition, costs one addition per conversion.
    pub fn day(&self, date: NaiveDate) -> LocalDay<'_> {
        let midnight = self.start_of_day(date);
        let next = date
            .checked_add_days(Days::new(1))
            .map(|next| self.start_of_day(next));
        // A day is uniform when it lasts 24 hours and starts and ends on the same
        // offset; tz databases have no day with two transitions that cancel out.
        let uniform = match next {
            Some(next) => {
                next.seconds() - midnight.seconds() == 86_400
                    && self.offset_at(midnight) == self.offset_at(next.plus_seconds(-1))
            }
            None => false,
        };
        LocalDay {
            zone: self,
            date,
            midnight,
            uniform,
        }
    }
}

/// See [`Zone::day`].
pub struct LocalDay<'z> {
    zone: &'z Zone,
    date: NaiveDate,
    midnight: Instant,
    uniform: bool,
}

impl LocalDay<'_> {
    pub fn date(&self) -> NaiveDate {
        self.date
    }

    pub fn is_uniform(&self) -> bool {
        self.uniform
    }

    /// The instant of `minutes` after local midnight of this date (0..=1440;
    /// 1440 is the next midnight), by the compatible rule.
    pub fn at_minute(&self, minutes: u32) -> Instant {
        if self.uniform {
            return self.midnight.plus_minutes(i64::from(minutes));
        }
        let local =
            self.date.and_time(NaiveTime::MIN) + chrono::Duration::minutes(i64::from(minutes));
        self.zone.instant(local)
    }

    /// The local date of an instant produced by [`LocalDay::at_minute`] on this day.
    pub fn date_of(&self, at: Instant) -> NaiveDate {
        if self.uniform {
            self.date
        } else {
            self.zone.local_date(at)
        }
    }
}

/// Local → instant conversions in one zone over a span of dates, each
/// date's midnight and uniformity (see [`Zone::day`]) found once: expanding
/// a host's recurring events converts hundreds of local times that fall on a
/// few dozen dates, and on a day without a transition a conversion is then
/// one addition. The same answer as [`Zone::instant`] on every input (other
/// zones, other dates and transition days go through it).
pub struct ZoneDays {
    zone: Zone,
    first: NaiveDate,
    /// Local midnight of each date from `first` (one more than `uniform`),
    /// found when first needed.
    midnights: Vec<Option<Instant>>,
    uniform: Vec<Option<bool>>,
    /// The last two instants read as local time: every series asks for the
    /// same window's two ends.
    recent: [Option<(Instant, NaiveDateTime)>; 2],
}

impl ZoneDays {
    /// Most dates cached; a longer span converts the rest directly.
    const MAX_DAYS: i64 = 800;

    /// A cache for local times of `zone` on `first..=last`.
    pub fn new(zone: &Zone, first: NaiveDate, last: NaiveDate) -> Self {
        let count = ((last - first).num_days() + 1).clamp(0, Self::MAX_DAYS) as usize;
        ZoneDays {
            zone: zone.clone(),
            first,
            midnights: vec![None; count + 1],
            uniform: vec![None; count],
            recent: [None; 2],
        }
    }

    /// A cache that holds nothing: every conversion goes to the zone.
    pub fn none() -> Self {
        ZoneDays {
            zone: Zone::UTC,
            first: NaiveDate::MIN,
            midnights: Vec::new(),
            uniform: Vec::new(),
            recent: [None; 2],
        }
    }

    /// [`Zone::instant`] of `local` in `zone`.
    pub fn instant(&mut self, zone: &Zone, local: NaiveDateTime) -> Instant {
        // Days counted from the common era: chrono's date difference
        // builds a duration and divides it back, twice the cost.
        let days =
            i64::from(local.date().num_days_from_ce()) - i64::from(self.first.num_days_from_ce());
        let index = usize::try_from(days).ok();
        match index.filter(|&i| i < self.uniform.len() && self.zone.same_as(zone)) {
            Some(index) if self.is_uniform(index) => self
                .midnight(index)
                .plus_seconds(i64::from(local.time().num_seconds_from_midnight())),
            _ => zone.instant(local),
        }
    }

    /// [`Zone::local`] of `at` in `zone`.
    pub fn local(&mut self, zone: &Zone, at: Instant) -> NaiveDateTime {
        if !self.zone.same_as(zone) {
            return zone.local(at);
        }
        if let Some((_, local)) = self.recent.iter().flatten().find(|(known, _)| *known == at) {
            return *local;
        }
        let local = zone.local(at);
        self.recent.rotate_right(1);
        self.recent[0] = Some((at, local));
        local
    }

    fn midnight(&mut self, index: usize) -> Instant {
        let (zone, first) = (&self.zone, self.first);
        *self.midnights[index].get_or_insert_with(|| {
            let date = first.checked_add_days(Days::new(index as u64));
            date.map_or(Instant(i64::MAX), |date| zone.start_of_day(date))
        })
    }

    /// As in [`Zone::day`]: 24 hours long, one offset from end to end.
    fn is_uniform(&mut self, index: usize) -> bool {
        if let Some(known) = self.uniform[index] {
            return known;
        }
        let (midnight, next) = (self.midnight(index), self.midnight(index + 1));
        let uniform = next.seconds().checked_sub(midnight.seconds()) == Some(86_400)
            && self.zone.offset_at(midnight) == self.zone.offset_at(next.plus_seconds(-1));
        self.uniform[index] = Some(uniform);
        uniform
    }
}

impl Zone {
    /// The same zone (a `VTIMEZONE` zone: the same definition object).
    fn same_as(&self, other: &Zone) -> bool {
        match (self, other) {
            (Zone::Iana(a), Zone::Iana(b)) => a == b,
            (Zone::Custom(a), Zone::Custom(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").expect("test input")
    }

    fn at(zone: Tz, s: &str) -> String {
        Zone::Iana(zone).instant(local(s)).rfc3339()
    }

    #[test]
    fn gap_moves_forward_by_the_gap() {
        assert_eq!(
            at(chrono_tz::America::New_York, "2026-03-08T02:30"),
            "2026-03-08T07:30:00Z"
        );
        // Lord Howe springs forward by 30 minutes at 02:00: 02:15 becomes
        // 02:45 (+11:00), the same instant as 02:15 read at +10:30.
        assert_eq!(
            at(chrono_tz::Australia::Lord_Howe, "2026-10-04T02:15"),
            "2026-10-03T15:45:00Z"
        );
        // Apia skipped 2011-12-30 entirely: forward by 24 hours.
        assert_eq!(
            at(chrono_tz::Pacific::Apia, "2011-12-30T10:00"),
            "2011-12-30T20:00:00Z"
        );
    }

    #[test]
    fn fold_takes_the_earlier_instant() {
        assert_eq!(
            at(chrono_tz::America::New_York, "2026-11-01T01:30"),
            "2026-11-01T05:30:00Z"
        );
        assert_eq!(
            at(chrono_tz::Europe::London, "2026-10-25T01:30"),
            "2026-10-25T00:30:00Z"
        );
    }

    #[test]
    fn the_day_cache_converts_as_the_zone_does() {
        let date = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test input");
        for tz in [
            chrono_tz::America::New_York,
            chrono_tz::Europe::London,
            chrono_tz::Australia::Lord_Howe,
            chrono_tz::Pacific::Apia,
            chrono_tz::America::Sao_Paulo,
            chrono_tz::UTC,
        ] {
            let zone = Zone::Iana(tz);
            // Apia's skipped day, São Paulo's transitions at midnight (2012-02-26,
            // 2012-10-21), spring and autumn in the north and the south.
            for (first, last) in [
                ("2011-12-25", "2012-01-05"),
                ("2012-02-20", "2012-03-01"),
                ("2012-10-15", "2012-10-25"),
                ("2026-03-01", "2026-04-10"),
            ] {
                let (first, last) = (date(first), date(last));
                // The cache covers part of the span: dates beyond it convert directly.
                let mut days = ZoneDays::new(&zone, first + Days::new(2), last - Days::new(2));
                let mut local = first.and_time(NaiveTime::MIN);
                while local.date() <= last {
                    assert_eq!(
                        days.instant(&zone, local),
                        zone.instant(local),
                        "{tz} {local}"
                    );
                    let other = Zone::Iana(chrono_tz::Asia::Kolkata);
                    assert_eq!(days.instant(&other, local), other.instant(local));
                    let at = zone.instant(local);
                    assert_eq!(days.local(&zone, at), zone.local(at), "{tz} {at}");
                    local += chrono::Duration::minutes(37);
                }
            }
        }
        let mut none = ZoneDays::none();
        let ny = Zone::Iana(chrono_tz::America::New_York);
        let gap = local("2026-03-08T02:30");
        assert_eq!(none.instant(&ny, gap), ny.instant(gap));
    }

    #[test]
    fn transition_days_are_not_uniform() {
        let ny = Zone::Iana(chrono_tz::America::New_York);
        let date = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test input");
        assert!(ny.day(date("2026-03-07")).is_uniform());
        assert!(!ny.day(date("2026-03-08")).is_uniform());
        assert!(!ny.day(date("2026-11-01")).is_uniform());
        let day = ny.day(date("2026-03-08"));
        assert_eq!(day.at_minute(150).rfc3339(), "2026-03-08T07:30:00Z");
        assert_eq!(day.at_minute(1440).rfc3339(), "2026-03-09T04:00:00Z");
    }
}
