//! Rows the store reads and writes that are not domain types of their own.

use crate::domain::{BookingStatus, Invitee, Utm};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// Busy time of a host from outside Kairos (filled by calendar sync).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusyBlockInput {
    pub user_id: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Where it came from: `manual`, `google:<calendar>`, ….
    #[serde(default = "manual")]
    pub source: String,
    pub external_id: Option<String>,
    /// iCalendar text for a recurring series; `start`/`end` then bound the series.
    pub ical: Option<String>,
}

fn manual() -> String {
    "manual".to_string()
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BusyBlock {
    pub id: String,
    #[serde(flatten)]
    pub input: BusyBlockInput,
    /// Synced rows of one recurring series (master and exceptions) share it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series: Option<String>,
}

/// A time-holding booking as it blocks one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostBooking {
    pub booking_id: String,
    pub event_type_id: String,
    pub user_id: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Seats of one group slot share a key; any other booking has its own.
    pub slot_key: String,
}

/// The key group seats at `start` of `event_type_id` share.
pub fn group_slot_key(event_type_id: &str, start: DateTime<Utc>) -> String {
    format!("{event_type_id}@{}", start.timestamp())
}

/// A visitor's hold on a time as it blocks one host: like a time-holding
/// booking (seats of one group slot share its key) until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostHold {
    pub hold_id: String,
    pub event_type_id: String,
    pub user_id: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub slot_key: String,
    pub expires_at: DateTime<Utc>,
}

/// A hold to insert (its hosts come from the decision).
#[derive(Debug, Clone)]
pub struct NewHold {
    pub id: String,
    /// SHA-256 of the visitor's secret token.
    pub token_hash: String,
    pub organization_id: String,
    pub event_type_id: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Group seats share the group slot's key; any other hold has its own.
    pub slot_key: String,
    pub assignment_reason: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// Who took it (a hash of the visitor's address), for the caps on how
    /// many holds one visitor keeps; `None` when unknown.
    pub client_key: Option<String>,
}

/// A stored hold, found by its token (expired or not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredHold {
    pub id: String,
    pub event_type_id: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The hosts it blocks, sorted.
    pub hosts: Vec<String>,
    pub assignment_reason: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// What the booking transaction shows the decision callback.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub bookings: Vec<HostBooking>,
    /// Holds on the hosts' time, expired ones included: whether a hold still
    /// counts is decided against the clock of the request (`live_holds`).
    pub holds: Vec<HostHold>,
    pub busy: Vec<BusyBlock>,
    /// History of the event type's host pool, when the booking asked for it.
    pub pool: Option<PoolHistory>,
    /// Hosts with a calendar connection that needs reconnecting, or whose
    /// first sync has not succeeded: what Kairos holds of their calendars
    /// cannot be trusted.
    pub stale_hosts: Vec<String>,
}

impl Snapshot {
    /// The holds that still block time at `now` (a hold expires at `expires_at`).
    pub fn live_holds(&self, now: DateTime<Utc>) -> impl Iterator<Item = &HostHold> {
        self.holds.iter().filter(move |h| h.expires_at > now)
    }

    /// Leaves out a visitor's own hold: it must not stand in their way.
    pub fn without_hold(mut self, hold_id: Option<&str>) -> Self {
        if let Some(id) = hold_id {
            self.holds.retain(|h| h.hold_id != id);
        }
        self
    }
}

/// Which part of an event type's booking history host assignment needs.
#[derive(Debug, Clone)]
pub struct PoolRequest {
    pub event_type_id: String,
    /// Bookings made since this instant (the fair-share period)…
    pub made_since: DateTime<Utc>,
    /// …and bookings starting in this window (for per-day and per-week caps).
    pub starting: (DateTime<Utc>, DateTime<Utc>),
}

/// An event type's host pool: when hosts joined, when each was last booked,
/// and the bookings a [`PoolRequest`] asked for (cancelled and rejected ones
/// do not count).
#[derive(Debug, Clone, Default)]
pub struct PoolHistory {
    pub joined: Vec<(String, DateTime<Utc>)>,
    pub last_booked: Vec<(String, DateTime<Utc>)>,
    /// `(host, created, start)`.
    pub bookings: Vec<(String, DateTime<Utc>, DateTime<Utc>)>,
}

