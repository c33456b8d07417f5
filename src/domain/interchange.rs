//! Interchange facts for journey planning: the minimum connection time (MCT) at a station, and
//! the stated transfers between stations (across London by Underground, or on foot). Pure data
//! and lookups; no I/O.
//!
//! Source, honestly: the authoritative figures are the minimum connection times National Rail
//! publishes per station (the Knowledgebase station feed, and the MCT field of the Master Station
//! Names file that comes with the CIF timetable). That file is not in this workspace, so every
//! figure below is **approximate**, written from general knowledge of those published values and
//! of typical Underground journey times, and every answer built on them must say so
//! ([`SOURCE`]). Replace the table by the MSN's figures when the timetable feed is loaded.

use std::fmt;

use crate::domain::Crs;

/// Where the figures in this module come from; to be repeated in any answer that uses them.
pub const SOURCE: &str = "approximate: minimum connection times and cross-London transfer times \
     written from general knowledge of the National Rail published station MCTs and typical \
     Underground journey times, not read from the Master Station Names file";

/// The minimum connection time of a station with no figure of its own, in minutes.
pub const DEFAULT_MCT_MINUTES: u16 = 5;

/// Larger minimum connection times of the big termini and interchanges, in minutes (approximate;
/// see the module doc). Everything not listed uses [`DEFAULT_MCT_MINUTES`].
const STATION_MCT_MINUTES: &[(&str, u16)] = &[
    // London termini: long platforms, ticket gates and crowded concourses.
    ("EUS", 15),
    ("KGX", 15),
    ("STP", 15),
    ("PAD", 15),
    ("WAT", 15),
    ("VIC", 15),
    ("LST", 15),
    ("LBG", 10),
    ("CHX", 10),
    ("CST", 10),
    ("FST", 10),
    ("MYB", 10),
    // Big interchanges outside London.
    ("BHM", 10),
    ("MAN", 10),
    ("LDS", 10),
    ("EDB", 10),
    ("GLC", 10),
    ("GLQ", 10),
    ("RDG", 10),
    ("BRI", 10),
    ("LIV", 10),
    ("NCL", 8),
    ("YRK", 8),
    ("CRE", 8),
    ("SHF", 8),
    ("NOT", 8),
    ("CDF", 8),
    ("PRE", 8),
    ("DBY", 8),
    ("CLJ", 6),
];

/// The minimum connection time at a station, in minutes: its own figure when listed, else the
/// default. Approximate (see [`SOURCE`]).
pub fn minimum_connection_minutes(station: Crs) -> u16 {
    STATION_MCT_MINUTES
        .iter()
        .find(|(crs, _)| *crs == station.as_str())
        .map_or(DEFAULT_MCT_MINUTES, |(_, minutes)| *minutes)
}

/// How a transfer between two stations is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferMode {
    /// On foot, along the stated way.
    Walk,
    /// By London Underground (or the Elizabeth line), on the stated lines.
    Underground,
}

impl fmt::Display for TransferMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Walk => "walk",
            Self::Underground => "underground",
        })
    }
}

/// A stated transfer between two stations (either direction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transfer {
    /// One end (CRS).
    pub a: &'static str,
    /// The other end (CRS).
    pub b: &'static str,
    /// Minutes from arriving at one station to being ready to board at the other. It replaces
    /// the minimum connection times of both ends (it already includes getting off and on).
    pub minutes: u16,
    /// Walk or Underground.
    pub mode: TransferMode,
    /// The way, in words, e.g. "Northern line (Charing Cross branch)".
    pub via: &'static str,
}

