//! HTTP and store behaviour, end to end against a real SQLite file per test.

mod errors;
mod eval;
mod helpers;
mod imports;
mod meta;
mod query_plans;
mod server;
mod simulate;
mod stations;
