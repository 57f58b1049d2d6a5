//! Cells to Arrow: one typed array per column, checked against the column's kind.

use std::borrow::Cow;
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, Float64Array, Int64Array, StringArray, TimestampMillisecondArray};

use crate::cell::Cell;
use crate::error::FetchError;
use crate::schema::Kind;

/// The array of one column. A getter returning a cell of another kind is a defect of the
/// table, reported rather than hidden.
pub(crate) fn build_array<'a>(
    column: &str,
    kind: Kind,
    cells: impl Iterator<Item = Cell<'a>>,
) -> Result<ArrayRef, FetchError> {
    Ok(match kind {
        Kind::Text => Arc::new(StringArray::from_iter(values(column, kind, cells, |cell| match cell {
            Cell::Text(s) => Ok(s),
            other => Err(other),
        })?)),
        Kind::Json => Arc::new(StringArray::from_iter(values(column, kind, cells, |cell| match cell {
            Cell::Text(s) => Ok(s),
            Cell::Json(v) => Ok(Cow::Owned(v.to_string())),
            other => Err(other),
        })?)),
        Kind::Int => Arc::new(Int64Array::from(values(column, kind, cells, |cell| match cell {
            Cell::Int(v) => Ok(v),
            other => Err(other),
        })?)),
        Kind::Float => Arc::new(Float64Array::from(values(column, kind, cells, |cell| match cell {
            Cell::Float(v) => Ok(v),
            other => Err(other),
        })?)),
        Kind::Bool => Arc::new(BooleanArray::from(values(column, kind, cells, |cell| match cell {
            Cell::Bool(v) => Ok(v),
            other => Err(other),
        })?)),
        Kind::Timestamp => Arc::new(
            TimestampMillisecondArray::from(values(column, kind, cells, |cell| match cell {
                Cell::Timestamp(v) => Ok(v),
                other => Err(other),
            })?)
            .with_timezone("UTC"),
        ),
    })
}

fn values<'a, V>(
    column: &str,
    kind: Kind,
    cells: impl Iterator<Item = Cell<'a>>,
    value: fn(Cell<'a>) -> Result<V, Cell<'a>>,
) -> Result<Vec<Option<V>>, FetchError> {
    cells
        .map(|cell| match cell {
            Cell::Null => Ok(None),
            cell => value(cell)
                .map(Some)
                .map_err(|other| FetchError::internal(format!("column {column} ({}) got {other:?}", kind.name()))),
        })
        .collect()
}
