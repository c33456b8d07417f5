//! Peak or off-peak: whether off-peak tickets are valid at a departure time. A simplification of
//! the fares feed's per-flow restriction codes, which the fares response reports as an assumption.

use serde::{Deserialize, Serialize};
use time::PrimitiveDateTime;

use crate::domain::day_type::DayType;

/// Weekday departures in this window are peak: off-peak and super off-peak tickets are not
/// valid. A simplification of the feed's per-flow restriction codes, reported as an assumption.
pub const MORNING_PEAK: (u8, u8, u8, u8) = (6, 0, 9, 29);

/// Whether off-peak tickets are valid at a departure time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeBand {
    /// Working weekday 06:00–09:29: anytime and advance tickets only.
    Peak,
    /// Any other time, and all day at weekends and on bank holidays.
    OffPeak,
}

impl TimeBand {
    /// The band of a departure on a day of `day_type`: weekends, bank holidays and Boxing Day
    /// are off-peak all day; 27–31 December keeps the weekday morning peak on working weekdays
    /// (operators differ, and claiming off-peak validity there would overstate it).
    pub fn of(departure: PrimitiveDateTime, day_type: DayType) -> Self {
        let weekend = match day_type {
            DayType::Weekday => false,
            DayType::ChristmasToNewYear => DayType::of(departure.date()) != DayType::Weekday,
            DayType::Saturday | DayType::Sunday | DayType::BankHoliday | DayType::BoxingDay => true,
        };
        let minutes = u16::from(departure.hour()) * 60 + u16::from(departure.minute());
        let (h0, m0, h1, m1) = MORNING_PEAK;
        let (start, end) = (
            u16::from(h0) * 60 + u16::from(m0),
            u16::from(h1) * 60 + u16::from(m1),
        );
        if !weekend && (start..=end).contains(&minutes) {
            Self::Peak
        } else {
            Self::OffPeak
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn weekday_mornings_are_peak_and_weekends_never() {
        let band = |at: PrimitiveDateTime| TimeBand::of(at, DayType::of(at.date()));
        assert_eq!(band(datetime!(2026-12-01 07:45)), TimeBand::Peak);
        assert_eq!(band(datetime!(2026-12-01 09:30)), TimeBand::OffPeak);
        assert_eq!(band(datetime!(2026-12-05 07:45)), TimeBand::OffPeak);
    }

    #[test]
    fn bank_holidays_and_boxing_day_are_off_peak_all_day() {
        let at = datetime!(2026-08-31 07:45);
        assert_eq!(TimeBand::of(at, DayType::BankHoliday), TimeBand::OffPeak);
        assert_eq!(TimeBand::of(at, DayType::BoxingDay), TimeBand::OffPeak);
        // 27-31 December keeps the morning peak on working weekdays, not at weekends.
        let tuesday = datetime!(2026-12-29 07:45);
        assert_eq!(
            TimeBand::of(tuesday, DayType::ChristmasToNewYear),
            TimeBand::Peak
        );
        let saturday = datetime!(2029-12-29 07:45);
        assert_eq!(
            TimeBand::of(saturday, DayType::ChristmasToNewYear),
            TimeBand::OffPeak
        );
    }
}
