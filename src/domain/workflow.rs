//! Workflows: what an organization (or one event type) sends when something
//! happens to a booking, beyond the built-in letters. A workflow is a
//! trigger and its steps; each step an action and its templates. The
//! templates' variables are checked when saved (`crate::workflows`); here
//! only the shape is.

use super::{ValidationError, check_line, check_text, invalid};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// When a workflow runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// A booking is confirmed (at once, or when a host approves it).
    Booked,
    /// A booking is moved to another time.
    Rescheduled,
    Cancelled,
    /// `offset_minutes` before the start.
    BeforeStart,
    /// `offset_minutes` after the end.
    AfterEnd,
    /// A host marked the invitee as not having come.
    NoShow,
    /// A host marked the meeting as held.
    Completed,
    /// A meeting poll chose its time (and booked it).
    PollFinalized,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Booked => "booked",
            Trigger::Rescheduled => "rescheduled",
            Trigger::Cancelled => "cancelled",
            Trigger::BeforeStart => "before_start",
            Trigger::AfterEnd => "after_end",
            Trigger::NoShow => "no_show",
            Trigger::Completed => "completed",
            Trigger::PollFinalized => "poll_finalized",
        }
    }

    /// Whether it fires at an instant relative to the meeting (scheduled
    /// when the booking stands, moved with it, dropped when it goes).
    pub fn is_timed(self) -> bool {
        matches!(self, Trigger::BeforeStart | Trigger::AfterEnd)
    }
}

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    EmailInvitee,
    /// Each host.
    EmailHosts,
    /// The invitee, the other attendees and the hosts.
    EmailAttendees,
    /// A fixed address (`to`).
    EmailAddress,
    /// A text message to the invitee's phone (`invitee.phone`).
    SmsInvitee,
    /// A text message to each host with a phone.
    SmsHosts,
    /// An email to the invitee asking for feedback on the survey page.
    Survey,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::EmailInvitee => "email_invitee",
            Action::EmailHosts => "email_hosts",
            Action::EmailAttendees => "email_attendees",
            Action::EmailAddress => "email_address",
            Action::SmsInvitee => "sms_invitee",
            Action::SmsHosts => "sms_hosts",
            Action::Survey => "survey",
        }
    }

    pub fn is_sms(self) -> bool {
        matches!(self, Action::SmsInvitee | Action::SmsHosts)
    }
}

/// One step: an action and what it says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub action: Action,
    /// The address of `email_address`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<super::Email>,
    /// The email's subject template (emails only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "See you {{ event.date }}")]
    pub subject: Option<String>,
    /// The message's template: plain text; emails also get an HTML part.
    #[schema(
        example = "Hi {{ invitee.first_name }}, {{ event.title }} starts at {{ event.time }}."
    )]
    pub body: String,
}

/// The longest template source (bytes).
pub const MAX_TEMPLATE: usize = 20_000;
/// The most steps in one workflow.
pub const MAX_STEPS: usize = 10;
/// The furthest a timed trigger may sit from the meeting: 30 days.
pub const MAX_OFFSET_MINUTES: u32 = 30 * 24 * 60;
/// A text message's longest body (Twilio's own limit).
pub const MAX_SMS: usize = 1_600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowInput {
    pub name: String,
    /// Only this event type's bookings; absent: the whole organization's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type_id: Option<String>,
    pub trigger: Trigger,
    /// For `before_start` and `after_end`: how far from the meeting.
    #[serde(default)]
    pub offset_minutes: u32,
    /// A paused workflow schedules nothing new (what is scheduled still runs).
    #[serde(default = "yes")]
    pub active: bool,
    pub steps: Vec<Step>,
}

fn yes() -> bool {
    true
}

