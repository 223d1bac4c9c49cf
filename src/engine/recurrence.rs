//! Recurrence rules (`RRULE`), expanded in local wall-clock time.
//!
//! Expansion happens on naive local date-times; the caller turns each one into
//! an instant with the zone's compatible rule. That is RFC 5545's model (a
//! daily 09:00 stays 09:00 across DST) and it treats IANA, Windows, `VTIMEZONE`
//! and floating times alike.
//!
//! Parsing and the general case go through the `rrule` crate. Plain
//! `DAILY`/`WEEKLY` rules, which are nearly all real calendars hold, take a
//! closed-form path that jumps straight to the queried window instead of
//! iterating from `DTSTART`; tests check both paths agree.

use super::ical_lines::{date, date_time};
use super::limits::{Budget, Exceeded};
use chrono::{Datelike, Days, Months, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Weekday};
use rrule::{Frequency, RRule, RRuleSet, Unvalidated, Validated};

/// When a rule stops, as written in `UNTIL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// `UNTIL=…Z`: compared as an instant, so the caller converts it to local time.
    Utc(NaiveDateTime),
    /// `UNTIL=…` without `Z`: local time of the event.
    Local(NaiveDateTime),
    /// `UNTIL=YYYYMMDD`: the whole date is included.
    Date(NaiveDate),
}

/// A parsed `RRULE` value tied to its `DTSTART`.
#[derive(Debug, Clone)]
pub struct Recurrence {
    dtstart: NaiveDateTime,
    count: Option<u32>,
    until: Option<Until>,
    shape: Shape,
}

#[derive(Debug, Clone)]
enum Shape {
    Simple(Simple),
    /// Everything else: the `rrule` crate, with `UNTIL` taken out (we apply it
    /// ourselves) and `DTSTART` read as UTC, which has no DST, so the output is
    /// the naive local sequence.
    General(Box<RRule<Validated>>),
}

/// How far apart the periods of a rule are, for jumping whole periods.
#[derive(Debug, Clone, Copy)]
enum Period {
    Seconds(i64),
    Months(u32),
}

#[derive(Debug, Clone, Copy)]
struct Simple {
    weekly: bool,
    interval: u32,
    /// Bit `n` set = weekday `n` days from Monday is included.
    weekdays: u8,
    week_start: Weekday,
}

const WEEKDAY_CODES: [(&str, Weekday); 7] = [
    ("MO", Weekday::Mon),
    ("TU", Weekday::Tue),
    ("WE", Weekday::Wed),
    ("TH", Weekday::Thu),
    ("FR", Weekday::Fri),
    ("SA", Weekday::Sat),
    ("SU", Weekday::Sun),
];

fn weekday_code(code: &str) -> Option<Weekday> {
    WEEKDAY_CODES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(code))
        .map(|(_, day)| *day)
}

fn bit(day: Weekday) -> u8 {
    1 << day.num_days_from_monday()
}

/// Parses the date or date-time form of `UNTIL`.
fn parse_until(value: &str) -> Result<Until, String> {
    let bad = || format!("UNTIL value {value:?} is not a DATE or DATE-TIME");
    if let Some(utc) = value.strip_suffix(['Z', 'z']) {
        return date_time(utc).map(Until::Utc).ok_or_else(bad);
    }
    if value.len() == 8 {
        return date(value).map(Until::Date).ok_or_else(bad);
    }
    date_time(value).map(Until::Local).ok_or_else(bad)
}

