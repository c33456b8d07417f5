//! Which schedule of a train runs on a given day: the CIF "short term planning" (STP) rules over
//! date ranges, days run and bank holiday running. Pure values and functions; no I/O.
//!
//! A train (one UID) may have several schedules: a permanent one (`P`) and, layered on top for
//! some dates, overlays (`O`), short-term new schedules (`N`) and cancellations (`C`). On a given
//! day, of the schedules whose validity covers that day, the one with the highest STP priority
//! applies — C over N over O over P — and a winning `C` means the train does not run
//! (Network Rail, *CIF End User Specification* v29, "STP indicator").

use std::fmt;

use time::{Date, Weekday};

/// The STP indicator of a schedule, in priority order (the first wins on a day both cover).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stp {
    /// `C`: a short-term cancellation of the underlying schedule on the days it covers.
    Cancellation,
    /// `N`: a short-term new schedule with no permanent one beneath it.
    New,
    /// `O`: a short-term overlay replacing the permanent schedule on the days it covers.
    Overlay,
    /// `P`: the permanent (long-term) schedule, the lowest priority.
    Permanent,
}

impl Stp {
    /// The indicator from its CIF letter.
    pub fn from_code(code: char) -> Option<Self> {
        match code {
            'C' => Some(Self::Cancellation),
            'N' => Some(Self::New),
            'O' => Some(Self::Overlay),
            'P' => Some(Self::Permanent),
            _ => None,
        }
    }

    /// The CIF letter.
    pub fn code(self) -> char {
        match self {
            Self::Cancellation => 'C',
            Self::New => 'N',
            Self::Overlay => 'O',
            Self::Permanent => 'P',
        }
    }
}

impl fmt::Display for Stp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

/// The days of the week a schedule runs, Monday first (bit 0 Monday … bit 6 Sunday).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DaysRun(u8);

impl DaysRun {
    /// Every day of the week.
    pub const EVERY_DAY: Self = Self(0b111_1111);

    /// From the CIF field: seven `0`/`1` characters, Monday first (`1111100` = weekdays).
    pub fn parse(field: &str) -> Option<Self> {
        if field.len() != 7 {
            return None;
        }
        let mut bits = 0u8;
        for (i, c) in field.chars().enumerate() {
            match c {
                '1' => bits |= 1 << i,
                '0' => {}
                _ => return None,
            }
        }
        Some(Self(bits))
    }

    /// Whether the schedule runs on that day of the week.
    pub fn includes(self, day: Weekday) -> bool {
        self.0 & (1 << day.number_days_from_monday()) != 0
    }

    /// The CIF spelling, seven `0`/`1` characters, Monday first.
    pub fn to_cif(self) -> String {
        (0..7)
            .map(|i| if self.0 & (1 << i) != 0 { '1' } else { '0' })
            .collect()
    }
}

/// The bank holiday running flag of a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BankHolidayRunning {
    /// Blank: runs on bank holidays as on any other day.
    #[default]
    Runs,
    /// `X`: does not run on bank holiday Mondays.
    NotOnBankHolidayMondays,
    /// `G`: does not run on Glasgow bank holidays.
    NotOnGlasgowBankHolidays,
    /// `E`: does not run on Edinburgh bank holidays (older files).
    NotOnEdinburghBankHolidays,
}

impl BankHolidayRunning {
    /// The flag from its CIF character (blank for "runs").
    pub fn from_code(code: char) -> Option<Self> {
        match code {
            ' ' => Some(Self::Runs),
            'X' => Some(Self::NotOnBankHolidayMondays),
            'G' => Some(Self::NotOnGlasgowBankHolidays),
            'E' => Some(Self::NotOnEdinburghBankHolidays),
            _ => None,
        }
    }

    /// The CIF character, `None` for "runs".
    pub fn code(self) -> Option<char> {
        match self {
            Self::Runs => None,
            Self::NotOnBankHolidayMondays => Some('X'),
            Self::NotOnGlasgowBankHolidays => Some('G'),
            Self::NotOnEdinburghBankHolidays => Some('E'),
        }
    }
}

/// What kind of public holiday the service day is, as far as the caller knows. RailFair has no
/// bank holiday calendar of its own, so the caller says; `None` ignores the flag entirely.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holiday {
    /// A bank holiday in England and Wales (schedules flagged `X` do not run on a Monday one).
    BankHoliday,
    /// A Glasgow local bank holiday (schedules flagged `G` do not run).
    Glasgow,
    /// An Edinburgh local bank holiday (schedules flagged `E` do not run).
    Edinburgh,
}

