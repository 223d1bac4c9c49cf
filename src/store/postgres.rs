//! PostgreSQL: for deployments with several Kairos processes over one
//! database. Booking writes take a transaction-scoped advisory lock per
//! candidate host (in a fixed order, so two bookings never deadlock), and the
//! `booking_hosts_no_overlap` exclusion constraint rejects overlapping
//! time-holding bookings of a host whatever the code does.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres};
use std::str::FromStr;
use std::time::Duration;

pub struct PgStore {
    pool: PgPool,
    /// The change listener's task: it holds a connection of the pool, which
    /// must go back before the pool can close.
    listener: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl PgStore {
    pub async fn connect(url: &str) -> Result<Self, super::StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(32)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Ok(PgStore {
            pool,
            listener: std::sync::Mutex::new(None),
        })
    }

    fn listener_slot(&self) -> std::sync::MutexGuard<'_, Option<tokio::task::JoinHandle<()>>> {
        self.listener
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl super::dialect::Dialect for PgStore {
    type Db = Postgres;
    const NAME: &'static str = "postgres";
    /// Workers in several processes skip the rows another one is taking
    /// instead of waiting for them.
    const SKIP_LOCKED: &'static str = "FOR UPDATE SKIP LOCKED";

    fn pool(&self) -> &PgPool {
        &self.pool
    }

    fn migrator() -> sqlx::migrate::Migrator {
        sqlx::migrate!("./migrations/postgres")
    }

    async fn begin_write(
        &self,
        hosts: &[String],
    ) -> Result<sqlx::Transaction<'_, Postgres>, super::StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut sorted: Vec<&String> = hosts.iter().collect();
        sorted.sort();
        sorted.dedup();
        for host in sorted {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind(host)
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    /// Listens on `kairos_changes` (see migration 0002) in a background task.
    async fn watch(&self, hook: super::ChangeHook) -> Result<bool, super::StoreError> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.pool).await?;
        listener.listen("kairos_changes").await?;
        let task = tokio::spawn(async move {
            loop {
                match listener.try_recv().await {
                    Ok(Some(_)) => hook(super::Change::Data),
                    // The connection dropped; the next call reconnects and
                    // re-listens, but whatever happened meanwhile is unknown.
                    Ok(None) => hook(super::Change::Lost),
                    Err(error) => {
                        tracing::warn!(%error, "change notifications interrupted");
                        hook(super::Change::Lost);
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
        // A panic elsewhere while holding the slot leaves it usable: the
        // handle must be kept, or the task would run on, detached.
        let old = self.listener_slot().replace(task);
        if let Some(old) = old {
            old.abort();
        }
        Ok(true)
    }

    /// Stops the change listener, giving its connection back.
    async fn before_close(&self) {
        let task = self.listener_slot().take();
        if let Some(task) = task {
            task.abort();
            match task.await {
                Err(error) if error.is_panic() => {
                    tracing::error!(%error, "the change listener had panicked");
                }
                // Cancelled by the abort above, as asked.
                _ => {}
            }
        }
    }

    /// `23P01`: exclusion_violation, from `booking_hosts_no_overlap`.
    fn is_overlap(error: &sqlx::Error) -> bool {
        matches!(error, sqlx::Error::Database(db) if db.code().as_deref() == Some("23P01"))
    }
}

/// The store the shared SQL (`sql/`) implements the traits for.
type Backend = PgStore;

// The same module tree is compiled for SQLite in sqlite.rs: each copy sees
// its own `Backend`, which is the point.
#[allow(clippy::duplicate_mod)]
#[path = "sql/mod.rs"]
mod sql;
