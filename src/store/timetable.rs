//! The CIF timetable in the database: applying a parsed file (full extract or update) inside the
//! import's transaction, and reading the trains that run on a service date with their calls,
//! TIPLOCs mapped to CRS codes through the NaPTAN station TIPLOCs. Never decides STP precedence
//! itself: that is `domain::stp`.

use std::collections::{BTreeMap, HashMap, HashSet};

use sqlx::{FromRow, SqliteConnection};
use time::Date;

use crate::domain::stp::{self, BankHolidayRunning, DaysRun, Holiday, Stp, Validity};
use crate::error::{Error, Result};
use crate::feeds::cif::{CifFile, ExtractKind, Schedule, ScheduleChange, ScheduleKey};
use crate::store::Db;
use crate::store::counts::Counts;

/// What applying a CIF file did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    /// Schedules inserted, updated (deletions included) or unchanged.
    pub schedules: Counts,
    /// Calls written for inserted and updated schedules, or left as they were.
    pub calls: Counts,
    /// Delete transactions naming a schedule the database does not hold.
    pub deletes_not_held: u64,
}

/// The stored fingerprint is the parser's 64-bit hash, bit for bit, in SQLite's signed integer.
fn stored_fingerprint(fingerprint: u64) -> i64 {
    i64::from_ne_bytes(fingerprint.to_ne_bytes())
}

/// Applies parsed files, in the order given, as one change: the timetable they leave behind is
/// worked out first (a full extract starts afresh, an update applies its transactions on top, a
/// schedule withdrawn and stated again is simply stated), then written. With a full extract among
/// them, every schedule they do not end up listing is removed. A second run of the same files
/// therefore changes nothing.
pub async fn apply_cif(conn: &mut SqliteConnection, files: &[CifFile]) -> Result<Applied> {
    let mut applied = Applied::default();
    let mut replace = false;
    let mut net: BTreeMap<ScheduleKey, Option<&Schedule>> = BTreeMap::new();
    for file in files {
        if file.header.kind == ExtractKind::Full {
            net.clear();
            replace = true;
        }
        for change in &file.schedules {
            match change {
                ScheduleChange::Upsert(s) => {
                    net.insert(s.key(), Some(s));
                }
                // After a full extract the whole timetable is in hand: withdraw from it directly.
                ScheduleChange::Delete { key, .. } if replace => {
                    if net.remove(key).is_none() {
                        applied.deletes_not_held += 1;
                    }
                }
                ScheduleChange::Delete { key, .. } => {
                    net.insert(key.clone(), None);
                }
            }
        }
    }
    for (key, schedule) in &net {
        match schedule {
            Some(s) => upsert_schedule(conn, s, &mut applied).await?,
            None => {
                if delete_schedule(conn, key).await? {
                    applied.schedules.updated += 1;
                } else {
                    applied.deletes_not_held += 1;
                }
            }
        }
    }
    if replace {
        let held: Vec<(String, String, String)> =
            sqlx::query_as("SELECT uid, runs_from, stp FROM timetable_schedules")
                .fetch_all(&mut *conn)
                .await?;
        let listed: HashSet<(String, String, char)> = net
            .keys()
            .map(|k| (k.uid.clone(), k.runs_from.to_string(), k.stp.code()))
            .collect();
        for (uid, runs_from, stp) in held {
            let stp_code = stp.chars().next().unwrap_or(' ');
            if listed.contains(&(uid.clone(), runs_from.clone(), stp_code)) {
                continue;
            }
            let key = ScheduleKey {
                uid,
                runs_from: parse_date(&runs_from)?,
                stp: Stp::from_code(stp_code)
                    .ok_or_else(|| Error::Internal(format!("stored STP indicator '{stp}'")))?,
            };
            delete_schedule(conn, &key).await?;
            applied.schedules.updated += 1;
        }
    }
    Ok(applied)
}

