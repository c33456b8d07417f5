//! The railway's calendar of special days: the GB bank holidays (England and Wales, Scotland) as
//! an embedded, cited table, and the days around Christmas when the timetable is not the usual
//! one. Pure dates and lookups; nothing here does I/O, and nothing here guesses a holiday that
//! is not in the table.
//!
//! Source of the table: the UK government's list of bank holidays, <https://www.gov.uk/bank-holidays>
//! (England and Wales; Scotland), Open Government Licence v3.0, for 2014 to 2028, including the
//! one-off days (VE Day moved to 8 May 2020; the Platinum Jubilee, 2–3 June 2022; the State Funeral
//! of Queen Elizabeth II, 19 September 2022; the Coronation, 8 May 2023). Substitute days follow
//! gov.uk's rule: a holiday on a weekend moves to the next weekday that is not already a holiday.
//!
//! The railway's own practice (National Rail's Christmas and bank-holiday timetables): no trains
//! run on Christmas Day; Boxing Day has no service on most of the network and a very limited one
//! elsewhere; 27–31 December run reduced timetables; bank holidays run Sunday-like service.

use time::macros::date;
use time::{Date, Month};

/// First calendar year the bank-holiday table covers (the ORR punctuality data starts in April 2014).
pub const FIRST_YEAR: i32 = 2014;
/// Last calendar year the bank-holiday table covers (predictions reach at most 366 days ahead).
pub const LAST_YEAR: i32 = 2028;

/// Where the table comes from, as shown in `/api/sources` and in assumptions.
pub const CITATION: &str = "UK government list of bank holidays, https://www.gov.uk/bank-holidays (England and Wales; Scotland), Open Government Licence v3.0";

/// The bank-holiday jurisdiction of a station: Scotland has its own list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Nation {
    /// England and Wales share one list.
    EnglandAndWales,
    /// Scotland.
    Scotland,
}

impl Nation {
    /// The nation of an ORR Table 1410 region ("Scotland", "Wales", "London", ...); `None` when
    /// the region is unknown, so the caller can say it assumed England and Wales.
    pub fn of_region(region: Option<&str>) -> Option<Self> {
        let region = region?.trim();
        if region.is_empty() {
            None
        } else if region.eq_ignore_ascii_case("scotland") {
            Some(Self::Scotland)
        } else {
            Some(Self::EnglandAndWales)
        }
    }

    /// Human name, e.g. "England and Wales".
    pub fn name(self) -> &'static str {
        match self {
            Self::EnglandAndWales => "England and Wales",
            Self::Scotland => "Scotland",
        }
    }

    fn table(self) -> &'static [(Date, &'static str)] {
        match self {
            Self::EnglandAndWales => ENGLAND_AND_WALES,
            Self::Scotland => SCOTLAND,
        }
    }
}

/// A day on which the railway does not run its ordinary timetable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecialDay {
    /// 25 December: no trains run in Great Britain.
    ChristmasDay,
    /// 26 December: no service on most of the network, a very limited one elsewhere.
    BoxingDay,
    /// A bank holiday of the station's nation (named as gov.uk names it): Sunday-like service.
    BankHoliday(&'static str),
    /// 27–31 December, other than bank holidays: reduced timetables.
    ChristmasToNewYear,
}

/// The bank holiday of `nation` on `date`, by its gov.uk name.
pub fn bank_holiday(date: Date, nation: Nation) -> Option<&'static str> {
    let table = nation.table();
    table
        .binary_search_by_key(&date, |(d, _)| *d)
        .ok()
        .map(|i| table[i].1)
}

/// Whether the bank-holiday table covers `date`'s year.
pub fn covers(date: Date) -> bool {
    (FIRST_YEAR..=LAST_YEAR).contains(&date.year())
}

