//! Peak or off-peak: whether off-peak tickets are valid at a departure time. A simplification of
//! the fares feed's per-flow restriction codes, which the fares response reports as an assumption.

use serde::{Deserialize, Serialize};
use time::{PrimitiveDateTime, Weekday};

/// Weekday departures in this window are peak: off-peak and super off-peak tickets are not
/// valid. A simplification of the feed's per-flow restriction codes, reported as an assumption.
pub const MORNING_PEAK: (u8, u8, u8, u8) = (6, 0, 9, 29);

/// Whether off-peak tickets are valid at a departure time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeBand {
    /// Weekday 06:00–09:29: anytime and advance tickets only.
    Peak,
    /// Any other time.
    OffPeak,
}

impl TimeBand {
    /// The band of a departure.
    pub fn of(departure: PrimitiveDateTime) -> Self {
        let weekend = matches!(departure.weekday(), Weekday::Saturday | Weekday::Sunday);
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
        assert_eq!(TimeBand::of(datetime!(2026-12-01 07:45)), TimeBand::Peak);
        assert_eq!(TimeBand::of(datetime!(2026-12-01 09:30)), TimeBand::OffPeak);
        assert_eq!(TimeBand::of(datetime!(2026-12-05 07:45)), TimeBand::OffPeak);
    }
}
