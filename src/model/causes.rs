//! What mostly causes an operator's delays in a season, from ORR Table 3184 delay minutes: the
//! share of minutes by who is responsible (Network Rail, the operator itself, other operators)
//! and the largest single cause, as one plain-English sentence. Pure arithmetic over figures the
//! caller supplies; never does I/O.

/// A season of the rail year, as groups of rail periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Season {
    /// Periods 1–3 (April to June).
    Spring,
    /// Periods 4–6 (late June to mid September).
    Summer,
    /// Periods 7–9 (mid September to early December: leaf fall).
    Autumn,
    /// Periods 10–13 (December to March).
    Winter,
}

impl Season {
    /// The season of a rail period number (1..=13).
    pub fn of_period(period: u8) -> Self {
        match period {
            1..=3 => Self::Spring,
            4..=6 => Self::Summer,
            7..=9 => Self::Autumn,
            _ => Self::Winter,
        }
    }

    /// Lower-case name, e.g. "autumn".
    pub fn name(self) -> &'static str {
        match self {
            Self::Spring => "spring",
            Self::Summer => "summer",
            Self::Autumn => "autumn",
            Self::Winter => "winter",
        }
    }

    /// The rail periods it spans, e.g. "7-9".
    pub fn periods(self) -> &'static str {
        match self {
            Self::Spring => "1-3",
            Self::Summer => "4-6",
            Self::Autumn => "7-9",
            Self::Winter => "10-13",
        }
    }
}

/// Who ORR attributes a delay minute to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Responsibility {
    /// Network Rail: infrastructure, network management, severe weather and external events.
    NetworkRail,
    /// The operator's own trains, crews and stations.
    Operator,
    /// Other operators' trains delaying this operator's.
    OtherOperators,
}

/// Who a table 3184 cause column is attributed to, and the cause in plain words.
pub fn classify(column: &str) -> Option<(Responsibility, &'static str)> {
    let (who, cause) = if let Some(cause) = column.strip_prefix("NR on TOC ") {
        (Responsibility::NetworkRail, cause)
    } else if let Some(cause) = column.strip_prefix("TOC on Self ") {
        (Responsibility::Operator, cause)
    } else {
        (
            Responsibility::OtherOperators,
            column.strip_prefix("TOC on TOC ")?,
        )
    };
    let words = match cause {
        "External" => "external events (trespass, vandalism, fatalities, police)",
        "Network Management Other" => "network management",
        "Non Track Assets" => "non-track assets (signalling, power supply)",
        "Severe Weather" => "severe weather",
        "Track" => "track",
        "Fleet" if who == Responsibility::Operator => "its own train faults",
        "Fleet" => "other operators' train faults",
        "Operations" => "train operations",
        "Stations" => "stations",
        "TOC Other" => "other operator causes",
        "Traincrew" => "traincrew",
        _ => return None,
    };
    Some((who, words))
}

/// Minutes of one cause column summed over a season's periods and the loaded years.
#[derive(Debug, Clone, PartialEq)]
pub struct CauseMinutes {
    /// Rail period number, 1..=13.
    pub period: u8,
    /// The ORR cause column name.
    pub cause: String,
    /// Delay minutes (summed over years).
    pub minutes: f64,
    /// First rail year behind the figure (e.g. 2019 for 2019-20).
    pub first_year: i32,
    /// Last rail year behind the figure.
    pub last_year: i32,
}

