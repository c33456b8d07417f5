//! Parser for NaPTAN `RailReferences.csv`: station TIPLOCs with their CRS code, name and
//! National Grid position, converted to WGS84. Parse only: it must never touch the database,
//! open files itself or drop a row silently; any problem is an error naming its line.

use std::io::Read;

use crate::domain::geo::{LatLon, osgb36_to_wgs84};
use crate::feeds::LineError;

/// One row of NaPTAN RailReferences.csv: a TIPLOC of a station, with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct NaptanRow {
    /// NaPTAN stop code, e.g. `9100EUSTON`.
    pub atco_code: String,
    /// Timing point location code, e.g. `EUSTON`.
    pub tiploc: String,
    /// Three-letter CRS code, upper case, e.g. `EUS`.
    pub crs: String,
    /// Station name without the trailing " Rail Station", e.g. `London Euston`.
    pub name: String,
    /// OSGB36 National Grid easting, metres.
    pub easting: f64,
    /// OSGB36 National Grid northing, metres.
    pub northing: f64,
    /// WGS84 position converted from the easting/northing.
    pub position: LatLon,
}

const COL_ATCO: &str = "AtcoCode";
const COL_TIPLOC: &str = "TiplocCode";
const COL_CRS: &str = "CrsCode";
const COL_NAME: &str = "StationName";
const COL_EASTING: &str = "Easting";
const COL_NORTHING: &str = "Northing";

// The National Grid covers 700 km x 1300 km from its false origin; beyond that is a typo.
const MAX_EASTING: f64 = 700_000.0;
const MAX_NORTHING: f64 = 1_300_000.0;

/// Parses the whole file; any problem names its line.
pub fn parse(mut input: impl Read) -> Result<Vec<NaptanRow>, LineError> {
    // The whole file is read first so each record's raw bytes can be checked for an unterminated
    // quote, which the csv crate otherwise accepts silently at end of input.
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes).map_err(|e| LineError {
        line: 1,
        message: format!("cannot read input: {e}"),
    })?;

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes.as_slice());

    let headers = reader.headers().map_err(csv_error)?.clone();
    let columns = Columns::locate(&headers)?;

    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let start = reader.position().byte();
        if !reader.read_record(&mut record).map_err(csv_error)? {
            break;
        }
        let line = record.position().map_or(0, csv::Position::line);
        let end = reader.position().byte();
        check_quotes_balanced(&bytes, start, end, &record, line)?;
        rows.push(columns.row(&record, line)?);
    }
    Ok(rows)
}

/// Indexes of the required columns, found by header name.
struct Columns {
    atco: usize,
    tiploc: usize,
    crs: usize,
    name: usize,
    easting: usize,
    northing: usize,
}

impl Columns {
    fn locate(headers: &csv::StringRecord) -> Result<Self, LineError> {
        let find = |name: &str| {
            headers
                .iter()
                // A byte-order mark or stray padding must not hide a column.
                .position(|h| h.trim_start_matches('\u{feff}').trim() == name)
        };
        let wanted = [
            COL_ATCO,
            COL_TIPLOC,
            COL_CRS,
            COL_NAME,
            COL_EASTING,
            COL_NORTHING,
        ];
        let found = wanted.map(find);
        let missing: Vec<String> = wanted
            .iter()
            .zip(&found)
            .filter(|(_, idx)| idx.is_none())
            .map(|(name, _)| format!("'{name}'"))
            .collect();
        match found {
            [
                Some(atco),
                Some(tiploc),
                Some(crs),
                Some(name),
                Some(easting),
                Some(northing),
            ] => Ok(Self {
                atco,
                tiploc,
                crs,
                name,
                easting,
                northing,
            }),
            _ => Err(LineError {
                line: 1,
                message: format!(
                    "missing column{} {}",
                    if missing.len() == 1 { "" } else { "s" },
                    missing.join(", ")
                ),
            }),
        }
    }

    fn row(&self, record: &csv::StringRecord, line: u64) -> Result<NaptanRow, LineError> {
        // flexible(false) guarantees every record has as many fields as the header.
        let field = |idx: usize| record.get(idx).unwrap_or_default().trim();
        let err = |message: String| LineError { line, message };

        let atco_code = field(self.atco);
        if atco_code.is_empty() {
            return Err(err(format!("empty {COL_ATCO}")));
        }
        let tiploc = field(self.tiploc);
        if tiploc.is_empty() {
            return Err(err(format!("empty {COL_TIPLOC}")));
        }
        let crs_raw = field(self.crs);
        if crs_raw.len() != 3 || !crs_raw.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(err(format!("bad {COL_CRS} '{crs_raw}'")));
        }
        let name = station_name(field(self.name));
        if name.is_empty() {
            return Err(err(format!("empty {COL_NAME}")));
        }
        let easting = grid_value(field(self.easting), MAX_EASTING)
            .ok_or_else(|| err(format!("bad {COL_EASTING} '{}'", field(self.easting))))?;
        let northing = grid_value(field(self.northing), MAX_NORTHING)
            .ok_or_else(|| err(format!("bad {COL_NORTHING} '{}'", field(self.northing))))?;

