//! Calendar providers: connecting hosts' calendars, syncing their busy time
//! into the store, and writing bookings back. Everything here runs on the
//! application context ([`crate::app::App`]).
//!
//! - [`api`]: the one interface every provider implements ([`api::CalendarApi`]),
//!   and the errors that decide retry, resync or reconnect.
//! - [`caldav`], [`google`], [`microsoft`]: the provider clients.
//! - [`events`]: provider events as busy rows, and bookings as events.
//! - [`vault`]: credentials sealed with the key ring; [`clients`]: opening a
//!   connection's provider client (sync, writes, push and disconnect start there).
//! - [`connect`]: connecting, choosing calendars, disconnecting (use cases).
//! - [`runner`]: one sync of one connection; [`writer`]: the calendar-write effect.
//! - [`network`]: the guard that keeps CalDAV URLs off private networks.
//! - [`oauth`]: authorization code with PKCE, token refresh; [`rest`]: the
//!   retrying, refreshing HTTP exchange of the OAuth providers.
//! - [`push`]: Google watch channels and Graph subscriptions.

pub mod api;
pub mod caldav;
pub mod clients;
pub mod connect;
pub mod events;
pub mod google;
pub mod microsoft;
pub mod network;
pub mod oauth;
pub mod push;
pub mod rest;
pub mod runner;
pub mod vault;
pub mod writer;
