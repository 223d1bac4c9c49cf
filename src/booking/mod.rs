//! Use cases: what people do with Kairos (find a time, book, cancel,
//! reschedule, approve…), written against the [`Store`] interface and the
//! pure engine. HTTP handlers call these and only translate.

mod availability;
mod book;
mod effects;
mod error;
pub mod fairness;
pub mod feed;
pub mod holds;
mod hosts;
mod ical_cache;
mod inputs;
pub mod links;
mod manage;
mod own_hold;
pub mod polls;
mod suggestions;
pub mod surveys;
mod transaction;
pub mod workflows;

pub use availability::{DaySlots, PublicSlot, SlotsAnswer, explain_at, slots_for};
pub use book::{Booked, book};
pub use error::BookingError;
pub(crate) use error::present;
pub use inputs::AvailabilityInputs;
pub use manage::{
    AdminAction, ManageView, approval_view, cancel, change_status, decide_request, details,
    issue_link, reschedule, view,
};
pub use suggestions::{
    MAX_COUNT as MAX_SUGGESTIONS, MAX_HORIZON_DAYS as MAX_SUGGESTION_DAYS, Wanted, suggested_times,
};

use crate::store::Store;

/// The store as the use cases see it.
pub type StoreRef<'a> = &'a dyn Store;
