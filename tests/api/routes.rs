//! Route statistics (from operator figures and from route history) and popular routes.

use std::path::Path;

use axum::http::StatusCode;
use railfair::store::import_write::{self as import, ImportKind};
use serde_json::Value;
use time::Weekday;

use crate::helpers::{TestApp, assert_error, next, predict_body};

fn num(v: &Value, field: &str) -> f64 {
    v[field]
        .as_f64()
        .unwrap_or_else(|| panic!("{field} is a number: {v}"))
}

fn grade_of(score: f64) -> &'static str {
    match score {
        s if s >= 90.0 => "A",
        s if s >= 80.0 => "B",
        s if s >= 70.0 => "C",
        s if s >= 60.0 => "D",
        _ => "F",
    }
}

/// api.md's score, re-weighted without the cancellation term when it is unknown.
fn score(ppm5: f64, ppm10: f64, cancelled: Option<f64>, late60: f64) -> f64 {
    match cancelled {
        Some(c) => 0.4 * ppm5 + 0.3 * ppm10 + 0.2 * (100.0 - c) + 0.1 * (100.0 - late60),
        None => (0.4 * ppm5 + 0.3 * ppm10 + 0.1 * (100.0 - late60)) / 0.8,
    }
}

/// Checks the figures are consistent percentages and the score is api.md's formula. `%≥60` is
/// not returned, but it lies between 0 and `%≥30`, which bounds the score.
fn assert_consistent_statistics(s: &Value) {
    for field in [
        "on_time_percentage",
        "ppm_5_percentage",
        "ppm_10_percentage",
        "late_15_plus_percentage",
        "late_30_plus_percentage",
        "reliability_score",
    ] {
        let v = num(s, field);
        assert!((0.0..=100.0).contains(&v), "{field} = {v}: {s}");
    }
    let (on_time, ppm5, ppm10) = (
        num(s, "on_time_percentage"),
        num(s, "ppm_5_percentage"),
        num(s, "ppm_10_percentage"),
    );
    let (late15, late30) = (
        num(s, "late_15_plus_percentage"),
        num(s, "late_30_plus_percentage"),
    );
    assert!(on_time <= ppm5 && ppm5 <= ppm10, "{s}");
    assert!(late30 <= late15, "{s}");
    // %≥15 ≤ %≥10 = 100 − PPM10 (0.1 of slack for rounding each figure to 1 decimal).
    assert!(late15 <= 100.0 - ppm10 + 0.1, "{s}");
    assert!(num(s, "avg_delay_minutes") >= 0.0 && num(s, "median_delay_minutes") >= -1.0);

    let cancelled = s["cancelled_percentage"].as_f64();
    let reported = num(s, "reliability_score");
    let best = score(ppm5, ppm10, cancelled, 0.0);
    let worst = score(ppm5, ppm10, cancelled, late30);
    assert!(
        worst - 0.06 <= reported && reported <= best + 0.06,
        "score {reported} outside [{worst}, {best}]: {s}"
    );
    assert_eq!(s["reliability_grade"], grade_of(reported), "{s}");
    assert_eq!(
        s["reliability_excludes_cancellations"],
        cancelled.is_none(),
        "{s}"
    );
}

#[tokio::test]
async fn route_stats_without_history_are_the_operators_orr_figures() {
    let app = TestApp::spawn().await;
    let r = app.route_stats("EUS", "MAN").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["route"], "EUS-MAN");
    assert_eq!(r.json["origin"], "EUS");
    assert_eq!(r.json["destination"], "MAN");
    assert_eq!(r.json["toc"], "VT");
    assert_eq!(r.json["by_hour"], Value::Array(vec![]));
    assert_eq!(r.json["by_day_of_week"], Value::Array(vec![]));
    let s = &r.json["statistics"];
    assert_eq!(s["source"], "operator_statistics");
    assert_eq!(s["total_services"], 0);
    assert_eq!(
        s["cancelled_percentage"],
        Value::Null,
        "ORR excludes cancellations"
    );
    assert_consistent_statistics(s);

    // The figures are Avanti West Coast's latest annual ORR shares, as percentages.
    let (on_time, t5, t10, t15, t30): (f64, f64, f64, f64, f64) = sqlx::query_as(
        "SELECT on_time, t5, t10, t15, t30 FROM operator_priors \
         WHERE series = 'Avanti West Coast' AND period = 0",
    )
    .fetch_one(&app.db().read)
    .await
    .unwrap();
    let close = |field: &str, expected: f64| {
        let got = num(s, field);
        assert!(
            (got - expected).abs() <= 0.06,
            "{field}: {got} vs {expected}"
        );
    };
    close("on_time_percentage", on_time);
    close("ppm_5_percentage", t5);
    close("ppm_10_percentage", t10);
    close("late_15_plus_percentage", 100.0 - t15);
    close("late_30_plus_percentage", 100.0 - t30);
    assert_eq!(s["data_end"], "2025-03-31");
    assert_eq!(s["data_start"], "2024-04-01");

    // Input is case-insensitive and trimmed, output upper case.
    let lower = app.route_stats("eus", "man").await;
    assert_eq!(lower.status, StatusCode::OK, "{}", lower.text);
    assert_eq!(lower.json["statistics"], r.json["statistics"]);
    assert_eq!(lower.json["route"], "EUS-MAN");
}

