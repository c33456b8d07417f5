//! Punctuality figures as the railway publishes them: cumulative shares of station stops reached
//! early, on time and within 3 … 30 minutes, per operator series and rail period, and the prior
//! figures derived from them. Plain values shared by the ORR 3138 parser (which produces them),
//! the model (which computes over them) and the store (which keeps them); nothing here does I/O.

use time::Date;

use crate::domain::rail_period::RailPeriod;

/// One ORR 3138 row: an operator's (or GB/England and Wales/Scotland's) punctuality in one rail period.
#[derive(Debug, Clone, PartialEq)]
pub struct PunctualityRow {
    /// The ORR "Operator" text exactly, e.g. "Avanti West Coast" or "Great Britain".
    pub series: String,
    /// The rail period the figures cover.
    pub period: RailPeriod,
    /// Number of recorded station stops in the period; `None` for `[z]`.
    pub stops: Option<i64>,
    /// The period's own cumulative shares.
    pub raw: Shares,
    /// The moving-annual-average shares (all `None` until a year of data exists).
    pub maa: Shares,
    /// Moving annual total of recorded station stops; `None` for `[z]`.
    pub mat_stops: Option<i64>,
}

/// Cumulative percentages: share of stops early, on time (<1 min), and within 3/5/10/15/20/30 minutes; None for `[z]`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Shares {
    /// Percentage of stops reached early.
    pub early: Option<f64>,
    /// Percentage of stops early or less than one minute late.
    pub on_time: Option<f64>,
    /// Percentage of stops early or less than 3 minutes late.
    pub t3: Option<f64>,
    /// Percentage of stops early or less than 5 minutes late.
    pub t5: Option<f64>,
    /// Percentage of stops early or less than 10 minutes late.
    pub t10: Option<f64>,
    /// Percentage of stops early or less than 15 minutes late.
    pub t15: Option<f64>,
    /// Percentage of stops early or less than 20 minutes late.
    pub t20: Option<f64>,
    /// Percentage of stops early or less than 30 minutes late.
    pub t30: Option<f64>,
}

impl Shares {
    /// From the eight shares in order (early, on time, within 3, 5, 10, 15, 20, 30 minutes).
    pub fn from_array(values: [Option<f64>; 8]) -> Self {
        let [early, on_time, t3, t5, t10, t15, t20, t30] = values;
        Self {
            early,
            on_time,
            t3,
            t5,
            t10,
            t15,
            t20,
            t30,
        }
    }

    /// The eight shares in order.
    pub fn to_array(self) -> [Option<f64>; 8] {
        [
            self.early,
            self.on_time,
            self.t3,
            self.t5,
            self.t10,
            self.t15,
            self.t20,
            self.t30,
        ]
    }

    /// The eight shares, or `None` if any is missing (`[z]`).
    pub fn complete(self) -> Option<[f64; 8]> {
        let values = self.to_array();
        values
            .iter()
            .all(Option::is_some)
            .then(|| values.map(|v| v.unwrap_or_default()))
    }
}

/// A prior figure for one series: period 0 is the latest moving annual average; 1..=13 is the
/// operator forecast for that rail period.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorRow {
    /// The ORR series name, e.g. "Avanti West Coast" or "Great Britain".
    pub series: String,
    /// 0 for the moving annual average, else the rail period 1..=13 the forecast is for.
    pub period: u8,
    /// Cumulative shares, rounded to 2 decimals.
    pub shares: Shares,
    /// Stops behind the figure: the moving annual total for period 0, else the mean per period.
    pub stops: Option<i64>,
    /// 1 for period 0; else the complete rail years behind the forecast's seasonal index (0 = none).
    pub years: u8,
    /// Last day of the latest period the series has in the source.
    pub data_through: Date,
}
