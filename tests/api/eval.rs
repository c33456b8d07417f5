//! `railfair eval`: the rolling-origin backtest on the real ORR 3138 file passes its gate, and
//! `--json` carries the same figures as the table.

use crate::helpers::shared_data;

fn orr_3138() -> std::path::PathBuf {
    shared_data()
        .join("orr/table-3138-train-punctuality-at-recorded-station-stops-by-operator-periodic.csv")
}

#[test]
fn eval_passes_the_gate_on_the_real_orr_file_and_json_matches_the_table() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_railfair"))
        .args(["eval", "--json", "--punctuality"])
        .arg(orr_3138())
        .env("RAILFAIR_DATA_DIR", "")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["failures"], serde_json::json!([]), "{report}");
    let rows = report["rows"].as_array().unwrap();
    let labels: Vec<&str> = rows.iter().map(|r| r["label"].as_str().unwrap()).collect();
    for expected in [
        "2016-17",
        "2020-21",
        "2021-22",
        "2024-25",
        "all years",
        "latest 13 periods",
    ] {
        assert!(labels.contains(&expected), "{labels:?}");
    }
    // The gate, checked here from the figures themselves rather than the report's verdict.
    for row in rows.iter().filter(|r| r["gated"] == true) {
        let methods = row["methods"].as_array().unwrap();
        let score = |m: usize, key: &str| methods[m][key].as_f64().unwrap();
        for baseline in [1, 2] {
            assert!(score(0, "rps") < score(baseline, "rps"), "{row}");
            assert!(
                score(0, "mae_p5_pp") < score(baseline, "mae_p5_pp"),
                "{row}"
            );
        }
    }
    let gated: Vec<&str> = rows
        .iter()
        .filter(|r| r["gated"] == true)
        .map(|r| r["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        gated,
        [
            "2021-22",
            "2022-23",
            "2023-24",
            "2024-25",
            "latest 13 periods"
        ]
    );
    let all = rows.iter().find(|r| r["label"] == "all years").unwrap();
    let methods = all["methods"].as_array().unwrap();
    assert_eq!(methods[3]["method"], "damped Holt-Winters (ref)");
    assert!(
        methods[0]["rps"].as_f64() <= methods[3]["rps"].as_f64(),
        "{all}"
    );
    assert_eq!(report["calibration"].as_array().unwrap().len(), 10);

    // The table, with `--holdout-from` (the earlier interface, kept): one more gated row over
    // the periods from there on, and the same figures otherwise.
    let table = std::process::Command::new(env!("CARGO_BIN_EXE_railfair"))
        .args(["eval", "--holdout-from", "2024-25 P01", "--punctuality"])
        .arg(orr_3138())
        .output()
        .unwrap();
    assert!(table.status.success());
    let text = String::from_utf8_lossy(&table.stdout);
    // The same all-years figures, as the table prints them (RPS x 1000 / MAE in pp).
    let model_all = format!(
        "{:.4} / {:.3}",
        1000.0 * methods[0]["rps"].as_f64().unwrap(),
        methods[0]["mae_p5_pp"].as_f64().unwrap()
    );
    let line = text
        .lines()
        .find(|l| l.starts_with("all years"))
        .unwrap_or_default();
    assert!(line.contains(&model_all), "{line}\n{text}");
    let held = text
        .lines()
        .find(|l| l.starts_with("from 2024-25 P01"))
        .unwrap_or_default();
    let latest = text
        .lines()
        .find(|l| l.starts_with("latest 13 periods"))
        .unwrap_or_default();
    // 2024-25 is the latest rail year in the data: the held-out row is the latest 13 periods.
    // Labels are padded to 20 characters; the cases and scores follow.
    assert!(held.len() > 20 && latest.len() > 20, "{text}");
    assert_eq!(held[20..], latest[20..], "{text}");
    assert!(text.contains("Calibration of the model"), "{text}");
    assert!(text.contains("gate passed"), "{text}");
}

#[test]
fn eval_names_a_missing_file() {
    let bad_period = std::process::Command::new(env!("CARGO_BIN_EXE_railfair"))
        .args(["eval", "--holdout-from", "2024 P1", "--punctuality"])
        .arg(orr_3138())
        .output()
        .unwrap();
    assert!(!bad_period.status.success());
    assert!(String::from_utf8_lossy(&bad_period.stderr).contains("--holdout-from"));

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_railfair"))
        .args(["eval", "--punctuality", "no-such-file.csv"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-file.csv"));
}
