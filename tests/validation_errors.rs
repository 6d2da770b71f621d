//! Every validation rule gives an error naming the file, the line and column,
//! the key path and what was expected.

use drsim::scenario::{parse_str, ScenarioError, REFERENCE_SCENARIO};

/// Applies `from → to` to the reference scenario and returns the rendered errors.
fn error_for(from: &str, to: &str) -> String {
    assert!(REFERENCE_SCENARIO.contains(from), "fixture lacks {from:?}");
    let text = REFERENCE_SCENARIO.replacen(from, to, 1);
    match parse_str(&text, "bad.toml") {
        Ok(_) => panic!("accepted: {to}"),
        Err(e @ ScenarioError::Invalid(_)) => e.to_string(),
        Err(e) => panic!("unexpected error kind: {e}"),
    }
}

/// The error mentions the key, a `bad.toml:LINE:COL` position, and `needle`.
fn assert_error(from: &str, to: &str, key: &str, needle: &str) {
    let e = error_for(from, to);
    assert!(
        e.contains(&format!("key: {key}")),
        "key {key} not named:\n{e}"
    );
    assert!(e.contains(needle), "{needle:?} not in:\n{e}");
    let line = e.lines().next().unwrap();
    let pos: Vec<&str> = line.split(':').collect();
    assert!(
        pos.len() > 4
            && pos[1].trim() == "bad.toml"
            && pos[2].parse::<usize>().is_ok()
            && pos[3].parse::<usize>().is_ok(),
        "no file:line:column in {line:?}"
    );
}

#[test]
fn fewer_than_two_zones() {
    assert_error(
        r#"zones = ["az1", "az2", "az3"]"#,
        r#"zones = ["az1"]"#,
        "regions[0].zones",
        "at least 2 availability zones",
    );
}

#[test]
fn quorum_larger_than_zone_count() {
    assert_error(
        "quorum = 2 ",
        "quorum = 4 ",
        "replication.quorum",
        "between 1 and the 3 zones",
    );
}

#[test]
fn non_positive_rate() {
    assert_error(
        r#"write_rate = "200/s""#,
        r#"write_rate = "0/s""#,
        "workload.write_rate",
        "must be positive",
    );
    assert_error(
        r#"write_rate = "200/s""#,
        r#"write_rate = "-3/s""#,
        "workload.write_rate",
        "non-negative",
    );
}

#[test]
fn non_positive_durations() {
    assert_error(
        r#"horizon = "1y""#,
        r#"horizon = "0s""#,
        "simulation.horizon",
        "must be positive",
    );
    assert_error(
        r#"duration = "3h""#,
        r#"duration = "0s""#,
        "incidents[0].duration",
        "must be positive",
    );
    assert_error(
        r#"heartbeat_interval = "1s""#,
        r#"heartbeat_interval = "-1s""#,
        "failover.heartbeat_interval",
        "negative",
    );
}

#[test]
fn scheduled_incident_naming_an_unknown_zone() {
    assert_error(
        "kind = \"zone\"\nzone = \"az1\"",
        "kind = \"zone\"\nzone = \"az4\"",
        "incidents[0].zone",
        "unknown zone `az4`",
    );
}

#[test]
fn horizon_that_cannot_hold_the_scenario() {
    assert_error(
        r#"at = "30d""#,
        r#"at = "400d""#,
        "incidents[0].at",
        "after the horizon",
    );
}

#[test]
fn unknown_key_suggests_the_nearest() {
    assert_error(
        "missed_heartbeats = 3",
        "missed_heartbeat = 3",
        "failover.missed_heartbeat",
        "did you mean `missed_heartbeats`?",
    );
    assert_error(
        "[failover]",
        "[failovr]",
        "failovr",
        "did you mean `failover`?",
    );
}

