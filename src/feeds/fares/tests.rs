//! Tests of the fares feed parser through its public surface: the fixture feed in
//! `tests/fixtures/fares`, hand-made bad records, and the built-in sample fare set.

use std::fs;
use std::path::{Path, PathBuf};

use time::macros::date;

use super::*;
use crate::domain::ticket::Journey;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fares")
}

fn fixture_feed() -> FaresFeed {
    read_feed_dir(&fixtures()).expect("fixture feed parses")
}

fn fare<'a>(feed: &'a FaresFeed, flow_id: &str, code: &str) -> &'a FlowFare {
    feed.fares
        .iter()
        .find(|f| f.flow_id == flow_id && f.ticket_code == code)
        .unwrap_or_else(|| panic!("no fare {flow_id} {code}"))
}

fn flow<'a>(feed: &'a FaresFeed, flow_id: &str) -> &'a Flow {
    feed.flows
        .iter()
        .find(|f| f.flow_id == flow_id)
        .unwrap_or_else(|| panic!("no flow {flow_id}"))
}

fn ticket<'a>(feed: &'a FaresFeed, code: &str) -> &'a TicketType {
    feed.ticket_types
        .iter()
        .find(|t| t.code == code)
        .unwrap_or_else(|| panic!("no ticket type {code}"))
}

/// A valid 49-character flow record, for mangling in the malformed-input tests.
const GOOD_FLOW: &str = "RF1444296800000000AR3112299901012025   00Y0100001";
const GOOD_FARE: &str = "RT0100001SOS00020150  ";

#[test]
fn locations_map_nlc_to_crs_and_skip_other_record_types() {
    let feed = fixture_feed();
    assert_eq!(feed.locations.len(), 4);
    let euston = &feed.locations[0];
    assert_eq!(
        euston,
        &Location {
            uic: "7014440".into(),
            nlc: "1444".into(),
            description: "LONDON EUSTON".into(),
            crs: Some("EUS".into()),
            fare_group: "1444".into(),
            valid_from: date!(1990 - 01 - 01),
            valid_until: OPEN_ENDED,
        }
    );
    let birmingham = &feed.locations[2];
    assert_eq!(birmingham.description, "BIRMINGHAM NEW S");
    assert_eq!(birmingham.valid_from, date!(1995 - 01 - 01));
    let terminals = &feed.locations[3];
    assert_eq!(
        (terminals.nlc.as_str(), terminals.crs.as_deref()),
        ("1072", None)
    );
    assert!(
        feed.locations.iter().all(|l| l.nlc != "9999"),
        "the D record is left out"
    );
}

#[test]
fn the_fixture_feed_counts_what_it_leaves_out() {
    assert_eq!(
        fixture_feed().skipped,
        Skipped {
            other_record_types: 1, // the LOC association record
            deleted: 4,            // LOC closed halt, FFL flow 0100005 and its fare, TTY XXS
            season_tickets: 1,     // TTY 7DS
        }
    );
}

#[test]
fn a_reversible_flow_serves_both_directions_with_exact_prices() {
    let feed = fixture_feed();
    let main = flow(&feed, "0100001");
    assert_eq!(main.direction, Direction::Reversible);
    assert_eq!(
        (main.origin.as_str(), main.destination.as_str()),
        ("1444", "2968")
    );
    assert_eq!(
        (
            main.route.as_str(),
            main.status.as_str(),
            main.usage.as_str()
        ),
        ("00000", "000", "A")
    );
    assert_eq!(main.toc, None);
    assert_eq!(
        (main.valid_from, main.valid_until),
        (date!(2025 - 01 - 01), OPEN_ENDED)
    );
    assert!(main.serves("1444", "2968") && main.serves("2968", "1444"));
    assert!(!main.serves("1444", "1127"));

    let prices: Vec<(&str, i64)> = feed
        .fares
        .iter()
        .filter(|f| f.flow_id == "0100001")
        .map(|f| (f.ticket_code.as_str(), f.price_pence))
        .collect();
    assert_eq!(
        prices,
        [
            ("SOS", 20150),
            ("SOR", 20250),
            ("SVS", 9800),
            ("SVR", 9900),
            ("SSS", 7600),
            ("FOS", 35000),
            ("AD1", 3150)
        ]
    );
    assert_eq!(
        fare(&feed, "0100001", "SVS").restriction.as_deref(),
        Some("1A")
    );
    assert_eq!(fare(&feed, "0100001", "SOS").restriction, None);
}

