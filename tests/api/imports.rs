//! Importers against the real public data in ../shared/data: counts, named values, idempotence,
//! and all-or-nothing failure on bad files.

use std::path::Path;

use railfair::domain::geo::{LatLon, haversine_km};
use railfair::store::Db;
use railfair::store::import_write::{self as import, ImportKind};
use sqlx::{AssertSqlSafe, Row};

use crate::helpers::{TestApp, shared_data};

/// Every row of every table, as text, so two states of the database can be compared exactly.
async fn snapshot(db: &Db) -> String {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name NOT LIKE '_sqlx%' ORDER BY name",
    )
    .fetch_all(&db.read)
    .await
    .unwrap();
    let mut out = String::new();
    for table in tables {
        let columns: Vec<String> =
            sqlx::query(AssertSqlSafe(format!("PRAGMA table_info({table})")))
                .fetch_all(&db.read)
                .await
                .unwrap()
                .iter()
                .map(|r| format!("quote({})", r.get::<String, _>("name")))
                .collect();
        let rows: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT {} FROM {table} ORDER BY 1",
            columns.join(" || ',' || ")
        )))
        .fetch_all(&db.read)
        .await
        .unwrap();
        let mut rows = rows;
        rows.sort();
        out.push_str(&format!(
            "## {table} ({})\n{}\n",
            rows.len(),
            rows.join("\n")
        ));
    }
    out
}

async fn scalar_f64(db: &Db, sql: &'static str, bind: &str) -> f64 {
    sqlx::query_scalar(sql)
        .bind(bind)
        .fetch_one(&db.read)
        .await
        .unwrap()
}