/// What the decision callback answers: the hosts, and why them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub hosts: Vec<String>,
    pub reason: Option<String>,
    /// Replaces the booking's invitee and attendees (a poll's party, decided
    /// from the votes as they stand inside the transaction).
    pub party: Option<(crate::domain::Invitee, Vec<crate::domain::Attendee>)>,
}

/// A poll to insert, its hidden event type already made.
#[derive(Debug, Clone)]
pub struct NewPoll {
    /// The poll's id, chosen by the use case (its effects name it).
    pub id: String,
    pub input: crate::domain::PollInput,
    pub event_type_id: String,
    /// The hash of the open link's token, for an open poll.
    pub open_token_hash: Option<String>,
    /// Each invited participant with the hash of their personal token.
    pub invited: Vec<(crate::domain::Invited, String)>,
    /// What creating it causes (the invitations), queued with it.
    pub effects: Vec<crate::domain::NewEffect>,
}

/// A booking to insert.
#[derive(Debug, Clone)]
pub struct NewBooking {
    /// The booking's public id, chosen by the use case (its effects name it).
    pub uid: String,
    pub organization_id: String,
    pub event_type_id: String,
    /// Hosts the decision may choose from; their bookings and busy time are loaded.
    pub candidate_hosts: Vec<String>,
    /// Where bookings and busy time can matter to the decision.
    pub window: (DateTime<Utc>, DateTime<Utc>),
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub status: BookingStatus,
    pub invitee: Invitee,
    pub answers: Map<String, Value>,
    pub utm: Utm,
    pub embed_url: Option<String>,
    pub manage_token_hash: String,
    /// The hash of the request's `Idempotency-Key` (the key itself is the
    /// client's secret: it opens `manage_token_sealed`).
    pub idempotency_key: Option<String>,
    /// Fingerprint of the request an idempotency key was first used with.
    pub request_hash: Option<String>,
    /// The manage token sealed under the idempotency key, so a replay can
    /// answer with the manage link the first answer carried.
    pub manage_token_sealed: Option<String>,
    /// Group seats share one slot key so they may overlap each other.
    pub shared_slot: bool,
    /// Reschedule: the booking (uid) this one replaces (stored as `rescheduled_from`;
    /// `BookingTx::cancel_for_reschedule` cancels it in the same transaction).
    pub replaces: Option<String>,
    /// Everyone else attending (a finalized poll's participants).
    pub attendees: Vec<crate::domain::Attendee>,
    pub actor: String,
    /// What the booking causes (calendar writes…), queued in its transaction.
    pub effects: Vec<crate::domain::NewEffect>,
}

/// The booking an idempotency key made, with what a replay needs.
#[derive(Debug, Clone)]
pub struct KeyedBooking {
    pub booking: crate::domain::Booking,
    /// Fingerprint of the first request.
    pub request_hash: Option<String>,
    /// The manage token sealed under the idempotency key (absent for
    /// bookings made before replays carried it).
    pub manage_token_sealed: Option<String>,
}

/// A booking with what only the server may see.
#[derive(Debug, Clone)]
pub struct StoredBooking {
    pub booking: crate::domain::Booking,
    pub organization_id: String,
    pub manage_token_hash: String,
    pub ical: Ical,
}

/// How invitations name a booking: one UID for it and every booking that
/// reschedules it, and a SEQUENCE raised by each reschedule and cancellation
/// (calendar clients then update the meeting in place).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ical {
    pub uid: String,
    pub sequence: u32,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BookingFilter {
    pub host: Option<String>,
    pub event_type: Option<String>,
    pub status: Option<BookingStatus>,
    /// Bookings starting at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Bookings starting before this instant.
    pub to: Option<DateTime<Utc>>,
    /// At most this many (default 100, at most 1000), in start order.
    pub limit: Option<u32>,
    /// Skip this many first (for paging).
    pub offset: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct StatusUpdate {
    pub to: BookingStatus,
    pub actor: String,
    pub note: Option<String>,
    /// Set for cancellations.
    pub cancel_reason: Option<String>,
    /// What the change causes, queued in its transaction.
    pub effects: Vec<crate::domain::NewEffect>,
}

/// A calendar as a provider lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteCalendar {
    pub external_id: String,
    pub name: String,
    pub primary: bool,
}

