//! Provider events as busy rows, and bookings as iCalendar events.
//!
//! What is not counted: events Kairos wrote for its own bookings (the booking
//! already holds the time; counting it again would eat group seats and
//! buffers), and invitations the host declined. Free (transparent) and
//! cancelled events are kept as the provider gives them; the engine counts
//! them as not busy.

use super::api::EventBody;
use crate::engine::ical::parse_calendar;
use crate::engine::{Instant, Interval, Zone};
use crate::store::SyncedEvent;
use chrono::{DateTime, Utc};

/// The `UID` suffix of events Kairos writes for bookings.
pub const OWN_UID_SUFFIX: &str = "@kairos.booking";

/// The property naming the booking an event stands for now (its `UID` names
/// the booking it was first written for, which a reschedule replaced).
const BOOKING_PROPERTY: &str = "X-KAIROS-BOOKING";

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
    let own = !calendar.series.is_empty() && calendar.series.iter().all(|s| is_own_uid(&s.uid));
    let written_for = own
        .then(|| {
            booking_property(text).or_else(|| {
                calendar
                    .series
                    .first()
                    .and_then(|s| s.uid.strip_suffix(OWN_UID_SUFFIX))
                    .map(str::to_string)
            })
        })
        .flatten();
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

/// The booking `X-KAIROS-BOOKING` names, if any.
fn booking_property(text: &str) -> Option<String> {
    unfolded(text).into_iter().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case(BOOKING_PROPERTY)
            .then(|| value.trim().to_string())
            .filter(|v| !v.is_empty())
    })
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

