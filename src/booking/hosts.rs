//! Host choice for event types that choose among their free hosts (round
//! robin, collectives needing only some hosts): the pool as the engine's
//! assignment strategies see it, and what the choice needs from the store.

use super::inputs::AvailabilityInputs;
use crate::domain::Kind;
use crate::engine::Instant;
use crate::engine::assignment;
use crate::store::{PoolHistory, PoolRequest};

/// The event type's host pool as the assignment strategies see it.
pub(crate) fn pool_hosts(
    inputs: &AvailabilityInputs,
    history: Option<&PoolHistory>,
) -> Vec<assignment::PoolHost> {
    let empty = PoolHistory::default();
    let history = history.unwrap_or(&empty);
    inputs
        .event_type
        .input
        .hosts
        .iter()
        .map(|host| {
            let id = &host.user_id;
            assignment::PoolHost {
                id: id.clone(),
                priority: host.priority,
                weight: u32::try_from(host.weight).unwrap_or(0),
                joined: history
                    .joined
                    .iter()
                    .find(|(user, _)| user == id)
                    .map_or(Instant(0), |(_, at)| Instant::from_utc(*at)),
                zone: inputs
                    .hosts
                    .iter()
                    .find(|(user, _)| user == id)
                    .map_or_else(|| inputs.zone(), |(_, schedule)| schedule.zone.clone()),
                last_booked: history
                    .last_booked
                    .iter()
                    .find(|(user, _)| user == id)
                    .map(|(_, at)| Instant::from_utc(*at)),
                bookings: history
                    .bookings
                    .iter()
                    .filter(|(user, _, _)| user == id)
                    .map(|(_, created, start)| assignment::PastBooking {
                        created: Instant::from_utc(*created),
                        start: Instant::from_utc(*start),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Does this event type choose among its free hosts (round robin, or a
/// collective that needs only some of them)?
pub(crate) fn chooses_hosts(inputs: &AvailabilityInputs) -> bool {
    let input = &inputs.event_type.input;
    match input.kind {
        Kind::RoundRobin => true,
        Kind::Collective => input
            .required_hosts
            .is_some_and(|n| (n as usize) < input.hosts.len()),
        Kind::OneOnOne | Kind::Group => false,
    }
}

/// What the host choice needs from the store: bookings made this month (fair
/// share periods are a day or a month) and those starting in the start's week.
pub(crate) fn pool_request(
    inputs: &AvailabilityInputs,
    now: Instant,
    start: Instant,
) -> Option<PoolRequest> {
    if !chooses_hosts(inputs) {
        return None;
    }
    let zone = inputs.zone();
    let today = zone.local_date(now);
    let month = zone.start_of_day(chrono::Datelike::with_day(&today, 1).unwrap_or(today));
    Some(PoolRequest {
        event_type_id: inputs.event_type.id.clone(),
        made_since: month.plus_seconds(-86_400).to_utc(),
        starting: (
            start.plus_seconds(-9 * 86_400).to_utc(),
            start.plus_seconds(9 * 86_400).to_utc(),
        ),
    })
}
