//! Calendar invitations (RFC 5545 objects sent as RFC 5546 iTIP messages):
//! `METHOD:REQUEST` to add or move a meeting, `METHOD:CANCEL` to remove it.
//! Calendar clients update a meeting in place when the UID stays the same
//! and the SEQUENCE grows, so both come from the booking (stable across
//! reschedules) and never from the time of sending.

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Request,
    Cancel,
    /// A calendar to subscribe to (a host's feed), not an invitation.
    Publish,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
            Method::Publish => "PUBLISH",
        }
    }
}

/// Where an attendee stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response {
    /// Asked to answer (the invitee: their calendar offers Yes/No and adds
    /// the meeting; Gmail adds invitations from strangers only so).
    NeedsAction,
    /// Already agreed (the other hosts).
    Accepted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub name: String,
    pub email: String,
}

/// A meeting as an invitation describes it.
#[derive(Debug, Clone)]
pub struct Meeting {
    /// Stable for the meeting, reschedules included.
    pub uid: String,
    /// Raised on each change the attendees must see.
    pub sequence: u32,
    /// When this version of the invitation was made.
    pub stamp: DateTime<Utc>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub summary: String,
    pub description: String,
    /// A place or a video link.
    pub location: Option<String>,
    /// The manage page.
    pub url: Option<String>,
    pub organizer: Participant,
    pub attendees: Vec<(Participant, Response)>,
}

fn calendar(method: Method) -> Calendar {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("PRODID", "-//Kairos//Kairos Scheduling//EN"))
        .append_property(("VERSION", "2.0"))
        .append_property(("CALSCALE", "GREGORIAN"))
        .append_property(("METHOD", method.as_str()));
    calendar
}

/// The invitation as iCalendar text, CRLF line ends, folded at 75 octets.
pub fn ics(meeting: &Meeting, method: Method) -> String {
    let status = match method {
        Method::Request | Method::Publish => EventStatus::Confirmed,
        Method::Cancel => EventStatus::Cancelled,
    };
    let mut calendar = calendar(method);
    calendar.push(event(meeting, status));
    calendar.to_string()
}

/// A subscribed calendar of meetings (`METHOD:PUBLISH`), named `name`;
/// a meeting marked tentative still waits for approval.
pub fn feed(name: &str, meetings: &[(Meeting, bool)]) -> String {
    let mut calendar = calendar(Method::Publish);
    calendar
        .append_property(("X-WR-CALNAME", plain(name).as_str()))
        // Calendar apps poll a subscription; an hour keeps it fresh enough.
        .append_property(("REFRESH-INTERVAL;VALUE=DURATION", "PT1H"))
        .append_property(("X-PUBLISHED-TTL", "PT1H"));
    for (meeting, tentative) in meetings {
        let status = if *tentative {
            EventStatus::Tentative
        } else {
            EventStatus::Confirmed
        };
        calendar.push(event(meeting, status));
    }
    calendar.to_string()
}

fn event(meeting: &Meeting, status: EventStatus) -> Event {
    let mut event = Event::new();
    event
        .uid(&meeting.uid)
        .sequence(meeting.sequence)
        .timestamp(meeting.stamp)
        .starts(meeting.start)
        .ends(meeting.end)
        .summary(&plain(&meeting.summary))
        .description(&plain(&meeting.description))
        .status(status)
        .append_property(("TRANSP", "OPAQUE"))
        .append_property(person("ORGANIZER", &meeting.organizer));
    if let Some(location) = &meeting.location {
        event.location(&plain(location));
    }
    if let Some(url) = &meeting.url {
        event.url(url);
    }
    for (attendee, response) in &meeting.attendees {
        let (partstat, rsvp) = match response {
            Response::NeedsAction => ("NEEDS-ACTION", "TRUE"),
            Response::Accepted => ("ACCEPTED", "FALSE"),
        };
        let property = person("ATTENDEE", attendee)
            .add_parameter("ROLE", "REQ-PARTICIPANT")
            .add_parameter("CUTYPE", "INDIVIDUAL")
            .add_parameter("PARTSTAT", partstat)
            .add_parameter("RSVP", rsvp)
            .done();
        event.append_multi_property(property);
    }
    event.done()
}

