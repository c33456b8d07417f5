//! Configuration from the environment (design §7). Every variable has a documented default and
//! appears in `.env.example`; a bad value stops startup with a message naming the variable.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::error::Error;

/// Everything the service reads from its environment.
#[derive(Clone)]
pub struct Config {
    /// `RAILFAIR_LISTEN` (0.0.0.0:8080): address the HTTP server binds.
    pub listen: SocketAddr,
    /// `DATABASE_URL` (sqlite://data/railfair.db): the SQLite file, created and migrated if missing;
    /// a URL with any other scheme than `sqlite:` stops startup.
    pub database_url: String,
    /// `DB_READ_POOL_SIZE` (8): connections in the read pool (writes use one connection of their own).
    pub db_read_pool_size: u32,
    /// `REQUEST_TIMEOUT_MS` (10000): a request still running after this answers 503.
    pub request_timeout: Duration,
    /// `SHUTDOWN_GRACE_SECS` (20): after SIGTERM/SIGINT, in-flight requests get this long to finish.
    pub shutdown_grace: Duration,
    /// `RAILFAIR_DATA_DIR` (unset): official data files imported at startup when the database lacks them.
    pub data_dir: Option<PathBuf>,
    /// `LOG_FORMAT` (pretty): `pretty` for a terminal, `json` for log collectors.
    pub log_format: LogFormat,
    /// `MODEL_PRIOR_STRENGTH` (50): pseudo-observations the operator prior weighs against route
    /// history in the Dirichlet update.
    pub prior_strength: f64,
    /// `POPULARITY_FLUSH_SECS` (30): how often request counts are written to the database.
    pub popularity_flush: Duration,
    /// The cache tiers.
    pub cache: CacheConfig,
    /// `RAILFAIR_ADMIN_TOKEN` (unset): bearer token of the admin endpoints; unset disables them.
    pub admin_token: Option<String>,
    /// The HTTP platform: limits, CORS, proxies.
    pub http: HttpConfig,
    /// Retired variables that are set: accepted and ignored, so an old `.env` still starts the
    /// service; `main` warns about each one.
    pub ignored: Vec<&'static str>,
}

/// Variables the service no longer reads, with what replaced them.
pub const RETIRED: [(&str, &str); 1] = [(
    "REDIS_POOL_SIZE",
    "Redis commands share one reconnecting multiplexed connection; there is no pool to size",
)];

/// HTTP platform settings (design §6).
#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// `RATE_LIMIT_PER_MINUTE` (100): sustained `/api/*` requests per client per minute;
    /// 0 turns rate limiting off (benchmarks, or a gateway that limits in front of us).
    pub rate_limit_per_minute: u32,
    /// `RATE_LIMIT_BURST` (20): requests a client may send at once before the rate applies.
    pub rate_limit_burst: u32,
    /// `TRUSTED_PROXIES` (empty): comma-separated addresses or CIDR ranges of reverse proxies
    /// whose `X-Forwarded-For` is believed. Empty: the socket peer is always the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `CORS_ORIGINS` (empty): comma-separated browser origins allowed to call the API
    /// (`https://railfair.example`), or `*` for any origin (never with credentials).
    /// Empty: no CORS headers, so only same-origin pages can call it from a browser.
    pub cors_origins: CorsOrigins,
    /// `MAX_IN_FLIGHT` (1024): requests processed at once; beyond it requests are refused with
    /// 503 and `Retry-After` rather than queued.
    pub max_in_flight: usize,
    /// `BODY_LIMIT_BYTES` (65536): largest request body accepted (413 beyond).
    pub body_limit_bytes: usize,
}

/// Which browser origins may call the API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CorsOrigins {
    /// No cross-origin access.
    None,
    /// Any origin (`*`), without credentials.
    Any,
    /// Exactly these origins.
    List(Vec<String>),
}