#[tokio::test]
async fn bootstrap_loads_the_real_data_and_a_second_run_changes_nothing() {
    let app = TestApp::spawn().await;
    let data = shared_data();
    let done = import::bootstrap(app.db(), &data, false).await.unwrap();
    let first = &done.imported;
    let kinds: Vec<ImportKind> = first.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            ImportKind::Naptan,
            ImportKind::Orr1410,
            ImportKind::Orr3138,
            ImportKind::Orr3184,
            ImportKind::Cif,
        ]
    );
    assert!(first.iter().all(|s| s.changed()));
    // Both CIF samples as one change, the full extract (19 June 2020) before the update that
    // follows it (28 June 2020).
    let cif = &first[4];
    let full = cif.file.find("sample.cif").unwrap();
    let update = cif.file.find("sample-larger.cif").unwrap();
    assert!(full < update, "{}", cif.file);
    // Every other file of the directory is listed, with why it was left out.
    let fixture = "format fixture: HSP JSON is imported only from a directory called hsp/, and \
                   JSON anywhere else (such as hsp-format/) is taken as an example of the \
                   format, not observations";
    let documentation = "not a data file (documentation)";
    let left_out: Vec<(std::path::PathBuf, &str)> = done
        .not_imported
        .iter()
        .map(|n| (n.path.clone(), n.reason.as_str()))
        .collect();
    assert_eq!(
        left_out,
        [
            (data.join("README.md"), documentation),
            (data.join("cif-sample/NRE-terms-v3.md"), documentation),
            (data.join("hsp-format/serviceDetails_example.json"), fixture),
            (data.join("hsp-format/serviceMetrics_example.json"), fixture),
        ]
    );

    // NaPTAN: 2,600 distinct CRS codes with positions; Euston where it is.
    let with_coords = app
        .scalar_i64("SELECT COUNT(*) FROM stations WHERE lat IS NOT NULL")
        .await;
    assert!(
        with_coords >= 2550,
        "{with_coords} stations with coordinates"
    );
    let lat = scalar_f64(app.db(), "SELECT lat FROM stations WHERE crs = $1", "EUS").await;
    let lon = scalar_f64(app.db(), "SELECT lon FROM stations WHERE crs = $1", "EUS").await;
    let off = haversine_km(
        LatLon { lat, lon },
        LatLon {
            lat: 51.5288,
            lon: -0.1342,
        },
    );
    assert!(off < 0.1, "EUS is {off} km from 51.5288, -0.1342");
    let clj = app
        .scalar_i64("SELECT COUNT(*) FROM station_tiplocs WHERE crs = 'CLJ'")
        .await;
    assert!(clj > 1, "Clapham Junction keeps all its TIPLOCs, got {clj}");

    // ORR 1410: NLCs, regions and owners.
    let nlcs = app
        .scalar_i64("SELECT COUNT(*) FROM stations WHERE nlc IS NOT NULL")
        .await;
    assert!(nlcs >= 2500, "{nlcs} NLCs");
    let (nlc, region, owner, toc): (String, String, String, Option<String>) = sqlx::query_as(
        "SELECT nlc, region, facility_owner, facility_owner_toc FROM stations WHERE crs = 'ABW'",
    )
    .fetch_one(&app.db().read)
    .await
    .unwrap();
    assert_eq!(
        (nlc.as_str(), region.as_str(), owner.as_str()),
        ("5131", "London", "Elizabeth line")
    );
    assert_eq!(toc.as_deref(), Some("XR"));

    // ORR 3138: every data row of the file (counted independently of the parser), and values
    // from named rows.
    let text = std::fs::read_to_string(data.join(
        "orr/table-3138-train-punctuality-at-recorded-station-stops-by-operator-periodic.csv",
    ))
    .unwrap();
    let file_rows = text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .count() as i64;
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM operator_punctuality")
            .await,
        file_rows
    );
    assert_eq!(file_rows, 3751);
    // "Apr 2014 to Mar 2015 (Period 01)","Great Britain","4736697","35.64","68.70",...,"94.38"
    let (stops, on_time, t5, t5_maa): (i64, f64, f64, Option<f64>) = sqlx::query_as(
        "SELECT stops, on_time, t5, t5_maa FROM operator_punctuality \
         WHERE series = 'Great Britain' AND rail_year = 2014 AND period = 1",
    )
    .fetch_one(&app.db().read)
    .await
    .unwrap();
    assert_eq!(
        (stops, on_time, t5, t5_maa),
        (4_736_697, 68.70, 94.38, None)
    );
    // "Apr 2024 to Mar 2025 (Period 13)","West Midlands Trains","380219",...,"93.25",... MAA "89.85"
    let (stops, t5, t5_maa, start, end): (i64, f64, f64, String, String) = sqlx::query_as(
        "SELECT stops, t5, t5_maa, period_start, period_end FROM operator_punctuality \
         WHERE series = 'West Midlands Trains' AND rail_year = 2024 AND period = 13",
    )
    .fetch_one(&app.db().read)
    .await
    .unwrap();
    assert_eq!((stops, t5, t5_maa), (380_219, 93.25, 89.85));
    assert_eq!((start.as_str(), end.as_str()), ("2025-03-02", "2025-03-31"));
    let priors_source: String = sqlx::query_scalar(
        "SELECT source FROM operator_priors WHERE series = 'Avanti West Coast' AND period = 0",
    )
    .fetch_one(&app.db().read)
    .await
    .unwrap();
    assert_eq!(priors_source, "orr_3138");

    // Second run: nothing changes, and the summaries say so.
    let before = snapshot(app.db()).await;
    let second = import::bootstrap(app.db(), &data, false).await.unwrap();
    assert_eq!(second.imported.len(), 5);
    assert_eq!(second.not_imported, done.not_imported);
    assert!(
        second
            .to_string()
            .contains("\nno changes: every file was already imported\n"),
        "{second}"
    );
    for s in &second.imported {
        assert!(!s.changed(), "{s}");
        assert!(s.to_string().contains("no changes"), "{s}");
    }
    assert_eq!(snapshot(app.db()).await, before);
}

/// Every figure of every prior (all columns but the source label), as text.
async fn prior_figures(db: &Db) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT series || ',' || period || ',' || quote(early) || ',' || quote(on_time) || ',' || \
         quote(t3) || ',' || quote(t5) || ',' || quote(t10) || ',' || quote(t15) || ',' || \
         quote(t20) || ',' || quote(t30) || ',' || quote(stops) || ',' || years || ',' || \
         data_through FROM operator_priors ORDER BY series, period",
    )
    .fetch_all(&db.read)
    .await
    .unwrap()
}

