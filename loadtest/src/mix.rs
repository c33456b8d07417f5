//! What each request is: the scenarios, the original Locust mix (design §9) drawn from a seeded
//! generator, and the HTTP request each draw becomes. Drawing is pure and cheap; rendering
//! writes the body into one buffer and allocates it once.

use std::fmt::Write as _;
use std::sync::Arc;

use bytes::Bytes;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::catalogue::{Catalogue, Route};

/// The endpoints the generator calls, each reported on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    /// `POST /api/predict`.
    Predict,
    /// `POST /api/predict/batch`.
    PredictBatch,
    /// `GET /api/routes/popular`.
    PopularRoutes,
    /// `GET /api/routes/{origin}/{destination}/stats`.
    RouteStats,
    /// `GET /api/statistics`.
    Statistics,
    /// `GET /health`.
    Health,
    /// `POST /api/journey/plan`.
    JourneyPlan,
}

impl Endpoint {
    /// Every endpoint, in report order.
    pub const ALL: [Endpoint; 7] = [
        Endpoint::Predict,
        Endpoint::PredictBatch,
        Endpoint::PopularRoutes,
        Endpoint::RouteStats,
        Endpoint::Statistics,
        Endpoint::Health,
        Endpoint::JourneyPlan,
    ];

    /// The route template, as the service names it in its own metrics.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Predict => "POST /api/predict",
            Endpoint::PredictBatch => "POST /api/predict/batch",
            Endpoint::PopularRoutes => "GET /api/routes/popular",
            Endpoint::RouteStats => "GET /api/routes/{origin}/{destination}/stats",
            Endpoint::Statistics => "GET /api/statistics",
            Endpoint::Health => "GET /health",
            Endpoint::JourneyPlan => "POST /api/journey/plan",
        }
    }

    /// Position in [`Endpoint::ALL`] (an array index for per-endpoint figures).
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Which traffic to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// The original Locust mix.
    Mix,
    /// The mix with `use_cache: false` on every prediction and batch route: the cold path.
    MixNocache,
    /// `GET /health` only: the server's own ceiling.
    Health,
    /// One prediction, always the same, so every request after the first is a cache hit.
    PredictOne,
}

/// One prediction request's inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PredictDraw {
    /// The route.
    pub route: Route,
    /// Whether it came from the popular list (else a random pair).
    pub popular: bool,
    /// Index into the generator's departure dates.
    pub date: usize,
    /// Departure hour, 06–22.
    pub hour: u8,
    /// Departure minute: 00, 15, 30 or 45.
    pub minute: u8,
    /// `include_fares: true`.
    pub fares: bool,
    /// Send the route's operator as `toc`.
    pub toc: bool,
    /// `use_cache: false`.
    pub no_cache: bool,
}

/// Journeys with changes the mix plans besides the popular routes (the three of issue 13: a
/// train and the Underground, the Underground and a train, two trains).
pub const JOURNEYS: [(&str, &str); 3] = [("MAN", "WAT"), ("EUS", "GLD"), ("EDB", "BRI")];

/// One journey plan request's inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JourneyDraw {
    /// From.
    pub origin: &'static str,
    /// To.
    pub destination: &'static str,
    /// Index into the generator's departure dates.
    pub date: usize,
    /// Departure hour, 07–16: late enough that every one of [`JOURNEYS`] still connects by
    /// the approximate timetable's last trains (a 404 `no_journey` is not load).
    pub hour: u8,
    /// Departure minute: 00, 15, 30 or 45.
    pub minute: u8,
    /// `use_cache: false`.
    pub no_cache: bool,
}

/// One request, drawn but not yet rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Draw {
    /// A single prediction.
    Predict(PredictDraw),
    /// A batch of 2–5 predictions.
    Batch(Vec<PredictDraw>),
    /// The popular routes list.
    PopularRoutes,
    /// A route's statistics.
    RouteStats {
        /// The route.
        route: Route,
        /// Whether it came from the popular list.
        popular: bool,
    },
    /// Operational statistics.
    Statistics,
    /// Liveness.
    Health,
    /// A journey plan.
    Journey(JourneyDraw),
}

