//! Meeting polls and their participants; a poll is finalized inside the
//! booking's transaction.

use super::Dialect as _;
use super::{Backend, Conn, Pool, Result, StoreError, from_json, json, now, parsed, sql};
use super::{effects, users};
use crate::domain::{Email, Invited, NewEffect, Participant, Poll, PollStatus, Vote, new_id};
use crate::store::NewPoll;
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
struct PollRow {
    id: String,
    organization_id: String,
    event_type_id: String,
    body: String,
    status: String,
    chosen_option: Option<i64>,
    booking_uid: Option<String>,
    created_at: DateTime<Utc>,
}

const POLL_COLUMNS: &str = "p.id, p.organization_id, p.event_type_id, p.body, p.status, \
     p.chosen_option, p.booking_uid, p.created_at";

impl PollRow {
    fn into_poll(self) -> Result<Poll> {
        Ok(Poll {
            id: self.id,
            input: from_json("polls.body", &self.body)?,
            event_type_id: self.event_type_id,
            status: PollStatus::parse(&self.status)
                .ok_or_else(|| StoreError::Corrupt(format!("polls.status {:?}", self.status)))?,
            chosen_option: self.chosen_option.and_then(|o| usize::try_from(o).ok()),
            booking_uid: self.booking_uid,
            created_at: self.created_at,
        })
    }

    /// `(poll, its event type id, organization)`.
    fn into_parts(self) -> Result<(Poll, String, String)> {
        let (event_type, organization) = (self.event_type_id.clone(), self.organization_id.clone());
        Ok((self.into_poll()?, event_type, organization))
    }
}

#[derive(sqlx::FromRow)]
struct ParticipantRow {
    id: String,
    name: String,
    email: String,
    votes: String,
    comment: Option<String>,
}

const PARTICIPANT_COLUMNS: &str = "pp.id, pp.name, pp.email, pp.votes, pp.comment";

impl ParticipantRow {
    fn into_participant(self) -> Result<Participant> {
        Ok(Participant {
            id: self.id,
            name: self.name,
            email: parsed("poll_participants.email", Email::parse(self.email))?,
            votes: from_json("poll_participants.votes", &self.votes)?,
            comment: self.comment,
        })
    }
}

