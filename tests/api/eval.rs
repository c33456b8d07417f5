//! `railfair eval`: the backtest on the real ORR 3138 file beats both baselines on both scores.

use crate::helpers::shared_data;

#[test]
fn eval_beats_both_baselines_from_2024_25_p01() {
    let file = shared_data().join(
        "orr/table-3138-train-punctuality-at-recorded-station-stops-by-operator-periodic.csv",
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_railfair"))
        .args(["eval", "--holdout-from", "2024-25 P01", "--punctuality"])
        .arg(&file)
        .env("RAILFAIR_DATA_DIR", "")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for method in [
        "model",
        "latest MAA, no seasonality",
        "same period last year",
    ] {
        assert!(stdout.contains(method), "table lists {method}: {stdout}");
    }
    assert!(stdout.contains("312 operator-periods scored"), "{stdout}");

    let json = std::process::Command::new(env!("CARGO_BIN_EXE_railfair"))
        .args([
            "eval",
            "--json",
            "--holdout-from",
            "2024-25 P01",
            "--punctuality",
        ])
        .arg(&file)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let methods = report["methods"].as_array().unwrap();
    let (model, rest) = methods.split_first().unwrap();
    for baseline in rest {
        assert!(model["rps"].as_f64() < baseline["rps"].as_f64(), "{report}");
        assert!(
            model["mae_p5_pp"].as_f64() < baseline["mae_p5_pp"].as_f64(),
            "{report}"
        );
    }
}

#[test]
fn eval_rejects_a_malformed_holdout_period() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_railfair"))
        .args([
            "eval",
            "--holdout-from",
            "2024 P1",
            "--punctuality",
            "x.csv",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--holdout-from"));
}