/// A target's basis is `disruptive` or `all`; anything else names both.
#[test]
fn unknown_target_basis_names_the_allowed_ones() {
    let from = "quantile = 0.99 ";
    assert_error(
        from,
        "quantile = 0.99\nbasis = \"disruptve\" ",
        "targets.zone.basis",
        "expected one of `disruptive`, `all`",
    );
    assert!(error_for(from, "quantile = 0.99\nbasis = \"disruptve\" ")
        .contains("did you mean `disruptive`?"));
    assert_error(
        from,
        "quantile = 0.99\nbasis = \"every\" ",
        "targets.zone.basis",
        "unknown target basis `every`",
    );
    assert_error(
        from,
        "quantile = 0.99\nbasis = 1 ",
        "targets.zone.basis",
        "expected a string",
    );
}

/// Without `basis` a target is judged over the disruptive incidents; `all`
/// restores the judgement over every incident of the class.
#[test]
fn target_basis_defaults_to_disruptive() {
    use drsim::scenario::TargetBasis;
    let sc = parse_str(REFERENCE_SCENARIO, "ok.toml").unwrap();
    assert!(!sc.scenario.targets.is_empty());
    assert!(sc
        .scenario
        .targets
        .iter()
        .all(|t| t.basis == TargetBasis::Disruptive));
    let text =
        REFERENCE_SCENARIO.replacen("quantile = 0.99 ", "quantile = 0.99\nbasis = \"all\" ", 1);
    let sc = parse_str(&text, "ok.toml").unwrap();
    assert!(sc
        .scenario
        .targets
        .iter()
        .all(|t| t.basis == TargetBasis::All));
}

/// A drill's switch back has its own target table: `failback` is only the
/// switch back after an emergency failover.
#[test]
fn drill_return_targets_are_their_own_class() {
    use drsim::incident::IncidentClass;
    let text = REFERENCE_SCENARIO.replacen(
        "[targets.zone]",
        "[targets.drill-return]\nrto = \"15m\"\n\n[targets.zone]",
        1,
    );
    let sc = parse_str(&text, "ok.toml").unwrap().scenario;
    let classes: Vec<IncidentClass> = sc.targets.iter().map(|t| t.class).collect();
    assert_eq!(
        classes,
        [
            IncidentClass::Zone,
            IncidentClass::Zone,
            IncidentClass::DrillReturn
        ]
    );
    assert_error(
        "[targets.zone]",
        "[targets.drill_return]",
        "targets.drill_return",
        "did you mean `drill-return`?",
    );
}

#[test]
fn unknown_region_and_type_suggest_the_nearest() {
    assert_error(
        r#"region = "westeurope""#,
        r#"region = "westeurop""#,
        "environment.region",
        "did you mean `westeurope`?",
    );
    assert_error(
        r#"type = "production""#,
        r#"type = "prod""#,
        "environment.type",
        "did you mean `production`?",
    );
}

#[test]
fn wrong_type_and_bad_units() {
    assert_error(
        "runs = 2000",
        "runs = \"many\"",
        "simulation.runs",
        "wrong type: expected an integer, found the string \"many\"",
    );
    assert_error(
        r#"data_size = "200GB""#,
        r#"data_size = "200 gigs""#,
        "environment.data_size",
        "unknown unit",
    );
    assert_error(
        r#"mean = "120d""#,
        r#"mean = "0d""#,
        "failures.zones.time_between",
        "must be positive",
    );
}

#[test]
fn probability_out_of_range() {
    assert_error(
        "correlated_probability = 0.005",
        "correlated_probability = 1.5",
        "failures.zones.correlated_probability",
        "[0, 1]",
    );
}

#[test]
fn syntax_errors_point_at_the_text() {
    let e = error_for("[failover]", "[failover");
    assert!(
        e.contains("TOML syntax error") && e.contains("bad.toml:"),
        "{e}"
    );
}

#[test]
fn garbage_never_panics() {
    for text in [
        "",
        "\u{0}",
        "[[[",
        "name = 1",
        "a.b.c.d.e = 1",
        &"[x]\n".repeat(1000),
    ] {
        assert!(parse_str(text, "g.toml").is_err());
    }
}

/// The reference scenario with `extra` appended (new tables at the end).
fn with_tables(extra: &str) -> String {
    format!("{REFERENCE_SCENARIO}\n{extra}\n")
}