#[tokio::test]
async fn starter_priors_equal_what_the_real_file_derives() {
    // The cited starter table must be exactly what importing ORR 3138 derives: importing it
    // over a fresh database changes no prior's figures, only their source label.
    let app = TestApp::spawn().await;
    let starter = prior_figures(app.db()).await;
    assert!(starter.len() > 300, "{} starter priors", starter.len());
    let path = shared_data().join(
        "orr/table-3138-train-punctuality-at-recorded-station-stops-by-operator-periodic.csv",
    );
    import::import(app.db(), ImportKind::Orr3138, &path)
        .await
        .unwrap();
    let derived = prior_figures(app.db()).await;
    assert_eq!(starter, derived);
}

/// Writes a copy of a real file with line `n` (1-based) replaced, or cut off after it.
fn corrupted(
    dir: &Path,
    src: &Path,
    name: &str,
    edit: impl Fn(usize, &str) -> Option<String>,
) -> std::path::PathBuf {
    let bytes = std::fs::read(src).unwrap();
    // Windows-1252 files are edited as Latin-1 so every byte survives the round trip.
    let text: String = bytes.iter().map(|&b| b as char).collect();
    let mut out = String::new();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        match edit(i + 1, line) {
            Some(replacement) => out.push_str(&replacement),
            None => break,
        }
    }
    let path = dir.join(name);
    std::fs::write(&path, out.chars().map(|c| c as u8).collect::<Vec<u8>>()).unwrap();
    path
}

async fn assert_rejected(app: &TestApp, kind: ImportKind, path: &Path, line: u64) {
    let before = snapshot(app.db()).await;
    let err = import::import(app.db(), kind, path)
        .await
        .expect_err("a bad file is rejected");
    let message = err.to_string();
    assert!(
        message.contains(&path.display().to_string()),
        "names the file: {message}"
    );
    assert!(
        message.contains(&format!("line {line}")),
        "names line {line}: {message}"
    );
    assert_eq!(
        snapshot(app.db()).await,
        before,
        "the database is exactly as before"
    );
}

#[tokio::test]
async fn bad_files_import_nothing_and_name_file_and_line() {
    let app = TestApp::spawn().await;
    let data = shared_data();
    let tmp = tempfile::tempdir().unwrap();
    let orr3138 = data.join(
        "orr/table-3138-train-punctuality-at-recorded-station-stops-by-operator-periodic.csv",
    );
    let naptan = data.join("naptan/RailReferences.csv");
    let orr1410 = data.join("orr/table-1410-station-entries-exits-2022-23.csv");

    // Wrong header.
    let p = corrupted(tmp.path(), &orr3138, "wrong-header.csv", |i, l| {
        Some(if i == 1 {
            l.replace("\"Time to 5\"", "\"Time to 6\"")
        } else {
            l.to_owned()
        })
    });
    assert_rejected(&app, ImportKind::Orr3138, &p, 1).await;
    // A bad number deep in the file, after many good rows.
    let p = corrupted(tmp.path(), &orr3138, "bad-number.csv", |i, l| {
        Some(if i == 2000 {
            l.replacen("\",\"", "\",\"x", 3)
        } else {
            l.to_owned()
        })
    });
    assert_rejected(&app, ImportKind::Orr3138, &p, 2000).await;
    // A cut-off last line.
    let p = corrupted(tmp.path(), &orr3138, "cut-off.csv", |i, l| match i {
        3000 => Some(l[..l.len() / 2].to_owned()),
        i if i > 3000 => None,
        _ => Some(l.to_owned()),
    });
    assert_rejected(&app, ImportKind::Orr3138, &p, 3000).await;

    let p = corrupted(tmp.path(), &naptan, "RailReferences-bad.csv", |i, l| {
        Some(if i == 1500 {
            l.replace(",\"U\",", ",\"U\",east")
        } else {
            l.to_owned()
        })
    });
    assert_rejected(&app, ImportKind::Naptan, &p, 1500).await;
    let p = corrupted(
        tmp.path(),
        &naptan,
        "RailReferences-cut.csv",
        |i, l| match i {
            1200 => Some(l[..40].to_owned()),
            i if i > 1200 => None,
            _ => Some(l.to_owned()),
        },
    );
    assert_rejected(&app, ImportKind::Naptan, &p, 1200).await;

    let p = corrupted(tmp.path(), &orr1410, "table-1410-cut.csv", |i, l| match i {
        1000 => Some(l[..l.len() / 3].to_owned()),
        i if i > 1000 => None,
        _ => Some(l.to_owned()),
    });
    assert_rejected(&app, ImportKind::Orr1410, &p, 1000).await;
}

