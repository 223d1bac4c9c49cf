//! SQLite: the embedded default. One file, WAL mode; every booking write is a
//! `BEGIN IMMEDIATE` transaction, which takes the database's write lock up
//! front, so no other writer can slip between the availability check and the
//! insert.
//!
//! One file serves one Kairos process: its caches of slots are kept exact by
//! its own writes only. [`ProcessLock`] makes a second server refuse to start.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

pub struct SqliteStore {
    pool: SqlitePool,
}

/// Below the HTTP layer's 30-second request timeout, so a database that
/// stays locked answers 503 rather than 408.
const WAIT: Duration = Duration::from_secs(20);

impl SqliteStore {
    pub async fn connect(url: &str) -> Result<Self, super::StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // Writers queue on the lock rather than fail under load.
            .busy_timeout(WAIT);
        if let Some(path) = database_file(url) {
            create_private(&path).map_err(|e| {
                super::StoreError::Database(sqlx::Error::Configuration(
                    format!("cannot create {}: {e}", path.display()).into(),
                ))
            })?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(WAIT)
            .connect_with(options)
            .await?;
        Ok(SqliteStore { pool })
    }
}

impl super::dialect::Dialect for SqliteStore {
    type Db = Sqlite;
    const NAME: &'static str = "sqlite";
    /// SQLite has one writer at a time: claims need no row locks.
    const SKIP_LOCKED: &'static str = "";

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

    async fn before_close(&self) {}

    /// SQLite has no exclusion constraints; the write lock is the guarantee.
    fn is_overlap(_error: &sqlx::Error) -> bool {
        false
    }
}

/// The file an SQLite URL names, unless the database lives in memory.
pub fn database_file(url: &str) -> Option<PathBuf> {
    if url.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    let options = SqliteConnectOptions::from_str(url).ok()?;
    Some(options.get_filename().to_path_buf())
}

/// Creates the database file readable by its owner only (it holds people's
/// names, emails and answers). SQLite gives the `-wal` and `-shm` files it
/// makes later the database file's permissions.
#[cfg(unix)]
fn create_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            // Made by an older Kairos, or by hand: say so rather than change it.
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path)?.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    mode = format!("{:o}", mode & 0o777),
                    "the database file is readable by other users; \
                     `chmod 600` it (and its -wal and -shm files)"
                );
            }
            Ok(())
        }
        Err(error) => Err(error),
    }
}

#[cfg(not(unix))]
fn create_private(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// An exclusive lock on `<database>.lock`, held while a Kairos server (or
/// `kairos migrate`) uses an SQLite file, so a second one refuses to start
/// instead of serving from caches the first one's writes never invalidate.
/// The operating system drops the lock when the process ends, however it ends.
pub struct ProcessLock {
    _file: std::fs::File,
    pub path: PathBuf,
}

/// Why a [`ProcessLock`] was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it (its pid, when it wrote one).
    #[error(
        "{} is in use by another Kairos process{}",
        .database.display(),
        .pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
    )]
    Busy { database: PathBuf, pid: Option<u32> },
    #[error("cannot lock {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl ProcessLock {
    /// Takes the lock of the SQLite database `url` names, without waiting;
    /// `None` for PostgreSQL and in-memory databases (nothing to lock).
    pub fn acquire(url: &str) -> Result<Option<ProcessLock>, LockError> {
        if super::backend_of(url) != Ok("sqlite") {
            return Ok(None);
        }
        let Some(database) = database_file(url) else {
            return Ok(None);
        };
        let mut name = database.as_os_str().to_os_string();
        name.push(".lock");
        let path = PathBuf::from(name);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        let file = open_private(&path).map_err(io)?;
        if !try_lock(&file).map_err(io)? {
            let pid = std::fs::read_to_string(&path)
                .ok()
                .and_then(|text| text.trim().parse().ok());
            return Err(LockError::Busy { database, pid });
        }
        // Who holds it, for the message another process prints; without it
        // that message only lacks the pid, so a failure is worth a warning.
        let pid = std::process::id().to_string();
        if let Err(error) = file
            .set_len(0)
            .and_then(|()| std::io::Write::write_all(&mut &file, pid.as_bytes()))
        {
            tracing::warn!(
                path = %path.display(),
                %error,
                "cannot write our pid into the lock file"
            );
        }
        Ok(Some(ProcessLock { _file: file, path }))
    }
}

#[cfg(unix)]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

/// An exclusive advisory lock without waiting (`flock` on Unix, `LockFileEx`
/// on Windows): false when another open file holds it.
fn try_lock(file: &std::fs::File) -> std::io::Result<bool> {
    match file.try_lock() {
        Ok(()) => Ok(true),
        Err(std::fs::TryLockError::WouldBlock) => Ok(false),
        Err(std::fs::TryLockError::Error(error)) => Err(error),
    }
}

/// The store the shared SQL (`sql/`) implements the traits for.
type Backend = SqliteStore;

// The same module tree is compiled for PostgreSQL in postgres.rs: each copy
// sees its own `Backend`, which is the point.
#[allow(clippy::duplicate_mod)]
#[path = "sql/mod.rs"]
mod sql;
