//! A parameter sweep driven from Rust: the cross-region batch interval of
//! the self-service DR scenario against the data lost per region outage.
//! Run with `cargo run --release --example sweep_from_rust`.
//!
//! Every point uses the same seed, so each replication sees the same
//! outages at every point (common random numbers): the differences are the
//! batch interval's doing, not noise. The example asserts the trend.

use drsim::sweep::{self, Parameter, SweepSpec};
use std::sync::atomic::AtomicBool;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let file = "scenarios/dynamics365-self-service-dr.toml";
    let text = std::fs::read_to_string(file)?;
    let spec = SweepSpec::new(
        vec![Parameter {
            key: "cross_region.batch_interval".into(),
            values: ["1s", "5s", "30s"]
                .iter()
                .map(|v| sweep::parse_value(v))
                .collect(),
        }],
        "region.rpo_s",
    )?;
    let stop = AtomicBool::new(false);
    let result = sweep::run_sweep(&text, file, &spec, Some(400), &stop)?;
    let mut means = Vec::new();
    for point in &result.points {
        let row = point.row("region.rpo_s").expect("region outages happen");
        println!(
            "batch_interval = {:<4} region RPO mean {:.2} s (95% CI {:.2} – {:.2})",
            point.values[0].1,
            row.mean.unwrap_or(f64::NAN),
            row.ci95_low.unwrap_or(f64::NAN),
            row.ci95_high.unwrap_or(f64::NAN)
        );
        means.push(row.mean.unwrap_or(f64::NAN));
    }
    // Longer batches leave more unshipped data at a failure.
    assert!(means.windows(2).all(|w| w[0] < w[1]), "{means:?}");
    Ok(())
}
