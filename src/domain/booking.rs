//! Bookings and what invitees send to make them.

use super::{
    Email, Question, QuestionKind, TimeZoneName, ValidationError, check_line, check_text, invalid,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    Pending,
    Accepted,
    Rejected,
    Cancelled,
    NoShow,
    Completed,
}

impl BookingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BookingStatus::Pending => "pending",
            BookingStatus::Accepted => "accepted",
            BookingStatus::Rejected => "rejected",
            BookingStatus::Cancelled => "cancelled",
            BookingStatus::NoShow => "no_show",
            BookingStatus::Completed => "completed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            BookingStatus::Pending,
            BookingStatus::Accepted,
            BookingStatus::Rejected,
            BookingStatus::Cancelled,
            BookingStatus::NoShow,
            BookingStatus::Completed,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// Does a booking in this status hold the host's time? Pending requests
    /// do: two invitees must not both be promised the same slot.
    pub fn holds_time(self) -> bool {
        matches!(self, BookingStatus::Pending | BookingStatus::Accepted)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Invitee {
    pub name: String,
    pub email: Email,
    pub timezone: TimeZoneName,
    /// The language the invitee booked in: their emails are written in it
    /// (`en`, `de`; others fall back to English).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "en")]
    pub language: Option<String>,
    /// A mobile number for text messages (reminders), in E.164 form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "+14155552671")]
    pub phone: Option<String>,
}

/// How an answer reads in text (an event's description, an email).
pub fn answer_text(answer: &serde_json::Value) -> String {
    match answer {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Bool(true) => "yes".to_string(),
        serde_json::Value::Bool(false) => "no".to_string(),
        serde_json::Value::Array(items) => {
            items.iter().map(answer_text).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    }
}

/// What a link sent by email opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// The invitee's manage page (cancel, reschedule).
    Manage,
    /// A host's approve and reject page.
    Approve,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Manage => "manage",
            LinkPurpose::Approve => "approve",
        }
    }

    pub fn parse(text: &str) -> Option<LinkPurpose> {
        match text {
            "manage" => Some(LinkPurpose::Manage),
            "approve" => Some(LinkPurpose::Approve),
            _ => None,
        }
    }
}

/// Campaign attribution carried from the booking page's URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Utm {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medium: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

/// What an invitee sends to book.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingRequest {
    pub start: DateTime<Utc>,
    pub invitee: Invitee,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub answers: Map<String, Value>,
    #[serde(default)]
    pub utm: Utm,
    /// The token of the invitee's hold on this time (`POST …/holds`): the
    /// hold does not stand in their way, and the booking uses it up. An
    /// expired or unknown hold changes nothing (the time books if free).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold: Option<String>,
    /// The page that embedded the booking form (a booking page's
    /// `embed_url`), kept for attribution like the UTM parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = "uri")]
    pub embed_url: Option<String>,
}

impl BookingRequest {
    /// Checks the invitee and the answers against the event type's questions.
    pub fn validate(&self, questions: &[Question]) -> Result<(), ValidationError> {
        check_line("invitee.name", &self.invitee.name, 200, true)?;
        if let Some(language) = &self.invitee.language {
            super::check_language("invitee.language", language)?;
        }
        if let Some(phone) = &self.invitee.phone {
            super::check_phone("invitee.phone", phone)?;
        }
        for (field, value) in [
            ("utm.source", &self.utm.source),
            ("utm.medium", &self.utm.medium),
            ("utm.campaign", &self.utm.campaign),
            ("utm.term", &self.utm.term),
            ("utm.content", &self.utm.content),
        ] {
            if let Some(value) = value {
                check_line(field, value, 500, false)?;
            }
        }
        if let Some(url) = &self.embed_url {
            super::check_url("embed_url", url, false)?;
        }
        for key in self.answers.keys() {
            if !questions.iter().any(|q| q.id.as_str() == key) {
                return invalid(
                    format!("answers.{key}"),
                    "is not a question of this event type",
                );
            }
        }
        for q in questions {
            let field = format!("answers.{}", q.id);
            let answer = self.answers.get(q.id.as_str()).filter(|v| !v.is_null());
            let Some(answer) = answer else {
                if q.required {
                    return invalid(field, "is required");
                }
                continue;
            };
            answer_fits(&field, q, answer)?;
        }
        Ok(())
    }
}

