//! Shared vocabulary of the railway: station codes, the rail-period calendar, coordinates,
//! published punctuality figures, peak and off-peak, and what a ticket covers.
//! Plain values and pure functions that every layer may use; nothing here does I/O, and nothing
//! here imports from any other module of the crate.

pub mod crs;
pub mod geo;
pub mod interchange;
pub mod punctuality;
pub mod rail_period;
pub mod stp;
pub mod ticket;
pub mod time_band;

pub use crs::Crs;
pub use rail_period::RailPeriod;
pub use time_band::TimeBand;
