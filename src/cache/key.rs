//! Cache keys: human-readable, versioned, and built from exactly what the value depends on —
//! the model's inputs, not the raw minute — so requests that must get the same answer share one
//! entry. Bump `VERSION` when a cached shape changes.

use time::Date;

use crate::cache::Kind;
use crate::domain::{Crs, RailPeriod, TimeBand};
use crate::model::DayType;

/// Key namespace and version: bumped when a cached value's meaning changes, so a deploy never
/// serves the older answers out of a shared Redis (v3: predictions and route statistics of pairs
/// without a direct service come from planned legs; station detail carries `location_note`).
pub const VERSION: &str = "railfair:v3";

fn day_code(day: DayType) -> &'static str {
    match day {
        DayType::Weekday => "wd",
        DayType::Saturday => "sa",
        DayType::Sunday => "su",
        DayType::BankHoliday => "bh",
        DayType::BoxingDay => "bx",
        DayType::ChristmasToNewYear => "xn",
    }
}

fn band_code(band: TimeBand) -> &'static str {
    match band {
        TimeBand::Peak => "peak",
        TimeBand::OffPeak => "offpeak",
    }
}

/// The prefix of every key of a kind (for invalidation).
pub fn kind_prefix(kind: Kind) -> String {
    format!("{VERSION}:{}:", kind.name())
}

/// The prefix of a kind's keys for one route (for invalidation).
pub fn route_prefix(kind: Kind, origin: Crs, destination: Crs) -> String {
    format!("{VERSION}:{}:{origin}:{destination}:", kind.name())
}

/// A prediction response: route, operator asked for, rail period, day type, hour, and whether
/// fares were asked for (then their date and time band too, which the fares depend on).
pub fn prediction(
    origin: Crs,
    destination: Crs,
    toc: Option<&str>,
    period: RailPeriod,
    day: DayType,
    hour: u8,
    fares: Option<(Date, TimeBand)>,
) -> String {
    let fares = match fares {
        None => "nofares".to_owned(),
        Some((date, band)) => format!("fares:{date}:{}", band_code(band)),
    };
    format!(
        "{VERSION}:prediction:{origin}:{destination}:{}:{}P{:02}:{}:h{hour:02}:{fares}",
        toc.unwrap_or("any"),
        period.label().split(' ').next().unwrap_or_default(),
        period.period,
        day_code(day),
    )
}

/// The fares of a flow on a date in a time band.
pub fn fare(origin: Crs, destination: Crs, date: Date, band: TimeBand) -> String {
    format!(
        "{VERSION}:fare:{origin}:{destination}:{date}:{}",
        band_code(band)
    )
}

/// A planned journey: route, service date, the minute asked for (a departure, or the latest
/// arrival with `arrive_by`), the limit on changes, and whether fares were asked for (they then
/// depend on the date and time band already keyed).
pub fn journey(
    origin: Crs,
    destination: Crs,
    date: Date,
    minute: u32,
    max_changes: u8,
    fares: bool,
    arrive_by: bool,
) -> String {
    format!(
        "{VERSION}:journey:{origin}:{destination}:{date}:{}{minute:04}:c{max_changes}:{}",
        if arrive_by { "by" } else { "m" },
        if fares { "fares" } else { "nofares" }
    )
}

/// Route statistics.
pub fn route_stats(origin: Crs, destination: Crs) -> String {
    format!("{VERSION}:route_stats:{origin}:{destination}:")
}

/// The popular routes list of a given length.
pub fn popular_routes(limit: u32) -> String {
    format!("{VERSION}:popular_routes:limit{limit}")
}

/// A station search. Keyed on the whole trimmed, lower-cased query, not only its words: the
/// ranking also uses the raw text (exact code, name prefix).
pub fn station_search(query: &str, limit: u32) -> String {
    format!(
        "{VERSION}:stations:search:{}:limit{limit}",
        query.trim().to_lowercase()
    )
}

/// One station.
pub fn station(crs: Crs) -> String {
    format!("{VERSION}:stations:crs:{crs}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn crs(s: &str) -> Crs {
        Crs::parse(s).unwrap()
    }

    #[test]
    fn prediction_keys_read_as_the_model_inputs() {
        let p = RailPeriod::new(2025, 9).unwrap();
        let k = prediction(
            crs("EUS"),
            crs("MAN"),
            Some("VT"),
            p,
            DayType::Weekday,
            9,
            None,
        );
        assert_eq!(
            k,
            "railfair:v3:prediction:EUS:MAN:VT:2025-26P09:wd:h09:nofares"
        );
        let k = prediction(
            crs("EUS"),
            crs("MAN"),
            None,
            p,
            DayType::Saturday,
            17,
            Some((date!(2025 - 12 - 06), TimeBand::OffPeak)),
        );
        assert_eq!(
            k,
            "railfair:v3:prediction:EUS:MAN:any:2025-26P09:sa:h17:fares:2025-12-06:offpeak"
        );
    }

    #[test]
    fn journey_keys_hold_the_minute_the_limit_and_fares_and_sit_under_the_route() {
        let k = journey(
            crs("MAN"),
            crs("WAT"),
            date!(2026 - 12 - 08),
            9 * 60 + 30,
            2,
            false,
            false,
        );
        assert_eq!(k, "railfair:v3:journey:MAN:WAT:2026-12-08:m0570:c2:nofares");
        assert!(k.starts_with(&route_prefix(Kind::Journey, crs("MAN"), crs("WAT"))));
        assert_ne!(
            k,
            journey(
                crs("MAN"),
                crs("WAT"),
                date!(2026 - 12 - 08),
                571,
                2,
                false,
                false
            )
        );
        assert_ne!(
            k,
            journey(
                crs("MAN"),
                crs("WAT"),
                date!(2026 - 12 - 08),
                570,
                2,
                true,
                false
            )
        );
        assert_eq!(
            journey(
                crs("MAN"),
                crs("WAT"),
                date!(2026 - 12 - 08),
                570,
                2,
                false,
                true
            ),
            "railfair:v3:journey:MAN:WAT:2026-12-08:by0570:c2:nofares"
        );
    }

    #[test]
    fn route_prefixes_cover_that_routes_keys_only() {
        let p = RailPeriod::new(2025, 9).unwrap();
        let k = prediction(crs("EUS"), crs("MAN"), None, p, DayType::Weekday, 9, None);
        assert!(k.starts_with(&route_prefix(Kind::Prediction, crs("EUS"), crs("MAN"))));
        assert!(!k.starts_with(&route_prefix(Kind::Prediction, crs("EUS"), crs("MAC"))));
        assert!(
            route_stats(crs("EUS"), crs("MAN")).starts_with(&route_prefix(
                Kind::RouteStats,
                crs("EUS"),
                crs("MAN")
            ))
        );
        assert!(
            fare(
                crs("EUS"),
                crs("MAN"),
                date!(2025 - 12 - 06),
                TimeBand::Peak
            )
            .starts_with(&kind_prefix(Kind::Fare))
        );
    }
}
