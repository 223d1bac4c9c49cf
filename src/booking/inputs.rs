//! What the engine needs to know about an event type besides bookings and
//! busy time (its hosts and their schedules), and how a store snapshot
//! becomes the engine's query. Shared by availability, booking and the
//! other use cases that check a time.

use super::{BookingError, StoreRef};
use crate::domain::{EventType, Kind, StaleCalendarPolicy, User};
use crate::engine::{self, Instant, Interval, Zone};
use crate::store::{BusyBlock, Snapshot, group_slot_key};
use chrono::{DateTime, Utc};

/// Everything about an event type the engine needs besides bookings and busy time.
#[derive(Debug, Clone)]
pub struct AvailabilityInputs {
    pub event_type: EventType,
    pub owner: User,
    /// `(user id, schedule)` per host, in the event type's host order. A host
    /// without any schedule has no availability.
    pub hosts: Vec<(String, engine::Schedule)>,
}

pub(crate) fn to_utc(at: Instant) -> DateTime<Utc> {
    at.to_utc()
}

pub(crate) fn from_utc(at: DateTime<Utc>) -> Instant {
    Instant::from_utc(at)
}

impl AvailabilityInputs {
    pub async fn load(
        store: StoreRef<'_>,
        event_type: EventType,
        owner: User,
    ) -> Result<Self, BookingError> {
        let picked = match &event_type.input.schedule_id {
            Some(id) => Some(store.schedule(&owner.organization_id, id).await?),
            None => None,
        };
        let mut hosts = Vec::new();
        for host in &event_type.input.hosts {
            let schedule = match &picked {
                Some(schedule) if schedule.input.user_id == host.user_id => Some(schedule.clone()),
                _ => store.default_schedule(&host.user_id).await?,
            };
            let schedule = match schedule {
                Some(schedule) => schedule.engine(),
                None => engine::Schedule::new(Zone::UTC),
            };
            hosts.push((host.user_id.clone(), schedule));
        }
        Ok(AvailabilityInputs {
            event_type,
            owner,
            hosts,
        })
    }

    /// The zone of the start-time grid: the event type's, else the owner's.
    pub fn zone(&self) -> Zone {
        self.event_type
            .input
            .timezone
            .as_ref()
            .unwrap_or(&self.owner.input.timezone)
            .zone()
    }

    pub fn host_ids(&self) -> Vec<String> {
        self.hosts.iter().map(|(id, _)| id.clone()).collect()
    }

    pub fn engine_event_type(&self) -> engine::EventType {
        let input = &self.event_type.input;
        engine::EventType {
            kind: input.kind.engine(),
            zone: self.zone(),
            duration_minutes: input.duration_minutes,
            slot_interval_minutes: input
                .slot_interval_minutes
                .unwrap_or(input.duration_minutes),
            buffer_before_minutes: input.buffer_before_minutes,
            buffer_after_minutes: input.buffer_after_minutes,
            min_notice_minutes: input.min_notice_minutes,
            max_days_ahead: input.max_days_ahead,
            daily_limit: input.daily_limit,
            seats: input.seats.unwrap_or(1),
            required_hosts: input
                .required_hosts
                .map_or(self.hosts.len(), |n| n as usize),
        }
    }

    /// Where bookings and busy time can matter for starts in `range`.
    pub fn window(&self, range: Interval) -> (DateTime<Utc>, DateTime<Utc>) {
        let input = &self.event_type.input;
        let before = i64::from(input.buffer_before_minutes.max(input.buffer_after_minutes));
        let after = i64::from(input.duration_minutes) + before;
        // Bookings of other event types last up to a day, and the daily limit
        // counts bookings of whole local days (up to 25 hours long): 26 hours
        // of margin on each side cover both.
        (
            to_utc(range.start.plus_minutes(-before - 26 * 60)),
            to_utc(range.end.plus_minutes(after + 26 * 60)),
        )
    }

