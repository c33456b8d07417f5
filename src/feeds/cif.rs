//! The Network Rail / RDG CIF timetable (fixed width, 80 characters a record; offsets as in the
//! *CIF End User Specification* v29, checked against the real extracts in
//! `../shared/data/cif-sample/`). Pure: bytes in, schedules out; never touches the database.
//!
//! Read: `HD` header, `TI`/`TA`/`TD` TIPLOC records, `BS` basic schedule with its `BX` extra
//! (the operator's ATOC code), `LO` origin, `LI` intermediate and `LT` terminus locations, `ZZ`
//! trailer. Counted but not imported: `AA` associations (joining, dividing and next-working links
//! between trains; the planner treats every train on its own) and `CR` changes en route (a train
//! changing its identity or class mid-journey; its calls and times are unaffected).
//!
//! Strict: every record must be exactly 80 characters, fields must hold what the specification
//! allows, records must come in schedule order, and the file must end with `ZZ`. The first
//! problem is reported with its 1-based line number, so a bad file imports nothing.

use time::{Date, Month, PrimitiveDateTime, Time};
use xxhash_rust::xxh3::Xxh3;

use crate::domain::stp::{BankHolidayRunning, DaysRun, Stp, Validity};

/// The length of every CIF record.
pub const RECORD_LEN: usize = 80;

/// Seconds in a day: times after midnight on an overnight train are stored past it.
const DAY_SECS: u32 = 86_400;

/// What is wrong with a CIF file, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CifError {
    /// 1-based physical line of the file.
    pub line: u64,
    /// What is wrong there.
    pub message: String,
}

type Parsed<T> = Result<T, String>;

/// Whether the file is a full extract (replaces the whole timetable) or an update (applies its
/// transactions to the timetable held).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtractKind {
    /// `F`: a full extract.
    Full,
    /// `U`: an update to apply on top of the previous extract.
    Update,
}

/// The `HD` header record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// File mainframe identity, e.g. `TPS.UDFROC1.PD200628`.
    pub mainframe_id: String,
    /// When the extract was made (UK local time).
    pub extracted_at: PrimitiveDateTime,
    /// This file's reference, e.g. `DFROC1I`.
    pub file_ref: String,
    /// The reference of the file this update follows, if any.
    pub last_file_ref: Option<String>,
    /// Full extract or update.
    pub kind: ExtractKind,
    /// First day of the extract's user period.
    pub user_start: Date,
    /// Last day of the extract's user period.
    pub user_end: Date,
}

/// A TIPLOC (timing point location) as the `TI`/`TA` records describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tiploc {
    /// The TIPLOC code, up to seven characters.
    pub code: String,
    /// National Location Code (six digits), when given.
    pub nlc: Option<String>,
    /// TPS description, e.g. `ABERDARE`.
    pub name: String,
    /// STANOX, when given.
    pub stanox: Option<String>,
    /// CRS code of the station, when the location is one.
    pub crs: Option<String>,
}

/// One `TI`, `TA` or `TD` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TiplocChange {
    /// `TI`: a new TIPLOC.
    Insert(Tiploc),
    /// `TA`: an amended TIPLOC, possibly renamed to `new_code`.
    Amend {
        /// The TIPLOC as amended.
        tiploc: Tiploc,
        /// Its new code, when it changes.
        new_code: Option<String>,
    },
    /// `TD`: a TIPLOC deleted.
    Delete(String),
}

/// Which kind of location record a call came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// `LO`: where the train starts.
    Origin,
    /// `LI`: a stop or a timed pass on the way.
    Intermediate,
    /// `LT`: where the train ends.
    Terminus,
}

impl CallKind {
    /// The CIF record type (`LO`, `LI`, `LT`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Origin => "LO",
            Self::Intermediate => "LI",
            Self::Terminus => "LT",
        }
    }
}

