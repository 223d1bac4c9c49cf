//! Instants on the UTC time line, in whole seconds.
//!
//! The engine works on plain `i64` seconds so the hot loops are integer
//! comparisons; conversion to and from chrono happens at the edges.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use std::fmt;

/// A point in time: seconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(pub i64);

impl Instant {
    pub const fn from_seconds(seconds: i64) -> Self {
        Instant(seconds)
    }

    pub const fn seconds(self) -> i64 {
        self.0
    }

    pub fn from_utc(dt: DateTime<Utc>) -> Self {
        Instant(dt.timestamp())
    }

    /// The instant whose UTC wall clock reads `naive`.
    pub fn from_naive_utc(naive: NaiveDateTime) -> Self {
        Instant(naive.and_utc().timestamp())
    }

    pub fn to_utc(self) -> DateTime<Utc> {
        // Every i64 we produce comes from a valid chrono value plus bounded minutes,
        // so this stays in range; fall back to the epoch rather than panic.
        DateTime::from_timestamp(self.0, 0).unwrap_or_default()
    }

    /// The UTC wall clock of this instant.
    pub fn naive_utc(self) -> NaiveDateTime {
        self.to_utc().naive_utc()
    }

    pub const fn plus_minutes(self, minutes: i64) -> Self {
        Instant(self.0 + minutes * 60)
    }

    pub const fn plus_seconds(self, seconds: i64) -> Self {
        Instant(self.0 + seconds)
    }

    /// RFC 3339 with `Z`, the only form the spec's output uses.
    pub fn rfc3339(self) -> String {
        self.to_utc().to_rfc3339_opts(SecondsFormat::Secs, true)
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339())
    }
}

/// Parses an RFC 3339 instant with an offset (`2026-03-02T14:00:00Z`, `…+01:00`).
pub fn parse_rfc3339(text: &str) -> Option<Instant> {
    // The common form, `YYYY-MM-DDTHH:MM:SSZ`, read directly (scenarios and
    // synced rows hold tens of thousands); anything else through chrono.
    utc_seconds(text.as_bytes()).or_else(|| {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|dt| Instant(dt.timestamp()))
    })
}

fn utc_seconds(b: &[u8]) -> Option<Instant> {
    if b.len() != 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
        || !matches!(b[19], b'Z' | b'z')
    {
        return None;
    }
    let number = |range: std::ops::Range<usize>| {
        b[range].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let (year, month, day) = (i64::from(number(0..4)?), number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    // chrono reads a leap second (`:60`) as the second before it; so do we.
    let seconds = i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second.min(59));
    Some(Instant(
        days_from_civil(year, month, day) * 86_400 + seconds,
    ))
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`), without building chrono values.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// How a local date-time maps onto the time line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    Single(Instant),
    /// The local time happens twice (a fold); both instants, earlier first.
    Fold(Instant, Instant),
    /// The local time does not happen (a gap).
    Gap,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    /// The direct reading agrees with chrono's on every form it takes, and
    /// leaves every other form to chrono.
    #[test]
    fn the_common_form_reads_as_chrono_reads_it() {
        for text in [
            "2026-03-02T14:00:00Z",
            "1970-01-01T00:00:00Z",
            "2024-02-29T23:59:59z",
            "2016-12-31t23:59:60Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
        ] {
            let chrono = DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|dt| Instant(dt.timestamp()));
            assert_eq!(utc_seconds(text.as_bytes()), chrono, "{text}");
        }
        for text in [
            "2026-02-30T10:00:00Z",
            "2026-03-02T24:00:00Z",
            "2026-03-02T14:60:00Z",
            "2026-03-02 14:00:00Z",
            "2026-03-02T14:00:00+00:00",
            "+2026-03-02T14:00:00Z",
        ] {
            assert_eq!(utc_seconds(text.as_bytes()), None, "{text}");
        }
        assert_eq!(
            parse_rfc3339("2026-03-02T15:00:00+01:00"),
            parse_rfc3339("2026-03-02T14:00:00Z")
        );
        // Every 13th day and hour from 1600 to 2400, leap years included.
        let mut at = chrono::NaiveDate::from_ymd_opt(1600, 1, 1)
            .and_then(|d| d.and_hms_opt(7, 8, 9))
            .expect("valid");
        while at.year() < 2400 {
            let text = at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
            assert_eq!(
                utc_seconds(text.as_bytes()),
                Some(Instant(at.and_utc().timestamp())),
                "{text}"
            );
            at += chrono::Duration::hours(13 * 24 + 13);
        }
    }
}
