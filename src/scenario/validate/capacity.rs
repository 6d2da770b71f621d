//! `[capacity]`: the storage the environment is billed for.

use super::super::model::Capacity;
use super::super::raw::{RawCapacity, RawPrices};
use super::super::spanned::Spanned;
use super::Checker;

/// Without a `[capacity]` table, or without its `database` key, the
/// database holds the environment's data (as the README documents); file
/// and log storage are billed only when given.
pub(super) fn capacity(c: &mut Checker, raw: Option<&RawCapacity>, data_size: u64) -> Capacity {
    match raw {
        None => Capacity {
            database: data_size,
            ..Capacity::default()
        },
        Some(r) => {
            let prices = r.price_per_gb_month.as_ref();
            let price = |c: &mut Checker, pick: fn(&RawPrices) -> &Option<Spanned<f64>>, key| {
                prices
                    .and_then(|p| pick(p).as_ref())
                    .map(|p| checked_price(c, p, key))
            };
            Capacity {
                database: r.database.map_or(data_size, |b| b.0),
                file: r.file.map_or(0, |b| b.0),
                log: r.log.map_or(0, |b| b.0),
                price_database: price(c, |p| &p.database, "database"),
                price_file: price(c, |p| &p.file, "file"),
                price_log: price(c, |p| &p.log, "log"),
            }
        }
    }
}

/// A price multiplies storage into a cost: NaN, an infinity or a negative
/// price would print "cost NaN per run" or a negative bill.
fn checked_price(c: &mut Checker, price: &Spanned<f64>, storage: &str) -> f64 {
    let p = *price.get_ref();
    if !(p.is_finite() && p >= 0.0) {
        c.error(
            Some(price.span()),
            &format!("capacity.price_per_gb_month.{storage}"),
            format!("expected a price per GB-month that is a finite number ≥ 0, found {p}"),
        );
    }
    p
}
