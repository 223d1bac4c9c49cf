//! Microsoft Graph (Outlook, Microsoft 365) as a [`CalendarApi`]:
//! `/me/calendars`, `calendarView/delta` with `@odata.deltaLink` (removed
//! events come as `@removed`), events created with a `transactionId` so a
//! retried create makes no second event, and change-notification
//! subscriptions.
//!
//! A thin typed client over reqwest rather than `graph-rs-sdk`: that crate
//! has seen no release since 2025, brings a second http/tower stack, and its
//! base URL and delta paging do not fit our fakes and retry rules.
//!
//! Graph's delta works on a calendar *view*, a window of expanded instances:
//! a recurring series arrives as its occurrences (already with exceptions and
//! cancellations applied by Exchange), each stored as a plain busy row. The
//! window starts a day back and reaches [`WINDOW_DAYS`] ahead; the stored
//! token remembers when it was opened, and a week later a full resync moves
//! the window forward.

use super::api::{CalendarApi, EventBody, SyncError};
use super::rest::{RestClient, segment};
use crate::store::{CalendarDelta, PushChannel, RemoteCalendar, SyncedEvent};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// How far ahead the synced window reaches.
pub const WINDOW_DAYS: i64 = 400;
/// How long one window is used before a full resync opens a new one.
const WINDOW_REFRESH_DAYS: i64 = 7;
/// Graph subscriptions on events last at most about three days.
const SUBSCRIPTION_MINUTES: i64 = 4230;

pub struct GraphApi {
    rest: RestClient,
    now: DateTime<Utc>,
}

/// What Graph subscriptions watch: every event of the account.
pub const EVENTS_RESOURCE: &str = "/me/events";

/// The `transactionId` of a booking's event.
pub fn transaction_id(booking_uid: &str) -> String {
    format!("kairos-{booking_uid}")
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_string)
}

/// A Graph `dateTimeTimeZone`; Kairos asks for UTC (`Prefer: outlook.timezone`).
fn instant(time: &Value) -> Option<DateTime<Utc>> {
    let text = time.get("dateTime")?.as_str()?;
    let zone = time
        .get("timeZone")
        .and_then(Value::as_str)
        .unwrap_or("UTC");
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    if zone.eq_ignore_ascii_case("UTC") {
        return Some(local.and_utc());
    }
    let zone = crate::engine::zones::by_tzid(zone)?;
    Some(crate::engine::Zone::Iana(zone).instant(local).to_utc())
}

/// The window's start, kept in the token as `<RFC 3339>|<delta link>`.
fn split_token(token: &str) -> Option<(DateTime<Utc>, &str)> {
    let (opened, link) = token.split_once('|')?;
    let opened = DateTime::parse_from_rfc3339(opened)
        .ok()?
        .with_timezone(&Utc);
    Some((opened, link))
}

fn read_event(event: &Value, delta: &mut CalendarDelta) {
    let Some(id) = text(event, "id") else { return };
    if event.get("@removed").is_some() {
        delta.removed.push(id);
        return;
    }
    let free = matches!(
        text(event, "showAs").as_deref(),
        Some("free" | "workingElsewhere")
    );
    let cancelled = event.get("isCancelled").and_then(Value::as_bool) == Some(true);
    let declined = event
        .pointer("/responseStatus/response")
        .and_then(Value::as_str)
        == Some("declined");
    let written_for =
        text(event, "transactionId").and_then(|t| t.strip_prefix("kairos-").map(str::to_string));
    // A series master holds no time of its own in a calendar view.
    let master = text(event, "type").as_deref() == Some("seriesMaster");
    let times = event
        .get("start")
        .and_then(instant)
        .zip(event.get("end").and_then(instant));
    match times {
        Some((start, end)) if !(free || cancelled || declined || master) => {
            delta.upserts.push(SyncedEvent {
                external_id: id,
                series: None,
                start,
                end,
                ical: None,
                written_for,
            });
        }
        _ => delta.removed.push(id),
    }
}

/// Whether an error answer says the delta link is no longer valid: Graph
/// documents "a 40X-series error with error codes such as
/// `syncStateNotFound`" (and `resyncRequired`), in varying casings.
fn delta_expired(body: &Value) -> bool {
    let code = body["error"]["code"].as_str().unwrap_or_default();
    ["syncstatenotfound", "resyncrequired", "syncstateinvalid"]
        .iter()
        .any(|known| code.eq_ignore_ascii_case(known))
}

