//! The table contract: what a table declares, and the generic machinery that turns a
//! table's listed (and hydrated) items into Arrow record batches.

use std::borrow::Cow;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, Float64Builder, Int64Builder, StringBuilder, TimestampMillisecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::record_batch::{RecordBatch, RecordBatchOptions};
use futures::FutureExt;
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use crate::call::{Call, FetchError, Target};

/// How a table fans out over a target's regions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One call set per account and region.
    Regional,
    /// One call set per account; rows carry the region `global` (IAM).
    Global,
    /// One call set per account; each row carries its own region (S3 buckets).
    /// Rows outside the regions in scope are dropped.
    GlobalWithRegionColumn,
}

impl Scope {
    pub fn describe(self) -> &'static str {
        match self {
            Scope::Regional => "regional: one call set per account and region",
            Scope::Global => "global: one call set per account, region is 'global'",
            Scope::GlobalWithRegionColumn => {
                "global with region column: listed once per account, each row has its own region"
            }
        }
    }
}

/// The logical type of a column. JSON columns are UTF-8 text holding a JSON document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
    Float,
    Bool,
    Timestamp,
    Json,
}

impl Kind {
    pub fn arrow_type(self) -> DataType {
        match self {
            Kind::Text | Kind::Json => DataType::Utf8,
            Kind::Int => DataType::Int64,
            Kind::Float => DataType::Float64,
            Kind::Bool => DataType::Boolean,
            Kind::Timestamp => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Int => "bigint",
            Kind::Float => "double",
            Kind::Bool => "boolean",
            Kind::Timestamp => "timestamp (UTC)",
            Kind::Json => "json",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ColumnInfo {
    pub name: &'static str,
    pub kind: Kind,
    pub description: &'static str,
}

/// Field metadata marking a text column that holds JSON documents, so exports can emit
/// them as nested JSON rather than as strings.
pub const JSON_METADATA_KEY: &str = "cove.json";

impl ColumnInfo {
    pub fn field(&self) -> Field {
        let field = Field::new(self.name, self.kind.arrow_type(), true);
        if self.kind == Kind::Json {
            field.with_metadata([(JSON_METADATA_KEY.to_string(), "true".to_string())].into())
        } else {
            field
        }
    }
}

/// A column whose `=` / `IN` filters the table's API can take.
#[derive(Debug, Clone)]
pub struct KeyColumn {
    pub column: &'static str,
    /// True when the API returns exactly the matching rows, so the engine need not re-filter.
    pub exact: bool,
    /// How the filter reaches the API, for the docs (e.g. `DescribeInstances InstanceIds`).
    pub api: &'static str,
}

#[derive(Debug, Clone)]
pub struct HydrateInfo {
    pub api: &'static str,
    pub columns: Vec<&'static str>,
}

/// The hydrate calls (by index) that fill any of the `projected` columns.
fn hydrates_needed<'a>(hydrates: impl Iterator<Item = &'a HydrateInfo>, projected: &[&str]) -> Vec<usize> {
    let needed = |h: &HydrateInfo| h.columns.iter().any(|c| projected.contains(c));
    hydrates.enumerate().filter(|(_, h)| needed(h)).map(|(i, _)| i).collect()
}

/// One cell value, as produced by a column getter.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Null,
    Text(Cow<'a, str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Milliseconds since the Unix epoch, UTC.
    Timestamp(i64),
    Json(serde_json::Value),
}

/// Text from anything string-like, including the SDKs' enums (`InstanceType`, ...).
pub fn text<S: AsRef<str> + ?Sized>(value: Option<&S>) -> Cell<'_> {
    value.map_or(Cell::Null, |v| Cell::Text(Cow::Borrowed(v.as_ref())))
}

impl<'a> From<Option<&'a str>> for Cell<'a> {
    fn from(v: Option<&'a str>) -> Self {
        text(v)
    }
}
impl<'a> From<&'a str> for Cell<'a> {
    fn from(v: &'a str) -> Self {
        Cell::Text(Cow::Borrowed(v))
    }
}
impl From<String> for Cell<'_> {
    fn from(v: String) -> Self {
        Cell::Text(Cow::Owned(v))
    }
}
impl From<Option<String>> for Cell<'_> {
    fn from(v: Option<String>) -> Self {
        v.map_or(Cell::Null, Cell::from)
    }
}
impl From<Option<i32>> for Cell<'_> {
    fn from(v: Option<i32>) -> Self {
        v.map_or(Cell::Null, |v| Cell::Int(v.into()))
    }
}
impl From<Option<i64>> for Cell<'_> {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Cell::Null, Cell::Int)
    }
}
impl From<Option<bool>> for Cell<'_> {
    fn from(v: Option<bool>) -> Self {
        v.map_or(Cell::Null, Cell::Bool)
    }
}
impl From<bool> for Cell<'_> {
    fn from(v: bool) -> Self {
        Cell::Bool(v)
    }
}
impl From<Option<&aws_smithy_types::DateTime>> for Cell<'_> {
    fn from(v: Option<&aws_smithy_types::DateTime>) -> Self {
        v.and_then(|t| t.to_millis().ok()).map_or(Cell::Null, Cell::Timestamp)
    }
}
impl From<serde_json::Value> for Cell<'_> {
    fn from(v: serde_json::Value) -> Self {
        if v.is_null() { Cell::Null } else { Cell::Json(v) }
    }
}
impl From<Option<serde_json::Value>> for Cell<'_> {
    fn from(v: Option<serde_json::Value>) -> Self {
        v.map_or(Cell::Null, Cell::from)
    }
}