#[test]
fn a_single_direction_flow_serves_only_its_own_direction() {
    let feed = fixture_feed();
    let cross_country = flow(&feed, "0100003");
    assert_eq!(cross_country.direction, Direction::SingleDirection);
    assert_eq!(cross_country.toc.as_deref(), Some("XC"));
    assert!(cross_country.serves("2968", "1127"));
    assert!(!cross_country.serves("1127", "2968"));
    // Listed before its flow in the file, and still attached to it.
    assert_eq!(fare(&feed, "0100003", "SDS").price_pence, 4520);
    assert_eq!(fare(&feed, "0100003", "CDR").price_pence, 3950);
    assert_eq!(
        fare(&feed, "0100003", "CDR").restriction.as_deref(),
        Some("2B")
    );
}

#[test]
fn flow_validity_separates_ended_current_and_future_fares() {
    let feed = fixture_feed();
    let ended = flow(&feed, "0100002");
    assert_eq!(
        (ended.valid_from, ended.valid_until),
        (date!(2024 - 01 - 01), date!(2024 - 12 - 31))
    );
    assert_eq!(fare(&feed, "0100002", "SOS").price_pence, 19500);
    let future = flow(&feed, "0100004");
    assert_eq!(
        (future.valid_from, future.valid_until),
        (date!(2030 - 01 - 01), OPEN_ENDED)
    );

    let day = date!(2026 - 12 - 01);
    assert!(
        !ended.is_valid_on(day)
            && flow(&feed, "0100001").is_valid_on(day)
            && !future.is_valid_on(day)
    );
    // Both ends are inclusive.
    assert!(ended.is_valid_on(date!(2024 - 12 - 31)) && !ended.is_valid_on(date!(2025 - 01 - 01)));
    assert!(future.is_valid_on(date!(2030 - 01 - 01)));
}

#[test]
fn a_deleted_flow_takes_its_fares_with_it() {
    let feed = fixture_feed();
    assert!(feed.flows.iter().all(|f| f.flow_id != "0100005"));
    assert!(feed.fares.iter().all(|f| f.flow_id != "0100005"));
    assert_eq!(feed.flows.len(), 4);
    assert_eq!(feed.fares.len(), 11);
}

