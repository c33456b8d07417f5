//! Parses the RDG fares feed (RSPS5045, fixed width): locations (`.LOC`), flows and their fares
//! (`.FFL`), ticket types (`.TTY`) and non-derivable fares (`.NDF`), from a directory or a zip.
//! Parsing is pure and strict (a bad record names its line); only `read_feed_*` read files, and
//! nothing here ever touches the database or the network.
//!
//! Only full-refresh files are loaded: a `D` (delete) record says "this record is not current",
//! so it is validated, left out of the result and counted in [`Skipped::deleted`]. `R`, `I` and
//! `A` records are all kept as they stand.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;
use time::{Date, Month};

use super::LineError;
/// Single or return: the Delay Repay model's type, so refunds and fares agree without a conversion.
pub use crate::model::delay_repay::Journey;

/// Width of a `.LOC` `L` (location) record.
const LOC_L_WIDTH: usize = 289;
/// Width of a `.FFL` `F` (flow) record.
const FFL_F_WIDTH: usize = 49;
/// Width of a `.FFL` `T` (fare) record.
const FFL_T_WIDTH: usize = 22;
/// Width of a `.TTY` (ticket type) record.
const TTY_WIDTH: usize = 113;
/// Width of a `.NDF` (non-derivable fare) record.
const NDF_WIDTH: usize = 67;

/// The feed's "no end date": `31122999`.
pub const OPEN_ENDED: Date = time::macros::date!(2999 - 12 - 31);

/// Everything read from one feed (one `RJFAFnnn` set of files).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FaresFeed {
    /// `L` records of the `.LOC` file.
    pub locations: Vec<Location>,
    /// `F` records of the `.FFL` file.
    pub flows: Vec<Flow>,
    /// `T` records of the `.FFL` file: one price per flow and ticket code.
    pub fares: Vec<FlowFare>,
    /// Single and return ticket types of the `.TTY` file (season tickets are skipped).
    pub ticket_types: Vec<TicketType>,
    /// Records of the `.NDF` file.
    pub non_derivable: Vec<NonDerivableFare>,
    /// What was read but deliberately left out, over all four files.
    pub skipped: Skipped,
}

/// Counts of valid records deliberately left out of a parse result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Skipped {
    /// `.LOC` records of types other than `L` (associations, groups, ...), which fares do not need.
    pub other_record_types: u64,
    /// `D` (delete) records, and `.FFL` fares whose flow was deleted.
    pub deleted: u64,
    /// `.TTY` season tickets (ticket type `N`), which a single journey never uses.
    pub season_tickets: u64,
}

impl Skipped {
    fn add(&mut self, other: Skipped) {
        self.other_record_types += other.other_record_types;
        self.deleted += other.deleted;
        self.season_tickets += other.season_tickets;
    }
}

/// A location (`.LOC` `L` record): the NLC fares are keyed on, and the CRS travellers know.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    /// UIC code (7 characters).
    pub uic: String,
    /// National Location Code (4 characters).
    pub nlc: String,
    /// Station or group name as the feed spells it (trimmed, upper case).
    pub description: String,
    /// CRS code; `None` for locations that are not stations (groups, zones).
    pub crs: Option<String>,
    /// Fare group the location prices as (trimmed).
    pub fare_group: String,
    /// First day the record applies.
    pub valid_from: Date,
    /// Last day the record applies ([`OPEN_ENDED`] if none).
    pub valid_until: Date,
}

/// Whether a flow's fares apply in both directions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// `R`: the fares also apply from destination to origin.
    Reversible,
    /// `S`: the fares apply from origin to destination only.
    SingleDirection,
}

/// A flow (`.FFL` `F` record): an origin, destination and route that a set of fares is priced on.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    /// Flow id linking the flow's `T` fare records (7 digits).
    pub flow_id: String,
    /// Origin NLC (or fare group).
    pub origin: String,
    /// Destination NLC (or fare group).
    pub destination: String,
    /// Route code (5 digits; `00000` is "any permitted").
    pub route: String,
    /// Status code (3 characters; `000` is adult).
    pub status: String,
    /// Usage code (1 character).
    pub usage: String,
    /// Reversible or single direction.
    pub direction: Direction,
    /// Operator code for operator-specific flows; `None` when blank.
    pub toc: Option<String>,
    /// First day the flow's fares apply.
    pub valid_from: Date,
    /// Last day the flow's fares apply ([`OPEN_ENDED`] if none).
    pub valid_until: Date,
}

impl Flow {
    /// Whether a journey from `from` to `to` (NLCs) may use this flow, honouring its direction.
    pub fn serves(&self, from: &str, to: &str) -> bool {
        (self.origin == from && self.destination == to)
            || (self.direction == Direction::Reversible
                && self.origin == to
                && self.destination == from)
    }

    /// Whether the flow's fares apply on `date` (both ends inclusive).
    pub fn is_valid_on(&self, date: Date) -> bool {
        self.valid_from <= date && date <= self.valid_until
    }
}

/// A fare (`.FFL` `T` record): the adult price of one ticket type on one flow.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowFare {
    /// The flow this fare belongs to.
    pub flow_id: String,
    /// Ticket type code (see [`TicketType`]).
    pub ticket_code: String,
    /// Adult price in pence.
    pub price_pence: i64,
    /// Restriction code; `None` when blank (unrestricted).
    pub restriction: Option<String>,
}

/// Which class of travel a ticket type is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TicketClass {
    /// `1`: first class.
    First,
    /// `2`: standard class.
    Standard,
    /// `9`: valid in either class.
    Both,
}

/// What the traveller would call the ticket; decides when it may be used and how it compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketKind {
    /// Train-specific, booked ahead.
    Advance,
    /// Off-peak (including off-peak day) tickets.
    OffPeak,
    /// Super off-peak tickets.
    SuperOffPeak,
    /// Anytime (including anytime day) tickets: no time restriction.
    Anytime,
    /// Anything the table in [`ticket_kind`] does not know.
    Other,
}

/// A ticket type (`.TTY` record): what a ticket code means.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketType {
    /// Ticket code, e.g. `SOS`.
    pub code: String,
    /// Description as the feed spells it (trimmed), e.g. `ANYTIME S`.
    pub description: String,
    /// Class of travel.
    pub class: TicketClass,
    /// Single or return.
    pub journey: Journey,
    /// Anytime, off-peak, ... from [`ticket_kind`].
    pub kind: TicketKind,
    /// First day the ticket type may be sold.
    pub valid_from: Date,
    /// Last day the ticket type may be sold ([`OPEN_ENDED`] if none).
    pub valid_until: Date,
}

