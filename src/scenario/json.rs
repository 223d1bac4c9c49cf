//! A fast reader for the scenario document's own shape.
//!
//! A big team's scenario is megabytes of busy entries and events, and
//! serde_json spent most of the command line's time on it. This reader knows
//! the shape, borrows every string it can and allocates nothing else per
//! entry. It reads a subset of what serde accepts, with the same meaning:
//! whatever it does not know for certain (an unknown or repeated field,
//! `null`, a number that is not a plain integer, an escape in a key, a
//! struct written as an array, trailing text) makes it give up, and serde
//! reads the document instead and names the field of an error. Tests check
//! that on every input it either gives up or agrees with serde.

use super::raw::{
    RawBooking, RawBusy, RawEventType, RawHost, RawOverride, RawRange, RawRanges, RawScenario,
    RawSchedule, RawWeekly,
};
use std::borrow::Cow;

/// The document, or `None` when serde must decide.
pub(super) fn read(text: &str) -> Option<RawScenario<'_>> {
    let mut hosts = Vec::new();
    let mut scenario = read_streaming(text, |host| hosts.push(host))?;
    scenario.hosts = hosts;
    Some(scenario)
}

/// [`read`], handing each host to `on_host` as soon as it is read, in order
/// (so that a second thread can work on it while the rest is read); the
/// answer's `hosts` is left empty. `None` when serde must decide, even if
/// some hosts were handed over.
pub(super) fn read_streaming<'a>(
    text: &'a str,
    mut on_host: impl FnMut(RawHost<'a>),
) -> Option<RawScenario<'a>> {
    let mut reader = Reader { text, at: 0 };
    let scenario = reader.scenario(&mut on_host)?;
    reader.skip_space();
    (reader.at == text.len()).then_some(scenario)
}

/// Where the fast scan of a string from `at` stops: its closing quote, an
/// escape, or a control character (which JSON forbids in strings); `None`
/// at the end of the text. Eight bytes at a time: most strings are
/// timestamps and keys, and the events' text is long.
fn scan_string(bytes: &[u8], mut at: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        // The classic "has a zero byte" test on `word` xor the byte (and, for
        // control characters, on `word` minus 0x20): exact for the lowest
        // flagged byte, which is the one we want.
        let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
        let found = zero(word ^ (ONES * u64::from(b'"')))
            | zero(word ^ (ONES * u64::from(b'\\')))
            | (word.wrapping_sub(ONES * 0x20) & !word & HIGHS);
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    while !matches!(bytes.get(at)?, b'"' | b'\\' | 0..0x20) {
        at += 1;
    }
    Some(at)
}

struct Reader<'a> {
    text: &'a str,
    at: usize,
}

/// Sets a field once: a repeated field is an error for serde, so we give up.
fn once<T>(field: &mut Option<T>, value: T) -> Option<()> {
    match field {
        Some(_) => None,
        None => {
            *field = Some(value);
            Some(())
        }
    }
}

