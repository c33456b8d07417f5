//! Reads one fares feed from a directory or a zip as RDG publishes it: finds the four
//! `RJFAFnnn` files, refuses a second file of a kind, decodes them and parses each, naming the
//! file of any error. The only part of the feed parser that opens files.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::feeds::LineError;
use crate::feeds::fares::feed::{FaresFeed, Skipped};
use crate::feeds::fares::fixed_width::decode;
use crate::feeds::fares::parse::{parse_ffl, parse_loc, parse_ndf, parse_tty};

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
