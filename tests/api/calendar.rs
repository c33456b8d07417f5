//! The calendar in answers (issue 12): Christmas Day has no service, bank holidays and the
//! Christmas week have their own day types and fares, past dates in a loaded rail period answer
//! from that period's ORR record, dates before the data are refused, and ORR Table 3184 names
//! what mostly causes an operator's delays.

use std::path::{Path, PathBuf};

use axum::http::StatusCode;
use railfair::domain::RailPeriod;
use railfair::store::import_write::{self as import, ImportKind};
use serde_json::{Value, json};
use time::macros::date;
use time::{Date, Duration, Month};

use crate::helpers::{TestApp, assert_error, predict_body, shared_data, today};

/// The next 25 December from today.
fn christmas() -> Date {
    let this_year = Date::from_calendar_date(today().year(), Month::December, 25).unwrap();
    if this_year >= today() {
        this_year
    } else {
        this_year.replace_year(today().year() + 1).unwrap()
    }
}

/// The first date from a gov.uk list that is at least a day ahead (and within the 366 days).
fn first_ahead(list: &[Date]) -> Date {
    *list
        .iter()
        .find(|d| **d > today() && **d <= today() + Duration::days(366))
        .expect("the list reaches a year ahead: extend it from gov.uk/bank-holidays")
}

/// England and Wales bank-holiday Mondays outside Christmas (gov.uk/bank-holidays).
const EW_BANK_HOLIDAY_MONDAYS: [Date; 9] = [
    date!(2027 - 03 - 29),
    date!(2027 - 05 - 03),
    date!(2027 - 05 - 31),
    date!(2027 - 08 - 30),
    date!(2028 - 04 - 17),
    date!(2028 - 05 - 01),
    date!(2028 - 05 - 29),
    date!(2028 - 08 - 28),
    date!(2029 - 05 - 07),
];

/// Scottish bank holidays that are ordinary working days in England and Wales (gov.uk).
const SCOTLAND_ONLY: [Date; 5] = [
    date!(2027 - 01 - 04),
    date!(2027 - 08 - 02),
    date!(2027 - 11 - 30),
    date!(2028 - 01 - 04),
    date!(2028 - 08 - 07),
];

fn orr(file: &str) -> PathBuf {
    shared_data().join("orr").join(file)
}

const T3138: &str =
    "table-3138-train-punctuality-at-recorded-station-stops-by-operator-periodic.csv";
const T3184: &str = "table-3184-delay-minutes-by-operator-and-cause-periodic.csv";

