//! Parses ORR table 3138 (train punctuality at recorded station stops, by operator, per rail
//! period) into rows, and reads the committed starter priors CSV. Pure functions over text the
//! caller supplies; never touches the database or the network. The priors derived from the rows
//! are the model's arithmetic (`model::priors`), not this parser's.

use csv::{ReaderBuilder, StringRecord};
use time::Date;
use time::macros::format_description;

use crate::domain::punctuality::{PriorRow, PunctualityRow, Shares};
use crate::domain::rail_period::RailPeriod;
use crate::feeds::{LineError, parse_periodic, read_record};

/// The 26 column names of table 3138, in order (note ORR's "On time" vs "On Time" in the MAA block).
const HEADER: [&str; 26] = [
    "Time Period",
    "Operator",
    "Number of recorded station stops",
    "Early",
    "On Time within 59 seconds",
    "Time to 3",
    "Time to 5",
    "Time to 10",
    "Time to 15",
    "Time to 20",
    "Time to 30",
    "15 minutes plus",
    "20 minutes plus",
    "30 minutes plus",
    "MAT Number of recorded station stops",
    "Early MAA",
    "On time within 59 seconds MAA",
    "Time to 3 MAA",
    "Time to 5 MAA",
    "Time to 10 MAA",
    "Time to 15 MAA",
    "Time to 20 MAA",
    "Time to 30 MAA",
    "15 minutes plus MAA",
    "20 minutes plus MAA",
    "30 minutes plus MAA",
];

const COL_PERIOD: usize = 0;
const COL_OPERATOR: usize = 1;
const COL_STOPS: usize = 2;
const COL_RAW: usize = 3;
const COL_RAW_PLUS: usize = 11;
const COL_MAT_STOPS: usize = 14;
const COL_MAA: usize = 15;
const COL_MAA_PLUS: usize = 23;

/// Rounding slack between cumulative shares, which ORR rounds independently to 2 decimals.
const ORDER_SLACK: f64 = 0.01;
/// "N minutes plus" and "Time to N" are each rounded, so their sum may miss 100 by 0.01.
const COMPLEMENT_SLACK: f64 = 0.02;

/// Parses table 3138 (quoted CSV, one header line) into one row per series and period, in file order.
pub fn parse(input: impl std::io::Read) -> Result<Vec<PunctualityRow>, LineError> {
    parse_periodic(input, &HEADER, parse_row, |row| (&row.series, row.period))
}

fn parse_row(record: &StringRecord) -> Result<PunctualityRow, String> {
    let cell = |index: usize| record.get(index).unwrap_or("").trim();
    let label = cell(COL_PERIOD);
    let period = RailPeriod::from_orr_label(label).ok_or_else(|| {
        format!(
            "column {:?}: unparsable rail period label {label:?}",
            HEADER[COL_PERIOD]
        )
    })?;
    let series = cell(COL_OPERATOR);
    if series.is_empty() {
        return Err(format!("column {:?}: empty", HEADER[COL_OPERATOR]));
    }
    let raw = shares(record, COL_RAW, COL_RAW_PLUS)?;
    let maa = shares(record, COL_MAA, COL_MAA_PLUS)?;
    Ok(PunctualityRow {
        series: series.to_owned(),
        period,
        stops: count(record, COL_STOPS)?,
        raw,
        maa,
        mat_stops: count(record, COL_MAT_STOPS)?,
    })
}

/// Reads eight cumulative shares from `first` and checks them against the three "plus" columns
/// at `plus`: a shifted column breaks the order or the complement, so it cannot slip through.
fn shares(record: &StringRecord, first: usize, plus: usize) -> Result<Shares, String> {
    let mut values = [None; 8];
    for (offset, value) in values.iter_mut().enumerate() {
        *value = percentage(record, first + offset)?;
    }
    let mut previous: Option<(usize, f64)> = None;
    for (offset, value) in values.iter().enumerate() {
        if let Some(value) = *value {
            if let Some((before, earlier)) = previous
                && value + ORDER_SLACK < earlier
            {
                return Err(format!(
                    "column {:?}: {value} is below {earlier} in {:?}, but shares are cumulative",
                    HEADER[first + offset],
                    HEADER[first + before]
                ));
            }
            previous = Some((offset, value));
        }
    }
    // The last three shares (within 15, 20, 30 minutes) pair with the three "plus" columns.
    for k in 0..3 {
        let time_to = values[5 + k];
        if let (Some(time_to), Some(beyond)) = (time_to, percentage(record, plus + k)?)
            && (time_to + beyond - 100.0).abs() > COMPLEMENT_SLACK
        {
            return Err(format!(
                "column {:?}: {beyond} + {:?} {time_to} is not 100",
                HEADER[plus + k],
                HEADER[first + 5 + k]
            ));
        }
    }
    Ok(Shares::from_array(values))
}

