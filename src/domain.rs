//! Shared vocabulary of the railway: station codes, the rail-period calendar and coordinates.
//! Plain values and pure functions that every layer may use; nothing here does I/O.

pub mod crs;
pub mod geo;
pub mod interchange;
pub mod rail_period;
pub mod stp;

pub use crs::Crs;
pub use rail_period::RailPeriod;