/// A location of a schedule. Times are seconds after midnight at the start of the service day,
/// so a call after midnight on an overnight train is past 86,400; working (scheduled) times keep
/// CIF's half minutes (`H` = +30 s), public times are whole minutes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallingPoint {
    /// Origin, intermediate or terminus.
    pub kind: CallKind,
    /// TIPLOC of the location.
    pub tiploc: String,
    /// Suffix telling apart two visits to one TIPLOC, if any.
    pub suffix: Option<char>,
    /// Working arrival (none at the origin or at a pass).
    pub arrival_secs: Option<u32>,
    /// Working departure (none at the terminus or at a pass).
    pub departure_secs: Option<u32>,
    /// Working passing time, for a location the train passes without stopping.
    pub pass_secs: Option<u32>,
    /// Public (advertised) arrival; none when the call is not advertised (`0000`).
    pub public_arrival_secs: Option<u32>,
    /// Public (advertised) departure; none when the call is not advertised (`0000`).
    pub public_departure_secs: Option<u32>,
    /// Platform, when given.
    pub platform: Option<String>,
    /// Activity codes as in the record (e.g. `TB`, `T`, `TF`), blanks trimmed.
    pub activity: String,
}

impl CallingPoint {
    /// Whether passengers can join or leave here: the call has a public time.
    pub fn is_public(&self) -> bool {
        self.public_arrival_secs.is_some() || self.public_departure_secs.is_some()
    }
}

/// Which schedule a transaction is about: CIF identifies one by UID, start date and STP.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScheduleKey {
    /// Train UID, e.g. `C00046`.
    pub uid: String,
    /// Date runs from.
    pub runs_from: Date,
    /// STP indicator.
    pub stp: Stp,
}

/// A schedule as a `BS` record (with its `BX` and locations) states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// Line of the `BS` record.
    pub line: u64,
    /// Train UID.
    pub uid: String,
    /// Date range, days run, bank holiday running and STP indicator.
    pub validity: Validity,
    /// Train status (`P` passenger and parcels, `F` freight, `1` STP passenger, …), if given.
    pub status: Option<char>,
    /// Train category (`OO` ordinary passenger, `XX` express, …), if given.
    pub category: Option<String>,
    /// Train identity (signalling headcode, e.g. `1E67`), if given.
    pub identity: Option<String>,
    /// Train service code, if given.
    pub service_code: Option<String>,
    /// ATOC code of the operator (from `BX`), if given.
    pub operator: Option<String>,
    /// Calls in order, origin first; empty for a cancellation.
    pub calls: Vec<CallingPoint>,
    /// A stable hash of the schedule's records (its transaction type left out), so an import can
    /// tell an unchanged schedule without comparing every call.
    pub fingerprint: u64,
}

impl Schedule {
    /// The key CIF transactions name this schedule by.
    pub fn key(&self) -> ScheduleKey {
        ScheduleKey {
            uid: self.uid.clone(),
            runs_from: self.validity.runs_from,
            stp: self.validity.stp,
        }
    }
}

/// One schedule transaction of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleChange {
    /// `N` (new) or `R` (revise): the schedule as it now is.
    Upsert(Schedule),
    /// `D`: the schedule is withdrawn.
    Delete {
        /// Line of the `BS` record.
        line: u64,
        /// The schedule withdrawn.
        key: ScheduleKey,
    },
}

/// A whole parsed CIF file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CifFile {
    /// The `HD` record.
    pub header: Header,
    /// `TI`/`TA`/`TD` records in file order.
    pub tiplocs: Vec<TiplocChange>,
    /// Schedule transactions in file order.
    pub schedules: Vec<ScheduleChange>,
    /// `AA` association records read (not imported).
    pub associations: u64,
    /// `CR` change-en-route records read (not imported).
    pub changes_en_route: u64,
    /// Records read, `HD` and `ZZ` included.
    pub records: u64,
}

/// Reads the header of a CIF file from its first record, without parsing the rest: enough to
/// order several files (full extract first, then updates by extract time).
pub fn read_header(bytes: &[u8]) -> Result<Header, CifError> {
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let record = record_text(first, 1)?;
    if !record.starts_with("HD") {
        return Err(CifError {
            line: 1,
            message: format!(
                "a CIF file starts with an HD header record, found '{}'",
                &record[..2]
            ),
        });
    }
    parse_header(record).map_err(|message| CifError { line: 1, message })
}