impl Recurrence {
    /// Parses an `RRULE` value (`FREQ=WEEKLY;BYDAY=MO,WE`) for an event whose
    /// first occurrence starts at local `dtstart`.
    pub fn parse(value: &str, dtstart: NaiveDateTime) -> Result<Self, String> {
        // RFC 5545 rule parts are ASCII, and the `rrule` crate slices its
        // input by byte (it panics inside a multi-byte character).
        if !value.is_ascii() {
            return Err(format!("RRULE {value:?} holds characters outside ASCII"));
        }
        let mut until = None;
        let mut count = None;
        let mut simple = Some(Simple {
            weekly: false,
            interval: 1,
            weekdays: 0,
            week_start: Weekday::Mon,
        });
        let mut freq_seen = false;
        let mut seen: Vec<&str> = Vec::with_capacity(8);
        for part in value.trim().split(';').filter(|p| !p.is_empty()) {
            let (key, val) = part
                .split_once('=')
                .ok_or_else(|| format!("RRULE part {part:?} is not NAME=VALUE"))?;
            let key = key.trim();
            // RFC 5545: each rule part at most once.
            if seen.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                return Err(format!(
                    "RRULE names {} more than once",
                    key.to_ascii_uppercase()
                ));
            }
            seen.push(key);
            match upper(key, &mut [0; 10]) {
                b"UNTIL" => {
                    until = Some(parse_until(val.trim())?);
                    continue;
                }
                b"COUNT" => {
                    count = Some(
                        val.trim()
                            .parse::<u32>()
                            .ok()
                            .filter(|n| *n > 0)
                            .ok_or_else(|| {
                                format!("COUNT value {val:?} is not a positive integer")
                            })?,
                    );
                }
                b"FREQ" => {
                    freq_seen = true;
                    match upper(val.trim(), &mut [0; 10]) {
                        b"DAILY" => {}
                        b"WEEKLY" => {
                            if let Some(s) = simple.as_mut() {
                                s.weekly = true;
                            }
                        }
                        _ => simple = None,
                    }
                }
                b"INTERVAL" => {
                    // RFC 5545: a positive integer. The `rrule` crate would take 0
                    // and then generate nothing, silently freeing the time.
                    let n = val
                        .trim()
                        .parse::<u16>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| {
                            format!("INTERVAL value {val:?} is not a positive integer (1 to 65535)")
                        })?;
                    if let Some(s) = simple.as_mut() {
                        s.interval = u32::from(n);
                    }
                }
                b"WKST" => {
                    let day = weekday_code(val.trim())
                        .ok_or_else(|| format!("WKST value {val:?} is not a weekday (MO to SU)"))?;
                    if let Some(s) = simple.as_mut() {
                        s.week_start = day;
                    }
                }
                b"BYDAY" => {
                    // An ordinal (`1MO`) needs the general path.
                    let days = val.split(',').try_fold(0, |days, code| {
                        weekday_code(code.trim()).map(|day| days | bit(day))
                    });
                    match (simple.as_mut(), days) {
                        (Some(s), Some(days)) => s.weekdays |= days,
                        _ => simple = None,
                    }
                }
                _ => simple = None,
            }
        }
        if !freq_seen {
            return Err("RRULE has no FREQ".to_string());
        }
        if count.is_some() && until.is_some() {
            return Err("RRULE has both COUNT and UNTIL".to_string());
        }
        // A simple rule is fully checked above (every part it may hold);
        // the rest is the rrule crate's to parse and validate. Tests check the
        // crate accepts every simple rule we do.
        let shape = match simple {
            Some(mut s) => {
                if s.weekly && s.weekdays == 0 {
                    s.weekdays = bit(dtstart.weekday());
                }
                Shape::Simple(s)
            }
            None => {
                // The parts as written, without UNTIL (applied by us).
                let text = value
                    .trim()
                    .split(';')
                    .filter(|part| {
                        !part.is_empty()
                            && !part
                                .split_once('=')
                                .is_some_and(|(key, _)| key.trim().eq_ignore_ascii_case("UNTIL"))
                    })
                    .collect::<Vec<_>>()
                    .join(";");
                let validated = guarded(|| -> Result<RRule<Validated>, String> {
                    let parsed: RRule<Unvalidated> = text
                        .parse()
                        .map_err(|e: rrule::RRuleError| format!("RRULE {value:?}: {e}"))?;
                    parsed
                        .validate(rrule::Tz::UTC.from_utc_datetime(&dtstart))
                        .map_err(|e| format!("RRULE {value:?}: {e}"))
                })
                .unwrap_or_else(|| Err(format!("RRULE {value:?} cannot be read")))?;
                Shape::General(Box::new(validated))
            }
        };
        Ok(Recurrence {
            dtstart,
            count,
            until,
            shape,
        })
    }

    pub fn until(&self) -> Option<Until> {
        self.until
    }

    /// `COUNT`, if the rule has one.
    pub fn count(&self) -> Option<u32> {
        self.count
    }

    /// Appends the rule's occurrences (local start times) in `[lo, hi]`, in
    /// order. `until_local` is `UNTIL` already in the event's local time (the
    /// caller knows the zone). `DTSTART` itself is included only if the rule
    /// generates it; the caller adds it, as RFC 5545 counts it always.
    ///
    /// Each period visited costs a step of `budget`; a rule that needs more
    /// than the budget fails rather than running on.
    pub fn occurrences(
        &self,
        lo: NaiveDateTime,
        hi: NaiveDateTime,
        until_local: Option<NaiveDateTime>,
        out: &mut Vec<NaiveDateTime>,
        budget: &mut Budget,
    ) -> Result<(), Exceeded> {
        let hi = match until_local {
            Some(until) => hi.min(until),
            None => hi,
        };
        if hi < lo || hi < self.dtstart {
            return Ok(());
        }
        match &self.shape {
            Shape::Simple(simple) => self.simple_occurrences(simple, lo, hi, out, budget),
            Shape::General(rule) => self.general_occurrences(rule, lo, hi, out, budget),
        }
    }

    /// The general case through the `rrule` crate. Without `COUNT`, nothing
    /// before the window matters, so the series is restarted a whole number
    /// of periods later (the crate would otherwise walk every second since
    /// `DTSTART` for a `SECONDLY` rule).
    fn general_occurrences(
        &self,
        rule: &RRule<Validated>,
        lo: NaiveDateTime,
        hi: NaiveDateTime,
        out: &mut Vec<NaiveDateTime>,
        budget: &mut Budget,
    ) -> Result<(), Exceeded> {
        let start = match self.count {
            Some(_) => self.dtstart,
            None => restart_before(self.dtstart, lo, period(rule)),
        };
        let set = RRuleSet::new(rrule::Tz::UTC.from_utc_datetime(&start))
            .rrule(rule.clone())
            .limit();
        let found = out.len();
        let walked = guarded(|| -> Result<(), Exceeded> {
            let mut produced: u64 = 0;
            for occurrence in &set {
                budget.spend(1)?;
                produced += 1;
                let local = occurrence.naive_utc();
                if local > hi {
                    return Ok(());
                }
                if local >= lo {
                    out.push(local);
                }
            }
            // The crate stops early only after COUNT or when it gave up looking
            // (100,000 periods without a match): then we cannot know the rest.
            match self.count {
                Some(count) if produced >= u64::from(count) => Ok(()),
                _ => Err(Exceeded::Pathological),
            }
        });
        walked.unwrap_or_else(|| {
            out.truncate(found);
            Err(Exceeded::Pathological)
        })
    }

    fn simple_occurrences(
        &self,
        rule: &Simple,
        lo: NaiveDateTime,
        hi: NaiveDateTime,
        out: &mut Vec<NaiveDateTime>,
        budget: &mut Budget,
    ) -> Result<(), Exceeded> {
        let time = self.dtstart.time();
        let first = self.dtstart.date();
        let interval = i64::from(rule.interval);
        let matches =
            |date: NaiveDate| rule.weekdays == 0 || rule.weekdays & bit(date.weekday()) != 0;
        // Jump to the window: periods before it produce nothing we return,
        // and with COUNT we only need how many they would have produced.
        let skip_to = |period_days: i64, origin: NaiveDate| -> i64 {
            let days = (lo.date() - origin).num_days() - 1;
            if days <= 0 {
                0
            } else {
                days / (period_days * interval)
            }
        };
        let mut emitted = 0u64;
        let count = self.count.map(u64::from);
        let emit = |date: NaiveDate, emitted: &mut u64, out: &mut Vec<NaiveDateTime>| -> bool {
            if let Some(count) = count {
                if *emitted >= count {
                    return false;
                }
                *emitted += 1;
            }
            let at = date.and_time(time);
            if at > hi {
                return false;
            }
            if at >= lo {
                out.push(at);
            }
            true
        };
        if rule.weekly {
            let back = (7 + first.weekday().num_days_from_monday()
                - rule.week_start.num_days_from_monday())
                % 7;
            let Some(week0) = first.checked_sub_days(Days::new(u64::from(back))) else {
                return Ok(());
            };
            // The rule's days as offsets from the week's start, in order
            // (on the stack: this runs once per series and query).
            let mut offsets = [0i64; 7];
            let mut days = 0;
            for offset in 0..7 {
                if add_days(week0, offset)
                    .is_some_and(|date| rule.weekdays & bit(date.weekday()) != 0)
                {
                    offsets[days] = offset;
                    days += 1;
                }
            }
            let offsets = &offsets[..days];
            let mut period = skip_to(7, week0);
            // What the skipped weeks produced matters only against COUNT.
            if period > 0 && count.is_some() {
                // The first week counts only the days from DTSTART on.
                let in_first_week = (0..7)
                    .filter_map(|offset| add_days(week0, offset))
                    .filter(|date| *date >= first && matches(*date))
                    .count() as u64;
                let per_week = u64::from(rule.weekdays.count_ones());
                emitted = in_first_week + (period as u64 - 1) * per_week;
            }
            loop {
                budget.spend(1)?;
                let Some(week) = add_days(week0, period * 7 * interval) else {
                    return Ok(());
                };
                if week > hi.date() {
                    return Ok(());
                }
                // Only the rule's weekdays, in week order (from WKST).
                for &offset in offsets {
                    let Some(date) = add_days(week, offset) else {
                        return Ok(());
                    };
                    if date < first {
                        continue;
                    }
                    if !emit(date, &mut emitted, out) {
                        return Ok(());
                    }
                }
                period += 1;
            }
        } else {
            let mut period = skip_to(1, first);
            if period > 0 && count.is_some() {
                // Weekdays repeat every 7 periods, whatever the interval.
                let matching = |periods: i64| {
                    (0..periods)
                        .filter_map(|p| add_days(first, p * interval))
                        .filter(|date| matches(*date))
                        .count() as u64
                };
                emitted = (period / 7) as u64 * matching(7) + matching(period % 7);
            }
            loop {
                budget.spend(1)?;
                let Some(date) = add_days(first, period * interval) else {
                    return Ok(());
                };
                if matches(date) {
                    if !emit(date, &mut emitted, out) {
                        return Ok(());
                    }
                } else if date.and_time(time) > hi {
                    return Ok(());
                }
                period += 1;
            }
        }
    }
}

