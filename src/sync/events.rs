//! Provider events as busy rows, and bookings as iCalendar events.
//!
//! What is not counted: events Kairos wrote for its own bookings (the booking
//! already holds the time; counting it again would eat group seats and
//! buffers), and invitations the host declined. Free (transparent) and
//! cancelled events are kept as the provider gives them; the engine counts
//! them as not busy.

use super::api::EventBody;
use crate::engine::ical::parse_calendar;
use crate::store::SyncedEvent;
use chrono::{DateTime, Utc};

/// The `UID` suffix of events Kairos writes for bookings.
pub const OWN_UID_SUFFIX: &str = "@kairos.booking";

/// The `UID` Kairos gives a booking's event.
pub fn own_uid(booking_uid: &str) -> String {
    format!("{booking_uid}{OWN_UID_SUFFIX}")
}

pub fn is_own_uid(uid: &str) -> bool {
    uid.ends_with(OWN_UID_SUFFIX)
}

/// One iCalendar object (a CalDAV resource) as a busy row; `None` when it
/// does not make the host busy (a declined invitation). An event Kairos
/// wrote says for which booking (`written_for`).
/// `self_emails` are the host's addresses, to recognize their attendance.
pub fn from_ical(
    external_id: &str,
    text: &str,
    self_emails: &[String],
) -> Result<Option<SyncedEvent>, String> {
    let calendar = parse_calendar(text).map_err(|e| e.to_string())?;
    let written_for = calendar
        .series
        .first()
        .and_then(|s| s.uid.strip_suffix(OWN_UID_SUFFIX))
        .filter(|_| calendar.series.iter().all(|s| is_own_uid(&s.uid)))
        .map(str::to_string);
    if declined(text, self_emails) {
        return Ok(None);
    }
    let Some(span) = calendar.span() else {
        return Ok(None);
    };
    Ok(Some(SyncedEvent {
        external_id: external_id.to_string(),
        series: None,
        start: span.start.to_utc(),
        end: span.end.to_utc(),
        ical: Some(text.to_string()),
        written_for,
    }))
}

/// An object Kairos cannot read (malformed, or over a limit) still holds
/// time in the host's calendar: it becomes a plain busy row over the widest
/// bounds its date values allow, never silently free. Every date found in a
/// time property counts; a rule without `UNTIL` makes it endless. `None` when
/// no date can be found at all.
pub fn unreadable_bounds(external_id: &str, text: &str) -> Option<SyncedEvent> {
    use crate::engine::Instant;
    use crate::engine::calendar::FOREVER;
    let mut first: Option<chrono::NaiveDate> = None;
    let mut last: Option<chrono::NaiveDate> = None;
    let mut endless = false;
    let mut note = |date: chrono::NaiveDate| {
        first = Some(first.map_or(date, |f| f.min(date)));
        last = Some(last.map_or(date, |l| l.max(date)));
    };
    for line in unfolded(text) {
        let name_end = line.find([';', ':']).unwrap_or(line.len());
        let name = line[..name_end].to_ascii_uppercase();
        let value = line.rsplit_once(':').map_or("", |(_, v)| v);
        match name.as_str() {
            "DTSTART" | "DTEND" | "RECURRENCE-ID" | "RDATE" | "DUE" => {
                value.split(',').filter_map(date_prefix).for_each(&mut note);
            }
            "RRULE" => {
                let until = value
                    .split(';')
                    .find_map(|part| part.trim().strip_prefix("UNTIL="))
                    .and_then(date_prefix);
                match until {
                    Some(date) => note(date),
                    None => endless = true,
                }
            }
            _ => {}
        }
    }
    let (first, last) = (first?, last?);
    let start =
        Instant::from_naive_utc(first.and_time(chrono::NaiveTime::MIN)).plus_seconds(-2 * 86_400);
    let end = if endless {
        FOREVER
    } else {
        Instant::from_naive_utc(last.and_time(chrono::NaiveTime::MIN)).plus_seconds(3 * 86_400)
    };
    Some(SyncedEvent {
        external_id: external_id.to_string(),
        series: None,
        start: start.to_utc(),
        end: end.max(start).to_utc(),
        ical: None,
        written_for: None,
    })
}

