//! Working hours: weekly rules and date overrides, as people write them.

use super::{TimeZoneName, ValidationError, invalid};
use crate::engine::{self, LocalTime, TimeRange};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// `["09:00", "17:00"]`: local start and end; `24:00` is allowed as an end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "(String, String)", into = "(String, String)")]
#[schema(value_type = Vec<String>, example = json!(["09:00", "17:00"]))]
pub struct HoursRange(pub TimeRange);

impl TryFrom<(String, String)> for HoursRange {
    type Error = String;

    fn try_from((start, end): (String, String)) -> Result<Self, String> {
        let parse = |text: &str, which: &str| {
            LocalTime::parse(text).ok_or_else(|| {
                format!("{which} {text:?} is not a local time HH:MM (00:00 to 24:00)")
            })
        };
        let (start, end) = (parse(&start, "start")?, parse(&end, "end")?);
        if start == LocalTime::END_OF_DAY {
            return Err("24:00 is allowed only as an end".to_string());
        }
        if end <= start {
            return Err("end is not after start".to_string());
        }
        Ok(HoursRange(TimeRange { start, end }))
    }
}

impl From<HoursRange> for (String, String) {
    fn from(range: HoursRange) -> Self {
        let show = |t: LocalTime| format!("{:02}:{:02}", t.minutes() / 60, t.minutes() % 60);
        (show(range.0.start), show(range.0.end))
    }
}

/// Ranges per weekday; a missing day has none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeeklyHours {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mon: Vec<HoursRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tue: Vec<HoursRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wed: Vec<HoursRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thu: Vec<HoursRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fri: Vec<HoursRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sat: Vec<HoursRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sun: Vec<HoursRange>,
}

impl WeeklyHours {
    fn days(&self) -> [&Vec<HoursRange>; 7] {
        [
            &self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun,
        ]
    }
}

/// A `YYYY-MM-DD` date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, format = Date)]
pub struct LocalDate(pub NaiveDate);

impl TryFrom<String> for LocalDate {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .map(LocalDate)
            .map_err(|_| format!("{text:?} is not a date YYYY-MM-DD"))
    }
}

impl From<LocalDate> for String {
    fn from(date: LocalDate) -> String {
        date.0.format("%Y-%m-%d").to_string()
    }
}

/// On `date`, `intervals` replace the weekly rules (empty: unavailable all day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DateOverride {
    pub date: LocalDate,
    pub intervals: Vec<HoursRange>,
}

/// Builds the engine's schedule, rejecting two overrides for one date.
/// `field` prefixes error paths (e.g. `hosts[0].schedule`).
pub fn engine_schedule(
    field: &str,
    zone: engine::Zone,
    weekly: &WeeklyHours,
    overrides: &[DateOverride],
) -> Result<engine::Schedule, ValidationError> {
    let mut schedule = engine::Schedule::new(zone);
    for (day, ranges) in weekly.days().into_iter().enumerate() {
        schedule.weekly[day] = ranges.iter().map(|r| r.0).collect();
    }
    let mut by_date = BTreeMap::new();
    for (j, o) in overrides.iter().enumerate() {
        if by_date
            .insert(o.date.0, o.intervals.iter().map(|r| r.0).collect())
            .is_some()
        {
            let prefix = if field.is_empty() {
                String::new()
            } else {
                format!("{field}.")
            };
            return invalid(
                format!("{prefix}overrides[{j}].date"),
                format!("{} has more than one override", o.date.0),
            );
        }
    }
    schedule.overrides = by_date;
    Ok(schedule)
}

/// What an admin sends to create or replace a schedule.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInput {
    /// The host who owns it.
    pub user_id: String,
    pub name: String,
    pub timezone: TimeZoneName,
    #[serde(default)]
    pub weekly: WeeklyHours,
    #[serde(default)]
    pub overrides: Vec<DateOverride>,
    /// The host's schedule for event types that do not pick one.
    #[serde(default)]
    pub is_default: bool,
}

impl ScheduleInput {
    pub fn validate(&self) -> Result<engine::Schedule, ValidationError> {
        super::check_line("name", &self.name, 200, true)?;
        engine_schedule("", self.timezone.zone(), &self.weekly, &self.overrides)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Schedule {
    pub id: String,
    #[serde(flatten)]
    pub input: ScheduleInput,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Schedule {
    pub fn engine(&self) -> engine::Schedule {
        // Stored schedules were validated on the way in.
        engine_schedule(
            "",
            self.input.timezone.zone(),
            &self.input.weekly,
            &self.input.overrides,
        )
        .unwrap_or_else(|_| engine::Schedule::new(self.input.timezone.zone()))
    }
}
