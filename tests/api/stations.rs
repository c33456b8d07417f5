//! Station search and lookup over the built-in starter data.

use axum::http::StatusCode;

use crate::helpers::{TestApp, assert_error};

#[tokio::test]
async fn searching_manc_lists_manchester_piccadilly_with_coordinates() {
    let app = TestApp::spawn().await;
    let r = app.stations("?q=manc").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let stations = r.json["stations"].as_array().unwrap();
    let man = stations
        .iter()
        .find(|s| s["crs"] == "MAN")
        .expect("MAN is listed");
    assert_eq!(man["name"], "Manchester Piccadilly");
    let (lat, lon) = (man["lat"].as_f64().unwrap(), man["lon"].as_f64().unwrap());
    assert!(
        (lat - 53.477).abs() < 0.002 && (lon + 2.231).abs() < 0.003,
        "{lat},{lon}"
    );
    // The busiest match comes first, and every hit really matches the query.
    assert_eq!(stations[0]["crs"], "MAN");
    for s in stations {
        let name = s["name"].as_str().unwrap().to_lowercase();
        assert!(name.split(' ').any(|w| w.starts_with("manc")), "{name}");
    }
}

#[tokio::test]
async fn an_exact_code_ranks_first_whatever_its_case() {
    let app = TestApp::spawn().await;
    let r = app.stations("?q=%20eus%20").await;
    assert_eq!(r.json["stations"][0]["crs"], "EUS", "{}", r.text);
    assert_eq!(r.json["stations"][0]["name"], "London Euston");
}

#[tokio::test]
async fn every_word_of_the_query_must_match() {
    let app = TestApp::spawn().await;
    let r = app.stations("?q=london%20kings").await;
    let crs: Vec<&str> = r.json["stations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["crs"].as_str().unwrap())
        .collect();
    assert_eq!(crs, ["KGX"], "{}", r.text);
}

#[tokio::test]
async fn limit_bounds_the_number_of_results() {
    let app = TestApp::spawn().await;
    let r = app.stations("?q=london&limit=3").await;
    assert_eq!(r.json["stations"].as_array().unwrap().len(), 3);
    let r = app.stations("?limit=100").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json["stations"].as_array().unwrap().len(),
        100,
        "no query lists the busiest"
    );
}

#[tokio::test]
async fn a_bad_limit_is_422_naming_the_field() {
    let app = TestApp::spawn().await;
    for bad in ["0", "101", "-1", "ten"] {
        let r = app.stations(&format!("?q=man&limit={bad}")).await;
        assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(r.json["error"]["fields"][0]["field"], "limit", "{bad}");
    }
}

#[tokio::test]
async fn one_station_by_code_normalises_case() {
    let app = TestApp::spawn().await;
    let r = app.station("man").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["crs"], "MAN");
    assert_eq!(r.json["nlc"], "2968");
    assert_eq!(r.json["facility_owner"], "Network Rail");
}

#[tokio::test]
async fn an_unknown_station_is_404_and_a_malformed_code_422() {
    let app = TestApp::spawn().await;
    assert_error(
        &app.station("XYZ").await,
        StatusCode::NOT_FOUND,
        "unknown_station",
    );
    let r = app.station("ABCD").await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(r.json["error"]["fields"][0]["field"], "crs");
}

#[tokio::test]
async fn queries_with_the_same_words_but_different_text_are_not_confused_by_the_cache() {
    let app = TestApp::spawn().await;
    // "man" is an exact code; "MAN!" has the same search word but is no code, so the two may rank
    // differently and must not share a cache entry.
    let first = app.stations("?q=man").await;
    let second = app.stations("?q=man!").await;
    assert_eq!(first.headers["x-cache-status"], "MISS");
    assert_eq!(second.headers["x-cache-status"], "MISS");
    assert_eq!(
        app.stations("?q=MAN").await.headers["x-cache-status"],
        "HIT"
    );
}