/// Parses a whole CIF file. The first problem found ends the parse with its line.
pub fn parse(bytes: &[u8]) -> Result<CifFile, CifError> {
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    // A final newline leaves one empty piece behind it, which is not a record.
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    let mut parser = Parser::default();
    for (i, raw) in lines.iter().enumerate() {
        let line = i as u64 + 1;
        let record = record_text(raw, line)?;
        parser
            .record(record, line)
            .map_err(|message| CifError { line, message })?;
    }
    parser.finish(lines.len() as u64)
}

fn record_text(raw: &[u8], line: u64) -> Result<&str, CifError> {
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    if !raw.is_ascii() {
        return Err(CifError {
            line,
            message: "the record has non-ASCII bytes; CIF is plain ASCII".to_owned(),
        });
    }
    if raw.len() != RECORD_LEN {
        return Err(CifError {
            line,
            message: format!(
                "the record is {} characters long; every CIF record is {RECORD_LEN} (cut off or \
                 padded wrongly?)",
                raw.len()
            ),
        });
    }
    // ASCII was checked just above, so this cannot fail.
    std::str::from_utf8(raw).map_err(|e| CifError {
        line,
        message: e.to_string(),
    })
}

/// A schedule being read: its `BS` seen, its locations so far.
struct Open {
    schedule: Schedule,
    has_extra: bool,
    terminated: bool,
    hasher: Xxh3,
    // The day offset applied to working times so far (0 or a multiple of a day).
    day_offset: u32,
    last_secs: u32,
}

#[derive(Default)]
struct Parser {
    header: Option<Header>,
    tiplocs: Vec<TiplocChange>,
    schedules: Vec<ScheduleChange>,
    associations: u64,
    changes_en_route: u64,
    open: Option<Open>,
    trailer: bool,
    records: u64,
}

impl Parser {
    fn record(&mut self, record: &str, line: u64) -> Parsed<()> {
        let kind = &record[..2];
        if self.trailer {
            return Err(format!("a {kind} record after the ZZ trailer"));
        }
        if self.header.is_none() && kind != "HD" {
            return Err(format!(
                "a CIF file starts with an HD header record, found '{kind}'"
            ));
        }
        self.records += 1;
        match kind {
            "HD" => {
                if self.header.is_some() {
                    return Err("a second HD header record".to_owned());
                }
                self.header = Some(parse_header(record)?);
            }
            "TI" | "TA" | "TD" => {
                self.close_schedule(kind)?;
                self.tiplocs.push(parse_tiploc(record)?);
            }
            "AA" => {
                self.close_schedule(kind)?;
                self.associations += 1;
            }
            "BS" => {
                self.close_schedule(kind)?;
                self.open_schedule(record, line)?;
            }
            "BX" => {
                let open = self.open.as_mut().ok_or("a BX record without its BS")?;
                if open.has_extra || !open.schedule.calls.is_empty() {
                    return Err("a BX record must come straight after its BS".to_owned());
                }
                open.has_extra = true;
                open.hasher.update(record.as_bytes());
                open.schedule.operator = text(&record[11..13]);
            }
            "LO" | "LI" | "LT" => {
                let open = self
                    .open
                    .as_mut()
                    .ok_or_else(|| format!("a {kind} record outside a schedule"))?;
                open.location(kind, record)?;
            }
            "CR" => {
                let open = self.open.as_mut().ok_or("a CR record outside a schedule")?;
                if open.schedule.calls.is_empty() || open.terminated {
                    return Err("a CR record must come between a schedule's LO and LT".to_owned());
                }
                open.hasher.update(record.as_bytes());
                self.changes_en_route += 1;
            }
            "ZZ" => {
                self.close_schedule(kind)?;
                self.trailer = true;
            }
            other => return Err(format!("unknown record type '{other}'")),
        }
        Ok(())
    }

