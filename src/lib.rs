//! drsim: a deterministic discrete-event simulator of multi-zone,
//! multi-region replication and self-service disaster recovery.

pub mod dist;
pub mod incident;
pub mod scenario;
pub mod stats;
pub mod time;
pub mod units;
pub mod engine;
pub mod model;
pub mod metrics;
pub mod runner;
pub mod report;
