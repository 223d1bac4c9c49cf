//! Naming time zones: IANA names (and their legacy links), Windows names.

use super::windows_zones::iana_for_windows;
use chrono_tz::Tz;

/// An IANA zone by name, including legacy links such as `Asia/Calcutta`.
pub fn iana(name: &str) -> Option<Tz> {
    name.trim().parse::<Tz>().ok()
}

/// A `TZID` as calendar clients write it: an IANA name, or a Windows name
/// (`W. Europe Standard Time`) through CLDR's table.
pub fn by_tzid(name: &str) -> Option<Tz> {
    let name = name.trim().trim_matches('"');
    iana(name).or_else(|| iana_for_windows(name).and_then(iana))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve() {
        assert_eq!(by_tzid("Europe/Berlin"), Some(chrono_tz::Europe::Berlin));
        assert_eq!(
            by_tzid("W. Europe Standard Time"),
            Some(chrono_tz::Europe::Berlin)
        );
        assert_eq!(
            by_tzid("Pacific Standard Time"),
            Some(chrono_tz::America::Los_Angeles)
        );
        assert!(by_tzid("Asia/Calcutta").is_some());
        assert!(by_tzid("Mars/Olympus_Mons").is_none());
    }
}
