//! Parser of National Rail HSP (Historical Service Performance) JSON: serviceMetrics responses
//! (which rids ran between two stations) and serviceDetails responses (every call of one run,
//! with its times resolved to full local date-times across midnight).
//!
//! It only parses: it must never touch the database, the network or the file system. The
//! importer in `store::import_write` decides what gets stored.

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use time::{Date, Duration, Month, PrimitiveDateTime, Time};

use crate::domain::Crs;
use crate::feeds::LineError;

/// One service run from an HSP serviceDetails response: when it was due and how late it arrived at its destination.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceRun {
    /// HSP run identifier (`rid`).
    pub rid: String,
    /// Two-letter ATOC code of the operator, upper case.
    pub toc: String,
    /// Date of the departure from `origin`: `date_of_service`, or the day after when the traveller boards after the service crossed midnight.
    pub service_date: Date,
    /// CRS of the call we depart from.
    pub origin: Crs,
    /// CRS of the call we arrive at.
    pub destination: Crs,
    /// Scheduled departure from `origin` (`gbtt_ptd`), local wall time.
    pub sched_dep: PrimitiveDateTime,
    /// Scheduled arrival at `destination` (`gbtt_pta`), dated the next day when it crosses midnight.
    pub sched_arr: PrimitiveDateTime,
    /// `actual_ta − gbtt_pta` in whole minutes (negative = early); `None` when cancelled or not recorded.
    pub arrival_delay_min: Option<i32>,
    /// The destination call was cancelled: no `actual_ta` and a non-empty `late_canc_reason`.
    pub cancelled: bool,
}

/// Pairs of stations a serviceMetrics response asked about, with the rids it matched.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsQuery {
    /// CRS the traveller departs from.
    pub from: Crs,
    /// CRS the traveller arrives at.
    pub to: Crs,
    /// Runs that served this pair.
    pub rids: Vec<String>,
}

/// What one HSP JSON document is.
#[derive(Debug, Clone, PartialEq)]
pub enum HspDocument {
    /// A serviceMetrics response: station pairs and the rids that served them.
    Metrics(Vec<MetricsQuery>),
    /// A serviceDetails response: all calls of one run.
    Details(ServiceDetails),
}

/// A parsed serviceDetails response: all calls of one service run.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDetails {
    /// HSP run identifier (`rid`).
    pub rid: String,
    /// Two-letter ATOC code of the operator, upper case.
    pub toc: String,
    /// Date the run started (`date_of_service`).
    pub date_of_service: Date,
    /// Calls in timetable order.
    pub calls: Vec<Call>,
}

/// One call of a service: scheduled and actual times resolved to full local date-times.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// CRS of the station.
    pub location: Crs,
    /// Scheduled public arrival (`gbtt_pta`).
    pub sched_arr: Option<PrimitiveDateTime>,
    /// Scheduled public departure (`gbtt_ptd`).
    pub sched_dep: Option<PrimitiveDateTime>,
    /// Recorded arrival (`actual_ta`).
    pub actual_arr: Option<PrimitiveDateTime>,
    /// Recorded departure (`actual_td`).
    pub actual_dep: Option<PrimitiveDateTime>,
    /// Lateness or cancellation reason code (`late_canc_reason`).
    pub late_canc_reason: Option<String>,
}

/// Parses one HSP JSON document (serviceMetrics or serviceDetails), telling which it is.
pub fn parse_document(text: &str) -> Result<HspDocument, LineError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| LineError {
        // serde_json reports line 0 only for errors with no position; a file has at least line 1.
        line: (e.line() as u64).max(1),
        message: format!("invalid JSON: {e}"),
    })?;
    let Some(object) = value.as_object() else {
        return Err(not_hsp());
    };
    if object.contains_key("serviceAttributesDetails") {
        let raw: RawDetailsDoc = serde_json::from_value(value).map_err(|e| LineError {
            line: 1,
            message: format!("serviceDetails: {e}"),
        })?;
        details(text, raw.details).map(HspDocument::Details)
    } else if object.contains_key("Services") {
        let raw: RawMetricsDoc = serde_json::from_value(value).map_err(|e| LineError {
            line: 1,
            message: format!("serviceMetrics: {e}"),
        })?;
        metrics(text, raw).map(HspDocument::Metrics)
    } else {
        Err(not_hsp())
    }
}

