//! Test support shared by every RailFair test binary (`tests/api`, `tests/resilience`,
//! `tests/process.rs`, `tests/ops.rs`, `loadtest/tests`), kept in one place so no binary carries
//! its own copy. A dev-dependency only: nothing here is ever linked into the service.
//!
//! A test that needs a program beyond cargo (`redis-server`, `promtool`) fails when it is
//! missing, saying how to get it; it never passes by skipping. `scripts/test.sh` installs both.
//!
//! - [`config`]: the service's configuration for a test, over a database file of its own.
//! - [`redis_server`]: a private `redis-server` on a free port, killed on drop.
//! - [`tools`]: the external programs the tests run (`promtool`), found or failed.
//! - [`data`]: the shared real data beside the repository, and the starter routes.

pub mod config;
pub mod data;
pub mod redis_server;
pub mod tools;

pub use config::TestConfig;
pub use data::{STARTER_ROUTES, shared_data};
pub use redis_server::RedisServer;
pub use tools::promtool;
