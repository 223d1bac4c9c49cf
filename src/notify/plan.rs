//! Which letters a booking change causes, to whom.

use crate::domain::{Booking, BookingStatus};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// A booking change people hear about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// Made (confirmed, or waiting for a host's approval).
    Booked,
    /// Made in place of `from`, which it cancelled.
    Rescheduled {
        from: String,
    },
    Cancelled,
    /// A host approved a request.
    Approved,
    /// A host declined a request, perhaps saying why.
    Rejected {
        reason: Option<String>,
    },
    /// A host marked the invitee as not having come (no letter; workflows
    /// may send one).
    MarkedNoShow,
    /// A host marked the meeting as held (no letter; workflows may send one).
    MarkedCompleted,
}

/// One kind of message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Letter {
    /// To the invitee: booked, with the invitation.
    Confirmed,
    /// To the invitee: the request waits for a host.
    Requested,
    /// To a host: approve or decline.
    ApprovalNeeded,
    /// To a host: someone booked.
    HostBooked,
    Rescheduled,
    Cancelled,
    /// To the invitee: the host approved, with the invitation.
    Approved,
    /// To the invitee: the host declined.
    Rejected,
    Reminder,
}

impl Letter {
    pub fn as_str(self) -> &'static str {
        match self {
            Letter::Confirmed => "confirmed",
            Letter::Requested => "requested",
            Letter::ApprovalNeeded => "approval_needed",
            Letter::HostBooked => "host_booked",
            Letter::Rescheduled => "rescheduled",
            Letter::Cancelled => "cancelled",
            Letter::Approved => "approved",
            Letter::Rejected => "rejected",
            Letter::Reminder => "reminder",
        }
    }
}

impl Letter {
    /// Whether the letter still says something true of a booking now in
    /// `status` (it is written when sent: a confirmation of a booking
    /// cancelled since, or a reminder of one moved, is not sent).
    pub fn still_true(self, status: BookingStatus) -> bool {
        match self {
            Letter::Requested | Letter::ApprovalNeeded => status == BookingStatus::Pending,
            Letter::Confirmed
            | Letter::HostBooked
            | Letter::Approved
            | Letter::Rescheduled
            | Letter::Reminder => status == BookingStatus::Accepted,
            Letter::Cancelled => status == BookingStatus::Cancelled,
            Letter::Rejected => status == BookingStatus::Rejected,
        }
    }
}

/// Who a letter is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Recipient {
    Invitee,
    /// Another attendee (a finalized poll's participants), by email.
    Attendee(String),
    /// A host, by user id.
    Host(String),
}

impl Recipient {
    /// A short stable name, for the letter's outbox key.
    pub fn key(&self) -> String {
        match self {
            Recipient::Invitee => "invitee".to_string(),
            Recipient::Attendee(email) => format!("attendee:{}", email.to_lowercase()),
            Recipient::Host(id) => format!("host:{id}"),
        }
    }

    pub fn is_host(&self) -> bool {
        matches!(self, Recipient::Host(_))
    }
}

/// The invitee and the other attendees.
fn guests(booking: &Booking) -> Vec<Recipient> {
    std::iter::once(Recipient::Invitee)
        .chain(
            booking
                .attendees
                .iter()
                .map(|a| Recipient::Attendee(a.email.as_str().to_string())),
        )
        .collect()
}

fn hosts(booking: &Booking) -> Vec<Recipient> {
    booking.hosts.iter().cloned().map(Recipient::Host).collect()
}

/// The letters `change` causes, given the booking as it is now.
pub fn plan(change: &Change, booking: &Booking) -> Vec<(Letter, Recipient)> {
    let to = |letter: Letter, people: Vec<Recipient>| people.into_iter().map(move |r| (letter, r));
    match change {
        Change::Booked if booking.status == BookingStatus::Pending => {
            to(Letter::Requested, guests(booking))
                .chain(to(Letter::ApprovalNeeded, hosts(booking)))
                .collect()
        }
        Change::Booked => to(Letter::Confirmed, guests(booking))
            .chain(to(Letter::HostBooked, hosts(booking)))
            .collect(),
        Change::Rescheduled { .. } => to(Letter::Rescheduled, guests(booking))
            .chain(to(Letter::Rescheduled, hosts(booking)))
            .collect(),
        Change::Cancelled => to(Letter::Cancelled, guests(booking))
            .chain(to(Letter::Cancelled, hosts(booking)))
            .collect(),
        Change::Approved => to(Letter::Approved, guests(booking)).collect(),
        Change::Rejected { .. } => to(Letter::Rejected, guests(booking)).collect(),
        Change::MarkedNoShow | Change::MarkedCompleted => Vec::new(),
    }
}

/// The reminders of a confirmed booking still ahead of `now`: minutes
/// before the start, and the instant each is due (an instant, so daylight
/// saving changes in between move nothing).
pub fn reminders(
    booking: &Booking,
    minutes_before: &[u32],
    now: DateTime<Utc>,
) -> Vec<(u32, DateTime<Utc>)> {
    if booking.status != BookingStatus::Accepted {
        return Vec::new();
    }
    minutes_before
        .iter()
        .map(|m| (*m, booking.start - Duration::minutes(i64::from(*m))))
        .filter(|(_, due)| *due > now)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn booking(status: &str) -> Booking {
        serde_json::from_value(json!({
            "uid": "bk1", "event_type_id": "et", "hosts": ["h1", "h2"],
            "start": "2027-03-28T09:00:00Z", "end": "2027-03-28T09:30:00Z",
            "status": status,
            "invitee": { "name": "Pat", "email": "pat@example.com", "timezone": "Europe/Berlin" },
            "answers": {}, "utm": {},
            "attendees": [{ "name": "Kim", "email": "Kim@Example.com" }],
            "created_at": "2027-03-01T00:00:00Z", "updated_at": "2027-03-01T00:00:00Z"
        }))
        .expect("booking")
    }

    #[test]
    fn a_booking_tells_its_guests_and_its_hosts() {
        let letters = plan(&Change::Booked, &booking("accepted"));
        let keys: Vec<String> = letters
            .iter()
            .map(|(l, r)| format!("{}:{}", l.as_str(), r.key()))
            .collect();
        assert_eq!(
            keys,
            [
                "confirmed:invitee",
                "confirmed:attendee:kim@example.com",
                "host_booked:host:h1",
                "host_booked:host:h2"
            ]
        );
        let pending = plan(&Change::Booked, &booking("pending"));
        assert!(pending.iter().all(|(l, r)| match l {
            Letter::Requested => !r.is_host(),
            Letter::ApprovalNeeded => r.is_host(),
            _ => false,
        }));
        let approved = plan(&Change::Approved, &booking("accepted"));
        assert!(
            approved
                .iter()
                .all(|(l, r)| *l == Letter::Approved && !r.is_host())
        );
    }

    #[test]
    fn reminders_are_instants_before_the_start_and_only_ahead() {
        let b = booking("accepted");
        // The night of 2027-03-28 Berlin moves to summer time: a day before
        // 11:00 CEST is still 24 hours before, 09:00Z the day before.
        let now: DateTime<Utc> = "2027-03-27T08:00:00Z".parse().expect("now");
        assert_eq!(
            reminders(&b, &[1440, 60, 3000], now),
            vec![
                (1440, "2027-03-27T09:00:00Z".parse().expect("due")),
                (60, "2027-03-28T08:00:00Z".parse().expect("due")),
            ]
        );
        assert!(reminders(&booking("pending"), &[60], now).is_empty());
    }
}
