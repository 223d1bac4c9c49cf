//! Zones defined by an iCalendar `VTIMEZONE` block.
//!
//! Used only for a `TZID` that is neither an IANA nor a Windows name (the spec
//! prefers names because exporters often ship stale or simplified rules).

use super::instant::{Instant, Resolution};
use super::limits::{Budget, MAX_TRANSITIONS};
use super::recurrence::{Recurrence, Until};
use chrono::{NaiveDate, NaiveDateTime};

/// A zone as a sorted list of offset changes.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomZone {
    name: String,
    /// Offset before the first transition, in seconds east of UTC.
    initial: i64,
    /// `(at, offset from then on)`, sorted by `at`.
    transitions: Vec<(Instant, i64)>,
    /// Every offset the zone uses, for resolving local times.
    offsets: Vec<i64>,
}

/// One `STANDARD` or `DAYLIGHT` sub-component.
#[derive(Debug, Clone)]
pub struct Observance {
    /// Local onset of the first transition (in the `offset_from` wall clock).
    pub dtstart: NaiveDateTime,
    pub offset_from: i64,
    pub offset_to: i64,
    pub rrule: Option<Recurrence>,
    pub rdates: Vec<NaiveDateTime>,
}

/// Transitions are generated up to this date; later instants keep the last offset.
const HORIZON_YEAR: i32 = 2200;
impl CustomZone {
    /// The zone of these observances; an error when they change the offset
    /// more than [`MAX_TRANSITIONS`] times (a `MINUTELY` rule from 1601
    /// would otherwise cost gigabytes).
    pub fn new(name: &str, observances: &[Observance]) -> Result<Self, String> {
        let horizon = NaiveDate::from_ymd_opt(HORIZON_YEAR, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or(NaiveDateTime::MAX);
        let mut changes: Vec<(Instant, i64, i64)> = Vec::new();
        let too_many =
            || format!("VTIMEZONE {name:?} changes its offset more than {MAX_TRANSITIONS} times");
        let mut budget = Budget::new(MAX_TRANSITIONS as u64);
        for observance in observances {
            let mut onsets = vec![observance.dtstart];
            if let Some(rule) = &observance.rrule {
                let until = rule.until().map(|until| match until {
                    Until::Utc(t) => t
                        .checked_add_signed(chrono::Duration::seconds(observance.offset_from))
                        .unwrap_or(t),
                    Until::Local(t) => t,
                    Until::Date(d) => d.and_hms_opt(23, 59, 59).unwrap_or(t_max()),
                });
                rule.occurrences(observance.dtstart, horizon, until, &mut onsets, &mut budget)
                    .map_err(|_| too_many())?;
            }
            onsets.extend(observance.rdates.iter().copied());
            if onsets.len() + changes.len() > MAX_TRANSITIONS {
                return Err(too_many());
            }
            for onset in onsets {
                let at = Instant::from_naive_utc(onset).plus_seconds(-observance.offset_from);
                changes.push((at, observance.offset_from, observance.offset_to));
            }
        }
        changes.sort_by_key(|c| c.0);
        changes.dedup_by_key(|c| c.0);
        let initial = changes
            .first()
            .map(|c| c.1)
            .or_else(|| observances.first().map(|o| o.offset_to))
            .unwrap_or(0);
        let mut offsets: Vec<i64> = changes.iter().flat_map(|c| [c.1, c.2]).collect();
        offsets.push(initial);
        offsets.sort_unstable();
        offsets.dedup();
        Ok(CustomZone {
            name: name.to_string(),
            initial,
            transitions: changes.into_iter().map(|c| (c.0, c.2)).collect(),
            offsets,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn offset_at(&self, at: Instant) -> i64 {
        let after = self.transitions.partition_point(|(t, _)| *t <= at);
        match after.checked_sub(1) {
            Some(i) => self.transitions[i].1,
            None => self.initial,
        }
    }

    /// A local time maps to `local - o` for each offset `o` that is in force then.
    pub fn resolve(&self, local: NaiveDateTime) -> Resolution {
        let as_utc = Instant::from_naive_utc(local);
        let mut found: Vec<Instant> = self
            .offsets
            .iter()
            .map(|o| as_utc.plus_seconds(-o))
            .filter(|at| as_utc.seconds() - at.seconds() == self.offset_at(*at))
            .collect();
        found.sort_unstable();
        found.dedup();
        match found.as_slice() {
            [] => Resolution::Gap,
            [one] => Resolution::Single(*one),
            [first, .., last] => Resolution::Fold(*first, *last),
        }
    }
}

fn t_max() -> NaiveDateTime {
    NaiveDateTime::MAX
}

/// Parses `TZOFFSETFROM`/`TZOFFSETTO` values: `+0100`, `-0500`, `+053000`.
pub fn parse_utc_offset(text: &str) -> Option<i64> {
    let text = text.trim();
    let (sign, digits) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    if !(digits.len() == 4 || digits.len() == 6) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let part =
        |range: std::ops::Range<usize>| digits.get(range).and_then(|s| s.parse::<i64>().ok());
    let hours = part(0..2)?;
    let minutes = part(2..4)?;
    let seconds = if digits.len() == 6 { part(4..6)? } else { 0 };
    if minutes > 59 || seconds > 59 {
        return None;
    }
    Some(sign * (hours * 3600 + minutes * 60 + seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::civil::Zone;
    use std::sync::Arc;

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S").expect("test input")
    }

    /// US Eastern as Outlook exports it, with a made-up name.
    fn eastern() -> Zone {
        let standard = Observance {
            dtstart: dt("16011104T020000"),
            offset_from: -4 * 3600,
            offset_to: -5 * 3600,
            rrule: Recurrence::parse("FREQ=YEARLY;BYDAY=1SU;BYMONTH=11", dt("16011104T020000"))
                .ok(),
            rdates: vec![],
        };
        let daylight = Observance {
            dtstart: dt("16010311T020000"),
            offset_from: -5 * 3600,
            offset_to: -4 * 3600,
            rrule: Recurrence::parse("FREQ=YEARLY;BYDAY=2SU;BYMONTH=3", dt("16010311T020000")).ok(),
            rdates: vec![],
        };
        Zone::Custom(Arc::new(
            CustomZone::new("Company Eastern", &[standard, daylight]).expect("valid zone"),
        ))
    }

    #[test]
    fn custom_zone_follows_its_rules() {
        let zone = eastern();
        assert_eq!(
            zone.instant(dt("20260601T090000")).rfc3339(),
            "2026-06-01T13:00:00Z"
        );
        assert_eq!(
            zone.instant(dt("20260115T090000")).rfc3339(),
            "2026-01-15T14:00:00Z"
        );
        // Gap and fold follow the compatible rule as for IANA zones.
        assert_eq!(
            zone.instant(dt("20260308T023000")).rfc3339(),
            "2026-03-08T07:30:00Z"
        );
        assert_eq!(
            zone.instant(dt("20261101T013000")).rfc3339(),
            "2026-11-01T05:30:00Z"
        );
    }

    #[test]
    fn offsets_parse() {
        assert_eq!(parse_utc_offset("+0100"), Some(3600));
        assert_eq!(parse_utc_offset("-0530"), Some(-19800));
        assert_eq!(parse_utc_offset("+054500"), Some(20700));
        assert_eq!(parse_utc_offset("0100"), None);
        assert_eq!(parse_utc_offset("+01:00"), None);
    }
}
