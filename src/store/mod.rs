//! Persistence: one interface ([`Store`]), implemented for SQLite (embedded
//! default) and PostgreSQL (several stateless Kairos processes over one
//! database). The same story test runs against both.
//!
//! Both implementations come from one module tree of SQL (`sql/`, compiled
//! once per database); only transactions and locking differ:
//! - SQLite: every booking write is a `BEGIN IMMEDIATE` transaction, so the
//!   check "is the host still free" and the insert see no other writer.
//! - PostgreSQL: per-host advisory transaction locks serialize bookings of the
//!   same host, and an exclusion constraint over `tstzrange(start, end)` per
//!   host makes overlapping time-holding bookings impossible even if code
//!   forgot the lock (group seats share a `slot_key` and may overlap).

mod calendars;
mod dialect;
mod effects;
mod postgres;
mod records;
mod sqlite;
mod workflows;

pub use calendars::CalendarStore;
pub use effects::EffectStore;
pub use postgres::PgStore;
pub use records::*;
pub use sqlite::{LockError, ProcessLock, SqliteStore};
pub use workflows::WorkflowStore;

use crate::domain::{
    ApiKey, Booking, BookingStatus, EventType, EventTypeInput, Invited, Link, LinkInput,
    Participant, Poll, Schedule, ScheduleInput, StatusChange, User, UserInput, Vote,
};
use crate::domain::{EmbeddingSettings, KeyOwner, NewApiKey, Team, TeamInput};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such row; what it would have been ("booking", "event type", …).
    #[error("no such {0}")]
    NotFound(&'static str),
    /// A uniqueness rule: which field.
    #[error("{field} is already taken")]
    Duplicate { field: String },
    /// Still referenced by other rows (e.g. a host with bookings).
    #[error("{0}")]
    InUse(String),
    /// The time is no longer available (lost a race, or the check failed).
    #[error("that time is no longer available")]
    SlotTaken,
    /// A one-off link that is used, expired or revoked.
    #[error("{}", .0.explain())]
    LinkGone(crate::domain::LinkState),
    /// A status change that is not allowed from the current status.
    #[error("booking is {0}")]
    WrongStatus(String),
    /// A change the row's state does not allow (other than a booking status).
    #[error("{0}")]
    Conflict(String),
    /// The input names something the store refuses (a user of another
    /// organization, a schedule of none of the hosts): which field, and why.
    #[error("{field}: {message}")]
    Refused { field: String, message: String },
    #[error("database: {}", describe(.0))]
    Database(#[from] sqlx::Error),
    #[error("migration: {}", describe_migration(.0))]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    /// The database cannot be reached right now (down, restarting, locked,
    /// every connection busy): the request may succeed later, and it is not
    /// a bug of ours or of the caller's.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Database(error) => unavailable(error),
            _ => false,
        }
    }
}

fn unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                // 08: connection exception; 57P01-03: shutting down or starting
                // up; 53300: too many connections.
                let code = pg.code();
                code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300")
            } else if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // The primary result code: BUSY (locked by another process
                // past the busy timeout), IOERR, FULL, CANTOPEN.
                let primary = db
                    .code()
                    .and_then(|c| c.parse::<i32>().ok())
                    .map(|c| c & 0xff);
                matches!(primary, Some(5 | 10 | 13 | 14))
            } else {
                false
            }
        }
        _ => false,
    }
}

/// A database error in plain words: the database's message and code, without
/// sqlx's wrapper text or the PostgreSQL server's own source position that
/// its `Display` appends ("… at line 948").
pub fn describe(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(db) => match db.code() {
            Some(code) => format!("{} (code {code})", db.message()),
            None => db.message().to_string(),
        },
        sqlx::Error::PoolTimedOut => {
            "no database connection became available in time (is the database up?)".to_string()
        }
        sqlx::Error::PoolClosed => "the database connections are closed".to_string(),
        sqlx::Error::Io(error) => format!("cannot reach the database: {error}"),
        sqlx::Error::Configuration(error) => format!("bad database URL: {error}"),
        other => other.to_string(),
    }
}