impl FromStr for CorsOrigins {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let items: Vec<&str> = s
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .collect();
        if items.is_empty() {
            return Ok(Self::None);
        }
        if items == ["*"] {
            return Ok(Self::Any);
        }
        let mut origins = Vec::with_capacity(items.len());
        for origin in items {
            // An origin is scheme://host[:port], nothing more: a path or a wildcard inside a
            // list is a configuration mistake that would silently never match.
            let valid = (origin.starts_with("http://") || origin.starts_with("https://"))
                && !origin.ends_with('/')
                && origin.split("://").nth(1).is_some_and(|rest| {
                    !rest.is_empty() && !rest.contains('/') && !rest.contains('*')
                });
            if !valid {
                return Err(format!(
                    "'{origin}' is not an origin like https://railfair.example (or use '*' alone)"
                ));
            }
            origins.push(origin.to_owned());
        }
        Ok(Self::List(origins))
    }
}

/// Parses `TRUSTED_PROXIES`: addresses (`10.0.0.5`) or ranges (`10.0.0.0/8`), comma-separated.
fn parse_proxies(raw: &str) -> Result<Vec<ipnet::IpNet>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<ipnet::IpNet>()
                .or_else(|_| p.parse::<IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("'{p}' is neither an IP address nor a CIDR range"))
        })
        .collect()
}

/// Cache settings (design §5).
#[derive(Clone)]
pub struct CacheConfig {
    /// `REDIS_URL` (unset): the shared L2 tier; unset runs on the in-process tier alone.
    pub redis_url: Option<String>,
    /// `REDIS_TIMEOUT_MS` (50): hard bound on every Redis operation, connecting included.
    pub redis_timeout: Duration,
    /// `CACHE_L1_MAX_ENTRIES` (10000): bound of the in-process tier.
    pub l1_max_entries: u64,
    /// `BREAKER_FAILURES` (5): consecutive Redis failures that open the breaker.
    pub breaker_failures: u32,
    /// `BREAKER_COOLDOWN_SECS` (30): how long the breaker stays open before one probe.
    pub breaker_cooldown: Duration,
    /// `CACHE_TTL_PREDICTION_SECS` (3600).
    pub ttl_prediction: Duration,
    /// `CACHE_TTL_FARE_SECS` (86400).
    pub ttl_fare: Duration,
    /// `CACHE_TTL_ROUTE_STATS_SECS` (21600).
    pub ttl_route_stats: Duration,
    /// `CACHE_TTL_POPULAR_SECS` (1800).
    pub ttl_popular: Duration,
    /// `CACHE_TTL_STATIONS_SECS` (86400).
    pub ttl_stations: Duration,
    /// `CACHE_TTL_JOURNEY_SECS` (3600).
    pub ttl_journey: Duration,
}

impl std::fmt::Debug for CacheConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: never print it.
        f.debug_struct("CacheConfig")
            .field("redis_url", &self.redis_url.as_ref().map(|_| "<set>"))
            .field("redis_timeout", &self.redis_timeout)
            .field("l1_max_entries", &self.l1_max_entries)
            .finish_non_exhaustive()
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines for a terminal.
    Pretty,
    /// One JSON object per line for machines.
    Json,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets (admin token, Redis URL) are never printed.
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("database_url", &self.database_url)
            .field("cache", &self.cache)
            .field("admin_token", &self.admin_token.as_ref().map(|_| "<set>"))
            .finish_non_exhaustive()
    }
}

impl FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pretty" | "text" => Ok(Self::Pretty),
            "json" => Ok(Self::Json),
            other => Err(format!("expected 'pretty' or 'json', got '{other}'")),
        }
    }
}