    /// The engine query for `range` given what the store holds.
    pub fn query(&self, now: Instant, range: Interval, snapshot: &Snapshot) -> engine::Query {
        let hosts = self
            .hosts
            .iter()
            .map(|(id, schedule)| {
                let mut host = engine::Host {
                    id: id.clone(),
                    schedule: schedule.clone(),
                    busy: Vec::new(),
                    calendars: Vec::new(),
                    bookings: Vec::new(),
                };
                let blocks = snapshot.busy.iter().filter(|b| &b.input.user_id == id);
                add_busy_blocks(&mut host, blocks);
                if self.event_type.input.stale_calendar == StaleCalendarPolicy::NoSlots
                    && snapshot.stale_hosts.contains(id)
                {
                    host.busy.push(Interval::new(
                        range.start.plus_seconds(-STALE_MARGIN),
                        range.end.plus_seconds(STALE_MARGIN),
                    ));
                }
                let kind = self.event_type.input.kind;
                let duration = i64::from(self.event_type.input.duration_minutes) * 60;
                // A live hold is a booking for everyone but its visitor (the
                // use case leaves their own out of the snapshot): same shape,
                // same buffers, one seat of a group slot.
                let bookings = snapshot
                    .bookings
                    .iter()
                    .map(|b| (&b.user_id, &b.event_type_id, b.start, b.end, &b.slot_key));
                let holds = snapshot
                    .live_holds(to_utc(now))
                    .map(|h| (&h.user_id, &h.event_type_id, h.start, h.end, &h.slot_key));
                for (user_id, event_type_id, start, end, slot_key) in bookings.chain(holds) {
                    if user_id != id {
                        continue;
                    }
                    // A booking of this event type enters the engine as a booking
                    // (buffers, seats, daily limit) only if it still looks like one:
                    // same length, and for groups a seat of a group slot. One made
                    // before the event type changed blocks its real time instead.
                    let same_shape = *event_type_id == self.event_type.id
                        && (end - start).num_seconds() == duration
                        && (kind != Kind::Group
                            || *slot_key == group_slot_key(event_type_id, start));
                    if same_shape {
                        host.bookings.push(engine::Booking {
                            start: from_utc(start),
                            // Pending requests hold the time too (see BookingStatus::holds_time).
                            status: engine::BookingStatus::Accepted,
                        });
                    } else {
                        host.busy
                            .push(Interval::new(from_utc(start), from_utc(end)));
                    }
                }
                host
            })
            .collect();
        engine::Query {
            now,
            range,
            event_type: self.engine_event_type(),
            hosts,
        }
    }
}

/// Enough to cover any booking reaching into the queried range.
const STALE_MARGIN: i64 = 400 * 86_400;

/// Busy blocks as engine input. Synced rows of one recurring series (a
/// master and its exceptions, as Google and Graph deliver them) are joined
/// into one calendar, so the exceptions replace the instances they override.
fn add_busy_blocks<'a>(host: &mut engine::Host, blocks: impl Iterator<Item = &'a BusyBlock>) {
    let mut series: Vec<(&str, Vec<engine::Calendar>, Interval)> = Vec::new();
    for block in blocks {
        let bounds = Interval::new(from_utc(block.input.start), from_utc(block.input.end));
        let Some(text) = &block.input.ical else {
            host.busy.push(bounds);
            continue;
        };
        // Stored iCalendar was checked on the way in; a block that no longer
        // parses blocks its whole bounding interval instead.
        let Ok(calendar) = super::ical_cache::parsed(&block.id, text) else {
            host.busy.push(bounds);
            continue;
        };
        let calendar = engine::Calendar::clone(&calendar);
        match block.series.as_deref() {
            Some(key) => match series.iter_mut().find(|(k, _, _)| *k == key) {
                Some((_, parts, span)) => {
                    parts.push(calendar);
                    *span = Interval::new(span.start.min(bounds.start), span.end.max(bounds.end));
                }
                None => series.push((key, vec![calendar], bounds)),
            },
            None => host.calendars.push(engine::Calendar {
                bounds: Some(bounds),
                ..calendar
            }),
        }
    }
    for (_, parts, span) in series {
        let mut calendar = engine::Calendar::merge(parts);
        calendar.bounds = Some(span);
        host.calendars.push(calendar);
    }
}
