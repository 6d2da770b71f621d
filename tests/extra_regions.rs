//! Regions beyond the home region and its pair (region numbers 2, 3, …):
//! their outages follow their law, drawn from streams keyed by the region
//! number (so scenarios compared on the same failures see the same outages
//! of region k whatever it is called), and `distance_km` is validated.

use drsim::incident::{Incident, IncidentClass};
use drsim::runner::run_replication;
use drsim::scenario::{parse_failure_file, parse_str, with_failures, Scenario, ScenarioError};

/// Home `home` (paired with `pair`), then two regions beyond the pair.
fn scenario_text(names: [&str; 4], extra: &str) -> String {
    let [home, pair, r2, r3] = names;
    format!(
        r#"
name = "extra-regions"
[simulation]
seed = 5
runs = 2000
horizon = "1y"
[[regions]]
name = "{home}"
zones = ["az1", "az2", "az3"]
paired_region = "{pair}"
distance_km = {{ {r2} = 450, {r3} = 900 }}
[[regions]]
name = "{pair}"
zones = ["az1", "az2", "az3"]
[[regions]]
name = "{r2}"
zones = ["az1", "az2", "az3"]
[[regions]]
name = "{r3}"
zones = ["az1", "az2", "az3"]
[environment]
name = "env"
type = "production"
region = "{home}"
data_size = "10GB"
[workload]
write_rate = "100/s"
write_size = "1KB"
{extra}"#
    )
}

const NAMES: [&str; 4] = ["westeurope", "northeurope", "uksouth", "francecentral"];

fn scenario(extra: &str) -> Scenario {
    parse_str(&scenario_text(NAMES, extra), "extra.toml")
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

fn error(text: &str) -> String {
    match parse_str(text, "bad.toml") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e @ ScenarioError::Invalid(_)) => e.to_string(),
        Err(e) => panic!("unexpected error kind: {e}"),
    }
}

fn region_outages<'a>(
    incidents: &'a [Incident],
    scope: &'a str,
) -> impl Iterator<Item = &'a Incident> {
    incidents
        .iter()
        .filter(move |i| i.class == IncidentClass::Region && i.scope == scope)
}

/// P(Poisson(mean) ≥ k).
fn poisson_at_least(mean: f64, k: u64) -> f64 {
    let (mut term, mut below) = ((-mean).exp(), 0.0);
    for j in 0..k {
        below += term;
        term *= mean / (j + 1) as f64;
    }
    (1.0 - below).max(0.0)
}

/// Outages begin after Exp(m) up times and last exactly d. The k-th onset
/// falls before H iff k up times (a Gamma(k, 1/m)) and k − 1 outages fit
/// in H, so E[N(H)] = Σ_k P(Poisson((H − (k−1)d)/m) ≥ k): the mean count
/// of each region beyond the pair matches it, region 3 keeps none under
/// `random = false`, and every outage is a `region` incident scoped by
/// its region, lasting d.
#[test]
fn outages_of_a_region_beyond_the_pair_follow_its_law() {
    let sc = scenario(
        r#"
[failures.regions]
time_between = { dist = "exponential", mean = "20d" }
duration = "2d"
[[failures.region]]
name = "francecentral"
random = false
[[failures.region]]
name = "westeurope"
random = false
"#,
    );
    let numbers: Vec<(String, Option<u16>)> = (0..4)
        .map(|i| (sc.regions[i].name.clone(), sc.region_number(i)))
        .collect();
    assert_eq!(
        numbers,
        [
            ("westeurope".to_string(), Some(0)),
            ("northeurope".to_string(), Some(1)),
            ("uksouth".to_string(), Some(2)),
            ("francecentral".to_string(), Some(3)),
        ]
    );
    let (h, m, d) = (365.0, 20.0, 2.0);
    let expected: f64 = (1..)
        .map(|k: u64| (k, h - (k - 1) as f64 * d))
        .take_while(|&(_, room)| room > 0.0)
        .map(|(k, room)| poisson_at_least(room / m, k))
        .sum();
    let runs = sc.simulation.runs;
    let mut counts = Vec::new();
    for r in 0..runs {
        let out = run_replication(&sc, r);
        assert_eq!(region_outages(&out.incidents, "francecentral").count(), 0);
        assert_eq!(region_outages(&out.incidents, "westeurope").count(), 0);
        assert!(out
            .incidents
            .iter()
            .all(|i| i.class == IncidentClass::Region));
        let mine: Vec<&Incident> = region_outages(&out.incidents, "uksouth").collect();
        for i in &mine {
            if let Some(end) = i.end_ns {
                assert_eq!(end - i.start_ns, 2 * 86_400_000_000_000);
            }
            // Nothing of the environment is there: its outages stop nothing.
            assert_eq!((i.rto_ns, i.downtime_ns, i.lost_writes), (0, 0, 0));
        }
        counts.push(mine.len() as f64);
        assert_eq!(out.served_ns, out.horizon_ns);
    }
    let n = runs as f64;
    let mean = counts.iter().sum::<f64>() / n;
    let var = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let se = (var / n).sqrt();
    assert!(
        (mean - expected).abs() < 4.0 * se,
        "mean outages {mean:.3} ± {se:.3}, closed form {expected:.3}"
    );
}

