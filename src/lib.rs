//! RailFair: how likely is a UK train to be late, and which ticket is really the best value?
//!
//! A tour, in reading order (ARCHITECTURE.md has the rules and where new things go):
//! 1. `http` — every route in one file, the middleware stack, our error envelope.
//! 2. `service` — the use cases behind the routes: validate, load through the cache, respond.
//! 3. `state` — the handles every use case receives, and the in-process objects they hold (the
//!    in-flight bound, the rate limiter, the popularity counter, the journey planner's built
//!    service days).
//! 4. `cache` — tiered cache-aside: in-process L1 → Redis L2 (breaker, timeouts) → the loader.
//! 5. `store` — all SQL: pools, migrations, starter data, the write side of imports, and the
//!    memo (`store::memo`): the third cache, in process below L1 and Redis, of the hot reference
//!    rows every uncached load reads; a write transaction drops it as it begins and ends.
//! 6. `model` — pure arithmetic: the delay distribution, seasonal priors, route evidence,
//!    Delay Repay, route reliability, the backtest.
//!    `planner` — the pure journey planner above the model (the Connection Scan Algorithm and
//!    its expected-arrival variant over one service day's connections, and journeys as a
//!    traveller makes them: stated transfers at either end, no loops, arriving by a time).
//! 7. `feeds` — pure parsers of the official files (NaPTAN, ORR 1410 and 3138, HSP, RDG fares,
//!    the CIF timetable).
//! 8. `domain` — shared vocabulary with no I/O: CRS codes, rail periods, the calendar,
//!    coordinates, tickets, timetable validity, interchange times.
//! 9. `config`, `error`, `telemetry`, `server`, `cli` — the plumbing around them.
//!
//! Data flows downward only: a module imports from its own layer or the layers below it
//! (http → service → state → cache → store → planner → model → feeds → domain), never back up,
//! and no two files import each other; `tests/layers.rs` fails the build when one does.

pub mod cache;
pub mod cli;
pub mod config;
pub mod domain;
pub mod error;
pub mod feeds;
pub mod http;
pub mod model;
pub mod planner;
pub mod server;
pub mod service;
pub mod state;
pub mod store;
pub mod telemetry;