/// What kind of special day `date` is for a station in `nation`, if any. Christmas and Boxing
/// Day come first (a substitute bank holiday on 27 or 28 December is a bank holiday).
pub fn special_day(date: Date, nation: Nation) -> Option<SpecialDay> {
    let december = date.month() == Month::December;
    match date.day() {
        25 if december => Some(SpecialDay::ChristmasDay),
        26 if december => Some(SpecialDay::BoxingDay),
        _ => match bank_holiday(date, nation) {
            Some(name) => Some(SpecialDay::BankHoliday(name)),
            None if december && (27..=31).contains(&date.day()) => {
                Some(SpecialDay::ChristmasToNewYear)
            }
            None => None,
        },
    }
}

/// England and Wales bank holidays 2014–2028 (gov.uk), in date order.
const ENGLAND_AND_WALES: &[(Date, &str)] = &[
    (date!(2014 - 01 - 01), "New Year's Day"),
    (date!(2014 - 04 - 18), "Good Friday"),
    (date!(2014 - 04 - 21), "Easter Monday"),
    (date!(2014 - 05 - 05), "Early May bank holiday"),
    (date!(2014 - 05 - 26), "Spring bank holiday"),
    (date!(2014 - 08 - 25), "Summer bank holiday"),
    (date!(2014 - 12 - 25), "Christmas Day"),
    (date!(2014 - 12 - 26), "Boxing Day"),
    (date!(2015 - 01 - 01), "New Year's Day"),
    (date!(2015 - 04 - 03), "Good Friday"),
    (date!(2015 - 04 - 06), "Easter Monday"),
    (date!(2015 - 05 - 04), "Early May bank holiday"),
    (date!(2015 - 05 - 25), "Spring bank holiday"),
    (date!(2015 - 08 - 31), "Summer bank holiday"),
    (date!(2015 - 12 - 25), "Christmas Day"),
    (date!(2015 - 12 - 28), "Boxing Day (substitute day)"),
    (date!(2016 - 01 - 01), "New Year's Day"),
    (date!(2016 - 03 - 25), "Good Friday"),
    (date!(2016 - 03 - 28), "Easter Monday"),
    (date!(2016 - 05 - 02), "Early May bank holiday"),
    (date!(2016 - 05 - 30), "Spring bank holiday"),
    (date!(2016 - 08 - 29), "Summer bank holiday"),
    (date!(2016 - 12 - 26), "Boxing Day"),
    (date!(2016 - 12 - 27), "Christmas Day (substitute day)"),
    (date!(2017 - 01 - 02), "New Year's Day (substitute day)"),
    (date!(2017 - 04 - 14), "Good Friday"),
    (date!(2017 - 04 - 17), "Easter Monday"),
    (date!(2017 - 05 - 01), "Early May bank holiday"),
    (date!(2017 - 05 - 29), "Spring bank holiday"),
    (date!(2017 - 08 - 28), "Summer bank holiday"),
    (date!(2017 - 12 - 25), "Christmas Day"),
    (date!(2017 - 12 - 26), "Boxing Day"),
    (date!(2018 - 01 - 01), "New Year's Day"),
    (date!(2018 - 03 - 30), "Good Friday"),
    (date!(2018 - 04 - 02), "Easter Monday"),
    (date!(2018 - 05 - 07), "Early May bank holiday"),
    (date!(2018 - 05 - 28), "Spring bank holiday"),
    (date!(2018 - 08 - 27), "Summer bank holiday"),
    (date!(2018 - 12 - 25), "Christmas Day"),
    (date!(2018 - 12 - 26), "Boxing Day"),
    (date!(2019 - 01 - 01), "New Year's Day"),
    (date!(2019 - 04 - 19), "Good Friday"),
    (date!(2019 - 04 - 22), "Easter Monday"),
    (date!(2019 - 05 - 06), "Early May bank holiday"),
    (date!(2019 - 05 - 27), "Spring bank holiday"),
    (date!(2019 - 08 - 26), "Summer bank holiday"),
    (date!(2019 - 12 - 25), "Christmas Day"),
    (date!(2019 - 12 - 26), "Boxing Day"),
    (date!(2020 - 01 - 01), "New Year's Day"),
    (date!(2020 - 04 - 10), "Good Friday"),
    (date!(2020 - 04 - 13), "Easter Monday"),
    (date!(2020 - 05 - 08), "Early May bank holiday (VE day)"),
    (date!(2020 - 05 - 25), "Spring bank holiday"),
    (date!(2020 - 08 - 31), "Summer bank holiday"),
    (date!(2020 - 12 - 25), "Christmas Day"),
    (date!(2020 - 12 - 28), "Boxing Day (substitute day)"),
    (date!(2021 - 01 - 01), "New Year's Day"),
    (date!(2021 - 04 - 02), "Good Friday"),
    (date!(2021 - 04 - 05), "Easter Monday"),
    (date!(2021 - 05 - 03), "Early May bank holiday"),
    (date!(2021 - 05 - 31), "Spring bank holiday"),
    (date!(2021 - 08 - 30), "Summer bank holiday"),
    (date!(2021 - 12 - 27), "Christmas Day (substitute day)"),
    (date!(2021 - 12 - 28), "Boxing Day (substitute day)"),
    (date!(2022 - 01 - 03), "New Year's Day (substitute day)"),
    (date!(2022 - 04 - 15), "Good Friday"),
    (date!(2022 - 04 - 18), "Easter Monday"),
    (date!(2022 - 05 - 02), "Early May bank holiday"),
    (date!(2022 - 06 - 02), "Spring bank holiday"),
    (date!(2022 - 06 - 03), "Platinum Jubilee bank holiday"),
    (date!(2022 - 08 - 29), "Summer bank holiday"),
    (
        date!(2022 - 09 - 19),
        "Bank Holiday for the State Funeral of Queen Elizabeth II",
    ),
    (date!(2022 - 12 - 26), "Boxing Day"),
    (date!(2022 - 12 - 27), "Christmas Day (substitute day)"),
    (date!(2023 - 01 - 02), "New Year's Day (substitute day)"),
    (date!(2023 - 04 - 07), "Good Friday"),
    (date!(2023 - 04 - 10), "Easter Monday"),
    (date!(2023 - 05 - 01), "Early May bank holiday"),
    (
        date!(2023 - 05 - 08),
        "Bank holiday for the coronation of King Charles III",
    ),
    (date!(2023 - 05 - 29), "Spring bank holiday"),
    (date!(2023 - 08 - 28), "Summer bank holiday"),
    (date!(2023 - 12 - 25), "Christmas Day"),
    (date!(2023 - 12 - 26), "Boxing Day"),
    (date!(2024 - 01 - 01), "New Year's Day"),
    (date!(2024 - 03 - 29), "Good Friday"),
    (date!(2024 - 04 - 01), "Easter Monday"),
    (date!(2024 - 05 - 06), "Early May bank holiday"),
    (date!(2024 - 05 - 27), "Spring bank holiday"),
    (date!(2024 - 08 - 26), "Summer bank holiday"),
    (date!(2024 - 12 - 25), "Christmas Day"),
    (date!(2024 - 12 - 26), "Boxing Day"),
    (date!(2025 - 01 - 01), "New Year's Day"),
    (date!(2025 - 04 - 18), "Good Friday"),
    (date!(2025 - 04 - 21), "Easter Monday"),
    (date!(2025 - 05 - 05), "Early May bank holiday"),
    (date!(2025 - 05 - 26), "Spring bank holiday"),
    (date!(2025 - 08 - 25), "Summer bank holiday"),
    (date!(2025 - 12 - 25), "Christmas Day"),
    (date!(2025 - 12 - 26), "Boxing Day"),
    (date!(2026 - 01 - 01), "New Year's Day"),
    (date!(2026 - 04 - 03), "Good Friday"),
    (date!(2026 - 04 - 06), "Easter Monday"),
    (date!(2026 - 05 - 04), "Early May bank holiday"),
    (date!(2026 - 05 - 25), "Spring bank holiday"),
    (date!(2026 - 08 - 31), "Summer bank holiday"),
    (date!(2026 - 12 - 25), "Christmas Day"),
    (date!(2026 - 12 - 28), "Boxing Day (substitute day)"),
    (date!(2027 - 01 - 01), "New Year's Day"),
    (date!(2027 - 03 - 26), "Good Friday"),
    (date!(2027 - 03 - 29), "Easter Monday"),
    (date!(2027 - 05 - 03), "Early May bank holiday"),
    (date!(2027 - 05 - 31), "Spring bank holiday"),
    (date!(2027 - 08 - 30), "Summer bank holiday"),
    (date!(2027 - 12 - 27), "Christmas Day (substitute day)"),
    (date!(2027 - 12 - 28), "Boxing Day (substitute day)"),
    (date!(2028 - 01 - 03), "New Year's Day (substitute day)"),
    (date!(2028 - 04 - 14), "Good Friday"),
    (date!(2028 - 04 - 17), "Easter Monday"),
    (date!(2028 - 05 - 01), "Early May bank holiday"),
    (date!(2028 - 05 - 29), "Spring bank holiday"),
    (date!(2028 - 08 - 28), "Summer bank holiday"),
    (date!(2028 - 12 - 25), "Christmas Day"),
    (date!(2028 - 12 - 26), "Boxing Day"),
];
/// Scotland bank holidays 2014–2028 (gov.uk), in date order.
const SCOTLAND: &[(Date, &str)] = &[
    (date!(2014 - 01 - 01), "New Year's Day"),
    (date!(2014 - 01 - 02), "2nd January"),
    (date!(2014 - 04 - 18), "Good Friday"),
    (date!(2014 - 05 - 05), "Early May bank holiday"),
    (date!(2014 - 05 - 26), "Spring bank holiday"),
    (date!(2014 - 08 - 04), "Summer bank holiday"),
    (date!(2014 - 12 - 01), "St Andrew's Day (substitute day)"),
    (date!(2014 - 12 - 25), "Christmas Day"),
    (date!(2014 - 12 - 26), "Boxing Day"),
    (date!(2015 - 01 - 01), "New Year's Day"),
    (date!(2015 - 01 - 02), "2nd January"),
    (date!(2015 - 04 - 03), "Good Friday"),
    (date!(2015 - 05 - 04), "Early May bank holiday"),
    (date!(2015 - 05 - 25), "Spring bank holiday"),
    (date!(2015 - 08 - 03), "Summer bank holiday"),
    (date!(2015 - 11 - 30), "St Andrew's Day"),
    (date!(2015 - 12 - 25), "Christmas Day"),
    (date!(2015 - 12 - 28), "Boxing Day (substitute day)"),
    (date!(2016 - 01 - 01), "New Year's Day"),
    (date!(2016 - 01 - 04), "2nd January (substitute day)"),
    (date!(2016 - 03 - 25), "Good Friday"),
    (date!(2016 - 05 - 02), "Early May bank holiday"),
    (date!(2016 - 05 - 30), "Spring bank holiday"),
    (date!(2016 - 08 - 01), "Summer bank holiday"),
    (date!(2016 - 11 - 30), "St Andrew's Day"),
    (date!(2016 - 12 - 26), "Boxing Day"),
    (date!(2016 - 12 - 27), "Christmas Day (substitute day)"),
    (date!(2017 - 01 - 02), "2nd January"),
    (date!(2017 - 01 - 03), "New Year's Day (substitute day)"),
    (date!(2017 - 04 - 14), "Good Friday"),
    (date!(2017 - 05 - 01), "Early May bank holiday"),
    (date!(2017 - 05 - 29), "Spring bank holiday"),
    (date!(2017 - 08 - 07), "Summer bank holiday"),
    (date!(2017 - 11 - 30), "St Andrew's Day"),
    (date!(2017 - 12 - 25), "Christmas Day"),
    (date!(2017 - 12 - 26), "Boxing Day"),
    (date!(2018 - 01 - 01), "New Year's Day"),
    (date!(2018 - 01 - 02), "2nd January"),
    (date!(2018 - 03 - 30), "Good Friday"),
    (date!(2018 - 05 - 07), "Early May bank holiday"),
    (date!(2018 - 05 - 28), "Spring bank holiday"),
    (date!(2018 - 08 - 06), "Summer bank holiday"),
    (date!(2018 - 11 - 30), "St Andrew's Day"),
    (date!(2018 - 12 - 25), "Christmas Day"),
    (date!(2018 - 12 - 26), "Boxing Day"),
    (date!(2019 - 01 - 01), "New Year's Day"),
    (date!(2019 - 01 - 02), "2nd January"),
    (date!(2019 - 04 - 19), "Good Friday"),
    (date!(2019 - 05 - 06), "Early May bank holiday"),
    (date!(2019 - 05 - 27), "Spring bank holiday"),
    (date!(2019 - 08 - 05), "Summer bank holiday"),
    (date!(2019 - 12 - 02), "St Andrew's Day (substitute day)"),
    (date!(2019 - 12 - 25), "Christmas Day"),
    (date!(2019 - 12 - 26), "Boxing Day"),
    (date!(2020 - 01 - 01), "New Year's Day"),
    (date!(2020 - 01 - 02), "2nd January"),
    (date!(2020 - 04 - 10), "Good Friday"),
    (date!(2020 - 05 - 08), "Early May bank holiday (VE day)"),
    (date!(2020 - 05 - 25), "Spring bank holiday"),
    (date!(2020 - 08 - 03), "Summer bank holiday"),
    (date!(2020 - 11 - 30), "St Andrew's Day"),
    (date!(2020 - 12 - 25), "Christmas Day"),
    (date!(2020 - 12 - 28), "Boxing Day (substitute day)"),
    (date!(2021 - 01 - 01), "New Year's Day"),
    (date!(2021 - 01 - 04), "2nd January (substitute day)"),
    (date!(2021 - 04 - 02), "Good Friday"),
    (date!(2021 - 05 - 03), "Early May bank holiday"),
    (date!(2021 - 05 - 31), "Spring bank holiday"),
    (date!(2021 - 08 - 02), "Summer bank holiday"),
    (date!(2021 - 11 - 30), "St Andrew's Day"),
    (date!(2021 - 12 - 27), "Christmas Day (substitute day)"),
    (date!(2021 - 12 - 28), "Boxing Day (substitute day)"),
    (date!(2022 - 01 - 03), "New Year's Day (substitute day)"),
    (date!(2022 - 01 - 04), "2nd January (substitute day)"),
    (date!(2022 - 04 - 15), "Good Friday"),
    (date!(2022 - 05 - 02), "Early May bank holiday"),
    (date!(2022 - 06 - 02), "Spring bank holiday"),
    (date!(2022 - 06 - 03), "Platinum Jubilee bank holiday"),
    (date!(2022 - 08 - 01), "Summer bank holiday"),
    (
        date!(2022 - 09 - 19),
        "Bank Holiday for the State Funeral of Queen Elizabeth II",
    ),
    (date!(2022 - 11 - 30), "St Andrew's Day"),
    (date!(2022 - 12 - 26), "Boxing Day"),
    (date!(2022 - 12 - 27), "Christmas Day (substitute day)"),
    (date!(2023 - 01 - 02), "2nd January"),
    (date!(2023 - 01 - 03), "New Year's Day (substitute day)"),
    (date!(2023 - 04 - 07), "Good Friday"),
    (date!(2023 - 05 - 01), "Early May bank holiday"),
    (
        date!(2023 - 05 - 08),
        "Bank holiday for the coronation of King Charles III",
    ),
    (date!(2023 - 05 - 29), "Spring bank holiday"),
    (date!(2023 - 08 - 07), "Summer bank holiday"),
    (date!(2023 - 11 - 30), "St Andrew's Day"),
    (date!(2023 - 12 - 25), "Christmas Day"),
    (date!(2023 - 12 - 26), "Boxing Day"),
    (date!(2024 - 01 - 01), "New Year's Day"),
    (date!(2024 - 01 - 02), "2nd January"),
    (date!(2024 - 03 - 29), "Good Friday"),
    (date!(2024 - 05 - 06), "Early May bank holiday"),
    (date!(2024 - 05 - 27), "Spring bank holiday"),
    (date!(2024 - 08 - 05), "Summer bank holiday"),
    (date!(2024 - 12 - 02), "St Andrew's Day (substitute day)"),
    (date!(2024 - 12 - 25), "Christmas Day"),
    (date!(2024 - 12 - 26), "Boxing Day"),
    (date!(2025 - 01 - 01), "New Year's Day"),
    (date!(2025 - 01 - 02), "2nd January"),
    (date!(2025 - 04 - 18), "Good Friday"),
    (date!(2025 - 05 - 05), "Early May bank holiday"),
    (date!(2025 - 05 - 26), "Spring bank holiday"),
    (date!(2025 - 08 - 04), "Summer bank holiday"),
    (date!(2025 - 12 - 01), "St Andrew's Day (substitute day)"),
    (date!(2025 - 12 - 25), "Christmas Day"),
    (date!(2025 - 12 - 26), "Boxing Day"),
    (date!(2026 - 01 - 01), "New Year's Day"),
    (date!(2026 - 01 - 02), "2nd January"),
    (date!(2026 - 04 - 03), "Good Friday"),
    (date!(2026 - 05 - 04), "Early May bank holiday"),
    (date!(2026 - 05 - 25), "Spring bank holiday"),
    (date!(2026 - 08 - 03), "Summer bank holiday"),
    (date!(2026 - 11 - 30), "St Andrew's Day"),
    (date!(2026 - 12 - 25), "Christmas Day"),
    (date!(2026 - 12 - 28), "Boxing Day (substitute day)"),
    (date!(2027 - 01 - 01), "New Year's Day"),
    (date!(2027 - 01 - 04), "2nd January (substitute day)"),
    (date!(2027 - 03 - 26), "Good Friday"),
    (date!(2027 - 05 - 03), "Early May bank holiday"),
    (date!(2027 - 05 - 31), "Spring bank holiday"),
    (date!(2027 - 08 - 02), "Summer bank holiday"),
    (date!(2027 - 11 - 30), "St Andrew's Day"),
    (date!(2027 - 12 - 27), "Christmas Day (substitute day)"),
    (date!(2027 - 12 - 28), "Boxing Day (substitute day)"),
    (date!(2028 - 01 - 03), "New Year's Day (substitute day)"),
    (date!(2028 - 01 - 04), "2nd January (substitute day)"),
    (date!(2028 - 04 - 14), "Good Friday"),
    (date!(2028 - 05 - 01), "Early May bank holiday"),
    (date!(2028 - 05 - 29), "Spring bank holiday"),
    (date!(2028 - 08 - 07), "Summer bank holiday"),
    (date!(2028 - 11 - 30), "St Andrew's Day"),
    (date!(2028 - 12 - 25), "Christmas Day"),
    (date!(2028 - 12 - 26), "Boxing Day"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use time::Weekday;

    #[test]
    fn tables_are_sorted_weekdays_inside_the_covered_years() {
        for nation in [Nation::EnglandAndWales, Nation::Scotland] {
            let table = nation.table();
            assert!(
                table.windows(2).all(|w| w[0].0 < w[1].0),
                "{nation:?} sorted"
            );
            for (d, name) in table {
                assert!(covers(*d), "{d} {name}");
                assert!(
                    !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday),
                    "{d} {name} is a weekday"
                );
            }
        }
    }

    #[test]
    fn each_ordinary_year_has_eight_or_nine_holidays() {
        for year in FIRST_YEAR..=LAST_YEAR {
            let count = |n: Nation| n.table().iter().filter(|(d, _)| d.year() == year).count();
            let extra = match year {
                2022 => 2,
                2023 => 1,
                _ => 0,
            };
            assert_eq!(count(Nation::EnglandAndWales), 8 + extra, "{year}");
            assert_eq!(count(Nation::Scotland), 9 + extra, "{year}");
        }
    }

    #[test]
    fn known_gov_uk_dates_are_in_the_table() {
        let ew = Nation::EnglandAndWales;
        let sc = Nation::Scotland;
        assert_eq!(
            bank_holiday(date!(2020 - 05 - 08), ew),
            Some("Early May bank holiday (VE day)")
        );
        assert_eq!(bank_holiday(date!(2020 - 05 - 04), ew), None);
        assert!(bank_holiday(date!(2022 - 06 - 03), ew).is_some());
        assert!(bank_holiday(date!(2022 - 09 - 19), sc).is_some());
        assert!(bank_holiday(date!(2023 - 05 - 08), ew).is_some());
        assert_eq!(
            bank_holiday(date!(2026 - 08 - 31), ew),
            Some("Summer bank holiday")
        );
        assert_eq!(bank_holiday(date!(2026 - 08 - 31), sc), None);
        assert_eq!(
            bank_holiday(date!(2026 - 08 - 03), sc),
            Some("Summer bank holiday")
        );
        assert_eq!(
            bank_holiday(date!(2026 - 04 - 06), ew),
            Some("Easter Monday")
        );
        assert_eq!(bank_holiday(date!(2026 - 04 - 06), sc), None);
        assert_eq!(
            bank_holiday(date!(2024 - 12 - 02), sc),
            Some("St Andrew's Day (substitute day)")
        );
        assert_eq!(
            bank_holiday(date!(2027 - 01 - 04), sc),
            Some("2nd January (substitute day)")
        );
        assert_eq!(
            bank_holiday(date!(2026 - 12 - 28), ew),
            Some("Boxing Day (substitute day)")
        );
    }

    #[test]
    fn christmas_days_come_before_bank_holidays() {
        let ew = Nation::EnglandAndWales;
        assert_eq!(
            special_day(date!(2026 - 12 - 25), ew),
            Some(SpecialDay::ChristmasDay)
        );
        assert_eq!(
            special_day(date!(2026 - 12 - 26), ew),
            Some(SpecialDay::BoxingDay)
        );
        assert!(matches!(
            special_day(date!(2026 - 12 - 28), ew),
            Some(SpecialDay::BankHoliday(_))
        ));
        assert_eq!(
            special_day(date!(2026 - 12 - 29), ew),
            Some(SpecialDay::ChristmasToNewYear)
        );
        assert!(matches!(
            special_day(date!(2027 - 01 - 01), ew),
            Some(SpecialDay::BankHoliday(_))
        ));
        assert_eq!(special_day(date!(2027 - 01 - 05), ew), None);
        assert_eq!(
            special_day(date!(2031 - 12 - 25), ew),
            Some(SpecialDay::ChristmasDay)
        );
    }

    #[test]
    fn regions_map_to_nations() {
        assert_eq!(Nation::of_region(Some("Scotland")), Some(Nation::Scotland));
        assert_eq!(
            Nation::of_region(Some("Wales")),
            Some(Nation::EnglandAndWales)
        );
        assert_eq!(
            Nation::of_region(Some("London")),
            Some(Nation::EnglandAndWales)
        );
        assert_eq!(Nation::of_region(None), None);
        assert_eq!(Nation::of_region(Some(" ")), None);
    }
}
