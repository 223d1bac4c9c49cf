//! The calendar-write effect: makes each host's calendar match a booking.
//!
//! It reads the booking as it is now, so it is safe to run late, twice, or
//! after a newer change: a booking that holds time has one event per host
//! (created in the host's destination calendar, or updated where it already
//! is); one that does not has none. A reschedule adopts the replaced
//! booking's events and moves them; hosts no longer on the booking lose
//! theirs. Provider writes are idempotent (stable ids), so a crash between a
//! write and its record makes no second event.

use super::api::{EventBody, SyncError};
use super::clients::{self, OpenApi};
use crate::app::App;
use crate::domain::{Booking, BookingStatus, EventType, Invitations, Location, answer_text};
use crate::store::{BookingEvent, StoreError};
use std::collections::HashMap;

fn store_error(e: StoreError) -> SyncError {
    SyncError::Temporary(format!("store: {e}"))
}

/// The host whose calendar receives an event: `(name, email, zone)`.
pub struct EventHost {
    pub name: String,
    pub email: String,
    pub zone: String,
}

/// The event a booking shows as in a host's calendar. Answers are listed
/// under their questions' labels, in the event type's order (an answer to a
/// question removed since keeps its id).
pub fn event_body(booking: &Booking, event_type: &EventType, host: &EventHost) -> EventBody {
    let input = &event_type.input;
    let mut description = String::new();
    if !input.description.is_empty() {
        description.push_str(&input.description);
        description.push_str("\n\n");
    }
    description.push_str(&format!(
        "Invitee: {} <{}>\nInvitee time zone: {}\n",
        booking.invitee.name,
        booking.invitee.email.as_str(),
        booking.invitee.timezone.as_str()
    ));
    let asked = input
        .questions
        .iter()
        .filter_map(|q| Some((q.label.as_str(), booking.answers.get(q.id.as_str())?)));
    let unknown = booking
        .answers
        .iter()
        .filter(|(id, _)| !input.questions.iter().any(|q| q.id.as_str() == id.as_str()))
        .map(|(id, answer)| (id.as_str(), answer));
    for (label, answer) in asked.chain(unknown) {
        if answer.is_null() {
            continue;
        }
        description.push_str(&format!("{label}: {}\n", answer_text(answer)));
    }
    description.push_str(&format!(
        "\nBooking {} (scheduled with Kairos)",
        booking.uid
    ));
    let (location, video) = match &input.location {
        Location::Unspecified => (None, false),
        Location::InPerson { address } => (Some(address.clone()), false),
        Location::Phone { number } => (Some(number.clone()), false),
        Location::Video { url } => (Some(url.clone()), false),
        Location::ProviderVideo => (None, true),
    };
    let mut attendees = vec![(
        booking.invitee.name.clone(),
        booking.invitee.email.as_str().to_string(),
    )];
    attendees.extend(
        booking
            .attendees
            .iter()
            .map(|a| (a.name.clone(), a.email.as_str().to_string())),
    );
    EventBody {
        booking_uid: booking.uid.clone(),
        title: format!("{} with {}", input.title, booking.invitee.name),
        description,
        location,
        start: booking.start,
        end: booking.end,
        organizer: (host.name.clone(), host.email.clone()),
        attendees,
        video,
        timezone: host.zone.clone(),
        provider_invites: input.invitations == crate::domain::Invitations::Calendar,
    }
}

/// Opened provider clients, one per connection, for the length of one effect.
#[derive(Default)]
struct Clients {
    open: HashMap<String, OpenApi>,
}

impl Clients {
    async fn get(&mut self, app: &App, connection_id: &str) -> Result<&OpenApi, SyncError> {
        if !self.open.contains_key(connection_id) {
            let (api, _) = clients::open_by_id(app, connection_id).await?;
            self.open.insert(connection_id.to_string(), api);
        }
        self.open
            .get(connection_id)
            .ok_or_else(|| SyncError::Permanent("client vanished".to_string()))
    }
}

/// Removes a written event: whoever takes its record removes it (a record
/// already taken was moved or removed by another effect). If the provider
/// refuses, the record is put back for the retry.
/// A provider that refuses the credentials on a write is asked again by
/// a sync at once: the sync is what records `needs_reconnect` (and emails
/// the host), and it may pass (a token refreshed meanwhile).
async fn refused_by(app: &App, connection_id: &str, error: SyncError) -> SyncError {
    if matches!(error, SyncError::Unauthorized(_)) {
        match app.store.request_sync(connection_id, app.now()).await {
            Ok(()) => app.signals.sync.notify_one(),
            Err(store) => tracing::warn!(%store, "cannot ask for a sync after a refused write"),
        }
    }
    error
}