#[tokio::test]
async fn route_stats_for_an_unknown_station_are_404() {
    let app = TestApp::spawn().await;
    let r = app.route_stats("XYZ", "MAN").await;
    assert_error(&r, StatusCode::NOT_FOUND, "unknown_station");
    assert!(r.json["error"]["message"].as_str().unwrap().contains("XYZ"));
    let r = app.route_stats("EUS", "XYZ").await;
    assert_error(&r, StatusCode::NOT_FOUND, "unknown_station");
}

#[tokio::test]
async fn route_stats_without_history_or_operator_are_404_unknown_route() {
    let app = TestApp::spawn().await;
    // Clapham Junction and Cannon Street: both Network Rail managed, not catalogued together.
    let r = app.route_stats("CLJ", "CST").await;
    assert_error(&r, StatusCode::NOT_FOUND, "unknown_route");
}

#[tokio::test]
async fn a_pair_no_operator_describes_gets_the_statistics_of_its_planned_journey() {
    let app = TestApp::spawn().await;
    // Edinburgh to Bristol: no direct route in the catalogue, and Network Rail manages Edinburgh;
    // predictions for the pair come from planned legs, and so do its statistics.
    let r = app.route_stats("EDB", "BRI").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let stats = &r.json["statistics"];
    assert_eq!(stats["source"], "journey_legs", "{}", r.text);
    for field in [
        "on_time_percentage",
        "ppm_5_percentage",
        "reliability_score",
    ] {
        let v = stats[field].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&v), "{field}: {v}");
    }
    assert!(stats["cancelled_percentage"].is_null());
    let planned = &r.json["planned_journey"];
    assert_eq!(planned["departure_time"], "10:00");
    assert_eq!(planned["timetable_source"], "approximate");
    let date = time::Date::parse(
        planned["departure_date"].as_str().unwrap(),
        &time::format_description::well_known::Iso8601::DATE,
    )
    .unwrap();
    assert_eq!(date.weekday(), Weekday::Tuesday);
    let legs = planned["legs"].as_array().unwrap();
    assert_eq!(legs[0]["from"], "EDB", "{planned}");
    assert_eq!(legs[legs.len() - 1]["to"], "BRI", "{planned}");
    let last_train = legs
        .iter()
        .rev()
        .find(|l| !l["operator"].is_null())
        .unwrap();
    assert_eq!(r.json["toc"], last_train["operator"]);
    assert!(
        planned["assumptions"][0]
            .as_str()
            .unwrap()
            .starts_with("figures of the best planned journey leaving at or after 10:00"),
        "{planned}"
    );
    // The prediction for the pair rests on planned legs too.
    let p = app
        .predict(&predict_body("EDB", "BRI", date, "10:00"))
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text);
    assert_eq!(p.json["prediction"]["basis"]["source"], "journey_legs");
    assert_eq!(p.json["prediction"]["basis"]["operator"], r.json["toc"]);
    // A catalogued route has no planned journey in its statistics.
    let direct = app.route_stats("EUS", "MAN").await;
    assert_eq!(direct.status, StatusCode::OK, "{}", direct.text);
    assert!(
        direct.json.get("planned_journey").is_none(),
        "{}",
        direct.text
    );
}

