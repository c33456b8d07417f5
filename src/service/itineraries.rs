//! The journey planner, as the service layer uses it: builds a service day once per date into
//! `state.service_days` (the imported CIF timetable when it has trains that day, else the
//! APPROXIMATE timetable from the route catalogue; the stated interchange rules; each operator's
//! arrival-delay distribution by hour, from the delay model), plans between two stations, also
//! starting or ending with a stated transfer (Underground or walk) to or from a train, and shapes
//! the itineraries into legs and interchanges. Shared by the journey use case and by predictions
//! for pairs with no direct service; it never builds response envelopes of either.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::domain::interchange::{self, TransferMode};
use crate::domain::stp::Holiday;
use crate::domain::{Crs, RailPeriod};
use crate::error::{Error, Result};
use crate::model::{
    AdjustmentFactors, Confidence, DayType, DelayDistribution, Figures, PredictionInput,
    PriorSource, RouteEvidence, figures, predict,
};
use crate::planner::ends::{self, ARRIVE_BY_WINDOW_MINUTES, EndTransfer, NoJourney, Planned};
use crate::planner::meat::ASSUMPTIONS;
use crate::planner::{
    Call, CatalogueRoute, DelayTable, Itinerary, Minute, Timetable, TimetableBuilder,
    TimetableSource, approximate_timetable,
};
use crate::service::operator::{NATIONAL_SERIES, load_priors};
use crate::state::AppState;
use crate::state::service_days::{DayOperator, ServiceDay};
use crate::store::{Db, operators, punctuality, routes, stations, timetable};

/// Changes between trains allowed when the caller does not say.
pub const DEFAULT_MAX_CHANGES: u8 = 2;

/// Said of every answer that starts or ends with a stated transfer.
pub const TRANSFER_ASSUMPTION: &str = "a stated transfer (Underground or walk) at either end of \
     the journey takes its stated time exactly; its own delays are not modelled";

/// Said of every answer whose timetable is the imported CIF one.
pub const CIF_ASSUMPTION: &str = "timetable: the imported CIF timetable resolved for the \
     service date (public times; calls without a CRS code or a public time left out)";

/// The service day of `date`, built on first use and kept in process.
pub async fn service_day(
    state: &AppState,
    date: Date,
    day_type: DayType,
) -> Result<Arc<ServiceDay>> {
    state
        .service_days
        .get_or_build(
            date,
            day_type,
            build_service_day(&state.db, date, day_type, state.config.prior_strength),
        )
        .await
}

/// Builds one service day from the store and the delay model.
async fn build_service_day(
    db: &Db,
    date: Date,
    day_type: DayType,
    prior_strength: f64,
) -> Result<ServiceDay> {
    let holiday = (day_type == DayType::BankHoliday).then_some(Holiday::BankHoliday);
    let services = timetable::services_on(db, date, holiday).await?;
    let (timetable, assumptions) = match cif_timetable(&services) {
        Some(tt) => (tt, vec![CIF_ASSUMPTION.to_owned()]),
        None => {
            let catalogue = routes::catalogue(db).await?;
            let mut rows: Vec<&routes::RouteRow> = catalogue.values().collect();
            // Catalogue order, so that station and trip indices do not depend on hashing.
            rows.sort_by_key(|r| (r.priority, r.origin, r.destination));
            let flows: Vec<CatalogueRoute> = rows
                .into_iter()
                .filter_map(|r| {
                    Some(CatalogueRoute {
                        a: r.origin,
                        b: r.destination,
                        operator: r.toc.clone(),
                        typical_minutes: u32::try_from(r.typical_minutes).ok()?,
                        services_per_hour: r.services_per_hour,
                    })
                })
                .collect();
            let approximate = approximate_timetable(&flows);
            (approximate.timetable, approximate.assumptions)
        }
    };
    let transfers = ends::stated_transfers(&timetable);
    let period = RailPeriod::containing(date);
    let mut operators = HashMap::new();
    let mut distributions: HashMap<(String, u8), DelayDistribution> = HashMap::new();
    for code in timetable.operators() {
        let (operator, by_hour) =
            operator_delays(db, code, period, day_type, prior_strength).await?;
        for (hour, d) in (0..).zip(by_hour) {
            distributions.insert((code.clone(), hour), d);
        }
        operators.insert(code.clone(), operator);
    }
    let delays = DelayTable::build(&timetable, |op, hour| distributions[&(op.to_owned(), hour)]);
    Ok(ServiceDay {
        date,
        day_type,
        timetable,
        transfers,
        delays,
        assumptions,
        operators,
    })
}