    fn open_schedule(&mut self, record: &str, line: u64) -> Parsed<()> {
        let transaction = record.as_bytes()[2] as char;
        let uid = &record[3..9];
        if !uid.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(format!(
                "BS record: train UID '{uid}' is not six letters or digits"
            ));
        }
        let runs_from = cif_date(&record[9..15], "date runs from")?;
        let stp_code = record.as_bytes()[79] as char;
        let stp = Stp::from_code(stp_code)
            .ok_or_else(|| format!("BS record: STP indicator '{stp_code}' is not C, N, O or P"))?;
        match transaction {
            'D' => {
                self.schedules.push(ScheduleChange::Delete {
                    line,
                    key: ScheduleKey {
                        uid: uid.to_owned(),
                        runs_from,
                        stp,
                    },
                });
                return Ok(());
            }
            'N' | 'R' => {}
            other => {
                return Err(format!(
                    "BS record: transaction type '{other}' is not N, D or R"
                ));
            }
        }
        let runs_to = cif_date(&record[15..21], "date runs to")?;
        if runs_to < runs_from {
            return Err(format!(
                "BS record: date runs to {runs_to} is before date runs from {runs_from}"
            ));
        }
        let days = DaysRun::parse(&record[21..28]).ok_or_else(|| {
            format!(
                "BS record: days run '{}' is not seven 0/1 characters",
                &record[21..28]
            )
        })?;
        let bh_code = record.as_bytes()[28] as char;
        let bank_holiday = BankHolidayRunning::from_code(bh_code).ok_or_else(|| {
            format!("BS record: bank holiday running '{bh_code}' is not blank, X, G or E")
        })?;
        let mut hasher = Xxh3::new();
        // The transaction type is left out: a revision restating a schedule changes nothing.
        hasher.update(&record.as_bytes()[3..]);
        let status = record.as_bytes()[29] as char;
        self.open = Some(Open {
            schedule: Schedule {
                line,
                uid: uid.to_owned(),
                validity: Validity {
                    runs_from,
                    runs_to,
                    days,
                    bank_holiday,
                    stp,
                },
                status: (status != ' ').then_some(status),
                category: text(&record[30..32]),
                identity: text(&record[32..36]),
                service_code: text(&record[41..49]),
                operator: None,
                calls: Vec::new(),
                fingerprint: 0,
            },
            has_extra: false,
            terminated: false,
            hasher,
            day_offset: 0,
            last_secs: 0,
        });
        Ok(())
    }

    /// Ends the open schedule before a record of `next` kind; it must be complete.
    fn close_schedule(&mut self, next: &str) -> Parsed<()> {
        let Some(open) = self.open.take() else {
            return Ok(());
        };
        let s = &open.schedule;
        let cancellation = s.validity.stp == Stp::Cancellation;
        if cancellation && !s.calls.is_empty() {
            return Err(format!(
                "schedule {} (line {}) is a cancellation (STP C) but has locations",
                s.uid, s.line
            ));
        }
        if !cancellation && !open.terminated {
            let what = if s.calls.is_empty() {
                "no LO origin"
            } else {
                "no LT terminus"
            };
            return Err(format!(
                "schedule {} (line {}) has {what} before this {next} record (cut off?)",
                s.uid, s.line
            ));
        }
        let mut schedule = open.schedule;
        schedule.fingerprint = open.hasher.digest();
        self.schedules.push(ScheduleChange::Upsert(schedule));
        Ok(())
    }

    fn finish(mut self, lines: u64) -> Result<CifFile, CifError> {
        let at_end = |message: String| CifError {
            line: lines.max(1),
            message,
        };
        let header = self
            .header
            .take()
            .ok_or_else(|| at_end("the file is empty: no HD header record".to_owned()))?;
        if !self.trailer {
            return Err(at_end(
                "the file ends without its ZZ trailer record (cut off?)".to_owned(),
            ));
        }
        Ok(CifFile {
            header,
            tiplocs: self.tiplocs,
            schedules: self.schedules,
            associations: self.associations,
            changes_en_route: self.changes_en_route,
            records: self.records,
        })
    }
}