fn errors_of(text: &str) -> String {
    match parse_str(text, "bad.toml") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn arrays_never_stand_in_for_tables() {
    // serde's derive reads a struct from a sequence of its fields by position.
    let e = errors_of(&REFERENCE_SCENARIO.replacen(
        "[simulation]\nseed = 20251015",
        "simulation = [20251015, 10, \"30d\"]\n[unused]\nseed = 20251015",
        1,
    ));
    assert!(e.contains("key: simulation"), "{e}");
    assert!(e.contains("found an array"), "{e}");
    let e = errors_of(&with_tables(
        "[capacity]\nprice_per_gb_month = [1.0, 2.0, 3.0]",
    ));
    assert!(e.contains("key: capacity.price_per_gb_month"), "{e}");
    assert!(e.contains("found an array"), "{e}");
    // An array of arrays standing in for an array of tables.
    let e = errors_of(&REFERENCE_SCENARIO.replacen(
        "[simulation]",
        "services = [[\"Dataverse\", \"fails-over\"]]\n[simulation]",
        1,
    ));
    assert!(e.contains("key: services"), "{e}");
    assert!(e.contains("found an array"), "{e}");
}

#[test]
fn prices_are_finite_and_not_negative() {
    for bad in ["nan", "inf", "-inf", "-0.5"] {
        let e = errors_of(&with_tables(&format!(
            "[capacity]\nprice_per_gb_month = {{ database = 0.1, log = {bad} }}"
        )));
        assert!(
            e.contains("key: capacity.price_per_gb_month.log") && e.contains("a finite number ≥ 0"),
            "{bad}: {e}"
        );
        assert!(!e.contains(".database"), "{bad}: {e}");
    }
    let ok = parse_str(
        &with_tables("[capacity]\nprice_per_gb_month = { database = 0.0, file = 0.25 }"),
        "ok.toml",
    )
    .unwrap();
    assert_eq!(ok.scenario.capacity.price_file, Some(0.25));
}

#[test]
fn names_are_not_empty_and_carry_no_control_characters() {
    let cases = [
        (
            "name = \"dynamics365-zone-redundant\"",
            "name = \"  \"",
            "name",
            "scenario name must not be empty",
        ),
        (
            "name = \"westeurope\"",
            "name = \"\"",
            "regions[0].name",
            "region name must not be empty",
        ),
        (
            r#"zones = ["az1", "az2", "az3"]"#,
            r#"zones = ["az1", "", "az3"]"#,
            "regions[0].zones[1]",
            "zone name must not be empty",
        ),
        (
            "name = \"contoso-prod\"",
            "name = \"\"",
            "environment.name",
            "environment name must not be empty",
        ),
        (
            "name = \"contoso-prod\"",
            "name = \"contoso\\u001b[2J\"",
            "environment.name",
            "control character U+001B",
        ),
        (
            r#"zones = ["az1", "az2", "az3"]"#,
            r#"zones = ["az1", "az2\u0000", "az3"]"#,
            "regions[0].zones[1]",
            "control character U+0000",
        ),
        (
            "name = \"dynamics365-zone-redundant\"",
            "name = \"a\\tb\"",
            "name",
            "control character U+0009",
        ),
    ];
    for (from, to, key, needle) in cases {
        assert_error(from, to, key, needle);
    }
}

#[test]
fn capacity_defaults_are_those_of_the_readme() {
    let data_size = 200_000_000_000;
    let without = parse_str(REFERENCE_SCENARIO, "ok.toml").unwrap();
    assert_eq!(without.scenario.capacity.database, data_size);
    // A [capacity] table without `database`: the database still holds data_size.
    let partial = parse_str(&with_tables("[capacity]\nfile = \"10GB\""), "ok.toml").unwrap();
    let c = &partial.scenario.capacity;
    assert_eq!((c.database, c.file, c.log), (data_size, 10_000_000_000, 0));
    let given = parse_str(&with_tables("[capacity]\ndatabase = \"1GB\""), "ok.toml").unwrap();
    assert_eq!(given.scenario.capacity.database, 1_000_000_000);
}

#[test]
fn type_errors_speak_of_toml_not_of_rust_types() {
    // A string where the [environment] table belongs (the table renamed away).
    let text = REFERENCE_SCENARIO
        .replacen("[simulation]", "environment = \"prod\"\n[simulation]", 1)
        .replacen("[environment]", "[unused]", 1);
    let e = errors_of(&text);
    assert!(
        e.contains("key: environment")
            && e.contains("expected a table")
            && e.contains("found the string \"prod\""),
        "{e}"
    );
    assert!(
        !e.contains("RawEnvironment") && !e.contains("struct"),
        "{e}"
    );
    let cases = [
        (
            "seed = 20251015",
            "seed = \"x\"",
            "expected a non-negative integer",
        ),
        (
            "seed = 20251015",
            "seed = -1",
            "expected a non-negative integer",
        ),
        (
            "runs = 2000",
            "runs = 1.5",
            "expected an integer, found the float 1.5",
        ),
        (
            r#"zones = ["az1", "az2", "az3"]"#,
            r#"zones = "az1""#,
            "expected an array, found the string",
        ),
        (
            "quorum = 2 ",
            "quorum = \"two\" ",
            "expected an integer, found the string",
        ),
        (
            "zone_distance_km = 15",
            "zone_distance_km = \"far\"",
            "expected a number, found the string",
        ),
        (
            "availability_zones = true",
            "availability_zones = 1",
            "expected a boolean (`true` or `false`), found the integer 1",
        ),
        ("[workload]", "[[workload]]", "expected a table"),
    ];
    for (from, to, needle) in cases {
        let e = error_for(from, to);
        assert!(e.contains(needle), "{to}: {needle:?} not in:\n{e}");
        for rust in [
            "struct ",
            "Raw",
            "u64",
            "i64",
            "f64",
            "sequence",
            " map",
            "invalid type",
        ] {
            assert!(!e.contains(rust), "{to}: Rust vocabulary {rust:?} in:\n{e}");
        }
    }
}

#[test]
fn escalation_needs_a_delay_and_a_probability_in_range() {
    let with = |extra: &str| format!("correlated_probability = 0.005\n{extra}");
    assert_error(
        "correlated_probability = 0.005",
        &with("escalation_probability = 0.1"),
        "failures.zones.escalation_delay",
        "delay from the zone outage to the region outage",
    );
    assert_error(
        "correlated_probability = 0.005",
        &with("escalation_probability = 1.5\nescalation_delay = \"10m\""),
        "failures.zones.escalation_probability",
        "[0, 1]",
    );
    // The reference scenario has no [failures.regions] to lend its duration.
    assert_error(
        "correlated_probability = 0.005",
        &with("escalation_probability = 0.1\nescalation_delay = \"10m\""),
        "failures.zones.escalation_duration",
        "needs a duration",
    );
    let e = error_for(
        "correlated_probability = 0.005",
        &with("escalation_delay = \"10m\""),
    );
    assert!(
        e.contains("applies only with `escalation_probability`"),
        "{e}"
    );
    let e = error_for(
        "correlated_probability = 0.005",
        &with("escalation_probabilty = 0.1"),
    );
    assert!(e.contains("did you mean `escalation_probability`?"), "{e}");
}

#[test]
fn emergency_after_quorum_loss_must_be_positive() {
    let dr = include_str!("../scenarios/dynamics365-self-service-dr.toml");
    let text = dr.replacen("[dr]\n", "[dr]\nemergency_after_quorum_loss = \"0s\"\n", 1);
    let e = match parse_str(&text, "bad.toml") {
        Ok(_) => panic!("a zero threshold was accepted"),
        Err(e) => e.to_string(),
    };
    assert!(e.contains("key: dr.emergency_after_quorum_loss"), "{e}");
    assert!(e.contains("bad.toml:"), "{e}");
    assert!(e.contains("expected a positive duration"), "{e}");
}

#[test]
fn region_overrides_and_incidents_name_the_home_or_paired_region() {
    let dr = include_str!("../scenarios/dynamics365-self-service-dr.toml");
    let err = |text: String| match parse_str(&text, "bad.toml") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    };
    let with = |extra: &str| format!("{dr}\n{extra}");
    let e = err(with(
        "[[failures.region]]\nname = \"northeurop\"\nrandom = false\n",
    ));
    assert!(e.contains("key: failures.region[0].name"), "{e}");
    assert!(e.contains("did you mean `northeurope`?"), "{e}");
    let e = err(with(
        "[[failures.region]]\nname = \"northeurope\"\nrandom = false\nduration = \"1h\"\n",
    ));
    assert!(e.contains("`random = false` turns"), "{e}");
    let e = err(with(
        "[[failures.region]]\nname = \"northeurope\"\ndestroy_probability = 2\n",
    ));
    assert!(
        e.contains("key: failures.region[0].destroy_probability") && e.contains("[0, 1]"),
        "{e}"
    );
    // Without a link the paired region plays no part: naming it is an error.
    let no_dr = include_str!("../scenarios/dynamics365-no-dr.toml");
    assert!(!no_dr.contains("[cross_region]"));
    let e = err(format!(
        "{no_dr}\n[[incidents]]\nkind = \"region\"\nregion = \"northeurope\"\nat = \"1d\"\nduration = \"1h\"\n"
    ));
    assert!(
        e.contains("the paired region `northeurope` fails only with a [cross_region] link"),
        "{e}"
    );
    // A region beyond the pair may fail (tests/extra_regions.rs), once its
    // distance to the home region is known.
    let zr = REFERENCE_SCENARIO;
    let e = err(format!(
        "{zr}\n[[regions]]\nname = \"other\"\nzones = [\"a\", \"b\"]\n\n[[incidents]]\nkind = \"region\"\nregion = \"other\"\nat = \"1d\"\nduration = \"1h\"\n"
    ));
    assert!(
        e.contains("region `other` (region number 2, beyond the home region and its pair) has no distance to the home region `westeurope`"),
        "{e}"
    );
    // With the link, a scheduled outage of the paired region is accepted.
    let ok = with("[[incidents]]\nkind = \"region\"\nregion = \"northeurope\"\nat = \"1d\"\nduration = \"1h\"\n");
    let sc = parse_str(&ok, "ok.toml").unwrap().scenario;
    let last = sc.scheduled.last().unwrap();
    assert_eq!(last.class, drsim::incident::IncidentClass::PairedRegion);
    assert!(
        sc.paired_region_failures.is_some(),
        "the default law applies"
    );
}

