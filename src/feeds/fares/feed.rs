//! The fares feed's records as typed values: locations, flows and their fares, ticket types and
//! non-derivable fares, plus the classification of a ticket type into the kind a traveller knows.
//! Plain data and pure functions; reading and parsing live beside this file.

use serde::Serialize;
use time::Date;

use crate::domain::ticket::Journey;
// Where the feed's classifications live (the fares use case and the store share them).
pub use crate::domain::ticket::{TicketClass, TicketKind};

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
    pub(super) fn add(&mut self, other: Skipped) {
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
