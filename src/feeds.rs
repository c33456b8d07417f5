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
