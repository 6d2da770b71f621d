//! `[capacity]`: the storage the environment is billed for.

use super::super::model::Capacity;
use super::super::raw::RawCapacity;

/// Without a `[capacity]` table the database holds the environment's data
/// and nothing else is billed.
pub(super) fn capacity(raw: Option<&RawCapacity>, data_size: u64) -> Capacity {
    match raw {
        None => Capacity {
            database: data_size,
            ..Capacity::default()
        },
        Some(r) => Capacity {
            database: r.database.map_or(0, |b| b.0),
            file: r.file.map_or(0, |b| b.0),
            log: r.log.map_or(0, |b| b.0),
            price_database: r.price_per_gb_month.as_ref().and_then(|p| p.database),
            price_file: r.price_per_gb_month.as_ref().and_then(|p| p.file),
            price_log: r.price_per_gb_month.as_ref().and_then(|p| p.log),
        },
    }
}
