//! The write side of importing the official data files: find them, read them, hand the bytes to
//! a parser in `feeds` (off the async runtime), then write every row in ONE `BEGIN IMMEDIATE`
//! transaction and record the run in the import log. A bad file imports nothing and the error
//! names the file and line; a second run of the same file changes nothing and says so.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use time::{Date, OffsetDateTime};
use tracing::info;

use crate::domain::Crs;
use crate::error::{Error, Result};
use crate::feeds::{LineError, cif, fares, hsp, naptan, orr1410, orr3138};
use crate::model::priors::derive_priors;
use crate::store::Db;
use crate::store::counts::Counts;
use crate::store::delay_causes;
use crate::store::fares as store_fares;
use crate::store::import_log::{self, ImportRun};
use crate::store::observations::{self, Observation};
use crate::store::operators;
use crate::store::punctuality;
use crate::store::stations;
use crate::store::timetable;

/// The official formats we import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum ImportKind {
    /// NaPTAN `RailReferences.csv`: station names, TIPLOCs and positions.
    #[value(name = "naptan")]
    Naptan,
    /// ORR table 1410 (station usage): NLC, region and facility owner per station.
    #[value(name = "orr-1410")]
    Orr1410,
    /// ORR table 3138: punctuality per operator per rail period.
    #[value(name = "orr-3138")]
    Orr3138,
    /// ORR table 3184: delay minutes per operator per rail period, by cause.
    #[value(name = "orr-3184", alias = "orr3184")]
    Orr3184,
    /// RDG fares feed (RJFAFnnn .LOC/.FFL/.TTY/.NDF): a zip or a directory.
    #[value(name = "fares")]
    Fares,
    /// HSP serviceMetrics / serviceDetails JSON: a file or a directory of them.
    #[value(name = "hsp")]
    Hsp,
    /// Network Rail / RDG CIF timetable (`*.cif`): a file, or a directory of them.
    #[value(name = "cif")]
    Cif,
}

impl ImportKind {
    /// The kind's name as the CLI and the import log spell it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Naptan => "naptan",
            Self::Orr1410 => "orr-1410",
            Self::Orr3138 => "orr-3138",
            Self::Orr3184 => "orr-3184",
            Self::Fares => "fares",
            Self::Hsp => "hsp",
            Self::Cif => "cif",
        }
    }

    /// The kind a bootstrap directory entry holds, judged by its name. `hsp-format/` holds
    /// format fixtures, not observations, so only a directory called `hsp` is route history.
    pub fn detect(path: &Path) -> Option<Self> {
        let name = path.file_name()?.to_str()?;
        let lower = name.to_ascii_lowercase();
        if path.is_dir() {
            return match lower.as_str() {
                "hsp" => Some(Self::Hsp),
                "fares" => Some(Self::Fares),
                _ => None,
            };
        }
        if lower.starts_with("rjfaf") && lower.ends_with(".zip") {
            Some(Self::Fares)
        } else if lower == "railreferences.csv" {
            Some(Self::Naptan)
        } else if lower.starts_with("table-1410") && lower.ends_with(".csv") {
            Some(Self::Orr1410)
        } else if lower.starts_with("table-3138") && lower.ends_with(".csv") {
            Some(Self::Orr3138)
        } else if lower.ends_with(".cif") {
            Some(Self::Cif)
        } else if lower.starts_with("table-3184") && lower.ends_with(".csv") {
            Some(Self::Orr3184)
        } else {
            None
        }
    }
}

impl fmt::Display for ImportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportSummary {
    /// The format imported.
    pub kind: ImportKind,
    /// The file or directory.
    pub file: String,
    /// Records read from it.
    pub records: u64,
    /// Per table, what changed.
    pub tables: Vec<(&'static str, Counts)>,
    /// Last day the data covers, when the format says.
    pub data_through: Option<Date>,
    /// Records read but not stored, with why.
    pub skipped: Vec<String>,
}

impl ImportSummary {
    /// Whether the import changed anything in the database.
    pub fn changed(&self) -> bool {
        self.tables.iter().any(|(_, c)| c.inserted + c.updated > 0)
    }