fn percentage(record: &StringRecord, index: usize) -> Result<Option<f64>, String> {
    let text = record.get(index).unwrap_or("").trim();
    if text == "[z]" {
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(value) if (0.0..=100.0).contains(&value) => Ok(Some(value)),
        _ => Err(format!(
            "column {:?}: {text:?} is not a percentage in [0, 100]",
            HEADER[index]
        )),
    }
}

fn count(record: &StringRecord, index: usize) -> Result<Option<i64>, String> {
    let text = record.get(index).unwrap_or("").trim();
    if text == "[z]" {
        return Ok(None);
    }
    let digits_only = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    match text.parse::<i64>() {
        Ok(value) if digits_only => Ok(Some(value)),
        _ => Err(format!(
            "column {:?}: {text:?} is not a whole number of stops",
            HEADER[index]
        )),
    }
}

/// Column names of the starter priors CSV, in order.
const PRIOR_HEADER: [&str; 13] = [
    "series",
    "period",
    "early",
    "on_time",
    "t3",
    "t5",
    "t10",
    "t15",
    "t20",
    "t30",
    "stops",
    "years",
    "data_through",
];

/// Parses a priors CSV (`#` comment lines, then `series,period,early,…,data_through`) as committed in `store/starter`.
pub fn parse_priors_csv(text: &str) -> Result<Vec<PriorRow>, LineError> {
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let mut record = StringRecord::new();
    let mut line = 1;
    if !read_record(&mut reader, &mut record, &mut line)? {
        return Err(LineError {
            line,
            message: "no header line".into(),
        });
    }
    let header: Vec<&str> = record.iter().map(str::trim).collect();
    if header != PRIOR_HEADER {
        return Err(LineError {
            line,
            message: format!(
                "header must be {:?}, found {header:?}",
                PRIOR_HEADER.join(",")
            ),
        });
    }
    let mut priors = Vec::new();
    while read_record(&mut reader, &mut record, &mut line)? {
        priors.push(parse_prior(&record).map_err(|message| LineError { line, message })?);
    }
    Ok(priors)
}