/// One operator's arrival-delay distribution for each departure hour of the day: the delay
/// model's prediction for the operator (its own ORR figures, else national ones), the rail
/// period and day type, with no route history (a leg's own route is not one the history keys).
async fn operator_delays(
    db: &Db,
    code: &str,
    period: RailPeriod,
    day_type: DayType,
    prior_strength: f64,
) -> Result<(DayOperator, Vec<DelayDistribution>)> {
    let row = operators::find_operator(db, code).await?;
    let (mut series, name, scheme) = match &row {
        Some(op) => (
            op.orr_series.clone(),
            op.name.clone(),
            Some(op.delay_repay_scheme.clone()),
        ),
        None => (NATIONAL_SERIES.to_owned(), format!("operator {code}"), None),
    };
    let mut priors = load_priors(db, &series).await?;
    if priors.is_none() && series != NATIONAL_SERIES {
        series = NATIONAL_SERIES.to_owned();
        priors = load_priors(db, &series).await?;
    }
    let Some((priors, data_through)) = priors else {
        return Err(Error::Unavailable {
            code: "no_reference_data",
            message: "no punctuality figures are loaded".to_owned(),
            retry_after_secs: 30,
        });
    };
    let national = series == NATIONAL_SERIES;
    let observed = punctuality::period_shares(db, &series, period)
        .await?
        .and_then(|shares| shares.complete());
    let mut confidence = Confidence::High;
    let by_hour = (0..24)
        .map(|hour| {
            let p = predict(&PredictionInput {
                operator_name: name.clone(),
                priors: priors.clone(),
                prior_source: if national {
                    PriorSource::National
                } else {
                    PriorSource::Operator
                },
                rail_period: period,
                day_type,
                hour,
                data_through,
                evidence: RouteEvidence::none(),
                prior_strength,
                factors: AdjustmentFactors::default(),
                observed,
            });
            confidence = confidence.min(p.confidence);
            p.distribution
        })
        .collect();
    Ok((
        DayOperator {
            toc: code.to_owned(),
            name,
            delay_repay_scheme: scheme,
            confidence,
            national,
            data_through,
        },
        by_hour,
    ))
}

/// The CIF timetable's trains as a planner timetable; `None` when no train runs that day.
fn cif_timetable(services: &[timetable::TimetableService]) -> Option<Timetable> {
    let mut b = TimetableBuilder::new(TimetableSource::Cif);
    let mut trips = 0_usize;
    for service in services {
        let op = b.operator(service.operator.as_deref().unwrap_or("ZZ"));
        let mut calls = Vec::new();
        // CIF times are times of day: a train running past midnight wraps, so each time is
        // moved past the previous one by whole days.
        let mut last = 0_i64;
        let mut day = 0_i64;
        let mut at = |secs: i64| {
            let mut t = secs / 60 + day;
            if t < last {
                day += 1440;
                t += 1440;
            }
            last = t;
            Minute::try_from(t).unwrap_or(Minute::MAX)
        };
        for call in &service.calls {
            let Some(crs) = call.crs.as_deref().and_then(Crs::parse) else {
                continue;
            };
            let (arr, dep) = match (call.public_arrival, call.public_departure) {
                (None, None) => continue,
                (Some(a), None) => (a, a),
                (None, Some(d)) => (d, d),
                (Some(a), Some(d)) => (a, d),
            };
            let arr = at(arr);
            let dep = at(dep);
            calls.push(Call {
                station: b.station(crs),
                arr,
                dep,
            });
        }
        if b.add_trip(op, &calls).is_some() {
            trips += 1;
        }
    }
    (trips > 0).then(|| b.build())
}

/// Plans from `origin` to `destination` leaving at or after `departure` on `day` (see
/// [`ends::plan_between`]), or why there is none, in words.
pub fn plan_between(
    day: &ServiceDay,
    origin: Crs,
    destination: Crs,
    departure: Minute,
    max_changes: u8,
) -> std::result::Result<Vec<Planned>, String> {
    ends::plan_between(day.plan_day(), origin, destination, departure, max_changes)
        .map_err(|why| no_journey(day, why, origin, destination, departure, max_changes))
}