    fn total(&self) -> Counts {
        self.tables
            .iter()
            .fold(Counts::default(), |acc, (_, c)| Counts {
                inserted: acc.inserted + c.inserted,
                updated: acc.updated + c.updated,
                unchanged: acc.unchanged + c.unchanged,
            })
    }
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {} records read",
            self.kind, self.file, self.records
        )?;
        if self.changed() {
            for (table, c) in &self.tables {
                write!(
                    f,
                    "; {table}: {} inserted, {} updated, {} unchanged",
                    c.inserted, c.updated, c.unchanged
                )?;
            }
        } else {
            write!(f, "; no changes (everything already up to date)")?;
        }
        if let Some(d) = self.data_through {
            write!(f, "; data through {d}")?;
        }
        if !self.skipped.is_empty() {
            write!(
                f,
                "; {} skipped ({})",
                self.skipped.len(),
                self.skipped.join("; ")
            )?;
        }
        Ok(())
    }
}

fn import_error(file: &Path, e: LineError) -> Error {
    Error::Import {
        file: file.display().to_string(),
        line: Some(e.line),
        message: e.message,
    }
}

async fn read(path: &Path) -> Result<Vec<u8>> {
    tokio::fs::read(path).await.map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Parses on the blocking pool: a large file must not stall the async runtime.
async fn parse_blocking<T: Send + 'static>(
    path: &Path,
    bytes: Vec<u8>,
    parse: impl FnOnce(&[u8]) -> std::result::Result<T, LineError> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(move || parse(&bytes))
        .await
        .map_err(|e| Error::Internal(format!("parser task failed: {e}")))?
        .map_err(|e| import_error(path, e))
}

/// Imports one file (or, for HSP, a file or directory) of `kind`. The summary is returned, not
/// logged: the caller reports it once (the CLI on stdout, the server in its log).
pub async fn import(db: &Db, kind: ImportKind, path: &Path) -> Result<ImportSummary> {
    info!(import.kind = %kind, import.file = %path.display(), "import started");
    let summary = match kind {
        ImportKind::Naptan => import_naptan(db, path).await?,
        ImportKind::Orr1410 => import_orr1410(db, path).await?,
        ImportKind::Orr3138 => import_orr3138(db, path).await?,
        ImportKind::Orr3184 => import_orr3184(db, path).await?,
        ImportKind::Fares => import_fares(db, path).await?,
        ImportKind::Hsp => import_hsp(db, path).await?,
        ImportKind::Cif => import_cif(db, path).await?,
    };
    Ok(summary)
}

/// How deep under the bootstrap directory files are looked for.
const SCAN_DEPTH: u8 = 3;

/// A file (or directory) under a bootstrap directory that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotImported {
    /// The path, as found under the directory.
    pub path: PathBuf,
    /// Why it was not imported, in words.
    pub reason: String,
}

impl fmt::Display for NotImported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason)
    }
}

/// What a directory holds: the known files in dependency order, and everything else.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataDir {
    /// Files an importer takes, in the order they are imported.
    pub known: Vec<(ImportKind, PathBuf)>,
    /// Every other file, with why it is not imported.
    pub not_imported: Vec<NotImported>,
}

/// What a bootstrap did: one summary per import, and every file it did not import with why.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bootstrap {
    /// One summary per import run, in the order they ran.
    pub imported: Vec<ImportSummary>,
    /// Files found but not imported (including, at startup, kinds imported before).
    pub not_imported: Vec<NotImported>,
}

impl fmt::Display for Bootstrap {
    /// The one summary of a bootstrap: what was imported, then what was not and why.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.imported.is_empty() {
            writeln!(f, "imported: nothing (no known data files)")?;
        } else {
            writeln!(f, "imported:")?;
            for s in &self.imported {
                writeln!(f, "  {s}")?;
            }
            if self.imported.iter().all(|s| !s.changed()) {
                writeln!(f, "no changes: every file was already imported")?;
            }
        }
        if !self.not_imported.is_empty() {
            writeln!(f, "not imported:")?;
            for n in &self.not_imported {
                writeln!(f, "  {n}")?;
            }
        }
        Ok(())
    }
}

