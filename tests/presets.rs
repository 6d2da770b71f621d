//! The service presets of `scenarios/services/`: every scenario there (the
//! folder is listed, so presets added later are covered) validates on its
//! own, runs on the shared failure description, cites its sources, and
//! carries documented targets that reach its report and the comparison.

use drsim::runner::RunOptions;
use drsim::scenario::{parse_failure_file, parse_str, FailureFile};
use drsim::side_by_side::{prepare, run_into};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

const FOLDER: &str = "scenarios/services";
const FAILURES: &str = "scenarios/services/failures.toml";
/// Replications per preset: enough to see region outages in some of them,
/// few enough to keep the test fast.
const RUNS: u64 = 20;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(root().join(path)).unwrap()
}

/// Every `.toml` of the folder, sorted, and whether it is a failure
/// description (it reads as one) rather than a scenario.
fn folder_files() -> Vec<(PathBuf, bool)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(FOLDER))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| Path::new(FOLDER).join(p.file_name().unwrap()))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let is_failures = parse_failure_file(&read(&p), &p.display().to_string()).is_ok();
            (p, is_failures)
        })
        .collect()
}

fn presets() -> Vec<PathBuf> {
    folder_files()
        .into_iter()
        .filter(|(_, f)| !f)
        .map(|(p, _)| p)
        .collect()
}

fn shared_failures() -> FailureFile {
    let mut f = parse_failure_file(&read(Path::new(FAILURES)), FAILURES).unwrap();
    f.runs = RUNS;
    f
}

/// The folder holds the presets of this branch and the one failure
/// description, and nothing that is neither.
#[test]
fn the_folder_holds_presets_and_the_shared_failures() {
    let files = folder_files();
    let descriptions: Vec<&PathBuf> = files.iter().filter(|(_, f)| *f).map(|(p, _)| p).collect();
    assert_eq!(descriptions, [&PathBuf::from(FAILURES)]);
    let names: Vec<String> = presets()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for expected in [
        "azure-sql-failover-group-customer-managed.toml",
        "azure-sql-failover-group-microsoft-managed.toml",
        "cosmos-db-session-service-managed.toml",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
}

/// Each preset: the schema line, its sources cited (the shared reference
/// and at least one vendor page), the shared failures named for what
/// vendors do not publish, valid on its own with a zone or region target,
/// and no failures of its own to be silently replaced.
#[test]
fn every_preset_is_valid_cites_its_sources_and_has_targets() {
    for p in presets() {
        let text = read(&p);
        let file = p.display().to_string();
        assert!(
            text.starts_with("#:schema ../../schema/drsim-scenario.schema.json\n"),
            "{file}: first line"
        );
        for cited in [
            "services.md §",
            "https://",
            "scenarios/services/failures.toml",
        ] {
            assert!(text.contains(cited), "{file}: cites {cited}");
        }
        let loaded = parse_str(&text, &file).unwrap_or_else(|e| panic!("{file}: {e}"));
        let sc = &loaded.scenario;
        assert!(
            sc.targets.iter().any(|t| matches!(
                t.class,
                drsim::incident::IncidentClass::Zone | drsim::incident::IncidentClass::Region
            )),
            "{file}: a zone or region target"
        );
        let table: toml::Table = text.parse().unwrap();
        for own in ["failures", "incidents"] {
            assert!(
                !table.contains_key(own),
                "{file}: [{own}] would be replaced by the shared failures"
            );
        }
    }
}

/// Every preset runs on the shared failures, and each of its targets
/// reaches the comparison row beside the simulated figures, as its report
/// judged it.
#[test]
fn every_preset_runs_on_the_shared_failures_with_its_targets_in_the_comparison() {
    let f = shared_failures();
    let files = presets();
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|p| (read(p), p.display().to_string()))
        .collect();
    let compared = prepare(&texts, &f).unwrap();
    let dir = std::env::temp_dir().join(format!("drsim-presets-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let stop = AtomicBool::new(false);
    let result = run_into(&dir, &compared, &f, &RunOptions::default(), &mut [], &stop).unwrap();
    assert_eq!(result.rows.len(), files.len());
    for (row, summary) in result.rows.iter().zip(&result.summaries) {
        assert_eq!(summary.runs, RUNS, "{}", row.file);
        assert!(
            summary.classes.contains_key("zone"),
            "{}: zone incidents",
            row.file
        );
        assert!(!summary.targets.is_empty(), "{}: targets", row.file);
        for t in &summary.targets {
            let class = match t.class.as_str() {
                "zone" => &row.zone,
                "region" => &row.region,
                _ => continue,
            };
            let figure = match t.metric.as_str() {
                "rpo" => class.rpo_target.as_ref(),
                _ => class.rto_target.as_ref(),
            }
            .unwrap_or_else(|| panic!("{}: {} {} target in the row", row.file, t.class, t.metric));
            assert_eq!(
                (
                    figure.target_s,
                    figure.quantile,
                    figure.met,
                    figure.observed_s
                ),
                (t.target_s, t.quantile, t.met, t.observed_s),
                "{}: {} {}",
                row.file,
                t.class,
                t.metric
            );
        }
    }
    let csv = std::fs::read_to_string(dir.join("comparison.csv")).unwrap();
    assert_eq!(csv.lines().count(), files.len() + 1);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The README's command, a shell glob over the folder: the failure
/// description it also matches is left out with a note, every preset runs.
#[test]
fn the_folder_glob_runs_side_by_side() {
    let out = std::env::temp_dir().join(format!("drsim-presets-cli-{}", std::process::id()));
    let mut args: Vec<String> = vec!["run".into()];
    args.extend(folder_files().iter().map(|(p, _)| p.display().to_string()));
    args.extend(
        [
            "--failures",
            FAILURES,
            "--runs",
            "2",
            "--force",
            "--out",
            out.to_str().unwrap(),
        ]
        .map(String::from),
    );
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_drsim"))
        .args(&args)
        .current_dir(root())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "note: {FAILURES} is the failure description (--failures), not a scenario: left out"
        )),
        "{stderr}"
    );
    // A warning about the failure description that holds for several
    // presets (its link failures, for those without a link) is said once,
    // naming them all.
    let link_warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("link failures have no effect"))
        .collect();
    assert_eq!(link_warnings.len(), 1, "{stderr}");
    assert!(
        link_warnings[0].contains("applied to the scenarios")
            && link_warnings[0].contains("spanner-multi-region.toml")
            && link_warnings[0].contains("cockroachdb-survive-region.toml"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("targets (each scenario's [targets]"),
        "{stdout}"
    );
    let csv = std::fs::read_to_string(out.join("comparison.csv")).unwrap();
    assert_eq!(csv.lines().count(), presets().len() + 1);
    let _ = std::fs::remove_dir_all(&out);
}

/// The README's "Reading the comparison" names every preset of the folder
/// in its table of what each leaves out, so a preset added later cannot go
/// undocumented there.
#[test]
fn the_readme_says_what_every_preset_leaves_out() {
    let readme = read(Path::new("README.md"));
    let start = readme
        .find("**The presets and what each leaves out**")
        .expect("the README has the presets table");
    let table = &readme[start..];
    let table = &table[..table.find("\n\n**").unwrap_or(table.len())];
    for p in presets() {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            table.contains(&format!("`{name}`")),
            "the README's presets table lacks {name}"
        );
    }
}
