//! `report.html` as a browser would read it: parsed as HTML, every section
//! present, every figure equal to the one in `summary.json`, and the same
//! bytes for the same seed whatever the thread count.

use scraper::{ElementRef, Html, Selector};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const SCENARIO: &str = "scenarios/dynamics365-self-service-dr.toml";

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("drsim-html-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run_into(dir: &Path, extra: &[&str]) {
    let mut args = vec![
        "run",
        SCENARIO,
        "--quiet",
        "--force",
        "--runs",
        "300",
        "--out",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = Command::new(env!("CARGO_BIN_EXE_drsim"))
        .args(&args)
        .output()
        .expect("drsim runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn select<'a>(doc: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    doc.select(&Selector::parse(css).unwrap()).collect()
}

fn text(e: &ElementRef) -> String {
    e.text().collect::<String>().trim().to_string()
}

/// The exact value behind a cell (`data-value`), parsed.
fn value(e: &ElementRef) -> f64 {
    let v = e.value().attr("data-value").expect("cell has data-value");
    v.parse()
        .unwrap_or_else(|_| panic!("data-value {v:?} is not a number"))
}

fn cells<'a>(row: &ElementRef<'a>) -> Vec<ElementRef<'a>> {
    row.select(&Selector::parse("td").unwrap()).collect()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

#[test]
fn report_sections_match_summary_json() {
    let dir = temp_dir("match");
    run_into(&dir, &["--plot"]);
    let summary: Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
    let page = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let doc = Html::parse_document(&page);
    for id in [
        "overview",
        "targets",
        "availability",
        "classes",
        "dr",
        "services",
        "capacity",
        "charts",
        "provenance",
        "scenario",
    ] {
        assert_eq!(select(&doc, &format!("#{id}")).len(), 1, "section #{id}");
    }
    assert_eq!(
        text(&select(&doc, "h1")[0]),
        summary["scenario"].as_str().unwrap()
    );
    assert_eq!(
        text(&select(&doc, "p.architecture")[0]),
        summary["architecture"].as_str().unwrap()
    );
    assert!(text(&select(&doc, "p.description")[0]).starts_with("Self-service DR"));
    // Nothing fetched from the network, no script.
    assert!(select(&doc, "script, link, img, iframe").is_empty());

    // Availability, downtime and incidents per run: mean and CI.
    for (id, key) in [
        ("availability", "availability"),
        ("downtime", "downtime_s"),
        ("incidents", "incidents_per_run"),
    ] {
        let row = select(&doc, &format!("#row-{id}"))[0].parent().unwrap();
        let row = ElementRef::wrap(row).unwrap();
        let c = cells(&row);
        assert_eq!(value(&c[1]), f(&summary[key]["mean"]), "{key} mean");
        assert_eq!(value(&c[2]), f(&summary[key]["ci95"][0]), "{key} ci low");
        assert_eq!(value(&c[3]), f(&summary[key]["ci95"][1]), "{key} ci high");
    }

    // Targets: one row each, in order, with verdict and observed value.
    let targets = summary["targets"].as_array().unwrap();
    let rows = select(&doc, "#targets tbody tr");
    assert!(!targets.is_empty());
    assert_eq!(rows.len(), targets.len());
    for (row, t) in rows.iter().zip(targets) {
        let c = cells(row);
        assert_eq!(text(&c[0]), t["class"].as_str().unwrap());
        assert_eq!(text(&c[1]), t["metric"].as_str().unwrap().to_uppercase());
        assert_eq!(text(&c[2]), t["basis"].as_str().unwrap());
        assert_eq!(value(&c[3]), f(&t["target_s"]));
        assert_eq!(value(&c[4]), f(&t["quantile"]));
        match t["observed_s"].as_f64() {
            Some(o) => assert_eq!(value(&c[5]), o),
            None => assert_eq!(text(&c[5]), "–"),
        }
        assert_eq!(value(&c[6]), f(&t["share_met"]));
        assert_eq!(value(&c[7]), f(&t["incidents"]));
        assert_eq!(value(&c[8]), f(&t["class_incidents"]));
        let verdict = if t["met"].as_bool().unwrap() {
            "MET"
        } else {
            "MISSED"
        };
        assert_eq!(text(&c[9]), verdict);
    }

    // Per class: counts and quantiles.
    let classes = summary["classes"].as_object().unwrap();
    let rows = select(&doc, "#classes tbody tr");
    assert_eq!(rows.len(), classes.len());
    assert!(
        classes.contains_key("region"),
        "the scenario has region outages"
    );
    for (row, (name, c)) in rows.iter().zip(classes) {
        let cell = cells(row);
        assert_eq!(text(&cell[0]), *name);
        let counts = [
            "incidents",
            "interrupted",
            "disruptive",
            "rto_zero",
            "unresolved_at_horizon",
            "with_loss",
            "lost_writes",
            "lost_bytes",
        ];
        for (i, key) in counts.iter().enumerate() {
            assert_eq!(value(&cell[i + 1]), f(&c[key]), "{name} {key}");
        }
        for (i, q) in ["p50", "p99", "max"].iter().enumerate() {
            assert_eq!(value(&cell[9 + i]), f(&c["rpo_s"][q]), "{name} rpo {q}");
            if c["disruptive"].as_u64().unwrap() > 0 {
                let rto = f(&c["disruptive_rto_s"][q]);
                assert_eq!(value(&cell[12 + i]), rto, "{name} rto {q}");
            }
        }
        assert_eq!(value(&cell[15]), f(&c["downtime_s_per_run"]));
    }

    // DR decisions and refused operations.
    let decisions = summary["emergency"]["decisions"].as_object().unwrap();
    let rows = select(&doc, "#decisions tbody tr");
    assert!(!decisions.is_empty());
    assert_eq!(rows.len(), decisions.len());
    for (row, (name, n)) in rows.iter().zip(decisions) {
        let c = cells(row);
        assert_eq!(text(&c[0]), *name);
        assert_eq!(value(&c[1]), f(n));
    }
    assert_eq!(
        value(&select(&doc, "#refused-total")[0]),
        f(&summary["refused_operations"])
    );

    // Services: availability of each.
    let services = summary["services"].as_array().unwrap();
    let rows = select(&doc, "#services tbody tr");
    assert_eq!(rows.len(), services.len());
    for (row, s) in rows.iter().zip(services) {
        let c = cells(row);
        assert_eq!(text(&c[0]), s["name"].as_str().unwrap());
        assert_eq!(text(&c[1]), s["behaviour"].as_str().unwrap());
        assert_eq!(value(&c[2]), f(&s["availability"]));
    }

    // The charts --plot drew, inline.
    let figures = select(&doc, "#charts figure svg");
    assert!(figures.len() >= 3, "{} charts embedded", figures.len());

    // Provenance and the scenario text, verbatim.
    let prov = text(&select(&doc, "#provenance")[0]);
    assert!(prov.contains(summary["scenario_hash"].as_str().unwrap()));
    let source = std::fs::read_to_string(SCENARIO).unwrap();
    assert_eq!(
        select(&doc, "#scenario pre")[0].text().collect::<String>(),
        source
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn same_seed_gives_the_same_report_whatever_the_thread_count() {
    let a = temp_dir("t1");
    let b = temp_dir("t2");
    run_into(&a, &["--plot", "--threads", "1"]);
    run_into(&b, &["--plot", "--threads", "2"]);
    let ra = std::fs::read(a.join("report.html")).unwrap();
    assert!(!ra.is_empty());
    assert_eq!(ra, std::fs::read(b.join("report.html")).unwrap());
    for d in [a, b] {
        std::fs::remove_dir_all(d).unwrap();
    }
}