impl Draw {
    /// The endpoint this request goes to.
    pub fn endpoint(&self) -> Endpoint {
        match self {
            Draw::Predict(_) => Endpoint::Predict,
            Draw::Batch(_) => Endpoint::PredictBatch,
            Draw::PopularRoutes => Endpoint::PopularRoutes,
            Draw::RouteStats { .. } => Endpoint::RouteStats,
            Draw::Statistics => Endpoint::Statistics,
            Draw::Health => Endpoint::Health,
            Draw::Journey(_) => Endpoint::JourneyPlan,
        }
    }
}

/// A request ready to send: everything but the connection.
#[derive(Debug, Clone)]
pub struct Planned {
    /// Where its figures go.
    pub endpoint: Endpoint,
    /// Path and query.
    pub path: Bytes,
    /// JSON body of a `POST`; `None` for a `GET`.
    pub body: Option<Bytes>,
}

/// Departure dates +1..=30 days from today (UTC), `YYYY-MM-DD`, leaving out Christmas Day: no
/// trains run then, and the service rightly answers 422 `no_service`, which is not load.
pub fn departure_dates(today: time::Date) -> Vec<String> {
    (1..=30)
        .filter_map(|days| today.checked_add(time::Duration::days(days)))
        .filter(|d| !(d.month() == time::Month::December && d.day() == 25))
        .map(|d| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()))
        .collect()
}

/// Draws requests for one virtual user. Each user has its own generator seeded from the run's
/// seed and the user's number, so a run is reproducible and users share nothing.
#[derive(Debug)]
pub struct Generator {
    rng: StdRng,
    catalogue: &'static Catalogue,
    dates: Arc<[String]>,
    scenario: Scenario,
    buffer: String,
}

impl Generator {
    /// A generator for `scenario`, seeded with `seed`.
    pub fn new(
        scenario: Scenario,
        seed: u64,
        catalogue: &'static Catalogue,
        dates: Arc<[String]>,
    ) -> Self {
        assert!(!dates.is_empty(), "at least one departure date");
        Self {
            rng: StdRng::seed_from_u64(seed),
            catalogue,
            dates,
            scenario,
            buffer: String::with_capacity(1024),
        }
    }

    /// The next request's inputs.
    pub fn draw(&mut self) -> Draw {
        match self.scenario {
            Scenario::Health => Draw::Health,
            Scenario::PredictOne => Draw::Predict(PredictDraw {
                route: self.catalogue.popular[0],
                popular: true,
                date: 0,
                hour: 8,
                minute: 30,
                fares: false,
                toc: false,
                no_cache: false,
            }),
            Scenario::Mix | Scenario::MixNocache => self.draw_mix(),
        }
    }

    fn draw_mix(&mut self) -> Draw {
        // Design §9: 50 / 10 / 15 / 15 / 5 / 5 per cent, with a tenth of the single predictions'
        // share now journey plans (issue 13): 45 / 5 / 10 / 15 / 15 / 5 / 5.
        match self.rng.random_range(0..100u32) {
            0..45 => Draw::Predict(self.draw_predict(true)),
            45..50 => Draw::Journey(self.draw_journey()),
            50..60 => {
                let n = self.rng.random_range(2..=5usize);
                Draw::Batch((0..n).map(|_| self.draw_predict(false)).collect())
            }
            60..75 => Draw::PopularRoutes,
            75..90 => {
                let (route, popular) = self.draw_route(true);
                Draw::RouteStats { route, popular }
            }
            90..95 => Draw::Statistics,
            _ => Draw::Health,
        }
    }