/// The sentence for `operator_name` departing in rail period `period`, or `None` when the
/// season has no minutes loaded for the operator.
pub fn explain(operator_name: &str, period: u8, rows: &[CauseMinutes]) -> Option<String> {
    let season = Season::of_period(period);
    let in_season: Vec<&CauseMinutes> = rows
        .iter()
        .filter(|r| Season::of_period(r.period) == season && r.minutes > 0.0)
        .collect();
    let total: f64 = in_season.iter().map(|r| r.minutes).sum();
    if total <= 0.0 {
        return None;
    }
    let mut by_who = [0.0_f64; 3];
    let mut by_cause: Vec<(&'static str, f64)> = Vec::new();
    for row in &in_season {
        let Some((who, words)) = classify(&row.cause) else {
            continue;
        };
        by_who[who as usize] += row.minutes;
        match by_cause.iter_mut().find(|(w, _)| *w == words) {
            Some((_, m)) => *m += row.minutes,
            None => by_cause.push((words, row.minutes)),
        }
    }
    let (who, minutes) = [
        Responsibility::NetworkRail,
        Responsibility::Operator,
        Responsibility::OtherOperators,
    ]
    .into_iter()
    .map(|w| (w, by_who[w as usize]))
    .max_by(|a, b| a.1.total_cmp(&b.1))?;
    let (top_cause, top_minutes) = by_cause.into_iter().max_by(|a, b| a.1.total_cmp(&b.1))?;
    let share = percent(minutes / total);
    let attributed = match who {
        Responsibility::NetworkRail => {
            "caused by Network Rail (infrastructure, network management, weather and external events)"
                .to_owned()
        }
        Responsibility::Operator => format!("caused by {operator_name} itself"),
        Responsibility::OtherOperators => "caused by other operators' trains".to_owned(),
    };
    let how_much = if minutes / total > 0.5 {
        format!("most ({share}%)")
    } else {
        format!("the largest share ({share}%)")
    };
    let first = in_season.iter().map(|r| r.first_year).min()?;
    let last = in_season.iter().map(|r| r.last_year).max()?;
    Some(format!(
        "In {} (rail periods {}, {} to {}), {how_much} of {} delay minutes were {attributed}; the largest single cause was {top_cause} ({}%), going by ORR Table 3184.",
        season.name(),
        season.periods(),
        year_label(first),
        year_label(last),
        possessive(operator_name),
        percent(top_minutes / total)
    ))
}

/// "Southeastern's", "Northern Trains'".
fn possessive(name: &str) -> String {
    if name.ends_with('s') {
        format!("{name}'")
    } else {
        format!("{name}'s")
    }
}

fn percent(share: f64) -> f64 {
    (share * 100.0).round()
}

fn year_label(year: i32) -> String {
    format!("{year}-{:02}", (year + 1).rem_euclid(100))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(period: u8, cause: &str, minutes: f64) -> CauseMinutes {
        CauseMinutes {
            period,
            cause: cause.to_owned(),
            minutes,
            first_year: 2019,
            last_year: 2024,
        }
    }

    #[test]
    fn every_published_cause_column_is_classified() {
        for column in crate::feeds::orr3184::CAUSES {
            assert!(classify(column).is_some(), "{column}");
        }
        assert_eq!(classify("Somebody Else"), None);
    }

    #[test]
    fn the_season_of_the_period_decides_the_sentence() {
        let rows = [
            row(8, "NR on TOC Track", 600.0),
            row(8, "NR on TOC Non Track Assets", 100.0),
            row(8, "TOC on Self Fleet", 300.0),
            // Summer: the operator's own faults dominate, and must not leak into autumn.
            row(5, "TOC on Self Fleet", 5000.0),
        ];
        let autumn = explain("Southeastern", 7, &rows).unwrap();
        assert!(autumn.starts_with("In autumn (rail periods 7-9, 2019-20 to 2024-25), most (70%) of Southeastern's delay minutes were caused by Network Rail"), "{autumn}");
        assert!(
            autumn.contains("largest single cause was track (60%)"),
            "{autumn}"
        );
        let summer = explain("Southeastern", 4, &rows).unwrap();
        assert!(
            summer.contains(
                "most (100%) of Southeastern's delay minutes were caused by Southeastern itself"
            ),
            "{summer}"
        );
        assert_eq!(explain("Southeastern", 11, &rows), None);
    }

    #[test]
    fn a_plurality_is_not_called_most() {
        let rows = [
            row(11, "NR on TOC Track", 40.0),
            row(11, "TOC on Self Traincrew", 35.0),
            row(11, "TOC on TOC Fleet", 25.0),
        ];
        let s = explain("Northern Trains", 12, &rows).unwrap();
        assert!(
            s.contains("the largest share (40%) of Northern Trains' delay minutes"),
            "{s}"
        );
    }
}
