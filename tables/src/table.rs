//! A registered table: its metadata for the engine and the docs, and the means to scan
//! it in one target.

use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use futures::stream::BoxStream;

use crate::context::ScanContext;
use crate::error::FetchError;
use crate::schema::{Call, Calls, ColumnInfo, HydrateInfo, KeyColumn, Scope, hydrates_needed};

/// A scan of one table in one target: which columns to build, and how many rows are enough.
#[derive(Debug, Clone)]
pub struct Request {
    /// Indices into the table's schema, in output order.
    pub projection: Vec<usize>,
    pub limit: Option<usize>,
}

/// What a scan of one target yields, in order.
#[derive(Debug)]
pub enum ScanEvent {
    /// A page of rows.
    Batch(RecordBatch),
    /// A hydrate call (by index in the table) failed for a row of the next batch: that
    /// row's columns of the hydrate are null.
    HydrateFailed { hydrate: usize, error: FetchError },
}

/// The events of one target's scan; an error ends it (the list itself failed).
pub type Events = BoxStream<'static, Result<ScanEvent, FetchError>>;

pub(crate) trait Fetch: Send + Sync {
    fn fetch(self: Arc<Self>, scan: ScanContext, request: Request) -> Events;
}

/// A registered table: its metadata, and the means to scan it in one target.
#[derive(Clone)]
pub struct Table {
    pub name: &'static str,
    pub description: &'static str,
    /// The AWS service the list calls, by its signing name, e.g. `ec2`.
    pub service: &'static str,
    pub scope: Scope,
    pub list_calls: Calls,
    pub example: &'static str,
    /// The table's columns followed by the common `partition`, `region`, `account_id`.
    pub columns: Vec<ColumnInfo>,
    pub key_columns: Vec<KeyColumn>,
    pub hydrates: Vec<HydrateInfo>,
    pub(crate) schema: SchemaRef,
    pub(crate) fetcher: Arc<dyn Fetch>,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table").field("name", &self.name).finish_non_exhaustive()
    }
}

impl Table {
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// The hydrate calls (by index) a scan projecting `projection` makes.
    pub fn hydrates_for(&self, projection: &[usize]) -> Vec<usize> {
        let projected: Vec<&str> = projection.iter().filter_map(|&i| self.columns.get(i)).map(|c| c.name).collect();
        hydrates_needed(self.hydrates.iter(), &projected)
    }

    /// Every column (by index) the list call and the given hydrate calls fill.
    pub fn columns_filled_by(&self, hydrates: &[usize]) -> Vec<usize> {
        let hydrated = |name: &str| self.hydrates.iter().position(|h| h.columns.contains(&name));
        (0..self.columns.len())
            .filter(|&i| hydrated(self.columns[i].name).is_none_or(|h| hydrates.contains(&h)))
            .collect()
    }

    pub fn key_column(&self, column: &str) -> Option<&KeyColumn> {
        self.key_columns.iter().find(|k| k.column == column)
    }

    /// Scans one target, yielding a batch per page as it arrives.
    pub fn fetch(&self, scan: ScanContext, request: Request) -> Events {
        self.fetcher.clone().fetch(scan, request)
    }
}

impl Table {
    /// The calls the table declares it makes: its list's and its hydrates'.
    pub fn calls(&self) -> impl Iterator<Item = Call> + '_ {
        self.list_calls.iter().chain(self.hydrates.iter().flat_map(|h| h.calls.iter()))
    }
}
