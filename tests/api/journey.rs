//! `POST /api/journey/plan`: itineraries over the approximate timetable (named legs, stated
//! transfers, connection risk), over an imported CIF timetable (a connection shorter than the
//! station's minimum is never offered; a tight one is riskier than a relaxed one), the errors,
//! the cache, and predictions for pairs with no direct service answered from the planner.

use axum::http::StatusCode;
use railfair::store::import_write::{self as import, ImportKind};
use serde_json::{Value, json};
use time::{Date, Weekday};

use crate::helpers::{TestApp, TestResponse, assert_error, next, predict_body, shared_data};

fn plan_body(origin: &str, destination: &str, date: Date, time: &str) -> Value {
    json!({
        "origin": origin,
        "destination": destination,
        "departure_date": date.to_string(),
        "departure_time": time,
    })
}

async fn plan(app: &TestApp, body: &Value) -> TestResponse {
    app.post_json("/api/journey/plan", body).await
}

async fn plan_ok(app: &TestApp, body: &Value) -> TestResponse {
    let r = plan(app, body).await;
    assert_eq!(r.status, StatusCode::OK, "{body} → {}", r.text);
    r
}

fn itineraries(r: &TestResponse) -> &Vec<Value> {
    let list = r.json["itineraries"].as_array().expect("itineraries");
    assert!(!list.is_empty() && list.len() <= 5, "{}", r.text);
    list
}

