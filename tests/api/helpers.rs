//! `TestApp`: a fresh database and the real router per test, with one method per endpoint so
//! tests read like user stories.

use std::path::Path;

use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode};
use railfair::config::Config;
use railfair::state::AppState;
use railfair::store::Db;
use serde_json::Value;
use tempfile::TempDir;
use test_support::TestConfig;
use tower::ServiceExt;

/// The shared real data, from the one place every test binary takes it.
pub use test_support::shared_data;

/// A response, with its body parsed as JSON when it is JSON.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
    pub text: String,
}

pub struct TestApp {
    pub state: AppState,
    // Held so the database directory lives as long as the app.
    _dir: TempDir,
}

/// The app's configuration over a database file in `dir`, plus `extra` variables.
fn config(dir: &Path, extra: &[(&str, String)]) -> Config {
    TestConfig::new(dir)
        .set("DB_READ_POOL_SIZE", "4")
        .with(extra)
        .build()
}

impl TestApp {
    /// A ready app over a fresh database holding the built-in starter data.
    pub async fn spawn() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let state = railfair::server::prepare(config(dir.path(), &[]))
            .await
            .expect("app starts");
        state.lifecycle.set_ready();
        Self { state, _dir: dir }
    }

    /// A ready app over a fresh database, with extra configuration (e.g. `REDIS_URL`).
    pub async fn spawn_with(extra: &[(&str, String)]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let state = railfair::server::prepare(config(dir.path(), extra))
            .await
            .expect("app starts");
        state.lifecycle.set_ready();
        Self { state, _dir: dir }
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    pub async fn request(
        &self,
        method: Method,
        uri: &str,
        body: Option<(&str, &str)>,
    ) -> TestResponse {
        let mut req = Request::builder().method(method).uri(uri);
        let body = match body {
            Some((content_type, text)) => {
                req = req.header("content-type", content_type);
                Body::from(text.to_owned())
            }
            None => Body::empty(),
        };
        self.send(req.body(body).expect("request builds")).await
    }

    /// Sends a built request through the real router.
    pub async fn send(&self, req: Request<Body>) -> TestResponse {
        let response = railfair::http::router(self.state.clone())
            .oneshot(req)
            .await
            .expect("router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = to_bytes(response.into_body(), 1 << 24)
            .await
            .expect("body reads");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        TestResponse {
            status,
            headers,
            json,
            text,
        }
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.request(Method::GET, uri, None).await
    }

    pub async fn stations(&self, query: &str) -> TestResponse {
        self.get(&format!("/api/stations{query}")).await
    }

    pub async fn station(&self, crs: &str) -> TestResponse {
        self.get(&format!("/api/stations/{crs}")).await
    }

    pub async fn health(&self) -> TestResponse {
        self.get("/health").await
    }

    pub async fn ready(&self) -> TestResponse {
        self.get("/ready").await
    }

    pub async fn sources(&self) -> TestResponse {
        self.get("/api/sources").await
    }

    pub async fn post_json(&self, uri: &str, body: &Value) -> TestResponse {
        self.request(
            Method::POST,
            uri,
            Some(("application/json", &body.to_string())),
        )
        .await
    }

    pub async fn predict(&self, body: &Value) -> TestResponse {
        self.post_json("/api/predict", body).await
    }

    /// `POST /api/predict` with a raw body and content type (`None`: no content type at all).
    pub async fn predict_raw(&self, content_type: Option<&str>, text: &str) -> TestResponse {
        let mut req = Request::builder().method(Method::POST).uri("/api/predict");
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        self.send(
            req.body(Body::from(text.to_owned()))
                .expect("request builds"),
        )
        .await
    }

    pub async fn batch(&self, body: &Value) -> TestResponse {
        self.post_json("/api/predict/batch", body).await
    }

    pub async fn popular(&self, query: &str) -> TestResponse {
        self.get(&format!("/api/routes/popular{query}")).await
    }

    pub async fn route_stats(&self, origin: &str, destination: &str) -> TestResponse {
        self.get(&format!("/api/routes/{origin}/{destination}/stats"))
            .await
    }

    pub async fn fares(&self, origin: &str, destination: &str, query: &str) -> TestResponse {
        self.get(&format!("/api/fares/{origin}/{destination}{query}"))
            .await
    }

    pub async fn scalar_i64(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.db().read)
            .await
            .expect("query runs")
    }
}

/// Asserts `response` is an error in our envelope with `status` and `code`, and returns it.
pub fn assert_error(response: &TestResponse, status: StatusCode, code: &str) {
    assert_eq!(response.status, status, "body: {}", response.text);
    assert_eq!(
        response.json["error"]["code"], code,
        "body: {}",
        response.text
    );
    assert!(
        response.json["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    let request_id = response.json["request_id"]
        .as_str()
        .expect("request_id in the envelope");
    assert_eq!(
        response
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some(request_id),
        "the envelope's request id is the response header's"
    );
    assert_eq!(response.headers["content-type"], "application/json");
}

/// The value of one series (`name{labels}` exactly as rendered) in a `/metrics` text.
pub fn metric_sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        let value = line.strip_prefix(series)?.strip_prefix(' ')?;
        value.trim().parse().ok()
    })
}

/// Today (UTC), the date every relative date in the tests counts from.
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

/// Whether a date is an ordinary day in both nations: no bank holiday and none of the Christmas
/// period's special days, so a test's answer for it is the ordinary weekday/Saturday/Sunday one
/// whenever the suite runs (a run in late December would otherwise land on them).
pub fn ordinary(day: time::Date) -> bool {
    use railfair::domain::calendar::Nation;
    use railfair::domain::day_type::DayType;
    [Nation::EnglandAndWales, Nation::Scotland]
        .into_iter()
        .all(|n| DayType::on(day, n) == Some(DayType::of(day)))
}

/// The first ordinary (see [`ordinary`]) `weekday` at least `after_days` days from today.
pub fn next(weekday: time::Weekday, after_days: i64) -> time::Date {
    let mut day = today() + time::Duration::days(after_days);
    while day.weekday() != weekday || !ordinary(day) {
        day += time::Duration::days(1);
    }
    day
}

/// A `POST /api/predict` body for a departure.
pub fn predict_body(origin: &str, destination: &str, date: time::Date, time: &str) -> Value {
    serde_json::json!({
        "origin": origin,
        "destination": destination,
        "departure_date": date.to_string(),
        "departure_time": time,
    })
}
