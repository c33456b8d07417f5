//! Shared vocabulary of the railway: station codes, the rail-period calendar, the calendar of
//! special days (bank holidays, Christmas), coordinates, published punctuality figures, peak and
//! off-peak, what a ticket covers, timetable validity (STP) and interchange times.
//! Plain values and pure functions that every layer may use; nothing here does I/O, and nothing
//! here imports from any other module of the crate.

pub mod calendar;
pub mod crs;
pub mod day_type;
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
