//! Windows time-zone names (as Outlook writes them in `TZID`) → IANA names,
//! from CLDR's windowsZones table (territory "001" = the zone CLDR treats as canonical).
//! CLDR version: `common/supplemental/windowsZones.xml` from unicode-org/cldr at commit
//! 062dc06d16b0884bc42b0b04e5408aec6b85eb20, the newest stored copy. It postdates Kazakhstan's
//! 2024 move to UTC+5 (Asia/Almaty is listed under "West Asia Standard Time"; "Central Asia
//! Standard Time" → Asia/Bishkek), so CLDR 45 or later, most likely 46/47. The file's header says
//! `otherVersion="7e11800" typeVersion="2021a"`. Every `territory="001"` row is here: 139 entries.
//!
//! The IANA names are CLDR's, which are sometimes tz *links* (legacy names) rather than the
//! current canonical tz names: e.g. "Asia/Calcutta" (tz: Asia/Kolkata), "Asia/Katmandu"
//! (Asia/Kathmandu), "Asia/Rangoon" (Asia/Yangon), "Europe/Kiev" (Europe/Kyiv),
//! "America/Godthab" (America/Nuuk), "America/Buenos_Aires", "America/Indianapolis".
//! All of them resolve in the tz database (and in chrono-tz).

use core::cmp::Ordering;

