//! Which workflow steps a booking change schedules, for whom, and when;
//! and whether a scheduled step still applies when its time comes.

use crate::domain::{
    Action, Booking, BookingStatus, NewRun, RunStatus, Trigger, User, Workflow, hash_secret,
};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Who one run of a step is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Audience {
    Invitee,
    /// Another attendee, by email.
    Attendee(String),
    /// A host, by user id.
    Host(String),
    /// The step's own address.
    Address,
}

/// A run to record, with whom it is for.
#[derive(Debug, Clone)]
pub struct Planned {
    pub run: NewRun,
    pub audience: Audience,
}

/// The triggers a booking change fires now: `Some(trigger)` for each.
/// Timed triggers are not here: they are scheduled when the booking stands.
pub fn fired(change: &crate::notify::Change, booking: &Booking, from_poll: bool) -> Vec<Trigger> {
    use crate::notify::Change;
    let accepted = booking.status == BookingStatus::Accepted;
    match change {
        Change::Booked if accepted && from_poll => vec![Trigger::Booked, Trigger::PollFinalized],
        Change::Booked | Change::Approved if accepted => vec![Trigger::Booked],
        Change::Rescheduled { .. } if accepted => vec![Trigger::Rescheduled],
        Change::Cancelled => vec![Trigger::Cancelled],
        Change::MarkedNoShow => vec![Trigger::NoShow],
        Change::MarkedCompleted => vec![Trigger::Completed],
        _ => Vec::new(),
    }
}

/// Whether a run of `trigger` still says something true of a booking now
/// in `status` (a reminder of a booking cancelled since is not sent).
pub fn still_applies(trigger: Trigger, status: BookingStatus) -> bool {
    match trigger {
        Trigger::Booked | Trigger::Rescheduled | Trigger::BeforeStart | Trigger::PollFinalized => {
            status == BookingStatus::Accepted
        }
        Trigger::AfterEnd => matches!(status, BookingStatus::Accepted | BookingStatus::Completed),
        Trigger::Cancelled => status == BookingStatus::Cancelled,
        Trigger::NoShow => status == BookingStatus::NoShow,
        Trigger::Completed => status == BookingStatus::Completed,
    }
}

/// When a step of `workflow` is due for `booking`.
fn due(workflow: &Workflow, booking: &Booking, now: DateTime<Utc>) -> DateTime<Utc> {
    let offset = Duration::minutes(i64::from(workflow.input.offset_minutes));
    match workflow.input.trigger {
        Trigger::BeforeStart => booking.start - offset,
        Trigger::AfterEnd => booking.end + offset,
        _ => now,
    }
}

/// The runs of `workflows` that `triggers` (and, when `schedule_timed`,
/// the timed ones) cause for `booking`.
pub fn runs(
    workflows: &[Workflow],
    triggers: &[Trigger],
    schedule_timed: bool,
    booking: &Booking,
    hosts: &[User],
    now: DateTime<Utc>,
) -> Vec<Planned> {
    let mut planned = Vec::new();
    for workflow in workflows {
        let input = &workflow.input;
        let applies = input.active
            && input
                .event_type_id
                .as_ref()
                .is_none_or(|id| *id == booking.event_type_id)
            && (triggers.contains(&input.trigger) || (schedule_timed && input.trigger.is_timed()));
        if !applies {
            continue;
        }
        let due_at = due(workflow, booking, now);
        let late = input.trigger.is_timed() && due_at <= now;
        for (index, step) in input.steps.iter().enumerate() {
            let step_no = u32::try_from(index).unwrap_or(u32::MAX);
            for (audience, recipient) in recipients(step.action, step.to.as_ref(), booking, hosts) {
                let (status, detail) = match (&recipient, late) {
                    (None, _) => (
                        RunStatus::Skipped,
                        Some(match audience {
                            Audience::Invitee => "the invitee gave no phone number".to_string(),
                            _ => "the host has no phone number".to_string(),
                        }),
                    ),
                    (Some(_), true) => (
                        RunStatus::Skipped,
                        Some("its time had passed when the booking was made".to_string()),
                    ),
                    (Some(_), false) => (RunStatus::Scheduled, None),
                };
                let shown = recipient.unwrap_or_else(|| "-".to_string());
                let key = format!(
                    "{}|{}|{index}|{}|{}",
                    booking.uid,
                    workflow.id,
                    serde_json::to_string(&audience).unwrap_or_default(),
                    input.trigger.as_str()
                );
                planned.push(Planned {
                    run: NewRun {
                        id: format!("wr-{}", &hash_secret(&key)[..32]),
                        workflow_id: workflow.id.clone(),
                        workflow_name: input.name.clone(),
                        trigger: input.trigger,
                        step: step_no,
                        action: step.action,
                        recipient: shown,
                        due_at,
                        status,
                        detail,
                    },
                    audience,
                });
            }
        }
    }
    planned
}

