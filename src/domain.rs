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

/// Gives a closed set (a fieldless enum whose serde names are these same strings) its one
/// spelling: `as_str` (stored text, JSON string, metrics label), `parse` back from it, and `ALL`.
/// The `match` in `as_str` is exhaustive, so a new variant does not compile until it is spelled.
macro_rules! spelled {
    ($ty:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The value as stored and serialised.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            /// The value of its stored spelling (exact, case-sensitive).
            pub fn parse(text: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == text)
            }
        }
    };
}
pub(crate) use spelled;

pub use crs::{Crs, Route};
pub use rail_period::RailPeriod;
pub use time_band::TimeBand;