impl Open {
    fn location(&mut self, kind: &str, record: &str) -> Parsed<()> {
        if self.terminated {
            return Err(format!("a {kind} record after the schedule's LT terminus"));
        }
        if self.schedule.validity.stp == Stp::Cancellation {
            return Err(format!(
                "a {kind} record in a cancellation (STP C), which has no locations"
            ));
        }
        let first = self.schedule.calls.is_empty();
        match (kind, first) {
            ("LO", false) => return Err("a second LO origin in one schedule".to_owned()),
            ("LI" | "LT", true) => {
                return Err(format!("a {kind} record before the schedule's LO origin"));
            }
            _ => {}
        }
        let tiploc = record[2..9].trim_end();
        if tiploc.is_empty() || !tiploc.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(format!(
                "{kind} record: location '{}' is not a TIPLOC",
                &record[2..9]
            ));
        }
        let suffix = record.as_bytes()[9] as char;
        self.hasher.update(record.as_bytes());
        let call = match kind {
            "LO" => {
                let departure = self.working(&record[10..15], "scheduled departure")?;
                CallingPoint {
                    kind: CallKind::Origin,
                    tiploc: tiploc.to_owned(),
                    suffix: (suffix != ' ').then_some(suffix),
                    arrival_secs: None,
                    departure_secs: Some(
                        departure.ok_or("LO record: the origin has no scheduled departure")?,
                    ),
                    pass_secs: None,
                    public_arrival_secs: None,
                    public_departure_secs: public(&record[15..19], "public departure", departure)?,
                    platform: text(&record[19..22]),
                    activity: record[29..41].trim().to_owned(),
                }
            }
            "LI" => {
                let arrival = self.working(&record[10..15], "scheduled arrival")?;
                let departure = self.working(&record[15..20], "scheduled departure")?;
                let pass = self.working(&record[20..25], "scheduled pass")?;
                match (arrival, departure, pass) {
                    (Some(_), Some(_), None) | (None, None, Some(_)) => {}
                    _ => {
                        return Err(
                            "LI record: needs a scheduled arrival and departure, or a pass time \
                             alone"
                                .to_owned(),
                        );
                    }
                }
                CallingPoint {
                    kind: CallKind::Intermediate,
                    tiploc: tiploc.to_owned(),
                    suffix: (suffix != ' ').then_some(suffix),
                    arrival_secs: arrival,
                    departure_secs: departure,
                    pass_secs: pass,
                    public_arrival_secs: public(&record[25..29], "public arrival", arrival)?,
                    public_departure_secs: public(&record[29..33], "public departure", departure)?,
                    platform: text(&record[33..36]),
                    activity: record[42..54].trim().to_owned(),
                }
            }
            _ => {
                let arrival = self.working(&record[10..15], "scheduled arrival")?;
                self.terminated = true;
                CallingPoint {
                    kind: CallKind::Terminus,
                    tiploc: tiploc.to_owned(),
                    suffix: (suffix != ' ').then_some(suffix),
                    arrival_secs: Some(
                        arrival.ok_or("LT record: the terminus has no scheduled arrival")?,
                    ),
                    departure_secs: None,
                    pass_secs: None,
                    public_arrival_secs: public(&record[15..19], "public arrival", arrival)?,
                    public_departure_secs: None,
                    platform: text(&record[19..22]),
                    activity: record[25..37].trim().to_owned(),
                }
            }
        };
        self.schedule.calls.push(call);
        Ok(())
    }

    /// A working time `HHMM` plus blank or `H`, in seconds of the service day: a time earlier
    /// than the one before it has crossed midnight.
    fn working(&mut self, field: &str, what: &str) -> Parsed<Option<u32>> {
        if field.trim().is_empty() {
            return Ok(None);
        }
        let half = match field.as_bytes()[4] {
            b' ' => 0,
            b'H' => 30,
            _ => {
                return Err(format!(
                    "{what} '{field}' is not HHMM followed by blank or H"
                ));
            }
        };
        let secs =
            hhmm(&field[..4]).ok_or_else(|| format!("{what} '{field}' is not a time"))? + half;
        if secs + self.day_offset < self.last_secs {
            self.day_offset += DAY_SECS;
        }
        let secs = secs + self.day_offset;
        self.last_secs = secs;
        Ok(Some(secs))
    }
}