impl GraphApi {
    pub fn new(rest: RestClient, now: DateTime<Utc>) -> Self {
        GraphApi { rest, now }
    }

    const PREFER: (&'static str, &'static str) =
        ("Prefer", "outlook.timezone=\"UTC\", odata.maxpagesize=100");

    /// The event as Graph takes it. `transactionId` only on create: Graph
    /// keeps the first one and refuses a change.
    fn body(event: &EventBody, create: bool) -> Value {
        // Graph mails every attendee of an event it holds: the invitee is
        // one only when the calendar is to invite them.
        let attendees: Vec<Value> = event
            .attendees
            .iter()
            .filter(|_| event.provider_invites)
            .map(|(name, email)| {
                json!({"emailAddress": {"address": email, "name": name}, "type": "required"})
            })
            .collect();
        let time = |at: DateTime<Utc>| json!({"dateTime": at.format("%Y-%m-%dT%H:%M:%S").to_string(), "timeZone": "UTC"});
        let mut body = json!({
            "subject": event.title,
            "body": {"contentType": "text", "content": event.description},
            "start": time(event.start),
            "end": time(event.end),
            "attendees": attendees,
            "showAs": "busy",
        });
        if create {
            body["transactionId"] = json!(transaction_id(&event.booking_uid));
        }
        if let Some(location) = &event.location {
            body["location"] = json!({"displayName": location});
        }
        body
    }

    /// The online meeting provider a calendar offers: its default, else the
    /// first it allows (`teamsForBusiness` for work accounts,
    /// `skypeForConsumer` for personal ones); `None` when it offers none.
    async fn meeting_provider(&self, calendar: &str) -> Result<Option<String>, SyncError> {
        let path = format!(
            "/me/calendars/{}?$select=allowedOnlineMeetingProviders,defaultOnlineMeetingProvider",
            segment(calendar)
        );
        let found = self.rest.json(Method::GET, &path, None, &[]).await?;
        let usable = |p: &&str| !p.is_empty() && *p != "unknown";
        let default = found["defaultOnlineMeetingProvider"]
            .as_str()
            .filter(usable);
        let allowed = found["allowedOnlineMeetingProviders"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .find(usable);
        Ok(default.or(allowed).map(str::to_string))
    }

    /// Asks for an online meeting where the calendar can make one.
    async fn with_meeting(
        &self,
        calendar: &str,
        event: &EventBody,
        mut body: Value,
    ) -> Result<Value, SyncError> {
        if event.video
            && let Some(provider) = self.meeting_provider(calendar).await?
        {
            body["isOnlineMeeting"] = json!(true);
            body["onlineMeetingProvider"] = json!(provider);
        }
        Ok(body)
    }

    /// The account's address.
    pub async fn account(&self) -> Result<String, SyncError> {
        let me = self.rest.json(Method::GET, "/me", None, &[]).await?;
        text(&me, "mail")
            .or_else(|| text(&me, "userPrincipalName"))
            .ok_or_else(|| SyncError::Permanent("/me has no mail or userPrincipalName".to_string()))
    }

    /// Subscribes to changes of the account's events: `/me/events`, the
    /// documented resource (one subscription serves every checked calendar;
    /// a notification makes the connection sync its checked calendars).
    pub async fn subscribe(
        &self,
        address: &str,
        lifecycle_address: &str,
        client_state: &str,
    ) -> Result<PushChannel, SyncError> {
        let resource = EVENTS_RESOURCE.to_string();
        let expires_at = self.now + Duration::minutes(SUBSCRIPTION_MINUTES);
        let body = json!({
            "changeType": "created,updated,deleted",
            "notificationUrl": address,
            // Without it, a subscription Outlook drops is believed live.
            "lifecycleNotificationUrl": lifecycle_address,
            "resource": resource,
            "expirationDateTime": expires_at.to_rfc3339(),
            "clientState": client_state,
        });
        let answer = self
            .rest
            .json(Method::POST, "/subscriptions", Some(&body), &[])
            .await?;
        let id = text(&answer, "id")
            .ok_or_else(|| SyncError::Permanent("subscription without id".to_string()))?;
        let expires_at = text(&answer, "expirationDateTime")
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map_or(expires_at, |t| t.with_timezone(&Utc));
        Ok(PushChannel {
            id,
            resource,
            token: client_state.to_string(),
            expires_at,
        })
    }

    pub async fn unsubscribe(&self, channel: &PushChannel) -> Result<(), SyncError> {
        let path = format!("/subscriptions/{}", segment(&channel.id));
        let answer = self.rest.send(Method::DELETE, &path, None, &[]).await?;
        answer.removed()
    }
}

#[async_trait::async_trait]
impl CalendarApi for GraphApi {
    async fn calendars(&self) -> Result<Vec<RemoteCalendar>, SyncError> {
        let mut calendars = Vec::new();
        let mut next = "/me/calendars".to_string();
        loop {
            let answer = self.rest.json(Method::GET, &next, None, &[]).await?;
            for item in answer["value"].as_array().into_iter().flatten() {
                let Some(id) = text(item, "id") else { continue };
                calendars.push(RemoteCalendar {
                    name: text(item, "name").unwrap_or_else(|| id.clone()),
                    primary: item.get("isDefaultCalendar").and_then(Value::as_bool) == Some(true),
                    external_id: id,
                });
            }
            match text(&answer, "@odata.nextLink") {
                Some(link) => next = link,
                None => return Ok(calendars),
            }
        }
    }