/// Sorted by Windows name so lookup is a binary search.
///
/// The order is by ASCII-lowercased bytes (see [`cmp_ignore_ascii_case`]), the same
/// comparison the lookup uses; a test checks this.
const WINDOWS_TO_IANA: &[(&str, &str)] = &[
    ("Afghanistan Standard Time", "Asia/Kabul"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("Aleutian Standard Time", "America/Adak"),
    ("Altai Standard Time", "Asia/Barnaul"),
    ("Arab Standard Time", "Asia/Riyadh"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("Arabic Standard Time", "Asia/Baghdad"),
    ("Argentina Standard Time", "America/Buenos_Aires"),
    ("Astrakhan Standard Time", "Europe/Astrakhan"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("AUS Central Standard Time", "Australia/Darwin"),
    ("Aus Central W. Standard Time", "Australia/Eucla"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("Azerbaijan Standard Time", "Asia/Baku"),
    ("Azores Standard Time", "Atlantic/Azores"),
    ("Bahia Standard Time", "America/Bahia"),
    ("Bangladesh Standard Time", "Asia/Dhaka"),
    ("Belarus Standard Time", "Europe/Minsk"),
    ("Bougainville Standard Time", "Pacific/Bougainville"),
    ("Canada Central Standard Time", "America/Regina"),
    ("Cape Verde Standard Time", "Atlantic/Cape_Verde"),
    ("Caucasus Standard Time", "Asia/Yerevan"),
    ("Cen. Australia Standard Time", "Australia/Adelaide"),
    ("Central America Standard Time", "America/Guatemala"),
    ("Central Asia Standard Time", "Asia/Bishkek"),
    ("Central Brazilian Standard Time", "America/Cuiaba"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("Central Pacific Standard Time", "Pacific/Guadalcanal"),
    ("Central Standard Time", "America/Chicago"),
    ("Central Standard Time (Mexico)", "America/Mexico_City"),
    ("Chatham Islands Standard Time", "Pacific/Chatham"),
    ("China Standard Time", "Asia/Shanghai"),
    ("Cuba Standard Time", "America/Havana"),
    ("Dateline Standard Time", "Etc/GMT+12"),
    ("E. Africa Standard Time", "Africa/Nairobi"),
    ("E. Australia Standard Time", "Australia/Brisbane"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("Easter Island Standard Time", "Pacific/Easter"),
    ("Eastern Standard Time", "America/New_York"),
    ("Eastern Standard Time (Mexico)", "America/Cancun"),
    ("Egypt Standard Time", "Africa/Cairo"),
    ("Ekaterinburg Standard Time", "Asia/Yekaterinburg"),
    ("Fiji Standard Time", "Pacific/Fiji"),
    ("FLE Standard Time", "Europe/Kiev"),
    ("Georgian Standard Time", "Asia/Tbilisi"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenland Standard Time", "America/Godthab"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("Haiti Standard Time", "America/Port-au-Prince"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("India Standard Time", "Asia/Calcutta"),
    ("Iran Standard Time", "Asia/Tehran"),
    ("Israel Standard Time", "Asia/Jerusalem"),
    ("Jordan Standard Time", "Asia/Amman"),
    ("Kaliningrad Standard Time", "Europe/Kaliningrad"),
    ("Korea Standard Time", "Asia/Seoul"),
    ("Libya Standard Time", "Africa/Tripoli"),
    ("Line Islands Standard Time", "Pacific/Kiritimati"),
    ("Lord Howe Standard Time", "Australia/Lord_Howe"),
    ("Magadan Standard Time", "Asia/Magadan"),
    ("Magallanes Standard Time", "America/Punta_Arenas"),
    ("Marquesas Standard Time", "Pacific/Marquesas"),
    ("Mauritius Standard Time", "Indian/Mauritius"),
    ("Middle East Standard Time", "Asia/Beirut"),
    ("Montevideo Standard Time", "America/Montevideo"),
    ("Morocco Standard Time", "Africa/Casablanca"),
    ("Mountain Standard Time", "America/Denver"),
    ("Mountain Standard Time (Mexico)", "America/Mazatlan"),
    ("Myanmar Standard Time", "Asia/Rangoon"),
    ("N. Central Asia Standard Time", "Asia/Novosibirsk"),
    ("Namibia Standard Time", "Africa/Windhoek"),
    ("Nepal Standard Time", "Asia/Katmandu"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
    ("Newfoundland Standard Time", "America/St_Johns"),
    ("Norfolk Standard Time", "Pacific/Norfolk"),
    ("North Asia East Standard Time", "Asia/Irkutsk"),
    ("North Asia Standard Time", "Asia/Krasnoyarsk"),
    ("North Korea Standard Time", "Asia/Pyongyang"),
    ("Omsk Standard Time", "Asia/Omsk"),
    ("Pacific SA Standard Time", "America/Santiago"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("Pacific Standard Time (Mexico)", "America/Tijuana"),
    ("Pakistan Standard Time", "Asia/Karachi"),
    ("Paraguay Standard Time", "America/Asuncion"),
    ("Qyzylorda Standard Time", "Asia/Qyzylorda"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Russia Time Zone 10", "Asia/Srednekolymsk"),
    ("Russia Time Zone 11", "Asia/Kamchatka"),
    ("Russia Time Zone 3", "Europe/Samara"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("SA Eastern Standard Time", "America/Cayenne"),
    ("SA Pacific Standard Time", "America/Bogota"),
    ("SA Western Standard Time", "America/La_Paz"),
    ("Saint Pierre Standard Time", "America/Miquelon"),
    ("Sakhalin Standard Time", "Asia/Sakhalin"),
    ("Samoa Standard Time", "Pacific/Apia"),
    ("Sao Tome Standard Time", "Africa/Sao_Tome"),
    ("Saratov Standard Time", "Europe/Saratov"),
    ("SE Asia Standard Time", "Asia/Bangkok"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("South Africa Standard Time", "Africa/Johannesburg"),
    ("South Sudan Standard Time", "Africa/Juba"),
    ("Sri Lanka Standard Time", "Asia/Colombo"),
    ("Sudan Standard Time", "Africa/Khartoum"),
    ("Syria Standard Time", "Asia/Damascus"),
    ("Taipei Standard Time", "Asia/Taipei"),
    ("Tasmania Standard Time", "Australia/Hobart"),
    ("Tocantins Standard Time", "America/Araguaina"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("Tomsk Standard Time", "Asia/Tomsk"),
    ("Tonga Standard Time", "Pacific/Tongatapu"),
    ("Transbaikal Standard Time", "Asia/Chita"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("Turks And Caicos Standard Time", "America/Grand_Turk"),
    ("Ulaanbaatar Standard Time", "Asia/Ulaanbaatar"),
    ("US Eastern Standard Time", "America/Indianapolis"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("UTC", "Etc/UTC"),
    ("UTC+12", "Etc/GMT-12"),
    ("UTC+13", "Etc/GMT-13"),
    ("UTC-02", "Etc/GMT+2"),
    ("UTC-08", "Etc/GMT+8"),
    ("UTC-09", "Etc/GMT+9"),
    ("UTC-11", "Etc/GMT+11"),
    ("Venezuela Standard Time", "America/Caracas"),
    ("Vladivostok Standard Time", "Asia/Vladivostok"),
    ("Volgograd Standard Time", "Europe/Volgograd"),
    ("W. Australia Standard Time", "Australia/Perth"),
    ("W. Central Africa Standard Time", "Africa/Lagos"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("W. Mongolia Standard Time", "Asia/Hovd"),
    ("West Asia Standard Time", "Asia/Tashkent"),
    ("West Bank Standard Time", "Asia/Hebron"),
    ("West Pacific Standard Time", "Pacific/Port_Moresby"),
    ("Yakutsk Standard Time", "Asia/Yakutsk"),
    ("Yukon Standard Time", "America/Whitehorse"),
];

/// Compares two strings byte by byte after ASCII-lowercasing each byte, without allocating.
fn cmp_ignore_ascii_case(a: &str, b: &str) -> Ordering {
    let a = a.bytes().map(|c| c.to_ascii_lowercase());
    let b = b.bytes().map(|c| c.to_ascii_lowercase());
    a.cmp(b)
}

/// The IANA zone name for a Windows zone name; `None` if it is not one.
/// Matching ignores ASCII case and surrounding whitespace, because calendar clients differ.
pub fn iana_for_windows(name: &str) -> Option<&'static str> {
    let name = name.trim();
    WINDOWS_TO_IANA
        .binary_search_by(|&(windows, _)| cmp_ignore_ascii_case(windows, name))
        .ok()
        .map(|i| WINDOWS_TO_IANA[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_case_insensitively_without_duplicates() {
        for pair in WINDOWS_TO_IANA.windows(2) {
            assert_eq!(
                cmp_ignore_ascii_case(pair[0].0, pair[1].0),
                Ordering::Less,
                "{:?} must sort strictly before {:?}",
                pair[0].0,
                pair[1].0
            );
        }
    }

    #[test]
    fn sort_order_matches_lowercased_string_order() {
        // The comparator must agree with plain `str` ordering of the lowercased names.
        let mut lowered: Vec<String> = WINDOWS_TO_IANA
            .iter()
            .map(|(w, _)| w.to_ascii_lowercase())
            .collect();
        let original = lowered.clone();
        lowered.sort();
        lowered.dedup();
        assert_eq!(lowered, original);
    }

    #[test]
    fn entry_count_and_shape() {
        assert_eq!(WINDOWS_TO_IANA.len(), 139);
        for &(windows, iana) in WINDOWS_TO_IANA {
            assert_eq!(windows, windows.trim());
            assert!(!windows.is_empty());
            assert!(iana.contains('/'), "{iana:?} is not an Area/Location name");
            assert!(!iana.contains(' '), "{iana:?} contains a space");
        }
    }

    #[test]
    fn every_entry_is_found() {
        for &(windows, iana) in WINDOWS_TO_IANA {
            assert_eq!(iana_for_windows(windows), Some(iana), "{windows:?}");
        }
    }

    #[test]
    fn known_mappings() {
        let cases = [
            ("W. Europe Standard Time", "Europe/Berlin"),
            ("Pacific Standard Time", "America/Los_Angeles"),
            ("India Standard Time", "Asia/Calcutta"),
            ("UTC", "Etc/UTC"),
            ("Nepal Standard Time", "Asia/Katmandu"),
            ("Chatham Islands Standard Time", "Pacific/Chatham"),
            ("Lord Howe Standard Time", "Australia/Lord_Howe"),
            ("Pacific SA Standard Time", "America/Santiago"),
            ("Cuba Standard Time", "America/Havana"),
            ("Samoa Standard Time", "Pacific/Apia"),
            ("Eastern Standard Time", "America/New_York"),
            ("GMT Standard Time", "Europe/London"),
            ("Pacific Standard Time (Mexico)", "America/Tijuana"),
            ("AUS Central Standard Time", "Australia/Darwin"),
            ("Aus Central W. Standard Time", "Australia/Eucla"),
            ("UTC-11", "Etc/GMT+11"),
            ("UTC+12", "Etc/GMT-12"),
            ("Volgograd Standard Time", "Europe/Volgograd"),
            ("Yukon Standard Time", "America/Whitehorse"),
            ("South Sudan Standard Time", "Africa/Juba"),
            ("Qyzylorda Standard Time", "Asia/Qyzylorda"),
        ];
        for (windows, iana) in cases {
            assert_eq!(iana_for_windows(windows), Some(iana), "{windows:?}");
        }
    }

    #[test]
    fn ignores_ascii_case_and_surrounding_whitespace() {
        assert_eq!(
            iana_for_windows("w. europe standard time"),
            Some("Europe/Berlin")
        );
        assert_eq!(
            iana_for_windows("PACIFIC STANDARD TIME"),
            Some("America/Los_Angeles")
        );
        assert_eq!(
            iana_for_windows("  India Standard Time\t"),
            Some("Asia/Calcutta")
        );
        assert_eq!(iana_for_windows("utc"), Some("Etc/UTC"));
        assert_eq!(
            iana_for_windows("aus central standard time"),
            Some("Australia/Darwin")
        );
        assert_eq!(
            iana_for_windows("AUS CENTRAL W. STANDARD TIME"),
            Some("Australia/Eucla")
        );
    }

    #[test]
    fn unknown_names_are_none() {
        assert_eq!(iana_for_windows(""), None);
        assert_eq!(iana_for_windows("   "), None);
        assert_eq!(iana_for_windows("Europe/Berlin"), None);
        assert_eq!(iana_for_windows("Mars Standard Time"), None);
        assert_eq!(iana_for_windows("W. Europe Standard"), None);
        assert_eq!(iana_for_windows("W.  Europe Standard Time"), None);
        assert_eq!(iana_for_windows("UTC+99"), None);
        assert_eq!(iana_for_windows("zzzz"), None);
        assert_eq!(iana_for_windows("\u{0}"), None);
    }
}