fn describe_migration(error: &sqlx::migrate::MigrateError) -> String {
    use sqlx::migrate::MigrateError;
    match error {
        MigrateError::Execute(error) => describe(error),
        MigrateError::ExecuteMigration(error, version) => {
            format!("migration {version}: {}", describe(error))
        }
        other => other.to_string(),
    }
}

/// An open booking transaction. It began with the backend's write discipline
/// for the hosts it was opened with (SQLite `BEGIN IMMEDIATE`; PostgreSQL
/// advisory locks, sorted, and the exclusion constraint on insert), so what a
/// step reads stays true until `commit`. The use cases in `booking/` compose
/// the steps they need; dropping the handle without `commit` rolls back.
#[async_trait]
pub trait BookingTx: Send {
    /// Cancels the booking (uid) a reschedule replaces; `insert` then links
    /// it to its successor. `WrongStatus` when it no longer holds its time.
    async fn cancel_for_reschedule(&mut self, old_uid: &str, actor: &str) -> Result<()>;
    /// Uses up a one-off link (id) for the booking `uid` (`LinkGone` if it cannot).
    async fn consume_link(&mut self, link_id: &str, uid: &str) -> Result<()>;
    /// Finalizes a poll (id) on `option` for the booking `uid` and returns its
    /// participants, read once the poll is locked (votes can no longer change).
    async fn finalize_poll(
        &mut self,
        poll_id: &str,
        option: usize,
        uid: &str,
    ) -> Result<Vec<crate::domain::Participant>>;
    /// Deletes a hold (id) the booking uses up; one already gone is no error.
    async fn consume_hold(&mut self, hold_id: &str) -> Result<()>;
    /// Inserts a hold on `hosts` (as decided from this transaction's snapshot)
    /// instead of a booking; an overlap the database refuses is `SlotTaken`.
    async fn insert_hold(&mut self, hold: &NewHold, hosts: &[String]) -> Result<()>;
    /// The live holds (at `now`) a client took: `(event type id, expires at)`.
    /// Exact when the transaction was opened with the client's key among its
    /// locks.
    async fn client_holds(
        &mut self,
        client_key: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, DateTime<Utc>)>>;
    /// The hosts' time-holding bookings, holds, busy time and stale calendars in `window`.
    async fn snapshot(
        &mut self,
        hosts: &[String],
        window: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Snapshot>;
    async fn pool_history(&mut self, request: &PoolRequest) -> Result<PoolHistory>;
    /// Inserts the booking as decided (an overlap the database refuses is `SlotTaken`).
    async fn insert(&mut self, new: &NewBooking, decision: Decision) -> Result<Booking>;
    /// Queues the effects the use case named, in this transaction.
    async fn enqueue(
        &mut self,
        organization_id: &str,
        effects: &[crate::domain::NewEffect],
    ) -> Result<()>;
    async fn commit(self: Box<Self>) -> Result<()>;
}

#[async_trait]
pub trait Store: CalendarStore + EffectStore + WorkflowStore + Send + Sync {
    /// `postgres` or `sqlite`.
    fn backend(&self) -> &'static str;
    async fn migrate(&self) -> Result<()>;
    /// Calls `hook` whenever another process changes data, if the database
    /// can tell (PostgreSQL: LISTEN/NOTIFY). Returns whether it can; an
    /// embedded SQLite file has one Kairos process, which sees its own writes.
    async fn watch_changes(&self, hook: ChangeHook) -> Result<bool>;
    async fn ping(&self) -> Result<()>;