    async fn changes(
        &self,
        calendar: &str,
        token: Option<&str>,
    ) -> Result<CalendarDelta, SyncError> {
        let current = token
            .and_then(split_token)
            .filter(|(opened, _)| *opened > self.now - Duration::days(WINDOW_REFRESH_DAYS));
        let (opened, mut next) = match current {
            Some((opened, link)) => (opened, link.to_string()),
            None => {
                let from = self.now - Duration::days(1);
                let to = self.now + Duration::days(WINDOW_DAYS);
                let path = format!(
                    "/me/calendars/{}/calendarView/delta?startDateTime={}&endDateTime={}",
                    segment(calendar),
                    segment(&from.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
                    segment(&to.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
                );
                (self.now, path)
            }
        };
        let mut delta = CalendarDelta {
            full: current.is_none(),
            ..Default::default()
        };
        loop {
            let answer = self
                .rest
                .send(Method::GET, &next, None, &[Self::PREFER])
                .await?;
            let expired = answer.status == StatusCode::GONE
                || (answer.status.is_client_error() && delta_expired(&answer.body));
            if expired && current.is_some() {
                return Err(SyncError::SyncTokenInvalid);
            }
            if !answer.status.is_success() {
                return Err(answer.error());
            }
            for item in answer.body["value"].as_array().into_iter().flatten() {
                read_event(item, &mut delta);
            }
            if let Some(link) = text(&answer.body, "@odata.nextLink") {
                next = link;
                continue;
            }
            let link = text(&answer.body, "@odata.deltaLink").ok_or_else(|| {
                SyncError::Permanent("delta ended without @odata.deltaLink".to_string())
            })?;
            delta.token = Some(format!("{}|{link}", opened.to_rfc3339()));
            return Ok(delta);
        }
    }

    async fn put_event(
        &self,
        calendar: &str,
        event: &EventBody,
        existing: Option<&str>,
    ) -> Result<String, SyncError> {
        if let Some(id) = existing {
            let body = self
                .with_meeting(calendar, event, Self::body(event, false))
                .await?;
            let path = format!("/me/events/{}", segment(id));
            let answer = self
                .rest
                .send(Method::PATCH, &path, Some(&body), &[])
                .await?;
            match answer.status {
                s if s.is_success() => return Ok(id.to_string()),
                StatusCode::NOT_FOUND => {}
                _ => return Err(answer.error()),
            }
        }
        let path = format!("/me/calendars/{}/events", segment(calendar));
        let body = self
            .with_meeting(calendar, event, Self::body(event, true))
            .await?;
        let created = self
            .rest
            .json(Method::POST, &path, Some(&body), &[])
            .await?;
        text(&created, "id")
            .ok_or_else(|| SyncError::Permanent("created event has no id".to_string()))
    }

    /// Graph cancels a meeting with its attendees itself when its organizer
    /// deletes it; Kairos's events have attendees only when the calendar
    /// invites (`provider_invites`), so `notify` needs nothing more here.
    async fn delete_event(
        &self,
        _calendar: &str,
        event_id: &str,
        _notify: bool,
    ) -> Result<(), SyncError> {
        let path = format!("/me/events/{}", segment(event_id));
        let answer = self.rest.send(Method::DELETE, &path, None, &[]).await?;
        answer.removed()
    }
}
