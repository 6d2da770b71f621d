//! Researchers' and CI's tools as a user drives them: charts, traces,
//! sweeps and the regression compare.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn drsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_drsim"))
        .args(args)
        .output()
        .expect("drsim runs")
}

fn ok(args: &[&str]) -> Output {
    let out = drsim(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("drsim-tools-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const DR: &str = "scenarios/dynamics365-self-service-dr.toml";

fn png_size(path: &Path) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let reader = decoder.read_info().unwrap();
    let info = reader.info();
    (info.width, info.height)
}

#[test]
fn plots_are_produced_with_the_expected_size_and_are_reproducible() {
    let a = temp_dir("plot-a");
    let b = temp_dir("plot-b");
    for d in [&a, &b] {
        ok(&[
            "run",
            DR,
            "--runs",
            "200",
            "--plot",
            "--quiet",
            "--force",
            "--out",
            s(d),
        ]);
    }
    for chart in ["rpo_cdf", "rto_cdf", "timeline"] {
        let png = a.join(format!("{chart}.png"));
        assert_eq!(png_size(&png), (1200, 700), "{chart}");
        let svg = std::fs::read_to_string(a.join(format!("{chart}.svg"))).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{chart}: not an SVG document"
        );
        assert!(
            svg.contains("width=\"1200\"") && svg.contains("height=\"700\""),
            "{chart}"
        );
        assert!(
            svg.contains("dynamics365-self-service-dr") && svg.contains("20251015"),
            "{chart}: no provenance caption"
        );
        assert_eq!(
            svg.as_bytes(),
            std::fs::read(b.join(format!("{chart}.svg"))).unwrap(),
            "{chart}.svg differs between identical runs"
        );
    }
    // `drsim plot DIR` redraws the same charts from the files.
    let redraw = temp_dir("plot-redraw");
    for f in ["summary.json", "incidents.csv", "runs.csv", "timeline.csv"] {
        std::fs::copy(a.join(f), redraw.join(f)).unwrap();
    }
    ok(&["plot", s(&redraw)]);
    assert_eq!(
        std::fs::read(redraw.join("rto_cdf.svg")).unwrap(),
        std::fs::read(a.join("rto_cdf.svg")).unwrap()
    );
    for d in [a, b, redraw] {
        std::fs::remove_dir_all(d).unwrap();
    }
}

#[test]
fn a_trace_reproduces_the_incidents_of_its_replication() {
    let full = temp_dir("trace-full");
    let one = temp_dir("trace-one");
    ok(&[
        "run",
        DR,
        "--runs",
        "40",
        "--quiet",
        "--force",
        "--out",
        s(&full),
    ]);
    let all = std::fs::read_to_string(full.join("incidents.csv")).unwrap();
    let mut checked = 0;
    for k in [0u64, 7, 39] {
        ok(&[
            "trace",
            DR,
            "--run",
            &k.to_string(),
            "--force",
            "--out",
            s(&one),
        ]);
        let traced = std::fs::read_to_string(one.join("incidents.csv")).unwrap();
        let expected: Vec<&str> = all
            .lines()
            .skip(1)
            .filter(|l| l.starts_with(&format!("{k},")))
            .collect();
        let got: Vec<&str> = traced.lines().skip(1).collect();
        assert_eq!(got, expected, "replication {k}");
        assert!(!got.is_empty());
        // Every incident's start appears as an event of the trace.
        let trace = std::fs::read_to_string(one.join("trace.csv")).unwrap();
        for row in &got {
            let start = row.split(',').nth(5).unwrap();
            assert!(
                trace.contains(&format!("{start},")),
                "incident start {start} not in trace"
            );
        }
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(one.join("trace.json")).unwrap()).unwrap();
        assert!(json["traceEvents"].as_array().unwrap().len() > got.len());
        assert_eq!(json["otherData"]["run"], k);
        checked += 1;
    }
    assert_eq!(checked, 3);
    std::fs::remove_dir_all(full).unwrap();
    std::fs::remove_dir_all(one).unwrap();
}

#[test]
fn compare_exits_1_beyond_tolerance_and_0_within() {
    let dir = temp_dir("compare");
    ok(&[
        "run",
        "--runs",
        "200",
        "--quiet",
        "--force",
        "--out",
        s(&dir),
    ]);
    let base = dir.join("summary.json");
    let text = std::fs::read_to_string(&base).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let same = dir.join("same.json");
    std::fs::write(&same, &text).unwrap();
    assert_eq!(
        drsim(&["compare", s(&base), s(&same)]).status.code(),
        Some(0)
    );

    let p99 = v["classes"]["zone"]["rto_s"]["p99"].as_f64().unwrap();
    v["classes"]["zone"]["rto_s"]["p99"] = serde_json::json!(p99 * 1.01);
    let within = dir.join("within.json");
    std::fs::write(&within, serde_json::to_string(&v).unwrap()).unwrap();
    assert_eq!(
        drsim(&["compare", s(&base), s(&within)]).status.code(),
        Some(0)
    );

    v["classes"]["zone"]["rto_s"]["p99"] = serde_json::json!(p99 * 1.5);
    let beyond = dir.join("beyond.json");
    std::fs::write(&beyond, serde_json::to_string(&v).unwrap()).unwrap();
    let out = drsim(&["compare", s(&base), s(&beyond)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("classes.zone.rto_s.p99"));
    // A looser tolerance accepts the change consciously.
    let relaxed = drsim(&[
        "compare",
        s(&base),
        s(&beyond),
        "--tolerance",
        "classes.zone.rto_s.p99=rel:0.6",
    ]);
    assert_eq!(relaxed.status.code(), Some(0));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn sweep_writes_tidy_csv_and_a_chart() {
    let dir = temp_dir("sweep");
    ok(&[
        "sweep",
        DR,
        "--set",
        "cross_region.batch_interval=1s,30s",
        "--metric",
        "region.rpo_s",
        "--runs",
        "100",
        "--quiet",
        "--force",
        "--out",
        s(&dir),
    ]);
    let csv = std::fs::read_to_string(dir.join("sweep.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert_eq!(
        header,
        "cross_region.batch_interval,metric,mean,ci95_low,ci95_high,p50,p99,max,runs"
    );
    assert!(csv.lines().any(|l| l.starts_with("30s,region.rpo_s,")));
    assert_eq!(png_size(&dir.join("sweep_region_rpo_s.png")), (1200, 700));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn trace_plot_draws_the_worst_region_incident_or_the_one_asked_for() {
    let dir = temp_dir("trace-plot");
    let case = "tests/scenarios/overlaps/10-region-after-leader-zone.toml";
    let out = ok(&["trace", case, "--plot", "--force", "--out", s(&dir)]);
    // Incident 1 is the region outage (incident 0 the leader zone before it).
    assert!(String::from_utf8_lossy(&out.stdout).contains("incident-0-1.png"));
    assert_eq!(png_size(&dir.join("incident-0-1.png")), (1200, 700));
    let svg = std::fs::read_to_string(dir.join("incident-0-1.svg")).unwrap();
    assert!(svg.contains("region home"), "lanes are named");
    assert!(svg.contains("loss window"));
    ok(&[
        "trace",
        case,
        "--plot",
        "--incident",
        "0",
        "--force",
        "--out",
        s(&dir),
    ]);
    assert!(dir.join("incident-0-0.svg").exists());
    let missing = drsim(&[
        "trace",
        case,
        "--plot",
        "--incident",
        "9",
        "--force",
        "--out",
        s(&dir),
    ]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no incident 9"));
    std::fs::remove_dir_all(dir).unwrap();
}
