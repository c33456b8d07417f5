//! The fixed-width record reader of the RDG feed files: comment lines (`/!!`) skipped, the update
//! marker of column 0 read, and typed fields (codes, digits, pence, `DDMMYYYY` dates) cut at
//! 0-based offsets, every problem naming its line. It knows no record layout; `parse` does.

use time::{Date, Month};

use crate::feeds::LineError;

/// The feed is ASCII; anything that is not UTF-8 is refused with the line it is on, rather than
/// guessed at, because a multi-byte character would shift every fixed-width field after it.
pub(super) fn decode(bytes: &[u8]) -> Result<String, LineError> {
    String::from_utf8(bytes.to_vec()).map_err(|error| {
        let valid = &bytes[..error.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() as u64 + 1;
        LineError {
            line,
            message: "not UTF-8 text (the feed is ASCII)".into(),
        }
    })
}

/// One data record of a feed file, with its 1-based physical line.
pub(super) struct Record<'a> {
    text: &'a str,
    pub(super) line: u64,
    /// Update marker `D`: the record is to be removed, not loaded.
    pub(super) deleted: bool,
}

/// The data records of a file: comment lines (`/!!`) skipped; an empty line, a non-ASCII line
/// or an unknown update marker is an error.
pub(super) fn records(text: &str) -> impl Iterator<Item = Result<Record<'_>, LineError>> {
    text.lines()
        .zip(1u64..)
        .filter(|(text, _)| !text.starts_with("/!!"))
        .map(|(text, line)| {
            let fail = |message: String| LineError { line, message };
            if text.is_empty() {
                return Err(fail("empty line where a record was expected".into()));
            }
            if let Some(column) = text.bytes().position(|b| !b.is_ascii()) {
                return Err(fail(format!(
                    "non-ASCII character at column {}",
                    column + 1
                )));
            }
            let deleted = match &text[..1] {
                "R" | "I" | "A" => false,
                "D" => true,
                other => {
                    return Err(fail(format!(
                        "update marker at column 1 is {other:?}, expected R, I, A or D"
                    )));
                }
            };
            Ok(Record {
                text,
                line,
                deleted,
            })
        })
}

impl<'a> Record<'a> {
    pub(super) fn error(&self, message: String) -> LineError {
        LineError {
            line: self.line,
            message,
        }
    }

    /// Fixed-width records have one length; any other is a cut-off or mangled line.
    pub(super) fn width(&self, expected: usize, what: &str) -> Result<(), LineError> {
        if self.text.len() == expected {
            Ok(())
        } else {
            Err(self.error(format!(
                "{what} record is {} characters, expected {expected} (cut-off or over-long line)",
                self.text.len()
            )))
        }
    }

    /// The raw field at 0-based `[start, start + len)`.
    pub(super) fn field(&self, start: usize, len: usize, name: &str) -> Result<&'a str, LineError> {
        // `records` guaranteed ASCII, so byte offsets are character offsets.
        self.text.get(start..start + len).ok_or_else(|| {
            self.error(format!(
                "record ends before the {name} at columns {}-{} (cut-off line)",
                start + 1,
                start + len
            ))
        })
    }

    /// A code field: letters and digits only, no blanks.
    pub(super) fn code(&self, start: usize, len: usize, name: &str) -> Result<String, LineError> {
        let value = self.field(start, len, name)?;
        if value.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(value.to_owned())
        } else {
            Err(self.error(format!(
                "{name} at columns {}-{} is {value:?}, expected letters and digits",
                start + 1,
                start + len
            )))
        }
    }

    /// A field of digits only.
    pub(super) fn digits(
        &self,
        start: usize,
        len: usize,
        name: &str,
    ) -> Result<&'a str, LineError> {
        let value = self.field(start, len, name)?;
        if value.bytes().all(|b| b.is_ascii_digit()) {
            Ok(value)
        } else {
            Err(self.error(format!(
                "{name} at columns {}-{} is {value:?}, expected {len} digits",
                start + 1,
                start + len
            )))
        }
    }

    /// An eight-digit price in pence.
    pub(super) fn pence(&self, start: usize, name: &str) -> Result<i64, LineError> {
        let digits = self.digits(start, 8, name)?;
        digits
            .parse()
            .map_err(|_| self.error(format!("{name} {digits:?} is not a number of pence")))
    }

    /// A `DDMMYYYY` date.
    pub(super) fn date(&self, start: usize, name: &str) -> Result<Date, LineError> {
        let text = self.digits(start, 8, name)?;
        // All eight are digits, so parsing cannot fail; 0 would be refused below as a date anyway.
        let number = |range: std::ops::Range<usize>| text[range].parse::<u16>().unwrap_or(0);
        let (day, month, year) = (number(0..2), number(2..4), number(4..8));
        Month::try_from(month as u8)
            .ok()
            .and_then(|month| Date::from_calendar_date(i32::from(year), month, day as u8).ok())
            .ok_or_else(|| {
                self.error(format!(
                    "{name} at columns {}-{} is {text:?}, not a DDMMYYYY date",
                    start + 1,
                    start + 8
                ))
            })
    }

    /// The start and end dates at the given offsets; the start may not come after the end.
    pub(super) fn validity(
        &self,
        start_at: usize,
        end_at: usize,
    ) -> Result<(Date, Date), LineError> {
        let end = self.date(end_at, "end date")?;
        let start = self.date(start_at, "start date")?;
        if start > end {
            return Err(self.error(format!("start date {start} is after end date {end}")));
        }
        Ok((start, end))
    }
}