#[test]
fn ticket_types_carry_kind_class_journey_and_validity() {
    let feed = fixture_feed();
    let expect = [
        (
            "SOS",
            "ANYTIME S",
            TicketClass::Standard,
            Journey::Single,
            TicketKind::Anytime,
        ),
        (
            "SOR",
            "ANYTIME R",
            TicketClass::Standard,
            Journey::Return,
            TicketKind::Anytime,
        ),
        (
            "SDS",
            "ANYTIME DAY S",
            TicketClass::Standard,
            Journey::Single,
            TicketKind::Anytime,
        ),
        (
            "SVS",
            "OFF-PEAK S",
            TicketClass::Standard,
            Journey::Single,
            TicketKind::OffPeak,
        ),
        (
            "SVR",
            "OFF-PEAK R",
            TicketClass::Standard,
            Journey::Return,
            TicketKind::OffPeak,
        ),
        (
            "CDR",
            "OFF-PEAK DAY R",
            TicketClass::Standard,
            Journey::Return,
            TicketKind::OffPeak,
        ),
        (
            "SSS",
            "SUPER OFFPEAK S",
            TicketClass::Standard,
            Journey::Single,
            TicketKind::SuperOffPeak,
        ),
        (
            "FOS",
            "ANYTIME S",
            TicketClass::First,
            Journey::Single,
            TicketKind::Anytime,
        ),
        (
            "AD1",
            "ADVANCE SINGLE",
            TicketClass::Standard,
            Journey::Single,
            TicketKind::Advance,
        ),
        (
            "SSR",
            "SUPER SAVER R",
            TicketClass::Standard,
            Journey::Return,
            TicketKind::SuperOffPeak,
        ),
        (
            "OPS",
            "OFF-PEAK S",
            TicketClass::Both,
            Journey::Single,
            TicketKind::OffPeak,
        ),
        (
            "ZFX",
            "FLEXI S",
            TicketClass::Standard,
            Journey::Single,
            TicketKind::Other,
        ),
    ];
    let found: Vec<_> = feed
        .ticket_types
        .iter()
        .map(|t| {
            (
                t.code.as_str(),
                t.description.as_str(),
                t.class,
                t.journey,
                t.kind,
            )
        })
        .collect();
    assert_eq!(found, expect);

    let sos = ticket(&feed, "SOS");
    assert_eq!(
        (sos.valid_from, sos.valid_until),
        (date!(1990 - 01 - 01), OPEN_ENDED)
    );
    let ended = ticket(&feed, "SSR");
    assert_eq!(ended.valid_until, date!(2019 - 12 - 31));
    assert!(!ended.is_valid_on(date!(2026 - 12 - 01)));
    let future = ticket(&feed, "OPS");
    assert_eq!(future.valid_from, date!(2030 - 01 - 01));
    assert!(!future.is_valid_on(date!(2026 - 12 - 01)));
}

#[test]
fn non_derivable_fares_keep_railcard_suppression_and_both_prices() {
    let feed = fixture_feed();
    assert_eq!(
        feed.non_derivable[0],
        NonDerivableFare {
            origin: "1444".into(),
            destination: "2968".into(),
            route: "00000".into(),
            railcard: None,
            ticket_code: "SOS".into(),
            record_type: "N".into(),
            valid_from: date!(2025 - 01 - 01),
            valid_until: OPEN_ENDED,
            suppressed: false,
            adult_pence: 20150,
            child_pence: 10075,
            restriction: None,
        }
    );
    let railcard = &feed.non_derivable[1];
    assert_eq!(railcard.railcard.as_deref(), Some("YNG"));
    assert_eq!((railcard.adult_pence, railcard.child_pence), (6535, 3270));
    assert_eq!(
        (
            railcard.record_type.as_str(),
            railcard.restriction.as_deref()
        ),
        ("O", Some("1A"))
    );
    let ended = &feed.non_derivable[2];
    assert!(ended.suppressed);
    assert_eq!(ended.valid_until, date!(2023 - 12 - 31));
    assert!(!ended.is_valid_on(date!(2026 - 12 - 01)));
}

#[test]
fn ticket_kind_uses_the_code_table_then_whole_descriptions_then_the_advance_rule() {
    assert_eq!(ticket_kind("SDS", "ANYTIME DAY S"), TicketKind::Anytime);
    assert_eq!(ticket_kind("SOS", "ANYTIME S"), TicketKind::Anytime);
    assert_eq!(ticket_kind("SVS", "OFF-PEAK S"), TicketKind::OffPeak);
    assert_eq!(ticket_kind("CDS", "OFF-PEAK DAY S"), TicketKind::OffPeak);
    assert_eq!(
        ticket_kind("SSS", "SUPER OFFPEAK S"),
        TicketKind::SuperOffPeak
    );
    // The code wins over a misleading description.
    assert_eq!(ticket_kind("SVR", "ANYTIME R"), TicketKind::OffPeak);
    assert_eq!(ticket_kind("XYZ", "off-peak r"), TicketKind::OffPeak);
    assert_eq!(ticket_kind("2AS", "ADVANCE STD"), TicketKind::Advance);
    // Words elsewhere in a description are not guessed from.
    assert_eq!(ticket_kind("XYZ", "NOT ADVANCE"), TicketKind::Other);
    assert_eq!(ticket_kind("XYZ", "OFF-PEAK FLEXI"), TicketKind::Other);
    assert_eq!(ticket_kind("XYZ", "ADV"), TicketKind::Other);
}