impl ServiceDetails {
    /// The run between two of its calls (first call → last call when `None`): the journey a traveller makes.
    pub fn run_between(&self, from: Option<&str>, to: Option<&str>) -> Option<ServiceRun> {
        let is = |call: &Call, crs: &str| call.location.as_str().eq_ignore_ascii_case(crs.trim());
        let start = match from {
            Some(crs) => self.calls.iter().position(|c| is(c, crs))?,
            None => 0,
        };
        // The destination must come after the origin: a reversed pair is another train.
        let end = match to {
            Some(crs) => {
                start
                    + 1
                    + self
                        .calls
                        .get(start + 1..)?
                        .iter()
                        .position(|c| is(c, crs))?
            }
            None => self
                .calls
                .len()
                .checked_sub(1)
                .filter(|&last| last > start)?,
        };
        let origin = self.calls.get(start)?;
        let destination = self.calls.get(end)?;
        let sched_dep = origin.sched_dep?;
        let sched_arr = destination.sched_arr?;
        let arrival_delay_min = destination
            .actual_arr
            .and_then(|actual| i32::try_from((actual - sched_arr).whole_minutes()).ok());
        Some(ServiceRun {
            rid: self.rid.clone(),
            toc: self.toc.clone(),
            service_date: sched_dep.date(),
            origin: origin.location,
            destination: destination.location,
            sched_dep,
            sched_arr,
            arrival_delay_min,
            cancelled: destination.actual_arr.is_none() && destination.late_canc_reason.is_some(),
        })
    }
}

fn not_hsp() -> LineError {
    LineError {
        line: 1,
        message: "not an HSP serviceMetrics or serviceDetails document".to_owned(),
    }
}