/// The date at the start of a DATE or DATE-TIME value (`20261201`, `20261201T…`).
fn date_prefix(value: &str) -> Option<chrono::NaiveDate> {
    let digits = value.trim().get(..8)?;
    chrono::NaiveDate::parse_from_str(digits, "%Y%m%d").ok()
}

/// Lines with continuation lines joined (RFC 5545 §3.1).
fn unfolded(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for raw in text.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match (raw.strip_prefix([' ', '\t']), lines.last_mut()) {
            (Some(rest), Some(last)) => last.push_str(rest),
            _ => lines.push(raw.to_string()),
        }
    }
    lines
}

/// Whether the host is an attendee who declined (and accepted nowhere in it).
fn declined(text: &str, self_emails: &[String]) -> bool {
    let mut declined = false;
    for line in unfolded(text) {
        if !line.to_ascii_uppercase().starts_with("ATTENDEE") {
            continue;
        }
        // The value starts at the first ':' outside a quoted parameter.
        let mut quoted = false;
        let Some(colon) = line.char_indices().find_map(|(i, c)| {
            if c == '"' {
                quoted = !quoted;
            }
            (c == ':' && !quoted).then_some(i)
        }) else {
            continue;
        };
        let (params, value) = (&line[..colon], &line[colon + 1..]);
        let address = value.trim().to_ascii_lowercase();
        let address = address.strip_prefix("mailto:").unwrap_or(&address);
        if !self_emails.iter().any(|e| e.eq_ignore_ascii_case(address)) {
            continue;
        }
        if params.to_ascii_uppercase().contains("PARTSTAT=DECLINED") {
            declined = true;
        } else {
            return false;
        }
    }
    declined
}

