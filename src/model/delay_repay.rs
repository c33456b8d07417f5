//! National Delay Repay arithmetic: the share of a ticket's price refunded for each band of
//! arrival delay, and the expected refund given a delay distribution.
//! Pure: no I/O, no store types; a ticket's [`Journey`] is domain vocabulary.
//! The band probabilities come from [`DelayRepayBands`], which the delay distribution reports.

use serde::Serialize;

use crate::domain::ticket::Journey;
use crate::model::delay::DelayRepayBands;

/// Which Delay Repay threshold an operator pays from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Scheme {
    /// Compensation from 15 minutes late.
    #[serde(rename = "DR15")]
    Dr15,
    /// Compensation from 30 minutes late (no 15–29 minute band).
    #[serde(rename = "DR30")]
    Dr30,
}

impl Scheme {
    /// Reads the scheme as `operators.csv` spells it (`"DR15"` or `"DR30"`); `None` for anything else.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "DR15" => Some(Self::Dr15),
            "DR30" => Some(Self::Dr30),
            _ => None,
        }
    }

    /// The scheme's code as the API and `operators.csv` spell it.
    pub fn code(self) -> &'static str {
        match self {
            Self::Dr15 => "DR15",
            Self::Dr30 => "DR30",
        }
    }
}

/// Refund shares per band, in the order 15–29, 30–59, 60–119, 120+ minutes late.
fn shares(scheme: Scheme, journey: Journey) -> [f64; 4] {
    // National Delay Repay (design §4): a single refunds 25/50/100 %; a return refunds half
    // those shares of the return fare, except that 120+ minutes refunds the whole return fare.
    // DR30 operators pay nothing for 15–29 minutes.
    let first_band = match scheme {
        Scheme::Dr15 => 1.0,
        Scheme::Dr30 => 0.0,
    };
    match journey {
        Journey::Single => [0.25 * first_band, 0.50, 1.0, 1.0],
        Journey::Return => [0.125 * first_band, 0.25, 0.50, 1.0],
    }
}

/// Expected share of the ticket price refunded: Σ P(band) × share(band).
pub fn expected_refund_share(scheme: Scheme, journey: Journey, bands: &DelayRepayBands) -> f64 {
    let [s15, s30, s60, s120] = shares(scheme, journey);
    bands.p15_29 * s15 + bands.p30_59 * s30 + bands.p60_119 * s60 + bands.p120_plus * s120
}

/// Expected refund in pence for a ticket of `price_pence`: price × expected share.
pub fn expected_refund_pence(
    price_pence: i64,
    scheme: Scheme,
    journey: Journey,
    bands: &DelayRepayBands,
) -> f64 {
    // Prices are at most a few thousand pounds, far inside f64's exact-integer range.
    price_pence as f64 * expected_refund_share(scheme, journey, bands)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BANDS: DelayRepayBands = DelayRepayBands {
        p15_29: 0.10,
        p30_59: 0.04,
        p60_119: 0.02,
        p120_plus: 0.01,
    };

    const NO_DELAY: DelayRepayBands = DelayRepayBands {
        p15_29: 0.0,
        p30_59: 0.0,
        p60_119: 0.0,
        p120_plus: 0.0,
    };

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn dr15_single_pays_a_quarter_from_fifteen_minutes() {
        // 0.10×0.25 + 0.04×0.5 + 0.02×1 + 0.01×1 = 0.025 + 0.02 + 0.02 + 0.01 = 0.075
        let share = expected_refund_share(Scheme::Dr15, Journey::Single, &BANDS);
        assert!(close(share, 0.075), "{share}");
    }

    #[test]
    fn dr30_single_pays_nothing_below_thirty_minutes() {
        // 0.04×0.5 + 0.02×1 + 0.01×1 = 0.05
        let share = expected_refund_share(Scheme::Dr30, Journey::Single, &BANDS);
        assert!(close(share, 0.05), "{share}");
    }

    #[test]
    fn dr15_return_pays_half_shares_and_everything_after_two_hours() {
        // 0.10×0.125 + 0.04×0.25 + 0.02×0.5 + 0.01×1 = 0.0125 + 0.01 + 0.01 + 0.01 = 0.0425
        let share = expected_refund_share(Scheme::Dr15, Journey::Return, &BANDS);
        assert!(close(share, 0.0425), "{share}");
    }

    #[test]
    fn dr30_return_skips_the_fifteen_minute_band() {
        // 0.04×0.25 + 0.02×0.5 + 0.01×1 = 0.03
        let share = expected_refund_share(Scheme::Dr30, Journey::Return, &BANDS);
        assert!(close(share, 0.03), "{share}");
    }

    #[test]
    fn a_certain_two_hour_delay_refunds_the_whole_ticket_either_way() {
        let bands = DelayRepayBands {
            p120_plus: 1.0,
            ..NO_DELAY
        };
        for scheme in [Scheme::Dr15, Scheme::Dr30] {
            for journey in [Journey::Single, Journey::Return] {
                assert!(close(expected_refund_share(scheme, journey, &bands), 1.0));
            }
        }
    }

    #[test]
    fn expected_refund_in_pence_scales_the_share_by_the_price() {
        // £201.50 anytime single on a DR15 operator: 20150 × 0.075 = 1511.25 pence.
        let pence = expected_refund_pence(20150, Scheme::Dr15, Journey::Single, &BANDS);
        assert!(close(pence, 1511.25), "{pence}");
        // £98.00 off-peak return on a DR30 operator: 9800 × 0.03 = 294 pence.
        let pence = expected_refund_pence(9800, Scheme::Dr30, Journey::Return, &BANDS);
        assert!(close(pence, 294.0), "{pence}");
    }

    #[test]
    fn no_delay_means_no_refund() {
        let share = expected_refund_share(Scheme::Dr15, Journey::Single, &NO_DELAY);
        assert!(close(share, 0.0));
    }

    #[test]
    fn scheme_codes_round_trip_and_unknown_codes_are_refused() {
        assert_eq!(Scheme::from_code("DR15"), Some(Scheme::Dr15));
        assert_eq!(Scheme::from_code("DR30"), Some(Scheme::Dr30));
        assert_eq!(Scheme::from_code("dr15"), None);
        assert_eq!(Scheme::Dr30.code(), "DR30");
    }
}