/// A JSON scalar read as trimmed text: HSP sends numbers as strings and "" for no value, but a
/// real JSON number or null is taken too rather than failing the whole file.
#[derive(Debug, Default)]
struct Text(Option<String>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl Visitor<'_> for TextVisitor {
            type Value = Text;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string, an integer or null")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                let v = v.trim();
                Ok(Text((!v.is_empty()).then(|| v.to_owned())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Text, E> {
                Ok(Text(None))
            }
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

#[derive(Deserialize)]
struct RawDetailsDoc {
    #[serde(rename = "serviceAttributesDetails")]
    details: RawDetails,
}

#[derive(Deserialize)]
struct RawDetails {
    #[serde(default)]
    date_of_service: Text,
    #[serde(default)]
    toc_code: Text,
    #[serde(default)]
    rid: Text,
    locations: Vec<RawLocation>,
}

#[derive(Deserialize)]
struct RawLocation {
    #[serde(default)]
    location: Text,
    #[serde(default)]
    gbtt_ptd: Text,
    #[serde(default)]
    gbtt_pta: Text,
    #[serde(default)]
    actual_td: Text,
    #[serde(default)]
    actual_ta: Text,
    #[serde(default)]
    late_canc_reason: Text,
}

#[derive(Deserialize)]
struct RawMetricsDoc {
    #[serde(default)]
    header: Option<RawHeader>,
    #[serde(rename = "Services")]
    services: Vec<RawService>,
}

#[derive(Deserialize)]
struct RawHeader {
    #[serde(default)]
    from_location: Text,
    #[serde(default)]
    to_location: Text,
}

#[derive(Deserialize)]
struct RawService {
    #[serde(rename = "serviceAttributesMetrics")]
    attributes: RawServiceAttributes,
}

#[derive(Deserialize)]
struct RawServiceAttributes {
    #[serde(default)]
    origin_location: Text,
    #[serde(default)]
    destination_location: Text,
    #[serde(default)]
    rids: Vec<Text>,
}

fn metrics(text: &str, raw: RawMetricsDoc) -> Result<Vec<MetricsQuery>, LineError> {
    let n = raw.services.len();
    let (header_from, header_to) = match raw.header {
        Some(h) => (h.from_location.0, h.to_location.0),
        None => (None, None),
    };
    let mut queries = Vec::with_capacity(n);
    for (i, service) in raw.services.into_iter().enumerate() {
        let a = service.attributes;
        let station = |field: &str, own: Option<String>, header: &Option<String>| {
            let value = own.or_else(|| header.clone());
            let line = nth_key_line(text, field, i, n)
                .or_else(|| nth_key_line(text, "serviceAttributesMetrics", i, n))
                .unwrap_or(1);
            crs(value.as_deref()).map_err(|problem| LineError {
                line,
                message: format!("serviceMetrics service {}: {field} {problem}", i + 1),
            })
        };
        let from = station("origin_location", a.origin_location.0, &header_from)?;
        let to = station("destination_location", a.destination_location.0, &header_to)?;
        let rids = a.rids.into_iter().filter_map(|r| r.0).collect();
        queries.push(MetricsQuery { from, to, rids });
    }
    Ok(queries)
}

fn details(text: &str, raw: RawDetails) -> Result<ServiceDetails, LineError> {
    // Top-level fields appear once, so the first occurrence of the key is the line to blame.
    let top = |field: &str, problem: String| LineError {
        line: nth_key_line(text, field, 0, 1).unwrap_or(1),
        message: format!("serviceDetails: {field} {problem}"),
    };
    let rid = raw
        .rid
        .0
        .ok_or_else(|| top("rid", "is missing".to_owned()))?;
    let date_of_service = date(raw.date_of_service.0.as_deref())
        .map_err(|p| top("date_of_service", format!("{p} (rid {rid})")))?;
    let toc =
        toc(raw.toc_code.0.as_deref()).map_err(|p| top("toc_code", format!("{p} (rid {rid})")))?;

    let n = raw.locations.len();
    let mut clock = Clock {
        day: date_of_service,
        latest: None,
    };
    let mut calls = Vec::with_capacity(n);
    for (i, loc) in raw.locations.into_iter().enumerate() {
        let at = |field: &str, location: &str, problem: String| LineError {
            line: nth_key_line(text, field, i, n)
                .or_else(|| nth_key_line(text, "location", i, n))
                .unwrap_or(1),
            message: format!(
                "serviceDetails rid {rid}, call {} ({location}): {field} {problem}",
                i + 1
            ),
        };
        let location = crs(loc.location.0.as_deref()).map_err(|p| at("location", "?", p))?;
        let hhmm = |field: &str, value: &Text| {
            value
                .0
                .as_deref()
                .map(parse_hhmm)
                .transpose()
                .map_err(|p| at(field, location.as_str(), p))
        };
        let sched_arr_t = hhmm("gbtt_pta", &loc.gbtt_pta)?;
        let sched_dep_t = hhmm("gbtt_ptd", &loc.gbtt_ptd)?;
        let actual_arr_t = hhmm("actual_ta", &loc.actual_ta)?;
        let actual_dep_t = hhmm("actual_td", &loc.actual_td)?;
        let overflow = |field: &str| {
            at(
                field,
                location.as_str(),
                "lies past the last date we can represent".to_owned(),
            )
        };

        // A call's arrival comes before its departure, so that is the order the clock sees them.
        let sched_arr = sched_arr_t
            .map(|t| clock.scheduled(t).ok_or_else(|| overflow("gbtt_pta")))
            .transpose()?;
        let sched_dep = sched_dep_t
            .map(|t| clock.scheduled(t).ok_or_else(|| overflow("gbtt_ptd")))
            .transpose()?;
        let actual_arr = actual_arr_t.map(|t| clock.actual(t, sched_arr.or(sched_dep)));
        let actual_dep = actual_dep_t.map(|t| clock.actual(t, sched_dep.or(sched_arr)));
        calls.push(Call {
            location,
            sched_arr,
            sched_dep,
            actual_arr,
            actual_dep,
            late_canc_reason: loc.late_canc_reason.0,
        });
    }
    Ok(ServiceDetails {
        rid,
        toc,
        date_of_service,
        calls,
    })
}

/// Dates HSP's bare `HHMM` times along one run.
struct Clock {
    /// The date scheduled times currently fall on.
    day: Date,
    /// Latest scheduled date-time seen so far.
    latest: Option<PrimitiveDateTime>,
}

impl Clock {
    /// Dates a scheduled time: calls are in time order, so a time well before the latest one
    /// means the run crossed midnight. Six hours of slack tolerates slightly out-of-order data
    /// without inventing a day. `None` only when the next day cannot be represented.
    fn scheduled(&mut self, t: Time) -> Option<PrimitiveDateTime> {
        let mut at = PrimitiveDateTime::new(self.day, t);
        if let Some(latest) = self.latest
            && at < latest - Duration::hours(6)
        {
            self.day = self.day.next_day()?;
            at = PrimitiveDateTime::new(self.day, t);
        }
        self.latest = Some(self.latest.map_or(at, |l| l.max(at)));
        Some(at)
    }

    /// Dates an actual time next to its scheduled counterpart (the nearest of the day before,
    /// the same day and the day after), since a train is never a whole day early or late in HSP
    /// terms; with no counterpart, next to the latest scheduled time, else on the running date.
    fn actual(&self, t: Time, anchor: Option<PrimitiveDateTime>) -> PrimitiveDateTime {
        match anchor.or(self.latest) {
            Some(anchor) => nearest(anchor, t),
            None => PrimitiveDateTime::new(self.day, t),
        }
    }
}

fn nearest(anchor: PrimitiveDateTime, t: Time) -> PrimitiveDateTime {
    let same = PrimitiveDateTime::new(anchor.date(), t);
    [anchor.date().next_day(), anchor.date().previous_day()]
        .into_iter()
        .flatten()
        .map(|d| PrimitiveDateTime::new(d, t))
        .fold(same, |best, c| {
            if (c - anchor).abs() < (best - anchor).abs() {
                c
            } else {
                best
            }
        })
}

/// `HHMM`, exactly four digits, 00:00–23:59. "2400" is refused: nothing in the HSP format
/// documents it, and guessing its meaning would silently shift a run by a day.
fn parse_hhmm(s: &str) -> Result<Time, String> {
    let bad = || format!("{s:?} is not an HHMM time (0000-2359)");
    let b = s.as_bytes();
    if b.len() != 4 || !b.iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    let hh = (b[0] - b'0') * 10 + (b[1] - b'0');
    let mm = (b[2] - b'0') * 10 + (b[3] - b'0');
    Time::from_hms(hh, mm, 0).map_err(|_| bad())
}

/// `YYYY-MM-DD`.
fn date(s: Option<&str>) -> Result<Date, String> {
    let s = s.ok_or_else(|| "is missing".to_owned())?;
    let bad = || format!("{s:?} is not a YYYY-MM-DD date");
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .filter(|d| d.iter().all(u8::is_ascii_digit))
            .and_then(|_| s.get(r))
            .and_then(|d| d.parse::<u16>().ok())
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return Err(bad());
    };
    let month = u8::try_from(m)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(bad)?;
    let day = u8::try_from(d).map_err(|_| bad())?;
    Date::from_calendar_date(i32::from(y), month, day).map_err(|_| bad())
}

/// A station's CRS code: three letters (any case).
fn crs(s: Option<&str>) -> Result<Crs, String> {
    let code = letters(s, 3, "CRS code")?;
    Crs::parse(&code).ok_or_else(|| format!("{code:?} is not a 3-letter CRS code"))
}

/// An operator's ATOC code: two letters, upper-cased.
fn toc(s: Option<&str>) -> Result<String, String> {
    letters(s, 2, "ATOC code")
}

fn letters(s: Option<&str>, len: usize, what: &str) -> Result<String, String> {
    let s = s.ok_or_else(|| "is missing".to_owned())?;
    if s.len() == len && s.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(s.to_ascii_uppercase())
    } else {
        Err(format!("{s:?} is not a {len}-letter {what}"))
    }
}

/// The line of the `index`-th of `count` expected occurrences of object key `key`, if the
/// document holds exactly `count` of them; otherwise the position is ambiguous and we say so by
/// returning `None`. serde_json keeps no positions in a `Value`, so this rescans the text.
fn nth_key_line(text: &str, key: &str, index: usize, count: usize) -> Option<u64> {
    let lines = key_lines(text, key);
    if lines.len() == count {
        lines.get(index).copied()
    } else {
        None
    }
}

/// 1-based lines of every object key spelled exactly `key`, in document order. Only called on
/// text serde_json has already accepted, so strings hold no raw newlines.
fn key_lines(text: &str, key: &str) -> Vec<u64> {
    let b = text.as_bytes();
    let mut found = Vec::new();
    let mut line = 1u64;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'\n' => line += 1,
            b'"' => {
                let start = i + 1;
                let mut end = start;
                while let Some(&c) = b.get(end) {
                    match c {
                        b'"' => break,
                        // Skip the escaped character so `\"` does not end the string.
                        b'\\' => end += 2,
                        _ => end += 1,
                    }
                }
                let mut after = end + 1;
                while b.get(after).is_some_and(u8::is_ascii_whitespace) {
                    after += 1;
                }
                if b.get(after) == Some(&b':') && b.get(start..end) == Some(key.as_bytes()) {
                    found.push(line);
                }
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn details_of(json: &str) -> ServiceDetails {
        match parse_document(json).expect("parses") {
            HspDocument::Details(d) => d,
            other => panic!("expected serviceDetails, got {other:?}"),
        }
    }

    fn metrics_of(json: &str) -> Vec<MetricsQuery> {
        match parse_document(json).expect("parses") {
            HspDocument::Metrics(m) => m,
            other => panic!("expected serviceMetrics, got {other:?}"),
        }
    }

    fn shared(name: &str) -> Option<String> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/hsp-format/");
        match std::fs::read_to_string(format!("{dir}{name}")) {
            Ok(text) => Some(text),
            Err(e) => {
                eprintln!("skipped: {dir}{name} not readable: {e}");
                None
            }
        }
    }

    /// Two calls, dep 23:40 and arr 00:25, with actual arrival `actual_ta`.
    fn overnight(actual_ta: &str) -> String {
        format!(
            r#"{{
  "serviceAttributesDetails": {{
    "date_of_service": "2024-03-08",
    "toc_code": "sw",
    "rid": "202403087654321",
    "locations": [
      {{ "location": "WAT", "gbtt_ptd": "2340", "gbtt_pta": "", "actual_td": "2341", "actual_ta": "", "late_canc_reason": "" }},
      {{ "location": "WOK", "gbtt_ptd": "", "gbtt_pta": "0025", "actual_td": "", "actual_ta": "{actual_ta}", "late_canc_reason": "" }}
    ]
  }}
}}"#
        )
    }

    const FOUR_CALLS: &str = r#"{
  "serviceAttributesDetails": {
    "date_of_service": "2024-05-13",
    "toc_code": "TL",
    "rid": "202405130012345",
    "locations": [
      { "location": "BTN", "gbtt_ptd": "0800", "gbtt_pta": "", "actual_td": "0800", "actual_ta": "", "late_canc_reason": "" },
      { "location": "HHE", "gbtt_ptd": "0815", "gbtt_pta": "0814", "actual_td": "0818", "actual_ta": "0817", "late_canc_reason": "" },
      { "location": "GTW", "gbtt_ptd": "0831", "gbtt_pta": "0830", "actual_td": "0836", "actual_ta": "0835", "late_canc_reason": "" },
      { "location": "BFR", "gbtt_ptd": "", "gbtt_pta": "0905", "actual_td": "", "actual_ta": "0904", "late_canc_reason": "" }
    ]
  }
}"#;

    #[test]
    fn the_shared_details_example_gives_btn_to_vic_cancelled_and_btn_to_gtw_three_minutes_early() {
        let Some(text) = shared("serviceDetails_example.json") else {
            return;
        };
        let d = details_of(&text);
        assert_eq!(d.rid, "201607293361753");
        assert_eq!(d.toc, "GX");
        assert_eq!(d.date_of_service, date!(2016 - 07 - 29));
        assert_eq!(d.calls.len(), 3);

        let whole = d.run_between(None, None).expect("BTN to VIC");
        assert_eq!(
            (whole.origin.as_str(), whole.destination.as_str()),
            ("BTN", "VIC")
        );
        assert_eq!(whole.sched_dep, datetime!(2016-07-29 07:12));
        assert_eq!(whole.sched_arr, datetime!(2016-07-29 08:23));
        assert!(whole.cancelled);
        assert_eq!(whole.arrival_delay_min, None);
        assert_eq!(d.run_between(Some("BTN"), Some("VIC")), Some(whole));

        let gatwick = d.run_between(Some("BTN"), Some("GTW")).expect("BTN to GTW");
        assert_eq!(gatwick.arrival_delay_min, Some(-3));
        assert!(!gatwick.cancelled);
        assert_eq!(gatwick.service_date, date!(2016 - 07 - 29));
    }

    #[test]
    fn the_shared_metrics_example_gives_one_btn_to_vic_query_with_its_two_rids() {
        let Some(text) = shared("serviceMetrics_example.json") else {
            return;
        };
        assert_eq!(
            metrics_of(&text),
            vec![MetricsQuery {
                from: Crs::parse("BTN").unwrap(),
                to: Crs::parse("VIC").unwrap(),
                rids: vec!["201607013361753".into(), "201607043443704".into()],
            }]
        );
    }

    #[test]
    fn a_service_crossing_midnight_arrives_the_next_day_six_minutes_late() {
        let d = details_of(&overnight("0031"));
        let run = d.run_between(None, None).expect("run");
        assert_eq!(run.toc, "SW");
        assert_eq!(run.service_date, date!(2024 - 03 - 08));
        assert_eq!(run.sched_dep, datetime!(2024-03-08 23:40));
        assert_eq!(run.sched_arr, datetime!(2024-03-09 00:25));
        assert_eq!(run.arrival_delay_min, Some(6));
        assert_eq!(d.calls[1].actual_arr, Some(datetime!(2024-03-09 00:31)));
    }

    #[test]
    fn an_actual_arrival_after_midnight_for_a_2355_arrival_is_fifteen_minutes_late() {
        let json = r#"{"serviceAttributesDetails": {"date_of_service": "2024-03-08", "toc_code": "GW", "rid": "1",
          "locations": [
            {"location": "PAD", "gbtt_ptd": "2300", "gbtt_pta": "", "actual_td": "2302", "actual_ta": "", "late_canc_reason": ""},
            {"location": "RDG", "gbtt_ptd": "", "gbtt_pta": "2355", "actual_td": "", "actual_ta": "0010", "late_canc_reason": "YI"}
          ]}}"#;
        let d = details_of(json);
        let run = d.run_between(None, None).expect("run");
        assert_eq!(run.sched_arr, datetime!(2024-03-08 23:55));
        assert_eq!(d.calls[1].actual_arr, Some(datetime!(2024-03-09 00:10)));
        assert_eq!(run.arrival_delay_min, Some(15));
        // A reason with a recorded arrival explains lateness; it is not a cancellation.
        assert!(!run.cancelled);
    }

    #[test]
    fn an_actual_arrival_before_midnight_for_a_0005_arrival_is_seven_minutes_early() {
        let d = details_of(&overnight("0018"));
        assert_eq!(
            d.run_between(None, None).and_then(|r| r.arrival_delay_min),
            Some(-7)
        );
        let json = overnight("2358").replace("\"0025\"", "\"0005\"");
        let d = details_of(&json);
        assert_eq!(d.calls[1].actual_arr, Some(datetime!(2024-03-08 23:58)));
        assert_eq!(
            d.run_between(None, None).and_then(|r| r.arrival_delay_min),
            Some(-7)
        );
    }

    #[test]
    fn numbers_sent_as_strings_are_read_as_text_without_losing_leading_zeros() {
        let json = r#"{
  "header": { "from_location": "BTN", "to_location": "VIC" },
  "Services": [
    {
      "serviceAttributesMetrics": {
        "origin_location": "BTN", "destination_location": "VIC", "gbtt_ptd": "0712", "gbtt_pta": "0823",
        "toc_code": "GX", "matched_services": "2", "rids": ["0000123", " 201607043443704 ", 42]
      },
      "Metrics": [ { "tolerance_value": "0", "num_not_tolerance": "1", "num_tolerance": "1", "percent_tolerance": "50", "global_tolerance": true } ]
    }
  ]
}"#;
        let q = metrics_of(json);
        assert_eq!(q[0].rids, vec!["0000123", "201607043443704", "42"]);

        let d = details_of(&overnight("0031").replace("\"202403087654321\"", "\"0099\""));
        assert_eq!(d.rid, "0099");
    }

    #[test]
    fn empty_strings_mean_no_value_and_an_unrecorded_arrival_is_not_a_cancellation() {
        let json = r#"{"serviceAttributesDetails": {"date_of_service": " 2024-01-02 ", "toc_code": "XC", "rid": "7",
          "locations": [
            {"location": "BHM", "gbtt_ptd": "1000", "gbtt_pta": "", "actual_td": "", "actual_ta": "", "late_canc_reason": ""},
            {"location": "DBY", "gbtt_ptd": "", "gbtt_pta": "1040", "actual_td": "", "actual_ta": " ", "late_canc_reason": ""}
          ]}}"#;
        let d = details_of(json);
        assert_eq!(d.date_of_service, date!(2024 - 01 - 02));
        let origin = &d.calls[0];
        assert_eq!(
            (
                origin.sched_arr,
                origin.actual_dep,
                origin.late_canc_reason.as_deref()
            ),
            (None, None, None)
        );
        let run = d.run_between(None, None).expect("run");
        assert_eq!((run.arrival_delay_min, run.cancelled), (None, false));
    }

    #[test]
    fn a_bad_time_is_an_error_naming_the_field_the_value_and_the_call() {
        for bad in ["25:99", "12345", "2400", "1260", "7:12"] {
            let json = overnight("0031").replace("\"0031\"", &format!("\"{bad}\""));
            let err = parse_document(&json).expect_err(bad);
            assert!(err.message.contains("actual_ta"), "{}", err.message);
            assert!(err.message.contains(bad), "{}", err.message);
            assert!(
                err.message.contains("WOK") && err.message.contains("202403087654321"),
                "{}",
                err.message
            );
            assert_eq!(err.line, 8, "{}", err.message);
        }
    }

    #[test]
    fn bad_dates_stations_and_operators_are_errors_naming_the_field() {
        let cases = [
            ("\"2024-03-08\"", "\"08/03/2024\"", "date_of_service"),
            ("\"2024-03-08\"", "\"2024-02-30\"", "date_of_service"),
            ("\"sw\"", "\"SWR\"", "toc_code"),
            ("\"WOK\"", "\"WO1\"", "location"),
            ("\"202403087654321\"", "\"\"", "rid"),
        ];
        for (from, to, field) in cases {
            let err = parse_document(&overnight("0031").replace(from, to)).expect_err(to);
            assert!(err.message.contains(field), "{}", err.message);
        }
    }

    #[test]
    fn truncated_json_is_an_error_with_its_line() {
        let text = overnight("0031");
        let cut = &text[..text.len() / 2];
        let err = parse_document(cut).expect_err("truncated");
        assert!(err.line >= 2, "{err:?}");
        assert!(err.message.contains("EOF"), "{}", err.message);
    }

    #[test]
    fn a_document_of_another_kind_is_an_error_on_line_one() {
        for text in [r#"{"trainServices": []}"#, "[]", "\"0712\""] {
            let err = parse_document(text).expect_err(text);
            assert_eq!(err.line, 1);
            assert_eq!(
                err.message,
                "not an HSP serviceMetrics or serviceDetails document"
            );
        }
    }

    #[test]
    fn metrics_fall_back_to_the_header_for_missing_stations() {
        let json = r#"{"header": {"from_location": "btn", "to_location": "VIC"},
          "Services": [{"serviceAttributesMetrics": {"origin_location": "", "destination_location": "GTW", "rids": ["1"]}}]}"#;
        let q = metrics_of(json);
        assert_eq!((q[0].from.as_str(), q[0].to.as_str()), ("BTN", "GTW"));
        let err = parse_document(r#"{"Services": [{"serviceAttributesMetrics": {"rids": []}}]}"#)
            .expect_err("no stations");
        assert!(err.message.contains("origin_location"), "{}", err.message);
    }

    #[test]
    fn run_between_an_intermediate_pair_gives_that_leg() {
        let d = details_of(FOUR_CALLS);
        let run = d.run_between(Some("HHE"), Some("gtw")).expect("HHE to GTW");
        assert_eq!(
            (run.origin.as_str(), run.destination.as_str()),
            ("HHE", "GTW")
        );
        assert_eq!(run.sched_dep, datetime!(2024-05-13 08:15));
        assert_eq!(run.sched_arr, datetime!(2024-05-13 08:30));
        assert_eq!(run.arrival_delay_min, Some(5));
        assert_eq!(
            d.run_between(Some("GTW"), None)
                .and_then(|r| r.arrival_delay_min),
            Some(-1)
        );
    }

    #[test]
    fn run_between_a_reversed_or_unknown_pair_is_none() {
        let d = details_of(FOUR_CALLS);
        assert_eq!(d.run_between(Some("GTW"), Some("HHE")), None);
        assert_eq!(d.run_between(Some("GTW"), Some("GTW")), None);
        assert_eq!(d.run_between(Some("BFR"), None), None);
        assert_eq!(d.run_between(Some("VIC"), Some("BFR")), None);
    }

    #[test]
    fn run_between_calls_missing_their_scheduled_times_is_none() {
        // BTN has no gbtt_ptd to depart by; BFR has no gbtt_pta to arrive by.
        let d = details_of(&FOUR_CALLS.replace("\"gbtt_ptd\": \"0800\"", "\"gbtt_ptd\": \"\""));
        assert_eq!(d.run_between(Some("BTN"), Some("GTW")), None);
        let d = details_of(&FOUR_CALLS.replace("\"gbtt_pta\": \"0905\"", "\"gbtt_pta\": \"\""));
        assert_eq!(d.run_between(None, None), None);
    }

    #[test]
    fn a_boarding_after_midnight_is_dated_the_day_it_departs() {
        let json = r#"{"serviceAttributesDetails": {"date_of_service": "2024-03-08", "toc_code": "GR", "rid": "9",
          "locations": [
            {"location": "KGX", "gbtt_ptd": "2330", "gbtt_pta": "", "actual_td": "2330", "actual_ta": "", "late_canc_reason": ""},
            {"location": "PBO", "gbtt_ptd": "0021", "gbtt_pta": "0019", "actual_td": "0023", "actual_ta": "0020", "late_canc_reason": ""},
            {"location": "YRK", "gbtt_ptd": "", "gbtt_pta": "0140", "actual_td": "", "actual_ta": "", "late_canc_reason": "TG"}
          ]}}"#;
        let d = details_of(json);
        let run = d.run_between(Some("PBO"), None).expect("PBO to YRK");
        assert_eq!(run.service_date, date!(2024 - 03 - 09));
        assert_eq!(run.sched_arr, datetime!(2024-03-09 01:40));
        assert!(run.cancelled);
    }

    #[test]
    fn key_lines_skip_keys_inside_strings() {
        let text = "{\"a\": \"\\\"location\\\": 1\",\n \"location\": \"X\"}";
        assert_eq!(key_lines(text, "location"), vec![2]);
    }
}