/// Runs code of the `rrule` crate, turning a panic inside it into `None`.
/// Its parser slices by byte and its iterator does date arithmetic on any
/// input; the fuzzer found one panic (non-ASCII BYDAY, now refused before),
/// and a calendar server's text must not be able to find the next one.
fn guarded<T>(run: impl FnOnce() -> T) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).ok()
}

/// `DTSTART` moved forward by whole periods to just before `lo`, so a rule
/// without `COUNT` generates the same occurrences from there on.
fn restart_before(dtstart: NaiveDateTime, lo: NaiveDateTime, period: Period) -> NaiveDateTime {
    let moved = match period {
        Period::Seconds(step) => {
            let periods = (lo - dtstart).num_seconds() / step - 1;
            (periods > 0)
                .then(|| TimeDelta::try_seconds(periods.saturating_mul(step)))
                .flatten()
                .and_then(|delta| dtstart.checked_add_signed(delta))
        }
        Period::Months(step) => {
            let months = (i64::from(lo.year()) - i64::from(dtstart.year())) * 12
                + i64::from(lo.month())
                - i64::from(dtstart.month());
            let periods = months / i64::from(step) - 1;
            // The day of month is pinned in the validated rule (BYMONTHDAY),
            // so clamping a 31st to a shorter month changes nothing generated.
            (periods > 0)
                .then(|| u32::try_from(periods * i64::from(step)).ok())
                .flatten()
                .and_then(|months| dtstart.checked_add_months(Months::new(months)))
        }
    };
    moved.filter(|m| *m <= lo).unwrap_or(dtstart)
}

