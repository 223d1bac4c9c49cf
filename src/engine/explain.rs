//! Why a start time is or is not a slot: every reason, per host.
//!
//! Written as a direct reading of the spec for one start time, independent of
//! the sweep in `slots`, so each can check the other in tests.

use super::grid::candidates;
use super::instant::Instant;
use super::interval::Interval;
use super::limits::Budget;
use super::query::{BookingStatus, Host, Kind, Query};
use chrono::NaiveDate;
use std::sync::Arc;

/// Which part of the proposed meeting collides with something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The meeting itself overlaps it.
    Meeting,
    /// Only the buffer before the proposed meeting overlaps it.
    BufferBefore,
    /// Only the buffer after the proposed meeting overlaps it.
    BufferAfter,
    /// The meeting overlaps the existing booking's buffer before it.
    BookingBufferBefore,
    /// The meeting overlaps the existing booking's buffer after it.
    BookingBufferAfter,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The start is not on the event type's local grid.
    NotOnGrid,
    OutsideRange {
        range: Interval,
    },
    MinNotice {
        earliest: Instant,
    },
    BookingWindow {
        last_date: NaiveDate,
    },
    OutsideAvailability {
        meeting: Interval,
    },
    /// A `busy` entry (index into the host's list).
    Busy {
        index: usize,
        interval: Interval,
        via: Via,
    },
    /// An occurrence of a calendar event.
    Event {
        uid: Arc<str>,
        interval: Interval,
        via: Via,
    },
    /// An accepted booking (index into the host's list).
    Booking {
        index: usize,
        meeting: Interval,
        via: Via,
    },
    DailyLimit {
        date: NaiveDate,
        bookings: u32,
        limit: u32,
    },
    /// `group`: every seat at this start is taken.
    SeatsFull {
        seats: u32,
    },
    /// Fewer hosts free than the kind needs.
    NotEnoughHosts {
        free: usize,
        required: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostExplanation {
    /// Index into `Query::hosts`.
    pub host: usize,
    pub free: bool,
    pub reasons: Vec<Reason>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub start: Instant,
    pub slot: bool,
    /// Reasons about the slot as a whole (seats, number of free hosts).
    pub reasons: Vec<Reason>,
    /// Hosts ordered by id.
    pub hosts: Vec<HostExplanation>,
    pub seats_left: Option<u32>,
}

fn via_busy(meeting: Interval, busy: Interval) -> Via {
    if meeting.overlaps(&busy) {
        Via::Meeting
    } else if busy.end <= meeting.start {
        Via::BufferBefore
    } else {
        Via::BufferAfter
    }
}

/// Reasons shared by every host: grid, range, notice, booking window.
fn common_reasons(query: &Query, start: Instant) -> Vec<Reason> {
    let et = &query.event_type;
    let mut reasons = Vec::new();
    if start < query.range.start || start >= query.range.end {
        reasons.push(Reason::OutsideRange { range: query.range });
    }
    // The grid around `start`, independent of the query range.
    let around = Interval::new(
        start.plus_seconds(-3 * 86_400),
        start.plus_seconds(3 * 86_400),
    );
    if !candidates(&et.zone, et.slot_interval_minutes, around)
        .iter()
        .any(|c| c.start == start)
    {
        reasons.push(Reason::NotOnGrid);
    }
    let earliest = query.earliest_start();
    if start < earliest {
        reasons.push(Reason::MinNotice { earliest });
    }
    if let Some(last_date) = query
        .last_date()
        .filter(|last| et.zone.local_date(start) > *last)
    {
        reasons.push(Reason::BookingWindow { last_date });
    }
    reasons
}

fn host_reasons(query: &Query, host: &Host, start: Instant, budget: &mut Budget) -> Vec<Reason> {
    let et = &query.event_type;
    let meeting = et.meeting(start);
    let buffered = et.buffered(start);
    let mut reasons = Vec::new();
    if !host.schedule.fits(meeting) {
        reasons.push(Reason::OutsideAvailability { meeting });
    }
    for (index, busy) in host.busy.iter().enumerate() {
        if buffered.overlaps(busy) {
            reasons.push(Reason::Busy {
                index,
                interval: *busy,
                via: via_busy(meeting, *busy),
            });
        }
    }
    let mut occurrences = Vec::new();
    for calendar in &host.calendars {
        occurrences.clear();
        // A series over budget still shows, as busy over its span.
        calendar.busy(&host.schedule.zone, buffered, &mut occurrences, budget);
        for occurrence in &occurrences {
            reasons.push(Reason::Event {
                uid: calendar.series[occurrence.series].uid.clone(),
                interval: occurrence.interval,
                via: via_busy(meeting, occurrence.interval),
            });
        }
    }
    let accepted = || {
        host.bookings
            .iter()
            .enumerate()
            .filter(|(_, b)| b.status == BookingStatus::Accepted)
    };
    for (index, booking) in accepted() {
        if et.kind == Kind::Group && booking.start == start {
            continue;
        }
        let other = et.meeting(booking.start);
        let other_buffered = et.buffered(booking.start);
        let via = if meeting.overlaps(&other) {
            Via::Meeting
        } else if buffered.overlaps(&other) {
            via_busy(meeting, other)
        } else if meeting.overlaps(&other_buffered) {
            if other.end <= meeting.start {
                Via::BookingBufferAfter
            } else {
                Via::BookingBufferBefore
            }
        } else {
            continue;
        };
        reasons.push(Reason::Booking {
            index,
            meeting: other,
            via,
        });
    }
    if let Some(limit) = et.daily_limit {
        let date = et.zone.local_date(start);
        let bookings = accepted()
            .filter(|(_, b)| et.zone.local_date(b.start) == date)
            .count();
        let bookings = u32::try_from(bookings).unwrap_or(u32::MAX);
        if bookings >= limit {
            reasons.push(Reason::DailyLimit {
                date,
                bookings,
                limit,
            });
        }
    }
    reasons
}

/// Explains one start time. `slot` agrees with [`super::find_slots`].
pub fn explain(query: &Query, start: Instant) -> Explanation {
    let et = &query.event_type;
    let common = common_reasons(query, start);
    let mut budget = Budget::for_query();
    let hosts: Vec<HostExplanation> = query
        .hosts_by_id()
        .into_iter()
        .map(|index| {
            let mut reasons = common.clone();
            reasons.extend(host_reasons(query, &query.hosts[index], start, &mut budget));
            HostExplanation {
                host: index,
                free: reasons.is_empty(),
                reasons,
            }
        })
        .collect();
    let free = hosts.iter().filter(|h| h.free).count();
    let required = match et.kind {
        Kind::OneOnOne | Kind::Group => query.hosts.len(),
        Kind::Collective => et.required_hosts.max(1),
        Kind::RoundRobin => 1,
    };
    let mut reasons = Vec::new();
    if free < required {
        reasons.push(Reason::NotEnoughHosts { free, required });
    }
    let mut seats_left = None;
    if et.kind == Kind::Group {
        let taken = query.hosts.first().map_or(0, |host| {
            host.bookings
                .iter()
                .filter(|b| b.status == BookingStatus::Accepted && b.start == start)
                .count()
        });
        let left = u64::from(et.seats).saturating_sub(taken as u64);
        if left == 0 {
            reasons.push(Reason::SeatsFull { seats: et.seats });
        } else {
            seats_left = Some(u32::try_from(left).unwrap_or(u32::MAX));
        }
    }
    Explanation {
        start,
        slot: reasons.is_empty() && free >= required,
        reasons,
        hosts,
        seats_left,
    }
}