async fn remove(
    app: &App,
    clients: &mut Clients,
    event: &BookingEvent,
    notify: bool,
) -> Result<(), SyncError> {
    let store = &app.store;
    if !store
        .delete_booking_event(&event.booking_uid, &event.user_id)
        .await
        .map_err(store_error)?
    {
        return Ok(());
    }
    let removed = match clients.get(app, &event.connection_id).await {
        Ok(api) => {
            api.api()
                .delete_event(&event.calendar_external_id, &event.event_id, notify)
                .await
        }
        Err(error) => Err(error),
    };
    if let Err(error) = removed {
        store.save_booking_event(event).await.map_err(store_error)?;
        return Err(refused_by(app, &event.connection_id, error).await);
    }
    Ok(())
}

/// Carries out the calendar-write effect of booking `uid`.
pub async fn write_booking(app: &App, uid: &str) -> Result<(), SyncError> {
    let store = &app.store;
    let stored = store.booking(uid).await.map_err(store_error)?;
    let booking = &stored.booking;
    let holds = booking.status == BookingStatus::Accepted;
    // Whether the calendar invited the attendees (and so must tell them of
    // a removal); an event type deleted since invited nobody this way.
    let notify = match store
        .event_type(&stored.organization_id, &booking.event_type_id)
        .await
    {
        Ok(event_type) => event_type.input.invitations == Invitations::Calendar,
        Err(StoreError::NotFound(_)) => false,
        Err(e) => return Err(store_error(e)),
    };
    let mut written: HashMap<String, BookingEvent> = store
        .booking_events(uid)
        .await
        .map_err(store_error)?
        .into_iter()
        .map(|e| (e.user_id.clone(), e))
        .collect();
    let mut clients = Clients::default();
    // A reschedule: take over the replaced booking's events (to move them),
    // and remove those of hosts who are no longer on the booking. Taking and
    // removing are atomic on the record, so the replaced booking's own
    // effect, running at the same time, never removes a moved event.
    if let Some(previous) = &booking.rescheduled_from {
        for old in store.booking_events(previous).await.map_err(store_error)? {
            let keep = holds
                && booking.hosts.contains(&old.user_id)
                && !written.contains_key(&old.user_id);
            if keep {
                if store
                    .move_booking_event(previous, uid, &old.user_id)
                    .await
                    .map_err(store_error)?
                {
                    let adopted = BookingEvent {
                        booking_uid: uid.to_string(),
                        ..old
                    };
                    written.insert(adopted.user_id.clone(), adopted);
                }
            } else {
                remove(app, &mut clients, &old, notify).await?;
            }
        }
    }
    let hosts: Vec<&String> = if holds {
        booking.hosts.iter().collect()
    } else {
        Vec::new()
    };
    // A rescheduled booking's events are left to its successor to move,
    // unless the successor has (or needs) none for that host.
    let successor_takes = match (&booking.rescheduled_to, holds) {
        (Some(next), false) => {
            let next = store.booking(next).await.map_err(store_error)?.booking;
            let moved: Vec<String> = store
                .booking_events(&next.uid)
                .await
                .map_err(store_error)?
                .into_iter()
                .map(|e| e.user_id)
                .collect();
            next.hosts
                .into_iter()
                .filter(|h| next.status == BookingStatus::Accepted && !moved.contains(h))
                .collect()
        }
        _ => Vec::new(),
    };
    // Events of hosts no longer holding this booking go.
    for (user, event) in &written {
        if !hosts.contains(&user) && !successor_takes.contains(user) {
            remove(app, &mut clients, event, notify).await?;
        }
    }
    if hosts.is_empty() {
        return Ok(());
    }
    let event_type = store
        .event_type(&stored.organization_id, &booking.event_type_id)
        .await
        .map_err(store_error)?;
    for host in hosts {
        let user = match store.user(&stored.organization_id, host).await {
            Ok(user) => user,
            // A host removed since has no calendar here any more.
            Err(StoreError::NotFound(_)) => continue,
            Err(e) => return Err(store_error(e)),
        };
        let host_details = EventHost {
            name: user.input.name.clone(),
            email: user.input.email.as_str().to_string(),
            zone: user.input.timezone.as_str().to_string(),
        };
        let body = event_body(booking, &event_type, &host_details);
        // An event already written stays in its calendar (even if the host
        // chose another destination since) and is updated there.
        let (connection_id, calendar, existing) = match written.get(host) {
            Some(event) => (
                event.connection_id.clone(),
                event.calendar_external_id.clone(),
                Some(event.event_id.clone()),
            ),
            None => match store.destination(host).await.map_err(store_error)? {
                Some((connection_id, calendar)) => (connection_id, calendar, None),
                None => continue,
            },
        };
        let written = match clients.get(app, &connection_id).await {
            Ok(api) => {
                api.api()
                    .put_event(&calendar, &body, existing.as_deref())
                    .await
            }
            Err(error) => Err(error),
        };
        let event_id = match written {
            Ok(event_id) => event_id,
            Err(error) => return Err(refused_by(app, &connection_id, error).await),
        };
        store
            .save_booking_event(&BookingEvent {
                booking_uid: uid.to_string(),
                user_id: host.clone(),
                connection_id,
                calendar_external_id: calendar,
                event_id,
            })
            .await
            .map_err(store_error)?;
    }
    Ok(())
}