    async fn create_organization(&self, name: &str) -> Result<Organization>;
    async fn organizations(&self) -> Result<Vec<Organization>>;
    /// Where the organization's pages may be embedded (`NotFound` for an unknown organization).
    async fn embedding(&self, organization_id: &str) -> Result<EmbeddingSettings>;
    /// Replaces them (already normalized); returns what is stored.
    async fn set_embedding(
        &self,
        organization_id: &str,
        settings: &EmbeddingSettings,
    ) -> Result<EmbeddingSettings>;
    /// A key by its hash only (no prefix kept); its id.
    async fn create_api_key(
        &self,
        organization_id: &str,
        name: &str,
        key_hash: &str,
    ) -> Result<String>;
    async fn insert_api_key(
        &self,
        organization_id: &str,
        name: &str,
        key: &NewApiKey,
    ) -> Result<ApiKey>;
    /// The organization's keys (every organization's with `None`), oldest first.
    async fn api_keys(&self, organization_id: Option<&str>) -> Result<Vec<ApiKey>>;
    /// Revokes a key (`organization_id` `None`: whichever it belongs to);
    /// revoking twice keeps the first time.
    async fn revoke_api_key(&self, organization_id: Option<&str>, id: &str) -> Result<ApiKey>;
    /// Who a key belongs to, by its hash (revoked keys too, marked).
    async fn api_key(&self, key_hash: &str) -> Result<Option<KeyOwner>>;
    /// Records a key's use at `now` unless one was recorded after `since`
    /// (several processes may race; the condition keeps it one write).
    async fn touch_api_key(&self, id: &str, now: DateTime<Utc>, since: DateTime<Utc>)
    -> Result<()>;
    /// Closes the connections (at shutdown); later calls answer `PoolClosed`.
    async fn close(&self);

    async fn insert_user(&self, organization_id: &str, input: &UserInput) -> Result<User>;
    async fn update_user(&self, organization_id: &str, id: &str, input: &UserInput)
    -> Result<User>;
    async fn users(&self, organization_id: &str) -> Result<Vec<User>>;
    async fn user(&self, organization_id: &str, id: &str) -> Result<User>;
    /// Sets (or with `None` turns off) a user's calendar feed, by the hash
    /// of its token.
    async fn set_calendar_feed(
        &self,
        organization_id: &str,
        user_id: &str,
        token_hash: Option<&str>,
    ) -> Result<()>;
    /// The user a calendar feed token (its hash) belongs to.
    async fn user_by_calendar_feed(&self, token_hash: &str) -> Result<Option<User>>;
    async fn user_by_slug(&self, slug: &str) -> Result<User>;
    async fn delete_user(&self, organization_id: &str, id: &str) -> Result<()>;

    async fn insert_schedule(
        &self,
        organization_id: &str,
        input: &ScheduleInput,
    ) -> Result<Schedule>;
    async fn update_schedule(
        &self,
        organization_id: &str,
        id: &str,
        input: &ScheduleInput,
    ) -> Result<Schedule>;
    async fn schedules(&self, organization_id: &str) -> Result<Vec<Schedule>>;
    async fn schedule(&self, organization_id: &str, id: &str) -> Result<Schedule>;
    /// The host's default schedule (or their oldest one).
    async fn default_schedule(&self, user_id: &str) -> Result<Option<Schedule>>;
    async fn delete_schedule(&self, organization_id: &str, id: &str) -> Result<()>;

    async fn insert_event_type(
        &self,
        organization_id: &str,
        input: &EventTypeInput,
    ) -> Result<EventType>;
    async fn update_event_type(
        &self,
        organization_id: &str,
        id: &str,
        input: &EventTypeInput,
    ) -> Result<EventType>;
    async fn event_types(&self, organization_id: &str) -> Result<Vec<EventType>>;
    async fn event_type(&self, organization_id: &str, id: &str) -> Result<EventType>;
    async fn event_type_by_slugs(
        &self,
        user_slug: &str,
        event_slug: &str,
    ) -> Result<(EventType, User)>;
    async fn delete_event_type(&self, organization_id: &str, id: &str) -> Result<()>;