#[tokio::test]
async fn the_stats_404_for_a_pair_the_planner_cannot_connect_says_predictions_are_national() {
    let app = TestApp::spawn().await;
    let r = app.route_stats("CLJ", "CST").await;
    assert_error(&r, StatusCode::NOT_FOUND, "unknown_route");
    assert_eq!(
        r.json["error"]["message"],
        "no route statistics for CLJ→CST: it is not a direct route in the route catalogue, its \
         origin station is not managed by a train operator whose figures are held, and the \
         planner finds no journey between them on an ordinary weekday; predictions for this \
         pair (POST /api/predict) use national figures"
    );
    let p = app
        .predict(&predict_body(
            "CLJ",
            "CST",
            next(Weekday::Tuesday, 3),
            "10:00",
        ))
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text);
    assert_eq!(
        p.json["prediction"]["basis"]["source"],
        "national_statistics"
    );
}

#[tokio::test]
async fn route_stats_and_predictions_resolve_the_same_operator_for_a_pair() {
    let app = TestApp::spawn().await;
    let day = next(Weekday::Tuesday, 3);
    // Catalogued pairs both ways round, and uncatalogued ones answered by the origin's manager.
    for (o, d) in [
        ("EUS", "MAN"),
        ("MAN", "EUS"),
        ("KGX", "EDB"),
        ("EDB", "KGX"),
        ("GLQ", "EDB"),
        ("VIC", "GTW"),
        ("LIV", "MAN"),
        ("PRE", "MAN"),
        ("BHI", "PRE"),
    ] {
        let stats = app.route_stats(o, d).await;
        assert_eq!(stats.status, StatusCode::OK, "{o}→{d}: {}", stats.text);
        let p = app.predict(&predict_body(o, d, day, "11:00")).await;
        assert_eq!(p.status, StatusCode::OK, "{o}→{d}: {}", p.text);
        let p = &p.json["prediction"];
        assert_eq!(stats.json["toc"], p["toc"], "{o}→{d}");
        assert_eq!(p["basis"]["operator"], p["toc"], "{o}→{d}");
        let choice = p["basis"]["operator_choice"].as_str().unwrap();
        assert!(
            ["route_catalogue", "origin_facility_owner"].contains(&choice),
            "{o}→{d}: {choice}"
        );
    }
}

#[tokio::test]
async fn route_stats_reject_malformed_codes_and_identical_ends() {
    let app = TestApp::spawn().await;
    let r = app.route_stats("EUST", "MAN").await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(r.json["error"]["fields"][0]["field"], "origin");
    let r = app.route_stats("MAN", "man").await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(r.json["error"]["fields"][0]["field"], "destination");
}

#[tokio::test]
async fn route_stats_come_from_route_history_once_it_is_imported() {
    let app = TestApp::spawn().await;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hsp");
    import::import(app.db(), ImportKind::Hsp, &dir)
        .await
        .unwrap();
    let r = app.route_stats("KGX", "EDB").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["toc"], "GR");
    let s = &r.json["statistics"];
    assert_eq!(s["source"], "route_history");
    // Three runs: Friday 23:00 (12 min late), Saturday 23:00 (cancelled), Monday 09:00 (early).
    assert_eq!(s["total_services"], 3);
    let cancelled = num(s, "cancelled_percentage");
    assert!((cancelled - 33.3).abs() < 0.06, "{cancelled}");
    assert_consistent_statistics(s);
    // One of the two arrivals was on time, neither was 15 minutes late.
    assert!((num(s, "on_time_percentage") - 50.0).abs() < 0.06, "{s}");
    assert_eq!(num(s, "late_15_plus_percentage"), 0.0);
    assert!((num(s, "avg_delay_minutes") - 5.0).abs() < 0.06, "{s}");
    assert_eq!(s["data_start"], "2025-01-17");
    assert_eq!(s["data_end"], "2025-01-20");

    let hours: Vec<i64> = r.json["by_hour"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["hour"].as_i64().unwrap())
        .collect();
    assert_eq!(hours, [9, 23], "{}", r.text);
    let days: Vec<(&str, i64)> = r.json["by_day_of_week"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["day_of_week"].as_str().unwrap(),
                d["services"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(days, [("Monday", 1), ("Friday", 1)], "{}", r.text);

    // The prediction for the route now rests on that history too.
    let p = app
        .predict(&predict_body(
            "KGX",
            "EDB",
            next(Weekday::Monday, 3),
            "09:00",
        ))
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text);
    assert_eq!(p.json["prediction"]["basis"]["source"], "route_history");
    assert_eq!(p.json["prediction"]["sample_size"], 2);
}