/// The train legs of an itinerary as (operator, from, to).
fn trains(it: &Value) -> Vec<(String, String, String)> {
    it["legs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["mode"] == "train")
        .map(|l| {
            (
                l["operator"].as_str().unwrap().to_owned(),
                l["from"].as_str().unwrap().to_owned(),
                l["to"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Every itinerary's invariants: legs join up, changes match interchanges, risks are
/// probabilities, slack covers the minimum connection, figures are a prediction's.
fn assert_itinerary(it: &Value, origin: &str, destination: &str) {
    let legs = it["legs"].as_array().unwrap();
    assert_eq!(legs[0]["from"], origin, "{it}");
    assert_eq!(legs[legs.len() - 1]["to"], destination, "{it}");
    for w in legs.windows(2) {
        assert_eq!(w[0]["to"], w[1]["from"], "legs join up: {it}");
    }
    let mut visited = vec![legs[0]["from"].as_str().unwrap()];
    for leg in legs {
        let to = leg["to"].as_str().unwrap();
        assert!(!visited.contains(&to), "no station is passed twice: {it}");
        visited.push(to);
    }
    let changes = it["changes"].as_u64().unwrap() as usize;
    assert_eq!(trains(it).len(), changes + 1, "{it}");
    let interchanges = it["interchanges"].as_array().unwrap();
    assert_eq!(interchanges.len(), changes, "{it}");
    for x in interchanges {
        let p = x["p_missed_connection"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p), "{x}");
        assert!(
            x["slack_minutes"].as_u64().unwrap() >= x["min_connection_minutes"].as_u64().unwrap(),
            "a connection shorter than its minimum is never planned: {x}"
        );
        assert!(x["station_name"].as_str().is_some_and(|n| !n.is_empty()));
    }
    let d = &it["arrival_delay"];
    crate::predict::assert_prediction_invariants(d);
    assert_eq!(d["basis"]["source"], "journey_legs");
    assert!(d["explanation"].as_str().is_some_and(|e| !e.contains('\n')));
}

#[tokio::test]
async fn manchester_to_waterloo_is_avanti_into_euston_then_the_underground() {
    let app = TestApp::spawn().await;
    let day = next(Weekday::Tuesday, 3);
    let r = plan_ok(&app, &plan_body("MAN", "WAT", day, "09:30")).await;
    assert_eq!(r.json["timetable_source"], "approximate");
    assert_eq!(r.headers["x-cache-status"], "MISS");
    let assumptions: Vec<&str> = r.json["assumptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        assumptions
            .iter()
            .any(|a| a.starts_with("APPROXIMATE timetable"))
    );
    assert!(
        assumptions
            .iter()
            .any(|a| a.contains("not read from the Master Station Names"))
    );
    assert!(
        assumptions
            .iter()
            .any(|a| a.contains("independent of one another"))
    );
    for it in itineraries(&r) {
        assert_itinerary(it, "MAN", "WAT");
    }
    let best = &itineraries(&r)[0];
    assert_eq!(
        trains(best),
        [("VT".to_owned(), "MAN".to_owned(), "EUS".to_owned())]
    );
    let tube = best["legs"].as_array().unwrap().last().unwrap();
    assert_eq!(tube["mode"], "underground");
    assert_eq!(tube["via"], "Northern line (Charing Cross branch)");
    assert_eq!(tube["from_name"], "London Euston");
    assert_eq!(tube["to_name"], "London Waterloo");
    let first = &best["legs"][0];
    assert_eq!(first["operator_name"], "Avanti West Coast");
    assert_eq!(first["departure"], best["departure"]);
    // The approximate timetable runs MAN-EUS every 20 minutes from 06:00: the first train at or
    // after 09:30 is the 09:40, 128 minutes to Euston, then 25 minutes across London.
    assert_eq!(best["departure"], "09:40");
    assert_eq!(best["arrival"], "12:13");
    assert_eq!(best["duration_minutes"], 153);
}

#[tokio::test]
async fn euston_to_guildford_crosses_london_then_takes_south_western() {
    let app = TestApp::spawn().await;
    let day = next(Weekday::Tuesday, 3);
    let r = plan_ok(&app, &plan_body("EUS", "GLD", day, "10:00")).await;
    let best = &itineraries(&r)[0];
    assert_itinerary(best, "EUS", "GLD");
    assert_eq!(
        trains(best),
        [("SW".to_owned(), "WAT".to_owned(), "GLD".to_owned())]
    );
    assert_eq!(best["legs"][0]["mode"], "underground");
    assert_eq!(best["legs"][0]["from"], "EUS");
}

#[tokio::test]
async fn edinburgh_to_bristol_changes_trains_and_prices_the_connection() {
    let app = TestApp::spawn().await;
    let day = next(Weekday::Tuesday, 3);
    let r = plan_ok(&app, &plan_body("EDB", "BRI", day, "08:00")).await;
    let list = itineraries(&r);
    for it in list {
        assert_itinerary(it, "EDB", "BRI");
    }
    let best = &list[0];
    assert!(best["changes"].as_u64().unwrap() >= 1, "{best}");
    let x = &best["interchanges"][0];
    assert!(x["p_missed_connection"].as_f64().unwrap() > 0.0, "{x}");
    // The first train leaves Edinburgh; every train is one of the catalogue's operators.
    assert_eq!(best["legs"][0]["from"], "EDB");
    for (op, _, _) in trains(best) {
        assert!(
            ["XC", "GR", "GW", "TP", "VT"].contains(&op.as_str()),
            "{op}"
        );
    }
}

#[tokio::test]
async fn predictions_for_pairs_with_no_direct_service_come_from_the_planned_legs() {
    let app = TestApp::spawn().await;
    let day = next(Weekday::Tuesday, 3);
    for (o, d, first_op) in [
        ("MAN", "WAT", "VT"),
        ("EUS", "GLD", "SW"),
        ("EDB", "BRI", ""),
    ] {
        let r = app.predict(&predict_body(o, d, day, "10:00")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let p = &r.json["prediction"];
        crate::predict::assert_prediction_invariants(p);
        assert_eq!(p["basis"]["source"], "journey_legs", "{o}-{d}: {p}");
        assert_eq!(p["is_degraded"], false);
        assert_ne!(p["delay_5_probability"], 0.124, "not the national figure");
        let legs = p["journey_legs"].as_array().expect("legs listed");
        assert_eq!(legs[0]["from"], o);
        assert_eq!(legs[legs.len() - 1]["to"], d);
        if !first_op.is_empty() {
            assert!(
                legs.iter().any(|l| l["operator"] == first_op),
                "{o}-{d}: {legs:?}"
            );
        }
    }
    // A pair the planner cannot connect keeps the national figures, and lists no legs.
    let r = app.predict(&predict_body("CLJ", "CST", day, "10:00")).await;
    assert_eq!(
        r.json["prediction"]["basis"]["source"],
        "national_statistics"
    );
    assert!(r.json["prediction"].get("journey_legs").is_none());
}

#[tokio::test]
async fn a_pair_the_timetable_does_not_serve_is_no_journey_with_the_reason() {
    let app = TestApp::spawn().await;
    let day = next(Weekday::Tuesday, 3);
    let r = plan(&app, &plan_body("CLJ", "CST", day, "10:00")).await;
    assert_error(&r, StatusCode::NOT_FOUND, "no_journey");
    let message = r.json["error"]["message"].as_str().unwrap();
    assert!(message.contains("CLJ is not served"), "{message}");
    // Served, but not within the limit on changes: EDB-BRI has no direct train.
    let mut body = plan_body("EDB", "BRI", day, "08:00");
    body["max_changes"] = json!(0);
    let r = plan(&app, &body).await;
    assert_error(&r, StatusCode::NOT_FOUND, "no_journey");
    let message = r.json["error"]["message"].as_str().unwrap();
    assert!(message.contains("at most 0 changes"), "{message}");
}

#[tokio::test]
async fn errors_are_those_of_a_prediction() {
    let app = TestApp::spawn().await;
    let day = next(Weekday::Tuesday, 3);
    let r = plan(&app, &plan_body("MAN", "man", day, "10:00")).await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(r.json["error"]["fields"][0]["field"], "destination");
    let r = plan(&app, &plan_body("MAN", "ZZX", day, "10:00")).await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "unknown_station");
    let christmas = Date::from_calendar_date(day.year(), time::Month::December, 25).unwrap();
    let christmas = if christmas < crate::helpers::today() {
        Date::from_calendar_date(day.year() + 1, time::Month::December, 25).unwrap()
    } else {
        christmas
    };
    let r = plan(&app, &plan_body("MAN", "WAT", christmas, "10:00")).await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "no_service");
    // Every bad field at once.
    let r = plan(
        &app,
        &json!({"origin": "M4N", "destination": "WAT", "departure_date": "2026-13-01",
                "departure_time": "9h", "max_changes": 7, "arrive_by": "yes", "colour": "red"}),
    )
    .await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let fields: Vec<&str> = r.json["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["arrive_by", "colour"],
        "shape problems come first, alone: {}",
        r.text
    );
    let r = plan(
        &app,
        &json!({"origin": "M4N", "destination": "WAT", "departure_date": "2026-13-01",
                "departure_time": "9h", "max_changes": 7, "arrive_by": true}),
    )
    .await;
    let fields: Vec<&str> = r.json["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["origin", "departure_date", "departure_time", "max_changes"]
    );
}

#[tokio::test]
async fn arriving_by_a_time_plans_the_latest_departures_that_make_it() {
    let app = TestApp::spawn().await;
    let day = next(Weekday::Tuesday, 3);
    let mut body = plan_body("MAN", "WAT", day, "12:30");
    body["arrive_by"] = json!(true);
    let r = plan_ok(&app, &body).await;
    assert_eq!(r.json["arrive_by"], true);
    let list = itineraries(&r);
    for it in list {
        assert_itinerary(it, "MAN", "WAT");
        assert!(it["arrival"].as_str().unwrap() <= "12:30", "{it}");
    }
    // Trains leave Manchester every 20 minutes from 06:00 and take 128 minutes, then 25 minutes
    // across London: the 10:00 reaches Waterloo at 12:33, too late; the 09:40 makes 12:13.
    assert_eq!(list[0]["departure"], "09:40", "{}", r.text);
    assert_eq!(list[0]["arrival"], "12:13");
    // Departing at that time instead is another plan, cached apart.
    let forward = plan_ok(&app, &plan_body("MAN", "WAT", day, "12:30")).await;
    assert_eq!(forward.headers["x-cache-status"], "MISS");
    assert_eq!(forward.json["arrive_by"], false);
    // Nothing arrives by 06:30.
    body["departure_time"] = json!("06:30");
    let r = plan(&app, &body).await;
    assert_error(&r, StatusCode::NOT_FOUND, "no_journey");
    assert!(
        r.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("arrives by 06:30"),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn a_repeated_plan_is_a_cache_hit_with_the_same_itineraries() {
    let app = TestApp::spawn().await;
    let day = next(Weekday::Tuesday, 3);
    let body = plan_body("MAN", "WAT", day, "09:30");
    let first = plan_ok(&app, &body).await;
    let second = plan_ok(&app, &body).await;
    assert_eq!(first.headers["x-cache-status"], "MISS");
    assert_eq!(second.headers["x-cache-status"], "HIT");
    assert_eq!(second.json["cached"], true);
    assert_eq!(second.json["metadata"]["cache_status"], "HIT");
    assert_eq!(first.json["itineraries"], second.json["itineraries"]);
    // Another departure minute is another plan.
    let later = plan_ok(&app, &plan_body("MAN", "WAT", day, "09:31")).await;
    assert_eq!(later.headers["x-cache-status"], "MISS");
}

#[tokio::test]
async fn fares_are_priced_on_the_final_leg_s_delay_repay_scheme() {
    let app = TestApp::spawn().await;
    let day = next(Weekday::Tuesday, 3);
    let mut body = plan_body("EUS", "MAN", day, "10:00");
    body["include_fares"] = json!(true);
    let r = plan_ok(&app, &body).await;
    let fares = &r.json["fares"];
    assert!(fares.is_object(), "{}", r.text);
    let rule = fares["delay_repay_rule"].as_str().unwrap();
    assert!(
        rule.contains("final leg") && rule.contains("Avanti West Coast"),
        "{rule}"
    );
}

/// A CIF timetable of four trains (tests/fixtures/cif/connections.cif): Leeds 09:00 → Manchester
/// 10:00 (TP); Manchester → Liverpool at 10:04 (4 minutes after, under Manchester's 10-minute
/// minimum) and at 10:12 (12 minutes: legal, 2 to spare); York 08:00 → Manchester 08:50 (TP).
async fn app_with_the_cif_fixture() -> TestApp {
    let app = TestApp::spawn().await;
    import_the_cif_fixture(&app).await;
    app
}

/// Imports NaPTAN (the TIPLOC → CRS map) and then the CIF fixture, as `railfair import` would.
async fn import_the_cif_fixture(app: &TestApp) {
    import::import(
        app.db(),
        ImportKind::Naptan,
        &shared_data().join("naptan/RailReferences.csv"),
    )
    .await
    .unwrap();
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cif/connections.cif");
    import::import(app.db(), ImportKind::Cif, &fixture)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_connection_shorter_than_the_minimum_is_never_offered() {
    let app = app_with_the_cif_fixture().await;
    let day = next(Weekday::Tuesday, 3);
    let r = plan_ok(&app, &plan_body("LDS", "LIV", day, "08:30")).await;
    assert_eq!(r.json["timetable_source"], "cif");
    for it in itineraries(&r) {
        assert_itinerary(it, "LDS", "LIV");
        for leg in it["legs"].as_array().unwrap() {
            assert_ne!(leg["departure"], "10:04", "the 4-minute connection: {it}");
        }
    }
    let best = &itineraries(&r)[0];
    assert_eq!(best["arrival"], "11:00", "the 10:12, not the 10:50 arrival");
    assert_eq!(
        best["legs"][0]["calling_points"], 3,
        "Leeds, Huddersfield, Manchester"
    );
    let x = &best["interchanges"][0];
    assert_eq!(x["station"], "MAN");
    assert_eq!(x["slack_minutes"], 12);
    assert_eq!(x["min_connection_minutes"], 10);
}

#[tokio::test]
async fn a_tight_connection_is_riskier_than_a_relaxed_one() {
    let app = app_with_the_cif_fixture().await;
    let day = next(Weekday::Tuesday, 3);
    let tight = plan_ok(&app, &plan_body("LDS", "LIV", day, "08:30")).await;
    let relaxed = plan_ok(&app, &plan_body("YRK", "LIV", day, "07:30")).await;
    let p = |r: &TestResponse| {
        itineraries(r)[0]["interchanges"][0]["p_missed_connection"]
            .as_f64()
            .unwrap()
    };
    let slack = |r: &TestResponse| itineraries(r)[0]["interchanges"][0]["slack_minutes"].clone();
    assert_eq!(slack(&tight), 12);
    assert_eq!(slack(&relaxed), 74, "York's 08:50 arrival, then the 10:04");
    assert!(p(&tight) > p(&relaxed), "{} vs {}", p(&tight), p(&relaxed));
    assert!(p(&tight) > 0.05, "{}", p(&tight));
}

#[tokio::test]
async fn journey_plans_are_rate_limited_like_every_api_call() {
    let app = TestApp::spawn_with(&[
        ("RATE_LIMIT_PER_MINUTE", "60".to_owned()),
        ("RATE_LIMIT_BURST", "1".to_owned()),
    ])
    .await;
    let body = plan_body("MAN", "WAT", next(Weekday::Tuesday, 3), "09:30");
    let first = plan_ok(&app, &body).await;
    assert_eq!(first.headers["x-ratelimit-limit"], "1");
    let refused = plan(&app, &body).await;
    assert_error(&refused, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
}

#[tokio::test]
async fn the_day_is_planned_on_what_was_built_until_journeys_are_invalidated() {
    use axum::body::Body;
    use axum::http::Request;

    let app = TestApp::spawn_with(&[("RAILFAIR_ADMIN_TOKEN", "test-token".to_owned())]).await;
    let day = next(Weekday::Tuesday, 3);
    let mut body = plan_body("MAN", "WAT", day, "09:30");
    body["use_cache"] = json!(false);
    let before = plan_ok(&app, &body).await;
    assert_eq!(before.json["timetable_source"], "approximate");
    // A CIF timetable imported since: the built day is still used (no rebuild per request) ...
    import_the_cif_fixture(&app).await;
    let kept = plan_ok(&app, &body).await;
    assert_eq!(kept.json["timetable_source"], "approximate");
    // ... until journeys are invalidated: then the day is rebuilt on the CIF timetable, which
    // has no train to London at all.
    let admin = app
        .send(
            Request::post("/api/cache/invalidate")
                .header("content-type", "application/json")
                .header("authorization", "Bearer test-token")
                .body(Body::from(r#"{"cache_type":"journey"}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(admin.status, StatusCode::OK, "{}", admin.text);
    let after = plan(&app, &body).await;
    assert_error(&after, StatusCode::NOT_FOUND, "no_journey");
    assert!(
        after.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("by the cif timetable"),
        "{}",
        after.text
    );
}