type Getter<T> = Box<dyn for<'a> Fn(&'a T, &'a Target) -> Cell<'a> + Send + Sync>;

struct Column<T> {
    info: ColumnInfo,
    get: Getter<T>,
}

/// A paginated list: a stream of pages of items.
pub type Pages<T> = BoxStream<'static, Result<Vec<T>, FetchError>>;
type ListFn<T> = fn(Call) -> Pages<T>;
type HydrateFn<T> = fn(Call, T) -> BoxFuture<'static, Result<T, FetchError>>;

struct Hydrate<T> {
    info: HydrateInfo,
    run: HydrateFn<T>,
}

/// Per-row hydrate calls in flight for one target.
const HYDRATE_CONCURRENCY: usize = 8;

/// The typed, declarative definition of one table over the item type `T` its API lists.
pub struct Def<T> {
    name: &'static str,
    description: &'static str,
    service: &'static str,
    scope: Scope,
    list_api: &'static str,
    list: ListFn<T>,
    columns: Vec<Column<T>>,
    key_columns: Vec<KeyColumn>,
    hydrates: Vec<Hydrate<T>>,
    example: &'static str,
    row_region: Option<fn(&T) -> Option<&str>>,
}

impl<T: Clone + Send + Sync + 'static> Def<T> {
    /// `list_api` names the call(s) the list makes, e.g. `ec2:DescribeInstances`.
    pub fn new(
        name: &'static str,
        description: &'static str,
        scope: Scope,
        list_api: &'static str,
        list: ListFn<T>,
    ) -> Self {
        let service = list_api.split(':').next().unwrap_or(list_api);
        Def {
            name,
            description,
            service,
            scope,
            list_api,
            list,
            columns: Vec::new(),
            key_columns: Vec::new(),
            hydrates: Vec::new(),
            example: "",
            row_region: None,
        }
    }

    pub fn column<F>(mut self, name: &'static str, kind: Kind, description: &'static str, get: F) -> Self
    where
        F: for<'a> Fn(&'a T, &'a Target) -> Cell<'a> + Send + Sync + 'static,
    {
        let info = ColumnInfo { name, kind, description };
        self.columns.push(Column { info, get: Box::new(get) });
        self
    }

    pub fn key(mut self, column: &'static str, exact: bool, api: &'static str) -> Self {
        self.key_columns.push(KeyColumn { column, exact, api });
        self
    }

    /// Several key columns answered the same way, as (column, API parameter) pairs.
    pub fn keys(self, exact: bool, keys: &[(&'static str, &'static str)]) -> Self {
        keys.iter().fold(self, |def, (column, api)| def.key(column, exact, api))
    }

    /// A per-row call that fills `columns`; it runs only when one of them is needed.
    pub fn hydrate(mut self, api: &'static str, columns: &[&'static str], run: HydrateFn<T>) -> Self {
        let info = HydrateInfo { api, columns: columns.to_vec() };
        self.hydrates.push(Hydrate { info, run });
        self
    }

    /// For `Scope::GlobalWithRegionColumn`: where a row lives.
    pub fn row_region(mut self, region: fn(&T) -> Option<&str>) -> Self {
        self.row_region = Some(region);
        self
    }

    pub fn example(mut self, sql: &'static str) -> Self {
        self.example = sql;
        self
    }

    pub fn build(self) -> Table {
        let mut columns: Vec<ColumnInfo> = self.columns.iter().map(|c| c.info.clone()).collect();
        columns.extend(COMMON_COLUMNS.iter().cloned());
        let schema = Arc::new(Schema::new(columns.iter().map(ColumnInfo::field).collect::<Vec<_>>()));
        Table {
            name: self.name,
            description: self.description,
            service: self.service,
            scope: self.scope,
            list_api: self.list_api,
            example: self.example,
            columns,
            key_columns: self.key_columns.clone(),
            hydrates: self.hydrates.iter().map(|h| h.info.clone()).collect(),
            schema,
            fetcher: Arc::new(self),
        }
    }
}

