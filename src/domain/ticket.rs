//! What a ticket covers, as the fares feed, the store, the Delay Repay rules and the fares
//! responses see it. Plain values; each closed set names its one spelling in `as_str` (the
//! stored text and the JSON string), and `parse` reads it back.

use serde::{Deserialize, Serialize};

/// Whether a ticket covers one leg or an outward and a return leg; refund shares differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
// Named apart from the service's journey (two stations): schema names share one namespace.
#[schema(as = TicketJourney)]
pub enum Journey {
    /// One-way ticket: shares apply to the whole price.
    Single,
    /// Return ticket: shares apply to the whole return price, per delayed leg.
    Return,
}

/// Which class of travel a ticket type is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TicketClass {
    /// `1`: first class.
    First,
    /// `2`: standard class.
    Standard,
    /// `9`: valid in either class.
    Both,
}

/// What the traveller would call the ticket; decides when it may be used and how it compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketKind {
    /// Train-specific, booked ahead.
    Advance,
    /// Off-peak (including off-peak day) tickets.
    OffPeak,
    /// Super off-peak tickets.
    SuperOffPeak,
    /// Anytime (including anytime day) tickets: no time restriction.
    Anytime,
    /// Anything the feed's classification (`feeds::fares::ticket_kind`) does not know.
    Other,
}

crate::domain::spelled!(Journey { Single => "single", Return => "return" });
crate::domain::spelled!(TicketClass { First => "first", Standard => "standard", Both => "both" });
crate::domain::spelled!(TicketKind {
    Advance => "ADVANCE",
    OffPeak => "OFF_PEAK",
    SuperOffPeak => "SUPER_OFF_PEAK",
    Anytime => "ANYTIME",
    Other => "OTHER",
});

#[cfg(test)]
mod tests {
    use super::*;

    fn serialised<T: Serialize>(value: T) -> String {
        serde_json::to_string(&value)
            .unwrap()
            .trim_matches('"')
            .to_owned()
    }

    #[test]
    fn each_value_serialises_as_its_spelling_and_parses_back() {
        for &j in Journey::ALL {
            assert_eq!(
                (serialised(j), Journey::parse(j.as_str())),
                (j.as_str().to_owned(), Some(j))
            );
        }
        for &c in TicketClass::ALL {
            assert_eq!(
                (serialised(c), TicketClass::parse(c.as_str())),
                (c.as_str().to_owned(), Some(c))
            );
        }
        for &k in TicketKind::ALL {
            assert_eq!(
                (serialised(k), TicketKind::parse(k.as_str())),
                (k.as_str().to_owned(), Some(k))
            );
        }
        assert_eq!(TicketKind::parse("off_peak"), None);
    }
}