/// RFC 5545 TEXT escaping (§3.3.11): backslash, semicolon, comma and line
/// breaks (CRLF, CR or LF, each one `\n`). Other control characters are not
/// allowed in TEXT and are dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value (`CN`) as a quoted string (§3.1): no `"` and no control
/// characters are possible inside one, so those become `'` and spaces.
fn quoted_param(text: &str) -> String {
    let inner: String = text
        .chars()
        .map(|c| match c {
            '"' => '\'',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    format!("\"{inner}\"")
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
/// `resource_uid` is the booking the event was first written for: a moved
/// event keeps its `UID` (servers refuse a resource whose UID changes),
/// while `X-KAIROS-BOOKING` names the booking it stands for now.
pub fn booking_ical(event: &EventBody, resource_uid: &str, stamp: DateTime<Utc>) -> String {
    let (host_name, host_email) = &event.organizer;
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//Kairos//Scheduling//EN".to_string(),
        "BEGIN:VEVENT".to_string(),
        format!("UID:{}", own_uid(resource_uid)),
        format!("DTSTAMP:{}", utc(stamp)),
        format!("DTSTART:{}", utc(event.start)),
        format!("DTEND:{}", utc(event.end)),
        format!("SUMMARY:{}", escape(&event.title)),
        // SCHEDULE-AGENT=CLIENT (RFC 6638) throughout: the server sends no
        // invitations or replies of its own, as sendUpdates=none at Google.
        format!(
            "ORGANIZER;CN={};SCHEDULE-AGENT=CLIENT:mailto:{host_email}",
            quoted_param(host_name)
        ),
        // The host, who set the time, has accepted it.
        format!(
            "ATTENDEE;CN={};ROLE=CHAIR;PARTSTAT=ACCEPTED;SCHEDULE-AGENT=CLIENT:mailto:{host_email}",
            quoted_param(host_name)
        ),
    ];
    if !event.description.is_empty() {
        lines.push(format!("DESCRIPTION:{}", escape(&event.description)));
    }
    if let Some(location) = &event.location {
        lines.push(format!("LOCATION:{}", escape(location)));
    }
    for (name, email) in &event.attendees {
        lines.push(format!(
            "ATTENDEE;CN={};ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;SCHEDULE-AGENT=CLIENT:mailto:{email}",
            quoted_param(name)
        ));
    }
    lines.extend([
        "STATUS:CONFIRMED".to_string(),
        "TRANSP:OPAQUE".to_string(),
        format!("{BOOKING_PROPERTY}:{}", escape(&event.booking_uid)),
        "END:VEVENT".to_string(),
        "END:VCALENDAR".to_string(),
    ]);
    let mut out = String::new();
    for line in &lines {
        fold(line, &mut out);
    }
    out
}

/// Whether an event repeats (RRULE or RDATE).
fn recurs(calendar: &crate::engine::Calendar) -> bool {
    calendar
        .series
        .iter()
        .flat_map(|s| &s.masters)
        .any(|m| m.rule.is_some() || !m.rdates.is_empty())
}

/// A span of time, `[start, end)`.
pub type Span = (DateTime<Utc>, DateTime<Utc>);

/// The busy time of an event Kairos wrote that lies outside its booking's
/// time `held` (none: the booking holds no time), as a row of its own; `None`
/// when the event holds nothing beyond the booking. Also returns the span of
/// the event's busy time (`None`: it holds none), to tell whether the host
/// moved or stretched it. One the host made recur is theirs, whole: its
/// series may run for ever, so it is not taken apart (and no span is told).
pub fn outside_booking(
    event: &SyncedEvent,
    held: Option<Span>,
) -> (Option<SyncedEvent>, Option<Span>) {
    let busy: Vec<Span> = match &event.ical {
        None => vec![(event.start, event.end)],
        Some(text) => match parse_calendar(text) {
            Ok(calendar) if recurs(&calendar) => {
                let whole = SyncedEvent {
                    written_for: None,
                    ..event.clone()
                };
                return (Some(whole), None);
            }
            Ok(calendar) => {
                let window =
                    Interval::new(Instant::from_utc(event.start), Instant::from_utc(event.end));
                let mut occurrences = Vec::new();
                // A series over budget counts busy over its span (returned
                // as an occurrence), so nothing here is silently free.
                calendar.busy(
                    &Zone::UTC,
                    window,
                    &mut occurrences,
                    &mut crate::engine::limits::Budget::for_query(),
                );
                occurrences
                    .iter()
                    .map(|o| (o.interval.start.to_utc(), o.interval.end.to_utc()))
                    .collect()
            }
            // Stored only if it parsed; should it not, its bounds count.
            Err(_) => vec![(event.start, event.end)],
        },
    };
    let span = busy
        .iter()
        .map(|b| b.0)
        .min()
        .zip(busy.iter().map(|b| b.1).max());
    let mut pieces = Vec::new();
    for (start, end) in busy {
        match held {
            Some((from, to)) if from < end && start < to => {
                if start < from {
                    pieces.push((start, from));
                }
                if to < end {
                    pieces.push((to, end));
                }
            }
            _ => pieces.push((start, end)),
        }
    }
    if pieces.is_empty() {
        return (None, span);
    }
    let mut text =
        String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kairos//Scheduling//EN\r\n");
    for (i, (start, end)) in pieces.iter().enumerate() {
        text.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:outside-booking-{i}\r\nDTSTART:{}\r\nDTEND:{}\r\nEND:VEVENT\r\n",
            utc(*start),
            utc(*end)
        ));
    }
    text.push_str("END:VCALENDAR\r\n");
    let row = SyncedEvent {
        external_id: event.external_id.clone(),
        series: event.series.clone(),
        start: pieces.iter().map(|p| p.0).min().unwrap_or(event.start),
        end: pieces.iter().map(|p| p.1).max().unwrap_or(event.end),
        ical: Some(text),
        written_for: None,
    };
    (Some(row), span)
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
            organizer: ("Ana".to_string(), ME.to_string()),
            attendees: vec![("Bo".to_string(), "bo@example.com".to_string())],
            video: false,
            timezone: "UTC".to_string(),
            provider_invites: false,
        };
        let own = booking_ical(&body, "bk1", body.start);
        assert!(own.contains("SUMMARY:Intro\\, with\\; care"), "{own}");
        let mine = from_ical("bk1.ics", &own, &me)
            .expect("parses")
            .expect("a row");
        assert_eq!(mine.written_for.as_deref(), Some("bk1"));
        assert!(plain.expect("a row").written_for.is_none());
    }

    fn body(name: &str) -> EventBody {
        EventBody {
            booking_uid: "bk2".to_string(),
            title: format!("Intro with {name}"),
            description: format!("Invitee: {name}\r\nTopic: a\\b; c, d\re"),
            location: None,
            start: "2026-06-01T09:00:00Z".parse().expect("instant"),
            end: "2026-06-01T09:30:00Z".parse().expect("instant"),
            organizer: ("Ana \"A\" Host".to_string(), ME.to_string()),
            attendees: vec![(name.to_string(), "bo@example.com".to_string())],
            video: false,
            timezone: "UTC".to_string(),
            provider_invites: false,
        }
    }

    /// Content lines (unfolded): every physical line ends in CRLF, is at most
    /// 75 octets, and the text has no bare CR or LF.
    fn content_lines(ical: &str) -> Vec<String> {
        assert!(ical.ends_with("\r\n"));
        for line in ical.split_terminator("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
            assert!(!line.contains(['\r', '\n']), "{line:?}");
        }
        unfolded(ical)
    }

    #[test]
    fn written_events_are_escaped_folded_and_name_their_parties() {
        let name = "Bo\nX-INJECTED:1;\u{7}Ünïcødé ".repeat(4);
        let ical = booking_ical(
            &body(&name),
            "first",
            "2026-05-01T00:00:00Z".parse().expect("t"),
        );
        let lines = content_lines(&ical);
        assert!(!lines.iter().any(|l| l.starts_with("X-INJECTED")), "{ical}");
        assert!(parse_calendar(&ical).is_ok(), "{ical}");
        let summary = lines
            .iter()
            .find(|l| l.starts_with("SUMMARY:"))
            .expect("summary");
        assert!(summary.contains("Bo\\nX-INJECTED:1\\;Ünïcødé"), "{summary}");
        let description = lines
            .iter()
            .find(|l| l.starts_with("DESCRIPTION:"))
            .expect("d");
        assert!(
            description.ends_with("Topic: a\\\\b\\; c\\, d\\ne"),
            "{description}"
        );
        assert!(lines.contains(&format!(
            "ORGANIZER;CN=\"Ana 'A' Host\";SCHEDULE-AGENT=CLIENT:mailto:{ME}"
        )));
        assert!(
            lines.iter().any(|l| l
                .starts_with("ATTENDEE;CN=\"Ana 'A' Host\";ROLE=CHAIR;PARTSTAT=ACCEPTED")
                && l.ends_with(&format!(":mailto:{ME}"))),
            "the host attends: {ical}"
        );
        let invitee = lines
            .iter()
            .find(|l| l.ends_with(":mailto:bo@example.com"))
            .expect("invitee");
        assert!(
            invitee.starts_with("ATTENDEE;CN=\"Bo X-INJECTED:1; Ünïcødé"),
            "{invitee}"
        );
        // Moved to another booking: the UID stays, the booking property follows.
        assert!(lines.contains(&"UID:first@kairos.booking".to_string()));
        assert!(lines.contains(&"X-KAIROS-BOOKING:bk2".to_string()));
        let row = from_ical("first.ics", &ical, &[])
            .expect("parses")
            .expect("row");
        assert_eq!(row.written_for.as_deref(), Some("bk2"));
        // Folding never splits a character, wherever the boundary falls.
        for pad in 0..4 {
            let title = format!("{}{}", "x".repeat(pad), "é€😀".repeat(30));
            let mut event = body("Bo");
            event.title = title.clone();
            let ical = booking_ical(&event, "first", event.start);
            let lines = content_lines(&ical);
            assert!(lines.contains(&format!("SUMMARY:{title}")), "{ical}");
        }
    }

    #[test]
    fn an_own_event_counts_only_beyond_its_booking() {
        let at = |t: &str| t.parse::<DateTime<Utc>>().expect("instant");
        let held = Some((at("2026-06-01T10:00:00Z"), at("2026-06-01T10:30:00Z")));
        let plain = |start: &str, end: &str| SyncedEvent {
            external_id: "e".to_string(),
            series: None,
            start: at(start),
            end: at(end),
            ical: None,
            written_for: Some("bk".to_string()),
        };
        let same = plain("2026-06-01T10:00:00Z", "2026-06-01T10:30:00Z");
        assert_eq!(outside_booking(&same, held), (None, held));
        // Moved to 12:00: all of it is the host's.
        let moved = plain("2026-06-01T12:00:00Z", "2026-06-01T12:30:00Z");
        let (row, span) = outside_booking(&moved, held);
        let row = row.expect("busy");
        assert_eq!((row.start, row.end), (moved.start, moved.end));
        assert_eq!(span, Some((moved.start, moved.end)));
        assert!(row.written_for.is_none());
        // Stretched on both sides: the two ends are busy, the booking's part not.
        let longer = plain("2026-06-01T09:45:00Z", "2026-06-01T11:00:00Z");
        let row = outside_booking(&longer, held).0.expect("busy");
        let calendar = parse_calendar(row.ical.as_deref().expect("ical")).expect("parses");
        let mut busy = Vec::new();
        let window = Interval::new(Instant::from_utc(row.start), Instant::from_utc(row.end));
        calendar.busy(
            &Zone::UTC,
            window,
            &mut busy,
            &mut crate::engine::limits::Budget::for_query(),
        );
        let busy: Vec<(String, String)> = busy
            .iter()
            .map(|o| (o.interval.start.rfc3339(), o.interval.end.rfc3339()))
            .collect();
        assert_eq!(
            busy,
            [
                (
                    "2026-06-01T09:45:00Z".to_string(),
                    "2026-06-01T10:00:00Z".to_string()
                ),
                (
                    "2026-06-01T10:30:00Z".to_string(),
                    "2026-06-01T11:00:00Z".to_string()
                ),
            ]
        );
        // From iCalendar (CalDAV), moved by the host in their zone.
        let text = booking_ical(&body("Bo"), "bk2", at("2026-05-01T00:00:00Z")).replace(
            "DTSTART:20260601T090000Z\r\nDTEND:20260601T093000Z",
            "DTSTART;TZID=Europe/Berlin:20260601T140000\r\nDTEND;TZID=Europe/Berlin:20260601T143000",
        );
        let synced = from_ical("bk2.ics", &text, &[])
            .expect("parses")
            .expect("row");
        let recurring = SyncedEvent {
            ical: synced
                .ical
                .as_ref()
                .map(|t| t.replace("STATUS:CONFIRMED", "RRULE:FREQ=DAILY\r\nSTATUS:CONFIRMED")),
            ..synced.clone()
        };
        let (whole, span) = outside_booking(&recurring, held);
        assert_eq!(span, None);
        assert!(whole.is_some_and(|w| w.ical == recurring.ical && w.written_for.is_none()));
        let (row, span) = outside_booking(&synced, held);
        assert!(row.is_some());
        assert_eq!(
            span,
            Some((at("2026-06-01T12:00:00Z"), at("2026-06-01T12:30:00Z")))
        );
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
        assert!(busy.start.to_rfc3339().as_str() <= "2026-12-01T10:00:00+00:00");
        assert!(busy.end.to_rfc3339().as_str() >= "2026-12-01T11:00:00+00:00");
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