/// Why a file that no importer recognises (see [`ImportKind::detect`]) is not imported.
fn why_not_imported(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let extension = path
        .extension()
        .map(|x| x.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name.starts_with('.') {
        return "hidden file".to_owned();
    }
    match extension.as_str() {
        "md" | "txt" | "pdf" | "html" | "htm" => "not a data file (documentation)".to_owned(),
        "json" => "format fixture: HSP JSON is imported only from a directory called hsp/, and \
                   JSON anywhere else (such as hsp-format/) is taken as an example of the \
                   format, not observations"
            .to_owned(),
        "csv" if name.starts_with("table-") => format!(
            "no importer yet for ORR table {} (ORR tables imported: 1410, 3138, 3184)",
            name.trim_start_matches("table-")
                .split('-')
                .next()
                .unwrap_or_default()
        ),
        "csv" => "no importer yet: CSV files imported are RailReferences.csv (NaPTAN) and ORR \
                  tables table-1410*, table-3138*, table-3184*"
            .to_owned(),
        "zip" => {
            "no importer yet: the archives imported are fares feeds named RJFAF*.zip".to_owned()
        }
        _ => "no importer yet for this kind of file".to_owned(),
    }
}

/// Every file under `dir` (searched three levels deep): the known ones in dependency order,
/// the others with why they are not imported.
pub fn scan_data_dir(dir: &Path) -> Result<DataDir> {
    fn walk(dir: &Path, depth: u8, found: &mut DataDir) -> Result<()> {
        let entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
            path: dir.display().to_string(),
            source,
        })?;
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            if let Some(kind) = ImportKind::detect(&path) {
                found.known.push((kind, path));
            } else if path.is_dir() && depth > 0 {
                walk(&path, depth - 1, found)?;
            } else if path.is_dir() {
                found.not_imported.push(NotImported {
                    path,
                    reason: format!("directory more than {SCAN_DEPTH} levels down: not searched"),
                });
            } else {
                let reason = why_not_imported(&path);
                found.not_imported.push(NotImported { path, reason });
            }
        }
        Ok(())
    }
    let mut found = DataDir::default();
    walk(dir, SCAN_DEPTH, &mut found)?;
    // Stations before the usage table that enriches them; operators' figures before history;
    // timetables in the order they were extracted, so an update lands on the extract before it.
    found.known.sort_by_cached_key(|(kind, path)| {
        let extracted = (*kind == ImportKind::Cif)
            .then(|| cif_order(path))
            .flatten();
        (*kind, extracted)
    });
    Ok(found)
}

/// Imports every known file under `dir`; `only_missing` skips kinds imported before. Returns
/// the summaries and every file not imported, with why; logs neither (the caller reports them
/// once).
pub async fn bootstrap(db: &Db, dir: &Path, only_missing: bool) -> Result<Bootstrap> {
    let owned = dir.to_owned();
    let found = tokio::task::spawn_blocking(move || scan_data_dir(&owned))
        .await
        .map_err(|e| Error::Internal(format!("directory scan failed: {e}")))??;
    if found.known.is_empty() {
        tracing::warn!(data.dir = %dir.display(), "no known data files found");
    }
    let mut done = Bootstrap {
        imported: Vec::new(),
        not_imported: found.not_imported,
    };
    // Timetable files are one change together (a full extract and the updates after it), so
    // that a second bootstrap finds every schedule as it left it.
    let mut timetables = Vec::new();
    for (kind, path) in found.known {
        if only_missing && import_log::has_run(db, kind.name()).await? {
            done.not_imported.push(NotImported {
                path,
                reason: format!(
                    "already imported: the database has a {kind} import (startup imports only \
                     the kinds it lacks)"
                ),
            });
            continue;
        }
        if kind == ImportKind::Cif {
            timetables.push(path);
        } else {
            done.imported.push(import(db, kind, &path).await?);
        }
    }
    if !timetables.is_empty() {
        let label = timetables
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" + ");
        info!(import.kind = "cif", import.file = %label, "import started");
        done.imported
            .push(import_cif_files(db, &label, &timetables).await?);
    }
    Ok(done)
}

