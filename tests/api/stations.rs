//! Station search and lookup over the built-in starter data.

use axum::http::StatusCode;
use railfair::store::import_write::{self as import, ImportKind};
use serde_json::Value;

use crate::helpers::{TestApp, assert_error, shared_data};

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

#[tokio::test]
async fn a_station_without_coordinates_keeps_null_and_its_detail_says_why() {
    let app = TestApp::spawn().await;
    let data = shared_data();
    // ORR 1410 alone: its stations have no positions, and NaPTAN, which gives them, is not loaded.
    import::import(
        app.db(),
        ImportKind::Orr1410,
        &data.join("orr/table-1410-station-entries-exits-2022-23.csv"),
    )
    .await
    .unwrap();
    let r = app.station("BDS").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        (&r.json["lat"], &r.json["lon"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(
        r.json["location_note"],
        "no coordinates: the NaPTAN rail references, which give stations their positions, have \
         not been imported; the station is known from ORR Table 1410 (station usage), which \
         gives no positions"
    );

    import::import(
        app.db(),
        ImportKind::Naptan,
        &data.join("naptan/RailReferences.csv"),
    )
    .await
    .unwrap();
    // With the shared extract loaded, exactly these stations are still without a position.
    let missing: Vec<String> = sqlx::query_scalar(
        "SELECT crs FROM stations WHERE lat IS NULL OR lon IS NULL ORDER BY crs",
    )
    .fetch_all(&app.db().read)
    .await
    .unwrap();
    assert_eq!(
        missing,
        [
            "BDS", "BGV", "BOW", "CFC", "CUS", "CWX", "HRE", "IVA", "MNS", "OXP", "PNC", "RSN",
            "SOJ", "TCR", "WWC", "ZLW"
        ]
    );
    let r = app.station("CWX").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["name"], "Canary Wharf");
    assert_eq!(
        (&r.json["lat"], &r.json["lon"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(
        r.json["location_note"],
        "no coordinates: CWX is not in the NaPTAN rail references extract this service was \
         loaded from; most such stations are newer than the extract, a few are listed there \
         under another code or not at all. The station is known from ORR Table 1410 (station \
         usage), which gives no positions"
    );
    // The search keeps them, with null positions.
    let r = app.stations("?q=canary%20wharf").await;
    let hit = &r.json["stations"][0];
    assert_eq!(hit["crs"], "CWX", "{}", r.text);
    assert_eq!((&hit["lat"], &hit["lon"]), (&Value::Null, &Value::Null));
    // A station with a position has no note at all.
    let r = app.station("EUS").await;
    assert!(r.json["lat"].is_f64(), "{}", r.text);
    assert!(r.json.get("location_note").is_none(), "{}", r.text);
}