#[tokio::test]
async fn the_cli_exits_non_zero_naming_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("table-3138-bad.csv");
    let src = shared_data().join(
        "orr/table-3138-train-punctuality-at-recorded-station-stops-by-operator-periodic.csv",
    );
    let text = std::fs::read_to_string(src).unwrap();
    let cut: String = text
        .lines()
        .take(10)
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        + "\"Apr 2014 to Mar 2015 (Period 11)\",\"Great Britain\",\"51";
    std::fs::write(&bad, cut).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_railfair"))
        .args(["import", "orr-3138"])
        .arg(&bad)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", tmp.path().join("cli.db").display()),
        )
        .env("RAILFAIR_DATA_DIR", "")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&bad.display().to_string()) && stderr.contains("line 11"),
        "{stderr}"
    );
}

#[tokio::test]
async fn cli_bootstrap_prints_one_summary_and_every_file_it_left_out_with_why() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    for dir in ["cif-sample", "hsp-format", "orr", "deep/er/still/further"] {
        std::fs::create_dir_all(data.join(dir)).unwrap();
    }
    let shared = shared_data();
    for file in [
        "cif-sample/sample.cif",
        "hsp-format/serviceMetrics_example.json",
        "README.md",
    ] {
        std::fs::copy(shared.join(file), data.join(file)).unwrap();
    }
    std::fs::write(data.join("orr/table-9999-something-else.csv"), "a,b\n1,2\n").unwrap();
    std::fs::write(data.join("notes.xlsx"), "x").unwrap();
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_railfair"))
            .arg("bootstrap")
            .arg(&data)
            .env(
                "DATABASE_URL",
                format!("sqlite://{}", tmp.path().join("cli.db").display()),
            )
            .env("RAILFAIR_DATA_DIR", "")
            .env("RUST_LOG", "info")
            .env("LOG_FORMAT", "pretty")
            .output()
            .unwrap()
    };
    let out = run();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // The summary once, on stdout; the log says only that the import started.
    let cif = data.join("cif-sample/sample.cif").display().to_string();
    let summary = format!("  cif {cif}: ");
    assert_eq!(stdout.matches(&summary).count(), 1, "{stdout}");
    assert!(stdout.contains("timetable_schedules: "), "{stdout}");
    assert!(!stderr.contains("records read"), "{stderr}");
    assert!(stderr.contains("import started"), "{stderr}");
    let expected = format!(
        "not imported:\n  {}: not a data file (documentation)\n  \
         {}: directory more than 3 levels down: not searched\n  \
         {}: format fixture: HSP JSON is imported only from a directory called hsp/, and JSON \
         anywhere else (such as hsp-format/) is taken as an example of the format, not \
         observations\n  \
         {}: no importer yet for this kind of file\n  \
         {}: no importer yet for ORR table 9999 (ORR tables imported: 1410, 3138, 3184)\n",
        data.join("README.md").display(),
        data.join("deep/er/still/further").display(),
        data.join("hsp-format/serviceMetrics_example.json")
            .display(),
        data.join("notes.xlsx").display(),
        data.join("orr/table-9999-something-else.csv").display(),
    );
    assert!(stdout.ends_with(&expected), "{stdout}");
    // A second run changes nothing and says so, once.
    let again = run();
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(again.status.success());
    assert_eq!(
        stdout
            .matches("no changes: every file was already imported")
            .count(),
        1,
        "{stdout}"
    );
    assert_eq!(
        stdout
            .matches("no changes (everything already up to date)")
            .count(),
        1
    );
}