/// `dr.failover_by` and the provider's keys: a misspelt path with a
/// suggestion, a probability outside [0, 1], the provider's keys without
/// the provider, and the customer path's keys beside it.
#[test]
fn provider_failover_keys_are_checked() {
    let dr = include_str!("../scenarios/dynamics365-self-service-dr.toml");
    let err = |extra: &str, drop: &[&str]| {
        let mut text = dr.replacen("[dr]\n", &format!("[dr]\n{extra}"), 1);
        for line in drop {
            assert!(text.contains(line), "fixture lacks {line:?}");
            text = text.replacen(line, "", 1);
        }
        match parse_str(&text, "bad.toml") {
            Ok(_) => panic!("accepted:\n{extra}"),
            Err(e) => e.to_string(),
        }
    };
    let customer_keys = [
        "operator_decision = { dist = \"lognormal\", median = \"30m\", sigma = 0.6 }",
        "max_data_loss = \"1m\"",
    ];
    let e = err("failover_by = \"provder\"\n", &customer_keys);
    assert!(e.contains("key: dr.failover_by"), "{e}");
    assert!(e.contains("did you mean `provider`?"), "{e}");
    assert!(e.contains("bad.toml:"), "{e}");
    let e = err(
        "failover_by = \"provider\"\nprovider_never_probability = 1.5\n",
        &customer_keys,
    );
    assert!(e.contains("key: dr.provider_never_probability"), "{e}");
    assert!(
        e.contains("expected a probability in [0, 1], found 1.5"),
        "{e}"
    );
    let e = err("provider_grace = \"2h\"\n", &[]);
    assert!(e.contains("key: dr.provider_grace"), "{e}");
    assert!(
        e.contains("applies only with failover_by = \"provider\""),
        "{e}"
    );
    let e = err(
        "failover_by = \"customer\"\nprovider_never_probability = 0.1\n",
        &[],
    );
    assert!(e.contains("key: dr.provider_never_probability"), "{e}");
    // The reference DR scenario sets both customer keys: both are named.
    let e = err("failover_by = \"provider\"\n", &[]);
    assert!(e.contains("key: dr.operator_decision"), "{e}");
    assert!(e.contains("key: dr.max_data_loss"), "{e}");
    let e = err(
        "failover_by = \"provider\"\nemergency_after_quorum_loss = \"1h\"\n",
        &customer_keys,
    );
    assert!(e.contains("key: dr.emergency_after_quorum_loss"), "{e}");
    assert!(e.contains("region outages only"), "{e}");
    // Without the customer keys the provider path is accepted.
    let ok = dr
        .replacen(
            "[dr]\n",
            "[dr]\nfailover_by = \"provider\"\nprovider_grace = \"1h\"\n",
            1,
        )
        .replacen(customer_keys[0], "", 1)
        .replacen(customer_keys[1], "", 1);
    let sc = parse_str(&ok, "ok.toml").expect("valid").scenario;
    let provider = sc.dr.and_then(|d| d.provider).expect("provider path");
    assert_eq!(provider.never_probability, 0.0);
}