/// When a CIF file was extracted, full extracts before updates of the same moment; `None` when
/// its header cannot be read (the import itself will then say why).
fn cif_order(path: &Path) -> Option<(time::PrimitiveDateTime, bool)> {
    use std::io::Read;
    let mut first = Vec::with_capacity(cif::RECORD_LEN + 2);
    std::fs::File::open(path)
        .ok()?
        .take(cif::RECORD_LEN as u64 + 2)
        .read_to_end(&mut first)
        .ok()?;
    let header = cif::read_header(&first).ok()?;
    Some((header.extracted_at, header.kind == cif::ExtractKind::Update))
}

async fn finish(tx: &mut sqlx::SqliteConnection, summary: &ImportSummary) -> Result<()> {
    if !summary.changed() {
        return Ok(());
    }
    let total = summary.total();
    let now = OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| Error::Internal(e.to_string()))?;
    import_log::record_run(
        tx,
        &ImportRun {
            kind: summary.kind.name().to_owned(),
            file: summary.file.clone(),
            finished_at: now,
            rows_read: summary.records as i64,
            inserted: total.inserted as i64,
            updated: total.updated as i64,
            unchanged: total.unchanged as i64,
            data_through: summary.data_through.map(|d| d.to_string()),
        },
    )
    .await
}

fn progress(kind: ImportKind, done: usize, total: usize) {
    if done > 0 && done.is_multiple_of(1000) {
        info!(import.kind = %kind, "written {done}/{total} records");
    }
}

async fn import_naptan(db: &Db, path: &Path) -> Result<ImportSummary> {
    let bytes = read(path).await?;
    let rows = parse_blocking(path, bytes, |b| naptan::parse(b)).await?;
    let mut station_counts = Counts::default();
    let mut tiploc_counts = Counts::default();
    let mut tx = db.begin_write().await?;
    let mut first_of: BTreeMap<&str, &naptan::NaptanRow> = BTreeMap::new();
    for row in &rows {
        first_of.entry(row.crs.as_str()).or_insert(row);
    }
    for (i, row) in first_of.values().enumerate() {
        let outcome = stations::upsert_naptan_station(
            &mut tx,
            &row.crs,
            &row.name,
            round6(row.position.lat),
            round6(row.position.lon),
            row.easting,
            row.northing,
        )
        .await?;
        station_counts.add(outcome);
        progress(ImportKind::Naptan, i, first_of.len());
    }
    let mut skipped = Vec::new();
    let mut seen_tiplocs = BTreeSet::new();
    for row in &rows {
        if !seen_tiplocs.insert(row.tiploc.as_str()) {
            skipped.push(format!(
                "TIPLOC {} listed again for {}",
                row.tiploc, row.crs
            ));
            continue;
        }
        tiploc_counts
            .add(stations::upsert_tiploc(&mut tx, &row.tiploc, &row.crs, &row.atco_code).await?);
    }
    let summary = ImportSummary {
        kind: ImportKind::Naptan,
        file: path.display().to_string(),
        records: rows.len() as u64,
        tables: vec![
            ("stations", station_counts),
            ("station_tiplocs", tiploc_counts),
        ],
        data_through: None,
        skipped,
    };
    finish(&mut tx, &summary).await?;
    tx.commit().await?;
    Ok(summary)
}

/// Six decimals (about 0.1 m) keep stored positions stable from run to run.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

