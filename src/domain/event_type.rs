//! Event types: what invitees book.

use super::{Slug, TimeZoneName, ValidationError, check_line, check_text, invalid};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    OneOnOne,
    Group,
    Collective,
    RoundRobin,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::OneOnOne => "one_on_one",
            Kind::Group => "group",
            Kind::Collective => "collective",
            Kind::RoundRobin => "round_robin",
        }
    }

    pub fn engine(self) -> crate::engine::Kind {
        match self {
            Kind::OneOnOne => crate::engine::Kind::OneOnOne,
            Kind::Group => crate::engine::Kind::Group,
            Kind::Collective => crate::engine::Kind::Collective,
            Kind::RoundRobin => crate::engine::Kind::RoundRobin,
        }
    }
}

/// Who sends invitations for an event type's bookings: never both, so a
/// person gets one invitation per booking.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Invitations {
    #[default]
    Kairos,
    Calendar,
}

impl Invitations {
    pub fn is_kairos(&self) -> bool {
        *self == Invitations::Kairos
    }
}

/// Where the meeting happens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Location {
    /// To be agreed (or given in the description).
    #[default]
    Unspecified,
    InPerson {
        address: String,
    },
    Phone {
        number: String,
    },
    Video {
        url: String,
    },
    /// A video meeting the host's calendar provider creates with the event
    /// (Google Meet, Microsoft Teams); its link arrives with the event.
    ProviderVideo,
}

impl Location {
    pub fn kind(&self) -> &'static str {
        match self {
            Location::Unspecified => "unspecified",
            Location::InPerson { .. } => "in_person",
            Location::Phone { .. } => "phone",
            Location::Video { .. } => "video",
            Location::ProviderVideo => "provider_video",
        }
    }

    /// What anyone may see before booking: an address to decide whether to
    /// come, but not the meeting link or the phone number, which only an
    /// invitee gets (a public video room would let strangers walk in).
    pub fn public(&self) -> PublicLocation {
        let label = match self {
            Location::Unspecified => "To be agreed".to_string(),
            Location::InPerson { address } => address.clone(),
            Location::Phone { .. } => "Phone call (the number comes with the booking)".to_string(),
            Location::Video { .. } => "Video call (the link comes with the booking)".to_string(),
            Location::ProviderVideo => {
                "Video call (the link comes with the invitation)".to_string()
            }
        };
        PublicLocation {
            kind: self.kind(),
            label,
        }
    }
}

/// Where the meeting happens, as a public booking page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PublicLocation {
    /// `unspecified`, `in_person`, `phone`, `video` or `provider_video`.
    pub kind: &'static str,
    /// The address in person; otherwise a description without the link or number.
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Text,
    LongText,
    Email,
    Phone,
    Select,
    MultiSelect,
    Checkbox,
}

/// An intake question asked when booking; answers are keyed by `id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: Slug,
    pub label: String,
    pub kind: QuestionKind,
    #[serde(default)]
    pub required: bool,
    /// The choices of `select` and `multi_select`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// The free host whose last booking of this event type was longest ago.
    #[default]
    LeastRecentlyBooked,
    /// The free host furthest below its weighted share within the reset period.
    Weighted,
    /// Highest priority first, then least recently booked.
    Priority,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResetPeriod {
    #[default]
    Month,
    Day,
}

/// What to do with a host whose synced calendar can no longer be trusted
/// (its connection needs reconnecting).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaleCalendarPolicy {
    /// Offer no times with that host until they reconnect: a missed meeting
    /// in their real calendar would become a double booking.
    #[default]
    NoSlots,
    /// Keep offering times computed from the last synced data.
    UseLastSync,
}

/// Host assignment settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Assignment {
    pub strategy: Strategy,
    /// Weighted fair share counts bookings made in this period.
    pub reset_period: ResetPeriod,
    /// At most this many bookings of this event type per host per local day.
    pub max_per_day: Option<u32>,
    /// At most this many per host per local week (Monday to Sunday).
    pub max_per_week: Option<u32>,
    /// A rescheduled booking keeps its host(s) when they are free at the new time.
    pub keep_host_on_reschedule: bool,
}

impl Default for Assignment {
    fn default() -> Self {
        Assignment {
            strategy: Strategy::LeastRecentlyBooked,
            reset_period: ResetPeriod::Month,
            max_per_day: None,
            max_per_week: None,
            keep_host_on_reschedule: true,
        }
    }
}