    /// A prediction: options (30% fares, 20% `toc`, 10% no cache) only for single predictions;
    /// batch routes are plain, as in the original mix. `mix-nocache` forces no cache on both.
    fn draw_predict(&mut self, with_options: bool) -> PredictDraw {
        let (route, popular) = self.draw_route(false);
        let date = self.rng.random_range(0..self.dates.len());
        let hour = self.rng.random_range(6..=22u8);
        let minute = 15 * self.rng.random_range(0..4u8);
        let (fares, toc, no_cache) = if with_options {
            (
                self.rng.random_bool(0.3),
                self.rng.random_bool(0.2),
                self.rng.random_bool(0.1),
            )
        } else {
            (false, false, false)
        };
        PredictDraw {
            route,
            popular,
            date,
            hour,
            minute,
            fares,
            toc,
            no_cache: no_cache || self.scenario == Scenario::MixNocache,
        }
    }

    /// Half the time one of [`JOURNEYS`], else a popular route (direct, at least two trains an
    /// hour); 10% with `use_cache: false` (all of them in `mix-nocache`).
    fn draw_journey(&mut self) -> JourneyDraw {
        let (origin, destination) = if self.rng.random_bool(0.5) {
            JOURNEYS[self.rng.random_range(0..JOURNEYS.len())]
        } else {
            let r = self.catalogue.popular[self.rng.random_range(0..self.catalogue.popular.len())];
            (r.origin, r.destination)
        };
        let no_cache = self.rng.random_bool(0.1);
        JourneyDraw {
            origin,
            destination,
            date: self.rng.random_range(0..self.dates.len()),
            hour: self.rng.random_range(7..=16u8),
            minute: 15 * self.rng.random_range(0..4u8),
            no_cache: no_cache || self.scenario == Scenario::MixNocache,
        }
    }

    /// 80% a route from the popular list, 20% a random pair of distinct stations. For route
    /// statistics the random origin is one a known operator manages, so the route has figures;
    /// the `toc` of a random pair is the catalogue's when the pair is catalogued (the service
    /// refuses another operator there), else that of a random popular route (any known operator).
    fn draw_route(&mut self, for_stats: bool) -> (Route, bool) {
        let c = self.catalogue;
        if self.rng.random_bool(0.8) {
            return (c.popular[self.rng.random_range(0..c.popular.len())], true);
        }
        let origins = if for_stats {
            &c.stats_origins
        } else {
            &c.stations
        };
        let origin = origins[self.rng.random_range(0..origins.len())];
        let destination = loop {
            let d = c.stations[self.rng.random_range(0..c.stations.len())];
            if d != origin {
                break d;
            }
        };
        let toc = c
            .catalogued_toc(origin, destination)
            .unwrap_or_else(|| c.popular[self.rng.random_range(0..c.popular.len())].toc);
        let route = Route {
            origin,
            destination,
            toc,
        };
        (route, false)
    }

    /// The HTTP request of a draw.
    pub fn render(&mut self, draw: &Draw) -> Planned {
        let endpoint = draw.endpoint();
        let (path, body) = match draw {
            Draw::Health => (Bytes::from_static(b"/health"), None),
            Draw::Statistics => (Bytes::from_static(b"/api/statistics"), None),
            Draw::PopularRoutes => (Bytes::from_static(b"/api/routes/popular?limit=10"), None),
            Draw::RouteStats { route, .. } => {
                let path = format!("/api/routes/{}/{}/stats", route.origin, route.destination);
                (Bytes::from(path), None)
            }
            Draw::Journey(j) => {
                self.buffer.clear();
                // Writing to a String cannot fail.
                let _ = write!(
                    self.buffer,
                    "{{\"origin\":\"{}\",\"destination\":\"{}\",\"departure_date\":\"{}\",\"departure_time\":\"{:02}:{:02}\"",
                    j.origin, j.destination, self.dates[j.date], j.hour, j.minute
                );
                if j.no_cache {
                    self.buffer.push_str(",\"use_cache\":false");
                }
                self.buffer.push('}');
                (
                    Bytes::from_static(b"/api/journey/plan"),
                    Some(Bytes::copy_from_slice(self.buffer.as_bytes())),
                )
            }
            Draw::Predict(p) => {
                self.buffer.clear();
                self.write_predict(p);
                (
                    Bytes::from_static(b"/api/predict"),
                    Some(Bytes::copy_from_slice(self.buffer.as_bytes())),
                )
            }
            Draw::Batch(routes) => {
                self.buffer.clear();
                self.buffer.push_str("{\"routes\":[");
                for (i, p) in routes.iter().enumerate() {
                    if i > 0 {
                        self.buffer.push(',');
                    }
                    self.write_predict(p);
                }
                self.buffer.push_str("],\"parallel\":true}");
                (
                    Bytes::from_static(b"/api/predict/batch"),
                    Some(Bytes::copy_from_slice(self.buffer.as_bytes())),
                )
            }
        };
        Planned {
            endpoint,
            path,
            body,
        }
    }

