//! The SQL both databases share, as ordinary modules compiled once per
//! backend: `sqlite.rs` and `postgres.rs` each name their store type
//! `Backend`, implement [`Dialect`] for it (the database type, the write
//! transaction and its locks, how an overlap is reported, change
//! notifications) and include this tree through `#[path]`.
//!
//! Queries are plain SQL both accept (`$n` parameters, `RETURNING`,
//! `ON CONFLICT`). Each aggregate's file holds its rows, column lists and
//! queries as functions over a pool or a connection, so a transaction can
//! compose steps of several aggregates (as `book.rs` does). `store.rs` and
//! `calendar_store.rs` implement the traits by delegating to them; the
//! effects queue, one aggregate, implements its trait in `effects.rs`.

mod book;
mod booking_events;
mod booking_links;
mod bookings;
mod busy_blocks;
mod calendar_store;
mod connections;
mod effects;
mod event_types;
mod holds;
mod idempotency;
mod links;
mod oauth_states;
mod organizations;
mod polls;
mod schedules;
mod snapshot;
mod store;
mod sync;
mod teams;
mod users;
mod workflows;

use super::Backend;
use crate::store::dialect::Dialect;
use crate::store::{Result, StoreError};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

type Db = <Backend as Dialect>::Db;
const BACKEND: &str = <Backend as Dialect>::NAME;
const SKIP_LOCKED: &str = <Backend as Dialect>::SKIP_LOCKED;
type Pool = sqlx::Pool<Db>;
/// One connection, or an open transaction (`&mut *tx`).
type Conn = <Db as sqlx::Database>::Connection;

/// SQL put together from constants (column lists) or a dialect clause; the
/// parts are ours, never input.
fn sql(text: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(text)
}

fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn from_json<T: DeserializeOwned>(what: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn parsed<T, E: std::fmt::Display>(what: &str, value: std::result::Result<T, E>) -> Result<T> {
    value.map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// Milliseconds: enough to order bookings made in one second (round robin
/// asks who was booked last), and a fixed-width fraction keeps SQLite's text
/// instants sorting in time order.
fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap_or_default()
}

/// Maps a unique-constraint failure to the field it protects.
fn unique_as(field: &str) -> impl Fn(sqlx::Error) -> StoreError + '_ {
    move |error| match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate {
            field: field.to_string(),
        },
        _ => StoreError::Database(error),
    }
}

/// Maps a foreign-key failure (rows still refer to this one) to a message.
fn in_use(message: &str) -> impl Fn(sqlx::Error) -> StoreError + '_ {
    move |error| match &error {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            StoreError::InUse(message.to_string())
        }
        _ => StoreError::Database(error),
    }
}

/// `NotFound(what)` when a statement that names one row touched none.
fn touched(done: <Db as sqlx::Database>::QueryResult, what: &'static str) -> Result<()> {
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound(what));
    }
    Ok(())
}

/// Rows per multi-row statement (SQLite allows 32,766 bound values).
const BATCH: usize = 500;

/// Appends `(p1, p2, …)`, one bound parameter per value.
fn push_list(query: &mut sqlx::QueryBuilder<Db>, values: &[String]) {
    query.push("(");
    let mut list = query.separated(", ");
    for value in values {
        list.push_bind(value.clone());
    }
    query.push(")");
}