async fn import_orr1410(db: &Db, path: &Path) -> Result<ImportSummary> {
    let bytes = read(path).await?;
    let rows = parse_blocking(path, bytes, orr1410::parse).await?;
    let mut counts = Counts::default();
    let mut tx = db.begin_write().await?;
    let mut owner_tocs: HashMap<String, Option<String>> = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        let toc = match &row.facility_owner {
            None => None,
            Some(owner) => match owner_tocs.get(owner) {
                Some(t) => t.clone(),
                None => {
                    let t = operators::toc_for_alias(&mut tx, owner).await?;
                    owner_tocs.insert(owner.clone(), t.clone());
                    t
                }
            },
        };
        counts.add(
            stations::upsert_usage_station(
                &mut tx,
                &row.crs,
                &row.name,
                &row.nlc,
                row.region.as_deref(),
                row.facility_owner.as_deref(),
                toc.as_deref(),
                row.entries_exits,
            )
            .await?,
        );
        progress(ImportKind::Orr1410, i, rows.len());
    }
    let summary = ImportSummary {
        kind: ImportKind::Orr1410,
        file: path.display().to_string(),
        records: rows.len() as u64,
        tables: vec![("stations", counts)],
        data_through: None,
        skipped: Vec::new(),
    };
    finish(&mut tx, &summary).await?;
    tx.commit().await?;
    Ok(summary)
}

async fn import_orr3138(db: &Db, path: &Path) -> Result<ImportSummary> {
    let bytes = read(path).await?;
    let (rows, priors) = parse_blocking(path, bytes, |b| {
        let rows = orr3138::parse(b)?;
        let priors = derive_priors(&rows);
        Ok((rows, priors))
    })
    .await?;
    let mut counts = Counts::default();
    let mut prior_counts = Counts::default();
    let mut tx = db.begin_write().await?;
    for (i, row) in rows.iter().enumerate() {
        counts.add(punctuality::upsert_punctuality(&mut tx, row).await?);
        progress(ImportKind::Orr3138, i, rows.len());
    }
    for prior in &priors {
        prior_counts.add(punctuality::upsert_prior(&mut tx, prior, "orr_3138").await?);
    }
    let summary = ImportSummary {
        kind: ImportKind::Orr3138,
        file: path.display().to_string(),
        records: rows.len() as u64,
        tables: vec![
            ("operator_punctuality", counts),
            ("operator_priors", prior_counts),
        ],
        data_through: rows.iter().map(|r| r.period.end()).max(),
        skipped: Vec::new(),
    };
    finish(&mut tx, &summary).await?;
    tx.commit().await?;
    Ok(summary)
}

async fn import_orr3184(db: &Db, path: &Path) -> Result<ImportSummary> {
    let bytes = read(path).await?;
    let rows = parse_blocking(path, bytes, |b| crate::feeds::orr3184::parse(b)).await?;
    let mut counts = Counts::default();
    let mut tx = db.begin_write().await?;
    for (i, row) in rows.iter().enumerate() {
        for (cause, minutes) in crate::feeds::orr3184::CAUSES.iter().zip(row.minutes) {
            counts.add(
                delay_causes::upsert_minutes(&mut tx, &row.series, row.period, cause, minutes)
                    .await?,
            );
        }
        progress(ImportKind::Orr3184, i, rows.len());
    }
    let summary = ImportSummary {
        kind: ImportKind::Orr3184,
        file: path.display().to_string(),
        records: rows.len() as u64,
        tables: vec![("delay_cause_minutes", counts)],
        data_through: rows.iter().map(|r| r.period.end()).max(),
        skipped: Vec::new(),
    };
    finish(&mut tx, &summary).await?;
    tx.commit().await?;
    Ok(summary)
}