/// Every stated transfer (approximate; see [`SOURCE`]). Only these: a pair not listed has no
/// transfer, and the planner must not invent a walk.
pub const TRANSFERS: &[Transfer] = &[
    t("EUS", "KGX", 10, TransferMode::Walk, "along Euston Road"),
    t("EUS", "STP", 10, TransferMode::Walk, "along Euston Road"),
    t("KGX", "STP", 5, TransferMode::Walk, "across Pancras Road"),
    t(
        "WAT",
        "WAE",
        5,
        TransferMode::Walk,
        "the high-level walkway",
    ),
    t(
        "WAT",
        "CHX",
        12,
        TransferMode::Walk,
        "over Hungerford Bridge",
    ),
    t("LBG", "CST", 12, TransferMode::Walk, "over London Bridge"),
    t("CST", "FST", 10, TransferMode::Walk, "through the City"),
    t(
        "EUS",
        "WAT",
        25,
        TransferMode::Underground,
        "Northern line (Charing Cross branch)",
    ),
    t("EUS", "VIC", 15, TransferMode::Underground, "Victoria line"),
    t(
        "EUS",
        "PAD",
        20,
        TransferMode::Underground,
        "Hammersmith & City or Circle line from Euston Square",
    ),
    t(
        "EUS",
        "LST",
        25,
        TransferMode::Underground,
        "Hammersmith & City, Circle or Metropolitan line from Euston Square",
    ),
    t(
        "EUS",
        "LBG",
        20,
        TransferMode::Underground,
        "Northern line (Bank branch)",
    ),
    t("KGX", "VIC", 15, TransferMode::Underground, "Victoria line"),
    t(
        "KGX",
        "WAT",
        25,
        TransferMode::Underground,
        "Victoria line to Warren Street, then the Northern line",
    ),
    t(
        "KGX",
        "PAD",
        20,
        TransferMode::Underground,
        "Hammersmith & City or Circle line",
    ),
    t(
        "KGX",
        "LST",
        20,
        TransferMode::Underground,
        "Hammersmith & City, Circle or Metropolitan line",
    ),
    t(
        "KGX",
        "LBG",
        20,
        TransferMode::Underground,
        "Northern line (Bank branch)",
    ),
    t("STP", "VIC", 20, TransferMode::Underground, "Victoria line"),
    t(
        "STP",
        "WAT",
        25,
        TransferMode::Underground,
        "Victoria line to Warren Street, then the Northern line",
    ),
    t(
        "STP",
        "PAD",
        25,
        TransferMode::Underground,
        "Hammersmith & City or Circle line",
    ),
    t("PAD", "WAT", 20, TransferMode::Underground, "Bakerloo line"),
    t("PAD", "MYB", 10, TransferMode::Underground, "Bakerloo line"),
    t(
        "PAD",
        "LST",
        15,
        TransferMode::Underground,
        "Elizabeth line",
    ),
    t(
        "PAD",
        "VIC",
        20,
        TransferMode::Underground,
        "Circle or District line",
    ),
    t("WAT", "LBG", 10, TransferMode::Underground, "Jubilee line"),
    t(
        "WAT",
        "LST",
        25,
        TransferMode::Underground,
        "Waterloo & City line to Bank, then the Central line",
    ),
    t(
        "WAT",
        "VIC",
        20,
        TransferMode::Underground,
        "Jubilee line to Green Park, then the Victoria line",
    ),
    t("WAT", "MYB", 20, TransferMode::Underground, "Bakerloo line"),
    t(
        "VIC",
        "LST",
        25,
        TransferMode::Underground,
        "Circle or District line to Liverpool Street",
    ),
    t(
        "LST",
        "LBG",
        15,
        TransferMode::Underground,
        "Northern line (Bank branch) from Moorgate",
    ),
];

const fn t(
    a: &'static str,
    b: &'static str,
    minutes: u16,
    mode: TransferMode,
    via: &'static str,
) -> Transfer {
    Transfer {
        a,
        b,
        minutes,
        mode,
        via,
    }
}

/// The stated transfer between two stations, in either direction, if there is one.
pub fn transfer(from: Crs, to: Crs) -> Option<&'static Transfer> {
    let (from, to) = (from.as_str(), to.as_str());
    TRANSFERS
        .iter()
        .find(|t| (t.a == from && t.b == to) || (t.a == to && t.b == from))
}

/// Every stated transfer from a station: (the other station, the transfer).
pub fn transfers_from(station: Crs) -> impl Iterator<Item = (&'static str, &'static Transfer)> {
    let here = station.as_str().to_owned();
    TRANSFERS.iter().filter_map(move |t| {
        if t.a == here {
            Some((t.b, t))
        } else if t.b == here {
            Some((t.a, t))
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn crs(s: &str) -> Crs {
        Crs::parse(s).unwrap()
    }

    #[test]
    fn termini_have_longer_connection_times_than_the_default() {
        assert_eq!(minimum_connection_minutes(crs("EUS")), 15);
        assert_eq!(minimum_connection_minutes(crs("MAN")), 10);
        assert_eq!(
            minimum_connection_minutes(crs("HUD")),
            DEFAULT_MCT_MINUTES,
            "an unlisted station uses the default"
        );
        for (code, minutes) in STATION_MCT_MINUTES {
            assert!(Crs::parse(code).is_some(), "{code} is a CRS code");
            assert!(
                *minutes > DEFAULT_MCT_MINUTES,
                "{code} is listed for no reason"
            );
        }
    }

    #[test]
    fn transfers_read_both_ways_and_only_where_stated() {
        let t = transfer(crs("WAT"), crs("EUS")).unwrap();
        assert_eq!(
            (t.minutes, t.mode, t.via),
            (
                25,
                TransferMode::Underground,
                "Northern line (Charing Cross branch)"
            )
        );
        assert_eq!(
            transfer(crs("EUS"), crs("KGX")).unwrap().mode,
            TransferMode::Walk
        );
        assert_eq!(transfer(crs("MAN"), crs("MCV")), None, "no unstated walks");
        let from_eus: Vec<&str> = transfers_from(crs("EUS")).map(|(to, _)| to).collect();
        assert!(
            from_eus.contains(&"WAT") && from_eus.contains(&"KGX"),
            "{from_eus:?}"
        );
    }

    #[test]
    fn each_pair_is_stated_once_and_never_to_itself() {
        let mut seen = HashSet::new();
        for t in TRANSFERS {
            assert_ne!(t.a, t.b);
            let key = if t.a < t.b { (t.a, t.b) } else { (t.b, t.a) };
            assert!(seen.insert(key), "{key:?} twice");
            assert!(
                t.minutes > 0 && t.minutes <= 30,
                "{key:?}: {} min",
                t.minutes
            );
        }
    }
}