#[tokio::test]
async fn hsp_runs_become_observations_and_rollups_in_one_go() {
    let app = TestApp::spawn().await;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hsp");
    let summary = import::import(app.db(), ImportKind::Hsp, &dir)
        .await
        .unwrap();
    assert_eq!(summary.records, 3, "{summary}");
    assert_eq!(summary.tables[0].1.inserted, 3, "{summary}");

    // The overnight Friday service: departs 23:00 on the 17th, arrives 07:22 on the 18th for
    // 07:10 — 12 minutes late, dated by its departure.
    let (date, arr, delay, cancelled): (String, String, Option<i64>, bool) = sqlx::query_as(
        "SELECT service_date, sched_arr, arrival_delay_min, cancelled FROM service_observations \
         WHERE service_key = '202501177100001'",
    )
    .fetch_one(&app.db().read)
    .await
    .unwrap();
    assert_eq!(
        (date.as_str(), arr.as_str(), delay, cancelled),
        ("2025-01-17", "2025-01-18T07:10:00", Some(12), false)
    );

    // Rollup: one row per route-day-hour; the Saturday run was cancelled, Monday's 2 min early.
    type RollupRow = (String, i64, String, i64, i64, i64, i64, i64);
    let rows: Vec<RollupRow> = sqlx::query_as(
        "SELECT day, hour, day_type, n, lt5, lt15, cancelled, sum_delay FROM route_delay_rollup \
         WHERE origin = 'KGX' AND destination = 'EDB' AND toc = 'GR' ORDER BY day",
    )
    .fetch_all(&app.db().read)
    .await
    .unwrap();
    assert_eq!(
        rows,
        [
            (
                "2025-01-17".to_owned(),
                23,
                "weekday".to_owned(),
                1,
                0,
                1,
                0,
                12
            ),
            (
                "2025-01-18".to_owned(),
                23,
                "saturday".to_owned(),
                0,
                0,
                0,
                1,
                0
            ),
            (
                "2025-01-20".to_owned(),
                9,
                "weekday".to_owned(),
                1,
                1,
                1,
                0,
                -2
            ),
        ]
    );
    let kgx_edb = railfair::domain::Route::parse_fields("KGX", "EDB", &mut Vec::new()).unwrap();
    let counts = railfair::store::observations::route_rollup(
        app.db(),
        kgx_edb,
        "GR",
        time::macros::date!(2025 - 01 - 01),
    )
    .await
    .unwrap();
    assert_eq!(counts.iter().map(|c| c.n).sum::<i64>(), 2);
    assert!(counts.iter().all(|c| !c.synthetic));

    let before = snapshot(app.db()).await;
    let again = import::import(app.db(), ImportKind::Hsp, &dir)
        .await
        .unwrap();
    assert!(!again.changed(), "{again}");
    assert_eq!(snapshot(app.db()).await, before);
}

#[tokio::test]
async fn a_fares_feed_replaces_the_sample_set_and_a_second_import_changes_nothing() {
    let app = TestApp::spawn().await;
    let sample = app
        .scalar_i64("SELECT COUNT(*) FROM fares WHERE source = 'sample'")
        .await;
    assert!(sample > 300, "{sample} sample fares loaded at startup");

    let feed = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fares");
    let first = import::import(app.db(), ImportKind::Fares, &feed)
        .await
        .unwrap();
    assert!(first.changed(), "{first}");
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM fares WHERE source = 'sample'")
            .await,
        0
    );
    // RF 1444→2968 flow 0100001, ticket SOS at 20150 pence, reversible, valid 2025-01-01 on.
    let (price, direction, from, until): (i64, String, String, String) = sqlx::query_as(
        "SELECT price_pence, direction, valid_from, valid_until FROM fares \
         WHERE flow_id = '0100001' AND ticket_code = 'SOS'",
    )
    .fetch_one(&app.db().read)
    .await
    .unwrap();
    assert_eq!(
        (price, direction.as_str(), from.as_str(), until.as_str()),
        (20150, "R", "2025-01-01", "2999-12-31")
    );

    let before = snapshot(app.db()).await;
    let again = import::import(app.db(), ImportKind::Fares, &feed)
        .await
        .unwrap();
    assert!(!again.changed(), "{again}");
    assert_eq!(snapshot(app.db()).await, before);

    // The service now says the fares are real feed fares, and the expired and future flows of
    // the fixture do not apply.
    let body = r#"{"origin":"EUS","destination":"MAN","departure_date":"DATE","departure_time":"11:00","include_fares":true}"#
        .replace("DATE", &next_weekday().to_string());
    let r = app
        .request(
            axum::http::Method::POST,
            "/api/predict",
            Some(("application/json", &body)),
        )
        .await;
    let fares = &r.json["fares"];
    assert_eq!(fares["meta"]["data_source"], "rdg_fares_feed", "{}", r.text);
    assert_eq!(fares["meta"]["is_sample"], false);
    assert_eq!(fares["anytime"], 201.5, "{}", r.text);
    assert!(
        fares["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["price"] != 195.0),
        "the 2024 flow has expired: {}",
        r.text
    );
}