impl Config {
    /// Reads the process environment (after `.env`, when present, has been loaded into it).
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests can supply variables without touching the
    /// process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let get = |name: &'static str| lookup(name).filter(|v| !v.trim().is_empty());
        Ok(Self {
            listen: parse(&get, "RAILFAIR_LISTEN", "0.0.0.0:8080")?,
            database_url: sqlite_url(get("DATABASE_URL"))?,
            db_read_pool_size: parse_in_range(&get, "DB_READ_POOL_SIZE", 8, 1..=64)?,
            request_timeout: Duration::from_millis(parse_in_range(
                &get,
                "REQUEST_TIMEOUT_MS",
                10_000,
                1..=600_000,
            )?),
            shutdown_grace: Duration::from_secs(parse_in_range(
                &get,
                "SHUTDOWN_GRACE_SECS",
                20,
                0..=600,
            )?),
            data_dir: get("RAILFAIR_DATA_DIR").map(PathBuf::from),
            log_format: parse(&get, "LOG_FORMAT", "pretty")?,
            prior_strength: parse_in_range(&get, "MODEL_PRIOR_STRENGTH", 50.0, 1.0..=10_000.0)?,
            popularity_flush: Duration::from_secs(parse_in_range(
                &get,
                "POPULARITY_FLUSH_SECS",
                30,
                1..=3600,
            )?),
            cache: CacheConfig {
                redis_url: get("REDIS_URL"),
                redis_timeout: Duration::from_millis(parse_in_range(
                    &get,
                    "REDIS_TIMEOUT_MS",
                    50,
                    1..=10_000,
                )?),
                l1_max_entries: parse_in_range(
                    &get,
                    "CACHE_L1_MAX_ENTRIES",
                    10_000,
                    1..=10_000_000,
                )?,
                breaker_failures: parse_in_range(&get, "BREAKER_FAILURES", 5, 1..=1000)?,
                breaker_cooldown: Duration::from_secs(parse_in_range(
                    &get,
                    "BREAKER_COOLDOWN_SECS",
                    30,
                    1..=3600,
                )?),
                ttl_prediction: ttl(&get, "CACHE_TTL_PREDICTION_SECS", 3600)?,
                ttl_fare: ttl(&get, "CACHE_TTL_FARE_SECS", 86_400)?,
                ttl_route_stats: ttl(&get, "CACHE_TTL_ROUTE_STATS_SECS", 21_600)?,
                ttl_popular: ttl(&get, "CACHE_TTL_POPULAR_SECS", 1800)?,
                ttl_stations: ttl(&get, "CACHE_TTL_STATIONS_SECS", 86_400)?,
                ttl_journey: ttl(&get, "CACHE_TTL_JOURNEY_SECS", 3600)?,
            },
            admin_token: get("RAILFAIR_ADMIN_TOKEN"),
            http: HttpConfig {
                rate_limit_per_minute: parse_in_range(
                    &get,
                    "RATE_LIMIT_PER_MINUTE",
                    100,
                    0..=1_000_000,
                )?,
                rate_limit_burst: parse_in_range(&get, "RATE_LIMIT_BURST", 20, 1..=1_000_000)?,
                trusted_proxies: parse_proxies(&get("TRUSTED_PROXIES").unwrap_or_default())
                    .map_err(|message| Error::Config {
                        var: "TRUSTED_PROXIES",
                        message,
                    })?,
                cors_origins: parse(&get, "CORS_ORIGINS", "")?,
                max_in_flight: parse_in_range(&get, "MAX_IN_FLIGHT", 1024, 1..=1_000_000)?,
                body_limit_bytes: parse_in_range(
                    &get,
                    "BODY_LIMIT_BYTES",
                    65_536,
                    1024..=16 * 1024 * 1024,
                )?,
            },
            ignored: RETIRED
                .iter()
                .map(|&(name, _)| name)
                .filter(|&name| get(name).is_some())
                .collect(),
        })
    }
}

