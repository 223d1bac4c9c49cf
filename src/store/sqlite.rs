//! SQLite: the embedded default. One file, WAL mode; every booking write is a
//! `BEGIN IMMEDIATE` transaction, which takes the database's write lock up
//! front, so no other writer can slip between the availability check and the
//! insert.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    pub async fn connect(url: &str) -> Result<Self, super::StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // Writers queue on the lock rather than fail under load.
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Ok(SqliteStore { pool })
    }

    fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    fn migrator() -> sqlx::migrate::Migrator {
        sqlx::migrate!("./migrations/sqlite")
    }

    async fn begin_write(
        &self,
        _hosts: &[String],
    ) -> Result<sqlx::Transaction<'_, Sqlite>, super::StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    async fn watch(&self, _hook: super::ChangeHook) -> Result<bool, super::StoreError> {
        Ok(false)
    }

    /// SQLite has no exclusion constraints; the write lock is the guarantee.
    fn is_overlap(_error: &sqlx::Error) -> bool {
        false
    }
}

super::sql::sql_store!(SqliteStore, Sqlite, "sqlite");
super::calendars::calendar_store!(SqliteStore, Sqlite, "");
super::effects::effect_store!(SqliteStore, Sqlite, "");