/// A public time `HHMM` (`0000` or blank: not advertised), put on the same day as the working
/// time it goes with (a public time may round a working one across midnight).
fn public(field: &str, what: &str, working: Option<u32>) -> Parsed<Option<u32>> {
    if field.trim().is_empty() || field == "0000" {
        return Ok(None);
    }
    let secs = hhmm(field).ok_or_else(|| format!("{what} '{field}' is not a time (HHMM)"))?;
    let Some(working) = working else {
        return Ok(Some(secs));
    };
    let day = working / DAY_SECS;
    let best = [day.saturating_sub(1), day, day + 1]
        .into_iter()
        .map(|d| secs + d * DAY_SECS)
        .min_by_key(|t| t.abs_diff(working))
        .unwrap_or(secs);
    Ok(Some(best))
}

fn hhmm(field: &str) -> Option<u32> {
    if field.len() != 4 || !field.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: u32 = field[..2].parse().ok()?;
    let m: u32 = field[2..].parse().ok()?;
    (h < 24 && m < 60).then_some(h * 3600 + m * 60)
}

/// Two-digit CIF years: 60–99 are 19xx, 00–59 are 20xx.
fn century(yy: i32) -> i32 {
    if yy >= 60 { 1900 + yy } else { 2000 + yy }
}

fn two_digits(field: &str) -> Option<u8> {
    if field.len() == 2 && field.bytes().all(|b| b.is_ascii_digit()) {
        field.parse().ok()
    } else {
        None
    }
}

fn ymd(yy: &str, mm: &str, dd: &str) -> Option<Date> {
    let year = century(i32::from(two_digits(yy)?));
    let month = Month::try_from(two_digits(mm)?).ok()?;
    Date::from_calendar_date(year, month, two_digits(dd)?).ok()
}

/// A `YYMMDD` date of a `BS` record.
fn cif_date(field: &str, what: &str) -> Parsed<Date> {
    ymd(&field[..2], &field[2..4], &field[4..6])
        .ok_or_else(|| format!("BS record: {what} '{field}' is not a date (YYMMDD)"))
}

/// A `DDMMYY` date of the `HD` record.
fn header_date(field: &str, what: &str) -> Parsed<Date> {
    ymd(&field[4..6], &field[2..4], &field[..2])
        .ok_or_else(|| format!("HD record: {what} '{field}' is not a date (DDMMYY)"))
}

fn parse_header(record: &str) -> Parsed<Header> {
    let date = header_date(&record[22..28], "date of extract")?;
    let clock = hhmm(&record[28..32]).ok_or_else(|| {
        format!(
            "HD record: time of extract '{}' is not HHMM",
            &record[28..32]
        )
    })?;
    let time = Time::from_hms((clock / 3600) as u8, ((clock / 60) % 60) as u8, 0)
        .map_err(|e| format!("HD record: time of extract: {e}"))?;
    let kind = match record.as_bytes()[46] {
        b'F' => ExtractKind::Full,
        b'U' => ExtractKind::Update,
        other => {
            return Err(format!(
                "HD record: update indicator '{}' is not F or U",
                other as char
            ));
        }
    };
    let file_ref = text(&record[32..39]).ok_or("HD record: the current file reference is blank")?;
    Ok(Header {
        mainframe_id: record[2..22].trim().to_owned(),
        extracted_at: PrimitiveDateTime::new(date, time),
        file_ref,
        last_file_ref: text(&record[39..46]),
        kind,
        user_start: header_date(&record[48..54], "user start date")?,
        user_end: header_date(&record[54..60], "user end date")?,
    })
}

fn parse_tiploc(record: &str) -> Parsed<TiplocChange> {
    let code = record[2..9].trim_end().to_owned();
    if code.is_empty() {
        return Err(format!("{} record: the TIPLOC is blank", &record[..2]));
    }
    if &record[..2] == "TD" {
        return Ok(TiplocChange::Delete(code));
    }
    let tiploc = Tiploc {
        code,
        nlc: text(&record[11..17]),
        name: record[18..44].trim().to_owned(),
        stanox: text(&record[44..49]).filter(|s| s != "00000"),
        crs: text(&record[53..56]),
    };
    Ok(if &record[..2] == "TI" {
        TiplocChange::Insert(tiploc)
    } else {
        TiplocChange::Amend {
            tiploc,
            new_code: text(&record[72..79]),
        }
    })
}