        Ok(NaptanRow {
            atco_code: atco_code.to_owned(),
            tiploc: tiploc.to_owned(),
            crs: crs_raw.to_ascii_uppercase(),
            name: name.to_owned(),
            easting,
            northing,
            position: osgb36_to_wgs84(easting, northing),
        })
    }
}

/// Drops NaPTAN's " Rail Station" / " Railway Station" suffix, which every row repeats.
fn station_name(raw: &str) -> &str {
    raw.strip_suffix(" Rail Station")
        .or_else(|| raw.strip_suffix(" Railway Station"))
        .unwrap_or(raw)
        .trim()
}

/// A grid coordinate in metres, if it is a finite number inside the National Grid.
fn grid_value(raw: &str, max: f64) -> Option<f64> {
    raw.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && (0.0..=max).contains(v))
}

/// Rejects a record whose quotes do not pair up or whose field swallowed a line break: both
/// mean a quoted field was cut off, and no RailReferences field legitimately spans lines.
fn check_quotes_balanced(
    bytes: &[u8],
    start: u64,
    end: u64,
    record: &csv::StringRecord,
    line: u64,
) -> Result<(), LineError> {
    let raw = usize::try_from(start)
        .ok()
        .zip(usize::try_from(end).ok())
        .and_then(|(s, e)| bytes.get(s..e))
        .unwrap_or_default();
    let quotes = raw.iter().filter(|&&b| b == b'"').count();
    if quotes % 2 != 0 {
        return Err(LineError {
            line,
            message: "unterminated quoted field".to_owned(),
        });
    }
    if record.iter().any(|f| f.contains(['\n', '\r'])) {
        return Err(LineError {
            line,
            message: "field spans a line break (unbalanced quote?)".to_owned(),
        });
    }
    Ok(())
}

