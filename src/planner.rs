//! The journey planner: the Connection Scan Algorithm's earliest arrival and its Minimum
//! Expected Arrival Time variant over one service day's connections, with per-station minimum
//! connection times, stated walks and a limit on changes; each leg's delay comes from the delay
//! model. Pure, beside the model layer: it may use `domain` and `model`, never the store, cache,
//! service or HTTP layers, and does no I/O.
//!
//! Read in this order: `timetable` (the day's stations, trips, connections and interchange
//! rules), `csa` (earliest arrival), `delays` (each leg's delay distribution), `meat` (expected
//! arrival, itineraries, connection risk), `ends` (journeys as a traveller makes them: a stated
//! transfer at either end, no loops, the Pareto set, arriving by a time), then the two generated
//! timetables: `approximate` (from the route catalogue, labelled approximate) and `synthetic`
//! (GB-sized, for benchmarks).

pub mod approximate;
pub mod csa;
pub mod delays;
pub mod ends;
pub mod meat;
pub mod synthetic;
pub mod timetable;

pub use approximate::{Approximate, CatalogueRoute, approximate_timetable};
pub use csa::{Journey, Leg, MAX_CHANGES, earliest_arrival};
pub use delays::DelayTable;
pub use meat::{InterchangeRisk, Itinerary, ItineraryLeg, PlanRequest, plan};
pub use timetable::{
    Call, Footpath, Minute, StationIdx, Timetable, TimetableBuilder, TimetableSource, Transfers,
};
