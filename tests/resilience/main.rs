//! Resilience under load, through a real loopback socket: many concurrent clients make real
//! requests while a dependency fails or the database is written to, and every response is
//! recorded and judged — status, body, and latency.
//!
//! - `redis_outage`: Redis killed, and Redis stalled with `DEBUG SLEEP`, under load.
//! - `database_writes`: imports and popularity flushes while readers bypass the cache.
//! - `overload`: more clients than `MAX_IN_FLIGHT`.
//!
//! SIGTERM under a burst is covered by `tests/process.rs` (the real executable, drained
//! requests, exit 0) and is not repeated here.
//!
//! A binary of its own so that its load cannot disturb the timing-sensitive tests in
//! `tests/api`; within it, the tests take turns (`one_at_a_time`) for the same reason.

mod database_writes;
mod harness;
mod overload;
mod redis_outage;