#[test]
fn after_failover_names_a_known_behaviour() {
    let dr = include_str!("../scenarios/dynamics365-self-service-dr.toml");
    let text = dr.replacen("[dr]\n", "[dr]\nafter_failover = \"sty\"\n", 1);
    let e = match parse_str(&text, "bad.toml") {
        Ok(_) => panic!("accepted a misspelt behaviour"),
        Err(e) => e.to_string(),
    };
    assert!(e.contains("key: dr.after_failover"), "{e}");
    assert!(e.contains("expected one of"), "{e}");
    assert!(e.contains("did you mean `stay`?"), "{e}");
}

/// `dr.targets` / `dr.target_choice` on the self-service DR scenario with a
/// third region `uksouth`; returns the rendered errors.
fn targets_error(targets: &str, choice: &str) -> String {
    let dr = include_str!("../scenarios/dynamics365-self-service-dr.toml");
    let text = dr
        .replacen(
            "[environment]\n",
            "[[regions]]\nname = \"uksouth\"\nzones = [\"az1\", \"az2\", \"az3\"]\n\n[environment]\n",
            1,
        )
        .replacen(
            "[dr]\n",
            &format!("[dr]\ntargets = {targets}\ntarget_choice = \"{choice}\"\n"),
            1,
        );
    match parse_str(&text, "bad.toml") {
        Ok(_) => panic!("accepted targets = {targets}, target_choice = {choice}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn failover_targets_name_known_regions_other_than_home_once() {
    let e = targets_error(r#"["northeurope", "uksout"]"#, "priority");
    assert!(e.contains("key: dr.targets[1]"), "{e}");
    assert!(e.contains("did you mean `uksouth`?"), "{e}");
    let e = targets_error(r#"["northeurope", "westeurope"]"#, "priority");
    assert!(e.contains("key: dr.targets[1]"), "{e}");
    assert!(e.contains("home region"), "{e}");
    let e = targets_error(r#"["northeurope", "uksouth", "northeurope"]"#, "priority");
    assert!(e.contains("key: dr.targets[2]"), "{e}");
    assert!(e.contains("listed twice"), "{e}");
}

#[test]
fn failover_targets_include_the_paired_region() {
    let e = targets_error(r#"["uksouth"]"#, "priority");
    assert!(e.contains("key: dr.targets"), "{e}");
    assert!(
        e.contains("must include the paired region `northeurope`"),
        "{e}"
    );
    let e = targets_error("[]", "priority");
    assert!(e.contains("expected at least one region"), "{e}");
}

#[test]
fn target_choice_names_a_known_rule() {
    let e = targets_error(r#"["northeurope", "uksouth"]"#, "least_lag");
    assert!(e.contains("key: dr.target_choice"), "{e}");
    assert!(e.contains("did you mean `least-lag`?"), "{e}");
}
