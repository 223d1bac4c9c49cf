//! Feeding the engine from the store: an event type's hosts, their schedules,
//! busy blocks and bookings of every event type.

use super::{BookingError, StoreRef};
use crate::domain::{EventType, TimeZoneName, User};
use crate::domain::{Kind, StaleCalendarPolicy};
use crate::engine::{self, Instant, Interval, Zone};
use crate::store::{BusyBlock, Snapshot, group_slot_key};
use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Serialize;
use utoipa::ToSchema;

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
                for booking in snapshot.bookings.iter().filter(|b| &b.user_id == id) {
                    // A booking of this event type enters the engine as a booking
                    // (buffers, seats, daily limit) only if it still looks like one:
                    // same length, and for groups a seat of a group slot. One made
                    // before the event type changed blocks its real time instead.
                    let same_shape = booking.event_type_id == self.event_type.id
                        && (booking.end - booking.start).num_seconds() == duration
                        && (kind != Kind::Group
                            || booking.slot_key
                                == group_slot_key(&booking.event_type_id, booking.start));
                    if same_shape {
                        host.bookings.push(engine::Booking {
                            start: from_utc(booking.start),
                            // Pending requests hold the time too (see BookingStatus::holds_time).
                            status: engine::BookingStatus::Accepted,
                        });
                    } else {
                        host.busy.push(Interval::new(
                            from_utc(booking.start),
                            from_utc(booking.end),
                        ));
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

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicSlot {
    pub start: DateTime<Utc>,
    /// Wall-clock time in the invitee's zone, `HH:MM`.
    pub local_time: String,
    /// Start with the invitee's offset, RFC 3339.
    pub local: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seats_left: Option<u32>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DaySlots {
    /// Local date in the invitee's zone.
    pub date: String,
    pub slots: Vec<PublicSlot>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlotsAnswer {
    pub timezone: String,
    pub days: Vec<DaySlots>,
}

/// Slots of an event type for `range`, grouped by local date in `invitee_zone`,
/// and the last instant at which this answer is still right if no data
/// changes (`None`: until data changes).
pub async fn slots_for(
    store: StoreRef<'_>,
    inputs: &AvailabilityInputs,
    now: Instant,
    range: Interval,
    invitee_zone: &TimeZoneName,
) -> Result<(SlotsAnswer, Option<Instant>), BookingError> {
    let (from, to) = inputs.window(range);
    let host_ids = inputs.host_ids();
    let mut snapshot = store.snapshot(&host_ids, from, to).await?;
    let caps = inputs
        .event_type
        .input
        .assignment
        .engine(inputs.zone())
        .caps;
    let capped =
        super::book::chooses_hosts(inputs) && (caps.per_day.is_some() || caps.per_week.is_some());
    if capped {
        let mut request = super::book::pool_request(inputs, now, range.start).ok_or_else(|| {
            BookingError::Internal("no pool request for a host-choosing event type".to_string())
        })?;
        request.starting = (
            range.start.plus_seconds(-9 * 86_400).to_utc(),
            range.end.plus_seconds(9 * 86_400).to_utc(),
        );
        snapshot.pool = Some(store.pool_history(&request).await?);
    }
    let query = inputs.query(now, range, &snapshot);
    let pairs = engine::limits::host_candidates(
        range,
        query.event_type.slot_interval_minutes,
        query.hosts.len(),
    );
    if pairs > engine::limits::MAX_HOST_CANDIDATES {
        return Err(crate::domain::ValidationError::new(
            "end",
            format!(
                "this range holds {pairs} (host, start time) pairs to check, over the limit of {}: ask for fewer days",
                engine::limits::MAX_HOST_CANDIDATES
            ),
        )
        .into());
    }
    // The engine is CPU work (milliseconds for long ranges of big teams): keep it
    // off the threads that serve other requests.
    let pool = capped.then(|| super::book::pool_hosts(inputs, snapshot.pool.as_ref()));
    let rules = inputs.event_type.input.assignment.engine(inputs.zone());
    let needed = match inputs.event_type.input.kind {
        crate::domain::Kind::Collective => inputs.engine_event_type().required_hosts,
        _ => 1,
    };
    let (query, slots) = tokio::task::spawn_blocking(move || {
        let search = engine::search(&query);
        // Synced data is never refused: a series too costly to expand counts
        // as busy over its span; say so for the operator.
        for unreadable in &search.unreadable {
            tracing::warn!(
                host = %query.hosts[unreadable.host].id,
                uid = %unreadable.uid,
                reason = %unreadable.limit.describe(),
                "a calendar event counted busy over its whole span"
            );
        }
        let mut slots = search.slots;
        // Hosts at their daily or weekly cap cannot take a slot, whatever
        // their calendar says; a slot left without enough hosts goes.
        if let Some(pool) = &pool {
            for slot in &mut slots {
                slot.hosts
                    .retain(|&i| engine::assignment::under_caps(&pool[i], rules.caps, slot.start));
            }
            slots.retain(|slot| slot.hosts.len() >= needed);
        }
        (query, slots)
    })
    .await
    .map_err(|e| BookingError::Internal(format!("availability computation failed: {e}")))?;
    let valid_until = valid_until(&query, &slots);
    let days = by_local_date(slots.iter().map(|s| (s.start, s.seats_left)), invitee_zone);
    Ok((
        SlotsAnswer {
            timezone: invitee_zone.to_string(),
            days,
        },
        valid_until,
    ))
}

/// Why `start` is or is not a slot of the event type, from what the store
/// holds now: the engine's explanation and the query it explains (for names).
pub async fn explain_at(
    store: StoreRef<'_>,
    inputs: &AvailabilityInputs,
    now: Instant,
    start: Instant,
) -> Result<(engine::Query, engine::Explanation), BookingError> {
    let range = Interval::new(start, start.plus_seconds(1));
    let (from, to) = inputs.window(range);
    let snapshot = store.snapshot(&inputs.host_ids(), from, to).await?;
    let query = inputs.query(now, range, &snapshot);
    let explanation = engine::explain(&query, start);
    Ok((query, explanation))
}

/// Start times with their local date and time in `zone`, grouped by local date.
pub(crate) fn by_local_date(
    starts: impl Iterator<Item = (Instant, Option<u32>)>,
    zone: &TimeZoneName,
) -> Vec<DaySlots> {
    let zone = zone.zone();
    let mut days: Vec<DaySlots> = Vec::new();
    for (start, seats_left) in starts {
        // Formatted by hand: chrono's strftime machinery was a tenth of the
        // endpoint's time for a month of slots.
        let offset = zone.offset_at(start);
        let local = start.plus_seconds(offset).naive_utc();
        let date = format!(
            "{:04}-{:02}-{:02}",
            local.year(),
            local.month(),
            local.day()
        );
        let local_time = format!("{:02}:{:02}", local.hour(), local.minute());
        let (sign, abs) = if offset < 0 {
            ('-', -offset)
        } else {
            ('+', offset)
        };
        let public = PublicSlot {
            start: to_utc(start),
            local: format!(
                "{date}T{local_time}:{:02}{sign}{:02}:{:02}",
                local.second(),
                abs / 3600,
                abs % 3600 / 60
            ),
            local_time,
            seats_left,
        };
        match days.last_mut() {
            Some(day) if day.date == date => day.slots.push(public),
            _ => days.push(DaySlots {
                date,
                slots: vec![public],
            }),
        }
    }
    days
}

/// Time alone changes an answer in two ways: minimum notice removes the
/// earliest slot once `now + notice` passes it, and a booking window admits a
/// new day at each local midnight. Until the first of those, it stands.
fn valid_until(query: &engine::Query, slots: &[engine::Slot]) -> Option<Instant> {
    let et = &query.event_type;
    let notice = slots
        .first()
        .map(|first| first.start.plus_minutes(-i64::from(et.min_notice_minutes)));
    let midnight = et.max_days_ahead.and_then(|_| {
        let today = et.zone.local_date(query.now);
        today
            .succ_opt()
            .map(|tomorrow| et.zone.start_of_day(tomorrow).plus_seconds(-1))
    });
    match (notice, midnight) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
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
