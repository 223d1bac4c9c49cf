//! Suggested times: the next free times of an event type, for a host to
//! paste into an email ("would one of these suit you?"). Spread over days,
//! so the recipient gets a real choice rather than one morning's grid.

use super::availability::{PublicSlot, slots_for};
use super::inputs::AvailabilityInputs;
use super::{BookingError, StoreRef};
use crate::domain::TimeZoneName;
use crate::engine::{Instant, Interval};

/// How far ahead suggestions look, at most.
pub const MAX_HORIZON_DAYS: u32 = 93;
/// How many times one email may suggest.
pub const MAX_COUNT: u32 = 20;

/// What to suggest.
#[derive(Debug, Clone, Copy)]
pub struct Wanted {
    /// How many times.
    pub count: u32,
    /// At most this many on one local date of the recipient (0: no limit).
    pub per_day: u32,
    /// Look this many days ahead of now.
    pub horizon_days: u32,
}

/// The first `wanted.count` free times from now, in `zone`'s local dates.
pub async fn suggested_times(
    store: StoreRef<'_>,
    inputs: &AvailabilityInputs,
    now: Instant,
    zone: &TimeZoneName,
    wanted: Wanted,
) -> Result<Vec<PublicSlot>, BookingError> {
    let range = Interval::new(
        now,
        now.plus_seconds(i64::from(wanted.horizon_days) * 86_400),
    );
    let (answer, _) = slots_for(store, inputs, now, range, zone, None).await?;
    let mut chosen = Vec::new();
    for day in answer.days {
        for slot in spread(day.slots, wanted.per_day) {
            if chosen.len() == wanted.count as usize {
                return Ok(chosen);
            }
            chosen.push(slot);
        }
    }
    Ok(chosen)
}

/// At most `per_day` of a day's times (0: all), evenly apart: a morning and
/// an afternoon rather than 9:00 and 9:30.
fn spread(slots: Vec<PublicSlot>, per_day: u32) -> Vec<PublicSlot> {
    let (len, keep) = (slots.len(), per_day as usize);
    if keep == 0 || len <= keep {
        return slots;
    }
    slots
        .into_iter()
        .enumerate()
        .filter(|(i, _)| (0..keep).any(|k| k * len / keep == *i))
        .map(|(_, slot)| slot)
        .collect()
}