#[tokio::test]
async fn popular_routes_follow_the_catalogue_before_any_traffic() {
    let app = TestApp::spawn().await;
    let r = app.popular("").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["ranking"], "route_catalogue");
    let routes = r.json["routes"].as_array().unwrap();
    assert_eq!(r.json["count"], routes.len());
    assert_eq!(routes.len(), 10, "the default limit is 10");
    let first = &routes[0];
    assert_eq!(
        (first["origin"].as_str(), first["destination"].as_str()),
        (Some("EUS"), Some("MAN"))
    );
    assert_eq!(first["origin_name"], "London Euston");
    assert_eq!(first["destination_name"], "Manchester Piccadilly");
    assert_eq!(first["toc"], "VT");
    assert_eq!(first["query_count"], 0);
    assert_eq!(first["ranked_by"], "route_catalogue");
    let second = &routes[1];
    assert_eq!(
        (second["origin"].as_str(), second["destination"].as_str()),
        (Some("KGX"), Some("EDB"))
    );
    for route in routes {
        let p = num(route, "on_time_probability");
        assert!((0.0..=1.0).contains(&p), "{route}");
        assert!(num(route, "avg_delay_minutes") >= 0.0);
    }
    // The figures are the route statistics', as a share.
    let stats = app.route_stats("EUS", "MAN").await;
    let on_time = num(&stats.json["statistics"], "on_time_percentage");
    assert!((num(first, "on_time_probability") - on_time / 100.0).abs() < 1e-9);

    let r = app.popular("?limit=3").await;
    assert_eq!(r.json["count"], 3);
    assert_eq!(r.json["routes"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn popular_routes_rank_by_requests_once_counts_are_flushed() {
    let app = TestApp::spawn().await;
    let day = next(Weekday::Tuesday, 3);
    for _ in 0..3 {
        let r = app.predict(&predict_body("KGX", "YRK", day, "11:00")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let r = app.predict(&predict_body("EUS", "MAN", day, "11:00")).await;
    assert_eq!(r.status, StatusCode::OK);
    // A rejected request is not counted.
    let r = app.predict(&predict_body("EUS", "XYZ", day, "11:00")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.state.popularity.flush(app.db()).await.unwrap();

    let r = app.popular("?limit=5").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["ranking"], "requests");
    let listed: Vec<(&str, &str, i64)> = r.json["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["origin"].as_str().unwrap(),
                x["destination"].as_str().unwrap(),
                x["query_count"].as_i64().unwrap(),
            )
        })
        .collect();
    // Requested routes first by count, then the catalogue fills up to `limit` without repeating
    // a requested route; each entry says how it is ranked.
    assert_eq!(listed[..2], [("KGX", "YRK", 3), ("EUS", "MAN", 1)]);
    assert_eq!(r.json["count"], 5, "{}", r.text);
    assert_eq!(listed.len(), 5);
    let ranked_by: Vec<&str> = r.json["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["ranked_by"].as_str().unwrap())
        .collect();
    assert_eq!(
        ranked_by,
        [
            "requests",
            "requests",
            "route_catalogue",
            "route_catalogue",
            "route_catalogue"
        ]
    );
    for (o, d, count) in &listed[2..] {
        assert_eq!(*count, 0);
        assert!(
            (*o, *d) != ("EUS", "MAN") && (*o, *d) != ("KGX", "YRK"),
            "{o}-{d} twice"
        );
    }
    assert_eq!(r.json["routes"][0]["toc"], "GR");
    assert_eq!(r.json["routes"][0]["destination_name"], "York");
}

#[tokio::test]
async fn popular_limit_must_be_from_1_to_100() {
    let app = TestApp::spawn().await;
    for bad in ["0", "101", "-1", "ten"] {
        let r = app.popular(&format!("?limit={bad}")).await;
        assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(r.json["error"]["fields"][0]["field"], "limit", "{}", r.text);
    }
    for good in ["1", "100"] {
        let r = app.popular(&format!("?limit={good}")).await;
        assert_eq!(r.status, StatusCode::OK, "limit={good}: {}", r.text);
    }
    assert_eq!(app.popular("?limit=1").await.json["count"], 1);
}
