//! drsim: a deterministic discrete-event simulator of multi-zone,
//! multi-region replication and self-service disaster recovery.

pub mod analyze;
pub mod compare;
pub mod console;
pub mod decide;
pub mod dist;
pub mod engine;
pub mod frontier;
pub mod guard;
pub mod incident;
pub mod input;
pub mod metrics;
pub mod model;
pub mod overrides;
pub mod plot;
pub mod quote;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod shard;
pub mod side_by_side;
pub mod stats;
pub mod sweep;
pub mod theory;
pub mod time;
pub mod units;