/// `DATABASE_URL`, which must be a `sqlite:` URL (or a bare file path). Any other scheme stops
/// startup: sqlx would otherwise take `postgres://…` for a relative file path, create a folder
/// named `postgres:` and serve from a new, empty database.
fn sqlite_url(raw: Option<String>) -> Result<String, Error> {
    let Some(url) = raw else {
        return Ok("sqlite://data/railfair.db".to_owned());
    };
    // A URI scheme is a letter, then letters, digits, `+`, `-` or `.`, then `:` (RFC 3986 §3.1).
    // One letter is left out: that is a Windows drive (`C:\data\railfair.db`), a bare path.
    let scheme = url.split_once(':').map(|(s, _)| s).filter(|s| {
        s.len() > 1
            && s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    match scheme {
        Some(scheme) if !scheme.eq_ignore_ascii_case("sqlite") => Err(Error::Config {
            var: "DATABASE_URL",
            message: format!(
                "the scheme '{scheme}:' is not supported; only SQLite is, as a sqlite: URL \
                 (e.g. sqlite://data/railfair.db)"
            ),
        }),
        _ => Ok(url),
    }
}

fn ttl(
    get: &impl Fn(&'static str) -> Option<String>,
    name: &'static str,
    default: u64,
) -> Result<Duration, Error> {
    Ok(Duration::from_secs(parse_in_range(
        get,
        name,
        default,
        1..=30 * 86_400,
    )?))
}

fn parse<T>(
    get: &impl Fn(&'static str) -> Option<String>,
    name: &'static str,
    default: &str,
) -> Result<T, Error>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    let raw = get(name).unwrap_or_else(|| default.to_owned());
    raw.trim().parse().map_err(|e| Error::Config {
        var: name,
        message: format!("cannot use '{raw}': {e}"),
    })
}

fn parse_in_range<T>(
    get: &impl Fn(&'static str) -> Option<String>,
    name: &'static str,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, Error>
where
    T: FromStr + PartialOrd + std::fmt::Display + Copy,
    T::Err: std::fmt::Display,
{
    let value = match get(name) {
        None => default,
        Some(raw) => raw.trim().parse().map_err(|e| Error::Config {
            var: name,
            message: format!("cannot use '{raw}': {e}"),
        })?,
    };
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(Error::Config {
            var: name,
            message: format!("{value} is outside {}..={}", range.start(), range.end()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, Error> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let c = config(&[]).unwrap();
        assert_eq!(c.listen, "0.0.0.0:8080".parse().unwrap());
        assert_eq!(c.database_url, "sqlite://data/railfair.db");
        assert_eq!(c.db_read_pool_size, 8);
        assert_eq!(c.request_timeout, Duration::from_secs(10));
        assert_eq!(c.data_dir, None);
        assert_eq!(c.log_format, LogFormat::Pretty);
        assert_eq!(c.cache.redis_url, None);
        assert_eq!(c.cache.redis_timeout, Duration::from_millis(50));
        assert_eq!(c.cache.ttl_prediction, Duration::from_secs(3600));
        assert_eq!(c.admin_token, None);
    }

    #[test]
    fn a_retired_variable_is_accepted_and_reported_as_ignored() {
        assert!(config(&[]).unwrap().ignored.is_empty());
        // Any value, even one the old range refused: nothing reads it any more.
        let c = config(&[("REDIS_POOL_SIZE", "0")]).unwrap();
        assert_eq!(c.ignored, ["REDIS_POOL_SIZE"]);
    }

    #[test]
    fn secrets_never_appear_in_debug_output() {
        let c = config(&[
            ("RAILFAIR_ADMIN_TOKEN", "s3cret"),
            ("REDIS_URL", "redis://:pw@h/"),
        ])
        .unwrap();
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("pw@"),
            "{shown}"
        );
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let err = config(&[("DB_READ_POOL_SIZE", "lots")]).unwrap_err();
        assert!(err.to_string().contains("DB_READ_POOL_SIZE"), "{err}");
        let err = config(&[("DB_READ_POOL_SIZE", "0")]).unwrap_err();
        assert!(err.to_string().contains("DB_READ_POOL_SIZE"), "{err}");
        let err = config(&[("RAILFAIR_LISTEN", "localhost")]).unwrap_err();
        assert!(err.to_string().contains("RAILFAIR_LISTEN"), "{err}");
        let err = config(&[("MODEL_PRIOR_STRENGTH", "0")]).unwrap_err();
        assert!(err.to_string().contains("MODEL_PRIOR_STRENGTH"), "{err}");
        let err = config(&[("REDIS_TIMEOUT_MS", "0")]).unwrap_err();
        assert!(err.to_string().contains("REDIS_TIMEOUT_MS"), "{err}");
        let err = config(&[("CACHE_TTL_FARE_SECS", "forever")]).unwrap_err();
        assert!(err.to_string().contains("CACHE_TTL_FARE_SECS"), "{err}");
        let err = config(&[("LOG_FORMAT", "xml")]).unwrap_err();
        assert!(err.to_string().contains("LOG_FORMAT"), "{err}");
    }

    #[test]
    fn http_platform_settings_parse_and_reject_mistakes() {
        let c = config(&[]).unwrap();
        assert_eq!(c.http.rate_limit_per_minute, 100);
        assert_eq!(c.http.rate_limit_burst, 20);
        assert_eq!(c.http.cors_origins, CorsOrigins::None);
        assert!(c.http.trusted_proxies.is_empty());
        let c = config(&[
            ("TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.7 ,::1"),
            ("CORS_ORIGINS", "https://a.example, http://localhost:3000"),
            ("RATE_LIMIT_PER_MINUTE", "0"),
        ])
        .unwrap();
        assert_eq!(c.http.trusted_proxies.len(), 3);
        assert!(c.http.trusted_proxies[1].contains(&"192.168.1.7".parse::<IpAddr>().unwrap()));
        assert_eq!(
            c.http.cors_origins,
            CorsOrigins::List(vec![
                "https://a.example".to_owned(),
                "http://localhost:3000".to_owned()
            ])
        );
        assert_eq!(c.http.rate_limit_per_minute, 0);
        assert_eq!(
            config(&[("CORS_ORIGINS", "*")]).unwrap().http.cors_origins,
            CorsOrigins::Any
        );
        for (var, bad) in [
            ("TRUSTED_PROXIES", "10.0.0.0/99"),
            ("TRUSTED_PROXIES", "proxy.local"),
            ("CORS_ORIGINS", "a.example"),
            ("CORS_ORIGINS", "https://a.example/app"),
            ("CORS_ORIGINS", "https://a.example,*"),
            ("MAX_IN_FLIGHT", "0"),
            ("RATE_LIMIT_BURST", "0"),
            ("BODY_LIMIT_BYTES", "10"),
        ] {
            let err = config(&[(var, bad)]).unwrap_err();
            assert!(err.to_string().contains(var), "{var}={bad}: {err}");
        }
    }

    #[test]
    fn every_variable_read_is_documented_in_env_example() {
        let read = std::sync::Mutex::new(Vec::new());
        Config::from_lookup(|name| {
            read.lock().unwrap().push(name.to_owned());
            None
        })
        .unwrap();
        let documented: Vec<&str> = include_str!("../.env.example")
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim()))
            .collect();
        let read = read.into_inner().unwrap();
        assert!(read.len() > 20, "{read:?}");
        for name in read {
            // A retired variable is read only to warn that it is ignored: not offered.
            let retired = RETIRED.iter().any(|&(r, _)| r == name);
            assert_eq!(
                documented.contains(&name.as_str()),
                !retired,
                "{name}: documented in .env.example if and only if it is still used"
            );
        }
    }

    #[test]
    fn a_database_url_with_another_scheme_than_sqlite_stops_startup() {
        for url in [
            "postgres://railfair@db/railfair",
            "postgresql://db/railfair",
            "mysql://db/railfair",
            "file:data/railfair.db",
        ] {
            let err = config(&[("DATABASE_URL", url)]).unwrap_err().to_string();
            assert!(err.contains("DATABASE_URL"), "{url}: {err}");
            assert!(err.contains("sqlite:"), "{url}: {err}");
        }
        for url in [
            "sqlite://data/railfair.db",
            "SQLite:data/railfair.db",
            "sqlite::memory:",
        ] {
            assert_eq!(config(&[("DATABASE_URL", url)]).unwrap().database_url, url);
        }
    }

    #[test]
    fn empty_values_mean_the_default() {
        let c = config(&[("LOG_FORMAT", " "), ("RAILFAIR_DATA_DIR", "")]).unwrap();
        assert_eq!(c.log_format, LogFormat::Pretty);
        assert_eq!(c.data_dir, None);
    }
}
