//! What differs between the two databases, as the shared SQL (`sql/`) sees
//! it. Each backend implements [`Dialect`] and then includes the shared tree,
//! which is written against its `Backend: Dialect`; a backend that forgets a
//! piece fails to compile here, at its own impl, not deep inside a query.

use super::{ChangeHook, Result};

pub(super) trait Dialect {
    /// The sqlx database.
    type Db: sqlx::Database;
    /// What [`super::Store::backend`] answers.
    const NAME: &'static str;
    /// The row-locking clause of a worker's claim (`FOR UPDATE SKIP LOCKED`
    /// where several processes claim; empty where one writer at a time needs none).
    const SKIP_LOCKED: &'static str;

    fn pool(&self) -> &sqlx::Pool<Self::Db>;
    fn migrator() -> sqlx::migrate::Migrator;
    /// A transaction for a write that must see no other writer of these
    /// hosts between its check and its insert (bookings, calendar rows).
    async fn begin_write(&self, hosts: &[String]) -> Result<sqlx::Transaction<'_, Self::Db>>;
    /// Whether `error` is the database refusing two overlapping
    /// time-holding bookings of one host.
    fn is_overlap(error: &sqlx::Error) -> bool;
    /// See [`super::Store::watch_changes`].
    async fn watch(&self, hook: ChangeHook) -> Result<bool>;
    /// Before the pool closes (a listener gives its connection back).
    async fn before_close(&self);
}