async fn import_fares(db: &Db, path: &Path) -> Result<ImportSummary> {
    let owned = path.to_owned();
    let feed = tokio::task::spawn_blocking(move || {
        if owned.is_dir() {
            fares::read_feed_dir(&owned)
        } else {
            fares::read_feed_zip(&owned)
        }
    })
    .await
    .map_err(|e| Error::Internal(format!("fares reader failed: {e}")))?
    .map_err(|(file, e)| Error::Import {
        file: file.display().to_string(),
        line: (e.line > 0).then_some(e.line),
        message: e.message,
    })?;
    let mut tx = db.begin_write().await?;
    let (fare_counts, ticket_counts) = store_fares::replace_feed(&mut tx, &feed, "rdg").await?;
    let summary = ImportSummary {
        kind: ImportKind::Fares,
        file: path.display().to_string(),
        records: (feed.fares.len() + feed.non_derivable.len() + feed.ticket_types.len()) as u64,
        tables: vec![("fares", fare_counts), ("ticket_types", ticket_counts)],
        data_through: None,
        skipped: Vec::new(),
    };
    finish(&mut tx, &summary).await?;
    tx.commit().await?;
    Ok(summary)
}

async fn import_hsp(db: &Db, path: &Path) -> Result<ImportSummary> {
    let is_dir = tokio::fs::metadata(path)
        .await
        .map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?
        .is_dir();
    let files = if is_dir {
        let mut entries = tokio::fs::read_dir(path)
            .await
            .map_err(|source| Error::Io {
                path: path.display().to_string(),
                source,
            })?;
        let mut files = Vec::new();
        while let Some(entry) = entries.next_entry().await.map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })? {
            let p = entry.path();
            if p.extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("json"))
            {
                files.push(p);
            }
        }
        files.sort();
        files
    } else {
        vec![path.to_owned()]
    };
    let mut queries: HashMap<String, (Crs, Crs)> = HashMap::new();
    let mut details = Vec::new();
    for file in &files {
        let bytes = read(file).await?;
        let doc = parse_blocking(file, bytes, |b| {
            let text = std::str::from_utf8(b).map_err(|e| LineError {
                line: 1,
                message: format!("not UTF-8 text: {e}"),
            })?;
            hsp::parse_document(text)
        })
        .await?;
        match doc {
            hsp::HspDocument::Metrics(list) => {
                for q in list {
                    for rid in q.rids {
                        queries.insert(rid, (q.from, q.to));
                    }
                }
            }
            hsp::HspDocument::Details(d) => details.push((file.clone(), d)),
        }
    }
    let mut counts = Counts::default();
    let mut skipped = Vec::new();
    let mut touched = BTreeSet::new();
    let mut tx = db.begin_write().await?;
    for (file, d) in &details {
        // A metrics response says which journey the traveller asked about; without one, the
        // run is taken from its first call to its last.
        let pair = queries.get(&d.rid);
        let Some(run) = d.run_between(pair.map(|p| p.0.as_str()), pair.map(|p| p.1.as_str()))
        else {
            skipped.push(format!(
                "{}: rid {} has no usable run",
                file.display(),
                d.rid
            ));
            continue;
        };
        if run.arrival_delay_min.is_none() && !run.cancelled {
            skipped.push(format!(
                "{}: rid {} has no recorded arrival",
                file.display(),
                d.rid
            ));
            continue;
        }
        let obs = Observation {
            service_key: run.rid.clone(),
            source: "hsp",
            origin: run.origin,
            destination: run.destination,
            toc: run.toc.clone(),
            service_date: run.service_date,
            sched_dep: run.sched_dep,
            sched_arr: run.sched_arr,
            arrival_delay_min: run.arrival_delay_min,
            cancelled: run.cancelled,
        };
        counts.add(observations::upsert_observation(&mut tx, &obs, &mut touched).await?);
    }
    observations::refresh_rollups(&mut tx, &touched).await?;
    let summary = ImportSummary {
        kind: ImportKind::Hsp,
        file: path.display().to_string(),
        records: details.len() as u64,
        tables: vec![("service_observations", counts)],
        data_through: details.iter().map(|(_, d)| d.date_of_service).max(),
        skipped,
    };
    finish(&mut tx, &summary).await?;
    tx.commit().await?;
    Ok(summary)
}

