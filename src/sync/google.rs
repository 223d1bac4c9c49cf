//! Google Calendar API v3 as a [`CalendarApi`]: calendarList, events.list
//! with `syncToken` (a 410 means a full resync), events insert/update/delete
//! with client-chosen ids, and `events.watch` channels.
//!
//! A thin typed client over reqwest rather than `google-calendar3`: the API
//! base must come from configuration (tests run the production client against
//! a local fake), and we need only these few endpoints with our own retry,
//! refresh and paging rules. See docs/ARCHITECTURE.md.
//!
//! Recurring series arrive as Google keeps them: a master with `recurrence`
//! lines and exceptions (moved or cancelled instances) as events of their own
//! with `recurringEventId` and `originalStartTime`. Each becomes a row holding
//! a small iCalendar `VEVENT` (exceptions with `RECURRENCE-ID`), sharing the
//! series key, so the engine expands the series and applies the exceptions.

use super::api::{CalendarApi, EventBody, SyncError};
use super::events::is_own_uid;
use super::rest::{RestClient, segment};
use crate::engine::ical::parse_calendar;
use crate::store::{CalendarDelta, PushChannel, RemoteCalendar, SyncedEvent};
use chrono::{DateTime, NaiveDate, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The private extended property naming the booking an event was written for.
const BOOKING_PROPERTY: &str = "kairosBooking";

pub struct GoogleApi {
    rest: RestClient,
}

/// The event id Kairos chooses for a booking (base32hex: `a`–`v`, `0`–`9`),
/// so a retried insert finds the event it already made.
pub fn event_id(booking_uid: &str) -> String {
    format!("kairos{}", hex::encode(booking_uid.as_bytes()))
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_string)
}

/// An iCalendar date or date-time property from a Google `start`/`end`.
fn ical_time(name: &str, time: &Value) -> Option<String> {
    if let Some(date) = time.get("date").and_then(Value::as_str) {
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
        return Some(format!("{name};VALUE=DATE:{}", date.format("%Y%m%d")));
    }
    let at = DateTime::parse_from_rfc3339(time.get("dateTime")?.as_str()?).ok()?;
    match time
        .get("timeZone")
        .and_then(Value::as_str)
        .and_then(|zone| zone.parse::<chrono_tz::Tz>().ok())
    {
        // Local time in the named zone: recurrences follow its DST rules.
        Some(zone) => Some(format!(
            "{name};TZID={}:{}",
            zone.name(),
            at.with_timezone(&zone).format("%Y%m%dT%H%M%S")
        )),
        None => Some(format!(
            "{name}:{}",
            at.with_timezone(&Utc).format("%Y%m%dT%H%M%SZ")
        )),
    }
}