/// The best planned journey (best expected arrival, at most [`DEFAULT_MAX_CHANGES`] changes)
/// leaving at or after `departure`, shaped, with its service day and whether it uses a stated
/// transfer at either end; `None` when the planner cannot connect the pair that day.
pub async fn best_journey(
    state: &AppState,
    origin: Crs,
    destination: Crs,
    date: Date,
    day_type: DayType,
    departure: Minute,
) -> Result<Option<(Arc<ServiceDay>, Shaped, bool)>> {
    let day = service_day(state, date, day_type).await?;
    let Ok(planned) = plan_between(&day, origin, destination, departure, DEFAULT_MAX_CHANGES)
    else {
        return Ok(None);
    };
    let Some(best) = planned.first() else {
        return Ok(None);
    };
    let shaped = shape(&state.db, &day, best).await?;
    let transfers = best.start.is_some() || best.end.is_some();
    Ok(Some((day, shaped, transfers)))
}

/// Plans the latest journeys from `origin` reaching `destination` by `deadline` on `day` (see
/// [`ends::plan_arriving_by`]), or why there is none, in words.
pub fn plan_arriving_by(
    day: &ServiceDay,
    origin: Crs,
    destination: Crs,
    deadline: Minute,
    max_changes: u8,
) -> std::result::Result<Vec<Planned>, String> {
    ends::plan_arriving_by(day.plan_day(), origin, destination, deadline, max_changes)
        .map_err(|why| no_journey(day, why, origin, destination, deadline, max_changes))
}

/// Why there is no journey, in the words of a 404 `no_journey`.
fn no_journey(
    day: &ServiceDay,
    why: NoJourney,
    origin: Crs,
    destination: Crs,
    time: Minute,
    max_changes: u8,
) -> String {
    let source = source_label(day.timetable.source());
    let changes = if max_changes == 1 { "" } else { "s" };
    match why {
        NoJourney::OriginNotServed => format!(
            "{origin} is not served by the {source} timetable, nor is any station with a stated transfer from it"
        ),
        NoJourney::DestinationNotServed => format!(
            "{destination} is not served by the {source} timetable, nor is any station with a stated transfer to it"
        ),
        NoJourney::NoneLeaving => format!(
            "no journey from {origin} to {destination} leaves at or after {} on {} with at most {max_changes} change{changes} (by the {source} timetable)",
            clock(time),
            day.date,
        ),
        NoJourney::NoneArriving => format!(
            "no journey from {origin} to {destination} arrives by {} on {} with at most {max_changes} change{changes}, leaving up to {} hours before (by the {source} timetable)",
            clock(time),
            day.date,
            ARRIVE_BY_WINDOW_MINUTES / 60,
        ),
    }
}

/// `"cif"`, `"approximate"` or `"synthetic"`.
pub fn source_label(source: TimetableSource) -> &'static str {
    match source {
        TimetableSource::Cif => "cif",
        TimetableSource::Approximate => "approximate",
        TimetableSource::Synthetic => "synthetic",
    }
}

/// A planner minute as `HH:MM` on a 24-hour clock (after midnight, the next day's time).
pub fn clock(minute: Minute) -> String {
    format!("{:02}:{:02}", (minute / 60) % 24, minute % 60)
}

/// A probability to 3 decimals.
fn round3(p: f64) -> f64 {
    (p * 1000.0).round() / 1000.0
}

/// One leg of a planned journey: a train, or a stated transfer between stations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JourneyLeg {
    /// `train`, `underground` or `walk`.
    #[schema(example = "train")]
    pub mode: String,
    /// ATOC code of the train's operator (null for a transfer).
    #[schema(example = "VT")]
    pub operator: Option<String>,
    /// The operator's name (null for a transfer).
    pub operator_name: Option<String>,
    /// Boarding (or starting) station, CRS.
    #[schema(example = "MAN")]
    pub from: String,
    /// Its name.
    pub from_name: String,
    /// Alighting (or reaching) station, CRS.
    #[schema(example = "EUS")]
    pub to: String,
    /// Its name.
    pub to_name: String,
    /// Scheduled departure, `HH:MM`.
    #[schema(example = "09:40")]
    pub departure: String,
    /// Scheduled arrival, `HH:MM`.
    #[schema(example = "11:48")]
    pub arrival: String,
    /// Stations the train calls at from boarding to alighting, both included (null for a
    /// transfer).
    pub calling_points: Option<u32>,
    /// The way a transfer is made, e.g. "Northern line (Charing Cross branch)".
    pub via: Option<String>,
}