fn answer_fits(field: &str, q: &Question, answer: &Value) -> Result<(), ValidationError> {
    let text = || {
        answer
            .as_str()
            .ok_or_else(|| ValidationError::new(field, "must be a string"))
    };
    match q.kind {
        QuestionKind::Text => check_line(field, text()?, 1_000, q.required),
        QuestionKind::LongText => check_text(field, text()?, 10_000, q.required),
        QuestionKind::Email => Email::parse(text()?)
            .map(|_| ())
            .map_err(|m| ValidationError::new(field, m)),
        QuestionKind::Phone => {
            let t = text()?;
            let digits = t.chars().filter(char::is_ascii_digit).count();
            let allowed = t
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c));
            if allowed && (5..=20).contains(&digits) {
                Ok(())
            } else {
                invalid(field, format!("{t:?} is not a phone number"))
            }
        }
        QuestionKind::Select => {
            let t = text()?;
            if q.options.iter().any(|o| o == t) {
                Ok(())
            } else {
                invalid(field, format!("{t:?} is not one of the options"))
            }
        }
        QuestionKind::MultiSelect => {
            let items = answer
                .as_array()
                .ok_or_else(|| ValidationError::new(field, "must be a list of options"))?;
            if q.required && items.is_empty() {
                return invalid(field, "is required");
            }
            for item in items {
                match item.as_str() {
                    Some(t) if q.options.iter().any(|o| o == t) => {}
                    _ => return invalid(field, format!("{item} is not one of the options")),
                }
            }
            Ok(())
        }
        QuestionKind::Checkbox => match answer.as_bool() {
            Some(false) if q.required => invalid(field, "must be checked"),
            Some(_) => Ok(()),
            None => invalid(field, "must be true or false"),
        },
    }
}

/// Someone who attends besides the invitee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Attendee {
    pub name: String,
    pub email: Email,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Booking {
    /// The public id used in links.
    pub uid: String,
    pub event_type_id: String,
    /// The hosts meeting the invitee.
    pub hosts: Vec<String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub status: BookingStatus,
    pub invitee: Invitee,
    #[schema(value_type = Object)]
    pub answers: Map<String, Value>,
    pub utm: Utm,
    /// The page that embedded the booking form, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embed_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelled_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rescheduled_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rescheduled_to: Option<String>,
    /// Everyone invited besides the invitee (a finalized meeting poll).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attendees: Vec<Attendee>,
    /// Why the booking went to its host(s), for round robin and collective.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignment_reason: Option<String>,
    /// Hosts who changed this booking's event in their own calendar (moved
    /// it, made it longer), with the time it holds there. The booking keeps
    /// its time; the event's time beyond it counts as busy for that host.
    /// Absent while every host's event matches the booking, and on the
    /// invitee's manage link (it tells of the host's calendar).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calendar_event_changed: Vec<CalendarEventChange>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Booking {
    /// The booking as its invitee sees it: nothing of the hosts' calendars.
    pub fn for_invitee(mut self) -> Booking {
        self.calendar_event_changed.clear();
        self
    }
}

/// A booking's event as its host changed it in their calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CalendarEventChange {
    /// The host whose calendar it is.
    pub user_id: String,
    /// When the event is in the host's calendar now (the span of its busy
    /// time, should the host have made it recur).
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// One status change, for the booking's history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StatusChange {
    pub from: Option<BookingStatus>,
    pub to: BookingStatus,
    /// `invitee`, `host:<user id>`, `admin:<key id>` or `system`.
    pub actor: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}