/// Turns a csv crate error into a LineError at the line the csv crate blames.
fn csv_error(e: csv::Error) -> LineError {
    let line = e.position().map_or(0, csv::Position::line);
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } if len < expected_len => {
            format!("expected {expected_len} fields, found {len} (line cut off?)")
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("expected {expected_len} fields, found {len} (stray separator?)"),
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_owned(),
        _ => e.to_string(),
    };
    LineError { line, message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::geo::haversine_km;
    use std::collections::HashSet;

    const HEADER: &str = r#""AtcoCode","TiplocCode","CrsCode","StationName","StationNameLang","GridType","Easting","Northing","CreationDateTime","ModificationDateTime","RevisionNumber","Modification""#;
    const EUS: &str = r#""9100EUSTON","EUSTON","EUS","London Euston Rail Station","","U",529545,182675,"2003-11-04T00:00:00","2011-09-30T14:47:28",2,"rev""#;
    const CLJ_1: &str = r#""9100CLPHMJ1","CLPHMJ1","CLJ","Clapham Junction Rail Station","","U",527200,175600,"2003-11-04T00:00:00","2011-09-30T14:47:28",2,"rev""#;
    const CLJ_2: &str = r#""9100CLPHMJC","CLPHMJC","clj","Clapham Junction Rail Station","","U",527200,175600,"2003-11-04T00:00:00","2011-09-30T14:47:28",2,"rev""#;

    fn file(lines: &[&str]) -> String {
        let mut s = lines.join("\n");
        s.push('\n');
        s
    }

    #[test]
    fn a_good_three_row_file_parses_every_row() {
        let rows = parse(file(&[HEADER, EUS, CLJ_1, CLJ_2]).as_bytes()).expect("valid input");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].atco_code, "9100EUSTON");
        assert_eq!(rows[0].tiploc, "EUSTON");
        assert_eq!(rows[0].crs, "EUS");
        assert_eq!(rows[0].name, "London Euston");
        assert_eq!((rows[0].easting, rows[0].northing), (529_545.0, 182_675.0));
        // Two TIPLOCs for one CRS are both kept, and lower-case CRS is normalised.
        assert_eq!(rows[1].crs, "CLJ");
        assert_eq!(rows[2].crs, "CLJ");
        assert_eq!(rows[2].tiploc, "CLPHMJC");
    }

    #[test]
    fn columns_are_found_by_name_in_any_order() {
        let input = "Northing,Easting,StationName,CrsCode,TiplocCode,AtcoCode\n\
                     182675,529545,\"Robroyston Railway Station\",RRN,ROBROYS,9100ROBROYS\n";
        let rows = parse(input.as_bytes()).expect("valid input");
        assert_eq!(rows[0].name, "Robroyston");
        assert_eq!(rows[0].crs, "RRN");
        assert_eq!(rows[0].easting, 529_545.0);
    }

    #[test]
    fn a_wrong_header_names_the_missing_column_on_line_1() {
        let header = HEADER.replace("\"Easting\"", "\"East\"");
        let err = parse(file(&[&header, EUS]).as_bytes()).expect_err("missing column");
        assert_eq!(
            err,
            LineError {
                line: 1,
                message: "missing column 'Easting'".to_owned()
            }
        );
    }

    #[test]
    fn an_empty_input_reports_every_missing_column_on_line_1() {
        let err = parse(&b""[..]).expect_err("no header");
        assert_eq!(err.line, 1);
        assert!(
            err.message.starts_with("missing columns 'AtcoCode'"),
            "{err:?}"
        );
    }

    #[test]
    fn a_bad_easting_names_its_line_and_value() {
        let bad = EUS.replace("529545", "abc");
        let err = parse(file(&[HEADER, CLJ_1, &bad]).as_bytes()).expect_err("bad number");
        assert_eq!(
            err,
            LineError {
                line: 3,
                message: "bad Easting 'abc'".to_owned()
            }
        );
    }

    #[test]
    fn a_northing_outside_the_national_grid_is_rejected() {
        let bad = EUS.replace("182675", "1300001");
        let err = parse(file(&[HEADER, &bad]).as_bytes()).expect_err("off the grid");
        assert_eq!(
            (err.line, err.message.as_str()),
            (2, "bad Northing '1300001'")
        );
    }

    #[test]
    fn a_bad_crs_names_its_line() {
        let bad = EUS.replace("\"EUS\"", "\"E1S\"");
        let err = parse(file(&[HEADER, EUS, &bad]).as_bytes()).expect_err("bad crs");
        assert_eq!((err.line, err.message.as_str()), (3, "bad CrsCode 'E1S'"));
    }

    #[test]
    fn a_cut_off_last_line_is_an_error_on_that_line() {
        let cut = &EUS[..EUS.find(",529545").expect("fixture has an easting")];
        let err = parse(file(&[HEADER, CLJ_1, CLJ_2, cut]).as_bytes()).expect_err("cut off");
        assert_eq!(err.line, 4, "{err:?}");
        assert!(
            err.message.contains("expected 12 fields, found 6"),
            "{err:?}"
        );
    }

    #[test]
    fn a_truncated_quoted_field_at_end_of_file_is_an_error_on_its_line() {
        // Cut inside the last quoted field, with no newline: every field is present.
        let cut = &EUS[..EUS.len() - 2];
        let input = format!("{HEADER}\n{CLJ_1}\n{cut}");
        let err = parse(input.as_bytes()).expect_err("unterminated quote");
        assert_eq!(
            (err.line, err.message.as_str()),
            (3, "unterminated quoted field")
        );
    }

    #[test]
    fn a_truncated_quoted_field_mid_file_is_an_error_on_its_line() {
        let cut = &CLJ_1[..CLJ_1.find("Junction").expect("fixture has a name")];
        let err = parse(file(&[HEADER, EUS, cut, CLJ_2]).as_bytes()).expect_err("cut quote");
        assert_eq!(err.line, 3, "{err:?}");
    }

    #[test]
    fn the_real_rail_references_file_parses_with_the_known_counts() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/data/naptan/RailReferences.csv"
        );
        let Ok(file) = std::fs::File::open(path) else {
            eprintln!("skipped: {path} not present");
            return;
        };
        let rows = parse(file).expect("the real file parses");
        assert_eq!(rows.len(), 2633);
        let crs: HashSet<&str> = rows.iter().map(|r| r.crs.as_str()).collect();
        assert_eq!(crs.len(), 2600);
        assert_eq!(rows.iter().filter(|r| r.crs == "CLJ").count(), 5);

        let eus = rows
            .iter()
            .find(|r| r.crs == "EUS")
            .expect("Euston is listed");
        assert_eq!(eus.name, "London Euston");
        let metres = haversine_km(
            eus.position,
            LatLon {
                lat: 51.5288,
                lon: -0.1342,
            },
        ) * 1000.0;
        assert!(
            metres < 100.0,
            "EUS at {:?}, {metres:.1} m off",
            eus.position
        );
    }
}