/// A fixed-width text field, blanks trimmed; `None` when blank.
fn text(field: &str) -> Option<String> {
    let t = field.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    fn pad(s: &str) -> String {
        format!("{s:<80}")
    }

    fn file(records: &[&str]) -> Vec<u8> {
        records
            .iter()
            .map(|r| pad(r) + "\n")
            .collect::<String>()
            .into_bytes()
    }

    const HD: &str = "HDTPS.UDFROC1.PD2006191906201947DFROC2E       FA190620190621";

    fn upserts(f: &CifFile) -> Vec<&Schedule> {
        f.schedules
            .iter()
            .filter_map(|c| match c {
                ScheduleChange::Upsert(s) => Some(s),
                ScheduleChange::Delete { .. } => None,
            })
            .collect()
    }

    #[test]
    fn reads_a_schedule_with_its_times_and_operator() {
        let f = parse(&file(&[
            HD,
            "BSNC000462005172012060000001 PEE5J11    111841820 DMUE   090                   P",
            "BX         NTY",
            "LOHOLBSDG 0944 0000          TB",
            "LIESJLEDS 0948 0951      00000000   DM    OPRM",
            "LILEEDSWJ           0952H00000000   E",
            "LTLEEDS   0954 000012A   TF",
            "ZZ",
        ]))
        .unwrap();
        assert_eq!(f.header.kind, ExtractKind::Full);
        assert_eq!(f.header.extracted_at, datetime!(2020-06-19 19:47));
        assert_eq!(f.header.user_end, date!(2021 - 06 - 19));
        let s = upserts(&f)[0];
        assert_eq!(s.uid, "C00046");
        assert_eq!(s.validity.runs_from, date!(2020 - 05 - 17));
        assert_eq!(s.validity.runs_to, date!(2020 - 12 - 06));
        assert_eq!(s.validity.days.to_cif(), "0000001");
        assert_eq!(s.validity.stp, Stp::Permanent);
        assert_eq!(s.status, Some('P'));
        assert_eq!(s.category.as_deref(), Some("EE"));
        assert_eq!(s.identity.as_deref(), Some("5J11"));
        assert_eq!(s.operator.as_deref(), Some("NT"));
        assert_eq!(s.calls.len(), 4);
        assert_eq!(s.calls[0].departure_secs, Some(9 * 3600 + 44 * 60));
        assert_eq!(s.calls[2].pass_secs, Some(9 * 3600 + 52 * 60 + 30));
        assert_eq!(s.calls[3].platform.as_deref(), Some("12A"));
        assert_eq!(s.calls[3].activity, "TF");
        assert!(
            s.calls.iter().all(|c| !c.is_public()),
            "an empty-stock move"
        );
    }

    #[test]
    fn an_overnight_train_counts_its_times_past_midnight() {
        let f = parse(&file(&[
            HD,
            "BSNC999992005172012061111100 POO1A01    111841820 DMUE   090                   P",
            "LOAAAAAAA 2350 2350          TB",
            "LIBBBBBBB 2359H0001H     23590001   T",
            "LTCCCCCCC 0010 0010      TF",
            "ZZ",
        ]))
        .unwrap();
        let s = upserts(&f)[0];
        assert_eq!(s.calls[1].arrival_secs, Some(23 * 3600 + 59 * 60 + 30));
        assert_eq!(s.calls[1].departure_secs, Some(DAY_SECS + 90));
        assert_eq!(s.calls[1].public_arrival_secs, Some(23 * 3600 + 59 * 60));
        assert_eq!(s.calls[1].public_departure_secs, Some(DAY_SECS + 60));
        assert_eq!(s.calls[2].arrival_secs, Some(DAY_SECS + 600));
        assert_eq!(s.calls[2].public_arrival_secs, Some(DAY_SECS + 600));
    }

    #[test]
    fn cancellations_and_deletes_have_no_locations() {
        let f = parse(&file(&[
            HD,
            "BSNC000462005172006210000001            1                                      C",
            "BSDC12428200615                                                                C",
            "ZZ",
        ]))
        .unwrap();
        assert_eq!(f.schedules.len(), 2);
        assert_eq!(upserts(&f)[0].validity.stp, Stp::Cancellation);
        assert!(matches!(
            &f.schedules[1],
            ScheduleChange::Delete { key, line: 3 } if key.uid == "C12428"
                && key.runs_from == date!(2020 - 06 - 15) && key.stp == Stp::Cancellation
        ));
    }

    #[test]
    fn the_fingerprint_ignores_the_transaction_type_only() {
        let one = |t: &str, time: &str| {
            let bs = format!(
                "BS{t}C000462005172012060000001 PEE5J11    111841820 DMUE   090                   P"
            );
            let lo = format!("LOHOLBSDG {time} 0000          TB");
            let f = parse(&file(&[HD, &bs, &lo, "LTLEEDS   0954 000012A   TF", "ZZ"])).unwrap();
            upserts(&f)[0].fingerprint
        };
        assert_eq!(one("N", "0944"), one("R", "0944"));
        assert_ne!(one("N", "0944"), one("N", "0945"));
    }

    fn error_of(records: &[&str]) -> CifError {
        parse(&file(records)).expect_err("the file is rejected")
    }

    #[test]
    fn bad_records_name_their_line() {
        let bs = "BSNC000462005172012060000001 PEE5J11    111841820 DMUE   090                   P";
        let e = error_of(&[HD, bs, "LOHOLBSDG 0961 0000          TB", "ZZ"]);
        assert_eq!(e.line, 3);
        assert!(e.message.contains("'0961 '"), "{}", e.message);

        let bad_date = bs.replace("200517", "200532");
        let e = error_of(&[HD, &bad_date, "ZZ"]);
        assert_eq!(e.line, 2);
        assert!(
            e.message.contains("date runs from '200532'"),
            "{}",
            e.message
        );

        let e = error_of(&[HD, bs, "LOHOLBSDG 0944 0000          TB", "ZZ"]);
        assert_eq!(e.line, 4);
        assert!(e.message.contains("no LT terminus"), "{}", e.message);

        let e = error_of(&[HD, "QQ"]);
        assert_eq!(
            (e.line, e.message.as_str()),
            (2, "unknown record type 'QQ'")
        );

        let e = error_of(&[HD, bs, "LTLEEDS   0954 000012A   TF"]);
        assert_eq!(e.line, 3);
        assert!(e.message.contains("a LT record before"), "{}", e.message);

        let mut bytes = file(&[HD, "ZZ"]);
        bytes.truncate(bytes.len() - 10);
        let e = parse(&bytes).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("71 characters"), "{}", e.message);

        let e = parse(&file(&[HD])).unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("ZZ trailer"), "{}", e.message);
    }

    #[test]
    fn crlf_line_ends_are_accepted() {
        let text = format!("{}\r\n{}\r\n", pad(HD), pad("ZZ"));
        let f = parse(text.as_bytes()).unwrap();
        assert_eq!(f.records, 2);
    }

    #[test]
    fn tiploc_records_carry_crs_and_nlc() {
        let f = parse(&file(&[
            HD,
            "TIABDARE 00398200TABERDARE                  78100   0ABAABERDARE",
            "TDOLDLOC ",
            "ZZ",
        ]))
        .unwrap();
        assert_eq!(
            f.tiplocs[0],
            TiplocChange::Insert(Tiploc {
                code: "ABDARE".to_owned(),
                nlc: Some("398200".to_owned()),
                name: "ABERDARE".to_owned(),
                stanox: Some("78100".to_owned()),
                crs: Some("ABA".to_owned()),
            })
        );
        assert_eq!(f.tiplocs[1], TiplocChange::Delete("OLDLOC".to_owned()));
    }
}
