//! Driving the load: virtual users spread over client threads, each thread a single-threaded
//! tokio runtime with its own figures, so the hot path takes no lock and the client leaves the
//! other core to the server. Closed model (users send back to back, with optional think time)
//! or open model (a fixed arrival rate, latency measured from the *scheduled* send time so
//! queueing in the client or the server is not hidden — no coordinated omission).

use std::cell::RefCell;
use std::net::{SocketAddr, ToSocketAddrs};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use hyper::header::HeaderValue;
use tokio::time::Instant;

use crate::catalogue::Catalogue;
use crate::client::Connection;
use crate::mix::{Generator, Scenario, departure_dates};
use crate::report::{Report, RunInfo};
use crate::stats::{Figures, Progress};

/// Longest the client waits for one response (above the service's own 10 s request timeout,
/// so a server-side timeout shows as its 503, not as a client give-up).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Pause after a transport error before the user tries again, so a dead server is not
/// hammered with connection attempts (each is still counted as an error).
const ERROR_BACKOFF: Duration = Duration::from_millis(50);

/// How a run is driven.
#[derive(Debug, Clone)]
pub struct Options {
    /// Base URL, `http://host:port`.
    pub url: String,
    /// Which traffic.
    pub scenario: Scenario,
    /// Virtual users (closed model) or connections (open model).
    pub users: u32,
    /// Open model: requests per second over all connections. `None`: closed model.
    pub rate: Option<f64>,
    /// Closed model: pause between a user's requests.
    pub think: Duration,
    /// How long requests are started for.
    pub duration: Duration,
    /// Seed of the request mix.
    pub seed: u64,
    /// Client threads.
    pub threads: u32,
    /// Print a progress line on stderr once a second.
    pub progress: bool,
    /// Gate: limit on the overall p99, ms.
    pub max_p99_ms: Option<f64>,
    /// Gate: limit on the overall error rate (0..1).
    pub max_error_rate: Option<f64>,
}

/// Where to send requests.
#[derive(Debug, Clone)]
struct Target {
    addr: SocketAddr,
    host: HeaderValue,
}

/// How each user paces its requests.
#[derive(Debug, Clone, Copy)]
enum Pace {
    /// Back to back, with this pause after each response.
    Closed { think: Duration },
    /// User `i` of `n` sends at `start + (i + k·n) / rate`, k = 0, 1, ...
    Open { rate: f64, users: u32 },
}

/// Runs the load and returns the judged report. Blocks the calling thread for the duration.
pub fn run(options: &Options) -> Result<Report, String> {
    if options.users == 0 || options.threads == 0 {
        return Err("--users and --threads must be at least 1".to_owned());
    }
    if options.rate.is_some_and(|r| !(r.is_finite() && r > 0.0)) {
        return Err("--rate must be a positive number of requests per second".to_owned());
    }
    let target = resolve(&options.url)?;
    let pace = match options.rate {
        Some(rate) => Pace::Open {
            rate,
            users: options.users,
        },
        None => Pace::Closed {
            think: options.think,
        },
    };
    let dates: Arc<[String]> = departure_dates(time::OffsetDateTime::now_utc().date()).into();
    let progress = Arc::new(Progress::default());
    let unsent = Arc::new(AtomicU64::new(0));
    let cpu_before = client_cpu_seconds();
    let started = std::time::Instant::now();
    let deadline = started + options.duration;

    let threads = options.threads.min(options.users);
    let mut workers = Vec::new();
    for t in 0..threads {
        let users: Vec<u32> = (t..options.users).step_by(threads as usize).collect();
        let (target, dates, progress, unsent) = (
            target.clone(),
            dates.clone(),
            progress.clone(),
            unsent.clone(),
        );
        let (scenario, seed) = (options.scenario, options.seed);
        let worker = std::thread::Builder::new()
            .name(format!("loadtest-{t}"))
            .spawn(move || {
                thread_main(
                    users, scenario, seed, pace, target, dates, started, deadline, progress, unsent,
                )
            })
            .map_err(|e| format!("cannot start a client thread: {e}"))?;
        workers.push(worker);
    }

    if options.progress {
        report_progress(&progress, &workers, started, options.duration);
    }
    let mut figures = Figures::default();
    for worker in workers {
        let thread_figures = worker
            .join()
            .map_err(|_| "a client thread panicked".to_owned())??;
        figures.merge(&thread_figures);
    }
    let client_cpu_s = match (cpu_before, client_cpu_seconds()) {
        (Some(before), Some(after)) => Some(after - before),
        _ => None,
    };
    let run = RunInfo {
        url: options.url.clone(),
        scenario: scenario_name(options.scenario).to_owned(),
        model: if options.rate.is_some() {
            "open"
        } else {
            "closed"
        }
        .to_owned(),
        users: options.users,
        rate: options.rate,
        think_ms: u64::try_from(options.think.as_millis()).unwrap_or(u64::MAX),
        seed: options.seed,
        threads,
        duration_s: options.duration.as_secs_f64(),
        client_cpu_s,
        unsent: options
            .rate
            .is_some()
            .then(|| unsent.load(Ordering::Relaxed)),
    };
    Ok(Report::new(
        run,
        &figures,
        options.max_p99_ms,
        options.max_error_rate,
    ))
}

