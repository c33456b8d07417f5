//! The delay model: one arrival-delay distribution per request, built from the operator's ORR
//! prior, seasonality, time of day and route evidence, plus the backtest that keeps it honest.
//! Pure: no I/O, no database, no HTTP, no logging; the service loads figures and calls `predict`.
//!
//! Read in this order: `delay` (the distribution and its tail), `forecast` (the operator forecast
//! per rail period and how its parameters are selected), `priors` (what the live path stores),
//! `seasonality` (the stored prior by rail period), `evidence` (route counts and confidence),
//! `predict`, `delay_repay` (expected compensation), `reliability` (route statistics: score and
//! grade), `causes` (what mostly causes an operator's delays), then `backtest` and its reference
//! forecaster `holt_winters`.
//!
//! Imports only `domain` and `feeds` (whose parsed rows it computes over), never `store`,
//! `cache`, `service` or `http`.

pub mod backtest;
pub mod causes;
pub mod delay;
pub mod delay_repay;
pub mod evidence;
pub mod forecast;
pub mod holt_winters;
pub mod predict;
pub mod priors;
pub mod reliability;
pub mod seasonality;

pub use delay::{DelayDistribution, DelayRepayBands};
pub use evidence::{Confidence, EvidenceCounts, PriorSource, RouteEvidence};
pub use predict::{
    AdjustmentFactors, BasisSource, DayType, DelayPercentiles, Figures, Prediction,
    PredictionInput, figures, predict,
};
pub use seasonality::OperatorPriors;
