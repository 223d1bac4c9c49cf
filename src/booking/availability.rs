//! Public slots: the engine run over what the store holds (see `inputs`),
//! with the host choice's caps, grouped by the invitee's local date.

use super::hosts;
use super::inputs::{AvailabilityInputs, to_utc};
use super::{BookingError, StoreRef};
use crate::domain::TimeZoneName;
use crate::engine::{self, Instant, Interval};
use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Serialize;
use utoipa::ToSchema;

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
/// changes (`None`: until data changes). `own_hold` (a hold's id) is the
/// visitor's own hold: it does not hide its time from them.
pub async fn slots_for(
    store: StoreRef<'_>,
    inputs: &AvailabilityInputs,
    now: Instant,
    range: Interval,
    invitee_zone: &TimeZoneName,
    own_hold: Option<&str>,
) -> Result<(SlotsAnswer, Option<Instant>), BookingError> {
    let (from, to) = inputs.window(range);
    let host_ids = inputs.host_ids();
    let mut snapshot = store
        .snapshot(&host_ids, from, to)
        .await?
        .without_hold(own_hold);
    // A hold hides its time only until it expires: the answer stands until then.
    let hold_expiry = snapshot
        .live_holds(to_utc(now))
        .map(|h| Instant::from_utc(h.expires_at).plus_seconds(-1))
        .min();
    let caps = inputs
        .event_type
        .input
        .assignment
        .engine(inputs.zone())
        .caps;
    let capped =
        hosts::chooses_hosts(inputs) && (caps.per_day.is_some() || caps.per_week.is_some());
    if capped {
        let mut request = hosts::pool_request(inputs, now, range.start).ok_or_else(|| {
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
    let pool = capped.then(|| hosts::pool_hosts(inputs, snapshot.pool.as_ref()));
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
    let valid_until = match (valid_until(&query, &slots), hold_expiry) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
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