const COMMON_COLUMNS: [ColumnInfo; 3] = [
    ColumnInfo { name: "partition", kind: Kind::Text, description: "The AWS partition (aws, aws-cn, aws-us-gov)." },
    ColumnInfo { name: "region", kind: Kind::Text, description: "The region the resource lives in, or 'global'." },
    ColumnInfo { name: "account_id", kind: Kind::Text, description: "The AWS account that owns the resource." },
];

/// A scan of one table in one target: which columns to build, the key-column filters for
/// the API, and how many rows are enough.
#[derive(Debug, Clone)]
pub struct Request {
    /// Indices into the table's schema, in output order.
    pub projection: Vec<usize>,
    pub limit: Option<usize>,
}

trait Fetch: Send + Sync {
    fn fetch(self: Arc<Self>, call: Call, request: Request) -> BoxStream<'static, Result<RecordBatch, FetchError>>;
}

impl<T: Clone + Send + Sync + 'static> Fetch for Def<T> {
    fn fetch(self: Arc<Self>, call: Call, request: Request) -> BoxStream<'static, Result<RecordBatch, FetchError>> {
        let schema =
            Arc::new(Schema::new(request.projection.iter().map(|&i| self.column_info(i).field()).collect::<Vec<_>>()));
        let projected: Vec<&str> = request.projection.iter().map(|&i| self.column_info(i).name).collect();
        let hydrates: Vec<(usize, HydrateFn<T>)> = hydrates_needed(self.hydrates.iter().map(|h| &h.info), &projected)
            .into_iter()
            .map(|i| (i, self.hydrates[i].run))
            .collect();
        let in_scope = call.target.row_regions.clone();
        let region_of = self.row_region;
        let target = call.target.clone();
        let hydrate_call = call.clone();
        let limit = request.limit.unwrap_or(usize::MAX);
        // The remaining count is checked before asking for the next page, so a met LIMIT
        // never costs another page call; dropping `list` abandons the rest.
        let pages = stream::unfold(((self.list)(call), limit), move |(mut list, remaining)| {
            let in_scope = in_scope.clone();
            async move {
                if remaining == 0 {
                    return None;
                }
                let page = list.next().await?.map(|mut page| {
                    if let (Some(region_of), Some(allowed)) = (region_of, &in_scope) {
                        page.retain(|row| region_of(row).is_some_and(|r| allowed.iter().any(|a| a == r)));
                    }
                    page.truncate(remaining);
                    page
                });
                let left = page.as_ref().map_or(0, |p| remaining - p.len());
                Some((page, (list, left)))
            }
        });
        pages
            .try_filter(|page| futures::future::ready(!page.is_empty()))
            .and_then(move |page| hydrate_page(page, hydrates.clone(), hydrate_call.clone()).map(Ok))
            .map(move |page| self.batch(&page?, &target, &request.projection, schema.clone()))
            .boxed()
    }
}

/// Hydrates every row of a page. A failed hydrate call leaves its columns null in that row
/// and is reported through the call, so one denied Get* costs its columns, not the rows.
async fn hydrate_page<T: Clone + Send + 'static>(
    page: Vec<T>,
    hydrates: Vec<(usize, HydrateFn<T>)>,
    call: Call,
) -> Vec<T> {
    if hydrates.is_empty() {
        return page;
    }
    stream::iter(page)
        .map(|row| {
            let (hydrates, call) = (hydrates.clone(), call.clone());
            async move {
                let mut row = row;
                for (index, run) in hydrates {
                    match run(call.clone(), row.clone()).await {
                        Ok(hydrated) => row = hydrated,
                        Err(error) => {
                            call.hydrate_failures.lock().unwrap_or_else(|e| e.into_inner()).push((index, error));
                        }
                    }
                }
                row
            }
        })
        .buffered(HYDRATE_CONCURRENCY)
        .collect()
        .await
}