/// RFC 5545 TEXT escaping.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets, never inside a character.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A booking as an iCalendar object (what Kairos PUTs on CalDAV servers).
pub fn booking_ical(event: &EventBody, stamp: DateTime<Utc>) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//Kairos//Scheduling//EN".to_string(),
        "BEGIN:VEVENT".to_string(),
        format!("UID:{}", own_uid(&event.booking_uid)),
        format!("DTSTAMP:{}", utc(stamp)),
        format!("DTSTART:{}", utc(event.start)),
        format!("DTEND:{}", utc(event.end)),
        format!("SUMMARY:{}", escape(&event.title)),
    ];
    if !event.description.is_empty() {
        lines.push(format!("DESCRIPTION:{}", escape(&event.description)));
    }
    if let Some(location) = &event.location {
        lines.push(format!("LOCATION:{}", escape(location)));
    }
    for (name, email) in &event.attendees {
        let name = name.replace(['"', ';', ':', ','], " ");
        lines.push(format!(
            "ATTENDEE;CN=\"{name}\";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:{email}"
        ));
    }
    lines.extend([
        "STATUS:CONFIRMED".to_string(),
        "TRANSP:OPAQUE".to_string(),
        format!("X-KAIROS-BOOKING:{}", event.booking_uid),
        "END:VEVENT".to_string(),
        "END:VCALENDAR".to_string(),
    ]);
    let mut out = String::new();
    for line in &lines {
        fold(line, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "ana@example.com";

    fn event(extra: &str) -> String {
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x1\r\nDTSTART:20260601T090000Z\r\n\
             DTEND:20260601T100000Z\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
        )
    }

    #[test]
    fn declined_invitations_and_own_events_do_not_count() {
        let me = vec![ME.to_string()];
        let plain = from_ical("a.ics", &event(""), &me).expect("parses");
        assert!(plain.is_some());
        let plain = plain.clone();
        let declined = event("ATTENDEE;CN=Ana;PARTSTAT=DECLINED:mailto:ANA@example.com\r\n");
        assert_eq!(from_ical("a.ics", &declined, &me).expect("parses"), None);
        let folded = event("ATTENDEE;CN=Ana;PARTSTAT=DEC\r\n LINED:mailto:ana@example.com\r\n");
        assert_eq!(from_ical("a.ics", &folded, &me).expect("parses"), None);
        let others = event("ATTENDEE;PARTSTAT=DECLINED:mailto:bo@example.com\r\n");
        assert!(from_ical("a.ics", &others, &me).expect("parses").is_some());
        let accepted = event("ATTENDEE;PARTSTAT=ACCEPTED:mailto:ana@example.com\r\n");
        assert!(
            from_ical("a.ics", &accepted, &me)
                .expect("parses")
                .is_some()
        );
        let body = EventBody {
            booking_uid: "bk1".to_string(),
            title: "Intro, with; care".to_string(),
            description: "line one\nline two".to_string(),
            location: None,
            start: "2026-06-01T09:00:00Z".parse().expect("instant"),
            end: "2026-06-01T09:30:00Z".parse().expect("instant"),
            attendees: vec![("Bo".to_string(), "bo@example.com".to_string())],
            video: false,
            timezone: "UTC".to_string(),
        };
        let own = booking_ical(&body, body.start);
        assert!(own.contains("SUMMARY:Intro\\, with\\; care"), "{own}");
        let mine = from_ical("bk1.ics", &own, &me)
            .expect("parses")
            .expect("a row");
        assert_eq!(mine.written_for.as_deref(), Some("bk1"));
        assert!(plain.expect("a row").written_for.is_none());
    }

    #[test]
    fn rows_span_their_whole_series() {
        let weekly = event("RRULE:FREQ=WEEKLY;COUNT=3\r\n");
        let row = from_ical("w.ics", &weekly, &[])
            .expect("parses")
            .expect("busy");
        assert!(row.start <= "2026-06-01T09:00:00Z".parse::<DateTime<Utc>>().expect("t"));
        assert!(row.end >= "2026-06-15T10:00:00Z".parse::<DateTime<Utc>>().expect("t"));
        assert!(row.end < "2026-07-01T00:00:00Z".parse::<DateTime<Utc>>().expect("t"));
        let endless = event("RRULE:FREQ=DAILY\r\n");
        let row = from_ical("d.ics", &endless, &[])
            .expect("parses")
            .expect("busy");
        assert!(row.end.format("%Y").to_string() == "9000");
    }

    #[test]
    fn unreadable_objects_count_busy_over_their_dates() {
        // Nested 3,000 deep: refused by the parser, but its dates still hold time.
        let mut text = String::from(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20261201T100000Z\r\nDTEND:20261201T110000Z\r\n",
        );
        for _ in 0..3_000 {
            text.push_str("BEGIN:X\r\n");
        }
        for _ in 0..3_000 {
            text.push_str("END:X\r\n");
        }
        text.push_str("END:VEVENT\r\nEND:VCALENDAR\r\n");
        assert!(from_ical("deep.ics", &text, &[]).is_err());
        let busy = unreadable_bounds("deep.ics", &text).expect("has dates");
        assert!(busy.start.to_rfc3339() <= "2026-12-01T10:00:00+00:00".to_string());
        assert!(busy.end.to_rfc3339() >= "2026-12-01T11:00:00+00:00".to_string());
        assert_eq!(busy.ical, None);
        // A rule without UNTIL that cannot be read makes it endless.
        let endless = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20261201T100000Z\r\nDURATION:PT9999999999999999S\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        assert!(from_ical("huge.ics", endless, &[]).is_err());
        let busy = unreadable_bounds("huge.ics", endless).expect("has dates");
        assert_eq!(
            busy.end.timestamp(),
            crate::engine::calendar::FOREVER.seconds()
        );
        assert_eq!(unreadable_bounds("none.ics", "garbage"), None);
    }
}