impl TicketType {
    /// Whether the ticket type applies on `date` (both ends inclusive).
    pub fn is_valid_on(&self, date: Date) -> bool {
        self.valid_from <= date && date <= self.valid_until
    }
}

/// A non-derivable fare (`.NDF` record): a price set directly for an origin, destination and ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct NonDerivableFare {
    /// Origin NLC.
    pub origin: String,
    /// Destination NLC.
    pub destination: String,
    /// Route code.
    pub route: String,
    /// Railcard code; `None` when blank (no railcard: the full adult fare).
    pub railcard: Option<String>,
    /// Ticket type code.
    pub ticket_code: String,
    /// ND record type (1 character, e.g. `N` new or `O` override).
    pub record_type: String,
    /// First day the fare applies.
    pub valid_from: Date,
    /// Last day the fare applies ([`OPEN_ENDED`] if none).
    pub valid_until: Date,
    /// `Y` in the suppress marker: the fare must not be offered.
    pub suppressed: bool,
    /// Adult price in pence.
    pub adult_pence: i64,
    /// Child price in pence.
    pub child_pence: i64,
    /// Restriction code; `None` when blank.
    pub restriction: Option<String>,
}

impl NonDerivableFare {
    /// Whether the fare applies on `date` (both ends inclusive).
    pub fn is_valid_on(&self, date: Date) -> bool {
        self.valid_from <= date && date <= self.valid_until
    }
}

/// Ticket codes whose meaning is fixed nationally (RDG ticket type codes).
///
/// The old British Rail names survive in the codes: "open" (`SOS`/`SOR`) is now Anytime, "saver"
/// (`SVS`/`SVR`) Off-Peak, "cheap day" (`CDS`/`CDR`) Off-Peak Day and "super saver"
/// (`SSS`/`SSR`) Super Off-Peak; `F..` are the first-class twins.
const KIND_BY_CODE: &[(&str, TicketKind)] = &[
    ("SDS", TicketKind::Anytime),
    ("SDR", TicketKind::Anytime),
    ("SOS", TicketKind::Anytime),
    ("SOR", TicketKind::Anytime),
    ("FDS", TicketKind::Anytime),
    ("FDR", TicketKind::Anytime),
    ("FOS", TicketKind::Anytime),
    ("FOR", TicketKind::Anytime),
    ("CDS", TicketKind::OffPeak),
    ("CDR", TicketKind::OffPeak),
    ("SVS", TicketKind::OffPeak),
    ("SVR", TicketKind::OffPeak),
    ("SSS", TicketKind::SuperOffPeak),
    ("SSR", TicketKind::SuperOffPeak),
];

/// Whole descriptions (trimmed, upper case) that name a kind, for operator-specific codes.
const KIND_BY_DESCRIPTION: &[(&str, TicketKind)] = &[
    ("ANYTIME S", TicketKind::Anytime),
    ("ANYTIME R", TicketKind::Anytime),
    ("ANYTIME DAY S", TicketKind::Anytime),
    ("ANYTIME DAY R", TicketKind::Anytime),
    ("OFF-PEAK S", TicketKind::OffPeak),
    ("OFF-PEAK R", TicketKind::OffPeak),
    ("OFF-PEAK DAY S", TicketKind::OffPeak),
    ("OFF-PEAK DAY R", TicketKind::OffPeak),
    ("SUPER OFFPEAK S", TicketKind::SuperOffPeak),
    ("SUPER OFFPEAK R", TicketKind::SuperOffPeak),
];

/// Classifies a ticket type, in this order: the national code table ([`KIND_BY_CODE`]); an
/// exact match of the whole trimmed description ([`KIND_BY_DESCRIPTION`]); a description that
/// starts with `ADVANCE` (advance codes are operator-specific, but their descriptions all start
/// so); otherwise [`TicketKind::Other`]. No other word inside a description is looked at.
pub fn ticket_kind(code: &str, description: &str) -> TicketKind {
    let code = code.trim();
    if let Some((_, kind)) = KIND_BY_CODE.iter().find(|(known, _)| *known == code) {
        return *kind;
    }
    let description = description.trim();
    if let Some((_, kind)) = KIND_BY_DESCRIPTION
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(description))
    {
        return *kind;
    }
    let is_advance = description
        .get(..7)
        .is_some_and(|head| head.eq_ignore_ascii_case("ADVANCE"));
    if is_advance {
        TicketKind::Advance
    } else {
        TicketKind::Other
    }
}

/// Parses a `.LOC` file's text: `L` records kept, other record types skipped and counted.
pub fn parse_loc(text: &str) -> Result<(Vec<Location>, Skipped), LineError> {
    let mut locations = Vec::new();
    let mut skipped = Skipped::default();
    for record in records(text) {
        let record = record?;
        if record.field(1, 1, "record type")? != "L" {
            skipped.other_record_types += 1;
            continue;
        }
        record.width(LOC_L_WIDTH, "location (L)")?;
        let (valid_from, valid_until) = record.validity(17, 9)?;
        let crs = record.field(56, 3, "CRS")?;
        let location = Location {
            uic: record.code(2, 7, "UIC code")?,
            nlc: record.code(36, 4, "NLC")?,
            description: record.field(40, 16, "description")?.trim().to_owned(),
            crs: if crs.trim().is_empty() {
                None
            } else {
                Some(record.code(56, 3, "CRS")?)
            },
            fare_group: record.field(69, 6, "fare group")?.trim().to_owned(),
            valid_from,
            valid_until,
        };
        if record.deleted {
            skipped.deleted += 1;
        } else {
            locations.push(location);
        }
    }
    Ok((locations, skipped))
}