#[test]
fn ticket_kinds_serialise_as_the_api_spells_them() {
    let names: Vec<String> = [
        TicketKind::Advance,
        TicketKind::OffPeak,
        TicketKind::SuperOffPeak,
        TicketKind::Anytime,
        TicketKind::Other,
    ]
    .iter()
    .map(|kind| serde_json::to_string(kind).expect("serialises"))
    .collect();
    assert_eq!(
        names,
        [
            "\"ADVANCE\"",
            "\"OFF_PEAK\"",
            "\"SUPER_OFF_PEAK\"",
            "\"ANYTIME\"",
            "\"OTHER\""
        ]
    );
    assert_eq!(
        serde_json::to_string(&TicketClass::Standard).expect("serialises"),
        "\"standard\""
    );
    assert_eq!(
        serde_json::to_string(&Journey::Return).expect("serialises"),
        "\"return\""
    );
}

#[test]
fn a_zip_of_the_fixtures_reads_the_same_as_the_directory() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tempdir");
    let zip_path = dir.path().join("RJFAF499.ZIP");
    let mut writer = zip::ZipWriter::new(fs::File::create(&zip_path).expect("create zip"));
    for extension in ["LOC", "FFL", "TTY", "NDF"] {
        // Lower-case names inside a folder: matching is case-insensitive and depth-blind.
        let name = format!("feed/rjfaf499.{}", extension.to_ascii_lowercase());
        writer
            .start_file(name, zip::write::SimpleFileOptions::default())
            .expect("start entry");
        let bytes = fs::read(fixtures().join(format!("RJFAF499.{extension}"))).expect("fixture");
        writer.write_all(&bytes).expect("write entry");
    }
    writer.finish().expect("finish zip");
    assert_eq!(
        read_feed_zip(&zip_path).expect("zip parses"),
        fixture_feed()
    );
}

#[test]
fn a_cut_off_record_names_its_line() {
    let text = format!("/!! header\n{GOOD_FLOW}\n{}\n", &GOOD_FARE[..15]);
    let error = parse_ffl(&text).expect_err("cut-off line");
    assert_eq!(error.line, 3);
    assert!(
        error.message.contains("15 characters, expected 22"),
        "{}",
        error.message
    );
}

#[test]
fn a_price_with_a_non_digit_names_its_line() {
    let text = format!("{GOOD_FLOW}\n{GOOD_FARE}\nRT0100001SOR0002O150  \n");
    let error = parse_ffl(&text).expect_err("bad price");
    assert_eq!(error.line, 3);
    assert!(
        error.message.contains("fare at columns 13-20"),
        "{}",
        error.message
    );
}

#[test]
fn an_impossible_date_names_its_line() {
    let bad = GOOD_FLOW.replace("01012025", "31022025");
    let error = parse_ffl(&format!("/!! a\n/!! b\n{GOOD_FARE}\n{bad}\n")).expect_err("bad date");
    assert_eq!(error.line, 4);
    assert!(
        error.message.contains("start date") && error.message.contains("31022025"),
        "{}",
        error.message
    );
}

#[test]
fn a_start_after_the_end_is_refused() {
    let bad = GOOD_FLOW.replace("31122999", "31122024");
    let error = parse_ffl(&bad).expect_err("start after end");
    assert_eq!(error.line, 1);
    assert!(
        error.message.contains("after end date"),
        "{}",
        error.message
    );
}

#[test]
fn an_unknown_direction_names_its_line() {
    let bad = GOOD_FLOW.replacen("AR3112", "AX3112", 1);
    let error = parse_ffl(&format!("{GOOD_FARE}\n{bad}\n")).expect_err("bad direction");
    assert_eq!(error.line, 2);
    assert!(error.message.contains("direction"), "{}", error.message);
}

