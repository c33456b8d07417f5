//! Where the tests' data comes from: the shared real data beside the repository (read in place,
//! never copied into it) and the routes of the service's built-in starter catalogue.

use std::path::{Path, PathBuf};

/// The shared real data (`../shared/data` beside the repository, or `RAILFAIR_SHARED_DATA`);
/// panics naming where it looked when it is not there.
pub fn shared_data() -> PathBuf {
    let dir = std::env::var_os("RAILFAIR_SHARED_DATA")
        .map(PathBuf::from)
        // This crate sits one level below the repository root.
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
    assert!(
        dir.join("naptan/RailReferences.csv").is_file(),
        "real data not found at {} (set RAILFAIR_SHARED_DATA)",
        dir.display()
    );
    dir
}

/// Routes of the built-in route catalogue (`src/store/starter/routes.csv`, starter data): each
/// is known without any import, so each must be answered.
pub const STARTER_ROUTES: [(&str, &str); 24] = [
    ("EUS", "MAN"),
    ("KGX", "EDB"),
    ("EUS", "BHM"),
    ("KGX", "LDS"),
    ("PAD", "BRI"),
    ("MAN", "LDS"),
    ("GLQ", "EDB"),
    ("VIC", "GTW"),
    ("KGX", "YRK"),
    ("KGX", "NCL"),
    ("VIC", "BTN"),
    ("PAD", "CDF"),
    ("LST", "NRW"),
    ("STP", "NOT"),
    ("STP", "SHF"),
    ("LIV", "MAN"),
    ("LDS", "YRK"),
    ("PAD", "OXF"),
    ("KGX", "CBG"),
    ("WAT", "SOU"),
    ("PAD", "RDG"),
    ("EUS", "LIV"),
    ("BHM", "MAN"),
    ("EUS", "GLC"),
];
