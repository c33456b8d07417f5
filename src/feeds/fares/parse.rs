//! Parsers of the four fares feed files' text (`.LOC`, `.FFL`, `.TTY`, `.NDF`) into the feed's
//! records, with the record layouts of RSPS5045: which columns hold which field. Strict: a bad
//! record names its line; valid records deliberately left out are counted in [`Skipped`].

use crate::domain::ticket::Journey;
use crate::feeds::LineError;
use crate::feeds::fares::feed::{
    Direction, Flow, FlowFare, Location, NonDerivableFare, Skipped, TicketClass, TicketType,
    ticket_kind,
};
use crate::feeds::fares::fixed_width::records;

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