    /// Appends one prediction request's JSON to the buffer. Codes and dates are plain ASCII
    /// from the catalogue, so no escaping is needed.
    fn write_predict(&mut self, p: &PredictDraw) {
        // Writing to a String cannot fail.
        let _ = write!(
            self.buffer,
            "{{\"origin\":\"{}\",\"destination\":\"{}\",\"departure_date\":\"{}\",\"departure_time\":\"{:02}:{:02}\"",
            p.route.origin, p.route.destination, self.dates[p.date], p.hour, p.minute
        );
        if p.fares {
            self.buffer.push_str(",\"include_fares\":true");
        }
        if p.toc {
            let _ = write!(self.buffer, ",\"toc\":\"{}\"", p.route.toc);
        }
        if p.no_cache {
            self.buffer.push_str(",\"use_cache\":false");
        }
        self.buffer.push('}');
    }
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use super::*;

    static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(Catalogue::builtin);
    // A fixed "today", so the tests do not depend on the clock.
    static DATES: LazyLock<Arc<[String]>> = LazyLock::new(|| {
        departure_dates(
            time::Date::from_calendar_date(2026, time::Month::December, 30).expect("a real date"),
        )
        .into()
    });

    fn generator(scenario: Scenario, seed: u64) -> Generator {
        Generator::new(scenario, seed, &CATALOGUE, DATES.clone())
    }

    /// Asserts `count / n` is within one percentage point of `share`.
    fn within_1pp(what: &str, count: usize, n: usize, share: f64) {
        let got = count as f64 / n as f64;
        assert!(
            (got - share).abs() <= 0.01,
            "{what}: {:.2}% of {n}, expected {:.0}% ± 1 pp",
            got * 100.0,
            share * 100.0
        );
    }

    #[test]
    fn the_mix_has_the_locust_proportions_within_one_point() {
        for seed in [1, 2, 42] {
            let mut g = generator(Scenario::Mix, seed);
            let n = 100_000;
            let mut per_endpoint = [0usize; 7];
            let (mut singles, mut fares, mut toc, mut no_cache) = (0, 0, 0, 0);
            let (mut routes, mut popular) = (0, 0);
            let mut batch_sizes = [0usize; 6];
            for _ in 0..n {
                let draw = g.draw();
                per_endpoint[draw.endpoint().index()] += 1;
                match &draw {
                    Draw::Predict(p) => {
                        singles += 1;
                        fares += usize::from(p.fares);
                        toc += usize::from(p.toc);
                        no_cache += usize::from(p.no_cache);
                        routes += 1;
                        popular += usize::from(p.popular);
                    }
                    Draw::Batch(items) => {
                        batch_sizes[items.len()] += 1;
                        for p in items {
                            assert!(!p.fares && !p.toc && !p.no_cache, "batch routes are plain");
                            routes += 1;
                            popular += usize::from(p.popular);
                        }
                    }
                    Draw::RouteStats { popular: p, .. } => {
                        routes += 1;
                        popular += usize::from(*p);
                    }
                    _ => {}
                }
            }
            let shares = [0.45, 0.10, 0.15, 0.15, 0.05, 0.05, 0.05];
            for (e, share) in Endpoint::ALL.iter().zip(shares) {
                within_1pp(e.name(), per_endpoint[e.index()], n, share);
            }
            within_1pp("with fares", fares, singles, 0.30);
            within_1pp("with toc", toc, singles, 0.20);
            within_1pp("use_cache false", no_cache, singles, 0.10);
            within_1pp("popular routes", popular, routes, 0.80);
            let batches = per_endpoint[Endpoint::PredictBatch.index()];
            assert_eq!(batch_sizes[0] + batch_sizes[1], 0, "no batch under 2");
            for &count in &batch_sizes[2..=5] {
                within_1pp("batch size", count, batches, 0.25);
            }
        }
    }

