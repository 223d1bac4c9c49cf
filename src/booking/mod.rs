//! Use cases: what people do with Kairos (find a time, book, cancel,
//! reschedule, approve…), written against the [`Store`] interface and the
//! pure engine. HTTP handlers call these and only translate.

mod availability;
mod book;
mod effects;
mod error;
pub mod fairness;
mod hosts;
mod ical_cache;
mod inputs;
pub mod links;
mod manage;
pub mod polls;
mod transaction;

pub use availability::{DaySlots, PublicSlot, SlotsAnswer, explain_at, slots_for};
pub use book::{Booked, book};
pub use error::BookingError;
pub use inputs::AvailabilityInputs;
pub use manage::{AdminAction, ManageView, cancel, change_status, reschedule, view};

use crate::store::Store;

/// The store as the use cases see it.
pub type StoreRef<'a> = &'a dyn Store;
