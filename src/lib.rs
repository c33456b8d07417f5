//! RailFair: how likely is a UK train to be late, and which ticket is really the best value?
//!
//! A tour, in reading order:
//! 1. `http` — every route in one file, the middleware stack, our error envelope.
//! 2. `service` — the use cases behind the routes: validate, load, respond.
//! 3. `store` — all SQL: pools, migrations, starter data, importers of the official formats.
//! 4. `domain` — shared vocabulary with no I/O: CRS codes, rail periods, coordinates.
//!    `model` — the pure delay model; `planner` — the pure journey planner beside it (CSA and
//!    its expected-arrival variant over one service day's connections).
//! 5. `config`, `error`, `state`, `server`, `cli`, `telemetry` — the plumbing around them.
//!
//! Data flows downward only: http → service → store; `domain` is usable by all.

pub mod cache;
pub mod cli;
pub mod config;
pub mod domain;
pub mod error;
pub mod http;
pub mod model;
pub mod planner;
pub mod server;
pub mod service;
pub mod state;
pub mod store;
pub mod telemetry;