fn next_weekday() -> time::Date {
    let mut day = time::OffsetDateTime::now_utc().date() + time::Duration::days(3);
    while matches!(
        day.weekday(),
        time::Weekday::Saturday | time::Weekday::Sunday
    ) || !crate::helpers::ordinary(day)
    {
        day += time::Duration::days(1);
    }
    day
}

#[tokio::test]
async fn a_bad_fares_file_imports_nothing_and_names_file_and_line() {
    let app = TestApp::spawn().await;
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fares");
    let tmp = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, tmp.path().join(path.file_name().unwrap())).unwrap();
    }
    let ffl = tmp.path().join("RJFAF499.FFL");
    let text = std::fs::read_to_string(&ffl).unwrap();
    let bad = text.replacen("RT0100001SOS00020150", "RT0100001SOS0002X150", 1);
    assert_ne!(bad, text);
    std::fs::write(&ffl, bad).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("RT0100001SOS"))
        .unwrap() as u64
        + 1;
    let before = snapshot(app.db()).await;
    let err = import::import(app.db(), ImportKind::Fares, tmp.path())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("RJFAF499.FFL") && err.contains(&format!("line {line}")),
        "{err}"
    );
    assert_eq!(
        snapshot(app.db()).await,
        before,
        "the database is exactly as before"
    );
}

fn cif_sample(name: &str) -> std::path::PathBuf {
    shared_data().join("cif-sample").join(name)
}