/// A scheduled region incident may name a region beyond the pair: a
/// `region` incident scoped by that region, from `at` for `duration`.
#[test]
fn a_scheduled_outage_of_a_region_beyond_the_pair() {
    let sc = scenario(
        r#"
[[incidents]]
kind = "region"
region = "francecentral"
at = "3d"
duration = "5h"
"#,
    );
    let out = run_replication(&sc, 0);
    let got: Vec<(String, u64, Option<u64>, bool)> = out
        .incidents
        .iter()
        .map(|i| (i.scope.clone(), i.start_ns, i.end_ns, i.scheduled))
        .collect();
    let hour = 3_600_000_000_000u64;
    assert_eq!(
        got,
        [(
            "francecentral".to_string(),
            72 * hour,
            Some(77 * hour),
            true
        )]
    );
}

#[test]
fn a_region_beyond_the_pair_needs_its_distance_to_the_home_region() {
    let text = scenario_text(NAMES, "").replace(
        "distance_km = { uksouth = 450, francecentral = 900 }",
        "distance_km = { uksouth = 450 }",
    );
    let e = error(&text);
    assert!(
        e.contains("regions[3].distance_km")
            && e.contains("region `francecentral` (region number 3")
            && e.contains("no distance to the home region `westeurope`")
            && e.contains("distance_km = { westeurope = <km> }"),
        "{e}"
    );
    // Declared on the other region instead: symmetric, accepted.
    let moved = text.replace(
        "name = \"francecentral\"\nzones",
        "name = \"francecentral\"\ndistance_km = { westeurope = 900 }\nzones",
    );
    let sc = parse_str(&moved, "ok.toml")
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario;
    assert_eq!(sc.distances.km(0, 3), Some(900.0));
    assert_eq!(sc.distances.km(3, 0), Some(900.0));
    assert_eq!(
        sc.distances.km(0, 1),
        Some(500.0),
        "the pair's default distance"
    );
}