/// The CIF files to import for `path`: the file itself, or a directory's `*.cif` files in the
/// order they were extracted.
async fn cif_files(path: &Path) -> Result<Vec<PathBuf>> {
    let owned = path.to_owned();
    tokio::task::spawn_blocking(move || {
        if !owned.is_dir() {
            return Ok(vec![owned]);
        }
        let entries = std::fs::read_dir(&owned).map_err(|source| Error::Io {
            path: owned.display().to_string(),
            source,
        })?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| ImportKind::detect(p) == Some(ImportKind::Cif))
            .collect();
        files.sort();
        files.sort_by_cached_key(|p| cif_order(p));
        Ok(files)
    })
    .await
    .map_err(|e| Error::Internal(format!("directory scan failed: {e}")))?
}

async fn import_cif(db: &Db, path: &Path) -> Result<ImportSummary> {
    let files = cif_files(path).await?;
    import_cif_files(db, &path.display().to_string(), &files).await
}

/// Imports several CIF files as one change (see [`timetable::apply_cif`]): the whole set is
/// parsed before anything is written, and one bad file imports nothing.
async fn import_cif_files(db: &Db, label: &str, files: &[PathBuf]) -> Result<ImportSummary> {
    let mut parsed = Vec::new();
    for file in files {
        let bytes = read(file).await?;
        let cif = parse_blocking(file, bytes, |b| {
            cif::parse(b).map_err(|e| LineError {
                line: e.line,
                message: e.message,
            })
        })
        .await?;
        parsed.push(cif);
    }
    let (mut associations, mut changes_en_route, mut tiplocs) = (0, 0, 0);
    let mut tx = db.begin_write().await?;
    let applied = timetable::apply_cif(&mut tx, &parsed).await?;
    for cif in &parsed {
        associations += cif.associations;
        changes_en_route += cif.changes_en_route;
        tiplocs += cif.tiplocs.len();
    }
    let mut skipped = Vec::new();
    if associations > 0 {
        skipped.push(format!(
            "{associations} AA association records not imported (joins and divides between \
             trains; each train is planned on its own)"
        ));
    }
    if changes_en_route > 0 {
        skipped.push(format!(
            "{changes_en_route} CR change-en-route records not imported (the calls and times \
             they sit between are)"
        ));
    }
    if tiplocs > 0 {
        skipped.push(format!(
            "{tiplocs} TIPLOC records (TI/TA/TD) not stored: CRS codes come from the NaPTAN \
             station TIPLOCs"
        ));
    }
    if applied.deletes_not_held > 0 {
        skipped.push(format!(
            "{} delete transactions for schedules not held",
            applied.deletes_not_held
        ));
    }
    let summary = ImportSummary {
        kind: ImportKind::Cif,
        file: label.to_owned(),
        records: parsed.iter().map(|c| c.records).sum(),
        tables: vec![
            ("timetable_schedules", applied.schedules),
            ("timetable_calls", applied.calls),
        ],
        data_through: parsed.iter().map(|c| c.header.user_end).max(),
        skipped,
    };
    finish(&mut tx, &summary).await?;
    tx.commit().await?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bootstrap_recognises_the_official_file_names() {
        assert_eq!(
            ImportKind::detect(Path::new("x/RailReferences.csv")),
            Some(ImportKind::Naptan)
        );
        assert_eq!(
            ImportKind::detect(Path::new("table-3138-train-punctuality.csv")),
            Some(ImportKind::Orr3138)
        );
        assert_eq!(
            ImportKind::detect(Path::new("table-1410-station-entries-exits-2022-23.csv")),
            Some(ImportKind::Orr1410)
        );
        assert_eq!(
            ImportKind::detect(Path::new("table-3184-delay-minutes.csv")),
            Some(ImportKind::Orr3184)
        );
        assert_eq!(
            ImportKind::detect(Path::new("table-9999-something-else.csv")),
            None
        );
        assert_eq!(
            ImportKind::detect(Path::new("cif-sample/sample-larger.cif")),
            Some(ImportKind::Cif)
        );
        assert_eq!(
            ImportKind::detect(Path::new("DFROC1H.CIF")),
            Some(ImportKind::Cif)
        );
    }
}