#[tokio::test]
async fn cif_imports_the_shared_samples_exactly_and_a_second_run_changes_nothing() {
    use railfair::domain::stp::Stp;
    use railfair::store::timetable;
    use time::macros::date;

    let app = TestApp::spawn().await;
    // NaPTAN first: TIPLOCs map to CRS codes through its station TIPLOCs.
    import::import(
        app.db(),
        ImportKind::Naptan,
        &shared_data().join("naptan/RailReferences.csv"),
    )
    .await
    .unwrap();
    let larger = cif_sample("sample-larger.cif");
    let first = import::import(app.db(), ImportKind::Cif, &larger)
        .await
        .unwrap();
    // The expected counts are taken from the file itself, independently of the parser: 113 BS
    // records, of which 14 are deletes (of schedules this database never held) and the rest
    // distinct schedules; every LO/LI/LT record is a call.
    let text = std::fs::read_to_string(&larger).unwrap();
    let bs: Vec<&str> = text.lines().filter(|l| l.starts_with("BS")).collect();
    assert_eq!(bs.len(), 113);
    let deletes = bs.iter().filter(|l| l.as_bytes()[2] == b'D').count() as u64;
    assert_eq!(deletes, 14);
    let mut keys: Vec<(&str, &str, &str)> = bs
        .iter()
        .filter(|l| l.as_bytes()[2] != b'D')
        .map(|l| (&l[3..9], &l[9..15], &l[79..80]))
        .collect();
    keys.sort();
    keys.dedup();
    let table = |name: &str| {
        first
            .tables
            .iter()
            .find(|(t, _)| *t == name)
            .map(|(_, c)| *c)
            .unwrap()
    };
    assert_eq!(table("timetable_schedules").inserted, keys.len() as u64);
    let locations = text
        .lines()
        .filter(|l| l.starts_with("LO") || l.starts_with("LI") || l.starts_with("LT"))
        .count() as u64;
    assert_eq!(table("timetable_calls").inserted, locations);
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM timetable_schedules")
            .await,
        keys.len() as i64
    );
    assert_eq!(first.records, 2944);
    assert_eq!(first.data_through, Some(date!(2021 - 06 - 28)));
    let said = first.to_string();
    assert!(
        said.contains(&format!(
            "{deletes} delete transactions for schedules not held"
        )),
        "{said}"
    );
    assert!(
        said.contains("62 AA association records not imported"),
        "{said}"
    );
    assert!(
        said.contains("12 CR change-en-route records not imported"),
        "{said}"
    );

    // Pinned from the file:
    // BSRC862712007062007101111100 PXX1E671280122180012 DMUV   125      B A          O
    // BX         XCY / LOPLYMTH  1627 16277 ... LIBRSTLTM 1825 1835      182518355 ...
    // LIBHAMNWS 1956 2003      195620039 ... LTLEEDS   2202 220215    TF  (82 locations)
    let row: (
        String,
        String,
        String,
        String,
        String,
        String,
        Option<String>,
    ) = sqlx::query_as(
        "SELECT runs_to, days_run, stp, category, identity, operator, bank_holiday \
         FROM timetable_schedules WHERE uid = 'C86271' AND runs_from = '2020-07-06'",
    )
    .fetch_one(&app.db().read)
    .await
    .unwrap();
    assert_eq!(
        row,
        (
            "2020-07-10".into(),
            "1111100".into(),
            "O".into(),
            "XX".into(),
            "1E67".into(),
            "XC".into(),
            None
        )
    );
    // BSRN138162006292007031111100 1XX9M18... N, BX TP: Newcastle 08:43 to Liverpool 12:02.
    let (days, stp, operator): (String, String, String) = sqlx::query_as(
        "SELECT days_run, stp, operator FROM timetable_schedules WHERE uid = 'N13816'",
    )
    .fetch_one(&app.db().read)
    .await
    .unwrap();
    assert_eq!(
        (days.as_str(), stp.as_str(), operator.as_str()),
        ("1111100", "N", "TP")
    );

    // Through the reader: the overlay runs on Monday 6 July 2020, with its calls and CRS codes.
    let monday = timetable::services_on(app.db(), date!(2020 - 07 - 06), None)
        .await
        .unwrap();
    let xc = monday
        .iter()
        .find(|s| s.uid == "C86271")
        .expect("C86271 runs");
    assert_eq!((xc.stp, xc.operator.as_deref()), (Stp::Overlay, Some("XC")));
    assert_eq!(xc.calls.len(), 82);
    let public = xc
        .calls
        .iter()
        .filter(|c| c.public_arrival.is_some() || c.public_departure.is_some())
        .count();
    assert_eq!(public, 15);
    let hms = |h: i64, m: i64| Some(h * 3600 + m * 60);
    let first_call = &xc.calls[0];
    assert_eq!(
        (first_call.tiploc.as_str(), first_call.crs.as_deref()),
        ("PLYMTH", Some("PLY"))
    );
    assert_eq!(first_call.public_departure, hms(16, 27));
    assert_eq!(first_call.platform.as_deref(), Some("7"));
    let bri = xc.calls.iter().find(|c| c.tiploc == "BRSTLTM").unwrap();
    assert_eq!(bri.crs.as_deref(), Some("BRI"));
    assert_eq!(
        (
            bri.public_arrival,
            bri.public_departure,
            bri.platform.as_deref()
        ),
        (hms(18, 25), hms(18, 35), Some("5"))
    );
    let last = xc.calls.last().unwrap();
    assert_eq!(
        (last.kind.as_str(), last.crs.as_deref(), last.public_arrival),
        ("LT", Some("LDS"), hms(22, 2))
    );
    // Not on the Saturday: the overlay runs Monday to Friday and no permanent schedule is held.
    let saturday = timetable::services_on(app.db(), date!(2020 - 07 - 11), None)
        .await
        .unwrap();
    assert!(saturday.iter().all(|s| s.uid != "C86271"));

    // Second run: nothing changes, and the summary says so.
    let before = snapshot(app.db()).await;
    let second = import::import(app.db(), ImportKind::Cif, &larger)
        .await
        .unwrap();
    assert!(!second.changed(), "{second}");
    assert!(second.to_string().contains("no changes"), "{second}");
    assert_eq!(snapshot(app.db()).await, before);
}