/// One synced event (or one row of a recurring series) as busy time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedEvent {
    pub external_id: String,
    /// Rows of one recurring series (master and exceptions) share it.
    pub series: Option<String>,
    /// Bounds: every busy instant of the row lies inside.
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// iCalendar text, for recurring series, their exceptions and all-day events.
    pub ical: Option<String>,
    /// The Kairos booking (uid) the event says it was written for. Sync drops
    /// it only if that booking is in this store and holds this host: the
    /// booking already counts, and a claim from elsewhere proves nothing.
    pub written_for: Option<String>,
}

/// What one sync of one calendar found.
#[derive(Debug, Clone, Default)]
pub struct CalendarDelta {
    /// Everything the calendar holds (a first or a full resync): rows not
    /// listed in `upserts` are dropped.
    pub full: bool,
    pub upserts: Vec<SyncedEvent>,
    pub removed: Vec<String>,
    /// Where the next incremental sync starts.
    pub token: Option<String>,
}

/// A new connection (or a reconnection of the same account).
#[derive(Debug, Clone)]
pub struct NewConnection {
    pub organization_id: String,
    pub user_id: String,
    pub provider: crate::domain::Provider,
    pub account: String,
    /// CalDAV: the server; OAuth providers: empty.
    pub server_url: String,
    /// Sealed with the key ring.
    pub credentials: String,
}

/// A connection with what a worker needs to act for it.
#[derive(Debug, Clone)]
pub struct ConnectionAccess {
    pub connection: crate::domain::Connection,
    pub organization_id: String,
    /// Sealed with the key ring.
    pub credentials: String,
    /// Open push channels: `(calendar id, channel)`.
    pub channels: Vec<(String, PushChannel)>,
    /// Per calendar id: the sync token to continue from.
    pub sync_tokens: Vec<(String, Option<String>)>,
}

/// The link of a "reconnect your calendar" email, as stored.
#[derive(Debug, Clone)]
pub struct ReconnectLink {
    pub connection_id: String,
    pub organization_id: String,
    pub expires_at: DateTime<Utc>,
    /// When the connection was connected again since (the link is spent).
    pub used_at: Option<DateTime<Utc>>,
}

/// How a sync ended, for the connection's status.
#[derive(Debug, Clone)]
pub enum SyncOutcome {
    Synced {
        at: DateTime<Utc>,
        next_at: DateTime<Utc>,
    },
    Failed {
        error: String,
        next_at: DateTime<Utc>,
        /// The provider refused the credentials for good.
        needs_reconnect: bool,
    },
}

/// An open push channel (Google) or subscription (Graph).
#[derive(Debug, Clone)]
pub struct PushChannel {
    pub id: String,
    /// The provider's resource id (Google) or subscription resource (Graph).
    pub resource: String,
    /// The secret the provider echoes with each notification.
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// An event Kairos wrote for a booking in one host's calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingEvent {
    pub booking_uid: String,
    pub user_id: String,
    pub connection_id: String,
    pub calendar_external_id: String,
    pub event_id: String,
}

/// An OAuth authorization in flight.
#[derive(Debug, Clone)]
pub struct OAuthState {
    pub organization_id: String,
    pub user_id: String,
    pub provider: crate::domain::Provider,
    /// The PKCE verifier, sealed.
    pub verifier: String,
    pub return_to: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// An effect a worker took, to carry out.
#[derive(Debug, Clone)]
pub struct ClaimedEffect {
    pub id: String,
    pub kind: String,
    /// The job as JSON.
    pub payload: String,
    pub organization_id: String,
    /// The booking it follows (uid), if any.
    pub booking_uid: Option<String>,
    /// Attempts so far, this one included.
    pub attempts: u32,
}

/// How an attempt at an effect ended.
#[derive(Debug, Clone)]
pub enum EffectOutcome {
    Done,
    Retry { at: DateTime<Utc>, error: String },
    Failed { error: String },
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EffectFilter {
    pub status: Option<crate::domain::EffectStatus>,
    /// Effects of one booking (its uid).
    pub booking: Option<String>,
    /// Effects of one kind (`calendar_write`, `booking_mail`, …).
    pub kind: Option<String>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<u32>,
}