async fn upsert_schedule(
    conn: &mut SqliteConnection,
    s: &Schedule,
    applied: &mut Applied,
) -> Result<()> {
    let v = &s.validity;
    let existing: Option<(i64, i64)> = sqlx::query_as(
        "SELECT id, fingerprint FROM timetable_schedules \
         WHERE uid = $1 AND runs_from = $2 AND stp = $3",
    )
    .bind(&s.uid)
    .bind(v.runs_from.to_string())
    .bind(v.stp.code().to_string())
    .fetch_optional(&mut *conn)
    .await?;
    let fingerprint = stored_fingerprint(s.fingerprint);
    let calls = s.calls.len() as u64;
    let id = match existing {
        Some((_, stored)) if stored == fingerprint => {
            applied.schedules.unchanged += 1;
            applied.calls.unchanged += calls;
            return Ok(());
        }
        Some((id, _)) => {
            sqlx::query("DELETE FROM timetable_calls WHERE schedule_id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await?;
            sqlx::query(
                "UPDATE timetable_schedules SET runs_to = $2, days_run = $3, bank_holiday = $4, \
                 status = $5, category = $6, identity = $7, service_code = $8, operator = $9, \
                 fingerprint = $10 WHERE id = $1",
            )
            .bind(id)
            .bind(v.runs_to.to_string())
            .bind(v.days.to_cif())
            .bind(v.bank_holiday.code().map(String::from))
            .bind(s.status.map(String::from))
            .bind(&s.category)
            .bind(&s.identity)
            .bind(&s.service_code)
            .bind(&s.operator)
            .bind(fingerprint)
            .execute(&mut *conn)
            .await?;
            applied.schedules.updated += 1;
            applied.calls.updated += calls;
            id
        }
        None => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO timetable_schedules (uid, runs_from, stp, runs_to, days_run, \
                 bank_holiday, status, category, identity, service_code, operator, fingerprint) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            )
            .bind(&s.uid)
            .bind(v.runs_from.to_string())
            .bind(v.stp.code().to_string())
            .bind(v.runs_to.to_string())
            .bind(v.days.to_cif())
            .bind(v.bank_holiday.code().map(String::from))
            .bind(s.status.map(String::from))
            .bind(&s.category)
            .bind(&s.identity)
            .bind(&s.service_code)
            .bind(&s.operator)
            .bind(fingerprint)
            .fetch_one(&mut *conn)
            .await?;
            applied.schedules.inserted += 1;
            applied.calls.inserted += calls;
            id
        }
    };
    for (seq, c) in s.calls.iter().enumerate() {
        sqlx::query(
            "INSERT INTO timetable_calls (schedule_id, seq, kind, tiploc, suffix, arrival, \
             departure, pass, public_arrival, public_departure, platform, activity) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(id)
        .bind(seq as i64)
        .bind(c.kind.code())
        .bind(&c.tiploc)
        .bind(c.suffix.map(String::from))
        .bind(c.arrival_secs.map(i64::from))
        .bind(c.departure_secs.map(i64::from))
        .bind(c.pass_secs.map(i64::from))
        .bind(c.public_arrival_secs.map(i64::from))
        .bind(c.public_departure_secs.map(i64::from))
        .bind(&c.platform)
        .bind(&c.activity)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Removes a schedule and its calls; whether it was there.
async fn delete_schedule(conn: &mut SqliteConnection, key: &ScheduleKey) -> Result<bool> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM timetable_schedules WHERE uid = $1 AND runs_from = $2 AND stp = $3",
    )
    .bind(&key.uid)
    .bind(key.runs_from.to_string())
    .bind(key.stp.code().to_string())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(id) = id else {
        return Ok(false);
    };
    sqlx::query("DELETE FROM timetable_calls WHERE schedule_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM timetable_schedules WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

/// A train running on the service date, to the schedule STP resolution chose.
#[derive(Debug, Clone, PartialEq)]
pub struct TimetableService {
    /// Train UID.
    pub uid: String,
    /// STP indicator of the schedule that applies (`P`, `O` or `N`).
    pub stp: Stp,
    /// ATOC code of the operator, when the schedule gives one.
    pub operator: Option<String>,
    /// Train category (`OO`, `XX`, …), when given.
    pub category: Option<String>,
    /// Train identity (headcode), when given.
    pub identity: Option<String>,
    /// Calls in order, origin first.
    pub calls: Vec<TimetableCall>,
}

/// One call of a running train.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct TimetableCall {
    /// `LO`, `LI` or `LT`.
    pub kind: String,
    /// TIPLOC of the location.
    pub tiploc: String,
    /// CRS of the station, when NaPTAN maps the TIPLOC to one (junctions and sidings have none).
    pub crs: Option<String>,
    /// Working arrival, seconds after the service day's midnight.
    pub arrival: Option<i64>,
    /// Working departure, seconds after the service day's midnight.
    pub departure: Option<i64>,
    /// Working passing time, for a location passed without stopping.
    pub pass: Option<i64>,
    /// Public arrival; none when the call is not advertised.
    pub public_arrival: Option<i64>,
    /// Public departure; none when the call is not advertised.
    pub public_departure: Option<i64>,
    /// Platform, when given.
    pub platform: Option<String>,
    /// CIF activity codes.
    pub activity: String,
}

#[derive(FromRow)]
struct ScheduleRow {
    id: i64,
    uid: String,
    runs_from: String,
    runs_to: String,
    days_run: String,
    bank_holiday: Option<String>,
    stp: String,
    operator: Option<String>,
    category: Option<String>,
    identity: Option<String>,
}

#[derive(FromRow)]
struct CallRow {
    schedule_id: i64,
    #[sqlx(flatten)]
    call: TimetableCall,
}

/// Schedules whose date range covers `$1` (YYYY-MM-DD).
pub const SCHEDULES_ON_SQL: &str = "SELECT id, uid, runs_from, runs_to, days_run, bank_holiday, \
     stp, operator, category, identity FROM timetable_schedules \
     WHERE runs_from <= $1 AND runs_to >= $1";

/// Calls of the schedules whose date range covers `$1`, with each TIPLOC's CRS, in order.
pub const CALLS_ON_SQL: &str = "SELECT c.schedule_id, c.kind, c.tiploc, t.crs, c.arrival, \
     c.departure, c.pass, c.public_arrival, c.public_departure, c.platform, c.activity \
     FROM timetable_calls c JOIN timetable_schedules s ON s.id = c.schedule_id \
     LEFT JOIN station_tiplocs t ON t.tiploc = c.tiploc \
     WHERE s.runs_from <= $1 AND s.runs_to >= $1 ORDER BY c.schedule_id, c.seq";

fn parse_date(text: &str) -> Result<Date> {
    Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|e| Error::Internal(format!("stored date '{text}': {e}")))
}

