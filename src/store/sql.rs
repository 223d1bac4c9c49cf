//! The SQL both backends share, written once and instantiated per database by
//! [`sql_store!`]. Each backend supplies `pool`, `begin_write` (its
//! transaction and locking discipline) and `is_overlap` (how its database
//! reports an overlapping booking).

use super::{BusyBlock, BusyBlockInput, HostBooking, Organization, Result, StoreError};
use crate::domain::{
    Booking, BookingStatus, Email, EventType, EventTypeInput, Invitee, Schedule, ScheduleInput,
    Slug, TimeZoneName, User, UserInput,
};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

pub(super) fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(super) fn from_json<T: DeserializeOwned>(what: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn parsed<T, E: std::fmt::Display>(what: &str, value: std::result::Result<T, E>) -> Result<T> {
    value.map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// Milliseconds: enough to order bookings made in one second (round robin
/// asks who was booked last), and a fixed-width fraction keeps SQLite's text
/// instants sorting in time order.
pub(super) fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap_or_default()
}

#[derive(sqlx::FromRow)]
pub(super) struct OrganizationRow {
    id: String,
    name: String,
    created_at: DateTime<Utc>,
}

impl From<OrganizationRow> for Organization {
    fn from(row: OrganizationRow) -> Self {
        Organization {
            id: row.id,
            name: row.name,
            created_at: row.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ApiKeyRow {
    id: String,
    organization_id: String,
    name: String,
    prefix: Option<String>,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKeyRow> for crate::domain::ApiKey {
    fn from(row: ApiKeyRow) -> Self {
        crate::domain::ApiKey {
            id: row.id,
            organization_id: row.organization_id,
            name: row.name,
            prefix: row.prefix,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
        }
    }
}

pub(super) const API_KEY_COLUMNS: &str =
    "id, organization_id, name, prefix, created_at, last_used_at, revoked_at";

#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    id: String,
    organization_id: String,
    slug: String,
    name: String,
    email: String,
    timezone: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl UserRow {
    pub(super) fn into_user(self) -> Result<User> {
        Ok(User {
            id: self.id,
            organization_id: self.organization_id,
            input: UserInput {
                slug: parsed("users.slug", Slug::parse(self.slug))?,
                name: self.name,
                email: parsed("users.email", Email::parse(self.email))?,
                timezone: parsed("users.timezone", TimeZoneName::parse(self.timezone))?,
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ScheduleRow {
    id: String,
    user_id: String,
    name: String,
    timezone: String,
    weekly: String,
    overrides: String,
    is_default: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl ScheduleRow {
    pub(super) fn into_schedule(self) -> Result<Schedule> {
        Ok(Schedule {
            id: self.id,
            input: ScheduleInput {
                user_id: self.user_id,
                name: self.name,
                timezone: parsed("schedules.timezone", TimeZoneName::parse(self.timezone))?,
                weekly: from_json("schedules.weekly", &self.weekly)?,
                overrides: from_json("schedules.overrides", &self.overrides)?,
                is_default: self.is_default,
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct EventTypeRow {
    id: String,
    body: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl EventTypeRow {
    pub(super) fn into_event_type(self) -> Result<EventType> {
        let input: EventTypeInput = from_json("event_types.body", &self.body)?;
        Ok(EventType {
            id: self.id,
            input,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct BusyRow {
    id: String,
    user_id: String,
    start_at: DateTime<Utc>,
    end_at: DateTime<Utc>,
    source: String,
    external_id: Option<String>,
    ical: Option<String>,
    series: Option<String>,
}

impl From<BusyRow> for BusyBlock {
    fn from(row: BusyRow) -> Self {
        BusyBlock {
            id: row.id,
            input: BusyBlockInput {
                user_id: row.user_id,
                start: row.start_at,
                end: row.end_at,
                source: row.source,
                external_id: row.external_id,
                ical: row.ical,
            },
            series: row.series,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct HostBookingRow {
    booking_id: String,
    event_type_id: String,
    user_id: String,
    start_at: DateTime<Utc>,
    end_at: DateTime<Utc>,
    slot_key: String,
}

impl From<HostBookingRow> for HostBooking {
    fn from(row: HostBookingRow) -> Self {
        HostBooking {
            booking_id: row.booking_id,
            event_type_id: row.event_type_id,
            user_id: row.user_id,
            start: row.start_at,
            end: row.end_at,
            slot_key: row.slot_key,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct BookingRow {
    pub(super) id: String,
    pub(super) uid: String,
    pub(super) organization_id: String,
    event_type_id: String,
    start_at: DateTime<Utc>,
    end_at: DateTime<Utc>,
    pub(super) status: String,
    invitee_name: String,
    invitee_email: String,
    invitee_timezone: String,
    answers: String,
    utm: String,
    cancel_reason: Option<String>,
    cancelled_by: Option<String>,
    rescheduled_from: Option<String>,
    rescheduled_to: Option<String>,
    assignment_reason: Option<String>,
    attendees: Option<String>,
    pub(super) manage_token_hash: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// `SELECT <every booking column> FROM bookings <rest>`, as one literal (sqlx
/// accepts only static SQL strings unless told the text is audited).
macro_rules! select_bookings {
    ($rest:literal) => {
        concat!(
            "SELECT id, uid, organization_id, event_type_id, start_at, end_at, status, invitee_name, \
             invitee_email, invitee_timezone, answers, utm, cancel_reason, cancelled_by, \
             rescheduled_from, rescheduled_to, assignment_reason, attendees, manage_token_hash, created_at, updated_at \
             FROM bookings ",
            $rest
        )
    };
}
pub(crate) use select_bookings;

pub(super) fn status(text: &str) -> Result<BookingStatus> {
    BookingStatus::parse(text)
        .ok_or_else(|| StoreError::Corrupt(format!("bookings.status {text:?}")))
}

impl BookingRow {
    pub(super) fn into_booking(self, hosts: Vec<String>) -> Result<Booking> {
        Ok(Booking {
            uid: self.uid,
            event_type_id: self.event_type_id,
            hosts,
            start: self.start_at,
            end: self.end_at,
            status: status(&self.status)?,
            invitee: Invitee {
                name: self.invitee_name,
                email: parsed("bookings.invitee_email", Email::parse(self.invitee_email))?,
                timezone: parsed(
                    "bookings.invitee_timezone",
                    TimeZoneName::parse(self.invitee_timezone),
                )?,
            },
            answers: from_json("bookings.answers", &self.answers)?,
            utm: from_json("bookings.utm", &self.utm)?,
            cancel_reason: self.cancel_reason,
            cancelled_by: self.cancelled_by,
            rescheduled_from: self.rescheduled_from,
            rescheduled_to: self.rescheduled_to,
            assignment_reason: self.assignment_reason,
            attendees: match &self.attendees {
                Some(text) => from_json("bookings.attendees", text)?,
                None => Vec::new(),
            },
            calendar_event_changed: Vec::new(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct LinkRow {
    id: String,
    pub(super) organization_id: String,
    event_type_id: String,
    times: Option<String>,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    used_booking: Option<String>,
    created_at: DateTime<Utc>,
}

pub(super) const LINK_COLUMNS: &str =
    "id, organization_id, event_type_id, times, expires_at, revoked_at, used_booking, created_at";

impl LinkRow {
    pub(super) fn into_link(self) -> Result<crate::domain::Link> {
        let mut link = crate::domain::Link {
            id: self.id,
            input: crate::domain::LinkInput {
                event_type_id: self.event_type_id,
                times: match &self.times {
                    Some(text) => from_json("one_off_links.times", text)?,
                    None => Vec::new(),
                },
                expires_at: self.expires_at,
            },
            state: crate::domain::LinkState::Active,
            used_booking: self.used_booking,
            revoked_at: self.revoked_at,
            created_at: self.created_at,
        };
        link.state = link.state_at(Utc::now());
        Ok(link)
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct PollRow {
    id: String,
    pub(super) organization_id: String,
    pub(super) event_type_id: String,
    body: String,
    status: String,
    chosen_option: Option<i64>,
    booking_uid: Option<String>,
    created_at: DateTime<Utc>,
}

pub(super) const POLL_COLUMNS: &str = "p.id, p.organization_id, p.event_type_id, p.body, p.status, p.chosen_option, p.booking_uid, p.created_at";

impl PollRow {
    pub(super) fn into_poll(self) -> Result<crate::domain::Poll> {
        Ok(crate::domain::Poll {
            id: self.id,
            input: from_json("polls.body", &self.body)?,
            event_type_id: self.event_type_id,
            status: crate::domain::PollStatus::parse(&self.status)
                .ok_or_else(|| StoreError::Corrupt(format!("polls.status {:?}", self.status)))?,
            chosen_option: self.chosen_option.and_then(|o| usize::try_from(o).ok()),
            booking_uid: self.booking_uid,
            created_at: self.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ParticipantRow {
    id: String,
    name: String,
    email: String,
    votes: String,
    comment: Option<String>,
}

pub(super) const PARTICIPANT_COLUMNS: &str = "pp.id, pp.name, pp.email, pp.votes, pp.comment";

impl ParticipantRow {
    pub(super) fn into_participant(self) -> Result<crate::domain::Participant> {
        Ok(crate::domain::Participant {
            id: self.id,
            name: self.name,
            email: parsed(
                "poll_participants.email",
                crate::domain::Email::parse(self.email),
            )?,
            votes: from_json("poll_participants.votes", &self.votes)?,
            comment: self.comment,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct HistoryRow {
    pub(super) from_status: Option<String>,
    pub(super) to_status: String,
    pub(super) actor: String,
    pub(super) note: Option<String>,
    pub(super) at: DateTime<Utc>,
}

/// Maps a unique-constraint failure to the field it protects.
pub(super) fn unique_as(field: &str) -> impl Fn(sqlx::Error) -> StoreError + '_ {
    move |error| match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate {
            field: field.to_string(),
        },
        _ => StoreError::Database(error),
    }
}

/// Maps a foreign-key failure (rows still refer to this one) to a message.
pub(super) fn in_use(message: &str) -> impl Fn(sqlx::Error) -> StoreError + '_ {
    move |error| match &error {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            StoreError::InUse(message.to_string())
        }
        _ => StoreError::Database(error),
    }
}

/// Implements [`super::Store`] for `$store` over database `$db`.
macro_rules! sql_store {
    ($store:ident, $db:ty, $backend:literal) => {
        use $crate::store::sql::*;
        use $crate::store::*;
        use $crate::domain::*;
        use chrono::{DateTime, Utc};
        use sqlx::QueryBuilder;

        impl $store {
            async fn booking_hosts(
                &self,
                executor: impl sqlx::Executor<'_, Database = $db>,
                booking_ids: &[String],
            ) -> Result<std::collections::HashMap<String, Vec<String>>> {
                let mut map: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
                if booking_ids.is_empty() {
                    return Ok(map);
                }
                let mut query = QueryBuilder::<$db>::new("SELECT booking_id, user_id FROM booking_hosts WHERE booking_id IN (");
                let mut list = query.separated(", ");
                for id in booking_ids {
                    list.push_bind(id.clone());
                }
                query.push(") ORDER BY booking_id, user_id");
                let rows: Vec<(String, String)> = query.build_query_as().fetch_all(executor).await?;
                for (booking, user) in rows {
                    map.entry(booking).or_default().push(user);
                }
                Ok(map)
            }

            async fn bookings_with_hosts(&self, rows: Vec<BookingRow>) -> Result<Vec<Booking>> {
                let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
                let mut hosts = self.booking_hosts(self.pool(), &ids).await?;
                let mut changed = self.calendar_event_changes(&rows).await?;
                rows.into_iter()
                    .map(|row| {
                        let h = hosts.remove(&row.id).unwrap_or_default();
                        let mut booking = row.into_booking(h)?;
                        booking.calendar_event_changed = changed.remove(&booking.uid).unwrap_or_default();
                        Ok(booking)
                    })
                    .collect()
            }

            /// Events of these bookings their hosts changed, by booking uid.
            async fn calendar_event_changes(
                &self,
                rows: &[BookingRow],
            ) -> Result<std::collections::HashMap<String, Vec<CalendarEventChange>>> {
                let mut map: std::collections::HashMap<String, Vec<CalendarEventChange>> = std::collections::HashMap::new();
                for chunk in rows.chunks($crate::store::calendars::BATCH) {
                    let mut query = QueryBuilder::<$db>::new(
                        "SELECT booking_uid, user_id, host_start, host_end FROM booking_events \
                         WHERE host_start IS NOT NULL AND host_end IS NOT NULL AND booking_uid IN (",
                    );
                    let mut list = query.separated(", ");
                    for row in chunk {
                        list.push_bind(row.uid.clone());
                    }
                    query.push(") ORDER BY booking_uid, user_id");
                    let found: Vec<(String, String, DateTime<Utc>, DateTime<Utc>)> =
                        query.build_query_as().fetch_all(self.pool()).await?;
                    for (uid, user_id, start, end) in found {
                        map.entry(uid).or_default().push(CalendarEventChange { user_id, start, end });
                    }
                }
                Ok(map)
            }

            async fn event_type_hosts_write(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: &str,
                input: &EventTypeInput,
            ) -> Result<()> {
                // Hosts who stay keep the moment they joined (fair share counts from it).
                let joined: Vec<(String, Option<DateTime<Utc>>)> =
                    sqlx::query_as("SELECT user_id, joined_at FROM event_type_hosts WHERE event_type_id = $1")
                        .bind(id)
                        .fetch_all(&mut **tx)
                        .await?;
                sqlx::query("DELETE FROM event_type_hosts WHERE event_type_id = $1")
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                let at = now();
                for (i, host) in input.hosts.iter().enumerate() {
                    let since = joined
                        .iter()
                        .find(|(user, _)| *user == host.user_id)
                        .and_then(|(_, when)| *when)
                        .unwrap_or(at);
                    sqlx::query("INSERT INTO event_type_hosts (event_type_id, user_id, priority, weight, joined_at) VALUES ($1, $2, $3, $4, $5)")
                        .bind(id)
                        .bind(&host.user_id)
                        .bind(host.priority)
                        .bind(host.weight)
                        .bind(since)
                        .execute(&mut **tx)
                        .await
                        .map_err(|e| match &e {
                            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::Duplicate {
                                field: format!("hosts[{i}].user_id"),
                            },
                            _ => StoreError::Database(e),
                        })?;
                }
                Ok(())
            }

            async fn pool_history(
                conn: &mut <$db as sqlx::Database>::Connection,
                request: &PoolRequest,
            ) -> Result<PoolHistory> {
                let joined: Vec<(String, Option<DateTime<Utc>>)> =
                    sqlx::query_as("SELECT user_id, joined_at FROM event_type_hosts WHERE event_type_id = $1")
                        .bind(&request.event_type_id)
                        .fetch_all(&mut *conn)
                        .await?;
                let last_booked: Vec<(String, DateTime<Utc>)> = sqlx::query_as(
                    "SELECT bh.user_id, MAX(b.created_at) FROM bookings b JOIN booking_hosts bh ON bh.booking_id = b.id \
                     WHERE b.event_type_id = $1 AND b.status NOT IN ('cancelled', 'rejected') GROUP BY bh.user_id",
                )
                .bind(&request.event_type_id)
                .fetch_all(&mut *conn)
                .await?;
                let bookings: Vec<(String, DateTime<Utc>, DateTime<Utc>)> = sqlx::query_as(
                    "SELECT bh.user_id, b.created_at, b.start_at FROM bookings b JOIN booking_hosts bh ON bh.booking_id = b.id \
                     WHERE b.event_type_id = $1 AND b.status NOT IN ('cancelled', 'rejected') \
                     AND (b.created_at >= $2 OR (b.start_at >= $3 AND b.start_at < $4))",
                )
                .bind(&request.event_type_id)
                .bind(request.made_since)
                .bind(request.starting.0)
                .bind(request.starting.1)
                .fetch_all(&mut *conn)
                .await?;
                Ok(PoolHistory {
                    joined: joined.into_iter().map(|(user, at)| (user, at.unwrap_or_default())).collect(),
                    last_booked,
                    bookings,
                })
            }

            /// Checks that every user id belongs to the organization.
            async fn check_users(&self, organization_id: &str, fields: &[(String, &str)]) -> Result<()> {
                for (field, id) in fields {
                    let found: Option<(String,)> = sqlx::query_as("SELECT id FROM users WHERE id = $1 AND organization_id = $2")
                        .bind(*id)
                        .bind(organization_id)
                        .fetch_optional(self.pool())
                        .await?;
                    if found.is_none() {
                        return Err(StoreError::Refused(format!("{field}: no such user {id:?}")));
                    }
                }
                Ok(())
            }

            async fn check_event_type_refs(&self, organization_id: &str, input: &EventTypeInput) -> Result<()> {
                let mut refs = vec![("owner_id".to_string(), input.owner_id.as_str())];
                for (i, host) in input.hosts.iter().enumerate() {
                    refs.push((format!("hosts[{i}].user_id"), host.user_id.as_str()));
                }
                self.check_users(organization_id, &refs).await?;
                if let Some(schedule) = &input.schedule_id {
                    let owner: Option<(String,)> = sqlx::query_as("SELECT user_id FROM schedules WHERE id = $1 AND organization_id = $2")
                        .bind(schedule)
                        .bind(organization_id)
                        .fetch_optional(self.pool())
                        .await?;
                    match owner {
                        None => return Err(StoreError::Refused(format!("schedule_id: no such schedule {schedule:?}"))),
                        Some((user,)) if !input.hosts.iter().any(|h| h.user_id == user) => {
                            return Err(StoreError::Refused("schedule_id: the schedule belongs to none of the hosts".to_string()));
                        }
                        Some(_) => {}
                    }
                }
                Ok(())
            }

            async fn write_history(
                tx: &mut sqlx::Transaction<'_, $db>,
                booking_id: &str,
                from: Option<BookingStatus>,
                to: BookingStatus,
                actor: &str,
                note: Option<&str>,
            ) -> Result<()> {
                sqlx::query("INSERT INTO booking_history (id, booking_id, from_status, to_status, actor, note, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(new_id())
                    .bind(booking_id)
                    .bind(from.map(|s| s.as_str()))
                    .bind(to.as_str())
                    .bind(actor)
                    .bind(note)
                    .bind(now())
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            /// Queues `kind` for a booking inside its transaction. One waiting
            /// effect per booking and kind is enough, because the worker makes
            /// the outside world match the booking as it is when the effect runs.
            async fn enqueue_effect(
                tx: &mut sqlx::Transaction<'_, $db>,
                organization_id: &str,
                booking_id: &str,
                kind: EffectKind,
                at: DateTime<Utc>,
            ) -> Result<()> {
                let merged = sqlx::query(
                    "UPDATE effects SET run_at = $1, updated_at = $1 WHERE booking_id = $2 AND kind = $3 \
                     AND status = 'pending' AND (lease_until IS NULL OR lease_until < $1)",
                )
                .bind(at)
                .bind(booking_id)
                .bind(kind.as_str())
                .execute(&mut **tx)
                .await?;
                if merged.rows_affected() == 0 {
                    sqlx::query(
                        "INSERT INTO effects (id, organization_id, kind, booking_id, status, attempts, run_at, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5, $5)",
                    )
                    .bind(new_id())
                    .bind(organization_id)
                    .bind(kind.as_str())
                    .bind(booking_id)
                    .bind(at)
                    .execute(&mut **tx)
                    .await?;
                }
                Ok(())
            }

            async fn snapshot(
                conn: &mut <$db as sqlx::Database>::Connection,
                hosts: &[String],
                from: DateTime<Utc>,
                to: DateTime<Utc>,
            ) -> Result<Snapshot> {
                let mut snapshot = Snapshot::default();
                if hosts.is_empty() {
                    return Ok(snapshot);
                }
                let mut query = QueryBuilder::<$db>::new(
                    "SELECT bh.booking_id, b.event_type_id, bh.user_id, bh.start_at, bh.end_at, bh.slot_key \
                     FROM booking_hosts bh JOIN bookings b ON b.id = bh.booking_id \
                     WHERE bh.active AND bh.start_at < ",
                );
                query.push_bind(to).push(" AND bh.end_at > ").push_bind(from).push(" AND bh.user_id IN (");
                let mut list = query.separated(", ");
                for h in hosts {
                    list.push_bind(h.clone());
                }
                query.push(")");
                let rows: Vec<HostBookingRow> = query.build_query_as().fetch_all(&mut *conn).await?;
                snapshot.bookings = rows.into_iter().map(HostBooking::from).collect();
                let mut query = QueryBuilder::<$db>::new(
                    "SELECT id, user_id, start_at, end_at, source, external_id, ical, series FROM busy_blocks WHERE start_at < ",
                );
                query.push_bind(to).push(" AND end_at > ").push_bind(from).push(" AND user_id IN (");
                let mut list = query.separated(", ");
                for h in hosts {
                    list.push_bind(h.clone());
                }
                query.push(")");
                let rows: Vec<BusyRow> = query.build_query_as().fetch_all(&mut *conn).await?;
                snapshot.busy = rows.into_iter().map(BusyBlock::from).collect();
                let mut query = QueryBuilder::<$db>::new(
                    "SELECT DISTINCT user_id FROM calendar_connections WHERE (status = 'needs_reconnect' \
                     OR awaiting_sync OR (last_synced_at IS NULL AND failures > 0)) AND user_id IN (",
                );
                let mut list = query.separated(", ");
                for h in hosts {
                    list.push_bind(h.clone());
                }
                query.push(")");
                let rows: Vec<(String,)> = query.build_query_as().fetch_all(&mut *conn).await?;
                snapshot.stale_hosts = rows.into_iter().map(|(id,)| id).collect();
                Ok(snapshot)
            }
        }

        #[async_trait::async_trait]
        impl Store for $store {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn migrate(&self) -> Result<()> {
                Self::migrator().run(self.pool()).await?;
                Ok(())
            }

            async fn watch_changes(&self, hook: ChangeHook) -> Result<bool> {
                self.watch(hook).await
            }

            async fn ping(&self) -> Result<()> {
                sqlx::query("SELECT 1").execute(self.pool()).await?;
                Ok(())
            }

            async fn create_organization(&self, name: &str) -> Result<Organization> {
                let row: OrganizationRow = sqlx::query_as("INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3) RETURNING id, name, created_at")
                    .bind(new_id())
                    .bind(name)
                    .bind(now())
                    .fetch_one(self.pool())
                    .await?;
                Ok(row.into())
            }

            async fn organizations(&self) -> Result<Vec<Organization>> {
                let rows: Vec<OrganizationRow> = sqlx::query_as("SELECT id, name, created_at FROM organizations ORDER BY created_at, id")
                    .fetch_all(self.pool())
                    .await?;
                Ok(rows.into_iter().map(Organization::from).collect())
            }

            async fn create_api_key(&self, organization_id: &str, name: &str, key_hash: &str) -> Result<String> {
                let id = new_id();
                sqlx::query("INSERT INTO api_keys (id, organization_id, name, key_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&id)
                    .bind(organization_id)
                    .bind(name)
                    .bind(key_hash)
                    .bind(now())
                    .execute(self.pool())
                    .await?;
                Ok(id)
            }

            async fn insert_api_key(&self, organization_id: &str, name: &str, key: &NewApiKey) -> Result<ApiKey> {
                let row: ApiKeyRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO api_keys (id, organization_id, name, key_hash, prefix, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING {API_KEY_COLUMNS}"
                )))
                .bind(new_id())
                .bind(organization_id)
                .bind(name)
                .bind(&key.hash)
                .bind(&key.prefix)
                .bind(now())
                .fetch_one(self.pool())
                .await
                .map_err(|e| match &e {
                    sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound,
                    _ => StoreError::from(e),
                })?;
                Ok(row.into())
            }

            async fn api_keys(&self, organization_id: Option<&str>) -> Result<Vec<ApiKey>> {
                let rows: Vec<ApiKeyRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {API_KEY_COLUMNS} FROM api_keys WHERE ($1 IS NULL OR organization_id = $1) \
                     ORDER BY created_at, id"
                )))
                .bind(organization_id)
                .fetch_all(self.pool())
                .await?;
                Ok(rows.into_iter().map(ApiKey::from).collect())
            }

            async fn revoke_api_key(&self, organization_id: Option<&str>, id: &str) -> Result<ApiKey> {
                let row: Option<ApiKeyRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) \
                     WHERE id = $2 AND ($3 IS NULL OR organization_id = $3) RETURNING {API_KEY_COLUMNS}"
                )))
                .bind(now())
                .bind(id)
                .bind(organization_id)
                .fetch_optional(self.pool())
                .await?;
                row.map(ApiKey::from).ok_or(StoreError::NotFound)
            }

            async fn api_key(&self, key_hash: &str) -> Result<Option<KeyOwner>> {
                let row: Option<(String, String, Option<DateTime<Utc>>, Option<DateTime<Utc>>)> = sqlx::query_as(
                    "SELECT id, organization_id, last_used_at, revoked_at FROM api_keys WHERE key_hash = $1",
                )
                .bind(key_hash)
                .fetch_optional(self.pool())
                .await?;
                Ok(row.map(|(key_id, organization_id, last_used_at, revoked_at)| KeyOwner {
                    key_id,
                    organization_id,
                    last_used_at,
                    revoked: revoked_at.is_some(),
                }))
            }

            async fn touch_api_key(&self, id: &str, now: DateTime<Utc>, since: DateTime<Utc>) -> Result<()> {
                sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)")
                    .bind(now)
                    .bind(id)
                    .bind(since)
                    .execute(self.pool())
                    .await?;
                Ok(())
            }

            async fn close(&self) {
                self.before_close().await;
                self.pool().close().await;
            }

            async fn insert_user(&self, organization_id: &str, input: &UserInput) -> Result<User> {
                let at = now();
                let row: UserRow = sqlx::query_as(
                    "INSERT INTO users (id, organization_id, slug, name, email, timezone, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     RETURNING id, organization_id, slug, name, email, timezone, created_at, updated_at",
                )
                .bind(new_id())
                .bind(organization_id)
                .bind(input.slug.as_str())
                .bind(&input.name)
                .bind(input.email.as_str())
                .bind(input.timezone.as_str())
                .bind(at)
                .bind(at)
                .fetch_one(self.pool())
                .await
                .map_err(unique_as("slug"))?;
                row.into_user()
            }

            async fn update_user(&self, organization_id: &str, id: &str, input: &UserInput) -> Result<User> {
                let row: Option<UserRow> = sqlx::query_as(
                    "UPDATE users SET slug = $1, name = $2, email = $3, timezone = $4, updated_at = $5 \
                     WHERE id = $6 AND organization_id = $7 \
                     RETURNING id, organization_id, slug, name, email, timezone, created_at, updated_at",
                )
                .bind(input.slug.as_str())
                .bind(&input.name)
                .bind(input.email.as_str())
                .bind(input.timezone.as_str())
                .bind(now())
                .bind(id)
                .bind(organization_id)
                .fetch_optional(self.pool())
                .await
                .map_err(unique_as("slug"))?;
                row.ok_or(StoreError::NotFound)?.into_user()
            }

            async fn users(&self, organization_id: &str) -> Result<Vec<User>> {
                let rows: Vec<UserRow> = sqlx::query_as(
                    "SELECT id, organization_id, slug, name, email, timezone, created_at, updated_at FROM users WHERE organization_id = $1 ORDER BY slug",
                )
                .bind(organization_id)
                .fetch_all(self.pool())
                .await?;
                rows.into_iter().map(UserRow::into_user).collect()
            }

            async fn user(&self, organization_id: &str, id: &str) -> Result<User> {
                let row: Option<UserRow> = sqlx::query_as(
                    "SELECT id, organization_id, slug, name, email, timezone, created_at, updated_at FROM users WHERE id = $1 AND organization_id = $2",
                )
                .bind(id)
                .bind(organization_id)
                .fetch_optional(self.pool())
                .await?;
                row.ok_or(StoreError::NotFound)?.into_user()
            }

            async fn user_by_slug(&self, slug: &str) -> Result<User> {
                let row: Option<UserRow> = sqlx::query_as(
                    "SELECT id, organization_id, slug, name, email, timezone, created_at, updated_at FROM users WHERE slug = $1",
                )
                .bind(slug)
                .fetch_optional(self.pool())
                .await?;
                row.ok_or(StoreError::NotFound)?.into_user()
            }

            async fn delete_user(&self, organization_id: &str, id: &str) -> Result<()> {
                let done = sqlx::query("DELETE FROM users WHERE id = $1 AND organization_id = $2")
                    .bind(id)
                    .bind(organization_id)
                    .execute(self.pool())
                    .await
                    .map_err(in_use("the user still hosts event types or bookings"))?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            }

            async fn insert_schedule(&self, organization_id: &str, input: &ScheduleInput) -> Result<Schedule> {
                self.check_users(organization_id, &[("user_id".to_string(), input.user_id.as_str())]).await?;
                let at = now();
                let mut tx = self.pool().begin().await?;
                if input.is_default {
                    sqlx::query("UPDATE schedules SET is_default = FALSE WHERE user_id = $1")
                        .bind(&input.user_id)
                        .execute(&mut *tx)
                        .await?;
                }
                let row: ScheduleRow = sqlx::query_as(
                    "INSERT INTO schedules (id, organization_id, user_id, name, timezone, weekly, overrides, is_default, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                     RETURNING id, user_id, name, timezone, weekly, overrides, is_default, created_at, updated_at",
                )
                .bind(new_id())
                .bind(organization_id)
                .bind(&input.user_id)
                .bind(&input.name)
                .bind(input.timezone.as_str())
                .bind(json(&input.weekly)?)
                .bind(json(&input.overrides)?)
                .bind(input.is_default)
                .bind(at)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                row.into_schedule()
            }

            async fn update_schedule(&self, organization_id: &str, id: &str, input: &ScheduleInput) -> Result<Schedule> {
                self.check_users(organization_id, &[("user_id".to_string(), input.user_id.as_str())]).await?;
                let mut tx = self.pool().begin().await?;
                if input.is_default {
                    sqlx::query("UPDATE schedules SET is_default = FALSE WHERE user_id = $1 AND id <> $2")
                        .bind(&input.user_id)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                let row: Option<ScheduleRow> = sqlx::query_as(
                    "UPDATE schedules SET user_id = $1, name = $2, timezone = $3, weekly = $4, overrides = $5, is_default = $6, updated_at = $7 \
                     WHERE id = $8 AND organization_id = $9 \
                     RETURNING id, user_id, name, timezone, weekly, overrides, is_default, created_at, updated_at",
                )
                .bind(&input.user_id)
                .bind(&input.name)
                .bind(input.timezone.as_str())
                .bind(json(&input.weekly)?)
                .bind(json(&input.overrides)?)
                .bind(input.is_default)
                .bind(now())
                .bind(id)
                .bind(organization_id)
                .fetch_optional(&mut *tx)
                .await?;
                let row = row.ok_or(StoreError::NotFound)?;
                tx.commit().await?;
                row.into_schedule()
            }

            async fn schedules(&self, organization_id: &str) -> Result<Vec<Schedule>> {
                let rows: Vec<ScheduleRow> = sqlx::query_as(
                    "SELECT id, user_id, name, timezone, weekly, overrides, is_default, created_at, updated_at \
                     FROM schedules WHERE organization_id = $1 ORDER BY created_at, id",
                )
                .bind(organization_id)
                .fetch_all(self.pool())
                .await?;
                rows.into_iter().map(ScheduleRow::into_schedule).collect()
            }

            async fn schedule(&self, organization_id: &str, id: &str) -> Result<Schedule> {
                let row: Option<ScheduleRow> = sqlx::query_as(
                    "SELECT id, user_id, name, timezone, weekly, overrides, is_default, created_at, updated_at \
                     FROM schedules WHERE id = $1 AND organization_id = $2",
                )
                .bind(id)
                .bind(organization_id)
                .fetch_optional(self.pool())
                .await?;
                row.ok_or(StoreError::NotFound)?.into_schedule()
            }

            async fn default_schedule(&self, user_id: &str) -> Result<Option<Schedule>> {
                let row: Option<ScheduleRow> = sqlx::query_as(
                    "SELECT id, user_id, name, timezone, weekly, overrides, is_default, created_at, updated_at \
                     FROM schedules WHERE user_id = $1 ORDER BY is_default DESC, created_at, id LIMIT 1",
                )
                .bind(user_id)
                .fetch_optional(self.pool())
                .await?;
                row.map(ScheduleRow::into_schedule).transpose()
            }

            async fn delete_schedule(&self, organization_id: &str, id: &str) -> Result<()> {
                let done = sqlx::query("DELETE FROM schedules WHERE id = $1 AND organization_id = $2")
                    .bind(id)
                    .bind(organization_id)
                    .execute(self.pool())
                    .await
                    .map_err(in_use("event types use this schedule; pick another for them first"))?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            }

            async fn insert_event_type(&self, organization_id: &str, input: &EventTypeInput) -> Result<EventType> {
                self.check_event_type_refs(organization_id, input).await?;
                let at = now();
                let id = new_id();
                let mut tx = self.pool().begin().await?;
                let row: EventTypeRow = sqlx::query_as(
                    "INSERT INTO event_types (id, organization_id, owner_id, slug, body, created_at, updated_at, schedule_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id, body, created_at, updated_at",
                )
                .bind(&id)
                .bind(organization_id)
                .bind(&input.owner_id)
                .bind(input.slug.as_str())
                .bind(json(input)?)
                .bind(at)
                .bind(at)
                .bind(&input.schedule_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(unique_as("slug"))?;
                Self::event_type_hosts_write(&mut tx, &id, input).await?;
                tx.commit().await?;
                row.into_event_type()
            }

            async fn update_event_type(&self, organization_id: &str, id: &str, input: &EventTypeInput) -> Result<EventType> {
                self.check_event_type_refs(organization_id, input).await?;
                let mut tx = self.pool().begin().await?;
                let row: Option<EventTypeRow> = sqlx::query_as(
                    "UPDATE event_types SET owner_id = $1, slug = $2, body = $3, updated_at = $4, schedule_id = $7 \
                     WHERE id = $5 AND organization_id = $6 RETURNING id, body, created_at, updated_at",
                )
                .bind(&input.owner_id)
                .bind(input.slug.as_str())
                .bind(json(input)?)
                .bind(now())
                .bind(id)
                .bind(organization_id)
                .bind(&input.schedule_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(unique_as("slug"))?;
                let row = row.ok_or(StoreError::NotFound)?;
                Self::event_type_hosts_write(&mut tx, id, input).await?;
                tx.commit().await?;
                row.into_event_type()
            }

            async fn event_types(&self, organization_id: &str) -> Result<Vec<EventType>> {
                let rows: Vec<EventTypeRow> = sqlx::query_as(
                    "SELECT id, body, created_at, updated_at FROM event_types WHERE organization_id = $1 ORDER BY created_at, id",
                )
                .bind(organization_id)
                .fetch_all(self.pool())
                .await?;
                rows.into_iter().map(EventTypeRow::into_event_type).collect()
            }

            async fn event_type(&self, organization_id: &str, id: &str) -> Result<EventType> {
                let row: Option<EventTypeRow> = sqlx::query_as(
                    "SELECT id, body, created_at, updated_at FROM event_types WHERE id = $1 AND organization_id = $2",
                )
                .bind(id)
                .bind(organization_id)
                .fetch_optional(self.pool())
                .await?;
                row.ok_or(StoreError::NotFound)?.into_event_type()
            }

            async fn event_type_by_slugs(&self, user_slug: &str, event_slug: &str) -> Result<(EventType, User)> {
                let owner = self.user_by_slug(user_slug).await?;
                let row: Option<EventTypeRow> = sqlx::query_as(
                    "SELECT id, body, created_at, updated_at FROM event_types WHERE owner_id = $1 AND slug = $2",
                )
                .bind(&owner.id)
                .bind(event_slug)
                .fetch_optional(self.pool())
                .await?;
                let event_type = row.ok_or(StoreError::NotFound)?.into_event_type()?;
                if event_type.input.hidden {
                    return Err(StoreError::NotFound);
                }
                Ok((event_type, owner))
            }

            async fn delete_event_type(&self, organization_id: &str, id: &str) -> Result<()> {
                let done = sqlx::query("DELETE FROM event_types WHERE id = $1 AND organization_id = $2")
                    .bind(id)
                    .bind(organization_id)
                    .execute(self.pool())
                    .await
                    .map_err(in_use("the event type has bookings; keep it (or change its slug) instead"))?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            }

            async fn insert_busy_block(&self, organization_id: &str, input: &BusyBlockInput) -> Result<BusyBlock> {
                self.check_users(organization_id, &[("user_id".to_string(), input.user_id.as_str())]).await?;
                let row: BusyRow = sqlx::query_as(
                    "INSERT INTO busy_blocks (id, user_id, start_at, end_at, source, external_id, ical) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     RETURNING id, user_id, start_at, end_at, source, external_id, ical, series",
                )
                .bind(new_id())
                .bind(&input.user_id)
                .bind(input.start)
                .bind(input.end)
                .bind(&input.source)
                .bind(&input.external_id)
                .bind(&input.ical)
                .fetch_one(self.pool())
                .await
                .map_err(unique_as("external_id"))?;
                Ok(row.into())
            }

            async fn list_busy_blocks(&self, organization_id: &str, user_id: Option<&str>) -> Result<Vec<BusyBlock>> {
                let mut query = QueryBuilder::<$db>::new(
                    "SELECT b.id, b.user_id, b.start_at, b.end_at, b.source, b.external_id, b.ical, b.series FROM busy_blocks b \
                     JOIN users u ON u.id = b.user_id WHERE u.organization_id = ",
                );
                query.push_bind(organization_id.to_string());
                if let Some(user) = user_id {
                    query.push(" AND b.user_id = ").push_bind(user.to_string());
                }
                query.push(" ORDER BY b.start_at, b.id LIMIT 10000");
                let rows: Vec<BusyRow> = query.build_query_as().fetch_all(self.pool()).await?;
                Ok(rows.into_iter().map(BusyBlock::from).collect())
            }

            async fn delete_busy_block(&self, organization_id: &str, id: &str) -> Result<()> {
                let done = sqlx::query(
                    "DELETE FROM busy_blocks WHERE id = $1 AND user_id IN (SELECT id FROM users WHERE organization_id = $2)",
                )
                .bind(id)
                .bind(organization_id)
                .execute(self.pool())
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            }

            async fn snapshot(&self, user_ids: &[String], from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Snapshot> {
                let mut conn = self.pool().acquire().await?;
                Self::snapshot(&mut conn, user_ids, from, to).await
            }

            async fn book(&self, new: &NewBooking, decide: Decide<'_>) -> Result<Booking> {
                let mut tx = self.begin_write(&new.candidate_hosts).await?;
                let id = new_id();
                let uid = new_booking_uid();
                let at = now();
                let mut replaced = None;
                if let Some(old_uid) = &new.replaces {
                    // The bookings row first, then its host rows: the same order as
                    // change_status, so a racing cancel and reschedule cannot deadlock,
                    // and the conditional update makes the loser see WrongStatus.
                    let old: Option<(String, String)> = sqlx::query_as("SELECT id, status FROM bookings WHERE uid = $1")
                        .bind(old_uid)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let (old_id, old_status) = old.ok_or(StoreError::NotFound)?;
                    let old_status = status(&old_status)?;
                    if !old_status.holds_time() {
                        return Err(StoreError::WrongStatus(old_status.as_str().to_string()));
                    }
                    let done = sqlx::query(
                        "UPDATE bookings SET status = 'cancelled', cancel_reason = 'rescheduled', cancelled_by = $1, \
                         updated_at = $2 WHERE id = $3 AND status = $4",
                    )
                    .bind(&new.actor)
                    .bind(at)
                    .bind(&old_id)
                    .bind(old_status.as_str())
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::WrongStatus("changed meanwhile".to_string()));
                    }
                    sqlx::query("UPDATE booking_hosts SET active = FALSE WHERE booking_id = $1")
                        .bind(&old_id)
                        .execute(&mut *tx)
                        .await?;
                    Self::write_history(&mut tx, &old_id, Some(old_status), BookingStatus::Cancelled, &new.actor, Some("rescheduled")).await?;
                    replaced = Some(old_id);
                }
                if let Some(link) = &new.consumes_link {
                    // Used up in the same transaction as the booking: of many
                    // attempts on a single-use link, exactly one gets through.
                    let done = sqlx::query(
                        "UPDATE one_off_links SET used_booking = $1 WHERE id = $2 AND used_booking IS NULL \
                         AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $3)",
                    )
                    .bind(&uid)
                    .bind(link)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        let row: Option<LinkRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {LINK_COLUMNS} FROM one_off_links WHERE id = $1")))
                            .bind(link)
                            .fetch_optional(&mut *tx)
                            .await?;
                        let state = row.ok_or(StoreError::NotFound)?.into_link()?.state;
                        return Err(StoreError::LinkGone(state));
                    }
                }
                if let Some((poll, option)) = &new.finalizes_poll {
                    // The poll closes with the booking, once: a second finalize finds it closed.
                    let done = sqlx::query(
                        "UPDATE polls SET status = 'finalized', chosen_option = $1, booking_uid = $2, updated_at = $3 \
                         WHERE id = $4 AND status IN ('open', 'closed')",
                    )
                    .bind(i64::try_from(*option).unwrap_or(i64::MAX))
                    .bind(&uid)
                    .bind(at)
                    .bind(poll)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::WrongStatus("closed".to_string()));
                    }
                }
                let mut snapshot = Self::snapshot(&mut tx, &new.candidate_hosts, new.window.0, new.window.1).await?;
                if let Some(request) = &new.pool {
                    snapshot.pool = Some(Self::pool_history(&mut tx, request).await?);
                }
                if let Some((poll, _)) = &new.finalizes_poll {
                    let rows: Vec<ParticipantRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {PARTICIPANT_COLUMNS} FROM poll_participants pp WHERE pp.poll_id = $1 ORDER BY pp.created_at, pp.id"
                    )))
                    .bind(poll)
                    .fetch_all(&mut *tx)
                    .await?;
                    snapshot.poll_participants = rows.into_iter().map(ParticipantRow::into_participant).collect::<Result<_>>()?;
                }
                let Decision { hosts, reason, party } = decide(&snapshot)?;
                let (invitee, attendees) = party.unwrap_or_else(|| (new.invitee.clone(), new.attendees.clone()));
                sqlx::query(
                    "INSERT INTO bookings (id, uid, organization_id, event_type_id, start_at, end_at, status, \
                     invitee_name, invitee_email, invitee_timezone, answers, utm, rescheduled_from, \
                     manage_token_hash, idempotency_key, created_at, updated_at, request_hash, assignment_reason, attendees, \
                     manage_token_sealed) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
                )
                .bind(&id)
                .bind(&uid)
                .bind(&new.organization_id)
                .bind(&new.event_type_id)
                .bind(new.start)
                .bind(new.end)
                .bind(new.status.as_str())
                .bind(&invitee.name)
                .bind(invitee.email.as_str())
                .bind(invitee.timezone.as_str())
                .bind(json(&new.answers)?)
                .bind(json(&new.utm)?)
                .bind(&new.replaces)
                .bind(&new.manage_token_hash)
                .bind(&new.idempotency_key)
                .bind(at)
                .bind(at)
                .bind(&new.request_hash)
                .bind(&reason)
                .bind(if attendees.is_empty() { None } else { Some(json(&attendees)?) })
                .bind(&new.manage_token_sealed)
                .execute(&mut *tx)
                .await
                .map_err(unique_as("idempotency_key"))?;
                let slot_key = if new.shared_slot {
                    group_slot_key(&new.event_type_id, new.start)
                } else {
                    id.clone()
                };
                for host in &hosts {
                    sqlx::query(
                        "INSERT INTO booking_hosts (booking_id, user_id, start_at, end_at, slot_key, active) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&id)
                    .bind(host)
                    .bind(new.start)
                    .bind(new.end)
                    .bind(&slot_key)
                    .bind(new.status.holds_time())
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| if Self::is_overlap(&e) { StoreError::SlotTaken } else { StoreError::Database(e) })?;
                }
                if let Some(old_id) = &replaced {
                    sqlx::query("UPDATE bookings SET rescheduled_to = $1 WHERE id = $2")
                        .bind(&uid)
                        .bind(old_id)
                        .execute(&mut *tx)
                        .await?;
                }
                Self::write_history(&mut tx, &id, None, new.status, &new.actor, None).await?;
                // The new booking's effect moves the replaced booking's events; the
                // replaced booking's own effect removes any its successor did not take.
                Self::enqueue_effect(&mut tx, &new.organization_id, &id, EffectKind::CalendarWrite, at).await?;
                if let Some(old_id) = &replaced {
                    Self::enqueue_effect(&mut tx, &new.organization_id, old_id, EffectKind::CalendarWrite, at).await?;
                }
                tx.commit().await?;
                // Everything the row holds is at hand: no need to read it back.
                let mut hosts = hosts;
                hosts.sort();
                Ok(Booking {
                    uid,
                    event_type_id: new.event_type_id.clone(),
                    hosts,
                    start: new.start,
                    end: new.end,
                    status: new.status,
                    invitee,
                    answers: new.answers.clone(),
                    utm: new.utm.clone(),
                    cancel_reason: None,
                    cancelled_by: None,
                    rescheduled_from: new.replaces.clone(),
                    rescheduled_to: None,
                    attendees,
                    assignment_reason: reason,
                    calendar_event_changed: Vec::new(),
                    created_at: at,
                    updated_at: at,
                })
            }

            async fn booking(&self, uid: &str) -> Result<StoredBooking> {
                let row: Option<BookingRow> = sqlx::query_as(select_bookings!("WHERE uid = $1"))
                    .bind(uid)
                    .fetch_optional(self.pool())
                    .await?;
                let row = row.ok_or(StoreError::NotFound)?;
                let organization_id = row.organization_id.clone();
                let manage_token_hash = row.manage_token_hash.clone();
                let booking = self.bookings_with_hosts(vec![row]).await?.pop().ok_or(StoreError::NotFound)?;
                Ok(StoredBooking { booking, organization_id, manage_token_hash })
            }

            async fn booking_by_idempotency_key(&self, event_type_id: &str, key: &str) -> Result<Option<KeyedBooking>> {
                let row: Option<BookingRow> = sqlx::query_as(select_bookings!("WHERE event_type_id = $1 AND idempotency_key = $2"))
                    .bind(event_type_id)
                    .bind(key)
                    .fetch_optional(self.pool())
                    .await?;
                let Some(row) = row else { return Ok(None) };
                let extra: Option<(Option<String>, Option<String>)> =
                    sqlx::query_as("SELECT request_hash, manage_token_sealed FROM bookings WHERE id = $1")
                        .bind(&row.id)
                        .fetch_optional(self.pool())
                        .await?;
                let (request_hash, manage_token_sealed) = extra.unwrap_or_default();
                let booking = self.bookings_with_hosts(vec![row]).await?.pop().ok_or(StoreError::NotFound)?;
                Ok(Some(KeyedBooking { booking, request_hash, manage_token_sealed }))
            }

            async fn bookings(&self, organization_id: &str, filter: &BookingFilter) -> Result<Vec<Booking>> {
                let mut query = QueryBuilder::<$db>::new(select_bookings!("WHERE organization_id = "));
                query.push_bind(organization_id.to_string());
                if let Some(host) = &filter.host {
                    query.push(" AND id IN (SELECT booking_id FROM booking_hosts WHERE user_id = ").push_bind(host.clone()).push(")");
                }
                if let Some(event_type) = &filter.event_type {
                    query.push(" AND event_type_id = ").push_bind(event_type.clone());
                }
                if let Some(status) = filter.status {
                    query.push(" AND status = ").push_bind(status.as_str());
                }
                if let Some(from) = filter.from {
                    query.push(" AND start_at >= ").push_bind(from);
                }
                if let Some(to) = filter.to {
                    query.push(" AND start_at < ").push_bind(to);
                }
                let limit = i64::from(filter.limit.unwrap_or(100).clamp(1, 1000));
                query.push(" ORDER BY start_at, id LIMIT ").push_bind(limit);
                query.push(" OFFSET ").push_bind(i64::from(filter.offset.unwrap_or(0)));
                let rows: Vec<BookingRow> = query.build_query_as().fetch_all(self.pool()).await?;
                self.bookings_with_hosts(rows).await
            }

            async fn history(&self, uid: &str) -> Result<Vec<StatusChange>> {
                let rows: Vec<HistoryRow> = sqlx::query_as(
                    "SELECT h.from_status, h.to_status, h.actor, h.note, h.at FROM booking_history h \
                     JOIN bookings b ON b.id = h.booking_id WHERE b.uid = $1 ORDER BY h.at, h.id",
                )
                .bind(uid)
                .fetch_all(self.pool())
                .await?;
                rows.into_iter()
                    .map(|r| {
                        Ok(StatusChange {
                            from: r.from_status.as_deref().map(status).transpose()?,
                            to: status(&r.to_status)?,
                            actor: r.actor,
                            note: r.note,
                            at: r.at,
                        })
                    })
                    .collect()
            }

            async fn bookings_per_host(&self, event_type_id: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<(String, i64)>> {
                Ok(sqlx::query_as(
                    "SELECT bh.user_id, COUNT(*) FROM bookings b JOIN booking_hosts bh ON bh.booking_id = b.id \
                     WHERE b.event_type_id = $1 AND b.status NOT IN ('cancelled', 'rejected') \
                     AND b.created_at >= $2 AND b.created_at < $3 GROUP BY bh.user_id ORDER BY bh.user_id",
                )
                .bind(event_type_id)
                .bind(from)
                .bind(to)
                .fetch_all(self.pool())
                .await?)
            }

            async fn insert_link(&self, organization_id: &str, input: &LinkInput, token_hash: &str) -> Result<Link> {
                let times = if input.times.is_empty() { None } else { Some(json(&input.times)?) };
                let row: LinkRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO one_off_links (id, organization_id, event_type_id, token_hash, times, expires_at, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {LINK_COLUMNS}"
                )))
                .bind(new_id())
                .bind(organization_id)
                .bind(&input.event_type_id)
                .bind(token_hash)
                .bind(times)
                .bind(input.expires_at)
                .bind(now())
                .fetch_one(self.pool())
                .await?;
                row.into_link()
            }

            async fn links(&self, organization_id: &str) -> Result<Vec<Link>> {
                let rows: Vec<LinkRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {LINK_COLUMNS} FROM one_off_links WHERE organization_id = $1 ORDER BY created_at DESC, id LIMIT 1000"
                )))
                .bind(organization_id)
                .fetch_all(self.pool())
                .await?;
                rows.into_iter().map(LinkRow::into_link).collect()
            }

            async fn link_by_token(&self, token_hash: &str) -> Result<(Link, String)> {
                let row: Option<LinkRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {LINK_COLUMNS} FROM one_off_links WHERE token_hash = $1"
                )))
                .bind(token_hash)
                .fetch_optional(self.pool())
                .await?;
                let row = row.ok_or(StoreError::NotFound)?;
                let organization = row.organization_id.clone();
                Ok((row.into_link()?, organization))
            }

            async fn revoke_link(&self, organization_id: &str, id: &str) -> Result<Link> {
                let row: Option<LinkRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "UPDATE one_off_links SET revoked_at = CASE WHEN used_booking IS NULL THEN COALESCE(revoked_at, $1) ELSE revoked_at END \
                     WHERE id = $2 AND organization_id = $3 \
                     RETURNING {LINK_COLUMNS}"
                )))
                .bind(now())
                .bind(id)
                .bind(organization_id)
                .fetch_optional(self.pool())
                .await?;
                row.ok_or(StoreError::NotFound)?.into_link()
            }

            async fn insert_poll(
                &self,
                organization_id: &str,
                input: &PollInput,
                event_type_id: &str,
                open_token_hash: Option<&str>,
                invited: &[(Invited, String)],
            ) -> Result<Poll> {
                self.check_users(organization_id, &[("host_id".to_string(), input.host_id.as_str())]).await?;
                let id = new_id();
                let at = now();
                let mut tx = self.pool().begin().await?;
                sqlx::query(
                    "INSERT INTO polls (id, organization_id, host_id, event_type_id, body, open_token_hash, status, deadline_at, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9)",
                )
                .bind(&id)
                .bind(organization_id)
                .bind(&input.host_id)
                .bind(event_type_id)
                .bind(json(input)?)
                .bind(open_token_hash)
                .bind(input.deadline)
                .bind(at)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                let blank: Vec<Option<Vote>> = vec![None; input.options.len()];
                for (person, token_hash) in invited {
                    sqlx::query(
                        "INSERT INTO poll_participants (id, poll_id, token_hash, name, email, votes, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(new_id())
                    .bind(&id)
                    .bind(token_hash)
                    .bind(&person.name)
                    .bind(person.email.as_str().to_ascii_lowercase())
                    .bind(json(&blank)?)
                    .bind(at)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                self.poll(organization_id, &id).await
            }

            async fn poll(&self, organization_id: &str, id: &str) -> Result<Poll> {
                let row: Option<PollRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {POLL_COLUMNS} FROM polls p WHERE p.id = $1 AND p.organization_id = $2"
                )))
                .bind(id)
                .bind(organization_id)
                .fetch_optional(self.pool())
                .await?;
                row.ok_or(StoreError::NotFound)?.into_poll()
            }

            async fn poll_by_open_token(&self, token_hash: &str) -> Result<(Poll, String, String)> {
                let row: Option<PollRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {POLL_COLUMNS} FROM polls p WHERE p.open_token_hash = $1"
                )))
                .bind(token_hash)
                .fetch_optional(self.pool())
                .await?;
                let row = row.ok_or(StoreError::NotFound)?;
                let (event_type, organization) = (row.event_type_id.clone(), row.organization_id.clone());
                Ok((row.into_poll()?, event_type, organization))
            }

            async fn participant_by_token(&self, token_hash: &str) -> Result<(Participant, Poll, String, String)> {
                let row: Option<ParticipantRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {PARTICIPANT_COLUMNS} FROM poll_participants pp WHERE pp.token_hash = $1"
                )))
                .bind(token_hash)
                .fetch_optional(self.pool())
                .await?;
                let participant = row.ok_or(StoreError::NotFound)?.into_participant()?;
                let poll: Option<PollRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {POLL_COLUMNS} FROM polls p JOIN poll_participants pp ON pp.poll_id = p.id WHERE pp.id = $1"
                )))
                .bind(&participant.id)
                .fetch_optional(self.pool())
                .await?;
                let poll = poll.ok_or(StoreError::NotFound)?;
                let (event_type, organization) = (poll.event_type_id.clone(), poll.organization_id.clone());
                Ok((participant, poll.into_poll()?, event_type, organization))
            }

            async fn poll_participants(&self, poll_id: &str) -> Result<Vec<Participant>> {
                let rows: Vec<ParticipantRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {PARTICIPANT_COLUMNS} FROM poll_participants pp WHERE pp.poll_id = $1 ORDER BY pp.created_at, pp.id"
                )))
                .bind(poll_id)
                .fetch_all(self.pool())
                .await?;
                rows.into_iter().map(ParticipantRow::into_participant).collect()
            }

            async fn join_poll(&self, poll_id: &str, invited: &Invited, token_hash: &str, options: usize) -> Result<Participant> {
                let blank: Vec<Option<Vote>> = vec![None; options];
                let at = now();
                let row: ParticipantRow = sqlx::query_as(
                    "INSERT INTO poll_participants (id, poll_id, token_hash, name, email, votes, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id, name, email, votes, comment",
                )
                .bind(new_id())
                .bind(poll_id)
                .bind(token_hash)
                .bind(&invited.name)
                .bind(invited.email.as_str().to_ascii_lowercase())
                .bind(json(&blank)?)
                .bind(at)
                .bind(at)
                .fetch_one(self.pool())
                .await
                .map_err(unique_as("email"))?;
                row.into_participant()
            }

            async fn save_ballot(&self, participant_id: &str, votes: &[Option<Vote>], comment: Option<&str>) -> Result<Participant> {
                // Touch the poll row first: on PostgreSQL that locks it against a
                // concurrent finalize (which updates the same row); on SQLite the
                // write transaction does the same.
                let mut tx = self.begin_write(&[]).await?;
                let open = sqlx::query(
                    "UPDATE polls SET updated_at = updated_at WHERE status = 'open' \
                     AND id = (SELECT poll_id FROM poll_participants WHERE id = $1)",
                )
                .bind(participant_id)
                .execute(&mut *tx)
                .await?;
                if open.rows_affected() == 0 {
                    return Err(StoreError::WrongStatus("closed".to_string()));
                }
                let row: ParticipantRow = sqlx::query_as(
                    "UPDATE poll_participants SET votes = $1, comment = $2, updated_at = $3 WHERE id = $4 \
                     RETURNING id, name, email, votes, comment",
                )
                .bind(json(&votes)?)
                .bind(comment)
                .bind(now())
                .bind(participant_id)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                row.into_participant()
            }

            async fn close_poll(&self, poll_id: &str) -> Result<()> {
                let done = sqlx::query("UPDATE polls SET status = 'closed', updated_at = $1 WHERE id = $2 AND status = 'open'")
                    .bind(now())
                    .bind(poll_id)
                    .execute(self.pool())
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::WrongStatus("closed".to_string()));
                }
                Ok(())
            }

            async fn due_polls(&self, now: DateTime<Utc>) -> Result<Vec<(Poll, String, String)>> {
                let rows: Vec<PollRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {POLL_COLUMNS} FROM polls p WHERE p.status = 'open' AND p.deadline_at <= $1 ORDER BY p.deadline_at LIMIT 100"
                )))
                .bind(now)
                .fetch_all(self.pool())
                .await?;
                rows.into_iter()
                    .map(|row| {
                        let (event_type, organization) = (row.event_type_id.clone(), row.organization_id.clone());
                        Ok((row.into_poll()?, event_type, organization))
                    })
                    .collect()
            }

            async fn pool_history(&self, request: &PoolRequest) -> Result<PoolHistory> {
                let mut conn = self.pool().acquire().await?;
                Self::pool_history(&mut conn, request).await
            }

            async fn pool_joined(&self, event_type_id: &str) -> Result<Vec<(String, DateTime<Utc>)>> {
                let rows: Vec<(String, Option<DateTime<Utc>>)> =
                    sqlx::query_as("SELECT user_id, joined_at FROM event_type_hosts WHERE event_type_id = $1 ORDER BY user_id")
                        .bind(event_type_id)
                        .fetch_all(self.pool())
                        .await?;
                Ok(rows.into_iter().map(|(user, at)| (user, at.unwrap_or_default())).collect())
            }

            async fn change_status(&self, uid: &str, from: &[BookingStatus], change: &StatusUpdate) -> Result<Booking> {
                // A write transaction up front (SQLite: BEGIN IMMEDIATE), so a
                // concurrent writer makes us wait rather than fail.
                let mut tx = self.begin_write(&[]).await?;
                let row: Option<(String, String, String)> = sqlx::query_as("SELECT id, status, organization_id FROM bookings WHERE uid = $1")
                    .bind(uid)
                    .fetch_optional(&mut *tx)
                    .await?;
                let (id, current, organization_id) = row.ok_or(StoreError::NotFound)?;
                let current = status(&current)?;
                if !from.contains(&current) {
                    return Err(StoreError::WrongStatus(current.as_str().to_string()));
                }
                let cancelling = change.to == BookingStatus::Cancelled;
                let done = sqlx::query(
                    "UPDATE bookings SET status = $1, cancel_reason = CASE WHEN $2 THEN $3 ELSE cancel_reason END, \
                     cancelled_by = CASE WHEN $2 THEN $4 ELSE cancelled_by END, updated_at = $5 \
                     WHERE id = $6 AND status = $7",
                )
                .bind(change.to.as_str())
                .bind(cancelling)
                .bind(&change.cancel_reason)
                .bind(&change.actor)
                .bind(now())
                .bind(&id)
                .bind(current.as_str())
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::WrongStatus("changed meanwhile".to_string()));
                }
                sqlx::query("UPDATE booking_hosts SET active = $1 WHERE booking_id = $2")
                    .bind(change.to.holds_time())
                    .bind(&id)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| if Self::is_overlap(&e) { StoreError::SlotTaken } else { StoreError::Database(e) })?;
                Self::write_history(&mut tx, &id, Some(current), change.to, &change.actor, change.note.as_deref()).await?;
                Self::enqueue_effect(&mut tx, &organization_id, &id, EffectKind::CalendarWrite, now()).await?;
                tx.commit().await?;
                Ok(self.booking(uid).await?.booking)
            }
        }
    };
}

pub(crate) use sql_store;
