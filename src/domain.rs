//! Shared vocabulary of the railway: station codes, the rail-period calendar, the calendar of
//! special days (bank holidays, Christmas) and coordinates. Plain values and pure functions that
//! every layer may use; nothing here does I/O.

pub mod calendar;
pub mod crs;
pub mod geo;
pub mod rail_period;

pub use crs::Crs;
pub use rail_period::RailPeriod;
