//! Parses ORR table 1410 (passenger entries and exits by station) into one row per station:
//! CRS, NLC, region, facility owner and annual usage. Pure parsing of bytes the caller already
//! has; never touches the database or the network.
//!
//! The published CSV is Windows-1252, has title lines above the header, and some header cells
//! contain line breaks, so columns are found by their whitespace-normalised names.

use std::collections::HashMap;

use csv::{ReaderBuilder, StringRecord};

use crate::feeds::{LineError, read_record};

/// One station of ORR table 1410: codes, region, facility owner and annual usage.
#[derive(Debug, Clone, PartialEq)]
pub struct StationUsageRow {
    /// Three Letter Code (CRS/TLC), three upper-case ASCII letters.
    pub crs: String,
    /// Station name as ORR prints it.
    pub name: String,
    /// National Location Code, always four digits (ORR drops leading zeros; they are restored).
    pub nlc: String,
    /// ORR region, e.g. "London"; `None` when not given.
    pub region: Option<String>,
    /// Station facility owner (the operator managing the station); `None` when not given.
    pub facility_owner: Option<String>,
    /// Entries and exits, all ticket types, for the year; `None` for `[x]`/`[z]`/empty.
    pub entries_exits: Option<i64>,
}

const NAME: &str = "Station name";
const CRS: &str = "Three Letter Code (TLC)";
const NLC: &str = "National Location Code (NLC)";
const REGION: &str = "Region";
const OWNER: &str = "Station facility owner";
const ENTRIES_EXITS: &str = "Entries and exits - All tickets";

/// The header must start within this many physical lines; past that the file is not table 1410.
const HEADER_SEARCH_LINES: u64 = 20;

/// Parses the raw bytes of table 1410 (Windows-1252) into one row per station, in file order.
pub fn parse(bytes: &[u8]) -> Result<Vec<StationUsageRow>, LineError> {
    // Windows-1252 maps every byte to a character, so decoding cannot fail; a UTF-8 BOM, if a
    // future edition has one, switches the decoder to UTF-8 instead of producing mojibake.
    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
    // Flexible, because title lines need not have as many cells as the table; data rows are
    // checked against the header's width by hand so that cut-off lines are still caught.
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());

    let mut record = StringRecord::new();
    let mut last_line = 0;
    let columns = loop {
        if !read_record(&mut reader, &mut record, &mut last_line)? {
            return Err(no_header());
        }
        if last_line > HEADER_SEARCH_LINES {
            return Err(no_header());
        }
        if record.get(0).map(normalise).as_deref() == Some(NAME) {
            break Columns::find(&record, last_line)?;
        }
    };

    let mut rows = Vec::new();
    let mut first_seen: HashMap<String, u64> = HashMap::new();
    while read_record(&mut reader, &mut record, &mut last_line)? {
        let line = last_line;
        if record.iter().all(|field| field.trim().is_empty()) {
            continue;
        }
        if record.len() != columns.width {
            return Err(LineError {
                line,
                message: format!(
                    "expected {} fields as in the header, found {} (cut-off or malformed line)",
                    columns.width,
                    record.len()
                ),
            });
        }
        let row = columns
            .row(&record)
            .map_err(|message| LineError { line, message })?;
        if let Some(first) = first_seen.insert(row.crs.clone(), line) {
            return Err(LineError {
                line,
                message: format!("duplicate CRS {} (first on line {first})", row.crs),
            });
        }
        rows.push(row);
    }
    Ok(rows)
}

/// Reported on line 1: the problem is the file as a whole, not the line where the search stopped.
fn no_header() -> LineError {
    LineError {
        line: 1,
        message: format!(
            "no header row (first cell \"{NAME}\") in the first {HEADER_SEARCH_LINES} lines"
        ),
    }
}

