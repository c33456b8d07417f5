//! The data sources behind the answers: what each is, its licence and attribution line, and how
//! recent the loaded data is.

use serde::Serialize;

use crate::domain::calendar;
use crate::error::Result;
use crate::store::{Db, import_log, punctuality, stations};

/// Attribution line the Open Government Licence asks for ORR data.
pub const ORR_ATTRIBUTION: &str = "Contains public sector information licensed under the Open Government Licence v3.0 (Office of Rail and Road).";
/// Attribution line for NaPTAN.
pub const NAPTAN_ATTRIBUTION: &str = "Contains public sector information licensed under the Open Government Licence v3.0 (Department for Transport, NaPTAN).";
/// Attribution line for National Rail Enquiries open data (HSP).
pub const NRE_ATTRIBUTION: &str = "Contains data from National Rail Enquiries (Historical Service Performance), Rail Delivery Group.";

/// `GET /api/sources` body.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Sources {
    /// One entry per source.
    pub sources: Vec<Source>,
}

/// One data source.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Source {
    /// Stable id (the import kind, or `starter`).
    pub id: &'static str,
    /// What it is.
    pub name: &'static str,
    /// Who publishes it.
    pub publisher: &'static str,
    /// Its licence.
    pub licence: &'static str,
    /// The line to show wherever its data is used.
    pub attribution: &'static str,
    /// What RailFair takes from it.
    pub used_for: &'static str,
    /// `imported`, `built_in` or `not_loaded`.
    pub status: &'static str,
    /// When it was last imported (RFC 3339 UTC), if ever.
    pub imported_at: Option<String>,
    /// Records read by that import.
    pub records: Option<i64>,
    /// Last day its loaded data covers, when known (YYYY-MM-DD).
    pub data_through: Option<String>,
}

struct Catalogue {
    id: &'static str,
    name: &'static str,
    publisher: &'static str,
    licence: &'static str,
    attribution: &'static str,
    used_for: &'static str,
}

/// Attribution line for the RDG fares feed.
pub const RDG_ATTRIBUTION: &str =
    "Fares data from the Rail Delivery Group fares feed (National Rail Data Portal).";

/// Attribution line for the CIF timetable.
pub const CIF_ATTRIBUTION: &str =
    "Timetable data from National Rail Enquiries / Rail Delivery Group (CIF timetable feed).";

const CATALOGUE: [Catalogue; 7] = [
    Catalogue {
        id: "naptan",
        name: "NaPTAN RailReferences",
        publisher: "Department for Transport",
        licence: "Open Government Licence v3.0",
        attribution: NAPTAN_ATTRIBUTION,
        used_for: "station names, TIPLOCs and positions (OSGB36 converted to WGS84)",
    },
    Catalogue {
        id: "orr-1410",
        name: "ORR Table 1410: station entries and exits (2022-23)",
        publisher: "Office of Rail and Road",
        licence: "Open Government Licence v3.0",
        attribution: ORR_ATTRIBUTION,
        used_for: "station NLC codes, regions, facility owners and usage",
    },
    Catalogue {
        id: "orr-3138",
        name: "ORR Table 3138: train punctuality at recorded station stops by operator (periodic)",
        publisher: "Office of Rail and Road",
        licence: "Open Government Licence v3.0",
        attribution: ORR_ATTRIBUTION,
        used_for: "operator punctuality per rail period, and the priors of the delay model",
    },
    Catalogue {
        id: "orr-3184",
        name: "ORR Table 3184: delay minutes by operator and cause (periodic)",
        publisher: "Office of Rail and Road",
        licence: "Open Government Licence v3.0",
        attribution: ORR_ATTRIBUTION,
        used_for: "what mostly causes an operator's delays in each season, named in the explanation",
    },
    Catalogue {
        id: "fares",
        name: "RDG fares feed (RSPS5045)",
        publisher: "Rail Delivery Group",
        licence: "National Rail Data Portal terms",
        attribution: RDG_ATTRIBUTION,
        used_for: "ticket prices, kinds and validity (without it, a labelled SAMPLE set is used)",
    },
    Catalogue {
        id: "hsp",
        name: "Historical Service Performance (HSP)",
        publisher: "National Rail Enquiries",
        licence: "National Rail Enquiries open data terms",
        attribution: NRE_ATTRIBUTION,
        used_for: "route history: arrival delays and cancellations of individual services",
    },
    Catalogue {
        id: "cif",
        name: "CIF timetable (Network Rail / RDG)",
        publisher: "Network Rail / Rail Delivery Group, via National Rail Enquiries",
        licence: "National Rail Enquiries information feeds terms v3",
        attribution: CIF_ATTRIBUTION,
        used_for: "the timetable: schedules, their validity (STP) and calling points with public times",
    },
];

/// Every source, with what is loaded from it.
pub async fn sources(db: &Db) -> Result<Sources> {
    let runs = import_log::latest_runs(db).await?;
    let (stations, ..) = stations::station_counts(db).await?;
    let (_, priors_through) = punctuality::priors_extent(db).await?;
    let mut out: Vec<Source> = CATALOGUE
        .iter()
        .map(|c| {
            let run = runs.iter().find(|r| r.kind == c.id);
            Source {
                id: c.id,
                name: c.name,
                publisher: c.publisher,
                licence: c.licence,
                attribution: c.attribution,
                used_for: c.used_for,
                status: if run.is_some() {
                    "imported"
                } else {
                    "not_loaded"
                },
                imported_at: run.map(|r| r.finished_at.clone()),
                records: run.map(|r| r.rows_read),
                data_through: run.and_then(|r| r.data_through.clone()),
            }
        })
        .collect();
    out.push(Source {
        id: "calendar",
        name: "GB bank holidays (England and Wales; Scotland), 2014-2028",
        publisher: "UK government (gov.uk/bank-holidays)",
        licence: "Open Government Licence v3.0",
        attribution: calendar::CITATION,
        used_for: "day types: bank holidays (Sunday-like service, off-peak fares all day), Christmas Day (no service), Boxing Day and 27-31 December",
        status: "built_in",
        imported_at: None,
        records: None,
        data_through: Some(format!("{}-12-31", calendar::LAST_YEAR)),
    });
    out.push(Source {
        id: "starter",
        name: "RailFair built-in starter data",
        publisher: "RailFair (derived from NaPTAN, ORR Tables 1410 and 3138; route catalogue hand-authored)",
        licence: "Open Government Licence v3.0 for the derived figures",
        attribution: ORR_ATTRIBUTION,
        used_for: "major stations, the route catalogue and operator priors when no official files are loaded",
        status: if stations > 0 { "built_in" } else { "not_loaded" },
        imported_at: None,
        records: None,
        data_through: priors_through,
    });
    Ok(Sources { sources: out })
}