    async fn insert_team(&self, organization_id: &str, input: &TeamInput) -> Result<Team>;
    async fn update_team(&self, organization_id: &str, id: &str, input: &TeamInput)
    -> Result<Team>;
    async fn teams(&self, organization_id: &str) -> Result<Vec<Team>>;
    async fn team(&self, organization_id: &str, id: &str) -> Result<Team>;
    async fn delete_team(&self, organization_id: &str, id: &str) -> Result<()>;
    /// A team by its slug and its public event types, each with its owner.
    async fn team_page(&self, slug: &str) -> Result<(Team, Vec<(EventType, User)>)>;
    /// One of a team's public event types by the team's slug and its own.
    async fn team_event_type(&self, team_slug: &str, event_slug: &str)
    -> Result<(EventType, User)>;

    async fn insert_busy_block(
        &self,
        organization_id: &str,
        input: &BusyBlockInput,
    ) -> Result<BusyBlock>;
    /// Busy blocks of the organization's hosts (optionally one host's), by start.
    async fn list_busy_blocks(
        &self,
        organization_id: &str,
        user_id: Option<&str>,
    ) -> Result<Vec<BusyBlock>>;
    async fn delete_busy_block(&self, organization_id: &str, id: &str) -> Result<()>;
    /// Busy blocks, time-holding bookings and holds (any event type) of these
    /// hosts overlapping `[from, to)`: what availability is computed from.
    async fn snapshot(
        &self,
        user_ids: &[String],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Snapshot>;

    /// Opens a booking transaction holding the write locks of `hosts`; the
    /// use cases in `booking/` compose its steps.
    async fn begin_booking<'a>(&'a self, hosts: &[String]) -> Result<Box<dyn BookingTx + 'a>>;
    async fn booking(&self, uid: &str) -> Result<StoredBooking>;
    /// Keeps the hash of a link's token for a booking (`NotFound` without
    /// the booking).
    async fn add_booking_link(
        &self,
        uid: &str,
        purpose: crate::domain::LinkPurpose,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// What a link's token (as its hash) opens on this booking.
    async fn booking_link(
        &self,
        uid: &str,
        token_hash: &str,
    ) -> Result<Option<crate::domain::LinkPurpose>>;
    /// A hold by the hash of its token, expired or not.
    async fn hold(&self, token_hash: &str) -> Result<Option<StoredHold>>;
    /// Releases a hold by the hash of its token: `NotFound("hold")` unless it
    /// was still live at `now`.
    async fn release_hold(&self, token_hash: &str, now: DateTime<Utc>) -> Result<()>;
    /// Deletes holds expired at `now` (tidying only: expired holds count for
    /// nothing anyway); how many.
    async fn sweep_holds(&self, now: DateTime<Utc>) -> Result<u64>;
    /// The booking an idempotency key (as stored: its hash) made, with the
    /// fingerprint of its request and its sealed manage token.
    async fn booking_by_idempotency_key(
        &self,
        event_type_id: &str,
        key: &str,
    ) -> Result<Option<KeyedBooking>>;
    async fn bookings(&self, organization_id: &str, filter: &BookingFilter)
    -> Result<Vec<Booking>>;
    async fn history(&self, uid: &str) -> Result<Vec<StatusChange>>;
    /// Bookings per host of an event type made in `[from, to)` (cancelled and
    /// rejected ones not counted), for the fairness report.
    async fn bookings_per_host(
        &self,
        event_type_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(String, i64)>>;
    async fn insert_link(
        &self,
        organization_id: &str,
        input: &LinkInput,
        token_hash: &str,
    ) -> Result<Link>;
    async fn links(&self, organization_id: &str) -> Result<Vec<Link>>;
    /// A link by the hash of its token, with its organization.
    async fn link_by_token(&self, token_hash: &str) -> Result<(Link, String)>;
    async fn revoke_link(&self, organization_id: &str, id: &str) -> Result<Link>;
    /// A poll, its hidden event type already made, its invited participants
    /// and the effects its creation causes, in one transaction.
    async fn insert_poll(&self, organization_id: &str, poll: &NewPoll) -> Result<Poll>;
    async fn poll(&self, organization_id: &str, id: &str) -> Result<Poll>;
    /// `(poll, its event type id, organization)` by the hash of its open link's token.
    async fn poll_by_open_token(&self, token_hash: &str) -> Result<(Poll, String, String)>;
    /// `(participant, poll, event type id, organization)` by the hash of a personal token.
    async fn participant_by_token(
        &self,
        token_hash: &str,
    ) -> Result<(Participant, Poll, String, String)>;
    async fn poll_participants(&self, poll_id: &str) -> Result<Vec<Participant>>;
    /// Adds someone through an open link (409 on an email already in the poll).
    async fn join_poll(
        &self,
        poll_id: &str,
        invited: &Invited,
        token_hash: &str,
        options: usize,
    ) -> Result<Participant>;
    /// Records a participant's votes while the poll is open.
    async fn save_ballot(
        &self,
        participant_id: &str,
        votes: &[Option<Vote>],
        comment: Option<&str>,
    ) -> Result<Participant>;
    /// Keeps the hash of another token to a participant's page (the one a
    /// poll email carries), the participant named by poll and email.
    async fn add_poll_link(
        &self,
        poll_id: &str,
        email: &str,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// Closes an open poll without a meeting, queueing `effects` with it
    /// (`WrongStatus` unless it was open).
    async fn close_poll(&self, poll_id: &str, effects: &[crate::domain::NewEffect]) -> Result<()>;
    /// Open polls whose deadline has passed, with their event type and organization.
    async fn due_polls(&self, now: DateTime<Utc>) -> Result<Vec<(Poll, String, String)>>;
    /// The pool history a [`PoolRequest`] asks for, outside a booking transaction.
    async fn pool_history(&self, request: &PoolRequest) -> Result<PoolHistory>;
    /// When each host joined the event type's pool.
    async fn pool_joined(&self, event_type_id: &str) -> Result<Vec<(String, DateTime<Utc>)>>;
    /// Moves a booking from one of `from` to `to`, recording who did it.
    async fn change_status(
        &self,
        uid: &str,
        from: &[BookingStatus],
        change: &StatusUpdate,
    ) -> Result<Booking>;
}

pub type SharedStore = Arc<dyn Store>;

/// What [`Store::watch_changes`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Some process changed data availability depends on.
    Data,
    /// Notifications stopped (connection lost): caches must not be trusted
    /// until the next `Data`.
    Lost,
}

pub type ChangeHook = Arc<dyn Fn(Change) + Send + Sync>;

/// Which database a URL names (`sqlite` or `postgres`), or why it names none.
/// Only the scheme is quoted back: the rest may hold a password.
pub fn backend_of(url: &str) -> std::result::Result<&'static str, String> {
    if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok("postgres")
    } else if url.starts_with("sqlite:") {
        Ok("sqlite")
    } else {
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        let named = if scheme.is_empty() || scheme.contains(['/', '\\', '.']) {
            "has no scheme".to_string()
        } else {
            format!("has the unsupported scheme {scheme:?}")
        };
        Err(format!(
            "the database URL {named}: use sqlite://PATH (embedded) \
             or postgres://USER@HOST/DATABASE"
        ))
    }
}

/// Opens the store a database URL names (`sqlite:…` or `postgres:…`).
pub async fn connect(url: &str) -> Result<SharedStore> {
    match backend_of(url) {
        Ok("postgres") => Ok(Arc::new(PgStore::connect(url).await?)),
        Ok(_) => Ok(Arc::new(SqliteStore::connect(url).await?)),
        Err(message) => Err(StoreError::Database(sqlx::Error::Configuration(
            message.into(),
        ))),
    }
}