/// Parses a `.FFL` file's text into flows (`F`) and their fares (`T`); every fare must name a
/// flow of the same file, and flow ids and (flow, ticket) pairs must be unique.
pub fn parse_ffl(text: &str) -> Result<(Vec<Flow>, Vec<FlowFare>, Skipped), LineError> {
    let mut flows = Vec::new();
    let mut fares: Vec<(u64, FlowFare)> = Vec::new();
    let mut skipped = Skipped::default();
    // Flow id → (line, deleted); fares are checked against it once the whole file is read,
    // because the feed is free to list fares before their flow.
    let mut flow_ids: std::collections::HashMap<String, (u64, bool)> = Default::default();
    let mut fare_keys: std::collections::HashMap<(String, String), u64> = Default::default();
    for record in records(text) {
        let record = record?;
        match record.field(1, 1, "record type")? {
            "F" => {
                record.width(FFL_F_WIDTH, "flow (F)")?;
                let (valid_from, valid_until) = record.validity(28, 20)?;
                let direction = match record.field(19, 1, "direction")? {
                    "R" => Direction::Reversible,
                    "S" => Direction::SingleDirection,
                    other => {
                        return Err(record.error(format!(
                            "direction at column 20 is {other:?}, expected \"R\" or \"S\""
                        )));
                    }
                };
                let toc = record.field(36, 3, "operator")?.trim();
                let flow = Flow {
                    flow_id: record.digits(42, 7, "flow id")?.to_owned(),
                    origin: record.code(2, 4, "origin")?,
                    destination: record.code(6, 4, "destination")?,
                    route: record.code(10, 5, "route code")?,
                    status: record.code(15, 3, "status code")?,
                    usage: record.code(18, 1, "usage code")?,
                    direction,
                    toc: (!toc.is_empty()).then(|| toc.to_owned()),
                    valid_from,
                    valid_until,
                };
                if let Some((first, _)) =
                    flow_ids.insert(flow.flow_id.clone(), (record.line, record.deleted))
                {
                    return Err(record.error(format!(
                        "flow id {} already used on line {first}",
                        flow.flow_id
                    )));
                }
                if record.deleted {
                    skipped.deleted += 1;
                } else {
                    flows.push(flow);
                }
            }
            "T" => {
                record.width(FFL_T_WIDTH, "fare (T)")?;
                let restriction = record.field(20, 2, "restriction code")?.trim();
                let fare = FlowFare {
                    flow_id: record.digits(2, 7, "flow id")?.to_owned(),
                    ticket_code: record.code(9, 3, "ticket code")?,
                    price_pence: record.pence(12, "fare")?,
                    restriction: (!restriction.is_empty()).then(|| restriction.to_owned()),
                };
                let key = (fare.flow_id.clone(), fare.ticket_code.clone());
                if let Some(first) = fare_keys.insert(key, record.line) {
                    return Err(record.error(format!(
                        "fare for flow {} ticket {} already given on line {first}",
                        fare.flow_id, fare.ticket_code
                    )));
                }
                if record.deleted {
                    skipped.deleted += 1;
                } else {
                    fares.push((record.line, fare));
                }
            }
            other => {
                return Err(record.error(format!(
                    "record type at column 2 is {other:?}, expected \"F\" (flow) or \"T\" (fare)"
                )));
            }
        }
    }
    let mut kept = Vec::with_capacity(fares.len());
    for (line, fare) in fares {
        match flow_ids.get(&fare.flow_id) {
            None => {
                return Err(LineError {
                    line,
                    message: format!(
                        "fare names flow {}, which the file does not define",
                        fare.flow_id
                    ),
                });
            }
            // A fare of a deleted flow goes with it.
            Some((_, true)) => skipped.deleted += 1,
            Some((_, false)) => kept.push(fare),
        }
    }
    Ok((flows, kept, skipped))
}

/// Parses a `.TTY` file's text: single and return ticket types kept, season tickets skipped.
pub fn parse_tty(text: &str) -> Result<(Vec<TicketType>, Skipped), LineError> {
    let mut ticket_types = Vec::new();
    let mut skipped = Skipped::default();
    for record in records(text) {
        let record = record?;
        record.width(TTY_WIDTH, "ticket type")?;
        let (valid_from, valid_until) = record.validity(12, 4)?;
        let code = record.code(1, 3, "ticket code")?;
        let description = record.field(28, 15, "description")?.trim().to_owned();
        let class = match record.field(43, 1, "class")? {
            "1" => TicketClass::First,
            "2" => TicketClass::Standard,
            "9" => TicketClass::Both,
            other => {
                return Err(record.error(format!(
                    "class at column 44 is {other:?}, expected \"1\", \"2\" or \"9\""
                )));
            }
        };
        let journey = match record.field(44, 1, "ticket type")? {
            "S" => Some(Journey::Single),
            "R" => Some(Journey::Return),
            "N" => None,
            other => {
                return Err(record.error(format!(
                    "ticket type at column 45 is {other:?}, expected \"S\", \"R\" or \"N\""
                )));
            }
        };
        let Some(journey) = journey else {
            skipped.season_tickets += 1;
            continue;
        };
        if record.deleted {
            skipped.deleted += 1;
            continue;
        }
        ticket_types.push(TicketType {
            kind: ticket_kind(&code, &description),
            code,
            description,
            class,
            journey,
            valid_from,
            valid_until,
        });
    }
    Ok((ticket_types, skipped))
}

/// Parses a `.NDF` file's text.
pub fn parse_ndf(text: &str) -> Result<(Vec<NonDerivableFare>, Skipped), LineError> {
    let mut fares = Vec::new();
    let mut skipped = Skipped::default();
    for record in records(text) {
        let record = record?;
        record.width(NDF_WIDTH, "non-derivable fare")?;
        let (valid_from, valid_until) = record.validity(29, 21)?;
        let railcard = record.field(14, 3, "railcard")?.trim();
        let suppressed = match record.field(45, 1, "suppress marker")? {
            "Y" => true,
            "N" | " " => false,
            other => {
                return Err(record.error(format!(
                    "suppress marker at column 46 is {other:?}, expected \"Y\", \"N\" or blank"
                )));
            }
        };
        let restriction = record.field(62, 2, "restriction code")?.trim();
        let fare = NonDerivableFare {
            origin: record.code(1, 4, "origin")?,
            destination: record.code(5, 4, "destination")?,
            route: record.code(9, 5, "route code")?,
            railcard: if railcard.is_empty() {
                None
            } else {
                Some(record.code(14, 3, "railcard")?)
            },
            ticket_code: record.code(17, 3, "ticket code")?,
            record_type: record.code(20, 1, "ND record type")?,
            valid_from,
            valid_until,
            suppressed,
            adult_pence: record.pence(46, "adult fare")?,
            child_pence: record.pence(54, "child fare")?,
            restriction: (!restriction.is_empty()).then(|| restriction.to_owned()),
        };
        if record.deleted {
            skipped.deleted += 1;
        } else {
            fares.push(fare);
        }
    }
    Ok((fares, skipped))
}

