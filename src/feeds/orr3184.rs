//! Parses ORR Table 3184 (delay minutes by operator and cause, per rail period): one row per
//! operator and period, fifteen cause columns split by who is responsible (Network Rail, the
//! operator itself, other operators). Pure: never touches the database or the network.

use csv::StringRecord;

use crate::domain::rail_period::RailPeriod;
use crate::feeds::{LineError, parse_periodic};

/// The fifteen cause columns of table 3184, in file order, exactly as ORR names them.
pub const CAUSES: [&str; 15] = [
    "NR on TOC External",
    "NR on TOC Network Management Other",
    "NR on TOC Non Track Assets",
    "NR on TOC Severe Weather",
    "NR on TOC Track",
    "TOC on Self Fleet",
    "TOC on Self Operations",
    "TOC on Self Stations",
    "TOC on Self TOC Other",
    "TOC on Self Traincrew",
    "TOC on TOC Fleet",
    "TOC on TOC Operations",
    "TOC on TOC Stations",
    "TOC on TOC TOC Other",
    "TOC on TOC Traincrew",
];

const COL_PERIOD: &str = "time period";
const COL_OPERATOR: &str = "train operating company name";

/// One row of table 3184: an operator's delay minutes in one rail period, by cause.
#[derive(Debug, Clone, PartialEq)]
pub struct DelayCauseRow {
    /// The ORR operator name exactly (the same names as table 3138's series).
    pub series: String,
    /// The rail period the minutes fall in.
    pub period: RailPeriod,
    /// Delay minutes per cause, in the order of [`CAUSES`]; `None` for ORR's `[x]`/`[z]`.
    pub minutes: [Option<f64>; 15],
}

/// Parses table 3184 (quoted CSV, one header line) into one row per operator and period, in
/// file order. Any bad line fails the whole file, naming the line.
pub fn parse(input: impl std::io::Read) -> Result<Vec<DelayCauseRow>, LineError> {
    let header: Vec<&str> = [COL_PERIOD, COL_OPERATOR]
        .into_iter()
        .chain(CAUSES)
        .collect();
    parse_periodic(input, &header, parse_row, |row| (&row.series, row.period))
}

fn parse_row(record: &StringRecord) -> Result<DelayCauseRow, String> {
    let cell = |index: usize| record.get(index).unwrap_or("").trim();
    let label = cell(0);
    let period = RailPeriod::from_orr_label(label)
        .ok_or_else(|| format!("column {COL_PERIOD:?}: unparsable rail period label {label:?}"))?;
    let series = cell(1);
    if series.is_empty() {
        return Err(format!("column {COL_OPERATOR:?}: empty"));
    }
    let mut minutes = [None; 15];
    for (k, slot) in minutes.iter_mut().enumerate() {
        let text = cell(2 + k);
        *slot = match text {
            "[x]" | "[z]" => None,
            _ => {
                let value: f64 = text.parse().map_err(|_| {
                    format!(
                        "column {:?}: {text:?} is not a number of minutes",
                        CAUSES[k]
                    )
                })?;
                if !value.is_finite() || value < 0.0 {
                    return Err(format!(
                        "column {:?}: {text:?} is not a number of minutes (negative or not finite)",
                        CAUSES[k]
                    ));
                }
                Some(value)
            }
        };
    }
    Ok(DelayCauseRow {
        series: series.to_owned(),
        period,
        minutes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "\"time period\",\"train operating company name\",\"NR on TOC External\",\"NR on TOC Network Management Other\",\"NR on TOC Non Track Assets\",\"NR on TOC Severe Weather\",\"NR on TOC Track\",\"TOC on Self Fleet\",\"TOC on Self Operations\",\"TOC on Self Stations\",\"TOC on Self TOC Other\",\"TOC on Self Traincrew\",\"TOC on TOC Fleet\",\"TOC on TOC Operations\",\"TOC on TOC Stations\",\"TOC on TOC TOC Other\",\"TOC on TOC Traincrew\"\n";
    const ROW: &str = "\"Apr 2019 to Mar 2020 (Period 01)\",\"Avanti West Coast\",\"6458.5\",\"9379.7\",\"4894.3\",\"432.0\",\"5191.0\",\"4384.5\",\"141.5\",\"892.5\",\"1434.0\",\"386.5\",\"3594.9\",\"348.0\",\"363.5\",\"865.0\",\"714.0\"\n";

    #[test]
    fn a_published_row_parses_to_its_minutes() {
        let rows = parse(format!("{HEADER}{ROW}").as_bytes()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].series, "Avanti West Coast");
        assert_eq!(rows[0].period.label(), "2019-20 P01");
        assert_eq!(rows[0].minutes[0], Some(6458.5));
        assert_eq!(rows[0].minutes[14], Some(714.0));
    }

    #[test]
    fn bad_lines_are_named() {
        let bad = ROW.replace("\"9379.7\"", "\"lots\"");
        let e = parse(format!("{HEADER}{ROW}{bad}").as_bytes()).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(
            e.message.contains("NR on TOC Network Management Other"),
            "{}",
            e.message
        );
        let e = parse(format!("{HEADER}{ROW}{ROW}").as_bytes()).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("duplicate"), "{}", e.message);
        let cut = &ROW[..ROW.len() - 20];
        let e = parse(format!("{HEADER}{cut}\n").as_bytes()).unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse(HEADER.replace("Track", "Rails").as_bytes()).unwrap_err();
        assert_eq!(e.line, 1);
        let negative = ROW.replace("\"432.0\"", "\"-4\"");
        assert_eq!(
            parse(format!("{HEADER}{negative}").as_bytes())
                .unwrap_err()
                .line,
            2
        );
    }
}