/// A change between two trains and its risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JourneyInterchange {
    /// Station the feeder train arrives at, CRS.
    #[schema(example = "EUS")]
    pub station: String,
    /// Its name.
    pub station_name: String,
    /// Station the next train leaves from (another station only with a stated transfer).
    #[schema(example = "WAT")]
    pub to_station: String,
    /// Scheduled minutes between the feeder's arrival and the next train's departure.
    pub slack_minutes: u32,
    /// Minimum connection time (or the stated transfer time) the slack must cover; approximate
    /// figures, see `assumptions`.
    pub min_connection_minutes: u32,
    /// P(the feeder arrives later than slack − minimum connection time), 3 decimals.
    pub p_missed_connection: f64,
}

/// A planned journey shaped for a response, with its arrival-delay figures.
#[derive(Debug, Clone)]
pub struct Shaped {
    /// Legs in travel order (transfers included).
    pub legs: Vec<JourneyLeg>,
    /// Changes between trains.
    pub interchanges: Vec<JourneyInterchange>,
    /// Leaving the origin, scheduled.
    pub departure: Minute,
    /// Reaching the destination, scheduled.
    pub arrival: Minute,
    /// Changes between trains.
    pub changes: usize,
    /// The whole journey's arrival delay.
    pub distribution: DelayDistribution,
    /// Published figures of `distribution`.
    pub figures: Figures,
    /// The lowest confidence among the trains' operators.
    pub confidence: Confidence,
    /// The last train's operator.
    pub final_operator: Option<DayOperator>,
    /// Latest day of ORR data behind any leg.
    pub data_through: Option<Date>,
    /// One line in plain English.
    pub explanation: String,
    /// Whether any leg's operator fell back to national figures.
    pub national_legs: bool,
}

async fn station_name(db: &Db, crs: &str) -> Result<String> {
    Ok(match Crs::parse(crs) {
        Some(c) => stations::find_station(db, c)
            .await?
            .map_or_else(|| crs.to_owned(), |s| s.name),
        None => crs.to_owned(),
    })
}

fn transfer_leg(t: &EndTransfer, leave: Minute, names: (String, String)) -> JourneyLeg {
    JourneyLeg {
        mode: match t.transfer.mode {
            TransferMode::Walk => "walk",
            TransferMode::Underground => "underground",
        }
        .to_owned(),
        operator: None,
        operator_name: None,
        from: t.from.to_string(),
        from_name: names.0,
        to: t.to.to_string(),
        to_name: names.1,
        departure: clock(leave),
        arrival: clock(leave + Minute::from(t.transfer.minutes)),
        calling_points: None,
        via: Some(t.transfer.via.to_owned()),
    }
}