#[tokio::test]
async fn cif_stp_cancellation_stops_the_permanent_schedule_on_its_days_only() {
    use railfair::store::timetable;
    use time::macros::date;

    let app = TestApp::spawn().await;
    // sample.cif: C00046 P runs Sundays 2020-05-17..2020-12-06; a C cancels it on Sundays
    // 2020-05-17..2020-06-21.
    let summary = import::import(app.db(), ImportKind::Cif, &cif_sample("sample.cif"))
        .await
        .unwrap();
    assert_eq!(summary.tables[0].1.inserted, 3, "{summary}");
    let runs =
        |services: &[timetable::TimetableService]| services.iter().any(|s| s.uid == "C00046");
    let cancelled_sunday = timetable::services_on(app.db(), date!(2020 - 06 - 21), None)
        .await
        .unwrap();
    assert!(!runs(&cancelled_sunday));
    let next_sunday = timetable::services_on(app.db(), date!(2020 - 06 - 28), None)
        .await
        .unwrap();
    assert!(runs(&next_sunday));
    let c00046 = next_sunday.iter().find(|s| s.uid == "C00046").unwrap();
    assert_eq!(c00046.calls.len(), 4);
    assert_eq!(c00046.operator.as_deref(), Some("NT"));
    assert_eq!(c00046.calls[0].departure, Some(9 * 3600 + 44 * 60));
    let monday = timetable::services_on(app.db(), date!(2020 - 06 - 29), None)
        .await
        .unwrap();
    assert!(!runs(&monday), "C00046 runs on Sundays only");

    let sources = app.sources().await;
    let cif = sources.json["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "cif")
        .unwrap()
        .clone();
    assert_eq!(cif["status"], "imported");
    assert_eq!(cif["records"], 21);
    assert_eq!(cif["data_through"], "2021-06-19");
}

#[tokio::test]
async fn a_bad_cif_file_imports_nothing_and_names_file_and_line() {
    let app = TestApp::spawn().await;
    import::import(app.db(), ImportKind::Cif, &cif_sample("sample.cif"))
        .await
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let larger = cif_sample("sample-larger.cif");

    // A record cut short.
    let p = corrupted(tmp.path(), &larger, "short.cif", |i, l| {
        Some(if i == 500 {
            format!("{}\n", &l[..60])
        } else {
            l.to_owned()
        })
    });
    assert_rejected(&app, ImportKind::Cif, &p, 500).await;

    // A time that is not one: Bristol Temple Meads 18:75.
    let p = corrupted(tmp.path(), &larger, "bad-time.cif", |i, l| {
        Some(if i == 1223 {
            l.replacen("1825", "1875", 1)
        } else {
            l.to_owned()
        })
    });
    assert_rejected(&app, ImportKind::Cif, &p, 1223).await;

    // A date that is not one: runs from 2020-07-32.
    let p = corrupted(tmp.path(), &larger, "bad-date.cif", |i, l| {
        Some(if i == 1196 {
            l.replacen("200706", "200732", 1)
        } else {
            l.to_owned()
        })
    });
    assert_rejected(&app, ImportKind::Cif, &p, 1196).await;

    // The file cut off mid-schedule: no ZZ trailer.
    let p = corrupted(tmp.path(), &larger, "cut.cif", |i, l| {
        (i <= 1500).then(|| l.to_owned())
    });
    assert_rejected(&app, ImportKind::Cif, &p, 1500).await;

    // In a directory with a good file, the bad one still stops the whole import.
    let dir = tmp.path().join("set");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(&larger, dir.join("a-good.cif")).unwrap();
    std::fs::copy(tmp.path().join("bad-time.cif"), dir.join("b-bad.cif")).unwrap();
    let before = snapshot(app.db()).await;
    let err = import::import(app.db(), ImportKind::Cif, &dir)
        .await
        .expect_err("a bad file in the set is rejected");
    assert!(err.to_string().contains("b-bad.cif, line 1223"), "{err}");
    assert_eq!(snapshot(app.db()).await, before);
}
