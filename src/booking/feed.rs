//! A host's private calendar feed: their bookings as an iCalendar
//! subscription (`webcal://`), for calendar apps Kairos does not write to.
//! The address carries a random token, stored as a hash; issuing a new one
//! turns the old address off.

use super::{BookingError, StoreRef, present};
use crate::domain::{BookingStatus, EventType, User, hash_secret, random_token};
use crate::i18n::Lang;
use crate::notify::{MeetingView, meeting};
use crate::store::BookingFilter;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// How far back and ahead a feed reaches, and how many bookings it holds.
const PAST_DAYS: i64 = 90;
const AHEAD_DAYS: i64 = 400;
const MOST: u32 = 1000;

/// A new feed token for the user (the old one stops working).
pub async fn issue_feed(
    store: StoreRef<'_>,
    organization_id: &str,
    user_id: &str,
) -> Result<String, BookingError> {
    let token = random_token(32);
    store
        .set_calendar_feed(organization_id, user_id, Some(&hash_secret(&token)))
        .await?;
    Ok(token)
}

/// Turns the user's feed off.
pub async fn revoke_feed(
    store: StoreRef<'_>,
    organization_id: &str,
    user_id: &str,
) -> Result<(), BookingError> {
    Ok(store
        .set_calendar_feed(organization_id, user_id, None)
        .await?)
}

/// The feed behind a token, as iCalendar text: the host's bookings that
/// stand (requests waiting for approval as tentative), from 90 days back.
pub async fn feed(
    store: StoreRef<'_>,
    token: &str,
    now: DateTime<Utc>,
) -> Result<String, BookingError> {
    if !crate::domain::looks_like_token(token) {
        return Err(BookingError::NotFound("feed"));
    }
    let host = store
        .user_by_calendar_feed(&hash_secret(token))
        .await?
        .ok_or(BookingError::NotFound("feed"))?;
    let org = &host.organization_id;
    let filter = BookingFilter {
        host: Some(host.id.clone()),
        from: Some(now - Duration::days(PAST_DAYS)),
        to: Some(now + Duration::days(AHEAD_DAYS)),
        limit: Some(MOST),
        ..BookingFilter::default()
    };
    let bookings = store.bookings(org, &filter).await?;
    let lang = host
        .input
        .language
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or(Lang::En);
    let mut event_types: HashMap<String, Option<EventType>> = HashMap::new();
    let mut users: HashMap<String, Option<User>> = HashMap::new();
    let mut meetings = Vec::new();
    for booking in &bookings {
        let tentative = match booking.status {
            BookingStatus::Accepted | BookingStatus::Completed | BookingStatus::NoShow => false,
            BookingStatus::Pending => true,
            BookingStatus::Cancelled | BookingStatus::Rejected => continue,
        };
        if !event_types.contains_key(&booking.event_type_id) {
            let found = present(store.event_type(org, &booking.event_type_id).await)?;
            event_types.insert(booking.event_type_id.clone(), found);
        }
        let mut hosts = Vec::new();
        for id in &booking.hosts {
            if !users.contains_key(id) {
                users.insert(id.clone(), present(store.user(org, id).await)?);
            }
            hosts.extend(users[id].clone());
        }
        let event_type = event_types[&booking.event_type_id].as_ref();
        let title = event_type.map_or("Meeting", |e| e.input.title.as_str());
        let view = MeetingView {
            booking,
            event_type,
            hosts: &hosts,
            lang,
            summary: lang.tf(
                "feed.summary",
                &[("title", title), ("name", &booking.invitee.name)],
            ),
            manage: None,
            uid: format!("{}@kairos", booking.uid),
            sequence: 0,
            now,
        };
        meetings.extend(meeting(&view).map(|m| (m, tentative)));
    }
    let name = lang.tf("feed.name", &[("name", &host.input.name)]);
    Ok(crate::mail::feed(&name, &meetings))
}