/// A poll, its hidden event type already made, with its invited
/// participants (each with the hash of their personal token) and the
/// effects its creation causes, in one transaction.
pub(super) async fn insert(store: &Backend, organization_id: &str, new: &NewPoll) -> Result<Poll> {
    let pool = store.pool();
    let input = &new.input;
    users::check_one(pool, organization_id, "host_id", &input.host_id).await?;
    let id = &new.id;
    let at = now();
    let mut tx = store.begin_write(&[]).await?;
    sqlx::query(
        "INSERT INTO polls (id, organization_id, host_id, event_type_id, body, open_token_hash, \
         status, deadline_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9)",
    )
    .bind(id)
    .bind(organization_id)
    .bind(&input.host_id)
    .bind(&new.event_type_id)
    .bind(json(input)?)
    .bind(new.open_token_hash.as_deref())
    .bind(input.deadline)
    .bind(at)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    let blank: Vec<Option<Vote>> = vec![None; input.options.len()];
    for (person, token_hash) in &new.invited {
        sqlx::query(
            "INSERT INTO poll_participants (id, poll_id, token_hash, name, email, votes, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new_id())
        .bind(id)
        .bind(token_hash)
        .bind(&person.name)
        .bind(person.email.as_str().to_ascii_lowercase())
        .bind(json(&blank)?)
        .bind(at)
        .bind(at)
        .execute(&mut *tx)
        .await?;
    }
    for effect in &new.effects {
        effects::enqueue(&mut tx, organization_id, effect, at, &[]).await?;
    }
    tx.commit().await?;
    get(pool, organization_id, id).await
}

pub(super) async fn get(pool: &Pool, organization_id: &str, id: &str) -> Result<Poll> {
    let row: Option<PollRow> = sqlx::query_as(sql(format!(
        "SELECT {POLL_COLUMNS} FROM polls p WHERE p.id = $1 AND p.organization_id = $2"
    )))
    .bind(id)
    .bind(organization_id)
    .fetch_optional(pool)
    .await?;
    row.ok_or(StoreError::NotFound("poll"))?.into_poll()
}

/// `(poll, its event type id, organization)` by the hash of its open link's token.
pub(super) async fn by_open_token(pool: &Pool, token_hash: &str) -> Result<(Poll, String, String)> {
    let row: Option<PollRow> = sqlx::query_as(sql(format!(
        "SELECT {POLL_COLUMNS} FROM polls p WHERE p.open_token_hash = $1"
    )))
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    row.ok_or(StoreError::NotFound("poll"))?.into_parts()
}

/// `(participant, poll, event type id, organization)` by a personal token's hash.
pub(super) async fn participant_by_token(
    pool: &Pool,
    token_hash: &str,
) -> Result<(Participant, Poll, String, String)> {
    // The token the admin received at creation, or one an email carried.
    let row: Option<ParticipantRow> = sqlx::query_as(sql(format!(
        "SELECT {PARTICIPANT_COLUMNS} FROM poll_participants pp WHERE pp.token_hash = $1 \
         OR pp.id = (SELECT l.participant_id FROM poll_participant_links l \
         WHERE l.token_hash = $1)"
    )))
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    let participant = row
        .ok_or(StoreError::NotFound("participant"))?
        .into_participant()?;
    let poll: Option<PollRow> = sqlx::query_as(sql(format!(
        "SELECT {POLL_COLUMNS} FROM polls p JOIN poll_participants pp ON pp.poll_id = p.id \
         WHERE pp.id = $1"
    )))
    .bind(&participant.id)
    .fetch_optional(pool)
    .await?;
    let (poll, event_type, organization) =
        poll.ok_or(StoreError::NotFound("poll"))?.into_parts()?;
    Ok((participant, poll, event_type, organization))
}

/// The poll's participants, in the order they were added.
pub(super) async fn participants(conn: &mut Conn, poll_id: &str) -> Result<Vec<Participant>> {
    let rows: Vec<ParticipantRow> = sqlx::query_as(sql(format!(
        "SELECT {PARTICIPANT_COLUMNS} FROM poll_participants pp WHERE pp.poll_id = $1 \
         ORDER BY pp.created_at, pp.id"
    )))
    .bind(poll_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(ParticipantRow::into_participant)
        .collect()
}

/// Adds someone through an open link (`Duplicate` on an email already in the poll).
pub(super) async fn join(
    pool: &Pool,
    poll_id: &str,
    invited: &Invited,
    token_hash: &str,
    options: usize,
) -> Result<Participant> {
    let blank: Vec<Option<Vote>> = vec![None; options];
    let at = now();
    let row: ParticipantRow = sqlx::query_as(
        "INSERT INTO poll_participants (id, poll_id, token_hash, name, email, votes, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         RETURNING id, name, email, votes, comment",
    )
    .bind(new_id())
    .bind(poll_id)
    .bind(token_hash)
    .bind(&invited.name)
    .bind(invited.email.as_str().to_ascii_lowercase())
    .bind(json(&blank)?)
    .bind(at)
    .bind(at)
    .fetch_one(pool)
    .await
    .map_err(super::unique_as("email"))?;
    row.into_participant()
}

/// Records a participant's votes while the poll is open, inside a write
/// transaction. The poll row is touched first: on PostgreSQL that locks it
/// against a concurrent finalize (which updates the same row); on SQLite
/// the write transaction does the same.
pub(super) async fn save_ballot(
    conn: &mut Conn,
    participant_id: &str,
    votes: &[Option<Vote>],
    comment: Option<&str>,
) -> Result<Participant> {
    let open = sqlx::query(
        "UPDATE polls SET updated_at = updated_at WHERE status = 'open' \
         AND id = (SELECT poll_id FROM poll_participants WHERE id = $1)",
    )
    .bind(participant_id)
    .execute(&mut *conn)
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
    .fetch_one(&mut *conn)
    .await?;
    row.into_participant()
}

/// Keeps the hash of another token to a participant's page (the one an
/// email carries), by poll and email (`NotFound` without the participant).
pub(super) async fn add_link(
    pool: &Pool,
    poll_id: &str,
    email: &str,
    token_hash: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query(
        "INSERT INTO poll_participant_links (token_hash, participant_id, created_at) \
         SELECT $1, id, $2 FROM poll_participants WHERE poll_id = $3 AND email = $4",
    )
    .bind(token_hash)
    .bind(at)
    .bind(poll_id)
    .bind(email.to_ascii_lowercase())
    .execute(pool)
    .await?;
    super::touched(done, "participant")
}

/// Closes an open poll without a meeting and queues what that causes, in
/// one transaction.
pub(super) async fn close(store: &Backend, poll_id: &str, queued: &[NewEffect]) -> Result<()> {
    let at = now();
    let mut tx = store.begin_write(&[]).await?;
    let closed: Option<(String,)> = sqlx::query_as(
        "UPDATE polls SET status = 'closed', updated_at = $1 WHERE id = $2 AND status = 'open' \
         RETURNING organization_id",
    )
    .bind(at)
    .bind(poll_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((organization_id,)) = closed else {
        return Err(StoreError::WrongStatus("closed".to_string()));
    };
    for effect in queued {
        effects::enqueue(&mut tx, &organization_id, effect, at, &[]).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Open polls whose deadline has passed, with their event type and organization.
pub(super) async fn due(pool: &Pool, now: DateTime<Utc>) -> Result<Vec<(Poll, String, String)>> {
    let rows: Vec<PollRow> = sqlx::query_as(sql(format!(
        "SELECT {POLL_COLUMNS} FROM polls p WHERE p.status = 'open' AND p.deadline_at <= $1 \
         ORDER BY p.deadline_at LIMIT 100"
    )))
    .bind(now)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(PollRow::into_parts).collect()
}

/// Closes the poll with booking `uid` at `option`, in the booking's
/// transaction, once: a second finalize finds it closed (`WrongStatus`).
pub(super) async fn finalize(
    conn: &mut Conn,
    poll_id: &str,
    option: usize,
    uid: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE polls SET status = 'finalized', chosen_option = $1, booking_uid = $2, \
         updated_at = $3 WHERE id = $4 AND status IN ('open', 'closed')",
    )
    .bind(i64::try_from(option).unwrap_or(i64::MAX))
    .bind(uid)
    .bind(at)
    .bind(poll_id)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::WrongStatus("closed".to_string()));
    }
    Ok(())
}