/// The four files of one feed, whichever container they came from.
#[derive(Debug, Default)]
struct FeedFiles<T> {
    loc: Option<(PathBuf, T)>,
    ffl: Option<(PathBuf, T)>,
    tty: Option<(PathBuf, T)>,
    ndf: Option<(PathBuf, T)>,
}

/// The extension a feed file name has (`RJFAF` + three digits + `.LOC|FFL|TTY|NDF`, any case).
fn feed_extension(name: &str) -> Option<&'static str> {
    let upper = name.to_ascii_uppercase();
    let (stem, extension) = upper.rsplit_once('.')?;
    let serial = stem.strip_prefix("RJFAF")?;
    if serial.len() != 3 || !serial.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    ["LOC", "FFL", "TTY", "NDF"]
        .into_iter()
        .find(|known| *known == extension)
}

impl<T> FeedFiles<T> {
    /// Files a feed file under its kind; a second file of the same kind is an error, because
    /// mixing two feeds' records would silently combine fares of different dates.
    fn put(
        &mut self,
        extension: &str,
        path: PathBuf,
        content: T,
    ) -> Result<(), (PathBuf, LineError)> {
        let slot = match extension {
            "LOC" => &mut self.loc,
            "FFL" => &mut self.ffl,
            "TTY" => &mut self.tty,
            _ => &mut self.ndf,
        };
        if let Some((first, _)) = slot {
            let message = format!(
                "a second .{extension} file; {} is already read",
                first.display()
            );
            return Err((path, whole_file(message)));
        }
        *slot = Some((path, content));
        Ok(())
    }
}

/// A problem with a whole file rather than a line of it (line 0).
fn whole_file(message: String) -> LineError {
    LineError { line: 0, message }
}

/// Parses the four files, naming the file of any error.
fn parse_files(
    files: FeedFiles<Vec<u8>>,
    missing_in: &Path,
) -> Result<FaresFeed, (PathBuf, LineError)> {
    let take = |slot: Option<(PathBuf, Vec<u8>)>, extension: &str| {
        let (path, bytes) = slot.ok_or_else(|| {
            (
                missing_in.join(format!("RJFAFnnn.{extension}")),
                whole_file(format!("no RJFAFnnn.{extension} file in the feed")),
            )
        })?;
        let text = decode(&bytes).map_err(|error| (path.clone(), error))?;
        Ok::<_, (PathBuf, LineError)>((path, text))
    };
    let (loc_path, loc) = take(files.loc, "LOC")?;
    let (ffl_path, ffl) = take(files.ffl, "FFL")?;
    let (tty_path, tty) = take(files.tty, "TTY")?;
    let (ndf_path, ndf) = take(files.ndf, "NDF")?;

    let mut skipped = Skipped::default();
    let (locations, more) = parse_loc(&loc).map_err(|error| (loc_path, error))?;
    skipped.add(more);
    let (flows, fares, more) = parse_ffl(&ffl).map_err(|error| (ffl_path, error))?;
    skipped.add(more);
    let (ticket_types, more) = parse_tty(&tty).map_err(|error| (tty_path, error))?;
    skipped.add(more);
    let (non_derivable, more) = parse_ndf(&ndf).map_err(|error| (ndf_path, error))?;
    skipped.add(more);
    Ok(FaresFeed {
        locations,
        flows,
        fares,
        ticket_types,
        non_derivable,
        skipped,
    })
}

/// Reads a feed unpacked in `dir`: one `RJFAFnnn.LOC`, `.FFL`, `.TTY` and `.NDF` each (names
/// in any case; other files ignored). Errors name the file (line 0: the whole file).
pub fn read_feed_dir(dir: &Path) -> Result<FaresFeed, (PathBuf, LineError)> {
    let io_error = |path: &Path, error: std::io::Error| {
        (
            path.to_path_buf(),
            whole_file(format!("cannot read: {error}")),
        )
    };
    let mut files = FeedFiles::default();
    let entries = fs::read_dir(dir).map_err(|error| io_error(dir, error))?;
    let mut paths = Vec::new();
    for entry in entries {
        paths.push(entry.map_err(|error| io_error(dir, error))?.path());
    }
    // Sorted so that which of two clashing files is "second" does not depend on the filesystem.
    paths.sort();
    for path in paths {
        let Some(extension) = path
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(feed_extension)
        else {
            continue;
        };
        let bytes = fs::read(&path).map_err(|error| io_error(&path, error))?;
        files.put(extension, path, bytes)?;
    }
    parse_files(files, dir)
}

/// Reads a feed zip as RDG publishes it (the four files at any depth inside). Errors name the
/// zip entry, or the zip itself when it cannot be opened.
pub fn read_feed_zip(path: &Path) -> Result<FaresFeed, (PathBuf, LineError)> {
    let zip_error = |entry: PathBuf, error: &dyn std::fmt::Display| {
        (entry, whole_file(format!("unreadable zip: {error}")))
    };
    let file = fs::File::open(path).map_err(|error| zip_error(path.to_path_buf(), &error))?;
    let mut archive =
        zip::ZipArchive::new(file).map_err(|error| zip_error(path.to_path_buf(), &error))?;
    let mut files = FeedFiles::default();
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|error| zip_error(path.to_path_buf(), &error))?;
        let name = PathBuf::from(entry.name());
        let Some(extension) = name
            .file_name()
            .and_then(|base| base.to_str())
            .and_then(feed_extension)
        else {
            continue;
        };
        let mut bytes = Vec::new();
        entry
            .read_to_end(&mut bytes)
            .map_err(|error| zip_error(name.clone(), &error))?;
        files.put(extension, name, bytes)?;
    }
    parse_files(files, path)
}

/// The feed is ASCII; anything that is not UTF-8 is refused with the line it is on, rather than
/// guessed at, because a multi-byte character would shift every fixed-width field after it.
fn decode(bytes: &[u8]) -> Result<String, LineError> {
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
struct Record<'a> {
    text: &'a str,
    line: u64,
    /// Update marker `D`: the record is to be removed, not loaded.
    deleted: bool,
}

