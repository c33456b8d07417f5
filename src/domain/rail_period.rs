//! The railway's accounting calendar: rail years and their 13 periods.
//!
//! The rail year starts on 1 April. Periods 2–12 are four weeks each, Sunday to Saturday; period 1
//! starts on 1 April and ends on the first Saturday on or after 25 April, and period 13 absorbs the
//! remainder up to 31 March. ORR publishes punctuality per period, so every date a traveller asks
//! about is mapped onto the same grid. Pure date arithmetic, no I/O.

use std::fmt;

use time::{Date, Duration, Month, Weekday};

/// One four-week rail period, e.g. 2024-25 P09.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RailPeriod {
    /// The calendar year in which the rail year starts (2024 for 2024-25).
    pub year: i32,
    /// The period within the rail year, 1..=13.
    pub period: u8,
}

impl RailPeriod {
    /// Builds a period, or `None` when `period` is outside 1..=13 or the year is out of range.
    pub fn new(year: i32, period: u8) -> Option<Self> {
        ((1..=13).contains(&period) && (1900..=9998).contains(&year))
            .then_some(Self { year, period })
    }

    /// Parses ORR's label, e.g. `"Apr 2014 to Mar 2015 (Period 01)"`.
    pub fn from_orr_label(label: &str) -> Option<Self> {
        let label = label.trim();
        let rest = label.strip_prefix("Apr ")?;
        let (start_year, rest) = rest.split_once(" to Mar ")?;
        let (end_year, rest) = rest.split_once(" (Period ")?;
        let period = rest.strip_suffix(')')?;
        let year: i32 = start_year.parse().ok()?;
        let end_year: i32 = end_year.parse().ok()?;
        if end_year != year + 1 || period.len() != 2 {
            return None;
        }
        Self::new(year, period.parse().ok()?)
    }

    /// Parses our own label, e.g. `"2024-25 P09"` (the form `label` prints).
    pub fn from_label(label: &str) -> Option<Self> {
        let (years, period) = label.trim().split_once(" P")?;
        let (start, end) = years.split_once('-')?;
        let year: i32 = start.parse().ok()?;
        if start.len() != 4 || end.len() != 2 || end.parse::<i32>().ok()? != (year + 1) % 100 {
            return None;
        }
        if period.len() != 2 {
            return None;
        }
        Self::new(year, period.parse().ok()?)
    }

    /// The period that contains `date`.
    pub fn containing(date: Date) -> Self {
        let year = if date.month() >= Month::April {
            date.year()
        } else {
            date.year() - 1
        };
        let p1_end = period_one_end(year);
        let period = if date <= p1_end {
            1
        } else {
            let days_after = (date - p1_end).whole_days() - 1;
            // Periods 2..=12 are 28 days; everything after them up to 31 March is period 13.
            (2 + days_after / 28).min(13) as u8
        };
        Self { year, period }
    }

    /// First day of the period.
    pub fn start(&self) -> Date {
        if self.period == 1 {
            year_start(self.year)
        } else {
            period_one_end(self.year) + Duration::days(1 + 28 * (i64::from(self.period) - 2))
        }
    }

    /// Last day of the period (inclusive).
    pub fn end(&self) -> Date {
        match self.period {
            1 => period_one_end(self.year),
            13 => year_start(self.year + 1) - Duration::days(1),
            p => period_one_end(self.year) + Duration::days(28 * (i64::from(p) - 1)),
        }
    }

    /// The period after this one.
    pub fn next(&self) -> Self {
        if self.period == 13 {
            Self {
                year: self.year + 1,
                period: 1,
            }
        } else {
            Self {
                year: self.year,
                period: self.period + 1,
            }
        }
    }

    /// The period before this one.
    pub fn prev(&self) -> Self {
        if self.period == 1 {
            Self {
                year: self.year - 1,
                period: 13,
            }
        } else {
            Self {
                year: self.year,
                period: self.period - 1,
            }
        }
    }

    /// Human label, e.g. `"2024-25 P09"`.
    pub fn label(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for RailPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{:02} P{:02}",
            self.year,
            (self.year + 1).rem_euclid(100),
            self.period
        )
    }
}

fn year_start(year: i32) -> Date {
    Date::from_calendar_date(year, Month::April, 1).expect("1 April exists in every supported year")
}

