//! The kind of day a departure falls on: the weekday/Saturday/Sunday split of the route rollups,
//! or one of the railway's special days from `domain::calendar`. Peak and off-peak fares
//! (`time_band`) and the delay model both read it. Pure; no I/O.

use serde::Serialize;
use time::{Date, Weekday};

use crate::domain::calendar::{self, Nation, SpecialDay};

/// The kind of day a departure falls on: the weekday/Saturday/Sunday of the route rollups, or
/// one of the railway's special days (see `domain::calendar`), which run other timetables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayType {
    /// Monday to Friday.
    Weekday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
    /// A bank holiday of the station's nation: Sunday-like service.
    BankHoliday,
    /// 26 December (when it is not a substitute bank holiday): no or very limited service.
    BoxingDay,
    /// 27–31 December other than bank holidays: reduced timetables.
    ChristmasToNewYear,
}

impl DayType {
    /// The weekday/Saturday/Sunday of a calendar date, ignoring special days (the rollups' split).
    pub fn of(date: Date) -> Self {
        match date.weekday() {
            Weekday::Saturday => Self::Saturday,
            Weekday::Sunday => Self::Sunday,
            _ => Self::Weekday,
        }
    }

    /// The day type of a date for a station in `nation`, special days included; `None` on
    /// Christmas Day, when no trains run.
    pub fn on(date: Date, nation: Nation) -> Option<Self> {
        match calendar::special_day(date, nation) {
            Some(SpecialDay::ChristmasDay) => None,
            Some(SpecialDay::BoxingDay) => Some(Self::BoxingDay),
            Some(SpecialDay::BankHoliday(_)) => Some(Self::BankHoliday),
            Some(SpecialDay::ChristmasToNewYear) => Some(Self::ChristmasToNewYear),
            None => Some(Self::of(date)),
        }
    }

    /// Parses the spelling of `as_str`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "weekday" => Some(Self::Weekday),
            "saturday" => Some(Self::Saturday),
            "sunday" => Some(Self::Sunday),
            "bank_holiday" => Some(Self::BankHoliday),
            "boxing_day" => Some(Self::BoxingDay),
            "christmas_to_new_year" => Some(Self::ChristmasToNewYear),
            _ => None,
        }
    }

    /// The API and rollup spelling, e.g. `"weekday"` or `"bank_holiday"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Weekday => "weekday",
            Self::Saturday => "saturday",
            Self::Sunday => "sunday",
            Self::BankHoliday => "bank_holiday",
            Self::BoxingDay => "boxing_day",
            Self::ChristmasToNewYear => "christmas_to_new_year",
        }
    }

    /// Whether this is one of the railway's special days rather than an ordinary week day.
    pub fn is_special(&self) -> bool {
        matches!(
            self,
            Self::BankHoliday | Self::BoxingDay | Self::ChristmasToNewYear
        )
    }
}