/// When a schedule is valid: its date range, days run, bank holiday flag and STP indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Validity {
    /// First day the schedule covers.
    pub runs_from: Date,
    /// Last day it covers (inclusive).
    pub runs_to: Date,
    /// Days of the week within the range.
    pub days: DaysRun,
    /// Bank holiday running flag.
    pub bank_holiday: BankHolidayRunning,
    /// STP indicator.
    pub stp: Stp,
}

impl Validity {
    /// Whether the schedule covers `date` (range, day of week, and the bank holiday flag when the
    /// caller says the day is a holiday of that kind).
    pub fn covers(&self, date: Date, holiday: Option<Holiday>) -> bool {
        if date < self.runs_from || date > self.runs_to || !self.days.includes(date.weekday()) {
            return false;
        }
        !matches!(
            (self.bank_holiday, holiday),
            (
                BankHolidayRunning::NotOnBankHolidayMondays,
                Some(Holiday::BankHoliday)
            ) if date.weekday() == Weekday::Monday
        ) && !matches!(
            (self.bank_holiday, holiday),
            (
                BankHolidayRunning::NotOnGlasgowBankHolidays,
                Some(Holiday::Glasgow)
            ) | (
                BankHolidayRunning::NotOnEdinburghBankHolidays,
                Some(Holiday::Edinburgh)
            )
        )
    }
}

/// The outcome of STP resolution for one train on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution<'a, T> {
    /// The train runs to this schedule.
    Runs(&'a T),
    /// A short-term cancellation covers the day: the train does not run.
    Cancelled(&'a T),
    /// No schedule of the train covers the day.
    NotScheduled,
}

impl<'a, T> Resolution<'a, T> {
    /// The schedule the train runs to, if it runs.
    pub fn running(self) -> Option<&'a T> {
        match self {
            Self::Runs(s) => Some(s),
            Self::Cancelled(_) | Self::NotScheduled => None,
        }
    }
}