/// The scenario's name as given on the command line.
pub fn scenario_name(scenario: Scenario) -> &'static str {
    match scenario {
        Scenario::Mix => "mix",
        Scenario::MixNocache => "mix-nocache",
        Scenario::Health => "health",
        Scenario::PredictOne => "predict-one",
    }
}

/// Parses `http://host:port[/]` and resolves the host once, before the run.
fn resolve(url: &str) -> Result<Target, String> {
    let uri: hyper::Uri = url
        .parse()
        .map_err(|e| format!("--url {url:?} is not a URL: {e}"))?;
    if uri.scheme_str() != Some("http") {
        return Err(format!("--url {url:?}: only http:// is supported"));
    }
    if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
        return Err(format!(
            "--url {url:?}: give the base URL only (paths are the mix's)"
        ));
    }
    let authority = uri
        .authority()
        .ok_or_else(|| format!("--url {url:?} has no host"))?;
    let port = authority.port_u16().unwrap_or(80);
    let addr = (authority.host().trim_matches(['[', ']']), port)
        .to_socket_addrs()
        .map_err(|e| format!("--url {url:?}: cannot resolve the host: {e}"))?
        .next()
        .ok_or_else(|| format!("--url {url:?}: the host resolves to no address"))?;
    let host = HeaderValue::from_str(authority.as_str())
        .map_err(|e| format!("--url {url:?}: bad host: {e}"))?;
    Ok(Target { addr, host })
}

/// One client thread: its users on a single-threaded runtime, sharing one set of figures.
#[expect(
    clippy::too_many_arguments,
    reason = "the run's shared handles, moved into the thread once"
)]
fn thread_main(
    users: Vec<u32>,
    scenario: Scenario,
    seed: u64,
    pace: Pace,
    target: Target,
    dates: Arc<[String]>,
    started: std::time::Instant,
    deadline: std::time::Instant,
    progress: Arc<Progress>,
    unsent: Arc<AtomicU64>,
) -> Result<Figures, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a client runtime: {e}"))?;
    let local = tokio::task::LocalSet::new();
    let figures = Rc::new(RefCell::new(Figures::default()));
    let catalogue = catalogue();
    local.block_on(&runtime, async {
        let started = Instant::from_std(started);
        let deadline = Instant::from_std(deadline);
        let mut tasks = Vec::new();
        for user in users {
            let user = User {
                number: user,
                generator: Generator::new(
                    scenario,
                    user_seed(seed, user),
                    catalogue,
                    dates.clone(),
                ),
                connection: Connection::new(target.addr, target.host.clone()),
                figures: figures.clone(),
                progress: progress.clone(),
            };
            let unsent = unsent.clone();
            tasks.push(tokio::task::spawn_local(async move {
                match pace {
                    Pace::Closed { think } => user.closed(deadline, think).await,
                    Pace::Open { rate, users } => {
                        let left = user.open(started, deadline, rate, users).await;
                        unsent.fetch_add(left, Ordering::Relaxed);
                    }
                }
            }));
        }
        for task in tasks {
            // A user task only ends by returning; a panic in one is a bug worth surfacing.
            if let Err(e) = task.await {
                std::panic::resume_unwind(e.into_panic());
            }
        }
    });
    Ok(Rc::try_unwrap(figures)
        .map(RefCell::into_inner)
        .unwrap_or_else(|shared| shared.borrow().clone()))
}

/// The built-in catalogue, parsed once per process.
fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(Catalogue::builtin)
}

