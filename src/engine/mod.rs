//! The availability engine: pure functions from schedules, busy time and
//! bookings to bookable start times, following `shared/spec/availability.md`.
//!
//! No I/O and no async here: the service, the CLI and the tests all feed the
//! same [`Query`] and get the same answer.

pub mod assignment;
pub mod calendar;
pub mod civil;
pub mod explain;
pub mod grid;
pub mod ical;
pub mod ical_lines;
pub mod instant;
pub mod interval;
pub mod limits;
pub mod query;
pub mod recurrence;
pub mod schedule;
pub mod slots;
pub mod vtimezone;
pub mod windows_zones;
pub mod zones;

pub use calendar::Calendar;
pub use civil::Zone;
pub use explain::{Explanation, HostExplanation, Reason, Via, explain};
pub use instant::Instant;
pub use interval::Interval;
pub use limits::{Exceeded, Unreadable};
pub use query::{Booking, BookingStatus, EventType, Host, Kind, Query};
pub use schedule::{LocalTime, Schedule, TimeRange};
pub use slots::{Search, Slot, find_slots, search};
