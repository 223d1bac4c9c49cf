//! A mutation fuzzer over the three kinds of hostile text Kairos reads:
//! scenario JSON, iCalendar text and RRULE values. Stable Rust, no extra
//! tools: seeds from `fixtures/fuzz/` (and the spec's examples) are mutated
//! byte- and token-wise, and every input must come back as a value or an
//! error: never a panic, never a hang.
//!
//! Runs for `KAIROS_FUZZ_SECONDS` per target (default 5; CI sets more), from
//! a seed printed at the start (`KAIROS_FUZZ_SEED` replays a run). An input
//! that fails is written to `fixtures/fuzz/<target>/crash-<hash>` so it joins
//! the corpus as a regression once fixed; with `KAIROS_FUZZ_SAVE=1`, inputs
//! that reach an outcome not seen before are kept there too.

use kairos::engine::ical::parse_calendar;
use kairos::engine::limits::Budget;
use kairos::engine::recurrence::Recurrence;
use kairos::engine::{Instant, Interval, Zone, explain};
use kairos::scenario::{parse_scenario, strict_slots};
use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One input may take this long; more is a hang (bounds should keep every
/// input to milliseconds, so the margin is for slow debug builds).
const SLOW: Duration = Duration::from_secs(5);

/// Tokens that reach the interesting corners faster than random bytes.
const DICTIONARY: &[&str] = &[
    "BEGIN:VEVENT\r\n",
    "END:VEVENT\r\n",
    "BEGIN:VTIMEZONE\r\n",
    "BEGIN:STANDARD\r\n",
    "BEGIN:VCALENDAR\r\n",
    "RRULE:FREQ=SECONDLY\r\n",
    "RRULE:FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30\r\n",
    ";INTERVAL=0",
    ";INTERVAL=65535",
    ";COUNT=4294967295",
    ";UNTIL=99991231T235959Z",
    ";BYSETPOS=-366",
    ";BYDAY=-53MO",
    "DURATION:PT9223372036854775807S\r\n",
    "DURATION:P4294967295D\r\n",
    "DTSTART:00010101T000000Z\r\n",
    "DTSTART;TZID=Mars/Olympus:20260601T100000\r\n",
    "DTEND;VALUE=DATE:99991231\r\n",
    "RECURRENCE-ID:20260601T100000Z\r\n",
    "EXDATE:20260601T100000Z,20260602T100000Z\r\n",
    "RDATE;VALUE=PERIOD:20260601T100000Z/PT1H\r\n",
    "TZOFFSETFROM:+2400\r\n",
    " folded\r\n",
    "\"9999-12-31T23:59:59Z\"",
    "\"0000-01-01T00:00:00Z\"",
    "\"2026-03-08T02:30:00-05:00\"",
    "4294967296",
    "-1",
    "1e308",
    "\"round_robin\"",
    "\"Pacific/Apia\"",
    "\"24:00\"",
    "[[\"00:00\",\"24:00\"]]",
    "{}",
    "[]",
    "null",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: deterministic per seed, good enough to pick mutations.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn mutate(input: &[u8], corpus: &[Vec<u8>], rng: &mut Rng) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(8) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 | 2 => {
                let token = DICTIONARY[rng.below(DICTIONARY.len())];
                out.splice(at..at, token.bytes());
            }
            3 if !out.is_empty() => {
                let end = (at + rng.below(64)).min(out.len());
                out.drain(at.min(end)..end);
            }
            4 if !out.is_empty() => {
                // Repeat a slice: deep nesting, long lists, huge numbers.
                let start = rng.below(out.len());
                let end = (start + 1 + rng.below(32)).min(out.len());
                let piece = out[start..end].to_vec();
                for _ in 0..rng.below(200) {
                    out.splice(at..at, piece.iter().copied());
                }
            }
            5 if !corpus.is_empty() => {
                let other = &corpus[rng.below(corpus.len())];
                let from = rng.below(other.len());
                let end = (from + rng.below(256)).min(other.len());
                out.splice(at..at, other[from..end].iter().copied());
            }
            6 => {
                let digit = b'0' + rng.below(10) as u8;
                out.splice(at..at, std::iter::repeat_n(digit, 1 + rng.below(24)));
            }
            _ => {}
        }
    }
    out
}

/// What an input came to, coarsely: an error's first words or a shape.
type Outcome = String;

fn outcome_of(result: Result<String, String>) -> Outcome {
    match result {
        Ok(shape) => format!("ok {shape}"),
        Err(message) => {
            let words: Vec<&str> = message
                .split(|c: char| !c.is_ascii_alphabetic())
                .filter(|w| w.len() > 2)
                .take(4)
                .collect();
            format!("err {}", words.join(" "))
        }
    }
}