/// Period 1 ends on the first Saturday on or after 25 April.
fn period_one_end(year: i32) -> Date {
    let earliest =
        Date::from_calendar_date(year, Month::April, 25).expect("25 April exists in every year");
    let offset = (7 + Weekday::Saturday.number_days_from_monday()
        - earliest.weekday().number_days_from_monday())
        % 7;
    earliest + Duration::days(i64::from(offset))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn orr_labels_parse_to_rail_year_and_period() {
        let p = RailPeriod::from_orr_label("Apr 2014 to Mar 2015 (Period 01)").unwrap();
        assert_eq!(
            p,
            RailPeriod {
                year: 2014,
                period: 1
            }
        );
        assert_eq!(p.label(), "2014-15 P01");
        assert_eq!(
            RailPeriod::from_orr_label("Apr 2024 to Mar 2025 (Period 13)"),
            RailPeriod::new(2024, 13)
        );
        assert_eq!(
            RailPeriod::from_orr_label("Apr 2024 to Mar 2026 (Period 13)"),
            None
        );
        assert_eq!(
            RailPeriod::from_orr_label("Apr 2024 to Mar 2025 (Period 14)"),
            None
        );
        assert_eq!(RailPeriod::from_orr_label("2024-25 P01"), None);
    }

    #[test]
    fn our_labels_round_trip() {
        let p = RailPeriod::new(1999, 9).unwrap();
        assert_eq!(p.label(), "1999-00 P09");
        assert_eq!(RailPeriod::from_label("1999-00 P09"), Some(p));
        assert_eq!(RailPeriod::from_label("2024-25 P1"), None);
        assert_eq!(RailPeriod::from_label("2024-26 P01"), None);
    }

    #[test]
    fn periods_match_published_network_rail_dates() {
        // 2023-24: P1 1–29 April 2023, P13 3–31 March 2024; 2024-25: P1 1–27 April 2024,
        // P13 2–31 March 2025 (Network Rail / ORR period calendars).
        let p1 = RailPeriod::new(2023, 1).unwrap();
        assert_eq!(
            (p1.start(), p1.end()),
            (date!(2023 - 04 - 01), date!(2023 - 04 - 29))
        );
        let p13 = RailPeriod::new(2023, 13).unwrap();
        assert_eq!(
            (p13.start(), p13.end()),
            (date!(2024 - 03 - 03), date!(2024 - 03 - 31))
        );
        let p1 = RailPeriod::new(2024, 1).unwrap();
        assert_eq!(p1.end(), date!(2024 - 04 - 27));
        let p13 = RailPeriod::new(2024, 13).unwrap();
        assert_eq!(
            (p13.start(), p13.end()),
            (date!(2025 - 03 - 02), date!(2025 - 03 - 31))
        );
    }

    #[test]
    fn periods_tile_every_year_without_gaps() {
        for year in 2010..2035 {
            let mut expected_start = year_start(year);
            for period in 1..=13 {
                let p = RailPeriod::new(year, period).unwrap();
                assert_eq!(p.start(), expected_start, "{p}");
                assert!(p.end() >= p.start());
                if (2..=12).contains(&period) {
                    assert_eq!((p.end() - p.start()).whole_days(), 27, "{p}");
                    assert_eq!(p.end().weekday(), Weekday::Saturday, "{p}");
                }
                expected_start = p.end() + Duration::days(1);
            }
            assert_eq!(expected_start, year_start(year + 1));
        }
    }

    #[test]
    fn every_date_falls_in_the_period_that_contains_it() {
        let mut day = date!(2019 - 03 - 01);
        while day < date!(2027 - 05 - 01) {
            let p = RailPeriod::containing(day);
            assert!(p.start() <= day && day <= p.end(), "{day} in {p}");
            day += Duration::days(1);
        }
        assert_eq!(
            RailPeriod::containing(date!(2025 - 12 - 01)).label(),
            "2025-26 P09"
        );
        assert_eq!(
            RailPeriod::containing(date!(2025 - 03 - 31)).label(),
            "2024-25 P13"
        );
        assert_eq!(
            RailPeriod::containing(date!(2025 - 04 - 01)).label(),
            "2025-26 P01"
        );
    }

    #[test]
    fn next_and_prev_cross_the_year_boundary() {
        let p = RailPeriod::new(2024, 13).unwrap();
        assert_eq!(p.next(), RailPeriod::new(2025, 1).unwrap());
        assert_eq!(p.next().prev(), p);
    }
}
