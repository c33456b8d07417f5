//! HTTP and store behaviour, end to end against a real SQLite file per test.

mod batch;
mod cache;
mod calendar;
mod errors;
mod eval;
mod fares;
mod helpers;
mod imports;
mod journey;
mod meta;
mod metrics;
mod middleware;
mod openapi;
mod predict;
mod query_plans;
mod routes;
mod server;
mod simulate;
mod stations;