    #[test]
    fn departures_are_1_to_30_days_ahead_06_to_22_on_the_quarter_hour() {
        assert_eq!(DATES.len(), 30);
        assert_eq!(DATES[0], "2026-12-31");
        assert_eq!(DATES[1], "2027-01-01");
        assert_eq!(DATES[29], "2027-01-29");
        let mut g = generator(Scenario::Mix, 7);
        let (mut hours, mut minutes, mut dates) = ([0; 24], [0; 60], vec![0; 30]);
        for _ in 0..50_000 {
            if let Draw::Predict(p) = g.draw() {
                hours[usize::from(p.hour)] += 1;
                minutes[usize::from(p.minute)] += 1;
                dates[p.date] += 1;
                assert_ne!(p.route.origin, p.route.destination);
            }
        }
        for (h, &count) in hours.iter().enumerate() {
            assert_eq!(count > 0, (6..=22).contains(&h), "hour {h}: {count}");
        }
        for (m, &count) in minutes.iter().enumerate() {
            assert_eq!(count > 0, m % 15 == 0, "minute {m}: {count}");
        }
        assert!(dates.iter().all(|&c| c > 0), "every date drawn: {dates:?}");
    }

    #[test]
    fn christmas_day_is_never_a_departure_date() {
        let from = time::Date::from_calendar_date(2026, time::Month::November, 30).unwrap();
        let dates = departure_dates(from);
        assert_eq!(dates.len(), 29);
        assert_eq!(dates[0], "2026-12-01");
        assert!(dates.contains(&"2026-12-24".to_owned()));
        assert!(!dates.contains(&"2026-12-25".to_owned()));
        assert!(dates.contains(&"2026-12-26".to_owned()));
        assert_eq!(dates[28], "2026-12-30");
    }

    #[test]
    fn random_stats_routes_start_where_a_known_operator_manages_the_station() {
        let mut g = generator(Scenario::Mix, 3);
        let mut random = 0;
        for _ in 0..20_000 {
            if let Draw::RouteStats {
                route,
                popular: false,
            } = g.draw()
            {
                random += 1;
                assert!(CATALOGUE.stats_origins.contains(&route.origin), "{route:?}");
            }
        }
        assert!(random > 100);
    }

    #[test]
    fn the_same_seed_draws_the_same_requests() {
        let mut a = generator(Scenario::Mix, 9);
        let mut b = generator(Scenario::Mix, 9);
        let mut c = generator(Scenario::Mix, 10);
        let first: Vec<Draw> = (0..100).map(|_| a.draw()).collect();
        let again: Vec<Draw> = (0..100).map(|_| b.draw()).collect();
        let other: Vec<Draw> = (0..100).map(|_| c.draw()).collect();
        assert_eq!(first, again);
        assert_ne!(first, other);
    }