/// The data records of a file: comment lines (`/!!`) skipped; an empty line, a non-ASCII line
/// or an unknown update marker is an error.
fn records(text: &str) -> impl Iterator<Item = Result<Record<'_>, LineError>> {
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
    fn error(&self, message: String) -> LineError {
        LineError {
            line: self.line,
            message,
        }
    }

    /// Fixed-width records have one length; any other is a cut-off or mangled line.
    fn width(&self, expected: usize, what: &str) -> Result<(), LineError> {
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
    fn field(&self, start: usize, len: usize, name: &str) -> Result<&'a str, LineError> {
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
    fn code(&self, start: usize, len: usize, name: &str) -> Result<String, LineError> {
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
    fn digits(&self, start: usize, len: usize, name: &str) -> Result<&'a str, LineError> {
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
    fn pence(&self, start: usize, name: &str) -> Result<i64, LineError> {
        let digits = self.digits(start, 8, name)?;
        digits
            .parse()
            .map_err(|_| self.error(format!("{name} {digits:?} is not a number of pence")))
    }

    /// A `DDMMYYYY` date.
    fn date(&self, start: usize, name: &str) -> Result<Date, LineError> {
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
    fn validity(&self, start_at: usize, end_at: usize) -> Result<(Date, Date), LineError> {
        let end = self.date(end_at, "end date")?;
        let start = self.date(start_at, "start date")?;
        if start > end {
            return Err(self.error(format!("start date {start} is after end date {end}")));
        }
        Ok((start, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn fixtures() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fares")
    }

    fn fixture_feed() -> FaresFeed {
        read_feed_dir(&fixtures()).expect("fixture feed parses")
    }

    fn fare<'a>(feed: &'a FaresFeed, flow_id: &str, code: &str) -> &'a FlowFare {
        feed.fares
            .iter()
            .find(|f| f.flow_id == flow_id && f.ticket_code == code)
            .unwrap_or_else(|| panic!("no fare {flow_id} {code}"))
    }

    fn flow<'a>(feed: &'a FaresFeed, flow_id: &str) -> &'a Flow {
        feed.flows
            .iter()
            .find(|f| f.flow_id == flow_id)
            .unwrap_or_else(|| panic!("no flow {flow_id}"))
    }

    fn ticket<'a>(feed: &'a FaresFeed, code: &str) -> &'a TicketType {
        feed.ticket_types
            .iter()
            .find(|t| t.code == code)
            .unwrap_or_else(|| panic!("no ticket type {code}"))
    }

    /// A valid 49-character flow record, for mangling in the malformed-input tests.
    const GOOD_FLOW: &str = "RF1444296800000000AR3112299901012025   00Y0100001";
    const GOOD_FARE: &str = "RT0100001SOS00020150  ";

    #[test]
    fn locations_map_nlc_to_crs_and_skip_other_record_types() {
        let feed = fixture_feed();
        assert_eq!(feed.locations.len(), 4);
        let euston = &feed.locations[0];
        assert_eq!(
            euston,
            &Location {
                uic: "7014440".into(),
                nlc: "1444".into(),
                description: "LONDON EUSTON".into(),
                crs: Some("EUS".into()),
                fare_group: "1444".into(),
                valid_from: date!(1990 - 01 - 01),
                valid_until: OPEN_ENDED,
            }
        );
        let birmingham = &feed.locations[2];
        assert_eq!(birmingham.description, "BIRMINGHAM NEW S");
        assert_eq!(birmingham.valid_from, date!(1995 - 01 - 01));
        let terminals = &feed.locations[3];
        assert_eq!(
            (terminals.nlc.as_str(), terminals.crs.as_deref()),
            ("1072", None)
        );
        assert!(
            feed.locations.iter().all(|l| l.nlc != "9999"),
            "the D record is left out"
        );
    }

    #[test]
    fn the_fixture_feed_counts_what_it_leaves_out() {
        assert_eq!(
            fixture_feed().skipped,
            Skipped {
                other_record_types: 1, // the LOC association record
                deleted: 4,            // LOC closed halt, FFL flow 0100005 and its fare, TTY XXS
                season_tickets: 1,     // TTY 7DS
            }
        );
    }

    #[test]
    fn a_reversible_flow_serves_both_directions_with_exact_prices() {
        let feed = fixture_feed();
        let main = flow(&feed, "0100001");
        assert_eq!(main.direction, Direction::Reversible);
        assert_eq!(
            (main.origin.as_str(), main.destination.as_str()),
            ("1444", "2968")
        );
        assert_eq!(
            (
                main.route.as_str(),
                main.status.as_str(),
                main.usage.as_str()
            ),
            ("00000", "000", "A")
        );
        assert_eq!(main.toc, None);
        assert_eq!(
            (main.valid_from, main.valid_until),
            (date!(2025 - 01 - 01), OPEN_ENDED)
        );
        assert!(main.serves("1444", "2968") && main.serves("2968", "1444"));
        assert!(!main.serves("1444", "1127"));

        let prices: Vec<(&str, i64)> = feed
            .fares
            .iter()
            .filter(|f| f.flow_id == "0100001")
            .map(|f| (f.ticket_code.as_str(), f.price_pence))
            .collect();
        assert_eq!(
            prices,
            [
                ("SOS", 20150),
                ("SOR", 20250),
                ("SVS", 9800),
                ("SVR", 9900),
                ("SSS", 7600),
                ("FOS", 35000),
                ("AD1", 3150)
            ]
        );
        assert_eq!(
            fare(&feed, "0100001", "SVS").restriction.as_deref(),
            Some("1A")
        );
        assert_eq!(fare(&feed, "0100001", "SOS").restriction, None);
    }

    #[test]
    fn a_single_direction_flow_serves_only_its_own_direction() {
        let feed = fixture_feed();
        let cross_country = flow(&feed, "0100003");
        assert_eq!(cross_country.direction, Direction::SingleDirection);
        assert_eq!(cross_country.toc.as_deref(), Some("XC"));
        assert!(cross_country.serves("2968", "1127"));
        assert!(!cross_country.serves("1127", "2968"));
        // Listed before its flow in the file, and still attached to it.
        assert_eq!(fare(&feed, "0100003", "SDS").price_pence, 4520);
        assert_eq!(fare(&feed, "0100003", "CDR").price_pence, 3950);
        assert_eq!(
            fare(&feed, "0100003", "CDR").restriction.as_deref(),
            Some("2B")
        );
    }

    #[test]
    fn flow_validity_separates_ended_current_and_future_fares() {
        let feed = fixture_feed();
        let ended = flow(&feed, "0100002");
        assert_eq!(
            (ended.valid_from, ended.valid_until),
            (date!(2024 - 01 - 01), date!(2024 - 12 - 31))
        );
        assert_eq!(fare(&feed, "0100002", "SOS").price_pence, 19500);
        let future = flow(&feed, "0100004");
        assert_eq!(
            (future.valid_from, future.valid_until),
            (date!(2030 - 01 - 01), OPEN_ENDED)
        );

        let day = date!(2026 - 12 - 01);
        assert!(
            !ended.is_valid_on(day)
                && flow(&feed, "0100001").is_valid_on(day)
                && !future.is_valid_on(day)
        );
        // Both ends are inclusive.
        assert!(
            ended.is_valid_on(date!(2024 - 12 - 31)) && !ended.is_valid_on(date!(2025 - 01 - 01))
        );
        assert!(future.is_valid_on(date!(2030 - 01 - 01)));
    }

    #[test]
    fn a_deleted_flow_takes_its_fares_with_it() {
        let feed = fixture_feed();
        assert!(feed.flows.iter().all(|f| f.flow_id != "0100005"));
        assert!(feed.fares.iter().all(|f| f.flow_id != "0100005"));
        assert_eq!(feed.flows.len(), 4);
        assert_eq!(feed.fares.len(), 11);
    }

    #[test]
    fn ticket_types_carry_kind_class_journey_and_validity() {
        let feed = fixture_feed();
        let expect = [
            (
                "SOS",
                "ANYTIME S",
                TicketClass::Standard,
                Journey::Single,
                TicketKind::Anytime,
            ),
            (
                "SOR",
                "ANYTIME R",
                TicketClass::Standard,
                Journey::Return,
                TicketKind::Anytime,
            ),
            (
                "SDS",
                "ANYTIME DAY S",
                TicketClass::Standard,
                Journey::Single,
                TicketKind::Anytime,
            ),
            (
                "SVS",
                "OFF-PEAK S",
                TicketClass::Standard,
                Journey::Single,
                TicketKind::OffPeak,
            ),
            (
                "SVR",
                "OFF-PEAK R",
                TicketClass::Standard,
                Journey::Return,
                TicketKind::OffPeak,
            ),
            (
                "CDR",
                "OFF-PEAK DAY R",
                TicketClass::Standard,
                Journey::Return,
                TicketKind::OffPeak,
            ),
            (
                "SSS",
                "SUPER OFFPEAK S",
                TicketClass::Standard,
                Journey::Single,
                TicketKind::SuperOffPeak,
            ),
            (
                "FOS",
                "ANYTIME S",
                TicketClass::First,
                Journey::Single,
                TicketKind::Anytime,
            ),
            (
                "AD1",
                "ADVANCE SINGLE",
                TicketClass::Standard,
                Journey::Single,
                TicketKind::Advance,
            ),
            (
                "SSR",
                "SUPER SAVER R",
                TicketClass::Standard,
                Journey::Return,
                TicketKind::SuperOffPeak,
            ),
            (
                "OPS",
                "OFF-PEAK S",
                TicketClass::Both,
                Journey::Single,
                TicketKind::OffPeak,
            ),
            (
                "ZFX",
                "FLEXI S",
                TicketClass::Standard,
                Journey::Single,
                TicketKind::Other,
            ),
        ];
        let found: Vec<_> = feed
            .ticket_types
            .iter()
            .map(|t| {
                (
                    t.code.as_str(),
                    t.description.as_str(),
                    t.class,
                    t.journey,
                    t.kind,
                )
            })
            .collect();
        assert_eq!(found, expect);

        let sos = ticket(&feed, "SOS");
        assert_eq!(
            (sos.valid_from, sos.valid_until),
            (date!(1990 - 01 - 01), OPEN_ENDED)
        );
        let ended = ticket(&feed, "SSR");
        assert_eq!(ended.valid_until, date!(2019 - 12 - 31));
        assert!(!ended.is_valid_on(date!(2026 - 12 - 01)));
        let future = ticket(&feed, "OPS");
        assert_eq!(future.valid_from, date!(2030 - 01 - 01));
        assert!(!future.is_valid_on(date!(2026 - 12 - 01)));
    }

    #[test]
    fn non_derivable_fares_keep_railcard_suppression_and_both_prices() {
        let feed = fixture_feed();
        assert_eq!(
            feed.non_derivable[0],
            NonDerivableFare {
                origin: "1444".into(),
                destination: "2968".into(),
                route: "00000".into(),
                railcard: None,
                ticket_code: "SOS".into(),
                record_type: "N".into(),
                valid_from: date!(2025 - 01 - 01),
                valid_until: OPEN_ENDED,
                suppressed: false,
                adult_pence: 20150,
                child_pence: 10075,
                restriction: None,
            }
        );
        let railcard = &feed.non_derivable[1];
        assert_eq!(railcard.railcard.as_deref(), Some("YNG"));
        assert_eq!((railcard.adult_pence, railcard.child_pence), (6535, 3270));
        assert_eq!(
            (
                railcard.record_type.as_str(),
                railcard.restriction.as_deref()
            ),
            ("O", Some("1A"))
        );
        let ended = &feed.non_derivable[2];
        assert!(ended.suppressed);
        assert_eq!(ended.valid_until, date!(2023 - 12 - 31));
        assert!(!ended.is_valid_on(date!(2026 - 12 - 01)));
    }

    #[test]
    fn ticket_kind_uses_the_code_table_then_whole_descriptions_then_the_advance_rule() {
        assert_eq!(ticket_kind("SDS", "ANYTIME DAY S"), TicketKind::Anytime);
        assert_eq!(ticket_kind("SOS", "ANYTIME S"), TicketKind::Anytime);
        assert_eq!(ticket_kind("SVS", "OFF-PEAK S"), TicketKind::OffPeak);
        assert_eq!(ticket_kind("CDS", "OFF-PEAK DAY S"), TicketKind::OffPeak);
        assert_eq!(
            ticket_kind("SSS", "SUPER OFFPEAK S"),
            TicketKind::SuperOffPeak
        );
        // The code wins over a misleading description.
        assert_eq!(ticket_kind("SVR", "ANYTIME R"), TicketKind::OffPeak);
        assert_eq!(ticket_kind("XYZ", "off-peak r"), TicketKind::OffPeak);
        assert_eq!(ticket_kind("2AS", "ADVANCE STD"), TicketKind::Advance);
        // Words elsewhere in a description are not guessed from.
        assert_eq!(ticket_kind("XYZ", "NOT ADVANCE"), TicketKind::Other);
        assert_eq!(ticket_kind("XYZ", "OFF-PEAK FLEXI"), TicketKind::Other);
        assert_eq!(ticket_kind("XYZ", "ADV"), TicketKind::Other);
    }

    #[test]
    fn ticket_kinds_serialise_as_the_api_spells_them() {
        let names: Vec<String> = [
            TicketKind::Advance,
            TicketKind::OffPeak,
            TicketKind::SuperOffPeak,
            TicketKind::Anytime,
            TicketKind::Other,
        ]
        .iter()
        .map(|kind| serde_json::to_string(kind).expect("serialises"))
        .collect();
        assert_eq!(
            names,
            [
                "\"ADVANCE\"",
                "\"OFF_PEAK\"",
                "\"SUPER_OFF_PEAK\"",
                "\"ANYTIME\"",
                "\"OTHER\""
            ]
        );
        assert_eq!(
            serde_json::to_string(&TicketClass::Standard).expect("serialises"),
            "\"standard\""
        );
        assert_eq!(
            serde_json::to_string(&Journey::Return).expect("serialises"),
            "\"return\""
        );
    }

    #[test]
    fn a_zip_of_the_fixtures_reads_the_same_as_the_directory() {
        use std::io::Write;
        let dir = tempfile::tempdir().expect("tempdir");
        let zip_path = dir.path().join("RJFAF499.ZIP");
        let mut writer = zip::ZipWriter::new(fs::File::create(&zip_path).expect("create zip"));
        for extension in ["LOC", "FFL", "TTY", "NDF"] {
            // Lower-case names inside a folder: matching is case-insensitive and depth-blind.
            let name = format!("feed/rjfaf499.{}", extension.to_ascii_lowercase());
            writer
                .start_file(name, zip::write::SimpleFileOptions::default())
                .expect("start entry");
            let bytes =
                fs::read(fixtures().join(format!("RJFAF499.{extension}"))).expect("fixture");
            writer.write_all(&bytes).expect("write entry");
        }
        writer.finish().expect("finish zip");
        assert_eq!(
            read_feed_zip(&zip_path).expect("zip parses"),
            fixture_feed()
        );
    }

    #[test]
    fn a_cut_off_record_names_its_line() {
        let text = format!("/!! header\n{GOOD_FLOW}\n{}\n", &GOOD_FARE[..15]);
        let error = parse_ffl(&text).expect_err("cut-off line");
        assert_eq!(error.line, 3);
        assert!(
            error.message.contains("15 characters, expected 22"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_price_with_a_non_digit_names_its_line() {
        let text = format!("{GOOD_FLOW}\n{GOOD_FARE}\nRT0100001SOR0002O150  \n");
        let error = parse_ffl(&text).expect_err("bad price");
        assert_eq!(error.line, 3);
        assert!(
            error.message.contains("fare at columns 13-20"),
            "{}",
            error.message
        );
    }

    #[test]
    fn an_impossible_date_names_its_line() {
        let bad = GOOD_FLOW.replace("01012025", "31022025");
        let error =
            parse_ffl(&format!("/!! a\n/!! b\n{GOOD_FARE}\n{bad}\n")).expect_err("bad date");
        assert_eq!(error.line, 4);
        assert!(
            error.message.contains("start date") && error.message.contains("31022025"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_start_after_the_end_is_refused() {
        let bad = GOOD_FLOW.replace("31122999", "31122024");
        let error = parse_ffl(&bad).expect_err("start after end");
        assert_eq!(error.line, 1);
        assert!(
            error.message.contains("after end date"),
            "{}",
            error.message
        );
    }

    #[test]
    fn an_unknown_direction_names_its_line() {
        let bad = GOOD_FLOW.replacen("AR3112", "AX3112", 1);
        let error = parse_ffl(&format!("{GOOD_FARE}\n{bad}\n")).expect_err("bad direction");
        assert_eq!(error.line, 2);
        assert!(error.message.contains("direction"), "{}", error.message);
    }

    #[test]
    fn a_fare_without_its_flow_is_refused() {
        let error =
            parse_ffl(&format!("{GOOD_FLOW}\nRT0100009SOS00020150  \n")).expect_err("orphan");
        assert_eq!(error.line, 2);
        assert!(error.message.contains("0100009"), "{}", error.message);
    }

    #[test]
    fn a_repeated_flow_id_is_refused() {
        let error = parse_ffl(&format!("{GOOD_FLOW}\n{GOOD_FLOW}\n")).expect_err("duplicate");
        assert_eq!(error.line, 2);
        assert!(error.message.contains("line 1"), "{}", error.message);
    }

    #[test]
    fn an_unknown_update_marker_or_blank_line_is_refused() {
        let error = parse_ffl(&format!("X{}", &GOOD_FLOW[1..])).expect_err("marker");
        assert_eq!(error.line, 1);
        let error = parse_ffl(&format!("{GOOD_FLOW}\n\n{GOOD_FARE}\n")).expect_err("blank");
        assert_eq!(error.line, 2);
    }

    #[test]
    fn a_bad_ticket_class_and_a_cut_off_location_name_their_lines() {
        let tty = fs::read_to_string(fixtures().join("RJFAF499.TTY")).expect("fixture");
        let mangled = tty.replacen("ANYTIME S      2SS", "ANYTIME S      3SS", 1);
        let error = parse_tty(&mangled).expect_err("class 3");
        assert_eq!(error.line, 6);
        assert!(error.message.contains("class"), "{}", error.message);

        let loc = fs::read_to_string(fixtures().join("RJFAF499.LOC")).expect("fixture");
        let mut lines: Vec<&str> = loc.lines().collect();
        lines[6] = &lines[6][..120];
        let error = parse_loc(&lines.join("\n")).expect_err("cut-off LOC");
        assert_eq!(error.line, 7);
        assert!(
            error.message.contains("120 characters, expected 289"),
            "{}",
            error.message
        );
    }

    #[test]
    fn windows_line_endings_are_accepted() {
        let text = format!("/!! header\r\n{GOOD_FLOW}\r\n{GOOD_FARE}\r\n");
        let (flows, fares, _) = parse_ffl(&text).expect("CRLF parses");
        assert_eq!((flows.len(), fares[0].price_pence), (1, 20150));
    }

    #[test]
    fn a_feed_directory_missing_a_file_names_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        for extension in ["LOC", "FFL", "TTY"] {
            fs::copy(
                fixtures().join(format!("RJFAF499.{extension}")),
                dir.path().join(format!("RJFAF499.{extension}")),
            )
            .expect("copy fixture");
        }
        let (path, error) = read_feed_dir(dir.path()).expect_err("no NDF");
        assert!(path.ends_with("RJFAFnnn.NDF"), "{}", path.display());
        assert_eq!(error.line, 0);
    }

    #[test]
    fn a_parse_error_in_a_feed_names_the_file_and_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        for extension in ["LOC", "FFL", "TTY", "NDF"] {
            let mut text = fs::read_to_string(fixtures().join(format!("RJFAF499.{extension}")))
                .expect("fixture");
            if extension == "NDF" {
                text = text.replacen("0002015000010075", "0002015A00010075", 1);
            }
            fs::write(dir.path().join(format!("rjfaf499.{extension}")), text).expect("write");
        }
        let (path, error) = read_feed_dir(dir.path()).expect_err("bad NDF price");
        assert!(path.ends_with("rjfaf499.NDF"), "{}", path.display());
        assert_eq!(error.line, 6);
        assert!(error.message.contains("adult fare"), "{}", error.message);
    }

    /// CRS → NLC from the committed starter stations, and the starter routes as CRS pairs.
    fn starter_routes() -> Vec<(String, String)> {
        let starter = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store/starter");
        let data_rows = |name: &str| -> Vec<Vec<String>> {
            fs::read_to_string(starter.join(name))
                .expect("starter csv")
                .lines()
                .filter(|line| !line.starts_with('#'))
                .skip(1)
                .map(|line| line.split(',').map(str::to_owned).collect())
                .collect()
        };
        let nlc: std::collections::HashMap<String, String> = data_rows("stations.csv")
            .into_iter()
            .filter(|row| !row[4].is_empty())
            .map(|row| (row[0].clone(), format!("{:0>4}", row[4])))
            .collect();
        data_rows("routes.csv")
            .iter()
            .filter_map(|row| Some((nlc.get(&row[0])?.clone(), nlc.get(&row[1])?.clone())))
            .collect()
    }

    #[test]
    fn the_sample_fare_set_covers_the_starter_routes_with_ordered_prices() {
        let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store/starter/fares");
        let feed = read_feed_dir(&sample).expect("sample set parses");
        let day = date!(2026 - 12 - 01);
        let kinds: std::collections::HashMap<&str, (TicketKind, Journey)> = feed
            .ticket_types
            .iter()
            .map(|t| (t.code.as_str(), (t.kind, t.journey)))
            .collect();

        let routes = starter_routes();
        let covered = routes
            .iter()
            .filter(|(from, to)| {
                feed.flows
                    .iter()
                    .any(|f| f.is_valid_on(day) && f.serves(from, to) && f.serves(to, from))
            })
            .count();
        assert!(
            covered >= 60,
            "only {covered} of {} starter routes have sample fares",
            routes.len()
        );

        for flow in &feed.flows {
            let price = |kind: TicketKind, journey: Journey| {
                feed.fares
                    .iter()
                    .filter(|f| f.flow_id == flow.flow_id)
                    .find(|f| kinds.get(f.ticket_code.as_str()) == Some(&(kind, journey)))
                    .map(|f| f.price_pence)
            };
            let anytime = price(TicketKind::Anytime, Journey::Single).expect("anytime single");
            let off_peak = price(TicketKind::OffPeak, Journey::Single).expect("off-peak single");
            assert!(
                off_peak < anytime,
                "flow {}: {off_peak} !< {anytime}",
                flow.flow_id
            );
            let returns = (
                price(TicketKind::OffPeak, Journey::Return),
                price(TicketKind::Anytime, Journey::Return),
            );
            assert!(
                matches!(returns, (Some(o), Some(a)) if o < a),
                "flow {}: {returns:?}",
                flow.flow_id
            );
            if let Some(super_off_peak) = price(TicketKind::SuperOffPeak, Journey::Single) {
                assert!(super_off_peak < off_peak, "flow {}", flow.flow_id);
            }
            if let Some(advance) = price(TicketKind::Advance, Journey::Single) {
                assert!(
                    advance < off_peak,
                    "flow {}: {advance} !< {off_peak}",
                    flow.flow_id
                );
            }
        }
        assert!(feed.fares.iter().all(|f| f.price_pence > 0));
        assert!(
            feed.fares
                .iter()
                .all(|f| kinds.contains_key(f.ticket_code.as_str())),
            "every code has a ticket type"
        );
        assert!(
            feed.flows
                .iter()
                .all(|f| f.valid_from == date!(2025 - 01 - 01) && f.valid_until == OPEN_ENDED),
            "every sample flow is valid from 1 January 2025, open-ended"
        );
        let advance_flows = feed
            .fares
            .iter()
            .filter(|f| kinds.get(f.ticket_code.as_str()).map(|k| k.0) == Some(TicketKind::Advance))
            .count();
        assert!(
            advance_flows >= 60,
            "only {advance_flows} flows have an advance fare"
        );
    }

    #[test]
    fn every_sample_file_says_it_is_sample_data() {
        let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store/starter/fares");
        for extension in ["LOC", "FFL", "TTY", "NDF"] {
            let text = fs::read_to_string(sample.join(format!("RJFAF999.{extension}")))
                .expect("sample file");
            assert!(
                text.lines().any(|l| l.starts_with("/!! SAMPLE fares for demonstration, not real RDG data")),
                "RJFAF999.{extension} lacks the sample header"
            );
        }
    }
}