#[test]
fn a_fare_without_its_flow_is_refused() {
    let error = parse_ffl(&format!("{GOOD_FLOW}\nRT0100009SOS00020150  \n")).expect_err("orphan");
    assert_eq!(error.line, 2);
    assert!(error.message.contains("0100009"), "{}", error.message);
}

#[test]
fn a_repeated_flow_id_is_refused() {
    let error = parse_ffl(&format!("{GOOD_FLOW}\n{GOOD_FLOW}\n")).expect_err("duplicate");
    assert_eq!(error.line, 2);
    assert!(error.message.contains("line 1"), "{}", error.message);
}

#[test]
fn an_unknown_update_marker_or_blank_line_is_refused() {
    let error = parse_ffl(&format!("X{}", &GOOD_FLOW[1..])).expect_err("marker");
    assert_eq!(error.line, 1);
    let error = parse_ffl(&format!("{GOOD_FLOW}\n\n{GOOD_FARE}\n")).expect_err("blank");
    assert_eq!(error.line, 2);
}

#[test]
fn a_bad_ticket_class_and_a_cut_off_location_name_their_lines() {
    let tty = fs::read_to_string(fixtures().join("RJFAF499.TTY")).expect("fixture");
    let mangled = tty.replacen("ANYTIME S      2SS", "ANYTIME S      3SS", 1);
    let error = parse_tty(&mangled).expect_err("class 3");
    assert_eq!(error.line, 6);
    assert!(error.message.contains("class"), "{}", error.message);

    let loc = fs::read_to_string(fixtures().join("RJFAF499.LOC")).expect("fixture");
    let mut lines: Vec<&str> = loc.lines().collect();
    lines[6] = &lines[6][..120];
    let error = parse_loc(&lines.join("\n")).expect_err("cut-off LOC");
    assert_eq!(error.line, 7);
    assert!(
        error.message.contains("120 characters, expected 289"),
        "{}",
        error.message
    );
}

#[test]
fn windows_line_endings_are_accepted() {
    let text = format!("/!! header\r\n{GOOD_FLOW}\r\n{GOOD_FARE}\r\n");
    let (flows, fares, _) = parse_ffl(&text).expect("CRLF parses");
    assert_eq!((flows.len(), fares[0].price_pence), (1, 20150));
}

#[test]
fn a_feed_directory_missing_a_file_names_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    for extension in ["LOC", "FFL", "TTY"] {
        fs::copy(
            fixtures().join(format!("RJFAF499.{extension}")),
            dir.path().join(format!("RJFAF499.{extension}")),
        )
        .expect("copy fixture");
    }
    let (path, error) = read_feed_dir(dir.path()).expect_err("no NDF");
    assert!(path.ends_with("RJFAFnnn.NDF"), "{}", path.display());
    assert_eq!(error.line, 0);
}

#[test]
fn a_parse_error_in_a_feed_names_the_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    for extension in ["LOC", "FFL", "TTY", "NDF"] {
        let mut text =
            fs::read_to_string(fixtures().join(format!("RJFAF499.{extension}"))).expect("fixture");
        if extension == "NDF" {
            text = text.replacen("0002015000010075", "0002015A00010075", 1);
        }
        fs::write(dir.path().join(format!("rjfaf499.{extension}")), text).expect("write");
    }
    let (path, error) = read_feed_dir(dir.path()).expect_err("bad NDF price");
    assert!(path.ends_with("rjfaf499.NDF"), "{}", path.display());
    assert_eq!(error.line, 6);
    assert!(error.message.contains("adult fare"), "{}", error.message);
}