    #[test]
    fn mix_nocache_bypasses_the_cache_on_every_prediction_and_batch_route() {
        let mut g = generator(Scenario::MixNocache, 5);
        let mut predictions = 0;
        for _ in 0..5_000 {
            match g.draw() {
                Draw::Predict(p) => {
                    predictions += 1;
                    assert!(p.no_cache);
                }
                Draw::Batch(items) => assert!(items.iter().all(|p| p.no_cache)),
                _ => {}
            }
        }
        assert!(predictions > 2_000);
    }

    #[test]
    fn requests_render_to_the_api_shapes() {
        let mut g = generator(Scenario::Mix, 1);
        let route = CATALOGUE.popular[0];
        let p = PredictDraw {
            route,
            popular: true,
            date: 0,
            hour: 6,
            minute: 45,
            fares: true,
            toc: true,
            no_cache: true,
        };
        let one = g.render(&Draw::Predict(p));
        assert_eq!(one.endpoint, Endpoint::Predict);
        assert_eq!(&one.path[..], b"/api/predict");
        let body: serde_json::Value = serde_json::from_slice(&one.body.unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"origin": "EUS", "destination": "MAN",
                "departure_date": "2026-12-31", "departure_time": "06:45",
                "include_fares": true, "toc": "VT", "use_cache": false})
        );

        let plain = PredictDraw {
            fares: false,
            toc: false,
            no_cache: false,
            ..p
        };
        let batch = g.render(&Draw::Batch(vec![plain, plain]));
        assert_eq!(&batch.path[..], b"/api/predict/batch");
        let body: serde_json::Value = serde_json::from_slice(&batch.body.unwrap()).unwrap();
        assert_eq!(body["routes"].as_array().unwrap().len(), 2);
        assert_eq!(body["routes"][1]["departure_time"], "06:45");
        assert!(body["routes"][0].get("use_cache").is_none());

        let stats = g.render(&Draw::RouteStats {
            route,
            popular: true,
        });
        assert_eq!(&stats.path[..], b"/api/routes/EUS/MAN/stats");
        assert!(stats.body.is_none());
        assert_eq!(
            &g.render(&Draw::PopularRoutes).path[..],
            b"/api/routes/popular?limit=10"
        );
    }

    #[test]
    fn journey_plans_go_to_connected_pairs_in_the_day_and_render_to_the_api_shape() {
        let mut g = generator(Scenario::Mix, 11);
        let mut journeys = 0;
        for _ in 0..20_000 {
            if let Draw::Journey(j) = g.draw() {
                journeys += 1;
                assert!((7..=16).contains(&j.hour), "{j:?}");
                assert!(
                    JOURNEYS.contains(&(j.origin, j.destination))
                        || CATALOGUE
                            .popular
                            .iter()
                            .any(|r| (r.origin, r.destination) == (j.origin, j.destination)),
                    "{j:?}"
                );
            }
        }
        assert!(journeys > 500, "{journeys}");
        let planned = g.render(&Draw::Journey(JourneyDraw {
            origin: "MAN",
            destination: "WAT",
            date: 0,
            hour: 9,
            minute: 30,
            no_cache: true,
        }));
        assert_eq!(planned.endpoint, Endpoint::JourneyPlan);
        assert_eq!(&planned.path[..], b"/api/journey/plan");
        let body: serde_json::Value = serde_json::from_slice(&planned.body.unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"origin": "MAN", "destination": "WAT",
                "departure_date": "2026-12-31", "departure_time": "09:30", "use_cache": false})
        );
    }

    #[test]
    fn predict_one_always_sends_the_same_cacheable_request() {
        let mut g = generator(Scenario::PredictOne, 1);
        let first = g.draw();
        assert!(matches!(first, Draw::Predict(p) if !p.no_cache && !p.fares));
        assert!((0..100).all(|_| g.draw() == first));
        let mut h = generator(Scenario::Health, 1);
        assert!((0..100).all(|_| h.draw() == Draw::Health));
    }
}
