//! Tables of the scenario file are read from TOML tables only.
//!
//! serde's derived `Deserialize` of a struct also accepts a sequence of its
//! fields by position, so `simulation = [1, 10, "30d"]` would be read as
//! `seed = 1, runs = 10, horizon = "30d"`: a file nobody can read and that
//! breaks silently when a field is added. Each table type derives its field
//! reading with `#[serde(remote = "Self")]` (an inherent `deserialize`) and
//! gets its `Deserialize` from [`tables_only!`], which accepts a TOML table
//! and refuses anything else, saying that a table was expected.

use serde::de::{self, MapAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// A type read field by field from the entries of a TOML table.
pub(super) trait FromTable: Sized {
    fn from_table<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// Visits a TOML table and nothing else.
pub(super) struct TableVisitor<T>(pub PhantomData<T>);

impl<'de, T: FromTable> Visitor<'de> for TableVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a table (`[name]` with `key = value` lines, or `{ key = value, ... }`)")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::from_table(map)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<T, A::Error> {
        Err(de::Error::custom(
            "expected a table of `key = value` entries, found an array: \
             values are named by their keys, never given by position",
        ))
    }
}

/// Gives each listed type (derived with `#[serde(remote = "Self")]`) a
/// `Deserialize` that reads it from a TOML table only.
macro_rules! tables_only {
    ($($ty:ident),* $(,)?) => {$(
        impl crate::scenario::table_only::FromTable for $ty {
            fn from_table<'de, A: serde::de::MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
                $ty::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_map(crate::scenario::table_only::TableVisitor(
                    std::marker::PhantomData,
                ))
            }
        }
    )*};
}
pub(super) use tables_only;