fn parse_prior(record: &StringRecord) -> Result<PriorRow, String> {
    let cell = |index: usize| record.get(index).unwrap_or("").trim();
    let bad = |index: usize| {
        format!(
            "column {:?}: {:?} is not valid",
            PRIOR_HEADER[index],
            cell(index)
        )
    };
    let series = cell(0);
    if series.is_empty() {
        return Err(bad(0));
    }
    let period = cell(1)
        .parse::<u8>()
        .ok()
        .filter(|p| *p <= 13)
        .ok_or_else(|| bad(1))?;
    let mut shares = [None; 8];
    for (offset, share) in shares.iter_mut().enumerate() {
        let index = 2 + offset;
        if !cell(index).is_empty() {
            let value = cell(index).parse::<f64>().map_err(|_| bad(index))?;
            if !(0.0..=100.0).contains(&value) {
                return Err(bad(index));
            }
            *share = Some(value);
        }
    }
    let stops = match cell(10) {
        "" => None,
        text => Some(
            text.parse::<i64>()
                .ok()
                .filter(|s| *s >= 0)
                .ok_or_else(|| bad(10))?,
        ),
    };
    let years = cell(11)
        .parse::<u8>()
        .ok()
        .filter(|y| *y <= 13)
        .ok_or_else(|| bad(11))?;
    let data_through =
        Date::parse(cell(12), format_description!("[year]-[month]-[day]")).map_err(|_| bad(12))?;
    Ok(PriorRow {
        series: series.to_owned(),
        period,
        shares: Shares::from_array(shares),
        stops,
        years,
        data_through,
    })
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;
    use time::macros::date;

    #[test]
    fn a_hand_written_fixture_parses_with_z_as_none() {
        let rows = parse(fixture().as_bytes()).unwrap();
        assert_eq!(rows.len(), 6);
        assert_eq!(rows[0].period, RailPeriod::new(2020, 1).unwrap());
        assert_eq!(rows[0].stops, Some(999));
        assert_eq!(rows[0].raw.on_time, Some(40.0));
        assert_eq!(rows[0].maa, Shares::default());
        assert_eq!(rows[0].mat_stops, None);
        assert_eq!(rows[1].stops, Some(0));
        assert_eq!(rows[1].raw, Shares::default());
        assert_eq!(rows[5].maa.on_time, Some(55.55));
        assert_eq!(rows[5].mat_stops, Some(5000));
    }

    /// The header, one good data line (line 2), then `data` on line 3.
    fn with_data_line(data: &str) -> String {
        let good = [
            "30.00", "60.00", "80.00", "90.00", "95.00", "98.00", "99.00", "99.50",
        ];
        HEADER_LINE.to_owned() + &line(&label(2023, 1), "Test Trains", "5", good, "[z]", Z) + data
    }

    #[test]
    fn a_wrong_header_names_the_differing_column_on_line_1() {
        let text = fixture().replacen("\"Time to 5\"", "\"Time to 6\"", 1);
        let err = parse(text.as_bytes()).unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.message.contains("column 7"), "{}", err.message);
        assert!(err.message.contains("Time to 6"), "{}", err.message);
        assert_eq!(parse(&b""[..]).unwrap_err().line, 1);
    }

    #[test]
    fn a_bad_number_names_its_line_and_column() {
        let bad = line(
            &label(2024, 3),
            "Test Trains",
            "12",
            [
                "1.00", "2.x", "3.00", "4.00", "5.00", "6.00", "7.00", "8.00",
            ],
            "[z]",
            Z,
        );
        let err = parse(with_data_line(&bad).as_bytes()).unwrap_err();
        assert_eq!(err.line, 3);
        assert!(
            err.message.contains("On Time within 59 seconds"),
            "{}",
            err.message
        );
        let bad = line(&label(2024, 3), "Test Trains", "-12", ["1.00"; 8], "[z]", Z);
        let err = parse(with_data_line(&bad).as_bytes()).unwrap_err();
        assert!(
            err.message.contains("Number of recorded station stops"),
            "{}",
            err.message
        );
        let bad = line(
            &label(2024, 3),
            "Test Trains",
            "12",
            [
                "1.00", "100.01", "100.01", "100.01", "100.01", "100.01", "100.01", "100.01",
            ],
            "[z]",
            Z,
        );
        let err = parse(with_data_line(&bad).as_bytes()).unwrap_err();
        assert!(err.message.contains("[0, 100]"), "{}", err.message);
    }

    #[test]
    fn shares_out_of_cumulative_order_are_rejected() {
        let bad = line(
            &label(2024, 3),
            "Test Trains",
            "12",
            [
                "1.00", "2.00", "3.00", "2.98", "5.00", "6.00", "7.00", "8.00",
            ],
            "[z]",
            Z,
        );
        let err = parse(with_data_line(&bad).as_bytes()).unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.message.contains("Time to 5"), "{}", err.message);
        // Within the 0.01 rounding slack is fine.
        let ok = line(
            &label(2024, 3),
            "Test Trains",
            "12",
            [
                "1.00", "2.00", "3.00", "2.99", "5.00", "6.00", "7.00", "8.00",
            ],
            "[z]",
            Z,
        );
        assert!(parse(with_data_line(&ok).as_bytes()).is_ok());
    }

    #[test]
    fn a_plus_column_that_does_not_complement_its_share_is_a_column_shift() {
        let good = line(
            &label(2024, 3),
            "Test Trains",
            "12",
            [
                "1.00", "2.00", "3.00", "4.00", "5.00", "6.00", "7.00", "8.00",
            ],
            "[z]",
            Z,
        );
        // "15 minutes plus" should be 94.00; 94.03 is more than 0.02 off.
        let bad = good.replacen("\"94.00\"", "\"94.03\"", 1);
        let err = parse(with_data_line(&bad).as_bytes()).unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.message.contains("15 minutes plus"), "{}", err.message);
        let close = good.replacen("\"94.00\"", "\"94.02\"", 1);
        assert!(parse(with_data_line(&close).as_bytes()).is_ok());
    }

    #[test]
    fn a_cut_off_line_is_an_error_on_its_physical_line() {
        let text = fixture();
        let cut = &text[..text.len() - 40];
        let err = parse(cut.as_bytes()).unwrap_err();
        assert_eq!(err.line, 7);
        assert!(
            err.message.contains("expected 26 fields"),
            "{}",
            err.message
        );
    }

    #[test]
    fn an_unparsable_period_label_names_the_column() {
        let bad = line("2024-25 P03", "Test Trains", "12", ["1.00"; 8], "[z]", Z);
        let err = parse(with_data_line(&bad).as_bytes()).unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.message.contains("Time Period"), "{}", err.message);
    }

    #[test]
    fn a_duplicate_series_and_period_names_the_line() {
        let text = fixture();
        let repeated = text.lines().nth(3).unwrap_or_default().to_owned() + "\n";
        let err = parse((text + &repeated).as_bytes()).unwrap_err();
        assert_eq!(err.line, 8);
        assert!(err.message.contains("first on line 4"), "{}", err.message);
    }

    #[test]
    fn the_priors_csv_parses_with_comments_and_empty_fields() {
        let text = "# comment\n# another\nseries,period,early,on_time,t3,t5,t10,t15,t20,t30,stops,years,data_through\n\"Trains, Ltd\",0,1.00,2.00,3.00,4.00,5.00,6.00,7.00,8.00,,1,2025-03-31\nX,13,,,,,,,,,10,3,2025-03-31\n";
        let priors = parse_priors_csv(text).unwrap();
        assert_eq!(priors[0].series, "Trains, Ltd");
        assert_eq!(priors[0].shares.t30, Some(8.0));
        assert_eq!(priors[0].stops, None);
        assert_eq!(priors[1].shares, Shares::default());
        assert_eq!(priors[1].data_through, date!(2025 - 03 - 31));
        let err = parse_priors_csv(&text.replace("X,13", "X,14")).unwrap_err();
        assert_eq!(err.line, 5);
        assert!(err.message.contains("period"), "{}", err.message);
    }

    #[test]
    fn the_real_file_parses_with_known_rows() {
        let Some(rows) = real_rows() else { return };
        assert_eq!(rows.len(), 3751);
        let count = |series: &str| rows.iter().filter(|r| r.series == series).count();
        assert_eq!(count("Avanti West Coast"), 143);
        assert_eq!(count("Lumo"), 45);
        assert_eq!(count("Caledonian Sleeper"), 131);
        let series: std::collections::BTreeSet<&str> =
            rows.iter().map(|r| r.series.as_str()).collect();
        assert_eq!(series.len(), 27);

        // Line 2: "Apr 2014 to Mar 2015 (Period 01)","Great Britain","4736697","35.64","68.70",
        // "88.43","94.38","98.23","99.17","99.55","99.83",...,"4736697","[z]",...
        let first = &rows[0];
        assert_eq!(first.series, "Great Britain");
        assert_eq!(first.period.label(), "2014-15 P01");
        assert_eq!(first.stops, Some(4_736_697));
        assert_eq!(first.raw.early, Some(35.64));
        assert_eq!(first.raw.on_time, Some(68.70));
        assert_eq!(first.raw.t5, Some(94.38));
        assert_eq!(first.raw.t30, Some(99.83));
        assert_eq!(first.mat_stops, Some(4_736_697));
        assert_eq!(first.maa, Shares::default());

        // "Apr 2024 to Mar 2025 (Period 13)","West Midlands Trains","380219","41.17","71.51",
        // "87.67","93.25","97.62","98.90","99.44","99.81","1.10","0.56","0.19","4417942",
        // "34.39","64.39","82.55","89.85","96.31","98.21","99.04","99.66",...
        let last = rows
            .iter()
            .find(|r| r.series == "West Midlands Trains" && r.period.label() == "2024-25 P13")
            .unwrap();
        assert_eq!(last.stops, Some(380_219));
        assert_eq!(
            last.raw,
            Shares::from_array([41.17, 71.51, 87.67, 93.25, 97.62, 98.90, 99.44, 99.81].map(Some))
        );
        assert_eq!(last.mat_stops, Some(4_417_942));
        assert_eq!(
            last.maa,
            Shares::from_array([34.39, 64.39, 82.55, 89.85, 96.31, 98.21, 99.04, 99.66].map(Some))
        );

        // Grand Central and Hull Trains ran no trains in parts of 2020-21: 0 stops, shares [z].
        let idle: Vec<&PunctualityRow> = rows.iter().filter(|r| r.raw.on_time.is_none()).collect();
        assert_eq!(idle.len(), 12);
        assert!(
            idle.iter()
                .all(|r| r.stops == Some(0) && r.period.year == 2020)
        );
    }
}

