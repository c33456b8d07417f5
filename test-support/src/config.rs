//! The service's configuration for a test: a SQLite file in the test's own directory and no rate
//! limit, plus what the test sets. The same variables feed `Config::from_lookup` (in-process
//! tests) and a child process's environment (`tests/process.rs`); the process environment of the
//! test itself is never read, so a developer's variables cannot change what is tested.

use std::collections::BTreeMap;
use std::path::Path;

use railfair::config::Config;

/// Configuration variables for one test, by name; later settings replace earlier ones.
#[derive(Debug, Clone)]
pub struct TestConfig {
    vars: BTreeMap<String, String>,
}

impl TestConfig {
    /// `DATABASE_URL` on `railfair.db` in `dir` and `RATE_LIMIT_PER_MINUTE=0`: tests send many
    /// requests from one address, and the limiter has tests of its own that turn it on.
    pub fn new(dir: &Path) -> Self {
        let url = format!("sqlite://{}", dir.join("railfair.db").display());
        Self {
            vars: BTreeMap::new(),
        }
        .set("DATABASE_URL", url)
        .set("RATE_LIMIT_PER_MINUTE", "0")
    }

    /// Sets one variable, replacing any earlier value.
    pub fn set(mut self, name: &str, value: impl Into<String>) -> Self {
        self.vars.insert(name.to_owned(), value.into());
        self
    }

    /// Sets every `(name, value)` of `extra`, replacing earlier values.
    pub fn with<N: AsRef<str>, V: AsRef<str>>(mut self, extra: &[(N, V)]) -> Self {
        for (name, value) in extra {
            self = self.set(name.as_ref(), value.as_ref());
        }
        self
    }

    /// Every variable set, as `(name, value)`, e.g. for `Command::envs`.
    pub fn vars(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The service's `Config` over these variables (and the defaults for the rest); panics
    /// naming the problem when a test set an invalid value.
    pub fn build(&self) -> Config {
        Config::from_lookup(|name| self.vars.get(name).cloned())
            .unwrap_or_else(|e| panic!("test configuration is invalid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_settings_replace_the_defaults_and_the_database_is_in_the_directory() {
        let config = TestConfig::new(Path::new("/tmp/x"))
            .set("RATE_LIMIT_PER_MINUTE", "5")
            .with(&[("SHUTDOWN_GRACE_SECS", "2".to_owned())]);
        let vars: Vec<(&str, &str)> = config.vars().collect();
        assert_eq!(
            vars,
            [
                ("DATABASE_URL", "sqlite:///tmp/x/railfair.db"),
                ("RATE_LIMIT_PER_MINUTE", "5"),
                ("SHUTDOWN_GRACE_SECS", "2"),
            ]
        );
    }
}