/// CRS → NLC from the committed starter stations, and the starter routes as CRS pairs.
fn starter_routes() -> Vec<(String, String)> {
    let starter = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store/starter");
    let data_rows = |name: &str| -> Vec<Vec<String>> {
        fs::read_to_string(starter.join(name))
            .expect("starter csv")
            .lines()
            .filter(|line| !line.starts_with('#'))
            .skip(1)
            .map(|line| line.split(',').map(str::to_owned).collect())
            .collect()
    };
    let nlc: std::collections::HashMap<String, String> = data_rows("stations.csv")
        .into_iter()
        .filter(|row| !row[4].is_empty())
        .map(|row| (row[0].clone(), format!("{:0>4}", row[4])))
        .collect();
    data_rows("routes.csv")
        .iter()
        .filter_map(|row| Some((nlc.get(&row[0])?.clone(), nlc.get(&row[1])?.clone())))
        .collect()
}

#[test]
fn the_sample_fare_set_covers_the_starter_routes_with_ordered_prices() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store/starter/fares");
    let feed = read_feed_dir(&sample).expect("sample set parses");
    let day = date!(2026 - 12 - 01);
    let kinds: std::collections::HashMap<&str, (TicketKind, Journey)> = feed
        .ticket_types
        .iter()
        .map(|t| (t.code.as_str(), (t.kind, t.journey)))
        .collect();

    let routes = starter_routes();
    let covered = routes
        .iter()
        .filter(|(from, to)| {
            feed.flows
                .iter()
                .any(|f| f.is_valid_on(day) && f.serves(from, to) && f.serves(to, from))
        })
        .count();
    assert!(
        covered >= 60,
        "only {covered} of {} starter routes have sample fares",
        routes.len()
    );

    for flow in &feed.flows {
        let price = |kind: TicketKind, journey: Journey| {
            feed.fares
                .iter()
                .filter(|f| f.flow_id == flow.flow_id)
                .find(|f| kinds.get(f.ticket_code.as_str()) == Some(&(kind, journey)))
                .map(|f| f.price_pence)
        };
        let anytime = price(TicketKind::Anytime, Journey::Single).expect("anytime single");
        let off_peak = price(TicketKind::OffPeak, Journey::Single).expect("off-peak single");
        assert!(
            off_peak < anytime,
            "flow {}: {off_peak} !< {anytime}",
            flow.flow_id
        );
        let returns = (
            price(TicketKind::OffPeak, Journey::Return),
            price(TicketKind::Anytime, Journey::Return),
        );
        assert!(
            matches!(returns, (Some(o), Some(a)) if o < a),
            "flow {}: {returns:?}",
            flow.flow_id
        );
        if let Some(super_off_peak) = price(TicketKind::SuperOffPeak, Journey::Single) {
            assert!(super_off_peak < off_peak, "flow {}", flow.flow_id);
        }
        if let Some(advance) = price(TicketKind::Advance, Journey::Single) {
            assert!(
                advance < off_peak,
                "flow {}: {advance} !< {off_peak}",
                flow.flow_id
            );
        }
    }
    assert!(feed.fares.iter().all(|f| f.price_pence > 0));
    assert!(
        feed.fares
            .iter()
            .all(|f| kinds.contains_key(f.ticket_code.as_str())),
        "every code has a ticket type"
    );
    assert!(
        feed.flows
            .iter()
            .all(|f| f.valid_from == date!(2025 - 01 - 01) && f.valid_until == OPEN_ENDED),
        "every sample flow is valid from 1 January 2025, open-ended"
    );
    let advance_flows = feed
        .fares
        .iter()
        .filter(|f| kinds.get(f.ticket_code.as_str()).map(|k| k.0) == Some(TicketKind::Advance))
        .count();
    assert!(
        advance_flows >= 60,
        "only {advance_flows} flows have an advance fare"
    );
}

#[test]
fn every_sample_file_says_it_is_sample_data() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store/starter/fares");
    for extension in ["LOC", "FFL", "TTY", "NDF"] {
        let text =
            fs::read_to_string(sample.join(format!("RJFAF999.{extension}"))).expect("sample file");
        assert!(
            text.lines()
                .any(|l| l.starts_with("/!! SAMPLE fares for demonstration, not real RDG data")),
            "RJFAF999.{extension} lacks the sample header"
        );
    }
}
