//! `simulate`: synthetic history drives the route-history path and is labelled synthetic.

use axum::http::{Method, StatusCode};
use railfair::service::simulate;
use time::{Duration, OffsetDateTime, Weekday};

use crate::helpers::TestApp;

#[tokio::test]
async fn synthetic_history_is_used_and_labelled_synthetic_everywhere() {
    let app = TestApp::spawn().await;
    let today = OffsetDateTime::now_utc().date();
    let first = simulate::simulate(app.db(), 1, 42, today).await.unwrap();
    assert!(first.runs_written > 1000, "{first:?}");
    let again = simulate::simulate(app.db(), 1, 42, today).await.unwrap();
    assert_eq!(
        (again.runs_written, again.runs_unchanged),
        (0, first.runs_written),
        "same seed, same history"
    );

    let mut day = today + Duration::days(7);
    while day.weekday() != Weekday::Tuesday {
        day += Duration::days(1);
    }
    let body = format!(
        r#"{{"origin":"EUS","destination":"MAN","departure_date":"{day}","departure_time":"08:15"}}"#
    );
    let r = app
        .request(
            Method::POST,
            "/api/predict",
            Some(("application/json", &body)),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let p = &r.json["prediction"];
    assert_eq!(p["basis"]["source"], "synthetic_route_history");
    assert!(p["sample_size"].as_u64().unwrap() > 0);
    assert_eq!(
        p["confidence"], "LOW",
        "synthetic runs never raise confidence"
    );
    assert!(p["explanation"].as_str().unwrap().contains("synthetic"));

    let r = app.get("/api/routes/EUS/MAN/stats").await;
    assert_eq!(
        r.json["statistics"]["source"], "synthetic_route_history",
        "{}",
        r.text
    );
    assert!(r.json["by_hour"].as_array().unwrap().len() >= 10);
}
