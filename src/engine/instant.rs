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
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|dt| Instant(dt.timestamp()))
}