const JUNE: Interval = Interval::new(Instant(1_780_272_000), Instant(1_780_272_000 + 31 * 86_400));

fn ical_target(text: &str) -> Result<String, String> {
    let calendar = parse_calendar(text).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let zone = Zone::Iana(chrono_tz::Pacific::Apia);
    let unreadable = calendar.busy(&zone, JUNE, &mut out, &mut Budget::for_query());
    let _ = calendar.span();
    Ok(format!("{} {}", out.len().min(3), unreadable.len().min(1)))
}

fn rrule_target(line: &str) -> Result<String, String> {
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 31)
        .and_then(|d| d.and_hms_opt(9, 30, 0))
        .ok_or("no start")?;
    let rule = Recurrence::parse(line, start)?;
    let mut out = Vec::new();
    let lo = start - chrono::Duration::days(400);
    let hi = start + chrono::Duration::days(4000);
    let result = rule.occurrences(lo, hi, None, &mut out, &mut Budget::new(20_000));
    Ok(format!("{} {}", out.len().min(3), result.is_ok()))
}

fn scenario_target(text: &str) -> Result<String, String> {
    let query = parse_scenario(text).map_err(|e| e.to_string())?;
    let slots = strict_slots(&query).map_err(|e| e.to_string())?;
    let _ = explain(&query, query.range.start);
    Ok(format!("{}", slots.len().min(3)))
}

fn seeds(dirs: &[&str], split_lines: bool) -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seeds = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            if path.to_string_lossy().ends_with(".expected.json") || path.ends_with("README.md") {
                continue;
            }
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            if split_lines {
                seeds.extend(
                    bytes
                        .split(|b| *b == b'\n')
                        .filter(|l| !l.is_empty())
                        .map(<[u8]>::to_vec),
                );
            } else {
                seeds.push(bytes);
            }
        }
    }
    assert!(!seeds.is_empty(), "no seeds in {dirs:?}");
    seeds
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn fuzz(name: &str, dirs: &[&str], split_lines: bool, target: fn(&str) -> Result<String, String>) {
    let seconds: u64 = std::env::var("KAIROS_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let seed: u64 = std::env::var("KAIROS_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        });
    println!("fuzz {name}: {seconds} s from seed {seed} (KAIROS_FUZZ_SEED={seed} replays it)");
    let save = std::env::var("KAIROS_FUZZ_SAVE").is_ok_and(|v| v == "1");
    let out_dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/fuzz")
        .join(name);
    let mut corpus = seeds(dirs, split_lines);
    let mut seen: HashSet<Outcome> = HashSet::new();
    let mut rng = Rng(seed);
    let began = std::time::Instant::now();
    let mut runs = 0u64;
    let mut index = 0usize;
    // Every seed first as it is, then mutations until the time is up.
    while index < corpus.len() || began.elapsed() < Duration::from_secs(seconds) {
        let input = if index < corpus.len() {
            index += 1;
            corpus[index - 1].clone()
        } else {
            mutate(&corpus[rng.below(corpus.len())], &corpus, &mut rng)
        };
        let text = String::from_utf8_lossy(&input).into_owned();
        let started = std::time::Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| target(&text)));
        let took = started.elapsed();
        runs += 1;
        let failure = match &result {
            Err(_) => Some("panicked"),
            Ok(_) if took > SLOW => Some("took too long"),
            Ok(_) => None,
        };
        if let Some(what) = failure {
            std::fs::create_dir_all(&out_dir).ok();
            let path = out_dir.join(format!("crash-{:016x}", fnv(&input)));
            std::fs::write(&path, &input).ok();
            panic!(
                "fuzz {name}: an input {what} ({took:?}); saved to {} (seed {seed})",
                path.display()
            );
        }
        if let Ok(result) = result
            && seen.insert(outcome_of(result))
            && index >= corpus.len()
        {
            if save {
                std::fs::create_dir_all(&out_dir).ok();
                std::fs::write(out_dir.join(format!("found-{:016x}", fnv(&input))), &input).ok();
            }
            corpus.push(input);
        }
    }
    println!(
        "fuzz {name}: {runs} inputs, {} outcomes, no failure",
        seen.len()
    );
}

#[test]
fn ical_text() {
    fuzz("ical", &["fixtures/fuzz/ical"], false, ical_target);
}

#[test]
fn rrule_values() {
    fuzz("rrule", &["fixtures/fuzz/rrule"], true, rrule_target);
}

#[test]
fn scenario_json() {
    fuzz(
        "scenario",
        &["fixtures/fuzz/scenario", "fixtures/spec/examples"],
        false,
        scenario_target,
    );
}