fn period(rule: &RRule<Validated>) -> Period {
    let interval = i64::from(rule.get_interval().max(1));
    match rule.get_freq() {
        Frequency::Secondly => Period::Seconds(interval),
        Frequency::Minutely => Period::Seconds(60 * interval),
        Frequency::Hourly => Period::Seconds(3_600 * interval),
        Frequency::Daily => Period::Seconds(86_400 * interval),
        Frequency::Weekly => Period::Seconds(7 * 86_400 * interval),
        Frequency::Monthly => Period::Months(interval as u32),
        Frequency::Yearly => Period::Months(12 * interval as u32),
    }
}

/// `text` in upper case in `buffer` without allocating (rule names and
/// values are short); longer text comes back empty, which
/// matches no known name.
fn upper<'b>(text: &str, buffer: &'b mut [u8; 10]) -> &'b [u8] {
    let Some(target) = buffer.get_mut(..text.len()) else {
        return b"";
    };
    target.copy_from_slice(text.as_bytes());
    target.make_ascii_uppercase();
    // Compared as bytes: checking it is UTF-8 again cost more than the rest.
    target
}

fn add_days(date: NaiveDate, days: i64) -> Option<NaiveDate> {
    let days = u64::try_from(days).ok()?;
    date.checked_add_days(Days::new(days))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S").expect("test input")
    }

    /// The same rule through the general path, for comparison.
    fn general(value: &str, dtstart: NaiveDateTime) -> Recurrence {
        let mut rule = Recurrence::parse(value, dtstart).expect("valid rule");
        let parsed: RRule<Unvalidated> = value
            .split(';')
            .filter(|p| !p.to_ascii_uppercase().starts_with("UNTIL"))
            .collect::<Vec<_>>()
            .join(";")
            .parse()
            .expect("valid rule");
        let start = rrule::Tz::UTC.from_utc_datetime(&dtstart);
        let validated = parsed.validate(start).expect("valid rule");
        rule.shape = Shape::General(Box::new(validated));
        rule
    }

    fn expand(rule: &Recurrence, lo: &str, hi: &str) -> Vec<NaiveDateTime> {
        let until = match rule.until() {
            Some(Until::Utc(t) | Until::Local(t)) => Some(t),
            Some(Until::Date(d)) => Some(d.and_hms_opt(23, 59, 59).expect("valid time")),
            None => None,
        };
        let mut out = Vec::new();
        rule.occurrences(dt(lo), dt(hi), until, &mut out, &mut Budget::new(1_000_000))
            .expect("within budget");
        out
    }

    #[test]
    fn simple_and_general_paths_agree() {
        let start = dt("20250106T093000"); // a Monday
        let rules = [
            "FREQ=DAILY",
            "FREQ=DAILY;INTERVAL=3",
            "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
            "FREQ=DAILY;COUNT=10",
            "FREQ=DAILY;INTERVAL=2;BYDAY=SA,SU;COUNT=7",
            "FREQ=WEEKLY",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH",
            "FREQ=WEEKLY;INTERVAL=3;BYDAY=SU,MO;WKST=SU",
            "FREQ=WEEKLY;INTERVAL=3;BYDAY=SU,MO;WKST=MO",
            "FREQ=WEEKLY;BYDAY=MO,FR;COUNT=9",
            "FREQ=WEEKLY;UNTIL=20260301T000000Z",
            "FREQ=DAILY;UNTIL=20250120",
        ];
        for value in rules {
            let fast = Recurrence::parse(value, start).expect("valid rule");
            assert!(
                matches!(fast.shape, Shape::Simple(_)),
                "{value} takes the fast path"
            );
            let slow = general(value, start);
            for (lo, hi) in [
                ("20250101T000000", "20250301T000000"),
                ("20260101T000000", "20260401T000000"),
                ("20250110T093000", "20250110T093000"),
            ] {
                assert_eq!(
                    expand(&fast, lo, hi),
                    expand(&slow, lo, hi),
                    "{value} in {lo}..{hi}"
                );
            }
        }
    }

    #[test]
    fn a_panic_inside_the_rrule_crate_is_contained() {
        // The crate slices this by byte and panics; the guard makes it an error.
        let panicked =
            guarded(|| "FREQ=MONTHLY;BYDAY=M\u{fffd},TU;BYSETPOS=-1".parse::<RRule<Unvalidated>>());
        assert!(panicked.is_none());
        assert!(guarded(|| 1 + 1) == Some(2));
    }

    #[test]
    fn rejects_broken_rules() {
        let start = dt("20250106T093000");
        assert!(Recurrence::parse("BYDAY=MO", start).is_err());
        // Found by the fuzzer: the rrule crate panicked inside `Ï`.
        assert!(
            Recurrence::parse("FREQ=MONTHLY;BYDAY=MÏ,TU;BYSETPOS=-1", start)
                .expect_err("non-ASCII")
                .contains("outside ASCII")
        );
        assert!(Recurrence::parse("FREQ=SOMETIMES", start).is_err());
        assert!(Recurrence::parse("FREQ=DAILY;COUNT=2;UNTIL=20250101", start).is_err());
        assert!(Recurrence::parse("FREQ=DAILY;UNTIL=soon", start).is_err());
        // Simple rules skip the crate's validation, so ours must be complete.
        assert!(Recurrence::parse("FREQ=DAILY;FREQ=WEEKLY", start).is_err());
        assert!(Recurrence::parse("FREQ=WEEKLY;WKST=XX", start).is_err());
        assert!(Recurrence::parse("FREQ=DAILY;COUNT=0", start).is_err());
        assert!(Recurrence::parse("FREQ=DAILY;INTERVAL=0", start).is_err());
        assert!(Recurrence::parse("FREQ=WEEKLY;BYDAY=XX", start).is_err());
    }
}