#[test]
fn distance_km_names_known_regions_once_and_in_range() {
    let with = |table: &str| {
        scenario_text(NAMES, "").replace("{ uksouth = 450, francecentral = 900 }", table)
    };
    let e = error(&with("{ uksouht = 450, francecentral = 900 }"));
    assert!(
        e.contains("regions[0].distance_km.uksouht")
            && e.contains("unknown region `uksouht`")
            && e.contains("did you mean `uksouth`?")
            && e.contains("bad.toml:11:17"),
        "{e}"
    );
    let e = error(&with("{ uksouth = -1, francecentral = 900 }"));
    assert!(
        e.contains("expected a distance in km between 0 and 20100, found -1"),
        "{e}"
    );
    let e = error(&with(
        "{ uksouth = 450, francecentral = 900, northeurope = 700 }",
    ));
    assert!(
        e.contains("are a pair: their distance is `pair_distance_km`"),
        "{e}"
    );
    let e = error(&with(
        "{ uksouth = 450, francecentral = 900, westeurope = 1 }",
    ));
    assert!(e.contains("a region's distance to itself"), "{e}");
    let twice = scenario_text(NAMES, "").replace(
        "name = \"uksouth\"\nzones",
        "name = \"uksouth\"\ndistance_km = { westeurope = 460 }\nzones",
    );
    let e = error(&twice);
    assert!(
        e.contains(
            "the distance between `uksouth` and `westeurope` is given twice, 450 km and 460 km"
        ),
        "{e}"
    );
    let e = error(&with("[450, 900]"));
    assert!(e.contains("regions") && e.contains("distance_km"), "{e}");
}

#[test]
fn near_miss_keys_of_regions_and_region_overrides() {
    let e = error(&scenario_text(NAMES, "").replace("distance_km =", "distance_kms ="));
    assert!(
        e.contains("unknown field `distance_kms`") && e.contains("did you mean `distance_km`?"),
        "{e}"
    );
    let e = error(&scenario_text(
        NAMES,
        "[[failures.region]]\nname = \"francecentrl\"\nrandom = false\n",
    ));
    assert!(e.contains("did you mean `francecentral`?"), "{e}");
    let e = error(&scenario_text(
        NAMES,
        "[[incidents]]\nkind = \"region\"\nregion = \"uksouth\"\nat = \"1d\"\nduration = \"1h\"\ndestroys_data = true\n",
    ));
    assert!(e.contains("holds none of the environment's data"), "{e}");
}

const SHARED: &str = r#"
[simulation]
seed = 99
runs = 30
horizon = "1y"
[failures.regions]
time_between = { dist = "exponential", mean = "30d" }
duration = { dist = "lognormal", median = "8h", sigma = 0.8 }
"#;

/// Two scenarios whose regions have other names (and the second a region
/// beyond the pair more): on one failure description, replication r sees
/// the same outages of region 2 and of region 3 in both, and regions 2 and
/// 3 do not fail alike.
#[test]
fn the_same_outages_of_region_k_whatever_it_is_called() {
    let f = parse_failure_file(SHARED, "shared.toml").unwrap_or_else(|e| panic!("{e}"));
    let a_text = scenario_text(NAMES, "");
    let b_text = scenario_text(["eastus", "westus", "centralus", "southcentralus"], "")
        .replace("[environment]", "[[regions]]\nname = \"spare\"\nzones = [\"a\", \"b\"]\ndistance_km = { eastus = 1200 }\n[environment]");
    let a = with_failures(&a_text, "a.toml", &f)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario;
    let b = with_failures(&b_text, "b.toml", &f)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario;
    assert_eq!(b.region_number(4), Some(4));
    let times = |inc: &[Incident], scope: &str| -> Vec<(u64, Option<u64>)> {
        region_outages(inc, scope)
            .map(|i| (i.start_ns, i.end_ns))
            .collect()
    };
    let mut seen = 0;
    for r in 0..f.runs {
        let (oa, ob) = (run_replication(&a, r), run_replication(&b, r));
        for (sa, sb) in [
            ("westeurope", "eastus"),
            ("uksouth", "centralus"),
            ("francecentral", "southcentralus"),
        ] {
            assert_eq!(
                times(&oa.incidents, sa),
                times(&ob.incidents, sb),
                "replication {r}: {sa} / {sb}"
            );
        }
        let two = times(&oa.incidents, "uksouth");
        assert_ne!(
            two,
            times(&oa.incidents, "francecentral"),
            "replication {r}"
        );
        seen += two.len();
    }
    assert!(seen > 100, "{seen} outages of region 2");
}
