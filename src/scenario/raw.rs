//! The scenario document as written, before any rule of the spec is checked.
//!
//! Two readers fill these types: serde (the reference, and the one that
//! names the field of an error) and the fast reader of `json.rs`, which must
//! give the same value or give up.

use serde::Deserialize;
use std::borrow::Cow;

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScenario<'a> {
    pub now: String,
    pub range: RawRange,
    pub event_type: RawEventType,
    #[serde(borrow)]
    pub hosts: Vec<RawHost<'a>>,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRange {
    pub start: String,
    pub end: String,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEventType {
    pub kind: String,
    pub timezone: Option<String>,
    pub duration_minutes: i64,
    pub slot_interval_minutes: Option<i64>,
    pub buffer_before_minutes: Option<i64>,
    pub buffer_after_minutes: Option<i64>,
    pub min_notice_minutes: Option<i64>,
    pub max_days_ahead: Option<i64>,
    pub daily_limit: Option<i64>,
    pub seats: Option<i64>,
    pub required_hosts: Option<i64>,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHost<'a> {
    pub id: String,
    pub schedule: RawSchedule,
    #[serde(default, borrow)]
    pub busy: Vec<RawBusy<'a>>,
    /// Borrowed from the document unless the JSON string has escapes.
    #[serde(default, borrow)]
    pub events: Vec<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub bookings: Vec<RawBooking<'a>>,
}

pub(super) type RawRanges = Vec<(String, String)>;

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSchedule {
    pub timezone: String,
    #[serde(default)]
    pub weekly: RawWeekly,
    #[serde(default)]
    pub overrides: Vec<RawOverride>,
}

#[derive(Debug, PartialEq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWeekly {
    pub mon: Option<RawRanges>,
    pub tue: Option<RawRanges>,
    pub wed: Option<RawRanges>,
    pub thu: Option<RawRanges>,
    pub fri: Option<RawRanges>,
    pub sat: Option<RawRanges>,
    pub sun: Option<RawRanges>,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOverride {
    pub date: String,
    pub intervals: RawRanges,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBusy<'a> {
    #[serde(borrow)]
    pub start: Cow<'a, str>,
    #[serde(borrow)]
    pub end: Cow<'a, str>,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBooking<'a> {
    #[serde(borrow)]
    pub start: Cow<'a, str>,
    #[serde(default)]
    pub hosts: Vec<String>,
    pub status: String,
}
