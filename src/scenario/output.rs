//! Slots and explanations as the JSON the spec and the CLI promise.

use crate::engine::{Explanation, Query, Reason, Slot, Via};
use serde::Serialize;

#[derive(Serialize)]
struct SlotsDoc<'a> {
    slots: Vec<SlotDoc<'a>>,
}

#[derive(Serialize)]
struct SlotDoc<'a> {
    start: String,
    hosts: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seats_left: Option<u32>,
}

/// `{"slots": [{"start", "hosts", "seats_left"?}]}` exactly as the spec shows.
pub fn slots_json(query: &Query, slots: &[Slot]) -> serde_json::Value {
    serde_json::to_value(slots_doc(query, slots)).unwrap_or_default()
}

/// [`slots_json`] as pretty-printed text: the bytes serde_json's pretty
/// printer writes (a test compares them), written directly, each host id
/// escaped once: the command line prints answers of thousands of slots.
pub fn slots_text(query: &Query, slots: &[Slot]) -> String {
    let ids: Vec<String> = query
        .hosts
        .iter()
        .map(|host| serde_json::to_string(&host.id).unwrap_or_default())
        .collect();
    let mut out = String::with_capacity(32 + slots.len() * 96);
    out.push_str("{\n  \"slots\": [");
    for (n, slot) in slots.iter().enumerate() {
        out.push_str(if n == 0 { "\n" } else { ",\n" });
        out.push_str("    {\n      \"start\": \"");
        out.push_str(&slot.start.rfc3339());
        out.push_str("\",\n      \"hosts\": [");
        for (k, &host) in slot.hosts.iter().enumerate() {
            out.push_str(if k == 0 { "\n        " } else { ",\n        " });
            out.push_str(ids.get(host).map_or("null", String::as_str));
        }
        if !slot.hosts.is_empty() {
            out.push_str("\n      ");
        }
        out.push(']');
        if let Some(seats) = slot.seats_left {
            out.push_str(",\n      \"seats_left\": ");
            out.push_str(&seats.to_string());
        }
        out.push_str("\n    }");
    }
    if !slots.is_empty() {
        out.push_str("\n  ");
    }
    out.push_str("]\n}");
    out
}

fn slots_doc<'q>(query: &'q Query, slots: &[Slot]) -> SlotsDoc<'q> {
    SlotsDoc {
        slots: slots
            .iter()
            .map(|slot| SlotDoc {
                start: slot.start.rfc3339(),
                hosts: slot
                    .hosts
                    .iter()
                    .map(|&i| query.hosts[i].id.as_str())
                    .collect(),
                seats_left: slot.seats_left,
            })
            .collect(),
    }
}

#[derive(Serialize)]
struct ExplanationDoc<'a> {
    start: String,
    slot: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    seats_left: Option<u32>,
    reasons: Vec<ReasonDoc>,
    hosts: Vec<HostDoc<'a>>,
}

#[derive(Serialize)]
struct HostDoc<'a> {
    id: &'a str,
    free: bool,
    reasons: Vec<ReasonDoc>,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ReasonDoc {
    NotOnGrid,
    OutsideRange {
        start: String,
        end: String,
    },
    MinNotice {
        earliest: String,
    },
    BookingWindow {
        last_date: String,
    },
    OutsideAvailability {
        start: String,
        end: String,
    },
    Busy {
        index: usize,
        start: String,
        end: String,
        via: &'static str,
    },
    Event {
        uid: String,
        start: String,
        end: String,
        via: &'static str,
    },
    Booking {
        index: usize,
        start: String,
        end: String,
        via: &'static str,
    },
    DailyLimit {
        date: String,
        bookings: u32,
        limit: u32,
    },
    SeatsFull {
        seats: u32,
    },
    NotEnoughHosts {
        free: usize,
        required: usize,
    },
}

fn via(via: Via) -> &'static str {
    match via {
        Via::Meeting => "meeting",
        Via::BufferBefore => "buffer_before",
        Via::BufferAfter => "buffer_after",
        Via::BookingBufferBefore => "booking_buffer_before",
        Via::BookingBufferAfter => "booking_buffer_after",
    }
}

