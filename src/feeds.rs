//! Parsers of the official feed formats: bytes in, plain values out. Pure: no I/O beyond the
//! bytes they are handed, never the database (writing is the store's job).

pub mod cif;
