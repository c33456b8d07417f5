//! CRS station codes: three letters, case-insensitive on input, upper case everywhere else.

use std::fmt;
use std::str::FromStr;

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
    fn anything_but_three_letters_is_rejected() {
        for bad in ["", "MA", "MANC", "M4N", "MÅN", "M N"] {
            assert_eq!(Crs::parse(bad), None, "{bad:?}");
        }
    }
}
