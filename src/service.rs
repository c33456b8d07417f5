//! Use cases: each validates its input, loads what it needs through the cache (one loader per
//! cached kind, `cache.get_or_load(kind, key, loader)`), and returns the response value. No SQL
//! and no HTTP types here; arithmetic belongs to the model.

pub mod admin;
pub mod batch;
pub mod fare_quote;
pub mod fares;
pub mod health;
pub mod imports;
pub mod itineraries;
pub mod journey;
pub mod operator;
pub mod predict;
pub mod request;
pub mod routes;
pub mod scrape;
pub mod shape;
pub mod simulate;
pub mod sources;
pub mod stations;
pub mod statistics;
pub mod warm;

/// The service's version, as reported by `/`, `/health` and response metadata.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