impl Assignment {
    pub fn engine(&self, zone: crate::engine::Zone) -> crate::engine::assignment::Rules {
        use crate::engine::assignment as a;
        let strategy = match self.strategy {
            Strategy::LeastRecentlyBooked => a::Strategy::LeastRecentlyBooked,
            Strategy::Priority => a::Strategy::Priority,
            Strategy::Weighted => a::Strategy::Weighted {
                period: match self.reset_period {
                    ResetPeriod::Month => a::Period::Month,
                    ResetPeriod::Day => a::Period::Day,
                },
            },
        };
        let caps = a::Caps {
            per_day: self.max_per_day,
            per_week: self.max_per_week,
        };
        a::Rules {
            strategy,
            caps,
            zone,
        }
    }
}

/// A host of an event type; priority and weight steer round robin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventTypeHost {
    pub user_id: String,
    #[serde(default)]
    pub priority: i32,
    #[serde(default = "default_weight")]
    pub weight: i32,
}

fn default_weight() -> i32 {
    100
}

/// Reminders one event type may send, and how early at most.
pub const MAX_REMINDERS: usize = 5;
pub const MAX_REMINDER_MINUTES: u32 = 30 * 24 * 60;

fn default_hold_minutes() -> u32 {
    DEFAULT_HOLD_MINUTES
}

/// What invitees get when an event type does not say: long enough to fill
/// in a form, short enough that an abandoned page frees the time soon.
pub const DEFAULT_HOLD_MINUTES: u32 = 5;
/// A hold is a promise to one visitor against everyone else: an hour at most.
pub const MAX_HOLD_MINUTES: u32 = 60;

/// What an admin sends to create or replace an event type.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventTypeInput {
    /// The user whose public link this is (`/{user-slug}/{slug}`).
    pub owner_id: String,
    pub slug: Slug,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub kind: Kind,
    pub duration_minutes: u32,
    /// Distance between start times; defaults to the duration.
    pub slot_interval_minutes: Option<u32>,
    #[serde(default)]
    pub buffer_before_minutes: u32,
    #[serde(default)]
    pub buffer_after_minutes: u32,
    #[serde(default)]
    pub min_notice_minutes: u32,
    pub max_days_ahead: Option<u32>,
    pub daily_limit: Option<u32>,
    /// `group` only.
    pub seats: Option<u32>,
    /// `collective` only: how many hosts must attend (default all).
    pub required_hosts: Option<u32>,
    /// Zone of the start-time grid and of "days"; defaults to the owner's zone.
    pub timezone: Option<TimeZoneName>,
    /// The schedule to use; defaults to each host's default schedule.
    pub schedule_id: Option<String>,
    #[serde(default)]
    pub location: Location,
    #[serde(default)]
    pub questions: Vec<Question>,
    #[serde(default)]
    pub requires_approval: bool,
    /// How round robin (and a collective needing only some hosts) picks hosts.
    #[serde(default)]
    pub assignment: Assignment,
    /// Not bookable through a public link (the event type a meeting poll books through).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
    /// What a host whose calendar connection needs reconnecting offers.
    #[serde(default)]
    pub stale_calendar: StaleCalendarPolicy,
    /// The team whose page lists it (`/team/{team-slug}/{slug}`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    /// How long a time an invitee chose is held for them while they fill in
    /// the form (`POST …/holds`), in minutes; 0 turns holds off. At most 60.
    #[serde(default = "default_hold_minutes")]
    #[schema(default = 5, maximum = 60)]
    pub hold_minutes: u32,
    /// Email reminders before the meeting, in minutes before its start (to
    /// the invitee and the hosts): `[1440, 60]` is a day and an hour before.
    /// At most 5, each between 1 minute and 30 days.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 5)]
    pub reminder_minutes: Vec<u32>,
    /// Who sends the invitee the calendar invitation: `kairos` (default,
    /// with the confirmation email; the event in the host's calendar then
    /// mails nobody) or `calendar` (the host's Google or Microsoft calendar
    /// invites them from the host's own address; Kairos's emails then carry
    /// no invitation, unless the host has no calendar connected).
    #[serde(default, skip_serializing_if = "Invitations::is_kairos")]
    pub invitations: Invitations,
    /// Hosts; defaults to the owner alone.
    #[serde(default)]
    pub hosts: Vec<EventTypeHost>,
    /// Where the booking page sends the invitee once booked (`https://`),
    /// instead of its own confirmation page; the booking's details follow
    /// as query parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = "uri")]
    pub redirect_url: Option<String>,
}

const MAX_MINUTES: u32 = 366 * 24 * 60;

