//! Parsed iCalendar busy rows, remembered across requests. Synced calendars
//! hold hundreds of recurring series; parsing their text on every uncached
//! slots request would make the endpoint slower with every connected
//! calendar. A row is found again by its id and the hash of its text, so an
//! updated row (same id, new text) is parsed afresh.

use crate::engine::Calendar;
use crate::engine::ical::{IcalError, parse_calendar};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock};

/// Beyond this many rows the cache starts over (a crude but bounded policy).
const CAPACITY: usize = 50_000;

type Key = (String, u64, usize);

fn cache() -> &'static Mutex<HashMap<Key, Arc<Calendar>>> {
    static CACHE: OnceLock<Mutex<HashMap<Key, Arc<Calendar>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The parsed form of busy row `id` holding `text`.
pub fn parsed(id: &str, text: &str) -> Result<Arc<Calendar>, IcalError> {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    let key = (id.to_string(), hasher.finish(), text.len());
    if let Some(found) = cache().lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(found);
    }
    let calendar = Arc::new(parse_calendar(text)?);
    if let Ok(mut cache) = cache().lock() {
        if cache.len() >= CAPACITY {
            cache.clear();
        }
        cache.insert(key, calendar.clone());
    }
    Ok(calendar)
}