impl<T> Def<T> {
    fn column_info(&self, index: usize) -> &ColumnInfo {
        match self.columns.get(index) {
            Some(c) => &c.info,
            None => &COMMON_COLUMNS[index - self.columns.len()],
        }
    }

    fn common_cell<'a>(&self, column: &str, row: &'a T, target: &'a Target) -> Cell<'a> {
        match column {
            "partition" => target.partition.as_str().into(),
            "account_id" => target.account_id.as_str().into(),
            _ => match (self.scope, self.row_region) {
                (Scope::Global, _) => "global".into(),
                (Scope::GlobalWithRegionColumn, Some(region_of)) => region_of(row).into(),
                _ => target.region.as_str().into(),
            },
        }
    }

    fn batch(
        &self,
        rows: &[T],
        target: &Target,
        projection: &[usize],
        schema: SchemaRef,
    ) -> Result<RecordBatch, FetchError> {
        let arrays = projection
            .iter()
            .map(|&index| match self.columns.get(index) {
                Some(column) => {
                    build_array(column.info.name, column.info.kind, rows.iter().map(|r| (column.get)(r, target)))
                }
                None => {
                    let common = &COMMON_COLUMNS[index - self.columns.len()];
                    build_array(
                        common.name,
                        Kind::Text,
                        rows.iter().map(|row| self.common_cell(common.name, row, target)),
                    )
                }
            })
            .collect::<Result<Vec<ArrayRef>, FetchError>>()?;
        let options = RecordBatchOptions::new().with_row_count(Some(rows.len()));
        RecordBatch::try_new_with_options(schema, arrays, &options)
            .map_err(|e| FetchError::internal(format!("{}: {e}", self.name)))
    }
}

fn build_array<'a>(column: &str, kind: Kind, cells: impl Iterator<Item = Cell<'a>>) -> Result<ArrayRef, FetchError> {
    let mismatch = |cell: &Cell| FetchError::internal(format!("column {column} ({}) got {cell:?}", kind.name()));
    Ok(match kind {
        Kind::Text | Kind::Json => {
            let mut b = StringBuilder::new();
            for cell in cells {
                match cell {
                    Cell::Null => b.append_null(),
                    Cell::Text(s) => b.append_value(s),
                    Cell::Json(v) if kind == Kind::Json => b.append_value(v.to_string()),
                    other => return Err(mismatch(&other)),
                }
            }
            Arc::new(b.finish())
        }
        Kind::Int => {
            let mut b = Int64Builder::new();
            for cell in cells {
                match cell {
                    Cell::Null => b.append_null(),
                    Cell::Int(v) => b.append_value(v),
                    other => return Err(mismatch(&other)),
                }
            }
            Arc::new(b.finish())
        }
        Kind::Float => {
            let mut b = Float64Builder::new();
            for cell in cells {
                match cell {
                    Cell::Null => b.append_null(),
                    Cell::Float(v) => b.append_value(v),
                    other => return Err(mismatch(&other)),
                }
            }
            Arc::new(b.finish())
        }
        Kind::Bool => {
            let mut b = BooleanBuilder::new();
            for cell in cells {
                match cell {
                    Cell::Null => b.append_null(),
                    Cell::Bool(v) => b.append_value(v),
                    other => return Err(mismatch(&other)),
                }
            }
            Arc::new(b.finish())
        }
        Kind::Timestamp => {
            let mut b = TimestampMillisecondBuilder::new().with_timezone("UTC");
            for cell in cells {
                match cell {
                    Cell::Null => b.append_null(),
                    Cell::Timestamp(v) => b.append_value(v),
                    other => return Err(mismatch(&other)),
                }
            }
            Arc::new(b.finish())
        }
    })
}

/// A registered table: its metadata, and the means to scan it in one target.
#[derive(Clone)]
pub struct Table {
    pub name: &'static str,
    pub description: &'static str,
    /// The AWS service the list calls, e.g. `ec2`.
    pub service: &'static str,
    pub scope: Scope,
    pub list_api: &'static str,
    pub example: &'static str,
    /// The table's columns followed by the common `partition`, `region`, `account_id`.
    pub columns: Vec<ColumnInfo>,
    pub key_columns: Vec<KeyColumn>,
    pub hydrates: Vec<HydrateInfo>,
    schema: SchemaRef,
    fetcher: Arc<dyn Fetch>,
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
    pub fn fetch(&self, call: Call, request: Request) -> BoxStream<'static, Result<RecordBatch, FetchError>> {
        self.fetcher.clone().fetch(call, request)
    }
}
