//! Choosing hosts among those free at a start: round robin and the members of
//! a collective booking that needs only some of its hosts.
//!
//! Pure: the caller gives each host's history (when it joined the pool, when
//! it was last booked, its recent bookings) and gets back the choice and a
//! sentence saying why, which is stored on the booking.

use super::civil::Zone;
use super::instant::Instant;
use chrono::{Datelike, Days, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// The free host whose last booking of this event type was longest ago.
    LeastRecentlyBooked,
    /// The free host furthest below its weighted share of the period's bookings.
    Weighted { period: Period },
    /// Highest priority first, then least recently booked.
    Priority,
}

/// The reset period of weighted fair share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Day,
    Month,
}

/// Optional limits on one host's bookings of this event type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Caps {
    pub per_day: Option<u32>,
    pub per_week: Option<u32>,
}

/// One booking of this event type held by a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PastBooking {
    pub created: Instant,
    pub start: Instant,
}

/// A host of the pool with what the strategies need.
#[derive(Debug, Clone)]
pub struct PoolHost {
    pub id: String,
    pub priority: i32,
    pub weight: u32,
    /// When it joined the pool: fair share is measured from then.
    pub joined: Instant,
    pub last_booked: Option<Instant>,
    /// The zone of the host's days and weeks (for caps).
    pub zone: Zone,
    /// Bookings of this event type since the start of the current period and
    /// around the start being booked (for caps).
    pub bookings: Vec<PastBooking>,
}

/// What was chosen and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// Indices into the pool, in order of preference.
    pub hosts: Vec<usize>,
    pub reason: String,
}

/// The start of the period containing `at` (local dates of `zone`).
fn period_start(zone: &Zone, period: Period, at: Instant) -> Instant {
    let date = zone.local_date(at);
    let first = match period {
        Period::Day => date,
        Period::Month => date.with_day(1).unwrap_or(date),
    };
    zone.start_of_day(first)
}

fn week_of(date: NaiveDate) -> NaiveDate {
    date.checked_sub_days(Days::new(u64::from(date.weekday().num_days_from_monday())))
        .unwrap_or(date)
}

/// Is `host` below its caps for a booking starting at `start`? Days and
/// weeks are the host's own (its schedule's zone), not the event type's.
pub fn under_caps(host: &PoolHost, caps: Caps, start: Instant) -> bool {
    let zone = &host.zone;
    let day = zone.local_date(start);
    let week = week_of(day);
    let mut on_day = 0;
    let mut in_week = 0;
    for booking in &host.bookings {
        let date = zone.local_date(booking.start);
        on_day += u32::from(date == day);
        in_week += u32::from(week_of(date) == week);
    }
    caps.per_day.is_none_or(|cap| on_day < cap) && caps.per_week.is_none_or(|cap| in_week < cap)
}

/// How an event type assigns hosts.
#[derive(Debug, Clone)]
pub struct Rules {
    pub strategy: Strategy,
    pub caps: Caps,
    /// Zone of "days", "weeks" and "months".
    pub zone: Zone,
}