/// Header cells may contain line breaks ("Three Letter Code\n(TLC)") or stray spaces.
fn normalise(cell: &str) -> String {
    cell.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Positions of the columns this importer reads, found by name in the header row.
struct Columns {
    width: usize,
    name: usize,
    crs: usize,
    nlc: usize,
    region: usize,
    owner: usize,
    entries_exits: usize,
}

impl Columns {
    fn find(header: &StringRecord, line: u64) -> Result<Self, LineError> {
        let names: Vec<String> = header.iter().map(normalise).collect();
        let index = |wanted: &str| {
            names
                .iter()
                .position(|name| name == wanted)
                .ok_or_else(|| LineError {
                    line,
                    message: format!("header has no column \"{wanted}\""),
                })
        };
        Ok(Self {
            width: header.len(),
            name: index(NAME)?,
            crs: index(CRS)?,
            nlc: index(NLC)?,
            region: index(REGION)?,
            owner: index(OWNER)?,
            entries_exits: index(ENTRIES_EXITS)?,
        })
    }

    fn row(&self, record: &StringRecord) -> Result<StationUsageRow, String> {
        let cell = |index: usize| record.get(index).unwrap_or("").trim();
        let name = cell(self.name);
        if name.is_empty() {
            return Err(format!("column \"{NAME}\": empty station name"));
        }
        let crs = cell(self.crs);
        if !(crs.len() == 3 && crs.bytes().all(|b| b.is_ascii_uppercase())) {
            return Err(format!(
                "column \"{CRS}\": {crs:?} is not three upper-case letters ({name})"
            ));
        }
        Ok(StationUsageRow {
            crs: crs.to_owned(),
            name: name.to_owned(),
            nlc: parse_nlc(cell(self.nlc)).ok_or_else(|| {
                format!(
                    "column \"{NLC}\": {:?} is not an NLC ({name})",
                    cell(self.nlc)
                )
            })?,
            region: text(cell(self.region)),
            facility_owner: text(cell(self.owner)),
            entries_exits: parse_count(cell(self.entries_exits)).map_err(|bad| {
                format!("column \"{ENTRIES_EXITS}\": {bad:?} is not a count ({name})")
            })?,
        })
    }
}

/// NLCs are four-digit codes, but the 2022-23 file prints eleven of them with the leading zero
/// dropped (e.g. Amersham "506"); the fares feed keys on all four characters, so pad them back.
fn parse_nlc(cell: &str) -> Option<String> {
    ((3..=4).contains(&cell.len()) && cell.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("{cell:0>4}"))
}

fn is_missing(cell: &str) -> bool {
    cell.is_empty() || cell == "[x]" || cell == "[z]"
}

fn text(cell: &str) -> Option<String> {
    (!is_missing(cell)).then(|| cell.to_owned())
}

/// Parses a non-negative count such as "7,118,664" or "52"; the thousands separators must sit
/// in the right places so that two numbers run together ("1,23,4") are not silently accepted.
fn parse_count(cell: &str) -> Result<Option<i64>, &str> {
    if is_missing(cell) {
        return Ok(None);
    }
    let mut groups = cell.split(',');
    let first = groups.next().unwrap_or("");
    let rest: Vec<&str> = groups.collect();
    let digits = |group: &str| !group.is_empty() && group.bytes().all(|b| b.is_ascii_digit());
    let well_formed = digits(first)
        && (rest.is_empty() || first.len() <= 3)
        && rest.iter().all(|group| group.len() == 3 && digits(group));
    if !well_formed {
        return Err(cell);
    }
    let plain: String = cell.chars().filter(|c| *c != ',').collect();
    plain.parse().map(Some).map_err(|_| cell)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds Windows-1252 bytes the way ORR publishes them: title lines, a header whose cells
    /// contain line breaks, and an en dash stored as the single byte 0x96.
    fn fixture(data_rows: &str) -> Vec<u8> {
        let mut text = String::new();
        text.push_str("\"Table 1410: Passenger entries, exits and interchanges by station (annual), Great Britain, April 2022 to March 2023\",,,,,,,,\n");
        text.push_str("This worksheet contains one table.,,,,,,,,\n");
        text.push_str("\"Some shorthand is used in this table, [x] = data not available, [z] = data not applicable\",,,,,,,,\n");
        text.push_str("Station name,Entries and exits - All tickets,\"Entries and exits\nRank\",Estimates supplemented by local ticketing data – by retailing organisation,National Location Code (NLC),\"Three Letter Code\n(TLC)\",Region,Station facility owner,\n");
        text.push_str(data_rows);
        let (bytes, _, had_errors) = encoding_rs::WINDOWS_1252.encode(&text);
        assert!(!had_errors);
        assert!(
            bytes.contains(&0x96),
            "the fixture must hold a Windows-1252 en dash"
        );
        bytes.into_owned()
    }

    const GOOD_ROWS: &str = "\
Abbey Wood,\"7,118,664\",52,[z],5131,ABW,London,Elizabeth line,
Amersham,\"1,234\",\"1,900\",[z],506,AMR,South East,London Underground,
Closed Halt,[x],[x],[z],9999,ZZZ,[z],,
,,,,,,,,
";

    #[test]
    fn a_windows_1252_file_with_title_lines_and_a_multi_line_header_parses() {
        let rows = parse(&fixture(GOOD_ROWS)).unwrap();
        assert_eq!(
            rows,
            vec![
                StationUsageRow {
                    crs: "ABW".into(),
                    name: "Abbey Wood".into(),
                    nlc: "5131".into(),
                    region: Some("London".into()),
                    facility_owner: Some("Elizabeth line".into()),
                    entries_exits: Some(7_118_664),
                },
                StationUsageRow {
                    crs: "AMR".into(),
                    name: "Amersham".into(),
                    nlc: "0506".into(),
                    region: Some("South East".into()),
                    facility_owner: Some("London Underground".into()),
                    entries_exits: Some(1234),
                },
                StationUsageRow {
                    crs: "ZZZ".into(),
                    name: "Closed Halt".into(),
                    nlc: "9999".into(),
                    region: None,
                    facility_owner: None,
                    entries_exits: None,
                },
            ]
        );
    }

    #[test]
    fn non_ascii_windows_1252_text_is_decoded() {
        let rows = parse(&fixture(
            "Llanfair – Halt,12,1,[z],1234,LPG,Wales,TfW Rail,\n",
        ))
        .unwrap();
        assert_eq!(rows[0].name, "Llanfair \u{2013} Halt");
    }

    #[test]
    fn a_bad_number_is_reported_on_its_physical_line() {
        // Lines 1-3 are titles, the header spans lines 4-6, so data starts on line 7.
        let err = parse(&fixture(
            "Abbey Wood,\"7,118,664\",52,[z],5131,ABW,London,Elizabeth line,\nAber,\"10,39\",1,[z],3813,ABE,Wales,TfW Rail,\n",
        ))
        .unwrap_err();
        assert_eq!(err.line, 8);
        assert!(err.message.contains(ENTRIES_EXITS), "{}", err.message);
        assert!(err.message.contains("10,39"), "{}", err.message);
    }

    #[test]
    fn a_cut_off_line_is_reported_on_its_physical_line() {
        let err = parse(&fixture(
            "Abbey Wood,\"7,118,664\",52,[z],5131,ABW,London,Elizabeth line,\nAber,\"103,976\",1,[z],3813\n",
        ))
        .unwrap_err();
        assert_eq!(err.line, 8);
        assert!(err.message.contains("expected 9 fields"), "{}", err.message);
    }

    #[test]
    fn an_unterminated_quote_at_the_end_is_a_cut_off_line() {
        let err = parse(&fixture(
            "Abbey Wood,\"7,118,664\",52,[z],5131,ABW,London,Elizabeth line,\nAber,\"103,9",
        ))
        .unwrap_err();
        assert_eq!(err.line, 8);
    }

    #[test]
    fn bad_codes_are_rejected_with_the_column_named() {
        let err = parse(&fixture("Aber,1,1,[z],3813,abe,Wales,TfW Rail,\n")).unwrap_err();
        assert_eq!(err.line, 7);
        assert!(err.message.contains(CRS), "{}", err.message);
        for nlc in ["38", "38130", "38A3", ""] {
            let row = format!("Aber,1,1,[z],{nlc},ABE,Wales,TfW Rail,\n");
            let err = parse(&fixture(&row)).unwrap_err();
            assert!(err.message.contains(NLC), "{nlc}: {}", err.message);
        }
    }

    #[test]
    fn a_duplicate_crs_names_both_lines() {
        let err = parse(&fixture(
            "Aber,1,1,[z],3813,ABE,Wales,TfW Rail,\nAber again,1,1,[z],3814,ABE,Wales,TfW Rail,\n",
        ))
        .unwrap_err();
        assert_eq!(err.line, 8);
        assert!(err.message.contains("first on line 7"), "{}", err.message);
    }

    #[test]
    fn a_file_without_the_header_is_rejected() {
        let err = parse(b"just,some,cells\n1,2,3\n").unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.message.contains("no header"), "{}", err.message);
        let many_titles = "title\n".repeat(25) + "Station name,x\n";
        let err = parse(many_titles.as_bytes()).unwrap_err();
        assert_eq!(err.line, 1);
        assert!(parse(b"").is_err());
    }

    #[test]
    fn a_header_missing_a_needed_column_is_rejected_on_its_line() {
        let err = parse(b"title\nStation name,Region\nAber,Wales\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(
            err.message.contains("header has no column"),
            "{}",
            err.message
        );
    }

    #[test]
    fn counts_need_well_placed_thousands_separators() {
        assert_eq!(parse_count("7,118,664"), Ok(Some(7_118_664)));
        assert_eq!(parse_count("0"), Ok(Some(0)));
        assert_eq!(parse_count("1234"), Ok(Some(1234)));
        assert_eq!(parse_count("[x]"), Ok(None));
        for bad in ["1,23,4", ",123", "1234,567", "12a", "-5", "1.5", "1,"] {
            assert_eq!(parse_count(bad), Err(bad));
        }
    }

    const REAL_FILE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/orr/table-1410-station-entries-exits-2022-23.csv"
    );

    #[test]
    fn the_real_2022_23_file_parses_with_known_stations() {
        let Ok(bytes) = std::fs::read(REAL_FILE) else {
            eprintln!("skipping: {REAL_FILE} not found");
            return;
        };
        let rows = parse(&bytes).unwrap();
        assert_eq!(rows.len(), 2578);
        let nlcs: std::collections::HashSet<&str> = rows.iter().map(|r| r.nlc.as_str()).collect();
        assert_eq!(nlcs.len(), 2578, "every station has its own NLC");
        let by_crs = |crs: &str| rows.iter().find(|r| r.crs == crs).unwrap();

        // Line 7: "Abbey Wood,...,7,118,664,...,5131,ABW,London,Elizabeth line,[z],,"
        assert_eq!(
            by_crs("ABW"),
            &StationUsageRow {
                crs: "ABW".into(),
                name: "Abbey Wood".into(),
                nlc: "5131".into(),
                region: Some("London".into()),
                facility_owner: Some("Elizabeth line".into()),
                entries_exits: Some(7_118_664),
            }
        );
        // "London Euston,...,31,318,408,10,...,1444,EUS,London,Network Rail,LONDON BR,,"
        let euston = by_crs("EUS");
        assert_eq!(euston.name, "London Euston");
        assert_eq!(euston.nlc, "1444");
        assert_eq!(euston.entries_exits, Some(31_318_408));
        assert_eq!(euston.facility_owner.as_deref(), Some("Network Rail"));
        // "Amersham,...,506,AMR,South East,London Underground,..." : leading zero restored.
        assert_eq!(by_crs("AMR").nlc, "0506");
        // Three stations print [x]/[z] for every usage figure.
        assert_eq!(rows.iter().filter(|r| r.entries_exits.is_none()).count(), 3);
    }
}