/// `NAME;CN="…":mailto:…`. The common name is always quoted (a comma or
/// semicolon in a name would otherwise end the parameter), without the
/// quotes and control characters a quoted parameter cannot hold.
fn person(name: &str, who: &Participant) -> Property {
    let cn: String = who
        .name
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    Property::new(name, format!("mailto:{}", who.email))
        .add_parameter("CN", &format!("\"{cn}\""))
        .done()
}

/// Text with LF line ends (the writer escapes LF; a CR would be sent raw).
fn plain(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("instant")
    }

    fn meeting() -> Meeting {
        Meeting {
            uid: "bk_1@kairos.test".to_string(),
            sequence: 2,
            stamp: at("2026-06-01T08:00:00Z"),
            start: at("2026-06-02T09:00:00Z"),
            end: at("2026-06-02T09:30:00Z"),
            summary: "Intro call".to_string(),
            description: "Agenda; first line\r\nManage: https://k.test/m".to_string(),
            location: Some("Room 1, Berlin".to_string()),
            url: Some("https://k.test/bookings/bk_1".to_string()),
            organizer: Participant {
                name: "Ana \"the host\" Lima".to_string(),
                email: "ana@acme.test".to_string(),
            },
            attendees: vec![(
                Participant {
                    name: "Doe, Jane".to_string(),
                    email: "jane@example.com".to_string(),
                },
                Response::NeedsAction,
            )],
        }
    }

    /// Unfolds content lines (RFC 5545 3.1).
    fn unfold(text: &str) -> String {
        text.replace("\r\n ", "")
    }

    #[test]
    fn a_request_carries_what_clients_need_to_update_in_place() {
        let text = ics(&meeting(), Method::Request);
        assert!(text.lines().all(|l| l.len() <= 75), "{text}");
        assert!(text.contains("\r\n"));
        let text = unfold(&text);
        for line in [
            "METHOD:REQUEST",
            "UID:bk_1@kairos.test",
            "SEQUENCE:2",
            "DTSTAMP:20260601T080000Z",
            "DTSTART:20260602T090000Z",
            "DTEND:20260602T093000Z",
            "STATUS:CONFIRMED",
            "ORGANIZER;CN=\"Ana the host Lima\":mailto:ana@acme.test",
            "LOCATION:Room 1\\, Berlin",
            "DESCRIPTION:Agenda\\; first line\\nManage: https://k.test/m",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
        let attendee = text
            .lines()
            .find(|l| l.starts_with("ATTENDEE"))
            .expect("attendee");
        for part in [
            "CN=\"Doe, Jane\"",
            "PARTSTAT=NEEDS-ACTION",
            "RSVP=TRUE",
            "ROLE=REQ-PARTICIPANT",
        ] {
            assert!(attendee.contains(part), "{part} in {attendee}");
        }
        assert!(attendee.ends_with(":mailto:jane@example.com"), "{attendee}");
    }

    #[test]
    fn a_feed_publishes_each_meeting_and_marks_requests_tentative() {
        let text = unfold(&feed(
            "Ana, bookings",
            &[(meeting(), false), (meeting(), true)],
        ));
        assert!(text.contains("METHOD:PUBLISH\r\n"));
        assert!(text.contains("X-WR-CALNAME:Ana\\, bookings\r\n"), "{text}");
        assert_eq!(text.matches("BEGIN:VEVENT").count(), 2);
        assert!(text.contains("STATUS:CONFIRMED\r\n") && text.contains("STATUS:TENTATIVE\r\n"));
    }

    #[test]
    fn a_cancel_keeps_the_uid_and_says_cancelled() {
        let text = unfold(&ics(&meeting(), Method::Cancel));
        assert!(text.contains("METHOD:CANCEL\r\n"));
        assert!(text.contains("STATUS:CANCELLED\r\n"));
        assert!(text.contains("UID:bk_1@kairos.test\r\n"));
    }
}
