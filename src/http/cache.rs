//! Answers of the public slots endpoint, kept until they can change.
//!
//! An entry is dropped when any data changes (a write through this process,
//! or a PostgreSQL notification from another) and expires exactly when the
//! passing of time could change it (see `booking::SlotsAnswer::valid_until`).
//! Without notifications (connection lost) the cache steps aside.

use crate::booking::AvailabilityInputs;
use crate::domain::EmbeddingSettings;
use crate::engine::Instant;
use crate::store::Change;
use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// More distinct queries than this and the cache starts over.
const CAPACITY: usize = 10_000;
/// Answers larger than this are not kept (a long range on a fine grid).
const MAX_ENTRY_BYTES: usize = 256 * 1024;
/// All kept answers together stay under this.
const BUDGET_BYTES: usize = 64 * 1024 * 1024;

/// How much memory a cached value holds, for the byte budget.
pub trait Weigh {
    fn weight(&self) -> usize;
}

impl Weigh for Bytes {
    fn weight(&self) -> usize {
        self.len()
    }
}

impl Weigh for Option<Arc<EmbeddingSettings>> {
    fn weight(&self) -> usize {
        self.as_ref().map_or(0, |settings| {
            settings
                .allowed_origins
                .iter()
                .flatten()
                .map(|o| o.len() + 24)
                .sum::<usize>()
                + 64
        })
    }
}

impl Weigh for Arc<AvailabilityInputs> {
    fn weight(&self) -> usize {
        // Schedules and event types are small; count a generous constant.
        4 * 1024
    }
}

struct Entry<T> {
    version: u64,
    valid_until: Option<Instant>,
    value: T,
}

/// Values derived from the database, each tagged with the data version it
/// was computed at and, optionally, the instant it stops being right.
pub struct VersionedCache<T> {
    version: AtomicU64,
    trusted: AtomicBool,
    entries: Mutex<Entries<T>>,
}

struct Entries<T> {
    map: HashMap<String, Entry<T>>,
    bytes: usize,
}

/// Serialized answers of the public slots endpoint.
pub type SlotsCache = VersionedCache<Bytes>;

/// Everything cached in a process, invalidated together.
#[derive(Default)]
pub struct Caches {
    pub slots: SlotsCache,
    /// Event types with their hosts' schedules, by `user/event` slugs.
    pub inputs: VersionedCache<Arc<AvailabilityInputs>>,
    /// Embedding settings by `org:{id}` and `user:{slug}` (`None`: no such
    /// user), read on every cross-site request to the public API.
    pub embedding: VersionedCache<Option<Arc<EmbeddingSettings>>>,
}

impl Caches {
    pub fn invalidate(&self) {
        self.slots.invalidate();
        self.inputs.invalidate();
        self.embedding.invalidate();
    }

    pub fn on_change(&self, change: Change) {
        self.slots.on_change(change);
        self.inputs.on_change(change);
        self.embedding.on_change(change);
    }
}

impl<T> Default for VersionedCache<T> {
    fn default() -> Self {
        VersionedCache {
            version: AtomicU64::new(0),
            trusted: AtomicBool::new(true),
            entries: Mutex::new(Entries {
                map: HashMap::new(),
                bytes: 0,
            }),
        }
    }
}

impl<T: Clone + Weigh> VersionedCache<T> {
    /// Something availability depends on changed.
    pub fn invalidate(&self) {
        self.version.fetch_add(1, Ordering::SeqCst);
    }

    pub fn on_change(&self, change: Change) {
        self.invalidate();
        self.trusted.store(change == Change::Data, Ordering::SeqCst);
    }

    /// The version to store a fresh answer under: read it before reading the data.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::SeqCst)
    }

    pub fn get(&self, key: &str, now: Instant) -> Option<T> {
        if !self.trusted.load(Ordering::SeqCst) {
            return None;
        }
        let version = self.version();
        let entries = self.entries.lock().ok()?;
        let entry = entries.map.get(key)?;
        let fresh = entry.version == version && entry.valid_until.is_none_or(|until| now <= until);
        fresh.then(|| entry.value.clone())
    }

    pub fn put(&self, key: String, version: u64, valid_until: Option<Instant>, value: T) {
        let weight = value.weight() + key.len();
        if weight > MAX_ENTRY_BYTES {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            // Entries from older versions are dead weight: start over rather
            // than track recency (writes are rare next to reads).
            if entries.map.len() >= CAPACITY || entries.bytes + weight > BUDGET_BYTES {
                entries.map.clear();
                entries.bytes = 0;
            }
            let old = entries.map.insert(
                key,
                Entry {
                    version,
                    valid_until,
                    value,
                },
            );
            entries.bytes += weight;
            if let Some(old) = old {
                entries.bytes = entries.bytes.saturating_sub(old.value.weight());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_with_data_and_time() {
        let cache = SlotsCache::default();
        let v = cache.version();
        cache.put("k".into(), v, Some(Instant(100)), Bytes::from_static(b"a"));
        assert!(cache.get("k", Instant(100)).is_some());
        assert!(cache.get("k", Instant(101)).is_none(), "past its validity");
        cache.put("k".into(), v, None, Bytes::from_static(b"a"));
        cache.invalidate();
        assert!(cache.get("k", Instant(0)).is_none(), "data changed");
        // An answer computed before a change is never served after it.
        let before = cache.version();
        cache.invalidate();
        cache.put("k".into(), before, None, Bytes::from_static(b"old"));
        assert!(cache.get("k", Instant(0)).is_none());
        let now = cache.version();
        cache.put("k".into(), now, None, Bytes::from_static(b"new"));
        cache.on_change(Change::Lost);
        cache.put("k".into(), cache.version(), None, Bytes::from_static(b"x"));
        assert!(
            cache.get("k", Instant(0)).is_none(),
            "not trusted without notifications"
        );
        cache.on_change(Change::Data);
        cache.put("k".into(), cache.version(), None, Bytes::from_static(b"y"));
        assert!(cache.get("k", Instant(0)).is_some());
    }
}
