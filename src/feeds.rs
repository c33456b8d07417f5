//! Parsers of the official data formats: pure functions over text the caller supplies. They
//! never touch the database, the network or the file system; the store's importers write.

pub mod orr3184;
