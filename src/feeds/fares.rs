//! Parses the RDG fares feed (RSPS5045, fixed width): locations (`.LOC`), flows and their fares
//! (`.FFL`), ticket types (`.TTY`) and non-derivable fares (`.NDF`), from a directory or a zip.
//! Parsing is pure and strict (a bad record names its line); only `read_feed_*` read files, and
//! nothing here ever touches the database or the network.
//!
//! Only full-refresh files are loaded: a `D` (delete) record says "this record is not current",
//! so it is validated, left out of the result and counted in [`Skipped::deleted`]. `R`, `I` and
//! `A` records are all kept as they stand.
//!
//! Read in this order: `feed` (the records), `fixed_width` (the line reader), `parse` (one
//! function per file), `read` (a directory or a zip).

mod feed;
mod fixed_width;
mod parse;
mod read;
#[cfg(test)]
mod tests;

pub use feed::{
    Direction, FaresFeed, Flow, FlowFare, Location, NonDerivableFare, OPEN_ENDED, Skipped,
    TicketClass, TicketKind, TicketType, ticket_kind,
};
pub use parse::{parse_ffl, parse_loc, parse_ndf, parse_tty};
pub use read::{read_feed_dir, read_feed_zip};