fn instant(time: &Value) -> Option<DateTime<Utc>> {
    let text = time.get("dateTime")?.as_str()?;
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Whether the host declined this invitation.
fn declined_by_self(event: &Value) -> bool {
    event
        .get("attendees")
        .and_then(Value::as_array)
        .is_some_and(|attendees| {
            attendees.iter().any(|a| {
                a.get("self").and_then(Value::as_bool) == Some(true)
                    && a.get("responseStatus").and_then(Value::as_str) == Some("declined")
            })
        })
}

/// The booking Kairos wrote this event for, by its private property (or
/// the UID Kairos gives events elsewhere).
fn written_for(event: &Value) -> Option<String> {
    event
        .pointer(&format!("/extendedProperties/private/{BOOKING_PROPERTY}"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            text(event, "iCalUID")
                .filter(|uid| is_own_uid(uid))
                .map(|uid| {
                    uid.trim_end_matches(super::events::OWN_UID_SUFFIX)
                        .to_string()
                })
        })
}

/// What one Google event means for the host's busy time.
enum Reading {
    Busy(SyncedEvent),
    Gone(String),
}

fn read_event(event: &Value) -> Option<Reading> {
    let id = text(event, "id")?;
    let series = text(event, "recurringEventId");
    let cancelled = text(event, "status").as_deref() == Some("cancelled");
    let free =
        text(event, "transparency").as_deref() == Some("transparent") || declined_by_self(event);
    let Some(master) = series.clone() else {
        // A plain event or a series master.
        if cancelled || free {
            return Some(Reading::Gone(id));
        }
        let recurrence: Vec<String> = event
            .get("recurrence")
            .and_then(Value::as_array)
            .map(|lines| {
                lines
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let start = event.get("start")?;
        let end = event.get("end")?;
        if recurrence.is_empty()
            && let (Some(start), Some(end)) = (instant(start), instant(end))
        {
            return Some(Reading::Busy(SyncedEvent {
                external_id: id,
                series: None,
                start,
                end,
                ical: None,
                written_for: written_for(event),
            }));
        }
        // Exceptions join the master's row through the series key.
        let series = (!recurrence.is_empty()).then(|| id.clone());
        let mut lines = vec![
            format!("UID:{id}"),
            ical_time("DTSTART", start)?,
            ical_time("DTEND", end)?,
        ];
        lines.extend(recurrence);
        return vevent(id, series, lines, written_for(event));
    };
    // An exception: a moved, changed or cancelled instance of `master`.
    let original = event.get("originalStartTime")?;
    let mut lines = vec![
        format!("UID:{master}"),
        ical_time("RECURRENCE-ID", original)?,
    ];
    if cancelled {
        // Cancelled instances carry only their original time.
        lines.push(ical_time("DTSTART", original)?);
        lines.push("DURATION:PT0S".to_string());
        lines.push("STATUS:CANCELLED".to_string());
    } else {
        lines.push(ical_time("DTSTART", event.get("start")?)?);
        lines.push(ical_time("DTEND", event.get("end")?)?);
        if free {
            lines.push("TRANSP:TRANSPARENT".to_string());
        }
    }
    vevent(id, Some(master), lines, None)
}

fn vevent(
    id: String,
    series: Option<String>,
    lines: Vec<String>,
    written_for: Option<String>,
) -> Option<Reading> {
    // Each line is one content line: a line break inside one (an id or a
    // recurrence rule) would add lines of its own to the stored text.
    if lines.iter().any(|l| l.chars().any(char::is_control)) {
        return None;
    }
    let text = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\n{}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        lines.join("\r\n")
    );
    let span = parse_calendar(&text).ok()?.span()?;
    Some(Reading::Busy(SyncedEvent {
        external_id: id,
        series,
        start: span.start.to_utc(),
        end: span.end.to_utc(),
        ical: Some(text),
        written_for,
    }))
}

/// Google mails the attendees (`all`) only when it is the one to invite
/// them; otherwise Kairos's emails carry the invitation (`none`).
fn send_updates(notify: bool) -> &'static str {
    if notify { "all" } else { "none" }
}

impl GoogleApi {
    pub fn new(rest: RestClient) -> Self {
        GoogleApi { rest }
    }

    fn events_path(calendar: &str) -> String {
        format!("/calendars/{}/events", segment(calendar))
    }

    fn body(event: &EventBody, id: &str) -> Value {
        // The host (whose calendar it is, so Google makes them the
        // organizer) attends and has accepted.
        let (host_name, host_email) = &event.organizer;
        let mut attendees = vec![json!({"email": host_email, "displayName": host_name,
            "responseStatus": "accepted"})];
        attendees.extend(
            event
                .attendees
                .iter()
                .map(|(name, email)| json!({"email": email, "displayName": name})),
        );
        let mut body = json!({
            "id": id,
            "summary": event.title,
            "description": event.description,
            "start": {"dateTime": event.start.to_rfc3339(), "timeZone": event.timezone},
            "end": {"dateTime": event.end.to_rfc3339(), "timeZone": event.timezone},
            "attendees": attendees,
            "extendedProperties": {"private": {BOOKING_PROPERTY: event.booking_uid}},
            // A deleted event stays in Google as `cancelled` (its id cannot be
            // used again): writing the booking restores it.
            "status": "confirmed",
        });
        if let Some(location) = &event.location {
            body["location"] = json!(location);
        }
        if event.video {
            body["conferenceData"] = json!({
                "createRequest": {
                    "requestId": event.booking_uid,
                    "conferenceSolutionKey": {"type": "hangoutsMeet"}
                }
            });
        }
        body
    }

    /// The account's address (its primary calendar's id).
    pub async fn account(&self) -> Result<String, SyncError> {
        let primary = self
            .rest
            .json(Method::GET, "/calendars/primary", None, &[])
            .await?;
        text(&primary, "id")
            .ok_or_else(|| SyncError::Permanent("the primary calendar has no id".to_string()))
    }

    /// Opens a watch channel on a calendar's events.
    pub async fn watch(
        &self,
        calendar: &str,
        address: &str,
        channel_id: &str,
        token: &str,
    ) -> Result<PushChannel, SyncError> {
        let body =
            json!({"id": channel_id, "type": "web_hook", "address": address, "token": token});
        let answer = self
            .rest
            .json(
                Method::POST,
                &format!("{}/watch", Self::events_path(calendar)),
                Some(&body),
                &[],
            )
            .await?;
        let expires_at = text(&answer, "expiration")
            .and_then(|ms| ms.parse::<i64>().ok())
            .and_then(DateTime::from_timestamp_millis)
            .ok_or_else(|| SyncError::Permanent("watch answered without expiration".to_string()))?;
        Ok(PushChannel {
            id: channel_id.to_string(),
            resource: text(&answer, "resourceId").unwrap_or_default(),
            token: token.to_string(),
            expires_at,
        })
    }

    pub async fn stop(&self, channel: &PushChannel) -> Result<(), SyncError> {
        let body = json!({"id": channel.id, "resourceId": channel.resource});
        let answer = self
            .rest
            .send(Method::POST, "/channels/stop", Some(&body), &[])
            .await?;
        answer.removed()
    }
}

#[async_trait::async_trait]
impl CalendarApi for GoogleApi {
    async fn calendars(&self) -> Result<Vec<RemoteCalendar>, SyncError> {
        let mut calendars = Vec::new();
        let mut page: Option<String> = None;
        loop {
            let path = match &page {
                Some(token) => format!("/users/me/calendarList?pageToken={}", segment(token)),
                None => "/users/me/calendarList".to_string(),
            };
            let answer = self.rest.json(Method::GET, &path, None, &[]).await?;
            for item in answer["items"].as_array().into_iter().flatten() {
                let Some(id) = text(item, "id") else { continue };
                calendars.push(RemoteCalendar {
                    name: text(item, "summaryOverride")
                        .or_else(|| text(item, "summary"))
                        .unwrap_or_else(|| id.clone()),
                    primary: item.get("primary").and_then(Value::as_bool) == Some(true),
                    external_id: id,
                });
            }
            match text(&answer, "nextPageToken") {
                Some(next) => page = Some(next),
                None => return Ok(calendars),
            }
        }
    }

    async fn changes(
        &self,
        calendar: &str,
        token: Option<&str>,
    ) -> Result<CalendarDelta, SyncError> {
        let mut delta = CalendarDelta {
            full: token.is_none(),
            ..Default::default()
        };
        let mut page: Option<String> = None;
        loop {
            // singleEvents=false keeps series as series; cancelled instances
            // of a series come along (and, with a sync token, deletions).
            let mut path = format!(
                "{}?singleEvents=false&maxResults=250",
                Self::events_path(calendar)
            );
            if let Some(token) = token {
                path.push_str(&format!("&syncToken={}", segment(token)));
            }
            if let Some(page) = &page {
                path.push_str(&format!("&pageToken={}", segment(page)));
            }
            let answer = self.rest.send(Method::GET, &path, None, &[]).await?;
            if answer.status == StatusCode::GONE {
                return Err(SyncError::SyncTokenInvalid);
            }
            if !answer.status.is_success() {
                return Err(answer.error());
            }
            for item in answer.body["items"].as_array().into_iter().flatten() {
                match read_event(item) {
                    Some(Reading::Busy(event)) => delta.upserts.push(event),
                    Some(Reading::Gone(id)) => delta.removed.push(id),
                    None => {
                        let id = text(item, "id").unwrap_or_default();
                        tracing::warn!(event = %id, "skipping an event Kairos cannot read");
                    }
                }
            }
            if let Some(next) = text(&answer.body, "nextPageToken") {
                page = Some(next);
                continue;
            }
            delta.token = text(&answer.body, "nextSyncToken");
            return Ok(delta);
        }
    }

    async fn put_event(
        &self,
        calendar: &str,
        event: &EventBody,
        existing: Option<&str>,
    ) -> Result<String, SyncError> {
        let id = existing.map_or_else(|| event_id(&event.booking_uid), str::to_string);
        let item = format!(
            "{}/{}?conferenceDataVersion=1&sendUpdates={}",
            Self::events_path(calendar),
            segment(&id),
            send_updates(event.provider_invites)
        );
        let body = Self::body(event, &id);
        // An update patches what Kairos owns and leaves the conference be: a
        // `createRequest` on an existing event would make a new Meet link.
        let mut changes = body.clone();
        if let Some(fields) = changes.as_object_mut() {
            fields.remove("conferenceData");
            fields.remove("id");
        }
        if existing.is_some() {
            let answer = self
                .rest
                .send(Method::PATCH, &item, Some(&changes), &[])
                .await?;
            match answer.status {
                s if s.is_success() => return Ok(id),
                // Removed in the calendar meanwhile: write it anew below.
                StatusCode::NOT_FOUND | StatusCode::GONE => {}
                _ => return Err(answer.error()),
            }
        }
        let insert = format!(
            "{}?conferenceDataVersion=1&sendUpdates={}",
            Self::events_path(calendar),
            send_updates(event.provider_invites)
        );
        let answer = self
            .rest
            .send(Method::POST, &insert, Some(&body), &[])
            .await?;
        match answer.status {
            s if s.is_success() => Ok(id),
            // The id is taken: an earlier attempt made it. Bring it up to date.
            StatusCode::CONFLICT => {
                self.rest
                    .json(Method::PATCH, &item, Some(&changes), &[])
                    .await?;
                Ok(id)
            }
            _ => Err(answer.error()),
        }
    }

    async fn delete_event(
        &self,
        calendar: &str,
        event_id: &str,
        notify: bool,
    ) -> Result<(), SyncError> {
        let path = format!(
            "{}/{}?sendUpdates={}",
            Self::events_path(calendar),
            segment(event_id),
            send_updates(notify)
        );
        let answer = self.rest.send(Method::DELETE, &path, None, &[]).await?;
        answer.removed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moved_instance_is_found_at_its_original_time_too() {
        // Monday's instance moved to Friday: the row must reach back to Monday,
        // or a query for Monday alone would miss the override and show it busy.
        let event = json!({ "id": "weekly_20260601T080000Z", "status": "confirmed", "recurringEventId": "weekly",
            "originalStartTime": { "dateTime": "2026-06-01T10:00:00+02:00", "timeZone": "Europe/Berlin" },
            "start": { "dateTime": "2026-06-05T10:00:00+02:00", "timeZone": "Europe/Berlin" },
            "end": { "dateTime": "2026-06-05T11:00:00+02:00", "timeZone": "Europe/Berlin" } });
        let Some(Reading::Busy(row)) = read_event(&event) else {
            panic!("an exception is a busy row");
        };
        assert_eq!(row.series.as_deref(), Some("weekly"));
        let original: DateTime<Utc> = "2026-06-01T08:00:00Z".parse().expect("instant");
        let moved_end: DateTime<Utc> = "2026-06-05T09:00:00Z".parse().expect("instant");
        assert!(row.start <= original && row.end >= moved_end, "{row:?}");
        let cancelled = json!({ "id": "weekly_x", "status": "cancelled", "recurringEventId": "weekly",
            "originalStartTime": { "dateTime": "2026-06-08T10:00:00+02:00" } });
        assert!(
            matches!(read_event(&cancelled), Some(Reading::Busy(row)) if row.ical.as_deref().is_some_and(|t| t.contains("STATUS:CANCELLED")))
        );
        let smuggled = json!({ "id": "s", "status": "confirmed",
            "recurrence": ["RRULE:FREQ=DAILY\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:x"],
            "start": { "dateTime": "2026-06-01T10:00:00Z" }, "end": { "dateTime": "2026-06-01T11:00:00Z" } });
        assert!(
            read_event(&smuggled).is_none(),
            "not read, so skipped with a warning"
        );
        let free = json!({ "id": "f", "status": "confirmed", "transparency": "transparent",
            "start": { "dateTime": "2026-06-01T10:00:00Z" }, "end": { "dateTime": "2026-06-01T11:00:00Z" } });
        assert!(matches!(read_event(&free), Some(Reading::Gone(id)) if id == "f"));
    }
}