impl<'a> Reader<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes().get(self.at) {
            self.at += 1;
        }
    }

    /// Consumes `byte` after optional whitespace, if it is next.
    fn eat(&mut self, byte: u8) -> bool {
        self.skip_space();
        if self.bytes().get(self.at) == Some(&byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    /// `{ "key": value, … }`, each value read by `field` (which gives up on
    /// a key it does not know).
    fn object(&mut self, mut field: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.expect(b'{')?;
        if self.eat(b'}') {
            return Some(());
        }
        loop {
            self.skip_space();
            // serde compares keys unescaped; an escaped key is left to it.
            let Cow::Borrowed(key) = self.string()? else {
                return None;
            };
            self.expect(b':')?;
            field(self, key)?;
            if !self.eat(b',') {
                return self.expect(b'}');
            }
        }
    }

    /// `[ item, … ]`.
    fn array<T>(&mut self, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        self.expect(b'[')?;
        let mut items = Vec::new();
        if self.eat(b']') {
            return Some(items);
        }
        loop {
            items.push(item(self)?);
            if !self.eat(b',') {
                self.expect(b']')?;
                return Some(items);
            }
        }
    }

    /// A string value, borrowed unless it has escapes.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.expect(b'"')?;
        let bytes = self.bytes();
        let start = self.at;
        let at = scan_string(bytes, start)?;
        if bytes[at] == b'"' {
            self.at = at + 1;
            // Both ends are ASCII quotes, so this is a whole UTF-8 slice.
            return self.text.get(start..at).map(Cow::Borrowed);
        }
        let mut owned = String::with_capacity(at - start + 16);
        owned.push_str(self.text.get(start..at)?);
        self.at = at;
        self.unescape_rest(&mut owned)?;
        Some(Cow::Owned(owned))
    }

    /// The rest of a string that has escapes, up to its closing quote.
    fn unescape_rest(&mut self, out: &mut String) -> Option<()> {
        let bytes = self.bytes();
        loop {
            let start = self.at;
            let at = scan_string(bytes, start)?;
            out.push_str(self.text.get(start..at)?);
            self.at = at;
            match bytes[at] {
                b'"' => {
                    self.at = at + 1;
                    return Some(());
                }
                // Escapes come in runs (`\r\n` ends every line of an
                // iCalendar text): the whole run is read before scanning on.
                b'\\' => {
                    while bytes.get(self.at) == Some(&b'\\') {
                        self.escape(out)?;
                    }
                }
                // A raw control character: serde refuses the string.
                _ => return None,
            }
        }
    }

    /// One escape, at the backslash.
    fn escape(&mut self, out: &mut String) -> Option<()> {
        let escaped = match *self.bytes().get(self.at + 1)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                self.at += 2;
                out.push(self.unicode_escape()?);
                return Some(());
            }
            _ => return None,
        };
        out.push(escaped);
        self.at += 2;
        Some(())
    }

    /// The character of `\uXXXX` (the `\u` already read), joining a
    /// surrogate pair; a lone surrogate is left to serde.
    fn unicode_escape(&mut self) -> Option<char> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                let rest = self.bytes().get(self.at..self.at + 2)?;
                if rest != b"\\u" {
                    return None;
                }
                self.at += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return None;
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return None,
            _ => first,
        };
        char::from_u32(code)
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes().get(self.at..self.at + 4)?;
        let mut value = 0;
        for &b in digits {
            value = value * 16 + char::from(b).to_digit(16)?;
        }
        self.at += 4;
        Some(value)
    }

    fn owned_string(&mut self) -> Option<String> {
        self.string().map(Cow::into_owned)
    }

    /// An integer as serde reads one into `i64`: `-?(0|[1-9][0-9]*)` not
    /// followed by a fraction or exponent, and not `-0`. More than 18 digits
    /// (near the ends of `i64`) are left to serde.
    fn integer(&mut self) -> Option<i64> {
        self.skip_space();
        let bytes = self.bytes();
        let negative = bytes.get(self.at) == Some(&b'-');
        let start = self.at + usize::from(negative);
        let mut at = start;
        let mut value: i64 = 0;
        while let Some(&b) = bytes.get(at).filter(|b| b.is_ascii_digit()) {
            if at - start == 18 {
                return None;
            }
            value = value * 10 + i64::from(b - b'0');
            at += 1;
        }
        let digits = at - start;
        // serde_json reads `-0` as a float, which an integer field refuses.
        if digits == 0 || (digits > 1 && bytes[start] == b'0') || (negative && value == 0) {
            return None;
        }
        if matches!(bytes.get(at), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        self.at = at;
        Some(if negative { -value } else { value })
    }

    fn scenario(&mut self, on_host: &mut dyn FnMut(RawHost<'a>)) -> Option<RawScenario<'a>> {
        let (mut now, mut range, mut event_type, mut hosts) = (None, None, None, None);
        self.object(|r, key| match key {
            "now" => once(&mut now, r.owned_string()?),
            "range" => once(&mut range, r.range()?),
            "event_type" => once(&mut event_type, r.event_type()?),
            "hosts" => {
                let read = r.array(|r| r.host().map(&mut *on_host))?;
                once(&mut hosts, read)
            }
            _ => None,
        })?;
        hosts?;
        Some(RawScenario {
            now: now?,
            range: range?,
            event_type: event_type?,
            hosts: Vec::new(),
        })
    }

    fn range(&mut self) -> Option<RawRange> {
        let (mut start, mut end) = (None, None);
        self.object(|r, key| match key {
            "start" => once(&mut start, r.owned_string()?),
            "end" => once(&mut end, r.owned_string()?),
            _ => None,
        })?;
        Some(RawRange {
            start: start?,
            end: end?,
        })
    }

    fn event_type(&mut self) -> Option<RawEventType> {
        let mut kind = None;
        let mut timezone = None;
        let mut numbers: [Option<i64>; 9] = [None; 9];
        const NUMBERS: [&str; 9] = [
            "duration_minutes",
            "slot_interval_minutes",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "min_notice_minutes",
            "max_days_ahead",
            "daily_limit",
            "seats",
            "required_hosts",
        ];
        self.object(|r, key| match key {
            "kind" => once(&mut kind, r.owned_string()?),
            "timezone" => once(&mut timezone, r.owned_string()?),
            _ => {
                let i = NUMBERS.iter().position(|name| *name == key)?;
                once(&mut numbers[i], r.integer()?)
            }
        })?;
        let [
            duration_minutes,
            slot_interval_minutes,
            buffer_before_minutes,
            buffer_after_minutes,
            min_notice_minutes,
            max_days_ahead,
            daily_limit,
            seats,
            required_hosts,
        ] = numbers;
        Some(RawEventType {
            kind: kind?,
            timezone,
            duration_minutes: duration_minutes?,
            slot_interval_minutes,
            buffer_before_minutes,
            buffer_after_minutes,
            min_notice_minutes,
            max_days_ahead,
            daily_limit,
            seats,
            required_hosts,
        })
    }

    fn host(&mut self) -> Option<RawHost<'a>> {
        let (mut id, mut schedule, mut busy, mut events, mut bookings) =
            (None, None, None, None, None);
        self.object(|r, key| match key {
            "id" => once(&mut id, r.owned_string()?),
            "schedule" => once(&mut schedule, r.schedule()?),
            "busy" => once(&mut busy, r.array(Self::busy)?),
            "events" => once(&mut events, r.array(Self::string)?),
            "bookings" => once(&mut bookings, r.array(Self::booking)?),
            _ => None,
        })?;
        Some(RawHost {
            id: id?,
            schedule: schedule?,
            busy: busy.unwrap_or_default(),
            events: events.unwrap_or_default(),
            bookings: bookings.unwrap_or_default(),
        })
    }

    fn schedule(&mut self) -> Option<RawSchedule> {
        let (mut timezone, mut weekly, mut overrides) = (None, None, None);
        self.object(|r, key| match key {
            "timezone" => once(&mut timezone, r.owned_string()?),
            "weekly" => once(&mut weekly, r.weekly()?),
            "overrides" => once(&mut overrides, r.array(Self::date_override)?),
            _ => None,
        })?;
        Some(RawSchedule {
            timezone: timezone?,
            weekly: weekly.unwrap_or_default(),
            overrides: overrides.unwrap_or_default(),
        })
    }

    fn weekly(&mut self) -> Option<RawWeekly> {
        let mut days: [Option<RawRanges>; 7] = Default::default();
        const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        self.object(|r, key| {
            let i = DAYS.iter().position(|name| *name == key)?;
            once(&mut days[i], r.ranges()?)
        })?;
        let [mon, tue, wed, thu, fri, sat, sun] = days;
        Some(RawWeekly {
            mon,
            tue,
            wed,
            thu,
            fri,
            sat,
            sun,
        })
    }

    fn date_override(&mut self) -> Option<RawOverride> {
        let (mut date, mut intervals) = (None, None);
        self.object(|r, key| match key {
            "date" => once(&mut date, r.owned_string()?),
            "intervals" => once(&mut intervals, r.ranges()?),
            _ => None,
        })?;
        Some(RawOverride {
            date: date?,
            intervals: intervals?,
        })
    }

    /// `[["09:00", "12:00"], …]`: each pair exactly two strings.
    fn ranges(&mut self) -> Option<RawRanges> {
        self.array(|r| {
            r.expect(b'[')?;
            let start = r.owned_string()?;
            r.expect(b',')?;
            let end = r.owned_string()?;
            r.expect(b']')?;
            Some((start, end))
        })
    }

    fn busy(&mut self) -> Option<RawBusy<'a>> {
        // The usual spelling, `{"start": "…", "end": "…"}`, is read without
        // looking its keys up; any other through the general object reader.
        self.skip_space();
        let at = self.at;
        if let Some(busy) = self.busy_as_written() {
            return Some(busy);
        }
        if let Some(busy) = self.busy_as_usual() {
            return Some(busy);
        }
        self.at = at;
        let (mut start, mut end) = (None, None);
        self.object(|r, key| match key {
            "start" => once(&mut start, r.string()?),
            "end" => once(&mut end, r.string()?),
            _ => None,
        })?;
        Some(RawBusy {
            start: start?,
            end: end?,
        })
    }

    /// A busy entry spelled byte for byte as JSON writers space it by
    /// default (Python's `json.dumps`, for one): `{"start": "…", "end": "…"}`
    /// with strings free of escapes. Tens of thousands of these make up most
    /// of a big scenario, and comparing whole runs of bytes costs a fraction
    /// of reading them token by token.
    fn busy_as_written(&mut self) -> Option<RawBusy<'a>> {
        const START: &[u8] = br#"{"start": ""#;
        const END: &[u8] = br#"", "end": ""#;
        const CLOSE: &[u8] = br#""}"#;
        let bytes = self.bytes();
        let start_at = self.at + START.len();
        if !bytes.get(self.at..)?.starts_with(START) {
            return None;
        }
        // Each string runs to the first quote, backslash or control
        // character; unless that is the quote ending it, this is not the
        // common spelling.
        let start_end = scan_string(bytes, start_at)?;
        let end_at = start_end + END.len();
        if !bytes[start_end..].starts_with(END) {
            return None;
        }
        let end_end = scan_string(bytes, end_at)?;
        if !bytes[end_end..].starts_with(CLOSE) {
            return None;
        }
        let start = self.text.get(start_at..start_end)?;
        let end = self.text.get(end_at..end_end)?;
        self.at = end_end + CLOSE.len();
        Some(RawBusy {
            start: Cow::Borrowed(start),
            end: Cow::Borrowed(end),
        })
    }

    fn busy_as_usual(&mut self) -> Option<RawBusy<'a>> {
        self.expect(b'{')?;
        self.literal(b"\"start\"")?;
        self.expect(b':')?;
        let start = self.string()?;
        self.expect(b',')?;
        self.literal(b"\"end\"")?;
        self.expect(b':')?;
        let end = self.string()?;
        self.expect(b'}')?;
        Some(RawBusy { start, end })
    }

    /// Consumes `text` after optional whitespace, if it is next.
    fn literal(&mut self, text: &[u8]) -> Option<()> {
        self.skip_space();
        let next = self.bytes().get(self.at..self.at + text.len())?;
        (next == text).then(|| self.at += text.len())
    }

    fn booking(&mut self) -> Option<RawBooking<'a>> {
        let (mut start, mut hosts, mut status) = (None, None, None);
        self.object(|r, key| match key {
            "start" => once(&mut start, r.string()?),
            "hosts" => once(&mut hosts, r.array(Self::owned_string)?),
            "status" => once(&mut status, r.owned_string()?),
            _ => None,
        })?;
        Some(RawBooking {
            start: start?,
            hosts: hosts.unwrap_or_default(),
            status: status?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// The fast reader must give up or read exactly what serde reads.
    fn agrees(text: &str) -> bool {
        let fast = read(text);
        let known = fast.is_some();
        if let Some(fast) = fast {
            let serde: Result<RawScenario, _> = serde_json::from_str(text);
            match serde {
                Ok(serde) => assert_eq!(fast, serde, "{text}"),
                Err(error) => panic!("serde refuses ({error}) what the fast reader took: {text}"),
            }
        }
        known
    }

    fn examples() -> Vec<String> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/spec/examples");
        let mut texts: Vec<String> = std::fs::read_dir(&dir)
            .expect("the spec's examples ship with the repository")
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| {
                path.extension().is_some_and(|e| e == "json")
                    && !path.to_string_lossy().ends_with(".expected.json")
            })
            .map(|path| std::fs::read_to_string(path).expect("readable example"))
            .collect();
        texts.sort();
        texts
    }

    const BASE: &str = r#"{"now": "2026-05-31T12:00:00Z",
        "range": {"start": "2026-06-01T00:00:00Z", "end": "2026-06-02T00:00:00Z"},
        "event_type": {"kind": "round_robin", "duration_minutes": 30, "daily_limit": 0},
        "hosts": [{"id": "a", "schedule": {"timezone": "UTC",
            "weekly": {"mon": [["09:00", "12:00"]], "sun": []},
            "overrides": [{"date": "2026-06-01", "intervals": []}]},
          "busy": [{"start": "2026-06-01T10:00:00Z", "end": "2026-06-01T11:00:00Z"}],
          "events": ["BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"],
          "bookings": [{"start": "2026-06-01T09:00:00Z", "hosts": ["a"], "status": "accepted"}]}]}"#;

    #[test]
    fn reads_every_spec_example_as_serde_does() {
        let texts = examples();
        assert!(!texts.is_empty());
        for text in &texts {
            assert!(agrees(text), "the fast reader gave up on {text}");
        }
        assert!(agrees(BASE));
    }

    #[test]
    fn escapes_read_as_serde_reads_them() {
        for (from, to) in [
            ("BEGIN:VCALENDAR\\r\\n", "BEGIN:VCALENDAR\\n"),
            ("\"UTC\"", "\"\\u0055TC\""),
            ("\"a\"", "\"\\u00e9\\ud83d\\ude00\\\"\\\\\\/\\b\\f\\t\""),
            ("\"a\"", "\"é😀\""),
            ("\"2026-06-01T10:00:00Z\"", "\"2026-06-01T10:00:00\\u005A\""),
        ] {
            let text = BASE.replacen(from, to, 1);
            assert_ne!(text, BASE);
            assert!(agrees(&text), "gave up on {to}");
        }
    }

    #[test]
    fn busy_entries_in_any_spelling() {
        let usual = r#"{"start": "2026-06-01T10:00:00Z", "end": "2026-06-01T11:00:00Z"}"#;
        for (other, read) in [
            (
                r#"{"end": "2026-06-01T11:00:00Z", "start": "2026-06-01T10:00:00Z"}"#,
                true,
            ),
            (
                r#"{ "start" :"2026-06-01T10:00:00Z" ,"end":"2026-06-01T11:00:00Z" }"#,
                true,
            ),
            (
                r#"{"start": "2026-06-01T10:00:00Z", "end": "x", "end": "y"}"#,
                false,
            ),
            (r#"{"start": "2026-06-01T10:00:00Z"}"#, false),
            (
                r#"{"start": "2026-06-01T10:00:00Z", "end": "x", "note": 1}"#,
                false,
            ),
            (r#"{"start": "2026-06-01T10:00:00Z", "end": "x",}"#, false),
            // The written spelling with an escape, a control character or
            // more after it is read by the other readers.
            (
                r#"{"start": "2026-06-01T10:00:00\u005A", "end": "2026-06-01T11:00:00Z"}"#,
                true,
            ),
            (
                "{\"start\": \"2026-06-01T10:00:00Z\u{1}\", \"end\": \"2026-06-01T11:00:00Z\"}",
                false,
            ),
            (
                r#"{"start": "2026-06-01T10:00:00Z", "end": "2026-06-01T11:00:00Z", "end": "x"}"#,
                false,
            ),
            (
                r#"{"start": "2026-06-01T10:00:00Z", "end": "2026-06-01T11:00:00Z" }"#,
                true,
            ),
        ] {
            let text = BASE.replacen(usual, other, 1);
            assert_ne!(text, BASE);
            assert_eq!(agrees(&text), read, "{other}");
        }
    }

    #[test]
    fn gives_up_where_serde_must_decide() {
        for (from, to) in [
            ("\"daily_limit\": 0", "\"daily_limit\": null"),
            ("\"daily_limit\": 0", "\"daily_limit\": 0.0"),
            ("\"daily_limit\": 0", "\"daily_limit\": 1e2"),
            ("\"daily_limit\": 0", "\"daily_limit\": 00"),
            ("\"daily_limit\": 0", "\"daily_limit\": -0"),
            (
                "\"daily_limit\": 0",
                "\"daily_limit\": 633333333333333333333333330",
            ),
            ("\"daily_limit\": 0", "\"daily_limit\": 9223372036854775807"),
            (
                "\"daily_limit\": 0",
                "\"daily_limit\": 0, \"daily_limit\": 0",
            ),
            ("\"daily_limit\": 0", "\"daily_limit\": 0, \"color\": 0"),
            ("\"duration_minutes\": 30, ", ""),
            ("\"id\": \"a\"", "\"\\u0069d\": \"a\""),
            ("\"a\"", "\"\\ud83d\""),
            ("\"a\"", "\"\\ude00\""),
            ("\"a\"", "\"\\x\""),
            ("\"a\"", "\"\t\""),
            (
                "[\"09:00\", \"12:00\"]",
                "[\"09:00\", \"12:00\", \"13:00\"]",
            ),
            (
                "{\"start\": \"2026-06-01T00:00:00Z\", \"end\": \"2026-06-02T00:00:00Z\"}",
                "[\"2026-06-01T00:00:00Z\", \"2026-06-02T00:00:00Z\"]",
            ),
            ("}]}]}", "}]}]} x"),
            ("}]}]}", "}]}],}"),
        ] {
            let text = BASE.replacen(from, to, 1);
            assert_ne!(text, BASE, "{from}");
            assert!(!agrees(&text), "read {to:?} without serde");
        }
        // Valid JSON in other spellings is still read.
        assert!(agrees(&BASE.replace(": ", " :\t\r\n ")));
        assert!(agrees(&BASE.replacen(
            "\"daily_limit\": 0",
            "\"daily_limit\": -5",
            1
        )));
    }

    /// Random damage to valid documents: whatever the reader accepts, serde
    /// accepts with the same value.
    #[test]
    fn damaged_documents_agree() {
        const PIECES: &[&str] = &[
            "\"",
            "\\",
            "\\u",
            "\\ud800",
            ",",
            ":",
            "{",
            "}",
            "[",
            "]",
            "null",
            "-",
            "0",
            "1.5",
            "e",
            " ",
            "\"start\"",
            "\"x\"",
            "é",
            "\u{1}",
            "-0",
            "1e5",
            "\\ud83d\\ude00",
        ];
        let mut seeds = examples();
        seeds.push(BASE.to_string());
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |below: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % below.max(1) as u64) as usize
        };
        let mut read_some = 0;
        for seed in &seeds {
            for _ in 0..400 {
                let mut text = seed.clone();
                for _ in 0..1 + next(3) {
                    let mut at = next(text.len() + 1);
                    while !text.is_char_boundary(at) {
                        at -= 1;
                    }
                    match next(3) {
                        0 => text.insert_str(at, PIECES[next(PIECES.len())]),
                        1 => {
                            let mut end = (at + 1 + next(8)).min(text.len());
                            while !text.is_char_boundary(end) {
                                end -= 1;
                            }
                            text.replace_range(at..end, "");
                        }
                        _ => {
                            let mut end = (at + next(40)).min(text.len());
                            while !text.is_char_boundary(end) {
                                end -= 1;
                            }
                            let copy = text[at..end].to_string();
                            text.insert_str(at, &copy);
                        }
                    }
                }
                read_some += usize::from(agrees(&text));
            }
        }
        // Many damaged documents are still valid (damage inside a string).
        assert!(read_some > 0);
    }
}
