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

    /// RFC 3339 with `Z`, the only form the spec's output uses. Written by
    /// hand for years 0 to 9999 (answers list thousands of slots); chrono
    /// writes the rest.
    pub fn rfc3339(self) -> String {
        let (days, seconds) = (self.0.div_euclid(86_400), self.0.rem_euclid(86_400));
        let (year, month, day) = civil_from_days(days);
        if !(0..=9999).contains(&year) {
            return self.to_utc().to_rfc3339_opts(SecondsFormat::Secs, true);
        }
        let mut text = [0u8; 20];
        let mut put = |at: usize, value: i64, width: usize| {
            let mut value = value;
            for i in (at..at + width).rev() {
                text[i] = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        put(0, year, 4);
        put(5, month, 2);
        put(8, day, 2);
        put(11, seconds / 3600, 2);
        put(14, seconds / 60 % 60, 2);
        put(17, seconds % 60, 2);
        for (at, separator) in [
            (4, b'-'),
            (7, b'-'),
            (10, b'T'),
            (13, b':'),
            (16, b':'),
            (19, b'Z'),
        ] {
            text[at] = separator;
        }
        text.iter().map(|&b| char::from(b)).collect()
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

/// Reads many instants in a row, remembering the last month of the common
/// form: a host's busy entries fall in a few months, and finding a month's
/// first day is most of the work. The same answers as [`parse_rfc3339`].
#[derive(Debug, Default)]
pub struct Rfc3339Reader {
    /// The `YYYY-MM-` last read, the days from 1970-01-01 to its first day,
    /// and how many days it has.
    last_month: Option<([u8; 8], i64, u32)>,
}

impl Rfc3339Reader {
    pub fn read(&mut self, text: &str) -> Option<Instant> {
        let common = <&[u8; 20]>::try_from(text.as_bytes())
            .ok()
            .and_then(|b| self.read_common(b));
        common.or_else(|| parse_rfc3339(text))
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, as [`utc_seconds`] reads it.
    fn read_common(&mut self, b: &[u8; 20]) -> Option<Instant> {
        let mut month = [0; 8];
        month.copy_from_slice(&b[..8]);
        let (first_day, length) = match self.last_month {
            Some((known, first_day, length)) if known == month => (first_day, length),
            _ => {
                let (first_day, length) = month_start(b)?;
                self.last_month = Some((month, first_day, length));
                (first_day, length)
            }
        };
        let days = day_of_month(b, first_day, length)?;
        Some(Instant(days * 86_400 + utc_time(b)?))
    }
}

/// Of the month part, `YYYY-MM-`: the days from 1970-01-01 to its first day,
/// and how many days it has.
fn month_start(b: &[u8; 20]) -> Option<(i64, u32)> {
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i64::from(two_digits(b, 0)? * 100 + two_digits(b, 2)?);
    let month = two_digits(b, 5)?;
    if !(1..=12).contains(&month) {
        return None;
    }
    Some((days_from_civil(year, month, 1), days_in_month(year, month)))
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
fn utc_seconds(b: &[u8]) -> Option<Instant> {
    let b: &[u8; 20] = b.try_into().ok()?;
    Some(Instant(utc_days(b)? * 86_400 + utc_time(b)?))
}

fn two_digits(b: &[u8; 20], i: usize) -> Option<u32> {
    let (high, low) = (b[i].wrapping_sub(b'0'), b[i + 1].wrapping_sub(b'0'));
    (high < 10 && low < 10).then_some(u32::from(high) * 10 + u32::from(low))
}

/// Days since 1970-01-01 of the date part, `YYYY-MM-DD`.
fn utc_days(b: &[u8; 20]) -> Option<i64> {
    let (first_day, length) = month_start(b)?;
    day_of_month(b, first_day, length)
}

/// Days since 1970-01-01 of the date part, its month (`YYYY-MM-`) known to
/// begin on day `first_day` and to have `length` days.
fn day_of_month(b: &[u8; 20], first_day: i64, length: u32) -> Option<i64> {
    let day = two_digits(b, 8)?;
    (day != 0 && day <= length).then(|| first_day + i64::from(day) - 1)
}

/// Seconds since midnight of the time part, `THH:MM:SSZ`.
fn utc_time(b: &[u8; 20]) -> Option<i64> {
    if !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
        || !matches!(b[19], b'Z' | b'z')
    {
        return None;
    }
    let (hour, minute, second) = (two_digits(b, 11)?, two_digits(b, 14)?, two_digits(b, 17)?);
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    // chrono reads a leap second (`:60`) as the second before it; so do we.
    Some(i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second.min(59)))
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

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, the inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
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

    #[test]
    fn the_reader_reads_as_parse_rfc3339_reads() {
        let mut reader = Rfc3339Reader::default();
        for text in [
            "2026-06-01T10:00:00Z",
            "2026-06-01T10:45:00Z",
            "2026-06-01T24:00:00Z",
            "2026-06-01T23:59:60z",
            "2026-06-01 10:00:00Z",
            "2026-06-01T10:00:00+02:00",
            "2026-06-01T09:00:00Z",
            "2026-06-02T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-02-28T00:00:00Z",
            "2026-02-28T0a:00:00Z",
            "2024-02-29t12:00:00Z",
            "",
            "2024-02-29T12:00:00ZZ",
            // The month remembered, and its length, across days and years.
            "2023-02-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2023-02-28T23:59:59Z",
            "2023-02-00T10:00:00Z",
            "2026-06-30T10:00:00Z",
            "2026-06-31T10:00:00Z",
            "2026-13-01T10:00:00Z",
            "2026-06-3aT10:00:00Z",
            "2026-06-30T10:00:00+01:00",
        ] {
            assert_eq!(reader.read(text), parse_rfc3339(text), "{text}");
        }
    }

    #[test]
    fn written_as_chrono_writes_it() {
        let chrono = |at: Instant| at.to_utc().to_rfc3339_opts(SecondsFormat::Secs, true);
        let mut seconds = -62_167_219_200 - 86_400; // the day before 0000-01-01
        while seconds < 253_402_300_800 + 86_400 {
            // Just past 9999-12-31
            for at in [seconds, seconds + 59, seconds + 86_399] {
                assert_eq!(Instant(at).rfc3339(), chrono(Instant(at)), "{at}");
            }
            seconds += 86_400 * 7 + 3_661;
        }
        assert_eq!(Instant(0).rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(Instant(951_782_400).rfc3339(), "2000-02-29T00:00:00Z");
    }
}