fn validity_of(row: &ScheduleRow) -> Result<Validity> {
    let bad = |what: &str, value: &str| Error::Internal(format!("stored {what} '{value}'"));
    Ok(Validity {
        runs_from: parse_date(&row.runs_from)?,
        runs_to: parse_date(&row.runs_to)?,
        days: DaysRun::parse(&row.days_run).ok_or_else(|| bad("days run", &row.days_run))?,
        bank_holiday: match row.bank_holiday.as_deref().and_then(|s| s.chars().next()) {
            None => BankHolidayRunning::Runs,
            Some(c) => BankHolidayRunning::from_code(c)
                .ok_or_else(|| bad("bank holiday running", &c.to_string()))?,
        },
        stp: row
            .stp
            .chars()
            .next()
            .and_then(Stp::from_code)
            .ok_or_else(|| bad("STP indicator", &row.stp))?,
    })
}

/// The trains that run on `date`, each to the schedule STP resolution picks (cancelled trains
/// left out), with their calls. `holiday` says what kind of bank holiday the day is, if the
/// caller knows (RailFair keeps no holiday calendar).
pub async fn services_on(
    db: &Db,
    date: Date,
    holiday: Option<Holiday>,
) -> Result<Vec<TimetableService>> {
    let day = date.to_string();
    let rows: Vec<ScheduleRow> = db
        .timed(
            "timetable_schedules_on",
            sqlx::query_as(SCHEDULES_ON_SQL)
                .bind(&day)
                .fetch_all(&db.read),
        )
        .await?;
    let mut by_uid: HashMap<&str, Vec<(Validity, &ScheduleRow)>> = HashMap::new();
    for row in &rows {
        by_uid
            .entry(row.uid.as_str())
            .or_default()
            .push((validity_of(row)?, row));
    }
    let mut running: HashMap<i64, TimetableService> = HashMap::new();
    for schedules in by_uid.values() {
        if let Some((validity, row)) = stp::resolve(schedules, |(v, _)| v, date, holiday).running()
        {
            running.insert(
                row.id,
                TimetableService {
                    uid: row.uid.clone(),
                    stp: validity.stp,
                    operator: row.operator.clone(),
                    category: row.category.clone(),
                    identity: row.identity.clone(),
                    calls: Vec::new(),
                },
            );
        }
    }
    let calls: Vec<CallRow> = db
        .timed(
            "timetable_calls_on",
            sqlx::query_as(CALLS_ON_SQL).bind(&day).fetch_all(&db.read),
        )
        .await?;
    for c in calls {
        if let Some(service) = running.get_mut(&c.schedule_id) {
            service.calls.push(c.call);
        }
    }
    let mut services: Vec<TimetableService> = running.into_values().collect();
    services.sort_by(|a, b| a.uid.cmp(&b.uid));
    Ok(services)
}
