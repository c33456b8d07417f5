//! RailFair's load generator. Read in this order: `mix` (what each request is: the original
//! Locust mix of design §9 and the other scenarios), `catalogue` (the real station codes and
//! routes it draws from), `client` (one lean keep-alive connection per user), `runner` (closed
//! and open models on single-threaded runtimes), `stats` (what is measured), `report` (the
//! table, the JSON and the pass/fail gate), `cli` (the command line).

pub mod catalogue;
pub mod cli;
pub mod client;
pub mod mix;
pub mod report;
pub mod runner;
pub mod stats;