fn reason(reason: &Reason) -> ReasonDoc {
    match reason {
        Reason::NotOnGrid => ReasonDoc::NotOnGrid,
        Reason::OutsideRange { range } => ReasonDoc::OutsideRange {
            start: range.start.rfc3339(),
            end: range.end.rfc3339(),
        },
        Reason::MinNotice { earliest } => ReasonDoc::MinNotice {
            earliest: earliest.rfc3339(),
        },
        Reason::BookingWindow { last_date } => ReasonDoc::BookingWindow {
            last_date: last_date.to_string(),
        },
        Reason::OutsideAvailability { meeting } => ReasonDoc::OutsideAvailability {
            start: meeting.start.rfc3339(),
            end: meeting.end.rfc3339(),
        },
        Reason::Busy {
            index,
            interval,
            via: v,
        } => ReasonDoc::Busy {
            index: *index,
            start: interval.start.rfc3339(),
            end: interval.end.rfc3339(),
            via: via(*v),
        },
        Reason::Event {
            uid,
            interval,
            via: v,
        } => ReasonDoc::Event {
            uid: uid.to_string(),
            start: interval.start.rfc3339(),
            end: interval.end.rfc3339(),
            via: via(*v),
        },
        Reason::Booking {
            index,
            meeting,
            via: v,
        } => ReasonDoc::Booking {
            index: *index,
            start: meeting.start.rfc3339(),
            end: meeting.end.rfc3339(),
            via: via(*v),
        },
        Reason::DailyLimit {
            date,
            bookings,
            limit,
        } => ReasonDoc::DailyLimit {
            date: date.to_string(),
            bookings: *bookings,
            limit: *limit,
        },
        Reason::SeatsFull { seats } => ReasonDoc::SeatsFull { seats: *seats },
        Reason::NotEnoughHosts { free, required } => ReasonDoc::NotEnoughHosts {
            free: *free,
            required: *required,
        },
    }
}

/// `{"start", "slot", "seats_left"?, "reasons", "hosts": [{"id", "free", "reasons"}]}`.
pub fn explanation_json(query: &Query, explanation: &Explanation) -> serde_json::Value {
    serde_json::to_value(explanation_doc(query, explanation)).unwrap_or_default()
}

/// [`explanation_json`] as pretty-printed text.
pub fn explanation_text(query: &Query, explanation: &Explanation) -> String {
    serde_json::to_string_pretty(&explanation_doc(query, explanation)).unwrap_or_default()
}

fn explanation_doc<'q>(query: &'q Query, explanation: &Explanation) -> ExplanationDoc<'q> {
    ExplanationDoc {
        start: explanation.start.rfc3339(),
        slot: explanation.slot,
        seats_left: explanation.seats_left,
        reasons: explanation.reasons.iter().map(reason).collect(),
        hosts: explanation
            .hosts
            .iter()
            .map(|h| HostDoc {
                id: query.hosts[h.host].id.as_str(),
                free: h.free,
                reasons: h.reasons.iter().map(reason).collect(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Instant;
    use crate::scenario::parse_scenario;

    #[test]
    fn slots_text_is_what_serde_pretty_prints() {
        let text = r#"{"now": "2026-05-31T12:00:00Z",
            "range": {"start": "2026-06-01T00:00:00Z", "end": "2026-06-02T00:00:00Z"},
            "event_type": {"kind": "collective", "duration_minutes": 30},
            "hosts": [
                {"id": "ana", "schedule": {"timezone": "UTC"}},
                {"id": "b\"o\\b\n\u0001é😀/", "schedule": {"timezone": "UTC"}}]}"#;
        let query = parse_scenario(text).expect("valid scenario");
        let at = |seconds: i64| Instant::from_seconds(1_780_272_000 + seconds);
        let slot = |start, hosts: &[usize], seats_left| Slot {
            start,
            hosts: hosts.to_vec(),
            seats_left,
        };
        let cases = [
            vec![],
            vec![slot(at(0), &[0], None)],
            vec![
                slot(at(0), &[0, 1], None),
                slot(at(900), &[], Some(3)),
                slot(at(-86_400 * 800), &[1], Some(0)),
                slot(Instant::from_seconds(-62_167_219_300), &[0], None),
            ],
        ];
        for slots in cases {
            let serde =
                serde_json::to_string_pretty(&slots_doc(&query, &slots)).expect("serializes");
            assert_eq!(slots_text(&query, &slots), serde);
        }
    }
}
