//! What the engine is asked: hosts, an event type, a range, and `now`.

use super::calendar::Calendar;
use super::civil::Zone;
use super::instant::Instant;
use super::interval::Interval;
use super::schedule::Schedule;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    OneOnOne,
    Group,
    Collective,
    RoundRobin,
}

#[derive(Debug, Clone)]
pub struct EventType {
    pub kind: Kind,
    /// Zone of the start-time grid and of "days" (notice window, daily limit).
    pub zone: Zone,
    pub duration_minutes: u32,
    pub slot_interval_minutes: u32,
    pub buffer_before_minutes: u32,
    pub buffer_after_minutes: u32,
    pub min_notice_minutes: u32,
    pub max_days_ahead: Option<u32>,
    pub daily_limit: Option<u32>,
    /// `group` only.
    pub seats: u32,
    /// `collective` only: how many hosts must be free.
    pub required_hosts: usize,
}

impl EventType {
    pub(crate) fn duration_seconds(&self) -> i64 {
        i64::from(self.duration_minutes) * 60
    }

    pub(crate) fn before_seconds(&self) -> i64 {
        i64::from(self.buffer_before_minutes) * 60
    }

    pub(crate) fn after_seconds(&self) -> i64 {
        i64::from(self.buffer_after_minutes) * 60
    }

    /// The meeting starting at `start`.
    pub fn meeting(&self, start: Instant) -> Interval {
        Interval::new(start, start.plus_seconds(self.duration_seconds()))
    }

    /// The meeting with its buffers.
    pub fn buffered(&self, start: Instant) -> Interval {
        Interval::new(
            start.plus_seconds(-self.before_seconds()),
            start.plus_seconds(self.duration_seconds() + self.after_seconds()),
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingStatus {
    Accepted,
    Pending,
    Cancelled,
}

/// An existing booking of this event type; only accepted ones block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Booking {
    pub start: Instant,
    pub status: BookingStatus,
}

#[derive(Debug, Clone)]
pub struct Host {
    pub id: String,
    pub schedule: Schedule,
    pub busy: Vec<Interval>,
    pub calendars: Vec<Calendar>,
    pub bookings: Vec<Booking>,
}

#[derive(Debug, Clone)]
pub struct Query {
    pub now: Instant,
    pub range: Interval,
    pub event_type: EventType,
    pub hosts: Vec<Host>,
}

impl Query {
    /// Host indices ordered by id, the order slots list them in.
    pub fn hosts_by_id(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.hosts.len()).collect();
        order.sort_by(|&a, &b| self.hosts[a].id.cmp(&self.hosts[b].id));
        order
    }

    /// Where busy time can matter: every candidate's buffered meeting.
    pub(crate) fn busy_window(&self) -> Interval {
        let et = &self.event_type;
        Interval::new(
            self.range.start.plus_seconds(-et.before_seconds()),
            self.range
                .end
                .plus_seconds(et.duration_seconds() + et.after_seconds()),
        )
    }

    /// The earliest start allowed by minimum notice.
    pub fn earliest_start(&self) -> Instant {
        self.now
            .plus_minutes(i64::from(self.event_type.min_notice_minutes))
    }

    /// The last local date allowed by `max_days_ahead`.
    pub fn last_date(&self) -> Option<chrono::NaiveDate> {
        let days = self.event_type.max_days_ahead?;
        self.event_type
            .zone
            .local_date(self.now)
            .checked_add_days(chrono::Days::new(u64::from(days)))
    }
}