/// Each user's own seed: the run's seed mixed with the user's number (a Weyl step, so users
/// draw different sequences and the run stays reproducible).
fn user_seed(seed: u64, user: u32) -> u64 {
    seed.wrapping_add(u64::from(user).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// One virtual user: its request generator, its connection, and its thread's figures.
struct User {
    number: u32,
    generator: Generator,
    connection: Connection,
    figures: Rc<RefCell<Figures>>,
    progress: Arc<Progress>,
}

impl User {
    /// Closed model: send, wait for the whole response, think, repeat until the deadline.
    async fn closed(mut self, deadline: Instant, think: Duration) {
        while Instant::now() < deadline {
            let ok = self.one(Instant::now()).await;
            if !ok {
                tokio::time::sleep(ERROR_BACKOFF).await;
            }
            if !think.is_zero() {
                tokio::time::sleep_until((Instant::now() + think).min(deadline)).await;
            }
        }
    }

    /// Open model: send at the scheduled times; latency counts from the scheduled time, so a
    /// request that had to wait for this connection's previous one is charged that wait.
    /// Returns how many scheduled sends were still waiting at the deadline.
    async fn open(mut self, started: Instant, deadline: Instant, rate: f64, users: u32) -> u64 {
        let mut k: u64 = 0;
        loop {
            let offset = (f64::from(self.number) + k as f64 * f64::from(users)) / rate;
            let scheduled = started + Duration::from_secs_f64(offset);
            if scheduled >= deadline {
                return 0;
            }
            let now = Instant::now();
            if now >= deadline {
                // Behind schedule: what is left of this user's schedule was never sent.
                let period = f64::from(users) / rate;
                let left = (deadline - scheduled).as_secs_f64() / period;
                return left.ceil() as u64;
            }
            if scheduled > now {
                tokio::time::sleep_until(scheduled).await;
            }
            if !self.one(scheduled).await {
                tokio::time::sleep(ERROR_BACKOFF).await;
            }
            k += 1;
        }
    }

    /// Sends one request and records it with its latency counted from `since`; false on a
    /// transport error.
    async fn one(&mut self, since: Instant) -> bool {
        let draw = self.generator.draw();
        let planned = self.generator.render(&draw);
        let outcome = tokio::time::timeout(REQUEST_TIMEOUT, self.connection.send(&planned)).await;
        let micros = u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX);
        let mut figures = self.figures.borrow_mut();
        match outcome {
            Ok(Ok(answer)) => {
                figures.response(planned.endpoint, answer.status, answer.cache, micros);
                self.progress.finished(!(200..300).contains(&answer.status));
                true
            }
            Ok(Err(_)) | Err(_) => {
                figures.transport_error(planned.endpoint);
                self.progress.finished(true);
                false
            }
        }
    }
}

/// Prints one line a second on stderr until every client thread has finished.
fn report_progress(
    progress: &Progress,
    workers: &[std::thread::JoinHandle<Result<Figures, String>>],
    started: std::time::Instant,
    duration: Duration,
) {
    let mut last_done = 0;
    let mut next = started + Duration::from_secs(1);
    while !workers.iter().all(|w| w.is_finished()) {
        let now = std::time::Instant::now();
        if now < next {
            std::thread::sleep((next - now).min(Duration::from_millis(100)));
            continue;
        }
        next += Duration::from_secs(1);
        let done = progress.done.load(Ordering::Relaxed);
        let errors = progress.errors.load(Ordering::Relaxed);
        eprintln!(
            "[{:>4.0}s/{:.0}s] {:>8} req/s  {:>10} requests  {:>6} errors",
            started.elapsed().as_secs_f64(),
            duration.as_secs_f64(),
            done - last_done,
            done,
            errors
        );
        last_done = done;
    }
}

/// CPU seconds (user + system) this process has used, from `/proc/self/stat` (Linux; `None`
/// elsewhere). Ticks are converted at 100 per second, the value of `CLK_TCK` on Linux.
fn client_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is parenthesised and may hold spaces.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_resolve_to_an_address_and_a_host_header() {
        let t = resolve("http://127.0.0.1:8080").unwrap();
        assert_eq!(t.addr, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(t.host, "127.0.0.1:8080");
        assert!(resolve("http://localhost:9/").is_ok());
        assert!(resolve("https://127.0.0.1:8080").is_err());
        assert!(resolve("http://127.0.0.1:8080/api").is_err());
        assert!(resolve("not a url").is_err());
    }

    #[test]
    fn users_get_distinct_reproducible_seeds() {
        assert_eq!(user_seed(1, 5), user_seed(1, 5));
        assert_ne!(user_seed(1, 5), user_seed(1, 6));
        assert_ne!(user_seed(1, 5), user_seed(2, 5));
    }

    #[test]
    fn this_process_cpu_time_is_readable_on_linux() {
        if cfg!(target_os = "linux") {
            let cpu = client_cpu_seconds().unwrap();
            assert!(cpu >= 0.0);
        }
    }
}