fn assumptions(r: &Value) -> Vec<String> {
    r["prediction"]["assumptions"]
        .as_array()
        .expect("assumptions listed")
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn christmas_day_has_no_service_on_predict_batch_and_fares() {
    let app = TestApp::spawn().await;
    let day = christmas();
    let r = app.predict(&predict_body("EUS", "MAN", day, "09:30")).await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "no_service");
    assert_eq!(r.json["error"]["fields"][0]["field"], "departure_date");
    assert!(
        r.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no trains run in Great Britain on Christmas Day"),
        "{}",
        r.text
    );

    let ordinary = day - Duration::days(14);
    let r = app
        .batch(&json!({"routes": [
            predict_body("EUS", "MAN", ordinary, "09:30"),
            predict_body("EDB", "ABD", day, "12:00"),
        ]}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        (r.json["successful"].as_u64(), r.json["failed"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(r.json["errors"][0]["route_index"], 1);
    assert_eq!(r.json["errors"][0]["error"]["code"], "no_service");

    let r = app
        .fares("EUS", "MAN", &format!("?date={day}&time=09:30"))
        .await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "no_service");
    assert_eq!(r.json["error"]["fields"][0]["field"], "date");
}

#[tokio::test]
async fn a_bank_holiday_monday_predicts_with_its_day_type_and_off_peak_fares_all_day() {
    let app = TestApp::spawn().await;
    let holiday = first_ahead(&EW_BANK_HOLIDAY_MONDAYS);
    // An ordinary Tuesday in the same rail period, so only the day type differs in the key.
    let ordinary = [holiday + Duration::days(1), holiday - Duration::days(6)]
        .into_iter()
        .find(|d| RailPeriod::containing(*d) == RailPeriod::containing(holiday))
        .unwrap();

    let mut body = predict_body("EUS", "MAN", ordinary, "07:30");
    body["include_fares"] = json!(true);
    let r = app.predict(&body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let p = &r.json["prediction"];
    assert_eq!(p["basis"]["day_type"], "weekday");
    assert_eq!(p["time_adjustment_factor"], 1.15);
    assert_eq!(
        r.json["fares"]["off_peak"],
        Value::Null,
        "peak on a working Tuesday"
    );

    let mut body = predict_body("EUS", "MAN", holiday, "07:30");
    body["include_fares"] = json!(true);
    let r = app.predict(&body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Same route, period and hour as the Tuesday: a different key, so not the Tuesday's entry.
    assert_eq!(r.json["metadata"]["cache_status"], "MISS");
    let p = &r.json["prediction"];
    assert_eq!(p["basis"]["day_type"], "bank_holiday");
    assert_eq!(p["time_adjustment_factor"], 1.0, "no commuter peak");
    assert_eq!(p["day_adjustment_factor"], 0.9, "Sunday-like service");
    assert!(
        assumptions(&r.json)
            .iter()
            .any(|a| a.starts_with("bank holiday in England and Wales") && a.contains("gov.uk")),
        "{}",
        r.text
    );
    assert!(
        p["explanation"]
            .as_str()
            .unwrap()
            .contains("on bank holidays")
    );
    let fares = &r.json["fares"];
    assert!(
        fares["off_peak"].is_number(),
        "off-peak fare at 07:30: {fares}"
    );
    let off_peak: Vec<&Value> = fares["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| matches!(t["type"].as_str(), Some("OFF_PEAK" | "SUPER_OFF_PEAK")))
        .collect();
    assert!(!off_peak.is_empty());
    assert!(off_peak.iter().all(|t| t["valid_at_departure"] == true));

    let r = app
        .fares("EUS", "MAN", &format!("?date={holiday}&time=07:30"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.json["off_peak"].is_number(), "{}", r.text);
}

#[tokio::test]
async fn scottish_bank_holidays_apply_to_scottish_stations_only() {
    let app = TestApp::spawn().await;
    let day = first_ahead(&SCOTLAND_ONLY);
    let r = app.predict(&predict_body("EDB", "ABD", day, "12:00")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["prediction"]["basis"]["day_type"], "bank_holiday");
    assert!(
        assumptions(&r.json)
            .iter()
            .any(|a| a.starts_with("bank holiday in Scotland")),
        "{}",
        r.text
    );
    let r = app.predict(&predict_body("EUS", "MAN", day, "12:00")).await;
    assert_eq!(
        r.json["prediction"]["basis"]["day_type"], "weekday",
        "{}",
        r.text
    );
}

#[tokio::test]
async fn boxing_day_and_the_christmas_week_have_their_own_day_types() {
    let app = TestApp::spawn().await;
    let boxing = christmas() + Duration::days(1);
    let r = app
        .predict(&predict_body("EUS", "MAN", boxing, "12:00"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["prediction"]["basis"]["day_type"], "boxing_day");
    assert!(
        assumptions(&r.json)
            .iter()
            .any(|a| a.starts_with("Boxing Day: no service on most of the network"))
    );
    // 30 December is never a bank holiday (substitutes reach 28 December at most).
    let week = christmas() + Duration::days(5);
    let r = app
        .predict(&predict_body("EUS", "MAN", week, "08:00"))
        .await;
    assert_eq!(
        r.json["prediction"]["basis"]["day_type"],
        "christmas_to_new_year"
    );
    assert_eq!(r.json["prediction"]["time_adjustment_factor"], 1.0);
}

/// The "Time to 5" share of an ORR 3138 row, read straight from the file.
fn time_to_5(period_label: &str, series: &str) -> f64 {
    let text = std::fs::read_to_string(orr(T3138)).unwrap();
    let prefix = format!("\"{period_label}\",\"{series}\",");
    let line = text.lines().find(|l| l.starts_with(&prefix)).unwrap();
    let cells: Vec<&str> = line.split(',').map(|c| c.trim_matches('"')).collect();
    cells[6].parse().unwrap()
}

#[tokio::test]
async fn a_past_date_in_a_loaded_period_answers_from_that_periods_record() {
    let app = TestApp::spawn().await;
    import::import(app.db(), ImportKind::Orr3138, &orr(T3138))
        .await
        .unwrap();
    // Wednesday 8 January 2025, off-peak: rail period 2024-25 P11, no time or day factor.
    let r = app
        .predict(&predict_body("EUS", "MAN", date!(2025 - 01 - 08), "11:30"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let p = &r.json["prediction"];
    assert_eq!(p["basis"]["source"], "observed_period");
    assert_eq!(p["basis"]["rail_period"], "2024-25 P11");
    assert_eq!(
        p["confidence"], "MEDIUM",
        "a record, though not of this very train"
    );
    let recorded = 1.0 - time_to_5("Apr 2024 to Mar 2025 (Period 11)", "Avanti West Coast") / 100.0;
    let answered = p["delay_5_probability"].as_f64().unwrap();
    assert!(
        (answered - recorded).abs() < 0.0006,
        "{answered} vs {recorded}"
    );
    let explanation = p["explanation"].as_str().unwrap();
    assert!(explanation.contains("not a forecast"), "{explanation}");
    assert!(explanation.contains(" was 5 or more") || explanation.contains(" were 5 or more"));

    // A different past period gives that period's own figure.
    let r = app
        .predict(&predict_body("EUS", "MAN", date!(2024 - 10 - 02), "11:30"))
        .await;
    let recorded = 1.0 - time_to_5("Apr 2024 to Mar 2025 (Period 07)", "Avanti West Coast") / 100.0;
    let answered = r.json["prediction"]["delay_5_probability"]
        .as_f64()
        .unwrap();
    assert!(
        (answered - recorded).abs() < 0.0006,
        "{answered} vs {recorded}"
    );

    // After the latest loaded period it is a forecast, as before.
    let r = app
        .predict(&predict_body(
            "EUS",
            "MAN",
            today() + Duration::days(10),
            "11:30",
        ))
        .await;
    assert_eq!(
        r.json["prediction"]["basis"]["source"],
        "operator_statistics"
    );
}

#[tokio::test]
async fn a_date_before_the_earliest_loaded_period_is_refused_naming_the_range() {
    let app = TestApp::spawn().await;
    let tmp = tempfile::tempdir().unwrap();
    // The real file from 2019-20 on (a subset written at test time, not kept in the repository).
    let text = std::fs::read_to_string(orr(T3138)).unwrap();
    let subset: String = text
        .lines()
        .enumerate()
        .filter(|(i, l)| {
            *i == 0
                || ["2019", "2020", "2021", "2022", "2023", "2024"]
                    .iter()
                    .any(|y| l.starts_with(&format!("\"Apr {y} to")))
        })
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let path = tmp.path().join("table-3138-from-2019.csv");
    std::fs::write(&path, subset).unwrap();
    import::import(app.db(), ImportKind::Orr3138, &path)
        .await
        .unwrap();

    let r = app
        .predict(&predict_body("EUS", "MAN", date!(2018 - 06 - 01), "11:30"))
        .await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(r.json["error"]["fields"][0]["field"], "departure_date");
    let message = r.json["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("the earliest loaded rail period is 2019-20 P01 starting 2019-04-01")
            && message.contains("2019-20 P01 to 2024-25 P13"),
        "{message}"
    );
    let r = app.fares("EUS", "MAN", "?date=2018-06-01&time=11:30").await;
    assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    // The first loaded period itself answers from its record.
    let r = app
        .predict(&predict_body("EUS", "MAN", date!(2019 - 04 - 03), "11:30"))
        .await;
    assert_eq!(
        r.json["prediction"]["basis"]["source"], "observed_period",
        "{}",
        r.text
    );
}

/// Southeastern's minutes in a season, by responsibility, read straight from the file.
fn southeastern_shares(season: &[u8]) -> (f64, f64, f64) {
    let text = std::fs::read_to_string(orr(T3184)).unwrap();
    let mut sums = (0.0, 0.0, 0.0);
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.split("\",\"").map(|c| c.trim_matches('"')).collect();
        let period: u8 = cells[0][cells[0].len() - 3..cells[0].len() - 1]
            .parse()
            .unwrap();
        if cells[1] != "Southeastern" || !season.contains(&period) {
            continue;
        }
        let v: Vec<f64> = cells[2..].iter().map(|c| c.parse().unwrap()).collect();
        sums.0 += v[0..5].iter().sum::<f64>();
        sums.1 += v[5..10].iter().sum::<f64>();
        sums.2 += v[10..15].iter().sum::<f64>();
    }
    let total = sums.0 + sums.1 + sums.2;
    (sums.0 / total, sums.1 / total, sums.2 / total)
}

async fn explanation(app: &TestApp, day: Date) -> String {
    let mut body = predict_body("CHX", "TBW", day, "11:30");
    body["use_cache"] = json!(false);
    let r = app.predict(&body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json["prediction"]["explanation"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn orr_3184_imports_once_and_names_what_mostly_causes_the_delays() {
    let app = TestApp::spawn().await;
    let day = today() + Duration::days(3);
    assert!(
        !explanation(&app, day).await.contains("Table 3184"),
        "nothing about causes before the table is loaded"
    );

    let first = import::import(app.db(), ImportKind::Orr3184, &orr(T3184))
        .await
        .unwrap();
    assert_eq!(first.records, 1885);
    assert_eq!(first.tables[0].1.inserted, 1885 * 15);
    let second = import::import(app.db(), ImportKind::Orr3184, &orr(T3184))
        .await
        .unwrap();
    assert!(!second.changed());
    assert!(second.to_string().contains("no changes"), "{second}");

    let period = RailPeriod::containing(day).period;
    let (season, name): (&[u8], &str) = match period {
        1..=3 => (&[1, 2, 3], "spring"),
        4..=6 => (&[4, 5, 6], "summer"),
        7..=9 => (&[7, 8, 9], "autumn"),
        _ => (&[10, 11, 12, 13], "winter"),
    };
    let (nr, own, others) = southeastern_shares(season);
    let (share, who) = if nr >= own && nr >= others {
        (nr, "caused by Network Rail")
    } else if own >= others {
        (own, "caused by Southeastern itself")
    } else {
        (others, "caused by other operators' trains")
    };
    let how_much = if share > 0.5 {
        "most"
    } else {
        "the largest share"
    };
    let expected = format!(
        "In {name} (rail periods {}-{}, 2019-20 to 2024-25), {how_much} ({}%) of Southeastern's delay minutes were {who}",
        season[0],
        season[season.len() - 1],
        (share * 100.0).round()
    );
    let text = explanation(&app, day).await;
    assert!(text.contains(&expected), "{text}\nexpected: {expected}");
    assert!(text.ends_with("going by ORR Table 3184."), "{text}");

    let sources = app.sources().await;
    let list = sources.json["sources"].as_array().unwrap();
    let orr3184 = list.iter().find(|s| s["id"] == "orr-3184").unwrap();
    assert_eq!(orr3184["status"], "imported");
    assert_eq!(orr3184["data_through"], "2025-03-31");
    let calendar = list.iter().find(|s| s["id"] == "calendar").unwrap();
    assert!(
        calendar["attribution"]
            .as_str()
            .unwrap()
            .contains("gov.uk/bank-holidays")
    );
}

#[tokio::test]
async fn a_bad_3184_file_imports_nothing_and_names_the_line() {
    let app = TestApp::spawn().await;
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(orr(T3184)).unwrap();
    let bad: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 999 {
                l.replacen("\",\"", "\",\"x", 3)
            } else {
                l.to_owned()
            }
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let path: &Path = &tmp.path().join("table-3184-bad.csv");
    std::fs::write(path, bad).unwrap();
    let e = import::import(app.db(), ImportKind::Orr3184, path)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("line 1000"), "{e}");
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM delay_cause_minutes")
            .await,
        0
    );

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_railfair"))
        .args(["import", "orr3184"])
        .arg(orr(T3184))
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", tmp.path().join("cli.db").display()),
        )
        .env("RAILFAIR_DATA_DIR", "")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
}
