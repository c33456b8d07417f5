//! Use cases: each validates its input, loads through one function per kind (the cache layer
//! will wrap exactly these), and returns the response value. No SQL and no HTTP types here.

pub mod admin;
pub mod batch;
pub mod fares;
pub mod health;
pub mod operator;
pub mod popularity;
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
