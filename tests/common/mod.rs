//! Helpers shared by the integration tests.
#![allow(dead_code)]

use drsim::scenario::{parse_str, Scenario};

/// A minimal valid scenario; `extra` is appended verbatim (tables, incidents, targets).
pub fn scenario_text(env_type: &str, quorum: usize, zones: usize, extra: &str) -> String {
    let zone_list: Vec<String> = (1..=zones).map(|i| format!("\"az{i}\"")).collect();
    format!(
        r#"name = "test"
[simulation]
seed = 7
runs = 200
horizon = "1000h"

[[regions]]
name = "r1"
zones = [{zones}]

[environment]
name = "env"
type = "{env_type}"
region = "r1"
data_size = "10GB"

[workload]
write_rate = "100/s"
write_size = "4KiB"

[replication]
quorum = {quorum}

{extra}
"#,
        zones = zone_list.join(", ")
    )
}

pub fn scenario(text: &str) -> Scenario {
    match parse_str(text, "test.toml") {
        Ok(l) => l.scenario,
        Err(e) => panic!("test scenario invalid:\n{e}"),
    }
}

/// Tolerance for comparing a mean over `n` independent replications with
/// its exact value: `z` standard errors, the standard error estimated from
/// the replications themselves.
pub fn tolerance(std_dev: f64, n: u64, z: f64) -> f64 {
    z * std_dev / (n as f64).sqrt()
}