impl WorkflowInput {
    /// The shape; the templates are checked by `crate::workflows::check`.
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_line("name", &self.name, 200, true)?;
        if self.trigger.is_timed() {
            if self.offset_minutes > MAX_OFFSET_MINUTES {
                return invalid(
                    "offset_minutes",
                    format!("must be at most {MAX_OFFSET_MINUTES} (30 days)"),
                );
            }
        } else if self.offset_minutes != 0 {
            return invalid(
                "offset_minutes",
                "only before_start and after_end have an offset",
            );
        }
        if self.steps.is_empty() {
            return invalid("steps", "a workflow needs at least one step");
        }
        if self.steps.len() > MAX_STEPS {
            return invalid("steps", format!("at most {MAX_STEPS} steps"));
        }
        for (i, step) in self.steps.iter().enumerate() {
            let field = |name: &str| format!("steps[{i}].{name}");
            match (step.action, &step.to) {
                (Action::EmailAddress, None) => {
                    return invalid(field("to"), "email_address needs an address");
                }
                (Action::EmailAddress, Some(_)) | (_, None) => {}
                (_, Some(_)) => return invalid(field("to"), "only email_address takes an address"),
            }
            match (&step.subject, step.action.is_sms()) {
                (Some(_), true) => {
                    return invalid(field("subject"), "a text message has no subject");
                }
                (None, false) => return invalid(field("subject"), "an email needs a subject"),
                (Some(subject), false) => check_text(&field("subject"), subject, 1_000, true)?,
                (None, true) => {}
            }
            check_text(&field("body"), &step.body, MAX_TEMPLATE, true)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Workflow {
    pub id: String,
    #[serde(flatten)]
    pub input: WorkflowInput,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Where a scheduled step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Waiting for its time (or being retried).
    Scheduled,
    Sent,
    /// Could not be sent; `detail` says why (retryable through the effects API).
    Failed,
    /// Not sent, and never will be: `detail` says why (no phone number, its
    /// time had passed when the booking was made).
    Skipped,
    /// Dropped: the booking was cancelled or declined.
    Cancelled,
    /// The booking was rescheduled: the step runs for the new booking.
    Moved,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Scheduled => "scheduled",
            RunStatus::Sent => "sent",
            RunStatus::Failed => "failed",
            RunStatus::Skipped => "skipped",
            RunStatus::Cancelled => "cancelled",
            RunStatus::Moved => "moved",
        }
    }

    pub fn parse(text: &str) -> Option<RunStatus> {
        [
            RunStatus::Scheduled,
            RunStatus::Sent,
            RunStatus::Failed,
            RunStatus::Skipped,
            RunStatus::Cancelled,
            RunStatus::Moved,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// One step of a workflow for one booking and one recipient: what ran,
/// when, and with what result.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WorkflowRun {
    pub id: String,
    pub booking_uid: String,
    pub workflow_id: String,
    pub workflow_name: String,
    pub trigger: Trigger,
    /// The step's position in the workflow (from 0).
    pub step: u32,
    pub action: Action,
    /// Who it goes to: an email address or a phone number.
    pub recipient: String,
    /// When it is (or was) due.
    pub due_at: DateTime<Utc>,
    pub status: RunStatus,
    /// What happened: the message's id, the provider's answer, the reason
    /// it was skipped or failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// When it was sent, failed or dropped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
}

/// A run to record, as the fan-out decides it.
#[derive(Debug, Clone)]
pub struct NewRun {
    /// Derived from what it is (booking, workflow, step, recipient): a
    /// fan-out that runs twice records nothing twice.
    pub id: String,
    pub workflow_id: String,
    pub workflow_name: String,
    pub trigger: Trigger,
    pub step: u32,
    pub action: Action,
    pub recipient: String,
    pub due_at: DateTime<Utc>,
    /// `Scheduled`, or `Skipped` with its reason.
    pub status: RunStatus,
    pub detail: Option<String>,
}

/// A phone number as text messages need it: E.164 (`+` and up to 15
/// digits, the first not 0), as Twilio expects.
pub fn check_phone(field: &str, value: &str) -> Result<(), ValidationError> {
    let digits = value.strip_prefix('+').unwrap_or("");
    let ok = (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    if ok {
        Ok(())
    } else {
        invalid(
            field,
            format!(
                "{value:?} is not an international number in E.164 form \
                 (a + then the country code and number, digits only, like +14155552671)"
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_e164() {
        for good in ["+14155552671", "+491701234567", "+4420712345"] {
            assert!(check_phone("p", good).is_ok(), "{good}");
        }
        for bad in [
            "14155552671",
            "+1 415 555 2671",
            "+0123456789",
            "+1234567",
            "+1234567890123456",
            "+1415555267a",
            "",
        ] {
            let error = check_phone("invitee.phone", bad).expect_err(bad);
            assert_eq!(error.field, "invitee.phone");
        }
    }

    #[test]
    fn shapes_name_the_field() {
        let step = Step {
            action: Action::SmsInvitee,
            to: None,
            subject: Some("x".into()),
            body: "hi".into(),
        };
        let mut input = WorkflowInput {
            name: "Remind".into(),
            event_type_id: None,
            trigger: Trigger::BeforeStart,
            offset_minutes: 60,
            active: true,
            steps: vec![step],
        };
        assert_eq!(
            input.validate().expect_err("subject").field,
            "steps[0].subject"
        );
        input.steps[0].subject = None;
        assert!(input.validate().is_ok());
        input.trigger = Trigger::Booked;
        assert_eq!(
            input.validate().expect_err("offset").field,
            "offset_minutes"
        );
        input.offset_minutes = 0;
        input.steps[0].action = Action::EmailAddress;
        assert_eq!(input.validate().expect_err("to").field, "steps[0].to");
    }
}
