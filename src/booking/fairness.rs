//! The fairness report of an event type: bookings per host in a period
//! against the share their weights promise.

use super::{BookingError, StoreRef};
use crate::domain::{EventType, Strategy};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HostShare {
    pub user_id: String,
    pub weight: i32,
    pub priority: i32,
    /// When the host joined the pool (fair share counts from then).
    pub joined_at: DateTime<Utc>,
    pub bookings: i64,
    /// Fraction of the period's bookings this host got.
    pub share: f64,
    /// Fraction its weight promises among the pool's weights.
    pub target_share: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FairnessReport {
    pub event_type_id: String,
    pub strategy: Strategy,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Bookings made in the period (cancelled and rejected ones not counted).
    pub total: i64,
    pub hosts: Vec<HostShare>,
}

pub async fn report(
    store: StoreRef<'_>,
    event_type: &EventType,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<FairnessReport, BookingError> {
    let counts = store.bookings_per_host(&event_type.id, from, to).await?;
    let joined = store.pool_joined(&event_type.id).await?;
    let hosts = &event_type.input.hosts;
    let total: i64 = counts
        .iter()
        .filter(|(user, _)| hosts.iter().any(|h| &h.user_id == user))
        .map(|(_, n)| n)
        .sum();
    let weights: i64 = hosts.iter().map(|h| i64::from(h.weight.max(0))).sum();
    let fraction = |part: i64, whole: i64| {
        if whole > 0 {
            part as f64 / whole as f64
        } else {
            0.0
        }
    };
    Ok(FairnessReport {
        event_type_id: event_type.id.clone(),
        strategy: event_type.input.assignment.strategy,
        from,
        to,
        total,
        hosts: hosts
            .iter()
            .map(|host| {
                let bookings = counts
                    .iter()
                    .find(|(u, _)| *u == host.user_id)
                    .map_or(0, |(_, n)| *n);
                HostShare {
                    user_id: host.user_id.clone(),
                    weight: host.weight,
                    priority: host.priority,
                    joined_at: joined
                        .iter()
                        .find(|(u, _)| *u == host.user_id)
                        .map_or_else(Default::default, |(_, at)| *at),
                    bookings,
                    share: fraction(bookings, total),
                    target_share: fraction(i64::from(host.weight.max(0)), weights),
                }
            })
            .collect(),
    })
}
