//! Parsers of the data files the service imports: the official feeds (NaPTAN, ORR tables
//! 1410, 3138 and 3184, HSP JSON, the RDG fares feed, the CIF timetable) and the committed starter
//! priors. Pure parsing of text or bytes the caller already has, into typed rows; every problem
//! names its line. Nothing here touches the database or the network (only the fares reader opens the feed's own files),
//! and nothing here imports from `store`, `model`, `cache`, `service` or `http`: the store writes
//! what these parsers produce, and the model computes over it.

pub mod cif;
pub mod fares;
pub mod hsp;
pub mod naptan;
pub mod orr1410;
pub mod orr3138;
pub mod orr3184;

/// Where in a source file a problem is (1-based physical line) and what it is.
#[derive(Debug, Clone, PartialEq)]
pub struct LineError {
    /// 1-based physical line of the file.
    pub line: u64,
    /// What is wrong there.
    pub message: String,
}

/// Reads the next CSV record into `record`, remembering the physical line it starts on in
/// `line`; `false` at end of input. A malformed record is a [`LineError`] at its line.
pub fn read_record<R: std::io::Read>(
    reader: &mut csv::Reader<R>,
    record: &mut csv::StringRecord,
    line: &mut u64,
) -> Result<bool, LineError> {
    match reader.read_record(record) {
        Ok(false) => Ok(false),
        Ok(true) => {
            if let Some(position) = record.position() {
                *line = position.line();
            }
            Ok(true)
        }
        Err(err) => {
            let line = err.position().map_or(*line + 1, csv::Position::line);
            let message = match err.kind() {
                csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => format!(
                    "expected {expected_len} fields, found {len} (cut-off or malformed line)"
                ),
                _ => format!("unreadable CSV: {err}"),
            };
            Err(LineError { line, message })
        }
    }
}

/// Parses one of ORR's periodic tables (quoted CSV, one header line, then one row per series and
/// rail period, in file order): the header must be exactly `header` (cells trimmed, no more
/// columns), each row is `parse_row`'s, and a second row for the same series and period is an
/// error naming both lines. Any bad line fails the whole file, naming the line.
pub fn parse_periodic<T>(
    input: impl std::io::Read,
    header: &[&str],
    parse_row: impl Fn(&csv::StringRecord) -> Result<T, String>,
    key_of: impl Fn(&T) -> (&str, crate::domain::RailPeriod),
) -> Result<Vec<T>, LineError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(input);
    let mut record = csv::StringRecord::new();
    let mut line = 1;
    if !read_record(&mut reader, &mut record, &mut line)? {
        return Err(LineError {
            line: 1,
            message: "empty file: no header line".into(),
        });
    }
    check_header(&record, line, header)?;
    let mut rows = Vec::new();
    let mut first_seen = std::collections::HashMap::new();
    while read_record(&mut reader, &mut record, &mut line)? {
        let row = parse_row(&record).map_err(|message| LineError { line, message })?;
        let (series, period) = key_of(&row);
        if let Some(first) = first_seen.insert((series.to_owned(), period), line) {
            return Err(LineError {
                line,
                message: format!(
                    "duplicate row for {series:?} in {period} (first on line {first})"
                ),
            });
        }
        rows.push(row);
    }
    Ok(rows)
}

/// Checks a header line: exactly the `expected` column names (cells trimmed), in order.
fn check_header(record: &csv::StringRecord, line: u64, expected: &[&str]) -> Result<(), LineError> {
    for (index, expected) in expected.iter().enumerate() {
        let found = record.get(index).map(str::trim);
        if found != Some(*expected) {
            return Err(LineError {
                line,
                message: format!(
                    "header column {}: expected {expected:?}, found {:?}",
                    index + 1,
                    found.unwrap_or("<missing>")
                ),
            });
        }
    }
    if record.len() != expected.len() {
        return Err(LineError {
            line,
            message: format!(
                "header has {} columns, expected {}",
                record.len(),
                expected.len()
            ),
        });
    }
    Ok(())
}