/// Which of one train's schedules applies on `date`: of those covering the day, the highest STP
/// priority wins (C, then N, then O, then P). Ties (two schedules of one STP indicator covering
/// one day, which a consistent timetable never has) go to the later `runs_from`.
pub fn resolve<'a, T>(
    schedules: &'a [T],
    validity: impl Fn(&T) -> &Validity,
    date: Date,
    holiday: Option<Holiday>,
) -> Resolution<'a, T> {
    let winner = schedules
        .iter()
        .filter(|s| validity(s).covers(date, holiday))
        .min_by(|a, b| {
            let (a, b) = (validity(a), validity(b));
            a.stp.cmp(&b.stp).then(b.runs_from.cmp(&a.runs_from))
        });
    match winner {
        None => Resolution::NotScheduled,
        Some(s) if validity(s).stp == Stp::Cancellation => Resolution::Cancelled(s),
        Some(s) => Resolution::Runs(s),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn v(from: Date, to: Date, days: &str, stp: Stp) -> Validity {
        Validity {
            runs_from: from,
            runs_to: to,
            days: DaysRun::parse(days).unwrap(),
            bank_holiday: BankHolidayRunning::Runs,
            stp,
        }
    }

    fn id<'a>(r: Resolution<'a, (u8, Validity)>) -> Option<u8> {
        r.running().map(|s| s.0)
    }

    #[test]
    fn days_run_reads_monday_first() {
        let weekdays = DaysRun::parse("1111100").unwrap();
        assert!(weekdays.includes(Weekday::Monday));
        assert!(weekdays.includes(Weekday::Friday));
        assert!(!weekdays.includes(Weekday::Saturday));
        assert!(!weekdays.includes(Weekday::Sunday));
        let sundays = DaysRun::parse("0000001").unwrap();
        assert!(sundays.includes(Weekday::Sunday));
        assert!(!sundays.includes(Weekday::Monday));
        assert_eq!(sundays.to_cif(), "0000001");
        assert_eq!(DaysRun::parse("111110"), None);
        assert_eq!(DaysRun::parse("11111X0"), None);
    }

    #[test]
    fn a_permanent_schedule_runs_only_inside_its_range_and_days() {
        let s = [(
            1,
            v(
                date!(2020 - 05 - 17),
                date!(2020 - 12 - 06),
                "1111100",
                Stp::Permanent,
            ),
        )];
        let at = |d| id(resolve(&s, |s| &s.1, d, None));
        assert_eq!(at(date!(2020 - 06 - 22)), Some(1)); // a Monday
        assert_eq!(at(date!(2020 - 06 - 21)), None); // a Sunday
        assert_eq!(at(date!(2020 - 05 - 15)), None); // before the range
        assert_eq!(at(date!(2020 - 12 - 07)), None); // after it (a Monday)
        assert_eq!(at(date!(2020 - 12 - 04)), Some(1)); // the last Friday
    }

    #[test]
    fn an_overlay_replaces_the_permanent_schedule_on_its_days_only() {
        let s = [
            (
                1,
                v(
                    date!(2020 - 05 - 18),
                    date!(2020 - 12 - 11),
                    "1111100",
                    Stp::Permanent,
                ),
            ),
            (
                2,
                v(
                    date!(2020 - 07 - 06),
                    date!(2020 - 07 - 10),
                    "1111100",
                    Stp::Overlay,
                ),
            ),
        ];
        let at = |d| id(resolve(&s, |s| &s.1, d, None));
        assert_eq!(at(date!(2020 - 07 - 03)), Some(1));
        assert_eq!(at(date!(2020 - 07 - 06)), Some(2));
        assert_eq!(at(date!(2020 - 07 - 10)), Some(2));
        assert_eq!(at(date!(2020 - 07 - 13)), Some(1));
    }

    #[test]
    fn a_cancellation_beats_an_overlay_and_the_permanent_schedule() {
        let s = [
            (
                1,
                v(
                    date!(2020 - 05 - 18),
                    date!(2020 - 12 - 11),
                    "1111111",
                    Stp::Permanent,
                ),
            ),
            (
                2,
                v(
                    date!(2020 - 07 - 01),
                    date!(2020 - 07 - 31),
                    "1111111",
                    Stp::Overlay,
                ),
            ),
            (
                3,
                v(
                    date!(2020 - 07 - 15),
                    date!(2020 - 07 - 15),
                    "0010000",
                    Stp::Cancellation,
                ),
            ),
        ];
        let day = date!(2020 - 07 - 15);
        assert!(matches!(
            resolve(&s, |s| &s.1, day, None),
            Resolution::Cancelled((3, _))
        ));
        assert_eq!(
            id(resolve(&s, |s| &s.1, date!(2020 - 07 - 16), None)),
            Some(2)
        );
        // A cancellation that does not include the weekday cancels nothing.
        assert_eq!(
            id(resolve(&s, |s| &s.1, date!(2020 - 07 - 08), None)),
            Some(2)
        );
    }

    #[test]
    fn a_new_schedule_runs_without_a_permanent_one_and_nothing_runs_outside_it() {
        let s = [(
            7,
            v(
                date!(2020 - 07 - 02),
                date!(2020 - 07 - 02),
                "0001000",
                Stp::New,
            ),
        )];
        assert_eq!(
            id(resolve(&s, |s| &s.1, date!(2020 - 07 - 02), None)),
            Some(7)
        );
        assert_eq!(
            resolve(&s, |s| &s.1, date!(2020 - 07 - 03), None),
            Resolution::NotScheduled
        );
        let none: [(u8, Validity); 0] = [];
        assert_eq!(
            resolve(&none, |s| &s.1, date!(2020 - 07 - 03), None),
            Resolution::NotScheduled
        );
    }

    #[test]
    fn the_stp_priority_is_c_then_n_then_o_then_p() {
        let all = [Stp::Permanent, Stp::Overlay, Stp::New, Stp::Cancellation];
        let mut sorted = all;
        sorted.sort();
        assert_eq!(
            sorted,
            [Stp::Cancellation, Stp::New, Stp::Overlay, Stp::Permanent]
        );
        for c in ['C', 'N', 'O', 'P'] {
            assert_eq!(Stp::from_code(c).unwrap().code(), c);
        }
        assert_eq!(Stp::from_code('X'), None);
    }

    #[test]
    fn bank_holiday_running_applies_only_when_the_caller_says_it_is_one() {
        let mut p = v(
            date!(2020 - 05 - 18),
            date!(2020 - 12 - 11),
            "1111100",
            Stp::Permanent,
        );
        p.bank_holiday = BankHolidayRunning::NotOnBankHolidayMondays;
        let monday = date!(2020 - 08 - 31);
        assert!(p.covers(monday, None));
        assert!(!p.covers(monday, Some(Holiday::BankHoliday)));
        assert!(p.covers(monday, Some(Holiday::Glasgow)));
        // `X` is about Mondays only.
        assert!(p.covers(date!(2020 - 12 - 11), Some(Holiday::BankHoliday)));
        p.bank_holiday = BankHolidayRunning::NotOnGlasgowBankHolidays;
        assert!(!p.covers(monday, Some(Holiday::Glasgow)));
        assert!(p.covers(monday, Some(Holiday::BankHoliday)));
    }
}