/// Shapes a planned journey: legs with station names, transfers as legs of their own, and the
/// arrival-delay figures with a one-line explanation.
pub async fn shape(db: &Db, day: &ServiceDay, planned: &Planned) -> Result<Shaped> {
    let it = &planned.itinerary;
    let mut legs = Vec::new();
    if let Some(t) = &planned.start {
        let names = (
            station_name(db, t.from.as_str()).await?,
            station_name(db, t.to.as_str()).await?,
        );
        legs.push(transfer_leg(t, planned.departure(), names));
    }
    let mut interchanges = Vec::new();
    for (i, leg) in it.legs.iter().enumerate() {
        if i > 0 {
            let x = &it.interchanges[i - 1];
            interchanges.push(JourneyInterchange {
                station: x.station.clone(),
                station_name: station_name(db, &x.station).await?,
                to_station: x.to_station.clone(),
                slack_minutes: x.slack_minutes,
                min_connection_minutes: x.min_connection_minutes,
                p_missed_connection: round3(x.p_missed_connection),
            });
            if x.station != x.to_station {
                let stated = Crs::parse(&x.station)
                    .zip(Crs::parse(&x.to_station))
                    .and_then(|(a, b)| Some((a, b, interchange::transfer(a, b)?)));
                if let Some((from, to, transfer)) = stated {
                    let arrived = it.legs[i - 1].arrival;
                    legs.push(transfer_leg(
                        &EndTransfer { from, to, transfer },
                        arrived,
                        (
                            station_name(db, &x.station).await?,
                            station_name(db, &x.to_station).await?,
                        ),
                    ));
                }
            }
        }
        let op = day.operators.get(&leg.operator);
        legs.push(JourneyLeg {
            mode: "train".to_owned(),
            operator: Some(leg.operator.clone()),
            operator_name: op.map(|o| o.name.clone()),
            from: leg.from.clone(),
            from_name: station_name(db, &leg.from).await?,
            to: leg.to.clone(),
            to_name: station_name(db, &leg.to).await?,
            departure: clock(leg.departure),
            arrival: clock(leg.arrival),
            calling_points: Some(leg.calling_points),
            via: None,
        });
    }
    if let Some(t) = &planned.end {
        let names = (
            station_name(db, t.from.as_str()).await?,
            station_name(db, t.to.as_str()).await?,
        );
        legs.push(transfer_leg(t, it.scheduled_arrival, names));
    }
    let train_ops: Vec<&DayOperator> = it
        .legs
        .iter()
        .filter_map(|l| day.operators.get(&l.operator))
        .collect();
    let confidence = train_ops
        .iter()
        .map(|o| o.confidence)
        .min()
        .unwrap_or(Confidence::VeryLow);
    let data_through = train_ops.iter().filter_map(|o| o.data_through).max();
    let national_legs = train_ops.iter().any(|o| o.national);
    let figures = figures(&it.arrival_delay);
    let explanation = explain(day, it, &train_ops, &figures, confidence);
    Ok(Shaped {
        legs,
        interchanges,
        departure: planned.departure(),
        arrival: planned.arrival(),
        changes: it.changes,
        distribution: it.arrival_delay,
        figures,
        confidence,
        final_operator: it
            .legs
            .last()
            .and_then(|l| day.operators.get(&l.operator))
            .cloned(),
        data_through,
        explanation,
        national_legs,
    })
}

fn explain(
    day: &ServiceDay,
    it: &Itinerary,
    ops: &[&DayOperator],
    figures: &Figures,
    confidence: Confidence,
) -> String {
    let (frequency, verb) = crate::model::predict::natural_frequency(figures.delay_5_probability);
    let mut names: Vec<&str> = Vec::new();
    for o in ops {
        if names.last() != Some(&o.name.as_str()) {
            names.push(&o.name);
        }
    }
    let worst = it
        .interchanges
        .iter()
        .max_by(|a, b| a.p_missed_connection.total_cmp(&b.p_missed_connection));
    let risk = match worst {
        Some(x) => format!(
            ", the riskiest change being at {} (P(miss) {:.2})",
            x.station, x.p_missed_connection
        ),
        None => String::new(),
    };
    format!(
        "{frequency} journeys on this plan ({}) {verb} 5 or more minutes late at the destination{risk}, going by each operator's ORR punctuality for rail period {} on the {} timetable; confidence {}.",
        names.join(", then "),
        RailPeriod::containing(day.date),
        source_label(day.timetable.source()),
        confidence.as_str()
    )
}

/// Every assumption behind a planned answer on `day`: the planner's, the interchange figures'
/// source, the timetable's (approximate generation rules), and the end transfers' when used.
pub fn assumptions(day: &ServiceDay, with_transfers: bool) -> Vec<String> {
    let mut out: Vec<String> = ASSUMPTIONS.iter().map(|s| (*s).to_owned()).collect();
    out.push(format!(
        "minimum connection times and transfer times are {}",
        interchange::SOURCE
    ));
    out.extend(day.assumptions.iter().cloned());
    out.push(
        "each train's delay distribution is its operator's prediction for the rail period, day type and the hour the train starts, without route history".to_owned(),
    );
    if with_transfers {
        out.push(TRANSFER_ASSUMPTION.to_owned());
    }
    out
}