/// Orders the free hosts by the strategy and picks `count` of them.
///
/// `free` are indices into `pool` of the hosts free at `start`; ties always
/// end on the host id, so the same inputs give the same choice.
pub fn choose(
    rules: &Rules,
    pool: &[PoolHost],
    free: &[usize],
    count: usize,
    now: Instant,
    start: Instant,
) -> Option<Choice> {
    let (strategy, caps, zone) = (rules.strategy, rules.caps, &rules.zone);
    let eligible: Vec<usize> = free
        .iter()
        .copied()
        .filter(|&i| pool.get(i).is_some_and(|h| under_caps(h, caps, start)))
        .collect();
    if eligible.len() < count.max(1) {
        return None;
    }
    // Never booked sorts first; then by how long ago.
    let recency = |i: usize| pool[i].last_booked.map_or(i64::MIN, Instant::seconds);
    let mut order = eligible.clone();
    let reason = match strategy {
        Strategy::LeastRecentlyBooked => {
            // Equal times (bookings within one clock tick) fall back to who has fewer.
            order.sort_by(|&a, &b| {
                recency(a)
                    .cmp(&recency(b))
                    .then_with(|| pool[a].bookings.len().cmp(&pool[b].bookings.len()))
                    .then_with(|| pool[a].id.cmp(&pool[b].id))
            });
            let first = &pool[order[0]];
            match first.last_booked {
                Some(at) => format!("least recently booked: last booked {at}"),
                None => "least recently booked: never booked".to_string(),
            }
        }
        Strategy::Priority => {
            order.sort_by(|&a, &b| {
                pool[b]
                    .priority
                    .cmp(&pool[a].priority)
                    .then_with(|| recency(a).cmp(&recency(b)))
                    .then_with(|| pool[a].id.cmp(&pool[b].id))
            });
            format!(
                "priority {}, then least recently booked",
                pool[order[0]].priority
            )
        }
        Strategy::Weighted { period } => {
            let since = period_start(zone, period, now);
            let made: Vec<Instant> = pool
                .iter()
                .flat_map(|h| h.bookings.iter().map(|b| b.created))
                .filter(|created| *created >= since)
                .collect();
            // The pool's total weight when a booking was made: hosts count from
            // the moment they joined.
            let weight_at = |t: Instant| -> f64 {
                pool.iter()
                    .filter(|h| h.joined <= t)
                    .map(|h| f64::from(h.weight))
                    .sum()
            };
            // A host's fair expectation is its share of every booking made since it
            // joined (or the period began), each at the shares in force then, plus
            // this one; it stands `expected - mine` below its share.
            let standing = |i: usize| -> (f64, u64, f64) {
                let from = since.max(pool[i].joined);
                let weight = f64::from(pool[i].weight);
                let share = |t: Instant| {
                    let total = weight_at(t);
                    if total > 0.0 { weight / total } else { 0.0 }
                };
                let expected: f64 = made
                    .iter()
                    .filter(|c| **c >= from)
                    .map(|c| share(*c))
                    .sum::<f64>()
                    + share(now);
                let mine = pool[i]
                    .bookings
                    .iter()
                    .filter(|b| b.created >= from)
                    .count() as u64;
                (expected - mine as f64, mine, expected)
            };
            order.sort_by(|&a, &b| {
                let (da, _, _) = standing(a);
                let (db, _, _) = standing(b);
                db.partial_cmp(&da)
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then_with(|| recency(a).cmp(&recency(b)))
                    .then_with(|| pool[a].id.cmp(&pool[b].id))
            });
            let (_, mine, target) = standing(order[0]);
            format!(
                "weighted: {mine} of its bookings this {} against a fair {target:.1} (weight {})",
                match period {
                    Period::Day => "day",
                    Period::Month => "month",
                },
                pool[order[0]].weight
            )
        }
    };
    order.truncate(count.max(1));
    Some(Choice {
        hosts: order,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(id: &str, weight: u32, priority: i32) -> PoolHost {
        PoolHost {
            id: id.to_string(),
            priority,
            weight,
            joined: Instant(0),
            last_booked: None,
            zone: Zone::UTC,
            bookings: Vec::new(),
        }
    }

    /// Books `n` meetings one after another (each created a minute after the
    /// last, starting on distinct days so caps don't interfere), everyone free.
    fn simulate(strategy: Strategy, pool: &mut [PoolHost], n: usize) -> Vec<usize> {
        let zone = Zone::UTC;
        let base = 1_780_000_000; // a Monday in 2026, roughly
        let free: Vec<usize> = (0..pool.len()).collect();
        let mut counts = vec![0; pool.len()];
        for k in 0..n {
            let now = Instant(base + 60 * k as i64);
            let start = Instant(base + 86_400 * 400 + 3_600 * k as i64);
            let rules = Rules {
                strategy,
                caps: Caps::default(),
                zone: zone.clone(),
            };
            let choice = choose(&rules, pool, &free, 1, now, start).expect("someone is free");
            let i = choice.hosts[0];
            counts[i] += 1;
            pool[i].last_booked = Some(now);
            pool[i].bookings.push(PastBooking {
                created: now,
                start,
            });
        }
        counts
    }

    #[test]
    fn least_recently_booked_rotates_evenly() {
        let mut pool: Vec<PoolHost> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|id| host(id, 1, 0))
            .collect();
        let counts = simulate(Strategy::LeastRecentlyBooked, &mut pool, 1000);
        assert!(
            counts.iter().all(|&c| (199..=201).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn weighted_shares_follow_weights() {
        let mut pool = vec![host("a", 2, 0), host("b", 1, 0), host("c", 1, 0)];
        let counts = simulate(
            Strategy::Weighted {
                period: Period::Month,
            },
            &mut pool,
            1000,
        );
        let total: usize = counts.iter().sum();
        for (count, expected) in counts.iter().zip([0.5, 0.25, 0.25]) {
            let share = *count as f64 / total as f64;
            assert!((share - expected).abs() <= 0.02, "{counts:?}");
        }
    }

    #[test]
    fn weighted_does_not_flood_a_newcomer() {
        // a and b have 50 bookings each this month; c joins now.
        let now = Instant(1_780_000_000);
        let mut pool = vec![host("a", 1, 0), host("b", 1, 0), host("c", 1, 0)];
        for (i, h) in pool.iter_mut().enumerate().take(2) {
            h.bookings = (0..50)
                .map(|k| PastBooking {
                    created: Instant(now.seconds() - 10_000 + k + i as i64),
                    start: now,
                })
                .collect();
        }
        pool[2].joined = now;
        let free = [0, 1, 2];
        let mut counts = [0; 3];
        for k in 0..30 {
            let at = Instant(now.seconds() + 60 * (k + 1));
            let rules = Rules {
                strategy: Strategy::Weighted {
                    period: Period::Month,
                },
                caps: Caps::default(),
                zone: Zone::UTC,
            };
            let choice = choose(
                &rules,
                &pool,
                &free,
                1,
                at,
                Instant(at.seconds() + 86_400 * k),
            )
            .expect("free");
            let i = choice.hosts[0];
            counts[i] += 1;
            pool[i].bookings.push(PastBooking {
                created: at,
                start: at,
            });
            pool[i].last_booked = Some(at);
        }
        // Measured from when c joined, everyone is even: c gets its third, not all 30.
        assert!((9..=11).contains(&counts[2]), "{counts:?}");
    }

    #[test]
    fn priority_comes_first_and_choices_are_deterministic() {
        let pool = vec![host("a", 1, 0), host("b", 1, 5), host("c", 1, 5)];
        let rules = Rules {
            strategy: Strategy::Priority,
            caps: Caps::default(),
            zone: Zone::UTC,
        };
        let pick = || choose(&rules, &pool, &[0, 1, 2], 1, Instant(0), Instant(0));
        assert_eq!(
            pick().map(|c| c.hosts),
            Some(vec![1]),
            "b: highest priority, then id"
        );
        assert_eq!(pick(), pick());
        let only_low = choose(&rules, &pool, &[0], 1, Instant(0), Instant(0));
        assert_eq!(only_low.map(|c| c.hosts), Some(vec![0]));
    }

    #[test]
    fn caps_exclude_hosts_and_collective_takes_several() {
        let start = Instant(1_780_000_000);
        let mut pool = vec![host("a", 1, 0), host("b", 1, 0)];
        pool[0].bookings.push(PastBooking {
            created: Instant(0),
            start,
        });
        let capped = Rules {
            strategy: Strategy::LeastRecentlyBooked,
            caps: Caps {
                per_day: Some(1),
                per_week: None,
            },
            zone: Zone::UTC,
        };
        let choice = choose(&capped, &pool, &[0, 1], 1, Instant(0), start);
        assert_eq!(choice.map(|c| c.hosts), Some(vec![1]));
        assert!(choose(&capped, &pool, &[0, 1], 2, Instant(0), start).is_none());
        let open = Rules {
            caps: Caps::default(),
            ..capped
        };
        let two = choose(&open, &pool, &[0, 1], 2, Instant(0), start);
        assert_eq!(two.map(|c| c.hosts.len()), Some(2));
    }
}