impl EventTypeInput {
    /// Checks the rules that span fields; fills in the owner as sole host.
    pub fn validate(&mut self) -> Result<(), ValidationError> {
        check_line("title", &self.title, 200, true)?;
        check_text("description", &self.description, 10_000, false)?;
        if !(1..=1440).contains(&self.duration_minutes) {
            return invalid("duration_minutes", "must be 1..=1440");
        }
        if self
            .slot_interval_minutes
            .is_some_and(|i| !(1..=1440).contains(&i))
        {
            return invalid("slot_interval_minutes", "must be 1..=1440");
        }
        for (field, value) in [
            ("buffer_before_minutes", self.buffer_before_minutes),
            ("buffer_after_minutes", self.buffer_after_minutes),
            ("min_notice_minutes", self.min_notice_minutes),
        ] {
            if value > MAX_MINUTES {
                return invalid(field, format!("must be at most {MAX_MINUTES}"));
            }
        }
        if self.max_days_ahead.is_some_and(|d| d > 3660) {
            return invalid("max_days_ahead", "must be at most 3660");
        }
        if self.reminder_minutes.len() > MAX_REMINDERS {
            return invalid(
                "reminder_minutes",
                format!("at most {MAX_REMINDERS} reminders"),
            );
        }
        if let Some(bad) = self
            .reminder_minutes
            .iter()
            .find(|m| !(1..=MAX_REMINDER_MINUTES).contains(*m))
        {
            return invalid(
                "reminder_minutes",
                format!("{bad} is not between 1 and {MAX_REMINDER_MINUTES} (30 days)"),
            );
        }
        self.reminder_minutes.sort_unstable_by(|a, b| b.cmp(a));
        self.reminder_minutes.dedup();
        if self.hold_minutes > MAX_HOLD_MINUTES {
            return invalid(
                "hold_minutes",
                format!("must be at most {MAX_HOLD_MINUTES} (0 turns holds off)"),
            );
        }
        if self.hosts.is_empty() {
            self.hosts.push(EventTypeHost {
                user_id: self.owner_id.clone(),
                priority: 0,
                weight: default_weight(),
            });
        }
        let mut seen = std::collections::HashSet::new();
        for (i, host) in self.hosts.iter().enumerate() {
            if !seen.insert(host.user_id.as_str()) {
                return invalid(format!("hosts[{i}].user_id"), "is listed twice");
            }
            if host.weight < 0 {
                return invalid(format!("hosts[{i}].weight"), "must not be negative");
            }
        }
        match self.kind {
            Kind::OneOnOne | Kind::Group if self.hosts.len() != 1 => {
                return invalid(
                    "hosts",
                    format!("a {} event type has exactly one host", self.kind.as_str()),
                );
            }
            _ => {}
        }
        match (self.kind, self.seats) {
            (Kind::Group, None) => return invalid("seats", "a group event type needs seats"),
            (Kind::Group, Some(seats)) if !(1..=10_000).contains(&seats) => {
                return invalid("seats", "must be 1..=10000");
            }
            (Kind::Group, _) | (_, None) => {}
            (_, Some(_)) => return invalid("seats", "applies only to group event types"),
        }
        match (self.kind, self.required_hosts) {
            (Kind::Collective, Some(n)) if n < 1 || n as usize > self.hosts.len() => {
                return invalid(
                    "required_hosts",
                    format!("must be 1..={} (the number of hosts)", self.hosts.len()),
                );
            }
            (Kind::Collective, _) | (_, None) => {}
            (_, Some(_)) => {
                return invalid("required_hosts", "applies only to collective event types");
            }
        }
        for (field, cap) in [
            ("assignment.max_per_day", self.assignment.max_per_day),
            ("assignment.max_per_week", self.assignment.max_per_week),
        ] {
            if cap == Some(0) {
                return invalid(field, "must be at least 1 (leave it out for no limit)");
            }
        }
        let mut ids = std::collections::HashSet::new();
        for (i, q) in self.questions.iter().enumerate() {
            check_line(&format!("questions[{i}].label"), &q.label, 500, true)?;
            if !ids.insert(q.id.as_str()) {
                return invalid(format!("questions[{i}].id"), "is used twice");
            }
            for (j, option) in q.options.iter().enumerate() {
                check_line(&format!("questions[{i}].options[{j}]"), option, 200, true)?;
            }
            let choice = matches!(q.kind, QuestionKind::Select | QuestionKind::MultiSelect);
            if choice && q.options.is_empty() {
                return invalid(
                    format!("questions[{i}].options"),
                    "a select question needs options",
                );
            }
            if !choice && !q.options.is_empty() {
                return invalid(
                    format!("questions[{i}].options"),
                    "only select questions have options",
                );
            }
        }
        match &self.location {
            Location::InPerson { address } => check_line("location.address", address, 500, true)?,
            Location::Phone { number } => check_line("location.number", number, 50, true)?,
            Location::Video { url } => {
                check_line("location.url", url, 2_000, true)?;
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    return invalid("location.url", "must be an http(s) URL");
                }
            }
            Location::Unspecified | Location::ProviderVideo => {}
        }
        if let Some(url) = &self.redirect_url {
            super::check_url("redirect_url", url, true)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventType {
    pub id: String,
    #[serde(flatten)]
    pub input: EventTypeInput,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