/// Who a step goes to, and their address (an email or a phone number;
/// `None`: they have none for this action).
fn recipients(
    action: Action,
    to: Option<&crate::domain::Email>,
    booking: &Booking,
    hosts: &[User],
) -> Vec<(Audience, Option<String>)> {
    let invitee_email = || (Audience::Invitee, Some(booking.invitee.email.to_string()));
    let host_emails = || {
        hosts.iter().map(|h| {
            (
                Audience::Host(h.id.clone()),
                Some(h.input.email.to_string()),
            )
        })
    };
    match action {
        Action::EmailInvitee | Action::Survey => vec![invitee_email()],
        Action::EmailHosts => host_emails().collect(),
        Action::EmailAttendees => std::iter::once(invitee_email())
            .chain(booking.attendees.iter().map(|a| {
                (
                    Audience::Attendee(a.email.to_string()),
                    Some(a.email.to_string()),
                )
            }))
            .chain(host_emails())
            .collect(),
        Action::EmailAddress => vec![(Audience::Address, to.map(ToString::to_string))],
        Action::SmsInvitee => vec![(Audience::Invitee, booking.invitee.phone.clone())],
        Action::SmsHosts => hosts
            .iter()
            .map(|h| (Audience::Host(h.id.clone()), h.input.phone.clone()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Step, WorkflowInput};
    use serde_json::json;

    fn booking() -> Booking {
        serde_json::from_value(json!({
            "uid": "bk1", "event_type_id": "et", "hosts": ["h1"],
            "start": "2027-03-28T09:00:00Z", "end": "2027-03-28T09:30:00Z",
            "status": "accepted",
            "invitee": { "name": "Pat", "email": "pat@example.com", "timezone": "Europe/Berlin" },
            "answers": {}, "utm": {}, "attendees": [],
            "created_at": "2027-03-01T00:00:00Z", "updated_at": "2027-03-01T00:00:00Z"
        }))
        .expect("booking")
    }

    fn host() -> User {
        serde_json::from_value(json!({
            "id": "h1", "organization_id": "o", "slug": "ana", "name": "Ana",
            "email": "ana@example.com", "timezone": "Europe/Berlin", "phone": "+4915112345678",
            "created_at": "2027-03-01T00:00:00Z", "updated_at": "2027-03-01T00:00:00Z"
        }))
        .expect("user")
    }

    fn workflow(
        trigger: Trigger,
        offset: u32,
        action: Action,
        event_type: Option<&str>,
    ) -> Workflow {
        Workflow {
            id: format!("wf-{}", trigger.as_str()),
            input: WorkflowInput {
                name: "w".into(),
                event_type_id: event_type.map(str::to_string),
                trigger,
                offset_minutes: offset,
                active: true,
                steps: vec![Step {
                    action,
                    to: None,
                    subject: (!action.is_sms()).then(|| "s".to_string()),
                    body: "b".into(),
                }],
            },
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn timed_steps_are_due_relative_to_the_meeting_and_skipped_when_past() {
        let flows = [
            workflow(Trigger::BeforeStart, 60, Action::SmsInvitee, None),
            workflow(Trigger::AfterEnd, 30, Action::Survey, Some("et")),
            workflow(
                Trigger::BeforeStart,
                60,
                Action::EmailInvitee,
                Some("other"),
            ),
            workflow(Trigger::BeforeStart, 1440, Action::SmsHosts, None),
        ];
        let now: DateTime<Utc> = "2027-03-27T10:00:00Z".parse().expect("now");
        let runs = runs(&flows, &[Trigger::Booked], true, &booking(), &[host()], now);
        let shown: Vec<(String, String, String)> = runs
            .iter()
            .map(|p| {
                (
                    p.run.due_at.to_rfc3339(),
                    p.run.status.as_str().to_string(),
                    p.run.recipient.clone(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                // The invitee gave no phone.
                (
                    "2027-03-28T08:00:00+00:00".into(),
                    "skipped".into(),
                    "-".into()
                ),
                (
                    "2027-03-28T10:00:00+00:00".into(),
                    "scheduled".into(),
                    "pat@example.com".into()
                ),
                // A day before was already past at booking time.
                (
                    "2027-03-27T09:00:00+00:00".into(),
                    "skipped".into(),
                    "+4915112345678".into()
                ),
            ]
        );
        // The same change planned again gives the same ids (recorded once).
        let again = super::runs(&flows, &[Trigger::Booked], true, &booking(), &[host()], now);
        assert_eq!(runs[1].run.id, again[1].run.id);
    }

    #[test]
    fn runs_apply_only_while_the_booking_is_as_they_say() {
        assert!(still_applies(Trigger::BeforeStart, BookingStatus::Accepted));
        assert!(!still_applies(
            Trigger::BeforeStart,
            BookingStatus::Cancelled
        ));
        assert!(still_applies(Trigger::AfterEnd, BookingStatus::Completed));
        assert!(!still_applies(Trigger::Booked, BookingStatus::Pending));
        assert!(still_applies(Trigger::NoShow, BookingStatus::NoShow));
    }
}
