//! CRS station codes: three letters, case-insensitive on input, upper case everywhere else; and
//! a [`Route`] of two different codes. Both are parsed once, where a request or a file brings
//! them in, with errors naming the field; past that the types say they are valid.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, FieldError, Result};

/// What a request field that is not a CRS code is told.
pub const NOT_A_CRS: &str = "must be a CRS code (three letters)";

/// A syntactically valid CRS code (three ASCII letters, stored upper case). Says nothing about
/// whether such a station exists: that is the store's question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Crs([u8; 3]);

impl Crs {
    /// Parses user input: trims whitespace, accepts any case.
    pub fn parse(input: &str) -> Option<Self> {
        let bytes = input.trim().as_bytes();
        match bytes {
            [a, b, c] if bytes.iter().all(u8::is_ascii_alphabetic) => Some(Self([
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
                c.to_ascii_uppercase(),
            ])),
            _ => None,
        }
    }

    /// The code as an upper-case `&str`.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("a CRS holds ASCII letters only")
    }

    /// Parses a path segment (or query parameter) named `field`; a malformed one is a 422
    /// that echoes what was sent.
    pub fn parse_segment(field: &str, raw: &str) -> Result<Self> {
        Self::parse(raw).ok_or_else(|| {
            Error::invalid(
                field,
                format!("'{}' is not a CRS code (three letters)", raw.trim()),
            )
        })
    }
}

impl Serialize for Crs {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Crs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("'{text}' is not a CRS code")))
    }
}

/// A journey's two stations: an origin and a different destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Route {
    origin: Crs,
    destination: Crs,
}

impl Route {
    /// The route between two codes; `None` when they are the same station.
    pub fn new(origin: Crs, destination: Crs) -> Option<Self> {
        (origin != destination).then_some(Self {
            origin,
            destination,
        })
    }

    /// Parses the `origin` and `destination` fields of a request body or query, adding every
    /// problem to `errors` (each naming its field); `None` when there is any.
    pub fn parse_fields(
        origin: &str,
        destination: &str,
        errors: &mut Vec<FieldError>,
    ) -> Option<Self> {
        let origin = Crs::parse(origin);
        if origin.is_none() {
            errors.push(FieldError::new("origin", NOT_A_CRS));
        }
        let destination = Crs::parse(destination);
        if destination.is_none() {
            errors.push(FieldError::new("destination", NOT_A_CRS));
        }
        let route = Self::new(origin?, destination?);
        if route.is_none() {
            errors.push(different());
        }
        route
    }

    /// Parses the `origin` and `destination` path segments: the first problem is a 422.
    pub fn parse_segments(origin: &str, destination: &str) -> Result<Self> {
        let origin = Crs::parse_segment("origin", origin)?;
        let destination = Crs::parse_segment("destination", destination)?;
        Self::new(origin, destination).ok_or_else(|| {
            let e = different();
            Error::invalid(e.field, e.message)
        })
    }

    /// Where the journey starts.
    pub fn origin(&self) -> Crs {
        self.origin
    }

    /// Where it ends.
    pub fn destination(&self) -> Crs {
        self.destination
    }
}

/// The problem of a route whose destination is its origin.
fn different() -> FieldError {
    FieldError::new("destination", "must differ from origin")
}

impl fmt::Display for Route {
    /// `ORIGIN-DESTINATION`, as responses and logs name a route.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.origin, self.destination)
    }
}

impl FromStr for Crs {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or(())
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_case_and_padded_codes_are_normalised() {
        assert_eq!(Crs::parse(" man ").unwrap().as_str(), "MAN");
        assert_eq!(Crs::parse("Eus").unwrap().to_string(), "EUS");
    }

    #[test]
    fn a_route_names_each_bad_field_and_needs_two_stations() {
        let mut errors = Vec::new();
        assert_eq!(Route::parse_fields("E1S", "MANC", &mut errors), None);
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["origin", "destination"]);
        errors.clear();
        assert_eq!(Route::parse_fields(" eus", "EUS", &mut errors), None);
        assert_eq!(
            errors,
            [FieldError::new("destination", "must differ from origin")]
        );
        let route = Route::parse_fields("eus", "man", &mut Vec::new()).unwrap();
        assert_eq!(route.to_string(), "EUS-MAN");
        // Path segments: the first problem only, echoing the segment.
        let e = Route::parse_segments(" x1 ", "MANC").unwrap_err();
        assert_eq!(
            e.fields(),
            [FieldError::new(
                "origin",
                "'x1' is not a CRS code (three letters)"
            )]
        );
    }

    #[test]
    fn codes_serialise_as_text_and_only_codes_deserialise() {
        let man = Crs::parse("MAN").unwrap();
        assert_eq!(serde_json::to_string(&man).unwrap(), "\"MAN\"");
        assert_eq!(serde_json::from_str::<Crs>("\"man\"").unwrap(), man);
        assert!(serde_json::from_str::<Crs>("\"M4N\"").is_err());
    }

    #[test]
    fn anything_but_three_letters_is_rejected() {
        for bad in ["", "MA", "MANC", "M4N", "MÅN", "M N"] {
            assert_eq!(Crs::parse(bad), None, "{bad:?}");
        }
    }
}