/// Table 3138 text for tests: the header, data lines in the ORR layout, and the real file when
/// it is at hand. Shared with the model's tests of the priors derived from parsed rows.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    pub(crate) const HEADER_LINE: &str = "\"Time Period\",\"Operator\",\"Number of recorded station stops\",\"Early\",\"On Time within 59 seconds\",\"Time to 3\",\"Time to 5\",\"Time to 10\",\"Time to 15\",\"Time to 20\",\"Time to 30\",\"15 minutes plus\",\"20 minutes plus\",\"30 minutes plus\",\"MAT Number of recorded station stops\",\"Early MAA\",\"On time within 59 seconds MAA\",\"Time to 3 MAA\",\"Time to 5 MAA\",\"Time to 10 MAA\",\"Time to 15 MAA\",\"Time to 20 MAA\",\"Time to 30 MAA\",\"15 minutes plus MAA\",\"20 minutes plus MAA\",\"30 minutes plus MAA\"\n";

    /// One quoted data line in the ORR layout; `raw`/`maa` are the eight shares ("[z]" allowed),
    /// and the three "plus" columns are derived from the last three shares.
    pub(crate) fn line(
        label: &str,
        series: &str,
        stops: &str,
        raw: [&str; 8],
        mat: &str,
        maa: [&str; 8],
    ) -> String {
        let plus = |shares: &[&str; 8]| -> Vec<String> {
            shares[5..]
                .iter()
                .map(|s| match s.parse::<f64>() {
                    Ok(v) => format!("{:.2}", 100.0 - v),
                    Err(_) => "[z]".to_owned(),
                })
                .collect()
        };
        let mut cells: Vec<String> = vec![label.into(), series.into(), stops.into()];
        cells.extend(raw.iter().map(|s| s.to_string()));
        cells.extend(plus(&raw));
        cells.push(mat.into());
        cells.extend(maa.iter().map(|s| s.to_string()));
        cells.extend(plus(&maa));
        let quoted: Vec<String> = cells.iter().map(|c| format!("\"{c}\"")).collect();
        quoted.join(",") + "\n"
    }

    pub(crate) const Z: [&str; 8] = ["[z]"; 8];

    pub(crate) fn label(year: i32, period: u8) -> String {
        format!("Apr {year} to Mar {} (Period {period:02})", year + 1)
    }

    /// A small series "Test Trains": period 1 of 2020..=2024 (2021 all `[z]`) and 2024 P02,
    /// which is the latest period and carries the MAA.
    pub(crate) fn fixture() -> String {
        let mut text = HEADER_LINE.to_owned();
        let p1 = |year: i32, stops: &str, on_time: &str| {
            line(
                &label(year, 1),
                "Test Trains",
                stops,
                [
                    "30.00", on_time, "80.00", "90.00", "95.00", "98.00", "99.00", "99.50",
                ],
                "[z]",
                Z,
            )
        };
        text += &p1(2020, "999", "40.00");
        text += &line(&label(2021, 1), "Test Trains", "0", Z, "[z]", Z);
        text += &p1(2022, "100", "60.00");
        text += &p1(2023, "200", "70.00");
        text += &p1(2024, "301", "71.01");
        text += &line(
            &label(2024, 2),
            "Test Trains",
            "400",
            [
                "20.00", "50.00", "70.00", "80.00", "90.00", "95.00", "97.00", "99.00",
            ],
            "5000",
            [
                "25.00", "55.55", "75.00", "85.00", "92.00", "96.00", "98.00", "99.25",
            ],
        );
        text
    }

    pub(crate) const REAL_FILE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/orr/table-3138-train-punctuality-at-recorded-station-stops-by-operator-periodic.csv"
    );

    pub(crate) fn real_rows() -> Option<Vec<PunctualityRow>> {
        let Ok(file) = std::fs::File::open(REAL_FILE) else {
            eprintln!("skipping: {REAL_FILE} not found");
            return None;
        };
        Some(parse(file).unwrap())
    }
}
